"""Figures of scenario runs: agreement states over time, index fan charts, lever comparison.

They take the tables of :mod:`brinkwatch.simulate.montecarlo` (state, fan and comparison
tables) and draw; no computation beyond picking rows.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import pyarrow as pa
from plotly.subplots import make_subplots

from brinkwatch.errors import ConfigError
from brinkwatch.report.figures import SUBPLOT_TITLE_PX
from brinkwatch.report.labels import human_label

if TYPE_CHECKING:
    from brinkwatch.simulate import VariantRuns

__all__ = ["figure_inputs", "render_scenario", "scenario_figure", "scenario_labels"]

_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f"]


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def figure_inputs(runs: VariantRuns) -> dict[str, Any]:
    """Return the arguments of :func:`scenario_figure` and :func:`render_scenario` for a run.

    Parameters
    ----------
    runs
        From :func:`~brinkwatch.simulate.run_variants`.
    """
    return {
        "states": runs.states,
        "fans": runs.fans,
        "comparison": runs.comparison,
        "machine_states": runs.machine_states,
        "index_level": runs.index_level,
        "title": f"{runs.scenario.title} ({runs.n_paths:,} paths, seed {runs.seed})",
        "labels": scenario_labels(runs),
    }


def scenario_labels(runs: VariantRuns) -> dict[str, str]:
    """Return a reader's title for each outcome, lever and variant id of a run.

    Variants named after one lever take its title; ``none`` and ``actual`` read as what
    they are. Machines and states have no titles in a scenario file; they go through
    :func:`~brinkwatch.report.labels.human_label`.
    """
    sc = runs.scenario
    out = {"none": "no lever", "actual": "as it happened"}
    out |= {o.name: o.title for o in sc.outcomes if o.title}
    out |= {lv.name: lv.title for lv in sc.levers if lv.title}
    return out


def scenario_figure(
    states: Mapping[str, pa.Table],
    fans: Mapping[str, pa.Table],
    comparison: pa.Table,
    *,
    machine_states: Sequence[tuple[str, str]],
    index_level: float,
    title: str = "",
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Three panels: state probabilities, the index fan chart, and lever effects with intervals.

    Parameters
    ----------
    states
        Variant -> :func:`~brinkwatch.simulate.state_table` of its run.
    fans
        Variant -> :func:`~brinkwatch.simulate.fan_table` of the index.
    comparison
        :func:`~brinkwatch.simulate.compare_levers` output.
    machine_states
        (machine, state) pairs to plot over time, e.g. ``[("GSOMIA", "terminated")]``.
    index_level
        The pre-crisis level of the index (a dashed line).
    labels
        Titles of outcome, lever and variant ids (:func:`scenario_labels`); ids without
        one are shown in words (:func:`~brinkwatch.report.labels.human_label`).
    """
    names = dict(labels or {})
    fig = make_subplots(
        rows=3,
        cols=1,
        vertical_spacing=0.09,
        subplot_titles=(
            "Probability of agreement and measure states",
            "Net cooperation of the pair (rolling window): median and 50%/90% bands",
            "Effect of each lever against no lever (difference in probability, 95% interval)",
        ),
    )
    _state_panel(fig, states, machine_states, names)
    _fan_panel(fig, fans, index_level, names)
    _lever_panel(fig, comparison, names)
    fig.update_layout(
        title=title,
        template="plotly_white",
        height=1100,
        barmode="group",
        legend={"font": {"size": 11}},
    )
    fig.update_annotations(font_size=SUBPLOT_TITLE_PX)
    fig.update_yaxes(title_text="probability", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text="net cooperation (rolling, events)", row=2, col=1)
    fig.update_yaxes(title_text="difference in probability", row=3, col=1)
    fig.update_xaxes(title_text="date", row=1, col=1)
    fig.update_xaxes(title_text="week", row=2, col=1)
    fig.update_xaxes(title_text="outcome", row=3, col=1)
    return fig


def _state_panel(
    fig: go.Figure,
    states: Mapping[str, pa.Table],
    machine_states: Sequence[tuple[str, str]],
    names: Mapping[str, str],
) -> None:
    """Top panel: each machine state's probability over time, one dash style per variant."""
    for vi, (variant, table) in enumerate(states.items()):
        rows = table.to_pylist()
        dash = "solid" if vi == 0 else ("dash" if vi == 1 else "dot")
        for ci, (machine, st) in enumerate(machine_states):
            pts = [r for r in rows if r["machine"] == machine and r["state"] == st]
            fig.add_trace(
                go.Scatter(
                    x=[r["date"] for r in pts],
                    y=[r["probability"] for r in pts],
                    name=f"{human_label(machine)} {human_label(st)} "
                    f"({human_label(variant, names)})",
                    line={"color": _COLOURS[ci % len(_COLOURS)], "dash": dash},
                    legendgroup=variant,
                ),
                row=1,
                col=1,
            )


def _fan_panel(
    fig: go.Figure, fans: Mapping[str, pa.Table], index_level: float, names: Mapping[str, str]
) -> None:
    """Middle panel: the index's median and 50%/90% bands per variant, and the pre-crisis level."""
    for vi, (variant, fan) in enumerate(fans.items()):
        colour = _COLOURS[vi % len(_COLOURS)]
        d = fan.to_pydict()
        for lo, hi, alpha in (("q05", "q95", 0.12), ("q25", "q75", 0.25)):
            fig.add_trace(
                go.Scatter(
                    x=d["week"] + d["week"][::-1],
                    y=list(d[hi]) + list(d[lo])[::-1],
                    fill="toself",
                    fillcolor=_rgba(colour, alpha),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                ),
                row=2,
                col=1,
            )
        fig.add_trace(
            go.Scatter(
                x=d["week"],
                y=d["q50"],
                name=f"index median ({human_label(variant, names)})",
                line={"color": colour},
            ),
            row=2,
            col=1,
        )
    weeks = next(iter(fans.values())).column("week").to_pylist() if fans else []
    if weeks:
        fig.add_trace(
            go.Scatter(
                x=[weeks[0], weeks[-1]],
                y=[index_level, index_level],
                name="pre-crisis level",
                line={"color": "#555", "dash": "dash"},
            ),
            row=2,
            col=1,
        )


