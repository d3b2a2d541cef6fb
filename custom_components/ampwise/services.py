"""Ampwise's actions, registered once for all hubs; each names a hub or load device.

Bad calls raise a translated ServiceValidationError that says what to fix: a device that is
not Ampwise's, a hub that is not loaded, a mode the load does not have, limits out of order.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, Final

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN, SETTING_DISTRIBUTION
from .coordinator import AmpwiseConfigEntry
from .engine import Mode, Strategy
from .entity import LoadView, set_current_limits, set_mode, validation_error

SERVICE_SET_MODE: Final = "set_mode"
SERVICE_SET_DISTRIBUTION: Final = "set_distribution"
SERVICE_SET_CURRENT_LIMITS: Final = "set_current_limits"
SERVICE_BOOST: Final = "boost"
SERVICE_STOP_BOOST: Final = "stop_boost"

ATTR_DEVICE_ID: Final = "device_id"
ATTR_MODE: Final = "mode"
ATTR_STRATEGY: Final = "strategy"
ATTR_MIN_CURRENT: Final = "min_current"
ATTR_MAX_CURRENT: Final = "max_current"
ATTR_MINUTES: Final = "minutes"
ATTR_KWH: Final = "kwh"

_DEVICE: Final[dict[vol.Marker, Any]] = {vol.Required(ATTR_DEVICE_ID): cv.string}
_AMPS: Final = vol.All(vol.Coerce(float), vol.Range(min=0, max=1000))

SCHEMAS: Final[dict[str, vol.Schema]] = {
    SERVICE_SET_MODE: vol.Schema(
        {**_DEVICE, vol.Required(ATTR_MODE): vol.In([mode.value for mode in Mode])}
    ),
    SERVICE_SET_DISTRIBUTION: vol.Schema(
        {**_DEVICE, vol.Required(ATTR_STRATEGY): vol.In([s.value for s in Strategy])}
    ),
    SERVICE_SET_CURRENT_LIMITS: vol.Schema(
        {**_DEVICE, vol.Optional(ATTR_MIN_CURRENT): _AMPS, vol.Optional(ATTR_MAX_CURRENT): _AMPS}
    ),
    SERVICE_BOOST: vol.Schema(
        {
            **_DEVICE,
            vol.Optional(ATTR_MINUTES): vol.All(vol.Coerce(float), vol.Range(min=1, max=1440)),
            vol.Optional(ATTR_KWH): vol.All(vol.Coerce(float), vol.Range(min=0.1, max=200)),
        }
    ),
    SERVICE_STOP_BOOST: vol.Schema(_DEVICE),
}


def _device_target(hass: HomeAssistant, device_id: str) -> tuple[AmpwiseConfigEntry, str]:
    """The loaded hub a device belongs to, and the device's Ampwise identifier (the entry id
    for the hub device, the subentry id for a load)."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise validation_error("unknown_device", device_id=device_id)
    name = device.name_by_user or device.name or device_id
    identifier = next((value for domain, value in device.identifiers if domain == DOMAIN), None)
    entries: list[AmpwiseConfigEntry] = [
        candidate
        for entry_id in device.config_entries
        if (candidate := hass.config_entries.async_get_entry(entry_id)) is not None
        and candidate.domain == DOMAIN
    ]
    if identifier is None or not entries:
        raise validation_error("not_ampwise_device", device=name)
    entry = entries[0]
    if entry.state is not ConfigEntryState.LOADED:
        raise validation_error("hub_not_loaded", hub=entry.title)
    return entry, identifier


def _load(hass: HomeAssistant, call: ServiceCall) -> LoadView:
    entry, identifier = _device_target(hass, call.data[ATTR_DEVICE_ID])
    coordinator = entry.runtime_data.coordinator
    config = coordinator.load_config(identifier)
    if config is None:
        raise validation_error("not_a_load", device=entry.title)
    return LoadView(coordinator, config)


async def _set_mode(hass: HomeAssistant, call: ServiceCall) -> None:
    set_mode(_load(hass, call), call.data[ATTR_MODE])


async def _set_distribution(hass: HomeAssistant, call: ServiceCall) -> None:
    entry, identifier = _device_target(hass, call.data[ATTR_DEVICE_ID])
    if identifier != entry.entry_id:
        raise validation_error("not_a_hub", hub=entry.title)
    entry.runtime_data.coordinator.update_hub_setting(
        SETTING_DISTRIBUTION, call.data[ATTR_STRATEGY]
    )


async def _set_current_limits(hass: HomeAssistant, call: ServiceCall) -> None:
    view = _load(hass, call)
    set_current_limits(view, call.data.get(ATTR_MIN_CURRENT), call.data.get(ATTR_MAX_CURRENT))


async def _boost(hass: HomeAssistant, call: ServiceCall) -> None:
    view = _load(hass, call)
    minutes, kwh = call.data.get(ATTR_MINUTES), call.data.get(ATTR_KWH)
    if (minutes is None) == (kwh is None):
        raise validation_error("boost_minutes_or_kwh", load=view.config.title)
    view.coordinator.start_boost(view.config.id, minutes, kwh)


async def _stop_boost(hass: HomeAssistant, call: ServiceCall) -> None:
    view = _load(hass, call)
    view.coordinator.stop_boost(view.config.id)


_HANDLERS: Final[dict[str, Callable[[HomeAssistant, ServiceCall], Coroutine[Any, Any, None]]]] = {
    SERVICE_SET_MODE: _set_mode,
    SERVICE_SET_DISTRIBUTION: _set_distribution,
    SERVICE_SET_CURRENT_LIMITS: _set_current_limits,
    SERVICE_BOOST: _boost,
    SERVICE_STOP_BOOST: _stop_boost,
}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions; they exist whether or not a hub is loaded (and say so if not)."""
    for service, handler in _HANDLERS.items():
        hass.services.async_register(
            DOMAIN, service, partial(handler, hass), schema=SCHEMAS[service]
        )
