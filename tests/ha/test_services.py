"""Ampwise's actions: what each does to the loads, and the translated error for each bad call."""

from __future__ import annotations

from typing import Any

import pytest
import voluptuous as vol
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ampwise.const import DOMAIN
from custom_components.ampwise.engine import Reason, Strategy
from tests.ha.test_entities_common import HEATER, House, meter, setup_house, state, tick


def device_id(hass: HomeAssistant, identifier: str) -> str:
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, identifier)})
    assert device is not None
    return device.id


async def act(hass: HomeAssistant, house: House | None, service: str, **data: Any) -> None:
    await hass.services.async_call(DOMAIN, service, data, blocking=True)
    await hass.async_block_till_done()
    if house is not None:  # the meters show the change
        meter(hass, house)
        await hass.async_block_till_done()


async def refused(hass: HomeAssistant, service: str, **data: Any) -> ServiceValidationError:
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(DOMAIN, service, data, blocking=True)
    assert raised.value.translation_domain == DOMAIN
    return raised.value


@pytest.fixture
async def house(hass: HomeAssistant) -> House:
    return await setup_house(hass)


def load(hass: HomeAssistant, house: House, title: str) -> str:
    return device_id(hass, house.loads[title])


def hub(hass: HomeAssistant, house: House) -> str:
    return device_id(hass, house.entry.entry_id)


# --- what they do ---------------------------------------------------------------------------
async def test_set_mode(hass: HomeAssistant, house: House) -> None:
    await act(hass, house, "set_mode", device_id=load(hass, house, "Heater"), mode="off")
    assert hass.states.get(HEATER).state == "off"
    assert state(hass, "select", f"{house.loads['Heater']}_mode").state == "off"
    await act(hass, house, "set_mode", device_id=load(hass, house, "Garage"), mode="off")
    assert house.limits()[-1] == 0


async def test_set_distribution(hass: HomeAssistant, house: House) -> None:
    await act(hass, house, "set_distribution", device_id=hub(hass, house), strategy="strict")
    assert house.coordinator.site().distribution is Strategy.STRICT
    assert state(hass, "select", f"{house.entry.entry_id}_distribution").state == "strict"


async def test_set_current_limits(
    hass: HomeAssistant, house: House, freezer: FrozenDateTimeFactory
) -> None:
    garage = house.loads["Garage"]
    await act(hass, house, "set_mode", device_id=load(hass, house, "Heater"), mode="off")
    await act(hass, house, "set_mode", device_id=load(hass, house, "Boiler"), mode="off")
    await act(
        hass,
        house,
        "set_current_limits",
        device_id=load(hass, house, "Garage"),
        min_current=7,
        max_current=9,
    )
    for _ in range(2):
        await tick(hass, freezer, house)
    assert house.limits()[-1] == 9.0
    assert state(hass, "number", f"{garage}_min_current").state == "7.0"
    # One limit alone: the other stays as it was.
    await act(
        hass, house, "set_current_limits", device_id=load(hass, house, "Garage"), max_current=12
    )
    assert state(hass, "number", f"{garage}_min_current").state == "7.0"
    assert state(hass, "number", f"{garage}_max_current").state == "12.0"
    settings = house.coordinator.settings.load(garage)
    assert (settings["min_a"], settings["max_a"]) == (7, 12)


async def test_boost_for_minutes_then_back(
    hass: HomeAssistant, house: House, freezer: FrozenDateTimeFactory
) -> None:
    heater = house.loads["Heater"]
    await act(hass, house, "set_mode", device_id=load(hass, house, "Heater"), mode="off")
    assert hass.states.get(HEATER).state == "off"
    await act(hass, house, "boost", device_id=load(hass, house, "Heater"), minutes=5)
    assert hass.states.get(HEATER).state == "on"
    status = state(hass, "sensor", f"{heater}_status")
    assert status.attributes["boost_active"] is True
    assert status.attributes["boost_until"] is not None
    assert status.attributes["boost_energy_left_kwh"] is None
    assert state(hass, "select", f"{heater}_mode").state == "off"  # its own mode stays
    for _ in range(31):
        await tick(hass, freezer, house)
    assert hass.states.get(HEATER).state == "off"
    assert state(hass, "sensor", f"{heater}_status").attributes["boost_active"] is False


async def test_boost_by_energy_and_stop_boost(hass: HomeAssistant, house: House) -> None:
    heater = house.loads["Heater"]
    await act(hass, house, "set_mode", device_id=load(hass, house, "Heater"), mode="off")
    await act(hass, house, "boost", device_id=load(hass, house, "Heater"), kwh=1.5)
    status = state(hass, "sensor", f"{heater}_status")
    assert status.attributes["boost_active"] is True
    assert status.attributes["boost_until"] is None
    assert status.attributes["boost_energy_left_kwh"] == 1.5
    assert hass.states.get(HEATER).state == "on"
    await act(hass, house, "stop_boost", device_id=load(hass, house, "Heater"))
    assert hass.states.get(HEATER).state == "off"
    assert state(hass, "sensor", f"{heater}_status").state == Reason.OFF


