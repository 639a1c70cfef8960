"""Figures of measured relations: Plotly for interactive HTML, matplotlib for PNG.

Functions take computed results (rows, change points, alarms) and return a figure as bytes or
text; they compute nothing and write no files.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from brinkwatch.errors import ConfigError
from brinkwatch.measure.alarms import Alarm, Evidence
from brinkwatch.measure.changepoints import ChangePoint
from brinkwatch.measure.relations import Coverage
from brinkwatch.report.labels import dyad_colour

__all__ = [
    "EVENTS_SHOWN",
    "coverage_strip",
    "index_figure",
    "quad_figure",
    "render",
    "triad_figure",
]

#: Top events (stories, by sources) a bar's or point's hover lists.
EVENTS_SHOWN = 3
#: Readable subplot titles (Plotly's default annotation font is too small in a grid).
SUBPLOT_TITLE_PX = 13

#: Plain names for the built-in origins; any other origin is shown as it is stored.
_ORIGIN_NAMES = {
    "gdelt1": "GDELT 1",
    "gdelt2": "GDELT 2",
    "icews": "ICEWS",
    "chronology": "chronology",
    "coded": "coded text",
}
_STRIP_META = "coverage"
_FRICTIONS_META = "frictions"
_FRICTIONS_NAME = "frictions in force (register)"
_STRIP_TITLE = "days with data per origin"

_SEVERITY_COLOURS = {
    "low": "#7f8c8d",
    "medium": "#e67e22",
    "high": "#c0392b",
    "critical": "#6c0f0f",
}
#: Evidence by dyad label, then period start: what a bar or point's hover lists.
EvidenceMap = dict[str, dict[date, list[Evidence]]]


def _period_ends(periods: Sequence[date]) -> dict[date, date]:
    """Return each period's last day: the day before the next period (or one step on)."""
    ps = sorted(set(periods))
    step = ps[-1] - ps[-2] if len(ps) > 1 else timedelta(days=1)
    nxt = [*ps[1:], _period_end(ps[-1], step)] if ps else []
    return {p: n - timedelta(days=1) for p, n in zip(ps, nxt, strict=True)}


def _hover_lines(evidence: Sequence[Evidence]) -> str:
    if not evidence:
        return "no events"
    return "<br>".join(
        f"• {(e.text or e.reference or e.event_id)[:70]} ({e.event_date}"
        + (f", {e.sources} source{'s' if e.sources != 1 else ''}" if e.sources else "")
        + ")"
        for e in evidence[:EVENTS_SHOWN]
    )


def _series_hover(
    dyad: str,
    rs: Sequence[dict[str, Any]],
    measure: str,
    evidence: EvidenceMap | None,
    ends: dict[date, date],
) -> dict[str, Any]:
    """Hover text with the top events and, for a click, the dyad and the period's days."""
    ev = (evidence or {}).get(dyad, {})
    custom = []
    for r in rs:
        v = r[measure]
        head = f"<b>{dyad}</b> {r['period']}: {v:.2f}" if v is not None else f"{dyad} {r['period']}"
        top = _hover_lines(ev.get(r["period"], [])) if evidence is not None else ""
        end = ends.get(r["period"], r["period"])
        custom.append([dyad, r["period"].isoformat(), end.isoformat(), f"{head}<br>{top}"])
    return {"customdata": custom, "hovertemplate": "%{customdata[3]}<extra></extra>"}


