"""Unit helpers and the actuator factory."""

from __future__ import annotations

import math

import pytest
from homeassistant.core import HomeAssistant, State

from custom_components.ampwise.actuators import (
    NumberActuator,
    OcppLbbrhznActuator,
    SwitchActuator,
    create_actuator,
)
from custom_components.ampwise.actuators.common import voltage_of
from custom_components.ampwise.const import (
    CONF_BACKEND,
    CONF_NUMBER_ENTITY,
    CONF_SWITCH_ENTITY,
    CONF_VOLTAGE,
    SUBENTRY_EVSE,
    SUBENTRY_NUMBER,
    SUBENTRY_SWITCH,
)
from custom_components.ampwise.units import (
    amps_per_line,
    ceil_to,
    floor_to,
    from_amps,
    numeric_state,
    to_amps,
    to_float,
    to_watts,
)
from tests.ha.actuator_fixtures import make_load


@pytest.mark.parametrize(
    ("value", "number"),
    [("12.5", 12.5), (3, 3.0), ("nan", None), ("inf", None), ("abc", None), (None, None)],
)
def test_to_float(value: object, number: float | None) -> None:
    assert to_float(value) == number


def test_a_boolean_is_not_a_number() -> None:
    assert to_float(True) is None


@pytest.mark.parametrize("raw", ["unavailable", "unknown", "on", "NaN"])
def test_numeric_state_never_turns_a_missing_value_into_zero(raw: str) -> None:
    assert numeric_state(State("sensor.x", raw)) is None
    assert numeric_state(None) is None


def test_conversions() -> None:
    assert to_amps(1500, "mA") == 1.5
    assert to_amps(1500, "W") is None
    assert to_watts(1.5, "kW") == 1500
    assert to_watts(1.5, "KW") == 1500  # spelling varies between integrations
    assert to_watts(1.5, None) is None
    assert amps_per_line(6900, "W", 3, 230) == pytest.approx(10.0)
    assert amps_per_line(10, "A", 3, 230) == 10
    assert amps_per_line(10, "V", 3, 230) is None
    assert from_amps(10, "kW", 3, 230) == pytest.approx(6.9)
    assert from_amps(10, "mA", 1, 230) == pytest.approx(10000)
    assert from_amps(10, "%", 1, 230) is None


def test_rounding_to_a_step() -> None:
    assert floor_to(2.3, 0.1) == 2.3
    assert floor_to(7038, 100) == 7000
    assert floor_to(7.25, 0) == 7.25
    assert ceil_to(6.5, 1) == 7
    assert ceil_to(6.5, 0) == 6.5
    assert math.isclose(floor_to(0.7, 0.1), 0.7)


def test_voltage_from_config() -> None:
    assert voltage_of({}) == 230.0
    assert voltage_of({CONF_VOLTAGE: 240}) == 240.0
    assert voltage_of({CONF_VOLTAGE: 0}) == 230.0


async def test_factory_picks_the_actuator_for_the_load(hass: HomeAssistant) -> None:
    load = make_load()
    assert isinstance(create_actuator(hass, SUBENTRY_EVSE, load, {}), OcppLbbrhznActuator)
    assert isinstance(
        create_actuator(hass, SUBENTRY_EVSE, load, {CONF_BACKEND: "lbbrhzn_ocpp"}),
        OcppLbbrhznActuator,
    )
    assert isinstance(
        create_actuator(hass, SUBENTRY_SWITCH, load, {CONF_SWITCH_ENTITY: "switch.a"}),
        SwitchActuator,
    )
    assert isinstance(
        create_actuator(hass, SUBENTRY_NUMBER, load, {CONF_NUMBER_ENTITY: "number.a"}),
        NumberActuator,
    )


async def test_factory_names_what_it_cannot_drive(hass: HomeAssistant) -> None:
    with pytest.raises(ValueError, match="charger backend 'builtin'"):
        create_actuator(hass, SUBENTRY_EVSE, make_load(), {CONF_BACKEND: "builtin"})
    with pytest.raises(ValueError, match="load type 'climate'"):
        create_actuator(hass, "climate", make_load(), {})
