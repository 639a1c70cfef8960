"""The frozen types of a crisis scenario, as :func:`parse_scenario` builds them.

A scenario declares who is involved, when it starts and how far it runs, the agreements and
measures as state machines with their legal rules, the ballast that damps escalation, domestic
calendars and opinion, the mediator's leverage, scheduled or random shocks, the levers a mediator
can pull, and the outcomes to report. Every assumed effect is an :class:`Uncertain`: a default, a
range and a reason, so that the Monte Carlo can draw it and the reader can check it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np

from brinkwatch.errors import ScenarioError

__all__ = [
    "Citation",
    "Driver",
    "Effect",
    "Election",
    "Emit",
    "Lever",
    "Machine",
    "Mediator",
    "Opinion",
    "Outcome",
    "Package",
    "RegisterLink",
    "Scenario",
    "Shock",
    "StateEffect",
    "Stock",
    "Transition",
    "Uncertain",
    "Window",
    "stream_names",
]

Kind = Literal["coop", "conflict"]


def stream_names(actors: Sequence[str]) -> list[str]:
    """Return the event streams of an actor set: each directed dyad, cooperative then conflictual.

    Examples
    --------
    >>> stream_names(["JPN", "KOR"])
    ['JPN->KOR coop', 'JPN->KOR conflict', 'KOR->JPN coop', 'KOR->JPN conflict']
    """
    return [f"{a}->{b} {k}" for a in actors for b in actors if a != b for k in ("coop", "conflict")]


@dataclass(frozen=True)
class Uncertain:
    """An assumed quantity: default, plausible range and the reason for it.

    Monte Carlo draws it from a triangular distribution on ``[low, high]`` with its mode at
    ``default``; ``low == high`` makes it fixed. ``minimum`` and ``maximum`` are the bounds any
    value of it must respect (a hazard lies in [0, 1]); None where the format sets none.
    """

    name: str
    default: float
    low: float
    high: float
    reason: str
    line: int | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def fixed(self) -> bool:
        """Whether the range is a single value."""
        return self.low == self.high

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms in [0, 1) to draws (inverse CDF of the triangular distribution).

        Examples
        --------
        >>> q = Uncertain("x", 1.0, 0.0, 2.0, "").quantile(np.array([0.0, 0.5, 1.0]))
        >>> [round(float(v), 6) for v in q]
        [0.0, 1.0, 2.0]
        """
        a, c, b = self.low, self.default, self.high
        if b == a:
            return np.full(u.shape, a)
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)


@dataclass(frozen=True)
class Citation:
    """A free text of the scenario file that may cite events: a reason, a description, notes.

    ``field`` is its path in the file (``agreements[GSOMIA].transitions[0].hazard.reason``).
    """

    field: str
    line: int | None
    text: str


@dataclass(frozen=True)
class Emit:
    """Events a transition, shock or lever adds to a stream on the day it happens."""

    stream: str
    count: int


@dataclass(frozen=True)
class Driver:
    """Recent events in ``streams`` move a hazard: log-hazard += weight x recent count."""

    streams: tuple[str, ...]
    weight: Uncertain


@dataclass(frozen=True)
class Window:
    """Days on which a hazard transition can happen, inclusive.

    Either absolute dates (``first``/``last``, either open) or an annual window of (month, day)
    pairs that may wrap the new year.

    Examples
    --------
    >>> Window(last=date(2019, 8, 24)).contains(date(2019, 8, 25))
    False
    >>> Window(annual=((11, 24), (8, 24))).contains(date(2020, 1, 5))
    True
    """

    first: date | None = None
    last: date | None = None
    annual: tuple[tuple[int, int], tuple[int, int]] | None = None

    def contains(self, d: date) -> bool:
        """Whether the day ``d`` falls in the window."""
        if self.annual is not None:
            (m0, d0), (m1, d1) = self.annual
            md = (d.month, d.day)
            if (m0, d0) <= (m1, d1):
                return (m0, d0) <= md <= (m1, d1)
            return md >= (m0, d0) or md <= (m1, d1)
        return (self.first is None or d >= self.first) and (self.last is None or d <= self.last)


@dataclass(frozen=True)
class Transition:
    """A move of a state machine, by one rule.

    The rules: a ``hazard`` (per day, optionally limited to a ``window``: GSOMIA notice is
    possible only until the deadline, 24 August 2019); ``after_days`` (a fixed delay from entry
    into the source state); ``anniversary`` (the first (month, day) anniversary reached at least
    ``notice_days`` days after entry: an agreement renewed yearly unless notice is given ends on
    its anniversary); or ``package`` alone (the transition only moves when its package fires).
    ``min_dwell_days``: a hazard transition cannot fire within that many days of entering the
    source state (the other rules are explicit and are not held back).
    """

    source: str
    target: str
    hazard: Uncertain | None
    drivers: tuple[Driver, ...]
    after_days: int | None
    window: Window | None
    emits: tuple[Emit, ...]
    line: int
    anniversary: tuple[int, int] | None = None
    notice_days: int = 0
    min_dwell_days: int = 0
    #: The package this transition belongs to (None: none).
    package: str | None = None

    @property
    def key(self) -> str:
        """``source->target``, the name levers use to address the transition."""
        return f"{self.source}->{self.target}"


