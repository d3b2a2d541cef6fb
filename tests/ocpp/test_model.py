"""Reading what chargers report: rate units, meter values, the clock, confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ampwise.ocpp.confirm import ConfirmState, SentLimit, confirm
from custom_components.ampwise.ocpp.model import (
    Capabilities,
    ClockEstimate,
    ConnectorState,
    RateUnit,
    Reading,
    apply_meter_values,
    parse_rate_units,
    parse_time,
)
from custom_components.ampwise.ocpp.profiles import ProfileRecipe

T0 = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "units"),
    [
        ("Current", {RateUnit.AMPS}),
        ("power", {RateUnit.WATTS}),  # Huawei, lowercase
        ("Current,Power", {RateUnit.AMPS, RateUnit.WATTS}),
        ("W", {RateUnit.WATTS}),  # not in the spec, sent anyway
        ("A; W", {RateUnit.AMPS, RateUnit.WATTS}),
        ("", set()),
        (None, set()),
    ],
)
def test_rate_units(value: str | None, units: set[RateUnit]) -> None:
    assert parse_rate_units(value) == units


def test_capabilities_from_configuration() -> None:
    caps = Capabilities.from_config(
        {
            "ChargeProfileMaxStackLevel": "3",
            "ChargingScheduleAllowedChargingRateUnit": "Power",
            "NumberOfConnectors": "2",
            "MeterValuesSampledData": "Current.Import, Energy.Active.Import.Register",
            "MeterValueSampleInterval": "10",
            "SupportedFeatureProfiles": "Core,SmartCharging",
            "ChargingScheduleMaxPeriods": "garbage",
        }
    )
    assert caps.known
    assert (caps.max_stack_level, caps.number_of_connectors, caps.meter_interval_s) == (3, 2, 10.0)
    assert caps.rate_units == {RateUnit.WATTS}
    assert caps.measurands == ("Current.Import", "Energy.Active.Import.Register")
    assert caps.smart_charging is True
    assert caps.max_periods is None


def sv(measurand: str | None, value: str, **kw: str) -> dict[str, str]:
    out = {"value": value, "context": "Sample.Periodic", **kw}
    if measurand is not None:
        out["measurand"] = measurand
    return out


def test_meter_values_per_phase_and_units() -> None:
    state = ConnectorState(1)
    live = apply_meter_values(
        state,
        [
            {
                "timestamp": "2027-01-15T08:00:00Z",
                "sampled_value": [
                    sv("Current.Import", "15.8", phase="L1", unit="A"),
                    sv("Current.Import", "0.1", phase="L2-N", unit="A"),
                    sv("Current.Offered", "16", unit="A"),
                    sv("Power.Active.Import", "1.2", phase="L1", unit="kW"),
                    sv("Power.Active.Import", "2.4", phase="L2", unit="kw"),
                    sv(None, "12345", unit="Wh"),  # no measurand: the energy register
                    sv("SoC", "54", unit="Percent", location="EV"),
                    sv("Voltage", "231", phase="L1-N", unit="V"),
                ],
            }
        ],
        received=100.0,
    )
    assert live == [T0]
    assert state.current_import is not None
    assert state.current_import.phases == (15.8, 0.1, None)  # L3 not reported: unknown
    assert state.phases_in_use() == 1
    assert state.current_offered == Reading(16.0, T0, 100.0)
    assert state.power_active_import is not None
    assert state.power_active_import.value == pytest.approx(3600.0)
    assert state.energy_active_import_register == Reading(12345.0, T0, 100.0)
    assert state.soc is not None
    assert state.soc.value == 54.0


def test_unreadable_values_are_not_zero() -> None:
    state = ConnectorState(1, current_offered=Reading(16.0, None, 1.0))
    apply_meter_values(
        state,
        [
            {
                "timestamp": "not a time",
                "sampled_value": [
                    sv("Current.Offered", ""),
                    sv("Current.Import", "abc", phase="L1"),
                    sv("Current.Import", "NaN", phase="L2"),
                    sv("Power.Active.Import", "5", unit="furlongs"),
                    sv("Energy.Active.Import.Register", "a1b2", format="SignedData"),
                ],
            },
            "not a dict",
            {"sampled_value": "not a list"},
        ],
        received=2.0,
    )
    assert state.current_offered == Reading(16.0, None, 1.0)
    assert state.current_import is None
    assert state.power_active_import is None
    assert state.energy_active_import_register is None


def test_phaseless_current_is_l1_and_replaces_the_last_sample() -> None:
    state = ConnectorState(1)
    apply_meter_values(state, [{"sampled_value": [sv("Current.Import", "7", phase="L3")]}], 1.0)
    apply_meter_values(state, [{"sampled_value": [sv("Current.Import", "9")]}], 2.0)
    assert state.current_import is not None
    assert state.current_import.phases == (9.0, None, None)


def test_only_live_samples_measure_the_clock() -> None:
    state = ConnectorState(1)
    begin = {
        "timestamp": "2027-01-15T08:00:00Z",
        "sampled_value": [sv("SoC", "1", context="Transaction.Begin")],
    }
    assert apply_meter_values(state, [begin], 1.0) == []


def test_parse_time() -> None:
    assert parse_time("2027-01-15T08:00:00Z") == T0
    assert parse_time("2027-01-15T09:00:00+01:00") == T0
    assert parse_time("2027-01-15T08:00:00") == T0  # no zone: UTC
    assert parse_time("2027-01-15T08:00:00.250Z") == T0 + timedelta(milliseconds=250)
    assert parse_time(12) is None
    assert parse_time("x" * 1000) is None


def test_clock_offset_is_a_median_and_small_offsets_do_not_count() -> None:
    clock = ClockEstimate()
    assert clock.offset_s is None
    assert clock.usable_offset_s() == 0.0
    now = T0.timestamp()
    for _ in range(4):
        clock.add(T0 - timedelta(minutes=10), now)
    clock.add(T0 - timedelta(hours=5), now)  # one replayed, queued message
    assert clock.offset_s == -600
    assert clock.usable_offset_s() == -600
    small = ClockEstimate()
    small.add(T0 + timedelta(seconds=30), now)
    assert small.usable_offset_s() == 0.0
    small.add(datetime(1, 1, 1, tzinfo=UTC), now)  # garbage is not a clock
    assert small.offset_s == 30


def sent(limit: float = 10.0, at: float = 1000.0) -> SentLimit:
    return SentLimit(1, limit, 3, RateUnit.AMPS, limit, ProfileRecipe(), at, at)


def offered(value: float, received: float, status: str = "Charging") -> ConnectorState:
    return ConnectorState(1, status=status, current_offered=Reading(value, None, received))


@pytest.mark.parametrize(
    ("limit", "state", "now", "expected"),
    [
        (None, ConnectorState(1), 2000, ConfirmState.NO_LIMIT),
        (sent(), ConnectorState(1, status="Charging"), 2000, ConfirmState.NOT_CONFIRMED),
        (sent(), offered(16, 900), 1010, ConfirmState.WAITING),  # only an older report
        (sent(), offered(16, 900), 1030, ConfirmState.NOT_CONFIRMED),
        (sent(), offered(10.4, 1005), 1010, ConfirmState.CONFIRMED),
        (sent(), offered(16, 1005), 1010, ConfirmState.WAITING),  # two intervals not up
        (sent(), offered(16, 1025), 1030, ConfirmState.MISMATCH),
        (sent(), offered(16, 1025, "Available"), 1030, ConfirmState.NOT_CONFIRMED),
    ],
)
def test_confirmation(
    limit: SentLimit | None, state: ConnectorState, now: float, expected: ConfirmState
) -> None:
    result = confirm(limit, state, meter_interval_s=10, voltage=230, now=now)
    assert result.state is expected
    if expected is ConfirmState.MISMATCH:
        assert result.sentence == "charger offers 16.0 A on connector 1, asked 10.0 A"


def test_power_offered_counts_the_phases_the_car_uses() -> None:
    state = ConnectorState(
        1,
        status="Charging",
        power_offered=Reading(3680.0, None, 1025.0),
    )
    apply_meter_values(
        state, [{"sampled_value": [sv("Current.Import", "15.9", phase="L1")]}], received=1025.0
    )
    result = confirm(sent(16.0), state, meter_interval_s=10, voltage=230, now=1030)
    assert result.state is ConfirmState.CONFIRMED
    assert result.offered_a == pytest.approx(16.0)
