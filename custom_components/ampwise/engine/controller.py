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
from collections.abc import Sequence

from .decision import Allocation, Decision, Path, SiteStatus
from .measurements import GridView, estimate_draws, managed_per_circuit, resolve_grid
from .model import Load, Site, Snapshot
from .optimise import optimise
from .pools import battery_loads_first, build_pools, circuit_chains, household, load_phase_draws
from .protect import protect
from .reasons import Reason, fmt_duration
from .state import ControllerState, LoadState
from .tick import EPS, Tick, absent, round_down


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
    if not grid.usable(site.timing.stale_after_s):
        return _failsafe(site, loads, snapshot, state, now, grid)
    draws = estimate_draws(loads, snapshot, state, now)
    chains = circuit_chains(site)
    managed = load_phase_draws(site, loads, {k: d.per_line for k, d in draws.items()})
    household_a, household_w = household(site, grid.grid_a, grid.grid_w, snapshot.solar_w, managed)
    loads_first = None
    if site.battery is not None:
        loads_first = battery_loads_first(
            site.battery, snapshot.battery_soc_pct, state.battery_loads_first
        )
    pools = build_pools(
        site,
        household_a,
        household_w,
        sum(managed) * site.voltage_v,
        managed_per_circuit(site, loads, draws, chains),
        snapshot.circuit_a,
        snapshot.battery_w,
        snapshot.battery_soc_pct,
        bool(loads_first),
        [w for _, w in state.recent_surplus(now, site.timing.buffer_window_s)],
    )
    tick = Tick(site, loads, snapshot, state, now, draws, pools, chains, grid)
    mode_changed = any(state.load(load.id).mode not in (None, load.mode) for load in loads)
    due = (
        state.last_optimised_s is None
        or now - state.last_optimised_s >= site.timing.interval_s - EPS
    )
    history, optimised_s = state.surplus_history, state.last_optimised_s
    if grid.fresh and (force_optimise or due or mode_changed):
        results, memories, history = optimise(tick)
        path, optimised_s = Path.OPTIMISE, now
    else:
        results, memories = protect(tick)
        path = Path.SAFETY
    state = ControllerState(
        loads=memories,
        last_optimised_s=optimised_s,
        battery_loads_first=loads_first,
        last_grid_a=grid.grid_a,
        last_grid_w=grid.grid_w,
        last_grid_at_s=grid.at_s,
        surplus_history=history,
    )
    allocated = sum(a.power_w for a in results.values())
    message = (
        "ok"
        if grid.fresh
        else f"grid reading missing for {fmt_duration(grid.age_s)}: holding the last value"
    )
    status = SiteStatus(
        household_a=pools.household_a,
        headroom_a=pools.headroom_a,
        surplus_w=pools.surplus_w,
        allocated_w=allocated,
        degraded=not grid.fresh,
        message=message,
    )
    return Decision(path, results, status, state)


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
        reason, message = absent(load, snapshot) or (Reason.FAILSAFE, "")
        amps = 0.0
        if reason is Reason.FAILSAFE:
            amps = round_down(load, load.failsafe_a)
            message = f"failsafe {amps:.1f} A: {missing}"
        memory = memory.commanded(amps, now, load.mode, reason, message)
        memories[load.id] = memory
        results[load.id] = Allocation(
            load.id,
            amps,
            amps * site.voltage_v * len(load.lines),
            reason,
            message,
        )
    status = SiteStatus(
        household_a=(math.nan,) * site.phases,
        headroom_a=(math.nan,) * site.phases,
        surplus_w=math.nan,
        allocated_w=sum(a.power_w for a in results.values()),
        degraded=True,
        message=f"failsafe: {missing}",
    )
    return Decision(Path.FAILSAFE, results, status, state.evolve(loads=memories))
