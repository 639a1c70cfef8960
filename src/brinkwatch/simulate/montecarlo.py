"""Scenario Monte Carlo: fit the event model, run levers, compare them, and say what matters.

Results are PyArrow tables, ready for the CLI, the brief and the dashboard:

- :func:`outcome_table`: each outcome's probability with a Monte Carlo interval and the spread
  that comes from the uncertain assumptions;
- :func:`compare_levers`: each set of levers against a reference run with common random numbers,
  the difference and its interval;
- :func:`state_table`: probability of every agreement and measure state over time;
- :func:`fan_table`: quantiles of weekly event counts or of the index (fan charts);
- :func:`sensitivity`: a tornado table of which assumptions move an outcome most;
- :func:`analyst_spread`: with analysts' assumptions pooled, each outcome's pooled probability
  beside the spread between the analysts alone;
- :func:`backtest`: fit up to a cutoff, run with the levers that were pulled and with none, and
  score against what happened (Brier) and against persistence (event counts).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from brinkwatch._frames import Tabular
from brinkwatch._notes import Note, caught_notes
from brinkwatch.errors import (
    ConfigError,
    InsufficientDataError,
    ScenarioError,
    SparseDataWarning,
)
from brinkwatch.instruments import Register
from brinkwatch.measure import Actor
from brinkwatch.simulate._engine import Dynamics, SimulationRun, run_scenario
from brinkwatch.simulate._honest import (
    calibration_table,
    log_score,
    persistence_forecast,
    smoothed,
    verdict,
)
from brinkwatch.simulate._pool import Pool
from brinkwatch.simulate._ranking import LeverRanking, rank_levers, single_levers
from brinkwatch.simulate._register import apply_register, path_scores
from brinkwatch.simulate._streams import event_streams
from brinkwatch.simulate.hawkes import HawkesModel
from brinkwatch.simulate.scenario import Scenario

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "Backtest",
    "VariantRuns",
    "analyst_spread",
    "backtest",
    "compare_levers",
    "fan_table",
    "fit_dynamics",
    "outcome_table",
    "pooled_calibration",
    "run_variants",
    "sensitivity",
    "simulate_scenario",
    "state_table",
]

Progress = Callable[[float], None]
#: z for two-sided 95% intervals.
Z95 = 1.959963984540054


def fit_dynamics(
    scenario: Scenario,
    events: ir.Table,
    *,
    half_life: float | Sequence[float] | None = None,
    cutoff: date | None = None,
) -> Dynamics:
    """Fit the scenario's event model on the store's events and bring it up to the start.

    Parameters
    ----------
    scenario
        The scenario: its actors, fit window and start.
    events
        The store's ``events`` table (any backend).
    half_life
        Passed to :class:`~brinkwatch.simulate.HawkesModel` (None: chosen by likelihood).
    cutoff
        Use no event after this day (a backtest's cutoff); default the day before the start.

    Returns
    -------
    Dynamics
        Baseline, excitation and decay, the memory on the start day, and the observed history.

    Raises
    ------
    InsufficientDataError
        If no event of the actors falls in the fit window.
    """
    last = min(cutoff or scenario.start - timedelta(days=1), scenario.start - timedelta(days=1))
    fit_to = min(scenario.fit_to, last)
    actors = [Actor(a) for a in scenario.actors]
    try:
        hist = event_streams(events, actors, start=scenario.fit_from, end=last)
    except ConfigError as exc:  # the stream builder says which actors had no events
        raise InsufficientDataError(
            f"cannot fit the event model of '{scenario.name}': {exc}. Ingest events of "
            f"{', '.join(scenario.actors)} between {scenario.fit_from} and {fit_to} "
            "(e.g. the bundled chronology)",
            path=scenario.source,
        ) from exc
    if tuple(hist.names) != tuple(scenario.streams):
        raise ScenarioError(
            f"stream order mismatch: {hist.names} vs {scenario.streams}", path=scenario.source
        )
    train = hist.window(scenario.fit_from, fit_to)
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = HawkesModel(half_life=half_life).fit(train)
    for w in caught:
        if not issubclass(w.category, DeprecationWarning | FutureWarning):
            notes.append(str(w.message))  # a library's deprecation is no note on the model
        warnings.warn_explicit(
            w.message, w.category, w.filename, w.lineno, source=getattr(w, "source", None)
        )
    after = hist.window(fit_to + timedelta(days=1), last) if fit_to < last else None
    mem0 = (
        model.state_after(after.counts) if after is not None and after.n_days else model.end_state_
    )
    total = int(train.counts.sum())
    if total < 100:
        msg = (
            f"the event model of '{scenario.name}' is fitted on only {total} events "
            f"({train.start}..{train.end}); its baselines and excitation are rough, and the "
            "scenario's machines and levers carry most of the result"
        )
        notes.append(msg)
        warnings.warn(msg, SparseDataWarning, stacklevel=2)
    return Dynamics(
        names=tuple(hist.names),
        baseline=np.asarray(model.baseline_, dtype=float),
        excitation=np.asarray(model.excitation_, dtype=float),
        decay=float(model.decay_),
        memory0=np.asarray(mem0, dtype=float),
        history=hist.counts.astype(float),
        history_start=hist.start,
        notes=tuple(notes),
    )


def simulate_scenario(
    scenario: Scenario,
    dynamics: Dynamics,
    *,
    variants: Mapping[str, Sequence[str]] | None = None,
    n_paths: int = 2000,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    pool: Pool | None = None,
) -> dict[str, SimulationRun]:
    """Run several sets of levers with common random numbers.

    Parameters
    ----------
    variants
        Name -> levers. Default: ``none``, ``actual`` (the levers pulled in reality, if the
        scenario lists them) and each lever alone.
    n_paths, seed
        Paths per variant and the seed they share.
    workers
        Processes to run variants in (default: up to 2, one per core, when the work is large
        enough to pay for starting them). Results do not depend on it.
    progress
        Called with the fraction done over all variants.
    pool
        Analysts' assumptions pooled (:func:`~brinkwatch.simulate.pool_assumptions`).

    Returns
    -------
    dict
        Variant name -> :class:`SimulationRun`, in order.
    """
    if variants is None:
        variants = default_variants(scenario)
    for levers in variants.values():
        for name in levers:
            scenario.lever(name)
    n = len(variants)
    if workers is None:
        big = n_paths * scenario.horizon_days * n >= 20_000_000
        workers = min(2, os.cpu_count() or 1, n) if big else 1
    runs: dict[str, SimulationRun] = {}
    if workers <= 1:
        for i, (name, levers) in enumerate(variants.items()):

            def part(f: float, i: int = i) -> None:
                if progress is not None:
                    progress((i + f) / n)

            runs[name] = run_scenario(
                scenario,
                dynamics,
                levers=levers,
                n_paths=n_paths,
                seed=seed,
                progress=part,
                pool=pool,
            )
        return runs
    # Spawned (not forked) workers: the parent may hold DuckDB or Spark threads.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as executor:
        futures = {
            executor.submit(
                run_scenario,
                scenario,
                dynamics,
                levers=tuple(lv),
                n_paths=n_paths,
                seed=seed,
                pool=pool,
            ): name
            for name, lv in variants.items()
        }
        results: dict[str, SimulationRun] = {}
        for done, fut in enumerate(as_completed(futures), start=1):
            results[futures[fut]] = fut.result()
            if progress is not None:
                progress(done / n)
    return {name: results[name] for name in variants}


def default_variants(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """``none``, ``actual`` and ``proposed`` (when declared) and every lever alone."""
    out: dict[str, tuple[str, ...]] = {"none": ()}
    if scenario.actual:
        out["actual"] = scenario.actual
    if scenario.proposed:
        out["proposed"] = scenario.proposed
    for lv in scenario.levers:
        out[lv.name] = (lv.name,)
    return out


@dataclass(frozen=True)
class VariantRuns(Tabular):
    """A scenario run as Monte Carlo for several variants: everything a shell shows about it.

    Attributes
    ----------
    scenario, dynamics
        The scenario and the event model it ran on (``dynamics.notes`` say how it was fitted).
    variants
        Variant name -> levers pulled.
    runs
        Variant name -> :class:`SimulationRun`, in order.
    n_paths, seed
        Paths per variant and the seed they share.
    comparison
        :func:`compare_levers` against ``none``.
    outcomes
        :func:`outcome_table` of ``none``, with the spread from the assumptions.
    shown
        The variants figures draw: ``none`` and ``actual`` when run, else the first two.
    states, fans
        :func:`state_table` and :func:`fan_table` of each shown variant.
    machine_states
        Up to four (machine, final state) pairs that figures follow.
    index_level
        The relation index level that counts as regained.
    notes
        Warnings issued while fitting and simulating.
    pool, pool_spread
        With analysts' assumptions pooled: the pool, and :func:`analyst_spread` of each shown
        variant (empty without a pool).
    ranking
        :func:`~brinkwatch.simulate.rank_levers` of the single-lever variants on the first
        outcome (None without outcomes or single levers): what "helps most" may claim.
    """

    scenario: Scenario
    dynamics: Dynamics
    variants: dict[str, tuple[str, ...]]
    runs: dict[str, SimulationRun]
    n_paths: int
    seed: int
    comparison: pa.Table
    outcomes: pa.Table
    shown: list[str]
    states: dict[str, pa.Table]
    fans: dict[str, pa.Table]
    machine_states: list[tuple[str, str]]
    index_level: float
    notes: list[Note]
    pool: Pool | None = None
    pool_spread: dict[str, pa.Table] = field(default_factory=dict)
    ranking: LeverRanking | None = None

    def to_arrow(self) -> pa.Table:
        """Return the variants compared (``comparison``): one row per variant and outcome."""
        return self.comparison

    def summary(self, top: int = 5) -> str:
        """Return each outcome's probability without levers, and the levers that move most.

        Parameters
        ----------
        top
            How many variants to list for the scenario's first outcome, largest change first.
        """
        rows = self.comparison.to_pylist()
        head = (
            f"{self.scenario.title}: {len(self.runs)} variant(s), {self.n_paths:,} paths each "
            f"(seed {self.seed})"
        )
        lines = [head, "Without levers:"]
        lines += [
            f"  {r['outcome']} {r['probability']:.1%}" for r in rows if r["variant"] == "none"
        ]
        first = rows[0]["outcome"] if rows else None
        moved = [r for r in rows if r["outcome"] == first and r["variant"] != "none"]
        moved = [r for r in moved if math.isfinite(r["diff_low"])]
        moved.sort(key=lambda r: -abs(r["difference"]))
        if moved:
            lines.append(f"Variants on {first} (change against none, 95% interval):")
        for r in moved[:top]:
            lines.append(
                f"  {r['variant']}: {r['probability']:.1%} ({r['difference']:+.1%}, "
                f"{r['diff_low']:+.1%} to {r['diff_high']:+.1%})"
            )
        if self.ranking is not None:
            lines.append("Which lever helps most (intervals adjusted for the levers compared):")
            lines.append(f"  {self.ranking.summary()}")
        return "\n".join([*lines, *map(str, self.notes)])


def run_variants(
    scenario: Scenario,
    events: ir.Table | None = None,
    *,
    dynamics: Dynamics | None = None,
    variants: Mapping[str, Sequence[str]] | None = None,
    n_paths: int = 2000,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    pool: Pool | None = None,
) -> VariantRuns:
    """Fit (unless ``dynamics`` is given), simulate the variants and tabulate the results.

    Parameters
    ----------
    scenario
        The scenario to run.
    events
        The store's events to fit the event model on; not needed with ``dynamics``.
    dynamics
        An event model already fitted with :func:`fit_dynamics` (e.g. cached by a server).
    variants, n_paths, seed, workers, progress
        As for :func:`simulate_scenario`; ``progress`` covers the simulation.
    pool
        Analysts' assumptions pooled (:func:`~brinkwatch.simulate.pool_assumptions`): every
        variant runs on the pool, and each shown variant also runs under each analyst alone
        for :func:`analyst_spread`.

    Returns
    -------
    VariantRuns

    Raises
    ------
    ConfigError
        If neither ``events`` nor ``dynamics`` is given, or a variant names an unknown lever.
    """
    chosen = {k: tuple(v) for k, v in (variants or default_variants(scenario)).items()}
    with caught_notes() as notes:
        if dynamics is not None:
            dyn = dynamics
        elif events is not None:
            dyn = fit_dynamics(scenario, events)
        else:
            raise ConfigError("give the events to fit on, or fitted dynamics", field="events")
        runs = simulate_scenario(
            scenario,
            dyn,
            variants=chosen,
            n_paths=n_paths,
            seed=seed,
            workers=workers,
            progress=progress,
            pool=pool,
        )
    # Figures compare doing nothing with what was actually done.
    shown: list[str] = [v for v in ("none", "actual") if v in runs] or list(runs)[:2]
    spread: dict[str, pa.Table] = {}
    if pool is not None:
        for v in shown:
            spread[v] = analyst_spread(
                scenario, dyn, pool, levers=chosen[v], n_paths=n_paths, seed=seed, pooled=runs[v]
            )
    return VariantRuns(
        scenario=scenario,
        dynamics=dyn,
        variants=chosen,
        runs=runs,
        n_paths=n_paths,
        seed=seed,
        comparison=compare_levers(runs),
        outcomes=outcome_table(runs["none"]),
        shown=shown,
        states={v: state_table(runs[v]) for v in shown},
        fans={v: fan_table(runs[v]) for v in shown},
        machine_states=[(m.name, m.states[-1]) for m in scenario.machines if m.kind != "event"][:4],
        index_level=runs["none"].index_level,
        notes=notes,
        pool=pool,
        pool_spread=spread,
        ranking=_ranking(runs),
    )


def _ranking(runs: Mapping[str, SimulationRun]) -> LeverRanking | None:
    """Rank the single levers on the first outcome, when there are both."""
    ref = runs.get("none")
    if ref is None or not ref.scenario.outcomes or not single_levers(runs):
        return None
    return rank_levers(runs)


def analyst_spread(
    scenario: Scenario,
    dynamics: Dynamics,
    pool: Pool,
    *,
    levers: Sequence[str] = (),
    n_paths: int = 2000,
    seed: int = 0,
    pooled: SimulationRun | None = None,
) -> pa.Table:
    """Each outcome under the pooled assumptions beside its spread between the analysts.

    Every analyst's assumptions run alone with the same levers, paths and seed as the pool
    (common random numbers), so the analysts' probabilities differ by their assumptions, not
    by chance draws of the events.

    Parameters
    ----------
    pool
        The analysts pooled (:func:`~brinkwatch.simulate.pool_assumptions`).
    levers, n_paths, seed
        As for :func:`~brinkwatch.simulate.run_scenario`.
    pooled
        The pooled run with these levers, paths and seed, if already made.

    Returns
    -------
    pyarrow.Table
        One row per outcome: ``probability`` (pooled) with its 95% Monte Carlo interval
        ``mc_low``..``mc_high``, ``analyst_low``..``analyst_high`` (the lowest and highest
        probability under one analyst alone), ``p[NAME]`` for each analyst, and ``dominates``:
        ``disagreement`` when the analysts' spread is wider than the Monte Carlo interval, else
        ``simulation noise``. Metadata: ``analysts`` and ``weights`` (comma-separated).

    Examples
    --------
    A reader sees ``0.30 [0.28, 0.32]`` pooled beside analysts ``0.18..0.45``: the analysts'
    disagreement, not the number of paths, limits what the run can say.
    """
    if pooled is None:
        pooled = run_scenario(
            scenario, dynamics, levers=levers, n_paths=n_paths, seed=seed, pool=pool
        )
    alone = [
        run_scenario(
            scenario, dynamics, levers=levers, n_paths=n_paths, seed=seed, pool=pool.alone(i)
        )
        for i in range(len(pool.analysts))
    ]
    rows = []
    for o in scenario.outcomes:
        p = float(pooled.outcomes[o.name].mean())
        lo, hi = _wilson(p, pooled.n_paths)
        each = [float(r.outcomes[o.name].mean()) for r in alone]
        row: dict[str, object] = {
            "outcome": o.name,
            "title": o.title,
            "by": (o.by or scenario.end).isoformat(),
            "probability": p,
            "mc_low": lo,
            "mc_high": hi,
            "analyst_low": min(each),
            "analyst_high": max(each),
            "dominates": (
                "disagreement" if max(each) - min(each) > hi - lo else "simulation noise"
            ),
        }
        row.update({f"p[{a}]": v for a, v in zip(pool.names, each, strict=True)})
        rows.append(row)
    t = pa.Table.from_pylist(rows)
    return t.replace_schema_metadata(
        {"analysts": ",".join(pool.names), "weights": ",".join(f"{w:g}" for w in pool.weights)}
    )


def _wilson(p: float, n: int) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    d = 1 + Z95**2 / n
    c = (p + Z95**2 / (2 * n)) / d
    h = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / d
    # Rounding can put an end a hair inside the estimate at p = 0 or 1.
    return (max(0.0, min(p, c - h)), min(1.0, max(p, c + h)))


def outcome_table(run: SimulationRun) -> pa.Table:
    """Each outcome's probability, its 95% Monte Carlo interval and its parameter spread.

    ``param_p10``/``param_p90`` are the 10th and 90th percentiles of the probability across the
    run's parameter draws: how much the answer depends on the assumptions rather than on chance.
    """
    rows = []
    sets = run.param_set
    k = int(sets.max()) + 1
    for o in run.scenario.outcomes:
        v = run.outcomes[o.name].astype(float)
        p = float(v.mean())
        lo, hi = _wilson(p, len(v))
        per_set = np.bincount(sets, weights=v, minlength=k) / np.bincount(sets, minlength=k)
        rows.append(
            {
                "outcome": o.name,
                "title": o.title,
                "by": (o.by or run.scenario.end).isoformat(),
                "probability": p,
                "mc_low": lo,
                "mc_high": hi,
                "param_p10": float(np.quantile(per_set, 0.1)),
                "param_p90": float(np.quantile(per_set, 0.9)),
                "observed": o.observed,
            }
        )
    return pa.Table.from_pylist(rows)


def compare_levers(runs: Mapping[str, SimulationRun], reference: str = "none") -> pa.Table:
    """Each variant's outcome probabilities against the reference, with paired intervals.

    Paths of runs with the same seed share their random numbers, so the per-path difference
    isolates the levers' effect. Its 95% interval (Student t over the parameter draws as
    clusters) covers both chance and the assumptions' uncertainty.
    """
    if reference not in runs:
        raise ScenarioError(f"no run called '{reference}' to compare against")
    from scipy.stats import t as student_t

    ref = runs[reference]
    rows = []
    for name, run in runs.items():
        if run.n_paths != ref.n_paths or run.seed != ref.seed:
            raise ScenarioError("runs compared must share their number of paths and seed")
        k = int(run.param_set.max()) + 1
        size = np.bincount(run.param_set, minlength=k)
        for o in run.scenario.outcomes:
            v = run.outcomes[o.name].astype(float)
            d = v - ref.outcomes[o.name].astype(float)
            per_set = np.bincount(run.param_set, weights=d, minlength=k) / size
            mean = float(d.mean())
            se = float(per_set.std(ddof=1) / math.sqrt(k)) if k > 1 else math.nan
            tq = float(student_t.ppf(0.975, k - 1)) if k > 1 else math.nan
            lo, hi = mean - tq * se, mean + tq * se
            rows.append(
                {
                    "variant": name,
                    "levers": "+".join(run.levers) or "-",
                    "outcome": o.name,
                    "probability": float(v.mean()),
                    "difference": mean,
                    "diff_low": lo,
                    "diff_high": hi,
                    "excludes_zero": bool(name != reference and (lo > 0 or hi < 0)),
                }
            )
    return pa.Table.from_pylist(rows)


def state_table(run: SimulationRun) -> pa.Table:
    """Probability of each machine state on each simulated day (long format)."""
    days = run.dates
    cols: dict[str, list[object]] = {"date": [], "machine": [], "state": [], "probability": []}
    for m in run.scenario.machines:
        counts = run.state_counts[m.name] / run.n_paths
        for j, s in enumerate(m.states):
            cols["date"].extend(days)
            cols["machine"].extend([m.name] * len(days))
            cols["state"].extend([s] * len(days))
            cols["probability"].extend(counts[:, j].tolist())
    return pa.table(cols)


def fan_table(
    run: SimulationRun,
    what: str = "index",
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
) -> pa.Table:
    """Weekly quantiles for a fan chart: of the index (``"index"``) or of a stream's counts.

    Examples of ``what``: ``"index"``, ``"JPN->KOR conflict"``.
    """
    if what == "index":
        data = run.index_weekly.astype(float)
    else:
        names = run.scenario.streams
        if what not in names:
            raise ScenarioError(f"'{what}' is neither 'index' nor a stream: {', '.join(names)}")
        data = run.weekly[:, :, names.index(what)].astype(float)
    q = np.quantile(data, quantiles, axis=0)
    cols: dict[str, object] = {"week": run.week_starts, "mean": data.mean(0)}
    for qq, row in zip(quantiles, q, strict=True):
        cols[f"q{round(qq * 100):02d}"] = row
    return pa.table(cols)


def sensitivity(
    scenario: Scenario,
    dynamics: Dynamics,
    *,
    outcome: str | None = None,
    levers: Sequence[str] = (),
    n_paths: int = 1000,
    seed: int = 0,
    candidates: int | None = 12,
    progress: Progress | None = None,
) -> pa.Table:
    """Tornado table: the outcome's probability with each assumption at its low and high end.

    Each assumption is set, for every path, to the end of its range while all others are drawn
    as usual; with common random numbers the swing is the assumption's own effect. A scenario
    has dozens of assumptions, so by default they are first screened: one run draws them all,
    and the ``candidates`` whose draws correlate most (Spearman, across parameter draws) with
    the outcome get the one-at-a-time runs. ``candidates=None`` runs every assumption.

    Parameters
    ----------
    outcome
        The outcome to explain (default: the scenario's first).
    levers
        Levers pulled in every run.
    n_paths, seed
        Paths per run and their seed.
    candidates
        How many screened assumptions to vary one at a time (None: all).

    Returns
    -------
    pyarrow.Table
        One row per assumption, largest swing first; metadata ``outcome`` and
        ``baseline_probability``.
    """
    from scipy.stats import spearmanr

    name = scenario.outcome(outcome).name
    # Assumptions of levers that are not pulled cannot matter.
    idle = tuple(f"levers.{lv.name}." for lv in scenario.levers if lv.name not in levers)
    params = [p for p in scenario.parameters() if not p.fixed and not p.name.startswith(idle)]
    # Screening ranks assumptions across parameter draws: many draws of few paths each.
    base = run_scenario(
        scenario,
        dynamics,
        levers=levers,
        n_paths=max(n_paths, 4000),
        seed=seed,
        param_sets=400,
    )
    p0 = float(base.outcomes[name].mean())
    if candidates is not None and candidates < len(params):
        k = int(base.param_set.max()) + 1
        size = np.bincount(base.param_set, minlength=k)
        y = np.bincount(base.param_set, weights=base.outcomes[name], minlength=k) / size
        theta = base.set_values
        score = []
        for p in params:
            x = theta[p.name]
            rho = 0.0 if np.ptp(x) == 0 or np.ptp(y) == 0 else float(spearmanr(x, y)[0])
            score.append(abs(rho) if np.isfinite(rho) else 0.0)
        order = np.argsort(score)[::-1][:candidates]
        params = [params[i] for i in sorted(order)]
    rows = []
    for i, p in enumerate(params):
        res = []
        for v in (p.low, p.high):
            r = run_scenario(
                scenario,
                dynamics,
                levers=levers,
                n_paths=n_paths,
                seed=seed,
                overrides={p.name: v},
            )
            res.append(float(r.outcomes[name].mean()))
        rows.append(
            {
                "assumption": p.name,
                "low": p.low,
                "default": p.default,
                "high": p.high,
                "p_at_low": res[0],
                "p_at_high": res[1],
                "swing": res[1] - res[0],
                "reason": p.reason,
            }
        )
        if progress is not None:
            progress((i + 1) / len(params))
    rows.sort(key=lambda r: -abs(float(r["swing"])))  # type: ignore[arg-type]
    t = pa.Table.from_pylist(rows)
    return t.replace_schema_metadata({"outcome": name, "baseline_probability": str(p0)})


def zero_swing(
    scenario: Scenario,
    dynamics: Dynamics,
    *,
    levers: Sequence[str] = (),
    n_paths: int = 200,
    seed: int = 0,
    progress: Progress | None = None,
) -> pa.Table:
    """Every assumption's largest swing over all outcomes, to find those that do nothing.

    Each assumption is set to the low and then the high end of its range for every path, the
    others drawn as usual, exactly as :func:`sensitivity` does but for every assumption and
    every outcome at once. With common random numbers an assumption that changes nothing gives
    bit-identical runs at both ends, so ``max_swing == 0`` means "did nothing to any outcome in
    ``n_paths`` paths" (a small effect can still hide below one path in ``n_paths``).

    Parameters
    ----------
    scenario, dynamics
        The scenario and its fitted event model.
    levers
        Levers pulled in every run; assumptions of the other levers are skipped (they cannot
        matter).
    n_paths, seed
        Paths per run (keep it small: two runs per assumption) and their seed.
    progress
        Called with the fraction done.

    Returns
    -------
    pyarrow.Table
        One row per assumption, in file order: ``assumption``, ``low``, ``high``,
        ``max_swing`` (largest absolute change of an outcome's probability), ``outcome`` (the
        outcome it moves most, empty when none moves) and ``zero`` (``max_swing == 0``);
        metadata ``n_paths``.

    Examples
    --------
    >>> table = zero_swing(scenario, dynamics, n_paths=100)  # doctest: +SKIP
    >>> table.filter(table["zero"]).column("assumption").to_pylist()  # doctest: +SKIP
    """
    idle = tuple(f"levers.{lv.name}." for lv in scenario.levers if lv.name not in levers)
    params = [p for p in scenario.parameters() if not p.fixed and not p.name.startswith(idle)]
    names = [o.name for o in scenario.outcomes]
    rows = []
    for i, p in enumerate(params):
        ends = [
            run_scenario(
                scenario, dynamics, levers=levers, n_paths=n_paths, seed=seed,
                overrides={p.name: v},
            )
            for v in (p.low, p.high)
        ]  # fmt: skip
        swings = [
            abs(float(ends[1].outcomes[o].mean()) - float(ends[0].outcomes[o].mean()))
            for o in names
        ]
        top = int(np.argmax(swings)) if swings else 0
        worst = swings[top] if swings else 0.0
        rows.append(
            {
                "assumption": p.name,
                "low": p.low,
                "high": p.high,
                "max_swing": worst,
                "outcome": names[top] if worst > 0 else "",
                "zero": worst == 0.0,
            }
        )
        if progress is not None:
            progress((i + 1) / len(params))
    schema = pa.schema(
        [
            ("assumption", pa.string()),
            ("low", pa.float64()),
            ("high", pa.float64()),
            ("max_swing", pa.float64()),
            ("outcome", pa.string()),
            ("zero", pa.bool_()),
        ],
        metadata={"n_paths": str(n_paths)},
    )
    return pa.Table.from_pylist(rows, schema=schema)


@dataclass(frozen=True)
class Backtest:
    """Scores of a backtest; see :func:`backtest`.

    ``brier`` scores each outcome (Brier and log score, beside the uninformed forecast and
    persistence). ``path_scores`` (with a register only) is :func:`path_scores` with the natural
    log of each probability (``log_p_path_*``, smoothed as the log scores are). ``sample`` is
    ``out-of-sample`` when the cutoff is on or after the scenario's information date,
    ``in-sample`` when the caller allowed an earlier cutoff, and ``undeclared`` when the
    scenario declares no information date.
    """

    brier: pa.Table
    counts: pa.Table
    cutoff: date
    path_scores: pa.Table | None = None
    sample: str = "undeclared"
    scenario: str = ""
    n_paths: int = 0

    def verdict(self, variant: str = "actual") -> list[str]:
        """Sentences saying whether ``variant`` beats each baseline, losses included."""
        return verdict(self.brier, self.path_scores, variant)

    def forecasts(self, variant: str = "actual") -> list[tuple[float, bool]]:
        """(forecast probability, observed) of each scored outcome, for calibration."""
        return [
            (float(r[f"p_{variant}"]), bool(r["observed"]))
            for r in self.brier.to_pylist()
            if r["outcome"] != "mean"
        ]


def pooled_calibration(
    backtests: Sequence[Backtest], *, variant: str = "actual", bins: int = 5
) -> pa.Table:
    """Calibration table of the outcomes of one or several backtests, pooled.

    Bins of forecast probability with their count, mean forecast and observed frequency; see
    :func:`~brinkwatch.simulate._honest.calibration_table`.
    """
    return calibration_table([f for b in backtests for f in b.forecasts(variant)], bins)


def _index_now(sc: Scenario, dyn: Dynamics) -> float:
    """Return the index pair's rolling net cooperation over the last window before the start."""
    a, b = sc.index_pair
    sign = {f"{a}->{b} coop": 1.0, f"{b}->{a} coop": 1.0}
    sign |= {f"{a}->{b} conflict": -1.0, f"{b}->{a} conflict": -1.0}
    net = np.array([sign.get(s, 0.0) for s in dyn.names])
    return float((dyn.history[-sc.index_window_days :] @ net).sum())


def _outcome_scores(
    sc: Scenario, dyn: Dynamics, runs: Mapping[str, SimulationRun], n_paths: int
) -> list[dict[str, object]]:
    """Brier and log score of each observed outcome per run, the uninformed and persistence."""
    rows: list[dict[str, object]] = []
    first = next(iter(runs.values()))
    now = _index_now(sc, dyn)
    for o in sc.outcomes:
        if o.observed is None:
            continue
        y = 1.0 if o.observed else 0.0
        row: dict[str, object] = {"outcome": o.name, "observed": o.observed}
        probs = {name: float(run.outcomes[o.name].mean()) for name, run in runs.items()}
        probs["uninformed"] = 0.5
        probs["persistence"] = persistence_forecast(sc, o, now, first.index_level)
        for name, p in probs.items():
            row[f"p_{name}"] = p
        for name, p in probs.items():
            # Persistence is a 0/1 forecast: smoothed like a share of paths before scoring.
            q = smoothed(p, n_paths) if name == "persistence" else p
            row[f"brier_{name}"] = (q - y) ** 2
        for name, p in probs.items():
            row[f"log_{name}"] = log_score(p, o.observed, n_paths)
        rows.append(row)
    if rows:
        mean_row: dict[str, object] = {"outcome": "mean", "observed": None}
        for key in rows[0]:
            if key.startswith(("brier_", "p_", "log_")):
                mean_row[key] = float(np.mean([float(r[key]) for r in rows]))  # type: ignore[arg-type]
        rows.append(mean_row)
    return rows


def backtest(
    scenario: Scenario,
    events: ir.Table,
    *,
    cutoff: date | None = None,
    n_paths: int = 2000,
    seed: int = 0,
    progress: Progress | None = None,
    register: Register | None = None,
    in_sample: bool = False,
) -> Backtest:
    """Fit up to ``cutoff``, run with the levers actually pulled and with none, and score.

    Two scores, each beside a baseline computed in the same call:

    - Brier score of the outcomes with an ``observed`` value, for ``actual`` and ``none``, beside
      the uninformed forecast of 0.5 (Brier 0.25);
    - mean absolute error of weekly event counts per stream over the horizon (or as far as the
      data go), against the counts in the store, for the simulated mean and for persistence
      (every week equals the last observed week before the start).

    With a ``register``, the machines start in the register's states on the start day (unless
    the scenario already took them from one, see
    :func:`~brinkwatch.simulate.apply_register`), and a third table scores the simulated state
    paths against the register's path on weekly checkpoint days (:func:`path_scores`), beside
    persistence and uniform chance.

    Every outcome also gets a log score (natural log, smoothed to ``[1/(n+1), n/(n+1)]``), and
    a persistence forecast (the outcome if every machine stayed in its start state); see
    :mod:`brinkwatch.simulate._honest`.

    A cutoff before the scenario's ``information_date`` is refused: its assumptions were written
    knowing events after the cutoff, so the test would be in sample. ``in_sample=True`` allows
    it, and the result says ``sample="in-sample"``.

    Raises
    ------
    ScenarioError
        If the cutoff is not before the start, or before the information date without
        ``in_sample``.
    """
    if register is not None and scenario.register_id is None:
        scenario = apply_register(scenario, register)
    cut = cutoff or scenario.start - timedelta(days=1)
    if cut >= scenario.start:
        raise ScenarioError(
            f"the cutoff {cut} must fall before the scenario's start {scenario.start}"
        )
    sample = _sample(scenario, cut, in_sample=in_sample)
    sc = replace(scenario, fit_to=min(scenario.fit_to, cut))
    dyn = fit_dynamics(sc, events, cutoff=cut)
    runs = simulate_scenario(
        sc,
        dyn,
        variants={"actual": sc.actual, "none": ()},
        n_paths=n_paths,
        seed=seed,
        progress=progress,
    )
    brier_rows = _outcome_scores(sc, dyn, runs, n_paths)

    # Event counts after the start, as observed.
    actors = [Actor(a) for a in sc.actors]
    last_day = sc.end
    obs = event_streams(events, actors, start=sc.start, end=last_day)
    weeks = min(runs["actual"].weekly.shape[1], obs.n_days // 7)
    if weeks < 1:
        raise InsufficientDataError(
            f"the store holds no events after {sc.start} to score the counts against",
            path=sc.source,
        )
    observed = obs.counts[: weeks * 7].reshape(weeks, 7, -1).sum(1).astype(float)
    hist = dyn.history
    last_week = hist[-7:].sum(0) if len(hist) >= 7 else np.zeros(len(sc.streams))
    count_rows = []
    for j, s in enumerate(sc.streams):
        row = {"stream": s, "observed_total": float(observed[:, j].sum())}
        for name, run in runs.items():
            mean_path = run.weekly[:, :weeks, j].mean(0)
            row[f"mae_{name}"] = float(np.abs(mean_path - observed[:, j]).mean())
        row["mae_persistence"] = float(np.abs(last_week[j] - observed[:, j]).mean())
        count_rows.append(row)
    total = {"stream": "all streams", "observed_total": float(observed.sum())}
    for key in count_rows[0]:
        if key.startswith("mae_"):
            total[key] = float(np.mean([float(r[key]) for r in count_rows]))  # type: ignore[arg-type]
    count_rows.append(total)
    # Four decimals are more than the Monte Carlo error supports; they keep tables readable.
    for rows in (brier_rows, count_rows):
        for r in rows:
            for k, v in r.items():
                if isinstance(v, float):
                    r[k] = round(v, 4)
    scores = None
    if register is not None:
        # Same four decimals, but the uniform chance of a whole path is far below them.
        raw = _with_logs(path_scores(sc, register, runs), n_paths)
        scores = pa.Table.from_pylist(
            [
                {
                    k: (float(f"{v:.3g}") if k.endswith("uniform") else round(v, 4))
                    if isinstance(v, float)
                    else v
                    for k, v in r.items()
                }
                for r in raw.to_pylist()
            ]
        ).replace_schema_metadata(raw.schema.metadata)
    return Backtest(
        pa.Table.from_pylist(brier_rows),
        pa.Table.from_pylist(count_rows),
        cut,
        scores,
        sample=sample,
        scenario=sc.name,
        n_paths=n_paths,
    )


def _sample(scenario: Scenario, cut: date, *, in_sample: bool) -> str:
    """Refuse a cutoff before the information date unless allowed; say which kind of test."""
    info = scenario.information_date
    if in_sample:
        return "in-sample"
    if info is None:
        return "undeclared"
    if cut < info:
        raise ScenarioError(
            f"the cutoff {cut} is before the scenario's information date {info}: its "
            "assumptions were written knowing what happened after the cutoff, so this backtest "
            f"would be in sample. Use a cutoff on or after {info}, or pass --in-sample to run "
            "it labelled as in-sample",
            path=scenario.source,
            field="information_date",
        )
    return "out-of-sample"


def _with_logs(scores: pa.Table, n_paths: int) -> pa.Table:
    """Add ``log_p_path_<x>``: the natural log of each path probability, smoothed."""
    rows = scores.to_pylist()
    for r in rows:
        for k in [k for k in r if k.startswith("p_path_")]:
            p = float(r[k])
            # Uniform chance is exact, not a share of paths: no floor for it.
            q = p if k.endswith("uniform") else smoothed(p, n_paths)
            r[f"log_{k}"] = math.log(q) if q > 0 else -math.inf
    return pa.Table.from_pylist(rows).replace_schema_metadata(scores.schema.metadata)
