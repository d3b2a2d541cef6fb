"""The house the entity, service and diagnostics tests run: set-up and look-ups, no tests.

A 3-phase 25 A site metered per phase, with solar and (optionally) a battery, and one load of
each kind: an EV charger behind the fake lbbrhzn/ocpp integration, a heater on a relay
(`input_boolean`) and a boiler set through an `input_number` in amps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ampwise.const import (
    CONF_BATTERY_POWER_SENSOR,
    CONF_BATTERY_SOC_SENSOR,
    CONF_CONNECTOR,
    CONF_GRID_SENSORS,
    CONF_GRID_SIGN,
    CONF_INTERVAL,
    CONF_LINES,
    CONF_MAIN_BREAKER,
    CONF_MAX_CURRENT,
    CONF_MAX_VALUE,
    CONF_METERING,
    CONF_MIN_CURRENT,
    CONF_MIN_VALUE,
    CONF_MODE,
    CONF_NUMBER_ENTITY,
    CONF_NUMBER_UNIT,
    CONF_OCPP_DEVICE,
    CONF_PHASES,
    CONF_POWER,
    CONF_PRIORITY,
    CONF_PROFILE_TIMEOUT,
    CONF_PROFILE_VALIDITY,
    CONF_RATE_UNIT,
    CONF_SOLAR_SENSOR,
    CONF_STACK_LEVEL,
    CONF_SWITCH_ENTITY,
    CONF_VOLTAGE,
    DOMAIN,
    METERING_PER_PHASE,
    PROFILE_ID_DYNAMIC,
    SIGN_IMPORT_POSITIVE,
    SUBENTRY_EVSE,
    SUBENTRY_NUMBER,
    SUBENTRY_SWITCH,
    UNIT_AMPS,
    UNIT_AUTO,
    VALIDITY_ABSOLUTE,
)
from tests.ha.actuator_fixtures import FakeOcpp, add_charger, set_phases

GRID = ("sensor.grid_l1", "sensor.grid_l2", "sensor.grid_l3")
SOLAR = "sensor.solar_power"
BATTERY_POWER = "sensor.battery_power"
BATTERY_SOC = "sensor.battery_soc"
HEATER = "input_boolean.heater"
BOILER = "input_number.boiler"
AMPS = {"unit_of_measurement": "A"}
WATTS = {"unit_of_measurement": "W"}
CPID = "EVB-P2023-0042"


@dataclass
class House:
    """A loaded hub and what the tests look at."""

    entry: MockConfigEntry
    ocpp: FakeOcpp
    charger_device: str
    charger_entities: dict[str, str]
    loads: dict[str, str] = field(default_factory=dict)  # title -> subentry id
    phases: int = 3
    household_a: list[float] = field(default_factory=list)  # per phase, without the loads

    @property
    def coordinator(self) -> Any:
        return self.entry.runtime_data.coordinator

    def limits(self) -> list[float]:
        """The limits of the dynamic profiles sent to the charger, in order."""
        return [
            p["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
            for p in self.ocpp.profiles
            if p["chargingProfileId"] == PROFILE_ID_DYNAMIC
        ]


def set_grid(hass: HomeAssistant, *amps: float) -> None:
    for entity_id, value in zip(GRID, amps, strict=False):
        hass.states.async_set(entity_id, str(value), AMPS)


def house_entry(
    charger_device: str, *, battery: bool = True, phases: int = 3, **site: Any
) -> MockConfigEntry:
    data: dict[str, Any] = {
        CONF_PHASES: phases,
        CONF_VOLTAGE: 230,
        CONF_MAIN_BREAKER: 25,
        CONF_METERING: METERING_PER_PHASE,
        CONF_GRID_SENSORS: list(GRID[:phases]),
        CONF_GRID_SIGN: SIGN_IMPORT_POSITIVE,
        CONF_SOLAR_SENSOR: SOLAR,
        **site,
    }
    if battery:
        data[CONF_BATTERY_POWER_SENSOR] = BATTERY_POWER
        data[CONF_BATTERY_SOC_SENSOR] = BATTERY_SOC
    lines = ["A", "B", "C"][:phases]
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data=data,
        options={CONF_INTERVAL: 10},
        subentries_data=[
            {
                "data": {
                    CONF_OCPP_DEVICE: charger_device,
                    CONF_CONNECTOR: 1,
                    CONF_MIN_CURRENT: 6,
                    CONF_MAX_CURRENT: 16,
                    CONF_LINES: lines,
                    CONF_MODE: "standard",
                    CONF_PRIORITY: 1,
                    CONF_PROFILE_VALIDITY: VALIDITY_ABSOLUTE,
                    CONF_PROFILE_TIMEOUT: 120,
                    CONF_STACK_LEVEL: 2,
                    CONF_RATE_UNIT: UNIT_AUTO,
                },
                "subentry_type": SUBENTRY_EVSE,
                "title": "Garage",
                "unique_id": f"{charger_device}_1",
            },
            {
                "data": {
                    CONF_SWITCH_ENTITY: HEATER,
                    CONF_POWER: 2300,
                    CONF_LINES: ["A"],
                    CONF_MODE: "on",
                    CONF_PRIORITY: 2,
                },
                "subentry_type": SUBENTRY_SWITCH,
                "title": "Heater",
                "unique_id": HEATER,
            },
            {
                "data": {
                    CONF_NUMBER_ENTITY: BOILER,
                    CONF_NUMBER_UNIT: UNIT_AMPS,
                    CONF_MIN_VALUE: 2,
                    CONF_MAX_VALUE: 10,
                    CONF_LINES: ["A"] if phases == 1 else ["B"],
                    CONF_MODE: "standard",
                    CONF_PRIORITY: 3,
                },
                "subentry_type": SUBENTRY_NUMBER,
                "title": "Boiler",
                "unique_id": BOILER,
            },
        ],
    )


async def setup_house(hass: HomeAssistant, *, battery: bool = True, phases: int = 3) -> House:
    """Devices, sensors and the hub, loaded; the grid at 4 A a phase, no sun, battery at 50 %."""
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"heater": {}}})
    assert await async_setup_component(
        hass,
        "input_number",
        {"input_number": {"boiler": {"min": 0, "max": 16, "step": 1, "unit_of_measurement": "A"}}},
    )
    ocpp = FakeOcpp(configuration={"ChargingScheduleAllowedChargingRateUnit": "Current"})
    ocpp.register(hass)
    device_id, entities = add_charger(hass, cpid=CPID)
    hass.states.async_set(entities["status_connector"], "Charging")
    set_phases(hass, entities["current_import"], 0.0, 0.0, 0.0)
    set_grid(hass, *(4.0,) * phases)
    hass.states.async_set(SOLAR, "0", WATTS)
    hass.states.async_set(BATTERY_POWER, "0", WATTS)
    hass.states.async_set(BATTERY_SOC, "50", {"unit_of_measurement": "%"})
    entry = house_entry(device_id, battery=battery, phases=phases)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    loads = {subentry.title: subentry.subentry_id for subentry in entry.subentries.values()}
    house = House(entry, ocpp, device_id, entities, loads, phases, [4.0] * phases)
    meter(hass, house)
    await hass.async_block_till_done()
    return house


def entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, f"no {platform} with unique id {unique_id}"
    return found


def state(hass: HomeAssistant, platform: str, unique_id: str) -> State:
    found = hass.states.get(entity_id(hass, platform, unique_id))
    assert found is not None
    return found


def meter(hass: HomeAssistant, house: House) -> None:
    """The meters report: the charger draws what it is offered, the grid carries the
    household plus every load."""
    limits = house.limits()
    charger_a = limits[-1] if limits else 0.0
    set_phases(hass, house.charger_entities["current_import"], *(charger_a,) * house.phases)
    grid = [household + charger_a for household in house.household_a]
    if (heater := hass.states.get(HEATER)) is not None and heater.state == "on":
        grid[0] += 10.0
    if (boiler := hass.states.get(BOILER)) is not None:
        grid[min(1, house.phases - 1)] += float(boiler.state)
    set_grid(hass, *grid)


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, house: House, seconds: float = 10
) -> None:
    """Time passes by one optimisation interval (or as asked); the meters report."""
    freezer.tick(timedelta(seconds=seconds))
    meter(hass, house)
    await hass.async_block_till_done()
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def reload(hass: HomeAssistant, house: House) -> None:
    assert await hass.config_entries.async_reload(house.entry.entry_id)
    await hass.async_block_till_done()
    assert house.entry.state is ConfigEntryState.LOADED
