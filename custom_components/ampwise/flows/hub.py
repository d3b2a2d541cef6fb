"""The hub: one electrical site, created and reconfigured through the same forms."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
)
from homeassistant.core import callback

from ..const import (
    CIRCUIT_NAME,
    CIRCUIT_SENSORS,
    CONF_CIRCUITS,
    CONF_LINES,
    CONF_METERING,
    CONF_NAME,
    CONF_PHASES,
    DOMAIN,
    METERING_OFF_GRID,
    METERING_PER_PHASE,
    METERING_TOTAL,
    SUBENTRY_EVSE,
    SUBENTRY_NUMBER,
    SUBENTRY_SWITCH,
)
from ..validation import wiring_error
from .common import FormErrors
from .evse import EvseSubentryFlow
from .number import NumberSubentryFlow
from .options import TIMING_DEFAULTS, AmpwiseOptionsFlow
from .site import METERING_STEPS, SITE, STORAGE, SiteStep, site_unique_id
from .switch import SwitchSubentryFlow

ERR_PHASES_IN_USE: Final = "phases_in_use"


class AmpwiseConfigFlow(ConfigFlow, domain=DOMAIN):
    """Site → how it is metered → solar and battery; reconfigure walks the same steps."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        self._site: dict[str, Any] = {CONF_CIRCUITS: []}
        self._options: dict[str, Any] = dict(TIMING_DEFAULTS)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> AmpwiseOptionsFlow:  # noqa: ARG004
        """Timing and circuits."""
        return AmpwiseOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls,
        config_entry: ConfigEntry,  # noqa: ARG003
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Loads are subentries of the hub."""
        return {
            SUBENTRY_EVSE: EvseSubentryFlow,
            SUBENTRY_SWITCH: SwitchSubentryFlow,
            SUBENTRY_NUMBER: NumberSubentryFlow,
        }

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The site: name, phases, voltage, main breaker, metering."""
        return await self._async_site_step(SITE, user_input, "user")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the site; loads and circuits stay."""
        if user_input is None:
            self._site = dict(self._get_reconfigure_entry().data)
        return await self._async_site_step(SITE, user_input, "reconfigure")

    async def async_step_grid_phases(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A grid sensor per phase."""
        return await self._async_site_step(METERING_STEPS[METERING_PER_PHASE], user_input)

    async def async_step_grid_total(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One net grid power sensor."""
        return await self._async_site_step(METERING_STEPS[METERING_TOTAL], user_input)

    async def async_step_inverter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Off-grid: the inverter's output and limits."""
        return await self._async_site_step(METERING_STEPS[METERING_OFF_GRID], user_input)

    async def async_step_solar_battery(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Optional solar production and home battery."""
        return await self._async_site_step(STORAGE, user_input)

    async def _async_site_step(
        self, step: SiteStep, user_input: dict[str, Any] | None, step_id: str | None = None
    ) -> ConfigFlowResult:
        reconfiguring = self.source == SOURCE_RECONFIGURE
        if user_input is not None:
            errors = step.validate(self.hass, self._site, user_input)
            if step is SITE and reconfiguring:
                self._check_phases_in_use(int(user_input[CONF_PHASES]), errors)
            if not errors:
                step.apply(self._site, self._options, user_input)
                return await self._async_step_done(step)
            suggested = user_input
        else:
            errors = FormErrors()
            suggested = step.to_form(self._site) if reconfiguring else {}
        schema = step.schema(self._site, not reconfiguring)
        return self.async_show_form(
            step_id=step_id or step.step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema, {key: value for key, value in suggested.items() if value is not None}
            ),
            errors=errors.errors,
            description_placeholders=errors.placeholders,
        )

    async def _async_step_done(self, step: SiteStep) -> ConfigFlowResult:
        if step is SITE:
            return await self._async_site_step(METERING_STEPS[self._site[CONF_METERING]], None)
        if step is not STORAGE:
            # The meter is known now: refuse a second hub on it before asking more.
            unique_id = site_unique_id(self._site)
            if self.source != SOURCE_RECONFIGURE:
                await self.async_set_unique_id(unique_id, raise_on_progress=False)
                self._abort_if_unique_id_configured()
            elif any(
                entry.unique_id == unique_id
                for entry in self._async_current_entries(include_ignore=False)
                if entry.entry_id != self._reconfigure_entry_id
            ):
                return self.async_abort(reason="already_configured")
            return await self._async_site_step(STORAGE, None)
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(),
                title=self._site[CONF_NAME],
                unique_id=site_unique_id(self._site),
                data=self._site,
            )
        return self.async_create_entry(
            title=self._site[CONF_NAME], data=self._site, options=self._options
        )

    def _check_phases_in_use(self, phases: int, errors: FormErrors) -> None:
        """Loads wired to a phase the site would lose, and circuits measured per phase."""
        entry = self._get_reconfigure_entry()
        if phases == entry.data[CONF_PHASES]:
            return
        users = [
            subentry.title
            for subentry in entry.subentries.values()
            if wiring_error(subentry.data[CONF_LINES], phases)
        ] + [
            circuit[CIRCUIT_NAME]
            for circuit in entry.data.get(CONF_CIRCUITS, [])
            if circuit.get(CIRCUIT_SENSORS)
        ]
        if users:
            errors.add(CONF_PHASES, ERR_PHASES_IN_USE, names=", ".join(users))
