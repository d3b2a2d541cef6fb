"""A scenario as the simulator runs it: the engine's site and loads plus the house around them."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from custom_components.ampwise.engine import Load, Mode, Site

EPS = 1e-9


class ScenarioError(ValueError):
    """Not a valid scenario; the message names the file, the key and what is wrong."""


@dataclass(frozen=True, slots=True)
class Series:
    """A step function of time: `values[i]` holds from `times[i]` until the next time.

    Lookups bisect, so a day of 10 s steps given point by point costs nothing per step.
    """

    times: tuple[float, ...]
    values: tuple[tuple[float, ...], ...]

    def at(self, t: float) -> tuple[float, ...]:
        return self.values[max(0, bisect_right(self.times, t + EPS) - 1)]

    @classmethod
    def constant(cls, value: tuple[float, ...]) -> Series:
        return cls((0.0,), (value,))


@dataclass(frozen=True, slots=True)
class Vehicle:
    """What is plugged into an EVSE, and when."""

    max_a: float
    plugged_at_s: float | None = 0.0
    unplugged_at_s: float | None = None
    energy_kwh: float | None = None
    phases: int | None = None  # None: every line of the charger

    def plugged(self, t: float) -> bool:
        if self.plugged_at_s is None or t < self.plugged_at_s - EPS:
            return False
        return self.unplugged_at_s is None or t < self.unplugged_at_s - EPS


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """One load: what the engine is told, plus what the house needs to make it draw."""

    load: Load
    vehicle: Vehicle | None = None  # evse only
    power_w: float | None = None  # switch only


@dataclass(frozen=True, slots=True)
class ModeChange:
    """The user switches a load's mode at `t_s` (extension `mode_changes`)."""

    t_s: float
    load: str
    mode: Mode


@dataclass(frozen=True, slots=True)
class Outage:
    """The grid sensor is unavailable from `from_s` until just before `to_s`."""

    from_s: float
    to_s: float

    def covers(self, t: float) -> bool:
        return self.from_s - EPS <= t < self.to_s - EPS


@dataclass(frozen=True, slots=True)
class Expectation:
    """One check of an `expect` entry; an entry with several checks gives several of these.

    `check` is the key that asked for it (`current_a`, `current_a_min`, `no_overload`, ...).
    """

    check: str
    value: float | bool | str
    load: str | None = None
    at_s: float | None = None
    tol_a: float = 0.1


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything `run` needs; build one with `load_scenarios` or `scenario_from_dict`."""

    name: str
    site: Site
    loads: tuple[LoadSpec, ...]
    household_a: Series  # A per site phase
    solar_w: Series  # W per site phase
    duration_s: float = 600.0
    step_s: float = 5.0
    load_meter_interval_s: float = 5.0
    battery_soc_pct: float | None = None  # initial
    expect: tuple[Expectation, ...] = ()
    mode_changes: tuple[ModeChange, ...] = ()
    grid_outages: tuple[Outage, ...] = ()
    description: str = ""
    source: str = ""

    @property
    def steps(self) -> int:
        """Number of steps: t = 0, step_s, ... up to and including duration_s."""
        return math.floor(self.duration_s / self.step_s + EPS) + 1

    def time(self, index: int) -> float:
        return round(index * self.step_s, 9)

    def step_at(self, at_s: float | None) -> int:
        """Index of the last step at or before `at_s`; None means the end."""
        last = self.steps - 1
        if at_s is None:
            return last
        return min(last, math.floor(at_s / self.step_s + EPS))

    def spec(self, load_id: str) -> LoadSpec:
        return next(spec for spec in self.loads if spec.load.id == load_id)
