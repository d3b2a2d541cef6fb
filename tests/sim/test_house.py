"""The house model: what loads draw, what the battery does, what the engine is shown."""

from __future__ import annotations

from typing import Any

import pytest

from simulator import run, scenario_from_dict
from simulator.house import House

from .factory import scenario_dict

V = 230.0


def _house(**overrides: Any) -> House:
    return House(scenario_from_dict(scenario_dict(**overrides)))


def test_loads_draw_what_they_were_commanded_one_step_earlier() -> None:
    # The household steps up twice, so the Standard car's command changes during the run.
    data = scenario_dict(
        duration_s=120,
        household=[{"t_s": 0, "a": [0]}, {"t_s": 40, "a": [30]}, {"t_s": 80, "a": [36]}],
    )
    records = run(scenario_from_dict(data)).records
    commands = [r.loads["car"].command_a for r in records]
    draws = [r.loads["car"].draw_a[0] for r in records]
    assert len({round(c, 1) for c in commands}) >= 3  # the lag is visible only if it changes
    assert draws[0] == 0
    for previous, draw in zip(commands, draws[1:], strict=False):
        assert draw == pytest.approx(previous if previous >= 6 else 0.0)


def test_an_evse_draws_nothing_below_6_a_but_a_number_load_does() -> None:
    house = _house(
        loads=[
            {"id": "car", "kind": "evse", "mode": "standard", "min_a": 1},
            {"id": "heater", "kind": "number", "mode": "standard", "min_a": 1},
        ]
    )
    below = house.step(0, {"car": 5.9, "heater": 5.9})
    assert below.draws == {"car": (0.0,), "heater": (5.9,)}
    at = house.step(5, {"car": 6.0, "heater": 6.0})
    assert at.draws == {"car": (6.0,), "heater": (6.0,)}
    assert at.grid_a == pytest.approx((12.0,))


def test_the_vehicle_limits_current_and_phases() -> None:
    house = _house(
        site={"phases": 3},
        household=[{"t_s": 0, "a": [0, 0, 0]}],
        loads=[
            {"id": "car", "kind": "evse", "mode": "standard", "vehicle": {"max_a": 10, "phases": 1}}
        ],
    )
    physics = house.step(0, {"car": 16.0})
    assert physics.draws["car"] == (10.0, 0.0, 0.0)
    assert physics.grid_a == pytest.approx((10.0, 0.0, 0.0))


def test_the_last_step_of_energy_kwh_draws_only_what_is_left() -> None:
    house = _house(
        loads=[{"id": "car", "kind": "evse", "mode": "standard", "vehicle": {"energy_kwh": 0.01}}]
    )
    per_step_wh = 10 * V * 5 / 3600  # 10 A for 5 s: 3.19 Wh, so 10 Wh is 3 steps and a bit
    left_wh = 10 - 3 * per_step_wh
    draws = [house.step(5 * k, {"car": 10.0}).draws["car"][0] for k in range(6)]
    assert draws == pytest.approx([10, 10, 10, left_wh * 3600 / (V * 5), 0, 0])
    assert house.delivered_wh["car"] == pytest.approx(10.0)


def test_an_unplugged_vehicle_draws_nothing_and_the_engine_sees_it() -> None:
    house = _house(
        loads=[
            {
                "id": "car",
                "kind": "evse",
                "mode": "standard",
                "vehicle": {"plugged_at_s": 10, "unplugged_at_s": 20},
            }
        ]
    )
    seen = []
    for t in (0, 5, 10, 15, 20):
        physics = house.step(t, {"car": 10.0})
        seen.append((physics.draws["car"][0], physics.snapshot.loads["car"].connected))
    assert seen == [(0, False), (0, False), (10, True), (10, True), (0, False)]


def test_battery_charges_from_export_up_to_its_limit() -> None:
    house = _house(
        site={"battery": {"capacity_kwh": 10, "soc_pct": 50}},
        loads=[],
        solar=[{"t_s": 0, "w": 8000}],
    )
    physics = house.step(0, {})
    assert physics.battery_w == pytest.approx(5000)
    assert physics.grid_w == pytest.approx(-3000)
    assert physics.grid_a == pytest.approx((-3000 / V,))
    assert physics.snapshot.battery_w == pytest.approx(5000)


def test_battery_discharges_to_cover_import_up_to_its_limit() -> None:
    house = _house(
        site={"battery": {"capacity_kwh": 10, "soc_pct": 50}},
        loads=[],
        household=[{"t_s": 0, "w": [7000]}],
    )
    physics = house.step(0, {})
    assert physics.battery_w == pytest.approx(-5000)
    assert physics.grid_w == pytest.approx(2000)


