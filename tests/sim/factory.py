"""Small scenario dicts for the simulator's tests."""

from __future__ import annotations

import copy
from typing import Any

BASE: dict[str, Any] = {
    "name": "test",
    "duration_s": 60,
    "step_s": 5,
    "site": {"phases": 1, "voltage_v": 230, "main_breaker_a": 40},
    "loads": [{"id": "car", "kind": "evse", "mode": "standard", "wiring": ["A"]}],
    "household": [{"t_s": 0, "a": [0]}],
    "solar": [{"t_s": 0, "w": 0}],
}


def scenario_dict(**overrides: Any) -> dict[str, Any]:
    """A copy of BASE with top-level keys replaced; `site` is merged, not replaced."""
    data = copy.deepcopy(BASE)
    site = overrides.pop("site", None)
    if site is not None:
        data["site"] = {**data["site"], **site}
    data.update(copy.deepcopy(overrides))
    return data
