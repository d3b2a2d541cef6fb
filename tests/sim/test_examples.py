"""The example scenarios pass, and scripts/simulate reports them as the spec says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator import load_scenarios, run
from simulator.cli import main

EXAMPLES = sorted((Path(__file__).resolve().parent / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_passes(path: Path) -> None:
    for scenario in load_scenarios(path):
        result = run(scenario)
        assert result.passed, (scenario.name, result.failures)


def test_json_lines_have_the_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    two = str(EXAMPLES[0].parent / "unplug_and_mode_change.yaml")
    battery = str(EXAMPLES[0].parent / "solar_car_battery.yaml")
    assert main([two, battery, "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["name"] for line in lines] == [
        "car-unplugged-mid-run",
        "plug-toggled-by-mode",
        "solar-car-above-battery-target",
    ]
    car = lines[0]["final"]["loads"]["car"]
    assert (car["current_a"], car["on"], car["reason"], car["connected"]) == (
        0.0,
        False,
        "disconnected",
        False,
    )
    assert lines[0]["final"]["battery_soc_pct"] is None
    assert lines[2]["final"]["battery_soc_pct"] > 85  # it charged from the sun
    assert lines[2]["final"]["grid_a"] == [pytest.approx(0, abs=0.01)]
    assert lines[2]["final"]["loads"]["car"]["draw_a"] == 16


def test_a_failed_expectation_exits_1_and_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fail.yaml"
    path.write_text(
        "name: wrong\nduration_s: 60\nsite: {phases: 1, main_breaker_a: 40}\n"
        "loads: [{id: car, kind: evse, mode: off}]\n"
        "expect: [{load: car, current_a: 16}]\n"
    )
    assert main([str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("FAIL wrong  ")
    assert out[1] == "    - car: current_a 0.00 A at the end (t=60 s), expected 16 ± 0.1 A"


def test_plot_writes_one_png_per_scenario(tmp_path: Path) -> None:
    two = str(EXAMPLES[0].parent / "unplug_and_mode_change.yaml")
    assert main([two, "--plot", str(tmp_path / "out.png")]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["out-car-unplugged-mid-run.png", "out-plug-toggled-by-mode.png"]
    assert all((tmp_path / name).read_bytes()[:4] == b"\x89PNG" for name in written)
