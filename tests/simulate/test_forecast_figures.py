"""Fan charts of forecasts: daily and cumulative views, PNG and HTML."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from brinkwatch.errors import ConfigError
from brinkwatch.report.forecast_figures import (
    forecast_figure,
    is_sparse,
    render_forecast,
)
from brinkwatch.simulate import HawkesModel, Streams


def _model(rate: float) -> tuple[HawkesModel, Streams]:
    m = HawkesModel.from_params(
        [rate, rate], [[0.2, 0.1], [0.1, 0.2]], half_life=2.0,
        names=["A->B coop", "A->B conflict"], end=date(2019, 6, 30),
    )  # fmt: skip
    obs = Streams(
        m.simulate(90, 1, seed=0, start=m.stationary_mean_)[0],
        m.names_,
        date(2019, 6, 30) - timedelta(days=59),
    )
    return m, obs


def test_daily_fan_has_bands_expected_and_observed_traces() -> None:
    m, obs = _model(5.0)
    fc = m.forecast(14, 400, seed=1)
    assert not is_sparse(fc)
    fig = forecast_figure(fc, obs, title="t")
    names = [t.name for t in fig.data]
    # Per stream: two bands (2 traces each), the expected line and the observations.
    assert len(fig.data) == 2 * (2 * 2 + 1 + 1)
    assert {"5%-95%", "25%-75%", "expected", "observed"} <= set(names)
    observed = next(t for t in fig.data if t.name == "observed")
    # The daily view shows 56 days of observations before the first forecast day.
    assert min(observed.x) == date(2019, 7, 1) - timedelta(days=56)


def test_cumulative_fan_grows_and_sparse_forecasts_are_detected() -> None:
    m, obs = _model(0.05)
    fc = m.forecast(28, 1000, seed=2)
    assert is_sparse(fc)
    assert np.all(np.diff(fc.cum_bands, axis=1) >= 0)
    np.testing.assert_allclose(fc.cum_bands[:, -1], fc.total_bands)
    fig = forecast_figure(fc, obs, cumulative=True)
    expected = next(t for t in fig.data if t.name == "expected")
    assert expected.y[-1] == pytest.approx(fc.total_mean[0])
    png = render_forecast(fc, obs, "png", cumulative=True, title="sparse")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    html = render_forecast(fc, obs, "html").decode()
    assert "plotly" in html.lower()
    with pytest.raises(ConfigError, match=r"as \.html or \.png"):
        render_forecast(fc, obs, "svg")
