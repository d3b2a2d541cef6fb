"""Every name, state, action, error and repair the user can meet has its English text, and the
texts and icons describe nothing that is not there."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import selector
from homeassistant.util.yaml import load_yaml_dict

from custom_components.ampwise import number, select, sensor, switch
from custom_components.ampwise.const import DOMAIN
from custom_components.ampwise.coordinator import ISSUE_STALE
from custom_components.ampwise.engine import Mode, Reason, Strategy
from tests.ha.test_entities_common import setup_house

ROOT = Path(__file__).parents[2] / "custom_components/ampwise"
EN = json.loads((ROOT / "translations/en.json").read_text(encoding="utf-8"))
ICONS = json.loads((ROOT / "icons.json").read_text(encoding="utf-8"))
SERVICES = load_yaml_dict(str(ROOT / "services.yaml"))

DESCRIPTIONS: dict[str, list[Any]] = {
    "sensor": [*sensor._per_phase(3), *sensor.HUB_SENSORS, *sensor.LOAD_SENSORS],
    "number": [*number.HUB_NUMBERS, *number.LOAD_NUMBERS],
    "select": [*select.HUB_SELECTS, *select.LOAD_SELECTS],
    "switch": [*switch.HUB_SWITCHES, *switch.LOAD_SWITCHES],
}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_strings_json_is_en_json() -> None:
    assert json.loads((ROOT / "strings.json").read_text(encoding="utf-8")) == EN


@pytest.mark.parametrize("platform", DESCRIPTIONS)
def test_every_entity_has_its_name(platform: str) -> None:
    names = EN["entity"][platform]
    used = set()
    for description in DESCRIPTIONS[platform]:
        key = description.translation_key
        assert key in names, f"{platform}.{key}"
        given = set(description.translation_placeholders or {})
        assert placeholders(names[key]["name"]) == given, key
        used.add(key)
    assert set(names) == used, "strings for entities that do not exist"
    assert set(ICONS["entity"][platform]) == used


def test_every_option_and_state_is_translated() -> None:
    states = EN["entity"]
    assert set(states["select"]["distribution"]["state"]) == {s.value for s in Strategy}
    assert set(states["select"]["mode"]["state"]) == {m.value for m in Mode}
    assert set(states["sensor"]["site_status"]["state"]) == set(sensor.SITE_STATES)
    assert set(states["sensor"]["load_status"]["state"]) == set(sensor.LOAD_STATES)
    assert set(sensor.LOAD_STATES) == {r.value for r in Reason} | {sensor.UNCONTROLLED}
    assert set(states["switch"]["grid_import"]["state"]) == {"on", "off"}
    for description in DESCRIPTIONS["sensor"]:
        if description.options is not None:
            assert set(description.options) == set(
                states["sensor"][description.translation_key]["state"]
            )


def test_grid_import_says_what_off_means() -> None:
    """Users of the earlier tool misread "Allow grid charging": off means sun and battery."""
    grid_import = EN["entity"]["switch"]["grid_import"]
    assert "Standard and Eco" in grid_import["name"]
    assert "sun and battery" in grid_import["state"]["off"].lower()
    assert "no limit" in EN["entity"]["number"]["max_import_power"]["name"]
    assert "failsafe" in EN["entity"]["switch"]["dynamic_control"]["state"]["off"]


def test_every_action_has_strings_icons_and_valid_selectors() -> None:
    assert set(EN["services"]) == set(SERVICES)
    assert set(ICONS["services"]) == set(SERVICES)
    for name, service in SERVICES.items():
        texts = EN["services"][name]
        assert texts["name"]
        assert texts["description"]
        assert set(texts["fields"]) == set(service["fields"]), name
        for field, spec in service["fields"].items():
            assert texts["fields"][field]["name"]
            assert texts["fields"][field]["description"]
            selector.validate_selector(spec["selector"])
            options = spec["selector"].get("select", {})
            if key := options.get("translation_key"):
                assert set(options["options"]) == set(EN["selector"][key]["options"]), field


def test_action_options_are_the_engines() -> None:
    mode = SERVICES["set_mode"]["fields"]["mode"]["selector"]["select"]["options"]
    strategy = SERVICES["set_distribution"]["fields"]["strategy"]["selector"]["select"]
    assert mode == [m.value for m in Mode]
    assert strategy["options"] == [s.value for s in Strategy]


def test_every_error_is_translated_and_used() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in ROOT.rglob("*.py"))
    raised = set(re.findall(r'(?:validation_error|not_ready)\(\s*"(\w+)"', source))
    assert raised == set(EN["exceptions"])
    for key, text in EN["exceptions"].items():
        assert text["message"], key


def test_the_repair_issue_names_its_placeholders() -> None:
    issue = EN["issues"][ISSUE_STALE]
    assert placeholders(issue["title"]) | placeholders(issue["description"]) == {
        "hub",
        "entities",
        "status",
    }
    assert "failsafe" in issue["description"]


async def test_registered_actions_are_described_and_filters_match_devices(
    hass: HomeAssistant,
) -> None:
    house = await setup_house(hass)
    assert set(hass.services.async_services_for_domain(DOMAIN)) == set(SERVICES)
    registry = dr.async_get(hass)
    hub = registry.async_get_device(identifiers={(DOMAIN, house.entry.entry_id)})
    hub_filter = SERVICES["set_distribution"]["fields"]["device_id"]["selector"]["device"]
    assert {"integration": DOMAIN, "model": hub.model} in hub_filter["filter"]
    load_filter = SERVICES["set_mode"]["fields"]["device_id"]["selector"]["device"]["filter"]
    for load_id in house.loads.values():
        device = registry.async_get_device(identifiers={(DOMAIN, load_id)})
        assert {"integration": DOMAIN, "model_id": device.model_id} in load_filter
