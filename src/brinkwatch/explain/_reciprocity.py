"""Reciprocity and triangularity in words and numbers, from responses and Granger tests."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from brinkwatch.explain._results import GrangerTest, ImpulseResponse
from brinkwatch.explain._series import split_dyad

if TYPE_CHECKING:
    from brinkwatch.explain._var import TriadVAR

__all__ = ["PairReciprocity", "Reciprocity", "Response", "ThirdPartyEffect", "summarise"]


@dataclass(frozen=True)
class Response:
    """How one series answers a one-standard-deviation surprise in another.

    Attributes
    ----------
    impulse, response
        Series names.
    horizon
        Periods after the surprise at which the answer is largest (among horizons whose
        interval excludes zero when any does).
    value, lower, upper
        Generalised impulse response there, with its bootstrap interval.
    per_unit
        ``value`` divided by the size of the surprise: the answer per unit of the impulse.
    significant
        Whether the interval excludes zero.
    granger_p
        p-value of the pairwise Granger test impulse => response.
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

    @property
    def in_kind(self) -> bool:
        """Whether the answer is significant and of the same sign (coop for coop, conflict too)."""
        return self.significant and self.value > 0

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {**asdict(self), "in_kind": self.in_kind}


@dataclass(frozen=True)
class PairReciprocity:
    """Both directions of one pair of actors, and how their surprises move together."""

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

    ``verdict`` is ``yes`` (block Granger test rejects), ``some`` (only some response interval
    excludes zero) or ``no``.
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

    ``lines`` is the summary in words; ``notes`` repeat what the checks found (sparse data,
    dropped series); ``insufficient`` is True when no VAR could be fitted.
    """

    pairs: list[PairReciprocity]
    third_parties: list[ThirdPartyEffect]
    lines: list[str]
    notes: list[str] = field(default_factory=list)
    insufficient: bool = False
    measure: str = "value"
    unit: str = "period"

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {
            "measure": self.measure,
            "unit": self.unit,
            "insufficient": self.insufficient,
            "lines": list(self.lines),
            "notes": list(self.notes),
            "pairs": [p.as_dict() for p in self.pairs],
            "third_parties": [t.as_dict() for t in self.third_parties],
        }


def _peak(irf: ImpulseResponse, imp: str, resp: str, granger_p: float | None) -> Response:
    j, i = irf.names.index(imp), irf.names.index(resp)
    v = irf.values[1:, i, j]
    lo = irf.lower[1:, i, j] if irf.lower is not None else None
    hi = irf.upper[1:, i, j] if irf.upper is not None else None
    sig = (lo > 0) | (hi < 0) if lo is not None and hi is not None else np.zeros(len(v), bool)
    cand = np.flatnonzero(sig) if sig.any() else np.arange(len(v))
    h = int(cand[np.argmax(np.abs(v[cand]))])
    shock = float(irf.shock[j])
    return Response(
        impulse=imp,
        response=resp,
        horizon=h + 1,
        value=float(v[h]),
        lower=None if lo is None else float(lo[h]),
        upper=None if hi is None else float(hi[h]),
        per_unit=float(v[h]) / shock if shock > 0 else float("nan"),
        significant=bool(sig[h]),
        granger_p=granger_p,
    )


def _when(h: int, unit: str) -> str:
    return f"{h} {unit}" + ("" if h == 1 else "s")


def _interval(r: Response, irf: ImpulseResponse) -> str:
    if r.lower is None or r.upper is None:
        return "no interval"
    return f"{100 * (1 - irf.alpha):.0f}% interval {r.lower:+.3g} to {r.upper:+.3g}"


def _pv(p: float) -> str:
    return "<0.001" if p < 0.001 else f"={p:.3f}"


def _gp(r: Response) -> str:
    return "" if r.granger_p is None else f"; Granger p{_pv(r.granger_p)}"


def _sentence(r: Response, irf: ImpulseResponse, what: str) -> str:
    j = irf.names.index(r.impulse)
    surprise = f"a surprise of one standard deviation in {r.impulse} ({irf.shock[j]:.3g} {what})"
    detail = (
        f"{r.value:+.3g} in {r.response} after {_when(r.horizon, irf.unit)} "
        f"({r.per_unit:+.2f} per unit; {_interval(r, irf)}{_gp(r)})"
    )
    if r.in_kind:
        return f"{r.response} answers {r.impulse} in kind: {surprise} is followed by {detail}."
    if r.significant:
        return (
            f"{r.response} answers {r.impulse} against the grain (opposite sign): {surprise} is "
            f"followed by {detail}."
        )
    return (
        f"{r.response} shows no clear answer to {r.impulse} within "
        f"{_when(irf.steps, irf.unit)}: the largest is {detail}."
    )


def summarise(model: TriadVAR, irf: ImpulseResponse, granger: list[GrangerTest]) -> Reciprocity:
    """Build the :class:`Reciprocity` summary of a fitted model (``TriadVAR.reciprocity``)."""
    names = list(model.names_)
    pair_p = {(g.causing[0], g.caused[0]): g.pvalue for g in granger if g.kind == "pair"}
    what = ("change in " if model.difference else "") + model.measure_
    sd = np.sqrt(np.diag(model.sigma_u_))
    corr = model.sigma_u_ / np.outer(sd, sd)
    acts = model.actors()
    lines: list[str] = []
    notes = list(model.notes_)
    pairs: list[PairReciprocity] = []
    for x in range(len(acts)):
        for y in range(x + 1, len(acts)):
            a, b = acts[x], acts[y]
            ab, ba = f"{a}->{b}", f"{b}->{a}"
            if ab not in names or ba not in names:
                gone = [d for d in (ab, ba) if d not in names]
                notes.append(f"no reciprocity for {a}-{b}: {', '.join(gone)} not in the model")
                continue
            fwd = _peak(irf, ab, ba, pair_p.get((ab, ba)))
            bwd = _peak(irf, ba, ab, pair_p.get((ba, ab)))
            r = float(corr[names.index(ab), names.index(ba)])
            pl = [
                _sentence(fwd, irf, what),
                _sentence(bwd, irf, what),
                f"Within the same {irf.unit}, surprises in {ab} and {ba} correlate at r={r:+.2f} "
                f"(answers inside one {irf.unit} show here, not in the lags).",
            ]
            pairs.append(PairReciprocity(a, b, fwd, bwd, r, pl))
            lines += pl
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
        resp = [_peak(irf, i, d, pair_p.get((i, d))) for i in causing for d in caused]
        resp.sort(key=lambda r: (not r.significant, -abs(r.value)))
        any_sig = any(r.significant for r in resp)
        verdict = "yes" if block is not None and block.significant else "some" if any_sig else "no"
        dyad = f"{others[0]}-{others[1]}"
        bt = (
            ""
            if block is None
            else f"{'block ' if block.kind == 'block' else ''}Granger F={block.stat:.2f}, "
            f"p{_pv(block.pvalue)} for {block.label}"
        )
        best = resp[0]
        detail = (
            f"{best.response} moves {best.value:+.3g} {_when(best.horizon, irf.unit)} after a "
            f"surprise in {best.impulse} ({_interval(best, irf)})"
        )
        if verdict == "yes":
            text = f"{c}'s moves change the {dyad} dyad ({bt}); strongest: {detail}."
        elif verdict == "some":
            text = (
                f"Some sign that {c}'s moves change the {dyad} dyad: {detail}; "
                f"but jointly not significant ({bt})."
            )
        else:
            text = (
                f"No evidence that {c}'s moves change the {dyad} dyad ({bt}); "
                f"the largest response: {detail}."
            )
        thirds.append(ThirdPartyEffect(c, (others[0], others[1]), block, resp, verdict, [text]))
        lines.append(text)
    if not acts:
        notes.append("series are not named as dyads (A->B), so there is no triad summary")
    return Reciprocity(
        pairs=pairs,
        third_parties=thirds,
        lines=lines,
        notes=notes,
        insufficient=False,
        measure=what,
        unit=irf.unit,
    )
