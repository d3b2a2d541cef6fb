"""Start and stop a `hass` process on a generated config directory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFIGURATION = """\
homeassistant:
  name: Ampwise test house
  latitude: 52.37
  longitude: 4.90
  elevation: 0
  unit_system: metric
  time_zone: Europe/Amsterdam
  currency: EUR
  country: NL
http:
  server_host: 127.0.0.1
  server_port: {port}
config:
logger:
  default: warning
  logs:
    custom_components.ampwise: debug
{extra}
"""

# Onboarding steps other than creating the owner are marked done, so no flow of another
# integration (weather, radio, ...) starts and nothing reaches for the internet.
ONBOARDING = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config", "analytics", "integration"]},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Instance:
    """One running Home Assistant."""

    config_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.config_dir / "home-assistant.log"

    def write_config(self, extra_yaml: str = "") -> None:
        (self.config_dir / ".storage").mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(
            CONFIGURATION.format(port=self.port, extra=extra_yaml)
        )
        onboarding = self.config_dir / ".storage" / "onboarding"
        if not onboarding.exists():
            onboarding.write_text(json.dumps(ONBOARDING))

    def start(self, timeout_s: float = 90.0) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        hass = Path(sys.executable).with_name("hass")
        self.process = subprocess.Popen(
            [str(hass), "-c", str(self.config_dir), "--skip-pip", "--log-file", str(self.log)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hass exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/manifest.json", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise TimeoutError(f"hass did not answer on {self.url} within {timeout_s:.0f} s")

    def stop(self, timeout_s: float = 30.0) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()
