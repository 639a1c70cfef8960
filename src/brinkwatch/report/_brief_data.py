"""Gather what a brief shows: calls into measure/, explain/ and simulate/, and nothing else.

Every number in a brief comes from a library function called here; this module only picks
rows (the latest and the lowest period of each dyad) and keeps the warnings as notes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from brinkwatch._types import Progress
from brinkwatch.errors import BrinkwatchWarning, ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from brinkwatch.explain import GrangerTest, Reciprocity, TriadVAR
    from brinkwatch.measure import Alarm, ChangePoint
    from brinkwatch.simulate import Scenario
    from brinkwatch.store import StoreStats

__all__ = [
    "BriefData",
    "DyadHeadline",
    "ExplainResult",
    "MeasureResult",
    "Progress",
    "ScenarioResult",
    "gather_brief",
]

#: Days that surely reach into the next period from a period's first day.
_STEP = {"day": 1, "week": 7, "month": 32}


@dataclass(frozen=True)
class DyadHeadline:
    """The latest and the lowest period of one directed dyad, as the index table has them.

    ``latest`` and ``lowest`` are rows of :func:`~brinkwatch.measure.indexed_series`
    (``period``, ``value``, ``baseline_mean``, ``index``, ``lowest_since``, ``periods_since``,
    ``record_low``, ``events`` ...); ``lowest`` is the period with the smallest value.
    """

    dyad: str
    latest: dict[str, Any]
    lowest: dict[str, Any]
    change_points: list[ChangePoint]


@dataclass(frozen=True)
class MeasureResult:
    """Index rows, change points and alarms of a dyad (both directions)."""

    dyad: str
    freq: str
    measure: str
    baseline: int
    rows: list[dict[str, Any]]
    change_points: dict[str, list[ChangePoint]]
    alarms: list[Alarm]
    headlines: list[DyadHeadline]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExplainResult:
    """A fitted triad VAR read for reciprocity, with its Granger tests and notes."""

    triad: tuple[str, str, str]
    freq: str
    measure: str
    first: date | None
    last: date | None
    n_periods: int
    model: TriadVAR
    granger: list[GrangerTest]
    reciprocity: Reciprocity
    repl: int
    seed: int
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario run as Monte Carlo: comparison, outcomes, states and index fans."""

    scenario: Scenario
    n_paths: int
    seed: int
    comparison: pa.Table
    outcomes: pa.Table
    states: dict[str, pa.Table]
    fans: dict[str, pa.Table]
    machine_states: list[tuple[str, str]]
    index_level: float
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BriefData:
    """Everything a brief shows, computed; :func:`~brinkwatch.report.brief.render_brief` draws."""

    dyad: str
    start: date | None
    end: date | None
    generated: datetime
    measure: MeasureResult
    stats: StoreStats | None = None
    explain: ExplainResult | None = None
    scenario: ScenarioResult | None = None
    version: str = ""

    @property
    def first_period(self) -> date | None:
        """First period of the dyad's series (the data window actually covered)."""
        return self.measure.rows[0]["period"] if self.measure.rows else None

    @property
    def last_period(self) -> date | None:
        """Last period of the dyad's series."""
        return self.measure.rows[-1]["period"] if self.measure.rows else None


