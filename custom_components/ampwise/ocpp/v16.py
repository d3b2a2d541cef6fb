"""OCPP 1.6J: the charger's messages into the session, and our requests out to the charger.

Handlers only record and answer; anything that needs a request to the charger is started
from an `@after` hook as a task of the session, once our answer has gone out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from ocpp.v16 import call, call_result  # type: ignore[import-untyped]
from ocpp.v16.enums import Action, RegistrationStatus  # type: ignore[import-untyped]
from websockets.asyncio.server import ServerConnection

from .config import ChargerSettings
from .errors import CommandRefused
from .link import ConnectionLimits, GuardedLink, after, on
from .model import BootInfo, Capabilities, parse_time
from .profiles import LimitSpec, ProfileRecipe, dynamic_profile_v16, iso_utc, safe_profile_v16
from .session import ChargerSession

LOGGER: Final = logging.getLogger(__name__)

# A held (Pending) charger asks again after this long.
PENDING_RETRY_S: Final = 60
KEY_INTERVAL: Final = "MeterValueSampleInterval"
KEY_MEASURANDS: Final = "MeterValuesSampledData"
# Asked for by name when "all keys" left them out (some firmwares hide them there).
SMART_KEYS: Final = ("ChargeProfileMaxStackLevel", "ChargingScheduleAllowedChargingRateUnit")
CHANGED: Final = frozenset({"Accepted", "RebootRequired"})


def _config_keys(entries: object) -> dict[str, str | None]:
    keys: dict[str, str | None] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("key"), str):
            value = entry.get("value")
            keys[entry["key"]] = None if value is None else str(value)
    return keys


class Ocpp16Link(GuardedLink):
    """One OCPP 1.6J connection of a charger session."""

    version = "1.6"
    _ocpp_version = "1.6"
    _call = call
    _call_result = call_result
    format_violation = "FormationViolation"

    def __init__(
        self, session: ChargerSession, ws: ServerConnection, limits: ConnectionLimits
    ) -> None:
        super().__init__(session.cp_id, ws, limits)
        self.session = session

    def _now(self) -> str:
        return iso_utc(self.session.now())

    # --- the charger's messages ---------------------------------------------------------
    @on(Action.boot_notification)
    def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, **kwargs: Any
    ) -> call_result.BootNotification:
        info = BootInfo(
            vendor=charge_point_vendor,
            model=charge_point_model,
            serial=kwargs.get("charge_point_serial_number")
            or kwargs.get("charge_box_serial_number"),
            firmware=kwargs.get("firmware_version"),
            meter_type=kwargs.get("meter_type"),
        )
        if self.session.on_boot(info):
            interval = self.session.settings.heartbeat_interval_s
            return call_result.BootNotification(self._now(), interval, RegistrationStatus.accepted)
        return call_result.BootNotification(
            self._now(), PENDING_RETRY_S, RegistrationStatus.pending
        )

    @after(Action.boot_notification)
    def after_boot_notification(self, **_: Any) -> None:
        self.session.after_boot()

    @on(Action.heartbeat)
    def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        # Our time in the answer is how 1.6 chargers set their clock.
        self.session.seen()
        return call_result.Heartbeat(current_time=self._now())

    @on(Action.status_notification)
    def on_status_notification(
        self, connector_id: int, error_code: str, status: str, **kwargs: Any
    ) -> call_result.StatusNotification:
        at = parse_time(kwargs.get("timestamp"))
        self.session.on_status(connector_id, status, error_code, kwargs.get("info"), at)
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str, **_: Any) -> call_result.Authorize:
        accepted = await self.session.authorize(id_tag)
        return call_result.Authorize(id_tag_info={"status": "Accepted" if accepted else "Invalid"})

    @on(Action.start_transaction)
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_: Any
    ) -> call_result.StartTransaction:
        accepted = await self.session.authorize(id_tag)
        tx = self.session.on_start_transaction(
            connector_id, id_tag, float(meter_start), parse_time(timestamp)
        )
        status = "Accepted" if accepted and tx is not None else "Invalid"
        return call_result.StartTransaction(transaction_id=tx or 0, id_tag_info={"status": status})

    @after(Action.start_transaction)
    def after_start_transaction(self, connector_id: int, **_: Any) -> None:
        self.session.after_start_transaction(connector_id)

    @on(Action.stop_transaction)
    def on_stop_transaction(
        self, transaction_id: int, **kwargs: Any
    ) -> call_result.StopTransaction:
        data = kwargs.get("transaction_data")
        self.session.on_stop_transaction(transaction_id, data if isinstance(data, list) else [])
        if kwargs.get("id_tag"):
            return call_result.StopTransaction(id_tag_info={"status": "Accepted"})
        return call_result.StopTransaction()

    @on(Action.meter_values)
    def on_meter_values(
        self, connector_id: int, meter_value: list[object], **kwargs: Any
    ) -> call_result.MeterValues:
        self.session.on_meter_values(connector_id, meter_value, kwargs.get("transaction_id"))
        return call_result.MeterValues()

    @on(Action.data_transfer)
    def on_data_transfer(self, **_: Any) -> call_result.DataTransfer:
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status(self, **_: Any) -> call_result.DiagnosticsStatusNotification:
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    def on_firmware_status(self, **_: Any) -> call_result.FirmwareStatusNotification:
        return call_result.FirmwareStatusNotification()

    # --- our requests -------------------------------------------------------------------
    async def configure(self, settings: ChargerSettings) -> Capabilities:
        """GetConfiguration, then the meter interval and measurands Ampwise needs."""
        try:
            result = await self.request(call.GetConfiguration())
            keys = _config_keys(result.configuration_key)
        except CommandRefused:
            keys = {}  # a firmware without GetConfiguration still gets limits, in amps
        missing = [key for key in SMART_KEYS if key not in keys]
        if missing:
            try:
                more = await self.request(call.GetConfiguration(key=missing))
                keys.update(_config_keys(more.configuration_key))
            except CommandRefused:
                pass
        read = bool(keys)
        if await self._change(KEY_INTERVAL, str(settings.meter_interval_s), keys.get(KEY_INTERVAL)):
            keys[KEY_INTERVAL] = str(settings.meter_interval_s)
        if settings.configure_measurands:
            keys[KEY_MEASURANDS] = await self._set_measurands(
                settings.measurands,
                keys.get(KEY_MEASURANDS),
                keys.get(KEY_MEASURANDS + "MaxLength"),
            )
        capabilities = Capabilities.from_config(keys)
        return capabilities if read else replace(capabilities, known=False)

    async def _change(self, key: str, value: str, current: str | None) -> bool:
        """ChangeConfiguration unless already so; True when the value is now in force."""
        if current is not None and current.strip() == value:
            return True
        try:
            result = await self.request(call.ChangeConfiguration(key=key, value=value))
        except CommandRefused:
            return False
        if result.status not in CHANGED:
            LOGGER.info("Charger %s: %s=%s %s", self.cp_id, key, value, result.status)
        return result.status in CHANGED

    async def _set_measurands(
        self, wanted: tuple[str, ...], current: str | None, max_length: str | None
    ) -> str | None:
        """The whole list at once, else one by one: a charger refuses the list for one
        measurand it does not know, and the others are still worth having."""
        have = tuple(m.strip() for m in (current or "").split(",") if m.strip())
        if set(have) == set(wanted):
            return current
        limit = int(max_length) if max_length and max_length.isdigit() else len(wanted)
        wanted = wanted[: max(limit, 1)]
        if await self._change(KEY_MEASURANDS, ",".join(wanted), current):
            return ",".join(wanted)
        kept: list[str] = []
        for measurand in wanted:
            if await self._change(KEY_MEASURANDS, ",".join([*kept, measurand]), None):
                kept.append(measurand)
        return ",".join(kept) if kept else current

    async def send_dynamic(self, recipe: ProfileRecipe, spec: LimitSpec) -> str:
        profile = dynamic_profile_v16(recipe, spec)
        return await self._set_profile(spec.connector_id, profile)

    async def send_safe(
        self, recipe: ProfileRecipe, connector_id: int, limit_a: float, phases: int, voltage: float
    ) -> str:
        profile = safe_profile_v16(recipe, connector_id, limit_a, phases, voltage)
        if profile is None:
            return "NoLevel"
        return await self._set_profile(connector_id, profile)

    async def _set_profile(self, connector_id: int, profile: dict[str, object]) -> str:
        result = await self.request(
            call.SetChargingProfile(connector_id=connector_id, cs_charging_profiles=profile)
        )
        return str(result.status)

    async def clear_profile(self, connector_id: int, profile_id: int) -> str:
        try:
            result = await self.request(
                call.ClearChargingProfile(id=profile_id, connector_id=connector_id)
            )
        except CommandRefused as err:
            return err.code
        return str(result.status)

    async def reset(self, hard: bool) -> bool:
        result = await self.request(call.Reset(type="Hard" if hard else "Soft"))
        return bool(result.status == "Accepted")

    async def unlock(self, connector_id: int) -> bool:
        result = await self.request(call.UnlockConnector(connector_id=connector_id))
        return bool(result.status == "Unlocked")

    async def remote_start(self, connector_id: int, id_tag: str) -> bool:
        result = await self.request(
            call.RemoteStartTransaction(id_tag=id_tag, connector_id=connector_id)
        )
        return bool(result.status == "Accepted")

    async def remote_stop(self, transaction_id: int) -> bool:
        result = await self.request(call.RemoteStopTransaction(transaction_id=transaction_id))
        return bool(result.status == "Accepted")
