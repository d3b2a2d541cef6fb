"""When Solar and Excess loads may start and must stop (PRODUCT.md §3).

A waiting load starts once surplus has covered its minimum for the start delay. A running
load whose surplus falls short holds its minimum for the stop delay, unless the recent
average surplus says the dip will not pass (predictive stop), and never inside its Excess
hold time or minimum on-time. Physical limits are not timers' business: a breaker cut is
immediate and happens in the distribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import Load, Mode, Timing
from .reasons import Reason, fmt_duration, fmt_power
from .state import LoadState

SURPLUS_MODES = frozenset({Mode.SOLAR, Mode.EXCESS})


@dataclass(frozen=True, slots=True)
class Gate:
    """Whether a surplus load takes part this tick, and what it holds from the grid."""

    eligible: bool
    floor: float
    memory: LoadState
    reason: Reason | None = None
    message: str = ""
    timer_s: float | None = None


def recovery_w(history: Sequence[tuple[float, float]], now: float, window_s: float) -> float:
    """Recent average surplus minus the latest: how much a dip is expected to recover."""
    recent = [w for t, w in history if now - t <= window_s]
    if len(recent) < 2:
        return 0.0
    return sum(recent) / len(recent) - recent[-1]


def gate_surplus_load(
    load: Load,
    memory: LoadState,
    *,
    covered: bool,
    offered_w: float,
    need_w: float,
    recovery: float,
    battery_first: bool,
    timing: Timing,
    now: float,
) -> Gate:
    """Apply start delay, stop delay, Excess hold and minimum on-time to one surplus load."""
    if not memory.running:
        if not covered:
            reason = Reason.BATTERY_PRIORITY if battery_first else Reason.WAITING_FOR_SURPLUS
            text = (
                "battery charges first; surplus for this load"
                if battery_first
                else "waiting for surplus"
            )
            message = f"{text}: {fmt_power(max(0.0, offered_w))} of {fmt_power(need_w)}"
            memory = memory.with_timers(None, memory.stop_pending_since_s)
            return Gate(False, 0.0, memory, reason, message)
        since = memory.start_pending_since_s if memory.start_pending_since_s is not None else now
        memory = memory.with_timers(since, memory.stop_pending_since_s)
        left = timing.start_delay_s - (now - since)
        if left > 1e-9:
            message = f"starting in {fmt_duration(left)}: surplus covers the minimum"
            return Gate(False, 0.0, memory, Reason.STARTING, message, left)
        return Gate(True, 0.0, memory.with_timers(None, memory.stop_pending_since_s))

    on_for = now - memory.running_since_s if memory.running_since_s is not None else 0.0
    if load.mode is Mode.EXCESS and on_for < timing.excess_hold_s and not covered:
        left = timing.excess_hold_s - on_for
        message = f"excess hold: keeps its minimum for {fmt_duration(left)} after starting"
        memory = memory.with_timers(memory.start_pending_since_s, None)
        return Gate(True, load.min_a, memory, Reason.EXCESS_HOLD, message, left)
    if on_for < load.min_on_s and not covered:
        left = load.min_on_s - on_for
        message = f"minimum on-time: {fmt_duration(left)} left"
        return Gate(True, load.min_a, memory, Reason.MIN_ON, message, left)
    if covered:
        return Gate(True, 0.0, memory.with_timers(memory.start_pending_since_s, None))

    since = memory.stop_pending_since_s if memory.stop_pending_since_s is not None else now
    memory = memory.with_timers(memory.start_pending_since_s, since)
    left = timing.stop_delay_s - (now - since)
    # Hold through a dip only when the recent average says it will pass and the sun still
    # carries most of the minimum: a deep dip would mean importing most of it meanwhile.
    shallow = offered_w >= need_w * (1.0 - timing.hold_max_shortfall_pct / 100.0)
    dip_passes = shallow and offered_w + recovery >= need_w
    if left > 1e-9 and (dip_passes or not timing.predictive_stop):
        message = (
            f"stopping in {fmt_duration(left)}: surplus {fmt_power(max(0.0, offered_w))} "
            f"below minimum {fmt_power(need_w)}"
        )
        return Gate(True, load.min_a, memory, Reason.STOPPING, message, left)
    return Gate(False, 0.0, memory.with_timers(memory.start_pending_since_s, None))
