"""`scripts/bench`: engine cost per decision and the reference day suite, as plain tables.

Nothing here asserts a timing or a target: the figures are printed beside PRODUCT.md §10.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import timeit
from pathlib import Path

from . import cost, days, suite, tables

ROOT = Path(__file__).resolve().parent.parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description="Ampwise benchmark: engine cost and the day suite."
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions and 4 of the 12 days"
    )
    parser.add_argument("--cost", action="store_true", help="only the engine cost table")
    parser.add_argument("--days", action="store_true", help="only the day suite table")
    parser.add_argument(
        "--latency", action="store_true", help="only the state-change-to-command latency"
    )
    parser.add_argument("--plot", metavar="DIR", type=Path, help="write one PNG per day to DIR")
    parser.add_argument(
        "--seed", type=int, default=days.SEED, help=f"day generator seed (default {days.SEED})"
    )
    return parser


def _revision() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "custom_components"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (engine has uncommitted changes)" if dirty else head


def _calibration_us() -> float:
    """Time of sum(range(1000)) on this machine, so cost figures can be compared across hosts."""
    timer = timeit.Timer("sum(x)", setup="x = list(range(1000))")
    loops, _ = timer.autorange()
    return min(timer.repeat(5, loops)) / loops * 1e6


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    only = args.cost or args.days or args.latency
    run_cost = args.cost or not only
    run_days = args.days or not only
    run_latency = args.latency or not only
    started = time.perf_counter()
    print(
        f"Ampwise bench - revision {_revision()}, Python {platform.python_version()}, "
        f"{platform.machine()}; {'quick' if args.quick else 'full'} run"
    )
    if run_cost:
        print()
        print("1. Engine cost per decision (optimisation tick every 10 s, safety calls every 2 s)")
        print(f"   calibration: sum(range(1000)) takes {_calibration_us():.2f} µs on this machine")
        results = cost.run_cost(quick=args.quick)
        print(tables.cost_table(results))
        print()
        print(tables.cost_targets(results))
        sys.stdout.flush()
    if run_days:
        chosen = days.quick_days(args.seed) if args.quick else days.all_days(args.seed)
        print()
        print(
            f"2. Day suite: {len(chosen)} days of {days.DURATION_S / 3600:g} h at "
            f"{days.STEP_S:g} s, one EV in Solar mode {days.EV_MIN_A:g}-{days.EV_MAX_A:g} A "
            f"(seed {args.seed})"
        )
        day_results = [suite.run_day(day) for day in chosen]
        print(tables.day_table(day_results))
        print()
        print(tables.day_targets(day_results, days.STEP_S))
        if args.plot is not None:
            from .plot import plot_day  # matplotlib only when asked

            for result in day_results:
                plot_day(result, args.plot / f"{result.day.name}.png")
            print(f"\nplots: {len(day_results)} PNG files in {args.plot}")
    if run_latency:
        from .latency import measure  # imports Home Assistant: only when asked

        rounds = 100 if args.quick else 1000
        print()
        print(
            "3. Safety path in Home Assistant: grid state change -> reducing command "
            f"({rounds} rounds)"
        )
        latency = measure(rounds)
        print(tables.latency_table(latency))
    print(f"\nwall time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `scripts/bench | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
