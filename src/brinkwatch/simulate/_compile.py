"""Compile a scenario for one chunk of paths: every lookup array the daily step reads.

Compiling draws the parameters and the per-path random numbers that are fixed for the whole run
(lever success, scheduled shock days, Exp(1) hazard thresholds), turns streams, machines and
effects into integer positions and matrices, and freezes the result. The daily step
(:mod:`brinkwatch.simulate._step`) then only reads it; what changes from day to day lives in its
``State``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from brinkwatch.errors import ScenarioError
from brinkwatch.simulate.scenario import (
    Effect,
    Emit,
    Lever,
    Outcome,
    Scenario,
    Transition,
    Uncertain,
)

if TYPE_CHECKING:
    from brinkwatch.simulate._engine import Dynamics
    from brinkwatch.simulate._pool import Pool

#: Daily persistence of the recent-event memory that drives hazards: an event counts fully on
#: its day and loses 10% a day (half-life about 6.6 days; a steady one event a day holds 10).
DRIVER_MEMORY = 0.9
#: Parameter sets drawn per run; paths cycle through them, so each set has n_paths / K paths and
#: the spread of outcome probabilities across sets shows the parameter uncertainty.
PARAM_SETS = 100
#: Exp(1) thresholds drawn per path and transition; the n-th entry into a state uses the
#: (n mod N_ENTRIES)-th, so a path re-entering a state more often than this reuses thresholds.
N_ENTRIES = 8
#: Smallest multiplicative factor; keeps logarithms finite (a factor 0 switches a rate off).
TINY = 1e-12
#: Day of a scheduled shock that does not happen in a path.
NEVER = -(10**9)
#: Days between the checkpoints on which every path's machine states are recorded (and the
#: last day): weekly, so that a 90-day or 26-day rule is seen within a week of when it fires.
CHECKPOINT_EVERY = 7
#: The effect grids, one per kind of target (positions in ``Effects.matrices``).
BASE, EXC, HAZ, REC = 0, 1, 2, 3
#: The rule that moved a path, as the path log records it (``RULES[code]`` names it).
HAZARD, AFTER, ANNIVERSARY, PACKAGE, LEVER = 0, 1, 2, 3, 4
RULES = ("hazard", "after", "anniversary", "package", "lever")

Emits = tuple[tuple[int, int], ...]
"""(stream column, count) of each event a lever, shock or transition adds."""


class Params:
    """Per-path draws of every uncertain assumption (common random numbers across runs)."""

    def __init__(
        self,
        scenario: Scenario,
        n_paths: int,
        seed: int,
        overrides: Mapping[str, float],
        fixed: bool,
        stream: int = 0,
        sets: int | None = None,
        pool: Pool | None = None,
    ) -> None:
        params = scenario.parameters()
        # Enough paths per draw that each draw's outcome frequencies mean something.
        k = int(min(PARAM_SETS, max(min(10, n_paths), n_paths // 200)))
        if sets is not None:
            k = max(1, min(sets, n_paths))
        rng = np.random.default_rng([seed, stream, 0])
        u = rng.random((k, len(params)))
        self.set_of_path = np.arange(n_paths) % k
        self.values: dict[str, np.ndarray] = {}
        self.set_values: dict[str, np.ndarray] = {}
        unknown = set(overrides) - {p.name for p in params}
        if unknown:
            raise ScenarioError(
                f"no assumption called {', '.join(sorted(unknown))}; see "
                "`brinkwatch simulate --sensitivity` for their names"
            )
        # The analyst picks come from their own generator, so the draws u stay common to runs
        # with and without a pool.
        who = pool.pick(seed, stream, k) if pool is not None else None
        for j, p in enumerate(params):
            if p.name in overrides:
                v = np.full(k, float(overrides[p.name]))
            elif pool is not None and who is not None:
                v = pool.draw(p, u[:, j], who, fixed)
            elif fixed:
                v = np.full(k, p.default)
            else:
                v = p.quantile(u[:, j])
            self.set_values[p.name] = v
            self.values[p.name] = v[self.set_of_path]

    def __call__(self, u: Uncertain) -> np.ndarray:
        return self.values[u.name]


class _Frozen:
    """Mixin for the frozen parts: their arrays become read-only, so no step can alter them."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                v.flags.writeable = False


