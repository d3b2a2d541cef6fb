"""What the simulated charger does with charging profiles: accept or refuse them like a given
firmware would, keep them (1.6 §3.13 replacement rules), and work out the limit in force.

A mixin of `SimCharger`, which provides `options`, `transactions`, `installed` and `now()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sim_charger import SimOptions


def parse_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@dataclass
class ReceivedProfile:
    connector_id: int
    profile: dict[str, Any]  # as received (snake_case keys), numbers as float
    status: str
    at: float  # the charger's clock


class SmartChargingFirmware:
    """The profile side of a charge point."""

    options: SimOptions
    transactions: dict[int, tuple[int, float]]  # connector -> (transaction id, start)
    # connector -> profile id -> profile (snake_case keys, numbers as float) and receipt time
    installed: dict[int, dict[int, tuple[dict[str, Any], float]]]

    def now(self) -> float:
        raise NotImplementedError

    def offered_a(self, connector_id: int = 1) -> float:
        """What the charger signals to the car: its hardware maximum capped by the profile
        in force (TxProfile over TxDefaultProfile, highest valid stack level, its clock)."""
        opts = self.options
        offered = opts.hardware_max_a
        if opts.ignore_profiles:
            return offered
        now = self.now()
        purposes = (["TxProfile"] if connector_id in self.transactions else []) + [
            "TxDefaultProfile"
        ]
        for purpose in purposes:
            limit = self._limit(connector_id, purpose, now)
            if limit is None and purpose == "TxDefaultProfile":
                limit = self._limit(0, purpose, now)
            if limit is not None:
                offered = min(offered, limit)
                break
        cp_max = self._limit(0, "ChargePointMaxProfile", now)
        return min(offered, cp_max) if cp_max is not None else offered

    def draw_a(self, connector_id: int = 1) -> float:
        """What the car takes: nothing below 6 A (IEC 61851) or without a transaction."""
        if connector_id not in self.transactions:
            return 0.0
        offered = self.offered_a(connector_id)
        return 0.0 if offered < 6 else min(offered, self.options.vehicle_max_a)

    def _limit(self, connector_id: int, purpose: str, now: float) -> float | None:
        profiles = [
            (p, at)
            for p, at in self.installed.get(connector_id, {}).values()
            if p["charging_profile_purpose"] == purpose
        ]
        for profile, received in sorted(profiles, key=lambda x: -x[0]["stack_level"]):
            limit = self._period_limit(connector_id, profile, received, now)
            if limit is not None:
                return limit
        return None

    def _period_limit(
        self, connector_id: int, profile: dict[str, Any], received: float, now: float
    ) -> float | None:
        valid_from = parse_time(profile.get("valid_from"))
        valid_to = parse_time(profile.get("valid_to"))
        if (valid_from is not None and now < valid_from) or (
            valid_to is not None and now > valid_to
        ):
            return None
        schedule = profile["charging_schedule"]
        if profile["charging_profile_kind"] == "Absolute":
            start = parse_time(schedule.get("start_schedule")) or valid_from or received
        else:
            start = self.transactions.get(connector_id, (0, now))[1]
        elapsed = now - start
        duration = schedule.get("duration")
        if elapsed < 0 or (duration is not None and elapsed > duration):
            return None
        periods = [p for p in schedule["charging_schedule_period"] if p["start_period"] <= elapsed]
        if not periods:
            return None
        period = max(periods, key=lambda p: p["start_period"])
        limit = float(period["limit"])
        if schedule["charging_rate_unit"] == "W":
            phases = period.get("number_phases") or self.options.vehicle_phases
            limit /= self.options.voltage * phases
        return limit

    def judge_profile(self, connector_id: int, profile: dict[str, Any]) -> str:
        """Accept or reject a SetChargingProfile as this firmware would."""
        opts = self.options
        purpose = profile["charging_profile_purpose"]
        level = profile["stack_level"]
        schedule = profile["charging_schedule"]
        tx = self.transactions.get(connector_id)
        units = {"current": {"A"}, "power": {"W"}}
        allowed: set[str] = set(opts.accept_units or ())
        for word in opts.rate_unit.split(",") if opts.accept_units is None else []:
            allowed |= units.get(word.strip().casefold(), set())
        if not 0 <= connector_id <= opts.connectors:
            return "Rejected"
        if purpose == "ChargePointMaxProfile" and connector_id != 0:
            return "Rejected"
        if purpose == "TxProfile":
            if tx is None:
                return "Rejected"  # the spec: no transaction, no TxProfile
            if opts.tx_profile_needs_transaction_id and profile.get("transaction_id") != tx[0]:
                return "Rejected"
        if level > opts.max_stack_level or level in opts.reject_stack_levels:
            return "Rejected"
        if schedule["charging_rate_unit"] not in allowed:
            return "Rejected"
        if profile["charging_profile_kind"] in opts.reject_kinds:
            return "NotSupported"
        in_transaction = tx is not None or (connector_id == 0 and bool(self.transactions))
        if (
            purpose == "TxDefaultProfile"
            and opts.reject_tx_default_in_transaction
            and in_transaction
        ):
            return "Rejected"
        if len(schedule["charging_schedule_period"]) > opts.max_periods:
            return "Rejected"
        return "Accepted"

    def install(self, connector_id: int, profile: dict[str, Any]) -> None:
        """Replace a profile with the same id, or the same purpose and level (1.6 §3.13)."""
        profile_id = profile["charging_profile_id"]
        for installed in self.installed.values():
            installed.pop(profile_id, None)
        here = self.installed.setdefault(connector_id, {})
        for pid, (p, _) in list(here.items()):
            same_purpose = p["charging_profile_purpose"] == profile["charging_profile_purpose"]
            if same_purpose and p["stack_level"] == profile["stack_level"]:
                del here[pid]
        here[profile_id] = (profile, self.now())
