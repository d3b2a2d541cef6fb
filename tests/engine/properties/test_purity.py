"""The engine is pure Python: no Home Assistant, no wall clock (PRODUCT.md §1)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ENGINE = ROOT / "custom_components" / "ampwise" / "engine"
MODULES = sorted(ENGINE.glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a source file imports (relative imports stay inside the engine)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_engine_has_modules() -> None:
    assert {p.name for p in MODULES} >= {"__init__.py", "controller.py", "model.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_engine_source_imports_no_home_assistant(path: Path) -> None:
    """Property 8, from the source: no `import homeassistant...` anywhere, even inside a
    function or under TYPE_CHECKING."""
    bad = {n for n in imported_modules(path) if n.split(".")[0] == "homeassistant"}
    assert bad == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_engine_source_reads_no_wall_clock(path: Path) -> None:
    """Time is an argument: no `time`/`datetime` module and no `.now()`-style call."""
    assert imported_modules(path) & {"time", "datetime"} == set()
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert calls & {"now", "utcnow", "today", "monotonic", "perf_counter"} == set()


_PROBE = """
import importlib, json, pkgutil, sys, types
root, engine = sys.argv[1], sys.argv[2]
# Stand-in parent packages, so the integration's own __init__ (Home Assistant glue) is not run.
for name, path in (("custom_components", root + "/custom_components"),
                   ("custom_components.ampwise", root + "/custom_components/ampwise")):
    module = types.ModuleType(name)
    module.__path__ = [path]
    sys.modules[name] = module
importlib.import_module("custom_components.ampwise.engine")
for info in pkgutil.iter_modules([engine]):
    importlib.import_module("custom_components.ampwise.engine." + info.name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "homeassistant")))
"""


def test_importing_every_engine_module_loads_no_home_assistant() -> None:
    """Property 8, at run time: a fresh interpreter imports every engine module and has no
    `homeassistant` module loaded afterwards (catches indirect imports too)."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT), str(ENGINE)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert json.loads(result.stdout) == []
