"""What every way of commanding a device offers the hub (PRODUCT.md §1: "actuators").

An actuator owns the conversation with one device: it finds the device's entities through the
entity registry, turns an allocation into commands, reports the device's real draw back to the
hub, and says when the device does not do what it was told.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from homeassistant.core import HomeAssistant

from ..engine import Allocation, Load, LoadReading


@dataclass(frozen=True, slots=True)
class ActuatorStatus:
    """What the device reports against what it was asked, for the load's status sensor."""

    ready: bool  # the device and its entities were found and answer
    commanded_a: float | None  # the last current sent (per line), None before the first
    reported_a: float | None  # what the device says it offers / is set to, when it says
    mismatch: str | None  # a sentence when the device does not follow, else None
    detail: dict[str, object]  # backend facts for diagnostics (unit, stack level, entities)


class Actuator(ABC):
    """One load's device. The hub calls `reading` synchronously while building a snapshot and
    schedules `async_apply` as a task right away, so a reduction leaves in the same turn."""

    def __init__(self, hass: HomeAssistant, load: Load, config: dict[str, object]) -> None:
        self.hass = hass
        self.load = load
        self.config = config

    async def async_start(self) -> None:  # noqa: B027 - optional for simple devices
        """Find the device's entities and put it in its safe state (e.g. the failsafe profile)."""

    async def async_stop(self) -> None:  # noqa: B027 - optional for simple devices
        """Release listeners; leave the device in its safe state."""

    @abstractmethod
    def reading(self) -> LoadReading:
        """The load's draw per line (A) with the time it was measured, and whether connected."""

    @abstractmethod
    async def async_apply(self, allocation: Allocation, now: float) -> None:
        """Send the allocation if it differs from what the device has, or is due a refresh."""

    @abstractmethod
    def status(self) -> ActuatorStatus:
        """What was asked and what the device reports."""
