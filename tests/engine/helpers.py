"""A minimal closed loop for engine tests: loads draw what they were told one tick earlier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from custom_components.ampwise.engine import (
    ControllerState,
    Decision,
    Load,
    LoadReading,
    Site,
    Snapshot,
    allocate,
)

FAST = {"ramp_up_a_per_s": 100.0, "dead_band_a": 0.0}


@dataclass
class Loop:
    """Drive `allocate` tick by tick against a house whose household and solar we set."""

    site: Site
    loads: Sequence[Load]
    household_a: Sequence[float]
    solar_w: float = 0.0
    state: ControllerState = field(default_factory=ControllerState)
    now: float = 0.0
    draw_limit_a: dict[str, float] = field(default_factory=dict)
    connected: dict[str, bool] = field(default_factory=dict)
    last: Decision | None = None

    def draws(self) -> dict[str, tuple[float, ...]]:
        result = {}
        for load in self.loads:
            amps = self.state.load(load.id).command_a
            amps = min(amps, self.draw_limit_a.get(load.id, amps))
            if not self.connected.get(load.id, True):
                amps = 0.0
            result[load.id] = (amps,) * len(load.lines)
        return result

    def snapshot(self) -> Snapshot:
        draws = self.draws()
        grid = list(self.household_a)
        for phase in range(self.site.phases):
            grid[phase] -= self.solar_w / self.site.phases / self.site.voltage_v
        for load in self.loads:
            for phase, amps in zip(load.lines, draws[load.id], strict=True):
                grid[phase] += amps
        readings = {
            load.id: LoadReading(draws[load.id], self.now, self.connected.get(load.id, True))
            for load in self.loads
        }
        return Snapshot(grid_a=tuple(grid), solar_w=self.solar_w, loads=readings)

    def tick(self, seconds: float = 10.0, *, force: bool = False) -> Decision:
        snapshot = self.snapshot()
        self.last = allocate(
            self.site, self.loads, snapshot, self.state, self.now, force_optimise=force
        )
        self.state = self.last.state
        self.now += seconds
        return self.last

    def run(self, ticks: int, seconds: float = 10.0) -> Decision:
        for _ in range(ticks):
            self.tick(seconds)
        assert self.last is not None
        return self.last

    def amps(self) -> dict[str, float]:
        assert self.last is not None
        return {k: a.current_a for k, a in self.last.allocations.items()}
