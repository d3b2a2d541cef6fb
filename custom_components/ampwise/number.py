"""Settings with a number: maximum import, battery thresholds, a load's priority and limits."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfElectricCurrent, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import (
    SETTING_MAX_IMPORT,
    SETTING_PRIORITY,
    SETTING_SOC_HYSTERESIS,
    SETTING_SOC_MIN,
    SETTING_SOC_TARGET,
)
from .coordinator import AmpwiseConfigEntry, AmpwiseCoordinator
from .engine import Battery, LoadKind
from .entity import (
    AmpwiseEntity,
    AmpwiseLoadEntity,
    LoadView,
    add_hub_and_load_entities,
    has_current_limits,
    set_current_limits,
    validation_error,
)
from .hub import Hub, LoadConfig

# Settings change in memory; the hub sends the result to each device one command at a time.
PARALLEL_UPDATES = 0

MAX_IMPORT_W: Final = 100_000.0


@dataclass(frozen=True, kw_only=True)
class HubNumberDescription(NumberEntityDescription):
    """A number of the hub device."""

    has_fn: Callable[[Hub], bool] = lambda _hub: True
    value_fn: Callable[[AmpwiseCoordinator], float | None]
    set_fn: Callable[[AmpwiseCoordinator, float], None]


@dataclass(frozen=True, kw_only=True)
class LoadNumberDescription(NumberEntityDescription):
    """A number of a load's device; `range_fn` bounds it by what the subentry configured."""

    has_fn: Callable[[LoadConfig], bool] = lambda _config: True
    range_fn: Callable[[LoadView], tuple[float, float]] | None = None
    value_fn: Callable[[LoadView], float | None]
    set_fn: Callable[[LoadView, float], None]


def _set_max_import(coordinator: AmpwiseCoordinator, value: float) -> None:
    # 0 is "no limit": stored as None so the engine applies none.
    coordinator.update_hub_setting(SETTING_MAX_IMPORT, value or None)


def _battery(coordinator: AmpwiseCoordinator) -> Battery:
    battery = coordinator.site().battery
    assert battery is not None  # the entities exist only with a battery
    return battery


def _set_soc(key: str) -> Callable[[AmpwiseCoordinator, float], None]:
    """Set a state-of-charge threshold; the minimum may not exceed the target."""

    def set_fn(coordinator: AmpwiseCoordinator, value: float) -> None:
        battery = _battery(coordinator)
        low = value if key == SETTING_SOC_MIN else battery.soc_min_pct
        target = value if key == SETTING_SOC_TARGET else battery.soc_target_pct
        if low > target:
            raise validation_error("soc_min_above_target", min=f"{low:g}", target=f"{target:g}")
        coordinator.update_hub_setting(key, value)

    return set_fn


def _soc_number(
    key: str, setting: str, value_fn: Callable[[Battery], float], maximum: float = 100
) -> HubNumberDescription:
    """A battery state-of-charge threshold (%), present only with a battery."""
    return HubNumberDescription(
        key=key,
        translation_key=key,
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=0,
        native_max_value=maximum,
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        has_fn=lambda hub: hub.has_battery,
        value_fn=lambda coordinator: value_fn(_battery(coordinator)),
        set_fn=_set_soc(setting),
    )


HUB_NUMBERS: Final[tuple[HubNumberDescription, ...]] = (
    HubNumberDescription(
        key="max_import_power",
        translation_key="max_import_power",
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        native_min_value=0,
        native_max_value=MAX_IMPORT_W,
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda coordinator: coordinator.site().max_import_w or 0.0,
        set_fn=_set_max_import,
    ),
    _soc_number("battery_soc_min", SETTING_SOC_MIN, lambda b: b.soc_min_pct),
    _soc_number("battery_soc_target", SETTING_SOC_TARGET, lambda b: b.soc_target_pct),
    _soc_number("battery_soc_hysteresis", SETTING_SOC_HYSTERESIS, lambda b: b.hysteresis_pct, 50),
)


def _set_priority(view: LoadView, value: float) -> None:
    view.coordinator.update_load_setting(view.config.id, SETTING_PRIORITY, round(value))


def _configured_range(view: LoadView) -> tuple[float, float]:
    """The subentry's range in tenths of an amp, inside it (a load set in watts converts
    to amps with many decimals)."""
    configured = view.configured
    return math.ceil(configured.min_a * 10 - 1e-9) / 10, math.floor(
        configured.max_a * 10 + 1e-9
    ) / 10


LOAD_NUMBERS: Final[tuple[LoadNumberDescription, ...]] = (
    LoadNumberDescription(
        key="priority",
        translation_key="priority",
        native_min_value=1,
        native_max_value=10,
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda view: view.load.priority,
        set_fn=_set_priority,
    ),
    LoadNumberDescription(
        key="min_current",
        translation_key="min_current",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        entity_category=EntityCategory.CONFIG,
        has_fn=has_current_limits,
        range_fn=_configured_range,
        value_fn=lambda view: round(view.load.min_a, 1),
        set_fn=lambda view, value: set_current_limits(view, value, None),
    ),
    LoadNumberDescription(
        key="max_current",
        translation_key="max_current",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        entity_category=EntityCategory.CONFIG,
        has_fn=has_current_limits,
        range_fn=_configured_range,
        value_fn=lambda view: round(view.load.max_a, 1),
        set_fn=lambda view, value: set_current_limits(view, None, value),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001
    entry: AmpwiseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    hub = entry.runtime_data.hub
    add_hub_and_load_entities(
        entry,
        async_add_entities,
        (HubNumber(coordinator, d) for d in HUB_NUMBERS if d.has_fn(hub)),
        lambda config: (
            LoadNumber(coordinator, d, config) for d in LOAD_NUMBERS if d.has_fn(config)
        ),
    )


class HubNumber(AmpwiseEntity, NumberEntity):
    entity_description: HubNumberDescription

    @property
    def native_value(self) -> float | None:
        return self.entity_description.value_fn(self.coordinator)

    async def async_set_native_value(self, value: float) -> None:
        self.entity_description.set_fn(self.coordinator, value)


class LoadNumber(AmpwiseLoadEntity, NumberEntity):
    entity_description: LoadNumberDescription

    def __init__(
        self,
        coordinator: AmpwiseCoordinator,
        description: LoadNumberDescription,
        config: LoadConfig,
    ) -> None:
        super().__init__(coordinator, description, config)
        if description.range_fn is not None:
            low, high = description.range_fn(self.view)
            self._attr_native_min_value, self._attr_native_max_value = low, high
            # Chargers take whole amps in practice; a variable load converted from watts
            # needs finer steps.
            self._attr_native_step = 1.0 if config.kind is LoadKind.EVSE else 0.1

    @property
    def native_value(self) -> float | None:
        return self.entity_description.value_fn(self.view)

    async def async_set_native_value(self, value: float) -> None:
        self.entity_description.set_fn(self.view, value)
