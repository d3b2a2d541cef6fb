"""Diagnostics: the configuration, settings, recent decisions and devices, with the chargers'
identifiers redacted wherever they appear."""

from __future__ import annotations

import json
from typing import Any

import aiohasupervisor  # noqa: F401 - imported before the clock is frozen (freezegun breaks it)
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ampwise.const import CONF_OCPP_DEVICE, DOMAIN, SETTING_MODE
from tests.ha.test_entities_common import CPID, GRID, House, setup_house, tick


async def house_with_history(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> House:
    assert await async_setup_component(hass, "diagnostics", {})
    house = await setup_house(hass)
    house.coordinator.update_load_setting(house.loads["Heater"], SETTING_MODE, "solar")
    for _ in range(3):
        await tick(hass, freezer, house)
    return house


def dumped(data: dict[str, Any]) -> str:
    return json.dumps(data)


async def test_config_entry_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, freezer: FrozenDateTimeFactory
) -> None:
    house = await house_with_history(hass, freezer)
    data = await get_diagnostics_for_config_entry(hass, hass_client, house.entry)
    text = dumped(data)
    # The charger's device id and charge point id (its serial) appear nowhere.
    assert house.charger_device not in text
    assert CPID not in text
    garage = house.loads["Garage"]
    subentries = {s["subentry_id"]: s for s in data["entry"]["subentries"]}
    assert subentries[garage]["data"][CONF_OCPP_DEVICE] == REDACTED
    assert subentries[garage]["unique_id"] == REDACTED  # it is built from the device id
    assert subentries[garage]["title"] == "Garage"
    assert data["devices"][garage]["detail"]["charge_point"] == REDACTED
    # Names, titles and the sensors' entity ids stay readable.
    assert data["entry"]["title"] == "Home"
    assert data["entry"]["data"]["grid_sensors"] == list(GRID)
    assert data["entry"]["options"] == {"interval_s": 10}
    # The settings and the site as the engine sees it.
    assert data["settings"]["loads"][house.loads["Heater"]]["mode"] == "solar"
    assert data["site"]["main_breaker_a"] == 25.0
    assert data["site"]["battery"]["soc_target_pct"] == 80.0
    # The current decision with reasons and messages.
    decision = house.coordinator.data
    assert data["decision"]["path"] == decision.path.value
    heater = data["decision"]["allocations"][house.loads["Heater"]]
    assert heater["reason"] == decision.allocations[house.loads["Heater"]].reason.value
    assert heater["message"]
    assert data["decision"]["site"]["headroom_a"] == list(decision.site.headroom_a)
    # The last decisions, oldest first.
    history = data["history"]
    assert len(history) == len(house.coordinator.history)
    assert history[-1]["path"] == decision.path.value
    assert set(history[-1]["loads"]) == set(house.loads.values())
    assert set(history[-1]["loads"][garage]) == {"current_a", "reason"}
    assert history[0]["time"] <= history[-1]["time"]
    # Each device: what it was told, what it says, and the charger's capabilities.
    detail = data["devices"][garage]["detail"]
    assert detail["rate_unit"] == "A"
    assert detail["stack_level"] == 2
    assert data["devices"][garage]["ready"] is True
    assert data["devices"][house.loads["Heater"]]["detail"]["entity"] == "input_boolean.heater"
    assert set(data["energy_kwh"]) <= set(house.loads.values())
    assert data["bad_entities"] == []


async def test_load_device_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, freezer: FrozenDateTimeFactory
) -> None:
    house = await house_with_history(hass, freezer)
    registry = dr.async_get(hass)
    garage = house.loads["Garage"]
    device = registry.async_get_device(identifiers={(DOMAIN, garage)})
    data = await get_diagnostics_for_device(hass, hass_client, house.entry, device)
    assert house.charger_device not in dumped(data)
    assert CPID not in dumped(data)
    assert data["load"]["title"] == "Garage"
    assert data["load"]["kind"] == "evse"
    assert data["load"]["data"][CONF_OCPP_DEVICE] == REDACTED
    assert data["engine_load"]["max_a"] == 16.0
    assert data["allocation"]["reason"] == house.coordinator.data.allocations[garage].reason
    assert data["device"]["detail"]["charge_point"] == REDACTED
    assert data["boosting"] is False
    assert all(set(entry["loads"]) == {garage} for entry in data["history"])

    hub = registry.async_get_device(identifiers={(DOMAIN, house.entry.entry_id)})
    whole = await get_diagnostics_for_device(hass, hass_client, house.entry, hub)
    assert set(whole) >= {"entry", "settings", "decision", "history", "devices"}
