"""The hub's forms: the site, how it is metered, solar and battery.

Each step is a `SiteStep`: its schema, the stored site shown as form values, the checks, and
how the answer lands in the entry's `data` (the site) and `options` (setup-time tunables).
The hub flow and its reconfigure walk the same steps; only the user flow asks for options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import TextSelector

from ..const import (
    CONF_BATTERY_CAPACITY,
    CONF_BATTERY_MAX_CHARGE,
    CONF_BATTERY_MAX_DISCHARGE,
    CONF_BATTERY_POWER_SENSOR,
    CONF_BATTERY_POWER_SIGN,
    CONF_BATTERY_SOC_SENSOR,
    CONF_EXCESS_THRESHOLD,
    CONF_GRID_INVERT,
    CONF_GRID_POWER_SENSOR,
    CONF_GRID_SENSORS,
    CONF_GRID_SIGN,
    CONF_INVERTER_MAX_A,
    CONF_INVERTER_MAX_W,
    CONF_INVERTER_SENSORS,
    CONF_MAIN_BREAKER,
    CONF_METERING,
    CONF_NAME,
    CONF_PHASES,
    CONF_SOLAR_SENSOR,
    CONF_VOLTAGE,
    DEFAULT_BATTERY_MAX_POWER,
    DEFAULT_EXCESS_THRESHOLD,
    DEFAULT_MAIN_BREAKER,
    DEFAULT_VOLTAGE,
    METERING_OFF_GRID,
    METERING_PER_PHASE,
    METERING_TOTAL,
    SETTING_MAX_IMPORT,
    SIGN_CHARGE_POSITIVE,
    SIGN_DISCHARGE_POSITIVE,
    SIGN_EXPORT_POSITIVE,
    SIGN_IMPORT_POSITIVE,
)
from ..validation import SensorRole, breaker_error, positive_error, site_phases
from .common import (
    FormErrors,
    number_selector,
    phase_fields,
    select_selector,
    sensor_selector,
)

GRID_PREFIX: Final = "grid_sensor"
INVERTER_PREFIX: Final = "inverter_sensor"
ERR_BATTERY_INCOMPLETE: Final = "battery_incomplete"


def _blank_measurements() -> dict[str, Any]:
    """Measurement keys with their value when the site's metering does not use them, so every
    entry carries the same keys whatever was chosen."""
    return {
        CONF_GRID_SENSORS: [],
        CONF_GRID_POWER_SENSOR: None,
        CONF_GRID_SIGN: SIGN_IMPORT_POSITIVE,
        CONF_GRID_INVERT: [],
        CONF_INVERTER_SENSORS: [],
        CONF_INVERTER_MAX_W: None,
        CONF_INVERTER_MAX_A: None,
    }


@dataclass(frozen=True, slots=True)
class SiteStep:
    """One hub form. `site` is the site as stored (entry.data keys) so far in this flow."""

    step_id: str
    schema: Callable[[Mapping[str, Any], bool], vol.Schema]  # (site, initial)
    to_form: Callable[[Mapping[str, Any]], dict[str, Any]]
    validate: Callable[[HomeAssistant, Mapping[str, Any], dict[str, Any]], FormErrors]
    # (site, options, user_input): writes the answer into site and options
    apply: Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], None]


def _sign_selector() -> Any:
    return select_selector([SIGN_IMPORT_POSITIVE, SIGN_EXPORT_POSITIVE], "grid_sign")


def _max_import(initial: bool) -> dict[Any, Any]:
    """Initial maximum import; afterwards a number entity of the hub changes it."""
    if not initial:
        return {}
    return {vol.Optional(SETTING_MAX_IMPORT): number_selector(0, 1_000_000, "W", 100)}


def _apply_max_import(options: dict[str, Any], user_input: Mapping[str, Any]) -> None:
    if (max_import := user_input.get(SETTING_MAX_IMPORT)) is not None:
        options[SETTING_MAX_IMPORT] = max_import


def _sensors_to_form(prefix: str, site: Mapping[str, Any], key: str) -> dict[str, Any]:
    fields = phase_fields(prefix, site[CONF_PHASES])
    return {field: entity for (_, field), entity in zip(fields, site.get(key, []), strict=False)}


def _phase_sensor_fields(prefix: str, site: Mapping[str, Any]) -> dict[Any, Any]:
    """One required current-or-power sensor per site phase."""
    return {
        vol.Required(field): sensor_selector(SensorRole.CURRENT_OR_POWER)
        for _, field in phase_fields(prefix, site[CONF_PHASES])
    }


def _check_phase_sensors(
    hass: HomeAssistant, prefix: str, site: Mapping[str, Any], user_input: dict[str, Any]
) -> FormErrors:
    errors = FormErrors()
    seen: set[str] = set()
    for _, field in phase_fields(prefix, site[CONF_PHASES]):
        errors.check_sensor(hass, field, user_input[field], SensorRole.CURRENT_OR_POWER, seen)
    return errors


def _phase_sensors_from_form(
    prefix: str, site: Mapping[str, Any], user_input: dict[str, Any]
) -> list[str]:
    return [user_input[field] for _, field in phase_fields(prefix, site[CONF_PHASES])]


# --- site --------------------------------------------------------------------------------


def _site_schema(_site: Mapping[str, Any], _initial: bool) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default="Home"): TextSelector(),
            vol.Required(CONF_PHASES, default="3"): select_selector(["1", "2", "3"], "phases"),
            vol.Required(CONF_VOLTAGE, default=DEFAULT_VOLTAGE): number_selector(100, 480, "V"),
            vol.Required(CONF_MAIN_BREAKER, default=DEFAULT_MAIN_BREAKER): number_selector(
                0, 2000, "A", 0.5
            ),
            vol.Required(CONF_METERING, default=METERING_PER_PHASE): select_selector(
                [METERING_PER_PHASE, METERING_TOTAL, METERING_OFF_GRID], "metering"
            ),
        }
    )


def _site_to_form(site: Mapping[str, Any]) -> dict[str, Any]:
    return {
        CONF_NAME: site[CONF_NAME],
        CONF_PHASES: str(site[CONF_PHASES]),
        CONF_VOLTAGE: site[CONF_VOLTAGE],
        CONF_MAIN_BREAKER: site[CONF_MAIN_BREAKER],
        CONF_METERING: site[CONF_METERING],
    }


def _site_validate(
    _hass: HomeAssistant, _site: Mapping[str, Any], user_input: dict[str, Any]
) -> FormErrors:
    errors = FormErrors()
    errors.add(CONF_MAIN_BREAKER, breaker_error(user_input[CONF_MAIN_BREAKER]))
    return errors


def _site_apply(site: dict[str, Any], _options: dict[str, Any], user_input: dict[str, Any]) -> None:
    site.update(user_input)
    site[CONF_PHASES] = int(user_input[CONF_PHASES])


SITE = SiteStep("user", _site_schema, _site_to_form, _site_validate, _site_apply)


# --- metering ----------------------------------------------------------------------------


def _grid_phases_schema(site: Mapping[str, Any], initial: bool) -> vol.Schema:
    return vol.Schema(
        {
            **_phase_sensor_fields(GRID_PREFIX, site),
            vol.Required(CONF_GRID_SIGN, default=SIGN_IMPORT_POSITIVE): _sign_selector(),
            vol.Optional(CONF_GRID_INVERT, default=[]): select_selector(
                list(site_phases(site[CONF_PHASES])), None, multiple=True
            ),
            **_max_import(initial),
        }
    )


def _grid_phases_to_form(site: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_sensors_to_form(GRID_PREFIX, site, CONF_GRID_SENSORS),
        CONF_GRID_SIGN: site[CONF_GRID_SIGN],
        CONF_GRID_INVERT: site[CONF_GRID_INVERT],
    }


def _grid_phases_validate(
    hass: HomeAssistant, site: Mapping[str, Any], user_input: dict[str, Any]
) -> FormErrors:
    return _check_phase_sensors(hass, GRID_PREFIX, site, user_input)


def _grid_phases_apply(
    site: dict[str, Any], options: dict[str, Any], user_input: dict[str, Any]
) -> None:
    site.update(_blank_measurements())
    site[CONF_GRID_SENSORS] = _phase_sensors_from_form(GRID_PREFIX, site, user_input)
    site[CONF_GRID_SIGN] = user_input[CONF_GRID_SIGN]
    site[CONF_GRID_INVERT] = sorted(user_input[CONF_GRID_INVERT])
    _apply_max_import(options, user_input)


def _grid_total_schema(_site: Mapping[str, Any], initial: bool) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_GRID_POWER_SENSOR): sensor_selector(SensorRole.POWER),
            vol.Required(CONF_GRID_SIGN, default=SIGN_IMPORT_POSITIVE): _sign_selector(),
            **_max_import(initial),
        }
    )


def _grid_total_to_form(site: Mapping[str, Any]) -> dict[str, Any]:
    return {
        CONF_GRID_POWER_SENSOR: site[CONF_GRID_POWER_SENSOR],
        CONF_GRID_SIGN: site[CONF_GRID_SIGN],
    }


def _grid_total_validate(
    hass: HomeAssistant, _site: Mapping[str, Any], user_input: dict[str, Any]
) -> FormErrors:
    errors = FormErrors()
    sensor = user_input[CONF_GRID_POWER_SENSOR]
    errors.check_sensor(hass, CONF_GRID_POWER_SENSOR, sensor, SensorRole.POWER, set())
    return errors


def _grid_total_apply(
    site: dict[str, Any], options: dict[str, Any], user_input: dict[str, Any]
) -> None:
    site.update(_blank_measurements())
    site[CONF_GRID_POWER_SENSOR] = user_input[CONF_GRID_POWER_SENSOR]
    site[CONF_GRID_SIGN] = user_input[CONF_GRID_SIGN]
    _apply_max_import(options, user_input)


def _inverter_schema(site: Mapping[str, Any], _initial: bool) -> vol.Schema:
    return vol.Schema(
        {
            **_phase_sensor_fields(INVERTER_PREFIX, site),
            vol.Required(CONF_INVERTER_MAX_W): number_selector(0, 1_000_000, "W", 100),
            vol.Required(CONF_INVERTER_MAX_A): number_selector(0, 2000, "A", 0.5),
        }
    )


def _inverter_to_form(site: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_sensors_to_form(INVERTER_PREFIX, site, CONF_INVERTER_SENSORS),
        CONF_INVERTER_MAX_W: site[CONF_INVERTER_MAX_W],
        CONF_INVERTER_MAX_A: site[CONF_INVERTER_MAX_A],
    }


def _inverter_validate(
    hass: HomeAssistant, site: Mapping[str, Any], user_input: dict[str, Any]
) -> FormErrors:
    errors = _check_phase_sensors(hass, INVERTER_PREFIX, site, user_input)
    for key in (CONF_INVERTER_MAX_W, CONF_INVERTER_MAX_A):
        errors.add(key, positive_error(user_input[key]))
    return errors


def _inverter_apply(
    site: dict[str, Any], _options: dict[str, Any], user_input: dict[str, Any]
) -> None:
    site.update(_blank_measurements())
    site[CONF_INVERTER_SENSORS] = _phase_sensors_from_form(INVERTER_PREFIX, site, user_input)
    site[CONF_INVERTER_MAX_W] = user_input[CONF_INVERTER_MAX_W]
    site[CONF_INVERTER_MAX_A] = user_input[CONF_INVERTER_MAX_A]


METERING_STEPS: Final[Mapping[str, SiteStep]] = {
    METERING_PER_PHASE: SiteStep(
        "grid_phases",
        _grid_phases_schema,
        _grid_phases_to_form,
        _grid_phases_validate,
        _grid_phases_apply,
    ),
    METERING_TOTAL: SiteStep(
        "grid_total",
        _grid_total_schema,
        _grid_total_to_form,
        _grid_total_validate,
        _grid_total_apply,
    ),
    METERING_OFF_GRID: SiteStep(
        "inverter", _inverter_schema, _inverter_to_form, _inverter_validate, _inverter_apply
    ),
}


def metering_sensors(site: Mapping[str, Any]) -> list[str]:
    """The entities that measure the site's connection: what makes one site this site."""
    if site[CONF_METERING] == METERING_TOTAL:
        return [site[CONF_GRID_POWER_SENSOR]]
    if site[CONF_METERING] == METERING_OFF_GRID:
        return list(site[CONF_INVERTER_SENSORS])
    return list(site[CONF_GRID_SENSORS])


