"""Fixtures for the OCPP central system tests: a server on its own free port, simulators."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import ocpp.messages
import pytest

from custom_components.ampwise.ocpp import (
    CentralSystem,
    ChargerSession,
    ChargerSettings,
    CredentialCheck,
)

from .sim_charger import SimCharger, SimOptions, wait_for

StartCentral = Callable[..., Awaitable[CentralSystem]]
StartSim = Callable[..., Awaitable[SimCharger]]


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Real sockets on 127.0.0.1 (Home Assistant's test plugin blocks them by default)."""


@pytest.fixture(autouse=True)
def _sync_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Schema checks in the loop, not in executor threads (the research's advice for tests)."""
    monkeypatch.setattr(ocpp.messages, "ASYNC_VALIDATION", False)


def url(central: CentralSystem) -> str:
    return f"ws://127.0.0.1:{central.port}/ocpp"


@pytest.fixture
async def start_central() -> AsyncIterator[StartCentral]:
    """Start a central system on 127.0.0.1 and a free port of its own; stopped afterwards."""
    started: list[CentralSystem] = []

    async def start(
        credentials: Callable[[str], CredentialCheck] | None = None, **kwargs: Any
    ) -> CentralSystem:
        central = CentralSystem(
            "127.0.0.1", 0, credentials=credentials or (lambda _: CredentialCheck.known()), **kwargs
        )
        await central.start()
        started.append(central)
        return central

    yield start
    for central in started:
        await central.stop()


@pytest.fixture
async def start_sim() -> AsyncIterator[StartSim]:
    """Connect a simulated charger to a central system; closed afterwards."""
    sims: list[SimCharger] = []

    async def start(
        central: CentralSystem, options: SimOptions | None = None, **kw: Any
    ) -> SimCharger:
        sim = SimCharger(options)
        sims.append(sim)
        await sim.connect(url(central), **kw)
        return sim

    yield start
    for sim in sims:
        await sim.close()


Charger = tuple[CentralSystem, ChargerSession, SimCharger]
StartCharger = Callable[..., Awaitable[Charger]]


@pytest.fixture
async def charger(start_central: StartCentral, start_sim: StartSim) -> StartCharger:
    """A central system with one simulated charger, connected and configured."""

    async def start(
        options: SimOptions | None = None, settings: ChargerSettings | None = None, **central: Any
    ) -> Charger:
        system = await start_central(**central)
        options = options or SimOptions()
        session = system.session(options.cp_id, settings or ChargerSettings())
        sim = await start_sim(system, options)
        await wait_for(lambda: session.ready, what="configured")
        return system, session, sim

    return start
