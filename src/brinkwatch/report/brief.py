"""A forwardable HTML brief: what changed, alarms with evidence, reciprocity, scenarios, sources.

:func:`gather_brief` calls the measure, explain and simulate stages; :func:`render_brief` draws
the results into one self-contained HTML file (Plotly's JavaScript inlined once, or PNG figures
as ``data:`` URIs) that opens with no network access. Nothing here writes a file.
"""

from __future__ import annotations

import base64
import math
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from markupsafe import Markup, escape

from brinkwatch.report._brief_data import BriefData, Progress, gather_brief
from brinkwatch.report._brief_template import APPENDIX_IDS, TEMPLATE

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from brinkwatch.report.labels import Labels

__all__ = [
    "BriefData",
    "Progress",
    "build_brief",
    "gather_brief",
    "render_brief",
]

_SEVERITY_ORDER = ("critical", "high", "medium", "low")


def _num(v: Any, spec: str = ".2f") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return format(v, spec)


def _pct(v: Any) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100 * v:.1f}%"


def _pval(v: Any) -> str:
    if v is None:
        return ""
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def _is_url(v: Any) -> bool:
    # Only web links become <a href>: a reference such as "javascript:..." stays text.
    return isinstance(v, str) and v.lower().startswith(("http://", "https://"))


def _notes(items: list[str]) -> Markup:
    if not items:
        return Markup("")
    lis = "".join(f"<li>{escape(n)}</li>" for n in items)
    return Markup(f'<div class="notes"><strong>Notes</strong><ul>{lis}</ul></div>')


def _env() -> Environment:
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=_num, pct=_pct, pval=_pval)
    env.tests["is_url"] = _is_url
    env.filters["is_url"] = _is_url
    env.globals["notes"] = _notes
    return env


