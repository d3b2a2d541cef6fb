"""Feedback correction, slow charger meters, vehicles that take less, and bad grid readings."""

from __future__ import annotations

import math

from custom_components.ampwise.engine import (
    Battery,
    ControllerState,
    Inverter,
    Load,
    LoadKind,
    LoadReading,
    Metering,
    Mode,
    Reason,
    Site,
    Snapshot,
    Timing,
    allocate,
)

from .helpers import FAST, Loop

TIMING = Timing(**FAST)


def evse(load_id: str, priority: int = 1, lines: tuple[int, ...] = (0,)) -> Load:
    return Load(load_id, LoadKind.EVSE, Mode.STANDARD, lines, 6.0, 16.0, priority=priority)


def test_a_running_charger_does_not_push_itself_out() -> None:
    """The grid reading includes the car's own 16 A; the household is what is left."""
    site = Site(phases=1, main_breaker_a=20, timing=TIMING)
    loop = Loop(site, [evse("car")], [4.0])
    for _ in range(10):
        loop.tick()
        assert loop.amps()["car"] in (16.0,)


def test_slow_meter_neither_frees_headroom_nor_cuts_the_raised_load() -> None:
    """A charger meter that lags the command: the command counts until a newer reading arrives."""
    site = Site(phases=1, main_breaker_a=25, timing=TIMING)
    car = evse("car")
    state = ControllerState()
    # t=0: the car is told 16 A.
    decision = allocate(
        site, [car], Snapshot(grid_a=(5.0,), loads={"car": LoadReading((0.0,), 0.0)}), state, 0.0
    )
    assert decision.allocations["car"].current_a == 16.0
    # t=10: the grid shows the car at 16 A, its own meter still reports 0 A from t=0.
    stale = Snapshot(grid_a=(21.0,), loads={"car": LoadReading((0.0,), 0.0)})
    decision = allocate(site, [car], stale, decision.state, 10.0)
    assert decision.allocations["car"].current_a == 16.0
    assert decision.site.household_a == (5.0,)


def test_vehicle_that_draws_less_releases_power_to_others() -> None:
    site = Site(phases=1, main_breaker_a=30, timing=TIMING)
    loop = Loop(site, [evse("slow", 1), evse("next", 2)], [4.0], draw_limit_a={"slow": 10.0})
    loop.run(6)
    # slow draws 10 A: it is offered 12 A (10 + 2 A probe margin), the rest goes on.
    assert loop.amps() == {"slow": 12.0, "next": 14.0}
    assert loop.last is not None
    assert loop.last.allocations["slow"].reason is Reason.LIMITED_BY_VEHICLE
    loop.draw_limit_a = {}
    loop.run(6)
    assert loop.amps()["slow"] == 16.0  # a vehicle that wants more is found by probing


def test_total_power_sensor_assumes_the_worst_phase() -> None:
    """Only a net power sensor: each phase might carry the whole household."""
    site = Site(phases=3, main_breaker_a=25, metering=Metering.TOTAL, timing=TIMING)
    car = evse("car", lines=(0, 1, 2))
    household_w = 3450.0  # 15 A if all on one phase
    snapshot = Snapshot(grid_w=household_w, loads={"car": LoadReading((0.0, 0.0, 0.0), 0.0)})
    decision = allocate(site, [car], snapshot, ControllerState(), 0.0)
    assert decision.allocations["car"].current_a == 10.0


def test_nan_grid_reading_is_held_not_read_as_zero() -> None:
    site = Site(phases=1, main_breaker_a=20, timing=TIMING)
    car = evse("car")
    good = Snapshot(grid_a=(15.0,), loads={"car": LoadReading((0.0,), 0.0)})
    decision = allocate(site, [car], good, ControllerState(), 0.0)
    assert decision.allocations["car"].current_a == 0.0  # 5 A free is below the minimum
    bad = Snapshot(grid_a=(math.nan,), loads={"car": LoadReading((0.0,), 10.0)})
    decision = allocate(site, [car], bad, decision.state, 10.0)
    assert decision.site.degraded
    assert decision.allocations["car"].current_a == 0.0


def _off_grid(inverter_w: float, soc: float) -> float:
    """1-phase off-grid house: 3 kW of sun, 1 kW household, a Standard car not yet running."""
    site = Site(
        phases=1,
        metering=Metering.OFF_GRID,
        inverter=Inverter(max_w=inverter_w, max_a_per_phase=22.0),
        battery=Battery(soc_min_pct=10),
        grid_import_allowed=False,
        timing=TIMING,
    )
    # The battery takes the 2 kW the house does not use; the inverter delivers the 1 kW.
    snapshot = Snapshot(
        grid_a=(1000 / 230,),
        solar_w=3000,
        battery_w=2000 if soc < 100 else 0,
        battery_soc_pct=soc,
        loads={"car": LoadReading((0.0,), 0.0)},
    )
    decision = allocate(site, [evse("car")], snapshot, ControllerState(), 0.0)
    return decision.allocations["car"].current_a


def test_off_grid_site_is_bound_by_the_inverter_and_the_battery() -> None:
    # 5 kW inverter less the 1 kW house: 17.4 A, so the car's 16 A fit.
    assert _off_grid(5000, soc=50) == 16.0
    # 3 kW inverter: 2 kW left, 8.69 A.
    assert _off_grid(3000, soc=50) == 8.6
    # Battery below its minimum: only the 2 kW of spare sun, 8.69 A.
    assert _off_grid(5000, soc=5) == 8.6
