"""What a user sees on the hub and load devices: which entities, named and grouped how, with
which states and attributes."""

from __future__ import annotations

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.ampwise.const import DOMAIN
from custom_components.ampwise.engine import MODES_BY_KIND, Reason
from custom_components.ampwise.sensor import LOAD_STATES
from tests.ha.test_entities_common import (
    BATTERY_POWER,
    BATTERY_SOC,
    HEATER,
    SOLAR,
    WATTS,
    House,
    entity_id,
    set_grid,
    setup_house,
    state,
    tick,
)

HUB_KEYS = {
    "sensor": {
        "available_current_a",
        "available_current_b",
        "available_current_c",
        "household_current_a",
        "household_current_b",
        "household_current_c",
        "surplus_power",
        "allocated_power",
        "status",
    },
    "select": {"distribution"},
    "number": {
        "max_import_power",
        "battery_soc_min",
        "battery_soc_target",
        "battery_soc_hysteresis",
    },
    "switch": {"grid_import"},
}
LOAD_KEYS = {
    "sensor": {"allocated_current", "allocated_power", "energy", "status"},
    "select": {"mode"},
    "number": {"priority", "min_current", "max_current"},
    "switch": {"dynamic_control"},
}
CONFIG = EntityCategory.CONFIG
DIAGNOSTIC = EntityCategory.DIAGNOSTIC


def registered(hass: HomeAssistant, device_id: str) -> dict[str, er.RegistryEntry]:
    """The Ampwise entities of one device, by key (the unique id without its prefix)."""
    entries = er.async_entries_for_device(
        er.async_get(hass), device_id, include_disabled_entities=True
    )
    return {e.unique_id.split("_", 1)[1]: e for e in entries if e.platform == DOMAIN}


def device(hass: HomeAssistant, identifier: str) -> dr.DeviceEntry:
    found = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, identifier)})
    assert found is not None
    return found


def keys_by_platform(entries: dict[str, er.RegistryEntry]) -> dict[str, set[str]]:
    platforms: dict[str, set[str]] = {}
    for key, entry in entries.items():
        platforms.setdefault(entry.domain, set()).add(key)
    return platforms


