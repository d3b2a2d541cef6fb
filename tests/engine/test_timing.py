"""Start and stop delays, pauses, Excess hold, ramps, and reductions that never wait."""

from __future__ import annotations

import pytest

from custom_components.ampwise.engine import (
    Load,
    LoadKind,
    Mode,
    Path,
    Reason,
    Site,
    Timing,
)

from .helpers import FAST, Loop


def car(mode: Mode, **kw: object) -> Load:
    return Load("car", LoadKind.EVSE, mode, (0,), 6.0, 16.0, failsafe_a=6.0, **kw)  # type: ignore[arg-type]


def reason(loop: Loop) -> Reason:
    assert loop.last is not None
    return loop.last.allocations["car"].reason


def test_solar_load_starts_after_the_start_delay() -> None:
    site = Site(phases=1, main_breaker_a=40)
    loop = Loop(site, [car(Mode.SOLAR)], [2.0], solar_w=3000)
    for _ in range(6):  # t = 0 .. 50 s
        loop.tick()
        assert loop.amps()["car"] == 0.0
        assert reason(loop) is Reason.STARTING
    loop.tick()  # t = 60 s
    assert loop.amps()["car"] > 6.0


def test_solar_load_waits_while_surplus_is_short_and_says_how_short() -> None:
    site = Site(phases=1, main_breaker_a=40)
    loop = Loop(site, [car(Mode.SOLAR)], [2.0], solar_w=1500)
    loop.run(20)
    assert loop.amps()["car"] == 0.0
    assert loop.last is not None
    allocation = loop.last.allocations["car"]
    assert allocation.reason is Reason.WAITING_FOR_SURPLUS
    assert allocation.message == "waiting for surplus: 1.0 kW of 1.4 kW"


def test_solar_load_holds_its_minimum_then_stops_and_pauses() -> None:
    timing = Timing(start_delay_s=0, predictive_stop=False)
    site = Site(phases=1, main_breaker_a=40, timing=timing)
    loop = Loop(site, [car(Mode.SOLAR)], [2.0], solar_w=3000)
    loop.run(3)
    assert loop.amps()["car"] > 6.0
    loop.solar_w = 500
    held = 0
    while loop.tick().allocations["car"].current_a > 0:
        held += 1
        assert loop.amps()["car"] == 6.0
        assert reason(loop) is Reason.STOPPING
    assert held == 18  # the whole 180 s stop delay at 10 s ticks
    loop.solar_w = 5000
    loop.tick()
    assert reason(loop) is Reason.PAUSED
    loop.run(16)  # paused until 180 s after the stop
    assert loop.amps()["car"] == 0.0
    loop.run(1)
    assert loop.amps()["car"] > 0.0


def test_predictive_stop_does_not_wait_out_a_sunset() -> None:
    """A dip the sun cannot nearly carry stops the load at once instead of importing."""
    site = Site(phases=1, main_breaker_a=40, timing=Timing(start_delay_s=0))
    loop = Loop(site, [car(Mode.SOLAR)], [2.0], solar_w=3000)
    loop.run(30)
    loop.solar_w = 0
    assert loop.tick().allocations["car"].current_a == 0.0


def test_predictive_stop_holds_through_a_shallow_dip() -> None:
    """Surplus still covering over half the minimum, after a sunny spell: hold, expect it back."""
    site = Site(phases=1, main_breaker_a=40, timing=Timing(start_delay_s=0))
    loop = Loop(site, [car(Mode.SOLAR)], [2.0], solar_w=3000)
    loop.run(30)
    loop.solar_w = 1300  # 840 W of surplus for a 1380 W minimum
    decision = loop.tick()
    assert decision.allocations["car"].current_a == 6.0
    assert decision.allocations["car"].reason is Reason.STOPPING


def test_mode_change_cancels_the_pause() -> None:
    site = Site(phases=1, main_breaker_a=40, timing=Timing(start_delay_s=0, stop_delay_s=0))
    loop = Loop(site, [car(Mode.SOLAR)], [2.0], solar_w=3000)
    loop.run(3)
    loop.solar_w = 0
    loop.run(2)
    assert reason(loop) is Reason.PAUSED
    loop.loads = [car(Mode.STANDARD)]
    loop.tick()
    assert loop.amps()["car"] >= 6.0


