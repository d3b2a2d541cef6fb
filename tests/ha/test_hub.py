"""A hub inside a real Home Assistant: sensor states in, switch commands out, as a user sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ampwise.const import (
    CONF_GRID_SENSORS,
    CONF_GRID_SIGN,
    CONF_INTERVAL,
    CONF_LINES,
    CONF_MAIN_BREAKER,
    CONF_METERING,
    CONF_MODE,
    CONF_PHASES,
    CONF_POWER,
    CONF_PRIORITY,
    CONF_STALE_AFTER,
    CONF_SWITCH_ENTITY,
    CONF_VOLTAGE,
    DOMAIN,
    METERING_PER_PHASE,
    SETTING_MODE,
    SIGN_IMPORT_POSITIVE,
    SUBENTRY_SWITCH,
)
from custom_components.ampwise.engine import Path, Reason

GRID = "sensor.grid_a"
HEATER = "input_boolean.heater"
AMPS = {"unit_of_measurement": "A"}


@pytest.fixture
async def heater(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"heater": {}}})


def hub_entry(mode: str = "on") -> MockConfigEntry:
    """A 1-phase 20 A site metered per phase, with a 2300 W (10 A) heater on a relay."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={
            CONF_PHASES: 1,
            CONF_VOLTAGE: 230,
            CONF_MAIN_BREAKER: 20,
            CONF_METERING: METERING_PER_PHASE,
            CONF_GRID_SENSORS: [GRID],
            CONF_GRID_SIGN: SIGN_IMPORT_POSITIVE,
        },
        options={CONF_INTERVAL: 10, CONF_STALE_AFTER: 60},
        subentries_data=[
            {
                "data": {
                    CONF_SWITCH_ENTITY: HEATER,
                    CONF_POWER: 2300,
                    CONF_LINES: ["A"],
                    CONF_MODE: mode,
                    CONF_PRIORITY: 1,
                },
                "subentry_type": SUBENTRY_SWITCH,
                "title": "Heater",
                "unique_id": HEATER,
            }
        ],
    )


async def start(hass: HomeAssistant, entry: MockConfigEntry, grid_a: float) -> str:
    hass.states.async_set(GRID, str(grid_a), AMPS)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return next(iter(entry.subentries))


