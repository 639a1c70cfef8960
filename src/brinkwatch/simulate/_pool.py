"""Analysts' assumptions, pooled: each analyst's file overrides assumptions by their path.

An analyst file names its author, a weight and the assumptions it sets, each by the dotted path
the sensitivity table prints (``GSOMIA:active->notice_given.hazard``) with a default, a range and
a reason. :func:`pool_assumptions` checks the files against a scenario and returns a
:class:`Pool`: a linear opinion pool. The engine then lets every parameter set pick one analyst
with probability equal to that analyst's weight and draws the set's assumptions from that
analyst's distributions (the scenario's own where the analyst says nothing).

The picks are stratified: the ``k`` parameter sets of a chunk of paths take evenly spaced
positions in [0, 1) with one random offset, in a random order. Each set still picks an analyst
with probability equal to the weight, but the share of sets that go to each analyst is as close
to the weight as ``k`` allows, so the mixture adds no noise of its own to the pooled result.

Parsing reads text; files are opened by the caller (the CLI), as for scenarios.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import yaml

from brinkwatch._yaml import compose, shown
from brinkwatch.errors import ConfigError, ScenarioError
from brinkwatch.simulate._scenario_types import Uncertain
from brinkwatch.simulate._scenario_yaml import _Node

if TYPE_CHECKING:
    from brinkwatch.simulate._scenario_types import Scenario

__all__ = ["Analyst", "Pool", "parse_analyst", "pool_assumptions"]

_TOP = ("analyst", "weight", "scenario", "as_of", "notes", "assumptions")
#: Generator key of the analyst picks (0 draws parameters, 1-4 are the engine's own).
PICK_STREAM = 5


@dataclass(frozen=True)
class Analyst:
    """One analyst's file: who, with what weight, and the assumptions they set.

    Attributes
    ----------
    name, weight
        The analyst's name and the weight the file gives them (a pool may override it).
    assumptions
        Assumption path -> the analyst's :class:`Uncertain` (its ``line`` is in ``source``).
    source
        The file name, for messages.
    scenario
        The scenario the file was written for, if it says so.
    as_of
        The date the analyst's reasons are as of, if given.
    """

    name: str
    weight: float
    assumptions: Mapping[str, Uncertain]
    source: str
    scenario: str | None = None
    as_of: date | None = None


@dataclass(frozen=True)
class Pool:
    """A linear opinion pool of analysts checked against a scenario; weights sum to 1."""

    analysts: tuple[Analyst, ...]
    weights: tuple[float, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The analysts' names, in order."""
        return tuple(a.name for a in self.analysts)

    def alone(self, i: int) -> Pool:
        """Return the pool of analyst ``i`` alone (weight 1)."""
        return Pool((self.analysts[i],), (1.0,))

    def pick(self, seed: int, stream: int, k: int) -> np.ndarray:
        """Return the analyst each of the ``k`` parameter sets of chunk ``stream`` draws from."""
        live = np.flatnonzero(np.asarray(self.weights) > 0)
        if len(live) == 1:
            return np.full(k, int(live[0]))
        rng = np.random.default_rng([seed, stream, PICK_STREAM])
        pos = (rng.permutation(k) + rng.random()) / k
        cum = np.cumsum(np.asarray(self.weights)[live])
        cum[-1] = 1.0  # rounding must not leave a gap at the top
        return live[np.minimum(np.searchsorted(cum, pos, side="right"), len(live) - 1)]

    def draw(self, p: Uncertain, u: np.ndarray, who: np.ndarray, fixed: bool) -> np.ndarray:
        """Values of assumption ``p`` for parameter sets picking ``who``, from uniforms ``u``."""
        v = np.empty(len(u))
        for i, a in enumerate(self.analysts):
            d = a.assumptions.get(p.name, p)
            m = who == i
            v[m] = d.default if fixed else d.quantile(u[m])
        return v


