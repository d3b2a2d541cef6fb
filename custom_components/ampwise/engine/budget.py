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


@dataclass(frozen=True, slots=True)
class _Layout:
    """Which limits a site has and where they sit in the budget: fixed while the site is."""

    site: Site
    limits: tuple[Limit, ...]
    circuit_slots: tuple[tuple[str, int, int | None], ...]  # id, first phase slot, power slot
    chain_a: Mapping[str, tuple[tuple[int, ...], ...]]  # circuit -> per phase: chain's slots
    chain_w: Mapping[str, tuple[int, ...]]  # circuit -> chain's power slots
    import_slot: int | None
    inverter_slot: int | None
    surplus_slot: int | None
    excess_slot: int | None
    own_slot: int | None


_LAYOUTS: dict[tuple[int, bool], _Layout] = {}


def _layout(site: Site, chains: Mapping[str, tuple[str, ...]], physical_only: bool) -> _Layout:
    """The site's layout, computed once per site object and kept (a handful of sites at most)."""
    key = (id(site), physical_only)
    cached = _LAYOUTS.get(key)
    if cached is not None and cached.site is site:
        return cached
    off_grid = site.metering is Metering.OFF_GRID
    phase_kind = LimitKind.INVERTER if off_grid else LimitKind.PHASE
    phase_name = "inverter" if off_grid else "main breaker"
    phases = range(site.phases)
    limits = [Limit(phase_kind, phase_name, p) for p in phases]
    circuit_slots = []
    own_a: dict[str, int] = {}
    own_w: dict[str, int] = {}
    for circuit in site.circuits:
        own_a[circuit.id] = len(limits)
        limits.extend(Limit(LimitKind.CIRCUIT, circuit.label, p) for p in phases)
        power_slot = None
        if circuit.limit_w is not None:
            power_slot = own_w[circuit.id] = len(limits)
            limits.append(Limit(LimitKind.CIRCUIT_POWER, circuit.label))
        circuit_slots.append((circuit.id, own_a[circuit.id], power_slot))

    def slot(limit: Limit | None) -> int | None:
        if limit is None:
            return None
        limits.append(limit)
        return len(limits) - 1

    import_slot = slot(
        Limit(LimitKind.IMPORT, "max import power")
        if site.max_import_w is not None and not off_grid
        else None
    )
    inverter_slot = slot(
        Limit(LimitKind.INVERTER, "inverter power")
        if off_grid and site.inverter is not None
        else None
    )
    surplus_slot = slot(None if physical_only else Limit(LimitKind.SURPLUS, "surplus"))
    excess_slot = slot(None if physical_only else Limit(LimitKind.EXCESS, "excess"))
    has_own = off_grid or not site.grid_import_allowed
    own_slot = slot(
        Limit(LimitKind.OWN, "solar and battery") if has_own and not physical_only else None
    )
    layout = _Layout(
        site,
        tuple(limits),
        tuple(circuit_slots),
        {
            cid: tuple(tuple(own_a[c] + p for c in chain) for p in phases)
            for cid, chain in chains.items()
        },
        {cid: tuple(own_w[c] for c in chain if c in own_w) for cid, chain in chains.items()},
        import_slot,
        inverter_slot,
        surplus_slot,
        excess_slot,
        own_slot,
    )
    if len(_LAYOUTS) > 16:
        _LAYOUTS.clear()
    _LAYOUTS[key] = layout
    return layout


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
    layout = _layout(site, chains, physical_only)
    remaining = [0.0] * len(layout.limits)
    for p in range(site.phases):
        remaining[p] = pools.phase_limit_a[p] - pools.household_a[p]
    for circuit_id, first, power_slot in layout.circuit_slots:
        remaining[first : first + site.phases] = pools.circuit_free_a[circuit_id]
        if power_slot is not None:
            remaining[power_slot] = pools.circuit_free_w[circuit_id]
    site_w: list[int] = []
    for slot_index, value in (
        (layout.import_slot, pools.import_free_w),
        (layout.inverter_slot, pools.inverter_free_w),
    ):
        if slot_index is not None and value is not None:
            remaining[slot_index] = value
            site_w.append(slot_index)
    soft_all: tuple[int, ...] = ()
    if layout.surplus_slot is not None and layout.excess_slot is not None:
        remaining[layout.surplus_slot] = pools.surplus_w
        remaining[layout.excess_slot] = pools.excess_w
        soft_all = (layout.surplus_slot, layout.excess_slot)
    own_id = None
    if layout.own_slot is not None and pools.own_w is not None:
        own_id = layout.own_slot
        remaining[own_id] = pools.own_w
        soft_all = (*soft_all, own_id)

    v = site.voltage_v
    chain_a, chain_w = layout.chain_a, layout.chain_w
    hard: list[tuple[tuple[int, float], ...]] = []
    soft: list[tuple[tuple[int, float], ...]] = []
    power_per_a: list[float] = []
    for load in loads:
        used = phases_of(load)
        watts_per_a = v * len(used)
        links = [(p, 1.0) for p in used]
        circuit = load.circuit
        if circuit is not None and circuit in chain_a:
            per_phase = chain_a[circuit]
            for p in used:
                links += [(index, 1.0) for index in per_phase[p]]
            links += [(index, watts_per_a) for index in chain_w[circuit]]
        links += [(index, watts_per_a) for index in site_w]
        hard.append(tuple(links))
        power_per_a.append(watts_per_a)
        soft.append(_soft_links(load, layout.surplus_slot, layout.excess_slot, own_id))
    return Budget(list(layout.limits), remaining, hard, soft, soft_all, power_per_a)


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
