"""The built-in OCPP server in the hub's options, and its life with the hub: started at setup,
kept across reloads, restarted when its settings change, stopped with the hub or Home
Assistant; a port in use is a translated error in the form and at setup."""

from __future__ import annotations

import datetime
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.ampwise.central import server_of
from custom_components.ampwise.const import (
    CONF_INTERVAL,
    CONF_SERVER_CERTFILE,
    CONF_SERVER_KEYFILE,
)
from tests.ha.builtin_fixtures import free_port, hub_entry, server_options, setup

pytestmark = pytest.mark.usefixtures("builtin")


@pytest.fixture
def listener() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def make_certificate(directory: Path) -> tuple[str, str]:
    """A self-signed certificate and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ampwise.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def form(port: int, **changes: Any) -> dict[str, Any]:
    return {
        "ocpp_server": True,
        "ocpp_host": "127.0.0.1",
        "ocpp_port": port,
        "ocpp_accept_new": False,
        **changes,
    }


async def submit(hass: HomeAssistant, entry_id: str, answers: dict[str, Any]) -> Any:
    result = await hass.config_entries.options.async_init(entry_id)
    assert "ocpp_server" in result["menu_options"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "ocpp_server"}
    )
    assert result["step_id"] == "ocpp_server"
    # Where to point a charger: the port as configured so far.
    port = hass.config_entries.async_get_known_entry(entry_id).options.get("ocpp_port", 9000)
    assert result["description_placeholders"]["url"].endswith(f":{port}/CHARGE_POINT_ID")
    return await hass.config_entries.options.async_configure(result["flow_id"], answers)


@pytest.mark.usefixtures("mock_setup_entry", "translated_flows")
async def test_options_step_saves_the_server_and_forgets_a_cleared_file(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    certfile, keyfile = make_certificate(tmp_path)
    entry = hub_entry(hass, options={CONF_INTERVAL: 10})
    port = free_port()
    # Home Assistant's address on the local network is where chargers connect.
    hass.config.internal_url = "http://192.168.1.10:8123"
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "ocpp_server"}
    )
    assert result["description_placeholders"] == {"url": "ws://192.168.1.10:9000/CHARGE_POINT_ID"}
    result = await submit(
        hass, entry.entry_id, form(port, ocpp_certfile=certfile, ocpp_keyfile=keyfile)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_INTERVAL: 10,
        **form(port),
        CONF_SERVER_CERTFILE: certfile,
        CONF_SERVER_KEYFILE: keyfile,
    }
    # Cleared in the form: gone from the options, not kept from before.
    result = await submit(hass, entry.entry_id, form(port))
    assert entry.options == {CONF_INTERVAL: 10, **form(port)}


@pytest.mark.usefixtures("mock_setup_entry", "translated_flows")
async def test_options_step_refuses_a_port_in_use_and_an_address_not_ours(
    hass: HomeAssistant, listener: int
) -> None:
    entry = hub_entry(hass, options={CONF_INTERVAL: 10})
    result = await submit(hass, entry.entry_id, form(listener))
    assert result["errors"] == {"ocpp_port": "port_in_use"}
    assert result["description_placeholders"] == {
        "host": "127.0.0.1",
        "port": str(listener),
        "url": f"ws://homeassistant.local:{listener}/CHARGE_POINT_ID",
    }
    # TEST-NET-3: no machine of ours has it.
    result = await submit(hass, entry.entry_id, form(free_port(), ocpp_host="203.0.113.7"))
    assert result["errors"] == {"ocpp_host": "cannot_bind"}
    # Off: nothing to check.
    result = await submit(hass, entry.entry_id, form(listener, ocpp_server=False))
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("mock_setup_entry", "translated_flows")
async def test_options_step_refuses_unusable_tls_files(hass: HomeAssistant, tmp_path: Path) -> None:
    certfile, keyfile = make_certificate(tmp_path)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    missing = str(tmp_path / "missing.pem")
    entry = hub_entry(hass, options={CONF_INTERVAL: 10})
    port = free_port()
    cases = [
        ({"ocpp_certfile": missing}, {"ocpp_certfile": "file_not_found"}, missing),
        (
            {"ocpp_certfile": certfile, "ocpp_keyfile": missing},
            {"ocpp_keyfile": "file_not_found"},
            missing,
        ),
        ({"ocpp_certfile": str(garbage)}, {"ocpp_certfile": "certificate_unusable"}, str(garbage)),
        # The certificate without its key.
        ({"ocpp_certfile": certfile}, {"ocpp_certfile": "certificate_unusable"}, certfile),
        ({"ocpp_keyfile": keyfile}, {"ocpp_keyfile": "key_without_certificate"}, keyfile),
    ]
    for changes, errors, file in cases:
        result = await submit(hass, entry.entry_id, form(port, **changes))
        assert result["errors"] == errors, changes
        assert result["description_placeholders"]["file"] == file


async def test_the_hub_starts_its_server_and_keeps_it_across_a_reload(hass: HomeAssistant) -> None:
    entry = hub_entry(hass)
    central = await setup(hass, entry)
    assert central.running
    assert central.host == "127.0.0.1"
    assert central.port > 0
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert server_of(hass, entry.entry_id) is central
    assert central.running


async def test_new_server_settings_restart_it_and_turning_it_off_stops_it(
    hass: HomeAssistant,
) -> None:
    entry = hub_entry(hass)
    central = await setup(hass, entry)
    port = free_port()
    hass.config_entries.async_update_entry(entry, options=server_options(port))
    await hass.async_block_till_done()
    assert not central.running
    restarted = server_of(hass, entry.entry_id)
    assert restarted is not None
    assert restarted.running
    assert restarted.port == port
    hass.config_entries.async_update_entry(entry, options={CONF_INTERVAL: 10})
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert not restarted.running
    assert server_of(hass, entry.entry_id) is None


async def test_disabling_or_removing_the_hub_or_stopping_hass_stops_its_server(
    hass: HomeAssistant,
) -> None:
    entry = hub_entry(hass)
    central = await setup(hass, entry)
    assert await hass.config_entries.async_set_disabled_by(entry.entry_id, ConfigEntryDisabler.USER)
    assert not central.running
    assert server_of(hass, entry.entry_id) is None
    assert await hass.config_entries.async_set_disabled_by(entry.entry_id, None)
    await hass.async_block_till_done()
    central = server_of(hass, entry.entry_id)
    assert central is not None
    await hass.config_entries.async_remove(entry.entry_id)
    assert not central.running
    assert server_of(hass, entry.entry_id) is None

    other = hub_entry(hass)
    central = await setup(hass, other)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert not central.running
    assert server_of(hass, other.entry_id) is None


async def test_a_port_in_use_at_setup_is_a_translated_retry(
    hass: HomeAssistant, listener: int
) -> None:
    entry = hub_entry(hass, options=server_options(listener))
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert f"port {listener} is already in use on 127.0.0.1" in entry.reason
    assert server_of(hass, entry.entry_id) is None


async def test_an_unusable_certificate_at_setup_is_a_translated_retry(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    entry = hub_entry(hass, options=server_options(0, ocpp_certfile=str(garbage)))
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "cannot use the certificate" in entry.reason
