"""Result records of the explain stage: plain dataclasses that serialise to rows and dicts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[np.float64]]

__all__ = [
    "GrangerTest",
    "ImpulseResponse",
    "LagChoice",
    "StationarityTest",
    "VarianceDecomposition",
]


def _num(v: float | None) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


@dataclass(frozen=True)
class StationarityTest:
    """ADF (H0: unit root) and KPSS (H0: stationary) for one series.

    ``verdict`` is ``stationary`` when ADF rejects and KPSS does not, ``unit root`` when KPSS
    rejects and ADF does not, ``unclear`` when they agree on neither, ``untestable`` when a test
    could not run. KPSS p-values are read from a table bounded to [0.01, 0.10].
    """

    series: str
    form: str
    adf_stat: float | None
    adf_pvalue: float | None
    kpss_stat: float | None
    kpss_pvalue: float | None
    verdict: str

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {k: _num(v) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class LagChoice:
    """Information criteria per lag order and the order each would pick.

    Attributes
    ----------
    table
        One dict per lag order (``lags``, ``aic``, ``bic``, ``hqic``, ``fpe``), all on the same
        sample so they compare.
    selected
        Lag order picked by each criterion.
    ic
        The criterion used, or ``fixed`` when the lag order was given.
    used
        Lag order fitted.
    maxlags
        Largest order considered.
    """

    table: list[dict[str, float]]
    selected: dict[str, int]
    ic: str
    used: int
    maxlags: int

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {
            "table": [{k: _num(v) if k != "lags" else v for k, v in r.items()} for r in self.table],
            "selected": dict(self.selected),
            "ic": self.ic,
            "used": self.used,
            "maxlags": self.maxlags,
        }


@dataclass(frozen=True)
class GrangerTest:
    """Wald F test that the lags of ``causing`` add nothing to predicting ``caused``.

    ``pvalue_holm`` is the Holm-adjusted p-value over the whole family of ``family`` tests run
    on the model: every ordered pair and every block together. Sentences quote it, never
    ``pvalue``, so that one lucky test out of a dozen is not read as a finding.
    """

    causing: tuple[str, ...]
    caused: tuple[str, ...]
    kind: str
    stat: float
    df_num: int
    df_denom: int
    pvalue: float
    pvalue_holm: float | None
    alpha: float
    family: int = 1

    @property
    def significant(self) -> bool:
        """Whether H0 (no Granger causality) is rejected at ``alpha``, unadjusted."""
        return self.pvalue < self.alpha

    @property
    def significant_holm(self) -> bool:
        """Whether H0 is rejected at ``alpha`` after Holm's correction over the family."""
        return self.pvalue_holm is not None and self.pvalue_holm < self.alpha

    @property
    def label(self) -> str:
        """``"USA->JPN => JPN->KOR"``, blocks in braces."""

        def side(x: tuple[str, ...]) -> str:
            return x[0] if len(x) == 1 else "{" + ", ".join(x) + "}"

        return f"{side(self.causing)} => {side(self.caused)}"

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        d = asdict(self)
        d["causing"], d["caused"] = list(self.causing), list(self.caused)
        d["significant"] = self.significant
        d["significant_holm"] = self.significant_holm
        d["label"] = self.label
        return d


@dataclass(frozen=True)
class ImpulseResponse:
    """Responses to one-standard-deviation shocks, with bootstrap intervals.

    Attributes
    ----------
    names
        Series names; ``values[h, i, j]`` is the response of ``names[i]`` ``h`` periods after a
        shock to ``names[j]``.
    kind
        ``generalized`` (Pesaran-Shin, order-free) or ``orthogonal`` (Cholesky, column order).
    values, lower, upper
        Arrays of shape (steps+1, k, k); ``lower``/``upper`` are ``None`` without bootstrap.
    shock
        Size of each one-standard-deviation shock (the residual standard deviation).
    alpha, repl, seed
        Interval level (1 - alpha), bootstrap replications and the seed that reproduces them.
    unit
        Period unit of the horizon (``week``, ``month``, ...).
    """

    names: tuple[str, ...]
    kind: str
    values: Array
    lower: Array | None
    upper: Array | None
    shock: Array
    alpha: float
    repl: int
    seed: int | None
    unit: str = "period"

    @property
    def steps(self) -> int:
        """Largest horizon."""
        return int(self.values.shape[0]) - 1

    def rows(self) -> list[dict[str, Any]]:
        """Long form: one dict per (impulse, response, horizon)."""
        out = []
        for j, imp in enumerate(self.names):
            for i, resp in enumerate(self.names):
                for h in range(self.steps + 1):
                    out.append(
                        {
                            "impulse": imp,
                            "response": resp,
                            "horizon": h,
                            "value": float(self.values[h, i, j]),
                            "lower": None if self.lower is None else float(self.lower[h, i, j]),
                            "upper": None if self.upper is None else float(self.upper[h, i, j]),
                        }
                    )
        return out

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {
            "kind": self.kind,
            "unit": self.unit,
            "alpha": self.alpha,
            "repl": self.repl,
            "seed": self.seed,
            "shock": dict(zip(self.names, (float(s) for s in self.shock), strict=True)),
            "responses": self.rows(),
        }


@dataclass(frozen=True)
class VarianceDecomposition:
    """Share of each series' forecast-error variance due to each (orthogonalised) shock.

    ``values[i, h, j]`` is the share of ``names[i]``'s h+1-step variance due to ``names[j]``.
    """

    names: tuple[str, ...]
    values: Array
    unit: str = "period"
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """Long form: one dict per (series, horizon, shock)."""
        k, steps, _ = self.values.shape
        return [
            {
                "series": self.names[i],
                "horizon": h + 1,
                "shock": self.names[j],
                "share": float(self.values[i, h, j]),
            }
            for i in range(k)
            for h in range(steps)
            for j in range(k)
        ]

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {"unit": self.unit, "notes": list(self.notes), "shares": self.rows()}
