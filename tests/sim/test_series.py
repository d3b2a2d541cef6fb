"""Household and solar step functions, including long generated series."""

from __future__ import annotations

import time

import pytest

from simulator import Result, Series, run, scenario_from_dict

from .factory import scenario_dict


def test_step_function_lookup() -> None:
    series = Series((0.0, 10.0, 10.0, 30.0), ((1.0,), (2.0,), (3.0,), (4.0,)))
    got = [series.at(t)[0] for t in (0, 9.99, 10, 29, 30, 1e9)]
    assert got == [1, 1, 3, 3, 4, 4]  # of two steps at the same time the later one holds


def test_nothing_before_the_first_step() -> None:
    data = scenario_dict(loads=[], household=[{"t_s": 20, "a": [5]}])
    household = scenario_from_dict(data).household_a
    assert [household.at(t) for t in (0, 15, 20)] == [(0.0,), (0.0,), (5.0,)]


def test_compact_series_equals_the_step_list() -> None:
    values = [float(i % 9) for i in range(100)]
    steps = scenario_dict(
        duration_s=495,
        household=[{"t_s": 5 * i, "a": [v]} for i, v in enumerate(values)],
        solar=[{"t_s": 5 * i, "w": 100 * v} for i, v in enumerate(values)],
    )
    compact = {
        **steps,
        "household": {"every_s": 5, "a": [[v] for v in values]},
        "solar": {"every_s": 5, "w": [100 * v for v in values]},
    }
    a, b = (run(scenario_from_dict(d)) for d in (steps, compact))
    assert a.records == b.records
    assert [r.household_a[0] for r in a.records] == values


def test_compact_series_errors_name_the_item() -> None:
    data = scenario_dict(household={"every_s": 5, "a": [[1], [2], ["x"]]})
    with pytest.raises(ValueError, match=r"household\.a\[2\]\[0\]: expected a number"):
        scenario_from_dict(data)


def test_a_long_series_costs_nothing_per_step() -> None:
    # A day of 10 s steps given point by point must run about as fast as a constant day;
    # a linear scan per lookup makes it several times slower.
    n = 8641

    def timed(household: list[dict[str, object]]) -> tuple[float, Result]:
        data = scenario_dict(duration_s=10 * (n - 1), step_s=10, household=household, loads=[])
        scenario = scenario_from_dict(data)
        started = time.perf_counter()
        result = run(scenario)
        return time.perf_counter() - started, result

    constant_s, _ = timed([{"t_s": 0, "a": [1.0]}])
    long_s, result = timed([{"t_s": 10 * i, "a": [float(i % 13)]} for i in range(n)])
    assert long_s < 2 * constant_s + 0.2
    assert [r.household_a[0] for r in result.records[-3:]] == [
        float(i % 13) for i in (n - 3, n - 2, n - 1)
    ]
