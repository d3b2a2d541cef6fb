"""The workspace of one distribution: every limit's remaining capacity and who uses it.

Hard limits (a phase of the main breaker, a circuit, max import, the inverter) bind only the
loads wired to them. Soft limits are the energy pools (surplus, excess, solar+battery): every
load's draw eats into them, because any consumption uses the surplus first, but each load is
bound only by the pool of its mode, and may be given a floor (an Eco load's minimum comes
from the grid; a Solar load holding through a dip keeps its minimum).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .model import PHASE_NAMES, Load, Metering, Mode, Site
from .pools import Pools

INF = float("inf")


class LimitKind(StrEnum):
    """What a limit is; it becomes the reason of a capped allocation."""

    PHASE = "phase"
    CIRCUIT = "circuit"
    CIRCUIT_POWER = "circuit_power"
    IMPORT = "import"
    INVERTER = "inverter"
    SURPLUS = "surplus"
    EXCESS = "excess"
    OWN = "own"


ENERGY_LIMITS = frozenset({LimitKind.SURPLUS, LimitKind.EXCESS, LimitKind.OWN})


@dataclass(frozen=True, slots=True)
class Limit:
    """One constraint of the distribution, named for the reason text."""

    kind: LimitKind
    name: str = ""
    phase: int | None = None

    def describe(self) -> str:
        phase = f", phase {PHASE_NAMES[self.phase]}" if self.phase is not None else ""
        return f"{self.name}{phase}" if self.name else phase.lstrip(", ")


class Budget:
    """Remaining capacity of every limit while loads take their shares."""

    __slots__ = ("hard", "hold", "limits", "power_per_a", "remaining", "soft", "soft_all")

    def __init__(
        self,
        limits: list[Limit],
        remaining: list[float],
        hard: list[tuple[tuple[int, float], ...]],
        soft: list[tuple[tuple[int, float], ...]],
        soft_all: tuple[int, ...],
        power_per_a: list[float],
    ) -> None:
        self.limits = limits
        self.remaining = remaining
        self.hard = hard
        self.soft = soft
        self.soft_all = soft_all
        self.power_per_a = power_per_a
        # Minimum a Solar/Excess load keeps from its pool while it holds through a dip.
        self.hold = [0.0] * len(hard)

    def capacity(self, i: int, current: float) -> tuple[float, int]:
        """How much more load `i` may take on top of `current`, and the limit that binds."""
        cap = INF
        binding = -1
        remaining = self.remaining
        for index, weight in self.hard[i]:
            room = remaining[index] / weight
            if room < cap:
                cap, binding = room, index
        ppa = self.power_per_a[i]
        hold = self.hold[i]
        for index, floor in self.soft[i]:
            room = remaining[index] / ppa
            # A floor only lifts the room up to it; an overdrawn pool still reads negative.
            keep = max(floor, hold)
            if keep > current and keep - current > room:
                room = keep - current
            if room < cap:
                cap, binding = room, index
        return cap, binding

    def take(self, i: int, amps: float) -> None:
        remaining = self.remaining
        for index, weight in self.hard[i]:
            remaining[index] -= amps * weight
        watts = amps * self.power_per_a[i]
        for index in self.soft_all:
            remaining[index] -= watts

    def save(self) -> list[float]:
        return list(self.remaining)

    def restore(self, saved: list[float]) -> None:
        self.remaining[:] = saved


def build_budget(
    site: Site,
    loads: Sequence[Load],
    pools: Pools,
    chains: Mapping[str, tuple[str, ...]],
    phases_of: Callable[[Load], tuple[int, ...]],
    physical_only: bool = False,
) -> Budget:
    """Limits from the pools, and each load's links to them.

    With `physical_only` the energy pools are left out: the safety path protects breakers only.
    """
    phase_kind = LimitKind.INVERTER if site.metering is Metering.OFF_GRID else LimitKind.PHASE
    phase_name = "inverter" if phase_kind is LimitKind.INVERTER else "main breaker"
    phases = range(site.phases)
    limits = [Limit(phase_kind, phase_name, p) for p in phases]
    remaining = [pools.phase_limit_a[p] - pools.household_a[p] for p in phases]
    # For each circuit, its own and its ancestors' limits: per phase, and power (if any).
    own_a: dict[str, list[int]] = {}
    own_w: dict[str, int] = {}
    for circuit in site.circuits:
        free = pools.circuit_free_a[circuit.id]
        own_a[circuit.id] = list(range(len(limits), len(limits) + site.phases))
        limits.extend(Limit(LimitKind.CIRCUIT, circuit.label, p) for p in phases)
        remaining.extend(free)
        if circuit.id in pools.circuit_free_w:
            own_w[circuit.id] = len(limits)
            limits.append(Limit(LimitKind.CIRCUIT_POWER, circuit.label))
            remaining.append(pools.circuit_free_w[circuit.id])
    chain_a: dict[str, list[list[int]]] = {}
    chain_w: dict[str, list[int]] = {}
    for circuit_id, chain in chains.items():
        chain_a[circuit_id] = [[own_a[c][p] for c in chain] for p in phases]
        chain_w[circuit_id] = [own_w[c] for c in chain if c in own_w]
    site_w: list[int] = []
    if pools.import_free_w is not None:
        site_w.append(len(limits))
        limits.append(Limit(LimitKind.IMPORT, "max import power"))
        remaining.append(pools.import_free_w)
    if pools.inverter_free_w is not None:
        site_w.append(len(limits))
        limits.append(Limit(LimitKind.INVERTER, "inverter power"))
        remaining.append(pools.inverter_free_w)
    soft_all: tuple[int, ...] = ()
    surplus_id = excess_id = own_id = None
    if not physical_only:
        surplus_id, excess_id = len(limits), len(limits) + 1
        limits += [Limit(LimitKind.SURPLUS, "surplus"), Limit(LimitKind.EXCESS, "excess")]
        remaining += [pools.surplus_w, pools.excess_w]
        soft_all = (surplus_id, excess_id)
        if pools.own_w is not None:
            own_id = len(limits)
            limits.append(Limit(LimitKind.OWN, "solar and battery"))
            remaining.append(pools.own_w)
            soft_all = (*soft_all, own_id)

    v = site.voltage_v
    hard: list[tuple[tuple[int, float], ...]] = []
    soft: list[tuple[tuple[int, float], ...]] = []
    power_per_a: list[float] = []
    for load in loads:
        used = phases_of(load)
        watts_per_a = v * len(used)
        links = [(p, 1.0) for p in used]
        if load.circuit is not None and load.circuit in chain_a:
            per_phase = chain_a[load.circuit]
            for p in used:
                links.extend((index, 1.0) for index in per_phase[p])
            links.extend((index, watts_per_a) for index in chain_w[load.circuit])
        links.extend((index, watts_per_a) for index in site_w)
        hard.append(tuple(links))
        power_per_a.append(watts_per_a)
        soft.append(_soft_links(load, surplus_id, excess_id, own_id))
    return Budget(limits, remaining, hard, soft, soft_all, power_per_a)


def _soft_links(
    load: Load, surplus_id: int | None, excess_id: int | None, own_id: int | None
) -> tuple[tuple[int, float], ...]:
    links: list[tuple[int, float]] = []
    mode = load.mode
    # The grid import switch is about charging (Standard/Eco); an On relay is simply on.
    if mode in (Mode.STANDARD, Mode.ECO) and own_id is not None:
        links.append((own_id, 0.0))
    if mode is Mode.ECO and surplus_id is not None:
        # Eco always gets its minimum (from the grid if need be) and more from surplus.
        links.append((surplus_id, load.min_a))
    elif mode is Mode.SOLAR and surplus_id is not None:
        links.append((surplus_id, 0.0))
    elif mode is Mode.EXCESS and excess_id is not None:
        links.append((excess_id, 0.0))
    return tuple(links)
