"""One calculation per hub per tick: read the meters, ask the engine, hand the result out.

Two speeds (PRODUCT.md §6). Every state change of a grid, inverter or circuit sensor runs a
tick at once; the engine then only cuts where a limit would be exceeded, and the cut is sent
to the device in the same event-loop turn (the actuator's task starts eagerly). A timer runs
the optimisation every interval, and a mode or setting change runs one right away.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .accounting import BOOST, add_energy, boost_active, boost_setting
from .actuators.base import Actuator
from .const import DOMAIN, SETTING_DYNAMIC
from .engine import (
    Allocation,
    ControllerState,
    Decision,
    Load,
    Path,
    Reason,
    Site,
    Snapshot,
    allocate,
)
from .hub import Hub, LoadConfig, Settings
from .readings import read_snapshot

LOGGER = logging.getLogger(__package__)
STORE_VERSION = 1
ISSUE_STALE = "stale_sensor"
SAVE_DELAY_S = 10
HISTORY = 20


@dataclass(slots=True)
class AmpwiseRuntime:
    """What the hub keeps while it is loaded (the config entry's runtime_data)."""

    hub: Hub
    coordinator: AmpwiseCoordinator
    actuators: dict[str, Actuator] = field(default_factory=dict)


type AmpwiseConfigEntry = ConfigEntry[AmpwiseRuntime]


class AmpwiseCoordinator(DataUpdateCoordinator[Decision | None]):
    """Runs the engine for one hub and keeps its state, settings and the last decision."""

    config_entry: AmpwiseConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: AmpwiseConfigEntry,
        hub: Hub,
        actuators: Mapping[str, Actuator],
    ) -> None:
        super().__init__(hass, LOGGER, config_entry=entry, name=f"{DOMAIN} {hub.name}")
        self.hub = hub
        self.actuators = dict(actuators)
        self.settings = Settings()
        self.state = ControllerState()
        self.meters = hub.meters()
        self.bad_entities: list[str] = []
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.{entry.entry_id}"
        )
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._issue_open = False
        self._circuit_memory: dict[str, tuple[tuple[float, ...], float]] = {}
        self._last_tick_s: float | None = None
        self.energy_kwh: dict[str, float] = {}
        # The last decisions, for diagnostics ("why did it do that?").
        self.history: deque[tuple[float, Decision]] = deque(maxlen=HISTORY)
        self.data = None

    # --- lifecycle -------------------------------------------------------------------
    async def async_start(self) -> None:
        """Restore settings, start the devices and the two speeds, and decide once."""
        stored = await self._store.async_load() or {}
        self.settings = Settings(
            hub=dict(stored.get("hub", {})),
            loads={k: dict(v) for k, v in stored.get("loads", {}).items()},
        )
        self.energy_kwh = {k: float(v) for k, v in stored.get("energy", {}).items()}
        self._sync_actuators()
        # Together: a slow charger answering in 10 s must not hold the others up.
        await asyncio.gather(*(a.async_start() for a in self.actuators.values()))
        if self.meters.safety_entities:
            self._unsubscribe.append(
                async_track_state_change_event(
                    self.hass, list(self.meters.safety_entities), self._on_meter
                )
            )
        self._unsubscribe.append(
            async_track_time_interval(
                self.hass, self._on_interval, timedelta(seconds=self.hub.interval_s)
            )
        )
        self.tick(force_optimise=True)

    async def async_stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for actuator in self.actuators.values():
            await actuator.async_stop()
        await self._store.async_save(self._stored())

    # --- settings ----------------------------------------------------------------------
    def update_hub_setting(self, key: str, value: Any) -> None:
        """Change a hub setting (strategy, grid import, thresholds) and re-decide now."""
        self.settings.hub[key] = value
        self._settings_changed()

    def update_load_setting(self, load_id: str, key: str, value: Any) -> None:
        """Change a load setting (mode, priority, limits, dynamic control) and re-decide now."""
        self.settings.load(load_id)[key] = value
        self._settings_changed()

    def _settings_changed(self) -> None:
        self._store.async_delay_save(self._stored, SAVE_DELAY_S)
        self._sync_actuators()
        self.tick(force_optimise=True)

    def _stored(self) -> dict[str, Any]:
        return {"hub": self.settings.hub, "loads": self.settings.loads, "energy": self.energy_kwh}

    # --- the engine's inputs -------------------------------------------------------------
    def site(self) -> Site:
        return self.hub.site(self.settings)

    def engine_loads(self, now: float) -> list[Load]:
        return [
            self.hub.engine_load(c, self.settings, boosted=self.boosting(c.id, now))
            for c in self.hub.controlled(self.settings)
        ]

    def boosting(self, load_id: str, now: float) -> bool:
        boost = self.settings.load(load_id).get(BOOST)
        return boost_active(boost, now, self.energy_kwh.get(load_id, 0.0))

    def start_boost(self, load_id: str, minutes: float | None, kwh: float | None) -> None:
        """Full speed for `minutes`, or until `kwh` more have been drawn; then back to the mode."""
        now = dt_util.utcnow().timestamp()
        drawn = self.energy_kwh.get(load_id, 0.0)
        self.update_load_setting(load_id, BOOST, boost_setting(now, minutes, kwh, drawn))

    def stop_boost(self, load_id: str) -> None:
        self.update_load_setting(load_id, BOOST, None)

    def set_dynamic_control(self, load_id: str, on: bool) -> None:
        """Hand a load to Ampwise, or take it back: a released load gets its failsafe current
        once (a relay: off) and is then left alone, so it never keeps a stale allocation."""
        self.update_load_setting(load_id, SETTING_DYNAMIC, on)
        actuator = self.actuators.get(load_id)
        if on or actuator is None:
            return
        load = actuator.load
        failsafe = Allocation(
            load_id=load_id,
            current_a=load.failsafe_a,
            power_w=load.failsafe_a * self.hub.voltage * len(load.lines),
            reason=Reason.FAILSAFE,
            message="dynamic control off: failsafe current",
        )
        self.config_entry.async_create_background_task(
            self.hass,
            actuator.async_apply(failsafe, dt_util.utcnow().timestamp()),
            f"{DOMAIN} release {load_id}",
            eager_start=True,
        )

    def load_config(self, load_id: str) -> LoadConfig | None:
        return next((c for c in self.hub.loads if c.id == load_id), None)

    def _sync_actuators(self) -> None:
        """Keep each actuator's view of its load (limits, mode) current."""
        for config in self.hub.loads:
            actuator = self.actuators.get(config.id)
            if actuator is not None:
                actuator.load = self.hub.engine_load(config, self.settings)

    # --- ticks --------------------------------------------------------------------------
    @callback
    def _on_meter(self, _event: Event[EventStateChangedData]) -> None:
        self.tick()

    @callback
    def _on_interval(self, _now: Any) -> None:
        self.tick(force_optimise=True)

    @callback
    def tick(self, *, force_optimise: bool = False) -> Decision:
        """Read, decide, dispatch. Commands leave before this returns (eager tasks)."""
        now = dt_util.utcnow().timestamp()
        controlled = {c.id for c in self.hub.controlled(self.settings)}
        snapshot, bad = read_snapshot(
            self.hass,
            self.meters,
            self.hub.voltage,
            {k: a for k, a in self.actuators.items() if k in controlled},
            now,
        )
        snapshot = self._hold_circuits(snapshot, now)
        if self._last_tick_s is not None:
            add_energy(self.energy_kwh, snapshot.loads, self.hub.voltage, now - self._last_tick_s)
        self._last_tick_s = now
        self._end_boosts(now)
        decision = allocate(
            self.site(),
            self.engine_loads(now),
            snapshot,
            self.state,
            now,
            force_optimise=force_optimise,
        )
        self.state = decision.state
        self.history.append((now, decision))
        self.bad_entities = bad
        for load_id, allocation in decision.allocations.items():
            actuator = self.actuators.get(load_id)
            if actuator is not None and self.settings.load(load_id).get(SETTING_DYNAMIC, True):
                self.config_entry.async_create_background_task(
                    self.hass,
                    actuator.async_apply(allocation, now),
                    f"{DOMAIN} apply {load_id}",
                    eager_start=True,
                )
        self._update_issue(decision, bad)
        self.async_set_updated_data(decision)
        return decision

    def _end_boosts(self, now: float) -> None:
        """A boost whose time or energy ran out ends: the load is back in its own mode."""
        for load_id, own in self.settings.loads.items():
            if own.get(BOOST) and not self.boosting(load_id, now):
                own[BOOST] = None
                self._store.async_delay_save(self._stored, SAVE_DELAY_S)

    def _hold_circuits(self, snapshot: Snapshot, now: float) -> Snapshot:
        """A circuit meter gone quiet: its last value for `stale_after_s`, then "circuit full"."""
        readings = dict(snapshot.circuit_a)
        stale_after = self.hub.site(self.settings).timing.stale_after_s
        for circuit_id in self.meters.circuits:
            if circuit_id in readings:
                self._circuit_memory[circuit_id] = (readings[circuit_id], now)
                continue
            last = self._circuit_memory.get(circuit_id)
            if last is not None and now - last[1] <= stale_after:
                readings[circuit_id] = last[0]
            else:
                # Nothing known of what else runs on it: no room for any managed load.
                readings[circuit_id] = (math.inf,) * self.hub.phases
        if readings == snapshot.circuit_a:
            return snapshot
        return replace(snapshot, circuit_a=readings)

    def _update_issue(self, decision: Decision, bad: list[str]) -> None:
        """A Repairs issue while the engine runs on held values or the failsafe."""
        issue_id = f"{ISSUE_STALE}_{self.config_entry.entry_id}"
        if decision.path is Path.FAILSAFE or decision.site.degraded:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR
                if decision.path is Path.FAILSAFE
                else ir.IssueSeverity.WARNING,
                translation_key=ISSUE_STALE,
                translation_placeholders={
                    "hub": self.hub.name,
                    "entities": ", ".join(bad) or "-",
                    "status": decision.site.message,
                },
            )
            self._issue_open = True
        elif self._issue_open:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            self._issue_open = False

    async def _async_update_data(self) -> Decision | None:
        """Refresh requested by an entity: decide now."""
        return self.tick()
