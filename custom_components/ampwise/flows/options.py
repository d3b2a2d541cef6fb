"""The hub's options: control timing, the tree of circuits under the main breaker, and the
built-in OCPP server (`server.py`).

Timing and the server live in `entry.options`. Circuits describe the site, so they live in
`entry.data` (CONF_CIRCUITS); the options flow edits them there and finishes with the options
unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.helpers.selector import TextSelector
from homeassistant.util import slugify

from ..const import (
    CIRCUIT_ID,
    CIRCUIT_LIMIT_A,
    CIRCUIT_LIMIT_W,
    CIRCUIT_NAME,
    CIRCUIT_PARENT,
    CIRCUIT_SENSORS,
    CONF_CIRCUIT,
    CONF_CIRCUITS,
    CONF_EXCESS_HOLD,
    CONF_EXCESS_THRESHOLD,
    CONF_INTERVAL,
    CONF_MIN_PAUSE,
    CONF_PHASES,
    CONF_PROFILE_TIMEOUT,
    CONF_STALE_AFTER,
    CONF_START_DELAY,
    CONF_STOP_DELAY,
    DEFAULT_EXCESS_HOLD,
    DEFAULT_EXCESS_THRESHOLD,
    DEFAULT_INTERVAL,
    DEFAULT_MIN_PAUSE,
    DEFAULT_STALE_AFTER,
    DEFAULT_START_DELAY,
    DEFAULT_STOP_DELAY,
    SUBENTRY_EVSE,
)
from ..validation import SensorRole, circuit_parent_error, positive_error
from .common import (
    MAIN_BREAKER,
    FormErrors,
    circuit_choices,
    circuit_from_form,
    circuit_to_form,
    number_selector,
    phase_fields,
    select_selector,
    sensor_selector,
)
from .server import ServerOptionsStep
from .site import metering_sensors

SENSOR_PREFIX: Final = "sensor"
ERR_INTERVAL_ABOVE_TIMEOUT: Final = "interval_above_timeout"
ERR_NAME_IN_USE: Final = "name_in_use"
ERR_SENSORS_INCOMPLETE: Final = "sensors_incomplete"
ERR_CIRCUIT_IN_USE: Final = "circuit_in_use"

# (key, default, min, max, unit, step)
_TIMING: Final = (
    (CONF_INTERVAL, DEFAULT_INTERVAL, 1, 300, "s", 1),
    (CONF_START_DELAY, DEFAULT_START_DELAY, 0, 3600, "s", 1),
    (CONF_STOP_DELAY, DEFAULT_STOP_DELAY, 0, 3600, "s", 1),
    (CONF_EXCESS_HOLD, DEFAULT_EXCESS_HOLD, 0, 86400, "s", 1),
    (CONF_MIN_PAUSE, DEFAULT_MIN_PAUSE, 0, 3600, "s", 1),
    (CONF_STALE_AFTER, DEFAULT_STALE_AFTER, 1, 3600, "s", 1),
    (CONF_EXCESS_THRESHOLD, DEFAULT_EXCESS_THRESHOLD, 0, 1_000_000, "W", 100),
)
TIMING_DEFAULTS: Final[Mapping[str, float]] = {key: default for key, default, *_ in _TIMING}


def circuit_id_for(name: str, taken: set[str]) -> str:
    """A stable id from the name, unique on the site and never the main breaker's value."""
    base = slugify(name) or "circuit"
    candidate, suffix = base, 1
    while candidate in taken or candidate == MAIN_BREAKER:
        suffix += 1
        candidate = f"{base}_{suffix}"
    return candidate


def _descendants(circuits: list[dict[str, Any]], circuit_id: str) -> set[str]:
    """The circuit and every circuit below it."""
    found = {circuit_id}
    grew = True
    while grew:
        below = {c[CIRCUIT_ID] for c in circuits if c.get(CIRCUIT_PARENT) in found}
        grew = not below <= found
        found |= below
    return found


