"""scripts/simulate keeps the shared scenario-format contract."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / ".." / "shared" / "contract" / "check-simulate"
EXAMPLES = Path(__file__).resolve().parent / "examples"


def test_check_simulate_passes() -> None:
    assert CHECK.exists(), f"{CHECK} is missing: ../shared must sit beside the checkout"
    done = subprocess.run(
        [str(CHECK)], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_paths_are_relative_to_the_callers_directory() -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "simulate"), "heater_on_excess.yaml", "--json"],
        cwd=EXAMPLES,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"name": "heater-on-excess"' in done.stdout
