"""Thousands of broken frames from one connection while a good charger keeps its limits.

Every frame that could be a request gets exactly one answer (a CallError for the broken
ones), answers to nothing are dropped, and a frame over the size limit closes that one
connection (the fuzzer reconnects). The server never logs an error of its own, and the
well-behaved charger next to it takes a new limit after every batch.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from custom_components.ampwise.ocpp import CentralSystem, ChargerSession, ConnectionLimits

from .conftest import StartCentral, StartSim, url
from .sim_charger import SimCharger, SimOptions, wait_for

# The rate limit has its own test; here every frame must reach the parser.
LIMITS = ConnectionLimits(messages_per_s=1e6, burst=1_000_000, response_timeout_s=1.0)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
message_ids = st.text(min_size=1, max_size=36) | st.text(min_size=37, max_size=300) | scalars
ACTIONS = [
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "MeterValues",
    "StartTransaction",
    "StopTransaction",
    "Authorize",
    "DataTransfer",
    "FirmwareStatusNotification",
    "SetChargingProfile",  # ours to send, not theirs
    "NoSuchAction",
    "",
]
TIME = "2027-01-15T08:00:00Z"
TEMPLATES: dict[str, dict[str, Any]] = {
    "BootNotification": {"chargePointVendor": "V", "chargePointModel": "M"},
    "StatusNotification": {
        "connectorId": 1,
        "errorCode": "NoError",
        "status": "Charging",
        "timestamp": TIME,
    },
    "MeterValues": {
        "connectorId": 1,
        "transactionId": 5,
        "meterValue": [
            {
                "timestamp": TIME,
                "sampledValue": [
                    {"value": "16", "measurand": "Current.Offered", "unit": "A"},
                    {"value": "7", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
                ],
            }
        ],
    },
    "StartTransaction": {"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": TIME},
    "StopTransaction": {"transactionId": 5, "meterStop": 10, "timestamp": TIME},
    "Authorize": {"idTag": "T"},
    "Heartbeat": {},
    "DataTransfer": {"vendorId": "x"},
}
odd_values = st.sampled_from(
    ["", "NaN", "1e999", "-0", "inf", "12,5", "0x10", "L9", "kWh"]
) | st.text(max_size=8)


@st.composite
def near_valid(draw: st.DrawFn) -> str:
    """A real message of a charger with some fields swapped, dropped or added."""
    action = draw(st.sampled_from(list(TEMPLATES)))
    payload = copy.deepcopy(TEMPLATES[action])
    for key in list(payload):
        change = draw(st.integers(0, 4))
        if change == 0:
            payload[key] = draw(json_values)
        elif change == 1:
            del payload[key]
        elif change == 2 and isinstance(payload[key], int):
            payload[key] = draw(st.integers(-(2**40), 2**40))
    if action == "MeterValues" and payload.get("meterValue") == TEMPLATES[action]["meterValue"]:
        for sample in payload["meterValue"][0]["sampledValue"]:
            sample["value"] = draw(odd_values)
            if draw(st.booleans()):
                sample["unit"] = draw(odd_values)
    if draw(st.integers(0, 5)) == 0:
        payload[draw(st.text(max_size=10))] = draw(json_values)
    return json.dumps([2, draw(st.text(min_size=1, max_size=36)), action, payload])


frames = st.one_of(
    st.text(max_size=100),
    st.binary(max_size=50),
    json_values.map(json.dumps),
    st.lists(json_values, max_size=6).map(json.dumps),
    st.builds(
        lambda kind, uid, action, payload: json.dumps([kind, uid, action, payload]),
        st.sampled_from([2, 3, 4, 5, 0, -1, "2", True, 2.0]),
        message_ids,
        st.sampled_from(ACTIONS) | st.text(max_size=20),
        json_values,
    ),
    near_valid(),
    near_valid(),
    st.integers(1, 30_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 30).map(
        lambda n: json.dumps([2, "big", "DataTransfer", {"vendorId": "x" * n * 4096}])
    ),
)


def wants_answer(frame: str | bytes) -> bool:
    """Everything but something shaped like a result (type 3 or 4) is answered."""
    if isinstance(frame, bytes):
        return True
    try:
        msg = json.loads(frame)
    except (ValueError, RecursionError):
        return True
    if not isinstance(msg, list) or len(msg) < 2:
        return True
    return isinstance(msg[0], bool) or msg[0] not in (3, 4)


class Fuzzer:
    """One raw connection as charger FUZZ, reopened whenever the server closes it."""

    def __init__(self, central: CentralSystem) -> None:
        self.central = central
        self.ws: ClientConnection | None = None
        self.frames = 0
        self.closes: list[int | None] = []

    async def connection(self) -> ClientConnection:
        if self.ws is None:
            self.ws = await connect(
                f"{url(self.central)}/FUZZ",
                subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                max_size=None,
                ping_interval=None,
            )
        return self.ws

    async def run(self, batch: list[str | bytes]) -> None:
        ws = await self.connection()
        expected = 0
        probe = f"probe-{uuid.uuid4().hex[:16]}"  # ids are at most 36 characters
        try:
            for frame in batch:
                await ws.send(frame)
                self.frames += 1
                expected += wants_answer(frame)
            await ws.send(json.dumps([2, probe, "Heartbeat", {}]))
            answers = 0
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert isinstance(msg, list)
                assert msg[0] in (2, 3, 4)
                if msg[0] == 2:
                    continue  # the server's own requests (after a BootNotification)
                if msg[1] == probe:
                    assert msg[0] == 3
                    break
                answers += 1
            assert answers == expected
        except ConnectionClosed as closed:
            # Only ever for a frame over the size limit.
            self.closes.append(closed.rcvd.code if closed.rcvd is not None else None)
            self.ws = None
        assert set(self.closes) <= {1009}


@dataclass
class Arena:
    central: CentralSystem
    session: ChargerSession
    sim: SimCharger
    fuzzer: Fuzzer


@pytest.fixture
async def arena(start_central: StartCentral, start_sim: StartSim) -> AsyncIterator[Arena]:
    central = await start_central(limits=LIMITS)
    session = central.session("GOOD")
    sim = await start_sim(central, SimOptions(cp_id="GOOD"))
    await wait_for(lambda: session.ready)
    fuzzer = Fuzzer(central)
    yield Arena(central, session, sim, fuzzer)
    if fuzzer.ws is not None:
        await fuzzer.ws.close()


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(batch=st.lists(frames, min_size=5, max_size=40), amps=st.integers(6, 32))
async def test_broken_frames_never_disturb_the_server_or_other_chargers(
    arena: Arena, batch: list[str | bytes], amps: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    await arena.fuzzer.run(batch)
    assert arena.central.running
    assert await arena.session.set_limit(1, amps, 3, min_a=6, timeout_s=120)
    assert arena.sim.offered_a(1) == amps
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[0].getMessage()
