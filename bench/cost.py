"""Engine cost per decision on a synthetic site of 1 to 1000 loads.

The site scales with the load count: a main breaker of 4 A per load (at least 25 A), one
32 A circuit per four loads under 125 A feeders of eight circuits, a 10 kWh battery, solar
of 0.8 kW per load. Loads mix kinds (EVSEs on 1 or 3 phases, switches, number loads on 1 or
3 phases) and modes (Standard, Eco, Solar, Excess; On/Solar/Excess for switches), so every
limit and pool is in play. Each call gets a fresh snapshot: household and solar move with
noise and every load reports what it was commanded at the previous call, as a load meter
would. The controller state is carried from call to call.

The timeline repeats one optimisation tick (`force_optimise=True`) followed by safety calls
every 2 s until the next tick 10 s later; each call is timed on its own.
"""

from __future__ import annotations

import gc
import math
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from custom_components.ampwise.engine import (
    Battery,
    Circuit,
    ControllerState,
    Load,
    LoadKind,
    LoadReading,
    Mode,
    Path,
    Site,
    Snapshot,
    allocate,
)

VOLTAGE_V = 230.0
LOADS_PER_CIRCUIT = 4
CIRCUITS_PER_FEEDER = 8
OPTIMISE_EVERY_S = 10.0
SAFETY_EVERY_S = 2.0
SIZES = (1, 10, 100, 1000)

_CONTINUOUS_MODES = (Mode.STANDARD, Mode.ECO, Mode.SOLAR, Mode.EXCESS)
_SWITCH_MODES = (Mode.ON, Mode.SOLAR, Mode.EXCESS)


def make_site(n: int) -> Site:
    circuits: list[Circuit] = []
    n_circuits = max(1, math.ceil(n / LOADS_PER_CIRCUIT))
    n_feeders = math.ceil(n_circuits / CIRCUITS_PER_FEEDER) if n_circuits > 1 else 0
    circuits.extend(Circuit(id=f"feeder{f}", limit_a=125.0) for f in range(n_feeders))
    for c in range(n_circuits):
        parent = f"feeder{c // CIRCUITS_PER_FEEDER}" if n_feeders else None
        circuits.append(Circuit(id=f"circuit{c}", limit_a=32.0, parent=parent))
    return Site(
        phases=3,
        voltage_v=VOLTAGE_V,
        main_breaker_a=max(25.0, 4.0 * n),
        circuits=tuple(circuits),
        battery=Battery(capacity_kwh=10.0),
    )


def make_loads(n: int) -> list[Load]:
    """`n` loads of mixed kinds, modes and wiring; load i sits on circuit i // 4."""
    loads: list[Load] = []
    for i in range(n):
        circuit = f"circuit{i // LOADS_PER_CIRCUIT}"
        phase = i % 3
        kind_index = i % 5
        if kind_index in (0, 1):  # EVSE: 3-phase, or 1-phase on a rotating phase
            lines = (0, 1, 2) if kind_index == 0 else (phase,)
            loads.append(
                Load(
                    id=f"evse{i}",
                    kind=LoadKind.EVSE,
                    mode=_CONTINUOUS_MODES[i % 4],
                    lines=lines,
                    min_a=6.0,
                    max_a=16.0,
                    priority=1 + i % 3,
                    circuit=circuit,
                    failsafe_a=6.0,
                )
            )
        elif kind_index == 2:  # a 1-phase 2 kW relay
            loads.append(
                Load(
                    id=f"switch{i}",
                    kind=LoadKind.SWITCH,
                    mode=_SWITCH_MODES[i % 3],
                    lines=(phase,),
                    min_a=2000.0 / VOLTAGE_V,
                    max_a=2000.0 / VOLTAGE_V,
                    circuit=circuit,
                    on_off=True,
                    min_on_s=60.0,
                    min_off_s=60.0,
                )
            )
        else:  # number loads: a 3-phase or 1-phase variable heater
            lines = (0, 1, 2) if kind_index == 3 else (phase,)
            loads.append(
                Load(
                    id=f"number{i}",
                    kind=LoadKind.NUMBER,
                    mode=_CONTINUOUS_MODES[(i + 1) % 4],
                    lines=lines,
                    min_a=1.0,
                    max_a=10.0,
                    step_a=0.5,
                    circuit=circuit,
                )
            )
    return loads


