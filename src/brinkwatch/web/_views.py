"""What each page shows: call the library on validated inputs and shape the results.

Every function takes already-validated values (see :mod:`brinkwatch.web._validation`) and a
:class:`~brinkwatch.web._state.StoreAccess`, and returns plain dicts and lists that both the
HTML templates and the JSON API render. Figures come from :mod:`brinkwatch.report` as Plotly
JSON; nothing here computes a measure of its own.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeAlias
from urllib.parse import urlsplit

from brinkwatch._notes import caught_notes
from brinkwatch.errors import ConfigError, StoreError

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from brinkwatch.codebook import Dyad
    from brinkwatch.coding import Coder
    from brinkwatch.instruments import Register
    from brinkwatch.measure import Alarm, ChangePoint, Coverage
    from brinkwatch.simulate import Dynamics
    from brinkwatch.simulate.scenario import Scenario
    from brinkwatch.web._state import StoreAccess
    from brinkwatch.web._validation import Review

__all__ = [
    "CoderHolder",
    "add_coded",
    "code_text",
    "dyad_view",
    "events_view",
    "explain_view",
    "figure_json",
    "plain_text",
    "query_field",
    "run_scenario",
    "scenario_catalogue",
    "scenario_variants",
    "top_events_view",
    "triad_view",
]

#: Library parameter -> query field, so that errors point at what the page sent.
QUERY_FIELDS = {"start": "from", "end": "to", "actors": "triad", "roots": "root", "fmt": "format"}


def query_field(name: str | None) -> str | None:
    """Return the query field a library parameter came from (``start`` -> ``from``).

    Examples
    --------
    >>> query_field("start"), query_field("measure"), query_field(None)
    ('from', 'measure', None)
    """
    return QUERY_FIELDS.get(name, name) if name is not None else None


#: Command-line flags -> what the page calls the same setting.
_FLAG_WORDS = {
    "freq": "frequency ('by')",
    "db": "store",
    "origin": "origin",
    "lags": "lag order",
    "difference": "differencing",
    "all-actors": "all actors",
    "register": "instruments register",
}
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z-]*)")
# A command to run, in parentheses: "(brinkwatch serve --register FILE)".
_COMMAND_HINT = re.compile(r"\s*\([^()]*\bbrinkwatch [a-z][^()]*\)")
# A flag alone in parentheses, repeating the words before it: "origins (--origin)".
_FLAG_HINT = re.compile(r"\s*\((?:[a-z_]+=,?\s*)?--[a-z-]+\)")


def plain_text(text: str | None) -> str | None:
    """Return a library message as a page shows it: without command-line flags or commands.

    The library's messages serve the command line too; a page has no flags, so a flag
    becomes the name of the setting it stands for.

    Examples
    --------
    >>> plain_text("too sparse; a coarser --freq may help")
    "too sparse; a coarser frequency ('by') may help"
    >>> plain_text("no register is loaded (brinkwatch serve --register FILE), so none")
    'no register is loaded, so none'
    >>> plain_text("choose other origins (--origin) instead")
    'choose other origins instead'
    """
    if text is None:
        return None
    text = _COMMAND_HINT.sub("", text)
    text = _FLAG_HINT.sub("", text)
    return _FLAG.sub(lambda m: _FLAG_WORDS.get(m[1], m[1].replace("-", " ")), text)


_P = ParamSpec("_P")
#: A view: the store, then validated inputs; returns what the page and the API render.
_View: TypeAlias = Callable[Concatenate["StoreAccess", _P], dict[str, Any]]

#: Alarms in the last this many periods of the window count as open.
OPEN_PERIODS = 3
_QUADS = ("verbal_coop", "material_coop", "verbal_conflict", "material_conflict")


def figure_json(fig: go.Figure) -> str:
    """Return Plotly JSON that is safe to place inside a ``<script>`` element."""
    text: str = fig.to_json()
    # JSON escapes, so the text cannot close the script element or start markup.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else f


def _since(r: dict[str, Any]) -> str:
    if r.get("record_low"):
        return f"record low ({r['periods_since']} periods)"
    if r.get("lowest_since") is not None and (r.get("periods_since") or 0) > 1:
        return f"lowest since {r['lowest_since']} ({r['periods_since']} periods)"
    return ""


def _coverage_dicts(cov: Sequence[Coverage]) -> list[dict[str, Any]]:
    """Return the coverage strip's lanes as JSON: origin, days, first..last, counted."""
    return [
        {
            "origin": c.origin,
            "days": c.days,
            "first": c.first.isoformat(),
            "last": c.last.isoformat(),
            "events": c.events,
            "used": c.used,
        }
        for c in cov
    ]


