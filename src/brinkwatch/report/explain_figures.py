"""Figures of the explain stage: the impulse-response grid (Plotly for HTML, matplotlib for PNG).

Functions take computed results and return a figure or bytes; they compute nothing.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from brinkwatch.errors import ConfigError
from brinkwatch.report.figures import SUBPLOT_TITLE_PX, render

if TYPE_CHECKING:
    from brinkwatch.explain import ImpulseResponse

__all__ = ["irf_figure", "render_irf"]

_LINE = "#1f4e79"
_BAND = "rgba(31, 78, 121, 0.18)"


def _title(irf: ImpulseResponse, title: str) -> str:
    kind = "generalised" if irf.kind == "generalized" else "orthogonalised (Cholesky)"
    band = (
        f", {100 * (1 - irf.alpha):.0f}% bootstrap interval ({irf.repl} draws, seed {irf.seed})"
        if irf.lower is not None
        else ""
    )
    return title or f"Responses to one-s.d. surprises: {kind}{band}"


def _band(h: list[int], upper: list[float], lower: list[float]) -> go.Scatter:
    """Draw the interval as one filled area: up the upper bound, back down the lower one."""
    return go.Scatter(
        x=h + h[::-1],
        y=upper + lower[::-1],
        fill="toself",
        fillcolor=_BAND,
        # Lines, not Plotly's default markers: a band is an area, and markers cycled the
        # default colours over it.
        mode="lines",
        line={"width": 0, "color": _BAND},
        name="interval",
        hoverinfo="skip",
        showlegend=False,
    )


def irf_figure(irf: ImpulseResponse, *, title: str = "") -> go.Figure:
    """Grid of impulse responses: row = responding series, column = series surprised.

    Parameters
    ----------
    irf
        Result of :meth:`brinkwatch.explain.TriadVAR.irf`.
    title
        Figure title; by default it names the kind of response and the interval.

    Examples
    --------
    >>> import numpy as np
    >>> from brinkwatch.explain import TriadVAR, simulate_var
    >>> y = simulate_var([[[0.5, 0.0], [0.3, 0.2]]], np.eye(2), 200, seed=0)
    >>> m = TriadVAR(lags=1).fit(y, names=["A->B", "B->A"])
    >>> fig = irf_figure(m.irf(4, repl=20, seed=0))
    >>> len(fig.data)  # a band and a line per panel
    8
    """
    names = list(irf.names)
    k = len(names)
    if k == 0:
        raise ConfigError("nothing to plot: the model has no series")
    h = list(range(irf.steps + 1))
    fig = make_subplots(
        rows=k,
        cols=k,
        shared_xaxes=True,
        subplot_titles=[f"{names[j]} → {names[i]}" for i in range(k) for j in range(k)],
        horizontal_spacing=0.03,
        vertical_spacing=0.05,
    )
    for i in range(k):
        for j in range(k):
            if irf.lower is not None and irf.upper is not None:
                band = _band(h, list(irf.upper[:, i, j]), list(irf.lower[:, i, j]))
                fig.add_trace(band, row=i + 1, col=j + 1)
            fig.add_trace(
                go.Scatter(
                    x=h,
                    y=list(irf.values[:, i, j]),
                    mode="lines+markers",
                    line={"color": _LINE, "width": 1.5},
                    marker={"size": 3},
                    name=f"{names[j]} → {names[i]}",
                    showlegend=False,
                    hovertemplate=(
                        f"{names[i]} after %{{x}} {irf.unit}(s): %{{y:.3g}}<extra></extra>"
                    ),
                ),
                row=i + 1,
                col=j + 1,
            )
            fig.add_hline(y=0, line={"color": "#999", "width": 0.6}, row=i + 1, col=j + 1)
    fig.update_annotations(font_size=SUBPLOT_TITLE_PX)
    fig.update_layout(
        title=_title(irf, title),
        template="plotly_white",
        height=200 * k + 120,
        width=230 * k + 120,
        margin={"l": 70, "r": 20, "t": 100, "b": 60},
    )
    fig.update_xaxes(title_text=f"{irf.unit}s after the surprise", row=k)
    for i in range(k):
        # The response is in the responding series' own units (its measure per period).
        fig.update_yaxes(title_text=f"response of {names[i]}", row=i + 1, col=1)
    return fig


def render_irf(irf: ImpulseResponse, fmt: str, *, title: str = "") -> bytes:
    """Render the impulse-response grid as self-contained HTML or as PNG (matplotlib, no browser).

    Raises
    ------
    ConfigError
        If ``fmt`` is neither ``html`` nor ``png``.
    """
    if fmt == "html":
        return render(irf_figure(irf, title=title), "html")
    if fmt != "png":
        raise ConfigError(f"plots are written as .html or .png, not .{fmt}", field="fmt")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(irf.names)
    k = len(names)
    if k == 0:
        raise ConfigError("nothing to plot: the model has no series")
    h = list(range(irf.steps + 1))
    mfig, axes = plt.subplots(
        k, k, figsize=(2.2 * k + 1, 1.8 * k + 1), squeeze=False, sharex=True, sharey="row"
    )
    for i in range(k):
        for j in range(k):
            ax = axes[i][j]
            if irf.lower is not None and irf.upper is not None:
                ax.fill_between(h, irf.lower[:, i, j], irf.upper[:, i, j], color=_LINE, alpha=0.18)
            ax.plot(h, irf.values[:, i, j], color=_LINE, linewidth=1.2, marker=".", markersize=3)
            ax.axhline(0, color="#999", linewidth=0.6)
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(f"shock: {names[j]}", fontsize=8)
            if j == 0:
                ax.set_ylabel(names[i], fontsize=8)
            if i == k - 1:
                ax.set_xlabel(f"{irf.unit}s", fontsize=7)
    mfig.suptitle(_title(irf, title), fontsize=10)
    mfig.tight_layout()
    buf = io.BytesIO()
    mfig.savefig(buf, format="png", dpi=100)
    plt.close(mfig)
    return buf.getvalue()
