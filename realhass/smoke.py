"""Start a real Home Assistant, add a hub and a relay through the real flows, check the log.

    python -m realhass.smoke [--keep DIR]

Exit 0 when Ampwise set up, switched the relay as the grid allowed, and logged no warning or
error of its own; 1 otherwise, with what went wrong.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from .client import Client
from .instance import Instance, free_port

HOUSE_YAML = """\
input_boolean:
  heater:
    name: Heater
input_number:
  grid_l1:
    name: Grid L1
    min: -100
    max: 100
    step: 0.1
    initial: 5
    unit_of_measurement: A
template:
  - sensor:
      - name: Grid L1 current
        unique_id: grid_l1_current
        unit_of_measurement: A
        device_class: current
        state_class: measurement
        state: "{{ states('input_number.grid_l1') | float(0) }}"
"""

HUB_ANSWERS = {
    "name": "Home",
    "phases": "1",
    "voltage_v": 230,
    "main_breaker_a": 25,
    "metering": "per_phase",
    "grid_sensor_a": "sensor.grid_l1_current",
    "grid_sign": "import_positive",
}
HEATER_ANSWERS = {
    "name": "Heater",
    "switch_entity": "input_boolean.heater",
    "power_w": 2300,
    "lines": "a",
    "mode": "on",
    "priority": 1,
    "min_on_s": 0,
    "min_off_s": 0,
}
# Lines of our own code at WARNING or above; Home Assistant's notice that a custom
# integration is not tested by it is not ours.
OURS = re.compile(r"(WARNING|ERROR|CRITICAL) .*\[custom_components\.ampwise")


def wait_for(check: object, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.3)
    return False


def run(config_dir: Path) -> list[str]:
    """Everything that went wrong (empty: all good)."""
    problems: list[str] = []
    instance = Instance(config_dir, free_port())
    instance.write_config(HOUSE_YAML)
    instance.start()
    try:
        client = Client(instance.url)
        client.onboard("owner", "ampwise-smoke")
        result = client.flow("/api/config/config_entries/flow", {"handler": "ampwise"}, HUB_ANSWERS)
        if result["type"] != "create_entry":
            return [f"hub flow ended with {result}"]
        entry_id = result["result"]["entry_id"]
        result = client.flow(
            "/api/config/config_entries/subentries/flow",
            {"handler": [entry_id, "switch"]},
            HEATER_ANSWERS,
        )
        if result["type"] != "create_entry":
            return [f"heater flow ended with {result}"]
        # 5 A of household on a 25 A breaker: the 10 A heater fits and goes on.
        if not wait_for(lambda: client.state("input_boolean.heater")["state"] == "on"):
            problems.append("the heater was not switched on")
        # 20 A of household: it no longer fits and goes off at the next meter reading.
        client.call("input_number", "set_value", {"entity_id": "input_number.grid_l1", "value": 30})
        if not wait_for(lambda: client.state("input_boolean.heater")["state"] == "off"):
            problems.append("the heater was not switched off after the overload")
    finally:
        code = instance.stop()
    if code != 0:
        problems.append(f"hass exited with {code}")
    lines = [line for line in instance.log.read_text().splitlines() if OURS.search(line)]
    problems.extend(f"log: {line}" for line in lines)
    if "Setup of domain ampwise" not in instance.log.read_text() and not any(
        "ampwise" in line for line in instance.log.read_text().splitlines()
    ):
        problems.append("ampwise never appears in the log")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="use (and keep) this config directory")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        problems = run(args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="ampwise-hass-") as tmp:
            problems = run(Path(tmp))
    for problem in problems:
        print(problem)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
