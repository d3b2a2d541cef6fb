"""The flow's strings: what hassfest checks for custom integrations, and what the code needs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from custom_components.ampwise.engine import Mode
from custom_components.ampwise.flows.common import wiring_options

ROOT = Path(__file__).parents[2] / "custom_components/ampwise"
EN = json.loads((ROOT / "translations/en.json").read_text(encoding="utf-8"))


def _texts(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [item for key, value in node.items() for item in _texts(value, f"{path}.{key}")]
    return [(path, node)]


def test_strings_json_is_en_json() -> None:
    assert json.loads((ROOT / "strings.json").read_text(encoding="utf-8")) == EN


def test_hassfest_rules() -> None:
    for path, text in _texts(EN):
        assert isinstance(text, str), path
        assert text, path
        assert text == text.strip(), path
        assert not re.search(r"https?://|<[a-z/]", text), path
        assert "'{" not in text, path
        assert "[%key:" not in text, path
    flows = [EN["config"], EN["options"], *EN["config_subentries"].values()]
    for flow in flows:
        for step_id, step in flow["step"].items():
            assert step["title"] != "Ampwise", step_id
            assert set(step.get("data_description", {})) <= set(step.get("data", {})), step_id
    for subentry in EN["config_subentries"].values():
        assert subentry["entry_type"]
        assert subentry["initiate_flow"]["user"]
    # hassfest's translation_key_validator: lower case, no leading, trailing or double _/-.
    key = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
    for name, selector in EN["selector"].items():
        assert all(key.match(option) for option in selector["options"]), name


def test_every_select_option_has_a_label() -> None:
    assert set(wiring_options(3)) == set(EN["selector"]["lines"]["options"])
    assert {mode.value for mode in Mode} == set(EN["selector"]["mode"]["options"])


def test_error_placeholders() -> None:
    """The placeholders each error message may name are the ones the flow fills for it."""
    filled = {
        "unknown_unit": {"entity", "unit", "expected"},
        "entity_not_found": {"entity"},
        "duplicate_entity": {"entity"},
        "unit_mismatch": {"entity", "unit"},
        "phases_in_use": {"names"},
        "interval_above_timeout": {"names"},
        "circuit_in_use": {"names"},
        "name_in_use": {"name"},
        "timeout_not_above_interval": {"interval"},
        "invalid_failsafe": {"min", "max"},
        "port_in_use": {"host", "port"},
        "cannot_bind": {"host", "port"},
        "file_not_found": {"file"},
        "certificate_unusable": {"file"},
    }
    flows = [EN["config"], EN["options"], *EN["config_subentries"].values()]
    for flow in flows:
        for key, message in flow["error"].items():
            assert set(re.findall(r"{(\w+)}", message)) == filled.get(key, set()), key