def _alarm_dict(a: Alarm, open_from: date | None) -> dict[str, Any]:
    return {
        "rule": a.rule,
        "title": a.title,
        "severity": a.severity,
        "dyad": a.dyad,
        "period": a.period.isoformat(),
        "detail": a.detail,
        "open": open_from is not None and a.period >= open_from,
        "evidence": [
            {
                "event_id": e.event_id,
                "origin": e.origin,
                "event_date": e.event_date.isoformat(),
                "source": e.source,
                "target": e.target,
                "cameo_code": e.cameo_code,
                "goldstein": e.goldstein,
                "text": e.text,
                "reference": e.reference,
                "url": _safe_url(e.reference),
            }
            for e in a.evidence[:5]
        ],
    }


def _safe_url(value: str | None) -> str | None:
    """Return an http(s) link or None: stored text never becomes a ``javascript:`` link."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _summary(dyad: str, rs: list[dict[str, Any]]) -> dict[str, Any]:
    last = rs[-1]
    return {
        "dyad": dyad,
        "period": last["period"].isoformat(),
        "value": _num(last["value"]),
        "index": _num(last["index"]),
        "since": _since(last),
        "record_low": bool(last["record_low"]),
        "events": int(sum(r["events"] or 0 for r in rs)),
        "min_index": min(
            (x for x in (_num(r["index"]) for r in rs) if x is not None), default=None
        ),
    }


def _cached_view(
    kind: str,
) -> Callable[[_View[_P]], _View[_P]]:
    """Cache a view's result per store version (:meth:`StoreAccess.cached`), keyed by its inputs."""

    def wrap(view: _View[_P]) -> _View[_P]:
        @functools.wraps(view)
        def cached(access: StoreAccess, /, *args: _P.args, **kwargs: _P.kwargs) -> dict[str, Any]:
            key = (kind, *args, *sorted(kwargs.items()))
            result: dict[str, Any] = access.cached(key, lambda: view(access, *args, **kwargs))
            return result

        return cached

    return wrap


def _evidence(
    events: Any,
    rows: Sequence[dict[str, Any]],
    freq: str,
    end: date | None,
    *,
    by_quad: bool = False,
) -> dict[str, dict[Any, list[Any]]]:
    """Top events of each directed dyad per period (and quad class) in the rows' window."""
    from brinkwatch.codebook import split_label
    from brinkwatch.measure import top_events, top_events_by_quad

    top: Callable[..., dict[Any, list[Any]]] = top_events_by_quad if by_quad else top_events
    if not rows:
        return {}
    first = min(r["period"] for r in rows)
    out = {}
    for label in dict.fromkeys(r["dyad"] for r in rows):
        parts = split_label(label)
        if parts is not None:
            out[label] = top(events, *parts, freq=freq, start=first, end=end)
    return out


def _open_from(periods: Sequence[date]) -> date | None:
    ps = sorted(set(periods))
    return ps[-OPEN_PERIODS] if len(ps) >= OPEN_PERIODS else (ps[0] if ps else None)


@_cached_view("triad")
def triad_view(
    access: StoreAccess,
    actors: tuple[str, str, str],
    *,
    freq: str,
    start: date | None,
    end: date | None,
    measure: str,
) -> dict[str, Any]:
    """Summarise the six directed dyads: latest value and index, "lowest since", alarms."""
    from brinkwatch.measure import measure_triad
    from brinkwatch.report import triad_figure
    from brinkwatch.report.labels import human_label, measure_axis

    with access.read() as store:
        t = measure_triad(
            store.events, actors, freq=freq, start=start, end=end, measure=measure, alarms=True
        )
        rows = t.rows
        evidence = _evidence(store.events, rows, freq, end)
    open_from = _open_from([r["period"] for r in rows])
    title = f"{' '.join(actors)}: {human_label(measure)} by {freq}"
    fig = (
        triad_figure(
            rows,
            measure="value",
            title=title,
            coverage=t.coverage,
            evidence=evidence,
            label=measure_axis(measure, freq),
            period=freq,
            slider=True,
        )
        if rows
        else None
    )
    return {
        "actors": list(actors),
        "freq": freq,
        "measure": measure,
        "history_from": t.history_from.isoformat() if t.history_from else None,
        "from": rows[0]["period"].isoformat() if rows else None,
        "to": max(r["period"] for r in rows).isoformat() if rows else None,
        "dyads": [_summary(d, rs) for d, rs in t.by_dyad().items()],
        "alarms": [_alarm_dict(x, open_from) for x in t.alarms],
        "open_alarms": sum(1 for x in t.alarms if open_from is not None and x.period >= open_from),
        "figure": figure_json(fig) if fig is not None else None,
        "coverage": _coverage_dicts(t.coverage),
    }


