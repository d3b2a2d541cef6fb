"""`allocate`: one decision for the whole site, with time passed in.

Each call takes the site, its loads, one snapshot, the controller state and `now`, and
returns the allocation of every load plus the next state. It runs one of three paths:

- failsafe, when the grid reading has been missing for longer than `stale_after_s`;
- optimise, every `interval_s` and on a mode change: surplus, timers, ramps;
- safety, on every other call: the previous commands, cut where a limit would be exceeded,
  at once, least urgent first. Increases never happen on this path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .budget import Budget, build_budget
from .decision import Allocation, Decision, Path, SiteStatus
from .distribute import Shares, distribute
from .explain import explain_share
from .measurements import (
    Draw,
    GridView,
    estimate_draws,
    managed_per_circuit,
    resolve_grid,
)
from .model import URGENCY, Load, Mode, Site, Snapshot, Timing
from .pools import (
    Pools,
    battery_loads_first,
    build_pools,
    circuit_chains,
    household,
    load_phase_draws,
)
from .reasons import Reason, fmt_duration
from .state import ControllerState, LoadState
from .timers import SURPLUS_MODES, gate_surplus_load, recovery_w

EPS = 1e-6
HISTORY_MIN_S = 300.0


@dataclass(frozen=True, slots=True)
class _Setup:
    """Per-tick figures shared by the paths."""

    site: Site
    loads: Sequence[Load]
    snapshot: Snapshot
    state: ControllerState
    now: float
    draws: Mapping[str, Draw]
    pools: Pools
    chains: Mapping[str, tuple[str, ...]]
    grid: GridView


def allocate(
    site: Site,
    loads: Sequence[Load],
    snapshot: Snapshot,
    state: ControllerState,
    now: float,
    *,
    force_optimise: bool = False,
) -> Decision:
    """Decide every load's allocation for this tick."""
    grid = resolve_grid(site, snapshot, state, now)
    draws = estimate_draws(loads, snapshot, state, now)
    if not grid.usable(site.timing.stale_after_s):
        return _failsafe(site, loads, snapshot, state, now, grid)
    chains = circuit_chains(site)
    managed = load_phase_draws(site, loads, {k: d.per_line for k, d in draws.items()})
    household_a, household_w = household(site, grid.grid_a, grid.grid_w, snapshot.solar_w, managed)
    loads_first = (
        battery_loads_first(site.battery, snapshot.battery_soc_pct, state.battery_loads_first)
        if site.battery is not None
        else False
    )
    pools = build_pools(
        site,
        household_a,
        household_w,
        managed_per_circuit(site, loads, draws, chains),
        snapshot.circuit_a,
        snapshot.battery_w,
        snapshot.battery_soc_pct,
        loads_first,
    )
    state = replace(
        state,
        battery_loads_first=loads_first if site.battery is not None else None,
        last_grid_a=grid.grid_a,
        last_grid_w=grid.grid_w,
        last_grid_at_s=grid.at_s,
    )
    setup = _Setup(site, loads, snapshot, state, now, draws, pools, chains, grid)
    mode_changed = any(state.load(load.id).mode not in (None, load.mode) for load in loads)
    due = (
        state.last_optimised_s is None
        or now - state.last_optimised_s >= site.timing.interval_s - EPS
    )
    if grid.fresh and (force_optimise or due or mode_changed):
        return _optimise(setup)
    return _protect(setup)


def _upper(load: Load, draw: Draw, memory: LoadState, setup: _Setup) -> float:
    """The most a load may get: its maximum, or its vehicle's real draw plus a probe margin."""
    if load.on_off:
        return load.max_a
    timing = setup.site.timing
    if draw.confirmed and draw.measured is not None and memory.command_a > 0:
        drawn = max(draw.measured)
        if drawn < memory.command_a - timing.follow_tolerance_a:
            return min(load.max_a, max(load.min_a, drawn + timing.probe_margin_a))
    return load.max_a