def index_figure(
    rows: Sequence[dict[str, Any]],
    *,
    measure: str,
    change_points: dict[str, list[ChangePoint]] | None = None,
    alarms: Sequence[Alarm] = (),
    title: str = "",
    label: str | None = None,
    coverage: Sequence[Coverage] = (),
    frictions: dict[date, float] | None = None,
    evidence: EvidenceMap | None = None,
    period: str = "period",
    slider: bool = False,
) -> go.Figure:
    """Plot a measure per dyad with change points (dashed lines) and alarm markers.

    With ``coverage``, a coverage strip (:func:`coverage_strip`) sits in a row under the
    series on the same x axis. With ``frictions`` (period -> frictions in force, e.g.
    ``DyadMeasure.frictions_by_period()``), a step line on a right-hand axis shows what
    stood while the events were counted.

    Parameters
    ----------
    rows
        Series rows (``dyad``, ``period`` and the measure), e.g. from ``relation_index``.
    measure
        Column to plot.
    change_points
        Change points by dyad label.
    alarms
        Alarms to mark; hovering shows rule and evidence.
    title
        Figure title.
    label
        Y-axis label (defaults to ``measure``).
    coverage
        The measure's :class:`~brinkwatch.measure.Coverage` records, one lane each.
    frictions
        Total frictions in force per period; drawn on a secondary y axis.
    evidence
        Top events by dyad and period (:func:`~brinkwatch.measure.top_events`): each point's
        hover lists them, and its ``customdata`` holds the dyad and the period's first and
        last day for a click-through.
    period
        What a period is (``week``, ``month``): the x axis title.
    slider
        Add a range slider and one/three-year buttons (for a page one reads on screen).
    """
    fig = _with_strip(coverage, 1) if coverage else go.Figure()
    top = {"row": 1, "col": 1} if coverage else {}
    dyads = list(dict.fromkeys(r["dyad"] for r in rows))
    ends = _period_ends([r["period"] for r in rows])
    for dyad in dyads:
        rs = [r for r in rows if r["dyad"] == dyad]
        colour = dyad_colour(dyad)
        fig.add_trace(
            go.Scatter(
                x=[r["period"] for r in rs],
                y=[r[measure] for r in rs],
                mode="lines+markers",
                name=dyad,
                line={"color": colour},
                marker={"size": 4, "color": colour},
                **_series_hover(dyad, rs, measure, evidence, ends),
            ),
            **top,
        )
    # After every line, so the series come first in the legend and the trace list.
    for dyad in dyads:
        rs = [r for r in rows if r["dyad"] == dyad]
        cps = (change_points or {}).get(dyad, [])
        _change_points(fig, dyad, rs, measure, cps, top, ends)
    _alarm_markers(fig, alarms, rows, measure, top, ends)
    fig.update_layout(
        title=title,
        yaxis_title=label or measure,
        template="plotly_white",
        hovermode="closest",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"t": 110},
    )
    fig.update_annotations(font_size=SUBPLOT_TITLE_PX)
    if coverage:
        _fill_strip(fig, coverage, [r["period"] for r in rows], row=2, period=period)
    else:
        fig.update_layout(xaxis_title=period)
    if slider:
        _range_controls(fig, "xaxis2" if coverage else "xaxis")
    if frictions:
        _add_frictions(fig, frictions)
    return fig


def _alarm_markers(
    fig: go.Figure,
    alarms: Sequence[Alarm],
    rows: Sequence[dict[str, Any]],
    measure: str,
    top: dict[str, int],
    ends: dict[date, date],
) -> None:
    """One marker trace per severity, at the alarm's dyad and period; hover gives evidence.

    Each marker's ``customdata`` holds the direction it sits on and its period's days, so a
    click lists the events of that period as a click on the series does.
    """
    level = {(r["dyad"], r["period"]): r[measure] for r in rows}
    for sev, colour in _SEVERITY_COLOURS.items():
        hits = [a for a in alarms if a.severity == sev]
        if not hits:
            continue
        at = [_alarm_at(a, level) for a in hits]
        fig.add_trace(
            go.Scatter(
                x=[a.period for a in hits],
                y=[y for _, y in at],
                mode="markers",
                name=f"alarm: {sev}",
                marker={"symbol": "triangle-down", "size": 11, "color": colour},
                hovertext=[_alarm_text(a) for a in hits],
                hoverinfo="text",
                customdata=[
                    _click(d, a.period, ends, _alarm_text(a))
                    for a, (d, _) in zip(hits, at, strict=True)
                ],
            ),
            **top,
        )


def _click(dyad: str, period: date, ends: dict[date, date], hover: str) -> list[str]:
    """Return a marker's ``customdata``: the direction and days whose events a click lists."""
    return [dyad, period.isoformat(), ends.get(period, period).isoformat(), hover]


