"""Crisis scenarios: the YAML file, validated into typed, immutable objects.

A scenario declares who is involved, when it starts and how far it runs, the agreements and
measures as state machines with their legal rules, the ballast that damps escalation, domestic
calendars and opinion, the mediator's leverage, scheduled or random shocks, the levers a mediator
can pull, and the outcomes to report. Every assumed effect is an :class:`Uncertain`: a default, a
range and a reason, so that the Monte Carlo can draw it and the reader can check it.

The format is documented in ``docs/scenarios.md``; ``brinkwatch/data/scenarios/jpn-kor-2019.yaml``
is the worked example. The types live in ``_scenario_types``, the YAML reading in
``_scenario_yaml``; this module is where to import them from.
"""

from __future__ import annotations

from brinkwatch.simulate._scenario_types import (
    Driver,
    Effect,
    Election,
    Emit,
    Lever,
    Machine,
    Mediator,
    Opinion,
    Outcome,
    Package,
    RegisterLink,
    Scenario,
    Shock,
    StateEffect,
    Stock,
    Transition,
    Uncertain,
    Window,
    stream_names,
)
from brinkwatch.simulate._scenario_yaml import parse_scenario

__all__ = [
    "Driver",
    "Effect",
    "Election",
    "Emit",
    "Lever",
    "Machine",
    "Mediator",
    "Opinion",
    "Outcome",
    "Package",
    "RegisterLink",
    "Scenario",
    "Shock",
    "StateEffect",
    "Stock",
    "Transition",
    "Uncertain",
    "Window",
    "bundled_scenarios",
    "parse_scenario",
    "read_bundled_scenario",
    "stream_names",
]


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with brinkwatch.

    Examples
    --------
    >>> "jpn-kor-2019" in bundled_scenarios()
    True
    """
    from brinkwatch.ingest.scenarios import bundled_scenario_names

    return bundled_scenario_names()


def read_bundled_scenario(name: str) -> str:
    """Return the YAML text of a bundled scenario (read by :mod:`brinkwatch.ingest.scenarios`).

    Raises
    ------
    ScenarioError
        If there is no such scenario; the message lists those there are.
    """
    from brinkwatch.ingest.scenarios import read_bundled_scenario_text

    return read_bundled_scenario_text(name)
