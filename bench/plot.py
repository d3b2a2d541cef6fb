"""One PNG per day: solar, household and surplus; the EV's allocation and draw; grid; SoC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never a window

import matplotlib.pyplot as plt

from .days import EV_ID
from .suite import DayResult, ev_power_bounds, household_w, oracle_w, surplus_w


def plot_day(day: DayResult, out: Path) -> None:
    scenario, records = day.result.scenario, day.result.records
    voltage = scenario.site.voltage_v
    p_min, p_max = ev_power_bounds(day.day.ev_lines)
    hours = [r.t / 3600.0 for r in records]
    has_battery = day.day.battery
    rows = 4 if has_battery else 3
    fig, axes = plt.subplots(rows, 1, sharex=True, figsize=(13, 2.7 * rows + 0.8))
    e = day.energy
    ratio = "-" if e.surplus_ratio_pct is None else f"{e.surplus_ratio_pct:.1f} %"
    fig.suptitle(
        f"{day.day.name}: EV {e.ev_kwh:.1f} kWh, from surplus {e.ev_from_surplus_kwh:.1f} of "
        f"oracle {e.oracle_kwh:.1f} kWh ({ratio}), import caused {e.import_caused_kwh:.2f} kWh, "
        f"{day.setpoint_changes_per_h:.1f} changes/h, {day.starts_per_h:.1f} starts/h"
    )

    power: Any = axes[0]
    power.fill_between(
        hours, [r.solar_w for r in records], step="post", color="gold", alpha=0.4, label="solar"
    )
    power.step(
        hours,
        [household_w(r, voltage) for r in records],
        where="post",
        color="tab:gray",
        linewidth=0.8,
        label="household",
    )
    power.step(
        hours,
        [oracle_w(surplus_w(r, voltage), p_min, p_max) for r in records],
        where="post",
        color="tab:green",
        linewidth=0.8,
        label="oracle (EV)",
    )
    power.step(
        hours,
        [r.loads[EV_ID].power_w for r in records],
        where="post",
        color="tab:blue",
        linewidth=1.0,
        label="EV power",
    )
    power.set_ylabel("W")
    power.legend(loc="upper right", fontsize="small", ncol=4)

    ev: Any = axes[1]
    ev.step(
        hours,
        [r.loads[EV_ID].command_a for r in records],
        where="post",
        color="tab:blue",
        label="EV allocation",
    )
    ev.step(
        hours,
        [max(r.loads[EV_ID].draw_a, default=0.0) for r in records],
        where="post",
        color="tab:orange",
        linestyle=":",
        label="EV draw",
    )
    ev.set_ylabel("A per line")
    ev.set_ylim(-0.5, 17)
    ev.legend(loc="upper right", fontsize="small", ncol=2)

    grid: Any = axes[2]
    grid.step(hours, [r.grid_w for r in records], where="post", color="black", linewidth=0.8)
    grid.axhline(0, color="tab:red", linewidth=0.5)
    grid.set_ylabel("grid W (+ import)")

    if has_battery:
        soc: Any = axes[3]
        soc.plot(hours, [r.battery_soc_pct for r in records], color="green", label="SoC")
        soc.set_ylabel("battery SoC %")
        soc.set_ylim(0, 100)
        battery = soc.twinx()
        battery.step(
            hours,
            [r.battery_w or 0.0 for r in records],
            where="post",
            color="olive",
            alpha=0.5,
            linewidth=0.8,
        )
        battery.set_ylabel("battery W (+ charging)")
        soc.legend(loc="upper left", fontsize="small")

    axes[-1].set_xlabel("time (h)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
