"""Choices: how the hub shares power between loads, and each load's mode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SETTING_DISTRIBUTION
from .coordinator import AmpwiseConfigEntry, AmpwiseCoordinator
from .engine import Strategy
from .entity import (
    AmpwiseEntity,
    AmpwiseLoadEntity,
    LoadView,
    add_hub_and_load_entities,
    modes_of,
    set_mode,
)
from .hub import LoadConfig

# Settings change in memory; the hub sends the result to each device one command at a time.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class HubSelectDescription(SelectEntityDescription):
    """A select of the hub device."""

    current_fn: Callable[[AmpwiseCoordinator], str]
    select_fn: Callable[[AmpwiseCoordinator, str], None]


@dataclass(frozen=True, kw_only=True)
class LoadSelectDescription(SelectEntityDescription):
    """A select of a load's device; `options_fn` gives the options its kind offers."""

    options_fn: Callable[[LoadConfig], list[str]]
    current_fn: Callable[[LoadView], str]
    select_fn: Callable[[LoadView, str], None]


HUB_SELECTS: Final[tuple[HubSelectDescription, ...]] = (
    HubSelectDescription(
        key="distribution",
        translation_key="distribution",
        entity_category=EntityCategory.CONFIG,
        options=[strategy.value for strategy in Strategy],
        current_fn=lambda coordinator: coordinator.site().distribution.value,
        select_fn=lambda coordinator, option: coordinator.update_hub_setting(
            SETTING_DISTRIBUTION, option
        ),
    ),
)

LOAD_SELECTS: Final[tuple[LoadSelectDescription, ...]] = (
    LoadSelectDescription(
        key="mode",
        translation_key="mode",
        options_fn=lambda config: modes_of(config.kind),
        current_fn=lambda view: view.load.mode.value,
        select_fn=set_mode,
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
        (HubSelect(coordinator, d) for d in HUB_SELECTS),
        lambda config: (LoadSelect(coordinator, d, config) for d in LOAD_SELECTS),
    )


class HubSelect(AmpwiseEntity, SelectEntity):
    entity_description: HubSelectDescription

    @property
    def current_option(self) -> str:
        return self.entity_description.current_fn(self.coordinator)

    async def async_select_option(self, option: str) -> None:
        self.entity_description.select_fn(self.coordinator, option)


class LoadSelect(AmpwiseLoadEntity, SelectEntity):
    entity_description: LoadSelectDescription

    def __init__(
        self,
        coordinator: AmpwiseCoordinator,
        description: LoadSelectDescription,
        config: LoadConfig,
    ) -> None:
        super().__init__(coordinator, description, config)
        self._attr_options = description.options_fn(config)

    @property
    def current_option(self) -> str:
        return self.entity_description.current_fn(self.view)

    async def async_select_option(self, option: str) -> None:
        self.entity_description.select_fn(self.view, option)
