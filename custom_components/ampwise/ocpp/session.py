"""One charge point: its state across reconnects, the commands for it, and its listeners.

A session outlives its connections: a reconnect of the same charge point id replaces the
websocket and keeps the state, the remembered recipe and the limits to re-apply. Requests
to the charger are only ever made from tasks (never from inside a message handler, where
the library would wait for an answer it cannot read until the handler returns).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from datetime import datetime
from typing import Any, Final

from ..const import VALIDITY_ABSOLUTE, VALIDITY_RELATIVE
from .config import ChargerEvent, ChargerSettings, EventKind
from .confirm import Confirmation, ConfirmState, SentLimit
from .control import ProfileControl
from .errors import ChargerOffline, CommandFailed, CommandRefused
from .link import ChargerLink
from .model import (
    MAX_CONNECTORS,
    BootInfo,
    Capabilities,
    ClockEstimate,
    ConnectorState,
    apply_meter_values,
)
from .profiles import ProfileRecipe

LOGGER: Final = logging.getLogger(__name__)

# A charger that connects without a BootNotification (many do after a network blip) is
# configured after this long anyway.
BOOT_WAIT_S: Final = 5.0
# Retries of the post-connect configuration while the charger does not answer.
RETRY_FIRST_S: Final = 30.0
RETRY_MAX_S: Final = 300.0
# Changes of the clock estimate below this are network jitter, not news.
CLOCK_JITTER_S: Final = 5.0

Listener = Callable[[ChargerEvent], None]
Authorizer = Callable[[str, str], Awaitable[bool]]


class ChargerSession:
    """Everything known about one charge point, and the commands to drive it."""

    def __init__(
        self,
        cp_id: str,
        settings: ChargerSettings | None = None,
        *,
        held: bool = False,
        authorize: Authorizer | None = None,
        time_source: Callable[[], float] = time.time,
    ) -> None:
        self.cp_id = cp_id
        self.settings = settings or ChargerSettings()
        self.held = held  # unknown charger kept waiting (BootNotification Pending)
        self.protocol: str | None = None  # OCPP version of the last connection: "1.6"
        self.boot: BootInfo | None = None
        self.capabilities = Capabilities()
        self.connectors: dict[int, ConnectorState] = {}
        self.clock = ClockEstimate()
        self.ready = False  # configured since the last connect
        self.connects = 0
        self.last_seen: float | None = None
        self.problem: str | None = None  # why the charger cannot be configured, if it can't
        self._authorize = authorize
        self._now = time_source
        self._link: ChargerLink | None = None
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._post_connect: asyncio.Task[None] | None = None
        self._offset_used = 0.0
        self._last_tx_id = 0
        self.control = ProfileControl(self)

    # --- what the Home Assistant side reads ---------------------------------------------
    @property
    def connected(self) -> bool:
        return self._link is not None

    @property
    def remote(self) -> str | None:
        return self._link.remote if self._link is not None else None

    @property
    def recipe(self) -> ProfileRecipe:
        """The recipe in use; persist `recipe.to_dict()` on a RECIPE event."""
        return self.control.recipe

    def connector(self, connector_id: int) -> ConnectorState:
        return self.connectors.get(connector_id) or ConnectorState(connector_id)

    def sent_limit(self, connector_id: int) -> SentLimit | None:
        return self.control.sent(connector_id)

    def confirmation(self, connector_id: int, now: float | None = None) -> Confirmation:
        return self.control.confirmation(connector_id, self._now() if now is None else now)

    def mismatch(self, connector_id: int, now: float | None = None) -> str | None:
        """A sentence when the charger offers other than the limit it accepted, else None."""
        result = self.confirmation(connector_id, now)
        return result.sentence if result.state is ConfirmState.MISMATCH else None

    def update_settings(self, settings: ChargerSettings) -> None:
        """New settings from the charger's subentry; a remembered recipe in them is taken
        unless this session already found one."""
        self.settings = settings
        if settings.recipe is not None and not self.control.recipe_found:
            self.control.adopt(settings.recipe)

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` on every change; returns the function that unsubscribes it.
        Listeners run in the event loop and must not block."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- commands -----------------------------------------------------------------------
    async def set_limit(
        self,
        connector_id: int,
        amps: float,
        phases: int,
        *,
        min_a: float,
        timeout_s: float,
        validity: str = VALIDITY_ABSOLUTE,
    ) -> bool:
        """Send the dynamic limit (0 or ≥ min_a, one decimal down), valid for `timeout_s`.

        True when the charger accepted it now; False when it is kept for the next
        (re)connect because the charger is offline or not configured yet.
        VALIDITY_RELATIVE forces a Relative schedule (for chargers whose clock cannot be
        trusted); otherwise the recipe decides. Raises ProfileRejected, CommandFailed, or
        ChargerOffline when the connection drops meanwhile.
        """
        return await self.control.set_limit(
            connector_id,
            amps,
            phases,
            min_a=min_a,
            timeout_s=timeout_s,
            relative=validity == VALIDITY_RELATIVE,
        )

    async def install_safe_profile(
        self, amps: float, phases: int, *, connector_id: int = 1, min_a: float = 0.0
    ) -> bool:
        """The permanent fallback for when Ampwise stops talking (re-installed on connect)."""
        return await self.control.install_safe(connector_id, amps, phases, min_a=min_a)

    async def clear_profiles(self) -> None:
        await self.control.clear(self._require_link())

    def forget_recipe(self) -> None:
        """Start from the preferred recipe again (after a firmware update, say)."""
        self.control.forget_recipe()

    async def reset(self, hard: bool = False) -> bool:
        return await self._require_link().reset(hard)

    async def unlock(self, connector_id: int = 1) -> bool:
        return await self._require_link().unlock(connector_id)

    async def remote_start(self, connector_id: int = 1, id_tag: str = "Ampwise") -> bool:
        return await self._require_link().remote_start(connector_id, id_tag)

    async def remote_stop(self, connector_id: int = 1) -> bool:
        transaction_id = self.transaction_id(connector_id)
        if transaction_id is None:
            return False
        return await self._require_link().remote_stop(transaction_id)

    def _require_link(self) -> ChargerLink:
        if self._link is None:
            raise ChargerOffline(self.cp_id)
        return self._link

    # --- used by the profile control ----------------------------------------------------
    @property
    def ready_link(self) -> ChargerLink | None:
        return self._link if self.ready else None

    def now(self) -> float:
        return self._now()

    def clock_offset_s(self) -> float:
        return self.clock.usable_offset_s()

    def transaction_id(self, connector_id: int) -> int | None:
        state = self.connectors.get(connector_id)
        return state.transaction_id if state is not None else None

    def emit(self, kind: EventKind, connector_id: int | None = None) -> None:
        event = ChargerEvent(self.cp_id, kind, connector_id)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                LOGGER.exception("Charger %s: listener failed on %s", self.cp_id, kind)

    # --- connection lifecycle (the server) ----------------------------------------------
    async def attach(self, link: ChargerLink) -> None:
        """A new connection for this charge point; an older one is closed."""
        old, self._link = self._link, link
        self._cancel_tasks()
        self.ready = False
        self.protocol = link.version
        self.connects += 1
        self.last_seen = self._now()
        if old is not None:
            await old.close(1000, "replaced by a new connection")
        self.emit(EventKind.CONNECTED)
        if not self.held:
            self.spawn(self._configure_without_boot())

    def detach(self, link: ChargerLink) -> None:
        if self._link is not link:
            return  # already replaced by a newer connection
        self._link = None
        self.ready = False
        self._cancel_tasks()
        self.emit(EventKind.DISCONNECTED)

    async def close(self, reason: str = "central system stopping") -> None:
        """Close the connection (the charger will reconnect when it can)."""
        link = self._link
        if link is not None:
            self.detach(link)
            await link.close(1001, reason)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a request sequence as a task tied to the current connection."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (err := task.exception()) is not None:
            if isinstance(err, ChargerOffline):
                return
            LOGGER.error("Charger %s: task failed", self.cp_id, exc_info=err)

    def _cancel_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self._post_connect = None

    # --- post-connect -------------------------------------------------------------------
    async def _configure_without_boot(self) -> None:
        await asyncio.sleep(BOOT_WAIT_S)
        if self._post_connect is None:
            self.start_post_connect()

    def start_post_connect(self) -> None:
        if self._post_connect is not None:
            self._post_connect.cancel()
        self.ready = False
        task = asyncio.get_running_loop().create_task(self._run_post_connect())
        self._post_connect = task
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    async def _run_post_connect(self) -> None:
        """Read and set the configuration, then re-apply the safe and dynamic profiles."""
        delay = RETRY_FIRST_S
        while (link := self._link) is not None:
            try:
                self.capabilities = await link.configure(self.settings)
            except (CommandFailed, CommandRefused) as err:
                self._set_problem(f"configuration not read: {err}")
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            self._set_problem(None)
            self.ready = True
            self.emit(EventKind.READY)
            await self.control.reapply(link)
            return

    def _set_problem(self, problem: str | None) -> None:
        if problem != self.problem:
            self.problem = problem
            if problem is not None:
                LOGGER.warning("Charger %s: %s", self.cp_id, problem)
            self.emit(EventKind.PROBLEM)

    # --- what the charger says (the version adapters call these) ------------------------
    def seen(self) -> None:
        self.last_seen = self._now()

    def _connector(self, connector_id: int) -> ConnectorState | None:
        """The connector's state; None for ids a charger cannot have (never stored)."""
        if not 0 <= connector_id <= MAX_CONNECTORS:
            return None
        return self.connectors.setdefault(connector_id, ConnectorState(connector_id))

    def on_boot(self, info: BootInfo) -> bool:
        """True: accepted; False: held (Pending)."""
        self.seen()
        self.boot = info
        self.emit(EventKind.BOOT)
        return not self.held

    def after_boot(self) -> None:
        if not self.held:
            self.start_post_connect()

    def on_status(
        self, connector_id: int, status: str, error_code: str, info: str | None, at: datetime | None
    ) -> None:
        self.seen()
        state = self._connector(connector_id)
        if state is None:
            return
        state.status, state.error_code, state.info, state.status_at = status, error_code, info, at
        if at is not None:
            self._clock_sample(at)
        self.emit(EventKind.STATUS, connector_id)

    async def authorize(self, id_tag: str) -> bool:
        if self.held:
            return False
        return True if self._authorize is None else await self._authorize(self.cp_id, id_tag)

    def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start_wh: float, at: datetime | None
    ) -> int | None:
        """The new transaction id; None for a connector the charger cannot have."""
        self.seen()
        state = self._connector(connector_id)
        if state is None or connector_id == 0:
            return None
        # Unique per charger and increasing, also across restarts of Home Assistant.
        self._last_tx_id = max(self._last_tx_id + 1, int(self._now()))
        state.transaction_id, state.id_tag = self._last_tx_id, id_tag
        state.transaction_started, state.meter_start_wh = at, meter_start_wh
        self.emit(EventKind.TRANSACTION, connector_id)
        return self._last_tx_id

    def after_start_transaction(self, connector_id: int) -> None:
        # A TxProfile needs the new transaction id; some chargers apply a TxDefaultProfile
        # only when a session starts.
        if (link := self.ready_link) is not None:
            self.spawn(self.control.resend(link, connector_id))

    def on_stop_transaction(self, transaction_id: int, meter_value: Iterable[object]) -> None:
        self.seen()
        for state in self.connectors.values():
            if state.transaction_id == transaction_id:
                apply_meter_values(state, meter_value, self._now())
                state.transaction_id = None
                self.emit(EventKind.TRANSACTION, state.connector_id)
                return
        LOGGER.debug("Charger %s: stop of unknown transaction %s", self.cp_id, transaction_id)

    def on_meter_values(
        self, connector_id: int, meter_value: Iterable[object], transaction_id: int | None
    ) -> None:
        self.seen()
        state = self._connector(connector_id)
        if state is None:
            return
        if transaction_id is not None and state.transaction_id is None and connector_id > 0:
            # We lost it (restart) but the charger still runs it.
            state.transaction_id = transaction_id
        for at in apply_meter_values(state, meter_value, self._now()):
            self._clock_sample(at)
        self.emit(EventKind.METER, connector_id)

    def _clock_sample(self, at: datetime) -> None:
        self.clock.add(at, self._now())
        offset = self.clock.usable_offset_s()
        if abs(offset - self._offset_used) <= CLOCK_JITTER_S:
            return
        self._offset_used = offset
        self.emit(EventKind.CLOCK)
        if self.control.clock_moved(offset) and (link := self.ready_link) is not None:
            LOGGER.info("Charger %s: clock %.0f s off ours; profiles follow it", self.cp_id, offset)
            self.spawn(self.control.resend(link))