def parse_analyst(text: str, *, source: str = "analyst") -> Analyst:
    r"""Parse an analyst file (YAML) into an :class:`Analyst`.

    The format (``docs/scenarios.md``, "Several analysts")::

        analyst: A. Hawk
        weight: 0.6
        scenario: jpn-kor-2019        # optional: refused with another scenario
        as_of: 2019-07-31             # optional: the date the reasons are as of
        assumptions:
          "GSOMIA:active->notice_given.hazard":
            default: 0.015
            range: [0.005, 0.04]
            reason: Seoul said on 23 July it would review GSOMIA.

    Raises
    ------
    ScenarioError
        Naming the file, line and field of the first problem.

    Examples
    --------
    >>> a = parse_analyst(
    ...     "analyst: X\nweight: 1\nassumptions:\n  a.hazard: {default: 0.1, range: [0, 0.2],"
    ...     " reason: why}\n",
    ...     source="x.yaml",
    ... )
    >>> a.name, a.assumptions["a.hazard"].high
    ('X', 0.2)
    """
    root = compose(text, source=source, error=ScenarioError)
    if not isinstance(root, yaml.MappingNode):
        raise ScenarioError(
            "an analyst file must be a YAML mapping with 'analyst', 'weight' and 'assumptions'",
            path=source,
            line=1,
        )
    top = _Node(root, "", source)
    top.allow(*_TOP)
    for key in ("analyst", "weight", "assumptions"):
        if not top.has(key):
            raise ScenarioError(
                f"'{key}' is required: an analyst file gives the analyst's name, a weight and "
                "the assumptions it sets",
                path=source,
                line=top.line,
                field=key,
            )
    name = top.text("analyst")
    weight = top.value("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight >= 0:
        raise top.error("weight", f"'weight' must be a number >= 0, got {shown(weight)}")
    if not math.isfinite(weight):
        raise top.error("weight", f"'weight' must be finite, got {weight}")
    scenario = top.text("scenario") if top.has("scenario") else None
    as_of = top.day("as_of") if top.has("as_of") else None
    block = top.sub("assumptions")
    if not block.items:
        raise block.error(None, "'assumptions' is empty; set at least one assumption")
    assumptions = {key: _assumption(block, key) for key in block.items}
    return Analyst(name, float(weight), assumptions, source, scenario, as_of)


def _assumption(block: _Node, key: str) -> Uncertain:
    if not isinstance(block.items[key], yaml.MappingNode):
        raise block.error(
            key, f"'{key}' must be a mapping {{default: X, range: [LOW, HIGH], reason: WHY}}"
        )
    sub = block.sub(key)
    sub.allow("default", "range", "reason")
    d = sub.value("default")
    if isinstance(d, bool) or not isinstance(d, int | float) or not math.isfinite(d):
        raise sub.error("default", f"'default' must be a number, got {shown(d)}")
    rng = sub.value("range", [d, d])
    if (
        not isinstance(rng, list)
        or len(rng) != 2
        or any(isinstance(x, bool) or not isinstance(x, int | float) for x in rng)
        or not all(math.isfinite(x) for x in rng)
    ):
        raise sub.error("range", f"'range' must be [LOW, HIGH], got {shown(rng)}")
    lo, hi = float(rng[0]), float(rng[1])
    if not lo <= float(d) <= hi:
        raise sub.error("range", f"the default {d} must lie within the range [{lo}, {hi}]")
    return Uncertain(key, float(d), lo, hi, sub.text("reason"), sub.line)


def pool_assumptions(
    scenario: Scenario,
    analysts: Sequence[Analyst],
    weights: Sequence[float] | None = None,
) -> Pool:
    """Check analysts' files against a scenario and pool them with weights.

    Parameters
    ----------
    scenario
        The scenario whose assumptions the analysts override.
    analysts
        Parsed analyst files (:func:`parse_analyst`), at least one.
    weights
        One weight per analyst, replacing the files' own; default the files' weights. Weights
        are normalised to sum to 1.

    Returns
    -------
    Pool
        To pass as ``pool=`` to :func:`~brinkwatch.simulate.run_scenario`,
        :func:`~brinkwatch.simulate.run_variants` or
        :func:`~brinkwatch.simulate.analyst_spread`.

    Raises
    ------
    ScenarioError
        If a file sets an assumption the scenario does not have (with near matches), a value
        outside the assumption's bounds, or was written for another scenario.
    ConfigError
        If the weights are not one non-negative number per analyst with a positive sum, or two
        analysts share a name.
    """
    if not analysts:
        raise ConfigError("give at least one analyst file", field="analysts")
    names = [a.name for a in analysts]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(
            f"two analyst files name the same analyst {', '.join(map(repr, twice))}; give each "
            "analyst a distinct 'analyst:' name",
            field="analyst",
        )
    params = {p.name: p for p in scenario.parameters()}
    for a in analysts:
        _check(scenario, params, a)
    w = [a.weight for a in analysts] if weights is None else [float(x) for x in weights]
    if len(w) != len(analysts):
        raise ConfigError(
            f"{len(w)} weights for {len(analysts)} analysts; give one weight per analyst file, "
            "in the same order",
            field="weights",
        )
    if any(not math.isfinite(x) or x < 0 for x in w) or sum(w) <= 0:
        raise ConfigError(
            f"weights must be numbers >= 0 with a positive sum, got {', '.join(map(str, w))}",
            field="weights",
        )
    total = sum(w)
    return Pool(tuple(analysts), tuple(x / total for x in w))


def _check(scenario: Scenario, params: Mapping[str, Uncertain], a: Analyst) -> None:
    if a.scenario is not None and a.scenario != scenario.name:
        raise ScenarioError(
            f"this analyst file is written for scenario '{a.scenario}', not '{scenario.name}'",
            path=a.source,
            field="scenario",
        )
    for key, u in a.assumptions.items():
        p = params.get(key)
        field = f"assumptions.{key}"
        if p is None:
            near = difflib.get_close_matches(key, list(params), n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(repr(n) for n in near)}? " if near else ""
            raise ScenarioError(
                f"'{key}' is not an assumption of scenario '{scenario.name}'; {hint}"
                "names are those `brinkwatch simulate SCENARIO --sensitivity` prints",
                path=a.source,
                line=u.line,
                field=field,
            )
        if p.minimum is not None and u.low < p.minimum:
            raise ScenarioError(
                f"values below {p.minimum} make no sense for '{key}', got {u.low}",
                path=a.source,
                line=u.line,
                field=f"{field}.range",
            )
        if p.maximum is not None and u.high > p.maximum:
            raise ScenarioError(
                f"values above {p.maximum} make no sense for '{key}', got {u.high}",
                path=a.source,
                line=u.line,
                field=f"{field}.range",
            )
