"""The Hawkes model: recovery of known parameters, warnings, determinism, hooks, real data."""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from brinkwatch.errors import (
    ConfigError,
    ExplosiveModelWarning,
    InsufficientDataError,
    NotFittedError,
    SimulationError,
    SparseDataWarning,
)
from brinkwatch.measure import Actor
from brinkwatch.simulate import CHUNK_PATHS, HawkesModel, Step, Streams, event_streams
from brinkwatch.store import Store, connect
from tests.simulate.conftest import crisis_triad

TRIAD = [Actor("USA"), Actor("JPN"), Actor("KOR")]


@pytest.fixture(scope="module")
def recovered(triad_truth: HawkesModel) -> tuple[HawkesModel, np.ndarray]:
    """4,000 days of the known triad, fitted back (decay chosen by likelihood)."""
    counts = triad_truth.simulate(4000, 1, seed=0)[0]
    return HawkesModel().fit(counts), counts


# --- recovery ------------------------------------------------------------------------------------


def test_decay_and_branching_ratio_are_recovered(recovered: tuple[HawkesModel, np.ndarray]) -> None:
    fit, _ = recovered
    _, _, hl = crisis_triad()
    assert fit.converged_
    assert abs(fit.half_life_ - hl) / hl < 0.15
    assert fit.decay_ == pytest.approx(np.log(2) / fit.half_life_)
    assert abs(fit.branching_ratio_ - 0.45) < 0.12
    # The decay was chosen on the profile likelihood: the chosen value beats every grid value.
    best = max(fit.decay_profile_, key=lambda h: fit.decay_profile_[h])
    assert abs(best - fit.half_life_) < 1e-9


def test_excitation_weights_are_recovered_within_tolerances(
    recovered: tuple[HawkesModel, np.ndarray],
) -> None:
    fit, _ = recovered
    _, a, _ = crisis_triad()
    nz = a > 0
    err = np.abs(fit.excitation_ - a)
    assert err[nz].max() < 0.15
    # Wald intervals of the true links cover the truth about as often as they should.
    covered = err[nz] < 1.96 * fit.excitation_se_[nz]
    assert covered.mean() >= 0.8
    assert np.all(np.isfinite(fit.excitation_se_[nz]))
    # Absent links stay small (non-negativity biases them up a little, never into real links).
    assert fit.excitation_[~nz].mean() < 0.04
    # The strongest fitted links are the tit-for-tat pair.
    top = fit.summary().slice(0, 2).to_pylist()
    assert {(r["source"], r["target"]) for r in top} == {("s1", "s3"), ("s3", "s1")}


def test_long_run_means_and_likelihood_are_consistent(
    recovered: tuple[HawkesModel, np.ndarray], triad_truth: HawkesModel
) -> None:
    fit, counts = recovered
    true_mean = triad_truth.stationary_mean_
    assert np.max(np.abs(fit.stationary_mean_ - true_mean) / true_mean) < 0.08
    assert np.all(fit.baseline_ > 0) and np.all(np.isfinite(fit.baseline_se_))
    # Maximum likelihood: the fit is at least as likely as the truth, by no more than chance
    # (2 x gain ~ chi-square with about as many degrees of freedom as parameters).
    ll_true = triad_truth.loglik(counts)
    assert fit.loglik(counts) == pytest.approx(fit.loglik_)
    assert ll_true - 1.0 <= fit.loglik_ <= ll_true + fit.n_params_
    assert fit.aic_ == pytest.approx(2 * fit.n_params_ - 2 * fit.loglik_)


def test_negative_binomial_recovers_overdispersion() -> None:
    rng = np.random.default_rng(7)
    mu, a = np.array([1.0, 2.0]), np.array([[0.3, 0.1], [0.0, 0.2]])
    truth = HawkesModel.from_params(mu, a, half_life=2.0, dispersion=[2.0, 2.0])
    counts = truth.simulate(3000, 1, seed=rng)[0]
    assert np.all(counts.var(axis=0) > 1.5 * counts.mean(axis=0))  # overdispersed data
    nb = HawkesModel(half_life=2.0, family="negbin").fit(counts)
    pois = HawkesModel(half_life=2.0).fit(counts)
    assert nb.dispersion_ is not None and pois.dispersion_ is None
    assert np.all(np.abs(np.log(nb.dispersion_ / 2.0)) < np.log(1.5))
    assert nb.loglik_ > pois.loglik_ + 100
    assert np.abs(nb.excitation_ - a).max() < 0.1


