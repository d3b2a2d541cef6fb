"""Pieces every Ampwise form uses: error collection, selectors, wiring and circuit choices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import permutations
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    EntityFilterSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from ..const import CIRCUIT_ID, CIRCUIT_NAME, CONF_FAILSAFE_CURRENT
from ..validation import (
    ERR_UNKNOWN_UNIT,
    ROLE_UNITS,
    SensorRole,
    duplicate_error,
    entity_unit,
    sensor_error,
    site_phases,
)

# The select value for "no circuit": the load (or circuit) hangs straight off the main breaker.
# Circuit ids never take it (see options.circuit_id_for).
MAIN_BREAKER: Final = "main"
ERR_INVALID_FAILSAFE: Final = "invalid_failsafe"

_DEVICE_CLASSES: Final[Mapping[SensorRole, list[str]]] = {
    SensorRole.CURRENT: ["current"],
    SensorRole.POWER: ["power"],
    SensorRole.CURRENT_OR_POWER: ["current", "power"],
    SensorRole.SOC: ["battery"],
}


class FormErrors:
    """Errors keyed by field, with the placeholders their messages name.

    Placeholders are shared by the whole form, so an error whose placeholders would overwrite
    another's (two unknown units at once) waits for the next submit instead of naming the
    wrong entity.
    """

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.placeholders: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, field: str, key: str | None, **placeholders: str) -> None:
        """Record `key` on `field` (nothing when `key` is None)."""
        if key is None or field in self.errors:
            return
        if any(self.placeholders.get(name, value) != value for name, value in placeholders.items()):
            return
        self.errors[field] = key
        self.placeholders.update(placeholders)

    def check_sensor(
        self,
        hass: HomeAssistant,
        field: str,
        entity_id: str | None,
        role: SensorRole,
        seen: set[str],
    ) -> None:
        """The sensor exists, reports a usable unit and is not used twice; `seen` grows."""
        if not entity_id:
            return
        if error := duplicate_error(entity_id, seen):
            self.add(field, error, entity=entity_id)
            return
        seen.add(entity_id)
        error = sensor_error(hass, entity_id, role)
        if error == ERR_UNKNOWN_UNIT:
            self.add(
                field,
                error,
                entity=entity_id,
                unit=entity_unit(hass, entity_id) or "none",
                expected=", ".join(ROLE_UNITS[role]),
            )
        else:
            self.add(field, error, entity=entity_id)


def phase_field(prefix: str, phase: str) -> str:
    """Form field of one site phase, e.g. `grid_sensor_b`."""
    return f"{prefix}_{phase.lower()}"


def phase_fields(prefix: str, phases: int) -> list[tuple[str, str]]:
    """(phase, field) for every site phase."""
    return [(phase, phase_field(prefix, phase)) for phase in site_phases(phases)]


def sensor_selector(role: SensorRole) -> EntitySelector:
    """A sensor picker showing the device classes that can carry the role's units."""
    return EntitySelector(
        EntitySelectorConfig(
            filter=EntityFilterSelectorConfig(domain="sensor", device_class=_DEVICE_CLASSES[role])
        )
    )


def entity_selector(*domains: str) -> EntitySelector:
    """A picker for entities of the given domains."""
    return EntitySelector(EntitySelectorConfig(domain=list(domains)))


def number_selector(
    minimum: float, maximum: float, unit: str | None = None, step: float = 1
) -> NumberSelector:
    """A number box (sliders are useless for amps and watts)."""
    config = NumberSelectorConfig(min=minimum, max=maximum, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def select_selector(
    options: Sequence[str] | Sequence[SelectOptionDict],
    translation_key: str | None,
    *,
    multiple: bool = False,
    dropdown: bool = False,
) -> SelectSelector:
    """A select whose option labels come from `selector.<translation_key>` in strings.json.

    hassfest allows only lower-case option keys there; options such as "A" and "W" show as
    themselves (the frontend falls back to the option's label).
    """
    config = SelectSelectorConfig(
        options=options,
        multiple=multiple,
        mode=SelectSelectorMode.DROPDOWN if dropdown else SelectSelectorMode.LIST,
    )
    if translation_key is not None:
        config["translation_key"] = translation_key
    return SelectSelector(config)


def wiring_options(phases: int) -> list[str]:
    """Every way to connect a 1-, 2- or 3-line load to the site's phases.

    A value lists the site phase of L1, L2, L3 in order, lower case for the translation keys:
    "b" is a 1-phase load on B, "cab" a 3-phase load whose L1 sits on C.
    """
    on_site = site_phases(phases)
    return [
        lines_to_form(order)
        for count in range(1, len(on_site) + 1)
        for order in permutations(on_site, count)
    ]


def lines_to_form(lines: Iterable[str]) -> str:
    """Stored wiring (["C", "A", "B"]) to its select value ("cab")."""
    return "".join(lines).lower()


def lines_from_form(value: str) -> list[str]:
    """Select value back to the site phase of each line."""
    return list(value.upper())


def circuit_choices(
    circuits: Iterable[Mapping[str, Any]], exclude: Iterable[str] = ()
) -> list[SelectOptionDict]:
    """The main breaker first, then the circuits by name (label) with their id (value)."""
    skip = set(exclude)
    return [SelectOptionDict(value=MAIN_BREAKER, label=MAIN_BREAKER)] + [
        SelectOptionDict(value=circuit[CIRCUIT_ID], label=circuit[CIRCUIT_NAME])
        for circuit in circuits
        if circuit[CIRCUIT_ID] not in skip
    ]


def circuit_to_form(circuit: str | None) -> str:
    """Stored circuit id (None = main breaker) to its select value."""
    return circuit or MAIN_BREAKER


def circuit_from_form(value: str) -> str | None:
    """Select value back to the stored circuit id."""
    return None if value == MAIN_BREAKER else value


def check_failsafe(errors: FormErrors, failsafe: float, min_value: float, max_value: float) -> None:
    """A failsafe is 0 (stop) or a current the load can run at."""
    if failsafe != 0 and not min_value <= failsafe <= max_value:
        errors.add(
            CONF_FAILSAFE_CURRENT,
            ERR_INVALID_FAILSAFE,
            min=f"{min_value:g}",
            max=f"{max_value:g}",
        )