def _change_points(
    fig: go.Figure,
    dyad: str,
    rs: Sequence[dict[str, Any]],
    measure: str,
    cps: Sequence[ChangePoint],
    top: dict[str, int],
    ends: dict[date, date],
) -> None:
    """Mark change points with a dashed line and a diamond whose hover gives the shift.

    Markers rather than text labels: labels of nearby change points overlapped into
    unreadable text; a marker keeps its place and says its piece on hover, and a click on it
    lists the events of its first period.
    """
    colour = dyad_colour(dyad)
    level = {r["period"]: r[measure] for r in rs}
    pts = [c for c in cps if c.period is not None]
    for cp in pts:
        fig.add_vline(x=cp.period, line={"dash": "dash", "color": colour, "width": 1}, **top)
    if not pts:
        return
    fig.add_trace(
        go.Scatter(
            x=[c.period for c in pts],
            y=[float(level.get(c.period) or 0.0) for c in pts],
            mode="markers",
            name=f"change point: {dyad}",
            marker={"symbol": "diamond", "size": 10, "color": colour, "line": {"width": 1}},
            hovertext=[_cp_text(dyad, c) for c in pts],
            hoverinfo="text",
            customdata=[_click(dyad, c.period, ends, _cp_text(dyad, c)) for c in pts if c.period],
            meta="change_point",
        ),
        **top,
    )


def _cp_text(dyad: str, c: ChangePoint) -> str:
    return (
        f"<b>change point {dyad}</b> from {c.period}: mean {c.mean_before:.2f} → {c.mean_after:.2f}"
    )


def _range_controls(fig: go.Figure, axis: str) -> None:
    """Put a range slider and one/three-year buttons on ``axis``; the other x axes follow it.

    Years of weekly data fit no page width; the slider keeps the whole span in view while
    the panels above show the chosen years.
    """
    anchor = "x" + axis[len("xaxis") :]
    # Every panel follows the slider's axis, in both columns of a grid.
    for name in [k for k in fig.layout.to_plotly_json() if k.startswith("xaxis")]:
        if name != axis:
            fig.layout[name].matches = anchor
    fig.update_layout(
        {
            axis: {
                "rangeslider": {"visible": True, "thickness": 0.06},
                "rangeselector": {
                    "buttons": [
                        {"count": 1, "label": "1 y", "step": "year", "stepmode": "backward"},
                        {"count": 3, "label": "3 y", "step": "year", "stepmode": "backward"},
                        {"step": "all", "label": "all"},
                    ],
                    "x": 1.0,
                    "xanchor": "right",
                    # Above the legend's row (y 1.02), below the title: neither hides the other.
                    "y": 1.1,
                    "yanchor": "bottom",
                },
            }
        }
    )


def _add_frictions(fig: go.Figure, frictions: dict[date, float]) -> None:
    """Overlay the frictions in force on the first panel, as a step line on a right axis.

    A second axis rather than a shared one: frictions are weights, not Goldstein points,
    and their scale would flatten the series.
    """
    n = 1 + sum(1 for k in fig.layout.to_plotly_json() if k.startswith("yaxis"))
    axis = f"y{n + 1}"
    xs = sorted(frictions)
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[frictions[x] for x in xs],
            mode="lines",
            line={"shape": "hv", "color": "#8e44ad", "width": 2},
            name=_FRICTIONS_NAME,
            xaxis="x",
            yaxis=axis,
            meta=_FRICTIONS_META,
            hovertemplate="%{x}: frictions in force %{y:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        {
            f"yaxis{n + 1}": {
                "overlaying": "y",
                "side": "right",
                "title": {"text": "frictions in force"},
                "rangemode": "tozero",
                "showgrid": False,
            }
        }
    )


def _alarm_at(a: Alarm, level: dict[tuple[str, date], Any]) -> tuple[str, float]:
    """Return the direction an alarm's marker sits on, and its height there.

    An alarm about a pair sits on the lower of its directions in that period.
    """
    for (dyad, period), v in level.items():
        if period == a.period and (dyad == a.dyad or a.dyad.replace("-", "->") == dyad):
            return dyad, float(v or 0.0)
    here = [(float(v or 0.0), d) for (d, p), v in level.items() if p == a.period]
    if not here:
        return a.dyad.replace("-", "->") if "->" not in a.dyad else a.dyad, 0.0
    v, d = min(here)
    return d, v


