"""What the engine answers: one allocation per load, each with a reason a person can read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .reasons import Reason
from .state import ControllerState


class Path(StrEnum):
    """Which of the two speeds produced a decision (PRODUCT.md §6)."""

    SAFETY = "safety"
    OPTIMISE = "optimise"
    FAILSAFE = "failsafe"


@dataclass(frozen=True, slots=True)
class Allocation:
    """The current a load may use per line (0 = off) and why."""

    load_id: str
    current_a: float
    power_w: float
    reason: Reason
    message: str
    timer_s: float | None = None

    @property
    def on(self) -> bool:
        return self.current_a > 0


@dataclass(frozen=True, slots=True)
class SiteStatus:
    """The site as the engine saw it this tick."""

    household_a: tuple[float, ...]
    headroom_a: tuple[float, ...]
    surplus_w: float
    allocated_w: float
    degraded: bool
    message: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything one tick produced; `state` goes into the next call."""

    path: Path
    allocations: Mapping[str, Allocation]
    site: SiteStatus
    state: ControllerState
