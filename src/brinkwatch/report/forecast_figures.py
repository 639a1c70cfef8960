"""Fan charts of event-stream forecasts: one panel per stream, with the observed counts.

Plotly for interactive HTML, matplotlib for PNG (drawn directly, so the shaded bands survive).
Functions take a computed :class:`~brinkwatch.simulate.Forecast` and observed
:class:`~brinkwatch.simulate.Streams`; they compute nothing and write no files.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    from brinkwatch.simulate import Forecast, Streams

__all__ = ["forecast_figure", "forecast_png", "is_sparse", "render_forecast"]

_BAND = "rgba(192, 57, 43, {a})"
_COOP_BAND = "rgba(41, 128, 185, {a})"


def _days(fc: Forecast) -> list[date] | list[int]:
    if fc.first_day is None:
        return list(range(1, fc.horizon + 1))
    return [fc.first_day + timedelta(days=d) for d in range(fc.horizon)]


def _bands(fc: Forecast) -> list[tuple[int, int, float]]:
    """Pairs of quantile indices (outer first) and their opacity."""
    qs = list(fc.quantiles)
    pairs = []
    lo, hi = 0, len(qs) - 1
    alpha = 0.18
    while lo < hi:
        pairs.append((lo, hi, alpha))
        lo, hi, alpha = lo + 1, hi - 1, alpha + 0.15
    return pairs


def _observed(
    obs: Streams | None, name: str, lo: date, hi: date, cumulative: bool, first: date | None
) -> tuple[list[date], list[int]]:
    if obs is None or name not in obs.names:
        return [], []
    j = obs.names.index(name)
    xs, ys = [], []
    total = 0
    for i, d in enumerate(obs.dates):
        if cumulative:
            # Only the forecast days, summed from the first one, like the fan.
            if first is not None and first <= d <= hi:
                total += int(obs.counts[i, j])
                xs.append(d)
                ys.append(total)
        elif lo <= d <= hi:
            xs.append(d)
            ys.append(int(obs.counts[i, j]))
    return xs, ys


def _series(fc: Forecast, cumulative: bool) -> tuple[np.ndarray, np.ndarray]:
    if cumulative:
        return np.cumsum(fc.mean, axis=0), fc.cum_bands
    return fc.mean, fc.bands


def is_sparse(fc: Forecast) -> bool:
    """Tell whether daily fans would be flat: every stream's upper daily quantile below 2."""
    return bool(fc.bands[-1].max() < 2.0)


def _window(fc: Forecast, history: int) -> tuple[date, date]:
    if fc.first_day is None:
        return date.min, date.max
    return fc.first_day - timedelta(days=history), fc.first_day + timedelta(days=fc.horizon - 1)


def forecast_figure(
    fc: Forecast,
    observed: Streams | None = None,
    *,
    history: int = 56,
    title: str = "",
    cumulative: bool = False,
) -> go.Figure:
    """Plot a fan chart per stream: quantile bands, the expected count, observed counts.

    Parameters
    ----------
    fc
        The forecast.
    observed
        Observed daily counts: the days before the forecast (context) and, when the data go on,
        the forecast days themselves (how it turned out).
    history
        Days of observations shown before the forecast (daily view only).
    title
        Figure title.
    cumulative
        Plot events from the first forecast day to each day instead of daily counts: the view
        for sparse streams, whose daily fans are flat at zero (see :func:`is_sparse`).

    Examples
    --------
    >>> from brinkwatch.simulate import HawkesModel
    >>> m = HawkesModel.from_params([1.0], [[0.3]], half_life=2.0, end=date(2019, 6, 30))
    >>> fig = forecast_figure(m.forecast(7, n_paths=50, seed=0), title="demo")
    >>> fig.layout.title.text
    'demo'
    """
    if not fc.names:
        raise ConfigError("nothing to plot: the forecast has no streams")
    cols = 2
    nrows = (len(fc.names) + cols - 1) // cols
    fig = make_subplots(
        rows=nrows, cols=cols, subplot_titles=list(fc.names), shared_xaxes=True,
        vertical_spacing=min(0.08, 0.5 / max(nrows, 1)),
    )  # fmt: skip
    xs = _days(fc)
    lo, hi = _window(fc, history)
    mean, bands = _series(fc, cumulative)
    for j, name in enumerate(fc.names):
        row, col = j // cols + 1, j % cols + 1
        band = _COOP_BAND if "coop" in name else _BAND
        for a, b, alpha in _bands(fc):
            q_lo, q_hi = fc.quantiles[a], fc.quantiles[b]
            fig.add_trace(
                go.Scatter(x=xs, y=bands[b, :, j].tolist(), mode="lines",
                           line={"width": 0}, showlegend=False, hoverinfo="skip"),
                row=row, col=col,
            )  # fmt: skip
            fig.add_trace(
                go.Scatter(
                    x=xs, y=bands[a, :, j].tolist(), mode="lines", line={"width": 0},
                    fill="tonexty", fillcolor=band.format(a=round(alpha, 2)),
                    name=f"{q_lo:.0%}-{q_hi:.0%}", showlegend=j == 0,
                ),
                row=row, col=col,
            )  # fmt: skip
        fig.add_trace(
            go.Scatter(x=xs, y=mean[:, j].tolist(), mode="lines", name="expected",
                       line={"color": "#222", "width": 1.5}, showlegend=j == 0),
            row=row, col=col,
        )  # fmt: skip
        ox, oy = _observed(observed, name, lo, hi, cumulative, fc.first_day)
        if ox:
            fig.add_trace(
                go.Scatter(x=ox, y=oy, mode="markers", name="observed",
                           marker={"color": "#111", "size": 4}, showlegend=j == 0),
                row=row, col=col,
            )  # fmt: skip
    if fc.first_day is not None:
        fig.add_vline(x=fc.first_day, line={"dash": "dot", "color": "#777", "width": 1})
    fig.update_layout(
        title=title, template="plotly_white", height=max(320, 200 * nrows),
        legend={"orientation": "h", "y": -0.05},
    )  # fmt: skip
    return fig


