"""The base of every Ampwise entity, the view of one load the platforms read, and the setting
changes that entities and services share (checked here, so both refuse the same things)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .actuators.base import ActuatorStatus
from .const import DOMAIN, SETTING_MAX_CURRENT, SETTING_MIN_CURRENT, SETTING_MODE
from .coordinator import AmpwiseConfigEntry, AmpwiseCoordinator
from .engine import MODES_BY_KIND, URGENCY, Allocation, Load, LoadKind, Mode
from .hub import LoadConfig, Settings

NOTE: Final = re.compile(r"\s*\([^)]*\)")
# The load devices' model, by kind; `model_id` is the subentry type (services.yaml filters on it).
MODELS: Final = {
    LoadKind.EVSE: "EV charger",
    LoadKind.SWITCH: "Switched load",
    LoadKind.NUMBER: "Variable load",
}


def modes_of(kind: LoadKind) -> list[str]:
    """The modes a load of this kind offers, most urgent first."""
    order = list(Mode)
    return [
        m.value for m in sorted(MODES_BY_KIND[kind], key=lambda m: (URGENCY[m], order.index(m)))
    ]


def has_current_limits(config: LoadConfig) -> bool:
    """Chargers and number loads run between a minimum and a maximum; a relay does not."""
    return config.kind is not LoadKind.SWITCH


def validation_error(key: str, **placeholders: object) -> ServiceValidationError:
    """A translated error for a request Ampwise refuses (entity action or service)."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={k: str(v) for k, v in placeholders.items()},
    )


@dataclass(frozen=True, slots=True)
class LoadView:
    """One load as its entities see it: configuration, settings, allocation, device."""

    coordinator: AmpwiseCoordinator
    config: LoadConfig

    @property
    def settings(self) -> dict[str, Any]:
        return self.coordinator.settings.load(self.config.id)

    @property
    def load(self) -> Load:
        """The engine's load under the user's settings (its own mode, not a boost)."""
        return self.coordinator.hub.engine_load(self.config, self.coordinator.settings)

    @property
    def configured(self) -> Load:
        """The load as configured in its subentry: the range its limits may be set in."""
        return self.coordinator.hub.engine_load(self.config, Settings())

    @property
    def allocation(self) -> Allocation | None:
        decision = self.coordinator.data
        return None if decision is None else decision.allocations.get(self.config.id)

    @property
    def device(self) -> ActuatorStatus | None:
        actuator = self.coordinator.actuators.get(self.config.id)
        return None if actuator is None else actuator.status()


def set_mode(view: LoadView, mode: str) -> None:
    """A new mode for the load, if its kind has that mode."""
    modes = modes_of(view.config.kind)
    if mode not in modes:
        raise validation_error(
            "invalid_mode", mode=mode, load=view.config.title, modes=", ".join(modes)
        )
    view.coordinator.update_load_setting(view.config.id, SETTING_MODE, mode)


def set_current_limits(view: LoadView, low: float | None, high: float | None) -> None:
    """New minimum and/or maximum current, within the configured range and min <= max."""
    config = view.config
    if not has_current_limits(config):
        raise validation_error("no_current_limits", load=config.title)
    if low is None and high is None:
        raise validation_error("no_limits_given", load=config.title)
    current, configured = view.load, view.configured
    new_low = current.min_a if low is None else low
    new_high = current.max_a if high is None else high
    for value in (low, high):
        if value is not None and not configured.min_a <= value <= configured.max_a:
            raise validation_error(
                "limit_out_of_range",
                value=f"{value:g}",
                load=config.title,
                low=f"{configured.min_a:g}",
                high=f"{configured.max_a:g}",
            )
    if new_low > new_high:
        raise validation_error(
            "min_above_max", load=config.title, min=f"{new_low:g}", max=f"{new_high:g}"
        )
    # Only what was asked is stored: a limit left alone keeps following the subentry.
    asked = ((SETTING_MIN_CURRENT, low), (SETTING_MAX_CURRENT, high))
    changes = [(k, v) for k, v in asked if v is not None]
    *first, (key, value) = changes
    for early_key, early_value in first:
        view.settings[early_key] = early_value
    # One re-decision for both.
    view.coordinator.update_load_setting(config.id, key, value)


class AmpwiseEntity(CoordinatorEntity[AmpwiseCoordinator]):
    """An entity of the hub device; available while the hub has a decision."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: AmpwiseCoordinator, description: EntityDescription) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        entry_id = coordinator.config_entry.entry_id
        self._attr_unique_id = f"{entry_id}_{description.key}"
        # The hub device is created when the hub is set up, before any entity.
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, entry_id)})

    @property
    def available(self) -> bool:
        return super().available and self.coordinator.data is not None

    @property
    def suggested_object_id(self) -> str | None:
        """The entity id leaves out a name's note in brackets, e.g. "(0 = no limit)"."""
        name = super().suggested_object_id
        return None if name is None else NOTE.sub("", name)


class AmpwiseLoadEntity(AmpwiseEntity):
    """An entity of a load's device, which hangs under the hub device."""

    def __init__(
        self, coordinator: AmpwiseCoordinator, description: EntityDescription, config: LoadConfig
    ) -> None:
        super().__init__(coordinator, description)
        self.view = LoadView(coordinator, config)
        self._attr_unique_id = f"{config.id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, config.id)},
            name=config.title,
            manufacturer="Ampwise",
            model=MODELS[config.kind],
            model_id=config.subentry_type,
            via_device=(DOMAIN, coordinator.config_entry.entry_id),
        )


def add_hub_and_load_entities(
    entry: AmpwiseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    hub_entities: Iterable[Entity],
    load_entities: Callable[[LoadConfig], Iterable[Entity]],
) -> None:
    """Add the hub's entities, then each load's under its subentry (so removing the subentry
    removes them)."""
    async_add_entities(hub_entities)
    for config in entry.runtime_data.hub.loads:
        async_add_entities(load_entities(config), config_subentry_id=config.id)
