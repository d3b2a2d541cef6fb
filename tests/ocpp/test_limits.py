"""One misbehaving charger: it gets errors or loses its connection; the others never notice."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from ocpp.exceptions import InternalError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from custom_components.ampwise.ocpp import CentralSystem, ChargerSettings, ConnectionLimits

from .conftest import StartCentral, StartSim, url
from .sim_charger import SimCharger, SimOptions, wait_for


async def raw_client(central: CentralSystem, cp_id: str) -> ClientConnection:
    return await connect(
        f"{url(central)}/{cp_id}",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        max_size=None,
        ping_interval=None,
    )


async def reply(ws: ClientConnection, frame: str | bytes) -> list[Any]:
    """Send a frame and return the next answer (requests from the server are skipped)."""
    await ws.send(frame)
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), 2))
        if msg[0] != 2:
            return msg  # type: ignore[no-any-return]


async def closed_code(ws: ClientConnection) -> int | None:
    """Read until the server closes the connection; the code it closed with."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 2)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


async def good_charger(central: CentralSystem, start_sim: StartSim) -> SimCharger:
    session = central.session("GOOD", ChargerSettings())
    sim = await start_sim(central, SimOptions(cp_id="GOOD"))
    await wait_for(lambda: session.ready, what="good charger configured")
    return sim


async def still_works(central: CentralSystem, sim: SimCharger, amps: float = 10) -> None:
    assert await central.sessions["GOOD"].set_limit(1, amps, 3, min_a=6, timeout_s=120)
    assert sim.offered_a(1) == amps
    await sim.heartbeat()


async def test_a_frame_too_large_closes_only_that_connection(
    start_central: StartCentral, start_sim: StartSim
) -> None:
    central = await start_central(limits=ConnectionLimits(max_frame_bytes=4096))
    good = await good_charger(central, start_sim)
    bad = await raw_client(central, "BIG")
    await bad.send(json.dumps([2, "1", "DataTransfer", {"vendorId": "x", "data": "y" * 10_000}]))
    assert await closed_code(bad) == 1009
    await still_works(central, good)


async def test_a_message_flood_closes_only_that_connection(
    start_central: StartCentral, start_sim: StartSim
) -> None:
    central = await start_central(limits=ConnectionLimits(messages_per_s=20, burst=40))
    good = await good_charger(central, start_sim)
    bad = await raw_client(central, "FLOOD")
    for n in range(200):
        try:
            await bad.send(json.dumps([2, str(n), "Heartbeat", {}]))
        except ConnectionClosed:
            break
    assert await closed_code(bad) == 1008
    await still_works(central, good)
    assert "FLOOD" in central.sessions
    assert not central.sessions["FLOOD"].connected


@pytest.mark.parametrize(
    ("frame", "answer"),
    [
        ("not json", ["-1", "FormationViolation"]),
        (b"\x00\x01binary", ["-1", "FormationViolation"]),
        ("[]", ["-1", "ProtocolError"]),
        ("{}", ["-1", "ProtocolError"]),
        ('[2, "a1", "Heartbeat"]', ["a1", "ProtocolError"]),
        ('[2, "a2", "Heartbeat", []]', ["a2", "ProtocolError"]),
        ('[2, "a3", "NoSuchAction", {}]', ["a3", "NotSupported"]),
        ('[2, "a4", "Reset", {"type": "Hard"}]', ["a4", "NotImplemented"]),  # ours to send
        ('[2, "a5", "StatusNotification", {"connectorId": "one"}]', ["a5", None]),
        ('[2, "' + "x" * 100 + '", "Heartbeat", {}]', ["-1", "ProtocolError"]),
        ('[2, 7, "Heartbeat", {}]', ["-1", "ProtocolError"]),
        ('[true, "a6", "Heartbeat", {}]', ["a6", "ProtocolError"]),
        ('[9, "a7"]', ["a7", "ProtocolError"]),
        ("[" * 30000 + "]" * 30000, ["-1", None]),  # deeper than the JSON parser goes
    ],
    ids=lambda v: v[:24] if isinstance(v, str | bytes) else None,
)
async def test_malformed_frames_get_a_call_error(
    start_central: StartCentral, frame: str | bytes, answer: list[str | None]
) -> None:
    central = await start_central()
    ws = await raw_client(central, "ODD")
    got = await reply(ws, frame)
    assert got[0] == 4
    assert got[1] == answer[0]
    if answer[1] is not None:
        assert got[2] == answer[1]
    # Same connection, still served.
    assert (await reply(ws, '[2, "hb", "Heartbeat", {}]'))[:2] == [3, "hb"]
    await ws.close()


async def test_schema_valid_nonsense_is_answered_and_not_stored(
    start_central: StartCentral,
) -> None:
    central = await start_central()
    ws = await raw_client(central, "ODD")
    meter = {
        "connectorId": 999999,
        "meterValue": [{"timestamp": "x", "sampledValue": [{"value": "1"}]}],
    }
    assert (await reply(ws, json.dumps([2, "m", "MeterValues", meter])))[:2] == [3, "m"]
    stop = {"transactionId": 42, "meterStop": 1, "timestamp": "2027-01-01T00:00:00Z"}
    assert (await reply(ws, json.dumps([2, "s", "StopTransaction", stop])))[:2] == [3, "s"]
    start = {"connectorId": 77, "idTag": "T", "meterStart": 0, "timestamp": "2027-01-01T00:00:00Z"}
    answer = await reply(ws, json.dumps([2, "t", "StartTransaction", start]))
    assert answer[2]["idTagInfo"]["status"] == "Invalid"
    assert set(central.sessions["ODD"].connectors) == set()
    await ws.close()


async def test_stray_answers_are_dropped(charger: Any) -> None:
    """Results nobody asked for must not be taken for the answer to our next request."""
    _, session, sim = await charger()
    for n in range(15):  # under the burst allowance: this is about the answers, not the rate
        await sim.send_raw(json.dumps([3, f"stray-{n}", {"status": "Rejected"}]))
        await sim.send_raw(json.dumps([4, f"err-{n}", "GenericError", "x", {}]))
    await sim.heartbeat()
    assert await session.set_limit(1, 12, 3, min_a=6, timeout_s=120)
    assert sim.profiles[-1].status == "Accepted"


async def test_a_stuck_handler_does_not_block_another_charger(
    start_central: StartCentral, start_sim: StartSim
) -> None:
    async def authorize(cp_id: str, id_tag: str) -> bool:
        if cp_id == "STUCK":
            await asyncio.Event().wait()  # a Home Assistant side that never answers
        return True

    central = await start_central(
        authorize=authorize, limits=ConnectionLimits(handler_timeout_s=0.5)
    )
    stuck = await start_sim(central, SimOptions(cp_id="STUCK"))
    good = await good_charger(central, start_sim)
    started = time.monotonic()
    waiting = asyncio.create_task(stuck.authorize("TAG"))
    await asyncio.sleep(0.05)
    await still_works(central, good, 11)
    assert await good.authorize("TAG") == "Accepted"
    assert not waiting.done()
    assert time.monotonic() - started < 0.5
    with pytest.raises(InternalError):
        await waiting
    await stuck.heartbeat()  # its connection goes on
    await still_works(central, good, 12)
