"""Per-charger settings (from the charger's subentry) and the events a session reports."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ..const import DEFAULT_STACK_LEVEL, DEFAULT_VOLTAGE
from .model import RateUnit
from .profiles import ProfileRecipe

# What we ask the charger to report. SoC only comes from DC or ISO 15118 cars; a charger
# that refuses a measurand keeps the others (they are tried one by one).
DEFAULT_MEASURANDS: Final = (
    "Current.Import",
    "Current.Offered",
    "Power.Active.Import",
    "Energy.Active.Import.Register",
    "SoC",
)


@dataclass(slots=True)
class ChargerSettings:
    """How Ampwise runs one charger. Changes apply at the next (re)connect or limit."""

    meter_interval_s: int = 10  # MeterValueSampleInterval; balancing wants 10–30 s
    measurands: tuple[str, ...] = DEFAULT_MEASURANDS
    # Some firmwares reboot-loop on measurand changes (ABB Terra AC): leave theirs alone.
    configure_measurands: bool = True
    stack_level: int = DEFAULT_STACK_LEVEL  # of the dynamic profile; the safe one sits below
    rate_unit: RateUnit | None = None  # None: what the charger says it takes
    voltage: float = DEFAULT_VOLTAGE  # per phase, for watt limits and Power.Offered
    heartbeat_interval_s: int = 300
    recipe: ProfileRecipe | None = None  # the recipe that worked before (persisted by HA)


class EventKind(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    BOOT = "boot"
    READY = "ready"  # configuration read and set, profiles re-applied
    STATUS = "status"
    METER = "meter"
    TRANSACTION = "transaction"
    LIMIT = "limit"  # a dynamic limit was accepted
    SAFE = "safe"  # the safe profile was installed (or could not be)
    RECIPE = "recipe"  # a new working recipe: persist `session.recipe.to_dict()`
    CLOCK = "clock"  # the charger's clock offset changed noticeably
    PROBLEM = "problem"  # `session.problem` changed


@dataclass(frozen=True, slots=True)
class ChargerEvent:
    cp_id: str
    kind: EventKind
    connector_id: int | None = None