def site_unique_id(site: Mapping[str, Any]) -> str:
    """Two hubs on the same meter are the same site."""
    return "|".join(sorted(metering_sensors(site)))


# --- solar and battery -------------------------------------------------------------------

_STORAGE_SENSORS: Final = (
    (CONF_SOLAR_SENSOR, SensorRole.POWER),
    (CONF_BATTERY_POWER_SENSOR, SensorRole.POWER),
    (CONF_BATTERY_SOC_SENSOR, SensorRole.SOC),
)


def _storage_schema(_site: Mapping[str, Any], initial: bool) -> vol.Schema:
    threshold: dict[Any, Any] = (
        {
            vol.Required(CONF_EXCESS_THRESHOLD, default=DEFAULT_EXCESS_THRESHOLD): number_selector(
                0, 1_000_000, "W", 100
            )
        }
        if initial
        else {}
    )
    return vol.Schema(
        {
            vol.Optional(CONF_SOLAR_SENSOR): sensor_selector(SensorRole.POWER),
            vol.Optional(CONF_BATTERY_POWER_SENSOR): sensor_selector(SensorRole.POWER),
            vol.Required(CONF_BATTERY_POWER_SIGN, default=SIGN_CHARGE_POSITIVE): select_selector(
                [SIGN_CHARGE_POSITIVE, SIGN_DISCHARGE_POSITIVE], "battery_sign"
            ),
            vol.Optional(CONF_BATTERY_SOC_SENSOR): sensor_selector(SensorRole.SOC),
            vol.Optional(CONF_BATTERY_CAPACITY): number_selector(0, 10_000, "kWh", 0.1),
            vol.Required(
                CONF_BATTERY_MAX_CHARGE, default=DEFAULT_BATTERY_MAX_POWER
            ): number_selector(0, 1_000_000, "W", 100),
            vol.Required(
                CONF_BATTERY_MAX_DISCHARGE, default=DEFAULT_BATTERY_MAX_POWER
            ): number_selector(0, 1_000_000, "W", 100),
            **threshold,
        }
    )


