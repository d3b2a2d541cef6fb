"""A charger behind the lbbrhzn/ocpp integration, end to end: grid sensors in, profiles out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ampwise.const import (
    CONF_CONNECTOR,
    CONF_GRID_SENSORS,
    CONF_GRID_SIGN,
    CONF_INTERVAL,
    CONF_LINES,
    CONF_MAIN_BREAKER,
    CONF_MAX_CURRENT,
    CONF_METERING,
    CONF_MIN_CURRENT,
    CONF_MODE,
    CONF_OCPP_DEVICE,
    CONF_PHASES,
    CONF_PRIORITY,
    CONF_PROFILE_TIMEOUT,
    CONF_PROFILE_VALIDITY,
    CONF_RATE_UNIT,
    CONF_STACK_LEVEL,
    CONF_VOLTAGE,
    DOMAIN,
    METERING_PER_PHASE,
    PROFILE_ID_DYNAMIC,
    PROFILE_ID_SAFE,
    SIGN_IMPORT_POSITIVE,
    SUBENTRY_EVSE,
    UNIT_AUTO,
    VALIDITY_ABSOLUTE,
)
from tests.ha.actuator_fixtures import FakeOcpp, add_charger, set_phases

GRID = ("sensor.grid_l1", "sensor.grid_l2", "sensor.grid_l3")
AMPS = {"unit_of_measurement": "A"}


def set_grid(hass: HomeAssistant, *amps: float) -> None:
    for entity_id, value in zip(GRID, amps, strict=True):
        hass.states.async_set(entity_id, str(value), AMPS)


async def start(
    hass: HomeAssistant, charger_device: str, mode: str = "standard"
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={
            CONF_PHASES: 3,
            CONF_VOLTAGE: 230,
            CONF_MAIN_BREAKER: 25,
            CONF_METERING: METERING_PER_PHASE,
            CONF_GRID_SENSORS: list(GRID),
            CONF_GRID_SIGN: SIGN_IMPORT_POSITIVE,
        },
        options={CONF_INTERVAL: 10},
        subentries_data=[
            {
                "data": {
                    CONF_OCPP_DEVICE: charger_device,
                    CONF_CONNECTOR: 1,
                    CONF_MIN_CURRENT: 6,
                    CONF_MAX_CURRENT: 16,
                    CONF_LINES: ["A", "B", "C"],
                    CONF_MODE: mode,
                    CONF_PRIORITY: 1,
                    CONF_PROFILE_VALIDITY: VALIDITY_ABSOLUTE,
                    CONF_PROFILE_TIMEOUT: 120,
                    CONF_STACK_LEVEL: 2,
                    CONF_RATE_UNIT: UNIT_AUTO,
                },
                "subentry_type": SUBENTRY_EVSE,
                "title": "Garage",
                "unique_id": f"{charger_device}_1",
            }
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def limits(ocpp: FakeOcpp) -> list[float]:
    """The limits of the dynamic profiles sent, in order."""
    return [
        p["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        for p in ocpp.profiles
        if p["chargingProfileId"] == PROFILE_ID_DYNAMIC
    ]


@pytest.fixture
def charger(hass: HomeAssistant) -> tuple[FakeOcpp, str, dict[str, str]]:
    ocpp = FakeOcpp(configuration={"ChargingScheduleAllowedChargingRateUnit": "Current"})
    ocpp.register(hass)
    device_id, entities = add_charger(hass)
    hass.states.async_set(entities["status_connector"], "Charging")
    set_phases(hass, entities["current_import"], 0.0, 0.0, 0.0)
    return ocpp, device_id, entities


async def test_charger_gets_the_safe_profile_then_its_share(
    hass: HomeAssistant, charger: tuple[FakeOcpp, str, dict[str, str]]
) -> None:
    ocpp, device_id, _ = charger
    set_grid(hass, 4.0, 4.0, 4.0)
    await start(hass, device_id)
    safe = [p for p in ocpp.profiles if p["chargingProfileId"] == PROFILE_ID_SAFE]
    assert safe
    assert safe[0]["stackLevel"] == 1
    assert safe[0]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 6.0
    # 25 A - 4 A household: 21 A free, the first ramp step from 6 A: 11 A.
    assert limits(ocpp)[-1] == 11.0
    assert all(call["devid"] == "charger" for call in ocpp.set_calls)


async def test_a_grid_spike_sends_a_lower_profile_in_the_same_turn(
    hass: HomeAssistant,
    charger: tuple[FakeOcpp, str, dict[str, str]],
    freezer: FrozenDateTimeFactory,
) -> None:
    ocpp, device_id, entities = charger
    set_grid(hass, 4.0, 4.0, 4.0)
    await start(hass, device_id)
    for _ in range(3):  # ramp to full speed; the charger draws what it is offered
        offered = limits(ocpp)[-1]
        set_phases(hass, entities["current_import"], offered, offered, offered)
        set_grid(hass, 4.0 + offered, 4.0 + offered, 4.0 + offered)
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert limits(ocpp)[-1] == 16.0
    set_phases(hass, entities["current_import"], 16.0, 16.0, 16.0)
    sent = len(ocpp.set_calls)
    # An oven on phase B: 13 A more there. 4 + 13 + 16 = 33 A on a 25 A breaker.
    set_grid(hass, 20.0, 33.0, 20.0)
    await hass.async_block_till_done()
    assert len(ocpp.set_calls) > sent
    # Phase B: 25 - (33 - 16) = 8 A for the charger, sent without waiting for the interval.
    assert limits(ocpp)[-1] == 8.0


@pytest.mark.parametrize(
    ("mode", "grid", "after_start", "after_minute"),
    [
        # Night, 4 A household: Eco gets its minimum from the grid at once.
        ("eco", (4.0, 4.0, 4.0), 6.0, 6.0),
        # 10 A export per phase (6.9 kW): Solar waits out its 60 s start delay, then starts.
        ("solar", (-10.0, -10.0, -10.0), 0.0, 6.0),
        # Excess with a 0 W threshold: the same export, the same delay.
        ("excess", (-10.0, -10.0, -10.0), 0.0, 6.0),
        # Off: a zero profile, whatever the sun does.
        ("off", (-10.0, -10.0, -10.0), 0.0, 0.0),
    ],
)
async def test_each_mode_reaches_the_charger(
    hass: HomeAssistant,
    charger: tuple[FakeOcpp, str, dict[str, str]],
    freezer: FrozenDateTimeFactory,
    mode: str,
    grid: tuple[float, float, float],
    after_start: float,
    after_minute: float,
) -> None:
    ocpp, device_id, _ = charger
    set_grid(hass, *grid)
    await start(hass, device_id, mode)
    assert limits(ocpp)[-1] == after_start
    for _ in range(7):  # the charger still draws nothing: the meter reads the same
        freezer.tick(timedelta(seconds=10))
        set_grid(hass, *grid)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    # Solar/Excess start at their minimum and then ramp: at least the minimum after a minute.
    assert limits(ocpp)[-1] >= after_minute
    if after_minute == 0.0:
        assert limits(ocpp)[-1] == 0.0
