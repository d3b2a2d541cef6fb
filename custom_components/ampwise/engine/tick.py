"""What one call of `allocate` knows, and the steps both decision paths share."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .decision import Allocation
from .measurements import Draw, GridView
from .model import URGENCY, Load, Mode, Site, Snapshot
from .pools import Pools
from .reasons import Reason
from .state import ControllerState, LoadState

EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Tick:
    """Per-call figures shared by the paths."""

    site: Site
    loads: Sequence[Load]
    snapshot: Snapshot
    state: ControllerState
    now: float
    draws: Mapping[str, Draw]
    pools: Pools
    chains: Mapping[str, tuple[str, ...]]
    grid: GridView

    def absent(self, load: Load) -> tuple[Reason, str] | None:
        """Off or nothing connected: the load takes no part."""
        return absent(load, self.snapshot)

    def phases(self, load: Load) -> tuple[int, ...]:
        """Site phases the load really uses: its wiring less lines its vehicle leaves idle."""
        idle = self.draws[load.id].idle_lines
        if not idle or len(idle) >= len(load.lines):
            return load.lines
        return tuple(p for n, p in enumerate(load.lines) if n not in idle)

    def power(self, load: Load, amps: float) -> float:
        return amps * self.site.voltage_v * len(self.phases(load))

    def upper(self, load: Load, memory: LoadState) -> float:
        """The most a load may get: its maximum, or its vehicle's draw plus a probe margin."""
        if load.on_off:
            return load.max_a
        draw = self.draws[load.id]
        timing = self.site.timing
        if draw.confirmed and draw.measured is not None and memory.command_a > 0:
            drawn = max(draw.measured)
            if drawn < memory.command_a - timing.follow_tolerance_a:
                return min(load.max_a, max(load.min_a, drawn + timing.probe_margin_a))
        return load.max_a


def absent(load: Load, snapshot: Snapshot) -> tuple[Reason, str] | None:
    if load.mode is Mode.OFF:
        return Reason.OFF, "mode is off"
    reading = snapshot.loads.get(load.id)
    if reading is not None and not reading.connected:
        return Reason.DISCONNECTED, "nothing connected"
    return None


def tiers(loads: Sequence[Load], members: Sequence[int]) -> list[list[int]]:
    """Member indices grouped by mode urgency, each group ordered by priority number."""
    order = sorted(members, key=lambda i: (URGENCY[loads[i].mode], loads[i].priority, i))
    groups: list[list[int]] = []
    last = None
    for i in order:
        urgency = URGENCY[loads[i].mode]
        if urgency != last:
            groups.append([])
            last = urgency
        groups[-1].append(i)
    return groups


def lower_bounds(loads: Sequence[Load]) -> list[float]:
    return [load.max_a if load.on_off else load.min_a for load in loads]


def round_down(load: Load, amps: float) -> float:
    """Down to the load's step, never below its minimum when it runs at all."""
    if amps <= EPS:
        return 0.0
    if load.on_off:
        return load.max_a
    stepped = round(math.floor((amps + EPS) / load.step_a) * load.step_a, 6)
    return min(float(load.max_a), max(float(load.min_a), stepped))


def allocation(tick: Tick, load: Load, memory: LoadState) -> Allocation:
    return Allocation(
        load.id,
        memory.command_a,
        tick.power(load, memory.command_a),
        memory.reason,
        memory.message,
        memory.timer_s,
    )
