"""`expect` entries: turned into checks when a scenario is built, judged after a run.

Per-load checks and the grid checks look at the end (the last step) or at the last step at
or before `at_s`; `no_overload` looks at every step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .metrics import count_setpoint_changes, count_starts, load_energy_kwh, longest_overloads
from .problem import Path, Problem
from .result import StepRecord
from .scenario import EPS, Expectation, LoadSpec, Scenario

LOAD_CHECKS = (
    "current_a",
    "current_a_min",
    "current_a_max",
    "switched_on",
    "starts_max",
    "setpoint_changes_max",
    "reason",
    "energy_kwh_min",
    "energy_kwh_max",
)
SITE_CHECKS = ("grid_import_w_max", "grid_import_w_min", "no_overload")
SLACK = 1e-6  # float noise only; tolerances are the scenario's business


def known_load(loads: Mapping[str, LoadSpec], load_id: str, path: Path) -> LoadSpec:
    if load_id not in loads:
        raise Problem(path, f"unknown load {load_id!r} (loads: {', '.join(loads) or 'none'})")
    return loads[load_id]


def expectations(
    items: Sequence[dict[str, Any]], loads: Mapping[str, LoadSpec], duration_s: float
) -> tuple[Expectation, ...]:
    """The checks of every `expect` entry; raises `Problem` for an entry that makes no sense."""
    out: list[Expectation] = []
    for i, entry in enumerate(items):
        path: Path = ("expect", i)
        checks = [k for k in (*LOAD_CHECKS, *SITE_CHECKS) if k in entry]
        if not checks:
            raise Problem(path, f"no check in this entry (give one of {', '.join(checks_named())})")
        per_load = [k for k in checks if k in LOAD_CHECKS]
        load = entry.get("load")
        if per_load and load is None:
            raise Problem((*path, "load"), f"required by {per_load[0]}")
        if load is not None:
            if not per_load:
                raise Problem((*path, "load"), "this entry has no per-load check")
            known_load(loads, load, (*path, "load"))
        if "tol_a" in entry and "current_a" not in entry:
            raise Problem((*path, "tol_a"), "applies only to current_a")
        at_s = entry.get("at_s")
        if at_s is not None and at_s > duration_s + EPS:
            raise Problem((*path, "at_s"), f"{at_s:g} is after the end (duration_s {duration_s:g})")
        if at_s is not None and checks == ["no_overload"]:
            raise Problem((*path, "at_s"), "no_overload checks every step; at_s does not apply")
        for low, high in (("current_a_min", "current_a_max"), ("energy_kwh_min", "energy_kwh_max")):
            if low in entry and high in entry and entry[low] > entry[high]:
                raise Problem((*path, low), f"{entry[low]:g} is above {high} {entry[high]:g}")
        for check in checks:
            if check == "no_overload" and not entry[check]:
                continue  # `no_overload: false` asks for nothing
            out.append(
                Expectation(
                    check=check,
                    value=entry[check],
                    load=load if check in LOAD_CHECKS else None,
                    at_s=None if check == "no_overload" else at_s,
                    tol_a=entry.get("tol_a", 0.1),
                )
            )
    return tuple(out)


def checks_named() -> tuple[str, ...]:
    return (*LOAD_CHECKS, *SITE_CHECKS)


def evaluate(scenario: Scenario, records: Sequence[StepRecord]) -> tuple[str, ...]:
    """One sentence per expectation that does not hold."""
    failures = []
    for expectation in scenario.expect:
        failure = _judge(scenario, records, expectation)
        if failure is not None:
            failures.append(failure)
    return tuple(failures)


def _judge(scenario: Scenario, records: Sequence[StepRecord], exp: Expectation) -> str | None:
    if exp.check == "no_overload":
        return _no_overload(records)
    index = scenario.step_at(exp.at_s)
    record = records[index]
    when = f"at t={record.t:g} s" if exp.at_s is not None else f"at the end (t={record.t:g} s)"
    if exp.load is None:
        got = record.grid_w
        if exp.check == "grid_import_w_max" and got > float(exp.value) + SLACK:
            return f"grid import {got:.0f} W {when}, expected at most {float(exp.value):g} W"
        if exp.check == "grid_import_w_min" and got < float(exp.value) - SLACK:
            return f"grid import {got:.0f} W {when}, expected at least {float(exp.value):g} W"
        return None
    return _judge_load(scenario, records[: index + 1], exp, when)


def _judge_load(
    scenario: Scenario, records: Sequence[StepRecord], exp: Expectation, when: str
) -> str | None:
    assert exp.load is not None
    step = records[-1].loads[exp.load]
    command = step.command_a
    value = exp.value
    head = f"{exp.load}: {exp.check.removesuffix('_min').removesuffix('_max')}"
    until = f"up to t={records[-1].t:g} s"
    if exp.check == "current_a":
        if abs(command - float(value)) > exp.tol_a + SLACK:
            return f"{head} {command:.2f} A {when}, expected {float(value):g} ± {exp.tol_a:g} A"
    elif exp.check == "current_a_min":
        if command < float(value) - SLACK:
            return f"{head} {command:.2f} A {when}, expected at least {float(value):g} A"
    elif exp.check == "current_a_max":
        if command > float(value) + SLACK:
            return f"{head} {command:.2f} A {when}, expected at most {float(value):g} A"
    elif exp.check == "switched_on":
        if (command > 0) != value:
            state, wanted = ("on", "off") if command > 0 else ("off", "on")
            return f"{exp.load}: switched {state} {when}, expected {wanted}"
    elif exp.check == "reason":
        if step.reason != value:
            return f"{head} {step.reason!r} {when} ({step.message}), expected {value!r}"
    elif exp.check in ("starts_max", "setpoint_changes_max"):
        commands = [r.loads[exp.load].command_a for r in records]
        if exp.check == "starts_max":
            count, what = count_starts(commands), "starts"
        else:
            on_off = scenario.spec(exp.load).load.on_off
            count, what = count_setpoint_changes(commands, on_off), "setpoint changes"
        if count > int(value):
            return f"{exp.load}: {count} {what} {until}, expected at most {value}"
    else:
        energy = load_energy_kwh(records, exp.load, scenario.step_s)
        got = f"{head} {energy:.3f} kWh {until}"
        if exp.check == "energy_kwh_min" and energy < float(value) - SLACK:
            return f"{got}, expected at least {float(value):g}"
        if exp.check == "energy_kwh_max" and energy > float(value) + SLACK:
            return f"{got}, expected at most {float(value):g}"
    return None


def _no_overload(records: Sequence[StepRecord]) -> str | None:
    runs = [(steps, t, name) for name, (steps, t) in longest_overloads(records).items()]
    runs = [run for run in runs if run[0] >= 2]
    if not runs:
        return None
    steps, t, name = max(runs, key=lambda run: (run[0], -run[1]))
    peak = max(r.over_a.get(name, 0.0) for r in records)
    others = f" (and {len(runs) - 1} more)" if len(runs) > 1 else ""
    return (
        f"no_overload: {name} overloaded for {steps} consecutive steps from t={t:g} s, "
        f"up to {peak:.2f} A above its limit{others}"
    )
