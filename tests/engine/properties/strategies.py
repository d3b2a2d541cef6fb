"""Hypothesis strategies for the engine, and a tiny closed-loop house to run it in.

A `World` is a site with its loads, plus what the engine cannot see: which loads have their own
meter and which vehicles take less than they are offered. `Conditions` are what the house does
by itself: the household current per phase (net of solar and battery, i.e. what the grid would
read with every managed load off), the solar and battery figures, each circuit's own unmanaged
draw and which loads are unplugged. `House` closes the loop: every load draws what it was last
told (a capped vehicle less, an unplugged one nothing), the grid reads household + draws and a
circuit meter reads the unmanaged draw of its subtree + the draws of its loads.

The checks (`limit_violations`, `range_violations`) are written from the site model alone, not
from the engine's own pools, so they are an independent oracle.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from custom_components.ampwise.engine import (
    MODES_BY_KIND,
    URGENCY,
    Battery,
    Circuit,
    ControllerState,
    Decision,
    Load,
    LoadKind,
    LoadReading,
    LoadState,
    Mode,
    Site,
    Snapshot,
    Strategy,
    Timing,
    allocate,
)

TOL_A = 1e-6

# Examples per property; raise it for a deep run: AMPWISE_PROPERTY_EXAMPLES=2000 pytest ...
EXAMPLES = int(os.environ.get("AMPWISE_PROPERTY_EXAMPLES", "100"))
FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
T0 = 10_000.0  # any start time: the engine takes time as an argument

ALL_MODES = sorted(Mode, key=lambda m: (URGENCY[m], m.value))
KINDS = [LoadKind.EVSE, LoadKind.NUMBER, LoadKind.SWITCH]
SURPLUS_MODES = frozenset({Mode.SOLAR, Mode.EXCESS})


def modes_of(kind: LoadKind, allowed: frozenset[Mode] | None = None) -> list[Mode]:
    """The modes a load of this kind may have, in a fixed order (frozenset order is random)."""
    return [m for m in ALL_MODES if m in MODES_BY_KIND[kind] and (allowed is None or m in allowed)]


# --------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class World:
    site: Site
    loads: tuple[Load, ...]
    metered: frozenset[str] = frozenset()
    # A vehicle that takes less than offered draws min(command, cap); metered loads only, since
    # without a meter the engine has no way to know.
    vehicle_cap_a: Mapping[str, float] = field(default_factory=dict)
    circuit_meters: bool = False  # every circuit has a meter, or none has (then none has load)

    def with_loads(self, loads: Sequence[Load]) -> World:
        return replace(self, loads=tuple(loads))


def ancestors(site: Site, circuit_id: str | None) -> list[str]:
    """The circuit and every circuit above it."""
    parents = {c.id: c.parent for c in site.circuits}
    chain: list[str] = []
    while circuit_id is not None and circuit_id not in chain:
        chain.append(circuit_id)
        circuit_id = parents[circuit_id]
    return chain


def timings() -> st.SearchStrategy[Timing]:
    return st.one_of(
        st.just(Timing()),
        st.just(Timing(start_delay_s=0.0, ramp_up_a_per_s=1000.0, dead_band_a=0.0)),
        st.builds(
            Timing,
            interval_s=st.sampled_from([10.0, 5.0, 30.0]),
            start_delay_s=st.sampled_from([0.0, 10.0, 60.0]),
            stop_delay_s=st.sampled_from([0.0, 30.0, 180.0]),
            excess_hold_s=st.sampled_from([0.0, 60.0, 900.0]),
            min_pause_s=st.sampled_from([0.0, 30.0, 180.0]),
            ramp_up_a_per_s=st.sampled_from([0.5, 0.1, 2.0, 1000.0]),
            dead_band_a=st.sampled_from([0.5, 0.0, 2.0]),
            probe_margin_a=st.sampled_from([2.0, 0.0, 5.0]),
            follow_tolerance_a=st.sampled_from([1.0, 0.0, 3.0]),
            surplus_reserve_w=st.sampled_from([50.0, 0.0, 300.0]),
            predictive_stop=st.booleans(),
        ),
    )


@st.composite
def circuits(draw: st.DrawFn) -> tuple[Circuit, ...]:
    """0-3 sub-breakers, each under the main breaker or an earlier one."""
    result: list[Circuit] = []
    for k in range(draw(st.integers(0, 3))):
        parent = draw(st.none() | st.sampled_from([c.id for c in result])) if result else None
        limit_w = draw(st.none() | st.floats(500.0, 30_000.0))
        result.append(Circuit(f"c{k}", draw(st.floats(1.0, 63.0)), parent, limit_w))
    return tuple(result)


batteries = st.builds(
    lambda soc_min, target, hyst, charge, discharge: Battery(
        soc_min, max(soc_min, target), hyst, charge, discharge
    ),
    st.floats(0.0, 30.0),
    st.floats(20.0, 100.0),
    st.floats(0.0, 10.0),
    st.floats(500.0, 10_000.0),
    st.floats(500.0, 10_000.0),
)


@st.composite
def sites(
    draw: st.DrawFn,
    *,
    battery: bool | None = None,
    timing: st.SearchStrategy[Timing] | None = None,
    with_circuits: bool = True,
) -> Site:
    phases = draw(st.integers(1, 3))
    if battery is None:
        battery = draw(st.booleans())
    return Site(
        phases=phases,
        voltage_v=draw(st.sampled_from([230.0, 220.0, 240.0]) | st.floats(220.0, 240.0)),
        main_breaker_a=float(draw(st.integers(10, 63))),
        max_import_w=draw(st.none() | st.floats(2000.0, 40_000.0)),
        excess_threshold_w=draw(st.sampled_from([0.0, 500.0]) | st.floats(0.0, 3000.0)),
        grid_import_allowed=draw(st.integers(0, 3)) > 0,
        distribution=draw(st.sampled_from(list(Strategy))),
        circuits=draw(circuits()) if with_circuits else (),
        battery=draw(batteries) if battery else None,
        timing=draw(timing if timing is not None else timings()),
    )


@st.composite
def loads_for(
    draw: st.DrawFn,
    site: Site,
    index: int,
    *,
    modes: frozenset[Mode] | None = None,
    kinds: Sequence[LoadKind] = KINDS,
    milliamp_grid: bool = False,
) -> Load:
    """One load of a random kind, in a mode valid for its kind, on a random subset of phases.

    With `milliamp_grid` a number load's range and step are whole milliamps (see
    `test_limits.py` for why that matters).
    """
    kind = draw(st.sampled_from(list(kinds)))
    order = draw(st.permutations(range(site.phases)))
    lines = tuple(order[: draw(st.integers(1, site.phases))])
    v = site.voltage_v
    step_a, on_off = 0.1, False
    if kind is LoadKind.EVSE:
        min_a, max_a = 6.0, draw(st.integers(60, 320)) / 10
    elif kind is LoadKind.NUMBER and milliamp_grid:
        min_a = draw(st.integers(100, 10_000)) / 1000
        max_a = min_a + draw(st.integers(0, 22_000)) / 1000
        step_a = draw(st.sampled_from([0.1, 0.01, 1.0]))
    elif kind is LoadKind.NUMBER:
        # A `number` in watts: amps are whatever the watts come to, not round figures, and a
        # 1 W step is 1/(V * lines) A.
        min_a = draw(st.floats(0.1, 10.0))
        max_a = min_a + draw(st.floats(0.0, 22.0))
        step_a = draw(st.sampled_from([0.1, 0.01, 1.0, 1 / (v * len(lines))]))
    else:
        on_off = True
        min_a = max_a = draw(st.floats(100.0, 3680.0)) / (v * len(lines))
    return Load(
        id=f"L{index}",
        kind=kind,
        mode=draw(st.sampled_from(modes_of(kind, modes))),
        lines=lines,
        min_a=min_a,
        max_a=max_a,
        priority=draw(st.integers(1, 4)),
        circuit=draw(st.none() | st.sampled_from([c.id for c in site.circuits]))
        if site.circuits
        else None,
        step_a=step_a,
        on_off=on_off,
    )


@st.composite
def worlds(
    draw: st.DrawFn,
    *,
    modes: frozenset[Mode] | None = None,
    min_loads: int = 1,
    max_loads: int = 8,
    battery: bool | None = None,
    timing: st.SearchStrategy[Timing] | None = None,
    vehicle_caps: bool = True,
    site: st.SearchStrategy[Site] | None = None,
    milliamp_grid: bool = False,
) -> World:
    the_site = draw(site if site is not None else sites(battery=battery, timing=timing))
    n = draw(st.integers(min_loads, max_loads))
    loads = tuple(
        draw(loads_for(the_site, i, modes=modes, milliamp_grid=milliamp_grid)) for i in range(n)
    )
    metered = frozenset(ld.id for ld in loads if draw(st.booleans()))
    caps: dict[str, float] = {}
    if vehicle_caps:
        for load in loads:
            if load.id in metered and load.kind is LoadKind.EVSE and draw(st.booleans()):
                caps[load.id] = draw(st.floats(0.0, load.max_a))
    return World(
        the_site, loads, metered, caps, draw(st.booleans()) if the_site.circuits else False
    )


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class Conditions:
    household_a: tuple[float, ...]  # net per site phase, what the grid reads with loads off
    solar_w: float = 0.0
    battery_w: float | None = None
    battery_soc_pct: float | None = None
    unmanaged_a: Mapping[str, tuple[float, ...]] = field(default_factory=dict)  # circuit's own
    disconnected: frozenset[str] = frozenset()

    def more_solar(self, extra_a: Sequence[float], voltage_v: float) -> Conditions:
        """The same house with more solar: less import (or more export) on each phase."""
        return replace(
            self,
            household_a=tuple(h - x for h, x in zip(self.household_a, extra_a, strict=True)),
            solar_w=self.solar_w + sum(extra_a) * voltage_v,
        )


@st.composite
def conditions(
    draw: st.DrawFn, world: World, *, disconnects: bool = False, sunny: bool = False
) -> Conditions:
    """What the house does; `sunny`: it exports on most phases (surplus for Solar loads)."""
    site = world.site
    b = site.main_breaker_a
    if sunny:
        household = tuple(draw(st.floats(-40.0, 5.0)) for _ in range(site.phases))
    else:
        # Mostly within the breaker, sometimes over it.
        headroom = st.floats(0.0, b + 30.0)
        household = tuple(
            b + draw(st.floats(0.0, 10.0)) if draw(st.integers(0, 9)) == 0 else b - draw(headroom)
            for _ in range(site.phases)
        )
    battery_w = soc = None
    if site.battery is not None:
        battery_w = draw(st.floats(-site.battery.max_discharge_w, site.battery.max_charge_w))
        soc = draw(st.none() | st.floats(0.0, 100.0))
    unmanaged: dict[str, tuple[float, ...]] = {}
    if world.circuit_meters:
        for c in site.circuits:
            unmanaged[c.id] = tuple(
                draw(st.just(0.0) | st.floats(0.0, c.limit_a)) for _ in range(site.phases)
            )
    unplugged: frozenset[str] = frozenset()
    if disconnects:
        evses = [ld.id for ld in world.loads if ld.kind is LoadKind.EVSE]
        unplugged = frozenset(i for i in evses if draw(st.integers(0, 3)) == 0)
    return Conditions(
        household,
        draw(st.floats(0.0, 20_000.0)),
        battery_w,
        soc,
        unmanaged,
        unplugged,
    )


def circuit_unmanaged(world: World, cond: Conditions, circuit_id: str) -> tuple[float, ...]:
    """Unmanaged draw through a circuit: its own and that of every circuit below it."""
    total = [0.0] * world.site.phases
    for c in world.site.circuits:
        if circuit_id in ancestors(world.site, c.id):
            for p, amps in enumerate(cond.unmanaged_a.get(c.id, ())):
                total[p] += amps
    return tuple(total)


# --------------------------------------------------------------------------- the house


class House:
    """A closed loop around `allocate`: loads do what they were told, meters add it up."""

    def __init__(self, world: World, state: ControllerState | None = None) -> None:
        self.world = world
        self.loads = list(world.loads)
        self.state = state if state is not None else ControllerState()
        self.commands = {ld.id: self.state.load(ld.id).command_a for ld in self.loads}

    def draws(self, cond: Conditions) -> dict[str, tuple[float, ...]]:
        out = {}
        for load in self.loads:
            amps = self.commands.get(load.id, 0.0)
            if load.id in cond.disconnected:
                amps = 0.0
            cap = self.world.vehicle_cap_a.get(load.id)
            if cap is not None:
                amps = min(amps, cap)
            out[load.id] = (amps,) * len(load.lines)
        return out

    def snapshot(self, cond: Conditions, now: float) -> Snapshot:
        site = self.world.site
        draws = self.draws(cond)
        grid = list(cond.household_a)
        for load in self.loads:
            for phase, amps in zip(load.lines, draws[load.id], strict=True):
                grid[phase] += amps
        circuit_a: dict[str, tuple[float, ...]] = {}
        if self.world.circuit_meters:
            for c in site.circuits:
                reading = list(circuit_unmanaged(self.world, cond, c.id))
                for load in self.loads:
                    if c.id in ancestors(site, load.circuit):
                        for phase, amps in zip(load.lines, draws[load.id], strict=True):
                            reading[phase] += amps
                circuit_a[c.id] = tuple(reading)
        readings: dict[str, LoadReading] = {}
        for load in self.loads:
            connected = load.id not in cond.disconnected
            if load.id in self.world.metered:
                readings[load.id] = LoadReading(draws[load.id], now, connected)
            elif not connected:
                readings[load.id] = LoadReading(None, None, False)
        return Snapshot(
            grid_a=tuple(grid),
            solar_w=cond.solar_w,
            battery_w=cond.battery_w,
            battery_soc_pct=cond.battery_soc_pct,
            circuit_a=circuit_a,
            loads=readings,
        )

    def decide(self, cond: Conditions, now: float, *, force: bool = False) -> Decision:
        """What the engine would decide now, without acting on it."""
        snapshot = self.snapshot(cond, now)
        return allocate(
            self.world.site, self.loads, snapshot, self.state, now, force_optimise=force
        )

    def tick(self, cond: Conditions, now: float, *, force: bool = False) -> Decision:
        decision = self.decide(cond, now, force=force)
        self.state = decision.state
        self.commands = {k: a.current_a for k, a in decision.allocations.items()}
        return decision


# --------------------------------------------------------------------------- sequences


@dataclass(frozen=True)
class Step:
    dt_s: float
    force: bool
    conditions: Conditions | None  # None: the house carries on as before
    mode: tuple[int, Mode] | None  # load index and its new mode


@dataclass(frozen=True)
class Scenario:
    world: World
    first: Conditions
    steps: tuple[Step, ...]


@st.composite
def scenarios(
    draw: st.DrawFn, *, disconnects: bool = False, max_steps: int = 12, **world_args: object
) -> Scenario:
    world = draw(worlds(**world_args))  # type: ignore[arg-type]
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        load = draw(st.integers(0, len(world.loads) - 1))
        kind = world.loads[load].kind
        steps.append(
            Step(
                dt_s=draw(st.sampled_from([1.0, 10.0, 2.5, 5.0, 0.5, 30.0, 200.0])),
                force=draw(st.integers(0, 3)) == 0,
                conditions=draw(st.none() | conditions(world, disconnects=disconnects)),
                mode=draw(st.none() | st.tuples(st.just(load), st.sampled_from(modes_of(kind)))),
            )
        )
    first = draw(conditions(world, disconnects=disconnects))
    return Scenario(world, first, tuple(steps))


@st.composite
def situations(draw: st.DrawFn, **world_args: object) -> tuple[World, Conditions]:
    """A world and what its house does right now."""
    world = draw(worlds(**world_args))  # type: ignore[arg-type]
    return world, draw(conditions(world))


def play(scenario: Scenario) -> list[tuple[Conditions, list[Load], Decision]]:
    """Run a scenario from a fresh state: one forced optimisation, then every step."""
    house = House(scenario.world)
    now, cond = T0, scenario.first
    ticks = [(cond, list(house.loads), house.tick(cond, now, force=True))]
    for step in scenario.steps:
        now += step.dt_s
        if step.conditions is not None:
            cond = step.conditions
        if step.mode is not None:
            i, mode = step.mode
            house.loads[i] = replace(house.loads[i], mode=mode)
        ticks.append((cond, list(house.loads), house.tick(cond, now, force=step.force)))
    return ticks


@st.composite
def controller_states(draw: st.DrawFn, world: World, now: float) -> ControllerState:
    """Any state the controller could be in: commands in range, timers anywhere."""
    memories: dict[str, LoadState] = {}
    ago = st.floats(1.0, 2000.0)
    for load in world.loads:
        mode = draw(st.none() | st.just(load.mode))
        if draw(st.booleans()):
            amps = load.max_a if load.on_off else draw(st.floats(load.min_a, load.max_a))
            memories[load.id] = LoadState(
                command_a=amps,
                command_at_s=now - draw(ago),
                running_since_s=now - draw(ago),
                stop_pending_since_s=draw(st.none() | ago.map(lambda s: now - s)),
                mode=mode,
            )
        else:
            memories[load.id] = LoadState(
                stopped_at_s=draw(st.none() | ago.map(lambda s: now - s)),
                start_pending_since_s=draw(st.none() | ago.map(lambda s: now - s)),
                mode=mode,
            )
    history = tuple(
        sorted(
            (now - draw(ago), draw(st.floats(-10_000.0, 10_000.0)))
            for _ in range(draw(st.integers(0, 5)))
        )
    )
    return ControllerState(
        loads=memories,
        last_optimised_s=draw(st.none() | ago.map(lambda s: now - s)),
        battery_loads_first=draw(st.none() | st.booleans()),
        surplus_history=history,
    )


# --------------------------------------------------------------------------- the oracles


def phase_amps(loads: Sequence[Load], decision: Decision, phases: int, only=None) -> list[float]:
    """Sum of allocations per site phase (optionally of some loads only)."""
    per_phase = [0.0] * phases
    for load in loads:
        if only is not None and not only(load):
            continue
        for p in load.lines:
            per_phase[p] += decision.allocations[load.id].current_a
    return per_phase


def limit_violations(
    world: World, loads: Sequence[Load], cond: Conditions, decision: Decision
) -> list[str]:
    """Every limit whose unmanaged part fits but which the allocations would push over.

    Each limit is judged on its own: a phase whose household alone is over the breaker says
    nothing about the other phases or the circuits.
    """
    site = world.site
    v = site.voltage_v
    out: list[str] = []
    alloc = phase_amps(loads, decision, site.phases)
    for p in range(site.phases):
        house = cond.household_a[p]
        if house <= site.main_breaker_a and house + alloc[p] > site.main_breaker_a + TOL_A:
            out.append(
                f"phase {p}: household {house:.4f} + allocated {alloc[p]:.4f} "
                f"> breaker {site.main_breaker_a}"
            )
    for c in site.circuits:
        unmanaged = circuit_unmanaged(world, cond, c.id)
        below = phase_amps(
            loads, decision, site.phases, lambda ld, c=c: c.id in ancestors(site, ld.circuit)
        )
        for p in range(site.phases):
            if unmanaged[p] <= c.limit_a and unmanaged[p] + below[p] > c.limit_a + TOL_A:
                out.append(
                    f"circuit {c.id} phase {p}: unmanaged {unmanaged[p]:.4f} + allocated "
                    f"{below[p]:.4f} > {c.limit_a}"
                )
        if c.limit_w is not None:
            fixed_w = sum(unmanaged) * v
            used_w = sum(below) * v
            if fixed_w <= c.limit_w and fixed_w + used_w > c.limit_w + TOL_A * v * 3:
                out.append(
                    f"circuit {c.id}: unmanaged {fixed_w:.2f} W + allocated {used_w:.2f} W "
                    f"> {c.limit_w} W"
                )
    if site.max_import_w is not None:
        house_w = sum(cond.household_a) * v
        used_w = sum(alloc) * v
        if house_w <= site.max_import_w and house_w + used_w > site.max_import_w + TOL_A * v * 3:
            out.append(
                f"import: household {house_w:.2f} W + allocated {used_w:.2f} W "
                f"> max {site.max_import_w} W"
            )
    return out


def range_violations(loads: Sequence[Load], decision: Decision) -> list[str]:
    """Allocations that are neither 0 nor within the load's range (switches: exactly on)."""
    out = []
    for load in loads:
        amps = decision.allocations[load.id].current_a
        if amps == 0:
            continue
        if load.on_off:
            ok = abs(amps - load.max_a) <= TOL_A
        else:
            ok = load.min_a - TOL_A <= amps <= load.max_a + TOL_A
        if not ok:
            out.append(f"{load.id}: {amps!r} A, range [{load.min_a!r}, {load.max_a!r}]")
    return out
