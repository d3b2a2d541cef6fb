"""The safety path: previous commands, cut at once where a limit would be exceeded.

Runs on every grid or circuit reading between optimisation ticks. It never raises a load and
knows no timers, ramps or dead-bands: a breaker that would trip is relieved in this call,
least urgent loads first, by the same distribution the optimisation path uses.
"""

from __future__ import annotations

from .budget import build_budget
from .decision import Allocation
from .distribute import distribute
from .explain import explain_share
from .state import LoadState
from .tick import EPS, Tick, allocation, lower_bounds, round_down, tiers


def protect(tick: Tick) -> tuple[dict[str, Allocation], dict[str, LoadState]]:
    state, now, site = tick.state, tick.now, tick.site
    members = []
    upper: list[float] = []
    for load in tick.loads:
        memory = state.load(load.id)
        if memory.command_a > 0 and tick.absent(load) is None:
            members.append(load)
            upper.append(max(load.min_a, min(tick.upper(load, memory), memory.command_a)))
    budget = build_budget(site, members, tick.pools, tick.chains, tick.phases, physical_only=True)
    groups = tiers(members, range(len(members)))
    shares = distribute(budget, groups, lower_bounds(members), upper, site.distribution)
    index = {load.id: i for i, load in enumerate(members)}
    results: dict[str, Allocation] = {}
    memories: dict[str, LoadState] = {}
    for load in tick.loads:
        memory = state.load(load.id)
        i = index.get(load.id, -1)
        amps = min(round_down(load, shares.alloc[i]), memory.command_a) if i >= 0 else 0.0
        if amps < memory.command_a - EPS:
            binding = shares.binding[i] if i >= 0 else -1
            limit = budget.limits[binding] if binding >= 0 else None
            reason, message = tick.absent(load) or explain_share(
                load, amps, tick.power(load, amps), upper[i] if i >= 0 else 0.0, None, limit
            )
            memory = memory.commanded(amps, now, memory.mode, reason, message)
        results[load.id] = allocation(tick, load, memory)
        memories[load.id] = memory
    return results, memories