@dataclass(slots=True)
class House:
    """A crude house around the synthetic site: noisy household and solar, a battery."""

    site: Site
    loads: Sequence[Load]
    rng: random.Random
    household_a: list[float]
    solar_w: float
    soc_pct: float = 70.0
    car_max_a: dict[str, float] | None = None

    @classmethod
    def create(cls, site: Site, loads: Sequence[Load], seed: int) -> House:
        rng = random.Random(f"{seed}/cost/{len(loads)}")
        n = len(loads)
        # Every seventh EVSE has a car that draws at most 10 A, so the follow logic runs too.
        car_max = {
            load.id: 10.0 if k % 7 == 3 else load.max_a
            for k, load in enumerate(x for x in loads if x.kind is LoadKind.EVSE)
        }
        return cls(
            site=site,
            loads=loads,
            rng=rng,
            household_a=[2.0 + 0.3 * n] * 3,
            solar_w=2000.0 + 800.0 * n,
            car_max_a=car_max,
        )

    def draw(self, load: Load, command_a: float) -> tuple[float, ...]:
        """What a load draws on each line for the command it got at the previous call."""
        lines = len(load.lines)
        if command_a <= 0:
            return (0.0,) * lines
        if load.kind is LoadKind.EVSE:
            if command_a < 6.0:
                return (0.0,) * lines
            assert self.car_max_a is not None
            return (min(command_a, self.car_max_a[load.id]),) * lines
        return (command_a,) * lines

    def snapshot(self, now: float, commands: dict[str, float], dt: float) -> Snapshot:
        """Move household, solar and battery on by `dt` and read the meters."""
        n = len(self.loads)
        rng = self.rng
        base = 2.0 + 0.3 * n
        self.household_a = [
            min(3.0 * base, max(0.3 * base, h + rng.gauss(0.0, 0.08 * base) + 0.05 * (base - h)))
            for h in self.household_a
        ]
        nominal = 2000.0 + 800.0 * n
        moved = self.solar_w + rng.gauss(0.0, 0.05 * nominal) + 0.05 * (nominal - self.solar_w)
        self.solar_w = min(1.3 * nominal, max(0.0, moved))
        readings: dict[str, LoadReading] = {}
        phase_a = [h - self.solar_w / 3 / VOLTAGE_V for h in self.household_a]
        for load in self.loads:
            draw = self.draw(load, commands.get(load.id, 0.0))
            readings[load.id] = LoadReading(draw_a=draw, at_s=now, connected=True)
            for phase, amps in zip(load.lines, draw, strict=True):
                phase_a[phase] += amps
        battery = self.site.battery
        assert battery is not None
        assert battery.capacity_kwh is not None
        net_w = sum(phase_a) * VOLTAGE_V
        battery_w = 0.0
        if net_w < 0 and self.soc_pct < 100.0:
            battery_w = min(-net_w, battery.max_charge_w)
        elif net_w > 0 and self.soc_pct > battery.soc_min_pct:
            battery_w = -min(net_w, battery.max_discharge_w)
        soc = self.soc_pct
        self.soc_pct = min(
            100.0, max(0.0, soc + battery_w * dt / 3600.0 / (battery.capacity_kwh * 10.0))
        )
        grid_a = tuple(a + battery_w / 3 / VOLTAGE_V for a in phase_a)
        return Snapshot(
            grid_a=grid_a,
            solar_w=self.solar_w,
            battery_w=battery_w,
            battery_soc_pct=soc,
            loads=readings,
        )


@dataclass(frozen=True, slots=True)
class PathCost:
    """Per-decision cost of one path, in microseconds."""

    calls: int
    median_us: float
    p95_us: float


@dataclass(frozen=True, slots=True)
class SizeCost:
    loads: int
    circuits: int
    optimise: PathCost
    safety: PathCost
    running: int  # loads with a command above 0 at the end


def _stats(samples_ns: Sequence[int]) -> PathCost:
    ordered = sorted(samples_ns)
    if not ordered:
        return PathCost(0, math.nan, math.nan)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return PathCost(len(ordered), statistics.median(ordered) / 1000.0, p95 / 1000.0)


def measure(n: int, cycles: int, warmup: int, seed: int = 1) -> SizeCost:
    """Time `cycles` optimisation ticks and the safety calls between them at `n` loads."""
    site = make_site(n)
    loads = make_loads(n)
    house = House.create(site, loads, seed)
    state = ControllerState()
    commands: dict[str, float] = {}
    timed: dict[Path, list[int]] = {Path.OPTIMISE: [], Path.SAFETY: []}
    offsets = [k * SAFETY_EVERY_S for k in range(int(OPTIMISE_EVERY_S / SAFETY_EVERY_S))]
    now = 0.0
    gc.collect()
    gc.disable()
    try:
        for cycle in range(warmup + cycles):
            for offset in offsets:
                t = now + offset
                snapshot = house.snapshot(t, commands, SAFETY_EVERY_S)
                force = offset == 0
                start = time.perf_counter_ns()
                decision = allocate(site, loads, snapshot, state, t, force_optimise=force)
                elapsed = time.perf_counter_ns() - start
                state = decision.state
                commands = {k: a.current_a for k, a in decision.allocations.items()}
                if cycle >= warmup and decision.path in timed:
                    timed[decision.path].append(elapsed)
            now += OPTIMISE_EVERY_S
            if cycle % 50 == 49:
                gc.collect()  # outside any timed call: keeps memory flat on long runs
    finally:
        gc.enable()
    return SizeCost(
        loads=n,
        circuits=len(site.circuits),
        optimise=_stats(timed[Path.OPTIMISE]),
        safety=_stats(timed[Path.SAFETY]),
        running=sum(1 for a in commands.values() if a > 0),
    )


FULL_CYCLES = {1: 3000, 10: 2000, 100: 300, 1000: 40}
QUICK_CYCLES = {1: 300, 10: 200, 100: 30, 1000: 4}


def run_cost(quick: bool = False, sizes: Sequence[int] = SIZES) -> list[SizeCost]:
    plan = QUICK_CYCLES if quick else FULL_CYCLES
    warmup = 10 if quick else 30
    return [measure(n, plan.get(n, 20), warmup if n < 1000 else warmup // 3) for n in sizes]
