"""A scenario's machines read against an instruments register: starting states and actual paths.

The register (``brinkwatch.instruments.Register``, loaded by ``brinkwatch.ingest``) is the dated
record of what each agreement and measure was in. :func:`apply_register` takes each linked
machine's state and dwell on the scenario's start day from it; :func:`observed_states` gives the
register's state of each linked machine on the checkpoint days the engine records, so the
backtest can score the simulated paths (:func:`path_scores`). Nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from brinkwatch.errors import ScenarioError
from brinkwatch.instruments import Instrument, Register
from brinkwatch.simulate._engine import SimulationRun
from brinkwatch.simulate._scenario_types import Machine, RegisterLink, Scenario

__all__ = ["apply_register", "linked_machines", "observed_states", "path_scores"]


def _instrument(m: Machine, register: Register, source: str) -> Instrument | None:
    """Return the register instrument of machine ``m``: named in its link, or with its own name."""
    wanted = m.register.instrument if m.register and m.register.instrument else m.name
    if wanted in register.ids:
        return register[wanted]
    if m.register is not None and m.register.instrument is not None:
        raise ScenarioError(
            f"machine '{m.name}' names instrument '{wanted}', which is not in register "
            f"'{register.id}' ({register.source}); its instruments: {', '.join(register.ids)}",
            path=source,
            line=m.register.line,
            field=f"{m.name}.register.instrument",
        )
    return None


def _machine_state(m: Machine, ins: Instrument, state: str, day: date, source: str) -> str:
    """Translate a register state into the machine's, or refuse saying how to map it."""
    mapping = dict(m.register.states) if m.register else {}
    if state in mapping:
        return mapping[state]
    if state in m.states:
        return state
    raise ScenarioError(
        f"instrument '{ins.id}' is in state '{state}' on {day.isoformat()} in the register, and "
        f"machine '{m.name}' has no such state (its states: {', '.join(m.states)}); map it in "
        f"the machine, e.g. `register: {{states: {{{state}: {m.states[0]}}}}}`",
        path=source,
        line=m.line,
        field=f"{m.name}.register.states",
    )


def _state_on(
    m: Machine, ins: Instrument, day: date, before: str, source: str
) -> tuple[str, date | None]:
    """Return the machine's state on ``day`` by the register, and since when (if known)."""
    held = ins.state_on(day)
    if held is not None:
        return _machine_state(m, ins, held.state, day, source), held.date
    absent = m.register.absent if m.register else None
    if absent is not None:
        return absent, None
    if day < ins.start:
        return before, None
    # After the end of its life, the instrument's last state stands.
    last = ins.changes[-1]
    return _machine_state(m, ins, last.state, day, source), last.date


def _renewed(m: Machine, ins: Instrument, day: date, source: str) -> tuple[Machine, str | None]:
    """Give the machine the register's renewal rule (anniversary, notice period), if it has one.

    The agreement's own text decides when a notice ends it, so the register's rule replaces the
    scenario's for the transition from the notice state to the end state.
    """
    rule = ins.renewal
    if rule is None:
        return m, None
    src = _machine_state(m, ins, rule.notice_state, day, source)
    dst = _machine_state(m, ins, rule.end_state, day, source)
    for i, t in enumerate(m.transitions):
        if (t.source, t.target) != (src, dst):
            continue
        if t.anniversary == rule.anniversary and t.notice_days == rule.notice_days:
            return m, None
        if t.hazard is not None:
            raise ScenarioError(
                f"machine '{m.name}': {src} -> {dst} has a hazard, but instrument '{ins.id}' ends "
                "by its renewal rule on an anniversary; give the transition `at_anniversary:` "
                "(its date and notice period are then taken from the register)",
                path=source,
                line=t.line,
                field=f"{m.name}.transitions",
            )
        new = replace(
            t, anniversary=rule.anniversary, notice_days=rule.notice_days, after_days=None
        )
        mm, dd = rule.anniversary
        note = (
            f"{m.name}: {src}->{dst} follows the register's renewal rule ({mm:02d}-{dd:02d} "
            f"anniversary, notice {rule.notice_days} days before"
            + (f"; {rule.basis}" if rule.basis else "")
            + ")"
        )
        return replace(m, transitions=(*m.transitions[:i], new, *m.transitions[i + 1 :])), note
    raise ScenarioError(
        f"instrument '{ins.id}' ends {rule.notice_days} days' notice before its anniversary "
        f"({rule.notice_state} -> {rule.end_state}), and machine '{m.name}' has no transition "
        f"{src} -> {dst} to carry that rule; add one (`at_anniversary:` is then taken from the "
        "register)",
        path=source,
        line=m.line,
        field=f"{m.name}.transitions",
    )