@dataclass(frozen=True, eq=False)
class Fx(_Frozen):
    """A registered effect: its grid and slot, log-factor per path, whether leverage scales it."""

    grid: int
    slot: int
    factor: np.ndarray
    by_leverage: bool
    fixed_log: np.ndarray

    def log(self, leverage: np.ndarray) -> np.ndarray:
        """Return the effect's log-factor per path at the mediator's current leverage."""
        if not self.by_leverage:
            return np.asarray(self.fixed_log)
        return np.asarray(np.log(np.maximum(1.0 + (self.factor - 1.0) * leverage, TINY)))


class _Slots:
    """Multiplicative effects on one target (stream baselines, hazards, ...) while compiling.

    They are applied as ``exp(G @ V)``: one column of G (log-factor per path) and one
    indicator row of V per effect, so a day's effects cost one matrix product, not one pass each.
    """

    def __init__(self, grid: int, width: int) -> None:
        self.grid = grid
        self.width = width
        self.rows: list[np.ndarray] = []

    def add(self, positions: Sequence[int]) -> int:
        v = np.zeros(self.width)
        v[list(positions)] = 1.0
        self.rows.append(v)
        return len(self.rows) - 1

    def fx(self, positions: Sequence[int], factor: np.ndarray, by_leverage: bool) -> Fx:
        log = np.log(np.maximum(factor, TINY))
        return Fx(self.grid, self.add(positions), factor, by_leverage, log)

    def matrix(self) -> np.ndarray:
        return np.array(self.rows) if self.rows else np.zeros((0, self.width))


@dataclass(frozen=True, eq=False)
class Excitation(_Frozen):
    """The event model: ``lambda = mu * effects + memory @ a_coop + damp * (memory @ a_conf)``.

    The excitation is split by source kind because ballast damps only conflict feeding conflict.
    """

    mu: np.ndarray
    delta: float
    a_coop: np.ndarray
    a_conf: np.ndarray
    active: bool
    memory0: np.ndarray


@dataclass(frozen=True, eq=False)
class Index(_Frozen):
    """The pair's rolling net cooperation and the hazard drivers' memory, from the history."""

    window: int
    level: float
    ring0: np.ndarray
    pressure0: np.ndarray
    net: np.ndarray


@dataclass(frozen=True, eq=False)
class Machines(_Frozen):
    """All transitions of all machines on one axis ``k``, and their per-path draws."""

    names: tuple[str, ...]
    n_states: tuple[int, ...]
    initial: tuple[int, ...]
    #: Days already spent in the initial state on the start day (from a register).
    dwell0: tuple[int, ...]
    machine: tuple[int, ...]
    source: tuple[int, ...]
    target: tuple[int, ...]
    after_days: tuple[int | None, ...]
    #: Each transition's own rule: HAZARD, AFTER, ANNIVERSARY or PACKAGE (moves only with it).
    rule: tuple[int, ...]
    #: Days in the source state before a hazard transition can fire (0: none).
    min_dwell: tuple[int, ...]
    #: Anniversary transitions: days in the source state needed by the anniversary.
    notice_days: tuple[int, ...]
    #: (transitions, days): whether a hazard transition's window is open on the day, or an
    #: anniversary transition's anniversary falls on it.
    open_on: np.ndarray
    #: Per transition: the package members that move with it when it fires.
    followers: tuple[tuple[int, ...], ...]
    emits: tuple[Emits, ...]
    log_base: np.ndarray
    #: Driver rows of each transition; each driver reads the summed memory of its stream set.
    drivers: tuple[tuple[int, ...], ...]
    driver_weight: np.ndarray
    driver_set: tuple[int, ...]
    set_matrix: np.ndarray
    #: Per machine and state: the transitions out of it, whose clocks restart on entry.
    out_of: tuple[tuple[tuple[int, ...], ...], ...]
    thresholds: np.ndarray
    keys: Mapping[str, int]
    labels: tuple[tuple[str, str, str], ...]

    @property
    def count(self) -> int:
        """Number of transitions."""
        return len(self.machine)


