"""The benchmark's arithmetic, its day generators, and a smoke run of `scripts/bench --quick`."""

from __future__ import annotations

import dataclasses
import math
import random
import subprocess
from pathlib import Path

import pytest

from bench import days
from bench.cost import make_loads, make_site, measure
from bench.suite import (
    BatteryLimits,
    Energy,
    energy,
    ev_power_bounds,
    import_without_ev_w,
    oracle_w,
)
from bench.tables import num, table
from simulator import LoadStep, StepRecord

ROOT = Path(__file__).resolve().parents[2]
V = 230.0
KWH = 3_600_000.0


def record(
    household_w: float,
    solar_w: float,
    ev_w: float,
    *,
    battery_w: float | None = None,
    soc: float | None = None,
) -> StepRecord:
    """A 1-phase step: the grid is what the house model would read (battery + = charging)."""
    grid_w = household_w + ev_w - solar_w + (battery_w or 0.0)
    return StepRecord(
        t=0.0,
        household_a=(household_w / V,),
        solar_w=solar_w,
        grid_a=(grid_w / V,),
        grid_w=grid_w,
        battery_w=battery_w,
        battery_soc_pct=soc,
        circuit_a={},
        loads={
            "ev": LoadStep(
                command_a=ev_w / V,
                draw_a=(ev_w / V,),
                power_w=ev_w,
                reason="",
                message="",
                connected=True,
            )
        },
        path="optimise",
        over_a={},
    )


def one_phase_energy(records: list[StepRecord], battery: BatteryLimits | None = None) -> Energy:
    p_min, p_max = ev_power_bounds(1)
    return energy(
        records,
        ev_id="ev",
        step_s=10.0,
        voltage_v=V,
        p_min_w=p_min,
        p_max_w=p_max,
        battery=battery,
    )


# --- metric arithmetic -------------------------------------------------------------------


def test_power_bounds_are_6_and_16_a_per_line() -> None:
    assert ev_power_bounds(1) == (1380.0, 3680.0)
    assert ev_power_bounds(3) == (4140.0, 11040.0)


@pytest.mark.parametrize(
    ("surplus", "expected"),
    [(-500.0, 0.0), (0.0, 0.0), (1379.0, 0.0), (1380.0, 1380.0), (2500.0, 2500.0), (9e3, 3680.0)],
)
def test_oracle_takes_surplus_between_min_and_max(surplus: float, expected: float) -> None:
    assert oracle_w(surplus, 1380.0, 3680.0) == pytest.approx(expected)


def test_three_step_run_computed_by_hand() -> None:
    records = [
        # surplus 2500 W: oracle 2500, EV 2300 all from surplus, exporting 200 W.
        record(500.0, 3000.0, 2300.0),
        # surplus 1000 W < P_min: oracle 0; the EV at 6 A takes the 1000 W and imports 380 W,
        # all of it caused by the EV (the house alone would export).
        record(500.0, 1500.0, 1380.0),
        # surplus 5700 W: oracle capped at P_max 3680; EV at 16 A, no import.
        record(300.0, 6000.0, 3680.0),
    ]
    e = one_phase_energy(records)
    assert e.ev_from_surplus_kwh == pytest.approx((2300 + 1000 + 3680) * 10 / KWH)
    assert e.oracle_kwh == pytest.approx((2500 + 0 + 3680) * 10 / KWH)
    assert e.import_caused_kwh == pytest.approx(380 * 10 / KWH)
    assert e.ev_kwh == pytest.approx((2300 + 1380 + 3680) * 10 / KWH)
    assert e.surplus_ratio_pct == pytest.approx(100 * 6980 / 6180)
    assert e.import_pct == pytest.approx(100 * 380 / 7360)


def test_import_the_house_makes_itself_is_not_caused_by_the_ev() -> None:
    # Household 2000 W, solar 500 W: the house imports 1500 W on its own; the EV adds 1380 W.
    e = one_phase_energy([record(2000.0, 500.0, 1380.0)])
    assert e.import_caused_kwh == pytest.approx(1380 * 10 / KWH)
    assert e.ev_from_surplus_kwh == 0.0
    assert e.oracle_kwh == 0.0
    assert e.surplus_ratio_pct is None


