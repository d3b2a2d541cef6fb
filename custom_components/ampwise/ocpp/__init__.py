"""Ampwise's built-in OCPP central system: chargers connect straight to Home Assistant.

No Home Assistant import here (like `engine/`): the server, the sessions and the profile
logic run and are tested on their own. This slice speaks OCPP 1.6J; 2.0.1 adds a link class
to `server.LINKS` and profile builders next to the 1.6 ones.

Public API, as the Home Assistant side uses it:

- `CentralSystem(host="0.0.0.0", port=9000, *, credentials, ssl_context=None,
  on_new_charger=None, authorize=None, limits=ConnectionLimits())`
  - `await start()` raises `PortInUse(host, port)` (or `CannotBind`) with a clear message;
    `await stop()` closes every connection; `port` is the bound port (useful with port 0).
  - `credentials(cp_id) -> CredentialCheck`: `.known(password | None)`, `.hold()` (unknown,
    and the hub accepts new chargers) or `.refuse()`. A wrong or missing password gets
    HTTP 401, a refused id 404. The Basic-auth user must be the charge point id.
  - `on_new_charger(NewCharger(cp_id, protocol, remote, boot))`: once per unknown charger
    that is held (at its BootNotification, or 5 s after it connected). Held chargers stay
    connected with BootNotification Pending and are never configured or controlled. Once
    the user added it, `await release(cp_id)`: it reconnects and is admitted as known.
  - `session(cp_id, settings=None) -> ChargerSession`, created if needed: create it when the
    charger's subentry is set up, so listeners and limits exist before it connects.
    `sessions`, `held`, `await forget(cp_id)`.
  - `authorize(cp_id, id_tag) -> Awaitable[bool]` for Authorize and StartTransaction
    (default: every tag accepted); it runs under the handler timeout.
  - `ConnectionLimits`: frame size (64 KiB), message rate (20/s, burst 40; beyond it the
    connection is closed with 1008), handler and response timeouts, pings, held chargers.
  - `tls_context(certfile, keyfile)` builds the optional TLS context (reads files: run it in
    an executor); a bad file raises `CertificateError`.
- `ChargerSession`, one per charge point id, kept across reconnects:
  - state: `connected`, `ready` (configured since it connected), `protocol` ("1.6"),
    `boot` (`BootInfo`), `capabilities` (`Capabilities`: rate units, max stack level,
    connectors, measurands, meter interval), `connectors[id]` (`ConnectorState`: status,
    error code, transaction, per-phase Current.Import, Current.Offered, Power.Active.Import
    in W, Energy.Active.Import.Register in Wh, SoC; each a `Reading` with the charger's
    timestamp and our receive time), `clock.offset_s`, `problem`, `recipe`, `last_seen`.
  - `add_listener(callback) -> unsubscribe`: `callback(ChargerEvent(cp_id, kind,
    connector_id))` for every `EventKind` (connected, boot, ready, status, meter,
    transaction, limit, safe, recipe, clock, problem, disconnected). Runs in the loop.
  - `await set_limit(connector_id, amps, phases, *, min_a, timeout_s, validity)` returns
    True when accepted now, False when kept to be sent once the charger is connected and
    configured; raises `ProfileRejected`, `CommandFailed` (or `ChargerOffline` if the
    connection drops meanwhile). The dynamic profile expires
    after `timeout_s` by design: call it again well before (the lbbrhzn backend re-sends
    after a third of it). `await install_safe_profile(amps, phases, connector_id=1,
    min_a=0)`, `await clear_profiles()`, `await reset(hard)`, `await unlock(connector_id)`,
    `await remote_start(connector_id, id_tag)`, `await remote_stop(connector_id)`; they raise
    `ChargerOffline` when it is not connected.
  - `confirmation(connector_id) -> Confirmation(state, offered_a, sentence)`;
    `mismatch(connector_id)` is a sentence when the charger offers more than 1 A off the
    accepted limit two meter intervals after it changed. A charger that never reports
    Current.Offered (or Power.Offered) is "not confirmed", never a mismatch.
  - `update_settings(settings)`, `forget_recipe()`.
- `ChargerSettings`: meter interval, measurands, stack level, forced rate unit, voltage,
  heartbeat interval, and the remembered `recipe`. Persist `session.recipe.to_dict()` on a
  RECIPE event and give it back as `ProfileRecipe.from_dict(stored)`.

How a limit is written, and the fallback ladder when a charger refuses it: `profiles.py`.
"""

from .config import DEFAULT_MEASURANDS, ChargerEvent, ChargerSettings, EventKind
from .confirm import Confirmation, ConfirmState, SentLimit
from .errors import (
    CannotBind,
    CertificateError,
    ChargerOffline,
    CommandFailed,
    CommandRefused,
    OcppServerError,
    PortInUse,
    ProfileRejected,
)
from .link import ConnectionLimits
from .model import BootInfo, Capabilities, ConnectorState, PhaseReading, RateUnit, Reading
from .profiles import Kind, ProfileRecipe, Purpose
from .server import CentralSystem, CredentialCheck, NewCharger, Verdict, tls_context
from .session import ChargerSession

__all__ = [
    "DEFAULT_MEASURANDS",
    "BootInfo",
    "CannotBind",
    "Capabilities",
    "CentralSystem",
    "CertificateError",
    "ChargerEvent",
    "ChargerOffline",
    "ChargerSession",
    "ChargerSettings",
    "CommandFailed",
    "CommandRefused",
    "ConfirmState",
    "Confirmation",
    "ConnectionLimits",
    "ConnectorState",
    "CredentialCheck",
    "EventKind",
    "Kind",
    "NewCharger",
    "OcppServerError",
    "PhaseReading",
    "PortInUse",
    "ProfileRecipe",
    "ProfileRejected",
    "Purpose",
    "RateUnit",
    "Reading",
    "SentLimit",
    "Verdict",
    "tls_context",
]
