"""A PNG of one run: what the house did, what the grid saw, what each load got and drew."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never a window

import matplotlib.pyplot as plt

from custom_components.ampwise.engine import PHASE_NAMES

from .result import Result

PHASE_COLOURS = ("tab:brown", "tab:gray", "tab:purple")


def _time_axis(duration_s: float) -> tuple[float, str]:
    if duration_s > 3 * 3600:
        return 3600.0, "time (h)"
    if duration_s > 1200:
        return 60.0, "time (min)"
    return 1.0, "time (s)"


def plot_result(result: Result, out: Path) -> None:
    """Write the plot of `result` to `out`."""
    scenario, records = result.scenario, result.records
    site = scenario.site
    scale, label = _time_axis(scenario.duration_s)
    t = [r.t / scale for r in records]
    has_battery = site.battery is not None
    rows = 4 if has_battery else 3
    fig, axes = plt.subplots(rows, 1, sharex=True, figsize=(11, 2.6 * rows + 0.6))
    status = "PASS" if result.passed else "FAIL"
    fig.suptitle(f"{scenario.name} ({status})")

    house: Any = axes[0]
    for p in range(site.phases):
        house.step(
            t,
            [r.household_a[p] * site.voltage_v for r in records],
            where="post",
            color=PHASE_COLOURS[p],
            label=f"household {PHASE_NAMES[p]}",
        )
    house.fill_between(
        t, [r.solar_w for r in records], step="post", color="gold", alpha=0.4, label="solar"
    )
    house.set_ylabel("W")
    house.legend(loc="upper right", fontsize="small", ncol=4)

    grid: Any = axes[1]
    for p in range(site.phases):
        grid.step(
            t,
            [r.grid_a[p] for r in records],
            where="post",
            color=PHASE_COLOURS[p],
            label=f"grid {PHASE_NAMES[p]}",
        )
    for limit in (site.main_breaker_a, -site.main_breaker_a):
        grid.axhline(limit, color="red", linestyle="--", linewidth=1)
    grid.axhline(0, color="black", linewidth=0.5)
    grid.set_ylabel("A (+ import)")
    grid.legend(loc="upper right", fontsize="small", ncol=4)

    loads: Any = axes[2]
    for n, spec in enumerate(scenario.loads):
        colour = f"C{n % 10}"
        load_id = spec.load.id
        loads.step(
            t,
            [r.loads[load_id].command_a for r in records],
            where="post",
            color=colour,
            label=f"{load_id} allocation",
        )
        loads.step(
            t,
            [max(r.loads[load_id].draw_a, default=0.0) for r in records],
            where="post",
            color=colour,
            linestyle=":",
            label=f"{load_id} draw",
        )
    loads.set_ylabel("A per line")
    if scenario.loads:
        loads.legend(loc="upper right", fontsize="small", ncol=2)

    if has_battery:
        soc: Any = axes[3]
        soc.plot(t, [r.battery_soc_pct for r in records], color="green", label="SoC")
        soc.set_ylabel("battery SoC %")
        power = soc.twinx()
        power.step(
            t,
            [r.battery_w or 0.0 for r in records],
            where="post",
            color="olive",
            alpha=0.5,
            label="battery W (+ charging)",
        )
        power.set_ylabel("W")
        soc.legend(loc="upper left", fontsize="small")
        power.legend(loc="upper right", fontsize="small")

    axes[-1].set_xlabel(label)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
