"""A relay load: a switch that runs a device at its rated power or not at all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol
from homeassistant.helpers.selector import TextSelector

from ..const import (
    CONF_MIN_OFF,
    CONF_MIN_ON,
    CONF_NAME,
    CONF_POWER,
    CONF_POWER_SENSOR,
    CONF_SWITCH_ENTITY,
)
from ..engine import Mode
from ..validation import SensorRole, entity_error, positive_error
from .common import FormErrors, entity_selector, number_selector, sensor_selector
from .loads import LoadSubentryFlow

# Relays and the appliances behind them dislike chatter; the seed's plugs used 5 min off.
DEFAULT_MIN_ON: Final = 60.0
DEFAULT_MIN_OFF: Final = 300.0
DEFAULT_POWER: Final = 2000.0


class SwitchSubentryFlow(LoadSubentryFlow):
    """A `switch` or `input_boolean` at a rated power, optionally measured."""

    modes = (Mode.ON, Mode.SOLAR, Mode.EXCESS, Mode.OFF)
    default_mode = Mode.ON

    def _fields(self) -> dict[Any, Any]:
        return {
            vol.Required(CONF_NAME): TextSelector(),
            vol.Required(CONF_SWITCH_ENTITY): entity_selector("switch", "input_boolean"),
            vol.Required(CONF_POWER, default=DEFAULT_POWER): number_selector(0, 100_000, "W", 10),
            vol.Optional(CONF_POWER_SENSOR): sensor_selector(SensorRole.POWER),
            **self._shared_fields(["A"]),
            vol.Required(CONF_MIN_ON, default=DEFAULT_MIN_ON): number_selector(0, 86400, "s"),
            vol.Required(CONF_MIN_OFF, default=DEFAULT_MIN_OFF): number_selector(0, 86400, "s"),
        }

    def _validate(self, user_input: dict[str, Any]) -> FormErrors:
        errors = FormErrors()
        switch = user_input[CONF_SWITCH_ENTITY]
        errors.add(CONF_SWITCH_ENTITY, entity_error(self.hass, switch), entity=switch)
        errors.add(CONF_POWER, positive_error(user_input[CONF_POWER]))
        sensor = user_input.get(CONF_POWER_SENSOR)
        errors.check_sensor(self.hass, CONF_POWER_SENSOR, sensor, SensorRole.POWER, {switch})
        return errors

    def _from_form(self, user_input: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._shared_from_form(user_input),
            CONF_SWITCH_ENTITY: user_input[CONF_SWITCH_ENTITY],
            CONF_POWER: user_input[CONF_POWER],
            CONF_POWER_SENSOR: user_input.get(CONF_POWER_SENSOR),
            CONF_MIN_ON: user_input[CONF_MIN_ON],
            CONF_MIN_OFF: user_input[CONF_MIN_OFF],
        }

    def _to_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        form = {
            **self._shared_to_form(data),
            CONF_SWITCH_ENTITY: data[CONF_SWITCH_ENTITY],
            CONF_POWER: data[CONF_POWER],
            CONF_MIN_ON: data[CONF_MIN_ON],
            CONF_MIN_OFF: data[CONF_MIN_OFF],
        }
        if data[CONF_POWER_SENSOR]:
            form[CONF_POWER_SENSOR] = data[CONF_POWER_SENSOR]
        return form

    def _unique_id(self, data: Mapping[str, Any]) -> str:
        return str(data[CONF_SWITCH_ENTITY])
