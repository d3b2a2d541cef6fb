"""The websockets server chargers connect to: admission, subprotocols, one session per id.

Admission happens in the HTTP handshake, before a websocket exists: the charge point id is
the last segment of the URL path; an id the credentials callback refuses gets 404, a wrong
or missing password 401 (OCPP security profile 1: HTTP Basic, user = charge point id).
An unknown id the hub may adopt is *held*: connected, answered BootNotification Pending,
never configured or controlled, and announced once through `on_new_charger`.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import logging
import ssl
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from typing import Final
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeader, NegotiationError
from websockets.frames import CloseCode
from websockets.headers import build_www_authenticate_basic, parse_authorization_basic
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from .config import ChargerSettings, EventKind
from .errors import CannotBind, CertificateError, PortInUse
from .link import ConnectionLimits, GuardedLink
from .model import BootInfo
from .session import Authorizer, ChargerSession
from .v16 import Ocpp16Link

LOGGER: Final = logging.getLogger(__name__)

# Subprotocol -> connection class, in our order of preference. 2.0.1 joins here.
LINKS: Final[dict[str, type[Ocpp16Link]]] = {"ocpp1.6": Ocpp16Link}
# A client that offers no subprotocol is taken to speak this (several 1.6 chargers do).
NO_OFFER: Final = "ocpp1.6"
MAX_ID_LENGTH: Final = 128
# A held charger that does not boot is announced after this long anyway.
ANNOUNCE_AFTER_S: Final = 5.0
REALM: Final = "Ampwise OCPP"


class Verdict(StrEnum):
    KNOWN = "known"
    HOLD = "hold"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class CredentialCheck:
    """The hub's answer about a charge point id. Build with `known`, `hold` or `refuse`."""

    verdict: Verdict
    password: str | None = None  # KNOWN only; None: no password required

    @classmethod
    def known(cls, password: str | None = None) -> CredentialCheck:
        return cls(Verdict.KNOWN, password)

    @classmethod
    def hold(cls) -> CredentialCheck:
        return cls(Verdict.HOLD)

    @classmethod
    def refuse(cls) -> CredentialCheck:
        return cls(Verdict.REFUSE)


@dataclass(frozen=True, slots=True)
class NewCharger:
    """An unknown charger waiting to be added (for a discovery flow)."""

    cp_id: str
    protocol: str  # OCPP version, "1.6"
    remote: str | None
    boot: BootInfo | None


def charge_point_id(path: str) -> str | None:
    """The last non-empty segment of the URL path, percent-decoded."""
    segments = [s for s in urlsplit(path).path.split("/") if s]
    if not segments:
        return None
    cp_id = unquote(segments[-1])
    return cp_id if 0 < len(cp_id) <= MAX_ID_LENGTH and cp_id.isprintable() else None