def test_soc_integrates_after_the_step_and_stops_at_full() -> None:
    # 1 kWh: 10 Wh is 1 %. 3600 W for 10 s is 10 Wh.
    house = House(
        scenario_from_dict(
            scenario_dict(
                step_s=10,
                site={"battery": {"capacity_kwh": 1, "soc_pct": 98.5, "max_charge_w": 3600}},
                loads=[],
                solar=[{"t_s": 0, "w": 4000}],
            )
        )
    )
    first, second, third = (house.step(10 * k, {}) for k in range(3))
    assert (first.battery_soc_pct, first.battery_w) == pytest.approx((98.5, 3600))
    # Only 0.5 % = 5 Wh fits: 1800 W for 10 s.
    assert (second.battery_soc_pct, second.battery_w) == pytest.approx((99.5, 1800))
    assert (third.battery_soc_pct, third.battery_w) == pytest.approx((100, 0))
    assert third.grid_w == pytest.approx(-4000)


def test_battery_stops_discharging_at_its_minimum() -> None:
    house = House(
        scenario_from_dict(
            scenario_dict(
                step_s=10,
                site={"battery": {"capacity_kwh": 1, "soc_pct": 20.5, "soc_min_pct": 20}},
                loads=[],
                household=[{"t_s": 0, "w": [4000]}],
            )
        )
    )
    first, second = house.step(0, {}), house.step(10, {})
    assert first.battery_w == pytest.approx(-1800)  # 0.5 % above the minimum is 5 Wh
    assert second.battery_soc_pct == pytest.approx(20)
    assert (second.battery_w, second.grid_w) == pytest.approx((0, 4000))


def test_battery_covers_the_net_flow_spread_over_the_phases() -> None:
    house = _house(
        site={"phases": 3, "battery": {"capacity_kwh": 10, "soc_pct": 50}},
        loads=[],
        household=[{"t_s": 0, "a": [10, 0, 0]}],
    )
    physics = house.step(0, {})
    assert physics.battery_w == pytest.approx(-2300)
    assert physics.grid_a == pytest.approx((10 - 10 / 3, -10 / 3, -10 / 3))
    assert physics.grid_w == pytest.approx(0)


def test_symmetric_and_per_phase_solar() -> None:
    house = _house(
        site={"phases": 3},
        loads=[],
        household=[{"t_s": 0, "a": [0, 0, 0]}],
        solar=[{"t_s": 0, "w": 6900}, {"t_s": 5, "w_per_phase": [0, 0, 2300]}],
    )
    assert house.step(0, {}).grid_a == pytest.approx((-10, -10, -10))
    assert house.step(5, {}).grid_a == pytest.approx((0, 0, -10))


def test_total_metering_and_outages_hide_the_grid_reading() -> None:
    outage = [{"from_s": 5, "to_s": 10}]
    total = _house(
        site={"metering": "total"}, grid_outages=outage, household=[{"t_s": 0, "a": [3]}]
    )
    first, second = total.step(0, {}), total.step(5, {})
    assert first.snapshot.grid_a is None
    assert first.snapshot.grid_w == pytest.approx(690)
    assert (second.snapshot.grid_a, second.snapshot.grid_w) == (None, None)
    per_phase = _house(grid_outages=outage, household=[{"t_s": 0, "a": [3]}])
    readings = [per_phase.step(t, {}).snapshot for t in (0, 5, 10)]
    assert [(s.grid_a, s.grid_w) for s in readings] == [
        ((3.0,), None),
        (None, None),
        ((3.0,), None),
    ]


def test_load_meters_refresh_only_every_interval() -> None:
    house = _house(site={"load_meter_interval_s": 12})
    seen = []
    for k in range(11):
        command = 0.0 if k == 0 else 10.0 if k < 4 else 14.0
        physics = house.step(5 * k, {"car": command})
        reading = physics.snapshot.loads["car"]
        seen.append((reading.at_s, reading.draw_a, physics.draws["car"]))
    # A reading at the first step of every 12 s period: t = 0, 15, 25, 40, 50.
    assert [at for at, _, _ in seen] == [0, 0, 0, 15, 15, 25, 25, 25, 40, 40, 50]
    # Between readings the engine sees the old draw, not what the car draws now.
    assert [(reading, now) for _, reading, now in seen[:6]] == [
        ((0.0,), (0.0,)),
        ((0.0,), (10.0,)),
        ((0.0,), (10.0,)),
        ((10.0,), (10.0,)),
        ((10.0,), (14.0,)),
        ((14.0,), (14.0,)),
    ]


def test_outage_longer_than_stale_after_s_drives_the_engine_to_failsafe() -> None:
    data = scenario_dict(duration_s=300, grid_outages=[{"from_s": 100, "to_s": 250}])
    records = {r.t: r for r in run(scenario_from_dict(data)).records}
    assert records[95].path != "failsafe"
    assert records[150].path != "failsafe"  # held for stale_after_s (60 s)
    assert records[200].path == "failsafe"
    assert records[200].loads["car"].command_a == 6  # failsafe current = the EVSE's minimum
    assert records[260].path != "failsafe"