@contextmanager
def _notes() -> Iterator[list[str]]:
    """Collect brinkwatch's statistical warnings as notes; let every other warning through."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield notes
    for w in caught:
        if issubclass(w.category, BrinkwatchWarning):
            notes.append(f"{w.category.__name__}: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _dedupe(notes: Sequence[str]) -> list[str]:
    # The same finding arrives as a warning and as a model note: keep the longer wording.
    out: list[str] = []
    for n in sorted(dict.fromkeys(notes), key=len, reverse=True):
        bare = n.split(": ", 1)[1] if "Warning: " in n else n
        if not any(bare in o for o in out):
            out.append(n)
    return sorted(out, key=list(notes).index)


def _headlines(rows: list[dict[str, Any]], cps: dict[str, list[ChangePoint]]) -> list[DyadHeadline]:
    out = []
    for d in dict.fromkeys(r["dyad"] for r in rows):
        rs = [r for r in rows if r["dyad"] == d]
        valued = [r for r in rs if r["value"] is not None]
        if not valued:
            continue
        lowest = min(valued, key=lambda r: (r["value"], r["period"]))
        out.append(DyadHeadline(d, rs[-1], lowest, cps.get(d, [])))
    return out


def gather_brief(
    events: ir.Table,
    *,
    dyad: str,
    triad: Sequence[str] | None = None,
    scenario: Scenario | None = None,
    start: date | None = None,
    end: date | None = None,
    freq: str = "month",
    measure: str = "goldstein_sum",
    explain_measure: str = "net_coop",
    origins: Sequence[str] | None = None,
    n_paths: int = 2000,
    seed: int = 0,
    repl: int = 500,
    stats: StoreStats | None = None,
    progress: Progress | None = None,
) -> BriefData:
    """Compute every result a brief shows by calling the measure, explain and simulate stages.

    Parameters
    ----------
    events
        The store's canonical events table.
    dyad
        Two actors joined by ``-``, e.g. ``JPN-KOR``; both directions are measured.
    triad
        Three actors for the reciprocity section (mediator first), or None to leave it out.
    scenario
        A parsed scenario for the scenario section, or None to leave it out.
    start, end
        The data window (inclusive); the span of the dyad's events when omitted.
    freq, measure
        Period and measure of the relation index (see :func:`~brinkwatch.measure.dyad_series`).
    explain_measure
        Measure the triad VAR is fitted on.
    origins
        Use only these origins.
    n_paths, seed
        Monte Carlo paths per variant and the seed (also of the impulse-response bootstrap).
    repl
        Bootstrap replications of the impulse responses.
    stats
        The store's :class:`~brinkwatch.store.StoreStats`, stated as the brief's sources.
    progress
        Called with the stage name and its completed fraction.

    Returns
    -------
    BriefData

    Examples
    --------
    >>> from brinkwatch.store import connect
    >>> s = connect(":memory:")
    >>> _ = s.con.execute(
    ...     "INSERT INTO event_rows (event_id, origin, event_date, source_country, "
    ...     "target_country, cameo_code, cameo_root, quad_class, goldstein, batch_id) VALUES "
    ...     "('1', 'csv', '2019-07-04', 'JPN', 'KOR', '163', '16', 4, -8.0, 1)")
    >>> data = gather_brief(s.events, dyad="JPN-KOR")
    >>> [(h.dyad, h.latest["value"]) for h in data.measure.headlines]
    [('JPN->KOR', -8.0), ('KOR->JPN', 0.0)]
    """
    from brinkwatch import __version__
    from brinkwatch.measure import (
        DEFAULT_BASELINE,
        Freq,
        change_points,
        dyad_series,
        evaluate_alarms,
        indexed_series,
        parse_actor,
        period_start,
        triad_pairs,
    )

    def step(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, fraction)

    if start is not None and end is not None and start > end:
        raise ConfigError(f"the window starts ({start}) after it ends ({end})", field="--from")
    try:
        freq_ = Freq(freq.lower())
    except ValueError:
        raise ConfigError(
            f"--freq takes one of {', '.join(f.value for f in Freq)}; got {freq!r}", field="--freq"
        ) from None
    parts = dyad.split("-")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise ConfigError(
            f"a dyad is two actors joined by '-', such as JPN-KOR; got {dyad!r}", field="--dyad"
        )
    a, b = (parse_actor(p.strip()) for p in parts)
    if a.country == b.country:
        raise ConfigError(f"a dyad needs two different countries, got {dyad!r}", field="--dyad")
    if triad is not None:
        if len(triad) != 3:
            raise ConfigError(f"a triad is three actors, got {len(triad)}", field="--triad")
        triad_pairs(*(parse_actor(t) for t in triad))  # three different countries
    base = DEFAULT_BASELINE[freq_]
    orig = list(origins) if origins else None

    step("measure", 0.0)
    with _notes() as m_notes:
        ser = dyad_series(events, [(a, b), (b, a)], freq=freq_, start=start, end=end, origins=orig)
        rows = indexed_series(ser, measure=measure, baseline=base).to_pyarrow().to_pylist()
        # Alarms over the series' own span: left open, evaluate_alarms would look for the
        # span of each direction's events and refuse a direction that has none.
        lo, hi = start, end
        if rows and (lo is None or hi is None):
            last = rows[-1]["period"]
            lo = lo or rows[0]["period"]
            hi = hi or period_start(last + timedelta(days=_STEP[freq_]), freq_) - timedelta(1)
        alarms = evaluate_alarms(
            events, a, b, freq=freq_, start=lo, end=hi, origins=orig, baseline=base
        )
    cps = {
        d: change_points(
            [r["value"] for r in rows if r["dyad"] == d],
            [r["period"] for r in rows if r["dyad"] == d],
        )
        for d in dict.fromkeys(r["dyad"] for r in rows)
    }
    measured = MeasureResult(
        dyad=f"{a}-{b}",
        freq=freq_.value,
        measure=measure,
        baseline=base,
        rows=rows,
        change_points=cps,
        alarms=alarms,
        headlines=_headlines(rows, cps),
        notes=_dedupe(m_notes),
    )
    step("measure", 1.0)

    explained = None
    if triad is not None:
        step("explain", 0.0)
        explained = _explain(events, triad, freq_, start, end, orig, explain_measure, repl, seed)
        step("explain", 1.0)

    simulated = None
    if scenario is not None:
        simulated = _simulate(scenario, events, n_paths, seed, lambda f: step("simulate", f))

    return BriefData(
        dyad=f"{a}-{b}",
        start=start,
        end=end,
        generated=datetime.now(UTC).replace(microsecond=0),
        measure=measured,
        stats=stats,
        explain=explained,
        scenario=simulated,
        version=__version__,
    )


def _explain(
    events: ir.Table,
    triad: Sequence[str],
    freq: Any,
    start: date | None,
    end: date | None,
    origins: list[str] | None,
    measure: str,
    repl: int,
    seed: int,
) -> ExplainResult:
    from brinkwatch.explain import TriadVAR
    from brinkwatch.measure import parse_actor, triad_series

    x, y, z = (parse_actor(t) for t in triad)
    with _notes() as notes:
        table = triad_series(
            events, x, y, z, freq=freq, start=start, end=end, origins=origins
        ).to_pyarrow()
        model = TriadVAR(measure=measure).fit(table)
        granger = model.granger()
        rec = model.reciprocity(repl=repl, seed=seed, granger=granger)
    periods = sorted(set(table.column("period").to_pylist()))
    return ExplainResult(
        triad=(str(x), str(y), str(z)),
        freq=freq.value,
        measure=measure,
        first=periods[0] if periods else None,
        last=periods[-1] if periods else None,
        n_periods=len(periods),
        model=model,
        granger=granger,
        reciprocity=rec,
        repl=repl,
        seed=seed,
        notes=_dedupe([*model.notes_, *notes]),
    )


def _simulate(
    sc: Scenario,
    events: ir.Table,
    n_paths: int,
    seed: int,
    progress: Callable[[float], None],
) -> ScenarioResult:
    from brinkwatch.simulate import (
        compare_levers,
        default_variants,
        fan_table,
        fit_dynamics,
        outcome_table,
        simulate_scenario,
        state_table,
    )

    progress(0.0)
    with _notes() as notes:
        dyn = fit_dynamics(sc, events)
        runs = simulate_scenario(
            sc, dyn, variants=default_variants(sc), n_paths=n_paths, seed=seed, progress=progress
        )
    # The fan chart and state lines compare doing nothing with what was actually done.
    shown = [v for v in ("none", "actual") if v in runs] or list(runs)[:2]
    return ScenarioResult(
        scenario=sc,
        n_paths=n_paths,
        seed=seed,
        comparison=compare_levers(runs),
        outcomes=outcome_table(runs["none"]),
        states={v: state_table(runs[v]) for v in shown},
        fans={v: fan_table(runs[v]) for v in shown},
        machine_states=[(m.name, m.states[-1]) for m in sc.machines if m.kind != "event"][:4],
        index_level=runs["none"].index_level,
        notes=_dedupe([*dyn.notes, *notes]),
    )
