"""The checks the config flow (and later the hub) applies to what the user points at."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant

from custom_components.ampwise.validation import (
    SensorRole,
    circuit_parent_error,
    entity_unit,
    sensor_error,
    unit_fits,
    wiring_error,
)

TREE = [
    {"id": "house", "parent": None},
    {"id": "garage", "parent": "house"},
    {"id": "wallbox", "parent": "garage"},
]


@pytest.mark.parametrize(
    ("circuit", "parent", "error"),
    [
        ("garage", None, None),
        ("shed", "wallbox", None),
        ("house", "wallbox", "circuit_cycle"),
        ("garage", "garage", "circuit_cycle"),
        ("garage", "attic", "circuit_not_found"),
        (None, "garage", None),
    ],
)
def test_circuit_parent(circuit: str | None, parent: str | None, error: str | None) -> None:
    assert circuit_parent_error(TREE, circuit, parent) == error


def test_circuit_parent_survives_a_stored_loop() -> None:
    """Data that already loops (edited by hand) must not hang the flow."""
    looped = [{"id": "a", "parent": "b"}, {"id": "b", "parent": "a"}]
    assert circuit_parent_error(looped, "c", "a") is None


@pytest.mark.parametrize(
    ("unit", "role", "fits"),
    [
        ("A", SensorRole.CURRENT, True),
        ("mA", SensorRole.CURRENT, True),
        ("W", SensorRole.CURRENT, False),
        ("KW", SensorRole.POWER, True),
        ("kW", SensorRole.CURRENT_OR_POWER, True),
        ("kWh", SensorRole.POWER, False),
        ("%", SensorRole.SOC, True),
        (None, SensorRole.SOC, False),
    ],
)
def test_units(unit: str | None, role: SensorRole, fits: bool) -> None:
    assert unit_fits(unit, role) is fits


async def test_sensor_checks(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.soc", "50", {"unit_of_measurement": "%"})
    assert sensor_error(hass, "sensor.soc", SensorRole.SOC) is None
    assert sensor_error(hass, "sensor.soc", SensorRole.POWER) == "unknown_unit"
    assert sensor_error(hass, "sensor.gone", SensorRole.SOC) == "entity_not_found"
    assert entity_unit(hass, "sensor.gone") is None


@pytest.mark.parametrize(
    ("lines", "phases", "error"),
    [
        (["A"], 1, None),
        (["B"], 1, "phase_not_on_site"),
        (["B", "A"], 2, None),
        (["C", "A", "B"], 2, "phase_not_on_site"),
        (["C", "A", "B"], 3, None),
    ],
)
def test_wiring(lines: list[str], phases: int, error: str | None) -> None:
    assert wiring_error(lines, phases) == error