def test_battery_counterfactual_uses_its_discharge_only_above_minimum() -> None:
    limits = BatteryLimits(max_discharge_w=5000.0, soc_min_pct=10.0)
    # SoC 50 %: the battery would have covered the house (1000 - 500 W) and covers the EV too.
    covered = record(1000.0, 500.0, 1380.0, battery_w=-1880.0, soc=50.0)
    assert import_without_ev_w(covered, V, limits) == 0.0
    # SoC at its minimum: no discharge; the house alone would import 500 W, the EV adds 1380 W.
    empty = record(1000.0, 500.0, 1380.0, battery_w=0.0, soc=10.0)
    assert import_without_ev_w(empty, V, limits) == pytest.approx(500.0)
    # Discharge limited to 5 kW: the house alone imports 1000 W, the EV adds all of its 1380 W.
    big = record(6000.0, 0.0, 1380.0, battery_w=-5000.0, soc=60.0)
    assert import_without_ev_w(big, V, limits) == pytest.approx(1000.0)
    e = one_phase_energy([covered, empty, big], limits)
    assert e.import_caused_kwh == pytest.approx((0 + 1380 + 1380) * 10 / KWH)


def test_household_is_netted_over_phases() -> None:
    # 3 phases: 100 W each of household, 900 W of solar -> surplus 600 W, no EV.
    step = StepRecord(
        t=0.0,
        household_a=(100 / V, 100 / V, 100 / V),
        solar_w=900.0,
        grid_a=(-200 / V,) * 3,
        grid_w=-600.0,
        battery_w=None,
        battery_soc_pct=None,
        circuit_a={},
        loads={"ev": LoadStep(0.0, (0.0, 0.0, 0.0), 0.0, "", "", True)},
        path="optimise",
        over_a={},
    )
    e = energy(
        [step], ev_id="ev", step_s=10.0, voltage_v=V, p_min_w=500.0, p_max_w=1000.0, battery=None
    )
    assert e.oracle_kwh == pytest.approx(600 * 10 / KWH)


# --- day generators ----------------------------------------------------------------------


def test_days_are_deterministic_for_a_seed() -> None:
    a = days.make_day("broken", days.SITE_3P, battery=False, seed=7)
    b = days.make_day("broken", days.SITE_3P, battery=False, seed=7)
    c = days.make_day("broken", days.SITE_3P, battery=False, seed=8)
    assert a.solar_w == b.solar_w
    assert a.household_w == b.household_w
    assert a.solar_w != c.solar_w
    assert a.household_w != c.household_w


def test_suite_is_the_twelve_combinations() -> None:
    suite = days.all_days()
    assert len(suite) == 12
    assert len({d.name for d in suite}) == 12
    assert {(d.weather, d.site.key, d.battery) for d in days.quick_days()} <= {
        (d.weather, d.site.key, d.battery) for d in suite
    }


def kwh(series: tuple[float, ...] | list[float]) -> float:
    return sum(series) * days.STEP_S / KWH


@pytest.mark.parametrize("site", days.SITES, ids=lambda s: s.key)
def test_energy_totals_are_sensible(site: days.SiteKind) -> None:
    clear_kwh = site.peak_solar_w * 10 * 2 / math.pi / 1000  # area under the half-sine
    sunny = days.solar_series("sunny", site)
    cloudy = days.solar_series("cloudy", site)
    broken = days.solar_series("broken", site)
    assert kwh(sunny) == pytest.approx(clear_kwh, rel=0.01)
    assert 0.25 * clear_kwh <= kwh(cloudy) <= 0.45 * clear_kwh
    assert 0.6 * clear_kwh <= kwh(broken) <= 0.97 * clear_kwh
    house = days.household_series(site)
    assert len(house) == days.steps() == 3601
    assert all(len(row) == site.phases for row in house)
    # 250-450 W base for 10 h, two 3-minute 2 kW kettles, a 40-minute 3 kW oven.
    total = kwh([sum(row) for row in house])
    assert 2.5 + 0.2 + 2.0 <= total <= 4.5 + 0.2 + 2.0
    assert min(sum(row) for row in house) >= 250.0
    if site.phases == 3:
        oven_b = [row[1] for row in house if row[1] > 2500]
        assert len(oven_b) == 240  # 40 min at 10 s, on phase B only


@pytest.mark.parametrize("site", days.SITES, ids=lambda s: s.key)
def test_cloudy_stays_between_25_and_45_percent_of_clear(site: days.SiteKind) -> None:
    cloudy = days.solar_series("cloudy", site)
    for t, w in zip(days.times(), cloudy, strict=True):
        clear = days.clear_sky(t, site.peak_solar_w)
        if clear > 100:
            assert 0.249 <= w / clear <= 0.451


def test_broken_clouds_really_dip() -> None:
    site = days.SITE_3P
    broken = days.solar_series("broken", site)
    factors = [
        w / clear if (clear := days.clear_sky(t, site.peak_solar_w)) > 50 else 1.0
        for t, w in zip(days.times(), broken, strict=True)
    ]
    # Runs of steps below clear sky: each one cloud passage (1-8 min) reaching 15-35 %.
    runs: list[list[float]] = []
    inside = False
    for f in factors:
        if f < 0.999:
            if not inside:
                runs.append([])
            runs[-1].append(f)
            inside = True
        else:
            inside = False
    assert 10 <= len(runs) <= 60  # "a few per hour" over 10 h
    for run in runs:
        assert 0.14 <= min(run) <= 0.36
        assert len(run) * days.STEP_S <= 8 * 60 + days.STEP_S
    assert sum(len(r) for r in runs if len(r) * days.STEP_S >= 60) >= len(runs) // 2


