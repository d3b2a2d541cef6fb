"""A relay (smart plug, contactor, any entity with turn_on/turn_off) run at its rated power."""

from __future__ import annotations

import logging
from typing import Final

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant, State

from ..const import CONF_POWER, CONF_POWER_SENSOR, CONF_SWITCH_ENTITY
from ..engine import Allocation, Load, LoadReading
from ..units import OnceLogger, amps_per_line, numeric_state, reported_at, to_float, unit_of
from .base import Actuator, ActuatorStatus
from .common import FOLLOW_GRACE_S, RETRY_S, Serialised, call_service, utc_now, voltage_of

LOGGER = logging.getLogger(__name__)

# Entities whose own domain has turn_on/turn_off with the usual meaning; anything else
# (light, fan, climate...) goes through homeassistant.turn_on.
OWN_SERVICES: Final = frozenset({"switch", "input_boolean"})
# Switched on but drawing less than this share of its rating for this long: say so.
IDLE_SHARE: Final = 0.1
IDLE_AFTER_S: Final = 120.0


class SwitchActuator(Actuator):
    """On when the allocation is above 0, off otherwise."""

    def __init__(self, hass: HomeAssistant, load: Load, config: dict[str, object]) -> None:
        super().__init__(hass, load, config)
        self._log = OnceLogger(LOGGER)
        self._serial = Serialised()
        self._voltage = voltage_of(config)
        self._entity_id = str(config[CONF_SWITCH_ENTITY])
        sensor = config.get(CONF_POWER_SENSOR)
        self._power_sensor = str(sensor) if sensor else None
        self._rated_w = to_float(config.get(CONF_POWER)) or 0.0
        self._wanted: bool | None = None
        self._wanted_at: float | None = None  # when the command last changed
        self._sent_at: float | None = None  # when a service was last called
        self._idle_since: float | None = None
        self._error: str | None = None

    @property
    def _lines(self) -> int:
        return max(len(self.load.lines), 1)

    def _switch(self) -> State | None:
        return self.hass.states.get(self._entity_id)

    def _is_on(self) -> bool | None:
        state = self._switch()
        if state is None or state.state not in (STATE_ON, STATE_OFF):
            return None
        return state.state == STATE_ON

    # --- commands -----------------------------------------------------------------------
    async def async_apply(self, allocation: Allocation, now: float) -> None:
        await self._serial.run(lambda: self._apply(allocation.current_a > 0, now))

    async def _apply(self, on: bool, now: float) -> None:
        if self._wanted != on:
            self._wanted, self._wanted_at = on, now
            if self._is_on() != on:
                await self._send(on, now)
        elif self._is_on() != on and (self._sent_at is None or now - self._sent_at > RETRY_S):
            # Asked before and still not there: the relay may have missed it.
            await self._send(on, now)

    async def _send(self, on: bool, now: float) -> None:
        domain = self._entity_id.split(".", 1)[0]
        service_domain = domain if domain in OWN_SERVICES else "homeassistant"
        self._sent_at = now
        self._error = await call_service(
            self.hass,
            service_domain,
            "turn_on" if on else "turn_off",
            {"entity_id": self._entity_id},
        )
        if self._error is not None:
            self._log.warning("send", "Ampwise load %s: %s", self.load.id, self._error)
        else:
            self._log.forget("send")

    # --- readings -----------------------------------------------------------------------
    def _measured(self) -> tuple[float, State] | None:
        """(amps per line, power sensor state), or None without a usable power reading."""
        if self._power_sensor is None:
            return None
        state = self.hass.states.get(self._power_sensor)
        value = numeric_state(state)
        if state is None or value is None:
            return None
        unit = unit_of(state)
        amps = amps_per_line(value, unit, self._lines, self._voltage)
        if amps is None:
            self._log.warning(
                f"unit {state.entity_id}",
                "%s reports %r, not a power; not used",
                state.entity_id,
                unit,
            )
            return None
        return max(amps, 0.0), state

    def reading(self) -> LoadReading:
        if self._power_sensor is not None:
            measured = self._measured()
            if measured is None:
                return LoadReading(draw_a=None, at_s=None)
            amps, power = measured
            self._watch_idle(amps, power, utc_now())
            return LoadReading(draw_a=(amps,) * self._lines, at_s=reported_at(power))
        # No meter: the rating while on, nothing while off, as of the relay's last report.
        switch = self._switch()
        on = self._is_on()
        if switch is None or on is None:
            return LoadReading(draw_a=None, at_s=None)
        amps = self._rated_a if on else 0.0
        return LoadReading(draw_a=(amps,) * self._lines, at_s=reported_at(switch))

    @property
    def _rated_a(self) -> float:
        return self._rated_w / (self._voltage * self._lines)

    def _watch_idle(self, amps: float, power: State, now: float) -> float | None:
        """Since when the relay has been on with the appliance drawing next to nothing."""
        switch = self._switch()
        watts = amps * self._voltage * self._lines
        if switch is None or switch.state != STATE_ON or watts >= IDLE_SHARE * self._rated_w:
            self._idle_since = None
            return None
        switched_on = switch.last_changed.timestamp()
        if self._idle_since is None:
            # The sensor has shown a low value since it last changed, the relay been on
            # since it last changed: a status asked for rarely still sees the whole stretch.
            self._idle_since = max(power.last_changed.timestamp(), switched_on)
        else:
            self._idle_since = max(self._idle_since, switched_on)
        return now - self._idle_since

    # --- status -------------------------------------------------------------------------
    def status(self) -> ActuatorStatus:
        now = utc_now()
        on = self._is_on()
        return ActuatorStatus(
            ready=on is not None and self._error is None,
            commanded_a=None if self._wanted is None else (self._rated_a if self._wanted else 0.0),
            reported_a=None if on is None else (self._rated_a if on else 0.0),
            mismatch=self._mismatch(on, now),
            detail={
                "entity": self._entity_id,
                "power_sensor": self._power_sensor,
                "rated_w": self._rated_w,
                "commanded_on": self._wanted,
                "last_sent_at": self._sent_at,
                "last_error": self._error,
            },
        )

    def _mismatch(self, on: bool | None, now: float) -> str | None:
        if self._error is not None:
            return self._error
        if self._wanted is not None and on != self._wanted:
            asked_at = max(self._wanted_at or 0.0, self._sent_at or 0.0)
            if now - asked_at >= FOLLOW_GRACE_S:
                state = self._switch()
                shown = "missing" if state is None else state.state
                return f"switch is {shown}, asked {'on' if self._wanted else 'off'}"
            return None
        measured = self._measured()
        if measured is None or self._rated_w <= 0:
            return None
        amps, power = measured
        idle_s = self._watch_idle(amps, power, now)
        if idle_s is not None and idle_s >= IDLE_AFTER_S:
            watts = amps * self._voltage * self._lines
            return f"on but drawing {watts:.0f} W — is the appliance off?"
        return None
