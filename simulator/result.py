"""What a run produces: one record per step, the metrics, and the expectations that failed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from .scenario import Scenario


@dataclass(frozen=True, slots=True)
class LoadStep:
    """One load at one step."""

    command_a: float  # the engine's allocation at this step; the load follows it next step
    draw_a: tuple[float, ...]  # what it drew at this step, per line
    power_w: float  # what it drew at this step, total
    reason: str
    message: str
    connected: bool  # vehicle plugged in (always true for switch and number loads)


@dataclass(frozen=True, slots=True)
class StepRecord:
    """The house and every load at one step; currents in A, powers in W."""

    t: float
    household_a: tuple[float, ...]  # per site phase
    solar_w: float  # total production
    grid_a: tuple[float, ...]  # per site phase, + = import (the true value, even in an outage)
    grid_w: float  # net import over the phases
    battery_w: float | None  # + = charging
    battery_soc_pct: float | None  # at this step, before this step's energy is integrated
    circuit_a: Mapping[str, tuple[float, ...]]  # current through each circuit per site phase
    loads: Mapping[str, LoadStep]
    path: str  # which engine path decided: safety, optimise or failsafe
    over_a: Mapping[str, float]  # each limit above its rating at this step, by how many A


@dataclass(frozen=True, slots=True)
class Metrics:
    """The spec's metrics plus a few more; energies integrate each step over `step_s`."""

    grid_import_kwh: float
    grid_export_kwh: float
    load_energy_kwh: Mapping[str, float]
    load_energy_total_kwh: float
    solar_kwh: float
    household_kwh: float
    solar_self_consumption_pct: float | None  # None without solar production
    battery_charge_kwh: float
    battery_discharge_kwh: float
    max_phase_overload_a: float  # largest excess over any phase or circuit limit, 0 if none
    overload_s: float  # time any phase or circuit was above its limit + 0.05 A
    setpoint_changes: Mapping[str, int]
    starts: Mapping[str, int]
    duration_s: float
    steps: int

    def as_dict(self) -> dict[str, object]:
        return {key: _rounded(value) for key, value in asdict(self).items()}


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class Result:
    """A finished run; `final` is the end state in the shape of the `--json` line."""

    scenario: Scenario
    records: tuple[StepRecord, ...]
    metrics: Metrics
    failures: tuple[str, ...]
    engine_s: float  # wall time spent inside `allocate`

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def final(self) -> dict[str, object]:
        last = self.records[-1]
        loads: dict[str, object] = {}
        for load_id, step in last.loads.items():
            loads[load_id] = {
                "current_a": round(step.command_a, 3),
                "draw_a": round(max(step.draw_a, default=0.0), 3),
                "draw_per_line_a": [round(a, 3) for a in step.draw_a],
                "power_w": round(step.power_w, 1),
                "on": step.command_a > 0,
                "reason": step.reason,
                "message": step.message,
                "connected": step.connected,
            }
        soc = last.battery_soc_pct
        return {
            "t_s": last.t,
            "loads": loads,
            "grid_a": [round(a, 3) for a in last.grid_a],
            "grid_w": round(last.grid_w, 1),
            "battery_w": None if last.battery_w is None else round(last.battery_w, 1),
            "battery_soc_pct": None if soc is None else round(soc, 2),
        }

    def as_json(self) -> dict[str, object]:
        """The `--json` line of scripts/simulate."""
        return {
            "name": self.scenario.name,
            "passed": self.passed,
            "failures": list(self.failures),
            "metrics": self.metrics.as_dict(),
            "final": self.final,
        }