def tls_context(certfile: str, keyfile: str | None = None) -> ssl.SSLContext:
    """A server TLS context from the user's files. Reads files: call it in an executor."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as err:
        raise CertificateError(f"Cannot use certificate {certfile}: {err}") from err
    return context


def _unauthorized(connection: ServerConnection, text: str) -> Response:
    response = connection.respond(HTTPStatus.UNAUTHORIZED, text)
    response.headers["WWW-Authenticate"] = build_www_authenticate_basic(REALM)
    return response


def _password_ok(headers: Headers, cp_id: str, password: str) -> bool:
    try:
        user, given = parse_authorization_basic(headers.get("Authorization", ""))
    except InvalidHeader:
        return False
    same_user = hmac.compare_digest(user.encode(), cp_id.encode())
    return hmac.compare_digest(given.encode(), password.encode()) and same_user


class CentralSystem:
    """The OCPP central system: start it, read `sessions`, drive chargers through them."""

    def __init__(
        self,
        host: str = "0.0.0.0",
        port: int = 9000,
        *,
        credentials: Callable[[str], CredentialCheck],
        ssl_context: ssl.SSLContext | None = None,
        on_new_charger: Callable[[NewCharger], None] | None = None,
        authorize: Authorizer | None = None,
        limits: ConnectionLimits | None = None,
    ) -> None:
        self.host = host
        self._port = port
        self._credentials = credentials
        self._ssl = ssl_context
        self._on_new_charger = on_new_charger
        self._authorize = authorize
        self.limits = limits or ConnectionLimits()
        self.sessions: dict[str, ChargerSession] = {}
        self.held: dict[str, ChargerSession] = {}
        self._announced: set[str] = set()
        # From the handshake to the handler; weak, as a handshake can still fail after it.
        self._admitted: weakref.WeakKeyDictionary[ServerConnection, tuple[str, Verdict]] = (
            weakref.WeakKeyDictionary()
        )
        self._server: Server | None = None

    @property
    def port(self) -> int:
        """The port listened on (the real one when started with port 0)."""
        if self._server is not None:
            for sock in self._server.sockets:
                return int(sock.getsockname()[1])
        return self._port

    @property
    def running(self) -> bool:
        return self._server is not None

    def session(self, cp_id: str, settings: ChargerSettings | None = None) -> ChargerSession:
        """The session of a known charger, created if needed (before it ever connects)."""
        session = self.sessions.get(cp_id)
        if session is None:
            session = ChargerSession(cp_id, settings, authorize=self._authorize)
            self.sessions[cp_id] = session
        elif settings is not None:
            session.update_settings(settings)
        return session

    async def start(self) -> None:
        limits = self.limits
        try:
            self._server = await serve(
                self._serve,
                self.host,
                self._port,
                ssl=self._ssl,
                process_request=self._admit,
                select_subprotocol=self._select_subprotocol,
                subprotocols=[Subprotocol(p) for p in LINKS],
                max_size=limits.max_frame_bytes,
                ping_interval=limits.ping_interval_s,
                ping_timeout=limits.ping_timeout_s,
                close_timeout=5,
            )
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise PortInUse(self.host, self._port) from err
            raise CannotBind(self.host, self._port, err.strerror or str(err)) from err
        LOGGER.info("OCPP central system listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        server, self._server = self._server, None
        for session in [*self.sessions.values(), *self.held.values()]:
            await session.close()
        if server is not None:
            server.close(code=CloseCode.GOING_AWAY)
            await server.wait_closed()
        self.held.clear()

    async def release(self, cp_id: str) -> None:
        """Close a held charger's connection: once the hub knows it, it reconnects as known."""
        session = self.held.pop(cp_id, None)
        if session is not None:
            await session.close()

    async def forget(self, cp_id: str) -> None:
        """The charger was removed from the hub: drop its session and connection."""
        session = self.sessions.pop(cp_id, None)
        if session is not None:
            await session.close()
        self._announced.discard(cp_id)

    # --- handshake ----------------------------------------------------------------------
    def _select_subprotocol(
        self, _connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        if not offered:
            return None
        for subprotocol in LINKS:
            if subprotocol in offered:
                return Subprotocol(subprotocol)
        raise NegotiationError(f"unsupported subprotocol; this server speaks {', '.join(LINKS)}")

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        cp_id = charge_point_id(request.path)
        if cp_id is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "No charge point id in the URL\n")
        try:
            check = self._credentials(cp_id)
        except Exception:
            LOGGER.exception("Credentials callback failed for charger %s", cp_id)
            return connection.respond(HTTPStatus.INTERNAL_SERVER_ERROR, "Try again later\n")
        if check.verdict is Verdict.REFUSE:
            LOGGER.info("Refused unknown charger %s from %s", cp_id, connection.remote_address)
            return connection.respond(HTTPStatus.NOT_FOUND, "Unknown charge point\n")
        password = check.password if check.verdict is Verdict.KNOWN else None
        if password is not None and not _password_ok(request.headers, cp_id, password):
            LOGGER.warning("Charger %s: wrong or missing password", cp_id)
            return _unauthorized(connection, "Wrong or missing password\n")
        if (
            check.verdict is Verdict.HOLD
            and cp_id not in self.held
            and len(self.held) >= self.limits.max_held
        ):
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "Too many new chargers\n")
        self._admitted[connection] = (cp_id, check.verdict)
        return None

    # --- connections --------------------------------------------------------------------
    async def _serve(self, ws: ServerConnection) -> None:
        admitted = self._admitted.pop(ws, None)
        if admitted is None:
            await ws.close(CloseCode.INTERNAL_ERROR, "not admitted")
            return
        cp_id, verdict = admitted
        protocol = ws.subprotocol or NO_OFFER
        if verdict is Verdict.HOLD:
            session = self.held.get(cp_id) or ChargerSession(cp_id, held=True)
            self.held[cp_id] = session
        else:
            session = self.session(cp_id)
        link = LINKS[protocol](session, ws, self.limits)
        await session.attach(link)
        announcer = self._announce_when_ready(session, link) if session.held else None
        task = asyncio.get_running_loop().create_task(announcer) if announcer else None
        try:
            await link.run()
        finally:
            if task is not None:
                task.cancel()
            session.detach(link)
            if session.held and self.held.get(cp_id) is session and not session.connected:
                del self.held[cp_id]

    async def _announce_when_ready(self, session: ChargerSession, link: GuardedLink) -> None:
        """Announce a held charger once, at its BootNotification or after a short wait."""
        booted = asyncio.Event()
        remove = session.add_listener(lambda e: booted.set() if e.kind is EventKind.BOOT else None)
        try:
            async with asyncio.timeout(ANNOUNCE_AFTER_S):
                await booted.wait()
        except TimeoutError:
            pass
        finally:
            remove()
        if session.cp_id in self._announced or self._on_new_charger is None:
            return
        self._announced.add(session.cp_id)
        LOGGER.info("New charger %s found", session.cp_id)
        info = NewCharger(session.cp_id, link.version, link.remote, session.boot)
        try:
            self._on_new_charger(info)
        except Exception:
            LOGGER.exception("on_new_charger failed for %s", session.cp_id)
