"""The power the site can hand out this tick, before any load takes a share.

Physical pools are per phase and per circuit (breakers), plus whole-site caps (max import,
inverter). Energy pools are site totals in watts: surplus for Solar loads, excess above the
threshold for Excess loads, and solar+battery for Standard/Eco loads when the grid may not
be used. Every figure is computed from the household, i.e. the measurements with the managed
loads' own draw taken out (feedback correction), so a running load never pushes itself out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .model import Battery, Load, Metering, Site

INF = float("inf")
STORED_SOLAR_HOURS = 1.0


@dataclass(frozen=True, slots=True)
class Pools:
    """What the distribution starts from."""

    household_a: tuple[float, ...]
    phase_limit_a: tuple[float, ...]
    circuit_free_a: Mapping[str, tuple[float, ...]]
    circuit_free_w: Mapping[str, float]
    import_free_w: float | None
    inverter_free_w: float | None
    surplus_w: float
    excess_w: float
    own_w: float | None
    battery_first: bool
    raw_surplus_w: float
    # The battery is at its target and evens out the surplus for Solar/Excess loads.
    buffered: bool = False

    @property
    def headroom_a(self) -> tuple[float, ...]:
        return tuple(
            limit - used for limit, used in zip(self.phase_limit_a, self.household_a, strict=True)
        )


def load_phase_draws(
    site: Site, loads: Sequence[Load], draws: Mapping[str, tuple[float, ...]]
) -> list[float]:
    """Sum of the managed loads' (estimated) draw on each site phase."""
    per_phase = [0.0] * site.phases
    for load in loads:
        line_draws = draws.get(load.id)
        if line_draws is None:
            continue
        for phase, amps in zip(load.lines, line_draws, strict=False):
            per_phase[phase] += amps
    return per_phase


def household(
    site: Site,
    grid_a: tuple[float, ...] | None,
    grid_w: float | None,
    solar_w: float | None,
    managed_a: Sequence[float],
) -> tuple[tuple[float, ...], float]:
    """Household current per phase and net household power: the site minus managed loads.

    With one total power sensor the split over phases is unknown, so every phase is assumed
    to carry the whole household (less its share of a symmetric inverter): the worst case.
    """
    v = site.voltage_v
    if site.metering is not Metering.TOTAL:
        assert grid_a is not None
        per_phase = tuple(g - m for g, m in zip(grid_a, managed_a, strict=True))
        return per_phase, sum(per_phase) * v
    assert grid_w is not None
    net_w = grid_w - sum(managed_a) * v
    solar = solar_w or 0.0
    worst_w = max(net_w + solar * (site.phases - 1) / site.phases, net_w / site.phases)
    return tuple(worst_w / v for _ in managed_a), net_w


def battery_loads_first(battery: Battery, soc: float | None, previous: bool | None) -> bool:
    """Whether loads come before the battery, with hysteresis (PRODUCT.md §4).

    Loads come first once SoC reaches the target and stay first until SoC falls below
    target - hysteresis. An unknown SoC keeps the battery first.
    """
    if soc is None:
        return False
    if soc >= battery.soc_target_pct:
        return True
    if soc < battery.soc_target_pct - battery.hysteresis_pct:
        return False
    return bool(previous)


def stored_solar_w(battery: Battery, soc: float | None) -> float:
    """Battery power Solar loads may use on top of surplus: the energy above target minus
    hysteresis, spread over an hour so the battery tapers off instead of being drained."""
    if soc is None or battery.capacity_kwh is None:
        return 0.0
    floor = battery.soc_target_pct - battery.hysteresis_pct
    spare_wh = max(0.0, soc - floor) / 100.0 * battery.capacity_kwh * 1000.0
    return min(battery.max_discharge_w, spare_wh / STORED_SOLAR_HOURS)


