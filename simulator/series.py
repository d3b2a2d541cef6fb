"""Household and solar step functions from their scenario entries.

Either a list of `{t_s: ..., a|w|w_per_phase: ...}` steps (the spec's format, any length) or,
as an extension, a compact `{every_s: S, a|w|w_per_phase: [...]}` with one value per step
from t = 0, which keeps day-long generated series small and quick to validate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .problem import Path, Problem
from .scenario import Series


def household_series(value: Any, phases: int, voltage_v: float) -> Series:
    """Household current per site phase (A); `w:` entries are converted at the site voltage."""
    if value is None:
        return Series.constant((0.0,) * phases)

    def row(key: str, numbers: Sequence[float], path: Path) -> tuple[float, ...]:
        _check_length(numbers, phases, path)
        scale = 1.0 if key == "a" else 1.0 / voltage_v
        return tuple(x * scale for x in numbers)

    return _series(value, ("a", "w"), row, ("household",), phases)


def solar_series(value: Any, phases: int) -> Series:
    """Solar production per site phase (W); a total `w` is spread evenly over the phases."""
    if value is None:
        return Series.constant((0.0,) * phases)

    def row(_key: str, numbers: float | Sequence[float], path: Path) -> tuple[float, ...]:
        if isinstance(numbers, float | int):
            if numbers < 0:
                raise Problem(path, f"solar production cannot be negative ({numbers:g})")
            return (numbers / phases,) * phases
        _check_length(numbers, phases, path)
        for j, x in enumerate(numbers):
            if x < 0:
                raise Problem((*path, j), f"solar production cannot be negative ({x:g})")
        return tuple(numbers)

    return _series(value, ("w", "w_per_phase"), row, ("solar",), phases)


def _series(value: Any, keys: tuple[str, str], row: Any, path: Path, phases: int) -> Series:
    times: list[float] = []
    values: list[tuple[float, ...]] = []
    if isinstance(value, dict):
        key = _one_key(value, keys, path)
        every = float(value["every_s"])
        for i, numbers in enumerate(value[key]):
            times.append(i * every)
            values.append(row(key, numbers, (*path, key, i)))
        if not times:
            raise Problem((*path, key), "must hold at least one value")
    else:
        for i, step in enumerate(value):
            key = _one_key(step, keys, (*path, i))
            t = float(step["t_s"])
            if times and t < times[-1]:
                raise Problem(
                    (*path, i, "t_s"), f"{t:g} is before the previous step ({times[-1]:g})"
                )
            times.append(t)
            values.append(row(key, step[key], (*path, i, key)))
    if not times or times[0] > 0:
        # Nothing is given before the first step: nothing is consumed or produced.
        times.insert(0, 0.0)
        values.insert(0, (0.0,) * phases)
    return Series(tuple(times), tuple(values))


def _one_key(entry: dict[str, Any], keys: tuple[str, str], path: Path) -> str:
    present = [k for k in keys if k in entry]
    if len(present) != 1:
        raise Problem(path, f"give exactly one of {keys[0]!r} or {keys[1]!r}")
    return present[0]


def _check_length(numbers: Sequence[float], phases: int, path: Path) -> None:
    if len(numbers) != phases:
        raise Problem(path, f"expected {phases} value(s), one per site phase, got {len(numbers)}")
