"""lbbrhzn/ocpp chargers: the profiles Ampwise sends, what it reads back, what it reports."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.util import dt as dt_util

from custom_components.ampwise.actuators import OcppLbbrhznActuator, create_actuator
from custom_components.ampwise.actuators.ocpp_lbbrhzn import iso_utc, parse_rate_unit
from custom_components.ampwise.const import (
    CONF_CONNECTOR,
    CONF_OCPP_DEVICE,
    CONF_PROFILE_TIMEOUT,
    CONF_PROFILE_VALIDITY,
    CONF_RATE_UNIT,
    CONF_STACK_LEVEL,
    PROFILE_ID_DYNAMIC,
    PROFILE_ID_SAFE,
    SUBENTRY_EVSE,
    UNIT_AUTO,
    UNIT_WATTS,
    VALIDITY_ABSOLUTE,
    VALIDITY_RELATIVE,
)
from custom_components.ampwise.engine import Load
from tests.ha.actuator_fixtures import T0, FakeOcpp, add_charger, allocation, make_load, set_phases

CAPABILITIES = {
    "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
    "ChargeProfileMaxStackLevel": "8",
    "MeterValueSampleInterval": "30",
}


@pytest.fixture(autouse=True)
def _clock(freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to(T0)


def now() -> float:
    return dt_util.utcnow().timestamp()


def config(device_id: str, **extra: Any) -> dict[str, object]:
    return {
        CONF_OCPP_DEVICE: device_id,
        CONF_CONNECTOR: 1,
        CONF_PROFILE_TIMEOUT: 120,
        CONF_STACK_LEVEL: 2,
        CONF_RATE_UNIT: UNIT_AUTO,
        CONF_PROFILE_VALIDITY: VALIDITY_ABSOLUTE,
        **extra,
    }


async def started(
    hass: HomeAssistant,
    *,
    capabilities: dict[str, Any] | None = None,
    load: Load | None = None,
    **extra: Any,
) -> tuple[OcppLbbrhznActuator, FakeOcpp, dict[str, str]]:
    ocpp = FakeOcpp(configuration=CAPABILITIES if capabilities is None else capabilities)
    ocpp.register(hass)
    device_id, entities = add_charger(hass)
    actuator = create_actuator(hass, SUBENTRY_EVSE, load or make_load(), config(device_id, **extra))
    assert isinstance(actuator, OcppLbbrhznActuator)
    await actuator.async_start()
    return actuator, ocpp, entities


def safe_profile(
    limit: float, *, level: int = 1, unit: str = "A", phases: int = 3
) -> dict[str, Any]:
    return {
        "chargingProfileId": PROFILE_ID_SAFE,
        "stackLevel": level,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit, "numberPhases": phases}],
        },
    }


def absolute_profile(
    limit: float,
    *,
    valid_from: str,
    valid_to: str,
    level: int = 2,
    unit: str = "A",
    phases: int = 3,
) -> dict[str, Any]:
    return {
        "chargingProfileId": PROFILE_ID_DYNAMIC,
        "stackLevel": level,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "validFrom": valid_from,
        "validTo": valid_to,
        "chargingSchedule": {
            "chargingRateUnit": unit,
            "startSchedule": valid_from,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit, "numberPhases": phases}],
        },
    }


# --- start: capabilities and the safe profile ------------------------------------------------
async def test_start_asks_the_charger_and_installs_the_safe_profile(hass: HomeAssistant) -> None:
    actuator, ocpp, _ = await started(hass)

    assert [c["ocpp_key"] for c in ocpp.get_calls] == [
        "ChargingScheduleAllowedChargingRateUnit",
        "ChargeProfileMaxStackLevel",
        "MeterValueSampleInterval",
    ]
    assert all(c["devid"] == "charger" for c in ocpp.get_calls)
    assert ocpp.set_calls == [
        {"devid": "charger", "conn_id": 1, "custom_profile": safe_profile(6.0, level=1)}
    ]
    detail = actuator.status().detail
    assert detail["rate_unit"] == "A"
    assert detail["rate_unit_source"] == "charger (Current,Power)"
    assert detail["max_stack_level"] == 8
    assert detail["meter_period_s"] == 30


async def test_dynamic_profile_absolute_validity_starts_a_minute_in_the_past(
    hass: HomeAssistant,
) -> None:
    actuator, ocpp, _ = await started(hass)

    await actuator.async_apply(allocation(10.37), now())

    assert ocpp.set_calls[-1] == {
        "devid": "charger",
        "conn_id": 1,
        "custom_profile": absolute_profile(
            10.3, valid_from="2025-06-01T11:59:00Z", valid_to="2025-06-01T12:02:00Z"
        ),
    }
    assert actuator.status().commanded_a == 10.3


async def test_dynamic_profile_relative_validity_is_a_duration(hass: HomeAssistant) -> None:
    actuator, ocpp, _ = await started(hass, profile_validity=VALIDITY_RELATIVE)

    await actuator.async_apply(allocation(16), now())

    assert ocpp.profiles[-1] == {
        "chargingProfileId": PROFILE_ID_DYNAMIC,
        "stackLevel": 2,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "duration": 120,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0, "numberPhases": 3}],
        },
    }


@pytest.mark.parametrize(
    ("asked", "sent"),
    [
        (0.0, 0.0),
        (-3.0, 0.0),
        (5.99, 0.0),  # below the minimum a charger can signal: suspend
        (6.0, 6.0),
        (6.09, 6.0),  # one decimal, rounded down
        (12.349, 12.3),
        (40.0, 16.0),  # never above the load's maximum
    ],
)
async def test_limit_is_zero_or_at_least_the_minimum_with_one_decimal(
    hass: HomeAssistant, asked: float, sent: float
) -> None:
    actuator, ocpp, _ = await started(hass)

    await actuator.async_apply(allocation(asked), now())

    assert ocpp.profiles[-1]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == sent


async def test_rounding_down_is_not_fooled_by_binary_fractions(hass: HomeAssistant) -> None:
    # 2.3 * 10 == 22.999999999999996: a naive floor would send 2.2.
    actuator, ocpp, _ = await started(hass, load=make_load(min_a=1.0, lines=(0,)))

    await actuator.async_apply(allocation(2.3), now())

    period = ocpp.profiles[-1]["chargingSchedule"]["chargingSchedulePeriod"][0]
    assert period == {"startPeriod": 0, "limit": 2.3, "numberPhases": 1}


async def test_a_minimum_off_the_decimal_grid_is_rounded_up_not_under(
    hass: HomeAssistant,
) -> None:
    actuator, ocpp, _ = await started(hass, load=make_load(min_a=6.05))

    await actuator.async_apply(allocation(6.05), now())

    assert ocpp.profiles[-1]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 6.1


async def test_unchanged_limit_is_not_resent_until_a_third_of_the_timeout(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    actuator, ocpp, _ = await started(hass)
    await actuator.async_apply(allocation(10), now())
    sent = len(ocpp.set_calls)

    freezer.tick(10)
    await actuator.async_apply(allocation(10.04), now())  # within 0.05 A: same limit
    freezer.tick(29)
    await actuator.async_apply(allocation(10), now())
    assert len(ocpp.set_calls) == sent

    freezer.tick(1)  # 40 s = a third of the 120 s timeout: refresh before it lapses
    await actuator.async_apply(allocation(10), now())
    assert len(ocpp.set_calls) == sent + 1
    assert ocpp.profiles[-1] == absolute_profile(
        10.0, valid_from="2025-06-01T11:59:40Z", valid_to="2025-06-01T12:02:40Z"
    )


async def test_a_changed_limit_goes_out_at_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    actuator, ocpp, _ = await started(hass)
    await actuator.async_apply(allocation(10), now())

    freezer.tick(1)
    await actuator.async_apply(allocation(8), now())

    assert [p["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] for p in ocpp.profiles] == [
        6.0,
        10.0,
        8.0,
    ]


async def test_the_safe_profile_is_refreshed_hourly_and_the_dynamic_one_follows_it(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    actuator, ocpp, _ = await started(hass)
    for _ in range(90):  # an hour and a half of ticks
        freezer.tick(60)
        await actuator.async_apply(allocation(10), now())

    ids = [p["chargingProfileId"] for p in ocpp.profiles]
    assert ids.count(PROFILE_ID_SAFE) == 2
    second_safe = ids.index(PROFILE_ID_SAFE, 1)
    assert ids[second_safe + 1] == PROFILE_ID_DYNAMIC


# --- units and stack levels -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "source"),
    [
        ("Current", "A", "charger (Current)"),
        ("Power", "W", "charger (Power)"),
        ("power", "W", "charger (power)"),
        ("W", "W", "charger (W)"),
        ("A", "A", "charger (A)"),
        ("Current,Power", "A", "charger (Current,Power)"),
        ("POWER, CURRENT", "A", "charger (POWER, CURRENT)"),
        ("", "A", "assumed: the charger named no rate unit"),
        (None, "A", "assumed: the charger named no rate unit"),
    ],
)
def test_rate_unit_parsing(value: str | None, unit: str, source: str) -> None:
    assert parse_rate_unit(value) == (unit, source)


async def test_power_only_charger_gets_watts(hass: HomeAssistant) -> None:
    actuator, ocpp, _ = await started(
        hass, capabilities={"ChargingScheduleAllowedChargingRateUnit": "Power"}
    )
    await actuator.async_apply(allocation(10), now())

    assert ocpp.profiles[0] == safe_profile(4140, unit="W")  # 6 A x 230 V x 3
    assert ocpp.profiles[1] == absolute_profile(
        6900, unit="W", valid_from="2025-06-01T11:59:00Z", valid_to="2025-06-01T12:02:00Z"
    )
    assert isinstance(
        ocpp.profiles[1]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"], int
    )
    detail = actuator.status().detail
    assert detail["max_stack_level"] is None  # not reported: not clamped
    assert detail["meter_period_s"] == 60  # lbbrhzn's default when not reported


async def test_configured_unit_is_not_asked_for(hass: HomeAssistant) -> None:
    actuator, ocpp, _ = await started(hass, charge_rate_unit=UNIT_WATTS)

    assert "ChargingScheduleAllowedChargingRateUnit" not in [c["ocpp_key"] for c in ocpp.get_calls]
    assert ocpp.profiles[0]["chargingSchedule"]["chargingRateUnit"] == "W"
    assert actuator.status().detail["rate_unit_source"] == "configured"


async def test_stack_level_is_clamped_to_the_chargers_maximum(hass: HomeAssistant) -> None:
    actuator, ocpp, _ = await started(
        hass, capabilities={**CAPABILITIES, "ChargeProfileMaxStackLevel": "3"}, stack_level=5
    )
    await actuator.async_apply(allocation(10), now())

    assert [(p["chargingProfileId"], p["stackLevel"]) for p in ocpp.profiles] == [
        (PROFILE_ID_SAFE, 2),
        (PROFILE_ID_DYNAMIC, 3),
    ]


async def test_stack_level_zero_shares_the_level_and_restores_safe_at_stop(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    actuator, ocpp, _ = await started(hass, stack_level=0)
    await actuator.async_apply(allocation(16), now())
    await actuator.async_stop()

    assert [(p["chargingProfileId"], p["stackLevel"]) for p in ocpp.profiles] == [
        (PROFILE_ID_SAFE, 0),
        (PROFILE_ID_DYNAMIC, 0),
        (PROFILE_ID_SAFE, 0),  # replaces the dynamic one, permanently
    ]
    assert "leaves no level below it for the safe profile" in caplog.text


async def test_stop_leaves_the_dynamic_profile_at_the_failsafe_current(
    hass: HomeAssistant,
) -> None:
    actuator, ocpp, _ = await started(hass, load=make_load(failsafe_a=0))
    await actuator.async_apply(allocation(16), now())
    await actuator.async_stop()

    assert ocpp.profiles[0]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 0
    assert ocpp.profiles[-1]["chargingProfileId"] == PROFILE_ID_DYNAMIC
    assert ocpp.profiles[-1]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 0


async def test_failing_get_configuration_assumes_amps_logs_once_and_retries(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    ocpp = FakeOcpp(configuration={"ChargingScheduleAllowedChargingRateUnit": "Power"})
    ocpp.fail_get = True
    ocpp.register(hass)
    device_id, _ = add_charger(hass)
    actuator = OcppLbbrhznActuator(hass, make_load(), config(device_id))
    await actuator.async_start()
    await actuator.async_apply(allocation(10), now())
    freezer.tick(60)
    await actuator.async_apply(allocation(11), now())

    status = actuator.status()
    assert status.detail["rate_unit"] == "A"
    assert str(status.detail["rate_unit_source"]).startswith("assumed: get_configuration failed")
    assert status.mismatch is None  # the charger itself takes the profiles
    assert [p["chargingSchedule"]["chargingRateUnit"] for p in ocpp.profiles] == ["A", "A", "A"]
    assert caplog.text.count("ocpp.get_configuration failed") == 1
    assert len(ocpp.get_calls) == 1  # not asked again on every tick

    ocpp.fail_get = False
    freezer.tick(300)
    await actuator.async_apply(allocation(11), now())
    # The charger answered "Power": the safe profile goes again in watts, then the dynamic one.
    assert [p["chargingSchedule"]["chargingRateUnit"] for p in ocpp.profiles[-2:]] == ["W", "W"]
    assert [p["chargingProfileId"] for p in ocpp.profiles[-2:]] == [
        PROFILE_ID_SAFE,
        PROFILE_ID_DYNAMIC,
    ]


async def test_missing_get_configuration_service_assumes_amps(hass: HomeAssistant) -> None:
    ocpp = FakeOcpp().register(hass, get=False)
    device_id, _ = add_charger(hass)
    actuator = OcppLbbrhznActuator(hass, make_load(), config(device_id))
    await actuator.async_start()

    assert actuator.status().detail["rate_unit"] == "A"
    assert "assumed" in str(actuator.status().detail["rate_unit_source"])
    assert ocpp.profiles == [safe_profile(6.0)]


async def test_configured_unit_survives_a_failing_get_configuration(hass: HomeAssistant) -> None:
    ocpp = FakeOcpp()
    ocpp.fail_get = True
    ocpp.register(hass)
    device_id, _ = add_charger(hass)
    actuator = OcppLbbrhznActuator(hass, make_load(), config(device_id, charge_rate_unit="W"))
    await actuator.async_start()

    assert actuator.status().detail["rate_unit_source"] == "configured"
    assert ocpp.profiles == [safe_profile(4140, unit="W")]


# --- failures -------------------------------------------------------------------------------
async def test_a_failed_send_shows_in_status_and_is_retried_with_the_safe_profile(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    actuator, ocpp, _ = await started(hass)
    ocpp.fail_set = True
    await actuator.async_apply(allocation(10), now())

    status = actuator.status()
    assert not status.ready
    assert status.commanded_a is None
    assert status.mismatch is not None
    assert status.mismatch.startswith("could not send the charging profile")
    assert "unavailable" in status.mismatch

    ocpp.fail_set = False
    freezer.tick(10)
    await actuator.async_apply(allocation(10), now())
    # The charger may have rebooted while unreachable: safe profile first, then the limit.
    assert [p["chargingProfileId"] for p in ocpp.profiles] == [
        PROFILE_ID_SAFE,
        PROFILE_ID_SAFE,
        PROFILE_ID_DYNAMIC,
    ]
    assert actuator.status().mismatch is None
    assert actuator.status().ready


async def test_unknown_device_sends_nothing_and_says_why(hass: HomeAssistant) -> None:
    ocpp = FakeOcpp(configuration=CAPABILITIES).register(hass)
    actuator = OcppLbbrhznActuator(hass, make_load(), config("no-such-device"))
    await actuator.async_start()
    await actuator.async_apply(allocation(10), now())
    await actuator.async_stop()

    assert ocpp.set_calls == []
    assert ocpp.get_calls == []
    status = actuator.status()
    assert not status.ready
    assert status.mismatch == "charger device not found in the device registry"
    assert actuator.reading().draw_a is None


async def test_a_device_of_another_integration_is_refused(hass: HomeAssistant) -> None:
    ocpp = FakeOcpp().register(hass)
    device_id, _ = add_charger(hass, identifiers={("easee", "EH123")})
    actuator = OcppLbbrhznActuator(hass, make_load(), config(device_id))
    await actuator.async_start()

    assert ocpp.set_calls == []
    assert actuator.status().mismatch == "the device is not a charger of the ocpp integration"


async def test_charger_without_sensors_is_still_commanded(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    from homeassistant.helpers import device_registry as dr
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    ocpp = FakeOcpp(configuration=CAPABILITIES).register(hass)
    entry = MockConfigEntry(domain="ocpp")
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={("ocpp", "bare")}, name="bare"
    )
    actuator = OcppLbbrhznActuator(hass, make_load(), config(device.id))
    await actuator.async_start()

    assert ocpp.set_calls[0]["devid"] == "bare"
    assert not actuator.status().ready
    assert actuator.reading().draw_a is None
    assert actuator.reading().connected  # nothing says otherwise
    assert "no sensors of the ocpp integration found" in caplog.text


# --- entities -------------------------------------------------------------------------------
async def test_charge_point_id_is_the_identifier_with_sensors(hass: HomeAssistant) -> None:
    # lbbrhzn registers the charger under both its websocket id and its cpid.
    ocpp = FakeOcpp(configuration=CAPABILITIES).register(hass)
    device_id, _ = add_charger(
        hass, identifiers={("ocpp", "AAA-websocket"), ("ocpp", "charger")}, cpid="zzz"
    )
    from homeassistant.helpers import entity_registry as er

    registry = er.async_get(hass)
    registry.async_get_or_create(
        "sensor",
        "ocpp",
        "ocpp.charger.current_import.sensor",
        suggested_object_id="the_real_one",
    )
    actuator = OcppLbbrhznActuator(hass, make_load(), config(device_id))
    await actuator.async_start()

    assert {c["devid"] for c in ocpp.set_calls + ocpp.get_calls} == {"charger"}
    assert actuator.status().detail["entities"] == {"current_import": "sensor.the_real_one"}


async def test_older_dotted_unique_ids_are_found(hass: HomeAssistant) -> None:
    FakeOcpp(configuration=CAPABILITIES).register(hass)
    device_id, entities = add_charger(hass, old_ids=True)
    actuator = OcppLbbrhznActuator(hass, make_load(), config(device_id))
    await actuator.async_start()
    set_phases(hass, entities["current_import"], 7.0, 8.0, 9.0)

    assert actuator.reading().draw_a == (7.0, 8.0, 9.0)
    found = actuator.status().detail["entities"]
    assert isinstance(found, dict)
    assert set(found) == set(entities)


async def test_second_connector_uses_its_own_entities_and_connector_id(
    hass: HomeAssistant,
) -> None:
    ocpp = FakeOcpp(configuration=CAPABILITIES).register(hass)
    device_id, entities = add_charger(hass, connectors=(1, 2))
    actuator = OcppLbbrhznActuator(hass, make_load(), config(device_id, connector_id=2))
    await actuator.async_start()
    set_phases(hass, entities["current_import@1"], 16.0, 16.0, 16.0)
    set_phases(hass, entities["current_import@2"], 10.0, 10.0, 10.0)
    hass.states.async_set(entities["status_connector@1"], "Charging")
    hass.states.async_set(entities["status_connector@2"], "Available")

    await actuator.async_apply(allocation(10), now())

    assert {c["conn_id"] for c in ocpp.set_calls} == {2}
    assert {c["devid"] for c in ocpp.set_calls} == {"charger"}
    reading = actuator.reading()
    assert reading.draw_a == (10.0, 10.0, 10.0)
    assert not reading.connected
    detail = actuator.status().detail
    assert detail["per_connector_entities"] is True
    assert detail["entities"] == {
        key.removesuffix("@2"): eid for key, eid in entities.items() if key.endswith("@2")
    }


async def test_connector_child_device_leads_to_its_charger(hass: HomeAssistant) -> None:
    ocpp = FakeOcpp(configuration=CAPABILITIES).register(hass)
    device_id, _ = add_charger(hass, identifiers={("ocpp", "charger-conn2")}, cpid="charger")
    actuator = OcppLbbrhznActuator(hass, make_load(), config(device_id))
    await actuator.async_start()

    assert ocpp.set_calls[0]["devid"] == "charger"


# --- readings -------------------------------------------------------------------------------
async def test_reading_per_phase_from_attributes_with_the_report_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    actuator, _, entities = await started(hass)
    set_phases(hass, entities["current_import"], 10.0, 11.0, 9.0)
    hass.states.async_set(entities["status_connector"], "Charging")
    reported = now()
    freezer.tick(5)

    reading = actuator.reading()
    assert reading.draw_a == (10.0, 11.0, 9.0)
    assert reading.at_s == reported
    assert reading.connected

    freezer.tick(5)  # the same value reported again still counts as a fresh reading
    set_phases(hass, entities["current_import"], 10.0, 11.0, 9.0)
    assert actuator.reading().at_s == now()


async def test_reading_maps_charger_phases_onto_the_loads_lines_in_order(
    hass: HomeAssistant,
) -> None:
    # A 2-line load on the charger's L1 and L2, whatever site phases those are.
    actuator, _, entities = await started(hass, load=make_load(lines=(2, 0)))
    set_phases(hass, entities["current_import"], 12.0, 13.0, 0.0)

    assert actuator.reading().draw_a == (12.0, 13.0)


async def test_one_phase_car_on_a_three_phase_charger(hass: HomeAssistant) -> None:
    actuator, _, entities = await started(hass)
    set_phases(hass, entities["current_import"], 16.0, 0.0, 0.0)

    assert actuator.reading().draw_a == (16.0, 0.0, 0.0)


async def test_a_one_line_load_needs_only_the_first_phase(hass: HomeAssistant) -> None:
    actuator, _, entities = await started(hass, load=make_load(lines=(1,)))
    set_phases(hass, entities["current_import"], 14.0)

    assert actuator.reading().draw_a == (14.0,)


async def test_state_zero_beats_the_phase_attributes_lbbrhzn_leaves_behind(
    hass: HomeAssistant,
) -> None:
    actuator, _, entities = await started(hass)
    set_phases(hass, entities["current_import"], 16.0, 16.0, 16.0, state=0)

    assert actuator.reading().draw_a == (0.0, 0.0, 0.0)


async def test_phase_attributes_that_disagree_with_the_state_are_not_used(
    hass: HomeAssistant,
) -> None:
    actuator, _, entities = await started(hass)
    set_phases(hass, entities["current_import"], 16.0, 16.0, 16.0, state=8.0)

    assert actuator.reading().draw_a == (8.0, 8.0, 8.0)


async def test_a_missing_phase_puts_the_mean_on_every_line(hass: HomeAssistant) -> None:
    actuator, _, entities = await started(hass)
    set_phases(hass, entities["current_import"], 10.0)

    assert actuator.reading().draw_a == (10.0, 10.0, 10.0)


async def test_line_to_neutral_phase_names_are_read_too(hass: HomeAssistant) -> None:
    actuator, _, entities = await started(hass)
    hass.states.async_set(
        entities["current_import"],
        "10",
        {"L1-N": 9.0, "L2-N": 10.0, "L3-N": 11.0, "unit_of_measurement": "A"},
    )

    assert actuator.reading().draw_a == (9.0, 10.0, 11.0)


async def test_reading_falls_back_to_active_power(hass: HomeAssistant) -> None:
    actuator, _, entities = await started(hass)
    hass.states.async_set(entities["current_import"], "unavailable")
    hass.states.async_set(entities["power_active_import"], "6.9", {"unit_of_measurement": "kW"})

    assert actuator.reading().draw_a == pytest.approx((10.0, 10.0, 10.0))

    hass.states.async_set(entities["power_active_import"], "2300", {"unit_of_measurement": "W"})
    assert actuator.reading().draw_a == pytest.approx((10 / 3, 10 / 3, 10 / 3))


async def test_unavailable_sensors_read_as_none_never_zero(hass: HomeAssistant) -> None:
    actuator, _, entities = await started(hass)
    hass.states.async_set(entities["current_import"], "unavailable")
    hass.states.async_set(entities["power_active_import"], "unknown")

    reading = actuator.reading()
    assert reading.draw_a is None
    assert reading.at_s is None


async def test_unknown_units_are_not_guessed_and_logged_once(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    actuator, _, entities = await started(hass)
    set_phases(hass, entities["current_import"], 10.0, 10.0, 10.0, unit="kA?")
    hass.states.async_set(entities["power_active_import"], "6.9", {"unit_of_measurement": "MW?"})

    assert actuator.reading().draw_a is None
    assert actuator.reading().draw_a is None
    assert caplog.text.count("reports current in 'kA?'") == 1
    assert caplog.text.count("reports power in 'MW?'") == 1


async def test_milliamps_are_converted(hass: HomeAssistant) -> None:
    actuator, _, entities = await started(hass)
    set_phases(hass, entities["current_import"], 10000.0, 10000.0, 10000.0, unit="mA")

    assert actuator.reading().draw_a == (10.0, 10.0, 10.0)


@pytest.mark.parametrize(
    ("status", "connected"),
    [
        ("Available", False),
        ("Unavailable", False),
        ("Faulted", False),
        ("Reserved", False),
        ("unknown", False),
        ("unavailable", False),
        ("Preparing", True),
        ("Charging", True),
        ("SuspendedEV", True),
        ("SuspendedEVSE", True),
        ("Finishing", True),
        (None, False),  # registered but no state yet
    ],
)
async def test_connected_from_the_connector_status(
    hass: HomeAssistant, status: str | None, connected: bool
) -> None:
    actuator, _, entities = await started(hass)
    if status is not None:
        hass.states.async_set(entities["status_connector"], status)

    assert actuator.reading().connected is connected


# --- status: does the charger follow? -------------------------------------------------------
async def test_mismatch_after_two_meter_periods_of_a_different_offer(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    actuator, _, entities = await started(hass)  # meter period 30 s
    hass.states.async_set(entities["status_connector"], "Charging")
    offered = entities["current_offered"]
    await actuator.async_apply(allocation(10), now())

    freezer.tick(30)
    hass.states.async_set(offered, "16", {"unit_of_measurement": "A"})
    status = actuator.status()
    assert status.reported_a == 16.0
    assert status.commanded_a == 10.0
    assert status.mismatch is None  # still within two meter periods

    freezer.tick(31)
    hass.states.async_set(offered, "16", {"unit_of_measurement": "A"})
    assert actuator.status().mismatch == "charger offers 16.0 A, asked 10.0 A"

    hass.states.async_set(offered, "10.5", {"unit_of_measurement": "A"})
    assert actuator.status().mismatch is None  # within 1 A


async def test_no_mismatch_from_an_offer_reported_before_the_command(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    actuator, _, entities = await started(hass)
    hass.states.async_set(entities["status_connector"], "Charging")
    hass.states.async_set(entities["current_offered"], "16", {"unit_of_measurement": "A"})
    freezer.tick(1)
    await actuator.async_apply(allocation(10), now())

    freezer.tick(300)
    assert actuator.status().mismatch is None
    assert actuator.status().reported_a == 16.0


async def test_no_mismatch_while_nothing_is_plugged_in(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    actuator, _, entities = await started(hass)
    hass.states.async_set(entities["status_connector"], "Available")
    await actuator.async_apply(allocation(10), now())
    freezer.tick(300)
    hass.states.async_set(entities["current_offered"], "16", {"unit_of_measurement": "A"})

    assert actuator.status().mismatch is None


async def test_watt_charger_with_a_one_phase_car_on_three_phases(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    # The earlier integration divided the offered power by the site's 3 phases, read 5.3 A
    # for a correct 16 A offer, and reset the charger in a loop.
    actuator, ocpp, entities = await started(
        hass, capabilities={"ChargingScheduleAllowedChargingRateUnit": "Power"}
    )
    hass.states.async_set(entities["status_connector"], "Charging")
    set_phases(hass, entities["current_import"], 15.8, 0.0, 0.0)
    await actuator.async_apply(allocation(16), now())

    period = ocpp.profiles[-1]["chargingSchedule"]["chargingSchedulePeriod"][0]
    assert period == {"startPeriod": 0, "limit": 3680, "numberPhases": 3}  # 16 A x 230 V x 1

    freezer.tick(120)
    hass.states.async_set(entities["power_offered"], "3.68", {"unit_of_measurement": "kW"})
    status = actuator.status()
    assert status.reported_a == 16.0
    assert status.mismatch is None
    assert status.detail["watts_for_phases"] == 1

    # The car moves to three phases: the watt limit follows at once.
    set_phases(hass, entities["current_import"], 5.0, 5.0, 5.0)
    freezer.tick(1)
    await actuator.async_apply(allocation(16), now())
    assert ocpp.profiles[-1]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 11040


async def test_offered_power_without_a_car_uses_the_phases_of_the_command(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    actuator, _, entities = await started(
        hass, capabilities={"ChargingScheduleAllowedChargingRateUnit": "Power"}
    )
    hass.states.async_set(entities["status_connector"], "SuspendedEV")
    await actuator.async_apply(allocation(10), now())
    freezer.tick(200)
    hass.states.async_set(entities["power_offered"], "6900", {"unit_of_measurement": "W"})

    assert actuator.status().reported_a == 10.0
    assert actuator.status().mismatch is None


async def test_status_before_anything_was_sent(hass: HomeAssistant) -> None:
    actuator, _, _ = await started(hass)
    status = actuator.status()
    assert status.ready
    assert status.commanded_a is None
    assert status.reported_a is None
    assert status.mismatch is None


# --- ordering -------------------------------------------------------------------------------
async def test_an_allocation_overtaken_while_waiting_is_dropped(hass: HomeAssistant) -> None:
    actuator, _, _ = await started(hass)
    release = asyncio.Event()
    limits: list[float] = []

    async def slow(call: ServiceCall) -> None:
        await release.wait()
        limits.append(
            call.data["custom_profile"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        )

    hass.services.async_register("ocpp", "set_charge_rate", slow)
    first = hass.async_create_task(actuator.async_apply(allocation(16), now()))
    await asyncio.sleep(0)
    second = hass.async_create_task(actuator.async_apply(allocation(12), now()))
    third = hass.async_create_task(actuator.async_apply(allocation(8), now()))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, second, third)

    assert limits == [16.0, 8.0]


def test_iso_utc_truncates_to_the_second() -> None:
    assert iso_utc(1748779200.9) == "2025-06-01T12:00:00Z"


async def test_log_levels_are_warnings_not_errors(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    actuator, ocpp, _ = await started(hass)
    ocpp.fail_set = True
    await actuator.async_apply(allocation(10), now())
    await actuator.async_apply(allocation(12), now())
    sends = [r for r in caplog.records if "could not send" in r.getMessage()]
    assert [r.levelno for r in sends] == [logging.WARNING]
