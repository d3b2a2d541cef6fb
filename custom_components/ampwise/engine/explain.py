"""Reason and sentence for a load whose allocation came out of the distribution."""

from __future__ import annotations

from .budget import Limit, LimitKind
from .model import Load, Mode
from .reasons import Reason, fmt_power

_LIMIT_REASONS = {
    LimitKind.PHASE: Reason.LIMITED_BY_BREAKER,
    LimitKind.CIRCUIT: Reason.LIMITED_BY_CIRCUIT,
    LimitKind.CIRCUIT_POWER: Reason.LIMITED_BY_CIRCUIT,
    LimitKind.IMPORT: Reason.LIMITED_BY_IMPORT,
    LimitKind.INVERTER: Reason.LIMITED_BY_INVERTER,
    LimitKind.SURPLUS: Reason.LIMITED_BY_SURPLUS,
    LimitKind.EXCESS: Reason.LIMITED_BY_EXCESS,
    LimitKind.OWN: Reason.LIMITED_BY_OWN_POWER,
}
_ENERGY = (LimitKind.SURPLUS, LimitKind.EXCESS, LimitKind.OWN)


def explain_share(
    load: Load,
    amps: float,
    power_w: float,
    upper: float,
    vehicle_draw: float | None,
    limit: Limit | None,
) -> tuple[Reason, str]:
    """Why `amps`: at the top of its range, held by the vehicle, or stopped by a limit."""
    if limit is None or (amps > 0 and amps >= upper - 1e-6):
        if amps > 0 and upper < load.max_a - 1e-6 and vehicle_draw is not None:
            return (
                Reason.LIMITED_BY_VEHICLE,
                f"vehicle draws {vehicle_draw:.1f} A of {amps:.1f} A offered",
            )
        if amps <= 0:
            return Reason.INSUFFICIENT_POWER, "no power available for the minimum"
        return Reason.AT_MAXIMUM, f"full speed: {amps:.1f} A"
    where = limit.describe()
    if amps <= 0:
        if limit.kind in (LimitKind.SURPLUS, LimitKind.EXCESS):
            return Reason.WAITING_FOR_SURPLUS, f"waiting for {where}"
        return (
            Reason.INSUFFICIENT_POWER,
            f"not enough power for the minimum {load.min_a:.1f} A: limited by {where}",
        )
    if limit.kind is LimitKind.SURPLUS and load.mode is Mode.ECO and amps <= load.min_a + 1e-6:
        return Reason.LIMITED_BY_SURPLUS, "minimum from the grid; more when surplus allows"
    if limit.kind in _ENERGY:
        return _LIMIT_REASONS[limit.kind], f"following {where}: {fmt_power(power_w)}"
    return _LIMIT_REASONS[limit.kind], f"limited by {where}"
