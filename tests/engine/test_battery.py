"""Battery policy (PRODUCT.md §4), one decision at a time from hand-made meter readings."""

from __future__ import annotations

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

V = 230.0
BATTERY = Battery(soc_min_pct=10, soc_target_pct=80, hysteresis_pct=5)


def site(**kw: object) -> Site:
    timing = Timing(start_delay_s=0, ramp_up_a_per_s=100, dead_band_a=0)
    return Site(phases=1, main_breaker_a=40, battery=BATTERY, timing=timing, **kw)  # type: ignore[arg-type]


def decide(
    mode: Mode,
    *,
    solar_w: float,
    household_w: float,
    soc: float,
    state: ControllerState | None = None,
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
    if battery_w < 0 and soc <= BATTERY.soc_min_pct:
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
    decision = allocate(site(**site_kw), [car], snapshot, state, now)
    return decision.allocations["car"].current_a, decision.state


def test_below_target_the_battery_charges_before_solar_loads() -> None:
    # 7 kW spare, 5 kW of it for the battery: 1.95 kW left after the 50 W reserve.
    amps, _ = decide(Mode.SOLAR, solar_w=8000, household_w=1000, soc=50)
    assert amps == 8.4
    amps, _ = decide(Mode.SOLAR, solar_w=5000, household_w=1000, soc=50)
    assert amps == 0.0


def test_below_target_eco_gets_only_its_minimum_and_standard_is_unaffected() -> None:
    assert decide(Mode.ECO, solar_w=5000, household_w=1000, soc=50)[0] == 6.0
    assert decide(Mode.STANDARD, solar_w=5000, household_w=1000, soc=50)[0] == 16.0


def test_at_target_battery_charging_counts_as_surplus() -> None:
    amps, _ = decide(Mode.SOLAR, solar_w=5000, household_w=1000, soc=80)
    assert amps == 16.0


def test_above_target_solar_loads_may_use_stored_solar_down_to_target_minus_hysteresis() -> None:
    amps, state = decide(Mode.SOLAR, solar_w=0, household_w=1000, soc=85)
    assert amps == 16.0  # 5 kW of discharge less 1 kW the house uses
    amps, state = decide(Mode.SOLAR, solar_w=0, household_w=1000, soc=76, state=state)
    assert amps == 16.0  # still inside the hysteresis band
    amps, state = decide(Mode.SOLAR, solar_w=0, household_w=1000, soc=74.9, state=state)
    assert amps == 0.0  # no surplus at all: the recent average says the dip will not pass
    amps, _ = decide(Mode.SOLAR, solar_w=0, household_w=1000, soc=78, state=state)
    assert amps == 0.0  # back above target - hysteresis, but loads wait for the target again


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
    # 8 kW spare, 5 kW threshold, 50 W reserve: 2.95 kW; Excess never takes battery discharge.
    assert amps == 12.8
    amps, _ = decide(Mode.EXCESS, solar_w=9000, household_w=1000, soc=50, excess_threshold_w=5000)
    assert amps == 0.0  # below target the battery's 5 kW comes first: nothing above the threshold