class AmpwiseOptionsFlow(ServerOptionsStep):
    """Menu: timing, add / edit / remove a circuit, or the built-in OCPP server."""

    def __init__(self) -> None:
        self._circuit_id: str | None = None  # the circuit being edited; None while adding

    @property
    def _circuits(self) -> list[dict[str, Any]]:
        return [dict(circuit) for circuit in self.config_entry.data.get(CONF_CIRCUITS, [])]

    async def async_step_init(
        self,
        user_input: dict[str, Any] | None = None,  # noqa: ARG002
    ) -> ConfigFlowResult:
        """Offer what can be changed; editing and removing need a circuit to exist."""
        menu = ["timing", "circuit_add"]
        if self._circuits:
            menu += ["circuit_edit", "circuit_remove"]
        menu.append("ocpp_server")
        return self.async_show_menu(step_id="init", menu_options=menu)

    async def async_step_timing(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Control loop timing and the excess threshold."""
        errors = FormErrors()
        options = self.config_entry.options
        if user_input is not None:
            interval = user_input[CONF_INTERVAL]
            # A dynamic profile must outlive the interval, or chargers drop to the failsafe.
            if chargers := [
                sub.title
                for sub in self.config_entry.subentries.values()
                if sub.subentry_type == SUBENTRY_EVSE and sub.data[CONF_PROFILE_TIMEOUT] <= interval
            ]:
                errors.add(CONF_INTERVAL, ERR_INTERVAL_ABOVE_TIMEOUT, names=", ".join(chargers))
            else:
                return self.async_create_entry(data={**options, **user_input})
        schema = vol.Schema(
            {
                vol.Required(key, default=default): number_selector(low, high, unit, step)
                for key, default, low, high, unit, step in _TIMING
            }
        )
        return self.async_show_form(
            step_id="timing",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or options),
            errors=errors.errors,
            description_placeholders=errors.placeholders,
        )

    async def async_step_circuit_add(
        self,
        user_input: dict[str, Any] | None = None,  # noqa: ARG002
    ) -> ConfigFlowResult:
        """Start a new circuit."""
        self._circuit_id = None
        return await self.async_step_circuit()

    async def async_step_circuit_edit(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the circuit to edit."""
        if user_input is not None:
            self._circuit_id = user_input[CONF_CIRCUIT]
            return await self.async_step_circuit()
        return self.async_show_form(step_id="circuit_edit", data_schema=self._pick_schema())

    async def async_step_circuit(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name, limits, parent and optional current sensors of one circuit."""
        circuits = self._circuits
        others = [c for c in circuits if c[CIRCUIT_ID] != self._circuit_id]
        errors = FormErrors()
        if user_input is not None:
            errors = self._validate_circuit(user_input, others)
            if not errors:
                circuit = self._circuit_from_form(user_input, others)
                if self._circuit_id is None:
                    circuits.append(circuit)
                else:
                    circuits = [
                        circuit if c[CIRCUIT_ID] == self._circuit_id else c for c in circuits
                    ]
                return self._save_circuits(circuits)
            suggested = user_input
        elif self._circuit_id is None:
            suggested = {CIRCUIT_PARENT: MAIN_BREAKER}
        else:
            current = next(c for c in circuits if c[CIRCUIT_ID] == self._circuit_id)
            suggested = self._circuit_to_form(current)
        return self.async_show_form(
            step_id="circuit",
            data_schema=self.add_suggested_values_to_schema(
                self._circuit_schema(circuits), suggested
            ),
            errors=errors.errors,
            description_placeholders=errors.placeholders,
        )

    async def async_step_circuit_remove(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove a circuit nothing hangs on any more."""
        errors = FormErrors()
        if user_input is not None:
            circuit_id = user_input[CONF_CIRCUIT]
            circuits = self._circuits
            users = [
                sub.title
                for sub in self.config_entry.subentries.values()
                if sub.data.get(CONF_CIRCUIT) == circuit_id
            ] + [c[CIRCUIT_NAME] for c in circuits if c.get(CIRCUIT_PARENT) == circuit_id]
            if not users:
                return self._save_circuits([c for c in circuits if c[CIRCUIT_ID] != circuit_id])
            errors.add(CONF_CIRCUIT, ERR_CIRCUIT_IN_USE, names=", ".join(users))
        return self.async_show_form(
            step_id="circuit_remove",
            data_schema=self._pick_schema(),
            errors=errors.errors,
            description_placeholders=errors.placeholders,
        )

    def _pick_schema(self) -> vol.Schema:
        choices = circuit_choices(self._circuits)[1:]  # every circuit, not the main breaker
        return vol.Schema(
            {vol.Required(CONF_CIRCUIT): select_selector(choices, "circuit", dropdown=True)}
        )

    def _circuit_schema(self, circuits: list[dict[str, Any]]) -> vol.Schema:
        # A circuit cannot hang below itself or anything below it.
        below = _descendants(circuits, self._circuit_id) if self._circuit_id else set()
        sensors: dict[Any, Any] = {
            vol.Optional(field): sensor_selector(SensorRole.CURRENT)
            for _, field in phase_fields(SENSOR_PREFIX, self.config_entry.data[CONF_PHASES])
        }
        return vol.Schema(
            {
                vol.Required(CIRCUIT_NAME): TextSelector(),
                vol.Required(CIRCUIT_LIMIT_A): number_selector(0, 2000, "A", 0.5),
                vol.Optional(CIRCUIT_LIMIT_W): number_selector(0, 1_000_000, "W", 100),
                vol.Required(CIRCUIT_PARENT): select_selector(
                    circuit_choices(circuits, exclude=below), "circuit", dropdown=True
                ),
                **sensors,
            }
        )

    def _validate_circuit(
        self, user_input: dict[str, Any], others: list[dict[str, Any]]
    ) -> FormErrors:
        errors = FormErrors()
        name = user_input[CIRCUIT_NAME]
        if any(c[CIRCUIT_NAME].casefold() == name.casefold() for c in others):
            errors.add(CIRCUIT_NAME, ERR_NAME_IN_USE, name=name)
        errors.add(CIRCUIT_LIMIT_A, positive_error(user_input[CIRCUIT_LIMIT_A]))
        errors.add(CIRCUIT_LIMIT_W, positive_error(user_input.get(CIRCUIT_LIMIT_W)))
        parent = circuit_from_form(user_input[CIRCUIT_PARENT])
        errors.add(CIRCUIT_PARENT, circuit_parent_error(others, self._circuit_id, parent))
        fields = phase_fields(SENSOR_PREFIX, self.config_entry.data[CONF_PHASES])
        given = [field for _, field in fields if user_input.get(field)]
        # The engine reads a circuit on every site phase or not at all.
        if given:
            for _, field in fields:
                if field not in given:
                    errors.add(field, ERR_SENSORS_INCOMPLETE)
        seen = set(metering_sensors(self.config_entry.data))
        for circuit in others:
            seen.update(circuit.get(CIRCUIT_SENSORS, []))
        for field in given:
            errors.check_sensor(self.hass, field, user_input[field], SensorRole.CURRENT, seen)
        return errors

    def _circuit_from_form(
        self, user_input: dict[str, Any], others: list[dict[str, Any]]
    ) -> dict[str, Any]:
        fields = phase_fields(SENSOR_PREFIX, self.config_entry.data[CONF_PHASES])
        return {
            CIRCUIT_ID: self._circuit_id
            or circuit_id_for(user_input[CIRCUIT_NAME], {c[CIRCUIT_ID] for c in others}),
            CIRCUIT_NAME: user_input[CIRCUIT_NAME],
            CIRCUIT_LIMIT_A: user_input[CIRCUIT_LIMIT_A],
            CIRCUIT_LIMIT_W: user_input.get(CIRCUIT_LIMIT_W),
            CIRCUIT_PARENT: circuit_from_form(user_input[CIRCUIT_PARENT]),
            CIRCUIT_SENSORS: [user_input[field] for _, field in fields if user_input.get(field)],
        }

    def _circuit_to_form(self, circuit: Mapping[str, Any]) -> dict[str, Any]:
        fields = phase_fields(SENSOR_PREFIX, self.config_entry.data[CONF_PHASES])
        form = {
            CIRCUIT_NAME: circuit[CIRCUIT_NAME],
            CIRCUIT_LIMIT_A: circuit[CIRCUIT_LIMIT_A],
            CIRCUIT_PARENT: circuit_to_form(circuit.get(CIRCUIT_PARENT)),
        }
        if circuit.get(CIRCUIT_LIMIT_W) is not None:
            form[CIRCUIT_LIMIT_W] = circuit[CIRCUIT_LIMIT_W]
        for (_, field), entity_id in zip(fields, circuit.get(CIRCUIT_SENSORS, []), strict=False):
            form[field] = entity_id
        return form

    def _save_circuits(self, circuits: list[dict[str, Any]]) -> ConfigFlowResult:
        entry = self.config_entry
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_CIRCUITS: circuits}
        )
        return self.async_create_entry(data=dict(entry.options))
