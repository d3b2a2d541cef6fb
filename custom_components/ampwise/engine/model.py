"""What the engine is told: the site, its loads and one snapshot of measurements.

All currents are amps per line of a load (a 3-phase charger at 10 A draws 10 A on each of its
three lines); all powers are watts. Site phases are indexed 0, 1, 2 and named A, B, C.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

PHASE_NAMES = ("A", "B", "C")


class Mode(StrEnum):
    """How eager a load is to consume, most urgent first."""

    STANDARD = "standard"
    ON = "on"
    ECO = "eco"
    SOLAR = "solar"
    EXCESS = "excess"
    OFF = "off"


URGENCY: Mapping[Mode, int] = {
    Mode.STANDARD: 0,
    Mode.ON: 0,
    Mode.ECO: 1,
    Mode.SOLAR: 2,
    Mode.EXCESS: 3,
    Mode.OFF: 9,
}


class Strategy(StrEnum):
    """How power is split between loads of the same urgency (PRODUCT.md §5)."""

    PRIORITY = "priority"
    SHARED = "shared"
    STRICT = "strict"
    OPTIMIZED = "optimized"


class LoadKind(StrEnum):
    """What commands the load; the engine treats them alike, the glue does not."""

    EVSE = "evse"
    SWITCH = "switch"
    NUMBER = "number"


class Metering(StrEnum):
    """What the site measures at its connection point."""

    PER_PHASE = "per_phase"  # grid current or power per phase
    TOTAL = "total"  # one net power sensor: phases unknown, assume the worst
    OFF_GRID = "off_grid"  # no grid: readings are the inverter's output per phase


MODES_BY_KIND: Mapping[LoadKind, frozenset[Mode]] = {
    LoadKind.EVSE: frozenset({Mode.OFF, Mode.STANDARD, Mode.ECO, Mode.SOLAR, Mode.EXCESS}),
    LoadKind.NUMBER: frozenset({Mode.OFF, Mode.STANDARD, Mode.ECO, Mode.SOLAR, Mode.EXCESS}),
    LoadKind.SWITCH: frozenset({Mode.OFF, Mode.ON, Mode.SOLAR, Mode.EXCESS}),
}


@dataclass(frozen=True, slots=True)
class Timing:
    """Controller timing; the defaults are the product defaults of PRODUCT.md §3 and §6."""

    interval_s: float = 10.0
    start_delay_s: float = 60.0
    stop_delay_s: float = 180.0
    excess_hold_s: float = 900.0
    min_pause_s: float = 180.0
    stale_after_s: float = 60.0
    ramp_up_a_per_s: float = 0.5
    dead_band_a: float = 0.5
    probe_margin_a: float = 2.0
    # How far below the offer a vehicle must stay before its allocation is capped at its draw.
    follow_tolerance_a: float = 1.0
    # Watts kept back from surplus so small dips do not cause import (Solar/Excess only).
    surplus_reserve_w: float = 0.0
    # Loads following surplus: raise only after the surplus stayed up this long, and ride out
    # a shortfall of at most `import_tolerance_w` for up to `import_grace_s` before reducing.
    raise_delay_s: float = 20.0
    import_tolerance_w: float = 100.0
    import_grace_s: float = 20.0
    # With the battery at its target, Solar/Excess loads follow the surplus averaged over
    # this window; the battery evens out what the sun does in between.
    buffer_window_s: float = 900.0
    buffer_band_w: float = 1000.0
    # Hold a Solar/Excess load at its minimum through a dip only while the recent average
    # surplus still covers that minimum; otherwise stop without waiting out the stop delay.
    predictive_stop: bool = True
    # With predictive stop: hold only while surplus still covers all but this share of the
    # minimum.
    hold_max_shortfall_pct: float = 50.0


@dataclass(frozen=True, slots=True)
class Battery:
    """Home battery policy (PRODUCT.md §4); the inverter runs it, Ampwise respects it."""

    soc_min_pct: float = 10.0
    soc_target_pct: float = 80.0
    hysteresis_pct: float = 5.0
    max_charge_w: float = 5000.0
    max_discharge_w: float = 5000.0
    capacity_kwh: float | None = None


@dataclass(frozen=True, slots=True)
class Inverter:
    """Limits of the inverter that feeds an off-grid site."""

    max_w: float
    max_a_per_phase: float


@dataclass(frozen=True, slots=True)
class Circuit:
    """A sub-breaker: a node of the tree under the main breaker."""

    id: str
    limit_a: float
    parent: str | None = None
    limit_w: float | None = None
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class Site:
    """One electrical site: phases, limits, battery and how power is shared."""

    phases: int = 3
    voltage_v: float = 230.0
    main_breaker_a: float = 25.0
    metering: Metering = Metering.PER_PHASE
    max_import_w: float | None = None
    excess_threshold_w: float = 0.0
    grid_import_allowed: bool = True
    distribution: Strategy = Strategy.PRIORITY
    circuits: tuple[Circuit, ...] = ()
    battery: Battery | None = None
    inverter: Inverter | None = None
    timing: Timing = field(default_factory=Timing)


@dataclass(frozen=True, slots=True)
class Load:
    """A controllable load: a charger connector, a relay, a variable heater.

    `lines` gives the site phase of the load's L1, L2, L3. A continuous load runs anywhere
    in [min_a, max_a] in steps of `step_a`; an on/off load (`on_off`) runs at max_a or not at all.
    """

    id: str
    kind: LoadKind
    mode: Mode
    lines: tuple[int, ...]
    min_a: float
    max_a: float
    priority: int = 1
    circuit: str | None = None
    step_a: float = 0.1
    on_off: bool = False
    failsafe_a: float = 0.0
    min_on_s: float = 0.0
    min_off_s: float = 0.0
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class LoadReading:
    """What a load reports: its draw per line and whether a vehicle/device is connected."""

    draw_a: tuple[float, ...] | None = None
    at_s: float | None = None
    connected: bool = True


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One set of measurements. A value of None means unavailable right now.

    `grid_a` is signed per site phase (positive = import); with TOTAL metering `grid_w` is the
    net power instead; `grid_at_s` is when it was read (default: now). `battery_w` is positive
    while charging.
    """

    grid_a: tuple[float, ...] | None = None
    grid_w: float | None = None
    grid_at_s: float | None = None
    solar_w: float | None = None
    battery_w: float | None = None
    battery_soc_pct: float | None = None
    circuit_a: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    loads: Mapping[str, LoadReading] = field(default_factory=dict)
