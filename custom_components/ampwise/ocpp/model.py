"""What a charge point tells us: who it is, what it can do, its connectors and its clock.

Protocol-neutral: the OCPP 1.6 adapter (`v16.py`) fills these from its messages, the 2.0.1
one will fill the same fields. A value we cannot read for sure is left out (None), never
taken as 0: a missing reading must not look like an idle car.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

# A charger whose clock is further off than this gets Absolute profiles in its own time.
CLOCK_TRUST_S: Final = 60.0
# Median of the last few samples: one replayed (offline-queued) message must not move it.
CLOCK_SAMPLES: Final = 5
# Offsets beyond this are garbage, not a clock (and would overflow datetime arithmetic).
CLOCK_SANE_S: Final = 50 * 365 * 86400.0
# Connector ids above this are ignored: a misbehaving charger must not grow our state.
MAX_CONNECTORS: Final = 16
# Status values with a vehicle plugged in (OCPP 1.6 §7.7).
PLUGGED: Final = frozenset({"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing"})
# A line carrying more than this is one the car charges on.
CAR_LINE_A: Final = 1.0


class RateUnit(StrEnum):
    """The unit of a charging schedule: amps per phase, or watts in total."""

    AMPS = "A"
    WATTS = "W"


_AMPS_WORDS: Final = frozenset({"current", "a", "amp", "amps", "ampere", "amperes"})
_WATTS_WORDS: Final = frozenset({"power", "w", "watt", "watts"})


def parse_rate_units(value: str | None) -> frozenset[RateUnit]:
    """ChargingScheduleAllowedChargingRateUnit, case-insensitive (Huawei says "power") and
    with the non-standard "A"/"W" some firmwares send. Empty: the charger did not say."""
    words = {w.casefold() for w in re.split(r"[,;\s]+", value or "") if w}
    units: set[RateUnit] = set()
    if words & _AMPS_WORDS:
        units.add(RateUnit.AMPS)
    if words & _WATTS_WORDS:
        units.add(RateUnit.WATTS)
    return frozenset(units)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(w.strip() for w in (value or "").split(",") if w.strip())


@dataclass(frozen=True, slots=True)
class BootInfo:
    """The charger's BootNotification."""

    vendor: str
    model: str
    serial: str | None = None
    firmware: str | None = None
    meter_type: str | None = None


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the charger's configuration says it can do (1.6: GetConfiguration)."""

    known: bool = False  # False until the charger answered
    rate_units: frozenset[RateUnit] = frozenset()  # empty: not reported
    max_stack_level: int | None = None
    max_periods: int | None = None
    number_of_connectors: int | None = None
    smart_charging: bool | None = None
    measurands: tuple[str, ...] = ()  # MeterValuesSampledData in force
    measurands_max_length: int | None = None
    meter_interval_s: float | None = None
    raw: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_config(cls, keys: Mapping[str, str | None]) -> Capabilities:
        """From OCPP 1.6 configuration keys (all values are strings there)."""
        features = _csv(keys.get("SupportedFeatureProfiles"))
        interval = _int(keys.get("MeterValueSampleInterval"))
        return cls(
            known=True,
            rate_units=parse_rate_units(keys.get("ChargingScheduleAllowedChargingRateUnit")),
            max_stack_level=_int(keys.get("ChargeProfileMaxStackLevel")),
            max_periods=_int(keys.get("ChargingScheduleMaxPeriods")),
            number_of_connectors=_int(keys.get("NumberOfConnectors")),
            smart_charging=("SmartCharging" in features) if features else None,
            measurands=_csv(keys.get("MeterValuesSampledData")),
            measurands_max_length=_int(keys.get("MeterValuesSampledDataMaxLength")),
            meter_interval_s=float(interval) if interval and interval > 0 else None,
            raw=dict(keys),
        )


@dataclass(frozen=True, slots=True)
class Reading:
    """One value, with the charger's timestamp (its clock) and when we received it (ours)."""

    value: float
    at: datetime | None
    received: float


@dataclass(frozen=True, slots=True)
class PhaseReading:
    """Per-phase values L1..L3 from one meter sample; a phase not reported is None."""

    l1: float | None
    l2: float | None
    l3: float | None
    at: datetime | None
    received: float

    @property
    def phases(self) -> tuple[float | None, float | None, float | None]:
        return (self.l1, self.l2, self.l3)