def apply_register(scenario: Scenario, register: Register) -> Scenario:
    """Start every machine linked to ``register`` in its register state on the start day.

    A machine is linked when its ``register:`` names an instrument, or when an instrument has
    its name. Its ``initial`` becomes the register's state on ``scenario.start`` and its
    ``dwell`` the days since that state began, so ``after_days`` and anniversary rules count
    from the real date. An instrument with a renewal rule (an agreement renewed on its
    anniversary unless notice is given ``notice_days`` before) gives that rule to the machine's
    transition from the notice state to the end state. Where the file's ``initial`` disagrees, the
    register wins and ``register_notes`` say so (``brinkwatch scenario check`` shows them).

    Parameters
    ----------
    scenario
        A parsed scenario (its ``initial`` states are those of the file).
    register
        A validated register, e.g. from :func:`brinkwatch.ingest.instruments.read_register`.

    Returns
    -------
    Scenario
        A copy with the initial states, dwells and notes set.

    Raises
    ------
    ScenarioError
        If a machine names an instrument the register lacks, or the register's state on the
        start day has no equivalent among the machine's states.
    """
    if scenario.register_id is not None:
        raise ScenarioError(
            f"scenario '{scenario.name}' already took its states from register "
            f"'{scenario.register_id}'",
            path=scenario.source,
        )
    day = scenario.start
    machines: list[Machine] = []
    notes: list[str] = []
    for m in scenario.machines:
        ins = _instrument(m, register, scenario.source)
        if ins is None:
            machines.append(m)
            if m.kind != "event":
                notes.append(f"{m.name}: not in the register; starts in '{m.initial}' as written")
            continue
        m, renewal_note = _renewed(m, ins, day, scenario.source)
        if renewal_note is not None:
            notes.append(renewal_note)
        state, since = _state_on(m, ins, day, m.initial, scenario.source)
        dwell = (day - since).days if since is not None else 0
        link = m.register or RegisterLink(instrument=ins.id)
        if link.instrument is None:
            link = replace(link, instrument=ins.id)
        if state != m.initial:
            notes.append(
                f"{m.name}: the file says '{m.initial}', register instrument '{ins.id}' says "
                f"'{state}' on {day.isoformat()}; the register wins"
            )
        elif since is None:
            notes.append(
                f"{m.name}: instrument '{ins.id}' does not exist on {day.isoformat()}; "
                f"starts in '{state}'"
            )
        machines.append(replace(m, initial=state, dwell=dwell, register=link))
    return replace(
        scenario,
        machines=tuple(machines),
        register_id=register.id,
        register_notes=tuple(notes),
    )


def linked_machines(scenario: Scenario) -> list[Machine]:
    """Return the machines whose state the register records (after :func:`apply_register`)."""
    return [m for m in scenario.machines if m.register is not None and m.register.instrument]


def observed_states(
    scenario: Scenario, register: Register, days: Sequence[int]
) -> dict[str, np.ndarray]:
    """Return the register's state code of each linked machine on each of ``days``.

    ``days`` count from the start; codes are positions in the machine's ``states``, as the
    engine records them.
    """
    out: dict[str, np.ndarray] = {}
    for m in linked_machines(scenario):
        ins = register[str(m.register.instrument if m.register else m.name)]
        codes = []
        for t in days:
            d = scenario.start + timedelta(days=int(t))
            # Before the instrument's life the start state holds: the file's own ``initial``.
            state, _ = _state_on(m, ins, d, m.initial, scenario.source)
            codes.append(m.states.index(state))
        out[m.name] = np.array(codes, dtype=np.int8)
    return out


