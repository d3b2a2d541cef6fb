"""Scenario validation: every broken scenario is refused with a message naming its key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from custom_components.ampwise.engine import LoadKind, Mode
from simulator import ScenarioError, load_scenarios, scenario_from_dict
from simulator.cli import main

from .factory import scenario_dict

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets a dotted key path (`loads.0.mode`)."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(key: str) -> Mutation:
    return lambda data: data.pop(key)


def _append_load(load: dict[str, Any]) -> Mutation:
    return lambda data: data["loads"].append(load)


def _both(*mutations: Mutation) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


BROKEN: list[tuple[str, Mutation, str, str]] = [
    ("missing name", _delete("name"), "name", "required"),
    ("missing site", _delete("site"), "site", "required"),
    ("unknown mode", _set("loads.0.mode", "turbo"), "loads[0].mode", "turbo"),
    ("switch mode on an evse", _set("loads.0.mode", "on"), "loads[0].mode", "evse"),
    ("unknown kind", _set("loads.0.kind", "kettle"), "loads[0].kind", "kettle"),
    ("unknown site key", _set("site.fuse_a", 25), "site.fuse_a", "unknown key"),
    ("unknown load key", _set("loads.0.speed", 1), "loads[0].speed", "unknown key"),
    ("text for a number", _set("site.main_breaker_a", "big"), "site.main_breaker_a", "number"),
    ("four phases", _set("site.phases", 4), "site.phases", "3"),
    ("phase C on 1-phase", _set("loads.0.wiring", ["C"]), "loads[0].wiring[0]", "phase C"),
    ("unknown phase", _set("loads.0.wiring", ["D"]), "loads[0].wiring[0]", "'D'"),
    (
        "phase twice",
        _both(_set("site.phases", 3), _set("loads.0.wiring", ["A", "A"])),
        "loads[0].wiring[1]",
        "twice",
    ),
    ("min above max", _set("loads.0.min_a", 20), "loads[0].min_a", "above maximum"),
    ("unknown circuit", _set("loads.0.circuit", "garage"), "loads[0].circuit", "garage"),
    (
        "missing parent",
        _set("site.circuits", [{"id": "a", "limit_a": 16, "parent": "nowhere"}]),
        "site.circuits[0].parent",
        "nowhere",
    ),
    (
        "circuit cycle",
        _set(
            "site.circuits",
            [{"id": "a", "limit_a": 16, "parent": "b"}, {"id": "b", "limit_a": 16, "parent": "a"}],
        ),
        "site.circuits[0].parent",
        "cycle",
    ),
    (
        "duplicate load id",
        _append_load({"id": "car", "kind": "evse", "mode": "eco"}),
        "loads[1].id",
        "duplicate",
    ),
    (
        "switch without power",
        _append_load({"id": "p", "kind": "switch", "mode": "on"}),
        "loads[1].power_w",
        "required",
    ),
    (
        "household per phase",
        _set("household", [{"t_s": 0, "a": [1, 2]}]),
        "household[0].a",
        "one per site phase",
    ),
    (
        "household a and w",
        _set("household", [{"t_s": 0, "a": [1], "w": [2]}]),
        "household[0]",
        "exactly one",
    ),
    (
        "household going back in time",
        _set("household", [{"t_s": 10, "a": [1]}, {"t_s": 5, "a": [2]}]),
        "household[1].t_s",
        "before",
    ),
    (
        "expect unknown load",
        _set("expect", [{"load": "bus", "current_a": 6}]),
        "expect[0].load",
        "'bus'",
    ),
    ("expect without check", _set("expect", [{"load": "car"}]), "expect[0]", "no check"),
    (
        "expect after the end",
        _set("expect", [{"grid_import_w_max": 1, "at_s": 99}]),
        "expect[0].at_s",
        "after the end",
    ),
    (
        "vehicle on a number",
        _both(_set("loads.0.kind", "number"), _set("loads.0.vehicle", {"max_a": 10})),
        "loads[0].vehicle",
        "evse",
    ),
    (
        "mode change to an unknown mode",
        _set("mode_changes", [{"t_s": 5, "load": "car", "mode": "fast"}]),
        "mode_changes[0].mode",
        "fast",
    ),
    (
        "outage ending before it starts",
        _set("grid_outages", [{"from_s": 30, "to_s": 10}]),
        "grid_outages[0].to_s",
        "after",
    ),
    (
        "battery without capacity",
        _set("site.battery", {"soc_pct": 50}),
        "site.battery.capacity_kwh",
        "required",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "key", "words"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN]
)
def test_broken_scenario_names_the_key(mutate: Mutation, key: str, words: str) -> None:
    data = scenario_dict()
    mutate(data)
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data, source="bench.yaml")
    message = str(caught.value)
    assert message.startswith("bench.yaml: ")
    assert key in message
    assert words in message


def test_the_base_scenario_is_valid() -> None:
    # Otherwise every case above would pass for the wrong reason.
    scenario_from_dict(scenario_dict())


def test_unknown_key_lists_the_known_ones() -> None:
    data = scenario_dict()
    data["loads"][0]["vehicle"] = {"plugged": 0}
    with pytest.raises(ScenarioError, match=r"loads\[0\]\.vehicle\.plugged: unknown key") as e:
        scenario_from_dict(data)
    assert "plugged_at_s" in str(e.value)


def test_yaml_on_and_off_are_mode_names(tmp_path: Path) -> None:
    path = tmp_path / "modes.yaml"
    path.write_text(
        "name: modes\n"
        "site: {phases: 1, main_breaker_a: 40}\n"
        "loads:\n"
        "  - {id: plug, kind: switch, mode: on, power_w: 1000}\n"
        "  - {id: car, kind: evse, mode: off}\n"
        "  - {id: quoted, kind: switch, mode: 'on', power_w: 500}\n"
        "mode_changes: [{t_s: 10, load: plug, mode: off}]\n"
    )
    (scenario,) = load_scenarios(path)
    assert [spec.load.mode for spec in scenario.loads] == [Mode.ON, Mode.OFF, Mode.ON]
    assert scenario.mode_changes[0].mode is Mode.OFF


def test_duplicate_scenario_names_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    one = "{name: same, site: {main_breaker_a: 25}, loads: []}"
    path.write_text(f"scenarios:\n  - {one}\n  - {one}\n")
    with pytest.raises(ScenarioError, match=r"two\.yaml: scenarios\[1\]\.name: duplicate"):
        load_scenarios(path)


def test_mapping_to_the_engine() -> None:
    data = scenario_dict(
        site={"phases": 3, "voltage_v": 230},
        loads=[
            {"id": "car", "kind": "evse", "mode": "eco", "min_a": 7, "max_a": 20},
            {"id": "plug", "kind": "switch", "mode": "solar", "power_w": 2300, "wiring": ["B"]},
            {"id": "pump", "kind": "number", "mode": "excess", "min_w": 1380, "max_w": 4140},
        ],
        household=[{"t_s": 0, "a": [0, 0, 0]}],
    )
    car, plug, pump = (spec.load for spec in scenario_from_dict(data).loads)
    assert (car.kind, car.lines, car.min_a, car.max_a, car.failsafe_a) == (
        LoadKind.EVSE,
        (0, 1, 2),
        7,
        20,
        7,
    )
    assert (plug.kind, plug.on_off, plug.lines, plug.min_a, plug.max_a) == (
        LoadKind.SWITCH,
        True,
        (1,),
        10,
        10,
    )
    # 1380 W over three lines at 230 V is 2 A per line.
    assert (pump.kind, pump.min_a, pump.max_a) == (LoadKind.NUMBER, 2, 6)


def test_defaults_follow_the_spec() -> None:
    data = scenario_dict(site={"battery": {"capacity_kwh": 10, "soc_pct": 50}})
    del data["loads"][0]["wiring"]
    scenario = scenario_from_dict(data)
    load, battery = scenario.loads[0].load, scenario.site.battery
    assert (load.min_a, load.max_a, load.priority, load.lines) == (6, 16, 1, (0,))
    assert battery is not None
    assert (battery.soc_min_pct, battery.soc_target_pct, battery.hysteresis_pct) == (10, 80, 5)
    assert (battery.max_charge_w, battery.max_discharge_w) == (5000, 5000)
    assert scenario.site.grid_import_allowed is True
    assert scenario.site.excess_threshold_w == 0
    assert scenario.load_meter_interval_s == scenario.step_s


def test_cli_exits_2_and_names_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nsite: {phases: 2, main_breaker_a: 25}\nloads:\n"
        "  - {id: car, kind: evse, mode: standard, wiring: [A, C]}\n"
    )
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert "loads[0].wiring[1]" in err
    assert "phase C does not exist on a 2-phase site" in err
