"""Same inputs, same decision; the inputs are left as they were."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from custom_components.ampwise.engine import allocate

from .strategies import FAST, T0, House, conditions, controller_states, play, scenarios


@FAST
@given(scenarios(max_steps=6), st.data())
def test_same_inputs_same_decision(scenario, data: st.DataObject) -> None:
    """Property 6: equal decisions (allocations, reasons, messages, timers, site status and
    the returned state), and the state, snapshot, site and loads passed in are not mutated."""
    world = scenario.world
    house = House(world)
    ticks = play(scenario)
    last = ticks[-1][2].state
    # The state after a run, or any state at all.
    state = data.draw(st.just(last) | controller_states(world, T0 + 5000.0))
    house.state = state
    house.commands = {ld.id: state.load(ld.id).command_a for ld in world.loads}
    now = T0 + 5000.0 + data.draw(st.sampled_from([0.5, 10.0, 100.0]))
    snapshot = house.snapshot(data.draw(conditions(world)), now)
    force = data.draw(st.booleans())
    inputs = (world.site, list(world.loads), snapshot, state)
    before = copy.deepcopy(inputs)

    first = allocate(*inputs, now, force_optimise=force)
    second = allocate(*inputs, now, force_optimise=force)
    assert first == second
    assert list(first.allocations) == list(second.allocations)
    assert inputs == before
    # The same again from deep copies: nothing depends on object identity.
    third = allocate(*copy.deepcopy(before), now, force_optimise=force)
    assert third == first
