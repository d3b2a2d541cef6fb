"""Who gets in: subprotocols, passwords, unknown chargers, the port, TLS, stopping."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from custom_components.ampwise.ocpp import (
    CannotBind,
    CentralSystem,
    CertificateError,
    CredentialCheck,
    EventKind,
    NewCharger,
    PortInUse,
    tls_context,
)
from custom_components.ampwise.ocpp.server import charge_point_id

from .conftest import StartCentral, StartSim, url
from .sim_charger import SimCharger, SimOptions, wait_for


async def refused_status(central: CentralSystem, options: SimOptions) -> int:
    with pytest.raises(InvalidStatus) as refused:
        await SimCharger(options).connect(url(central))
    return refused.value.response.status_code


@pytest.mark.parametrize(
    ("offered", "negotiated"),
    [(["ocpp1.6"], "ocpp1.6"), (None, None), (["ocpp2.0.1", "ocpp1.6"], "ocpp1.6")],
)
async def test_subprotocols(
    start_central: StartCentral,
    start_sim: StartSim,
    offered: list[str] | None,
    negotiated: str | None,
) -> None:
    """A charger that offers no subprotocol is taken to speak 1.6."""
    central = await start_central()
    sim = await start_sim(central, SimOptions(subprotocols=offered))
    assert sim.ws is not None
    assert sim.ws.subprotocol == negotiated
    assert sim.boot_status == "Accepted"
    assert central.sessions["SIM-1"].protocol == "1.6"


async def test_only_2_0_1_is_not_spoken_yet(start_central: StartCentral) -> None:
    central = await start_central()
    assert await refused_status(central, SimOptions(subprotocols=["ocpp2.0.1"])) == 400


async def test_password(start_central: StartCentral, start_sim: StartSim) -> None:
    central = await start_central(lambda cp: CredentialCheck.known("s3cret"))
    for wrong in (None, "guess"):
        assert await refused_status(central, SimOptions(password=wrong)) == 401
    sim = await start_sim(central, SimOptions(password="s3cret"))
    assert sim.boot_status == "Accepted"
    # The user name is the charge point id (OCPP security profile 1).
    with pytest.raises(InvalidStatus) as refused:
        await connect(
            url(central) + "/SIM-2",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers={"Authorization": "Basic U0lNLTE6czNjcmV0"},  # SIM-1:s3cret
        )
    assert refused.value.response.status_code == 401
    assert refused.value.response.headers["WWW-Authenticate"].startswith("Basic")


async def test_unknown_charger_refused(start_central: StartCentral) -> None:
    central = await start_central(lambda cp: CredentialCheck.refuse())
    assert await refused_status(central, SimOptions()) == 404
    assert central.sessions == {}


async def test_credentials_callback_failing_is_a_500(start_central: StartCentral) -> None:
    def broken(cp_id: str) -> CredentialCheck:
        raise RuntimeError("store not loaded")

    central = await start_central(broken)
    assert await refused_status(central, SimOptions()) == 500


async def test_unknown_charger_held_and_announced_once(
    start_central: StartCentral, start_sim: StartSim
) -> None:
    known: set[str] = set()
    found: list[NewCharger] = []
    central = await start_central(
        lambda cp: CredentialCheck.known() if cp in known else CredentialCheck.hold(),
        on_new_charger=found.append,
    )
    sim = await start_sim(central, SimOptions(cp_id="EVB-123", vendor="EVBox", model="Elvi"))
    assert sim.boot_status == "Pending"
    await wait_for(lambda: len(found) == 1, what="announcement")
    assert (found[0].cp_id, found[0].protocol) == ("EVB-123", "1.6")
    assert found[0].boot is not None
    assert (found[0].boot.vendor, found[0].boot.model) == ("EVBox", "Elvi")
    assert "EVB-123" in central.held
    assert "EVB-123" not in central.sessions
    # Asked again (Pending means "boot again later") and reconnected: still announced once.
    assert await sim.boot() == "Pending"
    await sim.close()
    await sim.connect(url(central))
    await asyncio.sleep(0.1)
    assert len(found) == 1
    assert not sim.received  # held chargers are never configured or controlled
    # The user adds it: released, it comes back as a known charger.
    known.add("EVB-123")
    await central.release("EVB-123")
    await wait_for(lambda: sim.ws is not None and sim.ws.close_code is not None, what="release")
    await sim.connect(url(central))
    assert sim.boot_status == "Accepted"
    await wait_for(lambda: central.sessions["EVB-123"].ready, what="configured")


async def test_held_chargers_are_limited(start_central: StartCentral, start_sim: StartSim) -> None:
    from custom_components.ampwise.ocpp import ConnectionLimits

    central = await start_central(
        lambda cp: CredentialCheck.hold(), limits=ConnectionLimits(max_held=1)
    )
    await start_sim(central, SimOptions(cp_id="NEW-1"))
    assert await refused_status(central, SimOptions(cp_id="NEW-2")) == 503


async def test_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        central = CentralSystem("127.0.0.1", port, credentials=lambda cp: CredentialCheck.known())
        with pytest.raises(PortInUse) as err:
            await central.start()
    assert str(err.value) == f"Cannot listen on 127.0.0.1:{port}: the port is already in use"
    assert not central.running


async def test_address_not_here() -> None:
    central = CentralSystem("192.0.2.1", 0, credentials=lambda cp: CredentialCheck.known())
    with pytest.raises(CannotBind):
        await central.start()


async def test_stop_closes_every_connection(
    start_central: StartCentral, start_sim: StartSim
) -> None:
    central = await start_central()
    sims = [await start_sim(central, SimOptions(cp_id=f"CP-{n}")) for n in range(3)]
    events: list[EventKind] = []
    central.sessions["CP-0"].add_listener(lambda e: events.append(e.kind))
    await central.stop()
    for sim in sims:
        await wait_for(lambda sim=sim: sim.ws is not None and sim.ws.close_code is not None)
    assert not any(s.connected for s in central.sessions.values())
    assert EventKind.DISCONNECTED in events


def test_charge_point_id_is_the_last_path_segment() -> None:
    assert charge_point_id("/ocpp/EVB-123") == "EVB-123"
    assert charge_point_id("/EVB%20123/") == "EVB 123"
    assert charge_point_id("/steve/websocket/CentralSystemService/CP1?x=1") == "CP1"
    assert charge_point_id("/") is None
    assert charge_point_id("/" + "x" * 200) is None


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_tls(start_central: StartCentral, tmp_path: Path) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    central = await start_central(ssl_context=tls_context(str(cert_file), str(key_file)))
    client = ssl.create_default_context(cafile=str(cert_file))
    sim = SimCharger(SimOptions(password=None))
    await sim.connect(f"wss://127.0.0.1:{central.port}/ocpp", ssl=client)
    try:
        assert sim.boot_status == "Accepted"
    finally:
        await sim.close()
    with pytest.raises(CertificateError):
        tls_context(str(tmp_path / "missing.pem"))


async def test_forget_drops_the_session_and_its_connection(
    start_central: StartCentral, start_sim: StartSim
) -> None:
    central = await start_central()
    sim = await start_sim(central)
    await central.forget("SIM-1")
    assert "SIM-1" not in central.sessions
    await wait_for(lambda: sim.ws is not None and sim.ws.close_code is not None)
