"""Reciprocity and third-party summaries on a triad whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from brinkwatch.explain import Reciprocity, TriadVAR, simulate_var

NAMES = ["USA->JPN", "USA->KOR", "JPN->USA", "JPN->KOR", "KOR->USA", "KOR->JPN"]
UJ, UK, JU, JK, KU, KJ = range(6)


def _system() -> np.ndarray:
    a = 0.3 * np.eye(6)
    a[KJ, JK] = 0.4  # Seoul answers Tokyo in kind, a period later
    a[JK, UJ] = 0.35  # Washington's moves toward Tokyo carry over to Tokyo's toward Seoul
    a[UK, KU] = -0.35  # Washington answers Seoul against the grain
    return a[None]


@pytest.fixture(scope="module")
def rec() -> Reciprocity:
    y = simulate_var(_system(), np.eye(6), 400, seed=3)
    return TriadVAR(lags=1).fit(y, names=NAMES).reciprocity(repl=300, seed=0)


def test_pairs_follow_the_actors(rec: Reciprocity) -> None:
    assert [(p.a, p.b) for p in rec.pairs] == [("USA", "JPN"), ("USA", "KOR"), ("JPN", "KOR")]
    assert not rec.insufficient and rec.unit == "period" and rec.measure == "value"


def test_answer_in_kind_is_found_with_its_lag_and_size(rec: Reciprocity) -> None:
    jk = rec.pairs[2]
    fwd = jk.b_answers_a
    assert (fwd.impulse, fwd.response) == ("JPN->KOR", "KOR->JPN")
    assert fwd.in_kind and fwd.horizon == 1
    assert fwd.per_unit == pytest.approx(0.4, abs=0.12)
    assert fwd.granger_p is not None and fwd.granger_p < 1e-6
    assert not jk.a_answers_b.significant  # Tokyo does not answer Seoul
    assert jk.a_answers_b.granger_p is not None and jk.a_answers_b.granger_p > 0.05
    assert abs(jk.same_period_corr) < 0.15
    assert jk.lines[0].startswith("KOR->JPN answers JPN->KOR in kind")
    assert "after 1 period " in jk.lines[0]
    # Claims follow evidence: the other direction says what was found, without the claim.
    assert jk.lines[1].startswith(
        "No evidence at the 5% level after correcting for 33 tests that JPN->KOR answers KOR->JPN"
    )


def test_answer_against_the_grain_is_told_apart(rec: Reciprocity) -> None:
    uk = rec.pairs[1]
    back = uk.a_answers_b
    assert (back.impulse, back.response) == ("KOR->USA", "USA->KOR")
    assert back.significant and not back.in_kind and back.value < 0
    assert back.per_unit == pytest.approx(-0.35, abs=0.12)
    assert "against the grain" in uk.lines[1]


def test_third_party_influence(rec: Reciprocity) -> None:
    by_actor = {t.actor: t for t in rec.third_parties}
    assert set(by_actor) == {"USA", "JPN", "KOR"}
    usa = by_actor["USA"]
    assert usa.pair == ("JPN", "KOR") and usa.verdict == "yes"
    assert usa.block is not None and usa.block.kind == "block" and usa.block.pvalue < 1e-6
    best = usa.responses[0]
    assert (best.impulse, best.response, best.horizon) == ("USA->JPN", "JPN->KOR", 1)
    assert usa.lines[0].startswith("USA's moves change the JPN-KOR dyad")
    # Seoul's moves do not reach the USA-JPN dyad in this system.
    kor = by_actor["KOR"]
    assert kor.pair == ("USA", "JPN") and kor.verdict != "yes"
    assert kor.block is not None and kor.block.pvalue > 0.05


def test_summary_serialises(rec: Reciprocity) -> None:
    d = rec.as_dict()
    assert d["lines"] == rec.lines and len(d["pairs"]) == 3
    assert d["pairs"][2]["b_answers_a"]["in_kind"] is True
    assert d["third_parties"][0]["block"]["label"].startswith("{")
