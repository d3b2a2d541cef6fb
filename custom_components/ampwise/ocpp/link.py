"""One websocket connection speaking OCPP-J, hardened against the charger at the other end.

The `ocpp` library's receive loop trusts its peer: a frame that is not an OCPP array can end
the loop, stray results pile up in its response queue and a slow handler holds everything
behind it. `GuardedLink` replaces that loop: every frame is checked before the library sees
it, answered with a CallError when it is a broken request, counted against a token bucket,
and handled under a timeout. Version adapters (`v16.py`, later 2.0.1) add the handlers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol, TypeVar, cast

from ocpp.charge_point import ChargePoint, remove_nones, serialize_as_dict, snake_to_camel_case  # type: ignore[import-untyped]
from ocpp.exceptions import OCPPError, UnknownCallErrorCodeError  # type: ignore[import-untyped]
from ocpp.messages import Call, CallError, CallResult, validate_payload  # type: ignore[import-untyped]
from ocpp.routing import after as _after  # type: ignore[import-untyped]
from ocpp.routing import on as _on
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from .errors import ChargerOffline, CommandFailed, CommandRefused

if TYPE_CHECKING:
    from .config import ChargerSettings
    from .model import Capabilities
    from .profiles import LimitSpec, ProfileRecipe

# The wire log: every frame at INFO from the library. Quiet unless asked for.
WIRE_LOGGER: Final = logging.getLogger(__name__.rsplit(".", 1)[0] + ".wire")
LOGGER: Final = logging.getLogger(__name__)

# OCPP-J limits a message id to 36 characters; longer ones are not echoed back.
MAX_ID_LENGTH: Final = 36
# The id OCPP-J uses in a CallError when the request's own id cannot be read.
UNKNOWN_ID: Final = "-1"
# CallError codes that mean "not like this": a reason to send the request in another form.
# InternalError, GenericError and SecurityError may pass; they say nothing about the form.
REFUSAL_CODES: Final = frozenset(
    {
        "NotImplemented",
        "NotSupported",
        "ProtocolError",
        "FormatViolation",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "OccurrenceConstraintViolation",
        "TypeConstraintViolation",
    }
)

_F = TypeVar("_F", bound=Callable[..., Any])


def on(action: str) -> Callable[[_F], _F]:
    """`ocpp.routing.on`, typed."""
    return cast(Callable[[_F], _F], _on(action))


def after(action: str) -> Callable[[_F], _F]:
    """`ocpp.routing.after`, typed."""
    return cast(Callable[[_F], _F], _after(action))


class ChargerLink(Protocol):
    """What a session needs from a connection, whatever the OCPP version."""

    version: str  # the OCPP version: "1.6" (later "2.0.1")

    @property
    def remote(self) -> str | None: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...

    async def configure(self, settings: ChargerSettings) -> Capabilities: ...

    async def send_dynamic(self, recipe: ProfileRecipe, spec: LimitSpec) -> str: ...

    async def send_safe(
        self, recipe: ProfileRecipe, connector_id: int, limit_a: float, phases: int, voltage: float
    ) -> str: ...

    async def clear_profile(self, connector_id: int, profile_id: int) -> str: ...

    async def reset(self, hard: bool) -> bool: ...

    async def unlock(self, connector_id: int) -> bool: ...

    async def remote_start(self, connector_id: int, id_tag: str) -> bool: ...

    async def remote_stop(self, transaction_id: int) -> bool: ...


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """What one charger connection may do before it is cut off or answered with an error."""

    max_frame_bytes: int = 64 * 1024
    messages_per_s: float = 20.0
    burst: int = 40
    handler_timeout_s: float = 10.0  # one request's handling, hooks included
    response_timeout_s: float = 15.0  # the charger's answer to our request
    ping_interval_s: float | None = 20.0
    ping_timeout_s: float | None = 20.0
    max_held: int = 8  # unknown chargers held at once (each is an open socket)


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._at = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A frame that is not a usable OCPP-J message."""

    unique_id: str
    code: str
    cause: str
    answer: bool  # False for broken results: a response is never answered


def parse_frame(frame: str | bytes, format_code: str) -> Call | CallResult | CallError | BadFrame:
    """Check the OCPP-J envelope ourselves, so nothing odd reaches the library."""
    if not isinstance(frame, str):
        return BadFrame(UNKNOWN_ID, format_code, "binary frame; OCPP-J uses text", True)
    try:
        msg = json.loads(frame)
    except (ValueError, RecursionError):
        return BadFrame(UNKNOWN_ID, format_code, "not JSON", True)
    if not isinstance(msg, list) or len(msg) < 2:
        return BadFrame(UNKNOWN_ID, "ProtocolError", "not an OCPP-J array", True)
    kind, unique_id = msg[0], msg[1]
    known_id = isinstance(unique_id, str) and 0 < len(unique_id) <= MAX_ID_LENGTH
    reply_id = unique_id if known_id else UNKNOWN_ID
    if kind == 2 and not isinstance(kind, bool):
        if not known_id:
            return BadFrame(reply_id, "ProtocolError", "message id missing or too long", True)
        if len(msg) != 4 or not isinstance(msg[2], str) or not isinstance(msg[3], dict):
            return BadFrame(reply_id, "ProtocolError", "a call is [2, id, action, {payload}]", True)
        return Call(unique_id, msg[2], msg[3])
    if kind == 3 and not isinstance(kind, bool) and known_id and len(msg) == 3:
        return CallResult(unique_id, msg[2])
    if kind == 4 and not isinstance(kind, bool) and known_id and len(msg) in (4, 5):
        details = msg[4] if len(msg) == 5 else {}
        return CallError(unique_id, str(msg[2]), str(msg[3]), details)
    if kind in (3, 4) and not isinstance(kind, bool):
        return BadFrame(reply_id, "ProtocolError", "malformed result", False)
    return BadFrame(reply_id, "ProtocolError", "unknown message type", True)


