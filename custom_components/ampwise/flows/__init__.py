"""Ampwise's config flows: the hub (a site), its options (timing, circuits) and its loads."""

from .evse import EvseSubentryFlow
from .hub import AmpwiseConfigFlow
from .number import NumberSubentryFlow
from .options import AmpwiseOptionsFlow
from .switch import SwitchSubentryFlow

__all__ = [
    "AmpwiseConfigFlow",
    "AmpwiseOptionsFlow",
    "EvseSubentryFlow",
    "NumberSubentryFlow",
    "SwitchSubentryFlow",
]
