"""Claims follow evidence: each wording rule of the explain summary, on data whose truth is known.

Rules (issue 14, item 7; docs/explain.md, "What a sentence may claim"): sentences quote the
Holm-adjusted p over the whole family; a causal-sounding phrase needs that p below alpha and an
interval excluding zero at the fixed horizon, on stationary series; no dynamics when the criterion
chooses 0 lags; same-period correlation apart; two measures that disagree are said to.
"""

from __future__ import annotations

import re
import warnings
from datetime import date

import numpy as np
import pytest

from brinkwatch.errors import InsufficientDataError, NonStationaryWarning, SparseDataWarning
from brinkwatch.explain import (
    CLAIM_HORIZON,
    Response,
    TriadVAR,
    explain_triad,
    simulate_var,
)
from brinkwatch.explain._var import holm_adjust
from brinkwatch.store import Store

NAMES = ["USA->JPN", "USA->KOR", "JPN->USA", "JPN->KOR", "KOR->USA", "KOR->JPN"]
UJ, UK, JU, JK, KU, KJ = range(6)
CLAIMS = ("answers", "in kind", "against the grain", "'s moves change")


def _claims(line: str) -> bool:
    return not line.startswith(("No evidence", "Not supported", "No dynamics", "The lag order"))


def test_the_claim_horizon_is_fixed_at_one_period() -> None:
    assert CLAIM_HORIZON == 1


@pytest.mark.parametrize(
    ("significant", "holm", "stationary", "status"),
    [
        (True, 0.01, True, "in kind"),
        (True, 0.06, True, "no evidence"),  # interval clears zero, adjusted p does not
        (False, 0.001, True, "no evidence"),  # adjusted p clears, interval at h=1 does not
        (True, 0.01, False, "not supported"),  # evidence on a non-stationary series
        (True, None, True, "no evidence"),
    ],
)
def test_a_claim_needs_adjusted_p_interval_and_stationarity(
    significant: bool, holm: float | None, stationary: bool, status: str
) -> None:
    r = Response("A->B", "B->A", 1, 0.3, 0.1 if significant else -0.1, 0.5, 0.3, significant,
                 0.001, holm, stationary, 0.05)  # fmt: skip
    assert r.status == status
    assert r.in_kind is (status == "in kind") and r.supported is (status == "in kind")


def test_holm_runs_over_pairs_and_blocks_together() -> None:
    a = 0.3 * np.eye(6)
    a[KJ, JK] = 0.4
    y = simulate_var(a[None], np.eye(6), 300, seed=4)
    g = TriadVAR(lags=1).fit(y, names=NAMES).granger()
    blocks = [t for t in g if t.kind == "block"]
    assert len(g) == 30 + len(blocks) and len(blocks) == 3
    assert [t.pvalue_holm for t in g] == holm_adjust([t.pvalue for t in g])
    assert all(t.family == len(g) for t in g)
    assert all(t.pvalue_holm is not None and t.pvalue_holm >= t.pvalue for t in blocks)


def test_an_answer_at_lag_two_only_is_not_claimed_at_the_fixed_horizon() -> None:
    # B answers A two periods later and not one: the Granger test finds it, the response at the
    # horizon fixed in advance does not, so nothing is claimed (no search for a better horizon).
    a1, a2 = 0.2 * np.eye(2), np.zeros((2, 2))
    a2[1, 0] = 0.6
    y = simulate_var(np.stack([a1, a2]), np.eye(2), 600, seed=2)
    m = TriadVAR(lags=2).fit(y, names=["A->B", "B->A"])
    rec = m.reciprocity(repl=200, seed=0)
    fwd = rec.pairs[0].b_answers_a
    assert (fwd.impulse, fwd.response, fwd.horizon) == ("A->B", "B->A", 1)
    assert fwd.granger_p_holm is not None and fwd.granger_p_holm < 1e-6
    assert not fwd.significant and not fwd.in_kind and fwd.status == "no evidence"
    line = rec.pairs[0].lines[0]
    assert line.startswith(
        "No evidence at the 5% level after correcting for 2 tests that B->A answers A->B after "
        "1 period: the Granger test rejects (Holm-adjusted Granger p<0.001 over 2 tests)"
    )
    assert line.endswith("an interval that includes zero.")


