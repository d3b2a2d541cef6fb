"""What every load's subentry flow shares: placement on the site, and saving.

A load is placed by its wiring (the site phase of each of its lines), its circuit, its
priority and its initial mode. Adding and reconfiguring walk the same form; a load is stored
once per controlled entity (or charger connector) across all hubs.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)

from ..const import (
    CONF_CIRCUIT,
    CONF_CIRCUITS,
    CONF_LINES,
    CONF_MODE,
    CONF_NAME,
    CONF_PHASES,
    CONF_PRIORITY,
    DOMAIN,
)
from ..engine import Mode
from ..validation import circuit_parent_error, site_phases, wiring_error
from .common import (
    MAIN_BREAKER,
    FormErrors,
    circuit_choices,
    circuit_from_form,
    circuit_to_form,
    lines_from_form,
    lines_to_form,
    number_selector,
    select_selector,
    wiring_options,
)

MAX_PRIORITY = 10


class LoadSubentryFlow(ConfigSubentryFlow):
    """The form of one load type; subclasses give its fields, checks and identity."""

    modes: ClassVar[tuple[Mode, ...]]
    default_mode: ClassVar[Mode]

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a load to the hub."""
        return await self._async_load_form("user", user_input, {})

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a load; the form starts from what is stored."""
        stored = self._get_reconfigure_subentry().data
        return await self._async_load_form("reconfigure", user_input, self._to_form(stored))

    async def _async_load_form(
        self, step_id: str, user_input: dict[str, Any] | None, suggested: dict[str, Any]
    ) -> SubentryFlowResult:
        errors = FormErrors()
        if user_input is not None:
            errors = self._validate(user_input)
            self._validate_shared(user_input, errors)
            if not errors:
                self._data = self._from_form(user_input)
                return await self._async_form_done()
            suggested = user_input
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(vol.Schema(self._fields()), suggested),
            errors=errors.errors,
            description_placeholders=errors.placeholders,
        )

    async def _async_form_done(self) -> SubentryFlowResult:
        """The first form is valid and `_data` holds it: save (or ask more, see EVSE)."""
        return self._async_save()

    # --- what a load type provides ----------------------------------------------------

    @abstractmethod
    def _fields(self) -> dict[Any, Any]:
        """The form's schema, with `_shared_fields()` where the placement belongs."""

    @abstractmethod
    def _validate(self, user_input: dict[str, Any]) -> FormErrors:
        """Checks of the type's own fields."""

    @abstractmethod
    def _from_form(self, user_input: dict[str, Any]) -> dict[str, Any]:
        """The subentry data, with `_shared_from_form()` merged in."""

    @abstractmethod
    def _to_form(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The stored data as form values, with `_shared_to_form()` merged in."""

    @abstractmethod
    def _unique_id(self, data: Mapping[str, Any]) -> str:
        """What the load controls: one subentry per device or entity."""

    # --- placement ---------------------------------------------------------------------

    @property
    def _hub(self) -> ConfigEntry:
        return self._get_entry()

    @property
    def _phases(self) -> int:
        phases: int = self._hub.data[CONF_PHASES]
        return phases

    def _shared_fields(self, lines: list[str] | None = None) -> dict[Any, Any]:
        """Wiring (all site phases unless `lines`), circuit, priority and initial mode."""
        circuits = self._hub.data.get(CONF_CIRCUITS, [])
        priority = min(len(self._hub.subentries) + 1, MAX_PRIORITY)
        fields: dict[Any, Any] = {
            vol.Required(CONF_LINES, default=lines_to_form(lines or site_phases(self._phases))): (
                select_selector(wiring_options(self._phases), "lines", dropdown=True)
            )
        }
        if circuits:
            fields[vol.Required(CONF_CIRCUIT, default=MAIN_BREAKER)] = select_selector(
                circuit_choices(circuits), "circuit", dropdown=True
            )
        fields[vol.Required(CONF_PRIORITY, default=priority)] = number_selector(1, MAX_PRIORITY)
        fields[vol.Required(CONF_MODE, default=self.default_mode.value)] = select_selector(
            [mode.value for mode in self.modes], "mode"
        )
        return fields

    def _validate_shared(self, user_input: dict[str, Any], errors: FormErrors) -> None:
        # The form offers only what the hub had when it was shown; the hub may have changed
        # (phases, circuits) while it was open.
        errors.add(CONF_LINES, wiring_error(lines_from_form(user_input[CONF_LINES]), self._phases))
        circuit = circuit_from_form(user_input.get(CONF_CIRCUIT, MAIN_BREAKER))
        circuits = self._hub.data.get(CONF_CIRCUITS, [])
        errors.add(CONF_CIRCUIT, circuit_parent_error(circuits, None, circuit))

    @staticmethod
    def _shared_from_form(user_input: dict[str, Any]) -> dict[str, Any]:
        return {
            CONF_NAME: user_input[CONF_NAME],
            CONF_LINES: lines_from_form(user_input[CONF_LINES]),
            CONF_CIRCUIT: circuit_from_form(user_input.get(CONF_CIRCUIT, MAIN_BREAKER)),
            CONF_PRIORITY: int(user_input[CONF_PRIORITY]),
            CONF_MODE: user_input[CONF_MODE],
        }

    @staticmethod
    def _shared_to_form(data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            CONF_NAME: data[CONF_NAME],
            CONF_LINES: lines_to_form(data[CONF_LINES]),
            CONF_CIRCUIT: circuit_to_form(data.get(CONF_CIRCUIT)),
            CONF_PRIORITY: data[CONF_PRIORITY],
            CONF_MODE: data[CONF_MODE],
        }

    # --- saving ------------------------------------------------------------------------

    def _is_taken(self, unique_id: str) -> bool:
        """Whether another load of any Ampwise hub already controls this."""
        own = self.context.get("subentry_id")  # set only when reconfiguring
        return any(
            subentry.unique_id == unique_id and subentry.subentry_id != own
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            for subentry in entry.subentries.values()
        )

    def _async_save(self) -> SubentryFlowResult:
        unique_id = self._unique_id(self._data)
        if self._is_taken(unique_id):
            return self.async_abort(reason="already_configured")
        title = self._data[CONF_NAME]
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_and_abort(
                self._hub,
                self._get_reconfigure_subentry(),
                title=title,
                data=self._data,
                unique_id=unique_id,
            )
        return self.async_create_entry(title=title, data=self._data, unique_id=unique_id)