# --- warnings and errors -------------------------------------------------------------------------


def test_an_explosive_fit_warns_and_its_simulation_stops() -> None:
    truth = HawkesModel.from_params(
        [0.5, 0.5], [[0.7, 0.5], [0.5, 0.7]], half_life=2.0, state=[0.5, 0.5]
    )
    assert truth.branching_ratio_ == pytest.approx(1.2)
    counts = truth.simulate(150, 1, seed=3)[0]
    assert counts[-10:].mean() > 50 * counts[:10].mean()  # it ran away
    with pytest.warns(ExplosiveModelWarning, match="branching ratio is 1"):
        fit = HawkesModel(half_life=2.0).fit(counts)
    assert fit.branching_ratio_ >= 1.0
    assert np.all(np.isinf(fit.stationary_mean_))
    with pytest.raises(SimulationError, match="explosive"):
        fit.simulate(2000, 2, seed=0)


def test_unfitted_empty_and_bad_inputs_are_refused() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        HawkesModel().simulate(5, 5)
    with pytest.raises(InsufficientDataError, match="nothing to fit"):
        HawkesModel().fit(np.zeros((50, 3), dtype=int))
    with pytest.raises(ConfigError, match="half_life"):
        HawkesModel(half_life=-1.0).fit(np.ones((50, 2), dtype=int))
    m = HawkesModel.from_params([1.0], [[0.2]], half_life=1.0)
    with pytest.raises(ConfigError, match="start must have shape"):
        m.simulate(3, 4, start=np.zeros((3, 1)))


# --- simulation ----------------------------------------------------------------------------------


def test_same_seed_same_paths_bit_for_bit(triad_truth: HawkesModel) -> None:
    n = CHUNK_PATHS + 37  # two chunks, the second partial
    a = triad_truth.simulate(30, n, seed=11)
    b = triad_truth.simulate(30, n, seed=11)
    assert a.shape == (n, 30, 12) and a.dtype == np.int32
    assert a.tobytes() == np.ascontiguousarray(b).tobytes()
    assert not np.array_equal(a, triad_truth.simulate(30, n, seed=12))
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert np.array_equal(triad_truth.simulate(10, 50, g1), triad_truth.simulate(10, 50, g2))
    # Paths are not copies of each other.
    assert len({p.tobytes() for p in a[:200]}) == 200
    f1 = triad_truth.forecast(14, 300, seed=4)
    f2 = triad_truth.forecast(14, 300, seed=4)
    assert np.array_equal(f1.bands, f2.bands) and np.array_equal(f1.total_bands, f2.total_bands)


def test_simulated_means_match_the_exact_expectation(triad_truth: HawkesModel) -> None:
    start = triad_truth.stationary_mean_ * 3.0  # an escalated start: counts decay back
    paths = triad_truth.simulate(20, 20_000, seed=1, start=start)
    exact = triad_truth.expected(20, start)
    sim = paths.mean(axis=0)
    se = paths.std(axis=0) / np.sqrt(paths.shape[0])
    assert np.all(np.abs(sim - exact) < 5 * se + 1e-9)
    assert exact[0].sum() > exact[-1].sum() > triad_truth.stationary_mean_.sum()


def test_hooks_change_intensities_and_impose_events(triad_truth: HawkesModel) -> None:
    seen: list[tuple[int, int]] = []

    def ceasefire(step: Step) -> None:
        seen.append((step.day, step.paths.start or 0))
        # The memory the hook sees reproduces the intensity it is about to change.
        np.testing.assert_allclose(
            step.intensity,
            triad_truth.baseline_ + step.memory @ triad_truth.excitation_.T,
            rtol=1e-10,
        )
        step.intensity[:, 1::2] = 0.0  # no conflict at all

    quiet = triad_truth.simulate(10, 500, seed=2, hook=ceasefire)
    assert quiet[:, :, 1::2].sum() == 0 and quiet[:, :, 0::2].sum() > 0
    assert sorted({d for d, _ in seen}) == list(range(10))

    def sanctions(step: Step) -> np.ndarray | None:
        if step.day != 0:
            return None
        extra = np.zeros(step.intensity.shape, dtype=np.int64)
        extra[:, 1] = 20  # 20 conflict events of stream 1 imposed on day 0
        return extra

    base = triad_truth.simulate(10, 2000, seed=2)
    hit = triad_truth.simulate(10, 2000, seed=2, hook=sanctions)
    assert np.all(hit[:, 0, 1] >= 20)
    # Tit for tat: stream 3 answers stream 1 in the following days.
    assert hit[:, 1:6, 3].mean() > base[:, 1:6, 3].mean() + 0.5

    def bad(step: Step) -> None:
        step.intensity[:] = -1.0

    with pytest.raises(SimulationError, match="negative"):
        triad_truth.simulate(3, 10, seed=0, hook=bad)