@dataclass(frozen=True)
class StateEffect:
    """While a machine is in ``state``, multiply the baseline of ``streams`` by ``factor``."""

    state: str
    streams: tuple[str, ...]
    factor: Uncertain


@dataclass(frozen=True)
class RegisterLink:
    """How a machine reads its state from an instruments register.

    ``instrument`` is the register id (None: the machine's own name); ``states`` maps register
    states to machine states where their names differ; ``absent`` is the machine's state on days
    the instrument does not exist in the register (None: the ``initial`` of the scenario file
    before the instrument's start, its last state after its end).
    """

    instrument: str | None = None
    states: tuple[tuple[str, str], ...] = ()
    absent: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Machine:
    """An agreement or a measure as a state machine.

    ``dwell`` is the number of days the machine has already spent in ``initial`` on the start
    day (from the register; 0 otherwise): ``after_days`` transitions count from the entry.
    ``register`` is set when the machine is linked to a register instrument.
    """

    name: str
    kind: Literal["agreement", "measure", "event"]
    holder: str | None
    description: str
    states: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]
    while_in: tuple[StateEffect, ...]
    line: int
    register: RegisterLink | None = None
    dwell: int = 0
    #: Default minimum dwell of the machine's hazard transitions (each may declare its own).
    min_dwell_days: int = 0


@dataclass(frozen=True)
class Package:
    """Linked transitions that fire together: a settlement moves several machines at once.

    ``members`` are ``(machine, source, target)``. The first member leads: its transition has
    the package's hazard (or a lever triggers it) and its key addresses the package in effects.
    When it fires in a path, every other member whose machine is in its ``source`` state that
    day moves too; a member in another state is left where it is (a settlement cannot suspend a
    case never filed), and the path log says so by its absence.
    """

    name: str
    description: str
    members: tuple[tuple[str, str, str], ...]
    line: int

    @property
    def lead(self) -> str:
        """``MACHINE:source->target`` of the leading transition."""
        m, a, b = self.members[0]
        return f"{m}:{a}->{b}"


@dataclass(frozen=True)
class Stock:
    """Ballast (business, military, tourism ties): erodes under conflict, recovers otherwise.

    Each day: ``s -= erosion * conflict * s`` then ``s += recovery * coop * (1 - s)``, with the
    day's event counts in ``conflict_streams`` and ``coop_streams``. The stock damps the
    conflict-to-conflict excitation among ``damps``: excitation x (1 - damping x s).
    """

    name: str
    description: str
    initial: Uncertain
    erosion: Uncertain
    recovery: Uncertain
    damping: Uncertain
    conflict_streams: tuple[str, ...]
    coop_streams: tuple[str, ...]
    damps: tuple[str, ...]


@dataclass(frozen=True)
class Election:
    """An election: for ``window_days`` before ``day`` the actor's conflict baseline is scaled."""

    actor: str
    day: date
    window_days: int
    factor: Uncertain


@dataclass(frozen=True)
class Opinion:
    """Public approval of toughness in ``actor``: rallies with conflict received, fades back.

    ``o`` starts at 0, gains ``rally`` per conflict event received and loses ``fade`` of itself
    per day; the actor's conflict baseline is multiplied by ``1 + weight * o``.
    """

    actor: str
    rally: Uncertain
    fade: Uncertain
    weight: Uncertain


@dataclass(frozen=True)
class Mediator:
    """The mediator's leverage in [0, 1], worn down by its own quarrels with the allies.

    Each conflict event in ``erode_streams`` takes ``erosion`` off; each day it recovers
    ``recovery`` of the gap to its initial level. Lever effects marked ``scale: leverage``
    work in proportion to it.
    """

    actor: str
    initial: Uncertain
    erosion: Uncertain
    recovery: Uncertain
    erode_streams: tuple[str, ...]


@dataclass(frozen=True)
class Effect:
    """A parameter transform a lever or shock applies while active.

    ``target`` is one of ``baseline`` (multiply stream baselines), ``excitation`` (multiply the
    excitation received by streams), ``hazard`` (multiply a machine transition's hazard, with
    ``ref`` = ``MACHINE:source->target``), ``recovery`` (multiply a stock's recovery, ``ref`` =
    stock name) or ``leverage`` (add to the mediator's leverage once, on the first day).
    """

    target: Literal["baseline", "excitation", "hazard", "recovery", "leverage"]
    streams: tuple[str, ...]
    ref: str | None
    value: Uncertain
    scale_by_leverage: bool