@dataclass(frozen=True, eq=False)
class Effects(_Frozen):
    """Effect indicator matrices (one per grid) and who applies which effect."""

    matrices: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    hazard_used: np.ndarray
    levers: tuple[tuple[Fx, ...], ...]
    shocks: tuple[tuple[Fx, ...], ...]
    #: Per machine: (state code, effect) while a path is in that state.
    while_in: tuple[tuple[tuple[int, Fx], ...], ...]
    elections: tuple[Fx, ...]
    #: (elections, days): whether the day falls in the election's window.
    election_on: np.ndarray
    opinion_slots: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Ballast(_Frozen):
    """Stocks, the mediator's leverage and opinion, and the tally of daily sums they read."""

    n_stocks: int
    stock0: np.ndarray
    erosion: np.ndarray
    recovery: np.ndarray
    damping: np.ndarray
    damps: np.ndarray
    mediator: bool
    leverage0: np.ndarray
    med_erosion: np.ndarray
    med_recovery: np.ndarray
    n_opinions: int
    op_rally: np.ndarray
    op_fade: np.ndarray
    op_weight: np.ndarray
    #: Every per-day sum over streams that the stocks, leverage, opinion and index need, as the
    #: columns of one matrix, so that the day's counts are read once.
    tally: np.ndarray
    t_conf: slice
    t_coop: slice
    t_op: slice
    t_med: int
    t_net: int


@dataclass(frozen=True, eq=False)
class LeverPlan(_Frozen):
    """A chosen lever: its day, success per path, and what it does."""

    name: str
    day: int
    duration: int
    ok: np.ndarray
    triggers: tuple[int, ...]
    emits: Emits
    leverage_adds: tuple[np.ndarray, ...]


@dataclass(frozen=True, eq=False)
class ShockPlan(_Frozen):
    """A shock: scheduled (a day per path, or never) or random (a daily rate per path)."""

    day0: np.ndarray
    rate: np.ndarray | None
    duration: int
    emits: Emits


@dataclass(frozen=True, eq=False)
class OutcomeRule(_Frozen):
    """An outcome: its last day and, for state outcomes, which states of which machine count."""

    name: str
    by: int
    machine: int
    inside: np.ndarray
    ever: bool


@dataclass(frozen=True, eq=False)
class Compiled:
    """A scenario with its levers, compiled for one chunk of paths."""

    n_paths: int
    n_streams: int
    horizon: int
    excitation: Excitation
    index: Index
    machines: Machines
    effects: Effects
    ballast: Ballast
    levers: tuple[LeverPlan, ...]
    shocks: tuple[ShockPlan, ...]
    outcomes: tuple[OutcomeRule, ...]
    #: Days (from 0) on which machine states are recorded per path, and each day's slot (-1:
    #: not a checkpoint).
    checkpoints: tuple[int, ...] = ()
    check_slot: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))


def checkpoint_days(horizon: int, every: int = CHECKPOINT_EVERY) -> tuple[int, ...]:
    """Return the days (from 0) on which machine states are recorded.

    The last day of every ``every`` days, and the horizon's last day.

    Examples
    --------
    >>> checkpoint_days(16)
    (6, 13, 15)
    """
    days = list(range(every - 1, horizon, every))
    if not days or days[-1] != horizon - 1:
        days.append(horizon - 1)
    return tuple(days)


@dataclass(frozen=True)
class Rngs:
    """The run's generators, one per purpose (see the engine's module docstring)."""

    events: np.random.Generator
    transitions: np.random.Generator
    levers: np.random.Generator
    shocks: np.random.Generator

    @classmethod
    def of(cls, seed: int, stream: int) -> Rngs:
        """Build the generators of chunk ``stream`` of a run seeded with ``seed``."""
        return cls(*(np.random.default_rng([seed, stream, i]) for i in (1, 2, 3, 4)))


