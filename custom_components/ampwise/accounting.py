"""What each load has drawn (kWh) and whether its boost still runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .engine import LoadReading

BOOST = "boost"  # settings key: {"until_s": float | None, "until_kwh": float | None}
# A tick more than this after the last one (a restart, a stall) adds no energy: we do not know.
MAX_GAP_S = 120.0


def add_energy(
    energy_kwh: dict[str, float],
    readings: Mapping[str, LoadReading],
    voltage: float,
    elapsed_s: float,
) -> None:
    """Add each load's measured draw over the time since the last tick (rectangle rule)."""
    if elapsed_s <= 0 or elapsed_s > MAX_GAP_S:
        return
    for load_id, reading in readings.items():
        if reading.draw_a is None:
            continue
        watts = sum(reading.draw_a) * voltage
        energy_kwh[load_id] = energy_kwh.get(load_id, 0.0) + watts * elapsed_s / 3_600_000


def boost_setting(
    now: float, minutes: float | None, kwh: float | None, drawn_kwh: float
) -> dict[str, Any]:
    """The settings entry of a boost that runs for `minutes`, or until `kwh` more were drawn."""
    return {
        "until_s": now + minutes * 60 if minutes else None,
        "until_kwh": drawn_kwh + kwh if kwh else None,
    }


def boost_active(boost: Mapping[str, Any] | None, now: float, drawn_kwh: float) -> bool:
    if not boost:
        return False
    until_s, until_kwh = boost.get("until_s"), boost.get("until_kwh")
    if until_s is not None and now >= until_s:
        return False
    return not (until_kwh is not None and drawn_kwh >= until_kwh)