def _storage_to_form(site: Mapping[str, Any]) -> dict[str, Any]:
    keys = (
        CONF_SOLAR_SENSOR,
        CONF_BATTERY_POWER_SENSOR,
        CONF_BATTERY_POWER_SIGN,
        CONF_BATTERY_SOC_SENSOR,
        CONF_BATTERY_CAPACITY,
        CONF_BATTERY_MAX_CHARGE,
        CONF_BATTERY_MAX_DISCHARGE,
    )
    return {key: site[key] for key in keys if site.get(key) is not None}


def _storage_validate(
    hass: HomeAssistant, site: Mapping[str, Any], user_input: dict[str, Any]
) -> FormErrors:
    errors = FormErrors()
    seen = set(metering_sensors(site))
    for key, role in _STORAGE_SENSORS:
        errors.check_sensor(hass, key, user_input.get(key), role, seen)
    # The battery policy needs both what the battery does and how full it is.
    power, soc = user_input.get(CONF_BATTERY_POWER_SENSOR), user_input.get(CONF_BATTERY_SOC_SENSOR)
    if power and not soc:
        errors.add(CONF_BATTERY_SOC_SENSOR, ERR_BATTERY_INCOMPLETE)
    if soc and not power:
        errors.add(CONF_BATTERY_POWER_SENSOR, ERR_BATTERY_INCOMPLETE)
    for key in (CONF_BATTERY_CAPACITY, CONF_BATTERY_MAX_CHARGE, CONF_BATTERY_MAX_DISCHARGE):
        errors.add(key, positive_error(user_input.get(key)))
    return errors


def _storage_apply(
    site: dict[str, Any], options: dict[str, Any], user_input: dict[str, Any]
) -> None:
    for key in (
        CONF_SOLAR_SENSOR,
        CONF_BATTERY_POWER_SENSOR,
        CONF_BATTERY_SOC_SENSOR,
        CONF_BATTERY_CAPACITY,
    ):
        site[key] = user_input.get(key)
    for key in (CONF_BATTERY_POWER_SIGN, CONF_BATTERY_MAX_CHARGE, CONF_BATTERY_MAX_DISCHARGE):
        site[key] = user_input[key]
    if CONF_EXCESS_THRESHOLD in user_input:
        options[CONF_EXCESS_THRESHOLD] = user_input[CONF_EXCESS_THRESHOLD]


STORAGE = SiteStep(
    "solar_battery", _storage_schema, _storage_to_form, _storage_validate, _storage_apply
)
