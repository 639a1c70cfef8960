"""The triad VAR: checks, lag choice, fit, Granger tests, impulse responses, FEVD."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from brinkwatch._types import SeedLike
from brinkwatch.errors import (
    ConfigError,
    InsufficientDataError,
    NonStationaryWarning,
    NotFittedError,
    SparseDataWarning,
)
from brinkwatch.explain._checks import (
    MIN_RESID_DF,
    dependent_columns,
    deterministic_terms,
    lag_table,
    max_feasible_lag,
    stationarity,
)
from brinkwatch.explain._irf import Kind, bootstrap_irfs, impulse_responses
from brinkwatch.explain._reciprocity import Reciprocity, summarise
from brinkwatch.explain._results import (
    GrangerTest,
    ImpulseResponse,
    LagChoice,
    StationarityTest,
    VarianceDecomposition,
)
from brinkwatch.explain._series import DyadMatrix, array_matrix, dyad_matrix, split_dyad

Array = np.ndarray[Any, np.dtype[np.float64]]

__all__ = ["TriadVAR"]

_ICS = ("aic", "bic", "hqic", "fpe")
_TRENDS = ("c", "ct", "n")
_KINDS: tuple[Kind, ...] = ("generalized", "orthogonal")

#: Below this median share of periods with events, the data are called sparse.
SPARSE_SHARE = 0.25


def _more(unit: str) -> str:
    finer = " or a finer frequency (week instead of month)" if unit in ("week", "month") else ""
    return f"use a longer window{finer}"


def _min_periods(k: int, trend: str) -> int:
    """Fewest periods on which a VAR(1) of ``k`` series is feasible."""
    m = k + deterministic_terms(trend)
    return 1 + m + max(MIN_RESID_DF, m)


def holm_adjust(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error over all the tests).

    Written out because statsmodels' ``multipletests`` runs a garbage collection per call.

    Examples
    --------
    >>> holm_adjust([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        out[i] = round(running, 15)
    return out


class TriadVAR:
    """Vector autoregression on the directed-dyad series of a triad (Goldstein and Freeman 1990).

    Parameters
    ----------
    lags
        Lag order to fit; ``None`` picks it with ``ic``, and when ``ic`` picks 0 nothing
        dynamic is fitted ("no dynamics detected"). Given, it is forced (and said so). Reduced
        (with a
        :class:`~brinkwatch.errors.SparseDataWarning`) when the data cannot carry it.
    ic
        Criterion that picks the lag order: ``aic``, ``bic``, ``hqic`` or ``fpe``.
    maxlags
        Largest order considered; default ``12 * (T/100)**0.25`` capped by what the data carry.
    trend
        statsmodels trend code: ``c`` (constant), ``ct`` (constant and trend) or ``n`` (none).
    difference
        Fit on first differences (one period fewer), for series with a unit root.
    measure
        Column of the triad table to model (``net_coop``, ``goldstein_sum``, ...).
    alpha
        Level of the stationarity and Granger tests.
    min_active
        A dyad with events in fewer periods than this is left out with a
        :class:`~brinkwatch.errors.SparseDataWarning`: a VAR fitted to a handful of spikes gives
        meaningless (often wildly significant) tests. 0 keeps every dyad that varies.

    Attributes
    ----------
    names_ : tuple of str
        Series in the model, after dropping constant or collinear ones.
    dropped_ : dict
        Dropped series and why.
    stationarity_ : list of StationarityTest
        ADF and KPSS per series, on levels (and on differences when ``difference``).
    lag_choice_ : LagChoice
        Information criteria per order and the choice made.
    lag_order_ : int
        Lag order fitted (0 when the data were insufficient or no dynamics were detected).
    dynamics_ : bool
        False when the criterion ``ic`` chooses 0 lags and ``lags`` was not given: "no dynamics
        detected". Then no lagged model is fitted (``coef_`` is empty, ``granger()`` returns
        nothing, ``irf``/``fevd`` raise) and only the same-period covariance is kept.
    lags_forced_ : bool
        True when ``lags`` was given: the order was forced, not selected (a note says what the
        criteria chose).
    coef_ : ndarray of shape (lag_order_, k, k)
        ``coef_[l, i, j]``: effect of series j at lag l+1 on series i.
    intercept_ : ndarray of shape (k,)
    sigma_u_ : ndarray of shape (k, k)
        Residual covariance (degrees-of-freedom adjusted).
    resid_ : ndarray of shape (nobs_, k)
    nobs_ : int
        Periods used in estimation (after the lags and any differencing).
    insufficient_ : bool
        True when no VAR could be fitted; ``notes_`` say why.
    notes_ : list of str
        Everything the checks found, in words (also issued as warnings).
    stable_ : bool
        Whether all roots lie outside the unit circle (responses die out).

    Examples
    --------
    >>> from brinkwatch.explain import simulate_var
    >>> a = np.array([[[0.5, 0.0], [0.4, 0.2]]])
    >>> y = simulate_var(a, np.eye(2), 1000, seed=0)
    >>> m = TriadVAR(lags=1).fit(y, names=["A->B", "B->A"])
    >>> np.round(m.coef_[0], 1).tolist()
    [[0.5, 0.0], [0.4, 0.2]]
    >>> [(g.label, g.significant) for g in m.granger() if g.kind == "pair"]
    [('A->B => B->A', True), ('B->A => A->B', False)]
    """

    def __init__(
        self,
        lags: int | None = None,
        *,
        ic: str = "aic",
        maxlags: int | None = None,
        trend: str = "c",
        difference: bool = False,
        measure: str = "net_coop",
        alpha: float = 0.05,
        min_active: int = 10,
    ) -> None:
        self.lags = lags
        self.ic = ic
        self.maxlags = maxlags
        self.trend = trend
        self.difference = difference
        self.measure = measure
        self.alpha = alpha
        self.min_active = min_active

    # ------------------------------------------------------------------ fitting

    def _validate(self) -> None:
        if self.ic not in _ICS:
            raise ConfigError(f"ic must be one of {', '.join(_ICS)}; got {self.ic!r}", field="ic")
        if self.trend not in _TRENDS:
            raise ConfigError(
                f"trend must be one of {', '.join(_TRENDS)}; got {self.trend!r}", field="trend"
            )
        for name in ("lags", "maxlags"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, int) or v < 1):
                raise ConfigError(f"{name} must be a positive integer; got {v!r}", field=name)
        if not isinstance(self.min_active, int) or self.min_active < 0:
            raise ConfigError(
                f"min_active must be a non-negative integer; got {self.min_active!r}",
                field="min_active",
            )
        if not 0 < self.alpha < 1:
            raise ConfigError(f"alpha must lie in (0, 1); got {self.alpha!r}", field="alpha")

    def _note(self, msg: str, category: type[Warning] | None = None) -> None:
        self.notes_.append(msg)
        if category is not None:
            warnings.warn(msg, category, stacklevel=4)

    def fit(self, X: Any, names: Sequence[str] | None = None) -> TriadVAR:  # noqa: N803 (sklearn)
        """Check the series, choose the lag order and fit the VAR.

        Parameters
        ----------
        X
            The triad table from :func:`brinkwatch.measure.triad_series` (Ibis or pyarrow), a
            :class:`DyadMatrix`, or an array of shape (periods, series).
        names
            Column names when ``X`` is an array (``"A->B"`` labels enable triad summaries).

        Returns
        -------
        TriadVAR
            ``self``, fitted. Never raises for statistical trouble: sparse data, constant series
            or too few periods give warnings, notes and, at worst, ``insufficient_ = True``.
        """
        self._validate()
        if isinstance(X, DyadMatrix):
            data = X
        elif isinstance(X, np.ndarray) or (isinstance(X, list) and not hasattr(X, "to_pyarrow")):
            data = array_matrix(X, names)
        else:
            data = dyad_matrix(X, self.measure)
        self.notes_: list[str] = []
        self.data_ = data
        self.input_names_ = data.names
        self.unit_ = data.unit
        self.measure_ = data.measure if isinstance(X, DyadMatrix | np.ndarray) else self.measure
        self.dropped_: dict[str, str] = {}
        self.insufficient_ = False
        self.stable_ = True
        self.results_: Any = None
        self.dynamics_ = True
        self.lags_forced_ = self.lags is not None
        self.names_: tuple[str, ...] = tuple(data.names)
        self.y_ = data.values
        self.stationarity_: list[StationarityTest] = []
        self.lag_choice_ = LagChoice(table=[], selected={}, ic=self.ic, used=0, maxlags=0)
        x = data.values
        n_periods = x.shape[0]
        varying = int(sum(np.ptp(x[:, j]) > 0 for j in range(x.shape[1])))
        if max_feasible_lag(n_periods - int(self.difference), 2, self.trend) == 0:
            return self._insufficient(
                f"{n_periods} {data.unit}s are too few for a VAR with even one lag (one lag "
                f"of 2 series needs at least {_min_periods(2, self.trend)} {data.unit}s, of "
                f"{max(varying, 2)} series {_min_periods(max(varying, 2), self.trend)}); "
                + _more(data.unit)
            )
        sparse = self._sparse_columns(data, n_periods)
        keep = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) > 0 and j not in sparse]
        for j in range(x.shape[1]):
            if j not in keep and j not in sparse:
                self.dropped_[data.names[j]] = "constant"
                self._note(
                    f"{data.names[j]} is constant ({self.measure_} {x[0, j]:g} in every "
                    f"{data.unit}): a VAR cannot use it, so it is left out",
                    SparseDataWarning,
                )
        x = x[:, keep]
        nm = [data.names[j] for j in keep]
        self.stationarity_ = stationarity(x, nm, alpha=self.alpha)
        if self.difference:
            x = np.diff(x, axis=0)
            self.stationarity_ += stationarity(x, nm, alpha=self.alpha, form="difference")
            const = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) == 0]
            for j in const:
                self.dropped_[nm[j]] = "constant after differencing"
                self._note(
                    f"{nm[j]} does not change from one {data.unit} to the next: left out",
                    SparseDataWarning,
                )
            x = np.delete(x, const, axis=1)
            nm = [n for j, n in enumerate(nm) if j not in const]
        self._check_stationarity()
        if x.shape[1] > 1:
            dep = dependent_columns(x)
            for j in dep:
                self.dropped_[nm[j]] = "a linear combination of other series"
                self._note(
                    f"{nm[j]} moves exactly with the other series (a linear combination of "
                    "them): left out, as it would make the VAR singular",
                    SparseDataWarning,
                )
            x = np.delete(x, dep, axis=1)
            nm = [n for j, n in enumerate(nm) if j not in dep]
        self.names_ = tuple(nm)
        self.y_ = x
        k = x.shape[1]
        if k < 2:
            return self._insufficient(
                f"only {k} series vary, and a VAR needs at least two; "
                "use a longer window, another frequency or a denser source"
            )
        if max_feasible_lag(x.shape[0], k, self.trend) == 0:
            return self._insufficient(
                f"{x.shape[0]} {self.unit_}s are too few for even one lag of {k} series "
                f"(that needs at least {_min_periods(k, self.trend)}); " + _more(self.unit_)
            )
        p = self._choose_lags(x)
        if p == 0:
            return self._fit_static(x)
        return self._fit_var(x, p)

    def _sparse_columns(self, data: DyadMatrix, n_periods: int) -> list[int]:
        """Columns with too few active periods to estimate; warn about mostly-empty data."""
        if not data.active:
            return []
        # Mostly-empty dyads only: a short series active in every period is short, not sparse.
        drop = [
            j for j, a in enumerate(data.active) if 0 < a < self.min_active and 2 * a < n_periods
        ]
        for j in drop:
            a = data.active[j]
            self.dropped_[data.names[j]] = f"events in only {a} {data.unit}s"
            self._note(
                f"{data.names[j]} has events in only {a} of {n_periods} {data.unit}s "
                f"({100 * a / max(n_periods, 1):.0f}%): too few to estimate how it moves, so it "
                f"is left out (min_active={self.min_active}). A coarser frequency, a longer window "
                "or a denser source (GDELT) helps",
                SparseDataWarning,
            )
        kept = [a for j, a in enumerate(data.active) if j not in drop and a > 0]
        if kept and n_periods:
            share = float(np.median(kept)) / n_periods
            if share < SPARSE_SHARE:
                self._note(
                    f"most {data.unit}s have no events (the median dyad is active in "
                    f"{100 * share:.0f}% of {n_periods} {data.unit}s): the VAR mostly fits "
                    "zeros and a few events weigh heavily, so read its tests as descriptive. "
                    "A coarser frequency, a longer window or a denser source (GDELT) helps",
                    SparseDataWarning,
                )
        return drop

    def _check_stationarity(self) -> None:
        form = "difference" if self.difference else "level"
        bad = [t for t in self.stationarity_ if t.form == form and t.verdict == "unit root"]
        for t in bad:
            fix = (
                "even after differencing"
                if self.difference
                else "fit on differences (difference=True)"
            )
            self._note(
                f"{t.series} looks non-stationary (ADF p={t.adf_pvalue:.2f}, "
                f"KPSS p={t.kpss_pvalue:.2f}); Granger tests on levels can mislead: {fix}",
                NonStationaryWarning,
            )

    def _choose_lags(self, x: Array) -> int:
        t, k = x.shape
        feasible = max_feasible_lag(t, k, self.trend)
        default_max = max(1, int(12 * (t / 100.0) ** 0.25))
        maxlags = min(self.maxlags or default_max, feasible)
        if self.maxlags is not None and self.maxlags > feasible and feasible > 0:
            self._note(
                f"maxlags {self.maxlags} is more than {t} {self.unit_}s of {k} series carry; "
                f"lag orders up to {feasible} were compared",
                SparseDataWarning,
            )
        used = self.lags
        if used is not None and used > feasible:
            if feasible > 0:
                self._note(
                    f"{used} lags asked, but {t} {self.unit_}s of {k} series carry at most "
                    f"{feasible}; fitted {feasible} lag{'s' if feasible > 1 else ''}",
                    SparseDataWarning,
                )
            used = feasible
        table: list[dict[str, float]] = []
        selected: dict[str, int] = {}
        if feasible > 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                table, selected = lag_table(x, maxlags, self.trend)
        others = ", ".join(f"{c.upper()} {v}" for c, v in selected.items() if c != self.ic)
        if used is None:
            used = selected.get(self.ic, 0)
            if used == 0:
                # Forcing a lag here would read tests off a model the data did not choose.
                self.dynamics_ = False
                self._note(
                    f"no dynamics detected: {self.ic.upper()} chooses 0 lags ({others}), so no "
                    "series' past predicts another's beyond its mean; no lagged model was "
                    "fitted (force a lag order with lags=, --lags, to look anyway)"
                )
        elif selected:
            pick = selected.get(self.ic, 0)
            self._note(
                f"lag order {used} forced (lags={self.lags}); {self.ic.upper()} would choose "
                f"{pick} ({others})" + (": the criteria detect no dynamics" if pick == 0 else "")
            )
        self.lag_choice_ = LagChoice(
            table=table,
            selected=selected,
            ic=self.ic if self.lags is None else "fixed",
            used=used,
            maxlags=maxlags,
        )
        return used

    def _fit_var(self, x: Array, p: int) -> TriadVAR:
        from statsmodels.tsa.api import VAR

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = VAR(x).fit(p, trend=self.trend)
                np.linalg.cholesky(res.sigma_u)  # singular covariance: fail here, not later
        except np.linalg.LinAlgError as exc:
            return self._insufficient(f"the VAR({p}) is singular on these data ({exc})")
        self.results_ = res
        self.lag_order_ = p
        self.coef_ = np.asarray(res.coefs, dtype=float)
        d = deterministic_terms(self.trend)
        self.intercept_ = (
            np.asarray(res.params[0], dtype=float) if d else np.zeros(x.shape[1], dtype=float)
        )
        self.sigma_u_ = np.asarray(res.sigma_u, dtype=float)
        self.resid_ = np.asarray(res.resid, dtype=float)
        self.nobs_ = int(res.nobs)
        self.stable_ = bool(res.is_stable())
        if not self.stable_:
            roots = np.abs(res.roots).min()
            self._note(
                f"the fitted VAR is not stable (a root of modulus {roots:.2f} <= 1): responses do "
                "not die out; fit on differences (difference=True)",
                NonStationaryWarning,
            )
        return self

    def _fit_static(self, x: Array) -> TriadVAR:
        """No lags: each series is its mean (and trend); keeps same-period covariance readable."""
        n, k = x.shape
        self.lag_order_ = 0
        self.coef_ = np.zeros((0, k, k))
        if self.trend == "n":
            self.intercept_ = np.zeros(k, dtype=float)
            self.resid_ = np.asarray(x, dtype=float)
        else:
            from brinkwatch.explain._irf import design

            z, yy = design(x, 0, self.trend)
            b = np.linalg.lstsq(z, yy, rcond=None)[0]
            self.intercept_ = np.asarray(b[0], dtype=float)
            self.resid_ = np.asarray(yy - z @ b, dtype=float)
        d = deterministic_terms(self.trend)
        self.sigma_u_ = self.resid_.T @ self.resid_ / max(n - d, 1)
        self.nobs_ = n
        self.stable_ = True
        return self

    def _insufficient(self, why: str) -> TriadVAR:
        k = len(getattr(self, "names_", ()))
        self.insufficient_ = True
        self.lag_order_ = 0
        self.coef_ = np.zeros((0, k, k))
        self.intercept_ = np.zeros(k)
        self.sigma_u_ = np.zeros((k, k))
        self.resid_ = np.zeros((0, k))
        self.nobs_ = 0
        self._note(f"no VAR fitted: {why}", SparseDataWarning)
        return self

    # ------------------------------------------------------------------ results

    def _check(self, *, fitted_model: bool = True) -> None:
        if not hasattr(self, "insufficient_"):
            raise NotFittedError(
                "this TriadVAR is not fitted yet; call fit(table) before asking for results"
            )
        if fitted_model and self.insufficient_:
            raise InsufficientDataError(
                "no VAR could be fitted on these data: " + " ".join(self.notes_[-1:])
            )
        if fitted_model and not self.dynamics_:
            raise InsufficientDataError(
                f"no dynamics detected ({self.ic.upper()} chooses 0 lags), so there are no "
                "impulse responses or variance decomposition to read; force a lag order with "
                "lags= (--lags) to look anyway"
            )

    def granger(
        self, blocks: Sequence[tuple[Sequence[str], Sequence[str]]] | None = None
    ) -> list[GrangerTest]:
        """Granger causality for every ordered pair of series, then blocks.

        Parameters
        ----------
        blocks
            (causing, caused) lists of series names. By default, for each actor X of the triad,
            X's moves toward the other two => the dyad between them (Goldstein and Freeman's
            third-party test, e.g. ``{USA->JPN, USA->KOR} => {JPN->KOR, KOR->JPN}``).

        Returns
        -------
        list of GrangerTest
            Pairs first, then blocks, each with its Holm-adjusted p-value over the whole family
            (pairs and blocks together). Empty when no VAR could be fitted or when no dynamics
            were detected (lag order 0).
        """
        self._check(fitted_model=False)
        if self.insufficient_ or self.lag_order_ == 0:
            return []
        res, names = self.results_, list(self.names_)
        raw: list[tuple[tuple[str, ...], tuple[str, ...], Any, str]] = []
        for j in range(len(names)):
            for i in range(len(names)):
                if i != j:
                    r = res.test_causality(i, [j], kind="f")
                    raw.append(((names[j],), (names[i],), r, "pair"))
        for causing, caused in self._blocks() if blocks is None else blocks:
            bad = [n for n in (*causing, *caused) if n not in names]
            if bad:
                raise ConfigError(
                    f"no series named {', '.join(bad)} in the model; it has {', '.join(names)}",
                    field="blocks",
                )
            r = res.test_causality(
                [names.index(n) for n in caused], [names.index(n) for n in causing], kind="f"
            )
            raw.append((tuple(causing), tuple(caused), r, "block"))
        # One family: a block test is one more chance of a false finding, like a pair.
        holm = holm_adjust([float(r[2].pvalue) for r in raw])
        return [
            self._granger_row(causing, caused, r, kind, float(h), len(raw))
            for (causing, caused, r, kind), h in zip(raw, holm, strict=True)
        ]

    def _granger_row(
        self,
        causing: tuple[str, ...],
        caused: tuple[str, ...],
        r: Any,
        kind: str,
        holm: float | None,
        family: int,
    ) -> GrangerTest:
        df = r.df
        return GrangerTest(
            causing=causing,
            caused=caused,
            kind=kind,
            stat=float(r.test_statistic),
            df_num=int(df[0]),
            df_denom=int(df[1]),
            pvalue=float(r.pvalue),
            pvalue_holm=holm,
            alpha=self.alpha,
            family=family,
        )

    def actors(self) -> list[str]:
        """Actors named in the series, in order of first appearance (empty for plain names)."""
        acts: dict[str, None] = {}
        for n in self.input_names_:
            st = split_dyad(n)
            if st:
                acts.update(dict.fromkeys(st))
        return list(acts)

    def _blocks(self) -> list[tuple[list[str], list[str]]]:
        out = []
        acts = self.actors()
        for x in acts:
            others = [a for a in acts if a != x]
            causing = [n for n in self.names_ if (split_dyad(n) or ("", ""))[0] == x]
            caused = [
                n
                for n in self.names_
                if (st := split_dyad(n)) and st[0] in others and st[1] in others
            ]
            # One dyad on each side is already a pairwise test.
            if causing and caused and len(others) == 2 and len(causing) + len(caused) > 2:
                out.append((causing, caused))
        return out

    def irf(
        self,
        periods: int = 8,
        *,
        kind: Kind = "generalized",
        repl: int = 500,
        alpha: float | None = None,
        seed: SeedLike = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImpulseResponse:
        """Impulse responses to one-standard-deviation shocks, with residual-bootstrap intervals.

        Parameters
        ----------
        periods
            Largest horizon.
        kind
            ``generalized`` (Pesaran-Shin: independent of the series order) or ``orthogonal``
            (Cholesky in the order of ``names_``).
        repl
            Bootstrap replications; 0 for point estimates only.
        alpha
            Intervals cover 1 - alpha (percentile method); defaults to the model's ``alpha``.
        seed
            Seed or Generator for the bootstrap: the same seed gives the same intervals.
        progress
            Called as ``progress(done, repl)`` while bootstrapping.

        Raises
        ------
        InsufficientDataError
            If no VAR could be fitted (see ``notes_``).
        """
        self._check()
        if kind not in _KINDS:
            raise ConfigError(
                f"kind must be one of {', '.join(_KINDS)}; got {kind!r}", field="kind"
            )
        if periods < 1:
            raise ConfigError(f"periods must be at least 1; got {periods}", field="periods")
        a = self.alpha if alpha is None else alpha
        vals = impulse_responses(self.coef_, self.sigma_u_, periods, kind)
        lo = hi = None
        if repl > 0:
            rng = np.random.default_rng(seed)
            draws = bootstrap_irfs(
                self.y_, self.lag_order_, self.trend, periods, (kind,), repl=repl, rng=rng,
                progress=progress,
            )[kind]  # fmt: skip
            lo, hi = np.nanquantile(draws, [a / 2, 1 - a / 2], axis=0)
        return ImpulseResponse(
            names=self.names_,
            kind=kind,
            values=vals,
            lower=lo,
            upper=hi,
            shock=np.sqrt(np.diag(self.sigma_u_)),
            alpha=a,
            repl=repl,
            seed=seed if isinstance(seed, int) else None,
            unit=self.unit_,
        )

    def fevd(self, periods: int = 8) -> VarianceDecomposition:
        """Forecast-error variance decomposition (Cholesky, in the order of ``names_``).

        Raises
        ------
        InsufficientDataError
            If no VAR could be fitted.
        """
        self._check()
        dec = np.asarray(self.results_.fevd(periods).decomp, dtype=float)
        return VarianceDecomposition(
            names=self.names_,
            values=dec,
            unit=self.unit_,
            notes=[
                "shares use orthogonalised shocks: a series earlier in the order "
                f"({', '.join(self.names_)}) is credited with shocks it shares with later ones"
            ],
        )

    def reciprocity(
        self,
        periods: int = 8,
        *,
        repl: int = 500,
        alpha: float | None = None,
        seed: SeedLike = None,
        irf: ImpulseResponse | None = None,
        granger: Sequence[GrangerTest] | None = None,
    ) -> Reciprocity:
        """Summarise reciprocity within each pair and third-party influence, in words and numbers.

        Uses generalised impulse responses (order-free) with bootstrap intervals and Granger
        tests; pass ``irf`` and ``granger`` to reuse results already computed.

        Returns
        -------
        Reciprocity
            Flagged ``insufficient`` (with the notes) when no VAR could be fitted.
        """
        self._check(fitted_model=False)
        if not self.insufficient_ and not self.dynamics_:
            return summarise(self, None, [])
        if self.insufficient_:
            return Reciprocity(
                pairs=[],
                third_parties=[],
                lines=[],
                notes=list(self.notes_),
                insufficient=True,
                measure=self.measure_,
                unit=self.unit_,
            )
        if irf is None or irf.kind != "generalized":
            irf = self.irf(periods, kind="generalized", repl=repl, alpha=alpha, seed=seed)
        return summarise(self, irf, list(granger) if granger is not None else self.granger())
