"""Which lever helps most, with intervals adjusted for how many levers were compared.

Each lever is compared against no intervention, and the best against the runner-up.

The largest of N estimated effects is biased upward, and N separate 95% intervals do not hold
together at 95%. :func:`rank_levers` therefore widens every interval with a Bonferroni
correction: the effects of the N levers against the reference are N statements, each made at
level ``1 - 0.05 / N``; the paired difference between the top lever and the runner-up is one of
the ``N (N - 1) / 2`` pairwise differences, made at level ``1 - 0.05 / (N (N - 1) / 2)``, so it
stays valid although the pair was picked after seeing the data. Intervals are Student t over the
parameter draws as clusters, as in :func:`~brinkwatch.simulate.compare_levers`, on per-path
differences between runs that share their seed (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from brinkwatch.errors import ScenarioError
from brinkwatch.simulate._engine import SimulationRun

__all__ = ["LeverEffect", "LeverRanking", "rank_levers", "single_levers"]

Verdict = Literal["best", "tied", "none"]


@dataclass(frozen=True)
class LeverEffect:
    """One lever's effect on an outcome's probability against the reference run.

    Attributes
    ----------
    lever
        The variant's name (a single lever).
    probability
        The outcome's probability with the lever.
    effect
        Mean per-path difference against the reference (probability points as a fraction).
    low, high
        Its multiplicity-adjusted interval (Bonferroni over the levers compared).
    unadjusted_low, unadjusted_high
        Its interval at the same level without adjustment (at 95%, as
        :func:`~brinkwatch.simulate.compare_levers` gives it).
    helps
        The adjusted interval excludes zero on the side the levers aim for.
    """

    lever: str
    probability: float
    effect: float
    low: float
    high: float
    unadjusted_low: float
    unadjusted_high: float
    helps: bool


@dataclass(frozen=True)
class LeverRanking:
    """The levers compared on one outcome, best first, and what the comparison supports.

    Attributes
    ----------
    outcome
        The outcome compared on.
    reference, base
        The reference variant (no intervention) and the outcome's probability in it.
    direction
        -1 when the levers aim to lower the outcome, +1 to raise it.
    effects
        One :class:`LeverEffect` per lever, best first (largest effect the way levers aim).
    gap, gap_low, gap_high
        The top lever's effect minus the runner-up's (paired, per path), turned the way the
        levers aim (positive: the top lever does better), with its adjusted interval (Bonferroni
        over every pair of levers); NaN with fewer than two levers.
    verdict
        ``best`` when the top lever helps and its gap over the runner-up excludes zero (or it is
        the only lever); ``tied`` when some lever helps but the top and the runner-up cannot be
        told apart; ``none`` when no lever's adjusted interval excludes zero the way levers aim.
    n_paths, seed
        Paths per run and their shared seed.
    level, method
        The family-wise confidence level and the adjustment (``bonferroni``).
    """

    outcome: str
    reference: str
    base: float
    direction: int
    effects: tuple[LeverEffect, ...]
    gap: float
    gap_low: float
    gap_high: float
    verdict: Verdict
    n_paths: int
    seed: int
    level: float = 0.95
    method: str = "bonferroni"

    @property
    def n_levers(self) -> int:
        """How many levers were compared."""
        return len(self.effects)

    @property
    def top(self) -> LeverEffect | None:
        """The lever with the largest effect the way levers aim (not necessarily told apart)."""
        return self.effects[0] if self.effects else None

    @property
    def runner_up(self) -> LeverEffect | None:
        """The second lever, or None with a single lever."""
        return self.effects[1] if len(self.effects) > 1 else None

    def to_dict(self) -> dict[str, Any]:
        """Return the ranking as JSON-ready values (NaN as None), with ``n_levers``."""

        def clean(v: Any) -> Any:
            return None if isinstance(v, float) and math.isnan(v) else v

        out = {k: clean(v) for k, v in asdict(self).items() if k != "effects"}
        out["effects"] = [{k: clean(v) for k, v in asdict(e).items()} for e in self.effects]
        return {**out, "n_levers": self.n_levers}

    def summary(self) -> str:
        """Return one line that says what the comparison supports, with ids."""
        top, second = self.top, self.runner_up
        n = f"{self.n_levers} lever(s) compared, {self.n_paths:,} paths"
        if top is None or self.verdict == "none":
            return f"{self.outcome}: no lever is distinguishable from {self.reference} ({n})"
        adj = f"adjusted {self.level:.0%} interval {top.low:+.1%} to {top.high:+.1%}"
        if self.verdict == "best":
            return f"{self.outcome}: {top.lever} helps most ({top.effect:+.1%}, {adj}; {n})"
        assert second is not None
        return (
            f"{self.outcome}: {top.lever} and {second.lever} cannot be told apart "
            f"(gap {self.gap:+.1%}, adjusted interval {self.gap_low:+.1%} to "
            f"{self.gap_high:+.1%}; {n})"
        )


def _clustered(d: np.ndarray, sets: np.ndarray, alpha: float) -> tuple[float, float, float]:
    """Return the mean per-path difference and its two-sided (1 - alpha) interval.

    Parameter draws are the clusters: Student t with one degree of freedom fewer than draws.
    """
    from scipy.stats import t as student_t

    k = int(sets.max()) + 1
    size = np.bincount(sets, minlength=k)
    per_set = np.bincount(sets, weights=d, minlength=k) / size
    mean = float(d.mean())
    if k < 2:
        return mean, math.nan, math.nan
    se = float(per_set.std(ddof=1) / math.sqrt(k))
    tq = float(student_t.ppf(1 - alpha / 2, k - 1))
    return mean, mean - tq * se, mean + tq * se


def _direction(runs: Mapping[str, SimulationRun], outcome: str) -> int:
    """-1 when the scenario's levers aim to lower ``outcome``, +1 to raise it, 0 when none says."""
    sc = next(iter(runs.values())).scenario
    votes = sum(
        1 if way == "up" else -1 for lv in sc.levers for o, way in lv.expect if o == outcome
    )
    return (votes > 0) - (votes < 0)


