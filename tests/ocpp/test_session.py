"""A well-behaved charger end to end: configuration, profiles, readings, reconnects, commands."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import pytest

from custom_components.ampwise.const import PROFILE_ID_DYNAMIC, PROFILE_ID_SAFE
from custom_components.ampwise.ocpp import (
    DEFAULT_MEASURANDS,
    ChargerEvent,
    ChargerOffline,
    ChargerSettings,
    EventKind,
    ProfileRecipe,
    RateUnit,
)

from .conftest import StartCentral, StartCharger, StartSim, url
from .sim_charger import SimOptions, wait_for

FAST = ChargerSettings(meter_interval_s=1)


def dynamic(sim_profiles: list, connector_id: int = 1) -> dict:  # type: ignore[type-arg]
    """The last dynamic profile the charger accepted on a connector."""
    return next(
        p.profile
        for p in reversed(sim_profiles)
        if p.connector_id == connector_id
        and p.status == "Accepted"
        and p.profile["charging_profile_id"] % 10 != 0  # not the safe one
    )


async def test_boot_reads_and_sets_the_configuration(
    start_central: StartCentral, start_sim: StartSim
) -> None:
    central = await start_central()
    session = central.session("SIM-1")
    events: list[EventKind] = []
    session.add_listener(lambda e: events.append(e.kind))
    sim = await start_sim(central, SimOptions(vendor="Alfen", model="Eve"))
    await wait_for(lambda: session.ready)
    assert [action for action, _ in sim.received] == [
        "GetConfiguration",
        "ChangeConfiguration",
        "ChangeConfiguration",
    ]
    assert sim.config_changes == [
        ("MeterValueSampleInterval", "10", "Accepted"),
        ("MeterValuesSampledData", ",".join(DEFAULT_MEASURANDS), "Accepted"),
    ]
    caps = session.capabilities
    assert (caps.max_stack_level, caps.number_of_connectors, caps.meter_interval_s) == (3, 1, 10)
    assert caps.rate_units == {RateUnit.AMPS}
    assert caps.measurands == DEFAULT_MEASURANDS
    assert session.boot is not None
    assert (session.boot.vendor, session.boot.model) == ("Alfen", "Eve")
    assert events[:3] == [EventKind.CONNECTED, EventKind.BOOT, EventKind.STATUS]
    assert EventKind.READY in events


async def test_a_measurand_the_charger_refuses_does_not_cost_the_others(
    charger: StartCharger,
) -> None:
    _, session, sim = await charger(SimOptions(send_offered=False))
    kept = tuple(m for m in DEFAULT_MEASURANDS if m != "Current.Offered")
    assert sim.config_changes[1] == (
        "MeterValuesSampledData",
        ",".join(DEFAULT_MEASURANDS),
        "Rejected",
    )
    assert session.capabilities.measurands == kept
    assert sim.config["MeterValuesSampledData"] == ",".join(kept)


async def test_safe_profile_then_dynamic_limit_in_amps(charger: StartCharger) -> None:
    _, session, sim = await charger()
    assert await session.install_safe_profile(6, 3, min_a=6)
    before = time.time()
    assert await session.set_limit(1, 10.37, 3, min_a=6, timeout_s=120)
    safe, dyn = sim.profiles[0], sim.profiles[1]
    assert (safe.connector_id, safe.status) == (1, "Accepted")
    assert safe.profile == {
        "charging_profile_id": PROFILE_ID_SAFE,
        "stack_level": 1,
        "charging_profile_purpose": "TxDefaultProfile",
        "charging_profile_kind": "Relative",
        "charging_schedule": {
            "charging_rate_unit": "A",
            "charging_schedule_period": [{"start_period": 0, "limit": 6.0, "number_phases": 3}],
        },
    }
    profile = dyn.profile
    assert profile["charging_profile_id"] == PROFILE_ID_DYNAMIC
    assert profile["stack_level"] == 2
    assert profile["charging_profile_kind"] == "Absolute"
    assert profile["charging_schedule"]["charging_schedule_period"] == [
        {"start_period": 0, "limit": 10.3, "number_phases": 3}
    ]
    valid_from = datetime.fromisoformat(profile["valid_from"]).timestamp()
    valid_to = datetime.fromisoformat(profile["valid_to"]).timestamp()
    assert before - 62 <= valid_from <= before - 58
    assert valid_to - valid_from == 180
    assert sim.offered_a(1) == 10.3
    # Below the minimum is a pause, not a limit the car cannot follow.
    await session.set_limit(1, 5.0, 3, min_a=6, timeout_s=120)
    assert sim.offered_a(1) == 0.0
    assert session.sent_limit(1) is not None
    assert session.sent_limit(1).limit_a == 0.0  # type: ignore[union-attr]


async def test_a_limit_set_while_offline_goes_out_once_configured(
    start_central: StartCentral, start_sim: StartSim
) -> None:
    central = await start_central()
    session = central.session("SIM-1")
    assert not await session.install_safe_profile(8, 1, min_a=6)
    assert not await session.set_limit(1, 13, 1, min_a=6, timeout_s=60)
    sim = await start_sim(central)
    await wait_for(lambda: len(sim.profiles) == 2, what="profiles re-applied")
    assert [
        p.profile["charging_schedule"]["charging_schedule_period"][0]["limit"] for p in sim.profiles
    ] == [
        8.0,
        13.0,
    ]
    assert sim.offered_a(1) == 13.0


async def test_readings_transactions_and_events(charger: StartCharger) -> None:
    _, session, sim = await charger(SimOptions(soc=47, vehicle_phases=1), FAST)
    events: list[ChargerEvent] = []
    session.add_listener(events.append)
    await session.set_limit(1, 12, 1, min_a=6, timeout_s=120)
    await sim.plug_in(1)
    tx = await sim.start_transaction(1)
    state = session.connectors[1]
    assert (state.status, state.transaction_id, state.id_tag) == ("Charging", tx, "TAG")
    await wait_for(lambda: state.current_import is not None, what="meter values")
    assert state.current_import is not None
    assert state.current_import.phases == (12.0, 0.0, 0.0)
    assert state.current_offered is not None
    assert state.current_offered.value == 12.0
    assert state.power_active_import is not None
    assert state.power_active_import.value == pytest.approx(2760)
    assert state.soc is not None
    assert state.soc.value == 47
    assert state.current_offered.at is not None  # the charger's own timestamp
    await sim.stop_transaction(1)
    assert state.transaction_id is None
    assert state.status == "Finishing"
    kinds = {e.kind for e in events}
    assert {EventKind.STATUS, EventKind.TRANSACTION, EventKind.METER} <= kinds
    assert all(e.cp_id == "SIM-1" for e in events)


async def test_drop_mid_session_then_reconnect_reapplies_everything(charger: StartCharger) -> None:
    central, session, sim = await charger()
    await session.install_safe_profile(6, 3, min_a=6)
    await session.set_limit(1, 11, 3, min_a=6, timeout_s=120)
    await sim.plug_in(1)
    tx = await sim.start_transaction(1)
    await sim.drop()
    await wait_for(lambda: not session.connected, what="disconnect seen")
    sim.installed.clear()  # some firmwares lose their profiles on reconnect (go-e)
    sim.received.clear()
    await sim.connect(url(central))
    await wait_for(lambda: session.ready and len(sim.installed.get(1, {})) == 2, what="re-applied")
    assert central.sessions["SIM-1"] is session
    assert session.connects == 2
    assert session.connectors[1].transaction_id == tx
    assert sim.received[0][0] == "GetConfiguration"
    assert sim.offered_a(1) == 11.0


async def test_a_second_connection_replaces_the_first(
    charger: StartCharger, start_sim: StartSim
) -> None:
    central, session, first = await charger()
    second = await start_sim(central)
    await wait_for(lambda: first.ws is not None and first.ws.close_code is not None)
    assert session.connected
    assert session.connects == 2
    assert second.boot_status == "Accepted"


async def test_two_connectors_are_controlled_independently(charger: StartCharger) -> None:
    _, session, sim = await charger(SimOptions(connectors=2), FAST)
    assert session.capabilities.number_of_connectors == 2
    for connector_id in (1, 2):
        await session.install_safe_profile(6, 3, connector_id=connector_id, min_a=6)
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    await session.set_limit(2, 16, 3, min_a=6, timeout_s=120)
    assert (sim.offered_a(1), sim.offered_a(2)) == (10.0, 16.0)
    assert dynamic(sim.profiles, 1)["charging_profile_id"] == PROFILE_ID_DYNAMIC
    assert dynamic(sim.profiles, 2)["charging_profile_id"] == PROFILE_ID_DYNAMIC + 10
    await sim.plug_in(2)
    await sim.start_transaction(2)
    await wait_for(lambda: session.connector(2).current_import is not None, what="meter values")
    assert session.connector(1).transaction_id is None
    assert session.connector(2).current_offered is not None
    assert session.connector(2).current_offered.value == 16.0  # type: ignore[union-attr]
    await session.set_limit(2, 7, 3, min_a=6, timeout_s=120)
    assert (sim.offered_a(1), sim.offered_a(2)) == (10.0, 7.0)


async def test_commands(charger: StartCharger) -> None:
    _, session, sim = await charger()
    await session.install_safe_profile(6, 3, min_a=6)
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    assert await session.reset(hard=True)
    assert await session.unlock(1)
    assert not await session.remote_stop(1)  # nothing to stop
    assert await session.remote_start(1, "APP")
    await wait_for(lambda: 1 in sim.transactions, what="remote start")
    assert session.connector(1).transaction_id == sim.transactions[1][0]
    assert session.connector(1).id_tag == "APP"
    assert await session.remote_stop(1)
    await wait_for(lambda: session.connector(1).transaction_id is None, what="remote stop")
    await session.clear_profiles()
    assert sim.installed[1] == {}
    assert session.sent_limit(1) is None
    actions = [a for a, _ in sim.received]
    assert {"Reset", "UnlockConnector", "RemoteStartTransaction", "RemoteStopTransaction"} <= set(
        actions
    )
    assert ("Reset", {"type": "Hard"}) in sim.received
    await sim.close()
    await wait_for(lambda: not session.connected)
    with pytest.raises(ChargerOffline):
        await session.reset()


async def test_a_failing_listener_does_not_stop_the_others(charger: StartCharger) -> None:
    _, session, sim = await charger()
    seen: list[EventKind] = []

    def broken(event: ChargerEvent) -> None:
        raise RuntimeError("listener bug")

    session.add_listener(broken)
    unsubscribe = session.add_listener(lambda e: seen.append(e.kind))
    await sim.plug_in(1)
    assert seen == [EventKind.STATUS]
    unsubscribe()
    await sim.unplug(1)
    assert seen == [EventKind.STATUS]
    assert session.connector(1).status == "Available"


async def test_heartbeat_answers_with_our_time(charger: StartCharger) -> None:
    _, session, sim = await charger()
    answered = datetime.fromisoformat(await sim.heartbeat()).timestamp()
    assert abs(answered - time.time()) < 2
    assert session.last_seen is not None
    await asyncio.sleep(0)


async def test_settings_given_later_bring_the_remembered_recipe(
    start_central: StartCentral,
) -> None:
    central = await start_central()
    session = central.session("SIM-1")
    recipe = ProfileRecipe(stack_level=0, unit=RateUnit.WATTS)
    assert central.session("SIM-1", ChargerSettings(recipe=recipe)) is session
    assert session.recipe == recipe
