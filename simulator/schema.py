"""The voluptuous schema of a scenario (spec/scenario-format.md plus our extensions).

Structure, types and ranges only. Checks that need the whole scenario (wiring against the
site's phases, circuit references, modes per load kind) live in `build.py`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import voluptuous as vol

from custom_components.ampwise.engine import Metering, Mode, Reason, Strategy

PHASE_LETTERS = ("A", "B", "C")
_NUMERIC_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def number(value: Any) -> float:
    """A finite int or float (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = ""
        if isinstance(value, str) and _NUMERIC_TEXT.match(value.strip()):
            # PyYAML follows YAML 1.1, where 1e3 (no dot, no sign) is a string.
            hint = " (YAML 1.1 reads this as text: write 1000 or 1.0e+3)"
        raise vol.Invalid(f"expected a number, got {value!r}{hint}")
    if not math.isfinite(value):
        raise vol.Invalid(f"expected a finite number, got {value!r}")
    return float(value)


def integer(value: Any) -> int:
    """An int (not a bool, not a float)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise vol.Invalid(f"expected an integer, got {value!r}")
    return value


def boolean(value: Any) -> bool:
    """true/false (YAML 1.1 also reads on/off/yes/no as booleans)."""
    if not isinstance(value, bool):
        raise vol.Invalid(f"expected true or false, got {value!r}")
    return value


def text(value: Any) -> str:
    """A non-empty string; YAML turns bare numbers into ints, so accept those as ids too."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise vol.Invalid(f"expected a string, got {value!r}")
    if str(value).strip() == "":
        raise vol.Invalid("must not be empty")
    return str(value)


def free_text(value: Any) -> str:
    """Any string, empty included."""
    if not isinstance(value, str):
        raise vol.Invalid(f"expected a string, got {value!r}")
    return value


def nullable(validator: Any) -> Callable[[Any], Any]:
    """What `validator` (any voluptuous schema) accepts, or null."""
    schema = vol.Schema(validator)

    def check(value: Any) -> Any:
        return None if value is None else schema(value)

    return check


def at_least(low: float) -> Any:
    return vol.All(number, vol.Range(min=low))


def above(low: float) -> Any:
    return vol.All(number, vol.Range(min=low, min_included=False))


def between(low: float, high: float) -> Any:
    return vol.All(number, vol.Range(min=low, max=high))


def one_of(names: tuple[str, ...], what: str) -> Callable[[Any], str]:
    """One of `names`, with a message that lists them."""

    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in names:
            raise vol.Invalid(f"unknown {what} {value!r} (expected one of {', '.join(names)})")
        return value

    return check


def mode_name(value: Any) -> str:
    """A mode name, checked against the load's kind later; YAML 1.1 reads on/off as booleans."""
    if value is True:
        return Mode.ON.value
    if value is False:
        return Mode.OFF.value
    if not isinstance(value, str):
        raise vol.Invalid(f"expected a mode name, got {value!r}")
    return value


def phase_letter(value: Any) -> int:
    """A, B or C as a site phase index."""
    if not isinstance(value, str) or value.upper() not in PHASE_LETTERS:
        raise vol.Invalid(f"unknown phase {value!r} (expected A, B or C)")
    return PHASE_LETTERS.index(value.upper())


def series(step: dict[Any, Any], compact: dict[Any, Any]) -> Callable[[Any], Any]:
    """A step function: a list of `step` entries, or (extension) a compact per-step series."""
    steps, packed = vol.Schema([step]), vol.Schema(compact)

    def check(value: Any) -> Any:
        if isinstance(value, dict):
            return packed(value)
        if isinstance(value, list):
            return steps(value)
        raise vol.Invalid("expected a list of {t_s: ...} steps or an {every_s: ...} series")

    return check


def number_list(value: Any) -> list[float]:
    """A list of numbers, checked without voluptuous' per-item overhead (long series)."""
    if not isinstance(value, list):
        raise vol.Invalid("expected a list of numbers")
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
            raise vol.Invalid(f"expected a number, got {item!r}", path=[i])
    return [float(item) for item in value]


def number_rows(value: Any) -> list[list[float]]:
    """A list of lists of numbers (one row per step)."""
    if not isinstance(value, list):
        raise vol.Invalid("expected a list of lists of numbers")
    rows = []
    for i, row in enumerate(value):
        try:
            rows.append(number_list(row))
        except vol.Invalid as err:
            err.prepend([i])
            raise
    return rows


TIMING = {
    "start_delay_s": at_least(0),
    "stop_delay_s": at_least(0),
    "excess_hold_s": at_least(0),
    "min_pause_s": at_least(0),
    "stale_after_s": at_least(0),
    # extensions: the rest of the engine's Timing
    "interval_s": above(0),
    "ramp_up_a_per_s": above(0),
    "dead_band_a": at_least(0),
    "probe_margin_a": at_least(0),
    "follow_tolerance_a": at_least(0),
    "surplus_reserve_w": number,
    "predictive_stop": boolean,
    "raise_delay_s": at_least(0),
    "import_tolerance_w": at_least(0),
    "import_grace_s": at_least(0),
    "buffer_window_s": above(0),
    "buffer_band_w": at_least(0),
    "hold_max_shortfall_pct": between(0, 100),
}

BATTERY = {
    vol.Required("capacity_kwh"): above(0),
    vol.Required("soc_pct"): between(0, 100),
    "soc_min_pct": between(0, 100),
    "soc_target_pct": between(0, 100),
    "hysteresis_pct": between(0, 100),
    "max_charge_w": at_least(0),
    "max_discharge_w": at_least(0),
}

CIRCUIT = {
    vol.Required("id"): text,
    vol.Required("limit_a"): above(0),
    "parent": nullable(text),
    "limit_w": nullable(above(0)),  # extension
}

SITE = {
    "phases": vol.All(integer, vol.Range(min=1, max=3)),
    "voltage_v": above(0),
    vol.Required("main_breaker_a"): above(0),
    "max_import_w": nullable(at_least(0)),
    "excess_threshold_w": number,
    "distribution": one_of(tuple(s.value for s in Strategy), "distribution"),
    "grid_import_allowed": boolean,
    "load_meter_interval_s": above(0),
    "battery": nullable(BATTERY),
    "circuits": [CIRCUIT],
    "timing": TIMING,
    # extension: `total` = one net power sensor for the whole site
    "metering": one_of((Metering.PER_PHASE.value, Metering.TOTAL.value), "metering"),
}

VEHICLE = {
    "max_a": above(0),
    "plugged_at_s": nullable(at_least(0)),
    "energy_kwh": nullable(at_least(0)),
    # extensions
    "unplugged_at_s": nullable(at_least(0)),
    "phases": vol.All(integer, vol.Range(min=1, max=3)),
}

LOAD = {
    vol.Required("id"): text,
    vol.Required("kind"): one_of(("evse", "switch", "number"), "kind"),
    vol.Required("mode"): mode_name,
    "priority": integer,
    "min_a": at_least(0),
    "max_a": above(0),
    "wiring": vol.All([phase_letter], vol.Length(min=1, max=3)),
    "circuit": nullable(text),
    "vehicle": nullable(VEHICLE),
    "power_w": above(0),
    # extensions
    "name": free_text,
    "min_w": at_least(0),
    "max_w": above(0),
    "step_a": above(0),
    "min_on_s": at_least(0),
    "min_off_s": at_least(0),
}

HOUSEHOLD_STEP = {vol.Required("t_s"): at_least(0), "a": number_list, "w": number_list}
SOLAR_STEP = {vol.Required("t_s"): at_least(0), "w": at_least(0), "w_per_phase": number_list}
# Extension: one value per step of `every_s`, starting at t = 0.
HOUSEHOLD_SERIES = {vol.Required("every_s"): above(0), "a": number_rows, "w": number_rows}
SOLAR_SERIES = {vol.Required("every_s"): above(0), "w": number_list, "w_per_phase": number_rows}

EXPECT = {
    "load": text,
    "at_s": at_least(0),
    "current_a": at_least(0),
    "tol_a": at_least(0),
    "current_a_min": number,
    "current_a_max": number,
    "switched_on": boolean,
    "grid_import_w_max": number,
    "grid_import_w_min": number,
    "no_overload": boolean,
    # extensions
    "starts_max": vol.All(integer, vol.Range(min=0)),
    "setpoint_changes_max": vol.All(integer, vol.Range(min=0)),
    "reason": one_of(tuple(r.value for r in Reason), "reason"),
    "energy_kwh_min": number,
    "energy_kwh_max": number,
}

MODE_CHANGE = {
    vol.Required("t_s"): at_least(0),
    vol.Required("load"): text,
    vol.Required("mode"): mode_name,
}

OUTAGE = {vol.Required("from_s"): at_least(0), vol.Required("to_s"): at_least(0)}

SCENARIO = vol.Schema(
    {
        vol.Required("name"): text,
        "description": nullable(free_text),
        "duration_s": at_least(0),
        "step_s": above(0),
        vol.Required("site"): SITE,
        vol.Required("loads"): [LOAD],
        "household": series(HOUSEHOLD_STEP, HOUSEHOLD_SERIES),
        "solar": series(SOLAR_STEP, SOLAR_SERIES),
        "expect": [EXPECT],
        # extensions
        "mode_changes": [MODE_CHANGE],
        "grid_outages": [OUTAGE],
    }
)

# Keys at each place of the document, for "unknown key 'x' (known: ...)" messages.
KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "": tuple(str(k) for k in SCENARIO.schema),
    "site": tuple(str(k) for k in SITE),
    "site.battery": tuple(str(k) for k in BATTERY),
    "site.circuits[]": tuple(str(k) for k in CIRCUIT),
    "site.timing": tuple(str(k) for k in TIMING),
    "loads[]": tuple(str(k) for k in LOAD),
    "loads[].vehicle": tuple(str(k) for k in VEHICLE),
    "household[]": tuple(str(k) for k in HOUSEHOLD_STEP),
    "household": tuple(str(k) for k in HOUSEHOLD_SERIES),
    "solar[]": tuple(str(k) for k in SOLAR_STEP),
    "solar": tuple(str(k) for k in SOLAR_SERIES),
    "expect[]": tuple(str(k) for k in EXPECT),
    "mode_changes[]": tuple(str(k) for k in MODE_CHANGE),
    "grid_outages[]": tuple(str(k) for k in OUTAGE),
}