def _tiers(loads: Sequence[Load]) -> list[list[int]]:
    order = sorted(range(len(loads)), key=lambda i: (URGENCY[loads[i].mode], loads[i].priority, i))
    tiers: list[list[int]] = []
    last = None
    for i in order:
        urgency = URGENCY[loads[i].mode]
        if urgency != last:
            tiers.append([])
            last = urgency
        tiers[-1].append(i)
    return tiers


def _run(
    setup: _Setup,
    members: Sequence[Load],
    upper: Sequence[float],
    floors: Mapping[str, float],
    physical_only: bool,
) -> tuple[Budget, Shares]:
    budget = build_budget(
        setup.site, members, setup.pools, setup.chains, floors, physical_only=physical_only
    )
    lower = [load.max_a if load.on_off else load.min_a for load in members]
    shares = distribute(budget, _tiers(members), lower, upper, setup.site.distribution)
    return budget, shares


def _round(load: Load, amps: float) -> float:
    """Down to the load's step, never below its minimum when it runs at all."""
    if amps <= EPS:
        return 0.0
    if load.on_off:
        return load.max_a
    stepped = math.floor((amps + EPS) / load.step_a) * load.step_a
    return round(max(float(load.min_a), stepped), 3)


def _absent(load: Load, setup: _Setup) -> tuple[Reason, str] | None:
    """Off or nothing connected: the load takes no part."""
    if load.mode is Mode.OFF:
        return Reason.OFF, "mode is off"
    reading = setup.snapshot.loads.get(load.id)
    if reading is not None and not reading.connected:
        return Reason.DISCONNECTED, "nothing connected"
    return None


def _protect(setup: _Setup) -> Decision:
    """Safety path: keep previous commands where they fit, cut least urgent first."""
    state, now = setup.state, setup.now
    members: list[Load] = []
    upper: list[float] = []
    for load in setup.loads:
        memory = state.load(load.id)
        if memory.command_a > 0 and _absent(load, setup) is None:
            members.append(load)
            cap = _upper(load, setup.draws[load.id], memory, setup)
            upper.append(max(load.min_a, min(cap, memory.command_a)))
    budget, shares = _run(setup, members, upper, {}, physical_only=True)
    index = {load.id: i for i, load in enumerate(members)}
    results: dict[str, Allocation] = {}
    memories: dict[str, LoadState] = {}
    for load in setup.loads:
        memory = state.load(load.id)
        i = index.get(load.id, -1)
        amps = min(_round(load, shares.alloc[i]), memory.command_a) if i >= 0 else 0.0
        if amps < memory.command_a - EPS:
            limit = budget.limits[shares.binding[i]] if i >= 0 and shares.binding[i] >= 0 else None
            absent = _absent(load, setup)
            reason, message = absent or explain_share(
                load, amps, _power(setup.site, load, amps), upper[i] if i >= 0 else 0.0, None, limit
            )
            memory = _command(memory, amps, now, reason, message, None)
        results[load.id] = _allocation(setup.site, load, memory)
        memories[load.id] = memory
    return _decision(setup, Path.SAFETY, results, memories, setup.state)