@_cached_view("dyad")
def dyad_view(
    access: StoreAccess,
    pair: Dyad,
    *,
    freq: str,
    start: date | None,
    end: date | None,
    measure: str,
) -> dict[str, Any]:
    """Index with change points and alarms, and the quad-class breakdown, of a dyad."""
    from brinkwatch.measure import measure_dyad
    from brinkwatch.report import index_figure, quad_figure
    from brinkwatch.report.labels import human_label, measure_axis

    with access.read() as store:
        m = measure_dyad(
            store.events,
            pair,
            freq=freq,
            start=start,
            end=end,
            measure=measure,
            register=access.register,
        )
        evidence = _evidence(store.events, m.rows, freq, end)
        quad_evidence = _evidence(store.events, m.rows, freq, end, by_quad=True)
    rows, by, label = m.rows, m.by_dyad(), pair.name
    frictions = m.frictions_by_period()
    fig = index_figure(
        rows,
        measure="value",
        change_points=m.change_points,
        alarms=m.alarms,
        title=f"{label} {human_label(measure)} by {freq}: change points and alarms",
        label=measure_axis(measure, freq),
        coverage=m.coverage,
        frictions=frictions,
        evidence=evidence,
        period=freq,
        slider=True,
    )
    title = f"{label}: events by quad class per {freq}"
    quads = quad_figure(by, title=title, period=freq, evidence=quad_evidence)
    open_from = _open_from([r["period"] for r in rows])
    return {
        "dyad": label,
        "frictions": [{"period": p, "total": v} for p, v in sorted(frictions.items())]
        if m.frictions is not None
        else None,
        "freq": freq,
        "measure": measure,
        "baseline": m.baseline,
        "history_from": m.history_from.isoformat() if m.history_from else None,
        "from": min(r["period"] for r in rows).isoformat() if rows else None,
        "to": max(r["period"] for r in rows).isoformat() if rows else None,
        "dyads": [_summary(d, rs) for d, rs in by.items()],
        "quad_totals": _quad_totals(by),
        "change_points": _change_point_dicts(m.change_points),
        "alarms": [_alarm_dict(x, open_from) for x in reversed(m.alarms)],
        "figure": figure_json(fig),
        "coverage": _coverage_dicts(m.coverage),
        "quad_figure": figure_json(quads),
    }


