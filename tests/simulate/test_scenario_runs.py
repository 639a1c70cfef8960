"""The scenario Monte Carlo on the bundled 2019 scenario, fitted to the bundled chronology."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import warnings
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest

from brinkwatch.errors import ScenarioError, SparseDataWarning
from brinkwatch.simulate import (
    Dynamics,
    Scenario,
    SimulationRun,
    backtest,
    compare_levers,
    fan_table,
    fit_dynamics,
    outcome_table,
    parse_scenario,
    path_log,
    read_bundled_scenario,
    replay_path,
    run_scenario,
    sensitivity,
    simulate_scenario,
    state_table,
)
from brinkwatch.store import Store, connect


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return parse_scenario(read_bundled_scenario("jpn-kor-2019"), source="jpn-kor-2019")


@pytest.fixture(scope="module")
def chron_store(chronology_db: Path) -> Iterator[Store]:
    s = connect(chronology_db, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="module")
def dynamics(scenario: Scenario, chron_store: Store) -> Dynamics:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        return fit_dynamics(scenario, chron_store.events)


@pytest.fixture(scope="module")
def big_run(scenario: Scenario, dynamics: Dynamics) -> SimulationRun:
    return run_scenario(scenario, dynamics, levers=scenario.actual, n_paths=10_000, seed=3)


def test_fit_on_chronology_warns_and_stops_before_start(
    scenario: Scenario, chron_store: Store
) -> None:
    with pytest.warns(SparseDataWarning) as caught, warnings.catch_warnings():
        # pytest.warns re-emits what it does not expect; Ibis's own deprecation is not ours.
        warnings.simplefilter("ignore", DeprecationWarning)
        dyn = fit_dynamics(scenario, chron_store.events)
    messages = [str(w.message) for w in caught]
    assert any("fitted on only" in m for m in messages)
    assert any("12 of 12 streams have fewer than 30 events" in m for m in messages)
    assert dyn.names == tuple(scenario.streams)
    # History ends the day before the start, and holds the chronology's July 2019 events.
    end = dyn.history_start + timedelta(days=len(dyn.history) - 1)
    assert end == scenario.start - timedelta(days=1)
    july = dyn.history[(date(2019, 7, 1) - dyn.history_start).days :]
    jk_conflict = scenario.streams.index("JPN->KOR conflict")
    n = chron_store.con.execute(
        "SELECT count(*) FROM events WHERE source_country = 'JPN' AND target_country = 'KOR' "
        "AND quad_class IN (3, 4) AND event_date BETWEEN '2019-07-01' AND '2019-07-31'"
    ).fetchall()[0][0]
    assert july[:, jk_conflict].sum() == n > 0
    assert np.all(dyn.baseline > 0) and np.all(dyn.excitation >= 0)


def _replay(scenario: Scenario, run: SimulationRun) -> dict[str, np.ndarray]:
    """Replay every path's logged transitions and check each against the machine's rules."""
    table = run.transition_table().to_pylist()
    rules = {m.name: {(t.source, t.target): t for t in m.transitions} for m in scenario.machines}
    current: dict[tuple[str, int], str] = {}
    entered: dict[tuple[str, int], int] = defaultdict(int)
    for row in table:
        m, p, day = row["machine"], row["path"], row["day"]
        machine = scenario.machine(m)
        here = current.get((m, p), machine.initial)
        assert row["from_state"] == here, row
        tr = rules[m].get((here, row["to_state"]))
        assert tr is not None, f"undeclared transition {row}"
        if tr.window is not None:
            assert tr.window.contains(row["date"]), row
        if tr.after_days is not None and (m, p) in entered:
            assert day - entered[(m, p)] == tr.after_days, row
        current[(m, p)] = row["to_state"]
        entered[(m, p)] = day
    final = {}
    for machine in scenario.machines:
        codes = np.array(
            [
                machine.states.index(current.get((machine.name, p), machine.initial))
                for p in range(run.n_paths)
            ]
        )
        final[machine.name] = np.bincount(codes, minlength=len(machine.states))
    return final


def test_state_machines_follow_their_rules_in_10000_paths(
    scenario: Scenario, big_run: SimulationRun
) -> None:
    final = _replay(scenario, big_run)
    for machine in scenario.machines:
        counts = big_run.state_counts[machine.name]
        # Every path is in exactly one declared state every day, and the replayed log ends where
        # the simulation did.
        assert np.all(counts.sum(1) == big_run.n_paths)
        assert np.array_equal(counts[-1], final[machine.name]), machine.name

    g = big_run.transition_table().to_pandas()
    g = g[g.machine == "GSOMIA"]
    deadline = date(2019, 8, 24)
    notices = g[(g.from_state == "active") & (g.to_state == "notice_given")]
    assert len(notices) > 100
    assert (notices.date <= deadline).all()
    # GSOMIA's text: a notice given 90 days ahead ends it on the anniversary, 23 November
    # (issue 16): every termination falls on that day, after a notice still standing.
    anniversary = date(2019, 11, 23)
    term = g[g.to_state == "terminated"]
    assert len(term) > 50
    assert (term.date == anniversary).all() and set(term.rule) == {"anniversary"}
    for _, row in term.iterrows():
        prev = g[(g.path == row.path) & (g.day < row.day)].iloc[-1]
        assert prev.to_state == "notice_given" and row.day - prev.day >= 90
    # Every path with a notice and no suspension before the anniversary terminates on it.
    ann_day = (anniversary - scenario.start).days
    for _, n in notices.iterrows():
        later = g[(g.path == n.path) & (g.day > n.day)]
        if later.empty or later.iloc[0].to_state != "notice_suspended":
            assert not later.empty, f"path {n.path}: notice on day {n.day} never ended the pact"
            assert later.iloc[0].to_state == "terminated" and later.iloc[0].day == ann_day
        else:
            # Suspension restores the pact: no termination unless the notice is resumed.
            assert later.iloc[0].day < ann_day
            rest = later.iloc[1:]
            if "terminated" in set(rest.to_state):
                assert "notice_given" in set(rest.to_state)
    # Terminated is absorbing.
    term_count = big_run.state_counts["GSOMIA"][:, 3]
    assert np.all(np.diff(term_count) >= 0)


def test_settlement_package_moves_all_its_machines_on_the_same_day(
    scenario: Scenario, big_run: SimulationRun
) -> None:
    (pkg,) = scenario.packages
    g = big_run.transition_table().to_pandas()
    lead = pkg.members[0]
    fired = g[(g.machine == lead[0]) & (g.from_state == lead[1]) & (g.to_state == lead[2])]
    assert len(fired) > 100
    wto_moved = 0
    for r in fired.itertuples():
        assert r.rule in ("hazard", "lever")
        for machine, src, dst in pkg.members[1:]:
            same = g[(g.path == r.path) & (g.day == r.day) & (g.machine == machine)]
            state = _state_on(scenario, g, machine, r.path, r.day)
            if state == src:
                assert len(same) == 1 and same.iloc[0].to_state == dst
                assert same.iloc[0].rule == "package"
                wto_moved += machine == "KOR_WTO_case"
            else:
                # A member in another state stays where it is.
                assert same.empty or same.iloc[0].rule != "package"
    assert wto_moved > 50
    # No member moves by the package without its lead moving that day.
    follow = g[g.rule == "package"]
    lead_days = set(zip(fired.path, fired.day, strict=True))
    assert all((p, d) in lead_days for p, d in zip(follow.path, follow.day, strict=True))


def _state_on(scenario: Scenario, g: object, machine: str, path: int, day: int) -> str:
    """A machine's state in a path at the start of ``day`` (before that day's moves)."""
    import pandas as pd

    assert isinstance(g, pd.DataFrame)
    rows = g[(g.path == path) & (g.machine == machine) & (g.day < day)]
    return str(rows.iloc[-1].to_state) if len(rows) else scenario.machine(machine).initial


def test_no_whitelist_flicker_inside_the_dwell(scenario: Scenario, big_run: SimulationRun) -> None:
    g = big_run.transition_table().to_pandas()
    for name in ("JPN_whitelist", "KOR_whitelist"):
        m = scenario.machine(name)
        restore = next(t for t in m.transitions if t.target == "listed")
        assert restore.min_dwell_days == 180
        rows = g[g.machine == name]
        for _, path_rows in rows.groupby("path"):
            days, states = list(path_rows.day), list(path_rows.to_state)
            for i in range(1, len(days)):
                if states[i] == "listed":
                    assert days[i] - days[i - 1] >= 180, (name, list(path_rows.itertuples()))
                # Removed again after a restoration: only past the window, which it is not.
                assert not (states[i - 1] == "listed" and i > 1), list(path_rows.itertuples())


def test_path_log_replays_to_the_recorded_checkpoint_states(big_run: SimulationRun) -> None:
    log = path_log(big_run, 40)
    assert set(log.column("path").to_pylist()) <= set(range(40)) and log.num_rows > 40
    assert set(log.column("rule").to_pylist()) >= {"hazard", "after", "package", "lever"}
    moved = 0
    for path in range(40):
        got = replay_path(big_run, path)
        assert np.array_equal(got, big_run.checkpoint_states[path]), path
        moved += bool(np.any(got != got[0]))
    assert moved > 10
    # Paths with an anniversary termination replay too.
    t = big_run.transition_table()
    ann = sorted(set(t.filter(pc.equal(t["rule"], "anniversary")).column("path").to_pylist()))
    for path in ann[:20]:
        assert np.array_equal(replay_path(big_run, path), big_run.checkpoint_states[path])


def test_replay_rejects_a_move_its_rule_does_not_explain(big_run: SimulationRun) -> None:
    t = big_run.transition_table()
    k = t.column("rule").to_pylist().index("anniversary")
    path = t.column("path")[k].as_py()
    rules = big_run.transition_rules.copy()
    rules[k] = 0  # claim the termination came from a hazard: GSOMIA's has none
    forged = dataclasses.replace(big_run, transition_rules=rules)
    with pytest.raises(ScenarioError, match="not explained by its rule 'hazard'"):
        replay_path(forged, path)


def test_same_seed_same_result_bit_for_bit(scenario: Scenario, dynamics: Dynamics) -> None:
    a = run_scenario(scenario, dynamics, levers=("leaders_meeting",), n_paths=400, seed=11)
    b = run_scenario(scenario, dynamics, levers=("leaders_meeting",), n_paths=400, seed=11)
    c = run_scenario(scenario, dynamics, levers=("leaders_meeting",), n_paths=400, seed=12)
    assert all(np.array_equal(a.outcomes[k], b.outcomes[k]) for k in a.outcomes)
    assert np.array_equal(a.weekly, b.weekly) and np.array_equal(a.index_weekly, b.index_weekly)
    assert all(np.array_equal(x, y) for x, y in zip(a.transitions, b.transitions, strict=True))
    assert not np.array_equal(a.weekly, c.weekly)


def test_processes_do_not_change_results(scenario: Scenario, dynamics: Dynamics) -> None:
    variants = {"none": (), "private_channel": ("private_channel",)}
    one = simulate_scenario(scenario, dynamics, variants=variants, n_paths=300, seed=5, workers=1)
    two = simulate_scenario(scenario, dynamics, variants=variants, n_paths=300, seed=5, workers=2)
    for v in variants:
        assert np.array_equal(one[v].weekly, two[v].weekly)
        assert all(np.array_equal(one[v].outcomes[k], two[v].outcomes[k]) for k in one[v].outcomes)


@pytest.fixture(scope="module")
def lever_runs(scenario: Scenario, dynamics: Dynamics) -> dict[str, SimulationRun]:
    variants: dict[str, tuple[str, ...]] = {"none": ()}
    variants.update({lv.name: (lv.name,) for lv in scenario.levers})
    return simulate_scenario(scenario, dynamics, variants=variants, n_paths=2000, seed=2024)


def test_each_lever_moves_its_outcome_the_documented_way(
    scenario: Scenario, lever_runs: dict[str, SimulationRun]
) -> None:
    table = {(r["variant"], r["outcome"]): r for r in compare_levers(lever_runs).to_pylist()}
    for lv in scenario.levers:
        for outcome, direction in lv.expect:
            r = table[(lv.name, outcome)]
            assert r["excludes_zero"], (lv.name, outcome, r)
            if direction == "down":
                assert r["diff_high"] < 0, (lv.name, outcome, r)
            else:
                assert r["diff_low"] > 0, (lv.name, outcome, r)
    # The reference against itself is exactly zero.
    assert table[("none", "gsomia_terminated")]["difference"] == 0.0


def test_outcome_fan_and_state_tables(lever_runs: dict[str, SimulationRun]) -> None:
    run = lever_runs["none"]
    oc = {r["outcome"]: r for r in outcome_table(run).to_pylist()}
    for r in oc.values():
        assert 0 <= r["mc_low"] <= r["probability"] <= r["mc_high"] <= 1
        assert 0 <= r["param_p10"] <= r["param_p90"] <= 1
    # Whitelist removal was decided on 2 August: near certain within the scenario.
    assert oc["whitelist_removed"]["probability"] > 0.95
    # The summit needs a thaw or the lever; without it, it is far from certain.
    assert oc["summit_held"]["probability"] < 0.9
    fan = fan_table(run)
    assert fan.num_rows == run.weekly.shape[1]
    q = [fan.column(c).to_numpy() for c in ("q05", "q25", "q50", "q75", "q95")]
    assert all(np.all(a <= b + 1e-9) for a, b in itertools.pairwise(q))
    conflict = fan_table(run, "JPN->KOR conflict")
    assert conflict.column("mean").to_numpy().min() >= 0
    with pytest.raises(ScenarioError, match="neither 'index' nor a stream"):
        fan_table(run, "JPN->CHN conflict")
    st = state_table(run)
    g = st.filter(st.column("machine").to_numpy(zero_copy_only=False) == "GSOMIA").to_pandas()
    per_day = g.groupby("date").probability.sum()
    assert np.allclose(per_day.to_numpy(), 1.0)


def test_sensitivity_finds_the_gsomia_hazards(scenario: Scenario, dynamics: Dynamics) -> None:
    t = sensitivity(
        scenario, dynamics, outcome="gsomia_terminated", n_paths=600, seed=1, candidates=5
    )
    rows = t.to_pylist()
    assert len(rows) == 5
    swings = [abs(r["swing"]) for r in rows]
    assert swings == sorted(swings, reverse=True)
    top = {r["assumption"]: r for r in rows[:2]}
    # The daily hazard of notice raises termination; the hazard of suspension lowers it.
    assert top["GSOMIA:active->notice_given.hazard"]["swing"] > 0.05
    # Suspension is the settlement package's hazard (issue 16).
    assert top["settlement_2019_11.hazard"]["swing"] < -0.05
    assert (t.schema.metadata or {})[b"outcome"] == b"gsomia_terminated"
    with pytest.raises(ScenarioError, match="no outcome called"):
        sensitivity(scenario, dynamics, outcome="war", n_paths=10)


def test_backtest_scores_beside_baselines(scenario: Scenario, chron_store: Store) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        res = backtest(scenario, chron_store.events, n_paths=400, seed=0)
    brier = {r["outcome"]: r for r in res.brier.to_pylist()}
    observed = [o for o in scenario.outcomes if o.observed is not None]
    assert set(brier) == {o.name for o in observed} | {"mean"}
    for o in observed:
        r = brier[o.name]
        y = 1.0 if o.observed else 0.0
        for v in ("actual", "none"):
            assert r[f"brier_{v}"] == pytest.approx((r[f"p_{v}"] - y) ** 2, abs=1e-4)
    # Knowing the levers that were pulled helps: the summit was held, and it was a lever.
    assert brier["summit_held"]["brier_actual"] < brier["summit_held"]["brier_none"]
    counts = res.counts.to_pylist()
    assert counts[-1]["stream"] == "all streams"
    # Observed totals are the chronology's own counts over the scored weeks.
    weeks = (scenario.horizon_days // 7) * 7
    end = scenario.start + timedelta(days=weeks - 1)
    jk = next(r for r in counts if r["stream"] == "JPN->KOR conflict")
    n = chron_store.con.execute(
        "SELECT count(*) FROM events WHERE source_country = 'JPN' AND target_country = 'KOR' "
        "AND quad_class IN (3, 4) AND event_date BETWEEN ? AND ?",
        [scenario.start, end],
    ).fetchall()[0][0]
    assert jk["observed_total"] == n
    assert all(r["mae_persistence"] >= 0 and r["mae_actual"] >= 0 for r in counts)
    with pytest.raises(ScenarioError, match="must fall before"):
        backtest(scenario, chron_store.events, cutoff=scenario.start)


@pytest.mark.parametrize("lam", [0.02, 1.0, 7.5, 40.0])
def test_inverse_cdf_draws_are_poisson(lam: float) -> None:
    from scipy.stats import poisson

    from brinkwatch.simulate._step import _poisson_icdf

    u = np.random.default_rng(0).random(200_000)
    k = _poisson_icdf(u, np.full(u.shape, lam))
    # Exact inversion: each draw is the smallest k with CDF(k) >= u.
    assert np.all(poisson.cdf(k, lam) >= u - 1e-12)
    assert np.all((k == 0) | (poisson.cdf(k - 1, lam) < u + 1e-12))
    assert abs(k.mean() - lam) < 4 * np.sqrt(lam / u.size)


def _digest(run: SimulationRun) -> str:
    """sha256 of every array a run returns, in a fixed order, with dtypes and shapes."""
    h = hashlib.sha256()

    def add(name: str, a: np.ndarray) -> None:
        a = np.ascontiguousarray(a)
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())

    for k in sorted(run.outcomes):
        add(f"outcome:{k}", run.outcomes[k])
    for k in sorted(run.state_counts):
        add(f"states:{k}", run.state_counts[k])
    for k in sorted(run.set_values):
        add(f"set:{k}", run.set_values[k])
    add("weekly", run.weekly)
    add("index_weekly", run.index_weekly)
    add("index_level", np.array([run.index_level]))
    add("param_set", run.param_set)
    for name, a in zip(("t_path", "t_day", "t_kind"), run.transitions, strict=True):
        add(name, a)
    add("t_rule", run.transition_rules)
    h.update(repr(run.transition_names).encode())
    return h.hexdigest()


#: Recorded from the engine before its split into compile, state and step functions (the
#: digests are of float arrays: a different NumPy or BLAS build may legitimately move them).
#: Re-recorded for chronology edition 2 (issue 15: the model is fitted on the chronology, so
#: its digest and every run digest moved with the data) and for issue 16's rules, after
#: checking that the new rules left the old file's digests unchanged: the bundled scenario ends
#: GSOMIA on its anniversary, moves the settlement as a package and gives the whitelists
#: windows and a minimum dwell; the digest covers the rule of each logged move too.
#: Re-recorded for issue 16 item 6 (the founding case's proposed levers): the three new levers
#: add assumptions, and the engine draws every parameter set as one row of uniforms over all
#: assumptions in file order, so every draw moves, even in the run with no lever. The fitted
#: model's digest is unchanged.
GOLDEN = {
    "dynamics": "0f11fde15dfe5a7a17f72b396f8f8859cc361a64b5faf99404a5d3c990e5c562",
    "none": "acebdb9fafe4e867d8519f564ea9e7dea4f052259e88c0635b12708ca0b17260",
    "actual": "2f3a26785db9d1083fead449cbb7d64f9e02a132a50520251da268d2e39a35b1",
    "actual_chunked": "0a9e78b16a990fc95a9e361373071770a8329f86ae0556b808f353a675930fe7",
}


def test_golden_run_is_unchanged_bit_for_bit(
    scenario: Scenario, dynamics: Dynamics, monkeypatch: pytest.MonkeyPatch
) -> None:
    import brinkwatch.simulate._engine as engine

    # The fitted model first, so that a change in the fit is told apart from one in the engine.
    fit = hashlib.sha256()
    for a in (dynamics.baseline, dynamics.excitation, dynamics.memory0, dynamics.history):
        fit.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    fit.update(repr((dynamics.names, dynamics.decay, dynamics.history_start)).encode())
    got = {
        "dynamics": fit.hexdigest(),
        "none": _digest(run_scenario(scenario, dynamics, n_paths=300, seed=7)),
        "actual": _digest(
            run_scenario(scenario, dynamics, levers=scenario.actual, n_paths=300, seed=7)
        ),
    }
    # Chunks of 120 paths: three chunks with their own random streams, merged.
    monkeypatch.setattr(engine, "CHUNK_PATHS", 120)
    got["actual_chunked"] = _digest(
        run_scenario(scenario, dynamics, levers=scenario.actual, n_paths=300, seed=7)
    )
    assert got == GOLDEN


def test_engine_runs_on_one_blas_thread_and_restores_the_pool(
    scenario: Scenario, dynamics: Dynamics
) -> None:
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    seen: list[list[int]] = []
    run_scenario(
        scenario, dynamics, n_paths=20, seed=0, progress=lambda f: seen.append(blas_threads())
    )
    assert before and seen
    assert all(threads == [1] * len(before) for threads in seen)
    assert blas_threads() == before
