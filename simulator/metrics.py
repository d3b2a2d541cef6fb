"""Metrics of a run and the counting rules of spec/scenario-format.md.

Every step stands for `step_s` seconds (from its t to the next), so energies are sums of
power x step_s over all steps, the last included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from custom_components.ampwise.engine import PHASE_NAMES, Site

from .result import Metrics, StepRecord
from .scenario import Scenario

OVERLOAD_TOLERANCE_A = 0.05
SETPOINT_CHANGE_A = 0.1
J_PER_KWH = 3_600_000.0


def limit_excess(
    site: Site, grid_a: Sequence[float], circuit_a: Mapping[str, Sequence[float]]
) -> dict[str, float]:
    """Every limit carrying more than its rating, with the excess in A."""
    excess: dict[str, float] = {}
    for phase, amps in enumerate(grid_a):
        over = abs(amps) - site.main_breaker_a
        if over > 0:
            excess[f"main breaker phase {PHASE_NAMES[phase]}"] = over
    for circuit in site.circuits:
        currents = circuit_a[circuit.id]
        for phase, amps in enumerate(currents):
            over = abs(amps) - circuit.limit_a
            if over > 0:
                excess[f"circuit {circuit.id} phase {PHASE_NAMES[phase]}"] = over
        if circuit.limit_w is not None:
            # A power limit is compared in A at the site voltage, with the same tolerance.
            over = sum(abs(a) for a in currents) - circuit.limit_w / site.voltage_v
            if over > 0:
                excess[f"circuit {circuit.id} power"] = over
    return excess


def overloaded(record: StepRecord) -> list[str]:
    """The limits overloaded at this step: above their rating by more than the tolerance."""
    return [name for name, over in record.over_a.items() if over > OVERLOAD_TOLERANCE_A]


def count_starts(commands: Iterable[float]) -> int:
    """Changes of the command from 0 to above 0; the first command counts from 0."""
    starts, previous = 0, 0.0
    for command in commands:
        if previous <= 0 < command:
            starts += 1
        previous = command
    return starts


def count_setpoint_changes(commands: Iterable[float], on_off: bool) -> int:
    """Changes of the command by more than 0.1 A, or toggles of an on/off load, from 0."""
    changes, previous = 0, 0.0
    for command in commands:
        if on_off:
            changed = (command > 0) != (previous > 0)
        else:
            changed = abs(command - previous) > SETPOINT_CHANGE_A + 1e-9
        if changed:
            changes += 1
        previous = command
    return changes


def longest_overloads(records: Sequence[StepRecord]) -> dict[str, tuple[int, float]]:
    """Per limit, the longest run of consecutive overloaded steps and when it began."""
    longest: dict[str, tuple[int, float]] = {}
    running: dict[str, tuple[int, float]] = {}
    for record in records:
        now = set(overloaded(record))
        running = {
            name: (running[name][0] + 1, running[name][1]) if name in running else (1, record.t)
            for name in now
        }
        for name, run in running.items():
            if run[0] > longest.get(name, (0, 0.0))[0]:
                longest[name] = run
    return longest


def load_energy_kwh(records: Sequence[StepRecord], load_id: str, step_s: float) -> float:
    return sum(r.loads[load_id].power_w for r in records) * step_s / J_PER_KWH


def compute_metrics(scenario: Scenario, records: Sequence[StepRecord]) -> Metrics:
    """The metrics of a whole run."""
    dt = scenario.step_s
    voltage = scenario.site.voltage_v
    ids = [spec.load.id for spec in scenario.loads]
    on_off = {spec.load.id: spec.load.on_off for spec in scenario.loads}
    imported = sum(max(r.grid_w, 0.0) for r in records) * dt / J_PER_KWH
    exported = sum(max(-r.grid_w, 0.0) for r in records) * dt / J_PER_KWH
    solar = sum(r.solar_w for r in records) * dt / J_PER_KWH
    battery = [r.battery_w or 0.0 for r in records]
    energy = {load_id: load_energy_kwh(records, load_id, dt) for load_id in ids}
    commands = {load_id: [r.loads[load_id].command_a for r in records] for load_id in ids}
    self_use = None
    if solar > 0:
        self_use = max(0.0, min(100.0, (solar - exported) / solar * 100.0))
    return Metrics(
        grid_import_kwh=imported,
        grid_export_kwh=exported,
        load_energy_kwh=energy,
        load_energy_total_kwh=sum(energy.values()),
        solar_kwh=solar,
        household_kwh=sum(sum(r.household_a) for r in records) * voltage * dt / J_PER_KWH,
        solar_self_consumption_pct=self_use,
        battery_charge_kwh=sum(max(w, 0.0) for w in battery) * dt / J_PER_KWH,
        battery_discharge_kwh=sum(max(-w, 0.0) for w in battery) * dt / J_PER_KWH,
        max_phase_overload_a=max(
            (max(r.over_a.values(), default=0.0) for r in records), default=0.0
        ),
        overload_s=dt * sum(1 for r in records if overloaded(r)),
        setpoint_changes={i: count_setpoint_changes(commands[i], on_off[i]) for i in ids},
        starts={i: count_starts(commands[i]) for i in ids},
        duration_s=scenario.duration_s,
        steps=len(records),
    )
