"""Metrics and counting rules of spec/scenario-format.md on crafted runs."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.ampwise.engine import Circuit, Site
from simulator import run, scenario_from_dict
from simulator.metrics import count_setpoint_changes, count_starts, limit_excess

from .factory import scenario_dict


def test_starts_count_from_zero_including_the_first() -> None:
    assert count_starts([6, 6, 0, 0, 7, 7.05, 0.0, 8]) == 3
    assert count_starts([0, 0, 0]) == 0


def test_setpoint_changes_need_more_than_a_tenth_of_an_amp() -> None:
    # 0->6, 6->0, 0->7, 7.05->7.2 count; 7->7.05 and 7.2->7.3 (exactly 0.1) do not.
    assert count_setpoint_changes([0, 6, 6, 0, 7, 7.05, 7.2, 7.3], on_off=False) == 4


def test_a_switch_toggle_counts_even_when_its_current_is_small() -> None:
    # A 10 W plug runs at 0.04 A: each toggle counts although it is below 0.1 A.
    assert count_setpoint_changes([0, 0.04, 0.04, 0, 0.04], on_off=True) == 3
    assert count_setpoint_changes([0, 0.04, 0.04, 0, 0.04], on_off=False) == 0


def _household_only(
    household: list[dict[str, object]], expect: list[dict[str, object]]
) -> dict[str, Any]:
    return scenario_dict(
        duration_s=100,
        site={"main_breaker_a": 25},
        loads=[],
        household=household,
        expect=expect,
    )


def test_overload_time_tolerance_and_consecutive_steps() -> None:
    household = [
        {"t_s": 0, "a": [10]},
        {"t_s": 20, "a": [30]},  # one step 5 A over
        {"t_s": 25, "a": [10]},
        {"t_s": 50, "a": [25.04]},  # within the 0.05 A tolerance
        {"t_s": 60, "a": [27]},  # three steps 2 A over
        {"t_s": 75, "a": [10]},
    ]
    result = run(scenario_from_dict(_household_only(household, [{"no_overload": True}])))
    assert result.metrics.overload_s == 4 * 5
    assert result.metrics.max_phase_overload_a == pytest.approx(5)
    (failure,) = result.failures
    assert "main breaker phase A" in failure
    assert "3 consecutive steps from t=60 s" in failure


def test_a_single_overloaded_step_is_the_allowed_lag() -> None:
    household = [{"t_s": 0, "a": [10]}, {"t_s": 20, "a": [30]}, {"t_s": 25, "a": [10]}]
    result = run(scenario_from_dict(_household_only(household, [{"no_overload": True}])))
    assert result.metrics.overload_s == 5
    assert result.passed


def test_export_counts_as_current_through_the_breaker() -> None:
    household = [{"t_s": 0, "a": [0]}]
    data = _household_only(household, [{"no_overload": True}])
    data["solar"] = [{"t_s": 0, "w": 230 * 30}]
    result = run(scenario_from_dict(data))
    assert result.metrics.max_phase_overload_a == pytest.approx(5)
    assert not result.passed


def test_limit_excess_covers_phases_circuits_and_circuit_power() -> None:
    site = Site(
        phases=2,
        voltage_v=230,
        main_breaker_a=25,
        circuits=(Circuit("garage", 20, limit_w=6900), Circuit("carport", 16, parent="garage")),
    )
    excess = limit_excess(
        site, grid_a=(26, -24), circuit_a={"garage": (17, 16), "carport": (17, 0)}
    )
    # garage carries 33 A in all: 3 A above its 6900 W (30 A) power limit.
    assert excess == pytest.approx(
        {"main breaker phase A": 1, "circuit carport phase A": 1, "circuit garage power": 3}
    )


def test_circuit_current_is_the_draw_of_its_whole_subtree() -> None:
    data = scenario_dict(
        duration_s=60,
        site={
            "phases": 3,
            "main_breaker_a": 63,
            "circuits": [
                {"id": "garage", "limit_a": 32},
                {"id": "carport", "limit_a": 32, "parent": "garage"},
            ],
        },
        household=[{"t_s": 0, "a": [0, 0, 0]}],
        loads=[
            {"id": "car", "kind": "evse", "mode": "standard", "circuit": "carport"},
            {
                "id": "plug",
                "kind": "switch",
                "mode": "on",
                "power_w": 2300,
                "wiring": ["B"],
                "circuit": "garage",
            },
        ],
    )
    for record in run(scenario_from_dict(data)).records:
        car, plug = record.loads["car"].draw_a, record.loads["plug"].draw_a[0]
        assert record.circuit_a["carport"] == car
        assert record.circuit_a["garage"] == pytest.approx((car[0], car[1] + plug, car[2]))
    assert car[0] > 0
    assert plug == pytest.approx(10)


def test_energy_and_self_consumption() -> None:
    # 2300 W of household against 4600 W of sun: half the sun is exported.
    data = scenario_dict(
        duration_s=60, loads=[], household=[{"t_s": 0, "w": [2300]}], solar=[{"t_s": 0, "w": 4600}]
    )
    metrics = run(scenario_from_dict(data)).metrics
    hours = 13 * 5 / 3600  # 13 steps (0..60 s) of 5 s each
    assert metrics.grid_import_kwh == 0
    assert metrics.grid_export_kwh == pytest.approx(2.3 * hours)
    assert metrics.solar_kwh == pytest.approx(4.6 * hours)
    assert metrics.household_kwh == pytest.approx(2.3 * hours)
    assert metrics.solar_self_consumption_pct == pytest.approx(50)


def test_counting_on_a_plug_the_user_toggles() -> None:
    # mode on -> off at 100 s -> on at 200 s: two starts, three setpoint changes.
    data = scenario_dict(
        duration_s=300,
        loads=[{"id": "plug", "kind": "switch", "mode": "on", "power_w": 1000}],
        mode_changes=[
            {"t_s": 100, "load": "plug", "mode": "off"},
            {"t_s": 200, "load": "plug", "mode": "on"},
        ],
        expect=[
            {"load": "plug", "starts_max": 1},
            {"load": "plug", "starts_max": 1, "at_s": 150},
            {"load": "plug", "setpoint_changes_max": 3},
        ],
    )
    result = run(scenario_from_dict(data))
    assert result.metrics.starts == {"plug": 2}
    assert result.metrics.setpoint_changes == {"plug": 3}
    assert result.failures == ("plug: 2 starts up to t=300 s, expected at most 1",)


def test_load_energy_and_energy_expectations_at_a_time() -> None:
    # A 1 kW plug on from t=0: it draws from t=5 (lag), so up to t=100 it ran 20 steps of 5 s.
    data = scenario_dict(
        duration_s=200,
        loads=[{"id": "plug", "kind": "switch", "mode": "on", "power_w": 1000}],
        expect=[
            {"load": "plug", "energy_kwh_min": 20 * 5 / 3600 - 1e-4, "at_s": 100},
            {"load": "plug", "energy_kwh_max": 20 * 5 / 3600 + 1e-4, "at_s": 102},
            {"load": "plug", "energy_kwh_max": 20 * 5 / 3600, "at_s": 105},
        ],
    )
    result = run(scenario_from_dict(data))
    assert result.metrics.load_energy_kwh["plug"] == pytest.approx(40 * 5 / 3600)
    assert len(result.failures) == 1
    assert "up to t=105 s" in result.failures[0]
