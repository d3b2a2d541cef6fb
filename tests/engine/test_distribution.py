"""The four strategies of PRODUCT.md §5, mode urgency, wiring and circuits, as a user sees them."""

from __future__ import annotations

import pytest

from custom_components.ampwise.engine import (
    Circuit,
    Load,
    LoadKind,
    Mode,
    Site,
    Strategy,
    Timing,
)

from .helpers import FAST, Loop


def evse(load_id: str, priority: int = 1, mode: Mode = Mode.STANDARD, **kw: object) -> Load:
    lines = kw.pop("lines", (0,))
    return Load(load_id, LoadKind.EVSE, mode, lines, 6.0, 16.0, priority=priority, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("strategy", "two", "three"),
    [
        (Strategy.PRIORITY, [14.0, 6.0], [8.0, 6.0, 6.0]),
        (Strategy.SHARED, [10.0, 10.0], [6.6, 6.6, 6.6]),
        (Strategy.STRICT, [16.0, 0.0], [16.0, 0.0, 0.0]),
        (Strategy.OPTIMIZED, [14.0, 6.0], [14.0, 6.0, 0.0]),
    ],
)
def test_strategies_split_20_amps(strategy: Strategy, two: list[float], three: list[float]) -> None:
    """Three chargers 6–16 A behind a 23 A breaker with 3 A household: 20 A to share."""
    site = Site(phases=1, main_breaker_a=23, distribution=strategy, timing=Timing(**FAST))
    loads = [evse(f"c{i}", priority=i) for i in (1, 2, 3)]
    loop = Loop(site, loads[:2], [3.0])
    loop.run(4)
    assert list(loop.amps().values()) == two
    loop = Loop(site, loads, [3.0])
    loop.run(4)
    assert list(loop.amps().values()) == three


def test_more_urgent_mode_wins_over_priority_number() -> None:
    """An Eco charger with priority 1 still yields to a Standard charger with priority 5."""
    site = Site(phases=1, main_breaker_a=23, timing=Timing(**FAST))
    loads = [evse("eco", priority=1, mode=Mode.ECO), evse("std", priority=5)]
    loop = Loop(site, loads, [3.0])
    loop.run(4)
    assert loop.amps() == {"eco": 0.0, "std": 16.0}
    assert loop.last is not None
    assert loop.last.allocations["eco"].reason.value == "insufficient_power"


def test_one_phase_charger_on_phase_b_only_sees_phase_b() -> None:
    """Export on A and C is no headroom for a charger wired to B (the earlier tool's 40 min bug)."""
    site = Site(phases=3, main_breaker_a=20, timing=Timing(**FAST))
    car = evse("car", lines=(1,))
    loop = Loop(site, [car], [0.0, 13.0, 0.0], solar_w=6900)  # 10 A export per phase
    loop.run(4)
    # Phase B: 13 A household - 10 A solar = 3 A, so 17 A free, capped by the charger's 16 A.
    assert loop.amps()["car"] == 16.0
    loop.household_a = [0.0, 20.0, 0.0]
    loop.run(2)
    # 20 - 10 = 10 A on B: 10 A free, however much A and C export.
    assert loop.amps()["car"] == 10.0


def test_rotated_three_phase_wiring_follows_the_busiest_line() -> None:
    """L1 on C, L2 on A, L3 on B: the charger is limited by phase C's household."""
    site = Site(phases=3, main_breaker_a=25, timing=Timing(**FAST))
    car = evse("car", lines=(2, 0, 1))
    loop = Loop(site, [car], [2.0, 2.0, 15.0])
    loop.run(4)
    assert loop.amps()["car"] == 10.0
    assert loop.last is not None
    assert loop.last.allocations["car"].message == "limited by main breaker, phase C"


def test_circuit_limit_applies_during_distribution_and_frees_power_elsewhere() -> None:
    """Two cars behind a 16 A garage circuit; a third elsewhere takes what the garage cannot."""
    site = Site(
        phases=1,
        main_breaker_a=40,
        circuits=(Circuit("garage", 16.0, name="garage"),),
        timing=Timing(**FAST),
    )
    loads = [
        evse("g1", priority=1, circuit="garage"),
        evse("g2", priority=2, circuit="garage"),
        evse("yard", priority=3),
    ]
    loop = Loop(site, loads, [2.0])
    loop.run(4)
    amps = loop.amps()
    assert amps["g1"] + amps["g2"] <= 16.0
    assert amps == {"g1": 10.0, "g2": 6.0, "yard": 16.0}
    assert loop.last is not None
    assert loop.last.allocations["g1"].message == "limited by garage, phase A"


def test_nested_circuits_bind_at_the_tightest_level() -> None:
    site = Site(
        phases=1,
        main_breaker_a=40,
        circuits=(Circuit("house", 30.0), Circuit("carport", 12.0, parent="house")),
        timing=Timing(**FAST),
    )
    loads = [evse("a", circuit="carport"), evse("b", priority=2, circuit="house")]
    loop = Loop(site, loads, [0.0])
    loop.run(4)
    assert loop.amps() == {"a": 12.0, "b": 16.0}
    assert sum(loop.amps().values()) <= 30.0


def test_switch_runs_at_its_rating_or_not_at_all() -> None:
    site = Site(phases=1, main_breaker_a=20, timing=Timing(**FAST))
    heater = Load("heater", LoadKind.SWITCH, Mode.ON, (0,), 2000 / 230, 2000 / 230, on_off=True)
    loop = Loop(site, [heater], [5.0])
    loop.run(2)
    assert loop.amps()["heater"] == pytest.approx(2000 / 230)
    loop.household_a = [15.0]
    loop.run(1)
    assert loop.amps()["heater"] == 0.0


def test_max_import_power_caps_the_site_total() -> None:
    site = Site(phases=3, main_breaker_a=32, max_import_w=6000, timing=Timing(**FAST))
    car = evse("car", lines=(0, 1, 2))
    loop = Loop(site, [car], [2.0, 2.0, 2.0])
    loop.run(4)
    # 6000 W - 1380 W household = 4620 W over three lines at 230 V = 6.69 A.
    assert loop.amps()["car"] == 6.6
    assert loop.last is not None
    assert loop.last.allocations["car"].reason.value == "limited_by_import"
