"""Setting a hub up and taking it down (called through the package's __init__)."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .actuators import create_actuator
from .central import async_start_server, async_stop_server
from .const import CONF_VOLTAGE, DOMAIN
from .coordinator import AmpwiseConfigEntry, AmpwiseCoordinator, AmpwiseRuntime
from .hub import hub_from_entry

PLATFORMS: list[Platform] = [Platform.NUMBER, Platform.SELECT, Platform.SENSOR, Platform.SWITCH]


async def async_setup_hub(hass: HomeAssistant, entry: AmpwiseConfigEntry) -> bool:
    """Set up one hub: its OCPP server, its device, the loads' actuators, the engine."""
    hub = hub_from_entry(entry.title, entry.data, entry.options, entry.subentries)
    # First: a port in use stops the setup (ConfigEntryNotReady) before anything exists.
    await async_start_server(hass, entry)
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, entry.entry_id)},
        name=hub.name,
        manufacturer="Ampwise",
        model="Site hub",
    )
    actuators = {}
    coordinator = AmpwiseCoordinator(hass, entry, hub, {})
    for config in hub.loads:
        load = hub.engine_load(config, coordinator.settings)
        # Actuators convert amps to watts at the site's voltage.
        device_config = {**config.data, CONF_VOLTAGE: hub.voltage}
        actuators[config.id] = create_actuator(hass, config.subentry_type, load, device_config)
    coordinator.actuators = actuators
    entry.runtime_data = AmpwiseRuntime(hub=hub, coordinator=coordinator, actuators=actuators)
    await coordinator.async_start()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    return True


async def async_unload_hub(hass: HomeAssistant, entry: AmpwiseConfigEntry) -> bool:
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.coordinator.async_stop()
        # A reload keeps the OCPP server and its connections (see central.py); a disabled
        # hub lets its chargers go.
        if entry.disabled_by is not None:
            await async_stop_server(hass, entry.entry_id)
    return unloaded


async def async_remove_hub(hass: HomeAssistant, entry: AmpwiseConfigEntry) -> None:
    await async_stop_server(hass, entry.entry_id)


async def _async_reload(hass: HomeAssistant, entry: AmpwiseConfigEntry) -> None:
    """Site, options or a load changed: start again from the new configuration."""
    await hass.config_entries.async_reload(entry.entry_id)
