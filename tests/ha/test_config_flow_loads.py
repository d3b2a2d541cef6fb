"""Adding and reconfiguring switched loads (relays, plugs) and number-controlled loads."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ampwise.const import DOMAIN, SUBENTRY_NUMBER, SUBENTRY_SWITCH

pytestmark = pytest.mark.usefixtures("mock_setup_entry", "translated_flows")

SWITCH_FORM = {
    "name": "Boiler",
    "switch_entity": "switch.boiler",
    "power_w": 2400,
    "lines": "b",
    "priority": 4,
    "mode": "excess",
    "min_on_s": 600,
    "min_off_s": 300,
}
SWITCH_DATA = {
    **SWITCH_FORM,
    "lines": ["B"],
    "power_sensor": None,
    "circuit": None,
}
NUMBER_FORM = {
    "name": "Wallbox",
    "number_entity": "number.wallbox_current",
    "number_unit": "A",
    "min_value": 6,
    "max_value": 32,
    "lines": "abc",
    "priority": 1,
    "mode": "eco",
    "failsafe_a": 6,
}
NUMBER_DATA = {**NUMBER_FORM, "lines": ["A", "B", "C"], "measure_sensor": None, "circuit": None}


@pytest.fixture(autouse=True)
def devices(hass: HomeAssistant) -> None:
    hass.states.async_set("switch.boiler", "off")
    hass.states.async_set("input_boolean.pump", "off")
    hass.states.async_set("sensor.boiler_power", "0", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.boiler_current", "0", {"unit_of_measurement": "A"})
    hass.states.async_set("number.wallbox_current", "16", {"unit_of_measurement": "A"})
    hass.states.async_set("number.heater_power", "500", {"unit_of_measurement": "W"})
    hass.states.async_set("input_number.pwm", "40")


@pytest.fixture
def hub(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(domain=DOMAIN, data={"phases": 3, "circuits": []})
    entry.add_to_hass(hass)
    return entry


async def _submit(
    hass: HomeAssistant, entry: MockConfigEntry, kind: str, form: dict[str, Any]
) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context={"source": SOURCE_USER}
    )
    assert result["step_id"] == "user"
    return await hass.config_entries.subentries.async_configure(result["flow_id"], form)


def _suggested(result: dict[str, Any]) -> dict[str, Any]:
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }


def _hub_with(hass: HomeAssistant, kind: str, data: dict[str, Any]) -> MockConfigEntry:
    """Another hub that already has this load."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={"phases": 3, "circuits": []},
        subentries_data=[
            ConfigSubentryData(
                data=data,
                subentry_type=kind,
                title=data["name"],
                unique_id=data.get("switch_entity") or data["number_entity"],
            )
        ],
    )
    entry.add_to_hass(hass)
    return entry


# --- switch ------------------------------------------------------------------------------


async def test_add_switch(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    result = await _submit(hass, hub, SUBENTRY_SWITCH, SWITCH_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = next(iter(hub.subentries.values()))
    assert (subentry.title, subentry.unique_id) == ("Boiler", "switch.boiler")
    assert subentry.data == SWITCH_DATA


async def test_add_input_boolean_with_power_sensor(
    hass: HomeAssistant, hub: MockConfigEntry
) -> None:
    form = {
        **SWITCH_FORM,
        "switch_entity": "input_boolean.pump",
        "power_sensor": "sensor.boiler_power",
    }
    await _submit(hass, hub, SUBENTRY_SWITCH, form)
    subentry = next(iter(hub.subentries.values()))
    assert subentry.data["power_sensor"] == "sensor.boiler_power"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"switch_entity": "switch.gone"}, {"switch_entity": "entity_not_found"}),
        ({"power_w": 0}, {"power_w": "must_be_positive"}),
        ({"power_sensor": "sensor.boiler_current"}, {"power_sensor": "unknown_unit"}),
        ({"power_sensor": "switch.boiler"}, {"power_sensor": "duplicate_entity"}),
    ],
)
async def test_switch_errors(
    hass: HomeAssistant, hub: MockConfigEntry, changes: dict[str, Any], errors: dict[str, str]
) -> None:
    result = await _submit(hass, hub, SUBENTRY_SWITCH, {**SWITCH_FORM, **changes})
    assert result["errors"] == errors


