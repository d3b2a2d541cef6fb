"""The optimisation path: surplus, timers, distribution, then ramps on increases.

Two distributions run on one budget. Pass A lets every candidate take part and tells each
Solar/Excess load what surplus it could have now, which drives its start and stop timers.
Pass B hands out the power among the loads the timers let through, Solar/Excess loads that
hold through a dip keeping their minimum.
"""

from __future__ import annotations

from dataclasses import replace

from .budget import ENERGY_LIMITS, build_budget
from .decision import Allocation
from .distribute import distribute
from .explain import explain_share
from .model import Load, Mode
from .reasons import Reason, fmt_duration
from .shaping import Hold, shape
from .state import LoadState
from .tick import EPS, Tick, allocation, lower_bounds, round_down, tiers
from .timers import SURPLUS_MODES, gate_surplus_load, recovery_w

HISTORY_MIN_S = 300.0
FOLLOWS_SURPLUS = frozenset({Mode.SOLAR, Mode.EXCESS, Mode.ECO})
_Why = tuple[Reason, str, float | None]


def optimise(
    tick: Tick,
) -> tuple[dict[str, Allocation], dict[str, LoadState], tuple[tuple[float, float], ...]]:
    site, now, timing, pools = tick.site, tick.now, tick.site.timing, tick.pools
    state = tick.state
    window = max(HISTORY_MIN_S, timing.stop_delay_s, timing.buffer_window_s)
    history = (*state.recent_surplus(now, window), (now, pools.raw_surplus_w))

    why: dict[str, _Why] = {}
    memories: dict[str, LoadState] = {}
    candidates: list[Load] = []
    watching: set[str] = set()
    for load in tick.loads:
        memory = state.load(load.id)
        absent = tick.absent(load)
        if absent is not None:
            if memory.start_pending_since_s is not None:
                memory = memory.with_timers(None, memory.stop_pending_since_s)
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
            if load.mode in SURPLUS_MODES:
                # Its start delay may run during the pause, so a dip costs one pause, not two.
                watching.add(load.id)
                candidates.append(load)
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
        if load.id in watching:
            memory = memories[load.id]
            if got < need - EPS:
                memories[load.id] = memory.with_timers(None, memory.stop_pending_since_s)
            elif memory.start_pending_since_s is None:
                memories[load.id] = memory.with_timers(now, memory.stop_pending_since_s)
            continue
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
            limit = budget.limits[shares.binding[i]] if shares.binding[i] >= 0 else None
            shaped = shape(
                load,
                target,
                memory,
                upper[i],
                timing,
                now,
                energy_bound=limit is not None and limit.kind in ENERGY_LIMITS,
                follows_surplus=load.mode in FOLLOWS_SURPLUS,
                watts_per_a=budget.power_per_a[i],
                buffered=pools.buffered,
            )
            amps = round_down(load, shaped.amps)
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
            if shaped.hold is Hold.RAISE_WAIT:
                assert shaped.raise_since_s is not None
                wait = timing.raise_delay_s - (now - shaped.raise_since_s)
                reason = Reason.RAMPING
                message = (
                    f"raising to {shaped.raise_to_a:.1f} A in {fmt_duration(wait)} "
                    f"if the surplus stays up ({message})"
                )
            elif shaped.hold is Hold.RAMP:
                reason, message = Reason.RAMPING, f"ramping up to {target:.1f} A ({message})"
            memory = memory.commanded(
                amps,
                now,
                load.mode,
                reason,
                message,
                timer,
                (shaped.raise_since_s, shaped.raise_to_a, shaped.short_since_s),
            )
        memories[load.id] = memory
        results[load.id] = allocation(tick, load, memory)
    return results, memories, history
