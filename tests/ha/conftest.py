"""Fixtures for the tests that run Ampwise inside Home Assistant."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, patch

import ocpp.messages
import pytest
import voluptuous_serialize
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowHandler
from homeassistant.helpers import config_validation as cv

from custom_components.ampwise.ocpp import CentralSystem
from tests.ha.builtin_fixtures import PASSWORD, url
from tests.ocpp.sim_charger import SimCharger, SimOptions, wait_for

EN_JSON = Path(__file__).parents[2] / "custom_components/ampwise/translations/en.json"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/ampwise."""


@pytest.fixture
def mock_setup_entry() -> Iterator[AsyncMock]:
    """Flows that create or reload a hub do not run the hub itself."""
    with (
        patch(
            "custom_components.ampwise.async_setup_entry", return_value=True, create=True
        ) as setup,
        patch("custom_components.ampwise.async_unload_entry", return_value=True, create=True),
    ):
        yield setup


def _flow_strings(flow: FlowHandler, strings: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The translation block of an Ampwise flow; None for other integrations' flows."""
    from homeassistant.config_entries import ConfigFlow, ConfigSubentryFlow, OptionsFlow

    if isinstance(flow, ConfigSubentryFlow) and flow.handler[1] in strings["config_subentries"]:
        return strings["config_subentries"][flow.handler[1]]  # type: ignore[no-any-return]
    if isinstance(flow, OptionsFlow) and type(flow).__module__.startswith(
        "custom_components.ampwise"
    ):
        return strings["options"]  # type: ignore[no-any-return]
    if isinstance(flow, ConfigFlow) and flow.handler == "ampwise":
        return strings["config"]  # type: ignore[no-any-return]
    return None


@pytest.fixture
def translated_flows() -> Iterator[None]:
    """Every form, menu and abort of an Ampwise flow finds its strings in en.json, every
    placeholder an error message names is filled, and every form serializes for the frontend."""
    strings = json.loads(EN_JSON.read_text(encoding="utf-8"))
    show_form, show_menu, abort = (
        FlowHandler.async_show_form,
        FlowHandler.async_show_menu,
        FlowHandler.async_abort,
    )

    def checked_form(self: FlowHandler, **kwargs: Any) -> Any:
        if (block := _flow_strings(self, strings)) is not None:
            step = block["step"][kwargs["step_id"]]
            assert step["title"]
            voluptuous_serialize.convert(
                kwargs["data_schema"], custom_serializer=cv.custom_serializer
            )
            for key in kwargs["data_schema"].schema:
                assert str(key) in step["data"], f"{kwargs['step_id']}: no label for {key}"
            placeholders = kwargs.get("description_placeholders") or {}
            for field, error in (kwargs.get("errors") or {}).items():
                message = block["error"][error]
                missing = set(re.findall(r"{(\w+)}", message)) - set(placeholders)
                assert not missing, f"{field}: {error} lacks {missing}"
        return show_form(self, **kwargs)

    def checked_menu(self: FlowHandler, **kwargs: Any) -> Any:
        if (block := _flow_strings(self, strings)) is not None:
            labels = block["step"][kwargs["step_id"]]["menu_options"]
            assert all(option in labels for option in kwargs["menu_options"])
        return show_menu(self, **kwargs)

    def checked_abort(self: FlowHandler, **kwargs: Any) -> Any:
        if (block := _flow_strings(self, strings)) is not None:
            assert kwargs["reason"] in block["abort"]
        return abort(self, **kwargs)

    with (
        patch.object(FlowHandler, "async_show_form", checked_form),
        patch.object(FlowHandler, "async_show_menu", checked_menu),
        patch.object(FlowHandler, "async_abort", checked_abort),
    ):
        yield


StartSim = Callable[..., Awaitable[SimCharger]]


@pytest.fixture
def builtin(socket_enabled: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real sockets on 127.0.0.1, and OCPP schema checks in the loop (not in threads)."""
    monkeypatch.setattr(ocpp.messages, "ASYNC_VALIDATION", False)


@pytest.fixture
async def start_sim(hass: HomeAssistant, builtin: None) -> AsyncIterator[StartSim]:
    """Connect simulated chargers; they are closed before Home Assistant stops."""
    sims: list[SimCharger] = []

    async def start(
        central: CentralSystem,
        cp_id: str = "EVB-1",
        password: str | None = PASSWORD,
        *,
        ready: bool = True,
        **options: Any,
    ) -> SimCharger:
        sim = SimCharger(SimOptions(cp_id=cp_id, password=password, **options))
        sims.append(sim)
        await sim.connect(url(central))
        if ready:
            session = central.sessions[cp_id]
            await wait_for(lambda: session.ready, what=f"{cp_id} configured")
        return sim

    yield start
    for sim in sims:
        await sim.close()
