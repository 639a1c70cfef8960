"""Read a scenario from YAML: every value checked, every error with its line and field.

YAML nodes keep their line numbers, so each message names the line and the field of the first
problem and what would fix it. The format is documented in ``docs/scenarios.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import yaml

from brinkwatch._yaml import clipped, compose, construct, shown
from brinkwatch.codebook import countries
from brinkwatch.errors import ScenarioError
from brinkwatch.simulate._priors import Prior, bundled_priors
from brinkwatch.simulate._scenario_types import (
    Citation,
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

__all__ = ["parse_scenario"]

_STREAM = re.compile(r"^\s*([A-Z]{3})\s*->\s*([A-Z]{3})\s*[:\s]\s*(coop|conflict)\s*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class _Node:
    """A YAML mapping with the line of each key, for messages."""

    def __init__(self, node: yaml.MappingNode, path: str, source: str) -> None:
        self.path = path
        self.source = source
        self.line = int(node.start_mark.line) + 1
        self.items: dict[str, yaml.Node] = {}
        self.lines: dict[str, int] = {}
        for k, v in node.value:
            key = str(k.value)
            if key in self.items:
                raise ScenarioError(
                    f"'{key}' appears twice in {path or 'the file'}",
                    path=source,
                    line=int(k.start_mark.line) + 1,
                    field=self._field(key),
                )
            self.items[key] = v
            self.lines[key] = int(k.start_mark.line) + 1

    def _field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str | None, message: str) -> ScenarioError:
        line = self.lines.get(key, self.line) if key is not None else self.line
        # Paths and messages quote the file's own names, which may be of any length.
        return ScenarioError(
            clipped(message, 1000),
            path=self.source,
            line=line,
            field=clipped(self._field(key) if key else self.path),
        )

    def allow(self, *keys: str) -> None:
        for k in self.items:
            if k not in keys:
                raise self.error(k, f"unknown key '{k}'; allowed here: {', '.join(sorted(keys))}")

    def has(self, key: str) -> bool:
        return key in self.items

    def value(self, key: str, default: Any = ...) -> Any:
        if key not in self.items:
            if default is ...:
                raise self.error(None, f"'{key}' is required in {self.path or 'the file'}")
            return default
        try:
            return construct(self.items[key])
        except (ValueError, TypeError, yaml.YAMLError) as exc:
            # PyYAML turns 2019-13-01 into a date and fails; say where.
            raise self.error(key, f"cannot read '{key}': {shown(str(exc))}") from None

    def sub(self, key: str) -> _Node:
        node = self.items.get(key)
        if not isinstance(node, yaml.MappingNode):
            raise self.error(key, f"'{key}' must be a mapping")
        return _Node(node, self._field(key), self.source)

    def seq(self, key: str) -> Iterator[tuple[int, yaml.Node]]:
        node = self.items.get(key)
        if node is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(key, f"'{key}' must be a list")
        yield from enumerate(node.value)

    def child(self, key: str, i: int, node: yaml.Node) -> _Node:
        if not isinstance(node, yaml.MappingNode):
            raise ScenarioError(
                f"item {i + 1} of '{key}' must be a mapping",
                path=self.source,
                line=int(node.start_mark.line) + 1,
                field=self._field(key),
            )
        return _Node(node, f"{self._field(key)}[{i}]", self.source)

    def text(self, key: str, default: str | None = None) -> str:
        v = self.value(key, default if default is not None else ...)
        if not isinstance(v, str) or not v.strip():
            raise self.error(key, f"'{key}' must be a non-empty text, got {shown(v)}")
        return v.strip()

    def texts(self, key: str) -> tuple[str, ...]:
        raw = self.value(key, []) or []
        if not isinstance(raw, list):
            # A bare value would otherwise be iterated: a number crashes, a text splits up.
            raise self.error(key, f"'{key}' must be a list")
        return tuple(str(x) for x in raw)

    def integer(self, key: str, default: int | None = None, *, minimum: int = 0) -> int:
        v = self.value(key, default if default is not None else ...)
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise self.error(key, f"'{key}' must be a whole number >= {minimum}, got {shown(v)}")
        return v

    def day(self, key: str, default: date | None = None) -> date:
        try:
            v = self.value(key, default if default is not None else ...)
        except ScenarioError as exc:
            if key not in self.items:
                raise
            raise self.error(key, f"'{key}' must be a date YYYY-MM-DD ({exc.message})") from None
        if isinstance(v, date):
            return v
        try:
            return date.fromisoformat(str(v))
        except ValueError:
            raise self.error(key, f"'{key}' must be a date YYYY-MM-DD, got {shown(v)}") from None


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.params: list[Uncertain] = []
        self.actors: tuple[str, ...] = ()
        self.streams: set[str] = set()
        self.priors: Mapping[str, Prior] | None = None
        self.information_date: date | None = None

    def uncertain(
        self, node: _Node, key: str, *, minimum: float | None = 0.0, maximum: float | None = None
    ) -> Uncertain:
        """``key: {default: x, range: [lo, hi], reason: text}``; a bare number is rejected.

        A bare number would be an assumption without a reason, which is what the format exists
        to prevent.
        """
        if not node.has(key):
            raise node.error(None, f"'{key}' is required in {node.path}")
        if not isinstance(node.items[key], yaml.MappingNode):
            raise node.error(
                key,
                f"'{key}' must be a mapping {{default: X, range: [LOW, HIGH], reason: WHY}}; "
                "every assumed effect needs its range and reason",
            )
        sub = node.sub(key)
        if sub.has("prior"):
            return self.from_prior(sub, minimum=minimum, maximum=maximum)
        sub.allow("default", "range", "reason")
        d = sub.value("default")
        rng = sub.value("range", [d, d])
        reason = sub.text("reason")
        if isinstance(d, bool) or not isinstance(d, int | float):
            raise sub.error("default", f"'default' must be a number, got {shown(d)}")
        if (
            not isinstance(rng, list)
            or len(rng) != 2
            or any(isinstance(x, bool) or not isinstance(x, int | float) for x in rng)
        ):
            raise sub.error("range", f"'range' must be [LOW, HIGH], got {shown(rng)}")
        lo, hi = float(rng[0]), float(rng[1])
        if not lo <= float(d) <= hi:
            raise sub.error("range", f"the default {d} must lie within the range [{lo}, {hi}]")
        if minimum is not None and lo < minimum:
            raise sub.error("range", f"values below {minimum} make no sense here, got {lo}")
        if maximum is not None and hi > maximum:
            raise sub.error("range", f"values above {maximum} make no sense here, got {hi}")
        u = Uncertain(sub.path, float(d), lo, hi, reason, sub.line, minimum, maximum)
        if any(q.name == u.name for q in self.params):
            raise sub.error(None, f"a second assumption is named '{u.name}'; rename one")
        self.params.append(u)
        return u

    def from_prior(self, sub: _Node, *, minimum: float | None, maximum: float | None) -> Uncertain:
        """``key: {prior: NAME}``: the shared prior's default, range and reason."""
        sub.allow("prior")
        name = sub.text("prior")
        priors = self.priors if self.priors is not None else bundled_priors()
        if name not in priors:
            raise sub.error(
                "prior", f"no prior called '{name}'; the priors are: {', '.join(sorted(priors))}"
            )
        pr = priors[name]
        if self.information_date is not None and pr.as_of > self.information_date:
            raise sub.error(
                "prior",
                f"prior '{name}' rests on evidence as of {pr.as_of}, after the scenario's "
                f"information date {self.information_date}; copy its values with a reason "
                "known by then",
            )
        low_ok = minimum is None or pr.low >= minimum
        if not low_ok or (maximum is not None and pr.high > maximum):
            raise sub.error(
                "prior", f"prior '{name}' ({pr.kind}, range [{pr.low}, {pr.high}]) cannot go here"
            )
        u = Uncertain(sub.path, pr.default, pr.low, pr.high, f"Prior {name}: {pr.reason}", sub.line)
        if any(q.name == u.name for q in self.params):
            raise sub.error(None, f"a second assumption is named '{u.name}'; rename one")
        self.params.append(u)
        return u

    def stream(self, node: _Node, key: str, text: object) -> str:
        m = _STREAM.match(str(text))
        if not m:
            raise node.error(
                key, f"'{text}' is not a stream; write SOURCE->TARGET coop or conflict"
            )
        s = f"{m.group(1)}->{m.group(2)} {m.group(3)}"
        if s not in self.streams:
            raise node.error(
                key, f"stream '{s}' is not between the scenario's actors {', '.join(self.actors)}"
            )
        return s

    def streams_of(self, node: _Node, key: str, *, required: bool = True) -> tuple[str, ...]:
        """Read a list of streams; ``ACTOR->* conflict`` and ``*->ACTOR coop`` expand to dyads."""
        raw = node.value(key, ... if required else [])
        items = raw if isinstance(raw, list) else [raw]
        out: list[str] = []
        for item in items:
            text = str(item).strip()
            if "*" in text:
                m = re.match(
                    r"^([A-Z]{3}|\*)\s*->\s*([A-Z]{3}|\*)\s*[:\s]\s*(coop|conflict)$", text
                )
                if not m:
                    raise node.error(key, f"'{item}' is not a stream pattern")
                pat = " ".join((f"{m.group(1)}->{m.group(2)}", m.group(3)))
                rx = re.escape(pat).replace(r"\*", "[A-Z]{3}")
                hits = [s for s in stream_names(self.actors) if re.fullmatch(rx, s)]
                if not hits:
                    raise node.error(key, f"'{item}' matches no stream of the scenario")
                out.extend(h for h in hits if h not in out)
            else:
                s = self.stream(node, key, item)
                if s not in out:
                    out.append(s)
        if required and not out:
            raise node.error(key, f"'{key}' needs at least one stream")
        return tuple(out)

    def emits(self, node: _Node, key: str = "emits") -> tuple[Emit, ...]:
        out = []
        for i, item in node.seq(key):
            n = node.child(key, i, item)
            n.allow("stream", "count")
            out.append(Emit(self.stream(n, "stream", n.value("stream")), n.integer("count", 1)))
        return tuple(out)

    def actor(self, node: _Node, key: str, *, default: str | None = None) -> str:
        a = str(node.value(key, default if default is not None else ...)).upper()
        if a not in self.actors:
            raise node.error(key, f"'{a}' is not one of the scenario's actors")
        return a


