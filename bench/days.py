"""The reference day suite: seeded sun, cloud and household series, and the scenario dicts.

Every day is 10 h at 10 s steps. Clouds depend only on the weather and the seed (the 3-phase
and 1-phase sites see the same sky), the household only on the site and the seed (the same
kettle and oven on every day of a site), so days differ in exactly what their names say.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DURATION_S = 36_000.0
STEP_S = 10.0
VOLTAGE_V = 230.0
SEED = 2026
EV_ID = "ev"
EV_MIN_A = 6.0
EV_MAX_A = 16.0

WEATHERS = ("sunny", "cloudy", "broken")
BATTERY_OPTIONS = (False, True)


@dataclass(frozen=True, slots=True)
class SiteKind:
    """One of the two reference sites."""

    key: str
    phases: int
    main_breaker_a: float
    peak_solar_w: float


SITE_3P = SiteKind("3p25", 3, 25.0, 9000.0)
SITE_1P = SiteKind("1p32", 1, 32.0, 5000.0)
SITES = (SITE_3P, SITE_1P)

BATTERY: dict[str, float] = {
    "capacity_kwh": 10.0,
    "soc_pct": 50.0,
    "soc_min_pct": 10.0,
    "soc_target_pct": 80.0,
    "max_charge_w": 5000.0,
    "max_discharge_w": 5000.0,
}


@dataclass(frozen=True, slots=True)
class Day:
    """One day of the suite: its weather, site and battery, and its generated series."""

    weather: str
    site: SiteKind
    battery: bool
    solar_w: tuple[float, ...]  # total production, one value per step
    household_w: tuple[tuple[float, ...], ...]  # per step, per site phase

    @property
    def name(self) -> str:
        return f"{self.weather}-{self.site.key}-{'batt' if self.battery else 'nobatt'}"

    @property
    def ev_lines(self) -> int:
        return self.site.phases

    def scenario(self) -> dict[str, Any]:
        """The scenario mapping for `simulator.scenario_from_dict`."""
        site: dict[str, Any] = {
            "phases": self.site.phases,
            "voltage_v": VOLTAGE_V,
            "main_breaker_a": self.site.main_breaker_a,
        }
        if self.battery:
            site["battery"] = dict(BATTERY)
        return {
            "name": self.name,
            "description": f"bench day: {self.weather}, {self.site.key}, battery={self.battery}",
            "duration_s": DURATION_S,
            "step_s": STEP_S,
            "site": site,
            "loads": [
                {
                    "id": EV_ID,
                    "kind": "evse",
                    "mode": "solar",
                    "min_a": EV_MIN_A,
                    "max_a": EV_MAX_A,
                    "wiring": list("ABC"[: self.site.phases]),
                    "vehicle": {"max_a": EV_MAX_A, "plugged_at_s": 0, "energy_kwh": None},
                }
            ],
            "household": {"every_s": STEP_S, "w": [list(row) for row in self.household_w]},
            "solar": {"every_s": STEP_S, "w": list(self.solar_w)},
        }


def steps() -> int:
    """Steps of a day: t = 0, 10, ... 36000 s."""
    return int(DURATION_S / STEP_S) + 1


def times() -> list[float]:
    return [i * STEP_S for i in range(steps())]


def clear_sky(t: float, peak_w: float) -> float:
    """A half-sine from sunrise (t = 0) to sunset (t = DURATION_S)."""
    return max(0.0, peak_w * math.sin(math.pi * t / DURATION_S))


def slow_wander(rng: random.Random, ts: Sequence[float], periods_s: Sequence[float]) -> list[float]:
    """A smooth curve in [-1, 1]: a sum of sines with random phases, scaled to its extremes."""
    phases = [rng.uniform(0.0, 2 * math.pi) for _ in periods_s]
    weights = [rng.uniform(0.5, 1.0) for _ in periods_s]
    terms = list(zip(weights, periods_s, phases, strict=True))
    raw = [sum(w * math.sin(2 * math.pi * t / p + ph) for w, p, ph in terms) for t in ts]
    scale = max(abs(x) for x in raw) or 1.0
    return [x / scale for x in raw]


@dataclass(frozen=True, slots=True)
class Passage:
    """One cloud passing the sun: ramps down to `depth` of clear sky, holds, ramps back."""

    start_s: float
    hold_s: float
    ramp_s: float
    depth: float

    def factor(self, t: float) -> float:
        into = t - self.start_s
        total = 2 * self.ramp_s + self.hold_s
        if into <= 0 or into >= total:
            return 1.0
        if into < self.ramp_s:
            return 1.0 - (1.0 - self.depth) * into / self.ramp_s
        if into <= self.ramp_s + self.hold_s:
            return self.depth
        return self.depth + (1.0 - self.depth) * (into - self.ramp_s - self.hold_s) / self.ramp_s

    @property
    def length_s(self) -> float:
        return 2 * self.ramp_s + self.hold_s


def cloud_passages(rng: random.Random, per_hour: float = 3.5) -> list[Passage]:
    """Random passages: 1-8 min long (ramps included), down to 15-35 % of clear sky."""
    passages: list[Passage] = []
    t = rng.expovariate(per_hour / 3600.0)
    while t < DURATION_S:
        length = rng.uniform(60.0, 480.0)
        ramp = rng.uniform(10.0, min(60.0, length / 4))
        passage = Passage(t, length - 2 * ramp, ramp, rng.uniform(0.15, 0.35))
        passages.append(passage)
        t += passage.length_s + rng.expovariate(per_hour / 3600.0)
    return passages


def solar_series(weather: str, site: SiteKind, seed: int = SEED) -> list[float]:
    """Production (W) per step for `weather` on `site`; the sky depends on weather and seed."""
    rng = random.Random(f"{seed}/sky/{weather}")
    ts = times()
    clear = [clear_sky(t, site.peak_solar_w) for t in ts]
    if weather == "sunny":
        return [round(c, 1) for c in clear]
    if weather == "cloudy":
        wander = slow_wander(rng, ts, (2400.0, 5400.0, 9000.0))
        return [round(c * (0.35 + 0.10 * w), 1) for c, w in zip(clear, wander, strict=True)]
    if weather == "broken":
        passages = cloud_passages(rng)
        return [
            round(c * min((p.factor(t) for p in passages), default=1.0), 1)
            for c, t in zip(clear, ts, strict=True)
        ]
    raise ValueError(f"unknown weather {weather!r} (expected one of {', '.join(WEATHERS)})")


def household_series(site: SiteKind, seed: int = SEED) -> list[tuple[float, ...]]:
    """Household W per step and site phase: a noisy 250-450 W base, two kettles, one oven.

    On the 3-phase site the base is split 40/30/30 % over A/B/C, the kettle is on A and the
    oven on B; on the 1-phase site everything is on A.
    """
    rng = random.Random(f"{seed}/house/{site.key}")
    ts = times()
    wander = slow_wander(rng, ts, (1800.0, 4200.0, 7800.0))
    kettles = [rng.uniform(1.0, 3.5) * 3600.0, rng.uniform(6.0, 8.5) * 3600.0]
    oven = rng.uniform(6.0, 7.5) * 3600.0
    split = (0.4, 0.3, 0.3) if site.phases == 3 else (1.0,)
    kettle_phase, oven_phase = 0, (1 if site.phases == 3 else 0)
    rows: list[tuple[float, ...]] = []
    for t, w in zip(ts, wander, strict=True):
        base = min(450.0, max(250.0, 350.0 + 80.0 * w + rng.gauss(0.0, 20.0)))
        row = [base * share for share in split]
        if any(k <= t < k + 180.0 for k in kettles):
            row[kettle_phase] += 2000.0
        if oven <= t < oven + 2400.0:
            row[oven_phase] += 3000.0
        rows.append(tuple(round(x, 1) for x in row))
    return rows


def make_day(weather: str, site: SiteKind, battery: bool, seed: int = SEED) -> Day:
    return Day(
        weather=weather,
        site=site,
        battery=battery,
        solar_w=tuple(solar_series(weather, site, seed)),
        household_w=tuple(household_series(site, seed)),
    )


def all_days(seed: int = SEED) -> list[Day]:
    """The 12 days: weather x battery x site, in table order."""
    return [
        make_day(weather, site, battery, seed)
        for weather in WEATHERS
        for battery in BATTERY_OPTIONS
        for site in SITES
    ]


# The --quick subset: one day of each weather, both sites, both battery options.
QUICK = (
    ("sunny", SITE_3P, False),
    ("cloudy", SITE_1P, False),
    ("broken", SITE_3P, False),
    ("broken", SITE_1P, True),
)


def quick_days(seed: int = SEED) -> list[Day]:
    return [make_day(weather, site, battery, seed) for weather, site, battery in QUICK]
