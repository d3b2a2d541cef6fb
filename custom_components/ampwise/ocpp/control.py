"""The safe and dynamic profiles of one charger, and the recipe that works for it.

Every profile request goes through one lock per charger, so a fallback walk, a refresh and
the re-apply after a reconnect never interleave. Only an explicit refusal (Rejected,
NotSupported, or a CallError that refuses the form) moves to the next recipe: a timeout or a
transient error leaves the recipe alone, so a passing hiccup can never leave a profile at a
stack level that out-ranks the next one.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final, Protocol

from .config import ChargerSettings, EventKind
from .confirm import CHANGE_A, Confirmation, SentLimit, confirm
from .errors import CommandFailed, CommandRefused, ProfileRejected
from .model import CLOCK_TRUST_S, Capabilities, ConnectorState, RateUnit
from .profiles import (
    Kind,
    LimitSpec,
    ProfileRecipe,
    clamp_limit,
    limit_value,
    preferred_recipe,
    profile_ids,
    walk_order,
)

if TYPE_CHECKING:
    from .link import ChargerLink

LOGGER: Final = logging.getLogger(__name__)

ACCEPTED: Final = "Accepted"
REFUSED: Final = frozenset({"Rejected", "NotSupported"})
# After every recipe was refused, only the current one is tried for this long: walking the
# whole ladder on every refresh would flood the charger.
LADDER_PAUSE_S: Final = 600.0


class ControlHost(Protocol):
    """What the control needs from its session."""

    cp_id: str
    settings: ChargerSettings
    capabilities: Capabilities
    connectors: dict[int, ConnectorState]

    @property
    def ready_link(self) -> ChargerLink | None: ...

    def now(self) -> float: ...

    def clock_offset_s(self) -> float: ...

    def transaction_id(self, connector_id: int) -> int | None: ...

    def emit(self, kind: EventKind, connector_id: int | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Desired:
    """The last limit asked for on a connector, re-sent after a reconnect."""

    limit_a: float
    phases: int
    timeout_s: float
    relative: bool


@dataclass(frozen=True, slots=True)
class Safe:
    limit_a: float
    phases: int


def describe(recipe: ProfileRecipe) -> str:
    return (
        f"{recipe.purpose.value} level {recipe.stack_level}"
        f" in {recipe.unit.value}, {recipe.kind.value}"
    )


class ProfileControl:
    def __init__(self, host: ControlHost) -> None:
        self._host = host
        self._recipe: ProfileRecipe | None = host.settings.recipe
        self._desired: dict[int, Desired] = {}
        self._safe: dict[int, Safe] = {}
        # What each connector's safe profile was last installed as: it depends only on the
        # recipe's unit and level, so a change of purpose or kind leaves it alone.
        self._safe_installed: dict[int, tuple[Safe, RateUnit, int | None]] = {}
        self._sent: dict[int, SentLimit] = {}
        self._offset_used: dict[int, float] = {}
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    # --- state ------------------------------------------------------------------------
    def preferred(self) -> ProfileRecipe:
        settings = self._host.settings
        return preferred_recipe(
            self._host.capabilities, stack_level=settings.stack_level, unit=settings.rate_unit
        )

    @property
    def recipe(self) -> ProfileRecipe:
        return self._recipe if self._recipe is not None else self.preferred()

    @property
    def recipe_found(self) -> bool:
        """True once the charger accepted a dynamic profile (or one was remembered)."""
        return self._recipe is not None

    def adopt(self, recipe: ProfileRecipe) -> None:
        self._recipe = recipe

    def forget_recipe(self) -> None:
        self._recipe = None
        self._paused_until = 0.0

    def sent(self, connector_id: int) -> SentLimit | None:
        return self._sent.get(connector_id)

    def confirmation(self, connector_id: int, now: float) -> Confirmation:
        host = self._host
        interval = host.capabilities.meter_interval_s or float(host.settings.meter_interval_s)
        connector = host.connectors.get(connector_id) or ConnectorState(connector_id)
        return confirm(
            self._sent.get(connector_id),
            connector,
            meter_interval_s=interval,
            voltage=host.settings.voltage,
            now=now,
        )

    # --- commands ---------------------------------------------------------------------
    async def set_limit(
        self,
        connector_id: int,
        amps: float,
        phases: int,
        *,
        min_a: float,
        timeout_s: float,
        relative: bool,
    ) -> bool:
        limit = clamp_limit(amps, min_a)
        self._desired[connector_id] = Desired(limit, phases, timeout_s, relative)
        link = self._host.ready_link
        if link is None:
            return False
        async with self._lock:
            await self._send_dynamic(link, connector_id)
        return True

    async def install_safe(
        self, connector_id: int, amps: float, phases: int, *, min_a: float
    ) -> bool:
        self._safe[connector_id] = Safe(clamp_limit(amps, min_a), phases)
        link = self._host.ready_link
        if link is None:
            return False
        async with self._lock:
            return await self._send_safe(link, connector_id)

    async def clear(self, link: ChargerLink) -> None:
        """Remove our profiles (never the installer's or the vendor's) and forget the limits."""
        async with self._lock:
            connectors = set(self._desired) | set(self._safe) | set(self._safe_installed) or {1}
            self._desired.clear()
            self._safe.clear()
            self._sent.clear()
            self._safe_installed.clear()
            for connector_id in sorted(connectors):
                ids = profile_ids(connector_id)
                for profile_id in (ids.safe, ids.dynamic, ids.tx):
                    await link.clear_profile(connector_id, profile_id)

    async def reapply(self, link: ChargerLink) -> None:
        """After a (re)connect: the charger may have lost everything (go-e does)."""
        async with self._lock:
            self._safe_installed.clear()
            for connector_id in sorted(self._safe):
                await self._send_safe(link, connector_id)
            for connector_id in sorted(self._desired):
                try:
                    await self._send_dynamic(link, connector_id)
                except (CommandFailed, ProfileRejected) as err:
                    LOGGER.warning("Charger %s: limit not re-applied: %s", self._host.cp_id, err)

    async def resend(self, link: ChargerLink, connector_id: int | None = None) -> None:
        """Send the last limit again (a transaction started, the clock estimate moved)."""
        async with self._lock:
            for c in sorted(self._desired) if connector_id is None else [connector_id]:
                if c in self._desired:
                    try:
                        await self._send_dynamic(link, c)
                    except (CommandFailed, ProfileRejected) as err:
                        LOGGER.warning("Charger %s: limit not re-sent: %s", self._host.cp_id, err)

    def clock_moved(self, offset_s: float) -> bool:
        """True when an Absolute profile in force was built with a clock now known wrong."""
        return any(abs(used - offset_s) > CLOCK_TRUST_S for used in self._offset_used.values())

    # --- sending ----------------------------------------------------------------------
    async def _send_safe(self, link: ChargerLink, connector_id: int) -> bool:
        host = self._host
        safe = self._safe[connector_id]
        recipe = self.recipe
        installed_as = (safe, recipe.unit, recipe.safe_stack_level)
        if self._safe_installed.get(connector_id) == installed_as:
            return True
        ids = profile_ids(connector_id)
        try:
            if recipe.safe_stack_level is None:
                # No level below the dynamic profile: a safe profile left at a higher level
                # from an earlier recipe would out-rank it. The dynamic one carries the
                # failsafe period itself.
                await link.clear_profile(connector_id, ids.safe)
                status = ACCEPTED
            else:
                status = await link.send_safe(
                    recipe, connector_id, safe.limit_a, safe.phases, host.settings.voltage
                )
        except CommandRefused as err:
            status = err.code
        except CommandFailed as err:
            status = str(err)
        if status == ACCEPTED:
            self._safe_installed[connector_id] = installed_as
            host.emit(EventKind.SAFE, connector_id)
            return True
        # Kept out of the ladder: the dynamic profile decides the recipe. A charger that
        # refuses TxDefaultProfile during a transaction keeps the safe one it took before.
        LOGGER.warning(
            "Charger %s: safe profile on connector %s not installed (%s)",
            host.cp_id,
            connector_id,
            status,
        )
        self._safe_installed.pop(connector_id, None)
        host.emit(EventKind.SAFE, connector_id)
        return False

    def _spec(self, connector_id: int, desired: Desired) -> LimitSpec:
        host = self._host
        safe = self._safe.get(connector_id)
        return LimitSpec(
            connector_id=connector_id,
            limit_a=desired.limit_a,
            phases=desired.phases,
            voltage=host.settings.voltage,
            timeout_s=desired.timeout_s,
            now=host.now(),
            clock_offset_s=host.clock_offset_s(),
            transaction_id=host.transaction_id(connector_id),
            failsafe_a=safe.limit_a if safe is not None else None,
        )

    def _order(self, desired: Desired, spec: LimitSpec) -> list[ProfileRecipe]:
        current = self.recipe
        if spec.now < self._paused_until:
            order = [current]
        else:
            order = walk_order(
                current,
                self.preferred(),
                max_stack_level=self._host.capabilities.max_stack_level,
                transaction=spec.transaction_id is not None,
            )
        if desired.relative:
            order = [replace(r, kind=Kind.RELATIVE) for r in order]
        return list(dict.fromkeys(order))

    async def _send_dynamic(self, link: ChargerLink, connector_id: int) -> None:
        desired = self._desired[connector_id]
        spec = self._spec(connector_id, desired)
        refusals: list[str] = []
        for recipe in self._order(desired, spec):
            try:
                status = await link.send_dynamic(recipe, spec)
            except CommandRefused as err:
                status = err.code  # a CallError about the form: try another form
            else:
                if status == ACCEPTED:
                    await self._accepted(link, recipe, spec)
                    return
                if status not in REFUSED:
                    # Not an answer about the form of the profile: no reason to change it.
                    raise CommandFailed(f"SetChargingProfile answered {status!r}")
            refusals.append(f"{describe(recipe.effective(spec.transaction_id))}: {status}")
        self._paused_until = spec.now + LADDER_PAUSE_S
        raise ProfileRejected(
            f"Charger {self._host.cp_id} refused the limit in every form: " + "; ".join(refusals)
        )

    async def _accepted(self, link: ChargerLink, recipe: ProfileRecipe, spec: LimitSpec) -> None:
        host = self._host
        new_recipe = recipe != self._recipe
        self._recipe = recipe
        self._paused_until = 0.0
        previous = self._sent.get(spec.connector_id)
        changed = previous is None or abs(previous.limit_a - spec.limit_a) > CHANGE_A
        sent_as = recipe.effective(spec.transaction_id)
        self._sent[spec.connector_id] = SentLimit(
            connector_id=spec.connector_id,
            limit_a=spec.limit_a,
            phases=spec.phases,
            unit=sent_as.unit,
            value=limit_value(spec.limit_a, sent_as.unit, spec.phases, spec.voltage),
            recipe=sent_as,
            sent_at=spec.now,
            changed_at=spec.now if changed or previous is None else previous.changed_at,
        )
        if sent_as.kind is Kind.ABSOLUTE:
            self._offset_used[spec.connector_id] = spec.clock_offset_s
        else:
            self._offset_used.pop(spec.connector_id, None)
        host.emit(EventKind.LIMIT, spec.connector_id)
        if new_recipe:
            LOGGER.info("Charger %s takes profiles as %s", host.cp_id, describe(recipe))
            host.emit(EventKind.RECIPE)
            # The safe profile follows the recipe's unit and stays one level below it (or
            # is cleared when there is no level below).
            for connector_id in sorted(self._safe):
                await self._send_safe(link, connector_id)
