"""A real Home Assistant process loads Ampwise, configures it through the flows, and logs
nothing of ours at warning level or above (scripts/hass-smoke)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_real_hass_loads_and_balances_without_warnings(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "realhass.smoke", "--keep", str(tmp_path / "config")],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={"PYTHONPATH": str(ROOT), "PATH": str(Path(sys.executable).parent)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("ok")
    log = (tmp_path / "config" / "home-assistant.log").read_text()
    assert "custom_components.ampwise" in log
