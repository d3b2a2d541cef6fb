"""On/off settings: grid import for Standard and Eco loads, and each load's dynamic control."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SETTING_DYNAMIC, SETTING_GRID_IMPORT
from .coordinator import AmpwiseConfigEntry, AmpwiseCoordinator
from .entity import AmpwiseEntity, AmpwiseLoadEntity, LoadView, add_hub_and_load_entities

# Settings change in memory; the hub sends the result to each device one command at a time.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class HubSwitchDescription(SwitchEntityDescription):
    """A switch of the hub device."""

    is_on_fn: Callable[[AmpwiseCoordinator], bool]
    set_fn: Callable[[AmpwiseCoordinator, bool], None]


@dataclass(frozen=True, kw_only=True)
class LoadSwitchDescription(SwitchEntityDescription):
    """A switch of a load's device."""

    is_on_fn: Callable[[LoadView], bool]
    set_fn: Callable[[LoadView, bool], None]


HUB_SWITCHES: Final[tuple[HubSwitchDescription, ...]] = (
    HubSwitchDescription(
        # Off: Standard and Eco loads run on sun and battery only (PRODUCT.md §4).
        key="grid_import",
        translation_key="grid_import",
        is_on_fn=lambda coordinator: coordinator.site().grid_import_allowed,
        set_fn=lambda coordinator, on: coordinator.update_hub_setting(SETTING_GRID_IMPORT, on),
    ),
)

LOAD_SWITCHES: Final[tuple[LoadSwitchDescription, ...]] = (
    LoadSwitchDescription(
        key="dynamic_control",
        translation_key="dynamic_control",
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda view: bool(view.settings.get(SETTING_DYNAMIC, True)),
        set_fn=lambda view, on: view.coordinator.set_dynamic_control(view.config.id, on),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: AmpwiseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    add_hub_and_load_entities(
        entry,
        async_add_entities,
        (HubSwitch(coordinator, d) for d in HUB_SWITCHES),
        lambda config: (LoadSwitch(coordinator, d, config) for d in LOAD_SWITCHES),
    )


class HubSwitch(AmpwiseEntity, SwitchEntity):
    entity_description: HubSwitchDescription

    @property
    def is_on(self) -> bool:
        return self.entity_description.is_on_fn(self.coordinator)

    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ARG002
        self.entity_description.set_fn(self.coordinator, True)

    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ARG002
        self.entity_description.set_fn(self.coordinator, False)


class LoadSwitch(AmpwiseLoadEntity, SwitchEntity):
    entity_description: LoadSwitchDescription

    @property
    def is_on(self) -> bool:
        return self.entity_description.is_on_fn(self.view)

    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ARG002
        self.entity_description.set_fn(self.view, True)

    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ARG002
        self.entity_description.set_fn(self.view, False)