class _Streams:
    """Stream names to columns and indicator vectors."""

    def __init__(self, names: Sequence[str]) -> None:
        self.col = {s: i for i, s in enumerate(names)}
        self.n = len(names)

    def idx(self, streams: Sequence[str]) -> list[int]:
        return [self.col[s] for s in streams]

    def indicator(self, streams: Sequence[str]) -> np.ndarray:
        v = np.zeros(self.n)
        v[self.idx(streams)] = 1.0
        return v


def compile_run(
    scenario: Scenario,
    dynamics: Dynamics,
    chosen: Sequence[Lever],
    theta: Params,
    rngs: Rngs,
) -> Compiled:
    """Compile ``scenario`` with the ``chosen`` levers for ``theta``'s paths.

    Draws the lever successes, scheduled shock days and hazard thresholds from ``rngs``.

    Raises
    ------
    ScenarioError
        If the history does not cover the index baseline.
    """
    st = _Streams(scenario.streams)
    n_p = len(theta.set_of_path)
    index = _index(scenario, dynamics, st)
    machines = _machines(scenario, st, theta, n_p, rngs.transitions)
    effects = _effects(scenario, st, theta, n_p, chosen, machines)
    checks = checkpoint_days(scenario.horizon_days)
    slot = np.full(scenario.horizon_days, -1, dtype=np.int32)
    slot[list(checks)] = np.arange(len(checks), dtype=np.int32)
    return Compiled(
        n_paths=n_p,
        n_streams=st.n,
        horizon=scenario.horizon_days,
        excitation=_excitation(scenario, dynamics),
        index=index,
        machines=machines,
        effects=effects,
        ballast=_ballast(scenario, st, theta, n_p, index.net),
        levers=_levers(scenario, st, theta, n_p, chosen, machines, rngs.levers),
        shocks=_shocks(scenario, st, theta, n_p, rngs.shocks),
        outcomes=tuple(_outcome(scenario, machines, o) for o in scenario.outcomes),
        checkpoints=checks,
        check_slot=slot,
    )


def _excitation(scenario: Scenario, dynamics: Dynamics) -> Excitation:
    alpha = np.asarray(dynamics.excitation, dtype=float)
    conflict_src = np.array([n.endswith("conflict") for n in scenario.streams])
    return Excitation(
        # Copies: the caller's arrays must not turn read-only with the compiled ones.
        mu=np.array(dynamics.baseline, dtype=float),
        delta=math.exp(-dynamics.decay),
        a_coop=np.where(conflict_src[None, :], 0.0, alpha).T.copy(),
        a_conf=np.where(conflict_src[None, :], alpha, 0.0).T.copy(),
        active=bool(alpha.any()),
        memory0=np.array(dynamics.memory0, dtype=float),
    )


def _index(scenario: Scenario, dynamics: Dynamics, st: _Streams) -> Index:
    # Recent-event memory for hazard drivers, seeded with the last observed weeks.
    hist = np.asarray(dynamics.history, dtype=float)
    pr0 = np.zeros(st.n)
    for row in hist[-60:]:
        pr0 = DRIVER_MEMORY * pr0 + row
    # The index: rolling net cooperation of the pair, started from the observed last days.
    a, b = scenario.index_pair
    net_vec = st.indicator([f"{a}->{b} coop", f"{b}->{a} coop"]) - st.indicator(
        [f"{a}->{b} conflict", f"{b}->{a} conflict"]
    )
    w = scenario.index_window_days
    net_hist = hist @ net_vec
    lo = (scenario.baseline_from - dynamics.history_start).days
    hi = (scenario.baseline_to - dynamics.history_start).days + 1
    if lo < 0 or hi > len(net_hist) or hi - lo < w:
        raise ScenarioError(
            f"the data do not cover the index baseline {scenario.baseline_from}.."
            f"{scenario.baseline_to} (history starts {dynamics.history_start})",
            path=scenario.source,
            field="index",
        )
    level = float(np.convolve(net_hist[lo:hi], np.ones(w), mode="valid").mean())
    last = net_hist[-w:] if len(net_hist) >= w else np.zeros(w)
    return Index(window=w, level=level, ring0=last, pressure0=pr0, net=net_vec)


