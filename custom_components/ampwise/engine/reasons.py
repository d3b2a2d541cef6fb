"""Why a load got what it got: reason codes and the sentences that explain them."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Machine-readable reason of an allocation; `Allocation.message` says it in words."""

    OFF = "off"
    DISCONNECTED = "disconnected"
    PAUSED = "paused"
    WAITING_FOR_SURPLUS = "waiting_for_surplus"
    BATTERY_PRIORITY = "battery_priority"
    STARTING = "starting"
    STOPPING = "stopping"
    EXCESS_HOLD = "excess_hold"
    MIN_ON = "min_on"
    AT_MAXIMUM = "at_maximum"
    LIMITED_BY_VEHICLE = "limited_by_vehicle"
    LIMITED_BY_BREAKER = "limited_by_breaker"
    LIMITED_BY_CIRCUIT = "limited_by_circuit"
    LIMITED_BY_IMPORT = "limited_by_import"
    LIMITED_BY_INVERTER = "limited_by_inverter"
    LIMITED_BY_SURPLUS = "limited_by_surplus"
    LIMITED_BY_EXCESS = "limited_by_excess"
    LIMITED_BY_OWN_POWER = "limited_by_own_power"
    INSUFFICIENT_POWER = "insufficient_power"
    RAMPING = "ramping"
    STALE_HOLD = "stale_hold"
    FAILSAFE = "failsafe"


def fmt_power(watts: float) -> str:
    """1.2 kW / 850 W, the way a person reads a power figure."""
    if abs(watts) >= 1000:
        return f"{watts / 1000:.1f} kW"
    return f"{watts:.0f} W"


def fmt_duration(seconds: float) -> str:
    """40 s / 3 min, rounded up so a timer never reads 0 while it still runs."""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{-(-seconds // 1):.0f} s"
    return f"{-(-seconds // 60):.0f} min"
