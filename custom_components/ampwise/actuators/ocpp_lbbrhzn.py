"""Chargers run by the lbbrhzn/ocpp integration, driven with charging profiles (PRODUCT.md §7).

Two TxDefaultProfiles with fixed ids, so each update replaces the last one:

- the *safe* profile (PROFILE_ID_SAFE, one stack level below the dynamic one, permanent) holds
  the load's failsafe current, so a charger left alone by a stopped Home Assistant falls back
  to it by itself (PRODUCT.md §6);
- the *dynamic* profile (PROFILE_ID_DYNAMIC, the configured stack level) carries the
  allocation and expires after the profile timeout; it is re-sent well before that.

The charger's entities are found through the entity registry by platform and unique id
(both naming generations of lbbrhzn/ocpp), never by guessing entity ids. Every service call
names the charger (`devid`): lbbrhzn sends a call without one to whichever charger connected
first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import voluptuous as vol
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from ..const import (
    CONF_CONNECTOR,
    CONF_OCPP_DEVICE,
    CONF_PROFILE_TIMEOUT,
    CONF_PROFILE_VALIDITY,
    CONF_RATE_UNIT,
    CONF_STACK_LEVEL,
    DEFAULT_CONNECTOR,
    DEFAULT_PROFILE_TIMEOUT,
    DEFAULT_STACK_LEVEL,
    PROFILE_ID_DYNAMIC,
    PROFILE_ID_SAFE,
    UNIT_AMPS,
    UNIT_WATTS,
    VALIDITY_RELATIVE,
)
from ..engine import Allocation, Load, LoadReading

# The profile arithmetic is the built-in central system's: one rule for both backends.
from ..ocpp.confirm import CHANGE_A, MISMATCH_A
from ..ocpp.model import CAR_LINE_A, RateUnit, parse_rate_units
from ..ocpp.profiles import START_IN_PAST_S, clamp_limit, iso_utc, limit_value
from ..units import (
    OnceLogger,
    numeric_state,
    reported_at,
    to_amps,
    to_float,
    to_watts,
    unit_of,
)
from .base import Actuator, ActuatorStatus
from .common import Serialised, call_service, utc_now, voltage_of

LOGGER = logging.getLogger(__name__)

OCPP_DOMAIN: Final = "ocpp"
SERVICE_SET_CHARGE_RATE: Final = "set_charge_rate"
SERVICE_GET_CONFIGURATION: Final = "get_configuration"
KEY_RATE_UNIT: Final = "ChargingScheduleAllowedChargingRateUnit"
KEY_MAX_STACK_LEVEL: Final = "ChargeProfileMaxStackLevel"
KEY_METER_INTERVAL: Final = "MeterValueSampleInterval"

# The sensors we read, by the key in their unique id (lbbrhzn: metric lower-cased, dots as
# underscores since v0.10.10, dots before).
CURRENT_IMPORT: Final = "current_import"
CURRENT_OFFERED: Final = "current_offered"
POWER_ACTIVE_IMPORT: Final = "power_active_import"
POWER_OFFERED: Final = "power_offered"
STATUS_CONNECTOR: Final = "status_connector"
SENSOR_KEYS: Final = (
    CURRENT_IMPORT,
    CURRENT_OFFERED,
    POWER_ACTIVE_IMPORT,
    POWER_OFFERED,
    STATUS_CONNECTOR,
)

# The dynamic profile is re-sent once this share of its lifetime has passed.
REFRESH_SHARE: Final = 1 / 3
# The safe profile is re-sent this often, in case the charger lost it (some do on reconnect).
SAFE_REFRESH_S: Final = 3600.0
# Unit and stack level are asked for again this often while the charger did not answer.
CAPABILITY_RETRY_S: Final = 300.0
# The meter period assumed when the charger does not say (lbbrhzn's default
# MeterValueSampleInterval).
DEFAULT_METER_PERIOD_S: Final = 60.0
# The current sensor's state is the mean of the non-zero phases; phase attributes that do
# not average to it are left over from an earlier meter value.
PHASES_AGREE_A: Final = 0.5

# Status.Connector values with nothing plugged in (OCPP 1.6 §7.7; HA's own for no value).
NOT_CONNECTED: Final = frozenset(
    {"Available", "Unavailable", "Faulted", "Reserved", "unknown", "unavailable"}
)

_CONNECTOR_DEVICE = re.compile(r"-conn\d+$")


def _normalise(unique_id: str) -> str:
    """One form for both unique-id generations (`current.import` and `current_import`)."""
    return unique_id.casefold().replace("_", ".")


def _sensor_unique_id(cpid: str, key: str, connector: int | None) -> str:
    conn = f".conn{connector}" if connector is not None else ""
    return _normalise(f"{OCPP_DOMAIN}.{cpid}{conn}.{key}.sensor")


def _ocpp_sensors(hass: HomeAssistant) -> dict[str, str]:
    """Normalised unique id -> entity id, for every sensor the ocpp integration registered."""
    return {
        _normalise(entry.unique_id): entry.entity_id
        for entry in er.async_get(hass).entities.values()
        if entry.platform == OCPP_DOMAIN and entry.domain == "sensor"
    }


def charge_point_ids(device: dr.DeviceEntry) -> list[str]:
    """The ids the charger device is known by in lbbrhzn (its cpid and its cp_id).

    A connector's child device (`<cpid>-conn2`) leads to its charger. The device is named
    after the cpid, so that one is tried first.
    """
    ids: list[str] = []
    for domain, value in device.identifiers:
        if domain == OCPP_DOMAIN:
            base = _CONNECTOR_DEVICE.sub("", value)
            if base not in ids:
                ids.append(base)
    return sorted(ids, key=lambda cpid: (cpid != device.name, cpid))


def parse_rate_unit(value: str | None) -> tuple[str, str]:
    """(unit, where it came from) from ChargingScheduleAllowedChargingRateUnit, read as the
    built-in central system reads it. Watts only when the charger takes nothing else; both
    or nothing means amps."""
    units = parse_rate_units(value)
    if units == {RateUnit.WATTS}:
        return UNIT_WATTS, f"charger ({value})"
    if units:
        return UNIT_AMPS, f"charger ({value})"
    return UNIT_AMPS, "assumed: the charger named no rate unit"


@dataclass(frozen=True, slots=True)
class _Sent:
    """The dynamic profile the charger last accepted (as far as the service tells)."""

    limit_a: float
    unit: str
    phases: int  # phases the watt figure was computed for
    at: float


class OcppLbbrhznActuator(Actuator):
    """One connector of a charger managed by lbbrhzn/ocpp."""

    def __init__(self, hass: HomeAssistant, load: Load, config: dict[str, object]) -> None:
        super().__init__(hass, load, config)
        self._log = OnceLogger(LOGGER)
        self._serial = Serialised()
        self._voltage = voltage_of(config)
        self._cpid: str | None = None
        self._entities: dict[str, str] = {}
        self._per_connector = False
        self._problem: str | None = None  # why the charger cannot be driven at all
        self._unit = str(config.get(CONF_RATE_UNIT) or UNIT_AMPS)
        if self._unit not in (UNIT_AMPS, UNIT_WATTS):
            self._unit = UNIT_AMPS
        self._unit_source = "not asked yet"
        self._max_stack_level: int | None = None
        self._meter_period_s = DEFAULT_METER_PERIOD_S
        self._capabilities_known = False
        self._capabilities_asked_at: float | None = None
        self._safe_at: float | None = None  # None: not (or no longer known to be) installed
        self._sent: _Sent | None = None
        self._changed_at: float | None = None  # when the limit last changed (not refreshes)
        self._error: str | None = None

    # --- configuration ------------------------------------------------------------------
    @property
    def _connector(self) -> int:
        value = to_float(self.config.get(CONF_CONNECTOR))
        return int(value) if value is not None and value > 0 else DEFAULT_CONNECTOR

    @property
    def _timeout_s(self) -> float:
        value = to_float(self.config.get(CONF_PROFILE_TIMEOUT))
        return value if value is not None and value > 0 else DEFAULT_PROFILE_TIMEOUT

    @property
    def _relative(self) -> bool:
        return self.config.get(CONF_PROFILE_VALIDITY) == VALIDITY_RELATIVE

    @property
    def _stack_level(self) -> int:
        value = to_float(self.config.get(CONF_STACK_LEVEL))
        level = max(0, int(value)) if value is not None else DEFAULT_STACK_LEVEL
        if self._max_stack_level is not None:
            level = min(level, self._max_stack_level)
        return level

    @property
    def _safe_stack_level(self) -> int:
        return max(0, self._stack_level - 1)

    # --- start and stop -----------------------------------------------------------------
    async def async_start(self) -> None:
        self._resolve()
        if self._cpid is None:
            return
        now = utc_now()
        await self._ask_capabilities(now)
        if self._stack_level == self._safe_stack_level:
            # Same level and purpose: the charger replaces one profile with the other, so the
            # safe profile only holds until the first dynamic one (it is restored at stop).
            self._log.warning(
                "stack",
                "Charger %s: stack level %s leaves no level below it for the safe profile",
                self._cpid,
                self._stack_level,
            )
        await self._send_safe(now)

    async def async_stop(self) -> None:
        """Leave the charger at the failsafe current now rather than when the profile ends."""
        if self._cpid is None:
            return
        await self._serial.run(self._leave_safe)

    async def _leave_safe(self) -> None:
        now = utc_now()
        if self._stack_level == self._safe_stack_level:
            await self._send_safe(now)
        else:
            await self._send_dynamic(self._limit_a(self.load.failsafe_a), now)

    def _resolve(self) -> None:
        """Find the charge point id and the connector's sensors from the device registry id."""
        device_id = str(self.config.get(CONF_OCPP_DEVICE) or "")
        device = dr.async_get(self.hass).async_get(device_id)
        if device is None:
            self._fail("charger device not found in the device registry", device_id)
            return
        candidates = charge_point_ids(device)
        if not candidates:
            self._fail("the device is not a charger of the ocpp integration", device_id)
            return
        sensors = _ocpp_sensors(self.hass)
        for cpid in candidates:
            if self._find_entities(sensors, cpid):
                self._cpid = cpid
                return
        # Commands can still go out; readings cannot.
        self._cpid = candidates[0]
        self._log.warning(
            "entities", "Charger %s: no sensors of the ocpp integration found", self._cpid
        )

    def _find_entities(self, sensors: Mapping[str, str], cpid: str) -> bool:
        """The connector's own sensors on a multi-connector charger, else the charger's."""
        own = {
            key: sensors.get(_sensor_unique_id(cpid, key, self._connector)) for key in SENSOR_KEYS
        }
        if any(own.values()):
            self._entities = {key: eid for key, eid in own.items() if eid}
            self._per_connector = True
            return True
        plain = {key: sensors.get(_sensor_unique_id(cpid, key, None)) for key in SENSOR_KEYS}
        self._entities = {key: eid for key, eid in plain.items() if eid}
        self._per_connector = False
        return bool(self._entities)

    def _fail(self, problem: str, device_id: str) -> None:
        self._problem = problem
        self._log.warning("device", "Ampwise load %s: %s (%s)", self.load.id, problem, device_id)

    # --- what the charger can do --------------------------------------------------------
    async def _ask_capabilities(self, now: float) -> None:
        """Rate unit (unless configured), highest stack level and meter period, once."""
        self._capabilities_asked_at = now
        fixed = self.config.get(CONF_RATE_UNIT)
        try:
            if fixed in (UNIT_AMPS, UNIT_WATTS):
                unit, source = str(fixed), "configured"
            else:
                unit, source = parse_rate_unit(await self._configuration(KEY_RATE_UNIT))
            max_level = to_float(await self._configuration(KEY_MAX_STACK_LEVEL))
            period = to_float(await self._configuration(KEY_METER_INTERVAL))
        except (HomeAssistantError, vol.Invalid) as err:
            self._log.warning(
                "capabilities",
                "Charger %s: ocpp.get_configuration failed (%s); assuming amps",
                self._cpid,
                err,
            )
            if fixed not in (UNIT_AMPS, UNIT_WATTS):
                self._unit_source = f"assumed: get_configuration failed ({err})"
            else:
                self._unit_source = "configured"
            return
        self._log.forget("capabilities")
        if unit != self._unit:
            self._safe_at = None  # the safe profile went out in the other unit
        self._unit, self._unit_source = unit, source
        self._max_stack_level = None if max_level is None or max_level < 0 else int(max_level)
        self._meter_period_s = DEFAULT_METER_PERIOD_S if not period or period < 0 else period
        self._capabilities_known = True

    async def _configuration(self, key: str) -> str | None:
        response = await self.hass.services.async_call(
            OCPP_DOMAIN,
            SERVICE_GET_CONFIGURATION,
            {"devid": self._cpid, "ocpp_key": key},
            blocking=True,
            return_response=True,
        )
        value = response.get("value") if isinstance(response, Mapping) else None
        return None if value is None else str(value)

    # --- commands -----------------------------------------------------------------------
    async def async_apply(self, allocation: Allocation, now: float) -> None:
        await self._serial.run(lambda: self._apply(allocation.current_a, now))

    async def _apply(self, current_a: float, now: float) -> None:
        if self._cpid is None:
            return
        if not self._capabilities_known and (
            self._capabilities_asked_at is None
            or now - self._capabilities_asked_at >= CAPABILITY_RETRY_S
        ):
            await self._ask_capabilities(now)
        force = False
        if self._safe_at is None or now - self._safe_at >= SAFE_REFRESH_S:
            # Sent before the dynamic one, which must follow: at a shared stack level the safe
            # profile has just replaced it.
            force = await self._send_safe(now)
        limit = self._limit_a(current_a)
        sent = self._sent
        if (
            force
            or sent is None
            or abs(limit - sent.limit_a) > CHANGE_A
            or sent.unit != self._unit
            or (self._unit == UNIT_WATTS and sent.phases != self._phases_for_watts())
            or now - sent.at >= self._timeout_s * REFRESH_SHARE
        ):
            await self._send_dynamic(limit, now)

    def _limit_a(self, current_a: float) -> float:
        """0, or at least the minimum: IEC 61851 cannot signal less (0 suspends the charge).
        One decimal, rounded down (the OCPP 1.6 schema wants a multiple of 0.1)."""
        return clamp_limit(min(current_a, self.load.max_a), self.load.min_a)

    def _phases_for_watts(self) -> int:
        """Phases a watt limit is spread over: those the car charges on, when it does.

        A 1-phase car on a 3-phase charger given A x 230 V x 3 would draw three times its
        allocation on its one phase.
        """
        return self._car_lines() or len(self.load.lines)

    def _limit_value(self, limit_a: float, phases: int) -> float | int:
        return limit_value(limit_a, RateUnit(self._unit), phases, self._voltage)

    def _profile(
        self, profile_id: int, stack_level: int, limit_a: float, phases: int, now: float | None
    ) -> dict[str, object]:
        """A TxDefaultProfile with one period; permanent without `now`, else expiring."""
        schedule: dict[str, object] = {
            "chargingRateUnit": self._unit,
            "chargingSchedulePeriod": [
                {
                    "startPeriod": 0,
                    "limit": self._limit_value(limit_a, phases),
                    "numberPhases": len(self.load.lines),
                }
            ],
        }
        profile: dict[str, object] = {
            "chargingProfileId": profile_id,
            "stackLevel": stack_level,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
        }
        if now is not None and self._relative:
            # For chargers whose clock cannot be trusted. A Relative schedule usually counts
            # from the start of the session, so this bounds the profile less tightly.
            schedule["duration"] = int(self._timeout_s)
        elif now is not None:
            start = iso_utc(now - START_IN_PAST_S)
            profile["chargingProfileKind"] = "Absolute"
            profile["validFrom"] = start
            profile["validTo"] = iso_utc(now + self._timeout_s)
            schedule["startSchedule"] = start
        profile["chargingSchedule"] = schedule
        return profile

    async def _send_safe(self, now: float) -> bool:
        phases = len(self.load.lines)
        limit = self._limit_a(self.load.failsafe_a)
        profile = self._profile(PROFILE_ID_SAFE, self._safe_stack_level, limit, phases, None)
        if await self._set_charge_rate(profile):
            self._safe_at = now
            return True
        return False

    async def _send_dynamic(self, limit_a: float, now: float) -> None:
        phases = self._phases_for_watts()
        profile = self._profile(PROFILE_ID_DYNAMIC, self._stack_level, limit_a, phases, now)
        if not await self._set_charge_rate(profile):
            return  # the next allocation tries again
        if self._sent is None or abs(limit_a - self._sent.limit_a) > CHANGE_A:
            self._changed_at = now
        self._sent = _Sent(limit_a, self._unit, phases, now)

    async def _set_charge_rate(self, profile: dict[str, object]) -> bool:
        error = await call_service(
            self.hass,
            OCPP_DOMAIN,
            SERVICE_SET_CHARGE_RATE,
            {"devid": self._cpid, "conn_id": self._connector, "custom_profile": profile},
        )
        if error is not None:
            self._error = f"could not send the charging profile ({error})"
            self._log.warning("send", "Charger %s: %s", self._cpid, self._error)
            # A charger we could not reach may come back rebooted, without its profiles.
            self._safe_at = None
            return False
        self._error = None
        self._log.forget("send")
        return True

    # --- what the charger reports -------------------------------------------------------
    def _state(self, key: str) -> State | None:
        entity_id = self._entities.get(key)
        return None if entity_id is None else self.hass.states.get(entity_id)

    def reading(self) -> LoadReading:
        draw, at = self._draw()
        return LoadReading(draw_a=draw, at_s=at, connected=self._connected())

    def _draw(self) -> tuple[tuple[float, ...] | None, float | None]:
        lines = len(self.load.lines)
        state = self._state(CURRENT_IMPORT)
        mean = numeric_state(state)
        if state is not None and mean is not None:
            unit = unit_of(state)
            amps = to_amps(mean, unit)
            if amps is not None:
                return self._per_line(state, unit, amps, lines), reported_at(state)
            self._log.warning(
                f"unit {state.entity_id}",
                "%s reports current in %r; not used",
                state.entity_id,
                unit,
            )
        state = self._state(POWER_ACTIVE_IMPORT)
        power = numeric_state(state)
        if state is not None and power is not None:
            unit = unit_of(state)
            watts = to_watts(power, unit)
            if watts is not None:
                per_line = watts / (self._voltage * lines)
                return (per_line,) * lines, reported_at(state)
            self._log.warning(
                f"unit {state.entity_id}",
                "%s reports power in %r; not used",
                state.entity_id,
                unit,
            )
        return None, None

    def _per_line(
        self, state: State, unit: str | None, mean: float, lines: int
    ) -> tuple[float, ...]:
        """The charger's L1, L2, L3 onto the load's lines in order.

        lbbrhzn keeps the phases in attributes and the mean of the non-zero ones as the state.
        It zeroes the state when a session ends but leaves the attributes, and it merges new
        phases into old ones, so the attributes count only while they agree with the state;
        otherwise (or when a phase is missing) the state goes on every line: 0 after a
        session, else the mean, which can only overstate the draw.
        """
        phases: list[float] = []
        for n in (1, 2, 3):
            raw = state.attributes.get(f"L{n}", state.attributes.get(f"L{n}-N"))
            value = to_float(raw)
            amps = None if value is None else to_amps(value, unit)
            if amps is None:
                if n <= lines:
                    return (mean,) * lines
                continue
            phases.append(amps)
        flowing = [a for a in phases if a != 0]
        if not flowing or abs(sum(flowing) / len(flowing) - mean) > PHASES_AGREE_A:
            return (mean,) * lines
        return tuple(phases[:lines])

    def _car_lines(self) -> int:
        """How many of the load's lines the car draws on now (0 when not charging)."""
        draw, _ = self._draw()
        return 0 if draw is None else sum(1 for amps in draw if amps > CAR_LINE_A)

    def _connected(self) -> bool:
        if STATUS_CONNECTOR not in self._entities:
            return True  # no status sensor: the draw has to tell
        state = self._state(STATUS_CONNECTOR)
        return state is not None and state.state not in NOT_CONNECTED

    def _offered(self) -> tuple[float, float] | None:
        """(amps per line, when reported) from Current.Offered, else Power.Offered."""
        state = self._state(CURRENT_OFFERED)
        value = numeric_state(state)
        if state is not None and value is not None:
            amps = to_amps(value, unit_of(state))
            if amps is not None:
                return amps, reported_at(state)
        state = self._state(POWER_OFFERED)
        value = numeric_state(state)
        if state is not None and value is not None:
            watts = to_watts(value, unit_of(state))
            if watts is not None:
                # The phases the car uses, not the charger's or the site's: a 1-phase car on a
                # 3-phase charger offered 3.7 kW is offered 16 A, not 5.3 A.
                phases = self._car_lines() or (
                    self._sent.phases if self._sent else len(self.load.lines)
                )
                return watts / (self._voltage * phases), reported_at(state)
        return None

    def status(self) -> ActuatorStatus:
        offered = self._offered()
        return ActuatorStatus(
            ready=self._cpid is not None and bool(self._entities) and self._error is None,
            commanded_a=self._sent.limit_a if self._sent else None,
            reported_a=None if offered is None else round(offered[0], 1),
            mismatch=self._mismatch(offered, utc_now()),
            detail=self._detail(),
        )

    def _mismatch(self, offered: tuple[float, float] | None, now: float) -> str | None:
        if self._problem is not None:
            return self._problem
        if self._error is not None:
            return self._error
        if self._sent is None or offered is None or not self._connected():
            # With nothing plugged in many chargers go on showing the last session's offer.
            return None
        amps, reported = offered
        asked = self._sent.limit_a
        since = self._changed_at if self._changed_at is not None else self._sent.at
        if (
            abs(amps - asked) > MISMATCH_A
            and now - since > 2 * self._meter_period_s
            # Only a report made after the command shows the charger ignoring it.
            and reported > since
        ):
            return f"charger offers {amps:.1f} A, asked {asked:.1f} A"
        return None

    def _detail(self) -> dict[str, object]:
        return {
            "backend": "lbbrhzn/ocpp",
            "charge_point": self._cpid,
            "connector": self._connector,
            "per_connector_entities": self._per_connector,
            "entities": dict(self._entities),
            "rate_unit": self._unit,
            "rate_unit_source": self._unit_source,
            "stack_level": self._stack_level,
            "safe_stack_level": self._safe_stack_level,
            "max_stack_level": self._max_stack_level,
            "validity": "relative" if self._relative else "absolute",
            "profile_timeout_s": self._timeout_s,
            "meter_period_s": self._meter_period_s,
            "safe_profile_sent_at": self._safe_at,
            "dynamic_profile_sent_at": self._sent.at if self._sent else None,
            "watts_for_phases": self._sent.phases if self._sent else None,
            "problem": self._problem,
            "last_error": self._error,
        }
