"""Relays: on/off commands, readings from a power meter or the rating, and loud failures."""

from __future__ import annotations

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.ampwise.actuators import SwitchActuator, create_actuator
from custom_components.ampwise.const import (
    CONF_POWER,
    CONF_POWER_SENSOR,
    CONF_SWITCH_ENTITY,
    SUBENTRY_SWITCH,
)
from custom_components.ampwise.engine import LoadKind
from tests.ha.actuator_fixtures import T0, allocation, make_load

SWITCH = "switch.boiler"
POWER = "sensor.boiler_power"


@pytest.fixture(autouse=True)
def _clock(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(T0)


def now() -> float:
    return dt_util.utcnow().timestamp()


def relay(
    hass: HomeAssistant,
    *,
    entity: str = SWITCH,
    sensor: str | None = POWER,
    lines: tuple[int, ...] = (0,),
    rated_w: float = 2300.0,
) -> SwitchActuator:
    amps = rated_w / (230 * len(lines))
    load = make_load(
        kind=LoadKind.SWITCH, lines=lines, min_a=amps, max_a=amps, failsafe_a=0, on_off=True
    )
    config: dict[str, object] = {CONF_SWITCH_ENTITY: entity, CONF_POWER: rated_w}
    if sensor is not None:
        config[CONF_POWER_SENSOR] = sensor
    actuator = create_actuator(hass, SUBENTRY_SWITCH, load, config)
    assert isinstance(actuator, SwitchActuator)
    return actuator


ON, OFF = allocation(10.0, lines=1), allocation(0.0, lines=1)


# --- commands -------------------------------------------------------------------------------
async def test_turns_on_and_off_without_repeating_itself(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    turn_on = async_mock_service(hass, "switch", "turn_on")
    turn_off = async_mock_service(hass, "switch", "turn_off")
    hass.states.async_set(SWITCH, "off")
    actuator = relay(hass)
    await actuator.async_start()

    await actuator.async_apply(ON, now())
    freezer.tick(10)
    await actuator.async_apply(ON, now())  # the relay has not reported yet: no second call
    assert [c.data for c in turn_on] == [{"entity_id": SWITCH}]

    hass.states.async_set(SWITCH, "on")
    await actuator.async_apply(OFF, now())
    await actuator.async_apply(OFF, now())
    assert [c.data for c in turn_off] == [{"entity_id": SWITCH}]
    await actuator.async_stop()  # leaves the relay as the last allocation had it
    assert len(turn_on) == 1
    assert len(turn_off) == 1


async def test_nothing_is_sent_when_the_relay_is_already_there(hass: HomeAssistant) -> None:
    turn_on = async_mock_service(hass, "switch", "turn_on")
    hass.states.async_set(SWITCH, "on")
    actuator = relay(hass)

    await actuator.async_apply(ON, now())

    assert turn_on == []
    assert actuator.status().commanded_a == 10.0


async def test_a_command_the_relay_missed_is_repeated_after_five_minutes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    turn_on = async_mock_service(hass, "switch", "turn_on")
    hass.states.async_set(SWITCH, "off")
    actuator = relay(hass)
    await actuator.async_apply(ON, now())

    freezer.tick(300)
    await actuator.async_apply(ON, now())
    assert len(turn_on) == 1
    freezer.tick(1)
    await actuator.async_apply(ON, now())
    assert len(turn_on) == 2


@pytest.mark.parametrize(
    ("entity", "domain"),
    [
        ("input_boolean.boiler", "input_boolean"),
        ("light.heat_lamp", "homeassistant"),
        ("fan.extractor", "homeassistant"),
    ],
)
async def test_service_domain_follows_the_entity(
    hass: HomeAssistant, entity: str, domain: str
) -> None:
    calls = async_mock_service(hass, domain, "turn_on")
    hass.states.async_set(entity, "off")

    await relay(hass, entity=entity).async_apply(ON, now())

    assert [(c.domain, c.data) for c in calls] == [(domain, {"entity_id": entity})]


async def test_a_failing_service_shows_in_the_status(hass: HomeAssistant) -> None:
    async def broken(call: ServiceCall) -> None:
        raise HomeAssistantError("plug offline")

    hass.services.async_register("switch", "turn_on", broken)
    hass.states.async_set(SWITCH, "off")
    actuator = relay(hass)

    await actuator.async_apply(ON, now())

    status = actuator.status()
    assert not status.ready
    assert status.mismatch == "switch.turn_on failed: plug offline"

    hass.services.async_register("switch", "turn_on", lambda call: None)
    hass.states.async_set(SWITCH, "on")
    await actuator.async_apply(OFF, now())  # no turn_off service at all
    assert actuator.status().mismatch is not None
    assert "switch.turn_off failed" in str(actuator.status().mismatch)


# --- readings -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "lines", "amps"),
    [
        ("2300", "W", (0,), 10.0),
        ("2.3", "kW", (0,), 10.0),
        ("6900", "W", (0, 1, 2), 10.0),  # spread evenly over the load's lines
        ("10", "A", (0,), 10.0),
        ("10000", "mA", (0,), 10.0),
        ("-5", "W", (0,), 0.0),  # a meter's noise below zero is no draw
    ],
)
async def test_reading_from_the_power_sensor(
    hass: HomeAssistant, value: str, unit: str, lines: tuple[int, ...], amps: float
) -> None:
    hass.states.async_set(SWITCH, "on")
    hass.states.async_set(POWER, value, {"unit_of_measurement": unit})
    reported = now()

    reading = relay(hass, lines=lines, rated_w=6900).reading()

    assert reading.draw_a == pytest.approx((amps,) * len(lines))
    assert reading.at_s == reported
    assert reading.connected


async def test_unknown_or_missing_power_readings_are_none(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    hass.states.async_set(SWITCH, "on")
    actuator = relay(hass)
    assert actuator.reading().draw_a is None  # the sensor has no state yet

    hass.states.async_set(POWER, "unavailable")
    assert actuator.reading().draw_a is None

    hass.states.async_set(POWER, "300", {"unit_of_measurement": "BTU/h"})
    assert actuator.reading().draw_a is None
    assert actuator.reading().at_s is None
    assert caplog.text.count("reports 'BTU/h'") == 1


async def test_without_a_meter_the_rating_counts_while_on(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    actuator = relay(hass, sensor=None, lines=(0, 1, 2), rated_w=6900)
    hass.states.async_set(SWITCH, "on")
    switched = now()
    freezer.tick(20)

    reading = actuator.reading()
    assert reading.draw_a == pytest.approx((10.0, 10.0, 10.0))
    assert reading.at_s == switched

    hass.states.async_set(SWITCH, "off")
    assert actuator.reading().draw_a == (0.0, 0.0, 0.0)

    hass.states.async_set(SWITCH, "unavailable")
    assert actuator.reading().draw_a is None


# --- status ---------------------------------------------------------------------------------
async def test_a_relay_that_does_not_follow_is_reported_after_30_s(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    async_mock_service(hass, "switch", "turn_on")
    hass.states.async_set(SWITCH, "off")
    actuator = relay(hass)
    await actuator.async_apply(ON, now())

    freezer.tick(29)
    assert actuator.status().mismatch is None
    freezer.tick(1)
    status = actuator.status()
    assert status.mismatch == "switch is off, asked on"
    assert status.commanded_a == 10.0
    assert status.reported_a == 0.0

    hass.states.async_set(SWITCH, "unavailable")
    assert actuator.status().mismatch == "switch is unavailable, asked on"
    assert not actuator.status().ready
    hass.states.async_remove(SWITCH)
    assert actuator.status().mismatch == "switch is missing, asked on"


async def test_on_but_drawing_nothing_for_two_minutes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(SWITCH, "on")
    hass.states.async_set(POWER, "3", {"unit_of_measurement": "W"})
    actuator = relay(hass)
    await actuator.async_apply(ON, now())
    actuator.reading()  # the hub reads every tick

    freezer.tick(60)
    hass.states.async_set(POWER, "4", {"unit_of_measurement": "W"})  # low, but changing
    actuator.reading()
    freezer.tick(59)
    assert actuator.status().mismatch is None
    freezer.tick(1)
    assert actuator.status().mismatch == "on but drawing 4 W — is the appliance off?"

    hass.states.async_set(POWER, "2100", {"unit_of_measurement": "W"})
    assert actuator.status().mismatch is None
    freezer.tick(10)
    hass.states.async_set(POWER, "0", {"unit_of_measurement": "W"})
    freezer.tick(60)
    assert actuator.status().mismatch is None  # a new low stretch starts the two minutes again


async def test_a_rarely_asked_status_still_sees_the_whole_idle_stretch(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(SWITCH, "on")
    hass.states.async_set(POWER, "0", {"unit_of_measurement": "W"})
    actuator = relay(hass)
    await actuator.async_apply(ON, now())
    freezer.tick(200)

    assert actuator.status().mismatch == "on but drawing 0 W — is the appliance off?"


async def test_switching_on_again_restarts_the_idle_clock(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(SWITCH, "on")
    hass.states.async_set(POWER, "0", {"unit_of_measurement": "W"})
    actuator = relay(hass)
    await actuator.async_apply(ON, now())
    freezer.tick(100)
    assert actuator.status().mismatch is None
    hass.states.async_set(SWITCH, "off")
    hass.states.async_set(SWITCH, "on")
    freezer.tick(100)

    assert actuator.status().mismatch is None


async def test_status_when_idle_and_off(hass: HomeAssistant) -> None:
    hass.states.async_set(SWITCH, "off")
    hass.states.async_set(POWER, "0", {"unit_of_measurement": "W"})
    actuator = relay(hass)

    status = actuator.status()
    assert status.ready
    assert status.commanded_a is None
    assert status.reported_a == 0.0
    assert status.mismatch is None
    assert status.detail["rated_w"] == 2300.0


async def test_without_a_meter_only_the_relay_state_is_checked(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(SWITCH, "on")
    actuator = relay(hass, sensor=None)
    await actuator.async_apply(ON, now())
    freezer.tick(600)

    assert actuator.status().mismatch is None