def _alarm_text(a: Alarm) -> str:
    ev = "<br>".join(
        f"{x.event_date} {x.cameo_code} {x.source}→{x.target}: {(x.text or x.reference or '')[:80]}"
        for x in a.evidence[:5]
    )
    return f"<b>{a.title}</b><br>{a.dyad} {a.period}: {a.detail}<br>{ev}"


def triad_figure(
    rows: Sequence[dict[str, Any]],
    *,
    measure: str,
    title: str = "",
    coverage: Sequence[Coverage] = (),
    frictions: dict[date, float] | None = None,
    evidence: EvidenceMap | None = None,
    label: str | None = None,
    period: str = "period",
    slider: bool = False,
) -> go.Figure:
    """Small multiples: one panel per directed dyad of a triad, on a shared y axis.

    With ``coverage``, a coverage strip (:func:`coverage_strip`) spans the columns under
    the panels, on the same x axis. With ``frictions`` (period -> frictions in force of
    the triad's instruments), a step line on a right-hand axis of the first panel. Each
    dyad's bars take its colour (:func:`~brinkwatch.report.labels.dyad_colour`); with
    ``evidence`` their hover lists the top events, as in :func:`index_figure`. ``label`` is
    the y axis title of the left panels (``measure`` by default), ``period`` the x axis's;
    ``slider`` adds a range slider under the bottom panel that moves every panel.
    """
    dyads = list(dict.fromkeys(r["dyad"] for r in rows))
    if not dyads:
        raise ConfigError("nothing to plot: the series is empty")
    cols = 2
    nrows = (len(dyads) + cols - 1) // cols
    if coverage:
        fig = _with_strip(coverage, nrows, cols, dyads)
        # One y range for all panels, set here: plotly.js's matched autorange clipped bars.
        ys = [float(r[measure] or 0.0) for r in rows] + [0.0]
        pad = 0.06 * ((max(ys) - min(ys)) or 1.0)
        for i in range(len(dyads)):
            fig.update_yaxes(
                range=[min(ys) - pad, max(ys) + pad], row=i // cols + 1, col=i % cols + 1
            )
    else:
        fig = make_subplots(
            rows=nrows,
            cols=cols,
            subplot_titles=dyads,
            shared_yaxes=True,
            shared_xaxes=True,
            vertical_spacing=0.08,
        )
    ends = _period_ends([r["period"] for r in rows])
    for i, dyad in enumerate(dyads):
        rs = [r for r in rows if r["dyad"] == dyad]
        colour = dyad_colour(dyad)
        fig.add_trace(
            go.Bar(
                x=[r["period"] for r in rs],
                y=[r[measure] for r in rs],
                name=dyad,
                marker={"color": colour, "line": {"color": colour, "width": 0.5}},
                showlegend=False,
                **_series_hover(dyad, rs, measure, evidence, ends),
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
        if i % cols == 0:
            # Two short lines: a panel is too short for the measure and its unit in one.
            text = (label or measure).replace(" (", "<br>(", 1)
            fig.update_yaxes(title_text=text, title_font_size=11, row=i // cols + 1, col=1)
    fig.update_layout(title=title, template="plotly_white", hovermode="closest")
    fig.update_annotations(font_size=SUBPLOT_TITLE_PX)
    if coverage:
        periods = [r["period"] for r in rows]
        _fill_strip(fig, coverage, periods, row=nrows + 1, pad=True, period=period)
    else:
        fig.update_layout(height=260 * nrows)
        for c in range(1, cols + 1):
            fig.update_xaxes(title_text=period, row=nrows, col=c)
    if slider:
        bottom = fig.get_subplot(nrows + 1 if coverage else nrows, 1)
        _range_controls(fig, bottom.xaxis.plotly_name)
    if frictions:
        _add_frictions(fig, frictions)
    return fig


_QUADS = ("verbal_coop", "material_coop", "verbal_conflict", "material_conflict")
_QUAD_COLOURS = ("#9ecae1", "#2171b5", "#fc9272", "#cb181d")


def quad_figure(
    by: dict[str, list[dict[str, Any]]],
    *,
    title: str = "",
    period: str = "period",
    evidence: dict[str, dict[tuple[date, int], list[Evidence]]] | None = None,
) -> go.Figure:
    """Stacked bars of events per quad class, one panel per directed dyad.

    Parameters
    ----------
    by
        Series rows by dyad label (``DyadMeasure.by_dyad()``), with the four quad counts.
    title, period
        Figure title, and what a period is (the x axis title).
    evidence
        Top events by dyad, then (period, quad class), from
        :func:`~brinkwatch.measure.top_events_by_quad`: each bar's hover lists them and its
        ``customdata`` holds the dyad, the period's days and the quad class for a click.
    """
    n = max(1, len(by))
    fig = make_subplots(rows=n, cols=1, subplot_titles=list(by), shared_xaxes=True)
    ends = _period_ends([r["period"] for rs in by.values() for r in rs])
    for i, (dyad, rs) in enumerate(by.items(), start=1):
        ev = (evidence or {}).get(dyad, {})
        for k, (q, colour) in enumerate(zip(_QUADS, _QUAD_COLOURS, strict=True), start=1):
            name = q.replace("_", " ")
            custom = [
                [
                    dyad,
                    r["period"].isoformat(),
                    ends.get(r["period"], r["period"]).isoformat(),
                    f"<b>{dyad}</b> {r['period']}: {r[q] or 0} {name}<br>"
                    + _hover_lines(ev.get((r["period"], k), [])),
                    k,
                ]
                for r in rs
            ]
            fig.add_trace(
                go.Bar(
                    x=[r["period"] for r in rs],
                    y=[r[q] for r in rs],
                    name=name,
                    marker_color=colour,
                    legendgroup=q,
                    showlegend=i == 1,
                    customdata=custom,
                    hovertemplate="%{customdata[3]}<extra></extra>",
                ),
                row=i,
                col=1,
            )
    fig.update_layout(barmode="stack", template="plotly_white", title=title, height=260 * n + 80)
    fig.update_annotations(font_size=SUBPLOT_TITLE_PX)
    fig.update_yaxes(title_text=f"events per {period}")
    fig.update_xaxes(title_text=period, row=n, col=1)
    return fig


def coverage_strip(
    coverage: Sequence[Coverage], periods: Sequence[date] = (), *, title: str = ""
) -> go.Figure:
    """Plot a coverage strip alone: one lane per origin, its days with data filled.

    :func:`index_figure` and :func:`triad_figure` draw the same strip under their series
    when given ``coverage``; this figure is for pages that place it themselves.

    Parameters
    ----------
    coverage
        The measure's :class:`~brinkwatch.measure.Coverage` records, one lane each.
    periods
        The series' periods: the strip spans them (all covered days when empty).
    title
        Figure title.

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> from brinkwatch.measure import measure_dyad
    >>> m = measure_dyad(example().events, "JPN-KOR", freq="month")
    >>> [t.name for t in coverage_strip(m.coverage).data]
    ['chronology']
    """
    fig = make_subplots(rows=1, cols=1)
    _fill_strip(fig, coverage, periods, row=1)
    fig.update_layout(
        title=title or _STRIP_TITLE, template="plotly_white", height=_strip_px(len(coverage)) + 90
    )
    return fig


def _strip_px(lanes: int) -> int:
    return 36 + 26 * max(lanes, 1)


def _with_strip(
    coverage: Sequence[Coverage], rows: int, cols: int = 1, titles: Sequence[str] = ()
) -> go.Figure:
    """Subplots: ``rows`` x ``cols`` series panels and, under them, a strip across all columns.

    A row under the series (rather than a figure of its own) keeps one x axis: zooming the
    series zooms the strip, and the page shows one figure, not two that can drift apart.
    """
    series_px, strip_px = 260 if cols > 1 else 380, _strip_px(len(coverage))
    total = series_px * rows + strip_px + 60 * rows
    fig = make_subplots(
        rows=rows + 1,
        cols=cols,
        specs=[[{} for _ in range(cols)] for _ in range(rows)]
        + [[{"colspan": cols}] + [None] * (cols - 1)],
        row_heights=[series_px] * rows + [strip_px],
        subplot_titles=[*titles, *[""] * (rows * cols - len(titles)), _STRIP_TITLE],
        shared_xaxes=True,
        vertical_spacing=min(0.3 / (rows + 1), 70 / total),
    )
    fig.update_layout(height=total + 120)
    return fig


def _period_end(last: date, step: timedelta) -> date:
    """Return the day after the last period: the next month's first for monthly periods."""
    if 28 <= step.days <= 31 and last.day == 1:
        return date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return last + step


def _lane(c: Coverage) -> str:
    name = _ORIGIN_NAMES.get(c.origin, c.origin)
    return name if c.used else f"{name} (not counted)"


def _fill_strip(
    fig: go.Figure,
    coverage: Sequence[Coverage],
    periods: Sequence[date],
    *,
    row: int,
    pad: bool = False,
    period: str = "period",
) -> None:
    """Draw one lane per origin in ``row``: covered runs filled, gaps left empty.

    The strip spans the series' periods (to the end of the last one); runs outside are cut,
    while the hover still gives the origin's whole record. ``pad`` leaves half a period
    before the first, where bars centred on their period start.
    """
    ps = sorted(set(periods))
    step = ps[-1] - ps[-2] if len(ps) > 1 else timedelta(days=1)
    lo = ps[0] if ps else min((c.first for c in coverage), default=date.today())
    hi = (
        _period_end(ps[-1], step)
        if ps
        else max((c.last for c in coverage), default=lo) + timedelta(days=1)
    )
    for k, c in enumerate(coverage):
        xs: list[date | None] = []
        for a, b in c.spans or ((c.first, c.last),):
            a, b = max(a, lo), min(b + timedelta(days=1), hi)
            if a < b:
                xs += [a, b, None]
        colour = "#34495e" if c.used else "#aab7b8"
        plural = "s" if c.days != 1 else ""
        text = f"{_ORIGIN_NAMES.get(c.origin, c.origin)}: {c.days} day{plural} with data, "
        text += f"{c.first}..{c.last}" + ("" if c.used else " (not counted in the series)")
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[None if x is None else k for x in xs],
                mode="lines+markers",
                line={"color": colour, "width": 12},
                marker={"color": colour, "size": 8, "symbol": "square"},
                name=_lane(c),
                hovertext=[None if x is None else text for x in xs],
                hoverinfo="text",
                showlegend=False,
                meta=_STRIP_META,
            ),
            row=row,
            col=1,
        )
    n = len(coverage)
    fig.update_yaxes(
        tickvals=list(range(n)),
        ticktext=[_lane(c) for c in coverage],
        ticksuffix="  ",
        range=[-0.7, n - 0.3],
        showgrid=False,
        zeroline=False,
        fixedrange=True,
        title_text="origin",
        row=row,
        col=1,
    )
    fig.update_xaxes(title_text=period, row=row, col=1)
    fig.update_xaxes(range=[lo - step / 2 if pad else lo, hi])


def render(fig: go.Figure, fmt: str) -> bytes:
    """Render a figure as self-contained HTML (Plotly's JavaScript inlined) or as PNG.

    PNG goes through matplotlib, redrawing the figure's traces, so no browser is needed.
    """
    if fmt == "html":
        html: str = fig.to_html(include_plotlyjs=True, full_html=True)
        return html.encode("utf-8")
    if fmt == "png":
        return _png(fig)
    raise ConfigError(f"plots are written as .html or .png, not .{fmt}", field="fmt")


def _png(fig: go.Figure) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    strip = [t for t in fig.data if t.meta == _STRIP_META]
    extra = [t for t in fig.data if t.meta == _FRICTIONS_META]
    series = [t for t in fig.data if t.meta not in (_STRIP_META, _FRICTIONS_META)]
    panels = sorted({(t.xaxis or "x") for t in series}, key=lambda a: int(a[1:] or 1))
    n = len(panels)
    ncols = 2 if n > 1 else 1
    nrows = (n + ncols - 1) // ncols
    heights = [3.2] * nrows + ([0.7 + 0.3 * len(strip)] if strip else [])
    mfig = plt.figure(figsize=(11 if ncols == 2 else 10, sum(heights)))
    grid = mfig.add_gridspec(len(heights), ncols, height_ratios=heights)
    axes = [[mfig.add_subplot(grid[r, c]) for c in range(ncols)] for r in range(nrows)]
    for k, panel in enumerate(panels):
        ax = axes[k // ncols][k % ncols]
        if n > 1 and k:
            ax.sharey(axes[0][0])
        _png_panel(ax, [t for t in series if (t.xaxis or "x") == panel])
        titles = [
            a.text
            for a in fig.layout.annotations
            if a.xref not in (None, "x") and a.text not in ("", _STRIP_TITLE)
        ]
        if n > 1 and k < len(titles):
            ax.set_title(titles[k], fontsize=10)
    for shape in fig.layout.shapes:
        axes[0][0].axvline(
            shape.x0, linestyle="--", color=shape.line.color or "#555", linewidth=0.9
        )
    if n == 1:
        axes[0][0].legend(fontsize=8, loc="lower left")
        axes[0][0].set_ylabel(fig.layout.yaxis.title.text or "")
    for k in range(n, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    for tr in extra:
        _png_frictions(axes[0][0], tr)
    if strip:
        span = fig.layout[f"xaxis{(strip[0].xaxis or 'x')[1:]}"].range
        _png_strip(mfig.add_subplot(grid[nrows, :]), strip)
        # Every panel on the strip's days, as the interactive figure's shared x axis does.
        lim: list[Any] = [date.fromisoformat(str(v)[:10]) for v in (span or ())[:2]]
        for ax in [a for row in axes for a in row] + mfig.axes[-1:]:
            if lim:
                ax.set_xlim(*lim)
    mfig.suptitle(fig.layout.title.text or "", fontsize=11)
    mfig.tight_layout()
    buf = io.BytesIO()
    mfig.savefig(buf, format="png", dpi=110)
    plt.close(mfig)
    return buf.getvalue()


def _png_panel(ax: Any, traces: Sequence[Any]) -> None:
    for tr in traces:
        xs, ys = list(tr.x), [float(v) if v is not None else float("nan") for v in tr.y]
        if tr.type == "bar":
            # Bars as wide as most of a period: about 24 days for months, 5 for weeks.
            gap = (xs[1] - xs[0]).days if len(xs) > 1 else 1
            ax.bar(
                xs,
                ys,
                width=max(0.8 * gap, 0.8),
                color=["#c0392b" if v < 0 else "#2980b9" for v in ys],
            )
        elif tr.mode == "markers":
            ax.scatter(xs, ys, marker="v", color=tr.marker.color, label=tr.name, zorder=3)
        else:
            ax.plot(xs, ys, label=tr.name, color=tr.line.color, linewidth=1.2)
    ax.axhline(0, color="#999", linewidth=0.6)
    ax.tick_params(labelsize=8)


def _png_frictions(ax: Any, tr: Any) -> None:
    """Redraw the frictions step line on a right-hand axis of the first panel."""
    right = ax.twinx()
    right.step(list(tr.x), list(tr.y), where="post", color=tr.line.color, linewidth=1.6)
    right.set_ylabel("frictions in force", fontsize=8, color=tr.line.color)
    right.set_ylim(bottom=0)
    right.tick_params(labelsize=8)


def _png_strip(ax: Any, strip: Sequence[Any]) -> None:
    """Redraw the coverage lanes; "projecting" caps keep a single covered day visible."""
    for k, tr in enumerate(strip):
        xs = list(tr.x)
        for i in range(0, len(xs) - 1, 3):
            ax.plot(
                xs[i : i + 2], [k, k], color=tr.line.color, linewidth=7, solid_capstyle="projecting"
            )
    ax.set_yticks(range(len(strip)), [t.name for t in strip], fontsize=8)
    ax.set_ylim(-0.7, len(strip) - 0.3)
    ax.set_title(_STRIP_TITLE, fontsize=9)
    ax.set_xlabel("period", fontsize=8)
    ax.tick_params(labelsize=8)
