"""Shared pieces for the actuator tests: loads, allocations, and a stand-in for lbbrhzn/ocpp.

The ocpp integration itself is not installed: its two services are registered on `hass` and
record what they were asked, and its charger is a device plus registry entries with the
platform and unique ids the real integration uses (both naming generations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ampwise.engine import Allocation, Load, LoadKind, Mode, Reason

# 2025-06-01 12:00:00 UTC
T0 = "2025-06-01T12:00:00+00:00"
T0_S = 1748779200.0


def make_load(
    *,
    kind: LoadKind = LoadKind.EVSE,
    lines: tuple[int, ...] = (0, 1, 2),
    min_a: float = 6.0,
    max_a: float = 16.0,
    failsafe_a: float = 6.0,
    on_off: bool = False,
) -> Load:
    return Load(
        id="load1",
        kind=kind,
        mode=Mode.STANDARD,
        lines=lines,
        min_a=min_a,
        max_a=max_a,
        failsafe_a=failsafe_a,
        on_off=on_off,
    )


def allocation(current_a: float, lines: int = 3) -> Allocation:
    return Allocation(
        load_id="load1",
        current_a=current_a,
        power_w=current_a * 230 * lines,
        reason=Reason.AT_MAXIMUM,
        message="",
    )


@dataclass
class FakeOcpp:
    """`ocpp.set_charge_rate` and `ocpp.get_configuration` as lbbrhzn registers them."""

    configuration: dict[str, Any] = field(default_factory=dict)
    set_calls: list[dict[str, Any]] = field(default_factory=list)
    get_calls: list[dict[str, Any]] = field(default_factory=list)
    fail_get: bool = False
    fail_set: bool = False

    def register(self, hass: HomeAssistant, *, get: bool = True) -> FakeOcpp:
        async def set_charge_rate(call: ServiceCall) -> None:
            if self.fail_set:
                raise HomeAssistantError("Charger charger is unavailable")
            self.set_calls.append(dict(call.data))

        async def get_configuration(call: ServiceCall) -> ServiceResponse:
            self.get_calls.append(dict(call.data))
            if self.fail_get:
                raise HomeAssistantError("Charger charger is unavailable")
            return {"value": self.configuration.get(call.data["ocpp_key"])}

        hass.services.async_register("ocpp", "set_charge_rate", set_charge_rate)
        if get:
            hass.services.async_register(
                "ocpp",
                "get_configuration",
                get_configuration,
                supports_response=SupportsResponse.ONLY,
            )
        return self

    @property
    def profiles(self) -> list[dict[str, Any]]:
        return [call["custom_profile"] for call in self.set_calls]


SENSOR_KEYS_NEW = {
    "current_import": "current_import",
    "current_offered": "current_offered",
    "power_active_import": "power_active_import",
    "power_offered": "power_offered",
    "status_connector": "status_connector",
}
# Before v0.10.10 the metric kept its dots in the unique id.
SENSOR_KEYS_OLD = {key: key.replace("_", ".") for key in SENSOR_KEYS_NEW}


def add_charger(
    hass: HomeAssistant,
    *,
    cpid: str = "charger",
    old_ids: bool = False,
    connectors: tuple[int, ...] = (),
    identifiers: set[tuple[str, str]] | None = None,
) -> tuple[str, dict[str, str]]:
    """A charger device of the ocpp integration and its sensors in the entity registry.

    Returns the device id and the entity ids by sensor key (per connector `"<key>@<n>"` when
    `connectors` is given, as on a multi-connector charger).
    """
    entry = MockConfigEntry(domain="ocpp", data={})
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers=identifiers or {("ocpp", cpid)},
        name=cpid,
    )
    registry = er.async_get(hass)
    keys = SENSOR_KEYS_OLD if old_ids else SENSOR_KEYS_NEW
    entities: dict[str, str] = {}
    for key, uid_key in keys.items():
        if connectors:
            for n in connectors:
                entry_ = registry.async_get_or_create(
                    "sensor",
                    "ocpp",
                    f"ocpp.{cpid}.conn{n}.{uid_key}.sensor",
                    suggested_object_id=f"{cpid}_connector_{n}_{key}",
                    config_entry=entry,
                    device_id=device.id,
                )
                entities[f"{key}@{n}"] = entry_.entity_id
        else:
            entry_ = registry.async_get_or_create(
                "sensor",
                "ocpp",
                f"ocpp.{cpid}.{uid_key}.sensor",
                # Deliberately not the entity id lbbrhzn would pick: nothing may guess it.
                suggested_object_id=f"wallbox_garage_{key}_x",
                config_entry=entry,
                device_id=device.id,
            )
            entities[key] = entry_.entity_id
    return device.id, entities


def set_phases(
    hass: HomeAssistant,
    entity_id: str,
    l1: float,
    l2: float | None = None,
    l3: float | None = None,
    *,
    state: float | None = None,
    unit: str = "A",
) -> None:
    """A lbbrhzn current sensor: phases in attributes, the mean of the non-zero ones as state."""
    phases = {f"L{n}": v for n, v in ((1, l1), (2, l2), (3, l3)) if v is not None}
    flowing = [v for v in phases.values() if v]
    mean = sum(flowing) / len(flowing) if flowing else 0.0
    hass.states.async_set(
        entity_id,
        str(round(mean, 2) if state is None else state),
        {**phases, "unit": unit, "unit_of_measurement": unit},
    )
