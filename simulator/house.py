"""The house around the engine (spec/scenario-format.md, "House model").

Each step: household and solar from their step functions; every load draws what it was
commanded at the previous step, as far as its vehicle lets it; the battery, run by its own
inverter for self-consumption, covers the net flow over all phases; the grid meter sees the
rest. The engine is shown only what Home Assistant would see: meter readings, the solar
total, the battery's power and SoC, each load's own (possibly old) meter reading.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from custom_components.ampwise.engine import Battery, LoadReading, Metering, Snapshot

from .scenario import EPS, LoadSpec, Scenario

MIN_PILOT_A = 6.0  # below this the EVSE pilot signal cannot ask a vehicle to charge
J_PER_WH = 3600.0


def load_draw(
    spec: LoadSpec,
    command_a: float,
    connected: bool,
    delivered_wh: float,
    voltage_v: float,
    step_s: float,
) -> tuple[float, ...]:
    """What a load draws per line for the command it was given one step earlier."""
    lines = len(spec.load.lines)
    off = (0.0,) * lines
    if command_a <= 0 or not connected:
        return off
    if spec.power_w is not None:
        return (spec.power_w / voltage_v / lines,) * lines
    vehicle = spec.vehicle
    if vehicle is None:
        return (command_a,) * lines  # a number load follows its setpoint
    if command_a < MIN_PILOT_A - EPS:
        return off
    amps = min(command_a, vehicle.max_a)
    used = min(vehicle.phases or lines, lines)
    if vehicle.energy_kwh is not None:
        left_wh = vehicle.energy_kwh * 1000.0 - delivered_wh
        if left_wh <= EPS:
            return off
        amps = min(amps, left_wh * J_PER_WH / (voltage_v * used * step_s))
    return (amps,) * used + (0.0,) * (lines - used)


def battery_power(battery: Battery, soc_pct: float, net_w: float, step_s: float) -> float:
    """What a self-consumption inverter does with the net flow: + charging, - discharging.

    It charges from export while not full and discharges to cover import while above its
    minimum, within its power limits and never past 100 % or the minimum within the step.
    """
    capacity_wh = (battery.capacity_kwh or 0.0) * 1000.0
    per_pct_w = capacity_wh / 100.0 * J_PER_WH / step_s
    if net_w < 0 and soc_pct < 100.0:
        return min(-net_w, battery.max_charge_w, (100.0 - soc_pct) * per_pct_w)
    if net_w > 0 and soc_pct > battery.soc_min_pct:
        return -min(net_w, battery.max_discharge_w, (soc_pct - battery.soc_min_pct) * per_pct_w)
    return 0.0


def integrate_soc(battery: Battery, soc_pct: float, battery_w: float, step_s: float) -> float:
    capacity_wh = (battery.capacity_kwh or 0.0) * 1000.0
    if capacity_wh <= 0:
        return soc_pct
    soc = soc_pct + battery_w * step_s / J_PER_WH / capacity_wh * 100.0
    return min(100.0, max(0.0, soc))


@dataclass(frozen=True, slots=True)
class Physics:
    """One step of the house: the hidden truth and the snapshot the engine is handed."""

    household_a: tuple[float, ...]
    solar_w: float
    draws: Mapping[str, tuple[float, ...]]
    connected: Mapping[str, bool]
    battery_w: float | None
    battery_soc_pct: float | None
    grid_a: tuple[float, ...]
    grid_w: float
    snapshot: Snapshot


class House:
    """The house of one run.

    It carries from step to step what a real house does (battery charge, energy each vehicle
    has taken, the loads' last meter readings), so unlike the engine it is mutable.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.soc_pct = scenario.battery_soc_pct if scenario.site.battery is not None else None
        self.delivered_wh = {spec.load.id: 0.0 for spec in scenario.loads}
        self._readings: dict[str, LoadReading] = {}
        self._meter_period = -1

    def step(self, t: float, commands: Mapping[str, float]) -> Physics:
        """Advance to time `t`, the loads following `commands` (the previous step's)."""
        scenario, site = self.scenario, self.scenario.site
        voltage, step_s = site.voltage_v, scenario.step_s
        household = scenario.household_a.at(t)
        solar = scenario.solar_w.at(t)
        phase_a = [h - s / voltage for h, s in zip(household, solar, strict=True)]
        draws: dict[str, tuple[float, ...]] = {}
        connected: dict[str, bool] = {}
        for spec in scenario.loads:
            load_id = spec.load.id
            plugged = spec.vehicle.plugged(t) if spec.vehicle is not None else True
            draw = load_draw(
                spec,
                commands.get(load_id, 0.0),
                plugged,
                self.delivered_wh[load_id],
                voltage,
                step_s,
            )
            self.delivered_wh[load_id] += sum(draw) * voltage * step_s / J_PER_WH
            for phase, amps in zip(spec.load.lines, draw, strict=True):
                phase_a[phase] += amps
            draws[load_id], connected[load_id] = draw, plugged

        battery_w = None
        soc = self.soc_pct
        if site.battery is not None and soc is not None:
            battery_w = battery_power(site.battery, soc, sum(phase_a) * voltage, step_s)
            share = battery_w / voltage / site.phases
            phase_a = [a + share for a in phase_a]
            self.soc_pct = integrate_soc(site.battery, soc, battery_w, step_s)
        grid_a = tuple(phase_a)
        grid_w = sum(grid_a) * voltage
        self._refresh_meters(t, draws, connected)
        return Physics(
            household_a=household,
            solar_w=sum(solar),
            draws=draws,
            connected=connected,
            battery_w=battery_w,
            battery_soc_pct=soc,
            grid_a=grid_a,
            grid_w=grid_w,
            snapshot=self._snapshot(t, grid_a, grid_w, sum(solar), battery_w, soc),
        )

    def _refresh_meters(
        self, t: float, draws: Mapping[str, tuple[float, ...]], connected: Mapping[str, bool]
    ) -> None:
        """Load meters report at the first step of each `load_meter_interval_s` period.

        The plugged state is a status notification, so it is always current.
        """
        period = math.floor(t / self.scenario.load_meter_interval_s + EPS)
        if period != self._meter_period:
            self._meter_period = period
            self._readings = {
                load_id: LoadReading(draw_a=draw, at_s=t, connected=connected[load_id])
                for load_id, draw in draws.items()
            }
        else:
            self._readings = {
                load_id: LoadReading(reading.draw_a, reading.at_s, connected[load_id])
                for load_id, reading in self._readings.items()
            }

    def _snapshot(
        self,
        t: float,
        grid_a: tuple[float, ...],
        grid_w: float,
        solar_w: float,
        battery_w: float | None,
        soc: float | None,
    ) -> Snapshot:
        scenario = self.scenario
        outage = any(outage.covers(t) for outage in scenario.grid_outages)
        total = scenario.site.metering is Metering.TOTAL
        return Snapshot(
            grid_a=None if outage or total else grid_a,
            grid_w=grid_w if total and not outage else None,
            solar_w=solar_w,
            battery_w=battery_w,
            battery_soc_pct=soc,
            loads=self._readings,
        )