def _month_day(node: _Node, key: str, text: object) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{2})-(\d{2})", str(text))
    if not m:
        raise node.error(key, f"'{text}' must be a month and day MM-DD")
    month, day = int(m.group(1)), int(m.group(2))
    try:
        date(2020, month, day)
    except ValueError:
        raise node.error(key, f"'{text}' is not a day of the year") from None
    return month, day


def _effects(p: _Parser, node: _Node, key: str) -> tuple[Effect, ...]:
    out = []
    for i, item in node.seq(key):
        n = node.child(key, i, item)
        n.allow("target", "streams", "ref", "multiply", "add", "scale")
        target = n.text("target")
        if target not in ("baseline", "excitation", "hazard", "recovery", "leverage"):
            raise n.error(
                "target",
                f"target must be baseline, excitation, hazard, recovery or leverage, "
                f"got '{target}'",
            )
        streams: tuple[str, ...] = ()
        ref = None
        if target in ("baseline", "excitation"):
            streams = p.streams_of(n, "streams")
        elif target in ("hazard", "recovery"):
            ref = n.text("ref")
        what = ref if ref else ", ".join(streams) if streams else ""
        n.path = f"{node.path}.effects[{i}]:{target}" + (f" {what}" if what else "")
        if target == "leverage":
            if not n.has("add"):
                raise n.error(None, "a leverage effect needs 'add'")
            value = p.uncertain(n, "add", minimum=-1.0, maximum=1.0)
        else:
            if not n.has("multiply"):
                raise n.error(None, f"a {target} effect needs 'multiply'")
            value = p.uncertain(n, "multiply", minimum=0.0)
        scale = n.value("scale", None)
        if scale not in (None, "leverage"):
            raise n.error("scale", f"scale can only be 'leverage', got {shown(scale)}")
        out.append(Effect(target, streams, ref, value, scale == "leverage"))  # type: ignore[arg-type]
    return tuple(out)


