"""The controller's memory between ticks: commands, timers and recent surplus."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .model import Mode
from .reasons import Reason


@dataclass(frozen=True, slots=True)
class LoadState:
    """What the controller remembers of one load."""

    command_a: float = 0.0
    command_at_s: float | None = None
    running_since_s: float | None = None
    stopped_at_s: float | None = None
    start_pending_since_s: float | None = None
    stop_pending_since_s: float | None = None
    mode: Mode | None = None
    # Surplus-following loads: a raise waits until surplus has stayed up (debounce), a small
    # shortfall is tolerated briefly; these remember since when, and the lowest target seen.
    raise_since_s: float | None = None
    raise_to_a: float = 0.0
    short_since_s: float | None = None
    # The explanation of the last command, kept for ticks that leave the command alone.
    reason: Reason = Reason.OFF
    message: str = ""
    timer_s: float | None = None

    @property
    def running(self) -> bool:
        return self.running_since_s is not None

    def with_timers(self, start: float | None, stop: float | None) -> LoadState:
        """The same state with the start and stop timers set (itself when they are)."""
        if start == self.start_pending_since_s and stop == self.stop_pending_since_s:
            return self
        return replace(self, start_pending_since_s=start, stop_pending_since_s=stop)

    def commanded(
        self,
        amps: float,
        now: float,
        mode: Mode | None,
        reason: Reason,
        message: str,
        timer_s: float | None = None,
        shaping: tuple[float | None, float, float | None] | None = None,
    ) -> LoadState:
        """The state after commanding `amps`: a start or a stop when it crosses zero.

        `shaping` is (raise_since_s, raise_to_a, short_since_s); None keeps the current ones.
        """
        changed = abs(amps - self.command_a) > 1e-6
        command_at = now if changed else self.command_at_s
        running_since, stopped_at = self.running_since_s, self.stopped_at_s
        start_pending, stop_pending = self.start_pending_since_s, self.stop_pending_since_s
        if amps > 0 and running_since is None:
            running_since, stopped_at, start_pending = now, None, None
        elif amps <= 0 and running_since is not None:
            running_since, stopped_at, start_pending, stop_pending = None, now, None, None
        return LoadState(
            amps if amps > 0 else 0.0,
            command_at,
            running_since,
            stopped_at,
            start_pending,
            stop_pending,
            mode,
            *(shaping or (self.raise_since_s, self.raise_to_a, self.short_since_s)),
            reason,
            message,
            timer_s,
        )


@dataclass(frozen=True, slots=True)
class ControllerState:
    """Passed into every `allocate` call and returned, changed, in its decision."""

    loads: Mapping[str, LoadState] = field(default_factory=dict)
    last_optimised_s: float | None = None
    # Hysteresis of the battery policy: True once SoC reached target, until it falls below
    # target - hysteresis. None until the first SoC reading.
    battery_loads_first: bool | None = None
    last_grid_a: tuple[float, ...] | None = None
    last_grid_w: float | None = None
    last_grid_at_s: float | None = None
    # (time, surplus W) at recent optimisation ticks, oldest first.
    surplus_history: tuple[tuple[float, float], ...] = ()

    def load(self, load_id: str) -> LoadState:
        return self.loads.get(load_id, _IDLE)

    def evolve(self, **changes: Any) -> ControllerState:
        """A copy with `changes` (dataclasses.replace, without its per-call introspection)."""
        values = {name: getattr(self, name) for name in _STATE_FIELDS}
        values.update(changes)
        return ControllerState(**values)

    def recent_surplus(self, now: float, window_s: float) -> tuple[tuple[float, float], ...]:
        """Surplus samples of the last `window_s` seconds (the history is oldest first)."""
        history = self.surplus_history
        start = 0
        while start < len(history) and now - history[start][0] > window_s:
            start += 1
        return history[start:] if start else history


_IDLE = LoadState()
_STATE_FIELDS = tuple(f.name for f in fields(ControllerState))
