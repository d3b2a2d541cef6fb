"""The options step of the built-in OCPP server: on or off, where it listens, whether it
offers unknown chargers, and TLS. Checked before saving: a port another program holds and
certificate files that cannot be loaded are refused here, not found at the next start."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit

import voluptuous as vol
from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.selector import BooleanSelector, TextSelector

from ..central import ERR_CANNOT_BIND, async_bind_problem, tls_problem
from ..const import (
    CONF_SERVER_ACCEPT_NEW,
    CONF_SERVER_CERTFILE,
    CONF_SERVER_ENABLED,
    CONF_SERVER_HOST,
    CONF_SERVER_KEYFILE,
    CONF_SERVER_PORT,
    DEFAULT_SERVER_HOST,
    DEFAULT_SERVER_PORT,
)
from .common import FormErrors, number_selector

SERVER_KEYS: Final = (
    CONF_SERVER_ENABLED,
    CONF_SERVER_HOST,
    CONF_SERVER_PORT,
    CONF_SERVER_ACCEPT_NEW,
    CONF_SERVER_CERTFILE,
    CONF_SERVER_KEYFILE,
)


class ServerOptionsStep(OptionsFlow):
    """The `ocpp_server` step of the hub's options."""

    async def async_step_ocpp_server(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The built-in OCPP central system."""
        options = self.config_entry.options
        errors = FormErrors()
        if user_input is not None:
            user_input[CONF_SERVER_PORT] = int(user_input[CONF_SERVER_PORT])
            if user_input[CONF_SERVER_ENABLED]:
                await self._check(user_input, errors)
            if not errors:
                # Every server key from the form: a cleared file field must not keep the old.
                kept = {k: v for k, v in options.items() if k not in SERVER_KEYS}
                return self.async_create_entry(data={**kept, **user_input})
        schema = vol.Schema(
            {
                vol.Required(CONF_SERVER_ENABLED, default=False): BooleanSelector(),
                vol.Required(CONF_SERVER_HOST, default=DEFAULT_SERVER_HOST): TextSelector(),
                vol.Required(CONF_SERVER_PORT, default=DEFAULT_SERVER_PORT): number_selector(
                    1, 65535
                ),
                vol.Required(CONF_SERVER_ACCEPT_NEW, default=False): BooleanSelector(),
                vol.Optional(CONF_SERVER_CERTFILE): TextSelector(),
                vol.Optional(CONF_SERVER_KEYFILE): TextSelector(),
            }
        )
        port = int((user_input or options).get(CONF_SERVER_PORT, DEFAULT_SERVER_PORT))
        return self.async_show_form(
            step_id="ocpp_server",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or options),
            errors=errors.errors,
            description_placeholders={"url": self._charger_url(port), **errors.placeholders},
        )

    def _charger_url(self, port: int) -> str:
        """Where a charger connects: this Home Assistant's own address on the local network."""
        try:
            host = urlsplit(get_url(self.hass, allow_external=False)).hostname
        except NoURLAvailableError:
            host = None
        return f"ws://{host or 'homeassistant.local'}:{port}/CHARGE_POINT_ID"

    async def _check(self, user_input: dict[str, Any], errors: FormErrors) -> None:
        host, port = user_input[CONF_SERVER_HOST].strip(), user_input[CONF_SERVER_PORT]
        user_input[CONF_SERVER_HOST] = host
        problem = await async_bind_problem(self.hass, self.config_entry.entry_id, host, port)
        field = CONF_SERVER_HOST if problem == ERR_CANNOT_BIND else CONF_SERVER_PORT
        errors.add(field, problem, host=host, port=str(port))
        certfile = user_input.get(CONF_SERVER_CERTFILE, "").strip() or None
        keyfile = user_input.get(CONF_SERVER_KEYFILE, "").strip() or None
        tls = await self.hass.async_add_executor_job(tls_problem, certfile, keyfile)
        if tls is not None:
            key, path = tls
            field = CONF_SERVER_CERTFILE if path == certfile else CONF_SERVER_KEYFILE
            errors.add(field, key, file=path)