@dataclass(frozen=True)
class Shock:
    """A scheduled or random outside event: a court's asset seizure, a missile test.

    Scheduled shocks happen once on a day drawn uniformly in ``[first, last]`` with
    ``probability``; random ones happen each day with probability ``rate``. Either way they add
    ``emits`` and apply ``effects`` for ``duration_days``.
    """

    name: str
    description: str
    first: date | None
    last: date | None
    probability: Uncertain | None
    rate: Uncertain | None
    duration_days: int
    emits: tuple[Emit, ...]
    effects: tuple[Effect, ...]


@dataclass(frozen=True)
class Lever:
    """An intervention: a named, dated set of parameter transforms with an optional success draw.

    On ``day`` the lever happens: ``triggers`` (``MACHINE:source->target``) fire in every path
    whose machine is in the source state (a leaders' meeting is held), then, where the success
    draw comes up (always, without ``success``), ``emits`` are added and ``effects`` apply for
    ``duration_days``.
    """

    name: str
    title: str
    description: str
    day: date
    duration_days: int
    success: Uncertain | None
    emits: tuple[Emit, ...]
    effects: tuple[Effect, ...]
    expect: tuple[tuple[str, Literal["up", "down"]], ...]
    line: int
    triggers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """A reported outcome, per path true or false.

    ``state``: machine ``machine`` is in one of ``states`` at the end (``when: end``) or was at
    any time (``when: ever``). ``index_regained``: the rolling net cooperation of the index
    pair held at or above its pre-crisis level for a whole window (``window_days`` days in a
    row). ``by`` cuts the horizon short for this outcome.
    """

    name: str
    kind: Literal["state", "index_regained"]
    machine: str | None
    states: tuple[str, ...]
    when: Literal["end", "ever"]
    by: date | None
    observed: bool | None
    title: str


@dataclass(frozen=True)
class Scenario:
    """A validated scenario; build it with :func:`parse_scenario`."""

    name: str
    title: str
    source: str
    actors: tuple[str, ...]
    start: date
    horizon_days: int
    fit_from: date
    fit_to: date
    baseline_from: date
    baseline_to: date
    index_pair: tuple[str, str]
    index_window_days: int
    machines: tuple[Machine, ...]
    stocks: tuple[Stock, ...]
    elections: tuple[Election, ...]
    opinions: tuple[Opinion, ...]
    mediator: Mediator | None
    shocks: tuple[Shock, ...]
    levers: tuple[Lever, ...]
    actual: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    notes: str = ""
    _params: tuple[Uncertain, ...] = field(default=(), repr=False)
    #: The ``register:`` of the file: a path relative to it, ``bundled``, or None.
    register: str | None = None
    #: Id of the register the initial states were taken from (None: the file's own).
    register_id: str | None = None
    #: What taking the states from the register changed or could not use, for ``check``.
    register_notes: tuple[str, ...] = ()
    #: The day the assumptions are as of (``information_date:``); None when not declared.
    information_date: date | None = None
    #: Every reason, description and notes text of the file, for the information cutoff check.
    citations: tuple[Citation, ...] = field(default=(), repr=False)
    packages: tuple[Package, ...] = ()
    #: Levers as first proposed (``proposed:``), to compare with ``actual``; may be empty.
    proposed: tuple[str, ...] = ()
    #: The ``chronology:`` of the file: an events CSV relative to it (its column mapping is the
    #: YAML file of the same name beside it), or None for the Japan-Korea-US chronology.
    chronology: str | None = None

    @property
    def streams(self) -> list[str]:
        """The scenario's event streams (see :func:`stream_names`)."""
        return stream_names(self.actors)

    @property
    def end(self) -> date:
        """The last simulated day."""
        return self.start + timedelta(days=self.horizon_days - 1)

    def machine(self, name: str) -> Machine:
        """Return the machine called ``name``."""
        for m in self.machines:
            if m.name == name:
                return m
        raise ScenarioError(f"no agreement or measure called '{name}'", path=self.source)

    def lever(self, name: str) -> Lever:
        """Return the lever called ``name``, or raise naming the levers there are."""
        for lv in self.levers:
            if lv.name == name:
                return lv
        raise ScenarioError(
            f"no lever called '{name}'; this scenario has: "
            f"{', '.join(lv.name for lv in self.levers)}",
            path=self.source,
        )

    def parameters(self) -> tuple[Uncertain, ...]:
        """Every uncertain assumption, in file order (the order Monte Carlo draws them)."""
        return self._params

    def outcome(self, name: str | None = None) -> Outcome:
        """Return the outcome called ``name`` (the first when None), or raise naming them all.

        Cheap, so a shell can check an ``outcome`` argument before fitting anything.
        """
        if name is None:
            return self.outcomes[0]
        for o in self.outcomes:
            if o.name == name:
                return o
        raise ScenarioError(
            f"no outcome called '{name}'; this scenario has: "
            f"{', '.join(o.name for o in self.outcomes)}",
            path=self.source,
            field="outcome",
        )

    def todo_reasons(self) -> tuple[Uncertain, ...]:
        """Return the assumptions whose reason still says TODO (a starter not yet filled in)."""
        return tuple(p for p in self._params if "TODO" in p.reason)
