"""Results to figures and to the forwardable HTML brief; no computation here.

The brief lives in :mod:`brinkwatch.report.brief` (``gather_brief``, ``render_brief``) and the
figures of later stages in ``explain_figures``, ``forecast_figures`` and ``scenario_figures``;
they are imported from there so that importing this package stays light.
"""

from brinkwatch.report._bottom_line import lever_sentence
from brinkwatch.report.figures import (
    coverage_strip,
    index_figure,
    quad_figure,
    render,
    triad_figure,
)
from brinkwatch.report.labels import labels_for

__all__ = [
    "coverage_strip",
    "index_figure",
    "labels_for",
    "lever_sentence",
    "quad_figure",
    "render",
    "triad_figure",
]
