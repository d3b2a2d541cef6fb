"""The hub's built-in OCPP central system inside Home Assistant.

Started when the hub is set up with the server enabled, and kept across reloads of the hub:
adding a relay or changing a charger's priority reloads the hub, and closing every charger's
connection for that would leave them on their safe profile until they reconnect (some back
off for minutes). It is stopped when its settings change, the hub is disabled or removed, or
Home Assistant stops. Who may connect is read from the hub's config entry at each handshake,
so a charger added a moment ago is known without a restart.
"""

from __future__ import annotations

import errno
import logging
import os.path
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from homeassistant.config_entries import SOURCE_IGNORE, ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.util.hass_dict import HassKey

from .const import (
    BACKEND_BUILTIN,
    CONF_BACKEND,
    CONF_CHARGE_POINT_ID,
    CONF_PASSWORD,
    CONF_SERVER_ACCEPT_NEW,
    CONF_SERVER_CERTFILE,
    CONF_SERVER_ENABLED,
    CONF_SERVER_HOST,
    CONF_SERVER_KEYFILE,
    CONF_SERVER_PORT,
    DEFAULT_SERVER_HOST,
    DEFAULT_SERVER_PORT,
    DOMAIN,
    SUBENTRY_EVSE,
)
from .ocpp import (
    CannotBind,
    CentralSystem,
    CertificateError,
    CredentialCheck,
    NewCharger,
    PortInUse,
    tls_context,
)

LOGGER: Final = logging.getLogger(__name__)

ERR_PORT_IN_USE: Final = "port_in_use"
ERR_CANNOT_BIND: Final = "cannot_bind"
ERR_CERTIFICATE: Final = "certificate_unusable"
ERR_FILE_NOT_FOUND: Final = "file_not_found"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """What the listening socket depends on: a change of any of it restarts the server."""

    host: str
    port: int
    certfile: str | None = None
    keyfile: str | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ServerConfig | None:
        """The server's settings; None while it is off."""
        if not options.get(CONF_SERVER_ENABLED):
            return None
        return cls(
            host=str(options.get(CONF_SERVER_HOST) or DEFAULT_SERVER_HOST),
            port=int(options.get(CONF_SERVER_PORT, DEFAULT_SERVER_PORT)),
            certfile=options.get(CONF_SERVER_CERTFILE) or None,
            keyfile=options.get(CONF_SERVER_KEYFILE) or None,
        )


@dataclass(slots=True)
class HubServer:
    config: ServerConfig
    central: CentralSystem
    unsubscribe_stop: CALLBACK_TYPE


DATA_SERVERS: HassKey[dict[str, HubServer]] = HassKey(f"{DOMAIN}_servers")


def not_ready(key: str, **placeholders: object) -> ConfigEntryNotReady:
    """A translated reason why the hub cannot start yet (Home Assistant retries it)."""
    return ConfigEntryNotReady(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={k: str(v) for k, v in placeholders.items()},
    )


def builtin_chargers(entry: ConfigEntry) -> dict[str, list[Mapping[str, Any]]]:
    """Charge point id -> the data of its connectors' subentries."""
    chargers: dict[str, list[Mapping[str, Any]]] = {}
    for subentry in entry.subentries.values():
        data = subentry.data
        if subentry.subentry_type == SUBENTRY_EVSE and data.get(CONF_BACKEND) == BACKEND_BUILTIN:
            chargers.setdefault(str(data[CONF_CHARGE_POINT_ID]), []).append(data)
    return chargers


def discovery_unique_id(entry_id: str, cp_id: str) -> str:
    """The discovery flow's unique id: one offer per hub and charger, ignorable for good."""
    return f"charger_{entry_id}_{cp_id}"


def _ignored(hass: HomeAssistant, entry_id: str, cp_id: str) -> bool:
    unique_id = discovery_unique_id(entry_id, cp_id)
    return any(
        entry.source == SOURCE_IGNORE and entry.unique_id == unique_id
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=True)
    )


def _credentials(hass: HomeAssistant, entry_id: str, cp_id: str) -> CredentialCheck:
    """Known chargers by their subentry; unknown ones held when the hub takes new chargers
    (and the user did not ignore this one), else refused."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.disabled_by is not None:
        return CredentialCheck.refuse()
    connectors = builtin_chargers(entry).get(cp_id)
    if connectors:
        # The flows keep one password per charger on all its connectors.
        return CredentialCheck.known(connectors[0].get(CONF_PASSWORD) or None)
    if entry.options.get(CONF_SERVER_ACCEPT_NEW) and not _ignored(hass, entry_id, cp_id):
        return CredentialCheck.hold()
    return CredentialCheck.refuse()


def _announce(entry_id: str, charger: NewCharger) -> None:
    """An unknown charger is waiting until the user adds it."""
    LOGGER.info("Hub %s: unknown charger %s is waiting", entry_id, charger.cp_id)


def server_of(hass: HomeAssistant, entry_id: str) -> CentralSystem | None:
    """The hub's running central system, if it has one."""
    server = hass.data.get(DATA_SERVERS, {}).get(entry_id)
    return None if server is None else server.central