def forecast_png(
    fc: Forecast,
    observed: Streams | None = None,
    *,
    history: int = 56,
    title: str = "",
    cumulative: bool = False,
) -> bytes:
    """Draw the fan chart of :func:`forecast_figure` as PNG bytes with matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(fc.names)
    if not n:
        raise ConfigError("nothing to plot: the forecast has no streams")
    cols = 2 if n > 1 else 1
    nrows = (n + cols - 1) // cols
    mfig, axes = plt.subplots(
        nrows, cols, figsize=(11, 2.2 * nrows + 0.8), squeeze=False, sharex=True
    )
    xs = _days(fc)
    lo, hi = _window(fc, history)
    mean, bands = _series(fc, cumulative)
    for j, name in enumerate(fc.names):
        ax = axes[j // cols][j % cols]
        colour = "#2980b9" if "coop" in name else "#c0392b"
        for a, b, alpha in _bands(fc):
            ax.fill_between(
                xs, bands[a, :, j], bands[b, :, j], color=colour, alpha=alpha, linewidth=0,
                label=f"{fc.quantiles[a]:.0%}-{fc.quantiles[b]:.0%}",
            )  # fmt: skip
        ax.plot(xs, mean[:, j], color="#222", linewidth=1.2, label="expected")
        ox, oy = _observed(observed, name, lo, hi, cumulative, fc.first_day)
        if ox:
            ax.plot(ox, oy, "o", color="#111", markersize=2.5, label="observed")
        if fc.first_day is not None:
            ax.axvline(fc.first_day, linestyle=":", color="#777", linewidth=0.9)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        top = max(1.0, float(bands[:, :, j].max()), float(max(oy, default=0)))
        ax.set_ylim(0, top * 1.08)
    for k in range(n, nrows * cols):
        axes[k // cols][k % cols].set_visible(False)
    axes[0][0].legend(fontsize=7, loc="upper left")
    mfig.suptitle(title, fontsize=11)
    mfig.autofmt_xdate()
    mfig.tight_layout()
    buf = io.BytesIO()
    mfig.savefig(buf, format="png", dpi=100)
    plt.close(mfig)
    return buf.getvalue()


def render_forecast(
    fc: Forecast,
    observed: Streams | None,
    fmt: str,
    *,
    history: int = 56,
    title: str = "",
    cumulative: bool = False,
) -> bytes:
    """Render the fan chart as self-contained HTML or PNG bytes.

    Raises
    ------
    ConfigError
        If ``fmt`` is neither ``html`` nor ``png``.
    """
    if fmt == "png":
        return forecast_png(fc, observed, history=history, title=title, cumulative=cumulative)
    if fmt == "html":
        fig = forecast_figure(fc, observed, history=history, title=title, cumulative=cumulative)
        html: str = fig.to_html(include_plotlyjs=True, full_html=True)
        return html.encode("utf-8")
    raise ConfigError(f"plots are written as .html or .png, not .{fmt}", field="fmt")
