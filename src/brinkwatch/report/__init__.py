"""Results to figures and (later) the HTML brief; no computation here."""

from brinkwatch.report.figures import index_figure, render, triad_figure

__all__ = ["index_figure", "render", "triad_figure"]