def _optimise(setup: _Setup) -> Decision:
    """Optimisation path: pools, timers, distribution, then ramps on increases."""
    site, state, now, timing = setup.site, setup.state, setup.now, setup.site.timing
    pools = setup.pools
    window = max(HISTORY_MIN_S, timing.stop_delay_s)
    history = (
        *((t, w) for t, w in state.surplus_history if now - t <= window),
        (now, pools.raw_surplus_w),
    )
    state = replace(state, surplus_history=history, last_optimised_s=now)

    fixed: dict[str, tuple[Reason, str, float | None]] = {}
    memories: dict[str, LoadState] = {}
    candidates: list[Load] = []
    for load in setup.loads:
        memory = state.load(load.id)
        absent = _absent(load, setup)
        if absent is not None:
            memories[load.id] = _stop(memory, now) if memory.running else _reset_timers(memory)
            fixed[load.id] = (*absent, None)
            continue
        pause = max(timing.min_pause_s, load.min_off_s)
        if (
            not memory.running
            and memory.stopped_at_s is not None
            and now - memory.stopped_at_s < pause - EPS
            and memory.mode in (None, load.mode)
        ):
            left = pause - (now - memory.stopped_at_s)
            memories[load.id] = _reset_timers(memory)
            fixed[load.id] = (
                Reason.PAUSED,
                f"paused for {fmt_duration(left)} after stopping",
                left,
            )
            continue
        memories[load.id] = memory
        candidates.append(load)

    upper_of = {
        load.id: _upper(load, setup.draws[load.id], memories[load.id], setup) for load in candidates
    }
    # Pass A: what each load could have now, every candidate taking part; it drives timers.
    _, potential = _run(setup, candidates, [upper_of[c.id] for c in candidates], {}, False)
    recovery = recovery_w(history, now, timing.stop_delay_s)
    floors: dict[str, float] = {}
    gated: dict[str, tuple[Reason, str, float | None]] = {}
    members: list[Load] = []
    for i, load in enumerate(candidates):
        if load.mode not in SURPLUS_MODES:
            members.append(load)
            continue
        ppa = site.voltage_v * len(load.lines)
        need = load.max_a if load.on_off else load.min_a
        got = potential.alloc[i]
        gate = gate_surplus_load(
            load,
            memories[load.id],
            covered=got >= need - EPS,
            offered_w=(got if got > 0 else potential.offered[i]) * ppa,
            need_w=need * ppa,
            recovery=recovery,
            battery_first=pools.battery_first and pools.raw_surplus_w >= need * ppa,
            timing=timing,
            now=now,
        )
        memories[load.id] = gate.memory
        if gate.reason is not None:
            gated[load.id] = (gate.reason, gate.message, gate.timer_s)
        if gate.eligible:
            members.append(load)
            if gate.floor > 0:
                floors[load.id] = gate.floor
        elif gate.reason is None:
            # Stopped by the timers: the stop delay ran out or the dip will not pass.
            gated[load.id] = (Reason.WAITING_FOR_SURPLUS, "stopped: surplus below minimum", None)

    # Pass B: the real distribution among loads the timers let through.
    upper = [upper_of[m.id] for m in members]
    budget, shares = _run(setup, members, upper, floors, False)
    index = {m.id: i for i, m in enumerate(members)}
    results: dict[str, Allocation] = {}
    for load in setup.loads:
        memory = memories[load.id]
        if load.id in fixed or load.id not in index:
            reason, message, timer = fixed.get(load.id) or gated[load.id]
            memory = _command(memory, 0.0, now, reason, message, timer)
        else:
            i = index[load.id]
            target = _round(load, shares.alloc[i])
            amps = _smooth(load, target, memory, upper[i], timing, now, state.last_optimised_s)
            amps = _round(load, amps)
            limit = budget.limits[shares.binding[i]] if shares.binding[i] >= 0 else None
            draw = setup.draws[load.id].measured
            reason, message = explain_share(
                load,
                target,
                _power(site, load, target),
                upper[i],
                max(draw) if draw else None,
                limit,
            )
            timer = None
            if load.id in gated and (target <= load.min_a + EPS or amps <= 0):
                reason, message, timer = gated[load.id]
            if amps < target - EPS and amps > 0:
                reason, message = Reason.RAMPING, f"ramping up to {target:.1f} A ({message})"
            memory = _command(memory, amps, now, reason, message, timer)
        memories[load.id] = replace(memory, mode=load.mode)
        results[load.id] = _allocation(site, load, memories[load.id])
    return _decision(setup, Path.OPTIMISE, results, memories, state)


def _smooth(
    load: Load,
    target: float,
    memory: LoadState,
    upper: float,
    timing: Timing,
    now: float,
    last: float | None,
) -> float:
    """Ramp and dead-band increases; reductions pass straight through."""
    previous = memory.command_a
    if target <= previous or load.on_off:
        return target
    dt = timing.interval_s if last is None else max(timing.interval_s, now - last)
    step = timing.ramp_up_a_per_s * dt
    if previous <= 0:
        return min(target, load.min_a + step)
    if target - previous < timing.dead_band_a - EPS and target < upper - EPS:
        return previous
    return min(target, previous + step)