async def meter_tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Ten seconds pass; the meter reports 5 A of household plus the heater when it is on."""
    freezer.tick(timedelta(seconds=10))
    heater_a = 10.0 if hass.states.get(HEATER).state == "on" else 0.0
    hass.states.async_set(GRID, str(5.0 + heater_a), AMPS)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("heater")
async def test_relay_in_mode_on_is_switched_on_when_it_fits(hass: HomeAssistant) -> None:
    entry = hub_entry()
    load_id = await start(hass, entry, grid_a=5.0)
    assert hass.states.get(HEATER).state == "on"
    decision = entry.runtime_data.coordinator.data
    assert decision.allocations[load_id].current_a == pytest.approx(10.0)


@pytest.mark.usefixtures("heater")
async def test_overload_reading_switches_off_before_block_till_done_returns(
    hass: HomeAssistant,
) -> None:
    entry = hub_entry()
    load_id = await start(hass, entry, grid_a=5.0)
    assert hass.states.get(HEATER).state == "on"
    hass.states.async_set(GRID, "15.0", AMPS)  # the heater's 10 A arrive on the meter
    await hass.async_block_till_done()
    assert hass.states.get(HEATER).state == "on"
    # The kettle: 15 A of household plus the heater's 10 A on a 20 A breaker. No time passes:
    # the cut comes from the state change itself, not from the interval timer.
    hass.states.async_set(GRID, "25.0", AMPS)
    await hass.async_block_till_done()
    assert hass.states.get(HEATER).state == "off"
    decision = entry.runtime_data.coordinator.data
    assert decision.path is Path.SAFETY
    assert decision.allocations[load_id].reason is Reason.INSUFFICIENT_POWER


@pytest.mark.usefixtures("heater")
async def test_stale_grid_sensor_failsafe_repairs_issue_and_recovery(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = hub_entry()
    await start(hass, entry, grid_a=5.0)
    hass.states.async_set(GRID, "unavailable")
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator
    assert coordinator.data.site.degraded
    assert hass.states.get(HEATER).state == "on"  # held: the last good value still stands
    issue_id = f"stale_sensor_{entry.entry_id}"
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, issue_id).severity is ir.IssueSeverity.WARNING
    for _ in range(7):
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert coordinator.data.path is Path.FAILSAFE
    assert hass.states.get(HEATER).state == "off"  # a relay's failsafe is off
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue.severity is ir.IssueSeverity.ERROR
    assert GRID in issue.translation_placeholders["entities"]
    hass.states.async_set(GRID, "4.0", AMPS)
    await hass.async_block_till_done()
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert coordinator.data.path is not Path.FAILSAFE


@pytest.mark.usefixtures("heater")
async def test_a_mode_survives_a_restart(hass: HomeAssistant) -> None:
    entry = hub_entry()
    load_id = await start(hass, entry, grid_a=5.0)
    entry.runtime_data.coordinator.update_load_setting(load_id, SETTING_MODE, "off")
    await hass.async_block_till_done()
    assert hass.states.get(HEATER).state == "off"
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    decision = entry.runtime_data.coordinator.data
    assert decision.allocations[load_id].reason is Reason.OFF
    assert hass.states.get(HEATER).state == "off"


@pytest.mark.usefixtures("heater")
async def test_unloading_stops_listening(hass: HomeAssistant) -> None:
    entry = hub_entry()
    await start(hass, entry, grid_a=5.0)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    hass.states.async_set(GRID, "25.0", AMPS)
    await hass.async_block_till_done()
    assert hass.states.get(HEATER).state == "on"  # nobody is watching any more


@pytest.mark.usefixtures("heater")
async def test_boost_runs_for_its_minutes_then_the_mode_returns(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = hub_entry(mode="off")
    load_id = await start(hass, entry, grid_a=5.0)
    coordinator = entry.runtime_data.coordinator
    assert hass.states.get(HEATER).state == "off"
    coordinator.start_boost(load_id, minutes=10, kwh=None)
    await hass.async_block_till_done()
    assert hass.states.get(HEATER).state == "on"
    for _ in range(60):  # ten minutes of interval ticks
        await meter_tick(hass, freezer)
    assert hass.states.get(HEATER).state == "off"
    assert coordinator.data.allocations[load_id].reason is Reason.OFF
    # The heater drew its 2.3 kW for about ten minutes: about 0.38 kWh.
    assert coordinator.energy_kwh[load_id] == pytest.approx(2.3 / 6, rel=0.05)


@pytest.mark.usefixtures("heater")
async def test_boost_by_energy_ends_when_the_energy_is_drawn(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = hub_entry(mode="off")
    load_id = await start(hass, entry, grid_a=5.0)
    coordinator = entry.runtime_data.coordinator
    coordinator.start_boost(load_id, minutes=None, kwh=0.1)  # 2.3 kW: about 2.6 minutes
    await hass.async_block_till_done()
    ticks = 0
    while hass.states.get(HEATER).state == "on" and ticks < 100:
        await meter_tick(hass, freezer)
        ticks += 1
    assert 15 <= ticks <= 17


@pytest.mark.usefixtures("heater")
async def test_a_steady_meter_is_trusted_a_silent_one_is_not(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Sensors that only report changes are normal; five minutes of silence is not."""
    entry = hub_entry()
    await start(hass, entry, grid_a=5.0)
    coordinator = entry.runtime_data.coordinator
    hass.states.async_set(GRID, "15.0", AMPS)  # the heater runs; the meter then stays quiet
    await hass.async_block_till_done()
    for _ in range(29):  # 290 s without a report: still trusted
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert coordinator.data.path is Path.OPTIMISE
    assert hass.states.get(HEATER).state == "on"
    for _ in range(8):  # past 300 s of silence, then the 60 s hold runs out
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert coordinator.data.path is Path.FAILSAFE
    assert hass.states.get(HEATER).state == "off"
