"""Charging profiles: how a limit is written (a recipe) and what to try when one is refused.

Pure functions, no I/O. Two TxDefaultProfiles per connector, with fixed ids so each update
replaces the previous one (PRODUCT.md §6–§7, the same rules as the lbbrhzn backend):

- the *safe* profile: permanent, one stack level below the dynamic one, at the failsafe
  current, so a charger left alone falls back to it by itself;
- the *dynamic* profile: the allocation, expiring `timeout` seconds after it was sent
  (Absolute with validTo, or Relative with a duration for chargers that need it).

When the dynamic profile has to sit at stack level 0 there is no level below it for the safe
one (the charger would replace one with the other), so the dynamic profile carries its own
fallback: a second period at the failsafe current from the timeout on, and no validTo.

Limits: 0 or at least the minimum (IEC 61851 cannot signal less; 0 suspends), one decimal
rounded down (the 1.6 schema wants a multiple of 0.1); watts are A × V × phases, whole.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from ..const import DEFAULT_STACK_LEVEL, PROFILE_ID_DYNAMIC, PROFILE_ID_SAFE
from .model import Capabilities, RateUnit

# Charger clocks drift: a schedule that starts "now" by ours may not have started by theirs.
START_IN_PAST_S: Final = 60
# Profile ids per connector: connector 1 uses the ids the lbbrhzn backend uses, each further
# connector the next ten, so one connector's profiles never replace another's.
IDS_PER_CONNECTOR: Final = 10


class Purpose(StrEnum):
    TX_DEFAULT = "TxDefaultProfile"
    # Bound to the running transaction (sent with its transactionId); outside a transaction a
    # recipe with this purpose sends a TxDefaultProfile instead.
    TX = "TxProfile"


class Kind(StrEnum):
    ABSOLUTE = "Absolute"
    RELATIVE = "Relative"


@dataclass(frozen=True, slots=True)
class ProfileRecipe:
    """How one charger takes its dynamic profile. Remembered per charger once accepted."""

    purpose: Purpose = Purpose.TX_DEFAULT
    stack_level: int = DEFAULT_STACK_LEVEL
    unit: RateUnit = RateUnit.AMPS
    kind: Kind = Kind.ABSOLUTE

    @property
    def safe_stack_level(self) -> int | None:
        """The safe profile's level, strictly below the dynamic one; None: no room."""
        return self.stack_level - 1 if self.stack_level > 0 else None

    def effective(self, transaction_id: int | None) -> ProfileRecipe:
        """What is actually sent: a TxProfile needs a running transaction."""
        if self.purpose is Purpose.TX and transaction_id is None:
            return replace(self, purpose=Purpose.TX_DEFAULT)
        return self

    def to_dict(self) -> dict[str, object]:
        """Plain data, for the Home Assistant side to store."""
        return {
            "purpose": self.purpose.value,
            "stack_level": self.stack_level,
            "unit": self.unit.value,
            "kind": self.kind.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ProfileRecipe | None:
        """Back from `to_dict`; None for anything we did not write (a stale or edited store)."""
        try:
            level = data["stack_level"]
            if not isinstance(level, int) or isinstance(level, bool) or level < 0:
                return None
            return cls(
                purpose=Purpose(str(data["purpose"])),
                stack_level=level,
                unit=RateUnit(str(data["unit"])),
                kind=Kind(str(data["kind"])),
            )
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class ProfileIds:
    safe: int
    dynamic: int
    tx: int


def profile_ids(connector_id: int) -> ProfileIds:
    base = IDS_PER_CONNECTOR * (max(connector_id, 1) - 1)
    return ProfileIds(
        PROFILE_ID_SAFE + base, PROFILE_ID_DYNAMIC + base, PROFILE_ID_DYNAMIC + 1 + base
    )


def preferred_recipe(
    capabilities: Capabilities,
    *,
    stack_level: int = DEFAULT_STACK_LEVEL,
    unit: RateUnit | None = None,
    kind: Kind = Kind.ABSOLUTE,
) -> ProfileRecipe:
    """Where the ladder starts: TxDefaultProfile, the configured level kept below the
    charger's maximum (several reject the maximum itself), the unit it allows."""
    level = max(0, stack_level)
    top = capabilities.max_stack_level
    if top is not None:
        level = min(level, max(0, top - 1))
    if unit is None:
        allowed = capabilities.rate_units
        unit = RateUnit.WATTS if allowed == {RateUnit.WATTS} else RateUnit.AMPS
    return ProfileRecipe(Purpose.TX_DEFAULT, level, unit, kind)


def ladder(
    preferred: ProfileRecipe, *, max_stack_level: int | None, transaction: bool
) -> list[ProfileRecipe]:
    """Every recipe worth trying, best first.

    The first change is the stack level (0, or the maximum when 0 was refused), then a
    TxProfile with the transaction id (only while a transaction runs), then the other unit,
    then a Relative schedule; later steps are combined with the earlier ones.
    """
    levels = [preferred.stack_level]
    if preferred.stack_level != 0:
        levels.append(0)
    elif max_stack_level:
        levels.append(max_stack_level)
    purposes = [Purpose.TX_DEFAULT] + ([Purpose.TX] if transaction else [])
    other = RateUnit.WATTS if preferred.unit is RateUnit.AMPS else RateUnit.AMPS
    kinds = [preferred.kind] + ([Kind.RELATIVE] if preferred.kind is not Kind.RELATIVE else [])
    out: list[ProfileRecipe] = []
    for kind in kinds:
        for unit in (preferred.unit, other):
            for purpose in purposes:
                for level in levels:
                    recipe = ProfileRecipe(purpose, level, unit, kind)
                    if recipe not in out:
                        out.append(recipe)
    return out


def walk_order(
    current: ProfileRecipe,
    preferred: ProfileRecipe,
    *,
    max_stack_level: int | None,
    transaction: bool,
) -> list[ProfileRecipe]:
    """The current recipe first, then the rest of the ladder from the step after it."""
    steps = ladder(preferred, max_stack_level=max_stack_level, transaction=transaction)
    if current in steps:
        at = steps.index(current)
        rest = steps[at + 1 :] + steps[:at]
    else:
        rest = steps
    return [current, *(s for s in rest if s != current)]


# --- values -------------------------------------------------------------------------------
def clamp_limit(amps: float, min_a: float) -> float:
    """0, or at least the minimum; one decimal, rounded down."""
    if not math.isfinite(amps) or amps <= 0 or amps < min_a - 1e-6:
        return 0.0
    limit = math.floor(round(amps * 10, 6)) / 10
    if limit < min_a:
        limit = math.ceil(round(min_a * 10, 6)) / 10
    return round(limit, 1)


def limit_value(limit_a: float, unit: RateUnit, phases: int, voltage: float) -> float | int:
    """The number in the schedule: amps per phase, or whole watts over all phases."""
    if unit is RateUnit.WATTS:
        return math.floor(round(limit_a * voltage * phases, 6))
    return round(limit_a, 1)


def iso_utc(timestamp: float) -> str:
    """ISO 8601 in UTC to the second, the form chargers parse most reliably."""
    return datetime.fromtimestamp(math.floor(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class LimitSpec:
    """One dynamic limit to send, independent of the recipe it is sent with."""

    connector_id: int
    limit_a: float
    phases: int
    voltage: float
    timeout_s: float
    now: float  # our clock (epoch seconds)
    clock_offset_s: float = 0.0  # charger clock minus ours, when it matters
    transaction_id: int | None = None
    failsafe_a: float | None = None  # for the fallback period when no safe profile fits


def _period(
    limit_a: float, recipe: ProfileRecipe, phases: int, voltage: float, start: int
) -> dict[str, object]:
    return {
        "startPeriod": start,
        "limit": limit_value(limit_a, recipe.unit, phases, voltage),
        "numberPhases": phases,
    }


def dynamic_profile_v16(recipe: ProfileRecipe, spec: LimitSpec) -> dict[str, object]:
    """The csChargingProfiles of an OCPP 1.6 SetChargingProfile for the dynamic limit."""
    sent = recipe.effective(spec.transaction_id)
    ids = profile_ids(spec.connector_id)
    tx = sent.purpose is Purpose.TX
    # Only a TxDefaultProfile at level 0 shares its slot with the safe profile.
    shared = not tx and sent.safe_stack_level is None and spec.failsafe_a is not None
    periods = [_period(spec.limit_a, sent, spec.phases, spec.voltage, 0)]
    profile: dict[str, object] = {"chargingProfileId": ids.tx if tx else ids.dynamic}
    if tx:
        profile["transactionId"] = spec.transaction_id
    profile["stackLevel"] = sent.stack_level
    profile["chargingProfilePurpose"] = sent.purpose.value
    profile["chargingProfileKind"] = sent.kind.value
    schedule: dict[str, object] = {"chargingRateUnit": sent.unit.value}
    if sent.kind is Kind.RELATIVE:
        # Relative periods usually count from the session start, so `duration` bounds the
        # profile only loosely; with the safe slot shared it is left permanent instead of
        # ending in "no limit".
        if not shared:
            schedule["duration"] = int(spec.timeout_s)
    else:
        charger_now = spec.now + spec.clock_offset_s
        start = iso_utc(charger_now - START_IN_PAST_S)
        profile["validFrom"] = start
        if shared:
            assert spec.failsafe_a is not None
            if spec.failsafe_a != spec.limit_a:
                offset = int(spec.timeout_s) + START_IN_PAST_S
                periods.append(_period(spec.failsafe_a, sent, spec.phases, spec.voltage, offset))
        else:
            profile["validTo"] = iso_utc(charger_now + spec.timeout_s)
        schedule["startSchedule"] = start
    schedule["chargingSchedulePeriod"] = periods
    profile["chargingSchedule"] = schedule
    return profile


def safe_profile_v16(
    recipe: ProfileRecipe, connector_id: int, limit_a: float, phases: int, voltage: float
) -> dict[str, object] | None:
    """The permanent safe TxDefaultProfile; None when the recipe leaves no level below."""
    level = recipe.safe_stack_level
    if level is None:
        return None
    return {
        "chargingProfileId": profile_ids(connector_id).safe,
        "stackLevel": level,
        "chargingProfilePurpose": Purpose.TX_DEFAULT.value,
        "chargingProfileKind": Kind.RELATIVE.value,
        "chargingSchedule": {
            "chargingRateUnit": recipe.unit.value,
            "chargingSchedulePeriod": [
                {
                    "startPeriod": 0,
                    "limit": limit_value(limit_a, recipe.unit, phases, voltage),
                    "numberPhases": phases,
                }
            ],
        },
    }