def _machine(p: _Parser, n: _Node, kind: str) -> Machine:
    name = n.text("name")
    if not _NAME.match(name):
        raise n.error("name", f"'{name}' must be a name of letters, digits and _")
    n.path = name  # assumptions are named after the machine, not its place in the list
    n.allow(
        "name",
        "holder",
        "description",
        "states",
        "initial",
        "transitions",
        "while_in",
        "kind",
        "register",
        "min_dwell_days",
    )
    states = n.value("states")
    if not isinstance(states, list) or len(states) < 2 or len(set(states)) != len(states):
        raise n.error("states", "'states' must list at least two distinct state names")
    states = [str(s) for s in states]
    initial = str(n.value("initial", states[0]))
    if initial not in states:
        raise n.error("initial", f"initial state '{initial}' is not one of {states}")
    holder = p.actor(n, "holder") if n.has("holder") else None
    dwell = n.integer("min_dwell_days", 0)
    transitions: list[Transition] = []
    for i, item in n.seq("transitions"):
        tr = _transition(p, n.child("transitions", i, item), name, states, dwell)
        if any(t.key == tr.key for t in transitions):
            raise n.error("transitions", f"the transition {tr.key} is declared twice")
        transitions.append(tr)
    whiles = []
    for i, item in n.seq("while_in"):
        w = n.child("while_in", i, item)
        w.path = f"{name}.while_in[{i}]"
        w.allow("state", "streams", "multiply")
        st = str(w.value("state"))
        if st not in states:
            raise w.error("state", f"'{st}' is not one of the states {states}")
        whiles.append(StateEffect(st, p.streams_of(w, "streams"), p.uncertain(w, "multiply")))
    return Machine(
        name=name,
        kind=kind,  # type: ignore[arg-type]
        holder=holder,
        description=str(n.value("description", "")),
        states=tuple(states),
        initial=initial,
        transitions=tuple(transitions),
        while_in=tuple(whiles),
        line=n.line,
        register=_register_link(n, tuple(states)) if n.has("register") else None,
        min_dwell_days=dwell,
    )


