"""From the distribution's target to the command: gentle on the way up, quick on the way down.

Increases are dead-banded and ramped (one step per optimisation tick). A load whose target is
set by surplus (it follows the sun) raises only once the surplus has stayed up for
`raise_delay_s`, to the lowest target seen meanwhile, and rides out a shortfall of at most
`import_tolerance_w` for `import_grace_s`: a passing kettle or a noisy meter then changes
nothing. Any other reduction, and every reduction a breaker asks for, is immediate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .model import Load, Timing
from .state import LoadState

EPS = 1e-6


class Hold(StrEnum):
    """Why a command stays below its target (or above it, for a ridden-out shortfall)."""

    NONE = ""
    RAMP = "ramp"  # rising one step per tick
    RAISE_WAIT = "raise_wait"  # waiting for the surplus to stay up
    DEAD_BAND = "dead_band"  # too small a rise to bother the charger
    BAND = "band"  # the battery evens out the difference
    SHORTFALL = "shortfall"  # a small, short shortfall is ridden out


@dataclass(frozen=True, slots=True)
class Shaped:
    """The command, why it differs from the target, and the memory kept for the next tick."""

    amps: float
    hold: Hold = Hold.NONE
    raise_since_s: float | None = None
    raise_to_a: float = 0.0
    short_since_s: float | None = None


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
    step = timing.ramp_up_a_per_s * timing.interval_s
    if load.on_off or target <= 0:
        return Shaped(target)
    if previous <= 0:
        return _ramp(min(target, load.min_a + step), target)
    # Right after a start the start delay has just proved the surplus steady: no second wait,
    # and the start ramp runs to its end.
    settled = memory.running_since_s is not None and now - memory.running_since_s >= (
        timing.raise_delay_s
    )
    if (
        energy_bound
        and buffered
        and settled
        and abs(target - previous) * watts_per_a < timing.buffer_band_w
    ):
        return Shaped(previous, Hold.BAND)
    if target < previous - EPS:
        shortfall_w = (previous - target) * watts_per_a
        if energy_bound and shortfall_w <= timing.import_tolerance_w:
            since = memory.short_since_s if memory.short_since_s is not None else now
            if now - since < timing.import_grace_s - EPS:
                return Shaped(previous, Hold.SHORTFALL, short_since_s=since)
        return Shaped(target)
    if target <= previous + EPS:
        return Shaped(previous)
    rising = memory.raise_since_s is not None and memory.raise_to_a > previous + EPS
    if target - previous < timing.dead_band_a - EPS and target < upper - EPS and not rising:
        return Shaped(previous, Hold.DEAD_BAND)
    if follows_surplus and timing.raise_delay_s > 0 and settled:
        pending = memory.raise_since_s
        lowest = target if pending is None else min(memory.raise_to_a, target)
        first = now if pending is None else pending
        if now - first < timing.raise_delay_s - EPS:
            return Shaped(previous, Hold.RAISE_WAIT, raise_since_s=first, raise_to_a=lowest)
        amps = min(lowest, previous + step)
        if amps < lowest - EPS:
            # Keep climbing next tick without a new wait; a lower target still caps the climb.
            return Shaped(amps, Hold.RAMP, raise_since_s=first, raise_to_a=lowest)
        return Shaped(amps)
    return _ramp(min(target, previous + step), target)


def _ramp(amps: float, target: float) -> Shaped:
    return Shaped(amps, Hold.RAMP if amps < target - EPS else Hold.NONE)
