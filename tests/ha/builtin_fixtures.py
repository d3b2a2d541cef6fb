"""A hub with its built-in OCPP server on 127.0.0.1 and a free port, and simulated chargers
that connect to it (tests/ocpp/sim_charger.py, over real sockets)."""

from __future__ import annotations

import socket
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ampwise.central import server_of
from custom_components.ampwise.const import (
    BACKEND_BUILTIN,
    CONF_BACKEND,
    CONF_CHARGE_POINT_ID,
    CONF_CIRCUITS,
    CONF_CONNECTOR,
    CONF_FAILSAFE_CURRENT,
    CONF_GRID_SENSORS,
    CONF_GRID_SIGN,
    CONF_INTERVAL,
    CONF_LINES,
    CONF_MAIN_BREAKER,
    CONF_MAX_CURRENT,
    CONF_METERING,
    CONF_MIN_CURRENT,
    CONF_MODE,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_PHASES,
    CONF_PRIORITY,
    CONF_PROFILE_TIMEOUT,
    CONF_PROFILE_VALIDITY,
    CONF_RATE_UNIT,
    CONF_SERVER_ACCEPT_NEW,
    CONF_SERVER_ENABLED,
    CONF_SERVER_HOST,
    CONF_SERVER_PORT,
    CONF_STACK_LEVEL,
    CONF_VOLTAGE,
    DOMAIN,
    METERING_PER_PHASE,
    SIGN_IMPORT_POSITIVE,
    SUBENTRY_EVSE,
    UNIT_AUTO,
    VALIDITY_ABSOLUTE,
)
from custom_components.ampwise.ocpp import CentralSystem
from tests.ocpp.sim_charger import SimCharger, SimOptions, wait_for

__all__ = ["SimCharger", "SimOptions", "wait_for"]

GRID = ("sensor.grid_l1", "sensor.grid_l2", "sensor.grid_l3")
AMPS = {"unit_of_measurement": "A"}
PASSWORD = "s3cret-Pa55"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def set_grid(hass: HomeAssistant, *amps: float) -> None:
    for entity_id, value in zip(GRID, amps, strict=True):
        hass.states.async_set(entity_id, str(value), AMPS)


def server_options(port: int = 0, **changes: Any) -> dict[str, Any]:
    return {
        CONF_INTERVAL: 10,
        CONF_SERVER_ENABLED: True,
        CONF_SERVER_HOST: "127.0.0.1",
        CONF_SERVER_PORT: port,
        CONF_SERVER_ACCEPT_NEW: False,
        **changes,
    }


def charger_data(cp_id: str = "EVB-1", connector: int = 1, **changes: Any) -> dict[str, Any]:
    return {
        CONF_NAME: f"{cp_id} {connector}",
        CONF_BACKEND: BACKEND_BUILTIN,
        CONF_CHARGE_POINT_ID: cp_id,
        CONF_PASSWORD: PASSWORD,
        CONF_CONNECTOR: connector,
        CONF_MIN_CURRENT: 6,
        CONF_MAX_CURRENT: 16,
        CONF_LINES: ["A", "B", "C"],
        CONF_MODE: "standard",
        CONF_PRIORITY: 1,
        CONF_FAILSAFE_CURRENT: 6,
        CONF_PROFILE_VALIDITY: VALIDITY_ABSOLUTE,
        CONF_PROFILE_TIMEOUT: 120,
        CONF_STACK_LEVEL: 2,
        CONF_RATE_UNIT: UNIT_AUTO,
        **changes,
    }


def charger_subentry(cp_id: str = "EVB-1", connector: int = 1, **changes: Any) -> Any:
    data = charger_data(cp_id, connector, **changes)
    return ConfigSubentryData(
        data=data,
        subentry_type=SUBENTRY_EVSE,
        title=data[CONF_NAME],
        unique_id=f"builtin_{cp_id}_{connector}",
    )


def hub_entry(
    hass: HomeAssistant,
    *,
    options: dict[str, Any] | None = None,
    subentries: list[Any] | None = None,
    circuits: list[dict[str, Any]] | None = None,
    breaker: float = 25,
) -> MockConfigEntry:
    """A 3-phase hub metered per phase, with the server on (port 0: any free port)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={
            CONF_PHASES: 3,
            CONF_VOLTAGE: 230,
            CONF_MAIN_BREAKER: breaker,
            CONF_METERING: METERING_PER_PHASE,
            CONF_GRID_SENSORS: list(GRID),
            CONF_GRID_SIGN: SIGN_IMPORT_POSITIVE,
            CONF_CIRCUITS: circuits or [],
        },
        options=server_options() if options is None else options,
        subentries_data=subentries or [],
    )
    entry.add_to_hass(hass)
    return entry


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> CentralSystem:
    """Set the hub up with a grid of 0 A and return its running server."""
    set_grid(hass, 0, 0, 0)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    central = server_of(hass, entry.entry_id)
    assert central is not None
    return central


def url(central: CentralSystem) -> str:
    return f"ws://127.0.0.1:{central.port}/ocpp"


def load_id(entry: MockConfigEntry, cp_id: str = "EVB-1", connector: int = 1) -> str:
    return next(
        sub.subentry_id
        for sub in entry.subentries.values()
        if sub.unique_id == f"builtin_{cp_id}_{connector}"
    )