def path_scores(
    scenario: Scenario, register: Register, runs: Mapping[str, SimulationRun]
) -> pa.Table:
    """How much probability each run gave to the register's actual path of states.

    For each linked machine, and jointly over all of them: ``p_path_<run>`` is the share of
    paths whose state equals the register's on every checkpoint day, ``agreement_<run>`` the
    mean share of checkpoint days on which it does. Beside them, in the same call, two
    baselines: ``persistence`` (nothing changes: 1 if the register's path never leaves the
    start state, else 0; agreement = the share of checkpoints still in it) and ``uniform``
    (every state equally likely on every checkpoint, independently).
    """
    if not runs:
        raise ScenarioError("no runs to score")
    first = next(iter(runs.values()))
    days = first.checkpoint_days
    obs = observed_states(scenario, register, days)
    if not obs:
        raise ScenarioError(
            f"no machine of scenario '{scenario.name}' is in register '{register.id}'; link them "
            "with a machine's `register: {instrument: ID}`",
            path=scenario.source,
        )
    names = [mm.name for mm in first.scenario.machines]
    rows: list[dict[str, object]] = []
    joint: dict[str, np.ndarray] = {}
    joint_agree: dict[str, list[np.ndarray]] = {}
    for m in linked_machines(scenario):
        o = obs[m.name]
        row: dict[str, object] = {
            "machine": m.name,
            "instrument": m.register.instrument if m.register else None,
            "checkpoints": len(days),
            "changes": int(np.count_nonzero(np.diff(o))) + int(o[0] != m.states.index(m.initial)),
            "observed_end": m.states[int(o[-1])],
        }
        for name, run in runs.items():
            hit = run.checkpoint_states[:, :, names.index(m.name)] == o[None, :]
            row[f"p_path_{name}"] = float(hit.all(axis=1).mean())
            row[f"agreement_{name}"] = float(hit.mean())
            joint[name] = joint.get(name, np.ones(run.n_paths, dtype=bool)) & hit.all(axis=1)
            joint_agree.setdefault(name, []).append(hit)
        start = m.states.index(m.initial)
        row["p_path_persistence"] = float(bool((o == start).all()))
        row["agreement_persistence"] = float((o == start).mean())
        row["p_path_uniform"] = float(len(m.states) ** -float(len(days)))
        row["agreement_uniform"] = 1.0 / len(m.states)
        rows.append(row)
    total: dict[str, object] = {
        "machine": "all (jointly)",
        "instrument": None,
        "checkpoints": len(days),
        "changes": int(sum(int(r["changes"]) for r in rows)),  # type: ignore[call-overload]
        "observed_end": None,
    }
    for name in runs:
        total[f"p_path_{name}"] = float(joint[name].mean())
        total[f"agreement_{name}"] = float(np.concatenate(joint_agree[name], axis=1).mean())
    total["p_path_persistence"] = float(all(float(r["p_path_persistence"]) == 1.0 for r in rows))  # type: ignore[arg-type]
    total["agreement_persistence"] = float(
        np.mean([float(r["agreement_persistence"]) for r in rows])  # type: ignore[arg-type]
    )
    total["p_path_uniform"] = float(np.prod([float(r["p_path_uniform"]) for r in rows]))  # type: ignore[arg-type]
    total["agreement_uniform"] = float(np.mean([float(r["agreement_uniform"]) for r in rows]))  # type: ignore[arg-type]
    rows.append(total)
    return pa.Table.from_pylist(rows).replace_schema_metadata(
        {"register": register.id, "checkpoint_days": ",".join(str(d) for d in days)}
    )
