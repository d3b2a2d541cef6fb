"""Changing a setting through its entity changes what the device is told, and the setting
survives a reload."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from custom_components.ampwise.const import SETTING_MAX_IMPORT
from custom_components.ampwise.engine import Reason, Strategy
from tests.ha.test_entities_common import (
    HEATER,
    House,
    entity_id,
    meter,
    reload,
    setup_house,
    state,
    tick,
)


async def call(hass: HomeAssistant, domain: str, service: str, target: str, **data: Any) -> None:
    await hass.services.async_call(domain, service, {"entity_id": target, **data}, blocking=True)
    await hass.async_block_till_done()


async def select(hass: HomeAssistant, house: House, unique_id: str, option: str) -> None:
    await call(hass, "select", "select_option", entity_id(hass, "select", unique_id), option=option)
    await settle(hass, house)


async def set_number(hass: HomeAssistant, house: House, unique_id: str, value: float) -> None:
    await call(hass, "number", "set_value", entity_id(hass, "number", unique_id), value=value)
    await settle(hass, house)


async def switch(hass: HomeAssistant, house: House, unique_id: str, on: bool) -> None:
    service = "turn_on" if on else "turn_off"
    await call(hass, "switch", service, entity_id(hass, "switch", unique_id))
    await settle(hass, house)


async def settle(hass: HomeAssistant, house: House) -> None:
    """The meters show the change (twice: the first reading may free room for a second)."""
    for _ in range(2):
        meter(hass, house)
        await hass.async_block_till_done()


async def only_the_charger(hass: HomeAssistant, house: House) -> None:
    for title in ("Heater", "Boiler"):
        await select(hass, house, f"{house.loads[title]}_mode", "off")


async def test_mode_of_a_relay_switches_it_and_survives_a_reload(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    heater = house.loads["Heater"]
    assert hass.states.get(HEATER).state == "on"
    await select(hass, house, f"{heater}_mode", "off")
    assert hass.states.get(HEATER).state == "off"
    assert state(hass, "sensor", f"{heater}_status").state == Reason.OFF
    await reload(hass, house)
    assert state(hass, "select", f"{heater}_mode").state == "off"
    assert hass.states.get(HEATER).state == "off"
    await select(hass, house, f"{heater}_mode", "on")
    assert hass.states.get(HEATER).state == "on"


async def test_mode_of_a_charger_sends_a_zero_profile_and_survives_a_reload(
    hass: HomeAssistant,
) -> None:
    house = await setup_house(hass)
    garage = house.loads["Garage"]
    assert house.limits()[-1] > 0
    await select(hass, house, f"{garage}_mode", "off")
    assert house.limits()[-1] == 0
    await reload(hass, house)
    assert state(hass, "select", f"{garage}_mode").state == "off"
    assert house.limits()[-1] == 0


async def test_a_mode_the_kind_lacks_is_refused(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    mode = entity_id(hass, "select", f"{house.loads['Heater']}_mode")
    with pytest.raises(ServiceValidationError):  # Home Assistant checks the options first
        await call(hass, "select", "select_option", mode, option="eco")
    assert hass.states.get(mode).state == "on"


async def test_distribution_strategy(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    key = f"{house.entry.entry_id}_distribution"
    await select(hass, house, key, "shared")
    assert house.coordinator.site().distribution is Strategy.SHARED
    assert state(hass, "select", key).state == "shared"
    await reload(hass, house)
    assert house.coordinator.site().distribution is Strategy.SHARED
    assert state(hass, "select", key).state == "shared"


async def test_grid_import_off_stops_standard_charging_without_sun(hass: HomeAssistant) -> None:
    house = await setup_house(hass, battery=False)
    key = f"{house.entry.entry_id}_grid_import"
    assert house.limits()[-1] > 0
    await switch(hass, house, key, on=False)
    assert state(hass, "switch", key).state == "off"
    assert house.limits()[-1] == 0
    garage_status = state(hass, "sensor", f"{house.loads['Garage']}_status")
    assert garage_status.state == Reason.INSUFFICIENT_POWER
    assert "solar and battery" in garage_status.attributes["message"]
    assert hass.states.get(HEATER).state == "on"  # On relays do not depend on the switch
    await reload(hass, house)
    assert state(hass, "switch", key).state == "off"
    assert house.limits()[-1] == 0
    await switch(hass, house, key, on=True)
    assert house.limits()[-1] > 0


async def test_max_import_caps_the_charger_and_zero_means_no_limit(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    house = await setup_house(hass)
    await only_the_charger(hass, house)
    key = f"{house.entry.entry_id}_max_import_power"
    # 2760 W of household import; 7000 W leaves 4240 W: 6.1 A on three phases.
    await set_number(hass, house, key, 7000)
    assert state(hass, "number", key).state == "7000.0"
    assert 6.0 <= house.limits()[-1] <= 6.2
    await reload(hass, house)
    assert state(hass, "number", key).state == "7000.0"
    assert 6.0 <= house.limits()[-1] <= 6.2
    await set_number(hass, house, key, 0)
    assert house.coordinator.settings.hub[SETTING_MAX_IMPORT] is None
    assert house.coordinator.site().max_import_w is None
    assert state(hass, "number", key).state == "0.0"
    for _ in range(3):
        await tick(hass, freezer, house)
    assert house.limits()[-1] == 16.0


async def test_current_limits_reach_the_charger_and_stay_in_order(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    house = await setup_house(hass)
    await only_the_charger(hass, house)
    garage = house.loads["Garage"]
    await set_number(hass, house, f"{garage}_max_current", 10)
    for _ in range(3):
        await tick(hass, freezer, house)
    assert house.limits()[-1] == 10.0
    with pytest.raises(ServiceValidationError) as raised:
        await set_number(hass, house, f"{garage}_min_current", 12)
    assert raised.value.translation_key == "min_above_max"
    assert raised.value.translation_placeholders == {"load": "Garage", "min": "12", "max": "10"}
    await set_number(hass, house, f"{garage}_min_current", 8)
    await reload(hass, house)
    assert state(hass, "number", f"{garage}_max_current").state == "10.0"
    assert state(hass, "number", f"{garage}_min_current").state == "8.0"
    for _ in range(3):
        await tick(hass, freezer, house)
    assert house.limits()[-1] == 10.0
    with pytest.raises(ServiceValidationError) as raised:
        await set_number(hass, house, f"{garage}_max_current", 7)
    assert raised.value.translation_key == "min_above_max"
    assert state(hass, "number", f"{garage}_max_current").state == "10.0"


async def test_a_limit_outside_the_configured_range_is_refused(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    boiler = house.loads["Boiler"]
    with pytest.raises(ServiceValidationError):  # Home Assistant checks min and max first
        await set_number(hass, house, f"{boiler}_max_current", 12)
    await set_number(hass, house, f"{boiler}_max_current", 4.5)
    assert state(hass, "number", f"{boiler}_max_current").state == "4.5"
    assert house.coordinator.data.allocations[boiler].current_a <= 4.5


async def test_priority(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    boiler = house.loads["Boiler"]
    await set_number(hass, house, f"{boiler}_priority", 1)
    assert state(hass, "number", f"{boiler}_priority").state == "1"
    await reload(hass, house)
    assert state(hass, "number", f"{boiler}_priority").state == "1"
    loads = {load.id: load for load in house.coordinator.engine_loads(0)}
    assert loads[boiler].priority == 1


async def test_battery_thresholds(hass: HomeAssistant) -> None:
    house = await setup_house(hass)
    hub_id = house.entry.entry_id
    await set_number(hass, house, f"{hub_id}_battery_soc_target", 90)
    await set_number(hass, house, f"{hub_id}_battery_soc_min", 20)
    await set_number(hass, house, f"{hub_id}_battery_soc_hysteresis", 10)
    with pytest.raises(ServiceValidationError) as raised:
        await set_number(hass, house, f"{hub_id}_battery_soc_min", 95)
    assert raised.value.translation_key == "soc_min_above_target"
    with pytest.raises(ServiceValidationError):
        await set_number(hass, house, f"{hub_id}_battery_soc_target", 15)
    await reload(hass, house)
    battery = house.coordinator.site().battery
    assert (battery.soc_min_pct, battery.soc_target_pct, battery.hysteresis_pct) == (20, 90, 10)
    assert state(hass, "number", f"{hub_id}_battery_soc_target").state == "90.0"


async def test_dynamic_control_off_leaves_the_load_at_its_failsafe(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    house = await setup_house(hass)
    heater, garage = house.loads["Heater"], house.loads["Garage"]
    await switch(hass, house, f"{heater}_dynamic_control", on=False)
    assert hass.states.get(HEATER).state == "off"  # a relay's failsafe is off
    status = state(hass, "sensor", f"{heater}_status")
    assert status.state == "uncontrolled"
    assert state(hass, "sensor", f"{heater}_allocated_current").state == "unknown"
    # The user runs it by hand now; Ampwise leaves it alone.
    await call(hass, "input_boolean", "turn_on", HEATER)
    for _ in range(3):
        await tick(hass, freezer, house)
    assert hass.states.get(HEATER).state == "on"

    await switch(hass, house, f"{garage}_dynamic_control", on=False)
    assert house.limits()[-1] == 6.0  # the charger's failsafe: its minimum
    sent = len(house.ocpp.set_calls)
    await tick(hass, freezer, house)
    assert len(house.ocpp.set_calls) == sent

    await reload(hass, house)
    assert state(hass, "switch", f"{garage}_dynamic_control").state == "off"
    await switch(hass, house, f"{heater}_dynamic_control", on=True)
    assert state(hass, "sensor", f"{heater}_status").state == Reason.AT_MAXIMUM
    assert state(hass, "switch", f"{heater}_dynamic_control").state == "on"
