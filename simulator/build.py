"""From a schema-checked scenario mapping to a `Scenario`, with the checks that span keys.

The schema has already checked types and ranges; what is left needs context: a load's mode
against its kind, wiring against the site's phases, references between circuits, loads and
expectations. Each failure is a `Problem` carrying the key path, so the message names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from custom_components.ampwise.engine import (
    MODES_BY_KIND,
    PHASE_NAMES,
    Battery,
    Circuit,
    Load,
    LoadKind,
    Metering,
    Mode,
    Site,
    Strategy,
    Timing,
)

from .expect import expectations, known_load
from .problem import Path, Problem, format_path
from .scenario import EPS, LoadSpec, ModeChange, Outage, Scenario, Vehicle
from .series import household_series, solar_series


def build_scenario(data: dict[str, Any], source: str) -> Scenario:
    """The scenario `data` describes; raises `Problem` naming the first wrong key."""
    site_data = data["site"]
    phases = site_data.get("phases", 3)
    step_s = data.get("step_s", 5.0)
    duration_s = data.get("duration_s", 600.0)
    site = _site(site_data, phases)
    loads = _loads(data["loads"], site)
    by_id = {spec.load.id: spec for spec in loads}
    return Scenario(
        name=data["name"],
        description=data.get("description") or "",
        source=source,
        duration_s=duration_s,
        step_s=step_s,
        site=site,
        loads=loads,
        household_a=household_series(data.get("household"), phases, site.voltage_v),
        solar_w=solar_series(data.get("solar"), phases),
        load_meter_interval_s=site_data.get("load_meter_interval_s", step_s),
        battery_soc_pct=site_data["battery"]["soc_pct"] if site_data.get("battery") else None,
        expect=expectations(data.get("expect", []), by_id, duration_s),
        mode_changes=_mode_changes(data.get("mode_changes", []), by_id),
        grid_outages=_outages(data.get("grid_outages", [])),
    )


def _site(data: dict[str, Any], phases: int) -> Site:
    battery = data.get("battery")
    return Site(
        phases=phases,
        voltage_v=data.get("voltage_v", 230.0),
        main_breaker_a=data["main_breaker_a"],
        metering=Metering(data.get("metering", Metering.PER_PHASE.value)),
        max_import_w=data.get("max_import_w"),
        excess_threshold_w=data.get("excess_threshold_w", 0.0),
        grid_import_allowed=data.get("grid_import_allowed", True),
        distribution=Strategy(data.get("distribution", Strategy.PRIORITY.value)),
        circuits=_circuits(data.get("circuits", [])),
        battery=_battery(battery) if battery else None,
        timing=Timing(**data.get("timing", {})),  # the schema's timing keys are Timing's fields
    )


def _battery(data: dict[str, Any]) -> Battery:
    battery = Battery(
        soc_min_pct=data.get("soc_min_pct", 10.0),
        soc_target_pct=data.get("soc_target_pct", 80.0),
        hysteresis_pct=data.get("hysteresis_pct", 5.0),
        max_charge_w=data.get("max_charge_w", 5000.0),
        max_discharge_w=data.get("max_discharge_w", 5000.0),
        capacity_kwh=data["capacity_kwh"],
    )
    if battery.soc_min_pct > battery.soc_target_pct:
        raise Problem(
            ("site", "battery", "soc_min_pct"),
            f"{battery.soc_min_pct:g} is above soc_target_pct {battery.soc_target_pct:g}",
        )
    return battery


def _circuits(items: Sequence[dict[str, Any]]) -> tuple[Circuit, ...]:
    circuits = tuple(
        Circuit(id=c["id"], limit_a=c["limit_a"], parent=c.get("parent"), limit_w=c.get("limit_w"))
        for c in items
    )
    index = _unique_ids([c.id for c in circuits], ("site", "circuits"))
    for i, circuit in enumerate(circuits):
        if circuit.parent is not None and circuit.parent not in index:
            raise Problem(
                ("site", "circuits", i, "parent"),
                f"unknown circuit {circuit.parent!r} (circuits: {', '.join(index)})",
            )
        chain = [circuit.id]
        parent = circuit.parent
        while parent is not None:
            chain.append(parent)
            if parent == circuit.id:
                raise Problem(
                    ("site", "circuits", i, "parent"),
                    f"circuits form a cycle: {' -> '.join(chain)}",
                )
            if chain.count(parent) > 1:
                break  # a cycle above this circuit; reported at one of its members
            parent = circuits[index[parent]].parent
    return circuits


def _unique_ids(ids: Sequence[str], path: Path) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, item in enumerate(ids):
        if item in index:
            also = format_path((*path, index[item]))
            raise Problem((*path, i, "id"), f"duplicate id {item!r} (also {also})")
        index[item] = i
    return index


def _loads(items: Sequence[dict[str, Any]], site: Site) -> tuple[LoadSpec, ...]:
    specs = tuple(_load(("loads", i), data, site) for i, data in enumerate(items))
    _unique_ids([spec.load.id for spec in specs], ("loads",))
    return specs


_KIND_KEYS = {
    LoadKind.EVSE: ("min_a", "max_a", "vehicle", "step_a"),
    LoadKind.SWITCH: ("power_w",),
    LoadKind.NUMBER: ("min_a", "max_a", "min_w", "max_w", "step_a"),
}
_KIND_ONLY = ("min_a", "max_a", "min_w", "max_w", "vehicle", "power_w", "step_a")


def check_mode(kind: LoadKind, value: str, path: Path) -> Mode:
    """`value` as a mode of a `kind` load."""
    allowed = [m for m in Mode if m in MODES_BY_KIND[kind]]
    if value not in [m.value for m in allowed]:
        names = ", ".join(m.value for m in allowed)
        article = "an" if kind is LoadKind.EVSE else "a"
        raise Problem(
            path, f"unknown mode {value!r} for {article} {kind} load (expected one of {names})"
        )
    return Mode(value)


def _load(path: Path, data: dict[str, Any], site: Site) -> LoadSpec:
    kind = LoadKind(data["kind"])
    mode = check_mode(kind, data["mode"], (*path, "mode"))
    for key in _KIND_ONLY:
        if key in data and key not in _KIND_KEYS[kind]:
            owners = " and ".join(k.value for k, keys in _KIND_KEYS.items() if key in keys)
            raise Problem((*path, key), f"only {owners} loads have this key, not {kind}")
    lines = _wiring(data.get("wiring"), site.phases, (*path, "wiring"))
    circuit = data.get("circuit")
    if circuit is not None and circuit not in {c.id for c in site.circuits}:
        known = ", ".join(c.id for c in site.circuits) or "none defined"
        raise Problem((*path, "circuit"), f"unknown circuit {circuit!r} (circuits: {known})")
    per_a = site.voltage_v * len(lines)
    power_w = None
    if kind is LoadKind.SWITCH:
        if "power_w" not in data:
            raise Problem((*path, "power_w"), "required for a switch load")
        power_w = data["power_w"]
        min_a = max_a = power_w / per_a
    else:
        min_a = _amps(data, "min", 6.0, per_a, path)
        max_a = _amps(data, "max", 16.0, per_a, path)
        if min_a > max_a + EPS:
            key = "min_a" if "min_a" in data or "min_w" not in data else "min_w"
            raise Problem((*path, key), f"minimum {min_a:g} A is above maximum {max_a:g} A")
    load = Load(
        id=data["id"],
        kind=kind,
        mode=mode,
        lines=lines,
        min_a=min_a,
        max_a=max_a,
        priority=data.get("priority", 1),
        circuit=circuit,
        step_a=data.get("step_a", 0.1),
        on_off=kind is LoadKind.SWITCH,
        failsafe_a=min_a if kind is LoadKind.EVSE else 0.0,
        min_on_s=data.get("min_on_s", 0.0),
        min_off_s=data.get("min_off_s", 0.0),
        name=data.get("name", ""),
    )
    vehicle = None
    if kind is LoadKind.EVSE:
        vehicle = _vehicle(data.get("vehicle") or {}, max_a, (*path, "vehicle"))
    return LoadSpec(load=load, vehicle=vehicle, power_w=power_w)


def _amps(data: dict[str, Any], bound: str, default: float, per_a: float, path: Path) -> float:
    """`min_a`/`max_a`, or (number loads) `min_w`/`max_w` converted to A per line."""
    amps, watts = f"{bound}_a", f"{bound}_w"
    if amps in data and watts in data:
        raise Problem((*path, watts), f"give {amps} or {watts}, not both")
    if watts in data:
        return float(data[watts]) / per_a
    return float(data.get(amps, default))


def _wiring(value: list[int] | None, phases: int, path: Path) -> tuple[int, ...]:
    if value is None:
        return tuple(range(phases))
    for j, phase in enumerate(value):
        if phase >= phases:
            raise Problem(
                (*path, j), f"phase {PHASE_NAMES[phase]} does not exist on a {phases}-phase site"
            )
        if phase in value[:j]:
            raise Problem((*path, j), f"phase {PHASE_NAMES[phase]} is listed twice")
    return tuple(value)


def _vehicle(data: dict[str, Any], charger_max_a: float, path: Path) -> Vehicle:
    vehicle = Vehicle(
        max_a=data.get("max_a", charger_max_a),
        plugged_at_s=data.get("plugged_at_s", 0.0),
        unplugged_at_s=data.get("unplugged_at_s"),
        energy_kwh=data.get("energy_kwh"),
        phases=data.get("phases"),
    )
    plugged, unplugged = vehicle.plugged_at_s, vehicle.unplugged_at_s
    if plugged is not None and unplugged is not None and unplugged <= plugged:
        raise Problem((*path, "unplugged_at_s"), f"must be after plugged_at_s ({plugged:g})")
    return vehicle


def _mode_changes(
    items: Sequence[dict[str, Any]], loads: dict[str, LoadSpec]
) -> tuple[ModeChange, ...]:
    changes = []
    for i, item in enumerate(items):
        spec = known_load(loads, item["load"], ("mode_changes", i, "load"))
        mode = check_mode(spec.load.kind, item["mode"], ("mode_changes", i, "mode"))
        changes.append(ModeChange(t_s=item["t_s"], load=item["load"], mode=mode))
    return tuple(sorted(changes, key=lambda change: change.t_s))


def _outages(items: Sequence[dict[str, Any]]) -> tuple[Outage, ...]:
    outages = []
    for i, item in enumerate(items):
        if item["to_s"] <= item["from_s"]:
            raise Problem(("grid_outages", i, "to_s"), f"must be after from_s ({item['from_s']:g})")
        outages.append(Outage(from_s=item["from_s"], to_s=item["to_s"]))
    return tuple(outages)
