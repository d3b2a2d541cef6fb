"""Plain-text tables of the two benchmarks, with the PRODUCT.md §10 targets beside the figures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .cost import SizeCost
from .suite import DayResult, GroupSummary, summarise

DASH = "-"


if TYPE_CHECKING:
    from .latency import Latency


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """Columns padded to their widest cell; the first `left` columns left-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i < left else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def num(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return DASH
    return f"{value:.{digits}f}"


def _growth(current: float, previous: float | None) -> str:
    if previous is None or not previous or math.isnan(previous) or math.isnan(current):
        return DASH
    return f"x{current / previous:.1f}"


COST_HEADERS = (
    "loads",
    "circuits",
    "running",
    "opt calls",
    "opt med",
    "opt p95",
    "opt x10",
    "safe calls",
    "safe med",
    "safe p95",
    "safe x10",
)
COST_LEGEND = (
    "opt = optimisation path (force_optimise=True), safe = safety path (calls between ticks);\n"
    "med/p95 = median and 95th percentile in µs per decision; x10 = growth of the median per\n"
    "x10 loads; running = loads with a command above 0 after the last call"
)


def cost_table(results: Sequence[SizeCost]) -> str:
    rows: list[list[str]] = []
    previous: SizeCost | None = None
    for r in results:
        # Growth is per x10 loads, so only between sizes exactly ten times apart.
        prev = previous if previous is not None and previous.loads * 10 == r.loads else None
        rows.append(
            [
                str(r.loads),
                str(r.circuits),
                str(r.running),
                str(r.optimise.calls),
                num(r.optimise.median_us),
                num(r.optimise.p95_us),
                _growth(r.optimise.median_us, prev.optimise.median_us if prev else None),
                str(r.safety.calls),
                num(r.safety.median_us),
                num(r.safety.p95_us),
                _growth(r.safety.median_us, prev.safety.median_us if prev else None),
            ]
        )
        previous = r
    return f"{table(COST_HEADERS, rows, left=0)}\n{COST_LEGEND}"


def cost_targets(results: Sequence[SizeCost]) -> str:
    by_size = {r.loads: r for r in results}
    rows: list[list[str]] = []
    for n, target_us in ((10, 100.0), (1000, 8000.0)):
        r = by_size.get(n)
        if r is None:
            continue
        worst = max(r.optimise.median_us, r.safety.median_us)
        rows.append(
            [
                f"engine cost at {n} loads (median per decision)",
                f"<= {target_us:g} µs",
                f"optimise {num(r.optimise.median_us)} µs, safety {num(r.safety.median_us)} µs",
                "yes" if worst <= target_us else "no",
            ]
        )
    return table(("target (PRODUCT.md §10)", "target", "measured", "met"), rows, left=3)


DAY_HEADERS = (
    "day",
    "EV surplus kWh",
    "oracle kWh",
    "ratio %",
    "import kWh",
    "import % EV",
    "EV kWh",
    "changes/h",
    "starts/h",
    "overload s",
    "engine s",
)


DAY_LEGEND = (
    "per step, W, netted over phases: EV surplus = min(EV, S) with S = max(0, solar - household);\n"
    "oracle = min(S, P_max), 0 when below P_min (6/16 A x 230 V x lines); ratio = EV surplus /\n"
    "oracle; import = grid import above what the house alone would have imported (battery days:\n"
    "less its max discharge while SoC > min); the oracle ignores the battery, so on battery days\n"
    "the EV's battery-fed energy counts as neither surplus nor import; changes/h and starts/h are\n"
    "the EV's over 10 h; overload s = seconds any limit was exceeded; engine s = time in allocate"
)


def day_table(results: Sequence[DayResult]) -> str:
    rows = [
        [
            r.day.name,
            num(r.energy.ev_from_surplus_kwh, 2),
            num(r.energy.oracle_kwh, 2),
            num(r.energy.surplus_ratio_pct),
            num(r.energy.import_caused_kwh, 3),
            num(r.energy.import_pct, 2),
            num(r.energy.ev_kwh, 2),
            num(r.setpoint_changes_per_h),
            num(r.starts_per_h),
            num(r.overload_s, 0),
            num(r.engine_s, 2),
        ]
        for r in results
    ]
    return f"{table(DAY_HEADERS, rows)}\n{DAY_LEGEND}"


def _met(ok: bool | None) -> str:
    return DASH if ok is None else ("yes" if ok else "no")


def day_targets(results: Sequence[DayResult], step_s: float) -> str:
    """One line per target and group: target and measured side by side, never a failure."""
    no_battery = summarise("no-battery days", [r for r in results if not r.day.battery])
    broken = summarise("broken-cloud days", [r for r in results if r.day.weather == "broken"])
    everything = summarise("all days", results)
    rows: list[list[str]] = []

    def group(s: GroupSummary) -> str:
        return f"{s.label} ({s.days})"

    if no_battery is not None:
        ratio, worst = no_battery.surplus_ratio_pct, no_battery.worst_surplus_ratio_pct
        rows.append(
            [
                group(no_battery),
                "EV from surplus / oracle",
                ">= 97 %",
                f"{num(ratio)} % (worst day {num(worst)} %)",
                _met(None if ratio is None else ratio >= 97.0),
            ]
        )
        share, worst = no_battery.import_pct, no_battery.worst_import_pct
        rows.append(
            [
                group(no_battery),
                "import caused in Solar mode",
                "<= 1 % of EV energy",
                f"{num(share, 2)} % (worst day {num(worst, 2)} %)",
                _met(None if share is None else share <= 1.0),
            ]
        )
    if broken is not None:
        rows.append(
            [
                group(broken),
                "EV setpoint changes per hour",
                "<= 6",
                f"mean {num(broken.mean_changes_per_h)}, "
                f"worst day {num(broken.worst_changes_per_h)}",
                _met(broken.worst_changes_per_h <= 6.0),
            ]
        )
        rows.append(
            [
                group(broken),
                "EV starts per hour",
                "<= 1",
                f"mean {num(broken.mean_starts_per_h)}, worst day {num(broken.worst_starts_per_h)}",
                _met(broken.worst_starts_per_h <= 1.0),
            ]
        )
    if everything is not None:
        rows.append(
            [
                group(everything),
                "longest overload of any limit",
                f"<= {step_s:g} s (one meter update)",
                f"{num(everything.longest_overload_s, 0)} s",
                _met(everything.longest_overload_s <= step_s),
            ]
        )
    return table(("days", "what", "target (PRODUCT.md §10)", "measured", "met"), rows, left=4)


def latency_table(latency: Latency) -> str:
    rows = [
        [
            str(latency.rounds),
            f"{latency.median_ms:.2f}",
            f"{latency.p99_ms:.2f}",
            f"{latency.worst_ms:.2f}",
            "<= 1000 ms, same event-loop turn",
            "yes" if latency.worst_ms <= 1000 else "no",
        ]
    ]
    table_text = table(
        ["rounds", "median ms", "p99 ms", "worst ms", "target (PRODUCT.md §10)", "met"], rows
    )
    return (
        table_text
        + "\nfrom hass.states.async_set of the overload reading to the load's set_value call;"
        + "\nthe worst round includes any full garbage collection of Home Assistant's heap"
    )