def test_passage_ramps_down_holds_and_ramps_back() -> None:
    p = days.Passage(start_s=100.0, hold_s=60.0, ramp_s=20.0, depth=0.2)
    assert p.factor(100.0) == 1.0
    assert p.factor(110.0) == pytest.approx(0.6)
    assert p.factor(150.0) == pytest.approx(0.2)
    assert p.factor(190.0) == pytest.approx(0.6)
    assert p.factor(200.0) == 1.0
    assert p.length_s == 100.0
    for passage in days.cloud_passages(random.Random(3)):
        assert 60.0 <= passage.length_s <= 480.0 + 1e-9
        assert 0.15 <= passage.depth <= 0.35


def sunny_oracle_kwh(day: days.Day) -> float:
    p_min, p_max = ev_power_bounds(day.ev_lines)
    records = [record(sum(h), s, 0.0) for h, s in zip(day.household_w, day.solar_w, strict=True)]
    e = energy(
        records,
        ev_id="ev",
        step_s=days.STEP_S,
        voltage_v=V,
        p_min_w=p_min,
        p_max_w=p_max,
        battery=None,
    )
    assert e.ev_from_surplus_kwh == 0.0
    return e.oracle_kwh


def area_above_minimum_kwh(site: days.SiteKind, household_w: float) -> float:
    """Integral (1 s steps) of the half-sine minus a constant house, where the EV could run."""
    p_min, p_max = ev_power_bounds(site.phases)
    return (
        sum(
            oracle_w(days.clear_sky(float(t), site.peak_solar_w) - household_w, p_min, p_max)
            for t in range(int(days.DURATION_S))
        )
        / KWH
    )


@pytest.mark.parametrize("site", days.SITES, ids=lambda s: s.key)
def test_sunny_oracle_is_the_area_above_the_minimum(site: days.SiteKind) -> None:
    """With a constant 350 W house the oracle is the integral, up to the 10 s steps."""
    day = days.make_day("sunny", site, battery=False)
    flat = dataclasses.replace(
        day, household_w=tuple((350.0 / site.phases,) * site.phases for _ in day.household_w)
    )
    assert sunny_oracle_kwh(flat) == pytest.approx(area_above_minimum_kwh(site, 350.0), rel=0.005)
    # The generated house adds two kettles and a 40-minute 3 kW oven: the oracle loses at most
    # their energy (2.2 kWh) plus the surplus they push below the EV's minimum for 40 minutes.
    p_min, _ = ev_power_bounds(site.phases)
    real = sunny_oracle_kwh(day)
    loss = area_above_minimum_kwh(site, 350.0) - real
    assert 0.0 < loss <= 2.2 + p_min * 2400 / KWH


# --- tables and cost helpers -------------------------------------------------------------


def test_table_aligns_columns() -> None:
    text = table(("name", "value"), [["a", "1.0"], ["long name", "10.25"]])
    lines = text.splitlines()
    assert lines[0].startswith("name")
    assert lines[2].endswith("  1.0")
    assert len({len(line) for line in lines}) == 1
    assert num(None) == "-"
    assert num(math.nan) == "-"


def test_cost_site_scales_with_loads() -> None:
    loads = make_loads(100)
    site = make_site(100)
    assert len(site.circuits) == 25 + 4  # one per four loads, under 125 A feeders of eight
    assert {load.kind.value for load in loads} == {"evse", "switch", "number"}
    assert {len(load.lines) for load in loads} == {1, 3}
    assert {load.mode.value for load in loads} >= {"standard", "eco", "solar", "excess", "on"}
    small = measure(10, cycles=3, warmup=2)
    assert small.optimise.calls == 3
    assert small.safety.calls == 12


def test_quick_bench_prints_its_three_tables() -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for header in ("loads", "opt med", "opt p95", "safe med", "safe p95", "opt x10"):
        assert header in out
    for header in ("EV surplus kWh", "oracle kWh", "ratio %", "import kWh", "import % EV"):
        assert header in out
    for header in ("changes/h", "starts/h", "overload s", "engine s"):
        assert header in out
    assert "sunny-3p25-nobatt" in out
    assert ">= 97 %" in out
    assert "<= 6" in out
    for header in ("median ms", "p99 ms", "worst ms"):
        assert header in out
    assert "wall time" in out
