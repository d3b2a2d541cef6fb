"""Ampwise's decision core: pure Python, no Home Assistant, time passed in.

`allocate(site, loads, snapshot, state, now)` returns a `Decision` with one `Allocation` per
load (current, power, reason, sentence) and the `ControllerState` for the next call.
"""

from .controller import allocate
from .decision import Allocation, Decision, Path, SiteStatus
from .model import (
    MODES_BY_KIND,
    PHASE_NAMES,
    URGENCY,
    Battery,
    Circuit,
    Inverter,
    Load,
    LoadKind,
    LoadReading,
    Metering,
    Mode,
    Site,
    Snapshot,
    Strategy,
    Timing,
)
from .reasons import Reason
from .state import ControllerState, LoadState

__all__ = [
    "MODES_BY_KIND",
    "PHASE_NAMES",
    "URGENCY",
    "Allocation",
    "Battery",
    "Circuit",
    "ControllerState",
    "Decision",
    "Inverter",
    "Load",
    "LoadKind",
    "LoadReading",
    "LoadState",
    "Metering",
    "Mode",
    "Path",
    "Reason",
    "Site",
    "SiteStatus",
    "Snapshot",
    "Strategy",
    "Timing",
    "allocate",
]
