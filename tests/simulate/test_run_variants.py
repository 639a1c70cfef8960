"""run_variants: one call gives the runs, tables and figures' inputs that the shells show."""

from __future__ import annotations

import pytest

from brinkwatch.errors import ConfigError, SparseDataWarning
from brinkwatch.simulate import (
    compare_levers,
    fan_table,
    fit_dynamics,
    outcome_table,
    parse_scenario,
    read_bundled_scenario,
    run_variants,
    simulate_scenario,
)
from brinkwatch.store import Store


def test_run_variants_is_the_steps_it_replaces(chronology: Store) -> None:
    sc = parse_scenario(read_bundled_scenario("jpn-kor-2019"))
    res = run_variants(sc, chronology.events, n_paths=60, seed=4)
    # The chronology is thin: fitting says so (run_variants keeps the same finding as notes).
    with pytest.warns(SparseDataWarning) as caught:
        dyn = fit_dynamics(sc, chronology.events)
    said = " ".join(str(w.message) for w in caught)
    assert "fitted on only" in said and "fewer than 30 events" in said
    runs = simulate_scenario(sc, dyn, n_paths=60, seed=4)
    assert list(res.runs) == list(runs) == list(res.variants)
    assert res.comparison.equals(compare_levers(runs))
    assert res.outcomes.equals(outcome_table(runs["none"]))
    assert res.shown == ["none", "actual"] and list(res.fans) == res.shown
    assert res.fans["actual"].equals(fan_table(runs["actual"]))
    assert res.dynamics.notes == dyn.notes and res.index_level == runs["none"].index_level
    # Fitted dynamics are reused as given (the dashboard caches them per store version).
    again = run_variants(sc, dynamics=dyn, variants={"none": ()}, n_paths=60, seed=4)
    assert again.dynamics is dyn and again.shown == ["none"]
    assert again.comparison.to_pylist() == [
        r for r in res.comparison.to_pylist() if r["variant"] == "none"
    ]


def test_nothing_to_fit_on_is_a_config_error() -> None:
    sc = parse_scenario(read_bundled_scenario("jpn-kor-2019"))
    with pytest.raises(ConfigError) as exc:
        run_variants(sc, n_paths=10)
    assert exc.value.field == "events"
