"""Path logs: every move of a few chosen paths, with the rule that made it, and their replay.

A run records each state change (path, day, transition, rule). :func:`path_log` shows those of
chosen paths; :func:`replay_path` starts from the machines' initial states, re-applies a path's
log while checking that each move is one its rule allows on that day, and returns the states on
the run's checkpoint days, which must equal the ones the run recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from brinkwatch.errors import ScenarioError
from brinkwatch.simulate._compile import RULES

if TYPE_CHECKING:
    from brinkwatch.simulate._engine import SimulationRun
    from brinkwatch.simulate.scenario import Transition

__all__ = ["path_log", "replay_path"]


def path_log(run: SimulationRun, paths: int | Sequence[int]) -> pa.Table:
    """Return every state change of the chosen paths, in the order they happened.

    Parameters
    ----------
    run
        A simulation run.
    paths
        A number ``n`` (the first ``n`` paths) or the path numbers to show.

    Returns
    -------
    pyarrow.Table
        Columns path, day (from 0), date, machine, from_state, to_state and rule (``hazard``,
        ``after``, ``anniversary``, ``package`` or ``lever``), sorted by path then day.
    """
    chosen = list(range(min(paths, run.n_paths))) if isinstance(paths, int) else list(paths)
    bad = [p for p in chosen if not 0 <= p < run.n_paths]
    if bad:
        raise ScenarioError(f"no path {bad[0]}: the run has paths 0 to {run.n_paths - 1}")
    path, day, k = run.transitions
    rows = np.flatnonzero(np.isin(path, chosen))
    # A stable sort keeps the day's moves in the order they were made (a package's lead first).
    rows = rows[np.lexsort((day[rows], path[rows]))]
    names = run.transition_names
    return pa.table(
        {
            "path": path[rows].astype(np.int32),
            "day": day[rows].astype(np.int32),
            "date": [run.scenario.start + timedelta(days=int(d)) for d in day[rows]],
            "machine": [names[i][0] for i in k[rows]],
            "from_state": [names[i][1] for i in k[rows]],
            "to_state": [names[i][2] for i in k[rows]],
            "rule": [RULES[r] for r in run.transition_rules[rows]],
        }
    )


def replay_path(run: SimulationRun, path: int) -> np.ndarray:
    """Re-apply one path's log to the initial states; return its states on the checkpoints.

    Parameters
    ----------
    run
        A simulation run.
    path
        The path to replay.

    Returns
    -------
    numpy.ndarray
        (checkpoints, machines) int8 state codes, comparable with
        ``run.checkpoint_states[path]``.

    Raises
    ------
    ScenarioError
        If a logged move starts from another state than the path is in, or its rule does not
        allow it on that day (outside a window, within a minimum dwell, not on an anniversary,
        a package member without its lead, a lever trigger on another day).
    """
    sc = run.scenario
    names = [m.name for m in sc.machines]
    state = [m.states.index(m.initial) for m in sc.machines]
    entered = [-m.dwell for m in sc.machines]
    leads: set[tuple[int, str]] = set()
    rows = path_log(run, [path]).to_pylist()
    out = np.zeros((len(run.checkpoint_days), len(names)), dtype=np.int8)
    i = 0
    for slot, day in enumerate(run.checkpoint_days):
        while i < len(rows) and rows[i]["day"] <= day:
            r = rows[i]
            mi = names.index(r["machine"])
            m = sc.machines[mi]
            if m.states[state[mi]] != r["from_state"]:
                raise ScenarioError(f"path {path}: {r} starts from {m.states[state[mi]]}")
            move = (r["from_state"], r["to_state"])
            tr = next(t for t in m.transitions if (t.source, t.target) == move)
            _check_rule(run, tr, r, r["day"] - entered[mi], leads)
            if tr.package is not None and r["rule"] != "package":
                leads.add((r["day"], tr.package))
            state[mi], entered[mi] = m.states.index(r["to_state"]), r["day"]
            i += 1
        out[slot] = state
    return out


def _check_rule(
    run: SimulationRun,
    tr: Transition,
    r: dict[str, object],
    dwell: int,
    leads: set[tuple[int, str]],
) -> None:
    """Raise unless the logged move ``r`` is one its rule allows after ``dwell`` days."""
    rule, day = r["rule"], int(str(r["day"]))
    when = run.scenario.start + timedelta(days=day)
    ok = {
        "hazard": tr.hazard is not None
        and (tr.window is None or tr.window.contains(when))
        and dwell >= tr.min_dwell_days,
        "after": tr.after_days is not None and dwell >= tr.after_days,
        "anniversary": tr.anniversary == (when.month, when.day) and dwell >= tr.notice_days,
        "package": (day, tr.package) in leads,
        "lever": any(
            lv.day == when and f"{r['machine']}:{tr.key}" in lv.triggers
            for lv in run.scenario.levers
            if lv.name in run.levers
        ),
    }.get(str(rule), False)
    if not ok:
        raise ScenarioError(f"{r} is not explained by its rule '{rule}' ({dwell} days in state)")
