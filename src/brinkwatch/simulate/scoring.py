"""Rolling-origin evaluation of weekly forecasts against persistence and the trailing mean.

At each origin (every ``period`` days through the evaluation window) three methods forecast the
count of every stream over the next ``period`` days, knowing only the data before the origin:

- ``model``: the fitted :class:`~brinkwatch.simulate.HawkesModel`, brought up to date with the
  observed counts before the origin; its point forecast is the exact expected count, its
  predictive distribution a negative binomial with the mean and variance of simulated paths
  (Poisson when they are not overdispersed).
- ``persistence``: next period = this period (the last ``period`` days), as a Poisson.
- ``trailing_mean``: the mean of the last ``trailing`` periods, as a negative binomial with
  their mean and variance (Poisson when not overdispersed).

Scores per stream: mean absolute error of the point forecast and mean log predictive score
(log probability of the observed count; higher is better). A predictive mean below
:data:`MIN_MEAN` is raised to it, so that a forecast of exactly zero followed by an event costs a
large but finite penalty. The model is fitted once on the data before the window, or refitted
every ``refit_every`` origins on all data before that origin (expanding window).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
from scipy.stats import nbinom, poisson

from brinkwatch.errors import ConfigError, InsufficientDataError
from brinkwatch.simulate._streams import Streams
from brinkwatch.simulate.hawkes import HawkesModel, Seed, _rngs

__all__ = ["METHODS", "MIN_MEAN", "Evaluation", "evaluate", "predictive_log_score"]

#: The methods compared, the model first.
METHODS = ("model", "persistence", "trailing_mean")
#: Smallest predictive mean (events per period) used in log scores.
MIN_MEAN = 0.05


def predictive_log_score(y: np.ndarray, mean: np.ndarray, var: np.ndarray | None) -> np.ndarray:
    """Return the log probability of counts ``y`` under a predictive distribution.

    The distribution is a Poisson with mean ``mean`` when ``var`` is None or not above the mean,
    otherwise a negative binomial with that mean and variance.

    Examples
    --------
    >>> float(predictive_log_score(np.array([0]), np.array([1.0]), None)[0])
    -1.0
    """
    m = np.maximum(np.asarray(mean, dtype=np.float64), MIN_MEAN)
    y = np.asarray(y)
    pois = np.asarray(poisson.logpmf(y, m), dtype=np.float64)
    if var is None:
        return pois
    v = np.asarray(var, dtype=np.float64)
    over = v > m * (1.0 + 1e-9)
    r = np.where(over, m**2 / np.where(over, v - m, 1.0), 1.0)
    nb = np.asarray(nbinom.logpmf(y, r, r / (r + m)), dtype=np.float64)
    return np.where(over, nb, pois)


@dataclass(frozen=True)
class Evaluation:
    """Scores of a rolling-origin evaluation.

    Attributes
    ----------
    names
        Stream names.
    origins
        First day of each forecast period.
    period
        Days per forecast (7: weekly counts).
    observed
        Array (origins, streams): observed counts per period.
    point
        Method -> array (origins, streams) of point forecasts.
    log_score
        Method -> array (origins, streams) of log predictive scores.
    model
        The (last) fitted model.
    """

    names: tuple[str, ...]
    origins: tuple[date, ...]
    period: int
    observed: np.ndarray
    point: dict[str, np.ndarray]
    log_score: dict[str, np.ndarray]
    model: HawkesModel

    def mae(self, method: str) -> np.ndarray:
        """Mean absolute error per stream."""
        return np.asarray(np.abs(self.point[method] - self.observed).mean(axis=0))

    def table(self) -> pa.Table:
        """One row per stream and a last row ``all streams``.

        Columns: ``stream``, ``periods``, ``observed_mean``; ``mae_<method>`` and
        ``log_score_<method>`` for each of :data:`METHODS`; ``mae_ratio_persistence`` and
        ``mae_ratio_trailing_mean`` (model / baseline, below 1 is better; null where the baseline's
        MAE is 0); ``log_gain_persistence``
        and ``log_gain_trailing_mean`` (model - baseline per period, above 0 is better). The
        ``all streams`` row averages MAE over streams and sums log scores over streams (the joint
        score of a period, streams taken as independent).
        """
        n = len(self.names)
        cols: dict[str, list[object]] = {
            "stream": [*self.names, "all streams"],
            "periods": [len(self.origins)] * (n + 1),
            "observed_mean": [*self.observed.mean(axis=0).tolist(), float(self.observed.mean())],
        }
        mae = {m: self.mae(m) for m in METHODS}
        logs = {m: self.log_score[m].mean(axis=0) for m in METHODS}
        for m in METHODS:
            cols[f"mae_{m}"] = [*mae[m].tolist(), float(mae[m].mean())]
        for m in METHODS:
            cols[f"log_score_{m}"] = [*logs[m].tolist(), float(logs[m].sum())]
        for b in METHODS[1:]:
            cols[f"mae_ratio_{b}"] = [
                *_ratio(mae["model"], mae[b]),
                *_ratio(np.array([mae["model"].mean()]), np.array([mae[b].mean()])),
            ]
            gain = logs["model"] - logs[b]
            cols[f"log_gain_{b}"] = [*gain.tolist(), float(gain.sum())]
        return pa.table(cols)

    def verdict(self) -> list[str]:
        """Say in plain sentences whether the model beats each baseline, on MAE and log score."""
        lines = []
        mae_m = float(self.mae("model").mean())
        log_m = float(self.log_score["model"].mean(axis=0).sum())
        for b, label in (("persistence", "persistence"), ("trailing_mean", "the trailing mean")):
            mae_b = float(self.mae(b).mean())
            ratio = mae_m / mae_b if mae_b > 0 else float("inf") if mae_m > 0 else 1.0
            # A baseline that is exactly right everywhere cannot be beaten, only matched.
            gain = log_m - float(self.log_score[b].mean(axis=0).sum())
            worse = int(np.sum(self.mae("model") > self.mae(b)))
            on_mae = (
                f"beats {label} on weekly MAE (ratio {ratio:.2f})"
                if ratio < 1.0
                else f"does NOT beat {label} on weekly MAE (ratio {ratio:.2f})"
            )
            on_log = (
                f"beats it on log score (+{gain:.2f} nats per period, all streams)"
                if gain > 0
                else f"does NOT beat it on log score ({gain:.2f} nats per period, all streams)"
            )
            lines.append(
                f"The model {on_mae} and {on_log}; it has the larger MAE on {worse} of "
                f"{len(self.names)} streams."
            )
        return lines


def _ratio(a: np.ndarray, b: np.ndarray) -> list[float | None]:
    # Undefined (None) where the baseline is exactly right: a stream with no events at all.
    return [float(x) / float(y) if y > 0 else None for x, y in zip(a, b, strict=True)]


def _period_sums(counts: np.ndarray, starts: np.ndarray, period: int) -> np.ndarray:
    # Cumulative sums give every window's total without a loop over origins.
    c = np.vstack([np.zeros((1, counts.shape[1]), dtype=np.int64), np.cumsum(counts, axis=0)])
    return np.asarray(c[starts + period] - c[starts])


def evaluate(
    streams: Streams,
    start: date,
    end: date,
    *,
    model: HawkesModel | None = None,
    period: int = 7,
    trailing: int = 8,
    n_paths: int = 500,
    seed: Seed = 0,
    refit_every: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Rolling-origin evaluation of the model and two baselines over ``start`` .. ``end``.

    Parameters
    ----------
    streams
        Observed counts, from the first training day to at least ``start + period - 1``.
    start, end
        The evaluation window: origins are ``start``, ``start + period``, ... as long as the
        whole period lies in the window and the data.
    model
        An unfitted model to clone and fit (default :class:`HawkesModel()`).
    period
        Days per forecast.
    trailing
        Periods averaged by the trailing mean.
    n_paths
        Simulated paths per origin for the model's predictive variance.
    seed
        Seed of the simulations.
    refit_every
        Refit every this many origins on all data before that origin; None fits once.
    progress
        Called with (fits done, fits to do).

    Returns
    -------
    Evaluation

    Raises
    ------
    ConfigError
        If the window holds no whole period.
    InsufficientDataError
        If there are fewer than ``trailing`` periods of data before ``start``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> s = Streams(rng.poisson(3.0, (400, 2)), ("a", "b"), date(2020, 1, 1))
    >>> ev = evaluate(s, date(2020, 10, 1), date(2020, 12, 31), model=HawkesModel(half_life=2.0))
    >>> len(ev.origins), ev.table().column("stream").to_pylist()[-1]
    (13, 'all streams')
    """
    if period < 1 or trailing < 1:
        raise ConfigError(f"period and trailing must be >= 1, got {period}, {trailing}")
    template = model.clone() if model is not None else HawkesModel()
    last = min(end, streams.end)
    origins: list[date] = []
    o = start
    while o + timedelta(days=period - 1) <= last:
        origins.append(o)
        o += timedelta(days=period)
    if not origins:
        raise ConfigError(
            f"the evaluation window {start}..{end} (data to {streams.end}) holds no whole period "
            f"of {period} days",
            field="--to",
        )
    before = (start - streams.start).days
    if before < trailing * period:
        raise InsufficientDataError(
            f"the data start {streams.start}, {before} days before {start}; the baselines need "
            f"{trailing * period} days ({trailing} periods) and the model more: move --from later"
        )
    counts = streams.counts
    idx = np.array([(x - streams.start).days for x in origins])
    observed = _period_sums(counts, idx, period)
    persistence = _period_sums(counts, idx - period, period).astype(np.float64)
    past = np.stack(
        [_period_sums(counts, idx - k * period, period) for k in range(1, trailing + 1)]
    ).astype(np.float64)
    t_mean, t_var = past.mean(axis=0), past.var(axis=0, ddof=1) if trailing > 1 else None

    k_all = len(origins)
    groups = (
        [list(range(k_all))]
        if refit_every is None
        else [list(range(g, min(g + refit_every, k_all))) for g in range(0, k_all, refit_every)]
    )
    m_mean = np.empty(observed.shape)
    m_var = np.empty(observed.shape)
    children = _rngs(seed, len(groups))
    fitted = template
    for g, (members, rng) in enumerate(zip(groups, children, strict=True)):
        first = origins[members[0]]
        train = streams.window(None, first - timedelta(days=1))
        with warnings.catch_warnings():
            # One warning per evaluation is enough; refits on growing data repeat it.
            if g > 0:
                warnings.simplefilter("ignore")
            fitted = template.clone().fit(train)
        mem = fitted.memories(streams.window(train.start, None))
        states = mem[idx[members]]
        m_mean[members] = fitted.expected(period, states).sum(axis=1)
        sims = fitted.simulate(
            period, len(members) * n_paths, rng, start=np.repeat(states, n_paths, axis=0)
        )
        sums = sims.sum(axis=1, dtype=np.int64).reshape(len(members), n_paths, -1)
        m_var[members] = sums.var(axis=1, ddof=1)
        if progress is not None:
            progress(g + 1, len(groups))
    point = {"model": m_mean, "persistence": persistence, "trailing_mean": t_mean}
    logs = {
        "model": predictive_log_score(observed, m_mean, m_var),
        "persistence": predictive_log_score(observed, persistence, None),
        "trailing_mean": predictive_log_score(observed, t_mean, t_var),
    }
    return Evaluation(
        names=streams.names,
        origins=tuple(origins),
        period=period,
        observed=observed,
        point=point,
        log_score=logs,
        model=fitted,
    )
