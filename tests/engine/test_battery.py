"""Battery policy (PRODUCT.md §4), one decision at a time from hand-made meter readings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.ampwise.engine import (
    Battery,
    ControllerState,
    Load,
    LoadKind,
    LoadReading,
    Mode,
    Site,
    Snapshot,
    Timing,
    allocate,
)
from custom_components.ampwise.engine.pools import stored_solar_w

V = 230.0
BATTERY = Battery(soc_min_pct=10, soc_target_pct=80, hysteresis_pct=5)


def site(**kw: object) -> Site:
    timing = Timing(start_delay_s=0, ramp_up_a_per_s=100, dead_band_a=0)
    kw.setdefault("battery", BATTERY)
    return Site(phases=1, main_breaker_a=40, timing=timing, **kw)  # type: ignore[arg-type]


def decide(
    mode: Mode,
    *,
    solar_w: float,
    household_w: float,
    soc: float,
    state: ControllerState | None = None,
    battery: Battery = BATTERY,
    **site_kw: object,
) -> tuple[float, ControllerState]:
    """One decision; the battery charges from export or covers import, the car draws its command.

    Each call is one interval after the previous one, so the car's reading confirms its command.
    """
    state = state or ControllerState()
    now = 0.0 if state.last_optimised_s is None else state.last_optimised_s + 10.0
    drawn = state.load("car").command_a
    net = household_w + drawn * V - solar_w
    battery_w = min(-net, BATTERY.max_charge_w) if net < 0 else -min(net, BATTERY.max_discharge_w)
    if battery_w < 0 and soc <= battery.soc_min_pct:
        battery_w = 0.0
    grid_w = net + battery_w
    car = Load("car", LoadKind.EVSE, mode, (0,), 6.0, 16.0)
    snapshot = Snapshot(
        grid_a=(grid_w / V,),
        solar_w=solar_w,
        battery_w=battery_w,
        battery_soc_pct=soc,
        loads={"car": LoadReading((drawn,), now)},
    )
    decision = allocate(site(battery=battery, **site_kw), [car], snapshot, state, now)
    return decision.allocations["car"].current_a, decision.state


def test_below_target_the_battery_charges_before_solar_loads() -> None:
    # 7 kW spare, 5 kW of it for the battery: 2 kW left, 8.69 A.
    amps, _ = decide(Mode.SOLAR, solar_w=8000, household_w=1000, soc=50)
    assert amps == 8.6
    amps, _ = decide(Mode.SOLAR, solar_w=5000, household_w=1000, soc=50)
    assert amps == 0.0


def test_below_target_eco_gets_only_its_minimum_and_standard_is_unaffected() -> None:
    assert decide(Mode.ECO, solar_w=5000, household_w=1000, soc=50)[0] == 6.0
    assert decide(Mode.STANDARD, solar_w=5000, household_w=1000, soc=50)[0] == 16.0


def test_at_target_battery_charging_counts_as_surplus() -> None:
    amps, _ = decide(Mode.SOLAR, solar_w=5000, household_w=1000, soc=80)
    assert amps == 16.0


def test_above_target_stored_solar_tapers_down_to_target_minus_hysteresis() -> None:
    """Energy above target - hysteresis is offered spread over an hour, so it tapers off."""
    battery = replace(BATTERY, capacity_kwh=10.0)
    assert stored_solar_w(battery, 95.0) == pytest.approx(2000.0)  # 2 kWh above 75 %
    assert stored_solar_w(battery, 80.0) == pytest.approx(500.0)
    assert stored_solar_w(battery, 74.0) == 0.0
    assert stored_solar_w(replace(battery, capacity_kwh=None), 95.0) == 0.0
    # At night at 95 %: 2 kW of stored solar less the 200 W the house uses.
    amps, _ = decide(Mode.SOLAR, solar_w=0, household_w=200, soc=95, battery=battery)
    assert amps == 7.8
    amps, _ = decide(Mode.SOLAR, solar_w=0, household_w=200, soc=85, battery=battery)
    assert amps == 0.0  # 800 W is not enough to start a 1380 W minimum


def test_battery_hysteresis_keeps_loads_first_through_the_band() -> None:
    amps, state = decide(Mode.SOLAR, solar_w=5000, household_w=1000, soc=80)
    assert amps == 16.0
    amps, state = decide(Mode.SOLAR, solar_w=5000, household_w=1000, soc=76, state=state)
    assert amps == 16.0  # inside the band: the battery's charging is still surplus
    amps, state = decide(Mode.SOLAR, solar_w=5000, household_w=1000, soc=74.9, state=state)
    assert amps == 0.0  # below target - hysteresis: its 5 kW come first again
    amps, _ = decide(Mode.SOLAR, solar_w=5000, household_w=1000, soc=78, state=state)
    assert amps == 0.0  # rising through the band, loads wait for the target


@pytest.mark.parametrize(("soc", "expected"), [(50.0, 16.0), (5.0, 8.6)])
def test_grid_import_off_standard_uses_solar_and_battery_above_minimum(
    soc: float, expected: float
) -> None:
    amps, _ = decide(
        Mode.STANDARD, solar_w=3000, household_w=1000, soc=soc, grid_import_allowed=False
    )
    assert amps == expected


def test_excess_mode_counts_only_export_above_the_threshold() -> None:
    amps, _ = decide(Mode.EXCESS, solar_w=9000, household_w=1000, soc=90, excess_threshold_w=5000)
    # 8 kW spare, 5 kW threshold: 3 kW, 13.04 A; Excess never takes battery discharge.
    assert amps == 13.0
    amps, _ = decide(Mode.EXCESS, solar_w=9000, household_w=1000, soc=50, excess_threshold_w=5000)
    assert amps == 0.0  # below target the battery's 5 kW comes first: nothing above the threshold