async def test_switch_twice_aborts(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """A relay is driven by one hub only."""
    _hub_with(hass, SUBENTRY_SWITCH, SWITCH_DATA)
    result = await _submit(hass, hub, SUBENTRY_SWITCH, SWITCH_FORM)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_switch(hass: HomeAssistant) -> None:
    entry = _hub_with(hass, SUBENTRY_SWITCH, {**SWITCH_DATA, "power_sensor": "sensor.boiler_power"})
    subentry_id = next(iter(entry.subentries))
    result = await entry.start_subentry_reconfigure_flow(hass, SUBENTRY_SWITCH, subentry_id)
    assert result["step_id"] == "reconfigure"
    assert _suggested(result) == {
        **SWITCH_FORM,
        "power_sensor": "sensor.boiler_power",
    }
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**SWITCH_FORM, "power_w": 3000}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[subentry_id].data == {**SWITCH_DATA, "power_w": 3000}
    # Without a power sensor the form leaves the field empty.
    result = await entry.start_subentry_reconfigure_flow(hass, SUBENTRY_SWITCH, subentry_id)
    assert "power_sensor" not in _suggested(result)


# --- number ------------------------------------------------------------------------------


async def test_add_number(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    result = await _submit(hass, hub, SUBENTRY_NUMBER, NUMBER_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = next(iter(hub.subentries.values()))
    assert (subentry.title, subentry.unique_id) == ("Wallbox", "number.wallbox_current")
    assert subentry.data == NUMBER_DATA


@pytest.mark.parametrize(
    "changes",
    [
        # A number in watts; its failsafe (amps) is not compared with watts.
        {
            "number_entity": "number.heater_power",
            "number_unit": "W",
            "min_value": 500,
            "max_value": 3000,
            "failsafe_a": 2,
        },
        # A number without a unit may be either.
        {
            "number_entity": "input_number.pwm",
            "number_unit": "W",
            "measure_sensor": "sensor.boiler_power",
        },
        {"failsafe_a": 0},
    ],
)
async def test_number_variants(
    hass: HomeAssistant, hub: MockConfigEntry, changes: dict[str, Any]
) -> None:
    result = await _submit(hass, hub, SUBENTRY_NUMBER, {**NUMBER_FORM, **changes})
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("changes", "errors", "placeholders"),
    [
        (
            {"number_entity": "number.gone"},
            {"number_entity": "entity_not_found"},
            {"entity": "number.gone"},
        ),
        (
            {"number_unit": "W"},
            {"number_unit": "unit_mismatch"},
            {"entity": "number.wallbox_current", "unit": "A"},
        ),
        (
            {"min_value": 40},
            {"min_value": "min_above_max", "failsafe_a": "invalid_failsafe"},
            {"min": "40", "max": "32"},
        ),
        ({"min_value": 0, "max_value": 0, "failsafe_a": 0}, {"max_value": "must_be_positive"}, {}),
        (
            {"measure_sensor": "sensor.gone"},
            {"measure_sensor": "entity_not_found"},
            {"entity": "sensor.gone"},
        ),
        ({"failsafe_a": 3}, {"failsafe_a": "invalid_failsafe"}, {"min": "6", "max": "32"}),
    ],
)
async def test_number_errors(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    changes: dict[str, Any],
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> None:
    result = await _submit(hass, hub, SUBENTRY_NUMBER, {**NUMBER_FORM, **changes})
    assert result["errors"] == errors
    assert result["description_placeholders"] == placeholders


async def test_reconfigure_number(hass: HomeAssistant) -> None:
    entry = _hub_with(
        hass, SUBENTRY_NUMBER, {**NUMBER_DATA, "measure_sensor": "sensor.boiler_current"}
    )
    subentry_id = next(iter(entry.subentries))
    result = await entry.start_subentry_reconfigure_flow(hass, SUBENTRY_NUMBER, subentry_id)
    assert _suggested(result) == {**NUMBER_FORM, "measure_sensor": "sensor.boiler_current"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**NUMBER_FORM, "max_value": 16}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[subentry_id].data == {**NUMBER_DATA, "max_value": 16}
    # Without a measuring sensor the form leaves the field empty.
    result = await entry.start_subentry_reconfigure_flow(hass, SUBENTRY_NUMBER, subentry_id)
    assert "measure_sensor" not in _suggested(result)
