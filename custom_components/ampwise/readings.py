"""Home Assistant states turned into the engine's snapshot: units, signs, and bad values named.

A reading that is unavailable, unknown, not a number, or in a unit we do not know is never
read as zero: it is left out (None) and its entity is listed, so the engine holds the last
good value and the hub can say which sensor to look at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from homeassistant.core import HomeAssistant, State

from .actuators.base import Actuator
from .engine import LoadReading, Snapshot
from .hub import Meters
from .units import amps_per_line, numeric_state, reported_at, to_watts, unit_of

SILENT_METER_S = 300.0


@dataclass(slots=True)
class Reader:
    """Reads one tick's states; collects the entities whose value could not be used."""

    hass: HomeAssistant
    voltage: float
    bad: list[str] = field(default_factory=list)

    def _value(self, entity_id: str) -> tuple[float, State] | None:
        state = self.hass.states.get(entity_id)
        value = numeric_state(state)
        if state is None or value is None:
            self.bad.append(entity_id)
            return None
        return value, state

    def current(self, entity_id: str) -> tuple[float, float] | None:
        """(amps, reported at): a current sensor, or a power sensor at the site voltage."""
        read = self._value(entity_id)
        if read is None:
            return None
        value, state = read
        amps = amps_per_line(value, unit_of(state), 1, self.voltage)
        if amps is None:
            self.bad.append(entity_id)
            return None
        return amps, reported_at(state)

    def power(self, entity_id: str) -> float | None:
        read = self._value(entity_id)
        watts = to_watts(read[0], unit_of(read[1])) if read else None
        if read is not None and watts is None:
            self.bad.append(entity_id)
        return watts

    def percent(self, entity_id: str) -> float | None:
        read = self._value(entity_id)
        if read is None:
            return None
        if unit_of(read[1]) != "%":
            self.bad.append(entity_id)
            return None
        return read[0]


def _age(reported_s: float, now: float) -> float:
    return now if now - reported_s <= SILENT_METER_S else reported_s


def read_snapshot(
    hass: HomeAssistant,
    meters: Meters,
    voltage: float,
    actuators: Mapping[str, Actuator],
    now: float,
) -> tuple[Snapshot, list[str]]:
    """The snapshot for this tick and the entities that gave no usable value.

    A valid grid reading counts as current unless its sensor has been silent for
    SILENT_METER_S: many sensors (templates, some meters) only report when the value changes,
    so a steady household must not look like a dead meter.
    """
    reader = Reader(hass, voltage)
    grid_a: tuple[float, ...] | None = None
    grid_w: float | None = None
    grid_at: float | None = None
    sign = -1.0 if meters.export_positive else 1.0
    if meters.grid:
        phases = [reader.current(entity_id) for entity_id in meters.grid]
        if all(p is not None for p in phases):
            values = [p for p in phases if p is not None]
            grid_a = tuple(
                sign * (-a if n in meters.inverted_phases else a) for n, (a, _) in enumerate(values)
            )
            grid_at = _age(min(at for _, at in values), now)  # as old as the oldest phase
    elif meters.grid_total:
        total = reader.power(meters.grid_total)
        if total is not None:
            grid_w = sign * total
            state = hass.states.get(meters.grid_total)
            grid_at = _age(reported_at(state), now) if state else None
    battery_w = None
    if meters.battery_power:
        battery_w = reader.power(meters.battery_power)
        if battery_w is not None and meters.battery_discharge_positive:
            battery_w = -battery_w
    circuits: dict[str, tuple[float, ...]] = {}
    for circuit_id, sensors in meters.circuits.items():
        phases = [reader.current(entity_id) for entity_id in sensors]
        if all(p is not None for p in phases):
            circuits[circuit_id] = tuple(p[0] for p in phases if p is not None)
    loads: dict[str, LoadReading] = {
        load_id: actuator.reading() for load_id, actuator in actuators.items()
    }
    snapshot = Snapshot(
        grid_a=grid_a,
        grid_w=grid_w,
        grid_at_s=grid_at,
        solar_w=reader.power(meters.solar) if meters.solar else None,
        battery_w=battery_w,
        battery_soc_pct=reader.percent(meters.battery_soc) if meters.battery_soc else None,
        circuit_a=circuits,
        loads=loads,
    )
    return snapshot, reader.bad
