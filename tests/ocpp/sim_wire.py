"""The simulated charger's side of one connection: the central system's requests, answered
as the firmware configured in `SimOptions` would."""

from __future__ import annotations

import asyncio
import contextlib
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ocpp.exceptions import NotImplementedError
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.client import ClientConnection

from .sim_profiles import ReceivedProfile

if TYPE_CHECKING:
    from .sim_charger import SimCharger


def _plain(value: Any) -> Any:
    """Decimals (how the library parses 1.6 profile numbers) as floats, recursively."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Wire(ChargePoint):  # type: ignore[misc]
    """The simulator's side of one connection."""

    def __init__(self, cp_id: str, ws: ClientConnection, sim: SimCharger) -> None:
        super().__init__(cp_id, ws, response_timeout=10)
        self.sim = sim

    async def route_message(self, raw_msg: str) -> None:
        with contextlib.suppress(ValueError, TypeError, IndexError, KeyError):
            msg = json.loads(raw_msg)
            if msg[0] == 3 and msg[1] in self.sim._starting:
                connector_id, start = self.sim._starting.pop(msg[1])
                self.sim.transactions[connector_id] = (int(msg[2]["transactionId"]), start)
        await super().route_message(raw_msg)

    async def _answer(self, action: str, payload: dict[str, Any]) -> None:
        self.sim.received.append((action, _plain(payload)))
        if action in self.sim.options.unsupported_actions:
            raise NotImplementedError(details={"cause": f"{action} is not implemented here"})
        if self.sim.options.answer_delay_s:
            await asyncio.sleep(self.sim.options.answer_delay_s)

    @on(Action.get_configuration)
    async def sim_get_configuration(self, key: list[str] | None = None) -> Any:
        await self._answer("GetConfiguration", {"key": key})
        config = self.sim.config
        names = key or list(config)
        found = [
            {"key": k, "readonly": k in self.sim.readonly, "value": config[k]}
            for k in names
            if k in config
        ]
        unknown = [k for k in names if k not in config] or None
        return call_result.GetConfiguration(configuration_key=found, unknown_key=unknown)

    @on(Action.change_configuration)
    async def sim_change_configuration(self, key: str, value: str) -> Any:
        await self._answer("ChangeConfiguration", {"key": key, "value": value})
        sim = self.sim
        if key not in sim.config:
            status = "NotSupported"
        elif key in sim.readonly:
            status = "Rejected"
        elif key == "MeterValuesSampledData":
            wanted = [m for m in value.split(",") if m]
            status = "Accepted" if all(m in sim.supported for m in wanted) else "Rejected"
        elif key == "MeterValueSampleInterval":
            status = "Accepted" if value.isdigit() else "Rejected"
        else:
            status = "Accepted"
        if status == "Accepted":
            sim.config[key] = value
        sim.config_changes.append((key, value, status))
        return call_result.ChangeConfiguration(status=status)

    @on(Action.set_charging_profile)
    async def sim_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any]
    ) -> Any:
        profile = _plain(cs_charging_profiles)
        await self._answer("SetChargingProfile", {"connector_id": connector_id, "profile": profile})
        status = self.sim.judge_profile(connector_id, profile)
        if status == "Accepted":
            self.sim.install(connector_id, profile)
        self.sim.profiles.append(ReceivedProfile(connector_id, profile, status, self.sim.now()))
        return call_result.SetChargingProfile(status=status)

    @on(Action.clear_charging_profile)
    async def sim_clear_charging_profile(self, **kwargs: Any) -> Any:
        await self._answer("ClearChargingProfile", kwargs)
        removed = False
        for connector_id, installed in self.sim.installed.items():
            if kwargs.get("connector_id") not in (None, connector_id):
                continue
            for pid in [pid for pid in installed if kwargs.get("id") in (None, pid)]:
                del installed[pid]
                removed = True
        return call_result.ClearChargingProfile(status="Accepted" if removed else "Unknown")

    @on(Action.remote_start_transaction)
    async def sim_remote_start(self, id_tag: str, connector_id: int = 1, **kwargs: Any) -> Any:
        await self._answer(
            "RemoteStartTransaction", {"id_tag": id_tag, "connector_id": connector_id}
        )
        self.sim._spawn(self.sim.start_transaction(connector_id, id_tag))
        return call_result.RemoteStartTransaction(status="Accepted")

    @on(Action.remote_stop_transaction)
    async def sim_remote_stop(self, transaction_id: int) -> Any:
        await self._answer("RemoteStopTransaction", {"transaction_id": transaction_id})
        for connector_id, (tx_id, _) in self.sim.transactions.items():
            if tx_id == transaction_id:
                self.sim._spawn(self.sim.stop_transaction(connector_id, reason="Remote"))
                return call_result.RemoteStopTransaction(status="Accepted")
        return call_result.RemoteStopTransaction(status="Rejected")

    @on(Action.reset)
    async def sim_reset(self, type: str) -> Any:
        await self._answer("Reset", {"type": type})
        return call_result.Reset(status="Accepted")

    @on(Action.unlock_connector)
    async def sim_unlock(self, connector_id: int) -> Any:
        await self._answer("UnlockConnector", {"connector_id": connector_id})
        return call_result.UnlockConnector(status="Unlocked")

    @on(Action.change_availability)
    async def sim_change_availability(self, connector_id: int, type: str) -> Any:
        await self._answer("ChangeAvailability", {"connector_id": connector_id, "type": type})
        return call_result.ChangeAvailability(status="Accepted")