_RULES = ("hazard", "after_days", "at_anniversary")


def _transition(
    p: _Parser,
    t: _Node,
    name: str,
    states: Sequence[str],
    dwell: int,
    *,
    package: str = "",
    move: tuple[str, str] | None = None,
) -> Transition:
    """Read one transition; ``package`` set: a package's lead, its rule read from the package."""
    src, dst = move or (str(t.value("from")), str(t.value("to")))
    if not package:
        t.path = f"{name}:{src}->{dst}"
    keys = ("from", "to", "drivers", "window", "emits", "min_dwell_days", "notice_days", *_RULES)
    t.allow(*keys, *(("machine", "name", "description", "transitions") if package else ()))
    for k, s in (("from", src), ("to", dst)):
        if s not in states:
            raise t.error(k, f"'{s}' is not one of the states {states}")
    if src == dst:
        raise t.error("to", "a transition must change the state")
    rules = [r for r in _RULES if t.has(r)]
    if len(rules) != 1:
        raise t.error(
            None, "a transition needs exactly one of 'hazard', 'after_days' or 'at_anniversary'"
        )
    hazard = p.uncertain(t, "hazard", minimum=0.0, maximum=1.0) if t.has("hazard") else None
    after = t.integer("after_days", minimum=1) if t.has("after_days") else None
    anniversary = (
        _month_day(t, "at_anniversary", t.value("at_anniversary"))
        if t.has("at_anniversary")
        else None
    )
    if t.has("notice_days") and anniversary is None:
        raise t.error("notice_days", "'notice_days' goes with 'at_anniversary'")
    drivers = []
    for j, ditem in t.seq("drivers"):
        d = t.child("drivers", j, ditem)
        d.allow("streams", "weight")
        drivers.append(Driver(p.streams_of(d, "streams"), p.uncertain(d, "weight", minimum=None)))
    if drivers and hazard is None:
        raise t.error("drivers", "only hazard transitions can have drivers")
    if t.has("min_dwell_days") and hazard is None:
        raise t.error("min_dwell_days", "only hazard transitions wait out a minimum dwell")
    window = _window(t) if t.has("window") else None
    if window is not None and hazard is None:
        raise t.error("window", "only hazard transitions can have a window")
    return Transition(
        src,
        dst,
        hazard,
        tuple(drivers),
        after,
        window,
        p.emits(t),
        t.line,
        anniversary=anniversary,
        notice_days=t.integer("notice_days", 0),
        min_dwell_days=t.integer("min_dwell_days", dwell),
        package=package or None,
    )


def _window(t: _Node) -> Window:
    w = t.sub("window")
    w.allow("from", "until")
    lo, hi = w.value("from", None), w.value("until", None)
    if lo is None and hi is None:
        raise t.error("window", "a window needs 'from', 'until' or both")
    if isinstance(lo, date) or isinstance(hi, date):
        return Window(
            first=w.day("from") if lo is not None else None,
            last=w.day("until") if hi is not None else None,
        )
    return Window(
        annual=(
            _month_day(w, "from", lo if lo is not None else "01-01"),
            _month_day(w, "until", hi if hi is not None else "12-31"),
        )
    )


def _packages(p: _Parser, top: _Node, machines: list[Machine]) -> list[Package]:
    """Read ``packages:`` and add each member's transition to its machine (in place).

    The lead (first member) gets the package's hazard, drivers, window and emits; the others
    get a transition that moves only with the package.
    """
    by_name = {m.name: i for i, m in enumerate(machines)}
    out: list[Package] = []
    for i, item in top.seq("packages"):
        n = top.child("packages", i, item)
        name = n.text("name")
        if not _NAME.match(name) or name in by_name or name in [q.name for q in out]:
            raise n.error("name", f"'{name}' must be a new name of letters, digits and _")
        n.path = name
        members: list[tuple[str, str, str]] = []
        for j, mitem in n.seq("transitions"):
            mn = n.child("transitions", j, mitem)
            mname = mn.text("machine")
            if mname not in by_name:
                raise mn.error("machine", f"no agreement, measure or event called '{mname}'")
            if mname in [m for m, _, _ in members]:
                raise mn.error("machine", f"'{mname}' appears twice in package '{name}'")
            m = machines[by_name[mname]]
            if j == 0:
                move = (str(mn.value("from")), str(mn.value("to")))
                tr = _transition(p, n, mname, m.states, m.min_dwell_days, package=name, move=move)
            else:
                mn.allow("machine", "from", "to", "emits")
                tr = Transition(
                    str(mn.value("from")), str(mn.value("to")), None, (), None, None,
                    p.emits(mn), mn.line, package=name,
                )  # fmt: skip
            mn.allow("machine", "from", "to", "emits")
            for k, s in (("from", tr.source), ("to", tr.target)):
                if s not in m.states:
                    raise mn.error(k, f"'{s}' is not one of {mname}'s states {list(m.states)}")
            if tr.source == tr.target or any(t.key == tr.key for t in m.transitions):
                raise mn.error("to", f"{mname}:{tr.key} is already declared or changes nothing")
            machines[by_name[mname]] = replace(m, transitions=(*m.transitions, tr))
            members.append((mname, tr.source, tr.target))
        if len(members) < 2:
            raise n.error("transitions", f"package '{name}' needs at least two transitions")
        out.append(Package(name, str(n.value("description", "")), tuple(members), n.line))
    return out


