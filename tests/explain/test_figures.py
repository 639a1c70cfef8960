"""The impulse-response grid as HTML and PNG."""

from __future__ import annotations

import numpy as np
import pytest

from brinkwatch.errors import ConfigError
from brinkwatch.explain import TriadVAR, simulate_var
from brinkwatch.report.explain_figures import irf_figure, render_irf
from tests.explain.test_synthetic import A3, S3


def test_grid_has_a_band_and_a_line_per_panel_and_renders() -> None:
    m = TriadVAR(lags=2).fit(simulate_var(A3, S3, 200, seed=0), names=["A->B", "B->A", "A->C"])
    irf = m.irf(6, repl=50, seed=3)
    fig = irf_figure(irf)
    assert len(fig.data) == 2 * 9
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:3] == ["A->B → A->B", "B->A → A->B", "A->C → A->B"]
    line = fig.data[3]  # panel (0, 1): response of A->B to B->A
    assert np.allclose(line.y, irf.values[:, 0, 1])
    band = fig.data[2]
    assert band.fill == "toself" and np.allclose(band.y[:7], irf.upper[:, 0, 1])  # type: ignore[index]
    assert "seed 3" in fig.layout.title.text
    html = render_irf(irf, "html").decode()
    assert "<html>" in html[:100] and "seed 3" in html and "toself" in html
    png = render_irf(irf, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    no_band = irf_figure(m.irf(6, repl=0))
    assert len(no_band.data) == 9
    with pytest.raises(ConfigError, match=r"\.html or \.png"):
        render_irf(irf, "svg")
