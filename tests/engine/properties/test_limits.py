"""Breakers, circuits and max import hold; allocations stay in range; cuts are never delayed.

The explicit examples are regressions of bugs these properties found: allocations rounded
past a load's range and the limit it was fitted into (a range not in whole milliamps), and an
unplugged load without a meter still counted as drawing its last command.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import example, given
from hypothesis import strategies as st

from custom_components.ampwise.engine import (
    Load,
    LoadKind,
    Mode,
    Path,
    Site,
    Strategy,
)

from .strategies import (
    FAST,
    T0,
    Conditions,
    House,
    Scenario,
    Step,
    World,
    ancestors,
    circuit_unmanaged,
    conditions,
    controller_states,
    limit_violations,
    play,
    range_violations,
    scenarios,
    situations,
    worlds,
)

# A 1-phase heater driven through a `number` whose minimum and maximum are both 1.0625 A.
ROUNDED_BELOW_MIN = (
    World(
        Site(phases=1, main_breaker_a=10.0),
        (Load("L0", LoadKind.NUMBER, Mode.STANDARD, (0,), min_a=1.0625, max_a=1.0625),),
    ),
    Conditions(household_a=(0.0,)),
)
# The same with 2.6087 A (600 W) and exactly 2.6087 A of headroom: it gets 2.609 A.
ROUNDED_OVER_LIMIT = (
    World(
        Site(phases=1, main_breaker_a=10.0),
        (Load("L0", LoadKind.NUMBER, Mode.STANDARD, (0,), min_a=2.6087, max_a=2.6087),),
    ),
    Conditions(household_a=(10.0 - 2.6087,)),
)


def _fresh_tick_violations(situation: tuple[World, Conditions]) -> list[str]:
    world, cond = situation
    house = House(world)
    return limit_violations(world, house.loads, cond, house.tick(cond, T0, force=True))


def _sequence_violations(scenario: Scenario, check) -> list[str]:
    found = []
    for n, (cond, loads, decision) in enumerate(play(scenario)):
        found += [f"tick {n}: {v}" for v in check(scenario.world, loads, cond, decision)]
    return found


def _limits(world, loads, cond, decision) -> list[str]:
    return limit_violations(world, loads, cond, decision)


def _ranges(world, loads, cond, decision) -> list[str]:
    return range_violations(loads, decision)


# --------------------------------------------------------------------------- property 1


@FAST
@example(situation=ROUNDED_OVER_LIMIT)
@given(situation=situations())
def test_fresh_optimisation_respects_every_limit(situation) -> None:
    """Property 1, one forced optimisation from a fresh state: where the household (or a
    circuit's unmanaged draw) fits, household + allocations fit too, per phase and circuit,
    and the import stays within max import."""
    assert _fresh_tick_violations(situation) == []


@FAST
@example(scenario=Scenario(*ROUNDED_OVER_LIMIT, steps=()))
@given(scenario=scenarios())
def test_sequence_respects_every_limit(scenario: Scenario) -> None:
    """Property 1 along a run: optimisation and safety ticks, the household, circuits and
    modes changing between calls, loads drawing their previous command (a vehicle maybe less)."""
    assert _sequence_violations(scenario, _limits) == []


# A 20 A phase, 2 A of household, three unmetered chargers at their 6 A minimum (Shared,
# default timing). The first car leaves and the grid reads 2 + 6 + 6 A, but the engine still
# subtracts the 6 A it last commanded: household -4 A, so the other two ramp to 11 A each,
# 24 A on the phase.
UNPLUGGED = Scenario(
    World(
        Site(phases=1, main_breaker_a=20.0, distribution=Strategy.SHARED),
        tuple(
            Load(f"L{i}", LoadKind.EVSE, Mode.STANDARD, (0,), 6.0, 16.0, priority=i + 1)
            for i in range(3)
        ),
    ),
    Conditions(household_a=(2.0,)),
    (Step(10.0, False, Conditions(household_a=(2.0,), disconnected=frozenset({"L0"})), None),),
)


@FAST
@example(scenario=UNPLUGGED)
@given(scenario=scenarios(disconnects=True))
def test_unplugging_frees_no_phantom_headroom(scenario: Scenario) -> None:
    """Property 1 along a run in which vehicles and devices are unplugged and plugged back."""
    assert _sequence_violations(scenario, _limits) == []


# --------------------------------------------------------------------------- property 2


@FAST
@example(scenario=Scenario(*ROUNDED_BELOW_MIN, steps=()))
@given(scenario=scenarios(disconnects=True))
def test_allocations_are_zero_or_within_range(scenario: Scenario) -> None:
    """Property 2: every allocation is 0 or within [min_a, max_a]; a switch 0 or exactly its
    current."""
    assert _sequence_violations(scenario, _ranges) == []


# --------------------------------------------------------------------------- property 7


@st.composite
def rises(draw: st.DrawFn, world: World, cond: Conditions) -> Conditions:
    """The household and the circuits' unmanaged draw rise, up to their limits and no further."""
    site = world.site
    towards = st.just(1.0) | st.floats(0.0, 1.0)
    b = site.main_breaker_a
    raised = replace(
        cond, household_a=tuple(h + draw(towards) * max(0.0, b - h) for h in cond.household_a)
    )
    for c in site.circuits:
        if c.id not in cond.unmanaged_a:
            continue
        # What this circuit and every one above it can still take, per phase.
        slack = [
            min(
                up.limit_a - circuit_unmanaged(world, raised, up.id)[p]
                for up in site.circuits
                if up.id in ancestors(site, c.id)
            )
            for p in range(site.phases)
        ]
        rise = draw(towards)
        own = tuple(
            u + rise * max(0.0, s) for u, s in zip(raised.unmanaged_a[c.id], slack, strict=True)
        )
        raised = replace(raised, unmanaged_a={**raised.unmanaged_a, c.id: own})
    return raised


@FAST
@given(st.data())
def test_safety_tick_cuts_at_once(data: st.DataObject) -> None:
    """Property 7: from any state, an optimisation tick, then the household rises; the very
    next (safety, not forced) tick already fits every phase, circuit and max import."""
    world = data.draw(worlds())
    house = House(world, state=data.draw(controller_states(world, T0)))
    before = data.draw(conditions(world))
    house.tick(before, T0, force=True)
    after = data.draw(rises(world, before))
    dt = data.draw(st.floats(0.1, world.site.timing.interval_s - 0.1))
    decision = house.tick(after, T0 + dt)
    assert decision.path is Path.SAFETY
    assert limit_violations(world, house.loads, after, decision) == []


@FAST
@given(st.data())
def test_safety_ticks_from_any_state(data: st.DataObject) -> None:
    """Property 7 without the optimisation first: safety ticks straight from any state, under
    any household, fit every limit whose unmanaged part fits."""
    world = data.draw(worlds())
    start = data.draw(controller_states(world, T0))
    house = House(world, state=replace(start, last_optimised_s=T0 - 0.5))
    for k in range(data.draw(st.integers(1, 3))):
        cond = data.draw(conditions(world))
        decision = house.tick(cond, T0 + k * 0.5)
        assert decision.path is Path.SAFETY
        assert limit_violations(world, house.loads, cond, decision) == []
