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

from importlib import resources

from brinkwatch.errors import ScenarioError
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
    folder = resources.files("brinkwatch").joinpath("data", "scenarios")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def read_bundled_scenario(name: str) -> str:
    """Return the YAML text of a bundled scenario.

    Raises
    ------
    ScenarioError
        If there is no such scenario; the message lists those there are.
    """
    if name not in bundled_scenarios():
        raise ScenarioError(
            f"no bundled scenario '{name}'; bundled: {', '.join(bundled_scenarios())}. "
            "Give a path to a YAML file for your own."
        )
    ref = resources.files("brinkwatch").joinpath("data", "scenarios", f"{name}.yaml")
    return ref.read_text("utf-8")