def _days(scenario: Scenario) -> list[date]:
    return [scenario.start + timedelta(days=t) for t in range(scenario.horizon_days)]


def _machines(
    scenario: Scenario, st: _Streams, theta: Params, n_p: int, rng: np.random.Generator
) -> Machines:
    machines = scenario.machines
    trans = [(mi, t) for mi, m in enumerate(machines) for t in m.transitions]
    n_t = len(trans)
    log_base_t = np.zeros((n_t, n_p))
    # Each driver: its transition, its streams, its weight per path.
    drivers: list[tuple[int, tuple[int, ...], np.ndarray]] = []
    for k, (_, tr) in enumerate(trans):
        if tr.hazard is not None:
            log_base_t[k] = np.log(np.maximum(theta(tr.hazard), 1e-300))
            for dv in tr.drivers:
                drivers.append((k, tuple(sorted(st.idx(dv.streams))), theta(dv.weight)))
    # Drivers share stream sets (JPN->KOR conflict drives many hazards): sum each set once a day.
    sets = sorted({d[1] for d in drivers})
    set_matrix = np.zeros((st.n, max(1, len(sets))))
    for i, cols in enumerate(sets):
        set_matrix[list(cols), i] = 1.0
    days = _days(scenario)
    return Machines(
        names=tuple(m.name for m in machines),
        n_states=tuple(len(m.states) for m in machines),
        initial=tuple(m.states.index(m.initial) for m in machines),
        dwell0=tuple(m.dwell for m in machines),
        machine=tuple(mi for mi, _ in trans),
        source=tuple(machines[mi].states.index(tr.source) for mi, tr in trans),
        target=tuple(machines[mi].states.index(tr.target) for mi, tr in trans),
        after_days=tuple(tr.after_days for _, tr in trans),
        rule=tuple(_rule(tr) for _, tr in trans),
        min_dwell=tuple(tr.min_dwell_days for _, tr in trans),
        notice_days=tuple(tr.notice_days for _, tr in trans),
        open_on=np.array([[_open(tr, d) for d in days] for _, tr in trans], dtype=bool).reshape(
            n_t, len(days)
        ),
        followers=_followers(scenario, trans),
        emits=tuple(_emits(st, tr.emits) for _, tr in trans),
        log_base=log_base_t,
        drivers=tuple(tuple(j for j, d in enumerate(drivers) if d[0] == k) for k in range(n_t)),
        driver_weight=np.array([d[2] for d in drivers]) if drivers else np.zeros((0, n_p)),
        driver_set=tuple(sets.index(d[1]) for d in drivers),
        set_matrix=set_matrix,
        out_of=tuple(
            tuple(
                tuple(k for k, (mj, tr) in enumerate(trans) if mj == mi and tr.source == s)
                for s in m.states
            )
            for mi, m in enumerate(machines)
        ),
        thresholds=rng.exponential(size=(max(1, n_t), N_ENTRIES, n_p)),
        keys={f"{machines[mi].name}:{t.key}": k for k, (mi, t) in enumerate(trans)},
        labels=tuple((machines[mi].name, tr.source, tr.target) for mi, tr in trans),
    )


def _rule(tr: Transition) -> int:
    if tr.hazard is not None:
        return HAZARD
    if tr.after_days is not None:
        return AFTER
    return ANNIVERSARY if tr.anniversary is not None else PACKAGE


def _open(tr: Transition, d: date) -> bool:
    if tr.anniversary is not None:
        return (d.month, d.day) == tr.anniversary
    return tr.window is None or tr.window.contains(d)