def _check_reachable(source: str, machines: Sequence[Machine]) -> None:
    for m in machines:
        if not m.transitions:
            raise ScenarioError(
                f"'{m.name}' needs at least one transition", path=source, line=m.line
            )
        for st in m.states:
            if st != m.initial and not any(st in (t.source, t.target) for t in m.transitions):
                raise ScenarioError(
                    f"state '{st}' of '{m.name}' can never be reached",
                    path=source,
                    line=m.line,
                    field="states",
                )


def _register_link(n: _Node, states: tuple[str, ...]) -> RegisterLink:
    """Read a machine's ``register:`` mapping: which instrument, and how its states map."""
    r = n.sub("register")
    r.allow("instrument", "states", "absent")
    instrument = r.text("instrument") if r.has("instrument") else None
    if instrument is not None and not _NAME.match(instrument):
        raise r.error("instrument", f"'{instrument}' is not a register id (letters, digits, _)")
    pairs: list[tuple[str, str]] = []
    if r.has("states"):
        m = r.sub("states")
        for key in m.items:
            target = m.text(key)
            if target not in states:
                raise m.error(key, f"'{target}' is not one of the machine's states {list(states)}")
            pairs.append((key, target))
    absent = r.text("absent") if r.has("absent") else None
    if absent is not None and absent not in states:
        raise r.error("absent", f"'{absent}' is not one of the machine's states {list(states)}")
    return RegisterLink(instrument, tuple(pairs), absent, r.line)


_TOP = (
    "name",
    "title",
    "notes",
    "actors",
    "start",
    "horizon_days",
    "model",
    "index",
    "agreements",
    "measures",
    "events",
    "packages",
    "ballast",
    "elections",
    "opinion",
    "mediator",
    "shocks",
    "levers",
    "actual",
    "proposed",
    "outcomes",
    "register",
    "information_date",
    "chronology",
)
#: Keys whose text may cite events, checked against the information date.
_CITING = ("reason", "description", "notes")


def parse_scenario(
    text: str, *, source: str = "scenario", priors: Mapping[str, Prior] | None = None
) -> Scenario:
    """Parse and validate a scenario from YAML text.

    Parameters
    ----------
    text
        The YAML text (``docs/scenarios.md`` describes the format).
    source
        A file name for error messages.
    priors
        The shared priors that ``{prior: NAME}`` refers to (default: the bundled ones).

    Raises
    ------
    ScenarioError
        Naming the line and field of the first problem and what would fix it.

    Examples
    --------
    >>> from brinkwatch.simulate.scenario import read_bundled_scenario
    >>> sc = parse_scenario(read_bundled_scenario("jpn-kor-2019"), source="jpn-kor-2019")
    >>> sc.start.isoformat(), len(sc.streams), [m.name for m in sc.machines][:2]
    ('2019-08-01', 12, ['GSOMIA', 'TISA'])
    """
    root = compose(text, source=source, error=ScenarioError)
    if not isinstance(root, yaml.MappingNode):
        raise ScenarioError("a scenario file must be a YAML mapping", path=source, line=1)
    top = _Node(root, "", source)
    top.allow(*_TOP)
    # The sections are read in file-format order: the order of the first error reported and
    # the order in which the assumptions are drawn (which seeded results depend on).
    p = _Parser(source)
    p.priors = priors
    name = top.text("name")
    actors = _actors(top)
    p.actors = actors
    p.streams = set(stream_names(actors))
    start = top.day("start")
    info = top.day("information_date") if top.has("information_date") else None
    if info is not None and info >= start:
        raise top.error(
            "information_date",
            f"the information date {info} must fall before the start {start}: assumptions are "
            "made before the run they drive",
        )
    p.information_date = info
    horizon = top.integer("horizon_days", minimum=7)
    if horizon > 3 * 366:
        raise top.error("horizon_days", "horizons over three years are not supported")
    fit_from, fit_to = _fit_window(top, start)
    idx = top.sub("index")
    pair, b_from, b_to = _index(idx, actors, fit_to)
    machines = _machines(p, top)
    packages = _packages(p, top, machines)
    _check_reachable(source, machines)
    stocks = _stocks(p, top)
    elections = _elections(p, top)
    opinions = _opinions(p, top)
    mediator = _mediator(p, top)
    shocks = _shocks(p, top)
    levers = _levers(p, top, start)
    actual = top.texts("actual")
    for a in actual:
        if a not in [lv.name for lv in levers]:
            raise top.error("actual", f"'{a}' is not a lever of this scenario")
    proposed = top.texts("proposed")
    for a in proposed:
        if a not in [lv.name for lv in levers]:
            raise top.error("proposed", f"'{a}' is not a lever of this scenario")
    outcomes = _outcomes(top, machines, start, horizon)
    _check_expect(source, levers, outcomes)
    _check_refs(source, machines, stocks, levers, shocks)
    return Scenario(
        name=name,
        title=str(top.value("title", name)),
        source=source,
        actors=actors,
        start=start,
        horizon_days=horizon,
        fit_from=fit_from,
        fit_to=fit_to,
        baseline_from=b_from,
        baseline_to=b_to,
        index_pair=pair,
        index_window_days=idx.integer("window_days", 28, minimum=7),
        machines=tuple(machines),
        stocks=tuple(stocks),
        elections=tuple(elections),
        opinions=tuple(opinions),
        mediator=mediator,
        shocks=tuple(shocks),
        levers=tuple(levers),
        actual=actual,
        outcomes=tuple(outcomes),
        notes=str(top.value("notes", "")),
        _params=tuple(p.params),
        register=top.text("register") if top.has("register") else None,
        information_date=info,
        citations=tuple(_citations(root, "")),
        packages=tuple(packages),
        proposed=proposed,
        chronology=_chronology(top),
    )


