"""Sensor states into the engine's snapshot, and circuits measured by their own meters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ampwise.const import (
    CIRCUIT_ID,
    CIRCUIT_LIMIT_A,
    CIRCUIT_NAME,
    CIRCUIT_SENSORS,
    CONF_CIRCUIT,
    CONF_CIRCUITS,
    CONF_GRID_SENSORS,
    CONF_LINES,
    CONF_MAIN_BREAKER,
    CONF_METERING,
    CONF_MODE,
    CONF_PHASES,
    CONF_POWER,
    CONF_STALE_AFTER,
    CONF_SWITCH_ENTITY,
    DOMAIN,
    METERING_PER_PHASE,
    SUBENTRY_SWITCH,
)
from custom_components.ampwise.hub import Meters
from custom_components.ampwise.readings import read_snapshot

KW = {"unit_of_measurement": "kW"}
AMPS = {"unit_of_measurement": "A"}


def meters(**kw: object) -> Meters:
    base: dict[str, object] = {
        "grid": (),
        "grid_total": None,
        "export_positive": False,
        "inverted_phases": frozenset(),
        "solar": None,
        "battery_power": None,
        "battery_discharge_positive": False,
        "battery_soc": None,
        "circuits": {},
    }
    return Meters(**{**base, **kw})  # type: ignore[arg-type]


async def test_total_power_sensor_export_positive_in_kilowatts(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.net", "1.5", KW)  # exporting 1.5 kW, in the meter's sign
    hass.states.async_set("sensor.battery", "2000", {"unit_of_measurement": "W"})  # discharging
    hass.states.async_set("sensor.soc", "64", {"unit_of_measurement": "%"})
    snapshot, bad = read_snapshot(
        hass,
        meters(
            grid_total="sensor.net",
            export_positive=True,
            battery_power="sensor.battery",
            battery_discharge_positive=True,
            battery_soc="sensor.soc",
        ),
        230.0,
        {},
        dt_util.utcnow().timestamp(),
    )
    assert bad == []
    assert snapshot.grid_w == -1500.0
    assert snapshot.battery_w == -2000.0  # the engine counts charging as positive
    assert snapshot.battery_soc_pct == 64.0


async def test_inverted_phase_and_power_per_phase(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.l1", "460", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.l2", "3000", {"unit_of_measurement": "mA"})
    snapshot, _ = read_snapshot(
        hass,
        meters(grid=("sensor.l1", "sensor.l2"), inverted_phases=frozenset({1})),
        230.0,
        {},
        dt_util.utcnow().timestamp(),
    )
    assert snapshot.grid_a == (2.0, -3.0)


@pytest.mark.parametrize(
    ("state", "attributes"),
    [("unavailable", AMPS), ("unknown", AMPS), ("nan", AMPS), ("12", {"unit_of_measurement": "V"})],
)
async def test_a_bad_phase_leaves_the_grid_unknown_and_is_named(
    hass: HomeAssistant, state: str, attributes: dict[str, str]
) -> None:
    hass.states.async_set("sensor.l1", "5", AMPS)
    hass.states.async_set("sensor.l2", state, attributes)
    hass.states.async_set("sensor.soc", "64", {"unit_of_measurement": "kWh"})
    snapshot, bad = read_snapshot(
        hass,
        meters(grid=("sensor.l1", "sensor.l2"), battery_soc="sensor.soc", solar="sensor.gone"),
        230.0,
        {},
        dt_util.utcnow().timestamp(),
    )
    assert snapshot.grid_a is None
    assert snapshot.battery_soc_pct is None
    assert snapshot.solar_w is None
    assert set(bad) == {"sensor.l2", "sensor.soc", "sensor.gone"}


def circuit_hub() -> MockConfigEntry:
    """A 40 A site; a 16 A garage circuit with its own meter and a 10 A heater on it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={
            CONF_PHASES: 1,
            CONF_MAIN_BREAKER: 40,
            CONF_METERING: METERING_PER_PHASE,
            CONF_GRID_SENSORS: ["sensor.grid"],
            CONF_CIRCUITS: [
                {
                    CIRCUIT_ID: "garage",
                    CIRCUIT_NAME: "Garage",
                    CIRCUIT_LIMIT_A: 16,
                    CIRCUIT_SENSORS: ["sensor.garage"],
                }
            ],
        },
        options={CONF_STALE_AFTER: 60},
        subentries_data=[
            {
                "data": {
                    CONF_SWITCH_ENTITY: "input_boolean.heater",
                    CONF_POWER: 2300,
                    CONF_LINES: ["A"],
                    CONF_MODE: "on",
                    CONF_CIRCUIT: "garage",
                },
                "subentry_type": SUBENTRY_SWITCH,
                "title": "Heater",
                "unique_id": "input_boolean.heater",
            }
        ],
    )


async def test_a_circuit_meter_limits_loads_and_a_silent_one_counts_as_full(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"heater": {}}})
    hass.states.async_set("sensor.grid", "5", AMPS)
    hass.states.async_set("sensor.garage", "8", AMPS)  # 8 A of tools: 8 + 10 > 16
    entry = circuit_hub()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.heater").state == "off"
    hass.states.async_set("sensor.garage", "4", AMPS)  # the tools stop: 4 + 10 fits
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.heater").state == "on"
    hass.states.async_set("sensor.grid", "15", AMPS)
    hass.states.async_set("sensor.garage", "14", AMPS)  # the heater's 10 A on the meter
    await hass.async_block_till_done()
    hass.states.async_set("sensor.garage", "unavailable")
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.heater").state == "on"  # held for a while
    for _ in range(7):
        freezer.tick(timedelta(seconds=10))
        hass.states.async_set("sensor.grid", "15", AMPS, force_update=True)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    # The circuit meter has been silent past stale_after: its circuit counts as full.
    assert hass.states.get("input_boolean.heater").state == "off"
