"""Number entities in A or W: clamping, steps, the minimum that is not off, readings."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.ampwise.actuators import NumberActuator, create_actuator
from custom_components.ampwise.const import (
    CONF_MAX_VALUE,
    CONF_MEASURE_SENSOR,
    CONF_MIN_VALUE,
    CONF_NUMBER_ENTITY,
    CONF_NUMBER_UNIT,
    SUBENTRY_NUMBER,
    UNIT_AMPS,
    UNIT_WATTS,
)
from custom_components.ampwise.engine import LoadKind
from tests.ha.actuator_fixtures import T0, allocation, make_load

NUMBER = "number.wallbox_current_limit"
MEASURE = "sensor.wallbox_current"


@pytest.fixture(autouse=True)
def _clock(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(T0)


def now() -> float:
    return dt_util.utcnow().timestamp()


def number(
    hass: HomeAssistant,
    *,
    entity: str = NUMBER,
    unit: str = UNIT_AMPS,
    lines: tuple[int, ...] = (0, 1, 2),
    measure: str | None = None,
    **limits: float,
) -> NumberActuator:
    load = make_load(kind=LoadKind.NUMBER, lines=lines, min_a=6, max_a=16, failsafe_a=0)
    config: dict[str, object] = {CONF_NUMBER_ENTITY: entity, CONF_NUMBER_UNIT: unit}
    config[CONF_MIN_VALUE] = limits.get("min_value", 6.0)
    config[CONF_MAX_VALUE] = limits.get("max_value", 16.0)
    if measure is not None:
        config[CONF_MEASURE_SENSOR] = measure
    actuator = create_actuator(hass, SUBENTRY_NUMBER, load, config)
    assert isinstance(actuator, NumberActuator)
    return actuator


def show(hass: HomeAssistant, value: float, entity: str = NUMBER, **attributes: Any) -> None:
    attrs = {"min": 0, "max": 32, "step": 1, "unit_of_measurement": "A", **attributes}
    hass.states.async_set(entity, str(value), {k: v for k, v in attrs.items() if v is not None})


def values(calls: list[ServiceCall]) -> list[float]:
    return [c.data["value"] for c in calls]


# --- commands -------------------------------------------------------------------------------
async def test_sets_the_value_rounded_down_to_the_step_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    calls = async_mock_service(hass, "number", "set_value")
    show(hass, 16)
    actuator = number(hass)
    await actuator.async_start()

    await actuator.async_apply(allocation(10.7), now())
    freezer.tick(10)
    await actuator.async_apply(allocation(10.9), now())  # still 10 on a 1 A step
    assert [c.data for c in calls] == [{"entity_id": NUMBER, "value": 10.0}]

    show(hass, 10)
    await actuator.async_apply(allocation(12), now())
    assert values(calls) == [10.0, 12.0]
    await actuator.async_stop()
    assert values(calls) == [10.0, 12.0]


async def test_watts_for_the_loads_lines(hass: HomeAssistant) -> None:
    calls = async_mock_service(hass, "number", "set_value")
    show(hass, 0, min=0, max=11000, step=100, unit_of_measurement=None)
    actuator = number(hass, unit=UNIT_WATTS, min_value=1400, max_value=11000)

    await actuator.async_apply(allocation(10), now())  # 10 A x 230 V x 3 = 6900 W
    await actuator.async_apply(allocation(10.2), now())  # 7038 W -> 7000 W on a 100 W step

    assert values(calls) == [6900.0, 7000.0]
    assert actuator.status().commanded_a == pytest.approx(10.14, abs=0.01)


async def test_the_entitys_own_unit_wins(hass: HomeAssistant) -> None:
    calls = async_mock_service(hass, "number", "set_value")
    show(hass, 0, min=0, max=11, step=0.1, unit_of_measurement="kW")
    actuator = number(hass, unit=UNIT_WATTS, min_value=0, max_value=11)

    await actuator.async_apply(allocation(10), now())

    assert values(calls) == [6.9]
    assert actuator.status().detail["unit"] == "kW"


@pytest.mark.parametrize(
    ("asked", "entity_max", "config_max", "config_min", "sent"),
    [
        (16.0, 13, 16.0, 6.0, 13.0),  # the entity's own maximum
        (16.0, 32, 12.0, 6.0, 12.0),  # the configured maximum
        (3.0, 32, 16.0, 6.0, 6.0),  # the configured minimum while running
        (6.5, 32, 16.0, 6.5, 7.0),  # a minimum off the step grid: up, not below it
    ],
)
async def test_clamped_to_entity_and_config(
    hass: HomeAssistant,
    asked: float,
    entity_max: float,
    config_max: float,
    config_min: float,
    sent: float,
) -> None:
    calls = async_mock_service(hass, "number", "set_value")
    show(hass, 0, max=entity_max)

    await number(hass, max_value=config_max, min_value=config_min).async_apply(
        allocation(asked), now()
    )

    assert values(calls) == [sent]


async def test_zero_where_the_entity_can_go_to_zero(hass: HomeAssistant) -> None:
    calls = async_mock_service(hass, "number", "set_value")
    show(hass, 10)
    actuator = number(hass)

    await actuator.async_apply(allocation(0), now())

    assert values(calls) == [0.0]
    assert actuator.status().detail["at_minimum"] is False


async def test_off_is_the_minimum_where_the_entity_cannot_go_to_zero(hass: HomeAssistant) -> None:
    calls = async_mock_service(hass, "number", "set_value")
    show(hass, 10, min=6)
    actuator = number(hass)

    await actuator.async_apply(allocation(0), now())
    show(hass, 6, min=6)

    assert values(calls) == [6.0]
    status = actuator.status()
    assert status.mismatch == "cannot switch off, at minimum (6 A)"
    assert status.commanded_a == 6.0
    assert actuator.reading().draw_a == (6.0, 6.0, 6.0)  # it still draws


async def test_nothing_sent_when_the_number_already_shows_it(hass: HomeAssistant) -> None:
    calls = async_mock_service(hass, "number", "set_value")
    show(hass, 10)
    actuator = number(hass)

    await actuator.async_apply(allocation(10), now())

    assert calls == []
    assert actuator.status().commanded_a == 10.0
    assert actuator.status().mismatch is None


async def test_a_value_the_device_did_not_take_is_sent_again_after_five_minutes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    calls = async_mock_service(hass, "number", "set_value")
    show(hass, 16)
    actuator = number(hass)
    await actuator.async_apply(allocation(10), now())

    freezer.tick(300)
    await actuator.async_apply(allocation(10), now())
    assert len(calls) == 1
    freezer.tick(1)
    await actuator.async_apply(allocation(10), now())
    assert values(calls) == [10.0, 10.0]


async def test_input_number_uses_its_own_service(hass: HomeAssistant) -> None:
    calls = async_mock_service(hass, "input_number", "set_value")
    show(hass, 0, entity="input_number.heater")

    await number(hass, entity="input_number.heater").async_apply(allocation(8), now())

    assert [c.data for c in calls] == [{"entity_id": "input_number.heater", "value": 8.0}]


async def test_an_unavailable_number_is_not_commanded_and_says_so(hass: HomeAssistant) -> None:
    calls = async_mock_service(hass, "number", "set_value")
    hass.states.async_set(NUMBER, "unavailable")
    actuator = number(hass)

    await actuator.async_apply(allocation(8), now())

    assert calls == []
    status = actuator.status()
    assert not status.ready
    assert status.mismatch == f"{NUMBER} is unavailable"
    assert actuator.reading().draw_a is None


async def test_a_failed_call_shows_in_the_status(hass: HomeAssistant) -> None:
    show(hass, 16)  # no number.set_value service registered
    actuator = number(hass)

    await actuator.async_apply(allocation(8), now())

    status = actuator.status()
    assert not status.ready
    assert status.mismatch is not None
    assert status.mismatch.startswith("number.set_value failed")


# --- status ---------------------------------------------------------------------------------
async def test_mismatch_when_the_number_stays_more_than_a_step_away(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    async_mock_service(hass, "number", "set_value")
    show(hass, 16)
    actuator = number(hass)
    await actuator.async_apply(allocation(10), now())

    assert actuator.status().mismatch is None  # it may take a moment
    freezer.tick(30)
    status = actuator.status()
    assert status.mismatch == "number is at 16 A, asked 10 A"
    assert status.reported_a == 16.0

    show(hass, 11)  # within one step
    assert actuator.status().mismatch is None


# --- readings -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "amps"),
    [
        ("9.5", "A", 9.5),
        ("9500", "mA", 9.5),
        ("6555", "W", 9.5),  # 6555 W / (230 V x 3)
        ("6.555", "kW", 9.5),
    ],
)
async def test_reading_from_the_measuring_sensor(
    hass: HomeAssistant, value: str, unit: str, amps: float
) -> None:
    show(hass, 10)
    hass.states.async_set(MEASURE, value, {"unit_of_measurement": unit})
    reported = now()

    reading = number(hass, measure=MEASURE).reading()

    assert reading.draw_a == pytest.approx((amps,) * 3)
    assert reading.at_s == reported


async def test_a_measuring_sensor_without_a_state_reads_none(hass: HomeAssistant) -> None:
    show(hass, 10)

    reading = number(hass, measure=MEASURE).reading()

    assert reading.draw_a is None
    assert reading.at_s is None


async def test_unknown_measuring_unit_is_none_and_logged_once(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    hass.states.async_set(MEASURE, "50", {"unit_of_measurement": "%"})
    actuator = number(hass, measure=MEASURE)

    assert actuator.reading().draw_a is None
    assert actuator.reading().draw_a is None
    assert caplog.text.count("reports '%'") == 1


async def test_without_a_measuring_sensor_the_set_value_is_the_reading(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    show(hass, 10)
    set_at = now()
    freezer.tick(5)

    reading = number(hass).reading()

    assert reading.draw_a == (10.0, 10.0, 10.0)
    assert reading.at_s == set_at


async def test_status_before_any_command(hass: HomeAssistant) -> None:
    show(hass, 10)
    status = number(hass).status()
    assert status.ready
    assert status.commanded_a is None
    assert status.reported_a == 10.0
    assert status.mismatch is None


async def test_a_number_without_step_or_limits(hass: HomeAssistant) -> None:
    calls = async_mock_service(hass, "number", "set_value")
    hass.states.async_set(NUMBER, "0")  # no attributes at all: config and unit decide
    actuator = number(hass)

    await actuator.async_apply(allocation(7.25), now())

    assert values(calls) == [7.25]
