"""Ampwise: balances EV chargers, plugs and other loads against breakers, solar and a battery.

Home Assistant is imported only when a hub is set up: the engine in `engine/` and the tools
built on it (scripts/simulate, scripts/bench) import this package without Home Assistant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import AmpwiseConfigEntry


async def async_setup_entry(hass: HomeAssistant, entry: AmpwiseConfigEntry) -> bool:
    """Set up one hub (a site with its loads)."""
    from .lifecycle import async_setup_hub

    return await async_setup_hub(hass, entry)


async def async_unload_entry(hass: HomeAssistant, entry: AmpwiseConfigEntry) -> bool:
    """Take one hub down."""
    from .lifecycle import async_unload_hub

    return await async_unload_hub(hass, entry)
