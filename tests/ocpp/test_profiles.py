"""Profile payloads and the fallback ladder, without a charger."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp.messages import Call, validate_payload

from custom_components.ampwise.const import PROFILE_ID_DYNAMIC, PROFILE_ID_SAFE
from custom_components.ampwise.ocpp.model import Capabilities, RateUnit
from custom_components.ampwise.ocpp.profiles import (
    Kind,
    LimitSpec,
    ProfileRecipe,
    Purpose,
    clamp_limit,
    dynamic_profile_v16,
    iso_utc,
    ladder,
    limit_value,
    preferred_recipe,
    profile_ids,
    safe_profile_v16,
    walk_order,
)

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
A2 = ProfileRecipe(Purpose.TX_DEFAULT, 2, RateUnit.AMPS, Kind.ABSOLUTE)


def spec(**kw: object) -> LimitSpec:
    base: dict[str, object] = {
        "connector_id": 1,
        "limit_a": 10.3,
        "phases": 3,
        "voltage": 230.0,
        "timeout_s": 120.0,
        "now": NOW,
    }
    return LimitSpec(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amps", "min_a", "expected"),
    [
        (10.37, 6, 10.3),  # one decimal, rounded down
        (16.99, 6, 16.9),
        (6.0, 6, 6.0),
        (5.99, 6, 0.0),  # below the minimum: pause, never a limit the car cannot take
        (0.0, 6, 0.0),
        (-3.0, 6, 0.0),
        (math.nan, 6, 0.0),
        (6.05, 6.05, 6.1),  # a minimum with two decimals is met, not undercut
        (7.0, 0, 7.0),
    ],
)
def test_clamp_limit(amps: float, min_a: float, expected: float) -> None:
    assert clamp_limit(amps, min_a) == expected


@given(st.floats(0, 80), st.floats(0, 16))
def test_clamped_limits_are_zero_or_at_least_the_minimum_in_tenths(
    amps: float, min_a: float
) -> None:
    limit = clamp_limit(amps, min_a)
    assert limit == 0 or limit >= min_a - 1e-9
    assert abs(limit * 10 - round(limit * 10)) < 1e-9
    assert limit <= max(amps, math.ceil(min_a * 10) / 10) + 1e-9


def test_watts_are_whole_and_count_the_phases() -> None:
    assert limit_value(10.3, RateUnit.WATTS, 3, 230) == 7107  # not 7106 from 7106.999...
    assert limit_value(16, RateUnit.WATTS, 1, 230) == 3680
    assert limit_value(10.3, RateUnit.AMPS, 3, 230) == 10.3


def test_absolute_dynamic_profile_in_amps() -> None:
    assert dynamic_profile_v16(A2, spec()) == {
        "chargingProfileId": PROFILE_ID_DYNAMIC,
        "stackLevel": 2,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "validFrom": iso_utc(NOW - 60),
        "validTo": iso_utc(NOW + 120),
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "startSchedule": iso_utc(NOW - 60),
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.3, "numberPhases": 3}],
        },
    }


def test_relative_dynamic_profile_in_watts_lasts_the_timeout() -> None:
    recipe = ProfileRecipe(Purpose.TX_DEFAULT, 2, RateUnit.WATTS, Kind.RELATIVE)
    profile = dynamic_profile_v16(recipe, spec(phases=1))
    assert "validTo" not in profile
    assert profile["chargingSchedule"] == {
        "chargingRateUnit": "W",
        "duration": 120,
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 2369, "numberPhases": 1}],
    }


def test_tx_profile_carries_the_transaction_and_its_own_id() -> None:
    recipe = ProfileRecipe(Purpose.TX, 2, RateUnit.AMPS, Kind.ABSOLUTE)
    profile = dynamic_profile_v16(recipe, spec(transaction_id=77))
    assert profile["chargingProfileId"] == PROFILE_ID_DYNAMIC + 1
    assert profile["transactionId"] == 77
    assert profile["chargingProfilePurpose"] == "TxProfile"
    # Without a transaction the same recipe sends the TxDefaultProfile.
    assert dynamic_profile_v16(recipe, spec())["chargingProfilePurpose"] == "TxDefaultProfile"


def test_each_connector_has_its_own_ids() -> None:
    assert profile_ids(1).safe == PROFILE_ID_SAFE
    assert profile_ids(1).dynamic == PROFILE_ID_DYNAMIC
    assert profile_ids(2).dynamic == PROFILE_ID_DYNAMIC + 10
    assert (
        dynamic_profile_v16(A2, spec(connector_id=2))["chargingProfileId"]
        == PROFILE_ID_DYNAMIC + 10
    )


def test_absolute_times_follow_a_charger_clock_ten_minutes_behind() -> None:
    profile = dynamic_profile_v16(A2, spec(clock_offset_s=-600))
    assert profile["validFrom"] == iso_utc(NOW - 600 - 60)
    assert profile["validTo"] == iso_utc(NOW - 600 + 120)


def test_level_zero_carries_its_own_failsafe_period() -> None:
    """No level below for the safe profile: the dynamic one falls back by itself."""
    recipe = ProfileRecipe(Purpose.TX_DEFAULT, 0, RateUnit.AMPS, Kind.ABSOLUTE)
    profile = dynamic_profile_v16(recipe, spec(failsafe_a=6.0))
    assert "validTo" not in profile
    assert profile["chargingSchedule"]["chargingSchedulePeriod"] == [  # type: ignore[index]
        {"startPeriod": 0, "limit": 10.3, "numberPhases": 3},
        {"startPeriod": 180, "limit": 6.0, "numberPhases": 3},
    ]
    assert safe_profile_v16(recipe, 1, 6.0, 3, 230) is None


def test_safe_profile_sits_one_level_below_and_is_permanent() -> None:
    recipe = ProfileRecipe(Purpose.TX_DEFAULT, 2, RateUnit.WATTS, Kind.ABSOLUTE)
    assert safe_profile_v16(recipe, 1, 6.0, 3, 230) == {
        "chargingProfileId": PROFILE_ID_SAFE,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 4140, "numberPhases": 3}],
        },
    }


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"ChargeProfileMaxStackLevel": "3"}, A2),
        ({"ChargeProfileMaxStackLevel": "2"}, ProfileRecipe(stack_level=1)),  # never the max
        ({"ChargeProfileMaxStackLevel": "0"}, ProfileRecipe(stack_level=0)),
        (
            {"ChargingScheduleAllowedChargingRateUnit": "power"},
            ProfileRecipe(unit=RateUnit.WATTS),
        ),
        ({"ChargingScheduleAllowedChargingRateUnit": "Current,Power"}, A2),
        ({}, A2),
    ],
)
def test_preferred_recipe(config: dict[str, str | None], expected: ProfileRecipe) -> None:
    assert preferred_recipe(Capabilities.from_config(config)) == expected


def test_ladder_order() -> None:
    steps = ladder(A2, max_stack_level=3, transaction=True)
    assert [(r.purpose.value, r.stack_level, r.unit.value, r.kind.value) for r in steps[:6]] == [
        ("TxDefaultProfile", 2, "A", "Absolute"),
        ("TxDefaultProfile", 0, "A", "Absolute"),
        ("TxProfile", 2, "A", "Absolute"),
        ("TxProfile", 0, "A", "Absolute"),
        ("TxDefaultProfile", 2, "W", "Absolute"),
        ("TxDefaultProfile", 0, "W", "Absolute"),
    ]
    assert len(steps) == 16
    assert steps[8] == ProfileRecipe(Purpose.TX_DEFAULT, 2, RateUnit.AMPS, Kind.RELATIVE)
    # No transaction, no TxProfile; a charger at level 0 tries its maximum instead.
    no_tx = ladder(ProfileRecipe(stack_level=0), max_stack_level=4, transaction=False)
    assert {r.purpose for r in no_tx} == {Purpose.TX_DEFAULT}
    assert [r.stack_level for r in no_tx[:2]] == [0, 4]


def test_walk_starts_with_the_current_recipe_and_goes_on_from_it() -> None:
    current = ProfileRecipe(Purpose.TX_DEFAULT, 2, RateUnit.WATTS, Kind.ABSOLUTE)
    order = walk_order(current, A2, max_stack_level=3, transaction=False)
    assert order[0] == current
    assert order[1] == ProfileRecipe(Purpose.TX_DEFAULT, 0, RateUnit.WATTS, Kind.ABSOLUTE)
    assert A2 in order
    assert len(order) == len(set(order)) == 8


def test_recipe_round_trip_and_garbage() -> None:
    recipe = ProfileRecipe(Purpose.TX, 0, RateUnit.WATTS, Kind.RELATIVE)
    assert ProfileRecipe.from_dict(recipe.to_dict()) == recipe
    assert ProfileRecipe.from_dict({}) is None
    assert ProfileRecipe.from_dict({**recipe.to_dict(), "unit": "kW"}) is None
    assert ProfileRecipe.from_dict({**recipe.to_dict(), "stack_level": "2"}) is None
    assert ProfileRecipe.from_dict({**recipe.to_dict(), "stack_level": -1}) is None


@settings(max_examples=60, deadline=None)
@given(
    recipe=st.builds(
        ProfileRecipe,
        st.sampled_from(Purpose),
        st.integers(0, 10),
        st.sampled_from(RateUnit),
        st.sampled_from(Kind),
    ),
    amps=st.floats(0, 80),
    phases=st.integers(1, 3),
    offset=st.floats(-86400, 86400),
    tx=st.none() | st.integers(1, 2**31 - 1),
    failsafe=st.none() | st.floats(0, 16),
    connector=st.integers(0, 8),
)
async def test_every_profile_we_build_passes_the_1_6_schema(
    recipe: ProfileRecipe,
    amps: float,
    phases: int,
    offset: float,
    tx: int | None,
    failsafe: float | None,
    connector: int,
) -> None:
    limit = clamp_limit(amps, 6)
    safe = None if failsafe is None else clamp_limit(failsafe, 6)
    limit_spec = spec(
        connector_id=connector,
        limit_a=limit,
        phases=phases,
        clock_offset_s=offset,
        transaction_id=tx,
        failsafe_a=safe,
    )
    for profile in (
        dynamic_profile_v16(recipe, limit_spec),
        safe_profile_v16(recipe, 1, limit, phases, 230),
    ):
        if profile is not None:
            payload = {"connectorId": connector, "csChargingProfiles": profile}
            await validate_payload(Call("1", "SetChargingProfile", payload), "1.6")
