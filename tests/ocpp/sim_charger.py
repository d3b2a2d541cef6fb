"""A simulated OCPP 1.6J charge point, built on the `ocpp` library, for tests and benchmarks.

It connects to a central system over a real websocket, answers its requests like a charger
would (including the quirks of real firmwares, one option each), keeps the charging
profiles it accepted and works out from them what it offers the car, and sends meter
values from a simple "the car draws what it is offered, up to its own maximum" model.

    sim = SimCharger(SimOptions(cp_id="EVB-1", rate_unit="power", max_stack_level=0))
    await sim.connect("ws://127.0.0.1:9000/ocpp")  # then BootNotification + StatusNotification
    await sim.plug_in(1)
    await sim.start_transaction(1)
    await sim.send_meter_values(1)  # also sent every MeterValueSampleInterval by itself
    sim.profiles[-1].profile        # every SetChargingProfile received, as it arrived
    sim.offered_a(1)                # what it signals to the car now
    await sim.drop()                # the network goes away (no close frame)
    await sim.connect(url)          # comes back, with its state and profiles
    await sim.close()

Everything the central system sent is in `sim.received` (action, payload); ChangeConfiguration
results are in `sim.config_changes`; `sim.installed` holds the profiles in force. Timestamps it
sends are in its own clock (`clock_offset_s`), and it ignores our time unless `syncs_clock`.
Other helpers: `heartbeat`, `authorize`, `send_status`, `stop_transaction`, `unplug`,
`send_raw` (any frame, for misbehaviour), `call` (any 1.6 request) and `wait_for` (poll a
condition). Options can be changed while it runs (e.g. `sim.options.answer_delay_s`).

The firmware's profile logic (accept, replace, limit in force) is in `sim_profiles.py`, its
answers to the central system's requests in `sim_wire.py`.

It works against any OCPP 1.6 central system (lbbrhzn/ocpp too). Under pytest, set
`ocpp.messages.ASYNC_VALIDATION = False` as `tests/ocpp/conftest.py` does, and allow sockets
(Home Assistant's test plugin blocks them: request `socket_enabled`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ocpp.v16 import call
from websockets.asyncio.client import ClientConnection, connect

from .sim_profiles import ReceivedProfile, SmartChargingFirmware, parse_time
from .sim_wire import Wire

__all__ = ["ReceivedProfile", "SimCharger", "SimOptions", "wait_for"]

ALL_MEASURANDS = (
    "Current.Import",
    "Current.Offered",
    "Power.Active.Import",
    "Power.Offered",
    "Energy.Active.Import.Register",
    "SoC",
    "Voltage",
)


@dataclass
class SimOptions:
    """How the simulated charger behaves. The defaults are a well-behaved 1-connector box."""

    cp_id: str = "SIM-1"
    password: str | None = None  # sent as HTTP Basic (user = cp_id)
    subprotocols: list[str] | None = field(default_factory=lambda: ["ocpp1.6"])  # None: none
    connectors: int = 1
    vendor: str = "Simulated"
    model: str = "SimBox"
    # ChargingScheduleAllowedChargingRateUnit as reported; "power"/"Power" = watts only.
    rate_unit: str = "Current"
    accept_units: frozenset[str] | None = None  # units it really takes; None: as reported
    max_stack_level: int = 3
    reject_stack_levels: frozenset[int] = frozenset()  # e.g. {3}: ABB/EVBox reject the max
    reject_kinds: frozenset[str] = frozenset()  # e.g. {"Absolute"}: Wallbox wants Relative
    reject_tx_default_in_transaction: bool = False
    tx_profile_needs_transaction_id: bool = True
    max_periods: int = 5  # ChargingScheduleMaxPeriods
    ignore_profiles: bool = False  # accepts them but goes on offering its hardware maximum
    clock_offset_s: float = 0.0  # its clock minus the real one
    syncs_clock: bool = False  # takes currentTime from BootNotification/Heartbeat answers
    send_offered: bool = True  # False: knows no Current.Offered (refuses it as a measurand)
    supported_measurands: tuple[str, ...] = ALL_MEASURANDS
    meter_interval_s: int = 60  # MeterValueSampleInterval before the server changes it
    auto_meter: bool = True  # send meter values every interval while a transaction runs
    hardware_max_a: float = 32.0
    vehicle_max_a: float = 16.0
    vehicle_phases: int = 3
    voltage: float = 230.0
    power_unit: str = "W"  # unit of Power.Active.Import in meter values ("W", "kW", "kw")
    soc: float | None = None  # reported as SoC when set
    answer_delay_s: float = 0.0  # a slow firmware: every answer to the server waits this long
    unsupported_actions: frozenset[str] = frozenset()  # answered with a NotImplemented error


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


async def wait_for(
    predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
) -> None:
    """Poll until `predicate()` holds; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