def _lever_panel(fig: go.Figure, comparison: pa.Table, names: Mapping[str, str]) -> None:
    """Bottom panel: each lever's effect against no lever, with its 95% interval."""
    cmp_rows = [r for r in comparison.to_pylist() if r["variant"] != "none"]
    variants = list(dict.fromkeys(r["variant"] for r in cmp_rows))
    for vi, variant in enumerate(variants):
        pts = [r for r in cmp_rows if r["variant"] == variant]
        fig.add_trace(
            go.Bar(
                x=[human_label(r["outcome"], names) for r in pts],
                y=[r["difference"] for r in pts],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [r["diff_high"] - r["difference"] for r in pts],
                    "arrayminus": [r["difference"] - r["diff_low"] for r in pts],
                },
                name=human_label(variant, names),
                marker_color=_COLOURS[vi % len(_COLOURS)],
            ),
            row=3,
            col=1,
        )


def _png(
    states: Mapping[str, pa.Table],
    fans: Mapping[str, pa.Table],
    comparison: pa.Table,
    machine_states: Sequence[tuple[str, str]],
    index_level: float,
    title: str,
    names: Mapping[str, str],
) -> bytes:
    """Draw the three panels with matplotlib, every id in words as in :func:`scenario_figure`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(10, 11))
    for vi, (variant, table) in enumerate(states.items()):
        rows = table.to_pylist()
        for ci, (machine, st) in enumerate(machine_states):
            pts = [r for r in rows if r["machine"] == machine and r["state"] == st]
            axes[0].plot(
                [r["date"] for r in pts],
                [r["probability"] for r in pts],
                color=_COLOURS[ci % len(_COLOURS)],
                linestyle=["-", "--", ":"][min(vi, 2)],
                label=f"{human_label(machine, names)} {human_label(st, names)} "
                f"({human_label(variant, names)})",
                linewidth=1.2,
            )
    axes[0].set_ylim(0, 1)
    axes[0].set_title("Probability of agreement and measure states", fontsize=10)
    axes[0].legend(fontsize=7, ncol=2)
    for vi, (variant, fan) in enumerate(fans.items()):
        d = fan.to_pydict()
        c = _COLOURS[vi % len(_COLOURS)]
        axes[1].fill_between(d["week"], d["q05"], d["q95"], color=c, alpha=0.12)
        axes[1].fill_between(d["week"], d["q25"], d["q75"], color=c, alpha=0.25)
        axes[1].plot(d["week"], d["q50"], color=c, label=f"median ({human_label(variant, names)})")
    axes[1].axhline(index_level, color="#555", linestyle="--", label="pre-crisis level")
    axes[1].set_title("Net cooperation of the pair: median, 50% and 90% bands", fontsize=10)
    axes[1].legend(fontsize=7)
    cmp_rows = [r for r in comparison.to_pylist() if r["variant"] != "none"]
    outcomes = list(dict.fromkeys(r["outcome"] for r in cmp_rows))
    variants = list(dict.fromkeys(r["variant"] for r in cmp_rows))
    width = 0.8 / max(1, len(variants))
    for vi, variant in enumerate(variants):
        by_o = {r["outcome"]: r for r in cmp_rows if r["variant"] == variant}
        xs = [i + vi * width for i in range(len(outcomes))]
        ys = [by_o[o]["difference"] for o in outcomes]
        err = [
            [by_o[o]["difference"] - by_o[o]["diff_low"] for o in outcomes],
            [by_o[o]["diff_high"] - by_o[o]["difference"] for o in outcomes],
        ]
        axes[2].bar(xs, ys, width=width, yerr=err, label=human_label(variant, names),
                    color=_COLOURS[vi % len(_COLOURS)])  # fmt: skip
    axes[2].set_xticks([i + 0.4 - width / 2 for i in range(len(outcomes))])
    ticks = [human_label(o, names) for o in outcomes]
    axes[2].set_xticklabels(ticks, rotation=25, ha="right", fontsize=7)
    axes[2].axhline(0, color="#999", linewidth=0.6)
    axes[2].set_title("Effect of each lever against none (95% interval)", fontsize=10)
    axes[2].legend(fontsize=7, ncol=2)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def render_scenario(fmt: str, **kwargs: Any) -> bytes:
    """Render :func:`scenario_figure` as self-contained HTML or as PNG (matplotlib).

    Both show the ``labels`` given (outcome, lever, variant, machine and state ids to words);
    ids without one read through :func:`~brinkwatch.report.labels.human_label`.
    """
    if fmt == "html":
        html: str = scenario_figure(**kwargs).to_html(include_plotlyjs=True, full_html=True)
        return html.encode("utf-8")
    if fmt == "png":
        return _png(
            kwargs["states"],
            kwargs["fans"],
            kwargs["comparison"],
            kwargs["machine_states"],
            kwargs["index_level"],
            kwargs.get("title", ""),
            kwargs.get("labels") or {},
        )
    raise ConfigError(f"plots are written as .html or .png, not .{fmt}", field="fmt")
