"""Figures of measured relations: Plotly for interactive HTML, matplotlib for PNG.

Functions take computed results (rows, change points, alarms) and return a figure as bytes or
text; they compute nothing and write no files.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from brinkwatch.errors import ConfigError
from brinkwatch.measure.alarms import Alarm
from brinkwatch.measure.changepoints import ChangePoint

__all__ = ["index_figure", "render", "triad_figure"]

_SEVERITY_COLOURS = {
    "low": "#7f8c8d",
    "medium": "#e67e22",
    "high": "#c0392b",
    "critical": "#6c0f0f",
}
_DYAD_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"]


def index_figure(
    rows: Sequence[dict[str, Any]],
    *,
    measure: str,
    change_points: dict[str, list[ChangePoint]] | None = None,
    alarms: Sequence[Alarm] = (),
    title: str = "",
    label: str | None = None,
) -> go.Figure:
    """Plot a measure per dyad with change points (dashed lines) and alarm markers.

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
    """
    fig = go.Figure()
    dyads = list(dict.fromkeys(r["dyad"] for r in rows))
    for i, dyad in enumerate(dyads):
        rs = [r for r in rows if r["dyad"] == dyad]
        colour = _DYAD_COLOURS[i % len(_DYAD_COLOURS)]
        fig.add_trace(
            go.Scatter(
                x=[r["period"] for r in rs],
                y=[r[measure] for r in rs],
                mode="lines",
                name=dyad,
                line={"color": colour},
            )
        )
        for cp in (change_points or {}).get(dyad, []):
            fig.add_vline(x=cp.period, line={"dash": "dash", "color": colour, "width": 1})
            fig.add_annotation(
                x=cp.period,
                y=1.02,
                yref="paper",
                showarrow=False,
                text=f"{cp.mean_before:.1f}→{cp.mean_after:.1f}",
                font={"size": 9, "color": colour},
            )
    if alarms:
        level = {(r["dyad"], r["period"]): r[measure] for r in rows}
        for sev, colour in _SEVERITY_COLOURS.items():
            hits = [a for a in alarms if a.severity == sev]
            if not hits:
                continue
            ys = [_alarm_y(a, level) for a in hits]
            fig.add_trace(
                go.Scatter(
                    x=[a.period for a in hits],
                    y=ys,
                    mode="markers",
                    name=f"alarm: {sev}",
                    marker={"symbol": "triangle-down", "size": 11, "color": colour},
                    hovertext=[_alarm_text(a) for a in hits],
                    hoverinfo="text",
                )
            )
    fig.update_layout(
        title=title,
        xaxis_title="period",
        yaxis_title=label or measure,
        template="plotly_white",
        hovermode="closest",
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def _alarm_y(a: Alarm, level: dict[tuple[str, date], Any]) -> float:
    for (dyad, period), v in level.items():
        if period == a.period and (dyad == a.dyad or a.dyad.replace("-", "->") == dyad):
            return float(v or 0.0)
    vals = [float(v or 0.0) for (_, p), v in level.items() if p == a.period]
    return min(vals) if vals else 0.0


def _alarm_text(a: Alarm) -> str:
    ev = "<br>".join(
        f"{x.event_date} {x.cameo_code} {x.source}→{x.target}: {(x.text or x.reference or '')[:80]}"
        for x in a.evidence[:5]
    )
    return f"<b>{a.title}</b><br>{a.dyad} {a.period}: {a.detail}<br>{ev}"


def triad_figure(rows: Sequence[dict[str, Any]], *, measure: str, title: str = "") -> go.Figure:
    """Small multiples: one panel per directed dyad of a triad, on a shared y axis."""
    dyads = list(dict.fromkeys(r["dyad"] for r in rows))
    if not dyads:
        raise ConfigError("nothing to plot: the series is empty")
    cols = 2
    nrows = (len(dyads) + cols - 1) // cols
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        subplot_titles=dyads,
        shared_yaxes=True,
        shared_xaxes=True,
        vertical_spacing=0.08,
    )
    for i, dyad in enumerate(dyads):
        rs = [r for r in rows if r["dyad"] == dyad]
        fig.add_trace(
            go.Bar(
                x=[r["period"] for r in rs],
                y=[r[measure] for r in rs],
                name=dyad,
                marker={"color": ["#c0392b" if (r[measure] or 0) < 0 else "#2980b9" for r in rs]},
                showlegend=False,
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_layout(title=title, template="plotly_white", height=260 * nrows)
    return fig


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

    panels = sorted({(t.xaxis or "x") for t in fig.data}, key=lambda a: int(a[1:] or 1))
    n = len(panels)
    ncols = 2 if n > 1 else 1
    nrows = (n + ncols - 1) // ncols
    mfig, axes = plt.subplots(
        nrows, ncols, figsize=(11 if ncols == 2 else 10, 3.2 * nrows), squeeze=False, sharey=n > 1
    )
    for k, panel in enumerate(panels):
        ax = axes[k // ncols][k % ncols]
        for tr in fig.data:
            if (tr.xaxis or "x") != panel:
                continue
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
        titles = [a.text for a in fig.layout.annotations if a.xref not in (None, "x")]
        if n > 1 and k < len(titles):
            ax.set_title(titles[k], fontsize=10)
        ax.axhline(0, color="#999", linewidth=0.6)
        ax.tick_params(labelsize=8)
    for shape in fig.layout.shapes:
        axes[0][0].axvline(
            shape.x0, linestyle="--", color=shape.line.color or "#555", linewidth=0.9
        )
    if n == 1:
        axes[0][0].legend(fontsize=8, loc="lower left")
        axes[0][0].set_ylabel(fig.layout.yaxis.title.text or "")
    for k in range(n, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    mfig.suptitle(fig.layout.title.text or "", fontsize=11)
    mfig.tight_layout()
    buf = io.BytesIO()
    mfig.savefig(buf, format="png", dpi=110)
    plt.close(mfig)
    return buf.getvalue()
