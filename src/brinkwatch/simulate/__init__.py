"""Simulate: a fitted escalation model of directed-dyad event streams, forecasts and their scores.

:func:`event_streams` turns the store's events into daily cooperative and conflictual counts per
directed dyad; :class:`HawkesModel` fits a discrete-time self- and mutually-exciting model to
them, simulates paths and forecasts; :func:`evaluate` scores its weekly forecasts against
persistence and the trailing mean. On top of the model, :func:`parse_scenario` reads crisis
scenarios (agreements and measures as state machines, ballast, levers) and
:func:`simulate_scenario` runs them as Monte Carlo with common random numbers;
:func:`pool_assumptions` pools several analysts' assumptions for them (a linear opinion pool).
"""

from brinkwatch.simulate._dates import DateMention, PostCutoff, find_dates, post_cutoff
from brinkwatch.simulate._engine import Dynamics, SimulationRun, run_scenario
from brinkwatch.simulate._pool import Analyst, Pool, parse_analyst, pool_assumptions
from brinkwatch.simulate._priors import Prior, bundled_priors, parse_priors
from brinkwatch.simulate._ranking import LeverEffect, LeverRanking, rank_levers
from brinkwatch.simulate._register import apply_register, observed_states, path_scores
from brinkwatch.simulate._streams import KINDS, Streams, event_streams
from brinkwatch.simulate.hawkes import (
    CHUNK_PATHS,
    DEFAULT_HALF_LIVES,
    DEFAULT_QUANTILES,
    Forecast,
    HawkesModel,
    Seed,
    Step,
    StepHook,
)
from brinkwatch.simulate.montecarlo import (
    Backtest,
    VariantRuns,
    analyst_spread,
    backtest,
    compare_levers,
    default_variants,
    fan_table,
    fit_dynamics,
    outcome_table,
    pooled_calibration,
    run_variants,
    sensitivity,
    simulate_scenario,
    state_table,
    zero_swing,
)
from brinkwatch.simulate.pathlog import path_log, replay_path
from brinkwatch.simulate.scenario import (
    Scenario,
    bundled_scenarios,
    parse_scenario,
    read_bundled_scenario,
)
from brinkwatch.simulate.scoring import (
    METHODS,
    MIN_MEAN,
    Evaluation,
    evaluate,
    predictive_log_score,
)

__all__ = [
    "CHUNK_PATHS",
    "DEFAULT_HALF_LIVES",
    "DEFAULT_QUANTILES",
    "KINDS",
    "METHODS",
    "MIN_MEAN",
    "Analyst",
    "Backtest",
    "DateMention",
    "Dynamics",
    "Evaluation",
    "Forecast",
    "HawkesModel",
    "LeverEffect",
    "LeverRanking",
    "Pool",
    "PostCutoff",
    "Prior",
    "Scenario",
    "Seed",
    "SimulationRun",
    "Step",
    "StepHook",
    "Streams",
    "VariantRuns",
    "analyst_spread",
    "apply_register",
    "backtest",
    "bundled_priors",
    "bundled_scenarios",
    "compare_levers",
    "default_variants",
    "evaluate",
    "event_streams",
    "fan_table",
    "find_dates",
    "fit_dynamics",
    "observed_states",
    "outcome_table",
    "parse_analyst",
    "parse_priors",
    "parse_scenario",
    "path_log",
    "path_scores",
    "pool_assumptions",
    "pooled_calibration",
    "post_cutoff",
    "predictive_log_score",
    "rank_levers",
    "read_bundled_scenario",
    "replay_path",
    "run_scenario",
    "run_variants",
    "sensitivity",
    "simulate_scenario",
    "state_table",
    "zero_swing",
]