def build_pools(
    site: Site,
    household_a: tuple[float, ...],
    household_w: float,
    managed_w: float,
    managed_circuit_a: Mapping[str, Sequence[float]],
    circuit_readings: Mapping[str, tuple[float, ...]],
    battery_w: float | None,
    battery_soc: float | None,
    loads_first: bool,
    recent_surplus_w: Sequence[float] = (),
) -> Pools:
    """Compute every pool from the household figures and the battery state.

    `recent_surplus_w` are the raw surplus figures of the last few minutes; with the battery
    at its target they set the pace, the battery absorbing what the sun does in between.
    """
    v = site.voltage_v
    off_grid = site.metering is Metering.OFF_GRID
    if off_grid and site.inverter is not None:
        phase_limit = tuple(site.inverter.max_a_per_phase for _ in household_a)
    else:
        phase_limit = tuple(site.main_breaker_a for _ in household_a)

    circuit_free_a: dict[str, tuple[float, ...]] = {}
    circuit_free_w: dict[str, float] = {}
    for circuit in site.circuits:
        reading = circuit_readings.get(circuit.id)
        managed = managed_circuit_a.get(circuit.id, (0.0,) * site.phases)
        # A circuit meter sees managed and unmanaged draw; only the unmanaged part is fixed.
        unmanaged = (
            tuple(max(0.0, r - m) for r, m in zip(reading, managed, strict=True))
            if reading is not None
            else (0.0,) * site.phases
        )
        circuit_free_a[circuit.id] = tuple(circuit.limit_a - u for u in unmanaged)
        if circuit.limit_w is not None:
            circuit_free_w[circuit.id] = circuit.limit_w - sum(unmanaged) * v

    import_free_w = None
    if site.max_import_w is not None and not off_grid:
        import_free_w = site.max_import_w - household_w
    inverter_free_w = None
    if off_grid and site.inverter is not None:
        inverter_free_w = site.inverter.max_w - household_w

    battery = site.battery
    charging_w = battery_w or 0.0
    # Solar minus household: what the loads could have if they and the battery were fed first.
    if off_grid:
        # Readings are the inverter's output (household + loads, solar behind it): by the
        # inverter's balance, solar - household = managed loads + battery charging.
        raw_surplus_w = managed_w + charging_w
    else:
        raw_surplus_w = -household_w + (charging_w if battery is not None else 0.0)
    if battery is None:
        surplus_w = raw_surplus_w
        excess_base_w = raw_surplus_w
        discharge_w = 0.0
    else:
        above_min = battery_soc is not None and battery_soc > battery.soc_min_pct
        discharge_w = battery.max_discharge_w if above_min else 0.0
        if loads_first:
            # The battery is the buffer: loads take the recent average, the battery the rest.
            samples = (*recent_surplus_w, raw_surplus_w)
            # ...as far as the battery can make up the difference right now.
            excess_base_w = min(sum(samples) / len(samples), raw_surplus_w + discharge_w)
            surplus_w = min(
                excess_base_w + stored_solar_w(battery, battery_soc), raw_surplus_w + discharge_w
            )
        else:
            excess_base_w = raw_surplus_w - battery.max_charge_w
            surplus_w = excess_base_w
    own_w = None
    if off_grid or not site.grid_import_allowed:
        own_w = raw_surplus_w + discharge_w
    return Pools(
        household_a=household_a,
        phase_limit_a=phase_limit,
        circuit_free_a=circuit_free_a,
        circuit_free_w=circuit_free_w,
        import_free_w=import_free_w,
        inverter_free_w=inverter_free_w,
        surplus_w=surplus_w - site.timing.surplus_reserve_w,
        excess_w=excess_base_w - site.excess_threshold_w - site.timing.surplus_reserve_w,
        own_w=own_w,
        battery_first=battery is not None and not loads_first,
        raw_surplus_w=raw_surplus_w,
        buffered=battery is not None and loads_first,
    )


def circuit_chains(site: Site) -> dict[str, tuple[str, ...]]:
    """Each circuit with its ancestors, nearest first."""
    parents = {c.id: c.parent for c in site.circuits}
    chains: dict[str, tuple[str, ...]] = {}
    for circuit in site.circuits:
        chain = [circuit.id]
        parent = circuit.parent
        while parent is not None and parent not in chain and len(chain) <= len(parents):
            chain.append(parent)
            parent = parents.get(parent)
        chains[circuit.id] = tuple(chain)
    return chains
