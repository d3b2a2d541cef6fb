"""A load set through a `number` or `input_number` entity in A or W: chargers whose own
integration exposes a current limit (Easee, Zaptec, go-e, Wallbox...), variable heaters."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, State

from ..const import (
    CONF_MAX_VALUE,
    CONF_MEASURE_SENSOR,
    CONF_MIN_VALUE,
    CONF_NUMBER_ENTITY,
    CONF_NUMBER_UNIT,
    UNIT_AMPS,
    UNIT_WATTS,
)
from ..engine import Allocation, Load, LoadReading
from ..units import (
    UNIT_NAMES,
    OnceLogger,
    amps_per_line,
    ceil_to,
    floor_to,
    from_amps,
    known_unit,
    numeric_state,
    reported_at,
    to_float,
    unit_of,
)
from .base import Actuator, ActuatorStatus
from .common import FOLLOW_GRACE_S, RETRY_S, Serialised, call_service, utc_now, voltage_of

LOGGER = logging.getLogger(__name__)

# Without a step attribute, values closer than this (in the number's unit) are the same.
DEFAULT_TOLERANCE = 0.1


@dataclass(frozen=True, slots=True)
class _Range:
    """What the entity accepts, in its own unit."""

    low: float  # the lowest running value: entity and configured minimum
    high: float
    floor: float | None  # the entity's own minimum
    step: float

    @property
    def tolerance(self) -> float:
        return self.step if self.step > 0 else DEFAULT_TOLERANCE


class NumberActuator(Actuator):
    """Sets the number to the allocation, clamped to what entity and config allow."""

    def __init__(self, hass: HomeAssistant, load: Load, config: dict[str, object]) -> None:
        super().__init__(hass, load, config)
        self._log = OnceLogger(LOGGER)
        self._serial = Serialised()
        self._voltage = voltage_of(config)
        self._entity_id = str(config[CONF_NUMBER_ENTITY])
        sensor = config.get(CONF_MEASURE_SENSOR)
        self._measure = str(sensor) if sensor else None
        unit = config.get(CONF_NUMBER_UNIT)
        self._config_unit = UNIT_WATTS if unit == UNIT_WATTS else UNIT_AMPS
        self._config_min = to_float(config.get(CONF_MIN_VALUE))
        self._config_max = to_float(config.get(CONF_MAX_VALUE))
        self._sent: float | None = None  # in the number's unit
        self._sent_at: float | None = None
        self._changed_at: float | None = None
        self._at_minimum = False  # asked for 0 but the entity cannot go below its minimum
        self._asked: float | None = None  # the last allocation, A per line
        self._error: str | None = None

    @property
    def _lines(self) -> int:
        return max(len(self.load.lines), 1)

    def _number(self) -> State | None:
        return self.hass.states.get(self._entity_id)

    def _unit(self, state: State | None) -> str:
        """The entity's own unit when it is one we know (e.g. kW, mA), else the configured one."""
        unit = unit_of(state)
        if unit is not None and known_unit(unit):
            return UNIT_NAMES[unit.lower()]
        return self._config_unit

    def _range(self, state: State) -> _Range:
        floor = to_float(state.attributes.get("min"))
        ceiling = to_float(state.attributes.get("max"))
        step = to_float(state.attributes.get("step")) or 0.0
        lows = [v for v in (floor, self._config_min) if v is not None]
        highs = [v for v in (ceiling, self._config_max) if v is not None]
        low = max(lows, default=0.0)
        return _Range(low, max(low, min(highs, default=float("inf"))), floor, max(step, 0.0))

    def _target(self, current_a: float, state: State) -> float:
        """The value to set, in the number's unit; 0 where the entity allows it."""
        limits = self._range(state)
        self._at_minimum = False
        if current_a <= 0:
            if limits.floor is not None and limits.floor > 0:
                self._at_minimum = True  # the nearest it gets to off
                return limits.floor
            return 0.0
        value = from_amps(current_a, self._unit(state), self._lines, self._voltage)
        assert value is not None  # _unit only names units from_amps knows
        value = floor_to(min(max(value, limits.low), limits.high), limits.step)
        if value < limits.low:  # the minimum is off the step grid
            value = min(ceil_to(limits.low, limits.step), limits.high)
        return value

    # --- commands -----------------------------------------------------------------------
    async def async_apply(self, allocation: Allocation, now: float) -> None:
        await self._serial.run(lambda: self._apply(allocation.current_a, now))

    async def _apply(self, current_a: float, now: float) -> None:
        self._asked = current_a
        state = self._number()
        shows = numeric_state(state)
        if state is None or shows is None:
            return  # its limits are unknown and a command would not land; the status says so
        value = self._target(current_a, state)
        tolerance = self._range(state).tolerance / 2
        if self._sent is None or abs(value - self._sent) >= tolerance:
            self._sent, self._changed_at = value, now
            if abs(shows - value) >= tolerance:
                await self._send(value, now)
        elif abs(shows - value) >= tolerance and (
            self._sent_at is None or now - self._sent_at > RETRY_S
        ):
            await self._send(value, now)

    async def _send(self, value: float, now: float) -> None:
        domain = self._entity_id.split(".", 1)[0]
        self._sent_at = now
        self._error = await call_service(
            self.hass, domain, "set_value", {ATTR_ENTITY_ID: self._entity_id, "value": value}
        )
        if self._error is not None:
            self._log.warning("send", "Ampwise load %s: %s", self.load.id, self._error)
        else:
            self._log.forget("send")

    # --- readings -----------------------------------------------------------------------
    def reading(self) -> LoadReading:
        """The measuring sensor when there is one; else what the number is set to.

        The number's value is what the device was told (our command once it follows, or its
        minimum when it cannot switch off), so it overstates rather than hides a draw.
        """
        if self._measure is not None:
            state = self.hass.states.get(self._measure)
            unit = unit_of(state)
        else:
            state = self._number()
            unit = self._unit(state)
        value = numeric_state(state)
        if state is None or value is None:
            return LoadReading(draw_a=None, at_s=None)
        amps = amps_per_line(value, unit, self._lines, self._voltage)
        if amps is None:
            self._log.warning(
                f"unit {state.entity_id}", "%s reports %r; not used", state.entity_id, unit
            )
            return LoadReading(draw_a=None, at_s=None)
        return LoadReading(draw_a=(max(amps, 0.0),) * self._lines, at_s=reported_at(state))

    # --- status -------------------------------------------------------------------------
    def _to_amps(self, value: float | None, state: State | None) -> float | None:
        if value is None:
            return None
        amps = amps_per_line(value, self._unit(state), self._lines, self._voltage)
        return None if amps is None else round(amps, 2)

    def status(self) -> ActuatorStatus:
        state = self._number()
        shows = numeric_state(state)
        return ActuatorStatus(
            ready=shows is not None and self._error is None,
            commanded_a=self._to_amps(self._sent, state),
            reported_a=self._to_amps(shows, state),
            mismatch=self._mismatch(state, shows, utc_now()),
            detail={
                "entity": self._entity_id,
                "unit": self._unit(state),
                "measure_sensor": self._measure,
                "set_value": self._sent,
                "last_sent_at": self._sent_at,
                "at_minimum": self._at_minimum,
                "last_error": self._error,
            },
        )

    def _mismatch(self, state: State | None, shows: float | None, now: float) -> str | None:
        if self._error is not None:
            return self._error
        if self._asked is not None and shows is None:
            return f"{self._entity_id} is unavailable"
        if self._sent is None or state is None or shows is None:
            return None
        unit = self._unit(state)
        asked_at = max(self._changed_at or 0.0, self._sent_at or 0.0)
        if abs(shows - self._sent) > self._range(state).tolerance and (
            now - asked_at >= FOLLOW_GRACE_S
        ):
            return f"number is at {shows:g} {unit}, asked {self._sent:g} {unit}"
        if self._at_minimum:
            return f"cannot switch off, at minimum ({self._sent:g} {unit})"
        return None