def _power(site: Site, load: Load, amps: float) -> float:
    return amps * site.voltage_v * len(load.lines)


def _command(
    memory: LoadState,
    amps: float,
    now: float,
    reason: Reason,
    message: str,
    timer: float | None,
) -> LoadState:
    """Record a command, starting or stopping the load as it crosses zero."""
    if abs(amps - memory.command_a) > EPS:
        memory = replace(memory, command_a=amps, command_at_s=now)
    if amps > 0 and not memory.running:
        memory = replace(memory, running_since_s=now, stopped_at_s=None, start_pending_since_s=None)
    elif amps <= 0 and memory.running:
        memory = _stop(memory, now)
    return replace(memory, reason=reason, message=message, timer_s=timer)


def _stop(memory: LoadState, now: float) -> LoadState:
    return replace(
        memory,
        command_a=0.0,
        command_at_s=now if memory.command_a > 0 else memory.command_at_s,
        running_since_s=None,
        stopped_at_s=now,
        start_pending_since_s=None,
        stop_pending_since_s=None,
    )


def _reset_timers(memory: LoadState) -> LoadState:
    return replace(memory, start_pending_since_s=None, stop_pending_since_s=None)


def _allocation(site: Site, load: Load, memory: LoadState) -> Allocation:
    return Allocation(
        load.id,
        memory.command_a,
        _power(site, load, memory.command_a),
        memory.reason,
        memory.message,
        memory.timer_s,
    )


def _status(setup: _Setup, allocated_w: float, degraded: bool, message: str) -> SiteStatus:
    pools = setup.pools
    return SiteStatus(
        household_a=pools.household_a,
        headroom_a=pools.headroom_a,
        surplus_w=pools.surplus_w,
        allocated_w=allocated_w,
        degraded=degraded,
        message=message,
    )


def _decision(
    setup: _Setup,
    path: Path,
    results: dict[str, Allocation],
    memories: dict[str, LoadState],
    state: ControllerState,
) -> Decision:
    allocated = sum(a.power_w for a in results.values())
    degraded = not setup.grid.fresh
    message = (
        f"grid reading missing for {fmt_duration(setup.grid.age_s)}: holding the last value"
        if degraded
        else "ok"
    )
    return Decision(
        path,
        results,
        _status(setup, allocated, degraded, message),
        replace(state, loads=memories),
    )


def _failsafe(
    site: Site,
    loads: Sequence[Load],
    snapshot: Snapshot,
    state: ControllerState,
    now: float,
    grid: GridView,
) -> Decision:
    """No trustworthy grid reading: every load to its failsafe current."""
    missing = (
        "no grid reading yet"
        if grid.at_s is None
        else f"grid reading missing for {fmt_duration(grid.age_s)}"
    )
    results: dict[str, Allocation] = {}
    memories: dict[str, LoadState] = {}
    for load in loads:
        memory = state.load(load.id)
        reading = snapshot.loads.get(load.id)
        if load.mode is Mode.OFF:
            amps, reason, message = 0.0, Reason.OFF, "mode is off"
        elif reading is not None and not reading.connected:
            amps, reason, message = 0.0, Reason.DISCONNECTED, "nothing connected"
        else:
            amps = _round(load, load.failsafe_a) if load.failsafe_a > 0 else 0.0
            reason, message = Reason.FAILSAFE, f"failsafe {amps:.1f} A: {missing}"
        memory = replace(_command(memory, amps, now, reason, message, None), mode=load.mode)
        memories[load.id] = memory
        results[load.id] = _allocation(site, load, memory)
    allocated = sum(a.power_w for a in results.values())
    status = SiteStatus(
        household_a=(math.nan,) * site.phases,
        headroom_a=(math.nan,) * site.phases,
        surplus_w=math.nan,
        allocated_w=allocated,
        degraded=True,
        message=f"failsafe: {missing}",
    )
    return Decision(Path.FAILSAFE, results, status, replace(state, loads=memories))
