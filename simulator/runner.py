"""The closed loop: house -> snapshot -> engine -> commands -> house, over the time grid."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

from custom_components.ampwise.engine import ControllerState, Decision, allocate
from custom_components.ampwise.engine.pools import circuit_chains

from .expect import evaluate
from .house import House, Physics
from .metrics import compute_metrics, limit_excess
from .result import LoadStep, Result, StepRecord
from .scenario import EPS, Scenario


def run(scenario: Scenario) -> Result:
    """Run `scenario` from t = 0 to `duration_s` and judge its expectations."""
    site = scenario.site
    house = House(scenario)
    loads = [spec.load for spec in scenario.loads]
    position = {load.id: i for i, load in enumerate(loads)}
    chains = circuit_chains(site)  # each circuit with its ancestors
    changes = scenario.mode_changes
    next_change = 0
    state = ControllerState()
    commands = {load.id: 0.0 for load in loads}
    records: list[StepRecord] = []
    engine_s = 0.0
    for index in range(scenario.steps):
        t = scenario.time(index)
        while next_change < len(changes) and changes[next_change].t_s <= t + EPS:
            change = changes[next_change]
            i = position[change.load]
            loads[i] = replace(loads[i], mode=change.mode)
            next_change += 1
        physics = house.step(t, commands)
        started = time.perf_counter()
        decision = allocate(site, loads, physics.snapshot, state, now=t)
        engine_s += time.perf_counter() - started
        state = decision.state
        commands = {load_id: a.current_a for load_id, a in decision.allocations.items()}
        records.append(_record(scenario, chains, t, physics, decision))
    done = tuple(records)
    return Result(
        scenario=scenario,
        records=done,
        metrics=compute_metrics(scenario, done),
        failures=evaluate(scenario, done),
        engine_s=engine_s,
    )


def _record(
    scenario: Scenario,
    chains: Mapping[str, tuple[str, ...]],
    t: float,
    physics: Physics,
    decision: Decision,
) -> StepRecord:
    site = scenario.site
    circuit_a = {c.id: [0.0] * site.phases for c in site.circuits}
    for spec in scenario.loads:
        if spec.load.circuit is None:
            continue
        for circuit_id in chains[spec.load.circuit]:
            row = circuit_a[circuit_id]
            for phase, amps in zip(spec.load.lines, physics.draws[spec.load.id], strict=True):
                row[phase] += amps
    circuits = {circuit_id: tuple(row) for circuit_id, row in circuit_a.items()}
    loads = {}
    for load_id, allocation in decision.allocations.items():
        draw = physics.draws[load_id]
        loads[load_id] = LoadStep(
            command_a=allocation.current_a,
            draw_a=draw,
            power_w=sum(draw) * site.voltage_v,
            reason=allocation.reason.value,
            message=allocation.message,
            connected=physics.connected[load_id],
        )
    return StepRecord(
        t=t,
        household_a=physics.household_a,
        solar_w=physics.solar_w,
        grid_a=physics.grid_a,
        grid_w=physics.grid_w,
        battery_w=physics.battery_w,
        battery_soc_pct=physics.battery_soc_pct,
        circuit_a=circuits,
        loads=loads,
        path=decision.path.value,
        over_a=limit_excess(site, physics.grid_a, circuits),
    )
