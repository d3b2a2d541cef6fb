"""Adding and reconfiguring an EV charger connector (lbbrhzn/ocpp backend)."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ampwise.const import CONF_CIRCUITS, DOMAIN, SUBENTRY_EVSE

pytestmark = pytest.mark.usefixtures("mock_setup_entry", "translated_flows")

GARAGE = {"id": "garage", "name": "Garage", "limit_a": 32, "parent": None, "sensors": []}
PROFILE = {
    "failsafe_a": 6,
    "profile_validity": "relative",
    "profile_timeout_s": 300,
    "stack_level": 3,
    "charge_rate_unit": "W",
}


@pytest.fixture
def charger(hass: HomeAssistant) -> str:
    """A charger device of the ocpp integration; returns its device id."""
    ocpp = MockConfigEntry(domain="ocpp")
    ocpp.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=ocpp.entry_id, identifiers={("ocpp", "CP1")}, name="CP1"
    )
    return device.id


def _hub(
    hass: HomeAssistant,
    *,
    phases: int = 3,
    circuits: list[dict[str, Any]] | None = None,
    subentries: list[ConfigSubentryData] | None = None,
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={"phases": phases, CONF_CIRCUITS: [GARAGE] if circuits is None else circuits},
        options={"interval_s": 10},
        subentries_data=subentries or [],
    )
    entry.add_to_hass(hass)
    return entry


def _charger_form(device: str, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Left charger",
        "backend": "lbbrhzn_ocpp",
        "ocpp_device": device,
        "connector_id": 1,
        "min_a": 6,
        "max_a": 16,
        "allow_below_6a": False,
        "lines": "cab",
        "circuit": "garage",
        "priority": 2,
        "mode": "solar",
        **changes,
    }


def _stored(device: str, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Left charger",
        "backend": "lbbrhzn_ocpp",
        "ocpp_device": device,
        "connector_id": 1,
        "min_a": 6,
        "max_a": 16,
        "lines": ["C", "A", "B"],
        "circuit": "garage",
        "priority": 2,
        "mode": "solar",
        **PROFILE,
        **changes,
    }


async def _start(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_EVSE), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result


def _field(result: dict[str, Any], name: str) -> Any:
    return next(key for key in result["data_schema"].schema if str(key) == name)


def _choices(result: dict[str, Any], name: str) -> list[str]:
    selector = result["data_schema"].schema[_field(result, name)]
    return [o if isinstance(o, str) else o["value"] for o in selector.config["options"]]


async def test_add_charger(hass: HomeAssistant, charger: str) -> None:
    entry = _hub(hass)
    result = await _start(hass, entry)
    assert _choices(result, "circuit") == ["main", "garage"]
    assert _field(result, "priority").default() == 1
    assert _field(result, "lines").default() == "abc"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _charger_form(charger, min_a=8)
    )
    assert result["step_id"] == "profile"
    # The failsafe starts at the minimum just entered.
    assert _field(result, "failsafe_a").description == {"suggested_value": 8}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**PROFILE, "failsafe_a": 0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = next(iter(entry.subentries.values()))
    assert subentry.title == "Left charger"
    assert subentry.unique_id == f"{charger}_1"
    assert subentry.data == _stored(charger, min_a=8, failsafe_a=0)


async def test_wiring_and_circuits_follow_the_site(hass: HomeAssistant, charger: str) -> None:
    """A 1-phase site offers one wiring; without circuits there is no circuit field."""
    result = await _start(hass, _hub(hass, phases=1, circuits=[]))
    assert _choices(result, "lines") == ["a"]
    assert "circuit" not in [str(key) for key in result["data_schema"].schema]
    result = await _start(hass, _hub(hass, phases=2))
    assert _choices(result, "lines") == ["a", "b", "ab", "ba"]
    assert len(_choices(await _start(hass, _hub(hass)), "lines")) == 15


async def test_priority_defaults_after_the_existing_loads(hass: HomeAssistant) -> None:
    loads = [
        ConfigSubentryData(data={}, subentry_type="switch", title=f"Plug {n}", unique_id=str(n))
        for n in range(12)
    ]
    result = await _start(hass, _hub(hass, subentries=loads[:2]))
    assert _field(result, "priority").default() == 3
    result = await _start(hass, _hub(hass, subentries=loads))
    assert _field(result, "priority").default() == 10


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"min_a": 5}, {"min_a": "min_below_6a"}),
        ({"min_a": 20}, {"min_a": "min_above_max"}),
        ({"min_a": 0, "max_a": 0}, {"min_a": "must_be_positive", "max_a": "must_be_positive"}),
        ({"ocpp_device": "no-such-device"}, {"ocpp_device": "device_not_found"}),
    ],
)
async def test_charger_errors(
    hass: HomeAssistant, charger: str, changes: dict[str, Any], errors: dict[str, str]
) -> None:
    result = await _start(hass, _hub(hass))
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _charger_form(charger, **changes)
    )
    assert result["step_id"] == "user"
    assert result["errors"] == errors


async def test_low_minimum_when_confirmed(hass: HomeAssistant, charger: str) -> None:
    result = await _start(hass, _hub(hass))
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _charger_form(charger, min_a=4, allow_below_6a=True)
    )
    assert result["step_id"] == "profile"


async def test_device_of_another_integration(hass: HomeAssistant) -> None:
    other = MockConfigEntry(domain="zha")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("zha", "x")}
    )
    result = await _start(hass, _hub(hass))
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _charger_form(device.id)
    )
    assert result["errors"] == {"ocpp_device": "device_not_found"}


@pytest.mark.parametrize(
    ("profile", "errors", "placeholders"),
    [
        (
            {"profile_timeout_s": 10},
            {"profile_timeout_s": "timeout_not_above_interval"},
            {"interval": "10"},
        ),
        ({"stack_level": 0}, {"stack_level": "invalid_stack_level"}, {}),
        ({"failsafe_a": 3}, {"failsafe_a": "invalid_failsafe"}, {"min": "6", "max": "16"}),
        ({"failsafe_a": 16.5}, {"failsafe_a": "invalid_failsafe"}, {"min": "6", "max": "16"}),
    ],
)
async def test_profile_errors(
    hass: HomeAssistant,
    charger: str,
    profile: dict[str, Any],
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> None:
    result = await _start(hass, _hub(hass))
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _charger_form(charger)
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**PROFILE, **profile}
    )
    assert result["step_id"] == "profile"
    assert result["errors"] == errors
    assert result["description_placeholders"] == placeholders


async def test_same_connector_twice_aborts(hass: HomeAssistant, charger: str) -> None:
    """Told before the second form; another hub's charger counts too."""
    _hub(
        hass,
        subentries=[
            ConfigSubentryData(
                data={}, subentry_type=SUBENTRY_EVSE, title="Left", unique_id=f"{charger}_1"
            )
        ],
    )
    result = await _start(hass, _hub(hass))
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _charger_form(charger)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_hub_changed_while_the_form_was_open(hass: HomeAssistant, charger: str) -> None:
    """Wiring and circuit are checked against the hub as it is when the form is sent."""
    entry = _hub(hass)
    result = await _start(hass, entry)
    hass.config_entries.async_update_entry(entry, data={"phases": 1, CONF_CIRCUITS: []})
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _charger_form(charger)
    )
    assert result["errors"] == {"lines": "phase_not_on_site", "circuit": "circuit_not_found"}


