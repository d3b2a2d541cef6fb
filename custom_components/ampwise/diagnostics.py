"""Diagnostics: the configuration, the user's settings, what the hub decided lately and why, and
what each device reports (charger capabilities included).

Redacted: the chargers' device ids and charge point ids (serial numbers), wherever they appear,
including inside unique ids and entity ids derived from them. Names, titles and the sensors'
entity ids stay: without them nobody can read the dump.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any, Final

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from homeassistant.util import slugify

from .const import CONF_OCPP_DEVICE, DOMAIN
from .coordinator import AmpwiseConfigEntry, AmpwiseCoordinator
from .engine import Allocation, Decision
from .entity import LoadView

TO_REDACT: Final = {CONF_OCPP_DEVICE, "charge_point", "devid"}
# Shorter identifiers are redacted where they stand, not searched for inside other text.
MIN_SEARCHED: Final = 4


def _secrets(coordinator: AmpwiseCoordinator) -> set[str]:
    """The identifying values of this hub's devices: charger device ids and charge point ids."""
    found: set[str] = set()
    for config in coordinator.hub.loads:
        if value := config.data.get(CONF_OCPP_DEVICE):
            found.add(str(value))
    for actuator in coordinator.actuators.values():
        if value := actuator.status().detail.get("charge_point"):
            found.update({str(value), slugify(str(value))})
    return found


def _scrub(value: Any, secrets: set[str]) -> Any:
    """Replace every string that is, or contains, one of the secrets."""
    if isinstance(value, Mapping):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, str) and any(
        value == secret or (len(secret) >= MIN_SEARCHED and secret in value) for secret in secrets
    ):
        return REDACTED
    return value


def _redact(data: dict[str, Any], coordinator: AmpwiseCoordinator) -> dict[str, Any]:
    return _scrub(async_redact_data(data, TO_REDACT), _secrets(coordinator))  # type: ignore[no-any-return]


def _iso(timestamp: float) -> str:
    return dt_util.utc_from_timestamp(timestamp).isoformat()


def _decision(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "path": decision.path.value,
        "site": asdict(decision.site),
        "allocations": {load_id: asdict(a) for load_id, a in decision.allocations.items()},
    }


def _brief(allocation: Allocation) -> dict[str, Any]:
    return {"current_a": allocation.current_a, "reason": allocation.reason.value}


def _history(coordinator: AmpwiseCoordinator, load_ids: Iterable[str] | None = None) -> list[Any]:
    """The last decisions, oldest first: time, path, and each load's current and reason."""
    wanted = None if load_ids is None else set(load_ids)
    return [
        {
            "time": _iso(at),
            "path": decision.path.value,
            "degraded": decision.site.degraded,
            "loads": {
                load_id: _brief(allocation)
                for load_id, allocation in decision.allocations.items()
                if wanted is None or load_id in wanted
            },
        }
        for at, decision in coordinator.history
    ]


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant,  # noqa: ARG001
    entry: AmpwiseConfigEntry,
) -> dict[str, Any]:
    coordinator = entry.runtime_data.coordinator
    data = {
        "entry": {
            "title": entry.title,
            "unique_id": entry.unique_id,
            "data": dict(entry.data),
            "options": dict(entry.options),
            "subentries": [
                {
                    "subentry_id": subentry.subentry_id,
                    "subentry_type": subentry.subentry_type,
                    "title": subentry.title,
                    "unique_id": subentry.unique_id,
                    "data": dict(subentry.data),
                }
                for subentry in entry.subentries.values()
            ],
        },
        "settings": {"hub": coordinator.settings.hub, "loads": coordinator.settings.loads},
        "site": asdict(coordinator.site()),
        "energy_kwh": dict(coordinator.energy_kwh),
        "bad_entities": list(coordinator.bad_entities),
        "decision": _decision(coordinator.data),
        "history": _history(coordinator),
        "devices": {
            load_id: asdict(actuator.status())
            for load_id, actuator in coordinator.actuators.items()
        },
    }
    return _redact(data, coordinator)


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: AmpwiseConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """A load device: its configuration, settings, allocation and device; the hub: everything."""
    coordinator = entry.runtime_data.coordinator
    identifier = next(value for domain, value in device.identifiers if domain == DOMAIN)
    config = coordinator.load_config(identifier)
    if config is None:
        return await async_get_config_entry_diagnostics(hass, entry)
    view = LoadView(coordinator, config)
    status = view.device
    allocation = view.allocation
    data = {
        "load": {
            "id": config.id,
            "kind": config.kind.value,
            "title": config.title,
            "data": dict(config.data),
        },
        "settings": view.settings,
        "engine_load": asdict(view.load),
        "boosting": coordinator.boosting(config.id, dt_util.utcnow().timestamp()),
        "energy_kwh": coordinator.energy_kwh.get(config.id, 0.0),
        "allocation": None if allocation is None else asdict(allocation),
        "device": None if status is None else asdict(status),
        "history": _history(coordinator, [config.id]),
    }
    return _redact(data, coordinator)
