"""From an overload reading to the reducing command, inside a real Home Assistant core.

A hub with one variable load (an `input_number` in A) runs at full speed; the grid sensor then
reports an overload. We time from `hass.states.async_set` to the moment the load's
`input_number.set_value` call is made, 1000 times, restoring full speed between rounds with an
optimisation tick that is not timed.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from dataclasses import dataclass

from homeassistant import loader
from homeassistant.const import EVENT_CALL_SERVICE
from homeassistant.core import Event, HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

import custom_components.ampwise  # noqa: F401  (the package the test harness must find)
from custom_components.ampwise.const import (
    CONF_GRID_SENSORS,
    CONF_LINES,
    CONF_MAIN_BREAKER,
    CONF_MAX_VALUE,
    CONF_METERING,
    CONF_MIN_VALUE,
    CONF_MODE,
    CONF_NUMBER_ENTITY,
    CONF_NUMBER_UNIT,
    CONF_PHASES,
    CONF_VOLTAGE,
    DOMAIN,
    METERING_PER_PHASE,
    SUBENTRY_NUMBER,
    UNIT_AMPS,
)

GRID = "sensor.grid_a"
LOAD = "input_number.heater_current"
AMPS = {"unit_of_measurement": "A"}
WARMUP = 10


@dataclass(frozen=True, slots=True)
class Latency:
    rounds: int
    median_ms: float
    p99_ms: float
    worst_ms: float


async def _measure(rounds: int) -> Latency:
    async with async_test_home_assistant() as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        await _setup(hass)
        coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinator
        called: list[float] = []

        def on_call(event: Event) -> None:
            if event.data.get("domain") == "input_number":
                called.append(time.perf_counter())

        hass.bus.async_listen(EVENT_CALL_SERVICE, on_call)
        samples: list[float] = []
        for n in range(rounds + WARMUP):
            # Full speed again: 2 A of household (an untimed optimisation tick and meter read).
            for _ in range(3):
                hass.states.async_set(GRID, str(2.0 + _load_a(hass) + n * 1e-6), AMPS)
                coordinator.tick(force_optimise=True)
                await hass.async_block_till_done()
            running = _load_a(hass)
            called.clear()
            # The kettle: 12 A more on a 25 A breaker, with the load still at its last setting.
            started = time.perf_counter()
            hass.states.async_set(GRID, str(14.0 + running + n * 1e-6), AMPS)
            await hass.async_block_till_done()
            if not called:
                raise RuntimeError(f"round {n}: no reducing command from {running} A")
            if n >= WARMUP:  # the first rounds pay for lazy imports and caches
                samples.append((called[0] - started) * 1000)
        await hass.async_stop(force=True)
    samples.sort()
    return Latency(
        rounds,
        statistics.median(samples),
        samples[int(0.99 * (len(samples) - 1))],
        samples[-1],
    )


def _load_a(hass: HomeAssistant) -> float:
    state = hass.states.get(LOAD)
    return float(state.state) if state else 0.0


async def _setup(hass: HomeAssistant) -> None:
    assert await async_setup_component(
        hass,
        "input_number",
        {
            "input_number": {
                "heater_current": {"min": 0, "max": 16, "step": 0.1, "unit_of_measurement": "A"}
            }
        },
    )
    hass.states.async_set(GRID, "2.0", AMPS)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Bench",
        data={
            CONF_PHASES: 1,
            CONF_VOLTAGE: 230,
            CONF_MAIN_BREAKER: 25,
            CONF_METERING: METERING_PER_PHASE,
            CONF_GRID_SENSORS: [GRID],
        },
        options={},
        subentries_data=[
            {
                "data": {
                    CONF_NUMBER_ENTITY: LOAD,
                    CONF_NUMBER_UNIT: UNIT_AMPS,
                    CONF_MIN_VALUE: 1,
                    CONF_MAX_VALUE: 16,
                    CONF_LINES: ["A"],
                    CONF_MODE: "standard",
                },
                "subentry_type": SUBENTRY_NUMBER,
                "title": "Heater",
                "unique_id": LOAD,
            }
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def measure(rounds: int = 1000) -> Latency:
    # Home Assistant's notice that a custom integration is untested is not news here.
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)
    return asyncio.run(_measure(rounds))
