"""Scores a backtest reports beside its baselines: Brier, log score, path log probability.

Log scores are natural logarithms (nats) of the probability given to what happened; higher is
better, 0 is perfect. A Monte Carlo share of ``k`` of ``n`` paths is smoothed before its
logarithm is taken: it is kept within ``[1/(n+1), n/(n+1)]``, so an outcome no path produced
costs ``ln(1/(n+1))`` (about -7.6 nats at 2,000 paths), large but finite. The persistence
baseline ("nothing changes": every machine stays in its start state, the index stays where it
stood) is a 0/1 forecast smoothed the same way, so it pays the same price when it is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from brinkwatch.errors import ScenarioError
from brinkwatch.simulate._scenario_types import Outcome, Scenario

__all__ = [
    "calibration_table",
    "log_score",
    "persistence_forecast",
    "smoothed",
    "verdict",
]


def smoothed(p: float, n_paths: int) -> float:
    """Keep a share of ``n_paths`` paths within ``[1/(n+1), n/(n+1)]``.

    Examples
    --------
    >>> smoothed(0.0, 3), smoothed(1.0, 3), smoothed(0.5, 3)
    (0.25, 0.75, 0.5)
    """
    floor = 1.0 / (n_paths + 1)
    return min(max(p, floor), 1.0 - floor)


def log_score(p: float, observed: bool, n_paths: int) -> float:
    """Natural log of the (smoothed) probability a forecast ``p`` gave to what happened.

    Examples
    --------
    >>> round(log_score(0.0, False, 3), 4), round(log_score(0.0, True, 3), 4)
    (-0.2877, -1.3863)
    """
    q = smoothed(p, n_paths)
    return math.log(q if observed else 1.0 - q)


def persistence_forecast(
    scenario: Scenario, outcome: Outcome, index_now: float, index_level: float
) -> float:
    """Whether ``outcome`` holds if nothing changes: 1.0 or 0.0, before smoothing.

    A state outcome holds when its machine's start state is one of its states; the index is
    regained when its rolling net cooperation on the start day (``index_now``) already stands
    at or above the pre-crisis ``index_level``.
    """
    if outcome.kind == "index_regained":
        return float(index_now >= index_level)
    if outcome.machine is None:
        raise ScenarioError(f"outcome '{outcome.name}' names no machine", path=scenario.source)
    return float(scenario.machine(outcome.machine).initial in outcome.states)


def calibration_table(rows: Sequence[tuple[float, bool]], bins: int = 5) -> pa.Table:
    """Pool (forecast, observed) pairs into equal-width bins of forecast probability.

    Columns: ``bin`` (e.g. ``0.2-0.4``; the last bin includes 1.0), ``count``,
    ``mean_forecast`` and ``observed_frequency`` (null in an empty bin). A calibrated forecast
    has observed frequencies close to its mean forecasts.

    Examples
    --------
    >>> t = calibration_table([(0.1, False), (0.15, True), (0.9, True)], bins=2)
    >>> t.column("count").to_pylist(), t.column("observed_frequency").to_pylist()
    ([2, 1], [0.5, 1.0])
    """
    if bins < 1:
        raise ScenarioError(f"bins must be at least 1, got {bins}")
    p = np.array([r[0] for r in rows], dtype=float)
    y = np.array([float(r[1]) for r in rows], dtype=float)
    which = np.minimum((p * bins).astype(int), bins - 1) if len(p) else np.array([], dtype=int)
    out: dict[str, list[object]] = {
        "bin": [],
        "count": [],
        "mean_forecast": [],
        "observed_frequency": [],
    }
    for b in range(bins):
        sel = which == b
        k = int(sel.sum())
        out["bin"].append(f"{b / bins:.1f}-{(b + 1) / bins:.1f}")
        out["count"].append(k)
        out["mean_forecast"].append(round(float(p[sel].mean()), 4) if k else None)
        out["observed_frequency"].append(round(float(y[sel].mean()), 4) if k else None)
    return pa.table(out)


def _compare(what: str, model: float, base: float, label: str, lower_better: bool) -> str:
    beats = model < base if lower_better else model > base
    ties = math.isclose(model, base, abs_tol=5e-5)
    if ties:
        return f"{what} {model:.3f} vs {base:.3f}: the model ties with {label}"
    if beats:
        return f"{what} {model:.3f} vs {base:.3f}: the model beats {label}"
    return f"{what} {model:.3f} vs {base:.3f}: the model does not beat {label} (a loss)"


def verdict(brier: pa.Table, path_scores: pa.Table | None, variant: str = "actual") -> list[str]:
    """Say in sentences whether ``variant`` beats each baseline; losses are said as losses."""
    rows = brier.to_pylist()
    mean = next((r for r in rows if r["outcome"] == "mean"), None)
    lines = []
    bases = (("uninformed", "the uninformed 0.5"), ("persistence", "persistence"))
    if mean is not None:
        n = len(rows) - 1
        for score, lower in (("brier", True), ("log", False)):
            for base, label in bases:
                what = f"Mean {'Brier' if score == 'brier' else 'log score'} over {n} outcomes"
                lines.append(
                    _compare(
                        what, mean[f"{score}_{variant}"], mean[f"{score}_{base}"], label, lower
                    )
                    + "."
                )
    if path_scores is not None and f"log_p_path_{variant}" in path_scores.column_names:
        joint = path_scores.to_pylist()[-1]
        for base, label in (("persistence", "persistence"), ("uniform", "uniform chance")):
            lines.append(
                _compare(
                    "Log probability of the observed path",
                    joint[f"log_p_path_{variant}"],
                    joint[f"log_p_path_{base}"],
                    label,
                    False,
                )
                + "."
            )
    return lines