def test_white_noise_has_no_dynamics_and_only_same_period_correlation() -> None:
    cov = np.eye(6)
    cov[JK, KJ] = cov[KJ, JK] = 0.6  # Tokyo and Seoul move together within the period
    y = simulate_var(np.zeros((1, 6, 6)), cov, 300, seed=5)
    m = TriadVAR().fit(y, names=NAMES)
    assert set(m.lag_choice_.selected.values()) == {0}
    assert not m.dynamics_ and not m.insufficient_ and m.lag_order_ == 0
    assert m.coef_.shape == (0, 6, 6) and m.granger() == []
    assert any(n.startswith("no dynamics detected: AIC chooses 0 lags") for n in m.notes_)
    with pytest.raises(InsufficientDataError, match="no dynamics detected"):
        m.irf(4, repl=0)
    rec = m.reciprocity()
    assert not rec.dynamics and rec.pairs == [] and rec.third_parties == []
    assert rec.lines == [
        "No dynamics detected: AIC chooses 0 lags (BIC 0, HQIC 0, FPE 0), so no series' past "
        "predicts another's and no lagged influence was fitted; only same-period correlations are "
        "reported (force a lag order with lags=, --lags, to look anyway)."
    ]
    jk = next(s for s in rec.same_period if {s.a, s.b} == {"JPN->KOR", "KOR->JPN"})
    assert jk.r == pytest.approx(0.6, abs=0.1) and jk.lower > 0.4 and jk.n == 300
    others = [s for s in rec.same_period if s is not jk]
    assert others and all(s.lower < 0 < s.upper for s in others)
    assert len(rec.same_period_lines) == 3
    assert not any(line in rec.lines for line in rec.same_period_lines)


def test_forced_lags_say_they_were_forced() -> None:
    y = simulate_var(np.zeros((1, 6, 6)), np.eye(6), 300, seed=5)
    m = TriadVAR(lags=1).fit(y, names=NAMES)
    assert m.dynamics_ and m.lags_forced_ and m.lag_order_ == 1
    assert "lag order 1 forced (lags=1); AIC would choose 0" in " ".join(m.notes_)
    rec = m.reciprocity(repl=100, seed=0)
    assert rec.lags_forced and rec.lines[0] == (
        "The lag order 1 was forced (lags=1); AIC would choose 0 (BIC 0, HQIC 0, FPE 0), and the "
        "criteria detect no dynamics at all: the lagged findings below hold for the forced order "
        "only."
    )


def test_same_period_correlation_is_apart_from_lagged_influence() -> None:
    # A lagged answer and a same-period link of opposite kinds: each is reported where it belongs.
    a = 0.3 * np.eye(6)
    a[KJ, JK] = 0.4
    cov = np.eye(6)
    cov[JK, KJ] = cov[KJ, JK] = -0.5
    y = simulate_var(a[None], cov, 500, seed=6)
    rec = TriadVAR(lags=1).fit(y, names=NAMES).reciprocity(repl=200, seed=0)
    jk = rec.pairs[2]
    assert jk.b_answers_a.in_kind
    sp = next(s for s in rec.same_period if (s.a, s.b) == ("JPN->KOR", "KOR->JPN"))
    assert sp.r == pytest.approx(-0.5, abs=0.1) and sp.upper < 0 and jk.same_period_corr == sp.r
    assert all("correlate" not in line for line in rec.lines)
    assert any(
        line.startswith("Within the same period, separate from any lagged influence, the "
                        "surprises (VAR residuals) of JPN->KOR and KOR->JPN correlate at r=-0.")
        for line in rec.same_period_lines
    )  # fmt: skip


def _random_walk_answer(seed: int) -> np.ndarray:
    # JPN->KOR drifts as a random walk and KOR->JPN follows it one period later.
    rng = np.random.default_rng(seed)
    n = 400
    jk = rng.normal(size=n).cumsum()
    kj = np.r_[0.0, 0.8 * jk[:-1]] + rng.normal(size=n)
    return np.column_stack([jk, kj])