def test_state_after_continues_the_fitted_memory(recovered: tuple[HawkesModel, np.ndarray]) -> None:
    fit, counts = recovered
    np.testing.assert_allclose(fit.memories(counts)[-1], fit.end_state_)
    head, tail = counts[:3000], counts[3000:]
    m_head = fit.memories(head)[-1]
    np.testing.assert_allclose(fit.state_after(tail, m_head), fit.end_state_, rtol=1e-9)
    per_path = np.tile(fit.end_state_, (6, 1))
    per_path[3:] *= 4
    paths = fit.simulate(5, 6, seed=0, start=per_path)
    assert paths.shape == (6, 5, 12)
    two = fit.expected(3, per_path[[0, 3]])
    assert two.shape == (2, 3, 12) and two[1, 0].sum() > two[0, 0].sum()


# --- real data ----------------------------------------------------------------------------------


def test_the_sparse_chronology_gives_a_clear_warning_and_sane_forecasts(chronology: Store) -> None:
    st = event_streams(chronology.events, TRIAD)  # 2015-12-28..2023-08-18, 202 events
    with pytest.warns(SparseDataWarning, match="fewer than 30 events") as rec:
        m = HawkesModel().fit(st)
    assert any("baseline rate only" in str(w.message) for w in rec)
    # Streams with too few events get no excitation; the rest are still fitted.
    sparse = [st.names.index(s) for s in m.sparse_streams_]
    assert 0 < len(sparse) < 12
    assert np.all(m.excitation_[sparse] == 0)
    dense = {n for n in st.names if n not in m.sparse_streams_}
    assert dense <= {f"{d} {k}" for d in ("JPN->KOR", "KOR->JPN") for k in ("coop", "conflict")}
    assert m.branching_ratio_ < 1.0
    fc = m.forecast(28, 500, seed=0)
    assert fc.first_day == st.end + timedelta(days=1)
    assert np.all(np.isfinite(fc.mean)) and np.all(fc.bands >= 0)
    # Baseline rates near the observed rates: no stream is forecast far above its history.
    rate = st.counts.mean(axis=0) * 28
    assert np.all(fc.total_mean <= 5 * rate + 1.0)


def test_a_few_days_of_ingested_gdelt_fit_with_a_warning(measure_db: Path) -> None:
    s = connect(measure_db, read_only=True)
    try:
        st = event_streams(s.events, TRIAD, origins=["gdelt2"])
    finally:
        s.close()
    assert st.n_days >= 3 and st.totals().sum() > 20
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        m = HawkesModel().fit(st)
    msgs = [str(w.message) for w in rec if issubclass(w.category, SparseDataWarning)]
    assert any(f"only {st.n_days} days fitted" in x for x in msgs)
    fc = m.forecast(7, 200, seed=0)
    assert fc.first_day == st.end + timedelta(days=1)
    assert np.all(np.isfinite(fc.total_mean))


def test_exogenous_streams_are_not_excited_by_the_triad() -> None:
    rng = np.random.default_rng(0)
    counts = rng.poisson(2.0, (600, 3))
    st = Streams(counts, ("a", "b", "x"), date(2020, 1, 1), exogenous=("x",))
    m = HawkesModel(half_life=2.0).fit(st)
    assert m.exogenous_ == ("x",)
    assert m.excitation_[2, 0] == 0 and m.excitation_[2, 1] == 0
    assert not m.mask_[2, :2].any() and m.mask_[0, 2]
