"""The scenario Monte Carlo: event streams, state machines, stocks and levers, day by day.

Every array is (paths, ...) and every day is one pass of vectorised NumPy; there is no loop over
paths. Random numbers come from separate generators per purpose (parameters, event draws,
machine transitions, lever success, shocks), each seeded from the run's seed, and event counts
are drawn by inverse CDF from uniforms. Two runs with the same seed therefore share their random
numbers wherever their structure is the same: comparisons between levers use common random
numbers, and their differences are not drowned in Monte Carlo noise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
from threadpoolctl import threadpool_limits

from brinkwatch.errors import ScenarioError
from brinkwatch.simulate._compile import DRIVER_MEMORY, RULES, Params, Rngs, compile_run
from brinkwatch.simulate._pool import Pool
from brinkwatch.simulate._step import initial_state, step
from brinkwatch.simulate.scenario import Scenario

__all__ = ["DRIVER_MEMORY", "Dynamics", "SimulationRun", "run_scenario"]

#: Paths simulated together; a run of more paths goes chunk by chunk.
CHUNK_PATHS = 5000

Progress = Callable[[float], None]


@dataclass(frozen=True)
class Dynamics:
    """The fitted event model as the scenario engine uses it.

    ``lambda = baseline + memory @ excitation.T`` and
    ``memory <- delta * memory + (1 - delta) * counts`` with ``delta = exp(-decay)`` (the
    convention of :class:`~brinkwatch.simulate.HawkesModel`). ``history`` holds the observed daily
    counts before the start (rows are days ending the day before ``start``), for the index.
    """

    names: tuple[str, ...]
    baseline: np.ndarray
    excitation: np.ndarray
    decay: float
    memory0: np.ndarray
    history: np.ndarray
    history_start: date
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        s = len(self.names)
        if self.baseline.shape != (s,) or self.excitation.shape != (s, s):
            raise ScenarioError(
                f"dynamics for {s} streams need a baseline of shape ({s},) and an excitation "
                f"matrix ({s}, {s}); got {self.baseline.shape} and {self.excitation.shape}"
            )


@dataclass
class SimulationRun:
    """One Monte Carlo run of a scenario with a set of levers.

    Attributes
    ----------
    outcomes
        Outcome name -> boolean array (paths,): did it happen in that path.
    state_counts
        Machine name -> array (days, states): paths in each state on each day.
    weekly
        Array (paths, weeks, streams) of simulated event counts per week.
    index_weekly
        Array (paths, weeks): the pair's rolling net cooperation at the end of each week.
    index_level
        The pre-crisis level of that index (from the data).
    param_set
        Array (paths,): which parameter draw each path used.
    transitions
        Arrays (path, day, transition index) of every state change; see
        :meth:`transition_table`.
    """

    scenario: Scenario
    levers: tuple[str, ...]
    n_paths: int
    seed: int
    outcomes: dict[str, np.ndarray]
    state_counts: dict[str, np.ndarray]
    weekly: np.ndarray
    index_weekly: np.ndarray
    index_level: float
    param_set: np.ndarray
    overrides: dict[str, float] = field(default_factory=dict)
    transitions: tuple[np.ndarray, np.ndarray, np.ndarray] = field(
        default_factory=lambda: (
            np.zeros(0, np.int32),
            np.zeros(0, np.int16),
            np.zeros(0, np.int16),
        )
    )
    transition_names: tuple[tuple[str, str, str], ...] = ()
    set_values: dict[str, np.ndarray] = field(default_factory=dict)
    #: Days (from 0) on which machine states were recorded (weekly and the last day).
    checkpoint_days: tuple[int, ...] = ()
    #: Array (paths, checkpoints, machines) int8: each machine's state code on those days.
    checkpoint_states: np.ndarray = field(
        default_factory=lambda: np.zeros((0, 0, 0), dtype=np.int8)
    )
    #: Array int8, one per logged transition: the rule that moved it (see ``transition_table``).
    transition_rules: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    def transition_table(self) -> pa.Table:
        """Every state change in every path: path, day (from 0), date, machine, from, to, rule.

        ``rule`` names what moved it: ``hazard``, ``after`` (days after entry), ``anniversary``,
        ``package`` (a member moved with its package's lead) or ``lever`` (a lever's trigger).
        Rows are in the order the changes happened (by day, then machine order).
        """
        path, day, k = self.transitions
        names = self.transition_names
        return pa.table(
            {
                "path": path,
                "day": day.astype(np.int32),
                "date": [self.scenario.start + timedelta(days=int(d)) for d in day],
                "machine": [names[i][0] for i in k],
                "from_state": [names[i][1] for i in k],
                "to_state": [names[i][2] for i in k],
                "rule": [RULES[r] for r in self.transition_rules],
            }
        )

    @property
    def dates(self) -> list[date]:
        """The simulated days."""
        return [self.scenario.start + timedelta(days=i) for i in range(self.scenario.horizon_days)]

    @property
    def week_starts(self) -> list[date]:
        """First day of each simulated week."""
        return [self.scenario.start + timedelta(days=7 * i) for i in range(self.weekly.shape[1])]


def _run(
    scenario: Scenario,
    dynamics: Dynamics,
    *,
    levers: Sequence[str] = (),
    n_paths: int = 2000,
    seed: int = 0,
    overrides: Mapping[str, float] | None = None,
    fixed_parameters: bool = False,
    progress: Progress | None = None,
    stream: int = 0,
    param_sets: int | None = None,
    pool: Pool | None = None,
) -> SimulationRun:
    """Run one chunk of paths: compile, then step day by day, then pack the records."""
    if n_paths < 1:
        raise ScenarioError(f"n_paths must be at least 1, got {n_paths}")
    names = scenario.streams
    if tuple(names) != tuple(dynamics.names):
        raise ScenarioError(
            f"the event model's streams {list(dynamics.names)} do not match the scenario's "
            f"{names}; fit the model on the scenario's actors"
        )
    chosen = [scenario.lever(n) for n in dict.fromkeys(levers)]
    theta = Params(
        scenario, n_paths, seed, overrides or {}, fixed_parameters, stream, param_sets, pool
    )
    rngs = Rngs.of(seed, stream)
    c = compile_run(scenario, dynamics, chosen, theta, rngs)
    s = initial_state(c)
    horizon = c.horizon
    for t in range(horizon):
        step(c, s, t, rngs)
        if progress is not None and (t % 7 == 6 or t == horizon - 1):
            progress((t + 1) / horizon)
    return SimulationRun(
        scenario=scenario,
        levers=tuple(lv.name for lv in c.levers),
        n_paths=n_paths,
        seed=seed,
        outcomes=s.outcomes,
        state_counts=dict(zip(c.machines.names, s.state_counts, strict=True)),
        weekly=s.weekly,
        index_weekly=s.index_weekly,
        index_level=c.index.level,
        param_set=theta.set_of_path,
        overrides=dict(overrides or {}),
        transitions=(
            np.concatenate(s.log_p) if s.log_p else np.zeros(0, dtype=np.int32),
            np.concatenate(s.log_t) if s.log_t else np.zeros(0, dtype=np.int16),
            np.concatenate(s.log_k) if s.log_k else np.zeros(0, dtype=np.int16),
        ),
        transition_names=c.machines.labels,
        set_values=theta.set_values,
        checkpoint_days=c.checkpoints,
        checkpoint_states=s.checks,
        transition_rules=np.concatenate(s.log_r) if s.log_r else np.zeros(0, dtype=np.int8),
    )


def run_scenario(
    scenario: Scenario,
    dynamics: Dynamics,
    *,
    levers: Sequence[str] = (),
    n_paths: int = 2000,
    seed: int = 0,
    overrides: Mapping[str, float] | None = None,
    fixed_parameters: bool = False,
    progress: Progress | None = None,
    param_sets: int | None = None,
    pool: Pool | None = None,
) -> SimulationRun:
    """Simulate a scenario forward with the given levers pulled.

    Parameters
    ----------
    scenario
        A parsed scenario.
    dynamics
        The fitted event model (see :func:`~brinkwatch.simulate.fit_dynamics`).
    levers
        Names of the levers to pull; the others are left alone.
    n_paths
        Monte Carlo paths.
    seed
        Seed of every random draw; the same seed gives the same run, bit for bit.
    overrides
        Assumption name -> value, fixed for every path (for sensitivity analysis).
    fixed_parameters
        Use every assumption's default instead of drawing it from its range.
    progress
        Called with the fraction done.
    param_sets
        Parameter draws per chunk of paths (default: one per 200 paths, 10 to 100).
    pool
        Analysts' assumptions pooled (:func:`~brinkwatch.simulate.pool_assumptions`): each
        parameter draw picks an analyst by weight and takes that analyst's distributions.

    Returns
    -------
    SimulationRun
    """
    if n_paths < 1:
        raise ScenarioError(f"n_paths must be at least 1, got {n_paths}")
    # Paths run in chunks whose arrays stay in the CPU's caches; each chunk has its own random
    # streams (seed, chunk), so results depend on the seed and n_paths only.
    sizes = [min(CHUNK_PATHS, n_paths - lo) for lo in range(0, n_paths, CHUNK_PATHS)]
    runs: list[SimulationRun] = []
    done = 0
    # Thousands of small products: one BLAS thread is faster than waking a pool for each.
    with threadpool_limits(limits=1, user_api="blas"):
        for i, size in enumerate(sizes):

            def part(f: float, done: int = done, size: int = size) -> None:
                if progress is not None:
                    progress((done + f * size) / n_paths)

            runs.append(
                _run(
                    scenario,
                    dynamics,
                    levers=levers,
                    n_paths=size,
                    seed=seed,
                    overrides=overrides,
                    fixed_parameters=fixed_parameters,
                    progress=part,
                    stream=i,
                    param_sets=param_sets,
                    pool=pool,
                )
            )
            done += size
    return runs[0] if len(runs) == 1 else _merge(runs)


def _merge(runs: Sequence[SimulationRun]) -> SimulationRun:
    """Join the runs of consecutive chunks of paths into one."""
    first = runs[0]
    offsets = np.cumsum([0] + [r.n_paths for r in runs[:-1]])
    set_offsets = np.cumsum([0] + [len(next(iter(r.set_values.values()), [])) for r in runs[:-1]])
    return SimulationRun(
        scenario=first.scenario,
        levers=first.levers,
        n_paths=sum(r.n_paths for r in runs),
        seed=first.seed,
        outcomes={k: np.concatenate([r.outcomes[k] for r in runs]) for k in first.outcomes},
        state_counts={
            k: np.sum([r.state_counts[k] for r in runs], axis=0) for k in first.state_counts
        },
        weekly=np.concatenate([r.weekly for r in runs]),
        index_weekly=np.concatenate([r.index_weekly for r in runs]),
        index_level=first.index_level,
        param_set=np.concatenate(
            [r.param_set + off for r, off in zip(runs, set_offsets, strict=True)]
        ),
        overrides=first.overrides,
        transitions=(
            np.concatenate([r.transitions[0] + off for r, off in zip(runs, offsets, strict=True)]),
            np.concatenate([r.transitions[1] for r in runs]),
            np.concatenate([r.transitions[2] for r in runs]),
        ),
        transition_names=first.transition_names,
        set_values={k: np.concatenate([r.set_values[k] for r in runs]) for k in first.set_values},
        checkpoint_days=first.checkpoint_days,
        checkpoint_states=np.concatenate([r.checkpoint_states for r in runs]),
        transition_rules=np.concatenate([r.transition_rules for r in runs]),
    )