def single_levers(runs: Mapping[str, SimulationRun], reference: str = "none") -> list[str]:
    """Return the variants that pull exactly one lever, each lever once.

    A variant named after its lever wins over another name for the same lever (``actual``
    with one lever is that lever's run again, not a second lever).
    """
    return [
        v
        for v, r in runs.items()
        if v != reference and len(r.levers) == 1 and (v == r.levers[0] or r.levers[0] not in runs)
    ]


def rank_levers(
    runs: Mapping[str, SimulationRun],
    *,
    outcome: str | None = None,
    reference: str = "none",
    levers: Sequence[str] | None = None,
    level: float = 0.95,
) -> LeverRanking:
    """Rank single levers on an outcome with intervals adjusted for how many were compared.

    Parameters
    ----------
    runs
        Variant name -> run, all with the same seed and number of paths (common random numbers),
        e.g. :func:`~brinkwatch.simulate.simulate_scenario`'s result.
    outcome
        The outcome to rank on (default: the scenario's first).
    reference
        The variant without intervention.
    levers
        The variants to compare (default: every variant that pulls exactly one lever).
    level
        Family-wise confidence level of the intervals.

    Returns
    -------
    LeverRanking

    Raises
    ------
    ScenarioError
        If the reference or a lever is missing, or the runs do not share seed and paths.

    Examples
    --------
    >>> r = rank_levers(simulate_scenario(sc, dyn, n_paths=400, seed=1))  # doctest: +SKIP
    >>> r.verdict, r.top.lever  # doctest: +SKIP
    ('tied', 'working_level_channels')
    """
    if reference not in runs:
        raise ScenarioError(f"no run called '{reference}' to compare the levers against")
    ref = runs[reference]
    name = ref.scenario.outcome(outcome).name
    chosen = list(levers) if levers is not None else single_levers(runs, reference)
    for v in chosen:
        if v not in runs:
            raise ScenarioError(f"no run called '{v}' among the levers to rank")
        r = runs[v]
        if r.n_paths != ref.n_paths or r.seed != ref.seed:
            raise ScenarioError("levers ranked must share their number of paths and seed")
        if not np.array_equal(r.param_set, ref.param_set):
            raise ScenarioError("levers ranked must share their parameter draws (same seed)")
    sets = ref.param_set
    base = ref.outcomes[name].astype(float)
    n = len(chosen)
    raw = {v: runs[v].outcomes[name].astype(float) - base for v in chosen}
    sign = _direction(runs, name)
    if sign == 0 and raw:  # no lever says which way: the way the largest move goes
        big = max(raw.values(), key=lambda d: abs(float(d.mean())))
        sign = 1 if float(big.mean()) >= 0 else -1
    sign = sign or -1
    alpha = 1 - level
    effects = []
    for v, d in raw.items():
        mean, lo, hi = _clustered(d, sets, alpha / n)
        _, ulo, uhi = _clustered(d, sets, alpha)
        helps = bool(lo > 0 if sign > 0 else hi < 0)
        prob = float(runs[v].outcomes[name].mean())
        effects.append(LeverEffect(v, prob, mean, lo, hi, ulo, uhi, helps))
    effects.sort(key=lambda e: -sign * e.effect)
    gap = gap_lo = gap_hi = math.nan
    if n >= 2:
        pairs = n * (n - 1) // 2
        d = sign * (raw[effects[0].lever] - raw[effects[1].lever])
        gap, gap_lo, gap_hi = _clustered(d, sets, alpha / pairs)
    verdict: Verdict
    if not any(e.helps for e in effects):
        verdict = "none"
    elif effects[0].helps and (n == 1 or gap_lo > 0):
        verdict = "best"
    else:
        verdict = "tied"
    return LeverRanking(
        outcome=name,
        reference=reference,
        base=float(base.mean()),
        direction=sign,
        effects=tuple(effects),
        gap=gap,
        gap_low=gap_lo,
        gap_high=gap_hi,
        verdict=verdict,
        n_paths=ref.n_paths,
        seed=ref.seed,
        level=level,
    )
