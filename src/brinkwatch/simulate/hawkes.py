"""A discrete-time multivariate Hawkes model of daily event counts: fit, simulate, forecast.

The model
---------
Counts ``N_i(t)`` of stream ``i`` on day ``t`` are Poisson (or negative binomial) with intensity

    lambda_i(t) = mu_i + sum_j alpha_ij m_j(t),
    m_j(t + 1)  = delta m_j(t) + (1 - delta) N_j(t),        delta = exp(-decay),

so ``m_j(t) = sum_{s < t} (1 - delta) delta**(t - 1 - s) N_j(s)`` is an exponentially decaying
memory of stream ``j``'s past counts whose kernel sums to one. Hence ``alpha_ij`` is the expected
number of events of stream ``i`` that one event of stream ``j`` sets off (spread over the
following days), the spectral radius of the excitation matrix ``alpha`` is the branching ratio,
and with a branching ratio below one the long-run mean is ``(I - alpha)^-1 mu``. Events of the
same day do not excite each other (daily resolution). The half-life of the memory is
``log(2) / decay`` days.

Fitting maximises the likelihood: for a given decay it splits into one bounded problem per
target stream (see :mod:`._likelihood`); the decay is chosen on a grid of half-lives and refined
by a bounded one-dimensional search of the profile likelihood.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from scipy.optimize import minimize_scalar
from threadpoolctl import threadpool_limits

from brinkwatch._types import SeedLike
from brinkwatch.errors import (
    ConfigError,
    ConvergenceWarning,
    ExplosiveModelWarning,
    InsufficientDataError,
    NotFittedError,
    SimulationError,
    SparseDataWarning,
)
from brinkwatch.simulate._likelihood import (
    StreamFit,
    fit_stream,
    memory,
    nb_loglik,
    poisson_loglik,
)
from brinkwatch.simulate._streams import Streams

__all__ = [
    "CHUNK_PATHS",
    "DEFAULT_HALF_LIVES",
    "DEFAULT_QUANTILES",
    "Forecast",
    "HawkesModel",
    "Seed",
    "Step",
    "StepHook",
]

#: Half-lives (days) of the memory tried when the decay is not given.
DEFAULT_HALF_LIVES = (0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 21.0, 30.0, 60.0)
#: Quantiles a forecast reports.
DEFAULT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Paths simulated together: small enough that a chunk's state stays in cache (and below
#: OpenBLAS's threshold for threading its small matrix product), large enough that NumPy's
#: per-call overhead vanishes. Fixed, so a seed gives the same paths on every machine.
CHUNK_PATHS = 4096
#: An intensity above this is a runaway (explosive) simulation, not a forecast.
MAX_INTENSITY = 1e9

Seed = SeedLike | np.random.SeedSequence


class Step:
    """What a :data:`StepHook` sees on one simulated day, for one chunk of paths.

    Attributes
    ----------
    day
        Day of the horizon, from 0.
    paths
        The paths of this chunk (a slice of ``range(n_paths)``).
    intensity
        Array (paths, streams) of the intensities about to be drawn from; change it in place
        to change the draw (e.g. ``step.intensity[:, j] *= 0.5``).
    """

    __slots__ = ("_scale", "_u", "day", "intensity", "paths")

    def __init__(
        self, day: int, paths: slice, intensity: np.ndarray, u: np.ndarray, scale: float
    ) -> None:
        self.day, self.paths, self.intensity = day, paths, intensity
        self._u, self._scale = u, scale

    @property
    def memory(self) -> np.ndarray:
        """Array (paths, streams): memories ``m``; ``intensity = baseline + m @ excitation.T``."""
        return self._u * self._scale


#: Called once per simulated day and chunk of paths, before the draw. It may change
#: ``step.intensity`` in place and may return an integer array (paths, streams) of events to add
#: to the draw (an imposed measure), or None.
StepHook = Callable[[Step], np.ndarray | None]


@dataclass(frozen=True)
class Forecast:
    """Simulated forecast of every stream over a horizon.

    Attributes
    ----------
    names
        Stream names.
    first_day
        The first forecast day (None when the start state had no date).
    mean
        Array (horizon, streams): expected daily counts (exact, not simulated).
    quantiles
        The probabilities of ``bands``.
    bands
        Array (quantiles, horizon, streams): quantiles of the simulated daily counts.
    total_mean
        Array (streams,): expected events over the whole horizon.
    total_bands
        Array (quantiles, streams): quantiles of the simulated totals over the horizon.
    n_paths, seed
        How it was simulated.
    cum_bands
        Array (quantiles, horizon, streams): quantiles of the simulated events from the first
        forecast day to each day (informative where daily counts are mostly 0).
    """

    names: tuple[str, ...]
    first_day: date | None
    mean: np.ndarray
    quantiles: tuple[float, ...]
    bands: np.ndarray
    total_mean: np.ndarray
    total_bands: np.ndarray
    n_paths: int
    seed: int | None
    cum_bands: np.ndarray

    @property
    def horizon(self) -> int:
        """Number of forecast days."""
        return int(self.mean.shape[0])

    def to_arrow(self) -> pa.Table:
        """One row per day and stream: ``day`` (or ``step``), ``stream``, ``mean``, ``q05`` ..."""
        h, n = self.mean.shape
        cols: dict[str, Any] = {}
        if self.first_day is not None:
            days = [self.first_day + timedelta(days=d) for d in range(h)]
            cols["day"] = pa.array([d for d in days for _ in range(n)], pa.date32())
        cols["step"] = pa.array(np.repeat(np.arange(1, h + 1), n))
        cols["stream"] = pa.array(list(self.names) * h)
        cols["mean"] = pa.array(self.mean.ravel())
        for k, q in enumerate(self.quantiles):
            cols[_qname(q)] = pa.array(self.bands[k].ravel())
        return pa.table(cols)

    def totals(self) -> pa.Table:
        """One row per stream: expected events over the horizon and the quantiles of the total."""
        cols: dict[str, Any] = {"stream": list(self.names), "mean": self.total_mean}
        for k, q in enumerate(self.quantiles):
            cols[_qname(q)] = self.total_bands[k]
        return pa.table(cols)


def _qname(q: float) -> str:
    return f"q{round(q * 100):02d}"


def _rngs(seed: Seed, n: int) -> list[np.random.Generator]:
    # One child generator per chunk: chunks are independent and reproducible from the seed.
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(n))
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.Generator(np.random.PCG64(s)) for s in ss.spawn(n)]


def _as_counts(data: Streams | pa.Table | np.ndarray) -> Streams:
    if isinstance(data, Streams):
        return data
    if isinstance(data, pa.Table):
        return Streams.from_arrow(data)
    arr = np.asarray(data)
    if arr.ndim != 2:
        raise ConfigError(f"counts must be a 2-d array (days, streams), got shape {arr.shape}")
    return Streams(arr, tuple(f"s{j}" for j in range(arr.shape[1])), date(1970, 1, 1))


class HawkesModel:
    """Self- and mutually-exciting model of daily event streams (a discretised Hawkes process).

    Parameters
    ----------
    half_life
        Memory half-life in days (``decay = log(2) / half_life``): one number to fix it, a
        sequence to choose the best on that grid and refine it, or None for
        :data:`DEFAULT_HALF_LIVES`.
    family
        ``"poisson"`` or ``"negbin"`` (negative binomial: one dispersion per stream,
        variance ``lambda + lambda**2 / r``).
    min_events
        Streams with fewer events than this in the fitted days get a baseline only (no
        excitation from other streams), and a :class:`~brinkwatch.errors.SparseDataWarning`
        names them: their weights would be noise.
    max_iter
        Iteration cap of each L-BFGS-B run.

    Attributes
    ----------
    names_, exogenous_
        Stream names, and those that other streams do not excite.
    baseline_, baseline_se_
        Arrays (streams,): ``mu`` and its standard error.
    excitation_, excitation_se_
        Arrays (streams, streams): ``alpha[i, j]``, the events of stream ``i`` set off by one
        event of stream ``j``, and standard errors (NaN for a weight fitted at 0, whose
        distribution is one-sided, and for weights held at 0).
    decay_, half_life_
        The memory's decay per day and its half-life in days.
    dispersion_
        Array (streams,) of negative-binomial ``r``, or None for Poisson.
    branching_ratio_
        Spectral radius of ``excitation_``; at or above 1 the model is explosive.
    loglik_, n_params_, aic_
        Maximised log-likelihood (constants included), free parameters, AIC.
    decay_profile_
        Half-life -> profile log-likelihood for every half-life tried (Poisson likelihood: a
        negative binomial chooses its decay on it, then fits dispersions at that decay).
    converged_
        Whether every per-stream optimisation converged.
    sparse_streams_
        Streams that had fewer than ``min_events`` events.
    start_, end_, n_days_
        The fitted days.
    end_state_
        Array (streams,): the memory ``m`` on the day after ``end_``, where a simulation that
        continues the data starts.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> counts = rng.poisson(2.0, size=(400, 2))
    >>> m = HawkesModel(half_life=3.0).fit(counts)
    >>> bool(m.branching_ratio_ < 0.2)  # independent counts: hardly any excitation
    True
    >>> m.simulate(horizon=5, n_paths=3, seed=1).shape
    (3, 5, 2)
    """

    # Learned by fit (or set by from_params); absent before, which _check_fitted tests.
    names_: tuple[str, ...]
    exogenous_: tuple[str, ...]
    mask_: np.ndarray
    baseline_: np.ndarray
    baseline_se_: np.ndarray
    excitation_: np.ndarray
    excitation_se_: np.ndarray
    half_life_: float
    decay_: float
    dispersion_: np.ndarray | None
    branching_ratio_: float
    loglik_: float
    n_params_: int
    aic_: float
    decay_profile_: dict[float, float]
    converged_: bool
    sparse_streams_: tuple[str, ...]
    start_: date | None
    end_: date | None
    n_days_: int
    end_state_: np.ndarray
    _init: np.ndarray
    _not_converged: list[str]

    def __init__(
        self,
        half_life: float | Sequence[float] | None = None,
        *,
        family: Literal["poisson", "negbin"] = "poisson",
        min_events: int = 30,
        max_iter: int = 1000,
    ) -> None:
        self.half_life = half_life
        self.family = family
        self.min_events = min_events
        self.max_iter = max_iter

    # --- scikit-learn contract ---------------------------------------------------------------

    def get_params(self) -> dict[str, Any]:
        """Return the constructor arguments."""
        return {
            "half_life": self.half_life,
            "family": self.family,
            "min_events": self.min_events,
            "max_iter": self.max_iter,
        }

    def clone(self) -> HawkesModel:
        """Return a new, unfitted model with the same arguments."""
        return HawkesModel(**self.get_params())

    @classmethod
    def from_params(
        cls,
        baseline: Sequence[float] | np.ndarray,
        excitation: Sequence[Sequence[float]] | np.ndarray,
        half_life: float,
        *,
        names: Sequence[str] | None = None,
        dispersion: Sequence[float] | np.ndarray | None = None,
        state: Sequence[float] | np.ndarray | None = None,
        end: date | None = None,
    ) -> HawkesModel:
        """Build a model from given parameters, ready to simulate (for scenarios and tests).

        Parameters
        ----------
        baseline, excitation, half_life
            ``mu`` (streams,), ``alpha`` (streams, streams) and the memory half-life in days.
        names
            Stream names; default ``s0``, ``s1``, ...
        dispersion
            Negative-binomial ``r`` per stream; None for Poisson.
        state
            Memory to start simulations from; default the long-run mean (the baseline when
            explosive).
        end
            The day before the first simulated day, if the state belongs to a date.

        Examples
        --------
        >>> m = HawkesModel.from_params([0.5, 0.5], [[0.2, 0.3], [0.3, 0.2]], half_life=2.0)
        >>> round(m.branching_ratio_, 2), m.stationary_mean_.round(2).tolist()
        (0.5, [1.0, 1.0])
        """
        mu = np.array(baseline, dtype=np.float64)
        exc = np.array(excitation, dtype=np.float64)
        n = mu.shape[0]
        if mu.ndim != 1 or exc.shape != (n, n) or np.any(mu < 0) or np.any(exc < 0):
            raise ConfigError(
                f"baseline must be (n,) and excitation (n, n), both non-negative; got shapes "
                f"{mu.shape} and {exc.shape}",
                field="excitation",
            )
        if not half_life > 0:
            raise ConfigError(f"half_life must be positive, got {half_life}", field="half_life")
        m = cls(half_life=half_life, family="poisson" if dispersion is None else "negbin")
        m.names_ = tuple(names) if names is not None else tuple(f"s{j}" for j in range(n))
        if len(m.names_) != n:
            raise ConfigError(f"{len(m.names_)} names for {n} streams", field="names")
        m.exogenous_ = ()
        m.mask_ = np.ones((n, n), dtype=bool)
        m.baseline_, m.baseline_se_ = mu, np.full(n, np.nan)
        m.excitation_, m.excitation_se_ = exc, np.full((n, n), np.nan)
        m.half_life_ = float(half_life)
        m.decay_ = math.log(2.0) / m.half_life_
        m.dispersion_ = None if dispersion is None else np.array(dispersion, dtype=np.float64)
        m.branching_ratio_ = float(np.max(np.abs(np.linalg.eigvals(exc)))) if n else 0.0
        m.loglik_, m.aic_, m.n_params_ = math.nan, math.nan, 0
        m.decay_profile_, m.converged_, m._not_converged = {}, True, []
        m.sparse_streams_ = ()
        m.start_, m.end_, m.n_days_ = None, end, 0
        longrun = np.linalg.solve(np.eye(n) - exc, mu) if m.branching_ratio_ < 1.0 else mu.copy()
        m._init = longrun
        m.end_state_ = longrun if state is None else np.array(state, dtype=np.float64)
        return m

    def _check_fitted(self) -> None:
        if not hasattr(self, "excitation_"):
            raise NotFittedError(
                "this HawkesModel is not fitted yet; call fit(streams) before simulating or "
                "forecasting"
            )

    def _grid(self) -> tuple[list[float], bool]:
        hl = self.half_life
        if hl is None:
            return list(DEFAULT_HALF_LIVES), True
        if isinstance(hl, int | float):
            grid, refine = [float(hl)], False
        else:
            grid, refine = sorted(float(h) for h in hl), True
        if not grid or any(not math.isfinite(h) or h <= 0 for h in grid):
            raise ConfigError(f"half_life must be positive days, got {hl!r}", field="half_life")
        return grid, refine and len(grid) > 1

    # --- fitting -----------------------------------------------------------------------------

    def fit(
        self,
        streams: Streams | pa.Table | np.ndarray,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> HawkesModel:
        """Fit by maximum likelihood.

        Parameters
        ----------
        streams
            :class:`~brinkwatch.simulate.Streams`, a table like ``Streams.to_arrow()``, or an
            array (days, streams) of counts.
        progress
            Called with (done, total) after each decay tried.

        Returns
        -------
        HawkesModel
            ``self``, fitted.

        Raises
        ------
        InsufficientDataError
            If there are fewer than two days or no event at all.

        Warns
        -----
        SparseDataWarning
            Some streams have fewer than ``min_events`` events, or fewer than 90 days are fitted.
        ExplosiveModelWarning
            The branching ratio is at or above 1.
        ConvergenceWarning
            An optimisation stopped before converging.
        """
        if self.family not in ("poisson", "negbin"):
            raise ConfigError(
                f"family must be 'poisson' or 'negbin', got {self.family!r}", field="family"
            )
        grid, refine = self._grid()
        st = _as_counts(streams)
        y = st.counts.astype(np.float64)
        n_days, n = y.shape
        if n_days < 2 or not y.any():
            raise InsufficientDataError(
                f"{n_days} day(s) with {int(y.sum())} event(s) in {st.start}..{st.end}: nothing "
                "to fit; widen the dates or pick actors with events"
            )
        totals = st.totals()
        sparse = tuple(nm for nm, c in zip(st.names, totals, strict=True) if c < self.min_events)
        exo = np.array([nm in st.exogenous for nm in st.names])
        # mask[i, j]: may stream j excite stream i? Not when i is exogenous and j is not, and
        # not into a stream too sparse to say anything about.
        mask = np.ones((n, n), dtype=bool)
        mask[np.ix_(exo, ~exo)] = False
        sparse_rows = np.array([nm in sparse for nm in st.names])
        mask[sparse_rows, :] = False
        if not mask.any():
            # Baselines only: the decay has nothing to act on, so do not search for it.
            grid, refine = [grid[len(grid) // 2]], False
        init = y.mean(axis=0)  # memory before day 0: the stationary guess, the mean rate
        negbin = self.family == "negbin"

        total_steps = len(grid) + (10 if refine else 0)
        done = 0
        cache: dict[float, list[StreamFit]] = {}
        warm: list[StreamFit] | None = None

        def profile(h: float) -> float:
            nonlocal warm, done
            # The decay is chosen on the Poisson likelihood (the mean structure, convex and
            # fast); a negative binomial then fits its dispersions at that decay.
            fits = self._fit_all(y, mask, h, init, False, warm, want_se=False, precise=False)
            cache[h] = fits
            warm = fits
            done += 1
            if progress is not None:
                progress(min(done, total_steps), total_steps)
            return sum(f.loglik for f in fits)

        # Thousands of tiny L-BFGS-B steps: waking a BLAS pool for each costs more than the
        # work on a shared machine (a 12-stream fit took 23 s with 2 threads, 2 s with one).
        with threadpool_limits(limits=1, user_api="blas"):
            best, fits, prof = self._search(y, mask, grid, refine, init, negbin, profile, cache)
        if progress is not None:
            progress(total_steps, total_steps)
        self._store(st, fits, mask, best, init, negbin, sparse, prof)
        self._warn(st, sparse)
        return self

    def _search(
        self,
        y: np.ndarray,
        mask: np.ndarray,
        grid: list[float],
        refine: bool,
        init: np.ndarray,
        negbin: bool,
        profile: Callable[[float], float],
        cache: dict[float, list[StreamFit]],
    ) -> tuple[float, list[StreamFit], dict[float, float]]:
        prof = {h: profile(h) for h in grid}
        best = max(prof, key=lambda h: prof[h])
        if refine:
            k = grid.index(best)
            lo = grid[k - 1] if k > 0 else grid[0] / 2
            hi = grid[k + 1] if k + 1 < len(grid) else grid[-1] * 2
            res = minimize_scalar(
                lambda lh: -profile(float(np.exp(lh))),
                bounds=(np.log(lo), np.log(hi)),
                method="bounded",
                options={"xatol": 0.02, "maxiter": 10},
            )
            h_ref = float(np.exp(res.x))
            prof[h_ref] = -float(res.fun) if h_ref not in prof else prof[h_ref]
            if prof[h_ref] > prof[best]:
                best = h_ref
        fits = self._fit_all(y, mask, best, init, negbin, cache.get(best), want_se=True)
        if negbin:
            # Profile values were Poisson; report the chosen decay's own likelihood.
            prof[best] = sum(f.loglik for f in fits)
        return best, fits, prof

    def _fit_all(
        self,
        y: np.ndarray,
        mask: np.ndarray,
        half_life: float,
        init: np.ndarray,
        negbin: bool,
        warm: list[StreamFit] | None,
        *,
        want_se: bool,
        precise: bool = True,
    ) -> list[StreamFit]:
        delta = 2.0 ** (-1.0 / half_life)
        m = memory(y, delta, init)[:-1]
        fits = []
        ones = np.ones((y.shape[0], 1))
        for i in range(y.shape[1]):
            x = np.hstack([ones, m[:, mask[i]]])
            w = warm[i] if warm is not None else None
            fits.append(
                fit_stream(
                    x,
                    y[:, i],
                    negbin=negbin,
                    start=w.theta if w is not None else None,
                    start_log_r=w.log_r if w is not None else None,
                    max_iter=self.max_iter,
                    want_se=want_se,
                    precise=precise,
                )
            )
        return fits

    def _store(
        self,
        st: Streams,
        fits: list[StreamFit],
        mask: np.ndarray,
        half_life: float,
        init: np.ndarray,
        negbin: bool,
        sparse: tuple[str, ...],
        prof: dict[float, float],
    ) -> None:
        n = len(st.names)
        exc, exc_se = np.zeros((n, n)), np.full((n, n), np.nan)
        mu, mu_se = np.empty(n), np.empty(n)
        for i, f in enumerate(fits):
            mu[i], mu_se[i] = f.theta[0], f.se[0]
            exc[i, mask[i]] = f.theta[1:]
            exc_se[i, mask[i]] = f.se[1:]
        self.names_ = st.names
        self.exogenous_ = st.exogenous
        self.mask_ = mask
        self.baseline_, self.baseline_se_ = mu, mu_se
        self.excitation_, self.excitation_se_ = exc, exc_se
        self.half_life_ = float(half_life)
        self.decay_ = math.log(2.0) / self.half_life_
        self.dispersion_ = (
            np.array([math.exp(f.log_r) for f in fits if f.log_r is not None]) if negbin else None
        )
        self.branching_ratio_ = float(np.max(np.abs(np.linalg.eigvals(exc)))) if n else 0.0
        self.loglik_ = float(sum(f.loglik for f in fits))
        # Free parameters: baselines, allowed weights, dispersions, and the decay when chosen.
        self.n_params_ = int(n + mask.sum() + (n if negbin else 0) + (1 if len(prof) > 1 else 0))
        self.aic_ = 2.0 * self.n_params_ - 2.0 * self.loglik_
        self.decay_profile_ = dict(sorted(prof.items()))
        self.converged_ = all(f.converged for f in fits)
        self._not_converged = [st.names[i] for i, f in enumerate(fits) if not f.converged]
        self.sparse_streams_ = sparse
        self.start_, self.end_, self.n_days_ = st.start, st.end, st.n_days
        delta = 2.0 ** (-1.0 / half_life)
        self._init = init
        self.end_state_ = memory(st.counts.astype(np.float64), delta, init)[-1]

    def _warn(self, st: Streams, sparse: tuple[str, ...]) -> None:
        if sparse:
            fewest = min(zip(st.totals(), st.names, strict=True))
            warnings.warn(
                SparseDataWarning(
                    f"{len(sparse)} of {len(st.names)} streams have fewer than {self.min_events} "
                    f"events in {st.start}..{st.end} (fewest: {fewest[1]} with {fewest[0]}); "
                    "they get a baseline rate only, no excitation, and their forecasts are "
                    "little more than that rate. Fit on denser data (e.g. GDELT) or a longer span"
                ),
                stacklevel=3,
            )
        if st.n_days < 90:
            warnings.warn(
                SparseDataWarning(
                    f"only {st.n_days} days fitted ({st.start}..{st.end}): decay and excitation "
                    "are poorly determined; fit at least a few months"
                ),
                stacklevel=3,
            )
        if self.branching_ratio_ >= 1.0:
            warnings.warn(
                ExplosiveModelWarning(
                    f"the fitted branching ratio is {self.branching_ratio_:.3f} (>= 1): each event "
                    "sets off at least one more on average, so simulated counts grow without "
                    "bound. The data may hold a trend or a change of regime; fit a shorter, "
                    "steadier span or a longer half-life"
                ),
                stacklevel=3,
            )
        if not self.converged_:
            warnings.warn(
                ConvergenceWarning(
                    f"L-BFGS-B did not converge for {', '.join(self._not_converged)}; raise "
                    "max_iter or check those streams' counts"
                ),
                stacklevel=3,
            )

    # --- using the fit -----------------------------------------------------------------------

    @property
    def stationary_mean_(self) -> np.ndarray:
        """Long-run mean daily counts ``(I - alpha)^-1 mu`` (inf when explosive)."""
        self._check_fitted()
        if self.branching_ratio_ >= 1.0:
            return np.full(len(self.names_), np.inf)
        n = len(self.names_)
        return np.asarray(np.linalg.solve(np.eye(n) - self.excitation_, self.baseline_))

    @property
    def _delta(self) -> float:
        return math.exp(-self.decay_)

    def state_after(
        self, streams: Streams | np.ndarray, initial: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the memory after some observed days, continuing from ``initial``.

        Parameters
        ----------
        streams
            Counts of the days that follow the state ``initial`` (same streams, same order).
        initial
            Array (streams,): the memory before those days; default ``end_state_``, so new
            data that follow the fitted days bring the model up to date.

        Returns
        -------
        numpy.ndarray
            Array (streams,), to pass as ``start`` to :meth:`simulate` or :meth:`forecast`.
        """
        self._check_fitted()
        counts = streams.counts if isinstance(streams, Streams) else np.asarray(streams)
        if counts.ndim != 2 or counts.shape[1] != len(self.names_):
            raise ConfigError(
                f"expected counts of shape (days, {len(self.names_)}), got {counts.shape}"
            )
        init = self.end_state_ if initial is None else np.asarray(initial, dtype=np.float64)
        state: np.ndarray = memory(counts.astype(np.float64), self._delta, init)[-1]
        return state

    def memories(
        self, streams: Streams | np.ndarray, initial: np.ndarray | None = None
    ) -> np.ndarray:
        """Memories before each day and after the last: array (days + 1, streams).

        ``initial`` defaults to the memory the fit started from (the fitted mean rate), so
        ``memories(fitted_streams)[-1]`` equals ``end_state_``.
        """
        self._check_fitted()
        counts = streams.counts if isinstance(streams, Streams) else np.asarray(streams)
        init = self._init if initial is None else np.asarray(initial, dtype=np.float64)
        return memory(counts.astype(np.float64), self._delta, init)

    def loglik(self, streams: Streams | np.ndarray, initial: np.ndarray | None = None) -> float:
        """Return the log-likelihood of observed counts under the model's parameters.

        Parameters
        ----------
        streams
            Counts (days, streams).
        initial
            Memory before the first day; default the mean of the counts, as :meth:`fit` uses,
            so ``model.loglik(fitted_streams)`` equals ``model.loglik_``.
        """
        self._check_fitted()
        counts = streams.counts if isinstance(streams, Streams) else np.asarray(streams)
        y = counts.astype(np.float64)
        init = y.mean(axis=0) if initial is None else np.asarray(initial, dtype=np.float64)
        lam = self.baseline_ + memory(y, self._delta, init)[:-1] @ self.excitation_.T
        if self.dispersion_ is None:
            return poisson_loglik(y, lam)
        return float(sum(nb_loglik(y[:, i], lam[:, i], float(r)) for i, r in
                         enumerate(self.dispersion_)))  # fmt: skip

    def expected(self, horizon: int, start: np.ndarray | None = None) -> np.ndarray:
        """Exact expected daily counts over the horizon (the model is linear, so no simulation).

        Parameters
        ----------
        horizon
            Days ahead.
        start
            Memory (streams,) or (k, streams) for k start states; default ``end_state_``.

        Returns
        -------
        numpy.ndarray
            Array (horizon, streams), or (k, horizon, streams) for k start states.
        """
        self._check_fitted()
        m = np.array(self.end_state_ if start is None else start, dtype=np.float64)
        single = m.ndim == 1
        m = np.atleast_2d(m)
        out = np.empty((m.shape[0], horizon, len(self.names_)))
        d = self._delta
        for t in range(horizon):
            lam = self.baseline_ + m @ self.excitation_.T
            out[:, t] = lam
            m = d * m + (1.0 - d) * lam
        return out[0] if single else out

    def simulate(
        self,
        horizon: int,
        n_paths: int = 1000,
        seed: Seed = None,
        *,
        start: np.ndarray | None = None,
        hook: StepHook | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Simulate future daily counts, all paths at once (vectorised; one loop over days).

        Parameters
        ----------
        horizon
            Days to simulate.
        n_paths
            Number of paths.
        seed
            Seed or generator; the same seed gives the same paths, bit for bit.
        start
            Memory to start from: (streams,) for every path or (n_paths, streams), e.g. from
            :meth:`state_after`; default ``end_state_`` (the day after the fitted data).
        hook
            A :data:`StepHook` called each day before the draw, to change intensities or impose
            events (scenarios, interventions).
        progress
            Called with (paths done, n_paths) after each chunk of :data:`CHUNK_PATHS` paths.

        Returns
        -------
        numpy.ndarray
            int32 array (n_paths, horizon, streams) of simulated counts.

        Raises
        ------
        SimulationError
            If intensities run away (an explosive model) or a hook makes them invalid.
        """
        self._check_fitted()
        n = len(self.names_)
        if horizon < 1 or n_paths < 1:
            raise ConfigError(
                f"horizon and n_paths must be at least 1, got {horizon} and {n_paths}",
                field="horizon",
            )
        m0 = np.array(self.end_state_ if start is None else start, dtype=np.float64)
        if m0.shape not in ((n,), (n_paths, n)):
            raise ConfigError(
                f"start must have shape ({n},) or ({n_paths}, {n}), got {m0.shape}", field="start"
            )
        # Layout (day, path, stream): each day's draws are written contiguously; the result is
        # returned as a (path, day, stream) view.
        out = np.empty((horizon, n_paths, n), dtype=np.int32)
        d = self._delta
        # u = m / (1 - delta): the update is then u <- delta u + N, one multiply and one add.
        a_t = np.ascontiguousarray(((1.0 - d) * self.excitation_).T)
        mu = self.baseline_.copy()
        guard = hook is not None or self.branching_ratio_ >= 1.0
        n_chunks = -(-n_paths // CHUNK_PATHS)
        # (paths, n) @ (n, n) products every day: too small to pay for waking a BLAS pool.
        with threadpool_limits(limits=1, user_api="blas"):
            self._run(out, m0, a_t, mu, d, _rngs(seed, n_chunks), hook, guard, progress)
        return out.transpose(1, 0, 2)

    def _run(
        self,
        out: np.ndarray,
        m0: np.ndarray,
        a_t: np.ndarray,
        mu: np.ndarray,
        d: float,
        rngs: list[np.random.Generator],
        hook: StepHook | None,
        guard: bool,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        horizon, n_paths, n = out.shape
        r = self.dispersion_
        for k, rng in enumerate(rngs):
            lo, hi = k * CHUNK_PATHS, min(n_paths, (k + 1) * CHUNK_PATHS)
            rows = slice(lo, hi)
            u = np.empty((hi - lo, n))
            u[:] = (m0 if m0.ndim == 1 else m0[rows]) / (1.0 - d)
            lam = np.empty((hi - lo, n))
            # A full (paths, streams) baseline: adding it is 4x faster than broadcasting (n,).
            mu_p = np.tile(mu, (hi - lo, 1))
            for t in range(horizon):
                np.matmul(u, a_t, out=lam)
                lam += mu_p
                extra = hook(Step(t, rows, lam, u, 1.0 - d)) if hook is not None else None
                if guard:
                    _check_intensity(lam, t)
                if r is not None:
                    # Negative binomial = Poisson with a gamma-distributed intensity (mean 1).
                    lam *= rng.gamma(r, 1.0 / r, size=lam.shape)
                c = rng.poisson(lam)
                if extra is not None:
                    c += extra
                u *= d
                u += c
                out[t, rows] = c
            if progress is not None:
                progress(hi, n_paths)

    def forecast(
        self,
        horizon: int,
        n_paths: int = 2000,
        seed: Seed = None,
        *,
        start: np.ndarray | None = None,
        first_day: date | None = None,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        hook: StepHook | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Forecast:
        """Forecast expected counts and simulated quantiles per stream and day of the horizon.

        Parameters
        ----------
        horizon, n_paths, seed, start, hook, progress
            As for :meth:`simulate`.
        first_day
            Date of the first forecast day; default the day after the fitted data when
            ``start`` is not given.
        quantiles
            Probabilities to report.

        Returns
        -------
        Forecast
        """
        self._check_fitted()
        qs = tuple(float(q) for q in quantiles)
        if any(not 0.0 <= q <= 1.0 for q in qs):
            raise ConfigError(f"quantiles must lie in [0, 1], got {qs}", field="quantiles")
        paths = self.simulate(horizon, n_paths, seed, start=start, hook=hook, progress=progress)
        if first_day is None and start is None and self.end_ is not None:
            first_day = self.end_ + timedelta(days=1)
        if hook is None:
            mean = self.expected(horizon, None if start is None else np.asarray(start))
            if mean.ndim == 3:
                mean = mean.mean(axis=0)
        else:
            mean = paths.mean(axis=0)
        cum = np.cumsum(paths, axis=1, dtype=np.int64)
        totals = cum[:, -1]
        return Forecast(
            names=self.names_,
            first_day=first_day,
            mean=np.asarray(mean),
            quantiles=qs,
            bands=np.quantile(paths, qs, axis=0),
            total_mean=np.asarray(mean).sum(axis=0),
            total_bands=np.quantile(totals, qs, axis=0),
            n_paths=n_paths,
            seed=seed if isinstance(seed, int) else None,
            cum_bands=np.quantile(cum, qs, axis=0),
        )

    def summary(self) -> pa.Table:
        """Return the excitation weights as a table: ``source``, ``target``, ``weight``, ``se``.

        Only weights that were free to be fitted are listed, largest first.
        """
        self._check_fitted()
        src, tgt, w, se = [], [], [], []
        for i, j in zip(*np.nonzero(self.mask_), strict=True):
            src.append(self.names_[j])
            tgt.append(self.names_[i])
            w.append(float(self.excitation_[i, j]))
            se.append(float(self.excitation_se_[i, j]))
        t = pa.table({"source": src, "target": tgt, "weight": w, "se": se})
        return t.sort_by([("weight", "descending")])


def _check_intensity(lam: np.ndarray, day: int) -> None:
    hi, lo = float(lam.max()), float(lam.min())
    if not (math.isfinite(hi) and math.isfinite(lo)) or lo < 0.0:
        raise SimulationError(
            f"intensity on simulated day {day} is {lo if lo < 0 else hi}: a hook or the "
            "parameters made it negative or not finite"
        )
    if hi > MAX_INTENSITY:
        raise SimulationError(
            f"intensity passed {MAX_INTENSITY:.0e} events/day on simulated day {day}: the model "
            "is explosive (branching ratio >= 1); shorten the horizon or refit on steadier data"
        )
