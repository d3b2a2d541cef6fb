"""Where Home Assistant looks for the config flow; the flows themselves live in `flows/`."""

from .flows import (
    AmpwiseConfigFlow,
    AmpwiseOptionsFlow,
    EvseSubentryFlow,
    NumberSubentryFlow,
    SwitchSubentryFlow,
)

__all__ = [
    "AmpwiseConfigFlow",
    "AmpwiseOptionsFlow",
    "EvseSubentryFlow",
    "NumberSubentryFlow",
    "SwitchSubentryFlow",
]