class GuardedLink(ChargePoint):  # type: ignore[misc]
    """The connection half of a charger session: frames in, calls out."""

    version: ClassVar[str] = ""  # "1.6"; the library calls it _ocpp_version
    _ocpp_version: ClassVar[str] = ""
    # The error code for "not JSON": 1.6 spells it FormationViolation.
    format_violation: ClassVar[str] = "FormatViolation"

    def __init__(self, cp_id: str, ws: ServerConnection, limits: ConnectionLimits) -> None:
        super().__init__(cp_id, ws, response_timeout=limits.response_timeout_s, logger=WIRE_LOGGER)
        self.cp_id = cp_id
        self.ws = ws
        self.limits = limits
        self._bucket = TokenBucket(limits.messages_per_s, limits.burst)
        self._expected: set[str] = set()  # ids of our requests still waiting for an answer

    @property
    def remote(self) -> str | None:
        address = self.ws.remote_address
        return f"{address[0]}:{address[1]}" if isinstance(address, tuple) else None

    async def run(self) -> None:
        """Receive until the connection closes or the charger breaks a limit."""
        try:
            while True:
                frame = await self.ws.recv()
                if not self._bucket.take():
                    LOGGER.warning(
                        "Charger %s sent more than %s messages/s; closing its connection",
                        self.cp_id,
                        self.limits.messages_per_s,
                    )
                    await self._close_unread(CloseCode.POLICY_VIOLATION, "message rate exceeded")
                    return
                await self._dispatch(frame)
        except ConnectionClosed as closed:
            if closed.sent is not None and closed.sent.code == CloseCode.MESSAGE_TOO_BIG:
                LOGGER.warning(
                    "Charger %s sent a message over %s bytes; closed its connection",
                    self.cp_id,
                    self.limits.max_frame_bytes,
                )

    async def close(self, code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        await self.ws.close(code, reason)

    async def _close_unread(self, code: int, reason: str) -> None:
        """Close from the receive loop itself: what the charger sent before it saw our close
        frame has to be read (and dropped), or its close frame is never reached and the
        handshake waits for the close timeout."""
        closing = asyncio.ensure_future(self.ws.close(code, reason))
        try:
            while not closing.done():
                await self.ws.recv()
        except ConnectionClosed:
            pass
        await closing

    async def _dispatch(self, frame: str | bytes) -> None:
        msg = parse_frame(frame, self.format_violation)
        if isinstance(msg, BadFrame):
            LOGGER.debug("Charger %s: bad frame (%s)", self.cp_id, msg.cause)
            if msg.answer:
                error = CallError(msg.unique_id, msg.code, msg.cause, {})
                await self._send(error.to_json())
        elif isinstance(msg, Call):
            await self._answer(msg)
        elif msg.unique_id in self._expected:
            self._expected.discard(msg.unique_id)
            self._response_queue.put_nowait(msg)
        else:
            # A late answer to a request that timed out, or one we never sent.
            LOGGER.debug("Charger %s: answer to no request of ours: %s", self.cp_id, msg.unique_id)

    async def _answer(self, call: Call) -> None:
        try:
            async with asyncio.timeout(self.limits.handler_timeout_s):
                await self._handle_call(call)
            return
        except OCPPError as err:
            error = call.create_call_error(err)
        except TimeoutError:
            LOGGER.warning(
                "Charger %s: handling %s took over %s s; answered with an error",
                self.cp_id,
                call.action,
                self.limits.handler_timeout_s,
            )
            error = CallError(call.unique_id, "InternalError", "Handler timed out", {})
        except ConnectionClosed:
            raise
        except Exception:
            LOGGER.exception("Charger %s: error handling %s", self.cp_id, call.action)
            error = CallError(call.unique_id, "InternalError", "An unexpected error occurred", {})
        await self._send(error.to_json())

    async def request(self, payload: Any) -> Any:
        """Send one request to the charger and return its result dataclass.

        Raises CommandRefused for a CallError that refuses the form of the request,
        CommandFailed for anything that may pass (timeout, other CallErrors, a reply we
        cannot read), ChargerOffline when the connection is gone.
        """
        action = type(payload).__name__
        unique_id = str(uuid.uuid4())
        body = remove_nones(snake_to_camel_case(serialize_as_dict(payload)))
        try:
            # Validated here, so the library's own check cannot be mistaken for a refusal.
            await validate_payload(Call(unique_id, action, body), self._ocpp_version)
        except OCPPError as err:
            raise CommandFailed(f"{action} not sent, invalid request: {err}") from err
        self._expected.add(unique_id)
        try:
            # The charger's reply is read leniently (no schema check): many firmwares add
            # fields or bend enums, and we only look at what we need.
            return await self.call(
                payload, suppress=False, unique_id=unique_id, skip_schema_validation=True
            )
        except OCPPError as err:
            if err.code in REFUSAL_CODES:
                raise CommandRefused(action, err.code, err.description) from err
            raise CommandFailed(f"{action}: {err.code} {err.description}") from err
        except TimeoutError as err:
            raise CommandFailed(f"{action}: no answer within {self._response_timeout} s") from err
        except ConnectionClosed as err:
            raise ChargerOffline(self.cp_id) from err
        except (TypeError, ValueError, UnknownCallErrorCodeError) as err:
            # An unknown CallError code, or a result with other fields than the schema's.
            raise CommandFailed(f"{action}: unreadable answer ({err})") from err
        finally:
            self._expected.discard(unique_id)
