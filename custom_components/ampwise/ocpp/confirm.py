"""Did the charger do what it accepted? "Accepted" is not proof: several chargers accept a
profile and go on offering their app's setting. Current.Offered (or Power.Offered) in a
meter value made after the limit was sent is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .model import ConnectorState, RateUnit
from .profiles import ProfileRecipe

# Offer vs. command: how far apart counts as "does not follow".
MISMATCH_A: Final = 1.0
# A limit change smaller than this does not restart the wait for the charger to follow.
CHANGE_A: Final = 0.05
# How many meter intervals the charger gets to show the new offer.
INTERVALS_TO_FOLLOW: Final = 2


class ConfirmState(StrEnum):
    NO_LIMIT = "no_limit"  # nothing sent yet
    WAITING = "waiting"  # sent; the charger still has time to show it
    CONFIRMED = "confirmed"  # the offer matches
    MISMATCH = "mismatch"  # the charger offers something else
    NOT_CONFIRMED = "not_confirmed"  # the charger does not report its offer


@dataclass(frozen=True, slots=True)
class SentLimit:
    """The dynamic limit the charger last accepted on one connector."""

    connector_id: int
    limit_a: float
    phases: int
    unit: RateUnit
    value: float | int  # in the unit, as sent
    recipe: ProfileRecipe
    sent_at: float  # our clock
    changed_at: float  # when the limit last changed by more than CHANGE_A (not refreshes)


@dataclass(frozen=True, slots=True)
class Confirmation:
    state: ConfirmState
    offered_a: float | None = None
    sentence: str | None = None


def offered_amps(
    connector: ConnectorState, voltage: float, phases: int
) -> tuple[float, float] | None:
    """(amps per phase, when received) from Current.Offered, else from Power.Offered."""
    if connector.current_offered is not None:
        reading = connector.current_offered
        return reading.value, reading.received
    if connector.power_offered is not None:
        reading = connector.power_offered
        # The phases the car uses, not the charger's: a 1-phase car on a 3-phase charger
        # offered 3.7 kW is offered 16 A, not 5.3 A.
        lines = connector.phases_in_use() or phases
        return reading.value / (voltage * lines), reading.received
    return None


def confirm(
    sent: SentLimit | None,
    connector: ConnectorState,
    *,
    meter_interval_s: float,
    voltage: float,
    now: float,
) -> Confirmation:
    """Compare the last accepted limit with what the charger offers."""
    if sent is None:
        return Confirmation(ConfirmState.NO_LIMIT)
    offered = offered_amps(connector, voltage, sent.phases)
    if offered is None:
        return Confirmation(ConfirmState.NOT_CONFIRMED)
    amps, received = offered
    settled = now - sent.changed_at >= INTERVALS_TO_FOLLOW * meter_interval_s
    if received <= sent.changed_at:
        # Only a report made after the command tells anything about it.
        return Confirmation(ConfirmState.NOT_CONFIRMED if settled else ConfirmState.WAITING)
    if abs(amps - sent.limit_a) <= MISMATCH_A:
        return Confirmation(ConfirmState.CONFIRMED, amps)
    if not settled:
        return Confirmation(ConfirmState.WAITING, amps)
    if not connector.plugged:
        # With nothing plugged in many chargers go on showing the last session's offer.
        return Confirmation(ConfirmState.NOT_CONFIRMED, amps)
    return Confirmation(
        ConfirmState.MISMATCH,
        amps,
        f"charger offers {amps:.1f} A on connector {sent.connector_id}, asked {sent.limit_a:.1f} A",
    )
