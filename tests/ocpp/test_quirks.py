"""Chargers as they are in the field: each quirk ends with a recipe that works, remembered."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from custom_components.ampwise.const import (
    PROFILE_ID_DYNAMIC,
    PROFILE_ID_SAFE,
    VALIDITY_RELATIVE,
)
from custom_components.ampwise.ocpp import (
    ChargerSettings,
    CommandFailed,
    ConfirmState,
    ConnectionLimits,
    EventKind,
    Kind,
    ProfileRecipe,
    ProfileRejected,
    Purpose,
    RateUnit,
)

from .conftest import StartCharger
from .sim_charger import ReceivedProfile, SimOptions, wait_for

FAST = ChargerSettings(meter_interval_s=1)


def statuses(profiles: list[ReceivedProfile]) -> list[str]:
    return [p.status for p in profiles]


def form(p: ReceivedProfile) -> tuple[str, int, str, str]:
    profile = p.profile
    return (
        profile["charging_profile_purpose"],
        profile["stack_level"],
        profile["charging_schedule"]["charging_rate_unit"],
        profile["charging_profile_kind"],
    )


async def test_watt_only_charger_saying_lowercase_power(charger: StartCharger) -> None:
    _, session, sim = await charger(SimOptions(rate_unit="power"))
    await session.install_safe_profile(6, 3, min_a=6)
    await session.set_limit(1, 10.37, 3, min_a=6, timeout_s=120)
    await session.set_limit(1, 16, 1, min_a=6, timeout_s=120)
    assert statuses(sim.profiles) == ["Accepted"] * 3  # right the first time
    limits = [p.profile["charging_schedule"]["charging_schedule_period"][0] for p in sim.profiles]
    assert limits == [
        {"start_period": 0, "limit": 4140.0, "number_phases": 3},  # 6 A x 230 V x 3
        {"start_period": 0, "limit": 7107.0, "number_phases": 3},  # 10.3 A, not 10.37
        {"start_period": 0, "limit": 3680.0, "number_phases": 1},
    ]
    assert session.recipe.unit is RateUnit.WATTS


async def test_max_stack_level_zero(charger: StartCharger) -> None:
    """No level below the dynamic profile: it carries the failsafe period itself."""
    _, session, sim = await charger(SimOptions(max_stack_level=0))
    await session.install_safe_profile(6, 3, min_a=6)
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    assert ("ClearChargingProfile", {"id": PROFILE_ID_SAFE, "connector_id": 1}) in sim.received
    assert statuses(sim.profiles) == ["Accepted"]
    profile = sim.profiles[0].profile
    assert profile["stack_level"] == 0
    assert "valid_to" not in profile
    assert profile["charging_schedule"]["charging_schedule_period"] == [
        {"start_period": 0, "limit": 10.0, "number_phases": 3},
        {"start_period": 180, "limit": 6.0, "number_phases": 3},
    ]
    assert sim.offered_a(1) == 10.0


async def test_charger_refusing_the_level_falls_back_to_level_zero(charger: StartCharger) -> None:
    _, session, sim = await charger(
        SimOptions(max_stack_level=3, reject_stack_levels=frozenset({2}))
    )
    events: list[EventKind] = []
    session.add_listener(lambda e: events.append(e.kind))
    await session.install_safe_profile(6, 3, min_a=6)  # level 1: taken
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    assert [form(p)[1] for p in sim.profiles] == [1, 2, 0]
    assert statuses(sim.profiles) == ["Accepted", "Rejected", "Accepted"]
    assert session.recipe == ProfileRecipe(stack_level=0)
    # The safe profile at level 1 would now out-rank the dynamic one: it is gone.
    assert set(sim.installed[1]) == {PROFILE_ID_DYNAMIC}
    assert EventKind.RECIPE in events
    assert sim.offered_a(1) == 10.0


async def test_txdefault_refused_during_a_transaction_gets_a_txprofile(
    charger: StartCharger,
) -> None:
    _, session, sim = await charger(SimOptions(reject_tx_default_in_transaction=True))
    await session.install_safe_profile(6, 3, min_a=6)
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    assert statuses(sim.profiles) == ["Accepted", "Accepted"]
    await sim.plug_in(1)
    tx = await sim.start_transaction(1)  # the limit is sent again for the new session
    await wait_for(lambda: session.recipe.purpose is Purpose.TX, what="TxProfile")
    last = sim.profiles[-1]
    assert form(last) == ("TxProfile", 2, "A", "Absolute")
    assert last.profile["transaction_id"] == tx
    assert last.profile["charging_profile_id"] == PROFILE_ID_DYNAMIC + 1
    assert [p.status for p in sim.profiles[2:]] == ["Rejected", "Rejected", "Accepted"]
    assert sim.offered_a(1) == 10.0
    # Remembered: the next limit goes out as a TxProfile straight away.
    count = len(sim.profiles)
    await session.set_limit(1, 8, 3, min_a=6, timeout_s=120)
    assert statuses(sim.profiles[count:]) == ["Accepted"]
    assert sim.offered_a(1) == 8.0
    # A new safe current cannot go in during the session; the one from before stays.
    assert not await session.install_safe_profile(10, 3, min_a=6)
    safe, _ = sim.installed[1][PROFILE_ID_SAFE]
    assert safe["charging_schedule"]["charging_schedule_period"][0]["limit"] == 6.0
    # Asked to start over (a firmware update, say): the ladder starts at the top again.
    session.forget_recipe()
    assert session.recipe == ProfileRecipe()


async def test_charger_reporting_amps_but_taking_watts(charger: StartCharger) -> None:
    _, session, sim = await charger(SimOptions(rate_unit="Current", accept_units=frozenset({"W"})))
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    assert [form(p) for p in sim.profiles] == [
        ("TxDefaultProfile", 2, "A", "Absolute"),
        ("TxDefaultProfile", 0, "A", "Absolute"),
        ("TxDefaultProfile", 2, "W", "Absolute"),
    ]
    assert session.recipe.unit is RateUnit.WATTS
    assert sim.offered_a(1) == 10.0


async def test_charger_needing_relative_schedules(charger: StartCharger) -> None:
    _, session, sim = await charger(SimOptions(reject_kinds=frozenset({"Absolute"})))
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    # Amps and watts, levels 2 and 0 (it refuses watts before it looks at the kind).
    assert statuses(sim.profiles) == ["NotSupported"] * 2 + ["Rejected"] * 2 + ["Accepted"]
    assert form(sim.profiles[-1]) == ("TxDefaultProfile", 2, "A", "Relative")
    assert session.recipe.kind is Kind.RELATIVE


async def test_a_remembered_recipe_is_used_from_the_start(charger: StartCharger) -> None:
    recipe = ProfileRecipe(Purpose.TX_DEFAULT, 2, RateUnit.WATTS, Kind.ABSOLUTE)
    stored = recipe.to_dict()  # what Home Assistant persisted
    settings = ChargerSettings(recipe=ProfileRecipe.from_dict(stored))
    _, session, sim = await charger(SimOptions(accept_units=frozenset({"W"})), settings)
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    assert statuses(sim.profiles) == ["Accepted"]
    assert session.recipe == recipe


@pytest.mark.parametrize(
    "options",
    [
        SimOptions(accept_units=frozenset()),
        # A CallError about the request counts as a refusal of its form, like "Rejected".
        SimOptions(unsupported_actions=frozenset({"SetChargingProfile"})),
    ],
    ids=["rejected", "call-error"],
)
async def test_refused_in_every_form(charger: StartCharger, options: SimOptions) -> None:
    _, session, sim = await charger(options)
    with pytest.raises(ProfileRejected, match="refused the limit in every form"):
        await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    attempts = [a for a, _ in sim.received if a == "SetChargingProfile"]
    assert len(attempts) == 8  # 2 levels x 2 units x 2 kinds, no transaction
    # The walk is not repeated on every refresh.
    with pytest.raises(ProfileRejected):
        await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    assert len([a for a, _ in sim.received if a == "SetChargingProfile"]) == 9


async def test_a_timeout_never_changes_the_recipe(charger: StartCharger) -> None:
    _, session, sim = await charger(limits=ConnectionLimits(response_timeout_s=0.3))
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    recipe = session.recipe
    sim.options.answer_delay_s = 0.5
    with pytest.raises(CommandFailed, match="no answer"):
        await session.set_limit(1, 12, 3, min_a=6, timeout_s=120)
    assert len(sim.profiles) == 1  # the late answer is still on its way
    await wait_for(lambda: len(sim.profiles) == 2, what="late answer")
    sim.options.answer_delay_s = 0
    assert session.recipe == recipe
    assert await session.set_limit(1, 13, 3, min_a=6, timeout_s=120)  # the stray reply is ignored
    assert sim.offered_a(1) == 13.0


async def test_offer_confirmed(charger: StartCharger) -> None:
    _, session, sim = await charger(settings=FAST)
    await sim.plug_in(1)
    await sim.start_transaction(1)
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    sent = session.sent_limit(1)
    assert sent is not None
    await wait_for(
        lambda: session.confirmation(1).state is ConfirmState.CONFIRMED, what="confirmed"
    )
    assert session.mismatch(1, now=time.time() + 60) is None


async def test_charger_ignoring_its_profile_is_reported(charger: StartCharger) -> None:
    _, session, sim = await charger(SimOptions(ignore_profiles=True), FAST)
    await sim.plug_in(1)
    await sim.start_transaction(1)
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    sent = session.sent_limit(1)
    assert sent is not None
    await wait_for(
        lambda: (
            (o := session.connector(1).current_offered) is not None and o.received > sent.changed_at
        ),
        what="an offer after the limit",
    )
    # Two meter intervals to follow, then it is a mismatch.
    assert session.mismatch(1, now=sent.changed_at + 1) is None
    assert session.confirmation(1, now=sent.changed_at + 1).state is ConfirmState.WAITING
    assert session.mismatch(1, now=sent.changed_at + 3) == (
        "charger offers 32.0 A on connector 1, asked 10.0 A"
    )


async def test_charger_without_current_offered_is_never_a_false_alarm(
    charger: StartCharger,
) -> None:
    _, session, sim = await charger(SimOptions(send_offered=False, ignore_profiles=True), FAST)
    await sim.plug_in(1)
    await sim.start_transaction(1)
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    await wait_for(lambda: session.connector(1).current_import is not None, what="meter values")
    later = time.time() + 600
    assert session.confirmation(1, now=later).state is ConfirmState.NOT_CONFIRMED
    assert session.mismatch(1, now=later) is None


@pytest.mark.parametrize("offset", [-600.0, 600.0])
async def test_clock_ten_minutes_off(charger: StartCharger, offset: float) -> None:
    """Absolute profiles in our time would start 10 minutes late (or be over already)."""
    _, session, sim = await charger(SimOptions(clock_offset_s=offset), FAST)
    events: list[EventKind] = []
    session.add_listener(lambda e: events.append(e.kind))
    await session.install_safe_profile(6, 3, min_a=6)
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    await sim.plug_in(1)
    await sim.start_transaction(1)
    await wait_for(
        lambda: session.clock.offset_s is not None and abs(session.clock.offset_s - offset) < 5,
        what="clock offset",
    )
    profile = sim.profiles[-1].profile
    valid_from = datetime.fromisoformat(profile["valid_from"]).timestamp()
    assert abs(valid_from - (sim.now() - 60)) < 5  # in the charger's time
    assert sim.offered_a(1) == 10.0
    # Refreshes keep following its clock.
    await session.set_limit(1, 9, 3, min_a=6, timeout_s=120)
    assert sim.offered_a(1) == 9.0
    assert session.confirmation(1).state is not ConfirmState.MISMATCH


async def test_charger_without_get_configuration_still_gets_limits(charger: StartCharger) -> None:
    _, session, sim = await charger(SimOptions(unsupported_actions=frozenset({"GetConfiguration"})))
    assert not session.capabilities.known
    assert sim.config["MeterValueSampleInterval"] == "10"  # the rest of the set-up went on
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=120)
    assert form(sim.profiles[-1]) == ("TxDefaultProfile", 2, "A", "Absolute")
    assert sim.offered_a(1) == 10.0


async def test_relative_schedules_when_asked_for(charger: StartCharger) -> None:
    """For chargers whose clock cannot be trusted at all (the hub's validity option)."""
    _, session, sim = await charger()
    await session.set_limit(1, 10, 3, min_a=6, timeout_s=90, validity=VALIDITY_RELATIVE)
    profile = sim.profiles[-1].profile
    assert form(sim.profiles[-1]) == ("TxDefaultProfile", 2, "A", "Relative")
    assert profile["charging_schedule"]["duration"] == 90
    assert "valid_to" not in profile
    assert session.recipe.kind is Kind.RELATIVE
