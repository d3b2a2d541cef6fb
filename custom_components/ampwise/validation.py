"""Checks of what the user points Ampwise at: entities, units, ranges, wiring and circuits.

Each helper returns a translation key (the same in `config.error`, `options.error` and
`config_subentries.<type>.error`) or None. The config flow uses them to refuse bad input with a
message on the field; the hub can use them at setup to raise a repair for config that went bad
since (a sensor removed, a unit changed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, Final

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, PERCENTAGE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from .const import CIRCUIT_ID, CIRCUIT_PARENT, PHASES
from .units import is_current_unit, is_power_unit, known_unit

ERR_ENTITY_NOT_FOUND: Final = "entity_not_found"
ERR_UNKNOWN_UNIT: Final = "unknown_unit"
ERR_DUPLICATE_ENTITY: Final = "duplicate_entity"
ERR_DEVICE_NOT_FOUND: Final = "device_not_found"
ERR_MIN_ABOVE_MAX: Final = "min_above_max"
ERR_MIN_BELOW_6A: Final = "min_below_6a"
ERR_INVALID_BREAKER: Final = "invalid_breaker"
ERR_NOT_POSITIVE: Final = "must_be_positive"
ERR_PHASE_NOT_ON_SITE: Final = "phase_not_on_site"
ERR_CIRCUIT_NOT_FOUND: Final = "circuit_not_found"
ERR_CIRCUIT_CYCLE: Final = "circuit_cycle"

# IEC 61851: below 6 A the pilot signal cannot ask a vehicle to charge at all.
EVSE_MIN_CURRENT: Final = 6.0


class SensorRole(StrEnum):
    """What a sensor measures for Ampwise, which decides the units it may report."""

    CURRENT = "current"
    POWER = "power"
    CURRENT_OR_POWER = "current_or_power"
    SOC = "soc"


# The units each role accepts, as messages name them; recognising them is units.py's job, so
# the flow refuses exactly what the hub could not convert.
ROLE_UNITS: Final[Mapping[SensorRole, tuple[str, ...]]] = {
    SensorRole.CURRENT: ("A", "mA"),
    SensorRole.POWER: ("W", "kW"),
    SensorRole.CURRENT_OR_POWER: ("A", "mA", "W", "kW"),
    SensorRole.SOC: (PERCENTAGE,),
}
_ROLE_CHECKS: Final[Mapping[SensorRole, Callable[[str | None], bool]]] = {
    SensorRole.CURRENT: is_current_unit,
    SensorRole.POWER: is_power_unit,
    SensorRole.CURRENT_OR_POWER: known_unit,
    SensorRole.SOC: lambda unit: unit == PERCENTAGE,
}


def unit_fits(unit: str | None, role: SensorRole) -> bool:
    """Whether `unit` is one of the role's units (case aside: "KW" is kW)."""
    return _ROLE_CHECKS[role](unit)


def site_phases(phases: int) -> tuple[str, ...]:
    """The site's phase letters, A first."""
    return PHASES[:phases]


def entity_exists(hass: HomeAssistant, entity_id: str) -> bool:
    """Whether the entity has a state or at least a registry entry (e.g. while it loads)."""
    return (
        hass.states.get(entity_id) is not None
        or er.async_get(hass).async_get(entity_id) is not None
    )


def entity_unit(hass: HomeAssistant, entity_id: str) -> str | None:
    """The unit the entity reports now, else the one its registry entry remembers."""
    if (state := hass.states.get(entity_id)) is not None and (
        unit := state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    ) is not None:
        return str(unit)
    if (entry := er.async_get(hass).async_get(entity_id)) is not None:
        return entry.unit_of_measurement
    return None


def entity_error(hass: HomeAssistant, entity_id: str) -> str | None:
    """`entity_not_found` when Home Assistant knows no such entity."""
    return None if entity_exists(hass, entity_id) else ERR_ENTITY_NOT_FOUND


def sensor_error(hass: HomeAssistant, entity_id: str, role: SensorRole) -> str | None:
    """The sensor must exist and report a unit Ampwise can convert for its role."""
    if error := entity_error(hass, entity_id):
        return error
    if not unit_fits(entity_unit(hass, entity_id), role):
        return ERR_UNKNOWN_UNIT
    return None


def duplicate_error(entity_id: str, seen: Iterable[str]) -> str | None:
    """`duplicate_entity` when the entity was already used for something else."""
    return ERR_DUPLICATE_ENTITY if entity_id in seen else None


def device_error(hass: HomeAssistant, device_id: str, integration: str) -> str | None:
    """The device must exist and belong to a config entry of `integration`."""
    device = dr.async_get(hass).async_get(device_id)
    if device is not None:
        for entry_id in device.config_entries:
            entry = hass.config_entries.async_get_entry(entry_id)
            if entry is not None and entry.domain == integration:
                return None
    return ERR_DEVICE_NOT_FOUND


def range_error(minimum: float, maximum: float) -> str | None:
    """`min_above_max` when a range is upside down."""
    return ERR_MIN_ABOVE_MAX if minimum > maximum else None


def evse_min_error(min_a: float, confirmed: bool) -> str | None:
    """Below 6 A most vehicles stop charging; allow it only when the user says so."""
    return ERR_MIN_BELOW_6A if min_a < EVSE_MIN_CURRENT and not confirmed else None


def positive_error(value: float | None) -> str | None:
    """`must_be_positive` for a given value that is zero or less."""
    return ERR_NOT_POSITIVE if value is not None and value <= 0 else None


def breaker_error(limit_a: float) -> str | None:
    """A main breaker of 0 A or less cannot be protected."""
    return ERR_INVALID_BREAKER if limit_a <= 0 else None


def wiring_error(lines: Sequence[str], phases: int) -> str | None:
    """Every line of a load must land on a phase the site has."""
    on_site = site_phases(phases)
    return None if all(line in on_site for line in lines) else ERR_PHASE_NOT_ON_SITE


def circuit_parent_error(
    circuits: Sequence[Mapping[str, Any]], circuit_id: str | None, parent: str | None
) -> str | None:
    """The parent must exist, and hanging `circuit_id` below it must not close a loop."""
    if parent is None:
        return None
    parents = {circuit[CIRCUIT_ID]: circuit.get(CIRCUIT_PARENT) for circuit in circuits}
    if parent not in parents:
        return ERR_CIRCUIT_NOT_FOUND
    node: str | None = parent
    visited: set[str] = set()
    while node is not None and node not in visited:
        if node == circuit_id:
            return ERR_CIRCUIT_CYCLE
        visited.add(node)
        node = parents.get(node)
    return None
