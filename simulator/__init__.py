"""Closed-loop scenario simulator: runs scenario files through the Ampwise engine.

`load_scenarios(path)` or `scenario_from_dict(d)` give `Scenario`s; `run(scenario)` gives a
`Result` with one `StepRecord` per step, `metrics`, `failures` and `final`.
The file format is spec/scenario-format.md plus the extensions listed in README.md here.
"""

from .loader import load_scenarios, scenario_from_dict, scenarios_from_document
from .result import LoadStep, Metrics, Result, StepRecord
from .runner import run
from .scenario import Expectation, LoadSpec, Scenario, ScenarioError, Series, Vehicle

__all__ = [
    "Expectation",
    "LoadSpec",
    "LoadStep",
    "Metrics",
    "Result",
    "Scenario",
    "ScenarioError",
    "Series",
    "StepRecord",
    "Vehicle",
    "load_scenarios",
    "run",
    "scenario_from_dict",
    "scenarios_from_document",
]
