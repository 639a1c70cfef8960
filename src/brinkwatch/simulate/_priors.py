"""Shared priors: default values, ranges and reasons for kinds of assumption, across crises.

A scenario refers to one with ``hazard: {prior: coercive_measure_lifted}`` (any assumption may)
instead of writing its own numbers, so that crises scored out of sample get their parameters
from one documented procedure rather than from their outcomes. Each prior carries the day its
evidence is as of (``as_of``); a scenario whose information date is earlier cannot use it.
The bundled file is ``brinkwatch/data/priors/priors.yaml`` (format in ``docs/scenarios.md``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import yaml

from brinkwatch._yaml import clipped, compose, construct, shown
from brinkwatch.errors import ScenarioError

__all__ = ["Prior", "bundled_priors", "parse_priors"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_KEYS = ("default", "range", "reason", "as_of", "kind")
#: What a prior is a default for; a hazard is per day, a weight adds to the log-hazard.
KINDS = ("hazard", "weight", "multiplier", "stock", "opinion", "probability", "rate")


@dataclass(frozen=True)
class Prior:
    """A shared default for one kind of assumption: value, range, reason and its date."""

    name: str
    kind: str
    default: float
    low: float
    high: float
    reason: str
    as_of: date
    line: int


def _error(source: str, line: int, field: str, message: str) -> ScenarioError:
    return ScenarioError(clipped(message, 1000), path=source, line=line, field=clipped(field))


def _prior(name: str, node: yaml.Node, source: str) -> Prior:
    line = int(node.start_mark.line) + 1
    if not isinstance(node, yaml.MappingNode):
        raise _error(source, line, name, f"prior '{name}' must be a mapping of {', '.join(_KEYS)}")
    try:
        raw = construct(node)
    except (ValueError, TypeError, yaml.YAMLError) as exc:
        raise _error(source, line, name, f"cannot read prior '{name}': {shown(str(exc))}") from None
    for k in raw:
        if k not in _KEYS:
            raise _error(source, line, f"{name}.{k}", f"unknown key '{k}'; allowed: {_KEYS}")
    for k in _KEYS:
        if k not in raw:
            raise _error(source, line, name, f"prior '{name}' needs '{k}'")
    d, rng, reason, as_of, kind = (raw[k] for k in _KEYS)
    if kind not in KINDS:
        raise _error(
            source, line, f"{name}.kind", f"kind must be one of {KINDS}, not {shown(kind)}"
        )
    numbers = [d, *(rng if isinstance(rng, list) else [])]
    if (
        not isinstance(rng, list)
        or len(rng) != 2
        or any(isinstance(x, bool) or not isinstance(x, int | float) for x in numbers)
    ):
        raise _error(
            source, line, f"{name}.range", "'default' must be a number, 'range' [LOW, HIGH]"
        )
    lo, hi = float(rng[0]), float(rng[1])
    if not lo <= float(d) <= hi:
        raise _error(source, line, f"{name}.range", f"the default {d} is outside [{lo}, {hi}]")
    if not isinstance(reason, str) or not reason.strip():
        raise _error(source, line, f"{name}.reason", "every prior needs a reason (its base rate)")
    if not isinstance(as_of, date):
        raise _error(source, line, f"{name}.as_of", f"'as_of' must be a date, got {shown(as_of)}")
    return Prior(name, kind, float(d), lo, hi, " ".join(reason.split()), as_of, line)


def parse_priors(text: str, *, source: str = "priors") -> dict[str, Prior]:
    r"""Parse and validate a priors file: ``priors: {NAME: {kind, default, range, reason, as_of}}``.

    Raises
    ------
    ScenarioError
        Naming the line and the prior of the first problem.

    Examples
    --------
    >>> p = parse_priors(
    ...     "priors:\n  x:\n    {kind: hazard, default: 0.01, range: [0.0, 0.1],"
    ...     " reason: r, as_of: 2012-01-01}"
    ... )
    >>> p["x"].default, p["x"].as_of.year
    (0.01, 2012)
    """
    root = compose(text, source=source, error=ScenarioError)
    if not isinstance(root, yaml.MappingNode):
        raise ScenarioError("a priors file must be a YAML mapping with 'priors:'", path=source)
    top = {str(k.value): v for k, v in root.value}
    extra = sorted(set(top) - {"priors", "title", "notes"})
    if extra or not isinstance(top.get("priors"), yaml.MappingNode):
        raise ScenarioError(
            "a priors file has 'priors:' (a mapping of names) and optional 'title', 'notes'"
            + (f"; unknown: {', '.join(extra)}" if extra else ""),
            path=source,
            line=int(root.start_mark.line) + 1,
        )
    out: dict[str, Prior] = {}
    for k, v in top["priors"].value:
        name = str(k.value)
        if not _NAME.match(name) or name in out:
            raise _error(
                source, int(k.start_mark.line) + 1, name,
                f"'{name}' must be a new name of lower-case letters, digits and _",
            )  # fmt: skip
        out[name] = _prior(name, v, source)
    return out


@cache
def bundled_priors() -> Mapping[str, Prior]:
    """Return the priors shipped with brinkwatch (``data/priors/priors.yaml``), validated once."""
    ref = resources.files("brinkwatch").joinpath("data", "priors", "priors.yaml")
    return parse_priors(ref.read_text("utf-8"), source="priors.yaml")