def _followers(
    scenario: Scenario, trans: Sequence[tuple[int, Transition]]
) -> tuple[tuple[int, ...], ...]:
    """Per transition, the positions of the package members it leads (none if not a lead)."""
    names = [m.name for m in scenario.machines]
    pos = {(names[mi], tr.source, tr.target): k for k, (mi, tr) in enumerate(trans)}
    lead = {pos[pk.members[0]]: tuple(pos[m] for m in pk.members[1:]) for pk in scenario.packages}
    return tuple(lead.get(k, ()) for k in range(len(trans)))


def _emits(st: _Streams, emits: Sequence[Emit]) -> Emits:
    return tuple((st.col[em.stream], em.count) for em in emits)


def _effects(
    scenario: Scenario,
    st: _Streams,
    theta: Params,
    n_p: int,
    chosen: Sequence[Lever],
    machines: Machines,
) -> Effects:
    base, exc = _Slots(BASE, st.n), _Slots(EXC, st.n)
    haz, rec = _Slots(HAZ, machines.count), _Slots(REC, max(1, len(scenario.stocks)))
    stock_pos = {s.name: i for i, s in enumerate(scenario.stocks)}

    def register(e: Effect) -> Fx | None:
        v, lev = theta(e.value), e.scale_by_leverage
        if e.target == "baseline":
            return base.fx(st.idx(e.streams), v, lev)
        if e.target == "excitation":
            return exc.fx(st.idx(e.streams), v, lev)
        if e.target == "hazard":
            return haz.fx([machines.keys[str(e.ref)]], v, lev)
        if e.target == "recovery":
            return rec.fx([stock_pos[str(e.ref)]], v, lev)
        return None  # leverage: applied once, on the lever's day

    # Slots are registered in this order (levers, shocks, states, elections, opinion): the
    # order of the rows is the order of the sums in the daily products.
    lever_fx = tuple(tuple(fx for e in lv.effects if (fx := register(e))) for lv in chosen)
    shock_fx = tuple(tuple(fx for e in sh.effects if (fx := register(e))) for sh in scenario.shocks)
    while_fx = tuple(
        tuple((m.states.index(se.state), base.fx(st.idx(se.streams), theta(se.factor), False))
              for se in m.while_in)
        for m in scenario.machines
    )  # fmt: skip
    actors = scenario.actors
    out_conf = {x: [f"{x}->{y} conflict" for y in actors if y != x] for x in actors}
    elect_fx = tuple(
        base.fx(st.idx(out_conf[el.actor]), theta(el.factor), False) for el in scenario.elections
    )
    opinion_slots = tuple(base.add(st.idx(out_conf[op.actor])) for op in scenario.opinions)
    vh = haz.matrix()
    days = _days(scenario)
    return Effects(
        matrices=(base.matrix(), exc.matrix(), vh, rec.matrix()),
        hazard_used=(
            np.asarray(vh.any(axis=0)) if len(vh) else np.zeros(machines.count, dtype=bool)
        ),
        levers=lever_fx,
        shocks=shock_fx,
        while_in=while_fx,
        elections=elect_fx,
        election_on=np.array(
            [[0 <= (el.day - d).days < el.window_days for d in days] for el in scenario.elections],
            dtype=bool,
        ).reshape(len(scenario.elections), len(days)),
        opinion_slots=opinion_slots,
    )