class SimCharger(SmartChargingFirmware):
    """The charger's state; a `_Wire` per connection talks OCPP for it."""

    def __init__(self, options: SimOptions | None = None) -> None:
        self.options = opts = options or SimOptions()
        self.clock_offset_s = opts.clock_offset_s
        supported = [
            m for m in opts.supported_measurands if opts.send_offered or m != "Current.Offered"
        ]
        self.supported = tuple(supported)
        self.config: dict[str, str] = {
            "SupportedFeatureProfiles": "Core,FirmwareManagement,SmartCharging,RemoteTrigger",
            "NumberOfConnectors": str(opts.connectors),
            "ChargingScheduleAllowedChargingRateUnit": opts.rate_unit,
            "ChargeProfileMaxStackLevel": str(opts.max_stack_level),
            "ChargingScheduleMaxPeriods": str(opts.max_periods),
            "MeterValueSampleInterval": str(opts.meter_interval_s),
            "MeterValuesSampledData": "Energy.Active.Import.Register",
            "HeartbeatInterval": "300",
        }
        self.readonly = {"SupportedFeatureProfiles", "NumberOfConnectors"} | {
            "ChargingScheduleAllowedChargingRateUnit",
            "ChargeProfileMaxStackLevel",
            "ChargingScheduleMaxPeriods",
        }
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.profiles: list[ReceivedProfile] = []
        self.config_changes: list[tuple[str, str, str]] = []
        # connector -> profile id -> profile (snake_case, floats) with its receipt time
        self.installed: dict[int, dict[int, tuple[dict[str, Any], float]]] = {}
        self.status: dict[int, str] = dict.fromkeys(range(opts.connectors + 1), "Available")
        self.transactions: dict[int, tuple[int, float]] = {}  # connector -> (id, start)
        self.energy_wh: dict[int, float] = dict.fromkeys(range(1, opts.connectors + 1), 0.0)
        self._metered_at: dict[int, float] = {}
        self._starting: dict[str, tuple[int, float]] = {}  # StartTransaction id -> connector
        self.boot_status: str | None = None
        self.ws: ClientConnection | None = None
        self.wire: Wire | None = None
        self._tasks: list[asyncio.Task[Any]] = []

    # --- clock --------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset_s

    def _sync(self, current_time: str) -> None:
        parsed = parse_time(current_time)
        if self.options.syncs_clock and parsed is not None:
            self.clock_offset_s = parsed - time.time()

    # --- connection ---------------------------------------------------------------------
    async def connect(self, url: str, *, boot: bool = True, ssl: Any = None) -> None:
        """Open the websocket to `url`/<cp_id>; then BootNotification and StatusNotifications.
        A refused handshake raises websockets' InvalidStatus (`.response.status_code`)."""
        opts = self.options
        headers = {}
        if opts.password is not None:
            token = base64.b64encode(f"{opts.cp_id}:{opts.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        self.ws = await connect(
            f"{url.rstrip('/')}/{opts.cp_id}",
            subprotocols=opts.subprotocols,  # type: ignore[arg-type]
            additional_headers=headers,
            ssl=ssl,
            open_timeout=5,
            ping_interval=None,
        )
        self.wire = Wire(opts.cp_id, self.ws, self)
        self._spawn(self.wire.start())
        if opts.auto_meter:
            self._spawn(self._meter_loop())
        if boot:
            await self.boot()
            for connector_id, status in self.status.items():
                await self.send_status(connector_id, status)

    async def drop(self) -> None:
        """Lose the connection without a close frame, as a network failure would."""
        if self.ws is not None:
            self.ws.transport.abort()
        await self._stop_tasks()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self._stop_tasks()

    async def _stop_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self._tasks.clear()

    def _spawn(self, coro: Awaitable[Any]) -> None:
        self._tasks.append(asyncio.ensure_future(coro))

    async def call(self, payload: Any) -> Any:
        """Send a request to the central system; a CallError raises."""
        assert self.wire is not None, "not connected"
        return await self.wire.call(payload, suppress=False)

    async def send_raw(self, text: str | bytes) -> None:
        assert self.ws is not None
        await self.ws.send(text)

    # --- what a charger sends -----------------------------------------------------------
    async def boot(self) -> str:
        opts = self.options
        result = await self.call(
            call.BootNotification(charge_point_model=opts.model, charge_point_vendor=opts.vendor)
        )
        self._sync(result.current_time)
        self.boot_status = str(result.status)
        return self.boot_status

    async def heartbeat(self) -> str:
        result = await self.call(call.Heartbeat())
        self._sync(result.current_time)
        return str(result.current_time)

    async def send_status(self, connector_id: int, status: str) -> None:
        self.status[connector_id] = status
        await self.call(
            call.StatusNotification(
                connector_id=connector_id,
                error_code="NoError",
                status=status,
                timestamp=_iso(self.now()),
            )
        )

    async def authorize(self, id_tag: str = "TAG") -> str:
        result = await self.call(call.Authorize(id_tag=id_tag))
        return str(result.id_tag_info["status"])

    async def plug_in(self, connector_id: int = 1) -> None:
        await self.send_status(connector_id, "Preparing")

    async def start_transaction(self, connector_id: int = 1, id_tag: str = "TAG") -> int:
        assert self.wire is not None, "not connected"
        unique_id = str(uuid.uuid4())
        # Like firmware, the transaction id is stored as the answer is read, before any
        # request that follows it on the wire is handled (see `_Wire.route_message`).
        self._starting[unique_id] = (connector_id, self.now())
        result = await self.wire.call(
            call.StartTransaction(
                connector_id=connector_id,
                id_tag=id_tag,
                meter_start=int(self.energy_wh[connector_id]),
                timestamp=_iso(self.now()),
            ),
            suppress=False,
            unique_id=unique_id,
        )
        self._metered_at[connector_id] = self.now()
        await self.send_status(connector_id, "Charging")
        return int(result.transaction_id)

    async def stop_transaction(self, connector_id: int = 1, reason: str = "Local") -> None:
        tx_id, _ = self.transactions.pop(connector_id)
        await self.call(
            call.StopTransaction(
                meter_stop=int(self.energy_wh[connector_id]),
                timestamp=_iso(self.now()),
                transaction_id=tx_id,
                reason=reason,
            )
        )
        await self.send_status(connector_id, "Finishing")

    async def unplug(self, connector_id: int = 1) -> None:
        if connector_id in self.transactions:
            await self.stop_transaction(connector_id, reason="EVDisconnected")
        await self.send_status(connector_id, "Available")

    async def send_meter_values(self, connector_id: int = 1) -> None:
        """One sample of the configured measurands, from the car model."""
        await self.call(
            call.MeterValues(
                connector_id=connector_id,
                transaction_id=self.transactions.get(connector_id, (None,))[0],
                meter_value=[
                    {"timestamp": _iso(self.now()), "sampledValue": self.sample(connector_id)}
                ],
            )
        )

    def sample(self, connector_id: int) -> list[dict[str, str]]:
        opts = self.options
        wanted = set(self.config["MeterValuesSampledData"].split(",")) & set(self.supported)
        offered = self.offered_a(connector_id)
        draw = self.draw_a(connector_id)
        lines = opts.vehicle_phases if draw > 0 else 0
        power = draw * opts.voltage * lines
        now = self.now()
        since = self._metered_at.get(connector_id, now)
        self.energy_wh[connector_id] += power * (now - since) / 3600
        self._metered_at[connector_id] = now
        ctx = {"context": "Sample.Periodic"}
        out: list[dict[str, str]] = []
        if "Current.Import" in wanted:
            for n in range(1, 4):
                amps = draw if n <= lines else 0.0
                out.append(
                    {
                        **ctx,
                        "measurand": "Current.Import",
                        "phase": f"L{n}",
                        "unit": "A",
                        "value": f"{amps:.1f}",
                    }
                )
        if "Current.Offered" in wanted:
            out.append(
                {**ctx, "measurand": "Current.Offered", "unit": "A", "value": f"{offered:.1f}"}
            )
        if "Power.Active.Import" in wanted:
            scale = 1000.0 if opts.power_unit.casefold() == "kw" else 1.0
            value = f"{power / scale:.3f}"
            out.append(
                {**ctx, "measurand": "Power.Active.Import", "unit": opts.power_unit, "value": value}
            )
        if "Energy.Active.Import.Register" in wanted:
            value = f"{self.energy_wh[connector_id]:.0f}"
            out.append(
                {**ctx, "measurand": "Energy.Active.Import.Register", "unit": "Wh", "value": value}
            )
        if "SoC" in wanted and opts.soc is not None:
            out.append({**ctx, "measurand": "SoC", "unit": "Percent", "value": f"{opts.soc:.0f}"})
        return out

    async def _meter_loop(self) -> None:
        """MeterValues every MeterValueSampleInterval for each connector with a transaction
        (re-read every tick, so a change from the server applies at once)."""
        sent_at: dict[int, float] = {}
        while True:
            await asyncio.sleep(0.05)
            interval = int(self.config.get("MeterValueSampleInterval") or 0)
            now = time.monotonic()
            for connector_id in list(self.transactions) if interval > 0 else []:
                if now - sent_at.setdefault(connector_id, now) >= interval:
                    sent_at[connector_id] = now
                    with contextlib.suppress(Exception):
                        await self.send_meter_values(connector_id)
