"""Draw the README's pictures from docs/scenarios: .venv/bin/python docs/make_plots.py"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import load_scenarios, run  # noqa: E402
from simulator.plot import plot_result  # noqa: E402

HERE = ROOT / "docs"


def strategies() -> None:
    """Four panels: the same three chargers and household under each strategy."""
    results = [run(s) for s in load_scenarios(HERE / "scenarios" / "strategies.yaml")]
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex=True, sharey=True)
    for ax, result in zip(axes.flat, results, strict=True):
        minutes = [r.t / 60 for r in result.records]
        # Thick to thin, so chargers that get the same current stay visible.
        for load_id, width in (("car1", 5.0), ("car2", 3.0), ("car3", 1.3)):
            amps = [r.loads[load_id].command_a for r in result.records]
            ax.step(minutes, amps, where="post", label=load_id, linewidth=width, alpha=0.8)
        free = [40 - r.household_a[0] for r in result.records]
        ax.step(
            minutes, free, where="post", color="grey", linestyle=":", label="breaker - household"
        )
        ax.set_title(result.scenario.name.removeprefix("strategy-").capitalize())
        ax.set_ylim(0, 40)
        ax.grid(alpha=0.3)
    axes[0][0].legend(loc="upper right", fontsize=8)
    for ax in axes[1]:
        ax.set_xlabel("time (min)")
    for ax in axes[:, 0]:
        ax.set_ylabel("A")
    fig.suptitle("Three chargers (6-16 A) on 40 A: household 8 A, 20 A, then 2 A")
    fig.tight_layout()
    fig.savefig(HERE / "img" / "strategies.png", dpi=90)


def modes() -> None:
    (scenario,) = load_scenarios(HERE / "scenarios" / "modes-through-a-day.yaml")
    plot_result(run(scenario), HERE / "img" / "modes-through-a-day.png")


if __name__ == "__main__":
    (HERE / "img").mkdir(exist_ok=True)
    modes()
    strategies()