async def test_hub_device_with_a_battery(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    hub = device(hass, house.entry.entry_id)
    assert (hub.name, hub.manufacturer, hub.model) == ("Home", "Ampwise", "Site hub")
    entries = registered(hass, hub.id)
    assert keys_by_platform(entries) == HUB_KEYS
    categories = {key: entry.entity_category for key, entry in entries.items()}
    assert categories["distribution"] is CONFIG
    assert categories["max_import_power"] is CONFIG
    assert categories["battery_soc_min"] is CONFIG
    assert categories["household_current_a"] is DIAGNOSTIC
    assert categories["grid_import"] is None
    assert categories["status"] is None
    # Household current is there for diagnosis, not for the dashboard.
    assert entries["household_current_b"].disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert entries["available_current_b"].disabled_by is None
    assert all(e.has_entity_name and e.translation_key for e in entries.values())
    assert all(e.config_subentry_id is None for e in entries.values())

    hub_id = house.entry.entry_id
    available = state(hass, "sensor", f"{hub_id}_available_current_a")
    assert float(available.state) == pytest.approx(21.0)  # 25 A breaker, 4 A household
    assert available.attributes["unit_of_measurement"] == "A"
    assert available.attributes["state_class"] == "measurement"
    assert available.attributes["friendly_name"] == "Home Available current phase A"
    assert available.entity_id == "sensor.home_available_current_phase_a"
    allocated = state(hass, "sensor", f"{hub_id}_allocated_power")
    assert allocated.attributes["unit_of_measurement"] == "W"
    assert allocated.attributes["state_class"] == "measurement"
    decision = house.coordinator.data
    assert float(allocated.state) == pytest.approx(decision.site.allocated_w)
    assert float(state(hass, "sensor", f"{hub_id}_surplus_power").state) == pytest.approx(
        decision.site.surplus_w
    )
    status = state(hass, "sensor", f"{hub_id}_status")
    assert status.state == "ok"
    assert status.attributes["options"] == ["ok", "degraded", "failsafe"]
    assert status.attributes["bad_entities"] == []
    assert status.attributes["path"] == house.coordinator.data.path.value
    assert state(hass, "select", f"{hub_id}_distribution").state == "priority"
    assert state(hass, "switch", f"{hub_id}_grid_import").state == "on"
    maximum = state(hass, "number", f"{hub_id}_max_import_power")
    assert maximum.state == "0.0"  # no limit
    assert maximum.attributes["mode"] == "box"
    assert maximum.entity_id == "number.home_maximum_import_power"
    assert maximum.attributes["friendly_name"] == "Home Maximum import power (0 = no limit)"
    assert state(hass, "number", f"{hub_id}_battery_soc_min").state == "10.0"
    assert state(hass, "number", f"{hub_id}_battery_soc_target").state == "80.0"
    assert state(hass, "number", f"{hub_id}_battery_soc_hysteresis").state == "5.0"


async def test_hub_without_a_battery_on_one_phase(hass: HomeAssistant) -> None:
    house = await setup_house(hass, battery=False, phases=1)
    entries = registered(hass, device(hass, house.entry.entry_id).id)
    assert keys_by_platform(entries) == {
        "sensor": {
            "available_current_a",
            "household_current_a",
            "surplus_power",
            "allocated_power",
            "status",
        },
        "select": {"distribution"},
        "number": {"max_import_power"},
        "switch": {"grid_import"},
    }


async def test_one_device_per_load_under_the_hub(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    hub = device(hass, house.entry.entry_id)
    expected = {
        "Garage": ("EV charger", "evse", LOAD_KEYS),
        "Heater": ("Switched load", "switch", {**LOAD_KEYS, "number": {"priority"}}),
        "Boiler": ("Variable load", "number", LOAD_KEYS),
    }
    for title, (model, model_id, keys) in expected.items():
        subentry_id = house.loads[title]
        load = device(hass, subentry_id)
        assert (load.name, load.model, load.model_id) == (title, model, model_id)
        assert load.via_device_id == hub.id
        assert load.config_entries_subentries == {house.entry.entry_id: {subentry_id}}
        entries = registered(hass, load.id)
        assert keys_by_platform(entries) == keys, title
        assert all(e.unique_id == f"{subentry_id}_{k}" for k, e in entries.items())
        assert all(e.config_subentry_id == subentry_id for e in entries.values())
        categories = {key: entry.entity_category for key, entry in entries.items()}
        assert categories["priority"] is CONFIG
        assert categories["dynamic_control"] is CONFIG
        assert categories["mode"] is None
        assert categories["status"] is None
        assert categories.get("min_current", CONFIG) is CONFIG


async def test_removing_a_load_removes_its_device_and_entities(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    heater_id = house.loads["Heater"]
    mode = entity_id(hass, "select", f"{heater_id}_mode")
    assert hass.config_entries.async_remove_subentry(house.entry, heater_id)
    await hass.async_block_till_done()
    assert dr.async_get(hass).async_get_device(identifiers={(DOMAIN, heater_id)}) is None
    assert er.async_get(hass).async_get(mode) is None
    assert hass.states.get(mode) is None


async def test_mode_options_follow_the_kind_most_urgent_first(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    garage = state(hass, "select", f"{house.loads['Garage']}_mode")
    heater = state(hass, "select", f"{house.loads['Heater']}_mode")
    assert garage.attributes["options"] == ["standard", "eco", "solar", "excess", "off"]
    assert heater.attributes["options"] == ["on", "solar", "excess", "off"]
    assert (garage.state, heater.state) == ("standard", "on")
    kinds = {k.value: {m.value for m in modes} for k, modes in MODES_BY_KIND.items()}
    assert set(garage.attributes["options"]) == kinds["evse"]
    assert set(heater.attributes["options"]) == kinds["switch"]


async def test_load_sensors_of_each_kind(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    decision = house.coordinator.data
    for title in ("Garage", "Heater", "Boiler"):
        load_id = house.loads[title]
        allocation = decision.allocations[load_id]
        current = state(hass, "sensor", f"{load_id}_allocated_current")
        assert float(current.state) == pytest.approx(allocation.current_a), title
        assert current.attributes["unit_of_measurement"] == "A"
        power = state(hass, "sensor", f"{load_id}_allocated_power")
        assert float(power.state) == pytest.approx(allocation.power_w), title
        assert power.attributes["state_class"] == "measurement"
        energy = state(hass, "sensor", f"{load_id}_energy")
        assert energy.attributes["state_class"] == "total_increasing"
        assert energy.attributes["unit_of_measurement"] == "kWh"
        assert energy.attributes["device_class"] == "energy"
        status = state(hass, "sensor", f"{load_id}_status")
        assert status.state == allocation.reason.value, title
        assert status.attributes["message"] == allocation.message
        assert status.attributes["options"] == LOAD_STATES
        assert status.attributes["device_ready"] is True, title
        assert status.attributes["device_mismatch"] is None
        assert status.attributes["boost_active"] is False
    heater = house.loads["Heater"]
    assert state(hass, "sensor", f"{heater}_allocated_current").state == "10.0"
    assert state(hass, "sensor", f"{heater}_status").attributes["reported_current_a"] == 10.0
    garage_status = state(hass, "sensor", f"{house.loads['Garage']}_status")
    assert garage_status.attributes["commanded_current_a"] == house.limits()[-1]


async def test_energy_accumulates_and_reaches_statistics(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    house = await setup_house(hass)
    heater = house.loads["Heater"]
    for _ in range(36):  # six minutes at 2.3 kW: 0.23 kWh
        await tick(hass, freezer, house)
    assert float(state(hass, "sensor", f"{heater}_energy").state) == pytest.approx(0.23, rel=0.05)


async def test_a_waiting_load_shows_its_timer(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    house = await setup_house(hass, battery=False)
    heater = house.loads["Heater"]
    mode = entity_id(hass, "select", f"{heater}_mode")
    await hass.services.async_call(
        "select", "select_option", {"entity_id": mode, "option": "solar"}, blocking=True
    )
    await tick(hass, freezer, house)
    status = state(hass, "sensor", f"{heater}_status")
    assert status.state == Reason.PAUSED  # it just stopped: the minimum pause runs
    assert 0 < status.attributes["timer_s"] <= 180
    until = status.attributes["until"]
    await tick(hass, freezer, house, 30)
    status = state(hass, "sensor", f"{heater}_status")
    assert status.attributes["until"] == until  # the end does not move as the time runs
    assert "pause" in status.attributes["message"]


async def test_a_relay_that_does_not_follow_is_reported(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    house = await setup_house(hass)
    heater = house.loads["Heater"]
    hass.states.async_set(HEATER, "off")  # someone pulls the plug's own button
    await tick(hass, freezer, house, 40)
    status = state(hass, "sensor", f"{heater}_status")
    assert status.attributes["device_mismatch"] == "switch is off, asked on"
    assert status.attributes["reported_current_a"] == 0.0


async def test_stale_grid_sensor_shows_degraded_then_failsafe(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    house = await setup_house(hass)
    hub_id = house.entry.entry_id
    hass.states.async_set("sensor.grid_l3", "unavailable")
    await hass.async_block_till_done()
    status = state(hass, "sensor", f"{hub_id}_status")
    assert status.state == "degraded"
    assert status.attributes["bad_entities"] == ["sensor.grid_l3"]
    for _ in range(7):  # past the 60 s hold; phases A and B go on reporting
        freezer.tick(10)
        set_grid(hass, 14.0, 4.0)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    status = state(hass, "sensor", f"{hub_id}_status")
    assert status.state == "failsafe"
    assert status.attributes["path"] == "failsafe"
    # Without readings the site has no figure for the phases: unknown, never NaN.
    assert state(hass, "sensor", f"{hub_id}_available_current_a").state == "unknown"
    assert state(hass, "sensor", f"{hub_id}_surplus_power").state == "unknown"
    assert "failsafe" in status.attributes["message"]
    heater = state(hass, "sensor", f"{house.loads['Heater']}_status")
    assert heater.state == Reason.FAILSAFE


async def test_battery_below_target_is_visible(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A Solar heater with sun: at 50 % the battery goes first, at 85 % the heater runs."""
    house = await setup_house(hass)
    heater = house.loads["Heater"]
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": entity_id(hass, "select", f"{heater}_mode"), "option": "solar"},
        blocking=True,
    )
    for title in ("Garage", "Boiler"):
        await hass.services.async_call(
            "select",
            "select_option",
            {"entity_id": entity_id(hass, "select", f"{house.loads[title]}_mode"), "option": "off"},
            blocking=True,
        )
    hass.states.async_set(SOLAR, "6000", WATTS)
    hass.states.async_set(BATTERY_POWER, "3000", WATTS)
    house.household_a = [-12.0, 0.0, 0.0]  # 2.76 kW of export besides the battery's 3 kW
    for _ in range(20):
        await tick(hass, freezer, house)
    status = state(hass, "sensor", f"{heater}_status")
    assert status.state == Reason.BATTERY_PRIORITY
    assert status.attributes["message"].startswith("battery charges first")
    assert hass.states.get(HEATER).state == "off"
    hass.states.async_set(BATTERY_SOC, "85", {"unit_of_measurement": "%"})
    for _ in range(20):
        await tick(hass, freezer, house)
    assert state(hass, "sensor", f"{heater}_status").state == Reason.AT_MAXIMUM
    assert hass.states.get(HEATER).state == "on"


async def test_entities_go_unavailable_when_the_hub_is_unloaded(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    status = entity_id(hass, "sensor", f"{house.loads['Garage']}_status")
    assert await hass.config_entries.async_unload(house.entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(status).state == STATE_UNAVAILABLE


async def test_no_decision_means_unavailable(hass: HomeAssistant) -> None:
    house: House = await setup_house(hass)
    coordinator = house.coordinator
    coordinator.async_set_updated_data(None)
    await hass.async_block_till_done()
    for key in ("status", "surplus_power"):
        assert state(hass, "sensor", f"{house.entry.entry_id}_{key}").state == STATE_UNAVAILABLE
    assert state(hass, "select", f"{house.loads['Garage']}_mode").state == STATE_UNAVAILABLE
