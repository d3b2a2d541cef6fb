"""Splitting the budget between loads: mode urgency first, then the site's strategy.

Loads are served tier by tier (Standard/On, then Eco, then Solar, then Excess), so a more
urgent mode always wins; the strategy decides how loads of one tier share (PRODUCT.md §5).
Every limit is enforced while loads take their shares, so power a capped circuit cannot use
flows on to loads elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .budget import Budget
from .model import Strategy

EPS = 1e-6


@dataclass(slots=True)
class Shares:
    """Allocation per load and, where a load got less than its upper bound, the limit that bound."""

    alloc: list[float]
    binding: list[int]
    # What a load that got nothing could have had when its turn came (for "1.2 of 1.4 kW");
    # negative when its pool was already overdrawn.
    offered: list[float]


def distribute(
    budget: Budget,
    tiers: Sequence[Sequence[int]],
    lower: Sequence[float],
    upper: Sequence[float],
    strategy: Strategy,
) -> Shares:
    """Serve each tier in turn with the strategy; indices refer to the budget's loads."""
    n = len(lower)
    shares = Shares([0.0] * n, [-1] * n, [0.0] * n)
    serve = _STRATEGIES[strategy]
    for tier in tiers:
        serve(budget, tier, lower, upper, shares)
    return shares


def _minimums(
    budget: Budget, tier: Sequence[int], lower: Sequence[float], shares: Shares
) -> list[int]:
    """Give each load its minimum, in order, where it fits; return those that got it."""
    running = []
    for i in tier:
        cap, binding = budget.capacity(i, 0.0)
        if cap >= lower[i] - EPS:
            budget.take(i, lower[i])
            shares.alloc[i] = lower[i]
            running.append(i)
        else:
            shares.binding[i] = binding
            shares.offered[i] = cap
    return running


def _fill_in_order(
    budget: Budget, running: Sequence[int], upper: Sequence[float], shares: Shares
) -> None:
    """Raise each running load, first in order first, as far as it can go."""
    for i in running:
        want = upper[i] - shares.alloc[i]
        if want <= EPS:
            continue
        cap, binding = budget.capacity(i, shares.alloc[i])
        extra = min(want, cap)
        if extra > EPS:
            budget.take(i, extra)
            shares.alloc[i] += extra
        if cap < want - EPS:
            shares.binding[i] = binding


def _priority(
    budget: Budget,
    tier: Sequence[int],
    lower: Sequence[float],
    upper: Sequence[float],
    shares: Shares,
) -> None:
    _fill_in_order(budget, _minimums(budget, tier, lower, shares), upper, shares)


def _strict(
    budget: Budget,
    tier: Sequence[int],
    lower: Sequence[float],
    upper: Sequence[float],
    shares: Shares,
) -> None:
    for i in tier:
        cap, binding = budget.capacity(i, 0.0)
        amps = min(upper[i], cap)
        if amps >= lower[i] - EPS:
            amps = max(amps, lower[i])
            budget.take(i, amps)
            shares.alloc[i] = amps
        else:
            shares.offered[i] = cap
        if cap < upper[i] - EPS:
            shares.binding[i] = binding


def _optimized(
    budget: Budget,
    tier: Sequence[int],
    lower: Sequence[float],
    upper: Sequence[float],
    shares: Shares,
) -> None:
    """Strict, but trim loads ahead when that lets one more load start and uses more power.

    A load joins only if the tier then uses more power than without it, so the first load
    keeps everything except what would otherwise be left unused (16/0 becomes 14/6 on 20 A,
    while three loads on 20 A stay 14/6/0 rather than Priority's 8/6/6).
    """
    start = budget.save()  # after earlier tiers, before this one
    _strict(budget, tier, lower, upper, shares)
    position = {i: n for n, i in enumerate(tier)}
    running = [i for i in tier if shares.alloc[i] > 0]
    used = _power(budget, running, shares)
    for j in tier:
        if shares.alloc[j] > 0:
            continue
        candidate = sorted([*running, j], key=position.__getitem__)
        trial = Shares(list(shares.alloc), list(shares.binding), list(shares.offered))
        for i in candidate:
            trial.alloc[i] = 0.0
        settled = budget.save()
        budget.restore(start)
        got = _minimums(budget, candidate, lower, trial)
        if len(got) == len(candidate):
            _fill_in_order(budget, candidate, upper, trial)
            trial_used = _power(budget, candidate, trial)
            if trial_used > used + EPS:
                shares.alloc[:] = trial.alloc
                shares.binding[:] = trial.binding
                running, used = candidate, trial_used
                continue
        budget.restore(settled)


def _power(budget: Budget, running: Sequence[int], shares: Shares) -> float:
    return sum(shares.alloc[i] * budget.power_per_a[i] for i in running)


def _shared(
    budget: Budget,
    tier: Sequence[int],
    lower: Sequence[float],
    upper: Sequence[float],
    shares: Shares,
) -> None:
    """Minimums first, then equal increments for all until each meets a limit (water-filling)."""
    running = _minimums(budget, tier, lower, shares)
    active = [i for i in running if upper[i] - shares.alloc[i] > EPS]
    while active:
        step = float("inf")
        usage: dict[int, float] = {}
        for i in active:
            room = upper[i] - shares.alloc[i]
            cap, _ = budget.capacity(i, shares.alloc[i])
            step = min(step, room, cap)
            for index, weight in budget.hard[i]:
                usage[index] = usage.get(index, 0.0) + weight
            for index, _floor in budget.soft[i]:
                usage[index] = 0.0
        for i in active:
            for index in budget.soft_all:
                if index in usage:
                    usage[index] += budget.power_per_a[i]
        for index, rate in usage.items():
            if rate > 0:
                step = min(step, budget.remaining[index] / rate)
        if step > EPS:
            for i in active:
                budget.take(i, step)
                shares.alloc[i] += step
        still = []
        for i in active:
            room = upper[i] - shares.alloc[i]
            cap, binding = budget.capacity(i, shares.alloc[i])
            if room <= EPS:
                continue
            if cap <= EPS:
                shares.binding[i] = binding
                continue
            still.append(i)
        if len(still) == len(active) and step <= EPS:
            break
        active = still


_STRATEGIES: dict[
    Strategy,
    Callable[[Budget, Sequence[int], Sequence[float], Sequence[float], Shares], None],
] = {
    Strategy.PRIORITY: _priority,
    Strategy.SHARED: _shared,
    Strategy.STRICT: _strict,
    Strategy.OPTIMIZED: _optimized,
}