def _embed(fig: go.Figure, div_id: str, static: bool, png: bytes | None = None) -> Markup:
    if static:
        data = base64.b64encode(png or b"").decode("ascii")
        return Markup(f'<img id="{div_id}" alt="{div_id}" src="data:image/png;base64,{data}">')
    html: str = fig.to_html(
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
    return Markup(html)


def render_brief(data: BriefData, *, static: bool = False) -> str:
    """Render gathered results as one self-contained HTML page.

    Parameters
    ----------
    data
        From :func:`gather_brief`.
    static
        PNG figures (matplotlib) as ``data:`` URIs instead of interactive Plotly figures: a
        much smaller file that also shows where scripts are blocked (some mail viewers).

    Returns
    -------
    str
        The HTML. With Plotly figures, its JavaScript is inlined once (about 4.5 MB).

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> s = example()
    >>> html = render_brief(gather_brief(s.events, dyad="JPN-KOR"), static=True)
    >>> html.count("<h2>"), "data:image/png;base64," in html
    (8, True)
    """
    from brinkwatch.report._bottom_line import bottom_line, reader_notes
    from brinkwatch.report.labels import labels_for, reword

    m = data.measure
    s = data.scenario
    lab = labels_for(s.scenario if s is not None else None, data.instruments)
    figures = _figures(data, lab, static)
    cmp: dict[tuple[str, str], dict[str, Any]] = {}
    outcome_rows: dict[str, dict[str, Any]] = {}
    variants: list[str] = []
    if s is not None:
        rows = s.comparison.to_pylist()
        cmp = {(r["variant"], r["outcome"]): r for r in rows}
        variants = list(dict.fromkeys(r["variant"] for r in rows))
        outcome_rows = {r["outcome"]: r for r in s.outcomes.to_pylist()}
    plotly_js = ""
    if not static:
        from plotly.offline import get_plotlyjs

        plotly_js = get_plotlyjs()
    counts = Counter(a.severity for a in m.alarms)
    bottom = bottom_line(m, lab, instruments=data.instruments, on=data.on, runs=s)
    env = _env()
    env.filters.update(
        dyad=lab.dyad,
        pair=lab.pair,
        measure=lab.measure,
        outcome=lab.outcome,
        lever=lab.lever,
        state=lab.state,
        instrument=lab.instrument,
        reword=lambda t: reword(str(t), lab),
    )
    env.globals["reader"] = lambda notes: _notes(reader_notes(notes, lab))
    body = env.from_string(TEMPLATE).render(
        d=data,
        lab=lab,
        bottom=bottom,
        figures=figures,
        plotly_js=Markup(plotly_js),
        severities=[(sev, counts[sev]) for sev in _SEVERITY_ORDER if counts[sev]],
        cmp=cmp,
        variants=variants,
        outcome_rows=outcome_rows,
    )
    # The appendix lists every id the text was written from; it is rendered last so that
    # the labels have recorded them all.
    appendix = env.from_string(APPENDIX_IDS).render(ids=lab.used())
    return body.replace("<!--ids-->", appendix)


def _figures(data: BriefData, lab: Labels, static: bool) -> dict[str, Markup]:
    """Draw the brief's figures: the summary, the index, the triad, instruments, scenario."""
    from brinkwatch.report.figures import index_figure, render, triad_figure

    m = data.measure
    figures: dict[str, Markup] = _instrument_figures(data, lab, static)
    if not m.rows:
        figures["summary"] = figures["index"] = Markup('<p class="note">No series to plot.</p>')
    else:
        measure = lab.measure(m.measure)
        # The first screen's figure stays uncluttered: change points are in the full figure.
        summary = index_figure(
            m.rows,
            measure="value",
            title=f"{lab.pair(data.dyad)}: {measure} by {m.freq}",
            label=measure,
        )
        # Room above the plot for the title and, below it, the legend.
        summary.update_layout(height=340, margin={"t": 80, "b": 30})
        summary = _relabel(summary, lab)
        figures["summary"] = _embed(
            summary, "summary-plot", static, render(summary, "png") if static else None
        )
        fig = index_figure(
            m.rows,
            measure="value",
            change_points=m.change_points,
            alarms=m.alarms,
            title=f"{lab.pair(data.dyad)}: {measure} by {m.freq}, change points and alarms",
            label=measure,
            coverage=m.coverage,
            frictions=m.frictions_by_period(),
        )
        fig = _relabel(fig, lab)
        figures["index"] = _embed(fig, "index-plot", static, render(fig, "png") if static else None)
    x = data.explain
    if x is not None and x.table.num_rows:
        trows = x.table.to_pylist()
        tfig = triad_figure(
            trows,
            measure=x.measure,
            title=f"All three pairs of the triad: {lab.measure(x.measure)} by {x.freq}",
        )
        tfig = _relabel(tfig, lab)
        figures["triad"] = _embed(
            tfig, "triad-plot", static, render(tfig, "png") if static else None
        )
    if data.scenario is not None:
        from brinkwatch.report.scenario_figures import (
            figure_inputs,
            render_scenario,
            scenario_figure,
        )

        kw = figure_inputs(data.scenario)
        sfig = _relabel(scenario_figure(**kw), lab)
        png = render_scenario("png", **{**kw, "labels": _png_labels(data, lab)}) if static else None
        figures["scenario"] = _embed(sfig, "scenario-plot", static, png)
    return figures


def _png_labels(data: BriefData, lab: Labels) -> dict[str, str]:
    """Words for every id the scenario's PNG draws: the labels of its interactive figure."""
    runs = data.scenario
    if runs is None:
        return {}
    names = {m: lab.machine(m) for m, _ in runs.machine_states}
    names |= {st: lab.state(st) for _, st in runs.machine_states}
    names |= {o.name: lab.outcome(o.name) for o in runs.scenario.outcomes}
    names |= {v: lab.lever(v) for v in runs.variants}
    return names


def _relabel(fig: go.Figure, lab: Labels) -> go.Figure:
    """Put labels in place of ids in a figure's legend, texts, hovers, categories and notes.

    The figure functions are shared with the dashboard and take ids; the brief's reader
    sees words, so the brief relabels what they drew.
    """
    from brinkwatch.report.labels import VARIANT_LABELS, reword

    def words(v: Any) -> Any:
        if isinstance(v, str):
            return reword(v, lab)
        if isinstance(v, (list, tuple)) or hasattr(v, "tolist"):
            items = list(v.tolist() if hasattr(v, "tolist") else v)
            if items and any(isinstance(x, str) for x in items):
                return [reword(x, lab) if isinstance(x, str) else x for x in items]
        return v

    for t in fig.data:
        if t.name:
            # A variant's name, alone or in brackets after a state: "GSOMIA terminated (none)".
            m = re.fullmatch(r"(.*?)\(?(\w+)\)?", t.name)
            if m and (m[2] in VARIANT_LABELS or m[2] in lab.levers):
                t.name = f"{reword(m[1], lab)}({lab.lever(m[2])})" if m[1] else lab.lever(m[2])
        for prop in ("name", "text", "hovertext", "hovertemplate", "legendgroup", "x", "y"):
            value = getattr(t, prop, None)
            if value is not None:
                setattr(t, prop, words(value))
    for ann in fig.layout.annotations or ():
        if ann.text:
            ann.text = reword(ann.text, lab)
    for axis in fig.layout:
        if axis.startswith(("xaxis", "yaxis")):
            ax = fig.layout[axis]
            for prop in ("ticktext", "categoryarray"):
                if getattr(ax, prop, None) is not None:
                    setattr(ax, prop, words(getattr(ax, prop)))
            if ax.title and ax.title.text:
                ax.title.text = reword(ax.title.text, lab)
    if fig.layout.title and fig.layout.title.text:
        fig.layout.title.text = reword(fig.layout.title.text, lab)
    return fig


def _instrument_figures(data: BriefData, lab: Labels, static: bool) -> dict[str, Markup]:
    """Draw the instruments timeline (a lane per instrument) up to the brief's date."""
    view = data.instruments
    if view is None or not view.spans:
        return {}
    from brinkwatch.report.instrument_figures import render_timeline, timeline_figure

    title = f"{view.title}: states up to {data.on}"
    fig = _relabel(timeline_figure(view.spans, title=title, until=data.on), lab)
    png = None
    if static:
        names = {x.instrument: lab.instrument(x.instrument) for x in view.spans}
        names |= {x.state: lab.state(x.state) for x in view.spans}
        png = render_timeline(view.spans, "png", title=title, until=data.on, labels=names)
    return {"timeline": _embed(fig, "instruments-plot", static, png)}


def build_brief(*args: Any, static: bool = False, **kwargs: Any) -> str:
    """Gather (:func:`gather_brief`, same arguments) and render (:func:`render_brief`) a brief.

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> s = example()
    >>> html = build_brief(s.events, dyad="JPN-KOR")
    >>> html.count("<script>"), 'id="index-plot"' in html
    (3, True)
    """
    return render_brief(gather_brief(*args, **kwargs), static=static)