def test_excess_load_keeps_its_minimum_through_the_hold_time() -> None:
    timing = Timing(start_delay_s=0, excess_hold_s=120, predictive_stop=False, stop_delay_s=0)
    site = Site(phases=1, main_breaker_a=40, excess_threshold_w=1000, timing=timing)
    loop = Loop(site, [car(Mode.EXCESS)], [0.0], solar_w=4000)
    loop.run(2)
    assert loop.amps()["car"] > 6.0
    loop.solar_w = 0
    loop.run(10)
    assert loop.amps()["car"] == 6.0
    assert reason(loop) is Reason.EXCESS_HOLD
    loop.run(3)
    assert loop.amps()["car"] == 0.0


def test_increases_ramp_and_reductions_are_immediate() -> None:
    site = Site(phases=1, main_breaker_a=40, timing=Timing(ramp_up_a_per_s=0.2))
    loop = Loop(site, [car(Mode.STANDARD)], [2.0])
    seen = [loop.tick().allocations["car"].current_a for _ in range(5)]
    seen.append(loop.tick(1.0).allocations["car"].current_a)
    assert seen == [8.0, 10.0, 12.0, 14.0, 16.0, 16.0]
    assert reason(loop) is Reason.AT_MAXIMUM
    loop.household_a = [34.0]
    decision = loop.tick(1.0)  # a grid update one second after an optimisation tick
    assert decision.path is Path.SAFETY
    assert decision.allocations["car"].current_a == 6.0


def test_dead_band_ignores_small_increases_only() -> None:
    site = Site(phases=1, main_breaker_a=20, timing=Timing(ramp_up_a_per_s=100, dead_band_a=1.0))
    loop = Loop(site, [car(Mode.STANDARD)], [8.0])
    loop.run(2)
    assert loop.amps()["car"] == 12.0
    loop.household_a = [7.5]
    loop.run(2)
    assert loop.amps()["car"] == 12.0  # +0.5 A is inside the dead band
    loop.household_a = [8.3]
    loop.run(1)
    assert loop.amps()["car"] == 11.7  # -0.3 A is not


def test_safety_path_cuts_least_urgent_first_within_one_call() -> None:
    site = Site(phases=1, main_breaker_a=32, timing=Timing(**FAST))
    loads = [
        Load("std", LoadKind.EVSE, Mode.STANDARD, (0,), 6.0, 16.0),
        Load("eco", LoadKind.EVSE, Mode.ECO, (0,), 6.0, 16.0),
    ]
    loop = Loop(site, loads, [2.0])
    loop.run(2)
    loop.tick(1.0)
    assert loop.amps() == {"std": 16.0, "eco": 6.0}
    loop.household_a = [14.0]
    decision = loop.tick(1.0)
    assert decision.path is Path.SAFETY
    assert loop.amps() == {"std": 16.0, "eco": 0.0}
    loop.household_a = [20.0]
    loop.tick(1.0)
    assert loop.amps() == {"std": 12.0, "eco": 0.0}


@pytest.mark.parametrize("mode", [Mode.SOLAR, Mode.STANDARD])
def test_failsafe_after_stale_grid_and_recovery(mode: Mode) -> None:
    timing = Timing(start_delay_s=0, stale_after_s=60, **FAST)
    site = Site(phases=1, main_breaker_a=40, timing=timing)
    loop = Loop(site, [car(mode)], [2.0], solar_w=4000)
    loop.run(3)
    running = loop.amps()["car"]
    assert running > 6.0
    healthy = loop.snapshot
    loop.snapshot = lambda: healthy().__class__(grid_a=None, loads=healthy().loads)  # type: ignore[method-assign]
    decision = loop.tick()
    assert decision.site.degraded
    assert decision.allocations["car"].current_a <= running  # held, never raised
    for _ in range(6):
        decision = loop.tick()
    assert decision.path is Path.FAILSAFE
    assert decision.allocations["car"].current_a == 6.0
    assert decision.allocations["car"].reason is Reason.FAILSAFE
    loop.snapshot = healthy  # type: ignore[method-assign]
    decision = loop.tick()
    assert decision.path is Path.OPTIMISE
    assert not decision.site.degraded