async def test_reconfigure_charger(hass: HomeAssistant, charger: str) -> None:
    entry = _hub(
        hass,
        subentries=[
            ConfigSubentryData(
                data=_stored(charger, min_a=5, circuit=None, failsafe_a=5),
                subentry_type=SUBENTRY_EVSE,
                title="Left charger",
                unique_id=f"{charger}_1",
            )
        ],
    )
    subentry_id = next(iter(entry.subentries))
    result = await entry.start_subentry_reconfigure_flow(hass, SUBENTRY_EVSE, subentry_id)
    assert result["step_id"] == "reconfigure"
    assert _field(result, "allow_below_6a").description == {"suggested_value": True}
    assert _field(result, "circuit").description == {"suggested_value": "main"}
    assert _field(result, "lines").description == {"suggested_value": "cab"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _charger_form(charger, name="Left", max_a=32, circuit="main")
    )
    assert result["step_id"] == "profile"
    assert _field(result, "failsafe_a").description == {"suggested_value": 5}
    assert _field(result, "stack_level").description == {"suggested_value": 3}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], PROFILE)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[subentry_id]
    assert subentry.title == "Left"
    assert subentry.data == _stored(charger, name="Left", max_a=32, circuit=None)


async def test_reconfigure_onto_a_connector_in_use_aborts(
    hass: HomeAssistant, charger: str
) -> None:
    entry = _hub(
        hass,
        subentries=[
            ConfigSubentryData(
                data=_stored(charger),
                subentry_type=SUBENTRY_EVSE,
                title="Left charger",
                unique_id=f"{charger}_1",
            ),
            ConfigSubentryData(
                data=_stored(charger, connector_id=2),
                subentry_type=SUBENTRY_EVSE,
                title="Right charger",
                unique_id=f"{charger}_2",
            ),
        ],
    )
    right = next(s for s in entry.subentries.values() if s.title == "Right charger")
    result = await entry.start_subentry_reconfigure_flow(hass, SUBENTRY_EVSE, right.subentry_id)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _charger_form(charger, connector_id=1)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
