"""What the hub decided, per site phase and per load, and why."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfPower,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .accounting import BOOST
from .const import SETTING_DYNAMIC
from .coordinator import AmpwiseConfigEntry, AmpwiseCoordinator
from .engine import PHASE_NAMES, Decision, Path, Reason
from .entity import AmpwiseEntity, AmpwiseLoadEntity, LoadView, add_hub_and_load_entities

# Read-only: the coordinator pushes every update.
PARALLEL_UPDATES = 0

SITE_OK: Final = "ok"
SITE_DEGRADED: Final = "degraded"
SITE_FAILSAFE: Final = "failsafe"
SITE_STATES: Final = [SITE_OK, SITE_DEGRADED, SITE_FAILSAFE]
# A load the user took out of dynamic control has no allocation: it is left at its failsafe.
UNCONTROLLED: Final = "uncontrolled"
LOAD_STATES: Final = [*(reason.value for reason in Reason), UNCONTROLLED]


@dataclass(frozen=True, kw_only=True)
class HubSensorDescription(SensorEntityDescription):
    """A sensor of the hub device, read from the last decision."""

    value_fn: Callable[[Decision], StateType]
    attrs_fn: Callable[[AmpwiseCoordinator], dict[str, Any]] | None = None


@dataclass(frozen=True, kw_only=True)
class LoadSensorDescription(SensorEntityDescription):
    """A sensor of a load's device."""

    value_fn: Callable[[LoadView], StateType]
    attrs_fn: Callable[[LoadView], dict[str, Any]] | None = None


def _finite(value: StateType) -> StateType:
    """Unknown rather than NaN: the engine has no figure for the site without readings."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return dt_util.utc_from_timestamp(round(timestamp)).isoformat()


def _site_status(decision: Decision) -> str:
    if decision.path is Path.FAILSAFE:
        return SITE_FAILSAFE
    return SITE_DEGRADED if decision.site.degraded else SITE_OK


def _site_attrs(coordinator: AmpwiseCoordinator) -> dict[str, Any]:
    decision = coordinator.data
    return {
        "message": decision.site.message if decision else None,
        "bad_entities": list(coordinator.bad_entities),
        "path": decision.path.value if decision else None,
    }


def _per_phase(phases: int) -> list[HubSensorDescription]:
    """Available current (headroom) and household current for each site phase."""

    def headroom(index: int) -> Callable[[Decision], StateType]:
        return lambda decision: decision.site.headroom_a[index]

    def household(index: int) -> Callable[[Decision], StateType]:
        return lambda decision: decision.site.household_a[index]

    descriptions: list[HubSensorDescription] = []
    for index, phase in enumerate(PHASE_NAMES[:phases]):
        common: dict[str, Any] = {
            "translation_placeholders": {"phase": phase},
            "device_class": SensorDeviceClass.CURRENT,
            "native_unit_of_measurement": UnitOfElectricCurrent.AMPERE,
            "state_class": SensorStateClass.MEASUREMENT,
            "suggested_display_precision": 1,
        }
        descriptions.append(
            HubSensorDescription(
                key=f"available_current_{phase.lower()}",
                translation_key="available_current",
                value_fn=headroom(index),
                **common,
            )
        )
        descriptions.append(
            HubSensorDescription(
                key=f"household_current_{phase.lower()}",
                translation_key="household_current",
                entity_category=EntityCategory.DIAGNOSTIC,
                entity_registry_enabled_default=False,
                value_fn=household(index),
                **common,
            )
        )
    return descriptions


HUB_SENSORS: Final[tuple[HubSensorDescription, ...]] = (
    HubSensorDescription(
        key="surplus_power",
        translation_key="surplus_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda decision: decision.site.surplus_w,
    ),
    HubSensorDescription(
        key="allocated_power",
        translation_key="allocated_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda decision: decision.site.allocated_w,
    ),
    HubSensorDescription(
        key="status",
        translation_key="site_status",
        device_class=SensorDeviceClass.ENUM,
        options=SITE_STATES,
        value_fn=_site_status,
        attrs_fn=_site_attrs,
    ),
)


def _load_status(view: LoadView) -> str | None:
    if not view.settings.get(SETTING_DYNAMIC, True):
        return UNCONTROLLED
    allocation = view.allocation
    return None if allocation is None else allocation.reason.value


def _load_attrs(view: LoadView) -> dict[str, Any]:
    coordinator, load_id = view.coordinator, view.config.id
    now = dt_util.utcnow().timestamp()
    allocation = view.allocation
    timer_s = None if allocation is None else allocation.timer_s
    decided_at = coordinator.history[-1][0] if coordinator.history else now
    boosting = coordinator.boosting(load_id, now)
    boost = (view.settings.get(BOOST) or {}) if boosting else {}
    until_kwh = boost.get("until_kwh")
    device = view.device
    return {
        "message": None if allocation is None else allocation.message,
        "timer_s": None if timer_s is None else round(timer_s),
        "until": None if timer_s is None else _iso(decided_at + timer_s),
        "boost_active": boosting,
        "boost_until": _iso(boost.get("until_s")),
        "boost_energy_left_kwh": None
        if until_kwh is None
        else round(max(until_kwh - coordinator.energy_kwh.get(load_id, 0.0), 0.0), 2),
        "device_ready": None if device is None else device.ready,
        "device_mismatch": None if device is None else device.mismatch,
        "commanded_current_a": None if device is None else device.commanded_a,
        "reported_current_a": None if device is None else device.reported_a,
    }


LOAD_SENSORS: Final[tuple[LoadSensorDescription, ...]] = (
    LoadSensorDescription(
        key="allocated_current",
        translation_key="allocated_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda view: None if (a := view.allocation) is None else a.current_a,
    ),
    LoadSensorDescription(
        key="allocated_power",
        translation_key="allocated_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda view: None if (a := view.allocation) is None else a.power_w,
    ),
    LoadSensorDescription(
        key="energy",
        translation_key="energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
        value_fn=lambda view: round(view.coordinator.energy_kwh.get(view.config.id, 0.0), 4),
    ),
    LoadSensorDescription(
        key="status",
        translation_key="load_status",
        device_class=SensorDeviceClass.ENUM,
        options=LOAD_STATES,
        value_fn=_load_status,
        attrs_fn=_load_attrs,
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
        (
            HubSensor(coordinator, description)
            for description in (*_per_phase(entry.runtime_data.hub.phases), *HUB_SENSORS)
        ),
        lambda config: (LoadSensor(coordinator, d, config) for d in LOAD_SENSORS),
    )


class HubSensor(AmpwiseEntity, SensorEntity):
    entity_description: HubSensorDescription

    @property
    def native_value(self) -> StateType:
        decision = self.coordinator.data
        return None if decision is None else _finite(self.entity_description.value_fn(decision))

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        attrs_fn = self.entity_description.attrs_fn
        return None if attrs_fn is None else attrs_fn(self.coordinator)


class LoadSensor(AmpwiseLoadEntity, SensorEntity):
    entity_description: LoadSensorDescription
    # They change with every tick; the recorder keeps the reason, the message and "until".
    _unrecorded_attributes = frozenset(
        {"timer_s", "commanded_current_a", "reported_current_a", "boost_energy_left_kwh"}
    )

    @property
    def native_value(self) -> StateType:
        return _finite(self.entity_description.value_fn(self.view))

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        attrs_fn = self.entity_description.attrs_fn
        return None if attrs_fn is None else attrs_fn(self.view)
