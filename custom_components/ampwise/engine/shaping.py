"""From the distribution's target to the command: gentle on the way up, quick on the way down.

Increases are dead-banded and ramped (one step per optimisation tick). A load whose target is
set by surplus (it follows the sun) raises only once the surplus has stayed up for
`raise_delay_s`, to the lowest target seen meanwhile, and rides out a shortfall of at most
`import_tolerance_w` for `import_grace_s`: a passing kettle or a noisy meter then changes
nothing. Any other reduction, and every reduction a breaker asks for, is immediate.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Load, Timing
from .state import LoadState

EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Shaped:
    """The command, and the shaping memory the load keeps for the next tick."""

    amps: float
    raise_since_s: float | None = None
    raise_to_a: float = 0.0
    short_since_s: float | None = None

    @property
    def holding(self) -> bool:
        return self.raise_since_s is not None or self.short_since_s is not None


def shape(
    load: Load,
    target: float,
    memory: LoadState,
    upper: float,
    timing: Timing,
    now: float,
    *,
    energy_bound: bool,
    follows_surplus: bool,
    watts_per_a: float,
    buffered: bool = False,
) -> Shaped:
    """Turn the target into this tick's command.

    `follows_surplus`: the load runs on surplus (Solar, Excess, Eco above its minimum), so its
    raises wait for the surplus to stay up, whatever limit sets the target this tick. Only a
    reduction the surplus asks for (`target` set by an energy pool) may ride out a shortfall.
    With `buffered` the home battery evens out the surplus, so such a load keeps its setpoint
    while the target stays within `buffer_band_w` of it, either way.
    """
    previous = memory.command_a
    if (
        energy_bound
        and buffered
        and previous > 0
        and target > 0
        and not load.on_off
        and abs(target - previous) * watts_per_a < timing.buffer_band_w
    ):
        return Shaped(previous)
    step = timing.ramp_up_a_per_s * timing.interval_s
    if load.on_off or target <= 0:
        return Shaped(target)
    if previous <= 0:
        return Shaped(min(target, load.min_a + step))
    if target < previous - EPS:
        shortfall_w = (previous - target) * watts_per_a
        if energy_bound and shortfall_w <= timing.import_tolerance_w:
            since = memory.short_since_s if memory.short_since_s is not None else now
            if now - since < timing.import_grace_s - EPS:
                return Shaped(previous, short_since_s=since)
        return Shaped(target)
    if target - previous < timing.dead_band_a - EPS and target < upper - EPS:
        return Shaped(previous)
    if target <= previous + EPS:
        return Shaped(previous)
    settled = memory.running_since_s is not None and now - memory.running_since_s >= (
        timing.raise_delay_s
    )
    # Right after a start the start delay has just proved the surplus steady: no second wait.
    if follows_surplus and timing.raise_delay_s > 0 and settled:
        pending = memory.raise_since_s
        lowest = target if pending is None else min(memory.raise_to_a, target)
        first = now if pending is None else pending
        if now - first < timing.raise_delay_s - EPS:
            return Shaped(previous, raise_since_s=first, raise_to_a=lowest)
        target = lowest
    return Shaped(min(target, previous + step))
