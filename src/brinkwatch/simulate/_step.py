"""One day of the scenario Monte Carlo: the mutable state of a chunk of paths and its step.

A day runs in a fixed order, and the order is part of the result (bit for bit): levers and
shocks fire and switch their effects on, the state machines move on what happened up to
yesterday, the machines' states, elections and opinion switch theirs on, the day's events are
drawn, then memories, stocks, leverage, opinion and the index absorb them and the day is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from brinkwatch.simulate._compile import (
    AFTER,
    ANNIVERSARY,
    BASE,
    DRIVER_MEMORY,
    EXC,
    HAZ,
    HAZARD,
    LEVER,
    N_ENTRIES,
    PACKAGE,
    REC,
    TINY,
    Compiled,
    Fx,
    Rngs,
)

__all__ = ["State", "initial_state", "step"]


@dataclass(eq=False)
class State:
    """What changes from day to day in a chunk of paths, and what the run records."""

    mem: np.ndarray
    pressure: np.ndarray
    ring: np.ndarray
    roll: np.ndarray
    regained: np.ndarray
    #: Days in a row at or above the pre-crisis level: regained means held, not touched once.
    above: np.ndarray
    machine: list[np.ndarray]
    dwell: list[np.ndarray]
    cumh: np.ndarray
    entries: np.ndarray
    cur_thr: np.ndarray
    stock: np.ndarray
    leverage: np.ndarray
    opinion: np.ndarray
    shock_day: list[np.ndarray]
    #: Log-factor per path and slot of each effect grid, and the slots in force today.
    grids: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    used: tuple[set[int], set[int], set[int], set[int]] = field(
        default_factory=lambda: (set(), set(), set(), set())
    )
    outcomes: dict[str, np.ndarray] = field(default_factory=dict)
    state_counts: list[np.ndarray] = field(default_factory=list)
    weekly: np.ndarray = field(default_factory=lambda: np.zeros(0))
    index_weekly: np.ndarray = field(default_factory=lambda: np.zeros(0))
    log_k: list[np.ndarray] = field(default_factory=list)
    log_t: list[np.ndarray] = field(default_factory=list)
    log_p: list[np.ndarray] = field(default_factory=list)
    #: The rule of each logged move (codes of ``_compile.RULES``).
    log_r: list[np.ndarray] = field(default_factory=list)
    #: (paths, checkpoints, machines) int8: each machine's state on each checkpoint day.
    checks: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), dtype=np.int8))

    def put(self, fx: Fx, active: np.ndarray | bool) -> None:
        """Switch an effect on for the paths where ``active`` holds, for today."""
        g = self.grids[fx.grid]
        if active is True:
            g[:, fx.slot] = fx.log(self.leverage)
        else:
            g[:, fx.slot] = np.where(active, fx.log(self.leverage), 0.0)
        self.used[fx.grid].add(fx.slot)


def initial_state(c: Compiled) -> State:
    """Build the state on the start day: observed memories, every machine in its initial state."""
    n_p, n_s, mc = c.n_paths, c.n_streams, c.machines
    n_t = max(1, mc.count)
    ring = np.tile(c.index.ring0, (n_p, 1))
    weeks = -(-c.horizon // 7)
    vb, ve, vh, vr = c.effects.matrices
    return State(
        mem=np.tile(c.excitation.memory0, (n_p, 1)),
        pressure=np.tile(c.index.pressure0, (n_p, 1)),
        ring=ring,
        roll=ring.sum(1),
        regained=np.zeros(n_p, dtype=bool),
        above=np.zeros(n_p, dtype=np.int32),
        machine=[np.full(n_p, code, dtype=np.int8) for code in mc.initial],
        dwell=[np.full(n_p, d, dtype=np.int32) for d in mc.dwell0],
        cumh=np.zeros((n_t, n_p)),
        entries=np.zeros((n_t, n_p), dtype=np.int64),
        cur_thr=mc.thresholds[:, 0, :].copy(),
        stock=c.ballast.stock0.copy(),
        leverage=c.ballast.leverage0.copy(),
        opinion=np.zeros((n_p, c.ballast.n_opinions)),
        shock_day=[sh.day0.copy() for sh in c.shocks],
        grids=(
            np.zeros((n_p, len(vb))),
            np.zeros((n_p, len(ve))),
            np.zeros((n_p, len(vh))),
            np.zeros((n_p, len(vr))),
        ),
        outcomes={o.name: np.zeros(n_p, dtype=bool) for o in c.outcomes},
        state_counts=[np.zeros((c.horizon, n), dtype=np.int64) for n in mc.n_states],
        weekly=np.zeros((n_p, weeks, n_s), dtype=np.int32),
        index_weekly=np.zeros((n_p, weeks), dtype=np.float32),
        checks=np.zeros((n_p, len(c.checkpoints), len(mc.initial)), dtype=np.int8),
    )


def step(c: Compiled, s: State, t: int, rngs: Rngs) -> None:
    """Advance every path by day ``t`` (from 0)."""
    emit = np.zeros((c.n_paths, c.n_streams), dtype=np.int32)
    forced = np.zeros(c.machines.count, dtype=bool)
    for slot_set in s.used:
        slot_set.clear()
    for g in s.grids:
        g[:] = 0.0
    _levers_and_shocks(c, s, t, emit, forced, rngs.shocks)
    _move_machines(c, s, t, emit, forced)
    _state_effects(c, s, t)
    counts = _draw_events(c, s, emit, rngs.events)
    _absorb(c, s, t, counts)
    _record(c, s, t, counts)


def _levers_and_shocks(
    c: Compiled,
    s: State,
    t: int,
    emit: np.ndarray,
    forced: np.ndarray,
    rng: np.random.Generator,
) -> None:
    for lv, fxs in zip(c.levers, c.effects.levers, strict=True):
        if t == lv.day:
            forced[list(lv.triggers)] = True
            for col, count in lv.emits:
                emit[:, col] += count * lv.ok
            for add in lv.leverage_adds:
                s.leverage = np.clip(s.leverage + np.where(lv.ok, add, 0.0), 0, 1)
        if lv.day <= t < lv.day + lv.duration:
            for fx in fxs:
                s.put(fx, lv.ok)
    for k, (sh, fxs) in enumerate(zip(c.shocks, c.effects.shocks, strict=True)):
        if sh.rate is not None:
            hit = rng.random(c.n_paths) < sh.rate
            s.shock_day[k] = np.where(hit, t, s.shock_day[k])
        else:
            hit = s.shock_day[k] == t
        if hit.any():
            for col, count in sh.emits:
                emit[:, col] += count * hit
        active = (t >= s.shock_day[k]) & (t < s.shock_day[k] + sh.duration)
        if fxs and active.any():
            for fx in fxs:
                s.put(fx, active)


def _move_machines(c: Compiled, s: State, t: int, emit: np.ndarray, forced: np.ndarray) -> None:
    """State machines move first, on what happened up to yesterday.

    A hazard transition fires when its hazard, summed over the days in the source state (after
    any minimum dwell), passes an Exp(1) threshold drawn for that path, transition and entry
    into the state: the same as a daily draw with probability 1 - exp(-h), but the thresholds
    are fixed per path, so runs with different levers share them (common random numbers) and no
    day draws anything. A machine moves at most once a day.
    """
    mc, vh = c.machines, c.effects.matrices[HAZ]
    gh = s.grids[HAZ]
    haz_active = bool(len(vh)) and bool(gh.any())
    moved = [np.zeros(c.n_paths, dtype=bool) for _ in mc.initial]
    drive: np.ndarray = (s.pressure @ mc.set_matrix).T.copy()
    haz_fx: np.ndarray | None = (gh @ vh).T if haz_active else None
    for k in range(mc.count):
        mi, rule = mc.machine[k], mc.rule[k]
        here: np.ndarray = np.asarray(s.machine[mi] == mc.source[k])
        if forced[k]:
            fire, why = here & ~moved[mi], LEVER
        elif rule == AFTER:
            fire, why = here & (s.dwell[mi] >= mc.after_days[k]) & ~moved[mi], AFTER
        elif rule == ANNIVERSARY and mc.open_on[k, t]:
            fire, why = here & (s.dwell[mi] >= mc.notice_days[k]) & ~moved[mi], ANNIVERSARY
        elif rule == HAZARD and mc.open_on[k, t]:
            if mc.min_dwell[k]:
                here &= s.dwell[mi] >= mc.min_dwell[k]
            if not here.any():
                continue
            lh = mc.log_base[k]
            for j in mc.drivers[k]:
                lh = lh + mc.driver_weight[j] * drive[mc.driver_set[j]]
            if haz_fx is not None and c.effects.hazard_used[k]:
                lh = lh + haz_fx[k]
            s.cumh[k] += np.where(here, np.exp(np.minimum(lh, 50.0)), 0.0)
            fire, why = here & (s.cumh[k] >= s.cur_thr[k]) & ~moved[mi], HAZARD
        else:
            continue
        rows = np.flatnonzero(fire)
        if rows.size:
            _fire(c, s, t, k, rows, emit, why, moved)


def _fire(
    c: Compiled,
    s: State,
    t: int,
    k: int,
    rows: np.ndarray,
    emit: np.ndarray,
    why: int,
    moved: list[np.ndarray],
) -> None:
    """Move ``rows`` along transition ``k``, then its package's members that can move.

    The clocks of the transitions out of the new state restart.
    """
    mc = c.machines
    mi = mc.machine[k]
    s.log_k.append(np.full(rows.size, k, dtype=np.int16))
    s.log_t.append(np.full(rows.size, t, dtype=np.int16))
    s.log_p.append(rows.astype(np.int32))
    s.log_r.append(np.full(rows.size, why, dtype=np.int8))
    dst = mc.target[k]
    s.machine[mi][rows] = dst
    s.dwell[mi][rows] = 0
    moved[mi][rows] = True
    for k2 in mc.out_of[mi][dst]:
        s.cumh[k2, rows] = 0.0
        s.entries[k2, rows] = (s.entries[k2, rows] + 1) % N_ENTRIES
        s.cur_thr[k2, rows] = mc.thresholds[k2, s.entries[k2, rows], rows]
    for col, count in mc.emits[k]:
        emit[rows, col] += count
    for k2 in mc.followers[k]:
        m2 = mc.machine[k2]
        # A member not in its source state (or already moved today) stays where it is.
        rows2 = rows[(s.machine[m2][rows] == mc.source[k2]) & ~moved[m2][rows]]
        if rows2.size:
            _fire(c, s, t, k2, rows2, emit, PACKAGE, moved)


def _state_effects(c: Compiled, s: State, t: int) -> None:
    for mi, effects in enumerate(c.effects.while_in):
        for code, wfx in effects:
            s.put(wfx, s.machine[mi] == code)
    # Domestic politics scale each actor's conflict baseline.
    for e, efx in enumerate(c.effects.elections):
        if c.effects.election_on[e, t]:
            s.put(efx, True)
    b = c.ballast
    gb = s.grids[BASE]
    for j, slot in enumerate(c.effects.opinion_slots):
        gb[:, slot] = np.log1p(b.op_weight[:, j] * s.opinion[:, j])
        s.used[BASE].add(slot)


def _draw_events(c: Compiled, s: State, emit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    vb, ve, _, _ = c.effects.matrices
    x, b = c.excitation, c.ballast
    # Only the effects in force today enter the product.
    on = sorted(s.used[BASE])
    lam = (
        x.mu * np.exp(s.grids[BASE][:, on] @ vb[on])
        if on
        else np.broadcast_to(x.mu, (c.n_paths, c.n_streams))
    )
    if x.active:
        # Ballast damps conflict answering conflict.
        damp = np.exp(np.log(np.maximum(1.0 - b.damping * s.stock, TINY)) @ b.damps)
        exc = s.mem @ x.a_coop + damp * (s.mem @ x.a_conf)
        if len(ve):
            exc = exc * np.exp(s.grids[EXC] @ ve)
        lam = lam + exc
    counts = _poisson_icdf(rng.random((c.n_paths, c.n_streams), dtype=np.float32), lam)
    counts += emit
    return counts


def _absorb(c: Compiled, s: State, t: int, counts: np.ndarray) -> None:
    """Update memories, stocks, leverage, opinion and the index with today's events."""
    x, b = c.excitation, c.ballast
    fc = counts.astype(float)
    sums = fc @ b.tally
    if x.active:
        s.mem = x.delta * s.mem + (1.0 - x.delta) * fc
    s.pressure *= DRIVER_MEMORY
    s.pressure += fc
    if b.n_stocks:
        vr = c.effects.matrices[REC]
        rec_mult = np.exp(s.grids[REC] @ vr)[:, : b.n_stocks] if len(vr) else 1.0
        stock = s.stock * np.clip(1.0 - b.erosion * sums[:, b.t_conf], 0.0, 1.0)
        s.stock = np.clip(
            stock + b.recovery * rec_mult * sums[:, b.t_coop] * (1.0 - stock), 0.0, 1.0
        )
    if b.mediator:
        leverage = s.leverage - b.med_erosion * sums[:, b.t_med]
        s.leverage = np.clip(leverage + b.med_recovery * (b.leverage0 - leverage), 0.0, 1.0)
    if b.n_opinions:
        s.opinion = s.opinion * (1.0 - b.op_fade) + b.op_rally * sums[:, b.t_op]
    net = sums[:, b.t_net]
    w = c.index.window
    slot_i = t % w
    s.roll = s.roll + net - s.ring[:, slot_i]
    s.ring[:, slot_i] = net
    s.above = np.where(s.roll >= c.index.level, s.above + 1, 0)
    s.regained |= s.above >= w


def _record(c: Compiled, s: State, t: int, counts: np.ndarray) -> None:
    wk = t // 7
    s.weekly[:, wk] += counts
    s.index_weekly[:, wk] = s.roll
    slot = int(c.check_slot[t]) if len(c.check_slot) else -1
    for mi, n_states in enumerate(c.machines.n_states):
        s.state_counts[mi][t] = np.bincount(s.machine[mi], minlength=n_states)
        s.dwell[mi] += 1
        if slot >= 0:
            s.checks[:, slot, mi] = s.machine[mi]
    for o in c.outcomes:
        if t > o.by:
            continue
        if o.machine < 0:
            if t == o.by:
                s.outcomes[o.name] = s.regained.copy()
            continue
        inside = o.inside[s.machine[o.machine]]
        if o.ever:
            s.outcomes[o.name] |= inside
        elif t == o.by:
            s.outcomes[o.name] = inside


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