def _chronology(top: _Node) -> str | None:
    """``chronology:``: the events file to fit and score on, relative to the scenario file."""
    if not top.has("chronology"):
        return None
    path = top.text("chronology")
    if not path.lower().endswith(".csv"):
        raise top.error("chronology", f"'{path}' must name a CSV file of events (.csv)")
    return path


def _citations(node: yaml.Node, path: str) -> Iterator[Citation]:
    """Yield every reason, description and notes text below ``node`` with its path and line."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = str(k.value)
            sub = f"{path}.{key}" if path else key
            if key in _CITING and isinstance(v, yaml.ScalarNode) and str(v.value).strip():
                yield Citation(sub, int(v.start_mark.line) + 1, " ".join(str(v.value).split()))
            else:
                yield from _citations(v, sub)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            # Items are named where they have a name: agreements[GSOMIA], not agreements[0].
            label = str(i)
            if isinstance(item, yaml.MappingNode):
                for k, v in item.value:
                    if str(k.value) == "name" and isinstance(v, yaml.ScalarNode):
                        label = str(v.value)
            yield from _citations(item, f"{path}[{label}]")


def _actors(top: _Node) -> tuple[str, ...]:
    raw_actors = top.value("actors")
    if not isinstance(raw_actors, list) or not 2 <= len(raw_actors) <= 4:
        raise top.error("actors", "'actors' must list 2 to 4 CAMEO country codes")
    known = set(countries().column("code").to_pylist())
    actors = tuple(str(a).upper() for a in raw_actors)
    for a in actors:
        if a not in known:
            raise top.error("actors", f"'{a}' is not a CAMEO country code (e.g. USA, JPN, KOR)")
    if len(set(actors)) != len(actors):
        raise top.error("actors", "an actor is listed twice")
    return actors


def _fit_window(top: _Node, start: date) -> tuple[date, date]:
    model = top.sub("model") if top.has("model") else None
    if model is not None:
        model.allow("fit_from", "fit_to")
    fit_from = model.day("fit_from") if model else start - timedelta(days=4 * 365)
    fit_to = model.day("fit_to", start - timedelta(days=1)) if model else start - timedelta(days=1)
    if not fit_from < fit_to < start:
        raise (model or top).error(
            "fit_to" if model else "start", "the fit window must end before the start"
        )
    return fit_from, fit_to


def _index(idx: _Node, actors: tuple[str, ...], fit_to: date) -> tuple[tuple[str, str], date, date]:
    idx.allow("pair", "baseline_from", "baseline_to", "window_days")
    pair = idx.value("pair")
    if not (isinstance(pair, list) and len(pair) == 2 and all(str(x) in actors for x in pair)):
        raise idx.error("pair", "'pair' must name two of the scenario's actors")
    b_from, b_to = idx.day("baseline_from"), idx.day("baseline_to")
    if not b_from < b_to <= fit_to:
        raise idx.error("baseline_to", "the pre-crisis baseline must end within the fit window")
    return (str(pair[0]), str(pair[1])), b_from, b_to


def _machines(p: _Parser, top: _Node) -> list[Machine]:
    machines: list[Machine] = []
    for key, kind in (("agreements", "agreement"), ("measures", "measure"), ("events", "event")):
        for i, item in top.seq(key):
            machines.append(_machine(p, top.child(key, i, item), kind))
    names = [m.name for m in machines]
    for m in machines:
        if names.count(m.name) > 1:
            raise ScenarioError(f"'{m.name}' is declared twice", path=p.source, line=m.line)
    return machines


def _stocks(p: _Parser, top: _Node) -> list[Stock]:
    stocks = []
    for i, item in top.seq("ballast"):
        n = top.child("ballast", i, item)
        n.path = f"ballast.{n.value('name', i)}"
        n.allow(
            "name", "description", "initial", "erosion", "recovery", "damping",
            "conflict_streams", "coop_streams", "damps",
        )  # fmt: skip
        stocks.append(
            Stock(
                name=n.text("name"),
                description=str(n.value("description", "")),
                initial=p.uncertain(n, "initial", maximum=1.0),
                erosion=p.uncertain(n, "erosion", maximum=1.0),
                recovery=p.uncertain(n, "recovery", maximum=1.0),
                damping=p.uncertain(n, "damping", maximum=1.0),
                conflict_streams=p.streams_of(n, "conflict_streams"),
                coop_streams=p.streams_of(n, "coop_streams"),
                damps=p.streams_of(n, "damps"),
            )
        )
    return stocks


def _elections(p: _Parser, top: _Node) -> list[Election]:
    elections = []
    for i, item in top.seq("elections"):
        n = top.child("elections", i, item)
        n.path = f"elections.{n.value('actor', i)}.{n.value('date', i)}"
        n.allow("actor", "date", "window_days", "conflict_multiply")
        elections.append(
            Election(
                p.actor(n, "actor"),
                n.day("date"),
                n.integer("window_days", 60, minimum=1),
                p.uncertain(n, "conflict_multiply"),
            )
        )
    return elections


def _opinions(p: _Parser, top: _Node) -> list[Opinion]:
    opinions = []
    for i, item in top.seq("opinion"):
        n = top.child("opinion", i, item)
        n.path = f"opinion.{n.value('actor', i)}"
        n.allow("actor", "rally", "fade", "weight")
        opinions.append(
            Opinion(
                p.actor(n, "actor"),
                p.uncertain(n, "rally"),
                p.uncertain(n, "fade", maximum=1.0),
                p.uncertain(n, "weight"),
            )
        )
    return opinions


def _mediator(p: _Parser, top: _Node) -> Mediator | None:
    if not top.has("mediator"):
        return None
    n = top.sub("mediator")
    n.allow("actor", "leverage", "erosion", "recovery", "erode_streams")
    return Mediator(
        p.actor(n, "actor"),
        p.uncertain(n, "leverage", maximum=1.0),
        p.uncertain(n, "erosion", maximum=1.0),
        p.uncertain(n, "recovery", maximum=1.0),
        p.streams_of(n, "erode_streams"),
    )


def _shocks(p: _Parser, top: _Node) -> list[Shock]:
    shocks = []
    for i, item in top.seq("shocks"):
        n = top.child("shocks", i, item)
        n.path = f"shocks.{n.value('name', i)}"
        n.allow(
            "name", "description", "first", "last", "probability", "rate", "duration_days",
            "emits", "effects",
        )  # fmt: skip
        scheduled = n.has("first")
        if scheduled == n.has("rate"):
            raise n.error(None, "a shock needs either a date window (first, last) or a 'rate'")
        first = n.day("first") if scheduled else None
        last = n.day("last", first) if scheduled else None
        if first and last and last < first:
            raise n.error("last", "'last' is before 'first'")
        shocks.append(
            Shock(
                name=n.text("name"),
                description=str(n.value("description", "")),
                first=first,
                last=last,
                probability=p.uncertain(n, "probability", maximum=1.0) if scheduled else None,
                rate=None if scheduled else p.uncertain(n, "rate", maximum=1.0),
                duration_days=n.integer("duration_days", 14, minimum=1),
                emits=p.emits(n),
                effects=_effects(p, n, "effects"),
            )
        )
    return shocks


def _levers(p: _Parser, top: _Node, start: date) -> list[Lever]:
    levers = []
    for i, item in top.seq("levers"):
        n = top.child("levers", i, item)
        n.allow(
            "name", "title", "description", "date", "duration_days", "success", "emits",
            "effects", "expect", "triggers",
        )  # fmt: skip
        lname = n.text("name")
        n.path = f"levers.{lname}"
        if not _NAME.match(lname):
            raise n.error("name", f"'{lname}' must be a name of letters, digits and _")
        expect = []
        raw_expect = n.value("expect", {})
        if not isinstance(raw_expect, dict):
            raise n.error("expect", "'expect' must map outcome names to up or down")
        for oname, direction in raw_expect.items():
            if direction not in ("up", "down"):
                raise n.error("expect", f"'{oname}' must be expected to go up or down")
            expect.append((str(oname), direction))
        levers.append(
            Lever(
                name=lname,
                title=n.text("title", lname),
                description=str(n.value("description", "")),
                day=n.day("date", start),
                duration_days=n.integer("duration_days", 30, minimum=1),
                success=p.uncertain(n, "success", maximum=1.0) if n.has("success") else None,
                emits=p.emits(n),
                effects=_effects(p, n, "effects"),
                expect=tuple(expect),
                line=n.line,
                triggers=n.texts("triggers"),
            )
        )
    lever_names = [lv.name for lv in levers]
    if len(set(lever_names)) != len(lever_names):
        raise top.error("levers", "two levers share a name")
    return levers


def _outcomes(top: _Node, machines: Sequence[Machine], start: date, horizon: int) -> list[Outcome]:
    by_name = {m.name: m for m in machines}
    outcomes = []
    for i, item in top.seq("outcomes"):
        n = top.child("outcomes", i, item)
        n.allow("name", "title", "kind", "machine", "states", "when", "by", "observed")
        kind = n.text("kind", "state")
        if kind not in ("state", "index_regained"):
            raise n.error("kind", f"kind must be state or index_regained, got '{kind}'")
        machine: str | None = None
        states: tuple[str, ...] = ()
        if kind == "state":
            machine = n.text("machine")
            if machine not in by_name:
                raise n.error("machine", f"no agreement, measure or event called '{machine}'")
            raw = n.value("states")
            states = tuple(str(s) for s in (raw if isinstance(raw, list) else [raw]))
            for st in states:
                if st not in by_name[machine].states:
                    raise n.error("states", f"'{st}' is not a state of {machine}")
        when = n.text("when", "end")
        if when not in ("end", "ever"):
            raise n.error("when", f"when must be end or ever, got '{when}'")
        by = n.day("by") if n.has("by") else None
        if by is not None and not start <= by <= start + timedelta(days=horizon - 1):
            raise n.error("by", "'by' must fall within the simulated horizon")
        observed = n.value("observed", None)
        if observed is not None and not isinstance(observed, bool):
            raise n.error("observed", "'observed' must be true or false")
        oname = n.text("name")
        outcomes.append(
            Outcome(oname, kind, machine, states, when, by, observed, n.text("title", oname))  # type: ignore[arg-type]
        )
    if not outcomes:
        raise top.error("outcomes", "a scenario needs at least one outcome to report")
    return outcomes


def _check_expect(source: str, levers: Sequence[Lever], outcomes: Sequence[Outcome]) -> None:
    onames = [o.name for o in outcomes]
    for lv in levers:
        for oname, _ in lv.expect:
            if oname not in onames:
                raise ScenarioError(
                    f"lever '{lv.name}' expects outcome '{oname}', which is not declared",
                    path=source,
                    line=lv.line,
                    field="expect",
                )


def _check_refs(
    source: str,
    machines: Sequence[Machine],
    stocks: Sequence[Stock],
    levers: Sequence[Lever],
    shocks: Sequence[Shock],
) -> None:
    keys = {f"{m.name}:{t.key}" for m in machines for t in m.transitions if t.hazard}
    every = {f"{m.name}:{t.key}" for m in machines for t in m.transitions}
    for lv in levers:
        for trig in lv.triggers:
            if trig not in every:
                raise ScenarioError(
                    f"lever {shown(lv.name)} triggers {shown(trig)}; transitions are: "
                    f"{clipped(', '.join(sorted(every)), 1000)}",
                    path=source,
                    line=lv.line,
                    field="triggers",
                )
    stock_names = {s.name for s in stocks}
    holders: Mapping[str, Sequence[Effect]] = {
        **{f"lever '{lv.name}'": lv.effects for lv in levers},
        **{f"shock '{s.name}'": s.effects for s in shocks},
    }
    for who, effects in holders.items():
        for e in effects:
            if e.target == "hazard" and e.ref not in keys:
                raise ScenarioError(
                    f"{clipped(who)} refers to hazard {shown(e.ref)}; hazard transitions are: "
                    f"{clipped(', '.join(sorted(keys)), 1000)}",
                    path=source,
                    line=e.value.line,
                    field="ref",
                )
            if e.target == "recovery" and e.ref not in stock_names:
                raise ScenarioError(
                    f"{clipped(who)} refers to ballast {shown(e.ref)}, which is not declared",
                    path=source,
                    line=e.value.line,
                    field="ref",
                )
