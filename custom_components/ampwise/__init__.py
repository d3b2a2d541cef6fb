"""Ampwise: balances EV chargers, plugs and other loads against breakers, solar and a battery.

Home Assistant is imported only when a hub is set up: the engine in `engine/` and the tools
built on it (scripts/simulate, scripts/bench) import this package without Home Assistant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

    from .coordinator import AmpwiseConfigEntry


def __getattr__(name: str) -> object:
    """CONFIG_SCHEMA on demand (Home Assistant asks for it; the engine's users never do):
    Ampwise is set up from the UI only, and says so to a YAML `ampwise:` block."""
    if name == "CONFIG_SCHEMA":
        from homeassistant.helpers import config_validation as cv

        return cv.config_entry_only_config_schema("ampwise")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:  # noqa: ARG001
    """Register the actions once, for every hub (they say so when a hub is not loaded)."""
    from .services import async_setup_services

    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: AmpwiseConfigEntry) -> bool:
    """Set up one hub (a site with its loads)."""
    from .lifecycle import async_setup_hub

    return await async_setup_hub(hass, entry)


async def async_unload_entry(hass: HomeAssistant, entry: AmpwiseConfigEntry) -> bool:
    """Take one hub down."""
    from .lifecycle import async_unload_hub

    return await async_unload_hub(hass, entry)


async def async_remove_entry(hass: HomeAssistant, entry: AmpwiseConfigEntry) -> None:
    """A removed hub stops its OCPP server (a reload keeps it)."""
    from .lifecycle import async_remove_hub

    await async_remove_hub(hass, entry)