async def async_start_server(hass: HomeAssistant, entry: ConfigEntry) -> CentralSystem | None:
    """The hub's central system, started (or kept from before a reload); None when it is off.

    Raises ConfigEntryNotReady, translated, when the port is taken, the address cannot be
    listened on or the certificate cannot be used.
    """
    config = ServerConfig.from_options(entry.options)
    servers = hass.data.setdefault(DATA_SERVERS, {})
    running = servers.get(entry.entry_id)
    if running is not None and running.config == config:
        central = running.central
    else:
        await async_stop_server(hass, entry.entry_id)
        if config is None:
            return None
        central = await _async_start(hass, entry.entry_id, config)
    # A charger removed while the server ran must not stay connected and trusted.
    known = builtin_chargers(entry)
    for cp_id in [cp_id for cp_id in central.sessions if cp_id not in known]:
        await central.forget(cp_id)
    return central


async def _async_start(hass: HomeAssistant, entry_id: str, config: ServerConfig) -> CentralSystem:
    ssl_context = None
    if config.certfile:
        try:
            ssl_context = await hass.async_add_executor_job(
                tls_context, config.certfile, config.keyfile
            )
        except CertificateError as err:
            raise not_ready("certificate_unusable", file=config.certfile, reason=str(err)) from err
    central = CentralSystem(
        config.host,
        config.port,
        credentials=partial(_credentials, hass, entry_id),
        on_new_charger=partial(_announce, entry_id),
        ssl_context=ssl_context,
    )
    try:
        await central.start()
    except PortInUse as err:
        raise not_ready("port_in_use", host=config.host, port=config.port) from err
    except CannotBind as err:
        raise not_ready(
            "cannot_bind", host=config.host, port=config.port, reason=err.reason
        ) from err

    async def stop_with_hass(_event: Event) -> None:
        server = hass.data[DATA_SERVERS].get(entry_id)
        if server is not None and server.central is central:
            del hass.data[DATA_SERVERS][entry_id]
            await central.stop()

    unsubscribe = hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop_with_hass)
    hass.data[DATA_SERVERS][entry_id] = HubServer(config, central, unsubscribe)
    return central


async def async_stop_server(hass: HomeAssistant, entry_id: str) -> None:
    """Close every charger's connection and stop listening (the chargers fall back to their
    safe profiles once their dynamic ones expire)."""
    server = hass.data.get(DATA_SERVERS, {}).pop(entry_id, None)
    if server is None:
        return
    server.unsubscribe_stop()
    await server.central.stop()


def _bind_problem(host: str, port: int) -> str | None:
    """Try to listen where the server would (blocking: run in an executor)."""
    try:
        addresses = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except OSError:
        return ERR_CANNOT_BIND
    for family, kind, proto, _name, address in addresses:
        with socket.socket(family, kind, proto) as sock:
            # As asyncio does for servers: connections in TIME_WAIT do not block the port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as err:
                return ERR_PORT_IN_USE if err.errno == errno.EADDRINUSE else ERR_CANNOT_BIND
    return None


async def async_bind_problem(
    hass: HomeAssistant, entry_id: str, host: str, port: int
) -> str | None:
    """Why the server could not listen on host:port (an error key), or None.

    The hub's own running server holds its address: keeping it is no problem.
    """
    running = hass.data.get(DATA_SERVERS, {}).get(entry_id)
    if running is not None and (running.config.host, running.config.port) == (host, port):
        return None
    return await hass.async_add_executor_job(_bind_problem, host, port)


def tls_problem(certfile: str | None, keyfile: str | None) -> tuple[str, str] | None:
    """(error key, file) when the TLS files cannot serve, else None. Reads them: run it in
    an executor."""
    if not certfile:
        return ("key_without_certificate", keyfile) if keyfile else None
    for path in (certfile, keyfile):
        if path and not os.path.isfile(path):
            return ERR_FILE_NOT_FOUND, path
    try:
        tls_context(certfile, keyfile)
    except CertificateError:
        return ERR_CERTIFICATE, certfile
    return None