def _quad_totals(by: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [
        {"dyad": d, **{q: int(sum(r[q] or 0 for r in rs)) for q in _QUADS}} for d, rs in by.items()
    ]


def _change_point_dicts(cps: dict[str, list[ChangePoint]]) -> list[dict[str, Any]]:
    return [
        {
            "dyad": d,
            "period": c.period.isoformat() if c.period else None,
            "mean_before": c.mean_before,
            "mean_after": c.mean_after,
            "direction": c.direction,
        }
        for d, cs in cps.items()
        for c in cs
    ]


def _default_day(access: StoreAccess, register: Register) -> date:
    """Return the store's latest day (today if empty), brought within the register's life."""
    with access.read() as store:
        # Stats give days as ISO text.
        lasts = [
            date.fromisoformat(str(r["last"])[:10])
            for r in store.stats().by_origin
            if r.get("last")
        ]
    day = max(lasts) if lasts else date.today()
    first = min(i.start for i in register.instruments)
    last = max(max(i.end or i.changes[-1].date, i.changes[-1].date) for i in register.instruments)
    return min(max(day, first), last)


def instruments_page_view(access: StoreAccess, at: date | None) -> dict[str, Any]:
    """Show what is in force on ``at`` (default: the store's latest day) and the timeline.

    Without a register (none given to ``brinkwatch serve`` and none bundled), says so.
    """
    from brinkwatch.measure.instruments import instruments_view
    from brinkwatch.report.instrument_figures import timeline_figure

    reg = access.register
    if reg is None:
        return {"register": None, "at": None, "in_force": [], "figure": None}
    on = at or _default_day(access, reg)
    view = instruments_view(reg, at=on)
    fig = timeline_figure(view.spans, title=f"{reg.title}: states of each instrument")
    fig.add_vline(x=on.isoformat(), line={"dash": "dot", "color": "#2c3e50", "width": 1})
    return {
        "register": reg.id,
        "title": reg.title,
        "source": reg.source,
        "at": on.isoformat(),
        "in_force": [
            {
                **x.as_dict(),
                "parties": "-".join(x.parties),
                "url": _safe_url(x.citation.url),
                "archive_url": _safe_url(x.citation.archive),
                "reference": x.citation.reference,
            }
            for x in view.in_force
        ],
        "figure": figure_json(fig),
    }


def events_view(
    access: StoreAccess,
    pair: Dyad,
    *,
    start: date | None,
    end: date | None,
    roots: Sequence[str] | None,
    quads: Sequence[int] | None,
    origin: str | None,
    limit: int,
    directed: bool = False,
) -> dict[str, Any]:
    """Events of a dyad with their evidence: link, sentence or chronology citation.

    ``directed`` keeps only events from the pair's source to its target (a click on one
    direction's bar).
    """
    from brinkwatch.store import select_events

    with access.read() as store:
        e = select_events(
            store.events,
            dyad=pair,
            directed=directed,
            start=start,
            end=end,
            roots=roots,
            origins=[origin] if origin else None,
        )
        if quads:
            e = e.filter(e.quad_class.isin(list(quads)))
        total = int(e.count().execute())
        rows = (
            e.select(
                "event_id",
                "origin",
                "event_date",
                "source_country",
                "target_country",
                "source_code",
                "target_code",
                "cameo_code",
                "quad_class",
                "goldstein",
                "description",
                "sentence",
                "citation",
                "source_url",
                "story_id",
            )
            .limit(limit)
            .to_pyarrow()
            .to_pylist()
        )
    for r in rows:
        r["event_date"] = r["event_date"].isoformat()
        r["url"] = _safe_url(r["source_url"])
        r["text"] = r["description"] or r["sentence"] or ""
    return {
        "total": total,
        "shown": len(rows),
        "events": rows,
        "dyad": str(pair),
        "directed": directed,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
    }


@_cached_view("top_events")
def top_events_view(
    access: StoreAccess,
    pair: Dyad,
    *,
    freq: str,
    start: date | None,
    end: date | None,
    n: int,
) -> dict[str, Any]:
    """List the top ``n`` stories (by sources) of a directed dyad in each period of a window."""
    from brinkwatch.measure import top_events

    with access.read() as store:
        top = top_events(
            store.events, pair.source, pair.target, freq=freq, start=start, end=end, n=n
        )
    return {
        "dyad": pair.label,
        "freq": freq,
        "periods": [
            {
                "period": p.isoformat(),
                "events": [
                    {
                        "event_id": e.event_id,
                        "event_date": e.event_date.isoformat(),
                        "cameo_code": e.cameo_code,
                        "text": e.text or e.reference,
                        "sources": e.sources,
                        "rows": e.rows,
                        "url": _safe_url(e.reference),
                    }
                    for e in evs
                ],
            }
            for p, evs in top.items()
        ],
    }


@_cached_view("explain")
def explain_view(
    access: StoreAccess,
    actors: tuple[str, str, str],
    *,
    freq: str,
    start: date | None,
    end: date | None,
    measure: str,
    periods: int,
    repl: int,
    seed: int,
) -> dict[str, Any]:
    """Granger table, impulse-response grid and reciprocity of a triad."""
    from brinkwatch.explain import TriadVAR, explain_triad
    from brinkwatch.report.explain_figures import irf_figure

    with access.read() as store:
        x = explain_triad(
            store.events,
            actors,
            freq=freq,
            start=start,
            end=end,
            model=TriadVAR(measure=measure),
            periods=periods,
            repl=repl,
            seed=seed,
        )
    model = x.model
    return {
        "actors": list(actors),
        "freq": freq,
        "measure": measure,
        "from": x.first.isoformat() if x.first else None,
        "to": x.last.isoformat() if x.last else None,
        "periods": x.n_periods,
        "insufficient": bool(model.insufficient_),
        "dynamics": bool(model.dynamics_),
        "lags": None if model.insufficient_ else model.lag_order_,
        "series": list(model.names_),
        "notes": [
            plain_text(n) for n in dict.fromkeys([*model.notes_, *(n.message for n in x.notes)])
        ],
        "granger": [
            {
                "label": g.label,
                "kind": g.kind,
                "stat": g.stat,
                "df": f"{g.df_num}, {g.df_denom}",
                "pvalue": g.pvalue,
                "pvalue_holm": g.pvalue_holm,
                "significant": g.significant,
                "significant_holm": g.significant_holm,
            }
            for g in x.granger
        ],
        "reciprocity": [] if model.insufficient_ else list(x.reciprocity.lines),
        "same_period": [] if model.insufficient_ else list(x.reciprocity.same_period_lines),
        "disagreements": list(x.reciprocity.disagreements),
        "figure": figure_json(irf_figure(x.irf)) if x.irf is not None else None,
    }


def _scenario(name: str) -> Scenario:
    from brinkwatch.ingest.scenarios import scenario_register
    from brinkwatch.simulate import apply_register, parse_scenario, read_bundled_scenario

    sc = parse_scenario(read_bundled_scenario(name), source=name)
    # As on the command line: machines start from the register the scenario names.
    reg = scenario_register(sc.source, sc.register)
    return sc if reg is None else apply_register(sc, reg)


def scenario_catalogue() -> list[dict[str, Any]]:
    """List the bundled scenarios with their levers, for the scenario form."""
    from brinkwatch.simulate import bundled_scenarios

    out = []
    # The most recent crisis first: it is the one the form opens on.
    for sc in sorted(
        (_scenario(n) for n in bundled_scenarios()), key=lambda s: s.start, reverse=True
    ):
        out.append(
            {
                "name": sc.name,
                "title": sc.title,
                "start": sc.start.isoformat(),
                "end": sc.end.isoformat(),
                "actual": list(sc.actual),
                "levers": [
                    {"name": lv.name, "title": lv.title, "day": lv.day.isoformat()}
                    for lv in sc.levers
                ],
            }
        )
    return out


def scenario_variants(name: str, levers: Sequence[str], actual: bool) -> dict[str, tuple[str, ...]]:
    """``none``, ``actual`` when asked, and each chosen lever alone (checked against the file)."""
    from brinkwatch.simulate import default_variants

    sc = _scenario(name)
    known = {lv.name for lv in sc.levers}
    for n in levers:
        if n not in known:
            raise ConfigError(
                f"scenario '{name}' has no lever '{n}'; it has {', '.join(sorted(known))}",
                field="levers",
            )
    if not levers and not actual:
        return default_variants(sc)
    out: dict[str, tuple[str, ...]] = {"none": ()}
    if actual:
        if not sc.actual:
            raise ConfigError(f"scenario '{name}' declares no 'actual' levers", field="actual")
        out["actual"] = sc.actual
    for n in dict.fromkeys(levers):
        out[n] = (n,)
    return out


def _dynamics(access: StoreAccess, sc: Scenario) -> tuple[Dynamics, list[str]]:
    from brinkwatch.simulate import fit_dynamics

    def fit() -> tuple[Dynamics, list[str]]:
        # Our own warnings say something about the data; they become the run's notes.
        with access.read() as store, caught_notes() as notes:
            dyn = fit_dynamics(sc, store.events)
        return dyn, [n.message for n in notes]

    result: tuple[Dynamics, list[str]] = access.cached(("dynamics", sc.name), fit)
    return result


def run_scenario(
    access: StoreAccess,
    name: str,
    variants: dict[str, tuple[str, ...]],
    *,
    paths: int,
    seed: int,
    progress: Callable[[float], None],
) -> dict[str, Any]:
    """Fit (cached per store version), simulate, and shape outcomes, comparison and figure."""
    from brinkwatch.report import labels_for, lever_sentence
    from brinkwatch.report.scenario_figures import figure_inputs, scenario_figure
    from brinkwatch.simulate import fan_table, run_variants

    sc = _scenario(name)
    progress(0.02)
    dyn, notes = _dynamics(access, sc)
    progress(0.1)
    # One process: the pool already bounds how much of the machine the dashboard takes.
    res = run_variants(
        sc,
        dynamics=dyn,
        variants=variants,
        n_paths=paths,
        seed=seed,
        workers=1,
        progress=lambda f: progress(0.1 + 0.85 * f),
    )
    fig = scenario_figure(**figure_inputs(res))
    fan = fan_table(res.runs["none"]).to_pylist()
    ours = [n.message for n in res.notes]
    return {
        "scenario": sc.name,
        "title": sc.title,
        "start": sc.start.isoformat(),
        "end": sc.end.isoformat(),
        "paths": paths,
        "seed": seed,
        "variants": {k: list(v) for k, v in variants.items()},
        "notes": [plain_text(n) for n in dict.fromkeys([*dyn.notes, *notes, *ours])],
        "outcomes": res.outcomes.to_pylist(),
        "comparison": res.comparison.to_pylist(),
        "ranking": res.ranking.to_dict() if res.ranking is not None else None,
        "lever_sentence": lever_sentence(res, labels_for(sc, None)),
        "fan_none": [
            {"week": r["week"].isoformat(), "q05": r["q05"], "q50": r["q50"], "q95": r["q95"]}
            for r in fan
        ],
        "figure": figure_json(fig),
    }


class CoderHolder:
    """One text coder for the server, loaded on first use; spaCy calls are serialised."""

    def __init__(self, coder: Coder | None = None) -> None:
        self._coder = coder
        self.lock = threading.Lock()

    def get(self) -> Coder:
        """Return the coder (loading the spaCy pipeline the first time)."""
        from brinkwatch.coding import Coder

        if self._coder is None:
            self._coder = Coder()
        return self._coder


def _code(
    holder: CoderHolder, text: str, day: date | None, reviews: Sequence[Review] | None = None
) -> Any:
    from brinkwatch.coding import events_to_table

    with holder.lock:
        events: list[Any] = holder.get().code(text, date=day, doc_id="dashboard")
    if reviews is not None:
        events = _reviewed(events, reviews)
    return events_to_table(events)


def _reviewed(events: list[Any], reviews: Sequence[Review]) -> list[Any]:
    """Keep the accepted rows and the edited ones (with their new values), in text order."""
    by_id = {r.event_id: r for r in reviews}
    known = {e.event_id for e in events}
    stale = [r.event_id for r in reviews if r.event_id not in known]
    if stale:
        raise ConfigError(
            f"{len(stale)} reviewed row(s) are not among the events coded from this text and "
            "date (the text or date changed after coding); code the text again and review it",
            field="rows",
        )
    out = []
    for e in events:
        r = by_id.get(e.event_id)
        if r is None or r.action == "reject":
            continue
        if r.action == "edit":
            e = e.edited(code=r.code, source=r.source, target=r.target, event_date=r.event_date)
        out.append(e)
    return out


def code_text(holder: CoderHolder, text: str, day: date | None) -> dict[str, Any]:
    """Events coded from ``text``, each with the character span of its trigger words."""
    table = _code(holder, text, day)
    events = []
    for r in table.to_pylist():
        events.append(
            {
                "event_id": r["event_id"],
                "event_date": r["event_date"].isoformat() if r["event_date"] else None,
                "source": r["source_code"],
                "target": r["target_code"],
                "cameo_code": r["cameo_code"],
                "cameo_name": r["cameo_name"],
                "quad_class": r["quad_class"],
                "goldstein": r["goldstein"],
                "confidence": r["confidence"],
                "flags": r["flags"],
                "sentence": r["sentence_text"],
                # Trigger words as offsets into the sentence, for highlighting.
                "mark_start": r["span_start"] - r["sentence_start"],
                "mark_end": r["span_end"] - r["sentence_start"],
                "span_start": r["span_start"],
                "span_end": r["span_end"],
                "date_phrase": r["date_phrase"],
            }
        )
    return {"events": events, "date": day.isoformat() if day else None}


def add_coded(
    access: StoreAccess,
    holder: CoderHolder,
    text: str,
    day: date,
    reviews: Sequence[Review] | None = None,
) -> dict[str, Any]:
    """Code ``text`` again on the server and store its events (the only write action).

    With ``reviews``, only the rows accepted or edited are stored, edited ones with the
    reviewer's code, actors and date; without, every coded row is.
    """
    from brinkwatch.ingest import ingest_coded

    # The server codes the text itself and takes only the reviewer's decisions from the page.
    table = _code(holder, text, day, reviews)
    with access.write() as store:
        rep = ingest_coded(store, table, source_name=f"dashboard coder ({day})")
    if not rep.ok:
        raise StoreError(f"the coded events could not be stored: {rep.error}")
    return {
        "read": rep.read,
        "stored": rep.stored,
        "duplicates": rep.duplicates,
        "rejected": rep.rejected,
        "batch_id": rep.batch_id,
        "reviewed": None if reviews is None else len(reviews),
    }
