"""The optimisation path: surplus, timers, distribution, then ramps on increases.

Two distributions run on one budget. Pass A lets every candidate take part and tells each
Solar/Excess load what surplus it could have now, which drives its start and stop timers.
Pass B hands out the power among the loads the timers let through, Solar/Excess loads that
hold through a dip keeping their minimum.
"""

from __future__ import annotations

from dataclasses import replace

from .budget import build_budget
from .decision import Allocation
from .distribute import distribute
from .explain import explain_share
from .model import Load, Timing
from .reasons import Reason, fmt_duration
from .state import ControllerState, LoadState
from .tick import EPS, Tick, allocation, lower_bounds, round_down, tiers
from .timers import SURPLUS_MODES, gate_surplus_load, recovery_w

HISTORY_MIN_S = 300.0
_Why = tuple[Reason, str, float | None]


def optimise(tick: Tick) -> tuple[dict[str, Allocation], dict[str, LoadState], ControllerState]:
    site, now, timing, pools = tick.site, tick.now, tick.site.timing, tick.pools
    state = tick.state
    window = max(HISTORY_MIN_S, timing.stop_delay_s)
    history = (
        *((t, w) for t, w in state.surplus_history if now - t <= window),
        (now, pools.raw_surplus_w),
    )
    state = replace(state, surplus_history=history, last_optimised_s=now)

    why: dict[str, _Why] = {}
    memories: dict[str, LoadState] = {}
    candidates: list[Load] = []
    for load in tick.loads:
        memory = state.load(load.id)
        absent = tick.absent(load)
        if absent is not None:
            if memory.start_pending_since_s is not None:
                memory = replace(memory, start_pending_since_s=None)
            memories[load.id] = memory
            why[load.id] = (*absent, None)
            continue
        pause = max(timing.min_pause_s, load.min_off_s)
        since_stop = now - memory.stopped_at_s if memory.stopped_at_s is not None else None
        if (
            not memory.running
            and since_stop is not None
            and since_stop < pause - EPS
            and memory.mode in (None, load.mode)
        ):
            left = pause - since_stop
            memories[load.id] = memory
            why[load.id] = (Reason.PAUSED, f"paused for {fmt_duration(left)} after stopping", left)
            continue
        memories[load.id] = memory
        candidates.append(load)

    upper = [tick.upper(load, memories[load.id]) for load in candidates]
    lower = lower_bounds(candidates)
    budget = build_budget(site, candidates, pools, tick.chains, tick.phases)
    fresh = budget.save()
    potential = distribute(
        budget, tiers(candidates, range(len(candidates))), lower, upper, site.distribution
    )
    budget.restore(fresh)

    recovery = recovery_w(history, now, timing.stop_delay_s)
    gated: dict[str, _Why] = {}
    members: list[int] = []
    for i, load in enumerate(candidates):
        if load.mode not in SURPLUS_MODES:
            members.append(i)
            continue
        ppa = budget.power_per_a[i]
        need = lower[i]
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
            members.append(i)
            budget.hold[i] = gate.floor
        elif gate.reason is None:
            # Stopped by the timers: the stop delay ran out or the dip will not pass.
            gated[load.id] = (Reason.WAITING_FOR_SURPLUS, "stopped: surplus below minimum", None)

    shares = distribute(budget, tiers(candidates, members), lower, upper, site.distribution)
    position = {load.id: i for i, load in enumerate(candidates)}
    chosen = set(members)
    results: dict[str, Allocation] = {}
    for load in tick.loads:
        memory = memories[load.id]
        i = position.get(load.id, -1)
        if i < 0 or i not in chosen:
            reason, message, timer = why.get(load.id) or gated[load.id]
            memory = memory.commanded(0.0, now, load.mode, reason, message, timer)
            if reason is Reason.DISCONNECTED and memory.stopped_at_s is not None:
                memory = replace(memory, stopped_at_s=None)  # a new vehicle need not wait
        else:
            target = round_down(load, shares.alloc[i])
            amps = round_down(load, _smooth(load, target, memory, upper[i], timing))
            limit = budget.limits[shares.binding[i]] if shares.binding[i] >= 0 else None
            measured = tick.draws[load.id].measured
            reason, message = explain_share(
                load,
                target,
                tick.power(load, target),
                upper[i],
                max(measured) if measured else None,
                limit,
            )
            timer = None
            if load.id in gated and (target <= load.min_a + EPS or amps <= 0):
                reason, message, timer = gated[load.id]
            if 0 < amps < target - EPS:
                reason, message = Reason.RAMPING, f"ramping up to {target:.1f} A ({message})"
            memory = memory.commanded(amps, now, load.mode, reason, message, timer)
        memories[load.id] = memory
        results[load.id] = allocation(tick, load, memory)
    return results, memories, state


def _smooth(
    load: Load,
    target: float,
    memory: LoadState,
    upper: float,
    timing: Timing,
) -> float:
    """Ramp and dead-band increases; reductions pass straight through."""
    previous = memory.command_a
    if target <= previous or load.on_off:
        return target
    # One interval's worth per optimisation tick, however long since the last one: a gap (an
    # outage, a failsafe) is no licence to jump.
    step = timing.ramp_up_a_per_s * timing.interval_s
    if previous <= 0:
        return min(target, load.min_a + step)
    if target - previous < timing.dead_band_a - EPS and target < upper - EPS:
        return previous
    return min(target, previous + step)
