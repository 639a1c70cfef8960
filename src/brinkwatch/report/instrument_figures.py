"""The instruments timeline: one lane per instrument, each state a bar coloured by its friction.

Figures only draw the spans that :func:`brinkwatch.measure.instruments.timeline` returns.
HTML is Plotly (hover: state, dates, friction, citation); PNG is drawn with matplotlib from
the same spans, as the other figures' PNGs are, so no browser or kaleido is needed.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import plotly.graph_objects as go

from brinkwatch.errors import ConfigError
from brinkwatch.measure.instruments import Span
from brinkwatch.report.labels import human_label

__all__ = ["render_timeline", "timeline_figure"]

_SCALE = "YlOrRd"


def _lanes(spans: Sequence[Span]) -> list[str]:
    lanes: list[str] = []
    for s in spans:
        if s.instrument not in lanes:
            lanes.append(s.instrument)
    return lanes


def _until(spans: Sequence[Span], until: date | None) -> date:
    if until is not None:
        return until
    days = [d for s in spans for d in (s.start, s.end) if d is not None]
    return max(days, default=date.today()) + timedelta(days=30)


def timeline_figure(
    spans: Sequence[Span], *, title: str = "", until: date | None = None
) -> go.Figure:
    """Draw the spans as a Plotly timeline: one lane per instrument, colour by friction.

    Parameters
    ----------
    spans
        Spans from :func:`~brinkwatch.measure.instruments.timeline`.
    title
        Figure title.
    until
        Where spans still open at the end stop (default: 30 days after the last date).

    Examples
    --------
    >>> from brinkwatch.instruments import Citation
    >>> c = Citation("MOFA", date(2016, 11, 23), "Signing")
    >>> fig = timeline_figure([Span("GSOMIA", "active", date(2016, 11, 23), None, 0.0, c)])
    >>> fig.data[0].y
    ('GSOMIA',)
    """
    last = _until(spans, until)
    top = max((s.weight for s in spans), default=1.0) or 1.0
    fig = go.Figure()
    for s in spans:
        end = s.end or last
        ms = ((end - s.start).days + 1) * 86_400_000
        hover = (
            f"<b>{s.instrument}</b>: {s.state}<br>{s.start} to {s.end or 'open'}<br>"
            f"friction {s.weight:g}<br>{s.citation.reference}"
        )
        fig.add_trace(
            go.Bar(
                base=[s.start.isoformat()],
                x=[ms],
                y=[s.instrument],
                orientation="h",
                marker={"color": [s.weight], "colorscale": _SCALE, "cmin": 0, "cmax": top},
                text=[s.state],
                textposition="inside",
                hovertext=[hover],
                hoverinfo="text",
                showlegend=False,
                name=s.state,
            )
        )
    fig.update_layout(
        title=title,
        template="plotly_white",
        barmode="overlay",
        height=120 + 40 * len(_lanes(spans)),
        xaxis={"type": "date"},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": _lanes(spans)},
    )
    return fig


def render_timeline(
    spans: Sequence[Span],
    fmt: str,
    *,
    title: str = "",
    until: date | None = None,
    labels: Mapping[str, str] | None = None,
) -> bytes:
    """Render the timeline as self-contained HTML (Plotly) or PNG (matplotlib).

    The PNG names instruments and states by ``labels`` (ids to words), else by
    :func:`~brinkwatch.report.labels.human_label`.

    Raises
    ------
    ConfigError
        For a format other than ``html`` or ``png``.
    """
    if fmt == "html":
        fig = timeline_figure(spans, title=title, until=until)
        html: str = fig.to_html(include_plotlyjs=True, full_html=True)
        return html.encode("utf-8")
    if fmt == "png":
        return _png(spans, title, _until(spans, until), labels or {})
    raise ConfigError(f"plots are written as .html or .png, not .{fmt}", field="fmt")


def _png(spans: Sequence[Span], title: str, last: date, names: Mapping[str, str]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    lanes = _lanes(spans)
    top = max((s.weight for s in spans), default=1.0) or 1.0
    cmap = plt.get_cmap(_SCALE)
    fig, ax = plt.subplots(figsize=(11, 1.2 + 0.5 * len(lanes)))
    for s in spans:
        y = lanes.index(s.instrument)
        x0 = mdates.date2num(s.start)  # type: ignore[no-untyped-call]
        width = mdates.date2num(s.end or last) + 1 - x0  # type: ignore[no-untyped-call]
        ax.broken_barh([(x0, width)], (y - 0.4, 0.8), facecolors=cmap(s.weight / top))
        if width > 60:
            label = human_label(s.state, names)
            ax.text(x0 + width / 2, y, label, ha="center", va="center", fontsize=7)
    ax.set_yticks(range(len(lanes)), [human_label(x, names) for x in lanes], fontsize=8)
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(title, fontsize=11)
    fig.colorbar(plt.cm.ScalarMappable(cmap=cmap, norm=Normalize(0, top)), ax=ax, label="friction")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
