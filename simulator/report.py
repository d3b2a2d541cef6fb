"""The human summary of a run: one line per scenario, then each failed expectation."""

from __future__ import annotations

from .result import Result


def summary(result: Result) -> str:
    """`PASS name  key metrics`, then the failures indented."""
    m = result.metrics
    self_use = (
        "n/a" if m.solar_self_consumption_pct is None else f"{m.solar_self_consumption_pct:.0f}%"
    )
    parts = [
        f"{'PASS' if result.passed else 'FAIL'} {result.scenario.name}",
        f"import {m.grid_import_kwh:.3f} kWh",
        f"export {m.grid_export_kwh:.3f} kWh",
        f"loads {m.load_energy_total_kwh:.3f} kWh",
        f"self-use {self_use}",
        f"overload {m.overload_s:g} s (max +{m.max_phase_overload_a:.2f} A)",
    ]
    if m.starts:
        parts.append("starts " + " ".join(f"{k}={v}" for k, v in m.starts.items()))
        parts.append("changes " + " ".join(f"{k}={v}" for k, v in m.setpoint_changes.items()))
    lines = ["  ".join(parts)]
    lines.extend(f"    - {failure}" for failure in result.failures)
    return "\n".join(lines)
