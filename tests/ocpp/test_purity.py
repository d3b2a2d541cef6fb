"""The central system runs without Home Assistant, like the engine: no import of it at all."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "custom_components" / "ampwise" / "ocpp"
MODULES = sorted(PACKAGE.glob("*.py"))


def test_package_has_modules() -> None:
    assert {p.name for p in MODULES} >= {"__init__.py", "server.py", "session.py", "profiles.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_source_imports_no_home_assistant(path: Path) -> None:
    """Not even inside a function or under TYPE_CHECKING."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    assert {n for n in names if n.split(".")[0] == "homeassistant"} == set()


_PROBE = """
import importlib, json, pkgutil, sys, types
root, package = sys.argv[1], sys.argv[2]
# Stand-in parent packages, so the integration's own __init__ (Home Assistant glue) is not run.
for name, path in (("custom_components", root + "/custom_components"),
                   ("custom_components.ampwise", root + "/custom_components/ampwise")):
    module = types.ModuleType(name)
    module.__path__ = [path]
    sys.modules[name] = module
importlib.import_module("custom_components.ampwise.ocpp")
for info in pkgutil.iter_modules([package]):
    importlib.import_module("custom_components.ampwise.ocpp." + info.name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "homeassistant")))
"""


def test_importing_every_module_loads_no_home_assistant() -> None:
    """At run time, indirect imports included (a fresh interpreter)."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT), str(PACKAGE)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert json.loads(result.stdout) == []
