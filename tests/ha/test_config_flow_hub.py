"""Adding and reconfiguring a hub: the site, its metering, solar and battery."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ampwise.const import (
    CONF_CIRCUITS,
    CONF_EXCESS_THRESHOLD,
    CONF_GRID_POWER_SENSOR,
    CONF_GRID_SENSORS,
    CONF_INTERVAL,
    CONF_LINES,
    CONF_METERING,
    CONF_PHASES,
    DEFAULT_INTERVAL,
    DOMAIN,
    SETTING_MAX_IMPORT,
    SUBENTRY_SWITCH,
)

pytestmark = pytest.mark.usefixtures("mock_setup_entry", "translated_flows")

SITE = {
    "name": "Home",
    "phases": "3",
    "voltage_v": 230,
    "main_breaker_a": 25,
    "metering": "per_phase",
}
GRID = {
    "grid_sensor_a": "sensor.grid_a",
    "grid_sensor_b": "sensor.grid_b",
    "grid_sensor_c": "sensor.grid_c",
    "grid_sign": "import_positive",
    "grid_invert": ["C", "A"],
}
NO_STORAGE = {
    "battery_power_sign": "charge_positive",
    "battery_max_charge_w": 5000,
    "battery_max_discharge_w": 5000,
}
STORED_SITE: dict[str, Any] = {
    "name": "Home",
    "phases": 3,
    "voltage_v": 230,
    "main_breaker_a": 25,
    "metering": "per_phase",
    "grid_sensors": ["sensor.grid_a", "sensor.grid_b", "sensor.grid_c"],
    "grid_power_sensor": None,
    "grid_sign": "import_positive",
    "grid_invert": [],
    "inverter_sensors": [],
    "inverter_max_w": None,
    "inverter_max_a": None,
    "solar_sensor": "sensor.solar",
    "battery_power_sensor": None,
    "battery_power_sign": "charge_positive",
    "battery_soc_sensor": None,
    "battery_capacity_kwh": None,
    "battery_max_charge_w": 5000,
    "battery_max_discharge_w": 5000,
    "circuits": [],
}


@pytest.fixture(autouse=True)
def meters(hass: HomeAssistant) -> None:
    """Sensors as an inverter integration would report them."""
    for phase in "abc":
        hass.states.async_set(f"sensor.grid_{phase}", "3.2", {"unit_of_measurement": "A"})
        hass.states.async_set(f"sensor.inverter_{phase}", "800", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.grid_power", "1.2", {"unit_of_measurement": "KW"})
    hass.states.async_set("sensor.solar", "2100", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.battery_power", "-500", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.battery_soc", "55", {"unit_of_measurement": "%"})
    hass.states.async_set("sensor.energy", "12", {"unit_of_measurement": "kWh"})
    hass.states.async_set("sensor.no_unit", "1")


async def _to_grid_step(hass: HomeAssistant, **site: Any) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return await hass.config_entries.flow.async_configure(result["flow_id"], {**SITE, **site})


def _hub(**data: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={**STORED_SITE, **data},
        options={CONF_INTERVAL: DEFAULT_INTERVAL, CONF_EXCESS_THRESHOLD: 0.0},
        unique_id="sensor.grid_a|sensor.grid_b|sensor.grid_c",
    )


def _suggested(result: dict[str, Any]) -> dict[str, Any]:
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


async def test_per_phase_site_with_battery(hass: HomeAssistant) -> None:
    """A 3-phase site metered per phase, with solar and a battery, becomes one hub."""
    result = await _to_grid_step(hass)
    assert result["step_id"] == "grid_phases"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**GRID, "max_import_w": 9000}
    )
    assert result["step_id"] == "solar_battery"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            **NO_STORAGE,
            "solar_sensor": "sensor.solar",
            "battery_power_sensor": "sensor.battery_power",
            "battery_soc_sensor": "sensor.battery_soc",
            "battery_capacity_kwh": 10,
            "excess_threshold_w": 1500,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home"
    entry = result["result"]
    assert entry.unique_id == "sensor.grid_a|sensor.grid_b|sensor.grid_c"
    assert entry.data == {
        **STORED_SITE,
        "grid_invert": ["A", "C"],
        "battery_power_sensor": "sensor.battery_power",
        "battery_soc_sensor": "sensor.battery_soc",
        "battery_capacity_kwh": 10,
    }
    assert entry.options == {
        "interval_s": 10.0,
        "start_delay_s": 60.0,
        "stop_delay_s": 180.0,
        "excess_hold_s": 900.0,
        "min_pause_s": 180.0,
        "stale_after_s": 60.0,
        "excess_threshold_w": 1500,
        SETTING_MAX_IMPORT: 9000,
    }


async def test_total_power_site(hass: HomeAssistant) -> None:
    """One net power sensor (in KW, as some integrations write it); no battery, no limit."""
    result = await _to_grid_step(hass, metering="total")
    assert result["step_id"] == "grid_total"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"grid_power_sensor": "sensor.grid_power", "grid_sign": "export_positive"},
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], NO_STORAGE)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == "sensor.grid_power"
    assert entry.data[CONF_GRID_SENSORS] == []
    assert entry.data[CONF_GRID_POWER_SENSOR] == "sensor.grid_power"
    assert entry.data["grid_sign"] == "export_positive"
    assert entry.data["solar_sensor"] is None
    assert SETTING_MAX_IMPORT not in entry.options


async def test_off_grid_site(hass: HomeAssistant) -> None:
    """An off-grid 1-phase site is measured at its inverter."""
    result = await _to_grid_step(hass, phases="1", metering="off_grid")
    assert result["step_id"] == "inverter"
    assert [str(key) for key in result["data_schema"].schema] == [
        "inverter_sensor_a",
        "inverter_max_w",
        "inverter_max_a",
    ]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"inverter_sensor_a": "sensor.inverter_a", "inverter_max_w": 0, "inverter_max_a": 0},
    )
    assert result["errors"] == {
        "inverter_max_w": "must_be_positive",
        "inverter_max_a": "must_be_positive",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"inverter_sensor_a": "sensor.inverter_a", "inverter_max_w": 5000, "inverter_max_a": 21},
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], NO_STORAGE)
    entry = result["result"]
    assert entry.unique_id == "sensor.inverter_a"
    assert entry.data["phases"] == 1
    assert entry.data["inverter_sensors"] == ["sensor.inverter_a"]
    assert (entry.data["inverter_max_w"], entry.data["inverter_max_a"]) == (5000, 21)


async def test_breaker_must_be_positive(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**SITE, "main_breaker_a": 0}
    )
    assert result["step_id"] == "user"
    assert result["errors"] == {"main_breaker_a": "invalid_breaker"}
    # The form keeps what was typed.
    assert _suggested(result)["name"] == "Home"


async def test_grid_sensor_errors(hass: HomeAssistant) -> None:
    """Each problem lands on its field and names the entity; one unit message at a time."""
    result = await _to_grid_step(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            **GRID,
            "grid_sensor_a": "sensor.energy",
            "grid_sensor_b": "sensor.no_unit",
            "grid_sensor_c": "sensor.energy",
        },
    )
    assert result["errors"] == {
        "grid_sensor_a": "unknown_unit",
        "grid_sensor_c": "duplicate_entity",
    }
    assert result["description_placeholders"] == {
        "entity": "sensor.energy",
        "unit": "kWh",
        "expected": "A, mA, W, kW",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**GRID, "grid_sensor_a": "sensor.no_unit", "grid_sensor_b": "sensor.gone"},
    )
    assert result["errors"] == {"grid_sensor_a": "unknown_unit"}
    assert result["description_placeholders"]["unit"] == "none"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**GRID, "grid_sensor_b": "sensor.gone"}
    )
    assert result["errors"] == {"grid_sensor_b": "entity_not_found"}
    assert result["description_placeholders"] == {"entity": "sensor.gone"}


async def test_registry_entity_without_state(hass: HomeAssistant) -> None:
    """An entity still loading counts when its registry entry knows the unit."""
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "sensor", "meter", "l1", suggested_object_id="meter_l1", unit_of_measurement="mA"
    )
    registry.async_get_or_create("sensor", "meter", "l2", suggested_object_id="meter_l2")
    result = await _to_grid_step(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**GRID, "grid_sensor_a": "sensor.meter_l1", "grid_sensor_b": "sensor.meter_l2"},
    )
    assert result["errors"] == {"grid_sensor_b": "unknown_unit"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**GRID, "grid_sensor_a": "sensor.meter_l1"}
    )
    assert result["step_id"] == "solar_battery"


async def test_grid_power_sensor_needs_power_unit(hass: HomeAssistant) -> None:
    result = await _to_grid_step(hass, metering="total")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"grid_power_sensor": "sensor.grid_a", "grid_sign": "import_positive"}
    )
    assert result["errors"] == {"grid_power_sensor": "unknown_unit"}
    assert result["description_placeholders"]["expected"] == "W, kW"


async def test_inverter_sensor_errors(hass: HomeAssistant) -> None:
    result = await _to_grid_step(hass, phases="2", metering="off_grid")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "inverter_sensor_a": "sensor.inverter_a",
            "inverter_sensor_b": "sensor.inverter_a",
            "inverter_max_w": 5000,
            "inverter_max_a": 21,
        },
    )
    assert result["errors"] == {"inverter_sensor_b": "duplicate_entity"}


@pytest.mark.parametrize(
    ("storage", "errors"),
    [
        (
            {"battery_power_sensor": "sensor.battery_power"},
            {"battery_soc_sensor": "battery_incomplete"},
        ),
        (
            {"battery_soc_sensor": "sensor.battery_soc"},
            {"battery_power_sensor": "battery_incomplete"},
        ),
        ({"solar_sensor": "sensor.grid_b"}, {"solar_sensor": "duplicate_entity"}),
        (
            {"battery_soc_sensor": "sensor.solar", "battery_power_sensor": "sensor.battery_power"},
            {"battery_soc_sensor": "unknown_unit"},
        ),
        (
            {"battery_capacity_kwh": 0, "battery_max_charge_w": 0},
            {
                "battery_capacity_kwh": "must_be_positive",
                "battery_max_charge_w": "must_be_positive",
            },
        ),
    ],
)
async def test_solar_battery_errors(
    hass: HomeAssistant, storage: dict[str, Any], errors: dict[str, str]
) -> None:
    result = await _to_grid_step(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GRID)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**NO_STORAGE, **storage}
    )
    assert result["step_id"] == "solar_battery"
    assert result["errors"] == errors


async def test_same_meter_twice_aborts(hass: HomeAssistant) -> None:
    _hub().add_to_hass(hass)
    result = await _to_grid_step(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**GRID, "grid_invert": []}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_to_total_metering(hass: HomeAssistant) -> None:
    """Reconfigure walks the same steps from the stored site; options and circuits stay."""
    entry = _hub(circuits=[{"id": "garage", "name": "Garage", "limit_a": 16}])
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    assert _suggested(result) == {
        "name": "Home",
        "phases": "3",
        "voltage_v": 230,
        "main_breaker_a": 25,
        "metering": "per_phase",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**SITE, "name": "Farm", "main_breaker_a": 35, "metering": "total"}
    )
    assert result["step_id"] == "grid_total"
    assert "max_import_w" not in [str(key) for key in result["data_schema"].schema]
    assert _suggested(result) == {"grid_sign": "import_positive"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"grid_power_sensor": "sensor.grid_power", "grid_sign": "import_positive"},
    )
    assert result["step_id"] == "solar_battery"
    assert "excess_threshold_w" not in [str(key) for key in result["data_schema"].schema]
    assert _suggested(result)["solar_sensor"] == "sensor.solar"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], NO_STORAGE)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.title == "Farm"
    assert entry.unique_id == "sensor.grid_power"
    assert entry.data[CONF_METERING] == "total"
    assert entry.data["main_breaker_a"] == 35
    assert entry.data[CONF_GRID_SENSORS] == []
    assert entry.data["solar_sensor"] is None
    assert entry.data[CONF_CIRCUITS] == [{"id": "garage", "name": "Garage", "limit_a": 16}]
    assert entry.options == {CONF_INTERVAL: DEFAULT_INTERVAL, CONF_EXCESS_THRESHOLD: 0.0}


async def test_reconfigure_keeps_grid_sensors(hass: HomeAssistant) -> None:
    entry = _hub()
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], SITE)
    assert _suggested(result) == {
        "grid_sensor_a": "sensor.grid_a",
        "grid_sensor_b": "sensor.grid_b",
        "grid_sensor_c": "sensor.grid_c",
        "grid_sign": "import_positive",
        "grid_invert": [],
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], GRID)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], NO_STORAGE)
    assert result["reason"] == "reconfigure_successful"
    assert entry.unique_id == "sensor.grid_a|sensor.grid_b|sensor.grid_c"


async def test_reconfigure_off_grid_suggests_inverter(hass: HomeAssistant) -> None:
    entry = _hub(
        phases=1,
        metering="off_grid",
        grid_sensors=[],
        inverter_sensors=["sensor.inverter_a"],
        inverter_max_w=5000,
        inverter_max_a=21,
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**SITE, "phases": "1", "metering": "off_grid"}
    )
    assert _suggested(result) == {
        "inverter_sensor_a": "sensor.inverter_a",
        "inverter_max_w": 5000,
        "inverter_max_a": 21,
    }


async def test_reconfigure_onto_another_hubs_meter_aborts(hass: HomeAssistant) -> None:
    entry = _hub()
    entry.add_to_hass(hass)
    MockConfigEntry(domain=DOMAIN, data={}, unique_id="sensor.grid_power").add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**SITE, "metering": "total"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"grid_power_sensor": "sensor.grid_power", "grid_sign": "import_positive"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_refuses_phases_in_use(hass: HomeAssistant) -> None:
    """Fewer phases while a load is wired to phase C, or a circuit is measured per phase."""
    circuits = [
        {"id": "garage", "name": "Garage", "limit_a": 16, "sensors": ["sensor.grid_a"] * 3},
        {"id": "attic", "name": "Attic", "limit_a": 10, "sensors": []},
    ]
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**STORED_SITE, CONF_CIRCUITS: circuits},
        subentries_data=[
            ConfigSubentryData(
                data={CONF_LINES: ["C"]},
                subentry_type=SUBENTRY_SWITCH,
                title="Boiler",
                unique_id="b",
            ),
            ConfigSubentryData(
                data={CONF_LINES: ["A"]}, subentry_type=SUBENTRY_SWITCH, title="Pump", unique_id="p"
            ),
        ],
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**SITE, "phases": "2"}
    )
    assert result["errors"] == {CONF_PHASES: "phases_in_use"}
    assert result["description_placeholders"] == {"names": "Boiler, Garage"}


async def test_reconfigure_changes_phases_when_free(hass: HomeAssistant) -> None:
    entry = _hub()
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**SITE, "phases": "1"}
    )
    assert result["step_id"] == "grid_phases"
    assert _suggested(result)["grid_sensor_a"] == "sensor.grid_a"
    assert "grid_sensor_b" not in _suggested(result)
