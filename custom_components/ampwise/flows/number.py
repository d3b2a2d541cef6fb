"""A variable load through a `number` entity in amps or watts (chargers, PWM heaters)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol
from homeassistant.helpers.selector import TextSelector

from ..const import (
    CONF_FAILSAFE_CURRENT,
    CONF_MAX_VALUE,
    CONF_MEASURE_SENSOR,
    CONF_MIN_VALUE,
    CONF_NAME,
    CONF_NUMBER_ENTITY,
    CONF_NUMBER_UNIT,
    UNIT_AMPS,
    UNIT_WATTS,
)
from ..engine import Mode
from ..validation import (
    SensorRole,
    entity_error,
    entity_unit,
    positive_error,
    range_error,
    unit_fits,
)
from .common import (
    FormErrors,
    check_failsafe,
    entity_selector,
    number_selector,
    select_selector,
    sensor_selector,
)
from .loads import LoadSubentryFlow

ERR_UNIT_MISMATCH: Final = "unit_mismatch"


class NumberSubentryFlow(LoadSubentryFlow):
    """A `number` or `input_number` that sets the load's current or power."""

    modes = (Mode.STANDARD, Mode.ECO, Mode.SOLAR, Mode.EXCESS, Mode.OFF)
    default_mode = Mode.STANDARD

    def _fields(self) -> dict[Any, Any]:
        return {
            vol.Required(CONF_NAME): TextSelector(),
            vol.Required(CONF_NUMBER_ENTITY): entity_selector("number", "input_number"),
            vol.Required(CONF_NUMBER_UNIT, default=UNIT_AMPS): select_selector(
                [UNIT_AMPS, UNIT_WATTS], None
            ),
            vol.Required(CONF_MIN_VALUE): number_selector(0, 1_000_000, step=0.1),
            vol.Required(CONF_MAX_VALUE): number_selector(0, 1_000_000, step=0.1),
            vol.Optional(CONF_MEASURE_SENSOR): sensor_selector(SensorRole.CURRENT_OR_POWER),
            **self._shared_fields(),
            vol.Required(CONF_FAILSAFE_CURRENT, default=0.0): number_selector(0, 1000, "A", 0.1),
        }

    def _validate(self, user_input: dict[str, Any]) -> FormErrors:
        errors = FormErrors()
        number, unit = user_input[CONF_NUMBER_ENTITY], user_input[CONF_NUMBER_UNIT]
        if error := entity_error(self.hass, number):
            errors.add(CONF_NUMBER_ENTITY, error, entity=number)
        # A number that states an electrical unit must state the one chosen here.
        elif (
            unit_fits(reported := entity_unit(self.hass, number), SensorRole.CURRENT_OR_POWER)
            and str(reported).casefold() != unit.casefold()
        ):
            errors.add(CONF_NUMBER_UNIT, ERR_UNIT_MISMATCH, entity=number, unit=str(reported))
        low, high = user_input[CONF_MIN_VALUE], user_input[CONF_MAX_VALUE]
        errors.add(CONF_MAX_VALUE, positive_error(high))
        errors.add(CONF_MIN_VALUE, range_error(low, high))
        sensor = user_input.get(CONF_MEASURE_SENSOR)
        errors.check_sensor(
            self.hass, CONF_MEASURE_SENSOR, sensor, SensorRole.CURRENT_OR_POWER, {number}
        )
        if unit == UNIT_AMPS:
            check_failsafe(errors, user_input[CONF_FAILSAFE_CURRENT], low, high)
        return errors

    def _from_form(self, user_input: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._shared_from_form(user_input),
            CONF_NUMBER_ENTITY: user_input[CONF_NUMBER_ENTITY],
            CONF_NUMBER_UNIT: user_input[CONF_NUMBER_UNIT],
            CONF_MIN_VALUE: user_input[CONF_MIN_VALUE],
            CONF_MAX_VALUE: user_input[CONF_MAX_VALUE],
            CONF_MEASURE_SENSOR: user_input.get(CONF_MEASURE_SENSOR),
            CONF_FAILSAFE_CURRENT: user_input[CONF_FAILSAFE_CURRENT],
        }

    def _to_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        form = {
            **self._shared_to_form(data),
            CONF_NUMBER_ENTITY: data[CONF_NUMBER_ENTITY],
            CONF_NUMBER_UNIT: data[CONF_NUMBER_UNIT],
            CONF_MIN_VALUE: data[CONF_MIN_VALUE],
            CONF_MAX_VALUE: data[CONF_MAX_VALUE],
            CONF_FAILSAFE_CURRENT: data[CONF_FAILSAFE_CURRENT],
        }
        if data[CONF_MEASURE_SENSOR]:
            form[CONF_MEASURE_SENSOR] = data[CONF_MEASURE_SENSOR]
        return form

    def _unique_id(self, data: Mapping[str, Any]) -> str:
        return str(data[CONF_NUMBER_ENTITY])