def _ballast(
    scenario: Scenario, st: _Streams, theta: Params, n_p: int, net_vec: np.ndarray
) -> Ballast:
    stocks, ops, med = scenario.stocks, scenario.opinions, scenario.mediator
    n_k = len(stocks)

    def per_stock(get: str) -> np.ndarray:
        return np.array([theta(getattr(s, get)) for s in stocks]).T.reshape(n_p, n_k)

    def per_opinion(get: str) -> np.ndarray:
        return np.array([theta(getattr(op, get)) for op in ops]).T.reshape(n_p, -1)

    actors = scenario.actors
    in_conf = {x: st.indicator([f"{y}->{x} conflict" for y in actors if y != x]) for x in actors}
    op_in = np.array([in_conf[op.actor] for op in ops]).T.reshape(st.n, -1)
    s_conf = np.array([st.indicator(s.conflict_streams) for s in stocks]).T.reshape(st.n, n_k)
    s_coop = np.array([st.indicator(s.coop_streams) for s in stocks]).T.reshape(st.n, n_k)
    med_vec = st.indicator(med.erode_streams) if med else np.zeros(st.n)
    t_med = 2 * n_k + op_in.shape[1]
    return Ballast(
        n_stocks=n_k,
        stock0=per_stock("initial").copy(),
        erosion=per_stock("erosion"),
        recovery=per_stock("recovery"),
        damping=per_stock("damping"),
        damps=np.array([st.indicator(s.damps) for s in stocks]).reshape(n_k, st.n),
        mediator=med is not None,
        leverage0=theta(med.initial).copy() if med else np.zeros(n_p),
        med_erosion=theta(med.erosion) if med else np.zeros(n_p),
        med_recovery=theta(med.recovery) if med else np.zeros(n_p),
        n_opinions=len(ops),
        op_rally=per_opinion("rally"),
        op_fade=per_opinion("fade"),
        op_weight=per_opinion("weight"),
        tally=np.column_stack([s_conf, s_coop, op_in, med_vec, net_vec]),
        t_conf=slice(0, n_k),
        t_coop=slice(n_k, 2 * n_k),
        t_op=slice(2 * n_k, t_med),
        t_med=t_med,
        t_net=t_med + 1,
    )


def _levers(
    scenario: Scenario,
    st: _Streams,
    theta: Params,
    n_p: int,
    chosen: Sequence[Lever],
    machines: Machines,
    rng: np.random.Generator,
) -> tuple[LeverPlan, ...]:
    # Success drawn once per path from its own generator, indexed by the lever's place in the
    # scenario so that adding a lever to a run does not shift the others' draws.
    all_levers = list(scenario.levers)
    u_lever = rng.random((n_p, max(1, len(all_levers))))
    return tuple(
        LeverPlan(
            name=lv.name,
            day=(lv.day - scenario.start).days,
            duration=lv.duration_days,
            ok=(
                u_lever[:, all_levers.index(lv)] < theta(lv.success)
                if lv.success
                else np.ones(n_p, dtype=bool)
            ),
            triggers=tuple(machines.keys[trig] for trig in lv.triggers),
            emits=_emits(st, lv.emits),
            leverage_adds=tuple(theta(e.value) for e in lv.effects if e.target == "leverage"),
        )
        for lv in chosen
    )


def _shocks(
    scenario: Scenario, st: _Streams, theta: Params, n_p: int, rng: np.random.Generator
) -> tuple[ShockPlan, ...]:
    # Scheduled shocks get a day per path (or never), random ones a day-by-day draw.
    shocks = scenario.shocks
    u_sh = rng.random((n_p, max(1, len(shocks)), 2))
    out = []
    for k, sh in enumerate(shocks):
        if sh.first is not None and sh.last is not None and sh.probability is not None:
            first, last_d = (sh.first - scenario.start).days, (sh.last - scenario.start).days
            day = first + np.floor(u_sh[:, k, 1] * (last_d - first + 1)).astype(np.int64)
            day0 = np.where(u_sh[:, k, 0] < theta(sh.probability), day, NEVER)
        else:
            day0 = np.full(n_p, NEVER, dtype=np.int64)
        rate = theta(sh.rate) if sh.rate is not None else None
        out.append(ShockPlan(day0, rate, sh.duration_days, _emits(st, sh.emits)))
    return tuple(out)


def _outcome(scenario: Scenario, machines: Machines, o: Outcome) -> OutcomeRule:
    by = (o.by - scenario.start).days if o.by else scenario.horizon_days - 1
    if o.kind != "state":
        return OutcomeRule(o.name, by, -1, np.zeros(0, dtype=bool), o.when == "ever")
    mi = machines.names.index(str(o.machine))
    lut = np.array([s in o.states for s in scenario.machines[mi].states])
    return OutcomeRule(o.name, by, mi, lut, o.when == "ever")
