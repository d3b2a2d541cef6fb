"""The site and its loads as configured: config entry and subentries read once, into the engine's
terms, with the user's current settings (modes, limits, strategy) laid over them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .const import (
    CIRCUIT_ID,
    CIRCUIT_LIMIT_A,
    CIRCUIT_LIMIT_W,
    CIRCUIT_NAME,
    CIRCUIT_PARENT,
    CIRCUIT_SENSORS,
    CONF_BATTERY_CAPACITY,
    CONF_BATTERY_MAX_CHARGE,
    CONF_BATTERY_MAX_DISCHARGE,
    CONF_BATTERY_POWER_SENSOR,
    CONF_BATTERY_POWER_SIGN,
    CONF_BATTERY_SOC_SENSOR,
    CONF_CIRCUIT,
    CONF_CIRCUITS,
    CONF_EXCESS_HOLD,
    CONF_EXCESS_THRESHOLD,
    CONF_FAILSAFE_CURRENT,
    CONF_GRID_INVERT,
    CONF_GRID_POWER_SENSOR,
    CONF_GRID_SENSORS,
    CONF_GRID_SIGN,
    CONF_INTERVAL,
    CONF_INVERTER_MAX_A,
    CONF_INVERTER_MAX_W,
    CONF_INVERTER_SENSORS,
    CONF_LINES,
    CONF_MAIN_BREAKER,
    CONF_MAX_CURRENT,
    CONF_MAX_VALUE,
    CONF_METERING,
    CONF_MIN_CURRENT,
    CONF_MIN_OFF,
    CONF_MIN_ON,
    CONF_MIN_PAUSE,
    CONF_MIN_VALUE,
    CONF_MODE,
    CONF_NUMBER_UNIT,
    CONF_PHASES,
    CONF_POWER,
    CONF_PRIORITY,
    CONF_SOLAR_SENSOR,
    CONF_STALE_AFTER,
    CONF_START_DELAY,
    CONF_STOP_DELAY,
    CONF_VOLTAGE,
    DEFAULT_BATTERY_MAX_POWER,
    DEFAULT_EXCESS_HOLD,
    DEFAULT_EXCESS_THRESHOLD,
    DEFAULT_INTERVAL,
    DEFAULT_MAIN_BREAKER,
    DEFAULT_MAX_CURRENT,
    DEFAULT_MIN_CURRENT,
    DEFAULT_MIN_PAUSE,
    DEFAULT_SOC_HYSTERESIS,
    DEFAULT_SOC_MIN,
    DEFAULT_SOC_TARGET,
    DEFAULT_STALE_AFTER,
    DEFAULT_START_DELAY,
    DEFAULT_STOP_DELAY,
    DEFAULT_VOLTAGE,
    METERING_OFF_GRID,
    METERING_PER_PHASE,
    METERING_TOTAL,
    PHASES,
    SETTING_DISTRIBUTION,
    SETTING_DYNAMIC,
    SETTING_GRID_IMPORT,
    SETTING_MAX_CURRENT,
    SETTING_MAX_IMPORT,
    SETTING_MIN_CURRENT,
    SETTING_MODE,
    SETTING_PRIORITY,
    SETTING_SOC_HYSTERESIS,
    SETTING_SOC_MIN,
    SETTING_SOC_TARGET,
    SIGN_DISCHARGE_POSITIVE,
    SIGN_EXPORT_POSITIVE,
    SUBENTRY_EVSE,
    SUBENTRY_NUMBER,
    SUBENTRY_SWITCH,
    UNIT_WATTS,
)
from .engine import (
    Battery,
    Circuit,
    Inverter,
    Load,
    LoadKind,
    Metering,
    Mode,
    Site,
    Strategy,
    Timing,
)

_METERING = {
    METERING_PER_PHASE: Metering.PER_PHASE,
    METERING_TOTAL: Metering.TOTAL,
    METERING_OFF_GRID: Metering.OFF_GRID,
}
_KINDS = {
    SUBENTRY_EVSE: LoadKind.EVSE,
    SUBENTRY_SWITCH: LoadKind.SWITCH,
    SUBENTRY_NUMBER: LoadKind.NUMBER,
}
_DEFAULT_MODE = {
    LoadKind.EVSE: Mode.STANDARD,
    LoadKind.SWITCH: Mode.ON,
    LoadKind.NUMBER: Mode.STANDARD,
}


@dataclass(frozen=True, slots=True)
class Meters:
    """Which entities measure the site, and how their figures are to be read."""

    grid: tuple[str, ...]  # per site phase (per-phase metering) or the inverter's outputs
    grid_total: str | None
    export_positive: bool
    inverted_phases: frozenset[int]
    solar: str | None
    battery_power: str | None
    battery_discharge_positive: bool
    battery_soc: str | None
    circuits: Mapping[str, tuple[str, ...]]  # circuit id -> current sensor per site phase

    @property
    def safety_entities(self) -> tuple[str, ...]:
        """Entities whose every change runs the safety path: grid (or inverter) and circuits."""
        ids = [*self.grid]
        if self.grid_total:
            ids.append(self.grid_total)
        for sensors in self.circuits.values():
            ids.extend(sensors)
        return tuple(dict.fromkeys(ids))


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """One load subentry as configured."""

    id: str
    kind: LoadKind
    subentry_type: str
    title: str
    data: Mapping[str, Any]


@dataclass(slots=True)
class Settings:
    """What the user changes from entities and services; persisted by the hub."""

    hub: dict[str, Any] = field(default_factory=dict)
    loads: dict[str, dict[str, Any]] = field(default_factory=dict)

    def load(self, load_id: str) -> dict[str, Any]:
        return self.loads.setdefault(load_id, {})


@dataclass(frozen=True, slots=True)
class Hub:
    """The configured site with its loads; `engine_inputs` applies the current settings."""

    name: str
    data: Mapping[str, Any]
    options: Mapping[str, Any]
    loads: tuple[LoadConfig, ...]

    @property
    def phases(self) -> int:
        return int(self.data[CONF_PHASES])

    @property
    def voltage(self) -> float:
        return float(self.data.get(CONF_VOLTAGE, DEFAULT_VOLTAGE))

    @property
    def has_battery(self) -> bool:
        return bool(
            self.data.get(CONF_BATTERY_SOC_SENSOR) or self.data.get(CONF_BATTERY_POWER_SENSOR)
        )

    @property
    def interval_s(self) -> float:
        return float(self.options.get(CONF_INTERVAL, DEFAULT_INTERVAL))

    def meters(self) -> Meters:
        data = self.data
        metering = data.get(CONF_METERING, METERING_PER_PHASE)
        grid: tuple[str, ...] = ()
        if metering == METERING_PER_PHASE:
            grid = tuple(data.get(CONF_GRID_SENSORS, ()))
        elif metering == METERING_OFF_GRID:
            grid = tuple(data.get(CONF_INVERTER_SENSORS, ()))
        circuits = {
            c[CIRCUIT_ID]: tuple(c[CIRCUIT_SENSORS])
            for c in data.get(CONF_CIRCUITS, ())
            if c.get(CIRCUIT_SENSORS)
        }
        return Meters(
            grid=grid,
            grid_total=data.get(CONF_GRID_POWER_SENSOR) if metering == METERING_TOTAL else None,
            export_positive=data.get(CONF_GRID_SIGN) == SIGN_EXPORT_POSITIVE,
            inverted_phases=frozenset(PHASES.index(p) for p in data.get(CONF_GRID_INVERT, ())),
            solar=data.get(CONF_SOLAR_SENSOR),
            battery_power=data.get(CONF_BATTERY_POWER_SENSOR),
            battery_discharge_positive=data.get(CONF_BATTERY_POWER_SIGN) == SIGN_DISCHARGE_POSITIVE,
            battery_soc=data.get(CONF_BATTERY_SOC_SENSOR),
            circuits=circuits,
        )

    def site(self, settings: Settings) -> Site:
        data, options, hub = self.data, self.options, settings.hub
        metering = _METERING[data.get(CONF_METERING, METERING_PER_PHASE)]
        battery = None
        if self.has_battery:
            battery = Battery(
                soc_min_pct=float(hub.get(SETTING_SOC_MIN, DEFAULT_SOC_MIN)),
                soc_target_pct=float(hub.get(SETTING_SOC_TARGET, DEFAULT_SOC_TARGET)),
                hysteresis_pct=float(hub.get(SETTING_SOC_HYSTERESIS, DEFAULT_SOC_HYSTERESIS)),
                max_charge_w=float(data.get(CONF_BATTERY_MAX_CHARGE, DEFAULT_BATTERY_MAX_POWER)),
                max_discharge_w=float(
                    data.get(CONF_BATTERY_MAX_DISCHARGE, DEFAULT_BATTERY_MAX_POWER)
                ),
                capacity_kwh=data.get(CONF_BATTERY_CAPACITY),
            )
        inverter = None
        if metering is Metering.OFF_GRID:
            inverter = Inverter(
                max_w=float(data[CONF_INVERTER_MAX_W]),
                max_a_per_phase=float(data[CONF_INVERTER_MAX_A]),
            )
        # The entity's value once the user touched it, the flow's initial value until then.
        max_import = hub.get(SETTING_MAX_IMPORT, options.get(SETTING_MAX_IMPORT))
        return Site(
            phases=self.phases,
            voltage_v=self.voltage,
            main_breaker_a=float(data.get(CONF_MAIN_BREAKER, DEFAULT_MAIN_BREAKER)),
            metering=metering,
            max_import_w=float(max_import) if max_import is not None else None,
            excess_threshold_w=float(options.get(CONF_EXCESS_THRESHOLD, DEFAULT_EXCESS_THRESHOLD)),
            grid_import_allowed=bool(hub.get(SETTING_GRID_IMPORT, True)),
            distribution=Strategy(hub.get(SETTING_DISTRIBUTION, Strategy.PRIORITY)),
            circuits=tuple(
                Circuit(
                    id=c[CIRCUIT_ID],
                    limit_a=float(c[CIRCUIT_LIMIT_A]),
                    parent=c.get(CIRCUIT_PARENT),
                    limit_w=c.get(CIRCUIT_LIMIT_W),
                    name=c.get(CIRCUIT_NAME, ""),
                )
                for c in data.get(CONF_CIRCUITS, ())
            ),
            battery=battery,
            inverter=inverter,
            timing=Timing(
                interval_s=self.interval_s,
                start_delay_s=float(options.get(CONF_START_DELAY, DEFAULT_START_DELAY)),
                stop_delay_s=float(options.get(CONF_STOP_DELAY, DEFAULT_STOP_DELAY)),
                excess_hold_s=float(options.get(CONF_EXCESS_HOLD, DEFAULT_EXCESS_HOLD)),
                min_pause_s=float(options.get(CONF_MIN_PAUSE, DEFAULT_MIN_PAUSE)),
                stale_after_s=float(options.get(CONF_STALE_AFTER, DEFAULT_STALE_AFTER)),
            ),
        )

    def engine_load(self, config: LoadConfig, settings: Settings, *, boosted: bool = False) -> Load:
        """The engine's view of one load under the current settings (a boost runs it at
        full speed: Standard, or On for a relay)."""
        data, own = config.data, settings.load(config.id)
        lines = tuple(PHASES.index(p) for p in data.get(CONF_LINES, PHASES[: self.phases]))
        volts = self.voltage * len(lines)
        mode = Mode(own.get(SETTING_MODE, data.get(CONF_MODE, _DEFAULT_MODE[config.kind])))
        if boosted:
            mode = Mode.ON if config.kind is LoadKind.SWITCH else Mode.STANDARD
        priority = int(own.get(SETTING_PRIORITY, data.get(CONF_PRIORITY, 1)))
        if config.kind is LoadKind.SWITCH:
            low = high = float(data[CONF_POWER]) / volts
            return self._load(config, mode, lines, priority, low, high, 0.0, on_off=True)
        if config.kind is LoadKind.NUMBER:
            scale = volts if data.get(CONF_NUMBER_UNIT) == UNIT_WATTS else 1.0
            low = float(data.get(CONF_MIN_VALUE, 0.0)) / scale
            high = float(data[CONF_MAX_VALUE]) / scale
        else:
            low = float(data.get(CONF_MIN_CURRENT, DEFAULT_MIN_CURRENT))
            high = float(data.get(CONF_MAX_CURRENT, DEFAULT_MAX_CURRENT))
        low = float(own.get(SETTING_MIN_CURRENT, low))
        high = max(low, float(own.get(SETTING_MAX_CURRENT, high)))
        failsafe = float(
            data.get(CONF_FAILSAFE_CURRENT, low if config.kind is LoadKind.EVSE else 0.0)
        )
        return self._load(config, mode, lines, priority, low, high, failsafe, on_off=False)

    @staticmethod
    def _load(
        config: LoadConfig,
        mode: Mode,
        lines: tuple[int, ...],
        priority: int,
        low: float,
        high: float,
        failsafe: float,
        *,
        on_off: bool,
    ) -> Load:
        data = config.data
        return Load(
            id=config.id,
            kind=config.kind,
            mode=mode,
            lines=lines,
            min_a=low,
            max_a=high,
            priority=priority,
            circuit=data.get(CONF_CIRCUIT) or None,
            on_off=on_off,
            failsafe_a=failsafe,
            min_on_s=float(data.get(CONF_MIN_ON, 0.0)),
            min_off_s=float(data.get(CONF_MIN_OFF, 0.0)),
            name=config.title,
        )

    def controlled(self, settings: Settings) -> list[LoadConfig]:
        """Loads under dynamic control (the others are left alone and count as household)."""
        return [c for c in self.loads if settings.load(c.id).get(SETTING_DYNAMIC, True)]


def hub_from_entry(
    title: str,
    data: Mapping[str, Any],
    options: Mapping[str, Any],
    subentries: Mapping[str, Any],
) -> Hub:
    """Build the hub from a config entry's data, options and subentries (id -> ConfigSubentry)."""
    loads = tuple(
        LoadConfig(
            id=subentry_id,
            kind=_KINDS[subentry.subentry_type],
            subentry_type=subentry.subentry_type,
            title=subentry.title,
            data=subentry.data,
        )
        for subentry_id, subentry in subentries.items()
        if subentry.subentry_type in _KINDS
    )
    return Hub(name=title, data=data, options=options, loads=loads)
