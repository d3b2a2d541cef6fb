"""Mode urgency: a less urgent load never costs a more urgent one anything (PRODUCT.md §3)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import assume, given
from hypothesis import strategies as st

from custom_components.ampwise.engine import (
    URGENCY,
    ControllerState,
    Load,
    Mode,
    Snapshot,
    allocate,
)

from .strategies import FAST, T0, TOL_A, House, World, conditions, worlds


@dataclass(frozen=True)
class Rivals:
    """Load i is more urgent than load j; both are judged on one snapshot and one state."""

    world: World
    i: int
    j: int
    snapshot: Snapshot
    state: ControllerState
    now: float

    def allocation_of_i(self, loads: list[Load]) -> float:
        decision = allocate(
            self.world.site, loads, self.snapshot, self.state, self.now, force_optimise=True
        )
        return decision.allocations[self.world.loads[self.i].id].current_a


@st.composite
def rivals(draw: st.DrawFn) -> Rivals:
    world = draw(worlds(min_loads=2))
    pairs = [
        (i, j)
        for i, a in enumerate(world.loads)
        for j, b in enumerate(world.loads)
        if b.mode is not Mode.OFF and URGENCY[a.mode] < URGENCY[b.mode]
    ]
    assume(pairs)
    i, j = draw(st.sampled_from(pairs))
    house = House(world)
    weather = conditions(world, sunny=True) | conditions(world)
    # A fresh state, or one a few ticks into a run (loads running, timers going).
    warmup = draw(st.lists(weather, max_size=4))
    interval = world.site.timing.interval_s
    for k, cond in enumerate(warmup):
        house.tick(cond, T0 + k * interval, force=draw(st.booleans()))
    now = T0 + len(warmup) * interval + draw(st.sampled_from([1.0, interval]))
    return Rivals(world, i, j, house.snapshot(draw(weather), now), house.state, now)


@FAST
@given(rivals())
def test_turning_a_less_urgent_load_off_never_helps_a_more_urgent_one(case: Rivals) -> None:
    """Property 5: for URGENCY[i] < URGENCY[j], i gets no more with j set to Off than with j
    in its mode: i already had everything j's presence could cost it."""
    loads = list(case.world.loads)
    with_j = case.allocation_of_i(loads)
    loads[case.j] = replace(loads[case.j], mode=Mode.OFF)
    assert case.allocation_of_i(loads) <= with_j + TOL_A


@FAST
@given(rivals())
def test_removing_a_less_urgent_load_never_helps_a_more_urgent_one(case: Rivals) -> None:
    """Property 5 with j removed from the site altogether. Only where j draws nothing: a
    removed load that still draws is, to the engine, household it cannot manage, which is a
    different house (less surplus, less headroom), not the same one without j."""
    j = case.world.loads[case.j]
    assume(case.state.load(j.id).command_a == 0)
    loads = list(case.world.loads)
    with_j = case.allocation_of_i(loads)
    assert case.allocation_of_i([ld for ld in loads if ld.id != j.id]) <= with_j + TOL_A
