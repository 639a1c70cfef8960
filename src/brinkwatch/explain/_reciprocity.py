"""Reciprocity and triangularity in words and numbers, from responses and Granger tests.

Every sentence follows from a test that supports it. A causal-sounding phrase ("answers in
kind", "X's moves change the dyad") needs all three of:

- the Granger test behind it rejects at ``alpha`` after Holm's correction over the whole family
  of tests (pairs and blocks together);
- the bootstrap interval of the generalised impulse response excludes zero at
  :data:`CLAIM_HORIZON`, a horizon fixed here, before any data are looked at (no search over
  horizons for the one that happens to clear zero);
- every series involved passes the stationarity tests (ADF rejects a unit root and KPSS does not
  reject stationarity) in the form fitted; otherwise the finding is "not supported" on levels and
  the sentence says to fit on differences.

Otherwise the sentence says what was found without the claim.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from brinkwatch.explain._results import GrangerTest, ImpulseResponse, StationarityTest
from brinkwatch.explain._series import split_dyad

if TYPE_CHECKING:
    from brinkwatch.explain._var import TriadVAR

__all__ = [
    "CLAIM_HORIZON",
    "PairReciprocity",
    "Reciprocity",
    "Response",
    "SamePeriod",
    "ThirdPartyEffect",
    "compare_measures",
    "summarise",
]

#: Horizon (in periods after the surprise) at which an impulse-response interval must exclude
#: zero for a claim. Fixed in advance: one period is the first answer a lagged model can show.
CLAIM_HORIZON = 1


def _level(alpha: float) -> str:
    return f"{100 * alpha:g}%"


def _pv(p: float) -> str:
    return "<0.001" if p < 0.001 else f"={p:.3f}"


def _when(h: int, unit: str) -> str:
    return f"{h} {unit}" + ("" if h == 1 else "s")


@dataclass(frozen=True)
class Response:
    """How one series answers a one-standard-deviation surprise in another.

    Attributes
    ----------
    impulse, response
        Series names.
    horizon
        Periods after the surprise: :data:`CLAIM_HORIZON`, fixed before looking.
    value, lower, upper
        Generalised impulse response there, with its bootstrap interval.
    per_unit
        ``value`` divided by the size of the surprise: the answer per unit of the impulse.
    significant
        Whether the interval excludes zero at ``horizon``.
    granger_p
        Unadjusted p-value of the pairwise Granger test impulse => response (tables only).
    granger_p_holm
        The same, Holm-adjusted over the whole family of tests (what sentences quote).
    stationary
        Whether both series pass the stationarity tests in the form fitted.
    alpha
        Level of the tests.
    """

    impulse: str
    response: str
    horizon: int
    value: float
    lower: float | None
    upper: float | None
    per_unit: float
    significant: bool
    granger_p: float | None
    granger_p_holm: float | None = None
    stationary: bool = True
    alpha: float = 0.05

    @property
    def evidence(self) -> bool:
        """Adjusted Granger p below ``alpha`` and an interval excluding zero at ``horizon``."""
        return (
            self.significant
            and self.granger_p_holm is not None
            and self.granger_p_holm < self.alpha
        )

    @property
    def supported(self) -> bool:
        """Whether a claim may be made: the evidence holds on stationary series."""
        return self.evidence and self.stationary

    @property
    def in_kind(self) -> bool:
        """A supported answer of the same sign (cooperation for cooperation, conflict too)."""
        return self.supported and self.value > 0

    @property
    def status(self) -> str:
        """``in kind``, ``against the grain``, ``not supported`` or ``no evidence``."""
        if self.supported:
            return "in kind" if self.value > 0 else "against the grain"
        return "not supported" if self.evidence else "no evidence"

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {
            **asdict(self),
            "in_kind": self.in_kind,
            "supported": self.supported,
            "status": self.status,
        }


@dataclass(frozen=True)
class SamePeriod:
    """Correlation of two series' surprises within one period (VAR residuals).

    It says that they move together inside a period, not who answers whom; it is reported apart
    from the lagged influence. ``lower``/``upper`` is a Fisher-z interval at 1 - alpha.
    """

    a: str
    b: str
    r: float
    lower: float
    upper: float
    n: int

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class PairReciprocity:
    """Both directions of one pair of actors (lagged), and how their surprises move together."""

    a: str
    b: str
    b_answers_a: Response
    a_answers_b: Response
    same_period_corr: float
    lines: list[str]

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {
            "a": self.a,
            "b": self.b,
            "b_answers_a": self.b_answers_a.as_dict(),
            "a_answers_b": self.a_answers_b.as_dict(),
            "same_period_corr": self.same_period_corr,
            "lines": list(self.lines),
        }


@dataclass(frozen=True)
class ThirdPartyEffect:
    """Whether one actor's moves toward the other two change the dyad between them.

    ``verdict`` is ``yes`` (the block Granger test rejects after Holm's correction and a response
    interval excludes zero at :data:`CLAIM_HORIZON`, on stationary series), ``not supported``
    (the same evidence on series that fail the stationarity tests) or ``no``.
    """

    actor: str
    pair: tuple[str, str]
    block: GrangerTest | None
    responses: list[Response]
    verdict: str
    lines: list[str]

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {
            "actor": self.actor,
            "pair": list(self.pair),
            "block": None if self.block is None else self.block.as_dict(),
            "responses": [r.as_dict() for r in self.responses],
            "verdict": self.verdict,
            "lines": list(self.lines),
        }


@dataclass(frozen=True)
class Reciprocity:
    """Reciprocity within each pair of a triad and the influence of each third party.

    ``lines`` is the lagged influence in words (first a line on the lag order when it was forced
    or when no dynamics were detected); ``same_period_lines`` the same-period correlations, kept
    apart; ``disagreements`` where another measure of the same dyads reads differently (filled by
    :func:`~brinkwatch.explain.explain_triad`); ``notes`` repeat what the checks found;
    ``insufficient`` is True when no VAR could be fitted; ``dynamics`` is False when the lag
    criterion chose 0 lags; ``family`` is the number of Granger tests Holm corrects over.
    """

    pairs: list[PairReciprocity]
    third_parties: list[ThirdPartyEffect]
    lines: list[str]
    notes: list[str] = field(default_factory=list)
    insufficient: bool = False
    measure: str = "value"
    unit: str = "period"
    same_period: list[SamePeriod] = field(default_factory=list)
    same_period_lines: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    dynamics: bool = True
    lags_forced: bool = False
    family: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {
            "measure": self.measure,
            "unit": self.unit,
            "insufficient": self.insufficient,
            "dynamics": self.dynamics,
            "lags_forced": self.lags_forced,
            "family": self.family,
            "lines": list(self.lines),
            "same_period_lines": list(self.same_period_lines),
            "disagreements": list(self.disagreements),
            "notes": list(self.notes),
            "pairs": [p.as_dict() for p in self.pairs],
            "same_period": [s.as_dict() for s in self.same_period],
            "third_parties": [t.as_dict() for t in self.third_parties],
        }


def _stationary(tests: list[StationarityTest], form: str) -> dict[str, StationarityTest]:
    return {t.series: t for t in tests if t.form == form}


def _at(
    irf: ImpulseResponse,
    imp: str,
    resp: str,
    g: GrangerTest | None,
    stationary: bool,
) -> Response:
    j, i = irf.names.index(imp), irf.names.index(resp)
    h = min(CLAIM_HORIZON, irf.steps)
    v = float(irf.values[h, i, j])
    lo = None if irf.lower is None else float(irf.lower[h, i, j])
    hi = None if irf.upper is None else float(irf.upper[h, i, j])
    sig = lo is not None and hi is not None and (lo > 0 or hi < 0)
    shock = float(irf.shock[j])
    return Response(
        impulse=imp,
        response=resp,
        horizon=h,
        value=v,
        lower=lo,
        upper=hi,
        per_unit=v / shock if shock > 0 else float("nan"),
        significant=bool(sig),
        granger_p=None if g is None else g.pvalue,
        granger_p_holm=None if g is None else g.pvalue_holm,
        stationary=stationary,
        alpha=irf.alpha,
    )


def _interval(r: Response, alpha: float) -> str:
    if r.lower is None or r.upper is None:
        return "no interval"
    return f"{100 * (1 - alpha):.0f}% interval {r.lower:+.3g} to {r.upper:+.3g}"


def _holm(p: float | None, family: int) -> str:
    if p is None:
        return "no Granger test"
    return f"Holm-adjusted Granger p{_pv(p)} over {family} tests"


def _nonstationary(names: list[str], tests: dict[str, StationarityTest], form: str) -> str:
    parts = []
    for n in names:
        t = tests.get(n)
        if t is None or t.verdict == "stationary":
            continue
        if t.adf_pvalue is None or t.kpss_pvalue is None:
            parts.append(f"{n} could not be tested")
        else:
            parts.append(f"{n} (ADF p={t.adf_pvalue:.2f}, KPSS p={t.kpss_pvalue:.2f})")
    what = "levels" if form == "level" else "differences"
    return (
        f"{', '.join(parts)} fail{'s' if len(parts) == 1 else ''} the stationarity tests on " + what
    )


def _fix(form: str) -> str:
    if form == "level":
        return "fit on first differences (difference=True, --difference) to check it"
    return "even differenced, these series do not look stationary"


def _sentence(
    r: Response,
    irf: ImpulseResponse,
    what: str,
    family: int,
    tests: dict[str, StationarityTest],
    form: str,
) -> str:
    j = irf.names.index(r.impulse)
    after = _when(r.horizon, irf.unit)
    surprise = f"a surprise of one standard deviation in {r.impulse} ({irf.shock[j]:.3g} {what})"
    detail = (
        f"{r.value:+.3g} in {r.response} after {after} "
        f"({r.per_unit:+.2f} per unit; {_interval(r, irf.alpha)}; "
        f"{_holm(r.granger_p_holm, family)})"
    )
    if r.status == "in kind":
        return f"{r.response} answers {r.impulse} in kind: {surprise} is followed by {detail}."
    if r.status == "against the grain":
        return (
            f"{r.response} answers {r.impulse} against the grain (opposite sign): {surprise} is "
            f"followed by {detail}."
        )
    if r.status == "not supported":
        return (
            f"Not supported: {r.response} would answer {r.impulse} ({surprise} is followed by "
            f"{detail}), but {_nonstationary([r.impulse, r.response], tests, form)}, where "
            f"Granger tests and responses mislead; {_fix(form)}."
        )
    head = (
        f"No evidence at the {_level(irf.alpha)} level after correcting for {family} tests that "
        f"{r.response} answers {r.impulse}"
    )
    if r.granger_p_holm is not None and r.granger_p_holm < r.alpha:
        # The lags predict, but not at the horizon fixed in advance: no search for another.
        return (
            f"{head} after {after}: the Granger test rejects ({_holm(r.granger_p_holm, family)}), "
            f"but {surprise} is followed by {r.value:+.3g} in {r.response} after {after} "
            f"({_interval(r, irf.alpha)}), an interval that includes zero."
        )
    return (
        f"{head}: {_holm(r.granger_p_holm, family)}; {surprise} is followed by {r.value:+.3g} "
        f"in {r.response} after {after} ({_interval(r, irf.alpha)})."
    )


def _same_period(names: list[str], sigma: np.ndarray[Any, Any], n: int, alpha: float,
                 ab: str, ba: str) -> SamePeriod:  # fmt: skip
    from scipy.stats import norm

    i, j = names.index(ab), names.index(ba)
    sd = np.sqrt(sigma[i, i] * sigma[j, j])
    r = float(np.clip(sigma[i, j] / sd, -1.0, 1.0)) if sd > 0 else 0.0
    # Fisher's z: an interval that stays inside [-1, 1].
    half = float(norm.ppf(1 - alpha / 2)) / np.sqrt(max(n - 3, 1))
    z = float(np.arctanh(np.clip(r, -0.999999, 0.999999)))
    return SamePeriod(ab, ba, r, float(np.tanh(z - half)), float(np.tanh(z + half)), n)


def _same_period_line(s: SamePeriod, unit: str, alpha: float, dynamic: bool) -> str:
    what = "surprises (VAR residuals)" if dynamic else "deviations from their means"
    return (
        f"Within the same {unit}, separate from any lagged influence, the {what} of {s.a} and "
        f"{s.b} correlate at r={s.r:+.2f} ({100 * (1 - alpha):.0f}% interval {s.lower:+.2f} to "
        f"{s.upper:+.2f}; {s.n} {unit}s): this says they move together inside a {unit}, not "
        "who answers whom."
    )


def _lag_line(model: TriadVAR) -> list[str]:
    lc = model.lag_choice_
    others = ", ".join(f"{c.upper()} {v}" for c, v in lc.selected.items() if c != model.ic)
    if not model.dynamics_:
        return [
            f"No dynamics detected: {model.ic.upper()} chooses 0 lags ({others}), so no "
            "series' past predicts another's and no lagged influence was fitted; only "
            "same-period correlations are reported (force a lag order with lags=, --lags, to "
            "look anyway)."
        ]
    if model.lags_forced_:
        pick = lc.selected.get(model.ic)
        chose = f"; {model.ic.upper()} would choose {pick} ({others})" if pick is not None else ""
        none = ", and the criteria detect no dynamics at all" if pick == 0 else ""
        return [
            f"The lag order {model.lag_order_} was forced (lags={model.lags}){chose}{none}: "
            "the lagged findings below hold for the forced order only."
        ]
    return []


def summarise(
    model: TriadVAR, irf: ImpulseResponse | None, granger: list[GrangerTest]
) -> Reciprocity:
    """Build the :class:`Reciprocity` summary of a fitted model (``TriadVAR.reciprocity``).

    ``irf`` is None when no dynamics were detected: then only same-period correlations are read.
    """
    names = list(model.names_)
    by_pair = {(g.causing[0], g.caused[0]): g for g in granger if g.kind == "pair"}
    family = len(granger)
    what = ("change in " if model.difference else "") + model.measure_
    form = "difference" if model.difference else "level"
    tests = _stationary(model.stationarity_, form)
    ok = {n for n, t in tests.items() if t.verdict == "stationary"}
    unit = irf.unit if irf is not None else model.unit_
    alpha = irf.alpha if irf is not None else model.alpha
    acts = model.actors()
    lines = _lag_line(model)
    notes = list(model.notes_)
    pairs: list[PairReciprocity] = []
    same: list[SamePeriod] = []
    for x in range(len(acts)):
        for y in range(x + 1, len(acts)):
            a, b = acts[x], acts[y]
            ab, ba = f"{a}->{b}", f"{b}->{a}"
            if ab not in names or ba not in names:
                gone = [d for d in (ab, ba) if d not in names]
                notes.append(f"no reciprocity for {a}-{b}: {', '.join(gone)} not in the model")
                continue
            sp = _same_period(names, model.sigma_u_, model.nobs_, alpha, ab, ba)
            same.append(sp)
            if irf is None:
                continue
            both = ab in ok and ba in ok
            fwd = _at(irf, ab, ba, by_pair.get((ab, ba)), both)
            bwd = _at(irf, ba, ab, by_pair.get((ba, ab)), both)
            pl = [
                _sentence(fwd, irf, what, family, tests, form),
                _sentence(bwd, irf, what, family, tests, form),
            ]
            pairs.append(PairReciprocity(a, b, fwd, bwd, sp.r, pl))
            lines += pl
    thirds = [] if irf is None else _third_parties(model, irf, granger, tests, ok, form)
    lines += [t.lines[0] for t in thirds]
    if not acts:
        notes.append("series are not named as dyads (A->B), so there is no triad summary")
    return Reciprocity(
        pairs=pairs,
        third_parties=thirds,
        lines=lines,
        notes=notes,
        insufficient=False,
        measure=what,
        unit=unit,
        same_period=same,
        same_period_lines=[_same_period_line(s, unit, alpha, irf is not None) for s in same],
        dynamics=model.dynamics_,
        lags_forced=model.lags_forced_,
        family=family,
    )


def _third_parties(
    model: TriadVAR,
    irf: ImpulseResponse,
    granger: list[GrangerTest],
    tests: dict[str, StationarityTest],
    ok: set[str],
    form: str,
) -> list[ThirdPartyEffect]:
    names = list(model.names_)
    by_pair = {(g.causing[0], g.caused[0]): g for g in granger if g.kind == "pair"}
    family = len(granger)
    acts = model.actors()
    thirds: list[ThirdPartyEffect] = []
    for c in acts:
        others = [a for a in acts if a != c]
        if len(others) != 2:
            continue
        causing = [n for n in names if (split_dyad(n) or ("", ""))[0] == c]
        caused = [n for n in names if (st := split_dyad(n)) and set(st) == set(others)]
        if not causing or not caused:
            continue
        # The joint test of c's moves on the pair (a pairwise test when one dyad is left).
        block = next(
            (g for g in granger if set(g.causing) == set(causing) and set(g.caused) == set(caused)),
            None,
        )
        stat = all(n in ok for n in (*causing, *caused))
        resp = [_at(irf, i, d, by_pair.get((i, d)), stat) for i in causing for d in caused]
        resp.sort(key=lambda r: (not r.significant, -abs(r.value)))
        best = resp[0]
        evidence = block is not None and block.significant_holm and best.significant
        verdict = ("yes" if stat else "not supported") if evidence else "no"
        dyad = f"{others[0]}-{others[1]}"
        bt = (
            "no joint test"
            if block is None
            else f"{'block ' if block.kind == 'block' else ''}Granger F={block.stat:.2f}, "
            f"Holm-adjusted p{_pv(_adj(block))} over {family} tests for "
            f"{block.label}"
        )
        detail = (
            f"{best.response} moves {best.value:+.3g} {_when(best.horizon, irf.unit)} after a "
            f"surprise in {best.impulse} ({_interval(best, irf.alpha)})"
        )
        if verdict == "yes":
            text = f"{c}'s moves change the {dyad} dyad ({bt}); strongest: {detail}."
        elif verdict == "not supported":
            text = (
                f"Not supported: {c}'s moves would change the {dyad} dyad ({bt}; {detail}), but "
                f"{_nonstationary([*causing, *caused], tests, form)}; {_fix(form)}."
            )
        else:
            text = (
                f"No evidence at the {_level(irf.alpha)} level after correcting for {family} "
                f"tests that {c}'s moves change the {dyad} dyad ({bt}); the largest response: "
                f"{detail}."
            )
        thirds.append(ThirdPartyEffect(c, (others[0], others[1]), block, resp, verdict, [text]))
    return thirds


def _adj(g: GrangerTest) -> float:
    return g.pvalue if g.pvalue_holm is None else g.pvalue_holm


def _conclusion(r: Response) -> str:
    return r.status if r.supported else "no finding"


def _said(r: Response, unit: str) -> str:
    p = "no Granger test" if r.granger_p_holm is None else f"Holm-adjusted p{_pv(r.granger_p_holm)}"
    return f"{_conclusion(r)} ({p}; {r.value:+.3g} after {_when(r.horizon, unit)})"


def compare_measures(main: Reciprocity, other: Reciprocity) -> list[str]:
    """Say where two measures of the same triad (net_coop, goldstein_sum) read differently.

    A disagreement is a different conclusion (in kind, against the grain, none) for the same
    answer or third party, or an adjusted Granger test that rejects with one measure and not the
    other.

    Examples
    --------
    >>> a = Reciprocity([], [], ["x"], measure="net_coop")
    >>> compare_measures(a, Reciprocity([], [], [], measure="goldstein_sum"))
    []
    """
    m1, m2 = main.measure, other.measure
    out: list[str] = []
    mine = [r for p in main.pairs for r in (p.b_answers_a, p.a_answers_b)]
    theirs = {
        (r.impulse, r.response): r for p in other.pairs for r in (p.b_answers_a, p.a_answers_b)
    }
    claims = any(r.supported for r in mine) or any(t.verdict == "yes" for t in main.third_parties)
    if not main.dynamics or main.insufficient:
        found = [r for p in other.pairs for r in (p.b_answers_a, p.a_answers_b) if r.supported]
        if found or any(t.verdict == "yes" for t in other.third_parties):
            why = "no VAR could be fitted" if main.insufficient else "no dynamics are detected"
            out.append(
                f"The measures disagree: with {m1} {why}, but with {m2} the lagged model finds "
                + "; ".join(f"{r.response} answers {r.impulse} {r.status}" for r in found)
                + (" and third-party effects" if not found else "")
                + "."
            )
        return out
    if not other.dynamics or other.insufficient:
        why = "no VAR could be fitted" if other.insufficient else "no dynamics are detected"
        if claims:
            out.append(
                f"The measures disagree: with {m2} {why}, so the lagged findings with {m1} are "
                "not backed by the other measure of the same dyads."
            )
        return out
    for r in mine:
        o = theirs.get((r.impulse, r.response))
        if o is None:
            continue
        sig1 = r.granger_p_holm is not None and r.granger_p_holm < r.alpha
        sig2 = o.granger_p_holm is not None and o.granger_p_holm < o.alpha
        if _conclusion(r) != _conclusion(o) or sig1 != sig2:
            out.append(
                f"The measures disagree on whether {r.response} answers {r.impulse}: with {m1}, "
                f"{_said(r, main.unit)}; with {m2}, {_said(o, other.unit)}. Read this finding "
                "as fragile."
            )
    verdicts = {t.actor: t.verdict for t in other.third_parties}
    for t in main.third_parties:
        v2 = verdicts.get(t.actor)
        if v2 is not None and (t.verdict == "yes") != (v2 == "yes"):
            out.append(
                f"The measures disagree on whether {t.actor}'s moves change the "
                f"{t.pair[0]}-{t.pair[1]} dyad: {t.verdict} with {m1}, {v2} with {m2}."
            )
    return out
