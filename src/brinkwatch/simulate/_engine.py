"""The scenario Monte Carlo: event streams, state machines, stocks and levers, day by day.

Every array is (paths, ...) and every day is one pass of vectorised NumPy; there is no loop over
paths. Random numbers come from separate generators per purpose (parameters, event draws,
machine transitions, lever success, shocks), each seeded from the run's seed, and event counts
are drawn by inverse CDF from uniforms. Two runs with the same seed therefore share their random
numbers wherever their structure is the same: comparisons between levers use common random
numbers, and their differences are not drowned in Monte Carlo noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
from threadpoolctl import threadpool_limits

from brinkwatch.errors import ScenarioError
from brinkwatch.simulate.scenario import Effect, Scenario, Uncertain, Window

__all__ = ["DRIVER_MEMORY", "Dynamics", "SimulationRun", "run_scenario"]

#: Daily persistence of the recent-event memory that drives hazards: an event counts fully on
#: its day and loses 10% a day (half-life about 6.6 days; a steady one event a day holds 10).
DRIVER_MEMORY = 0.9
#: Paths simulated together; a run of more paths goes chunk by chunk.
CHUNK_PATHS = 5000
#: Parameter sets drawn per run; paths cycle through them, so each set has n_paths / K paths and
#: the spread of outcome probabilities across sets shows the parameter uncertainty.
PARAM_SETS = 100

Progress = Callable[[float], None]


@dataclass(frozen=True)
class Dynamics:
    """The fitted event model as the scenario engine uses it.

    ``lambda = baseline + memory @ excitation.T`` and
    ``memory <- delta * memory + (1 - delta) * counts`` with ``delta = exp(-decay)`` (the
    convention of :class:`~brinkwatch.simulate.HawkesModel`). ``history`` holds the observed daily
    counts before the start (rows are days ending the day before ``start``), for the index.
    """

    names: tuple[str, ...]
    baseline: np.ndarray
    excitation: np.ndarray
    decay: float
    memory0: np.ndarray
    history: np.ndarray
    history_start: date
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        s = len(self.names)
        if self.baseline.shape != (s,) or self.excitation.shape != (s, s):
            raise ScenarioError(
                f"dynamics for {s} streams need a baseline of shape ({s},) and an excitation "
                f"matrix ({s}, {s}); got {self.baseline.shape} and {self.excitation.shape}"
            )


@dataclass
class SimulationRun:
    """One Monte Carlo run of a scenario with a set of levers.

    Attributes
    ----------
    outcomes
        Outcome name -> boolean array (paths,): did it happen in that path.
    state_counts
        Machine name -> array (days, states): paths in each state on each day.
    weekly
        Array (paths, weeks, streams) of simulated event counts per week.
    index_weekly
        Array (paths, weeks): the pair's rolling net cooperation at the end of each week.
    index_level
        The pre-crisis level of that index (from the data).
    param_set
        Array (paths,): which parameter draw each path used.
    transitions
        Arrays (path, day, transition index) of every state change; see
        :meth:`transition_table`.
    """

    scenario: Scenario
    levers: tuple[str, ...]
    n_paths: int
    seed: int
    outcomes: dict[str, np.ndarray]
    state_counts: dict[str, np.ndarray]
    weekly: np.ndarray
    index_weekly: np.ndarray
    index_level: float
    param_set: np.ndarray
    overrides: dict[str, float] = field(default_factory=dict)
    transitions: tuple[np.ndarray, np.ndarray, np.ndarray] = field(
        default_factory=lambda: (
            np.zeros(0, np.int32),
            np.zeros(0, np.int16),
            np.zeros(0, np.int16),
        )
    )
    transition_names: tuple[tuple[str, str, str], ...] = ()
    set_values: dict[str, np.ndarray] = field(default_factory=dict)

    def transition_table(self) -> pa.Table:
        """Every state change in every path: path, day (from 0), date, machine, from, to.

        Rows are in the order the changes happened (by day, then machine order).
        """
        path, day, k = self.transitions
        names = self.transition_names
        return pa.table(
            {
                "path": path,
                "day": day.astype(np.int32),
                "date": [self.scenario.start + timedelta(days=int(d)) for d in day],
                "machine": [names[i][0] for i in k],
                "from_state": [names[i][1] for i in k],
                "to_state": [names[i][2] for i in k],
            }
        )

    @property
    def dates(self) -> list[date]:
        """The simulated days."""
        return [self.scenario.start + timedelta(days=i) for i in range(self.scenario.horizon_days)]

    @property
    def week_starts(self) -> list[date]:
        """First day of each simulated week."""
        return [self.scenario.start + timedelta(days=7 * i) for i in range(self.weekly.shape[1])]


def _in_window(d: date, window: Window | None) -> bool:
    return window is None or window.contains(d)


def _poisson_icdf(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson draws by inverse CDF, so that common uniforms give common counts.

    Most daily intensities are far below one, so after the first step only a few entries are
    still searching; the loop works on those alone.

    Examples
    --------
    >>> _poisson_icdf(np.array([0.1, 0.5, 0.99]), np.array([1.0, 1.0, 1.0])).tolist()
    [0, 1, 4]
    """
    k = np.zeros(u.shape, dtype=np.int32)
    p = np.exp(-lam)
    todo = np.flatnonzero(u > p)
    if todo.size == 0:
        return k
    uu, ll, pp = u.ravel()[todo], lam.ravel()[todo], p.ravel()[todo]
    cdf = pp.copy()
    kk = np.zeros(todo.size, dtype=np.int32)
    live = np.arange(todo.size)
    j = 0
    while live.size:
        j += 1
        if j > 500:
            # Intensities this large are runaway paths; a normal approximation will do.
            lv = ll[live]
            approx = np.round(lv + np.sqrt(lv) * _norm_ppf(uu[live]))
            kk[live] = np.clip(approx, 0, 2**31 - 1).astype(np.int32)
            break
        pp[live] *= ll[live] / j
        cdf[live] += pp[live]
        kk[live] += 1
        live = live[uu[live] > cdf[live]]
    k.ravel()[todo] = kk
    return k


