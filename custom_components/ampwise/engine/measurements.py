"""Turning a snapshot into trusted figures: stale grid readings and each load's real draw.

A missing grid reading is never read as "no load": the last good one is held for
`stale_after_s`, then the controller falls back to the failsafe. A load's draw is its own
meter reading once that reading is newer than the last command; until then the command is
counted, so a slow charger meter neither frees headroom that is not there nor makes a just
raised load push itself back down.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .model import Load, LoadReading, Metering, Site, Snapshot
from .state import ControllerState, LoadState

CHARGING_A = 2.0  # a line above this is charging for sure
IDLE_LINE_A = 0.5  # a line below this, beside a charging one, is not connected to the car


@dataclass(frozen=True, slots=True)
class GridView:
    """The grid figures this tick will use, and how much to trust them."""

    grid_a: tuple[float, ...] | None
    grid_w: float | None
    at_s: float | None
    fresh: bool  # this snapshot carried a valid reading
    age_s: float  # seconds since the reading in use was taken

    def usable(self, stale_after_s: float) -> bool:
        return self.at_s is not None and self.age_s <= stale_after_s


def _finite(values: Sequence[float]) -> bool:
    try:
        return all(map(math.isfinite, values))
    except TypeError:  # None or text where a number belongs
        return False


def resolve_grid(site: Site, snapshot: Snapshot, state: ControllerState, now: float) -> GridView:
    """Use the snapshot's grid reading if valid, else the last good one with its age."""
    if site.metering is Metering.TOTAL:
        valid = snapshot.grid_w is not None and _finite((snapshot.grid_w,))
    else:
        valid = (
            snapshot.grid_a is not None
            and len(snapshot.grid_a) == site.phases
            and _finite(snapshot.grid_a)
        )
    if valid:
        at = snapshot.grid_at_s if snapshot.grid_at_s is not None else now
        return GridView(snapshot.grid_a, snapshot.grid_w, at, True, max(0.0, now - at))
    last = state.last_grid_at_s
    age = math.inf if last is None else max(0.0, now - last)
    return GridView(state.last_grid_a, state.last_grid_w, last, False, age)


@dataclass(frozen=True, slots=True)
class Draw:
    """A load's draw per line as the engine counts it."""

    per_line: tuple[float, ...]
    measured: tuple[float, ...] | None  # the load's own reading, when it has one
    confirmed: bool  # the reading is newer than the last command
    # Which of the load's lines carry current: a 1-phase car on a 3-phase charger uses one.
    idle_lines: tuple[int, ...] = ()


def estimate_draw(load: Load, reading: LoadReading | None, memory: LoadState, now: float) -> Draw:
    """Count the reading once it is newer than the command, the command until then."""
    lines = len(load.lines)
    measured = None
    if reading is not None and reading.draw_a is not None and _finite(reading.draw_a):
        values = tuple([a if a > 0.0 else 0.0 for a in reading.draw_a[:lines]])
        measured = values if len(values) == lines else values + (0.0,) * (lines - len(values))
    if reading is not None and not reading.connected:
        # Nothing plugged in draws nothing, whatever the last command or meter figure says.
        return Draw((0.0,) * lines, measured, measured is not None)
    taken = now if reading is None or reading.at_s is None else reading.at_s
    confirmed = measured is not None and (
        memory.command_at_s is None or taken > memory.command_at_s
    )
    if confirmed and measured is not None:
        return Draw(measured, measured, True, _idle_lines(measured))
    if memory.command_at_s is not None:
        # Includes a cut to zero: the meter's older, higher figure would free phantom headroom.
        return Draw((memory.command_a,) * lines, measured, False)
    return Draw(measured or (0.0,) * lines, measured, False)


def _idle_lines(measured: tuple[float, ...]) -> tuple[int, ...]:
    """Lines drawing nothing while another clearly charges; empty when the load is idle."""
    top = max(measured, default=0.0)
    if top < CHARGING_A:
        return ()
    return tuple(n for n, amps in enumerate(measured) if amps < IDLE_LINE_A)


def estimate_draws(
    loads: Sequence[Load], snapshot: Snapshot, state: ControllerState, now: float
) -> dict[str, Draw]:
    return {
        load.id: estimate_draw(load, snapshot.loads.get(load.id), state.load(load.id), now)
        for load in loads
    }


def managed_per_circuit(
    site: Site,
    loads: Sequence[Load],
    draws: Mapping[str, Draw],
    chains: Mapping[str, tuple[str, ...]],
) -> dict[str, list[float]]:
    """Managed draw through each circuit per phase (a load counts on all its ancestors)."""
    totals = {c.id: [0.0] * site.phases for c in site.circuits}
    for load in loads:
        if load.circuit is None:
            continue
        per_line = draws[load.id].per_line
        for circuit_id in chains.get(load.circuit, ()):
            row = totals[circuit_id]
            for phase, amps in zip(load.lines, per_line, strict=True):
                row[phase] += amps
    return totals