def test_non_stationary_levels_do_not_support_a_claim_differences_are_read() -> None:
    y = _random_walk_answer(8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lev = TriadVAR(lags=1).fit(y, names=["JPN->KOR", "KOR->JPN"])
    said = [str(w.message) for w in caught if w.category is NonStationaryWarning]
    assert any(s.startswith("JPN->KOR looks non-stationary") for s in said)
    rec = lev.reciprocity(repl=200, seed=0)
    fwd = rec.pairs[0].b_answers_a
    assert fwd.evidence and not fwd.stationary and fwd.status == "not supported"
    assert not fwd.in_kind
    line = rec.pairs[0].lines[0]
    assert line.startswith("Not supported: KOR->JPN would answer JPN->KOR")
    assert "fail the stationarity tests on levels" in line
    assert line.endswith("fit on first differences (difference=True, --difference) to check it.")
    # On first differences the same answer is read, and claimed.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonStationaryWarning)
        dif = TriadVAR(lags=1, difference=True).fit(y, names=["JPN->KOR", "KOR->JPN"])
    assert {t.verdict for t in dif.stationarity_ if t.form == "difference"} == {"stationary"}
    d = dif.reciprocity(repl=200, seed=0)
    assert d.pairs[0].b_answers_a.in_kind and d.measure == "change in value"
    assert d.pairs[0].lines[0].startswith("KOR->JPN answers JPN->KOR in kind")


def test_sentences_quote_only_holm_adjusted_p(chronology: Store) -> None:
    # The README's weekly example (brinkwatch explain --actors USA JPN KOR --freq week --lags 2
    # --seed 1): a raw p below 0.05 (0.011 on the state actors' events of chronology edition 2;
    # edition 1 also had 0.032) must not surface as a finding.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        x = explain_triad(
            chronology.events, ["USA", "JPN", "KOR"], freq="week", model=TriadVAR(lags=2),
            repl=500, seed=1,
        )  # fmt: skip
    rec, g = x.reciprocity, x.granger
    assert rec.family == len(g) == 13
    holm = {f"{p:.3f}" for p in (t.pvalue_holm for t in g) if p is not None and p >= 0.001}
    quoted = re.findall(r"p=(\d\.\d{3})", " ".join(rec.lines))
    assert quoted and set(quoted) <= holm
    raw_only = {f"{t.pvalue:.3f}" for t in g} - holm
    assert any(float(p) < 0.05 for p in raw_only) and not set(quoted) & raw_only
    # No claim of reciprocity or influence survives the correction.
    assert rec.lines[0].startswith("The lag order 2 was forced (lags=2); AIC would choose 2")
    assert not any(_claims(line) for line in rec.lines)
    assert not any(r.supported for p in rec.pairs for r in (p.b_answers_a, p.a_answers_b))
    assert all(t.verdict == "no" for t in rec.third_parties)
    (pair,) = rec.pairs
    assert pair.lines[0].startswith(
        "No evidence at the 5% level after correcting for 13 tests that KOR->JPN answers JPN->KOR"
    )
    assert any(
        line.startswith("No evidence at the 5% level after correcting for 13 tests that KOR's "
                        "moves change the JPN-USA dyad (Granger F=4.51, Holm-adjusted p=0.145")
        for line in rec.lines
    )  # fmt: skip
    assert rec.same_period_lines[0].startswith("Within the same week, separate from any lagged")


def test_monthly_chronology_detects_no_dynamics_and_the_measures_disagree(
    chronology: Store,
) -> None:
    window = {"start": date(2015, 1, 1), "end": date(2023, 12, 31)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        x = explain_triad(chronology.events, ["USA", "JPN", "KOR"], repl=200, seed=1, **window)
        forced = explain_triad(
            chronology.events, ["USA", "JPN", "KOR"], model=TriadVAR(lags=1), repl=200, seed=1,
            **window,
        )  # fmt: skip
    # net_coop: every criterion chooses 0 lags; goldstein_sum (AIC 2) finds Seoul answering Tokyo.
    assert not x.model.dynamics_ and x.irf is None and x.fevd is None and x.granger == []
    assert x.reciprocity.lines[0].startswith("No dynamics detected: AIC chooses 0 lags")
    assert x.cross_check is not None and x.cross_check.measure == "goldstein_sum"
    assert x.reciprocity.disagreements == [
        "The measures disagree: with net_coop no dynamics are detected, but with goldstein_sum "
        "the lagged model finds KOR->JPN answers JPN->KOR in kind."
    ]
    # Forced to one lag, both measures see Seoul answering Tokyo in kind and neither sees Tokyo
    # answering Seoul, so no disagreement is reported. (Chronology edition 1 gave net_coop
    # Tokyo answering Seoul at Holm p=0.028; edition 2, without the doubled 163 acts and with
    # the 2020 events, gives p=0.051, and the disagreement goes with it.)
    jk = forced.reciprocity.pairs[0]
    assert jk.b_answers_a.in_kind and not jk.a_answers_b.in_kind
    assert jk.lines[1].startswith(
        "No evidence at the 5% level after correcting for 13 tests that JPN->KOR answers "
        "KOR->JPN: Holm-adjusted Granger p=0.051"
    )
    assert forced.cross_check is not None
    other = forced.cross_check.pairs[0]
    assert other.b_answers_a.in_kind and not other.a_answers_b.in_kind
    assert forced.reciprocity.disagreements == []
