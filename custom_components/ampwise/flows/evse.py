"""An EV charger connector: which charger, its limits and placement, then its OCPP profiles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol
from homeassistant.config_entries import SOURCE_RECONFIGURE, SubentryFlowResult
from homeassistant.helpers.selector import (
    BooleanSelector,
    DeviceSelector,
    DeviceSelectorConfig,
    TextSelector,
)

from ..const import (
    BACKEND_LBBRHZN_OCPP,
    CONF_BACKEND,
    CONF_CONNECTOR,
    CONF_FAILSAFE_CURRENT,
    CONF_INTERVAL,
    CONF_MAX_CURRENT,
    CONF_MIN_CURRENT,
    CONF_NAME,
    CONF_OCPP_DEVICE,
    CONF_PROFILE_TIMEOUT,
    CONF_PROFILE_VALIDITY,
    CONF_RATE_UNIT,
    CONF_STACK_LEVEL,
    DEFAULT_CONNECTOR,
    DEFAULT_INTERVAL,
    DEFAULT_MAX_CURRENT,
    DEFAULT_MIN_CURRENT,
    DEFAULT_PROFILE_TIMEOUT,
    DEFAULT_STACK_LEVEL,
    UNIT_AMPS,
    UNIT_AUTO,
    UNIT_WATTS,
    VALIDITY_ABSOLUTE,
    VALIDITY_RELATIVE,
)
from ..engine import Mode
from ..validation import device_error, evse_min_error, positive_error, range_error
from .common import FormErrors, check_failsafe, number_selector, select_selector
from .loads import LoadSubentryFlow

# Form-only: the user accepts a minimum below 6 A. Not stored; a stored minimum below 6 A
# shows it ticked again.
CONF_ALLOW_LOW_MIN: Final = "allow_below_6a"
OCPP_INTEGRATION: Final = "ocpp"  # lbbrhzn/ocpp's domain
MAX_EVSE_CURRENT: Final = 80.0

ERR_TIMEOUT_NOT_ABOVE_INTERVAL: Final = "timeout_not_above_interval"
ERR_INVALID_STACK_LEVEL: Final = "invalid_stack_level"


class EvseSubentryFlow(LoadSubentryFlow):
    """A charger connector driven through the lbbrhzn/ocpp integration (more backends later)."""

    modes = (Mode.STANDARD, Mode.ECO, Mode.SOLAR, Mode.EXCESS, Mode.OFF)
    default_mode = Mode.STANDARD

    def _fields(self) -> dict[Any, Any]:
        return {
            vol.Required(CONF_NAME): TextSelector(),
            vol.Required(CONF_BACKEND, default=BACKEND_LBBRHZN_OCPP): select_selector(
                [BACKEND_LBBRHZN_OCPP], "backend"
            ),
            vol.Required(CONF_OCPP_DEVICE): DeviceSelector(
                DeviceSelectorConfig(integration=OCPP_INTEGRATION)
            ),
            vol.Required(CONF_CONNECTOR, default=DEFAULT_CONNECTOR): number_selector(1, 10),
            vol.Required(CONF_MIN_CURRENT, default=DEFAULT_MIN_CURRENT): number_selector(
                0, MAX_EVSE_CURRENT, "A", 0.1
            ),
            vol.Required(CONF_MAX_CURRENT, default=DEFAULT_MAX_CURRENT): number_selector(
                0, MAX_EVSE_CURRENT, "A", 0.1
            ),
            vol.Required(CONF_ALLOW_LOW_MIN, default=False): BooleanSelector(),
            **self._shared_fields(),
        }

    def _validate(self, user_input: dict[str, Any]) -> FormErrors:
        errors = FormErrors()
        device = user_input[CONF_OCPP_DEVICE]
        errors.add(CONF_OCPP_DEVICE, device_error(self.hass, device, OCPP_INTEGRATION))
        min_a, max_a = user_input[CONF_MIN_CURRENT], user_input[CONF_MAX_CURRENT]
        errors.add(CONF_MIN_CURRENT, positive_error(min_a))
        errors.add(CONF_MIN_CURRENT, evse_min_error(min_a, user_input[CONF_ALLOW_LOW_MIN]))
        errors.add(CONF_MIN_CURRENT, range_error(min_a, max_a))
        errors.add(CONF_MAX_CURRENT, positive_error(max_a))
        return errors

    def _from_form(self, user_input: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._shared_from_form(user_input),
            CONF_BACKEND: user_input[CONF_BACKEND],
            CONF_OCPP_DEVICE: user_input[CONF_OCPP_DEVICE],
            CONF_CONNECTOR: int(user_input[CONF_CONNECTOR]),
            CONF_MIN_CURRENT: user_input[CONF_MIN_CURRENT],
            CONF_MAX_CURRENT: user_input[CONF_MAX_CURRENT],
        }

    def _to_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            **self._shared_to_form(data),
            CONF_BACKEND: data[CONF_BACKEND],
            CONF_OCPP_DEVICE: data[CONF_OCPP_DEVICE],
            CONF_CONNECTOR: data[CONF_CONNECTOR],
            CONF_MIN_CURRENT: data[CONF_MIN_CURRENT],
            CONF_MAX_CURRENT: data[CONF_MAX_CURRENT],
            CONF_ALLOW_LOW_MIN: data[CONF_MIN_CURRENT] < DEFAULT_MIN_CURRENT,
        }

    def _unique_id(self, data: Mapping[str, Any]) -> str:
        return f"{data[CONF_OCPP_DEVICE]}_{data[CONF_CONNECTOR]}"

    async def _async_form_done(self) -> SubentryFlowResult:
        # Say so before the second form, not after it.
        if self._is_taken(self._unique_id(self._data)):
            return self.async_abort(reason="already_configured")
        return await self.async_step_profile()

    async def async_step_profile(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """How charging profiles are sent, and what the charger falls back to alone."""
        errors = FormErrors()
        if user_input is not None:
            interval = self._hub.options.get(CONF_INTERVAL, DEFAULT_INTERVAL)
            if user_input[CONF_PROFILE_TIMEOUT] <= interval:
                errors.add(
                    CONF_PROFILE_TIMEOUT, ERR_TIMEOUT_NOT_ABOVE_INTERVAL, interval=f"{interval:g}"
                )
            if user_input[CONF_STACK_LEVEL] < 1:
                errors.add(CONF_STACK_LEVEL, ERR_INVALID_STACK_LEVEL)
            check_failsafe(
                errors,
                user_input[CONF_FAILSAFE_CURRENT],
                self._data[CONF_MIN_CURRENT],
                self._data[CONF_MAX_CURRENT],
            )
            if not errors:
                self._data.update(user_input)
                self._data[CONF_STACK_LEVEL] = int(user_input[CONF_STACK_LEVEL])
                return self._async_save()
            suggested = user_input
        elif self.source == SOURCE_RECONFIGURE:
            suggested = dict(self._get_reconfigure_subentry().data)
        else:
            suggested = {CONF_FAILSAFE_CURRENT: self._data[CONF_MIN_CURRENT]}
        schema = vol.Schema(
            {
                vol.Required(CONF_FAILSAFE_CURRENT): number_selector(0, MAX_EVSE_CURRENT, "A", 0.1),
                vol.Required(CONF_PROFILE_VALIDITY, default=VALIDITY_ABSOLUTE): select_selector(
                    [VALIDITY_ABSOLUTE, VALIDITY_RELATIVE], "profile_validity"
                ),
                vol.Required(
                    CONF_PROFILE_TIMEOUT, default=DEFAULT_PROFILE_TIMEOUT
                ): number_selector(1, 86400, "s"),
                vol.Required(CONF_STACK_LEVEL, default=DEFAULT_STACK_LEVEL): number_selector(
                    0, 100
                ),
                vol.Required(CONF_RATE_UNIT, default=UNIT_AUTO): select_selector(
                    [UNIT_AUTO, UNIT_AMPS, UNIT_WATTS], "charge_rate_unit"
                ),
            }
        )
        return self.async_show_form(
            step_id="profile",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors.errors,
            description_placeholders=errors.placeholders,
        )