def _norm_ppf(u: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    return np.asarray(ndtri(np.clip(u, 1e-12, 1 - 1e-12)))


class _Params:
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
        for j, p in enumerate(params):
            if p.name in overrides:
                v = np.full(k, float(overrides[p.name]))
            elif fixed:
                v = np.full(k, p.default)
            else:
                v = p.quantile(u[:, j])
            self.set_values[p.name] = v
            self.values[p.name] = v[self.set_of_path]

    def __call__(self, u: Uncertain) -> np.ndarray:
        return self.values[u.name]


#: Exp(1) thresholds drawn per path and transition; the n-th entry into a state uses the
#: (n mod N_ENTRIES)-th, so a path re-entering a state more often than this reuses thresholds.
N_ENTRIES = 8
#: Smallest multiplicative factor; keeps logarithms finite (a factor 0 switches a rate off).
_TINY = 1e-12


class _Slots:
    """Multiplicative effects on one target (stream baselines, hazards, ...).

    They are applied as ``exp(G @ V)``: one column of G (log-factor per path) and one
    indicator row of V per effect, so a day's effects cost one matrix product, not one pass each.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: list[np.ndarray] = []

    def add(self, positions: Sequence[int]) -> int:
        v = np.zeros(self.width)
        v[list(positions)] = 1.0
        self.rows.append(v)
        return len(self.rows) - 1

    def matrix(self) -> np.ndarray:
        return np.array(self.rows) if self.rows else np.zeros((0, self.width))


@dataclass
class _Fx:
    """A registered effect: its slot, log-factor per path, and whether leverage scales it."""

    slots: _Slots
    slot: int
    factor: np.ndarray
    by_leverage: bool

    def __post_init__(self) -> None:
        self._fixed_log = np.log(np.maximum(self.factor, _TINY))

    def log(self, leverage: np.ndarray) -> np.ndarray:
        if not self.by_leverage:
            return np.asarray(self._fixed_log)
        return np.asarray(np.log(np.maximum(1.0 + (self.factor - 1.0) * leverage, _TINY)))


def _run(
    scenario: Scenario,
    dynamics: Dynamics,
    *,
    levers: Sequence[str] = (),
    n_paths: int = 2000,
    seed: int = 0,
    overrides: Mapping[str, float] | None = None,
    fixed_parameters: bool = False,
    progress: Progress | None = None,
    stream: int = 0,
    param_sets: int | None = None,
) -> SimulationRun:
    if n_paths < 1:
        raise ScenarioError(f"n_paths must be at least 1, got {n_paths}")
    names = scenario.streams
    if tuple(names) != tuple(dynamics.names):
        raise ScenarioError(
            f"the event model's streams {list(dynamics.names)} do not match the scenario's "
            f"{names}; fit the model on the scenario's actors"
        )
    chosen = [scenario.lever(n) for n in dict.fromkeys(levers)]
    col = {s: i for i, s in enumerate(names)}
    n_s, n_p, horizon = len(names), n_paths, scenario.horizon_days
    theta = _Params(scenario, n_p, seed, overrides or {}, fixed_parameters, stream, param_sets)
    rng_ev = np.random.default_rng([seed, stream, 1])
    rng_tr = np.random.default_rng([seed, stream, 2])
    rng_lv = np.random.default_rng([seed, stream, 3])
    rng_sh = np.random.default_rng([seed, stream, 4])
    start = scenario.start

    def idx(streams: Sequence[str]) -> list[int]:
        return [col[s] for s in streams]

    def indicator(streams: Sequence[str]) -> np.ndarray:
        v = np.zeros(n_s)
        v[idx(streams)] = 1.0
        return v

    # Excitation split by source kind: ballast damps only conflict feeding conflict.
    alpha = np.asarray(dynamics.excitation, dtype=float)
    conflict_src = np.array([n.endswith("conflict") for n in names])
    a_coop = np.where(conflict_src[None, :], 0.0, alpha).T.copy()
    a_conf = np.where(conflict_src[None, :], alpha, 0.0).T.copy()
    has_exc = bool(alpha.any())
    mu = np.asarray(dynamics.baseline, dtype=float)
    delta = math.exp(-dynamics.decay)
    mem = np.tile(np.asarray(dynamics.memory0, dtype=float), (n_p, 1))

    # Recent-event memory for hazard drivers, seeded with the last observed weeks.
    hist = np.asarray(dynamics.history, dtype=float)
    pr0 = np.zeros(n_s)
    for row in hist[-60:]:
        pr0 = DRIVER_MEMORY * pr0 + row
    pressure = np.tile(pr0, (n_p, 1))

    # The index: rolling net cooperation of the pair, started from the observed last days.
    a, b = scenario.index_pair
    net_vec = indicator([f"{a}->{b} coop", f"{b}->{a} coop"]) - indicator(
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
    index_level = float(np.convolve(net_hist[lo:hi], np.ones(w), mode="valid").mean())
    last = net_hist[-w:] if len(net_hist) >= w else np.zeros(w)
    ring = np.tile(last, (n_p, 1))
    roll = ring.sum(1)
    regained = np.zeros(n_p, dtype=bool)
    # Regained means held: a single cooperative event should not count as a recovery.
    above = np.zeros(n_p, dtype=np.int32)

    # Machines and their transitions, all transitions of all machines in one axis.
    machines = scenario.machines
    state = [np.full(n_p, m.states.index(m.initial), dtype=np.int8) for m in machines]
    dwell = [np.zeros(n_p, dtype=np.int32) for _ in machines]
    trans = [(mi, t) for mi, m in enumerate(machines) for t in m.transitions]
    n_t = len(trans)
    tr_key = {f"{machines[mi].name}:{t.key}": k for k, (mi, t) in enumerate(trans)}
    log_base_t = np.zeros((n_t, n_p))
    # Each driver: its transition, its streams, its weight per path.
    drivers: list[tuple[int, tuple[int, ...], np.ndarray]] = []
    for k, (_, tr) in enumerate(trans):
        if tr.hazard is not None:
            log_base_t[k] = np.log(np.maximum(theta(tr.hazard), 1e-300))
            for dv in tr.drivers:
                drivers.append((k, tuple(sorted(idx(dv.streams))), theta(dv.weight)))
    drv_weight_t = np.array([d[2] for d in drivers]) if drivers else np.zeros((0, n_p))
    state_counts = {m.name: np.zeros((horizon, len(m.states)), dtype=np.int64) for m in machines}

    # Effects as slots.
    base_slots, exc_slots, haz_slots = _Slots(n_s), _Slots(n_s), _Slots(n_t)
    stocks = scenario.stocks
    rec_slots = _Slots(max(1, len(stocks)))
    stock_pos = {s.name: i for i, s in enumerate(stocks)}

    def register(e: Effect) -> _Fx | None:
        if e.target == "baseline":
            return _Fx(base_slots, base_slots.add(idx(e.streams)), theta(e.value),
                       e.scale_by_leverage)  # fmt: skip
        if e.target == "excitation":
            return _Fx(exc_slots, exc_slots.add(idx(e.streams)), theta(e.value),
                       e.scale_by_leverage)  # fmt: skip
        if e.target == "hazard":
            return _Fx(haz_slots, haz_slots.add([tr_key[str(e.ref)]]), theta(e.value),
                       e.scale_by_leverage)  # fmt: skip
        if e.target == "recovery":
            return _Fx(rec_slots, rec_slots.add([stock_pos[str(e.ref)]]), theta(e.value),
                       e.scale_by_leverage)  # fmt: skip
        return None  # leverage: applied once, on the lever's day

    lever_fx = [[fx for e in lv.effects if (fx := register(e))] for lv in chosen]
    shock_fx = [[fx for e in sh.effects if (fx := register(e))] for sh in scenario.shocks]
    while_fx = [
        [(m.states.index(se.state), register(Effect("baseline", se.streams, None, se.factor,
                                                      False)))
         for se in m.while_in]
        for m in machines
    ]  # fmt: skip
    out_conf = {x: [f"{x}->{y} conflict" for y in scenario.actors if y != x]
                for x in scenario.actors}  # fmt: skip
    in_conf = {x: indicator([f"{y}->{x} conflict" for y in scenario.actors if y != x])
               for x in scenario.actors}  # fmt: skip
    elect_fx = [
        register(Effect("baseline", tuple(out_conf[el.actor]), None, el.factor, False))
        for el in scenario.elections
    ]
    opinion_slot = [base_slots.add(idx(out_conf[op.actor])) for op in scenario.opinions]
    opinion = np.zeros((n_p, len(scenario.opinions)))
    op_rally = np.array([theta(op.rally) for op in scenario.opinions]).T.reshape(n_p, -1)
    op_fade = np.array([theta(op.fade) for op in scenario.opinions]).T.reshape(n_p, -1)
    op_weight = np.array([theta(op.weight) for op in scenario.opinions]).T.reshape(n_p, -1)
    op_in = np.array([in_conf[op.actor] for op in scenario.opinions]).T.reshape(n_s, -1)
    vb, ve, vh, vr = (
        base_slots.matrix(),
        exc_slots.matrix(),
        haz_slots.matrix(),
        rec_slots.matrix(),
    )

    # Stocks (ballast) vectorised over stocks; leverage of the mediator.
    n_k = len(stocks)
    stock_v = np.array([theta(s.initial) for s in stocks]).T.reshape(n_p, n_k).copy()
    s_eros = np.array([theta(s.erosion) for s in stocks]).T.reshape(n_p, n_k)
    s_rec = np.array([theta(s.recovery) for s in stocks]).T.reshape(n_p, n_k)
    s_damp = np.array([theta(s.damping) for s in stocks]).T.reshape(n_p, n_k)
    s_conf = np.array([indicator(s.conflict_streams) for s in stocks]).T.reshape(n_s, n_k)
    s_coop = np.array([indicator(s.coop_streams) for s in stocks]).T.reshape(n_s, n_k)
    s_damps = np.array([indicator(s.damps) for s in stocks]).reshape(n_k, n_s)
    med = scenario.mediator
    lev0 = theta(med.initial).copy() if med else np.zeros(n_p)
    leverage = lev0.copy()
    med_vec = indicator(med.erode_streams) if med else np.zeros(n_s)
    med_eros = theta(med.erosion) if med else np.zeros(n_p)
    med_rec = theta(med.recovery) if med else np.zeros(n_p)

    # Levers: success drawn once per path from its own generator, indexed by the lever's place
    # in the scenario so that adding a lever to a run does not shift the others' draws.
    all_levers = list(scenario.levers)
    u_lever = rng_lv.random((n_p, max(1, len(all_levers))))
    lever_ok = [
        u_lever[:, all_levers.index(lv)] < theta(lv.success)
        if lv.success
        else np.ones(n_p, dtype=bool)
        for lv in chosen
    ]
    lever_day = [(lv.day - start).days for lv in chosen]

    # Shocks: scheduled ones get a day per path (or never), random ones a day-by-day draw.
    shocks = scenario.shocks
    u_sh = rng_sh.random((n_p, max(1, len(shocks)), 2))
    never = -(10**9)
    shock_day: list[np.ndarray] = []
    for k, sh in enumerate(shocks):
        if sh.first is not None and sh.last is not None and sh.probability is not None:
            first, last_d = (sh.first - start).days, (sh.last - start).days
            day = first + np.floor(u_sh[:, k, 1] * (last_d - first + 1)).astype(np.int64)
            shock_day.append(np.where(u_sh[:, k, 0] < theta(sh.probability), day, never))
        else:
            shock_day.append(np.full(n_p, never, dtype=np.int64))
    shock_rate = [theta(sh.rate) if sh.rate is not None else None for sh in shocks]

    # Outcomes: a lookup table per outcome says which states count.
    oc_lut = []
    mach_index = {m.name: i for i, m in enumerate(machines)}
    for o in scenario.outcomes:
        by = (o.by - start).days if o.by else horizon - 1
        if o.kind == "state":
            mi = mach_index[str(o.machine)]
            lut = np.array([s in o.states for s in machines[mi].states])
            oc_lut.append((o, by, mi, lut))
        else:
            oc_lut.append((o, by, -1, np.zeros(0, dtype=bool)))
    oc_val = {o.name: np.zeros(n_p, dtype=bool) for o in scenario.outcomes}

    windows = [tr.window for _, tr in trans]
    log_k: list[np.ndarray] = []
    log_t: list[np.ndarray] = []
    log_p: list[np.ndarray] = []
    tr_drivers = [[j for j, d in enumerate(drivers) if d[0] == k] for k in range(n_t)]
    src_code = [machines[mi].states.index(tr.source) for mi, tr in trans]
    dst_code = [machines[mi].states.index(tr.target) for mi, tr in trans]
    out_of = [
        [[k for k, (mj, tr) in enumerate(trans) if mj == mi and tr.source == st]
         for st in m.states]
        for mi, m in enumerate(machines)
    ]  # fmt: skip
    thresholds = rng_tr.exponential(size=(max(1, n_t), N_ENTRIES, n_p))
    cur_thr = thresholds[:, 0, :].copy()
    cumh = np.zeros((max(1, n_t), n_p))
    entries = np.zeros((max(1, n_t), n_p), dtype=np.int64)
    # Drivers share stream sets (JPN->KOR conflict drives many hazards): sum each set once a day.
    sets = sorted({d[1] for d in drivers})
    set_of_driver = [sets.index(d[1]) for d in drivers]
    set_matrix = np.zeros((n_s, max(1, len(sets))))
    for i, cols in enumerate(sets):
        set_matrix[list(cols), i] = 1.0
    # Every per-day sum over streams that the stocks, leverage, opinion and index need, as the
    # columns of one matrix, so that the day's counts are read once.
    tally = np.column_stack([s_conf, s_coop, op_in, med_vec, net_vec])
    t_conf = slice(0, n_k)
    t_coop = slice(n_k, 2 * n_k)
    t_op = slice(2 * n_k, 2 * n_k + op_in.shape[1])
    t_med = 2 * n_k + op_in.shape[1]
    t_net = t_med + 1
    haz_used: np.ndarray = np.asarray(vh.any(axis=0)) if len(vh) else np.zeros(n_t, dtype=bool)
    weeks = -(-horizon // 7)
    weekly = np.zeros((n_p, weeks, n_s), dtype=np.int32)
    index_weekly = np.zeros((n_p, weeks), dtype=np.float32)
    gb = np.zeros((n_p, len(vb)))
    ge = np.zeros((n_p, len(ve)))
    gh = np.zeros((n_p, len(vh)))
    gr = np.zeros((n_p, len(vr)))
    grids = {id(base_slots): gb, id(exc_slots): ge, id(haz_slots): gh, id(rec_slots): gr}

    def put(fx: _Fx, active: np.ndarray | bool) -> None:
        g = grids[id(fx.slots)]
        if active is True:
            g[:, fx.slot] = fx.log(leverage)
        else:
            g[:, fx.slot] = np.where(active, fx.log(leverage), 0.0)
        used[id(fx.slots)].add(fx.slot)

    used: dict[int, set[int]] = {k: set() for k in grids}

    for t in range(horizon):
        today = start + timedelta(days=t)
        emit = np.zeros((n_p, n_s), dtype=np.int32)
        forced = np.zeros(n_t, dtype=bool)
        for slot_set in used.values():
            slot_set.clear()
        gb[:] = 0.0
        ge[:] = 0.0
        gh[:] = 0.0
        gr[:] = 0.0

        for li, lv in enumerate(chosen):
            d0, ok = lever_day[li], lever_ok[li]
            if t == d0:
                for trig in lv.triggers:
                    forced[tr_key[trig]] = True
                for em in lv.emits:
                    emit[:, col[em.stream]] += em.count * ok
                for e in lv.effects:
                    if e.target == "leverage":
                        leverage = np.clip(leverage + np.where(ok, theta(e.value), 0.0), 0, 1)
            if d0 <= t < d0 + lv.duration_days:
                for fx in lever_fx[li]:
                    put(fx, ok)
        for k, sh in enumerate(shocks):
            rate = shock_rate[k]
            if rate is not None:
                hit = rng_sh.random(n_p) < rate
                shock_day[k] = np.where(hit, t, shock_day[k])
            else:
                hit = shock_day[k] == t
            if hit.any():
                for em in sh.emits:
                    emit[:, col[em.stream]] += em.count * hit
            active = (t >= shock_day[k]) & (t < shock_day[k] + sh.duration_days)
            if shock_fx[k] and active.any():
                for fx in shock_fx[k]:
                    put(fx, active)

        haz_active = bool(len(vh)) and bool(gh.any())
        # State machines move first, on what happened up to yesterday. A hazard transition
        # fires when its hazard, summed over the days in the source state, passes an Exp(1)
        # threshold drawn for that path, transition and entry into the state: the same as a
        # daily draw with probability 1 - exp(-h), but the thresholds are fixed per path, so runs
        # with different levers share them (common random numbers) and no day draws anything.
        moved = [np.zeros(n_p, dtype=bool) for _ in machines]
        drive: np.ndarray = (pressure @ set_matrix).T.copy()
        haz_fx: np.ndarray | None = (gh @ vh).T if haz_active else None
        for k, (mi, tr) in enumerate(trans):
            here: np.ndarray = np.asarray(state[mi] == src_code[k])
            if forced[k]:
                fire = here & ~moved[mi]
            elif tr.after_days is not None:
                fire = here & (dwell[mi] >= tr.after_days) & ~moved[mi]
            elif _in_window(today, windows[k]):
                if not here.any():
                    continue
                lh = log_base_t[k]
                for j in tr_drivers[k]:
                    lh = lh + drv_weight_t[j] * drive[set_of_driver[j]]
                if haz_fx is not None and haz_used[k]:
                    lh = lh + haz_fx[k]
                cumh[k] += np.where(here, np.exp(np.minimum(lh, 50.0)), 0.0)
                fire = here & (cumh[k] >= cur_thr[k]) & ~moved[mi]
            else:
                continue
            rows = np.flatnonzero(fire)
            if rows.size:
                log_k.append(np.full(rows.size, k, dtype=np.int16))
                log_t.append(np.full(rows.size, t, dtype=np.int16))
                log_p.append(rows.astype(np.int32))
                dst = dst_code[k]
                state[mi][rows] = dst
                dwell[mi][rows] = 0
                moved[mi][rows] = True
                for k2 in out_of[mi][dst]:
                    cumh[k2, rows] = 0.0
                    entries[k2, rows] = (entries[k2, rows] + 1) % N_ENTRIES
                    cur_thr[k2, rows] = thresholds[k2, entries[k2, rows], rows]
                for em in tr.emits:
                    emit[rows, col[em.stream]] += em.count
        for mi in range(len(machines)):
            for code, wfx in while_fx[mi]:
                if wfx is not None:
                    put(wfx, state[mi] == code)

        # Domestic politics scale each actor's conflict baseline.
        for el, efx in zip(scenario.elections, elect_fx, strict=True):
            if efx is not None and 0 <= (el.day - today).days < el.window_days:
                put(efx, True)
        for j, slot in enumerate(opinion_slot):
            gb[:, slot] = np.log1p(op_weight[:, j] * opinion[:, j])
            used[id(base_slots)].add(slot)

        # Only the effects in force today enter the product.
        on = sorted(used[id(base_slots)])
        lam = mu * np.exp(gb[:, on] @ vb[on]) if on else np.broadcast_to(mu, (n_p, n_s))
        if has_exc:
            # Ballast damps conflict answering conflict.
            damp = np.exp(np.log(np.maximum(1.0 - s_damp * stock_v, _TINY)) @ s_damps)
            exc = mem @ a_coop + damp * (mem @ a_conf)
            if len(ve):
                exc = exc * np.exp(ge @ ve)
            lam = lam + exc
        counts = _poisson_icdf(rng_ev.random((n_p, n_s), dtype=np.float32), lam)
        counts += emit
        fc = counts.astype(float)
        sums = fc @ tally

        # Update memories and stocks with today's events.
        if has_exc:
            mem = delta * mem + (1.0 - delta) * fc
        pressure *= DRIVER_MEMORY
        pressure += fc
        if n_k:
            rec_mult = np.exp(gr @ vr)[:, :n_k] if len(vr) else 1.0
            stock_v = stock_v * np.clip(1.0 - s_eros * sums[:, t_conf], 0.0, 1.0)
            stock_v = np.clip(
                stock_v + s_rec * rec_mult * sums[:, t_coop] * (1.0 - stock_v), 0.0, 1.0
            )
        if med is not None:
            leverage = leverage - med_eros * sums[:, t_med]
            leverage = np.clip(leverage + med_rec * (lev0 - leverage), 0.0, 1.0)
        if len(scenario.opinions):
            opinion = opinion * (1.0 - op_fade) + op_rally * sums[:, t_op]

        net = sums[:, t_net]
        slot_i = t % w
        roll = roll + net - ring[:, slot_i]
        ring[:, slot_i] = net
        above = np.where(roll >= index_level, above + 1, 0)
        regained |= above >= w

        wk = t // 7
        weekly[:, wk] += counts
        index_weekly[:, wk] = roll
        for mi, m in enumerate(machines):
            state_counts[m.name][t] = np.bincount(state[mi], minlength=len(m.states))
            dwell[mi] += 1
        for o, by, mi, lut in oc_lut:
            if t > by:
                continue
            if mi < 0:
                if t == by:
                    oc_val[o.name] = regained.copy()
                continue
            inside = lut[state[mi]]
            if o.when == "ever":
                oc_val[o.name] |= inside
            elif t == by:
                oc_val[o.name] = inside
        if progress is not None and (t % 7 == 6 or t == horizon - 1):
            progress((t + 1) / horizon)

    return SimulationRun(
        scenario=scenario,
        levers=tuple(lv.name for lv in chosen),
        n_paths=n_p,
        seed=seed,
        outcomes=oc_val,
        state_counts=state_counts,
        weekly=weekly,
        index_weekly=index_weekly,
        index_level=index_level,
        param_set=theta.set_of_path,
        overrides=dict(overrides or {}),
        transitions=(
            np.concatenate(log_p) if log_p else np.zeros(0, dtype=np.int32),
            np.concatenate(log_t) if log_t else np.zeros(0, dtype=np.int16),
            np.concatenate(log_k) if log_k else np.zeros(0, dtype=np.int16),
        ),
        transition_names=tuple((machines[mi].name, tr.source, tr.target) for mi, tr in trans),
        set_values=theta.set_values,
    )


def run_scenario(
    scenario: Scenario,
    dynamics: Dynamics,
    *,
    levers: Sequence[str] = (),
    n_paths: int = 2000,
    seed: int = 0,
    overrides: Mapping[str, float] | None = None,
    fixed_parameters: bool = False,
    progress: Progress | None = None,
    param_sets: int | None = None,
) -> SimulationRun:
    """Simulate a scenario forward with the given levers pulled.

    Parameters
    ----------
    scenario
        A parsed scenario.
    dynamics
        The fitted event model (see :func:`~brinkwatch.simulate.fit_dynamics`).
    levers
        Names of the levers to pull; the others are left alone.
    n_paths
        Monte Carlo paths.
    seed
        Seed of every random draw; the same seed gives the same run, bit for bit.
    overrides
        Assumption name -> value, fixed for every path (for sensitivity analysis).
    fixed_parameters
        Use every assumption's default instead of drawing it from its range.
    progress
        Called with the fraction done.
    param_sets
        Parameter draws per chunk of paths (default: one per 200 paths, 10 to 100).

    Returns
    -------
    SimulationRun
    """
    if n_paths < 1:
        raise ScenarioError(f"n_paths must be at least 1, got {n_paths}")
    # Paths run in chunks whose arrays stay in the CPU's caches; each chunk has its own random
    # streams (seed, chunk), so results depend on the seed and n_paths only.
    sizes = [min(CHUNK_PATHS, n_paths - lo) for lo in range(0, n_paths, CHUNK_PATHS)]
    runs: list[SimulationRun] = []
    done = 0
    # Thousands of small products: one BLAS thread is faster than waking a pool for each.
    with threadpool_limits(limits=1, user_api="blas"):
        for i, size in enumerate(sizes):

            def part(f: float, done: int = done, size: int = size) -> None:
                if progress is not None:
                    progress((done + f * size) / n_paths)

            runs.append(
                _run(
                    scenario,
                    dynamics,
                    levers=levers,
                    n_paths=size,
                    seed=seed,
                    overrides=overrides,
                    fixed_parameters=fixed_parameters,
                    progress=part,
                    stream=i,
                    param_sets=param_sets,
                )
            )
            done += size
    return runs[0] if len(runs) == 1 else _merge(runs)


def _merge(runs: Sequence[SimulationRun]) -> SimulationRun:
    """Join the runs of consecutive chunks of paths into one."""
    first = runs[0]
    offsets = np.cumsum([0] + [r.n_paths for r in runs[:-1]])
    set_offsets = np.cumsum([0] + [len(next(iter(r.set_values.values()), [])) for r in runs[:-1]])
    return SimulationRun(
        scenario=first.scenario,
        levers=first.levers,
        n_paths=sum(r.n_paths for r in runs),
        seed=first.seed,
        outcomes={k: np.concatenate([r.outcomes[k] for r in runs]) for k in first.outcomes},
        state_counts={
            k: np.sum([r.state_counts[k] for r in runs], axis=0) for k in first.state_counts
        },
        weekly=np.concatenate([r.weekly for r in runs]),
        index_weekly=np.concatenate([r.index_weekly for r in runs]),
        index_level=first.index_level,
        param_set=np.concatenate(
            [r.param_set + off for r, off in zip(runs, set_offsets, strict=True)]
        ),
        overrides=first.overrides,
        transitions=(
            np.concatenate([r.transitions[0] + off for r, off in zip(runs, offsets, strict=True)]),
            np.concatenate([r.transitions[1] for r in runs]),
            np.concatenate([r.transitions[2] for r in runs]),
        ),
        transition_names=first.transition_names,
        set_values={k: np.concatenate([r.set_values[k] for r in runs]) for k in first.set_values},
    )
