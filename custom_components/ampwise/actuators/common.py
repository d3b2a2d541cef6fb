"""What the actuators share: one command at a time, service calls that report instead of
raise, and the clock the status checks use."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from ..const import CONF_VOLTAGE, DEFAULT_VOLTAGE
from ..units import to_float

# A command the device did not follow is sent again after this long (relays, numbers).
RETRY_S = 300.0
# How long a switch or number may take to show what it was told before we say it did not.
FOLLOW_GRACE_S = 30.0


def utc_now() -> float:
    """Home Assistant's clock as a POSIX timestamp (what the hub passes as `now`)."""
    return dt_util.utcnow().timestamp()


def voltage_of(config: Mapping[str, object]) -> float:
    """The site voltage when the hub passes it with the load's config, else the nominal 230 V."""
    volts = to_float(config.get(CONF_VOLTAGE))
    return volts if volts is not None and volts > 0 else DEFAULT_VOLTAGE


async def call_service(
    hass: HomeAssistant, domain: str, service: str, data: dict[str, object]
) -> str | None:
    """Call a service and wait for it; the error as text instead of an exception.

    Blocking, because a command that failed must show in the status and be retried; the
    hub runs `async_apply` as its own task, so waiting here holds up nothing else.
    """
    try:
        await hass.services.async_call(domain, service, data, blocking=True)
    except (HomeAssistantError, vol.Invalid) as err:
        return f"{domain}.{service} failed: {err}"
    return None


class Serialised:
    """One command at a time, in the order asked; a command overtaken while it waited for
    the previous one is dropped, so a slow device never receives an out-of-date limit last."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._asked = 0

    async def run(self, command: Callable[[], Awaitable[None]]) -> None:
        self._asked += 1
        ticket = self._asked
        async with self._lock:
            if ticket == self._asked:
                await command()