@dataclass(slots=True)
class ConnectorState:
    """One connector as the charger last reported it. Connector 0 is the charger itself."""

    connector_id: int
    status: str | None = None
    error_code: str | None = None
    info: str | None = None
    status_at: datetime | None = None
    transaction_id: int | None = None
    id_tag: str | None = None
    transaction_started: datetime | None = None
    meter_start_wh: float | None = None
    current_import: PhaseReading | None = None
    current_offered: Reading | None = None
    power_offered: Reading | None = None
    power_active_import: Reading | None = None  # W, all phases together
    energy_active_import_register: Reading | None = None  # Wh
    soc: Reading | None = None  # %

    @property
    def plugged(self) -> bool:
        return self.status in PLUGGED

    def phases_in_use(self) -> int:
        """Lines the car draws on in the last sample (0: not charging or not reported)."""
        if self.current_import is None:
            return 0
        return sum(
            1 for amps in self.current_import.phases if amps is not None and amps > CAR_LINE_A
        )


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 timestamp; one without a zone is taken as UTC (as OCPP requires)."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class ClockEstimate:
    """How far the charger's clock is from ours, from the timestamps it sends.

    OCPP 1.6 chargers are meant to set their clock from our BootNotification and Heartbeat
    replies; some never do (or keep a wrong zone), and an Absolute profile in our time then
    starts or ends minutes off in theirs.
    """

    def __init__(self) -> None:
        self._samples: deque[float] = deque(maxlen=CLOCK_SAMPLES)

    def add(self, charger_time: datetime, received: float) -> None:
        offset = charger_time.timestamp() - received
        if abs(offset) < CLOCK_SANE_S:
            self._samples.append(offset)

    @property
    def offset_s(self) -> float | None:
        """Charger time minus our time, in seconds; None before any sample."""
        return statistics.median(self._samples) if self._samples else None

    def usable_offset_s(self) -> float:
        """The offset to build profiles with: 0 while the clocks agree within CLOCK_TRUST_S
        (the minute-in-the-past start covers that), else the measured offset."""
        offset = self.offset_s
        return 0.0 if offset is None or abs(offset) <= CLOCK_TRUST_S else offset


# --- meter values -------------------------------------------------------------------------
_PHASE_INDEX: Final = {"L1": 0, "L2": 1, "L3": 2, "L1-N": 0, "L2-N": 1, "L3-N": 2}
_SCALE: Final = {"w": 1.0, "kw": 1000.0, "wh": 1.0, "kwh": 1000.0, "a": 1.0, "percent": 1.0}
# Contexts whose timestamp is "now" at the charger, so they can measure its clock.
_LIVE_CONTEXTS: Final = frozenset({"Sample.Periodic", "Sample.Clock", "Trigger"})
DEFAULT_MEASURAND: Final = "Energy.Active.Import.Register"


def _number(sample: Mapping[str, object]) -> float | None:
    """The sampled value in base units (A, W, Wh, %), or None when unreadable."""
    if sample.get("format") == "SignedData":
        return None
    raw = sample.get("value")
    try:
        value = float(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if value is None or not math.isfinite(value):
        return None
    unit = sample.get("unit")
    if unit is None:
        return value
    scale = _SCALE.get(str(unit).casefold())
    return None if scale is None else value * scale


@dataclass(slots=True)
class _Sample:
    """The values of one meterValue entry, before they go into the connector."""

    currents: list[float | None] = field(default_factory=lambda: [None, None, None])
    phaseless_current: float | None = None
    offered: list[float] = field(default_factory=list)
    power_phases: list[float] = field(default_factory=list)
    power_total: float | None = None
    power_offered: float | None = None
    energy: float | None = None
    soc: float | None = None


def _collect(samples: Iterable[object]) -> _Sample:
    out = _Sample()
    for sample in samples:
        if not isinstance(sample, Mapping):
            continue
        value = _number(sample)
        if value is None:
            continue
        measurand = sample.get("measurand") or DEFAULT_MEASURAND
        phase = _PHASE_INDEX.get(str(sample.get("phase"))) if sample.get("phase") else None
        if measurand == "Current.Import":
            if phase is None:
                out.phaseless_current = value
            else:
                out.currents[phase] = value
        elif measurand == "Current.Offered":
            out.offered.append(value)
        elif measurand == "Power.Active.Import":
            if phase is None and sample.get("phase") is None:
                out.power_total = value
            elif phase is not None:
                out.power_phases.append(value)
        elif measurand == "Power.Offered":
            out.power_offered = value
        elif measurand == "Energy.Active.Import.Register" and sample.get("phase") is None:
            out.energy = value
        elif measurand == "SoC":
            out.soc = value
    return out


def apply_meter_values(
    connector: ConnectorState, meter_value: Iterable[object], received: float
) -> list[datetime]:
    """Store what a MeterValues (or transaction data) message says about the connector.

    Returns the timestamps that tell the charger's current time (for the clock estimate).
    Per-phase currents replace the previous sample as a whole: phases missing from this
    sample are unknown now, not what they were before. A phaseless Current.Import is L1
    (single-phase chargers send it that way).
    """
    live: list[datetime] = []
    for entry in meter_value:
        if not isinstance(entry, Mapping):
            continue
        at = parse_time(entry.get("timestamp"))
        samples = entry.get("sampled_value")
        if not isinstance(samples, list):
            continue
        s = _collect(samples)
        contexts = {x.get("context") for x in samples if isinstance(x, Mapping)}
        if at is not None and contexts <= (_LIVE_CONTEXTS | {None}):
            live.append(at)
        if any(v is not None for v in s.currents):
            l1, l2, l3 = s.currents
            connector.current_import = PhaseReading(l1, l2, l3, at, received)
        elif s.phaseless_current is not None:
            connector.current_import = PhaseReading(s.phaseless_current, None, None, at, received)
        if s.offered:
            # Some report the offer per phase; the car may use any of them.
            connector.current_offered = Reading(max(s.offered), at, received)
        power = s.power_total
        if power is None and s.power_phases:
            power = sum(s.power_phases)
        if power is not None:
            connector.power_active_import = Reading(power, at, received)
        if s.power_offered is not None:
            connector.power_offered = Reading(s.power_offered, at, received)
        if s.energy is not None:
            connector.energy_active_import_register = Reading(s.energy, at, received)
        if s.soc is not None:
            connector.soc = Reading(s.soc, at, received)
    return live