# --- what they refuse -----------------------------------------------------------------------
async def test_unknown_device(hass: HomeAssistant, house: House) -> None:
    error = await refused(hass, "stop_boost", device_id="nope")
    assert error.translation_key == "unknown_device"
    assert error.translation_placeholders == {"device_id": "nope"}


async def test_a_device_of_another_integration(hass: HomeAssistant, house: House) -> None:
    error = await refused(hass, "set_mode", device_id=house.charger_device, mode="off")
    assert error.translation_key == "not_ampwise_device"


async def test_the_hub_is_not_a_load(hass: HomeAssistant, house: House) -> None:
    error = await refused(hass, "boost", device_id=hub(hass, house), minutes=10)
    assert error.translation_key == "not_a_load"


async def test_a_load_is_not_the_hub(hass: HomeAssistant, house: House) -> None:
    error = await refused(
        hass, "set_distribution", device_id=load(hass, house, "Garage"), strategy="shared"
    )
    assert error.translation_key == "not_a_hub"
    assert error.translation_placeholders == {"hub": "Home"}
    assert str(error).startswith("Choose the hub device of Home, not one of its loads")


async def test_hub_not_loaded(hass: HomeAssistant, house: House) -> None:
    garage = load(hass, house, "Garage")
    assert await hass.config_entries.async_unload(house.entry.entry_id)
    await hass.async_block_till_done()
    error = await refused(hass, "set_mode", device_id=garage, mode="eco")
    assert error.translation_key == "hub_not_loaded"
    assert error.translation_placeholders == {"hub": "Home"}


async def test_a_mode_the_load_does_not_have(hass: HomeAssistant, house: House) -> None:
    error = await refused(hass, "set_mode", device_id=load(hass, house, "Heater"), mode="eco")
    assert error.translation_key == "invalid_mode"
    assert error.translation_placeholders == {
        "mode": "eco",
        "load": "Heater",
        "modes": "on, solar, excess, off",
    }
    error = await refused(hass, "set_mode", device_id=load(hass, house, "Garage"), mode="on")
    assert error.translation_key == "invalid_mode"


async def test_a_mode_nobody_has_fails_the_schema(hass: HomeAssistant, house: House) -> None:
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN, "set_mode", {"device_id": load(hass, house, "Heater"), "mode": "turbo"}
        )


@pytest.mark.parametrize(
    ("title", "data", "key", "placeholders"),
    [
        (
            "Garage",
            {"min_current": 12, "max_current": 10},
            "min_above_max",
            {"load": "Garage", "min": "12", "max": "10"},
        ),
        (
            "Garage",
            {"max_current": 20},
            "limit_out_of_range",
            {"value": "20", "load": "Garage", "low": "6", "high": "16"},
        ),
        ("Boiler", {"min_current": 1}, "limit_out_of_range", None),
        ("Garage", {}, "no_limits_given", {"load": "Garage"}),
        ("Heater", {"max_current": 5}, "no_current_limits", {"load": "Heater"}),
    ],
)
async def test_bad_current_limits(
    hass: HomeAssistant,
    house: House,
    title: str,
    data: dict[str, float],
    key: str,
    placeholders: dict[str, str] | None,
) -> None:
    error = await refused(hass, "set_current_limits", device_id=load(hass, house, title), **data)
    assert error.translation_key == key
    if placeholders is not None:
        assert error.translation_placeholders == placeholders


async def test_a_minimum_above_the_maximum_set_before(hass: HomeAssistant, house: House) -> None:
    garage = load(hass, house, "Garage")
    await act(hass, house, "set_current_limits", device_id=garage, max_current=10)
    error = await refused(hass, "set_current_limits", device_id=garage, min_current=14)
    assert error.translation_key == "min_above_max"
    assert error.translation_placeholders == {"load": "Garage", "min": "14", "max": "10"}


@pytest.mark.parametrize("data", [{}, {"minutes": 10, "kwh": 2}])
async def test_boost_needs_minutes_or_kwh(
    hass: HomeAssistant, house: House, data: dict[str, float]
) -> None:
    error = await refused(hass, "boost", device_id=load(hass, house, "Heater"), **data)
    assert error.translation_key == "boost_minutes_or_kwh"
    assert error.translation_placeholders == {"load": "Heater"}


async def test_services_exist_without_a_hub(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    assert set(hass.services.async_services_for_domain(DOMAIN)) == {
        "set_mode",
        "set_distribution",
        "set_current_limits",
        "boost",
        "stop_boost",
    }
    error = await refused(hass, "stop_boost", device_id="nope")
    assert error.translation_key == "unknown_device"


async def test_a_device_left_without_its_entry(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={(DOMAIN, "gone")}, name="Stray"
    )
    error = await refused(hass, "stop_boost", device_id=device.id)
    assert error.translation_key == "not_ampwise_device"
    assert error.translation_placeholders == {"device": "Stray"}


async def test_yaml_setup_is_refused_with_a_repair(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: {}})
    issue = ir.async_get(hass).async_get_issue("homeassistant", f"config_entry_only_{DOMAIN}")
    assert issue is not None
