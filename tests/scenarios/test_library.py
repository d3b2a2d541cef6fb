"""The scenario library: every file passes, together they cover the product, the CLI agrees.

Each YAML file directly in this folder holds one scenario (or a few close ones) with
expectations derived by hand in its `description`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from custom_components.ampwise.engine import MODES_BY_KIND, LoadKind, Metering, Strategy
from simulator import Scenario, load_scenarios, run

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FILES = sorted(HERE.glob("*.yaml"))


def _all(paths: list[Path]) -> list[Scenario]:
    return [scenario for path in paths for scenario in load_scenarios(path)]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario_passes(path: Path) -> None:
    for scenario in load_scenarios(path):
        result = run(scenario)
        failures = "\n".join(f"  - {failure}" for failure in result.failures)
        assert result.passed, f"{scenario.name} ({path.name}):\n{failures}"


def test_library_size_and_coverage() -> None:
    assert len(FILES) >= 60, f"only {len(FILES)} scenario files"
    scenarios = _all(FILES)
    names = [s.name for s in scenarios]
    assert len(names) == len(set(names)), "scenario names must be unique across the library"

    used: dict[LoadKind, set[str]] = {kind: set() for kind in LoadKind}
    for scenario in scenarios:
        kinds = {spec.load.id: spec.load.kind for spec in scenario.loads}
        for spec in scenario.loads:
            used[spec.load.kind].add(spec.load.mode.value)
        for change in scenario.mode_changes:
            used[kinds[change.load]].add(change.mode.value)
    for kind, modes in MODES_BY_KIND.items():
        missing = {m.value for m in modes} - used[kind]
        assert not missing, f"{kind} loads never use modes {sorted(missing)}"

    strategies_by_count: dict[Strategy, int] = {}
    for scenario in scenarios:
        if 2 <= len(scenario.loads) <= 4:
            strategy = scenario.site.distribution
            strategies_by_count[strategy] = strategies_by_count.get(strategy, 0) + 1
    assert set(strategies_by_count) == set(Strategy), "every strategy with 2-4 loads"

    assert {s.site.phases for s in scenarios} == {1, 2, 3}
    assert any(s.site.battery is not None for s in scenarios)
    assert any(not s.site.grid_import_allowed and s.site.battery is None for s in scenarios)
    assert any(not s.site.grid_import_allowed and s.site.battery is not None for s in scenarios)
    assert any(s.site.max_import_w is not None for s in scenarios)
    assert any(s.site.metering is Metering.TOTAL for s in scenarios)
    assert any(s.grid_outages for s in scenarios)
    assert any(s.mode_changes for s in scenarios)
    assert any(s.load_meter_interval_s > s.step_s for s in scenarios)

    def depth(scenario: Scenario) -> int:
        parents = {c.id: c.parent for c in scenario.site.circuits}
        deepest = 0
        for parent in parents.values():
            level, node = 1, parent
            while node is not None:
                level, node = level + 1, parents[node]
            deepest = max(deepest, level)
        return deepest

    assert max(depth(s) for s in scenarios) >= 3, "a circuit tree three levels deep"
    assert any(c.limit_w is not None for s in scenarios for c in s.site.circuits)

    wirings = {spec.load.lines for s in scenarios for spec in s.loads}
    assert (1,) in wirings, "a 1-phase load on B"
    assert (2,) in wirings, "a 1-phase load on C"
    assert any(list(lines) != sorted(lines) for lines in wirings), "rotated wiring"
    vehicles = [spec.vehicle for s in scenarios for spec in s.loads if spec.vehicle is not None]
    assert any(v.phases == 1 for v in vehicles)
    assert any(v.energy_kwh is not None for v in vehicles)
    assert any(v.unplugged_at_s is not None for v in vehicles)
    assert any(v.max_a < 16 for v in vehicles)


def test_simulate_prints_one_json_line_per_scenario() -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "simulate"), *map(str, FILES), "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    lines = done.stdout.splitlines()
    expected = [s.name for s in _all(FILES)]
    assert len(lines) == len(expected)
    parsed = [json.loads(line) for line in lines]
    assert [p["name"] for p in parsed] == expected
    assert all(p["passed"] is True and p["failures"] == [] for p in parsed)
    assert all({"metrics", "final"} <= p.keys() for p in parsed)
