"""Running the day suite through the simulator and measuring each day against the oracle.

Definitions (all per step, W; energies are sums x step_s, as the simulator integrates):

- surplus         S = max(0, solar - household), household netted over the phases;
- EV from surplus   = min(EV power, S);
- oracle            = P if P >= P_min else 0, with P = min(S, P_max): what a perfect
                      Solar-mode controller could have put into the EV;
- import caused     = max(0, max(0, grid) - without), where `without` is the import the house
                      would have had without the EV: max(0, household - solar - D), D being the
                      battery's maximum discharge when its SoC is above its minimum, else 0.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from simulator import Result, StepRecord, run, scenario_from_dict
from simulator.metrics import longest_overloads

from .days import BATTERY, EV_ID, EV_MAX_A, EV_MIN_A, VOLTAGE_V, Day

J_PER_KWH = 3_600_000.0


@dataclass(frozen=True, slots=True)
class BatteryLimits:
    """What the counterfactual import needs of the battery."""

    max_discharge_w: float
    soc_min_pct: float


@dataclass(frozen=True, slots=True)
class Energy:
    """The surplus bookkeeping of one run, in kWh."""

    ev_from_surplus_kwh: float
    oracle_kwh: float
    import_caused_kwh: float
    ev_kwh: float

    @property
    def surplus_ratio_pct(self) -> float | None:
        if self.oracle_kwh <= 0:
            return None
        return 100.0 * self.ev_from_surplus_kwh / self.oracle_kwh

    @property
    def import_pct(self) -> float | None:
        if self.ev_kwh <= 0:
            return None
        return 100.0 * self.import_caused_kwh / self.ev_kwh


def household_w(record: StepRecord, voltage_v: float) -> float:
    return sum(record.household_a) * voltage_v


def surplus_w(record: StepRecord, voltage_v: float) -> float:
    return max(0.0, record.solar_w - household_w(record, voltage_v))


def oracle_w(surplus: float, p_min_w: float, p_max_w: float) -> float:
    """What a perfect Solar-mode controller could give the EV from `surplus` W."""
    p = min(max(0.0, surplus), p_max_w)
    return p if p >= p_min_w else 0.0


def import_without_ev_w(
    record: StepRecord, voltage_v: float, battery: BatteryLimits | None
) -> float:
    """Net import the house would have had at this step without the EV."""
    need = household_w(record, voltage_v) - record.solar_w
    if battery is not None:
        soc = record.battery_soc_pct
        if soc is not None and soc > battery.soc_min_pct:
            need -= battery.max_discharge_w
    return max(0.0, need)


def energy(
    records: Sequence[StepRecord],
    *,
    ev_id: str,
    step_s: float,
    voltage_v: float,
    p_min_w: float,
    p_max_w: float,
    battery: BatteryLimits | None,
) -> Energy:
    """EV energy from surplus, the oracle, import caused in Solar mode, EV energy (kWh)."""
    from_surplus = oracle = caused = ev = 0.0
    for record in records:
        ev_w = record.loads[ev_id].power_w
        surplus = surplus_w(record, voltage_v)
        from_surplus += min(ev_w, surplus)
        oracle += oracle_w(surplus, p_min_w, p_max_w)
        without = import_without_ev_w(record, voltage_v, battery)
        caused += max(0.0, max(0.0, record.grid_w) - without)
        ev += ev_w
    scale = step_s / J_PER_KWH
    return Energy(from_surplus * scale, oracle * scale, caused * scale, ev * scale)


@dataclass(frozen=True, slots=True)
class DayResult:
    """One day's run and its figures."""

    day: Day
    result: Result
    energy: Energy
    setpoint_changes_per_h: float
    starts_per_h: float
    overload_s: float
    longest_overload_steps: int
    engine_s: float
    wall_s: float

    @property
    def hours(self) -> float:
        return self.result.scenario.duration_s / 3600.0


def ev_power_bounds(lines: int) -> tuple[float, float]:
    """P_min and P_max of the EV (W): 6 A and 16 A on each of its lines at 230 V."""
    return EV_MIN_A * VOLTAGE_V * lines, EV_MAX_A * VOLTAGE_V * lines


def run_day(day: Day) -> DayResult:
    started = time.perf_counter()
    scenario = scenario_from_dict(day.scenario(), source=f"<bench {day.name}>")
    result = run(scenario)
    wall = time.perf_counter() - started
    p_min, p_max = ev_power_bounds(day.ev_lines)
    battery = (
        BatteryLimits(BATTERY["max_discharge_w"], BATTERY["soc_min_pct"]) if day.battery else None
    )
    figures = energy(
        result.records,
        ev_id=EV_ID,
        step_s=scenario.step_s,
        voltage_v=scenario.site.voltage_v,
        p_min_w=p_min,
        p_max_w=p_max,
        battery=battery,
    )
    hours = scenario.duration_s / 3600.0
    metrics = result.metrics
    longest = max((n for n, _ in longest_overloads(result.records).values()), default=0)
    return DayResult(
        day=day,
        result=result,
        energy=figures,
        setpoint_changes_per_h=metrics.setpoint_changes[EV_ID] / hours,
        starts_per_h=metrics.starts[EV_ID] / hours,
        overload_s=metrics.overload_s,
        longest_overload_steps=longest,
        engine_s=result.engine_s,
        wall_s=wall,
    )


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """Days of one group taken together: energy-weighted ratios, worst and mean rates."""

    label: str
    days: int
    surplus_ratio_pct: float | None
    worst_surplus_ratio_pct: float | None
    import_pct: float | None
    worst_import_pct: float | None
    mean_changes_per_h: float
    worst_changes_per_h: float
    mean_starts_per_h: float
    worst_starts_per_h: float
    longest_overload_s: float


def summarise(label: str, results: Sequence[DayResult]) -> GroupSummary | None:
    if not results:
        return None
    from_surplus = sum(r.energy.ev_from_surplus_kwh for r in results)
    oracle = sum(r.energy.oracle_kwh for r in results)
    caused = sum(r.energy.import_caused_kwh for r in results)
    ev = sum(r.energy.ev_kwh for r in results)
    ratios = [x for r in results if (x := r.energy.surplus_ratio_pct) is not None]
    imports = [x for r in results if (x := r.energy.import_pct) is not None]
    changes = [r.setpoint_changes_per_h for r in results]
    starts = [r.starts_per_h for r in results]
    return GroupSummary(
        label=label,
        days=len(results),
        surplus_ratio_pct=100.0 * from_surplus / oracle if oracle > 0 else None,
        worst_surplus_ratio_pct=min(ratios) if ratios else None,
        import_pct=100.0 * caused / ev if ev > 0 else None,
        worst_import_pct=max(imports) if imports else None,
        mean_changes_per_h=sum(changes) / len(changes),
        worst_changes_per_h=max(changes),
        mean_starts_per_h=sum(starts) / len(starts),
        worst_starts_per_h=max(starts),
        longest_overload_s=max(
            r.longest_overload_steps * r.result.scenario.step_s for r in results
        ),
    )
