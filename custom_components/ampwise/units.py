"""Numbers out of Home Assistant states, and the few unit conversions the actuators need.

A value we cannot read for sure (unavailable, unknown, not a number, or in a unit we do not
know) comes back as None, never as 0: a missing reading must not look like an idle load.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import State

# Keyed by the lower-cased unit: integrations disagree on "kW" / "KW", never on meaning.
_CURRENT_SCALE: Mapping[str, float] = {"a": 1.0, "ma": 0.001}
_POWER_SCALE: Mapping[str, float] = {"w": 1.0, "kw": 1000.0}
# The names used in messages and in the numbers we send.
UNIT_NAMES: Mapping[str, str] = {"a": "A", "ma": "mA", "w": "W", "kw": "kW"}


class OnceLogger:
    """Logs each distinct problem once per actuator, so a bad sensor does not flood the log."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._seen: set[str] = set()

    def warning(self, key: str, msg: str, *args: object) -> None:
        if key not in self._seen:
            self._seen.add(key)
            self._logger.warning(msg, *args)

    def forget(self, key: str) -> None:
        """The problem went away: log it again if it comes back."""
        self._seen.discard(key)


def to_float(value: object) -> float | None:
    """A finite number from a state or attribute value, else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def numeric_state(state: State | None) -> float | None:
    """The state as a number; None when missing, unavailable, unknown or not a number."""
    if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return None
    return to_float(state.state)


def unit_of(state: State | None) -> str | None:
    if state is None:
        return None
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    return unit if isinstance(unit, str) else None


def is_current_unit(unit: str | None) -> bool:
    return unit is not None and unit.lower() in _CURRENT_SCALE


def is_power_unit(unit: str | None) -> bool:
    return unit is not None and unit.lower() in _POWER_SCALE


def known_unit(unit: str | None) -> bool:
    return is_current_unit(unit) or is_power_unit(unit)


def to_amps(value: float, unit: str | None) -> float | None:
    """A current in A from A or mA; None for any other unit."""
    if unit is None or unit.lower() not in _CURRENT_SCALE:
        return None
    return value * _CURRENT_SCALE[unit.lower()]


def to_watts(value: float, unit: str | None) -> float | None:
    """A power in W from W or kW; None for any other unit."""
    if unit is None or unit.lower() not in _POWER_SCALE:
        return None
    return value * _POWER_SCALE[unit.lower()]


def amps_per_line(value: float, unit: str | None, lines: int, voltage: float) -> float | None:
    """Current per line of a load from a current (per line) or a total power (spread evenly)."""
    amps = to_amps(value, unit)
    if amps is not None:
        return amps
    watts = to_watts(value, unit)
    if watts is None:
        return None
    return watts / (voltage * max(lines, 1))


def from_amps(amps: float, unit: str, lines: int, voltage: float) -> float | None:
    """Amps per line expressed in `unit` (A, mA, W or kW); None for any other unit."""
    key = unit.lower()
    if key in _CURRENT_SCALE:
        return amps / _CURRENT_SCALE[key]
    if key in _POWER_SCALE:
        return amps * voltage * max(lines, 1) / _POWER_SCALE[key]
    return None


def floor_to(value: float, step: float) -> float:
    """Round down to a multiple of `step`, immune to 2.3 * 10 == 22.999999999999996."""
    if step <= 0:
        return value
    return round(math.floor(round(value / step, 6)) * step, 9)


def ceil_to(value: float, step: float) -> float:
    if step <= 0:
        return value
    return round(math.ceil(round(value / step, 6)) * step, 9)


def reported_at(state: State) -> float:
    """When the device last reported this state (also when the value did not change)."""
    return state.last_reported.timestamp()
