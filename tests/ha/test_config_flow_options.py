"""The hub's options: timing, and adding, editing and removing circuits."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ampwise.const import (
    CONF_CIRCUIT,
    CONF_CIRCUITS,
    CONF_PROFILE_TIMEOUT,
    DOMAIN,
    SUBENTRY_EVSE,
    SUBENTRY_SWITCH,
)
from custom_components.ampwise.flows.options import circuit_id_for

pytestmark = pytest.mark.usefixtures("mock_setup_entry", "translated_flows")

GARAGE = {
    "id": "garage",
    "name": "Garage",
    "limit_a": 32,
    "limit_w": None,
    "parent": None,
    "sensors": [],
}
WALLBOX = {**GARAGE, "id": "wallbox", "name": "Wallbox", "limit_a": 16, "parent": "garage"}
SHED = {**GARAGE, "id": "shed", "name": "Shed", "limit_a": 10}
TIMING = {
    "interval_s": 5,
    "start_delay_s": 30,
    "stop_delay_s": 120,
    "excess_hold_s": 600,
    "min_pause_s": 120,
    "stale_after_s": 45,
    "excess_threshold_w": 500,
}


@pytest.fixture(autouse=True)
def meters(hass: HomeAssistant) -> None:
    for phase in "abc":
        hass.states.async_set(f"sensor.garage_{phase}", "3", {"unit_of_measurement": "A"})
        hass.states.async_set(f"sensor.grid_{phase}", "3", {"unit_of_measurement": "A"})
    hass.states.async_set("sensor.garage_power", "3", {"unit_of_measurement": "W"})


def _hub(
    hass: HomeAssistant,
    circuits: list[dict[str, Any]] | None = None,
    subentries: list[ConfigSubentryData] | None = None,
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={
            "phases": 3,
            "metering": "per_phase",
            "grid_sensors": ["sensor.grid_a", "sensor.grid_b", "sensor.grid_c"],
            CONF_CIRCUITS: circuits or [],
        },
        options={"interval_s": 10, "max_import_w": 9000},
        subentries_data=subentries or [],
    )
    entry.add_to_hass(hass)
    return entry


def _load(title: str, circuit: str | None, kind: str = SUBENTRY_SWITCH) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={CONF_CIRCUIT: circuit, CONF_PROFILE_TIMEOUT: 10},
        subentry_type=kind,
        title=title,
        unique_id=title,
    )


async def _menu(hass: HomeAssistant, entry: MockConfigEntry, choice: str) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": choice}
    )


def _options(result: dict[str, Any], field: str) -> list[str]:
    for key in result["data_schema"].schema:
        if str(key) == field:
            return [
                option["value"] for option in result["data_schema"].schema[key].config["options"]
            ]
    raise AssertionError(field)


async def test_menu_offers_edit_and_remove_only_with_circuits(hass: HomeAssistant) -> None:
    result = await hass.config_entries.options.async_init(_hub(hass).entry_id)
    assert result["menu_options"] == ["timing", "circuit_add", "ocpp_server"]
    result = await hass.config_entries.options.async_init(_hub(hass, [GARAGE]).entry_id)
    assert result["menu_options"] == [
        "timing",
        "circuit_add",
        "circuit_edit",
        "circuit_remove",
        "ocpp_server",
    ]


async def test_timing(hass: HomeAssistant) -> None:
    entry = _hub(hass)
    result = await _menu(hass, entry, "timing")
    assert result["step_id"] == "timing"
    result = await hass.config_entries.options.async_configure(result["flow_id"], TIMING)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {**TIMING, "max_import_w": 9000}


async def test_interval_must_stay_below_profile_timeouts(hass: HomeAssistant) -> None:
    entry = _hub(hass, subentries=[_load("Left", None, SUBENTRY_EVSE), _load("Plug", None)])
    result = await _menu(hass, entry, "timing")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**TIMING, "interval_s": 10}
    )
    assert result["errors"] == {"interval_s": "interval_above_timeout"}
    assert result["description_placeholders"] == {"names": "Left"}


async def test_add_circuit(hass: HomeAssistant) -> None:
    entry = _hub(hass, [GARAGE])
    result = await _menu(hass, entry, "circuit_add")
    assert result["step_id"] == "circuit"
    assert _options(result, "parent") == ["main", "garage"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "name": "Wallbox",
            "limit_a": 16,
            "limit_w": 7000,
            "parent": "garage",
            "sensor_a": "sensor.garage_a",
            "sensor_b": "sensor.garage_b",
            "sensor_c": "sensor.garage_c",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.data[CONF_CIRCUITS] == [
        GARAGE,
        {
            **WALLBOX,
            "limit_w": 7000,
            "sensors": ["sensor.garage_a", "sensor.garage_b", "sensor.garage_c"],
        },
    ]
    assert entry.options == {"interval_s": 10, "max_import_w": 9000}


async def test_circuit_ids_stay_unique(hass: HomeAssistant) -> None:
    entry = _hub(hass, [GARAGE])
    result = await _menu(hass, entry, "circuit_add")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": "Garage!", "limit_a": 10, "parent": "main"}
    )
    assert entry.data[CONF_CIRCUITS][-1]["id"] == "garage_2"
    assert entry.data[CONF_CIRCUITS][-1]["parent"] is None
    assert circuit_id_for("Main", set()) == "main_2"
    assert circuit_id_for("", set()) == "circuit"


@pytest.mark.parametrize(
    ("circuit", "errors", "placeholders"),
    [
        ({"name": "garage"}, {"name": "name_in_use"}, {"name": "garage"}),
        (
            {"limit_a": 0, "limit_w": 0},
            {"limit_a": "must_be_positive", "limit_w": "must_be_positive"},
            {},
        ),
        (
            {"sensor_a": "sensor.garage_a"},
            {"sensor_b": "sensors_incomplete", "sensor_c": "sensors_incomplete"},
            {},
        ),
        (
            {
                "sensor_a": "sensor.garage_power",
                "sensor_b": "sensor.grid_b",
                "sensor_c": "sensor.garage_c",
            },
            # The duplicate waits: its message would name another entity.
            {"sensor_a": "unknown_unit"},
            {"entity": "sensor.garage_power", "unit": "W", "expected": "A, mA"},
        ),
        (
            {
                "sensor_a": "sensor.garage_a",
                "sensor_b": "sensor.grid_b",
                "sensor_c": "sensor.garage_c",
            },
            {"sensor_b": "duplicate_entity"},
            {"entity": "sensor.grid_b"},
        ),
    ],
)
async def test_circuit_errors(
    hass: HomeAssistant,
    circuit: dict[str, Any],
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> None:
    entry = _hub(hass, [GARAGE])
    result = await _menu(hass, entry, "circuit_add")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": "Shed", "limit_a": 10, "parent": "main", **circuit}
    )
    assert result["errors"] == errors
    assert result["description_placeholders"] == placeholders


async def test_circuit_sensors_used_by_another_circuit(hass: HomeAssistant) -> None:
    measured = {**GARAGE, "sensors": ["sensor.garage_a", "sensor.garage_b", "sensor.garage_c"]}
    entry = _hub(hass, [measured])
    result = await _menu(hass, entry, "circuit_add")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "name": "Shed",
            "limit_a": 10,
            "parent": "main",
            "sensor_a": "sensor.garage_a",
            "sensor_b": "sensor.garage_b",
            "sensor_c": "sensor.garage_c",
        },
    )
    assert result["errors"]["sensor_a"] == "duplicate_entity"


async def test_edit_circuit(hass: HomeAssistant) -> None:
    """The form starts from the stored circuit; the id stays, so loads keep pointing at it."""
    measured = {**WALLBOX, "limit_w": 3000, "sensors": ["sensor.garage_a"] * 3}
    entry = _hub(hass, [GARAGE, measured, SHED])
    result = await _menu(hass, entry, "circuit_edit")
    assert result["step_id"] == "circuit_edit"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"circuit": "garage"}
    )
    assert result["step_id"] == "circuit"
    # Garage cannot hang below itself or below the wallbox that hangs below it.
    assert _options(result, "parent") == ["main", "shed"]
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested == {"name": "Garage", "limit_a": 32, "parent": "main"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": "Garage 2", "limit_a": 25, "parent": "shed"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.data[CONF_CIRCUITS] == [
        {**GARAGE, "name": "Garage 2", "limit_a": 25, "parent": "shed"},
        measured,
        SHED,
    ]


async def test_edit_circuit_suggests_sensors_and_power_limit(hass: HomeAssistant) -> None:
    measured = {**WALLBOX, "limit_w": 3000, "sensors": ["sensor.garage_a"] * 3}
    entry = _hub(hass, [GARAGE, measured])
    result = await _menu(hass, entry, "circuit_edit")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"circuit": "wallbox"}
    )
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested["limit_w"] == 3000
    assert suggested["parent"] == "garage"
    assert suggested["sensor_c"] == "sensor.garage_a"


async def test_parent_changed_into_a_loop_meanwhile(hass: HomeAssistant) -> None:
    """The form offered Shed; before it was sent, Shed was moved below Garage."""
    entry = _hub(hass, [GARAGE, SHED])
    result = await _menu(hass, entry, "circuit_edit")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"circuit": "garage"}
    )
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_CIRCUITS: [GARAGE, {**SHED, "parent": "garage"}]}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": "Garage", "limit_a": 32, "parent": "shed"}
    )
    assert result["errors"] == {"parent": "circuit_cycle"}


async def test_parent_removed_meanwhile(hass: HomeAssistant) -> None:
    entry = _hub(hass, [GARAGE])
    result = await _menu(hass, entry, "circuit_add")
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_CIRCUITS: []})
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"name": "Shed", "limit_a": 10, "parent": "garage"}
    )
    assert result["errors"] == {"parent": "circuit_not_found"}


async def test_remove_circuit(hass: HomeAssistant) -> None:
    entry = _hub(hass, [GARAGE, SHED], [_load("Boiler", "garage")])
    result = await _menu(hass, entry, "circuit_remove")
    assert result["step_id"] == "circuit_remove"
    assert _options(result, "circuit") == ["garage", "shed"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"circuit": "shed"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.data[CONF_CIRCUITS] == [GARAGE]


async def test_remove_circuit_in_use_is_refused(hass: HomeAssistant) -> None:
    """Loads and circuits that hang on it are named, so the user knows what to move."""
    entry = _hub(hass, [GARAGE, WALLBOX], [_load("Boiler", "garage"), _load("Pump", None)])
    result = await _menu(hass, entry, "circuit_remove")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"circuit": "garage"}
    )
    assert result["errors"] == {"circuit": "circuit_in_use"}
    assert result["description_placeholders"] == {"names": "Boiler, Wallbox"}
    assert entry.data[CONF_CIRCUITS] == [GARAGE, WALLBOX]
