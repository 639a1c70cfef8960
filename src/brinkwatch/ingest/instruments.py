"""Read and validate an instruments register (YAML) and friction-weight overrides.

The format is described in ``docs/instruments.md``. Every file goes through
:mod:`brinkwatch._yaml` (size, depth and alias limits, safe tags only), and every error is a
:class:`~brinkwatch.errors.RegisterError` naming the file, line and field of the problem.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from brinkwatch._yaml import checked_items, compose, line_of, read_text, shown, value_of
from brinkwatch.codebook import country_code
from brinkwatch.errors import RegisterError
from brinkwatch.instruments import (
    BUNDLED_REGISTER,
    DATE_KINDS,
    INSTRUMENT_TYPES,
    Citation,
    Instrument,
    Register,
    Renewal,
    StateChange,
)

__all__ = [
    "bundled_register",
    "parse_register",
    "parse_weights",
    "read_register",
    "read_weights",
]

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_TOP_KEYS = {"register", "title", "instruments"}
_INSTRUMENT_KEYS = {
    "id",
    "name",
    "type",
    "parties",
    "imposer",
    "target",
    "states",
    "start",
    "end",
    "changes",
    "renewal",
}
_RENEWAL_KEYS = {"anniversary", "notice_days", "notice_state", "end_state", "basis"}
_MONTH_DAY = re.compile(r"(\d\d)-(\d\d)\Z")
_CHANGE_KEYS = {"date", "state", "date_kind", "timezone", "date_note", "citation", "note"}
_CITATION_KEYS = {"publisher", "date", "title", "url", "archive", "checked"}


class _Fields:
    """The values of one YAML mapping with the line of each, for located errors."""

    def __init__(self, node: yaml.Node, allowed: set[str], source: str, noun: str) -> None:
        self.source = source
        self.line = line_of(node)
        if not isinstance(node, yaml.MappingNode):
            raise RegisterError(f"each {noun} must be a mapping", path=source, line=self.line)
        self.nodes: dict[str, yaml.Node] = {}
        for key, _, vnode in checked_items(
            node, allowed, source=source, error=RegisterError, what=f"{noun} key"
        ):
            self.nodes[key] = vnode

    def get(self, field: str, default: Any = None) -> Any:
        """Build the value of ``field`` (``default`` when absent); nested lists stay nodes."""
        node = self.nodes.get(field)
        if node is None:
            return default
        return value_of(node, source=self.source, error=RegisterError, field=field)

    def error(self, field: str, message: str) -> RegisterError:
        node = self.nodes.get(field)
        line = line_of(node) if node is not None else self.line
        return RegisterError(message, path=self.source, line=line, field=field)

    def text(self, field: str, *, required: bool = True) -> str | None:
        v = self.get(field)
        if v is None:
            if required:
                raise self.error(field, f"'{field}' is required")
            return None
        if not isinstance(v, str) or not v.strip():
            raise self.error(field, f"'{field}' must be non-empty text, got {shown(v)}")
        return v.strip()

    def day(self, field: str, *, required: bool = True) -> date | None:
        v = self.get(field)
        if v is None:
            if required:
                raise self.error(field, f"'{field}' is required (a date, YYYY-MM-DD)")
            return None
        if isinstance(v, str):
            with contextlib.suppress(ValueError):  # not ISO: refused just below
                v = date.fromisoformat(v.strip())
        if not isinstance(v, date) or hasattr(v, "hour"):
            raise self.error(field, f"'{field}' must be a date such as 2019-07-04, got {shown(v)}")
        return v


def parse_register(text: str, *, source: str = "register") -> Register:
    """Parse and validate a register from YAML text.

    Parameters
    ----------
    text
        The YAML text (see ``docs/instruments.md``).
    source
        File name for messages.

    Raises
    ------
    RegisterError
        Naming the source, line and field of the first problem.

    Examples
    --------
    >>> r = parse_register('''
    ... register: demo
    ... title: Demo
    ... instruments:
    ...   - id: GSOMIA
    ...     name: General Security of Military Information Agreement
    ...     type: agreement
    ...     parties: [JPN, KOR]
    ...     states: {active: 0, terminated: 3}
    ...     start: 2016-11-23
    ...     changes:
    ...       - date: 2016-11-23
    ...         state: active
    ...         date_kind: signed
    ...         citation: {publisher: MOFA, date: 2016-11-23, title: Signing}
    ... ''')
    >>> r.instruments[0].changes[0].state
    'active'
    """
    root = compose(text, source=source, error=RegisterError)
    if root is None:
        raise RegisterError("the register is empty; see docs/instruments.md", path=source)
    top = _Fields(root, _TOP_KEYS, source, "register")
    reg_id = top.text("register")
    title = top.text("title")
    node = top.nodes.get("instruments")
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise top.error("instruments", "'instruments' must be a non-empty list of instruments")
    seen: dict[str, int] = {}
    out = []
    for item in node.value:
        ins = _instrument(_Fields(item, _INSTRUMENT_KEYS, source, "instrument"))
        if ins.id in seen:
            raise RegisterError(
                f"instrument id '{ins.id}' is used twice (first on line {seen[ins.id]}); ids "
                "must be unique",
                path=source,
                line=ins.line,
                field="id",
            )
        seen[ins.id] = ins.line or 0
        out.append(ins)
    return Register(id=reg_id or "", title=title or "", instruments=tuple(out), source=source)


def _party(f: _Fields, field: str, value: Any) -> str:
    code = str(value).upper() if isinstance(value, str) else None
    if code is None or country_code(code) != code:
        raise f.error(field, f"{shown(value)} is not a CAMEO country code (such as JPN, KOR, USA)")
    return code


def _instrument(f: _Fields) -> Instrument:
    ins_id = f.text("id")
    assert ins_id is not None
    if not _ID.match(ins_id) or len(ins_id) > 80:
        raise f.error("id", f"{shown(ins_id)} is not an id: a letter, then letters, digits or _")
    kind = f.text("type")
    if kind not in INSTRUMENT_TYPES:
        raise f.error(
            "type", f"type must be one of {', '.join(INSTRUMENT_TYPES)}, got {shown(kind)}"
        )
    raw_parties = f.get("parties")
    if not isinstance(raw_parties, list) or not raw_parties:
        raise f.error("parties", "'parties' must be a non-empty list such as [JPN, KOR]")
    parties = tuple(_party(f, "parties", p) for p in raw_parties)
    roles = {}
    for role in ("imposer", "target"):
        v = f.get(role)
        if v is not None:
            code = _party(f, role, v)
            if code not in parties:
                raise f.error(role, f"{role} {code} is not among the parties {list(parties)}")
            roles[role] = code
    states = _states(f)
    start = f.day("start")
    end = f.day("end", required=False)
    assert start is not None
    if end is not None and end < start:
        raise f.error("end", f"end {end} is before start {start}")
    changes = _changes(f, states, start, end)
    renewal = _renewal(f, states)
    return Instrument(
        id=ins_id,
        name=f.text("name") or "",
        type=kind,
        parties=parties,
        states=states,
        start=start,
        end=end,
        changes=changes,
        imposer=roles.get("imposer"),
        target=roles.get("target"),
        line=f.line,
        renewal=renewal,
    )


def _renewal(f: _Fields, states: dict[str, float]) -> Renewal | None:
    """Read an agreement's renewal rule: yearly on an anniversary unless notice is given."""
    node = f.nodes.get("renewal")
    if node is None:
        return None
    r = _Fields(node, _RENEWAL_KEYS, f.source, "renewal")
    raw = r.get("anniversary")
    m = _MONTH_DAY.match(raw) if isinstance(raw, str) else None
    try:
        md = date(2000, int(m.group(1)), int(m.group(2))) if m else None  # 2000: a leap year
    except ValueError:
        md = None
    if md is None:
        raise r.error(
            "anniversary",
            f"'anniversary' must be a month and day such as \"11-23\", got {shown(raw)}",
        )
    days = r.get("notice_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
        raise r.error(
            "notice_days", f"'notice_days' must be whole days from 0 to 366, got {shown(days)}"
        )
    named = {}
    for field in ("notice_state", "end_state"):
        v = r.text(field)
        if v not in states:
            raise r.error(field, f"{field} {shown(v)} is not one of the states {list(states)}")
        named[field] = str(v)
    return Renewal(
        anniversary=(md.month, md.day),
        notice_days=days,
        notice_state=named["notice_state"],
        end_state=named["end_state"],
        basis=r.text("basis", required=False) or "",
    )


def _states(f: _Fields) -> dict[str, float]:
    raw = f.get("states")
    if not isinstance(raw, dict) or not raw:
        raise f.error("states", "'states' must be a non-empty mapping of state: friction weight")
    out: dict[str, float] = {}
    for k, v in raw.items():
        if not isinstance(k, str) or not _ID.match(k):
            raise f.error("states", f"state {shown(k)} is not a name (letters, digits, _)")
        if isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0:
            raise f.error(
                "states", f"the weight of state '{k}' must be a number >= 0, got {shown(v)}"
            )
        out[k] = float(v)
    return out


def _changes(
    f: _Fields, states: dict[str, float], start: date, end: date | None
) -> tuple[StateChange, ...]:
    node = f.nodes.get("changes")
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise f.error("changes", "'changes' must be a non-empty list of dated state changes")
    out: list[StateChange] = []
    for item in node.value:
        c = _Fields(item, _CHANGE_KEYS, f.source, "change")
        day = c.day("date")
        assert day is not None
        if day < start or (end is not None and day > end):
            raise c.error("date", f"{day} is outside the instrument's life {start}..{end or ''}")
        if out and day < out[-1].date:
            raise c.error(
                "date",
                f"{day} is before the previous change ({out[-1].date}); list changes in date order",
            )
        if not out and day != start:
            raise c.error("date", f"the first change must be on the instrument's start {start}")
        state = c.text("state")
        if state not in states:
            raise c.error(
                "state",
                f"state {shown(state)} is not one of the instrument's states ({', '.join(states)})",
            )
        kind = c.text("date_kind")
        if kind not in DATE_KINDS:
            raise c.error(
                "date_kind", f"date_kind must be one of {', '.join(DATE_KINDS)}, got {shown(kind)}"
            )
        cnode = c.nodes.get("citation")
        if cnode is None:
            raise c.error("citation", "every change needs a 'citation' (publisher, date, title)")
        out.append(
            StateChange(
                date=day,
                state=state,
                date_kind=kind,
                citation=_citation(_Fields(cnode, _CITATION_KEYS, f.source, "citation")),
                timezone=c.text("timezone", required=False),
                date_note=c.text("date_note", required=False),
                note=c.text("note", required=False),
                line=c.line,
            )
        )
    return tuple(out)


def _citation(c: _Fields) -> Citation:
    checked = c.get("checked", False)
    if not isinstance(checked, bool):
        raise c.error("checked", f"checked must be true or false, got {shown(checked)}")
    day = c.day("date")
    assert day is not None
    return Citation(
        publisher=c.text("publisher") or "",
        date=day,
        title=c.text("title") or "",
        url=c.text("url", required=False),
        archive=c.text("archive", required=False),
        checked=checked,
    )


def read_register(path: str | Path | None = None) -> Register:
    """Read and validate a register file; the bundled Japan-Korea-US register by default.

    Raises
    ------
    RegisterError
        When the file is missing, unreadable or invalid (naming file, line and field).
    """
    if path is None:
        return bundled_register()
    text = read_text(path, error=RegisterError)  # bounded: a huge file is refused unread
    return parse_register(text, source=str(path))


def bundled_register() -> Register:
    """Read the register shipped in ``brinkwatch/data/instruments/``.

    Raises
    ------
    RegisterError
        When this installation has no bundled register.
    """
    res = resources.files("brinkwatch").joinpath(BUNDLED_REGISTER)
    if not res.is_file():
        raise RegisterError(
            "this installation has no bundled instruments register; pass one with --register "
            "FILE (format: docs/instruments.md)",
            path=f"brinkwatch/{BUNDLED_REGISTER}",
        )
    return parse_register(res.read_text("utf-8-sig"), source=f"brinkwatch/{BUNDLED_REGISTER}")


def parse_weights(text: str, *, source: str = "weights") -> dict[str, dict[str, float]]:
    """Parse a friction-weight override: ``{instrument_id: {state: weight}}`` in YAML.

    Whether the ids and states exist in a register is checked where the weights are used
    (:func:`brinkwatch.measure.instruments.frictions_series`).

    Raises
    ------
    RegisterError
        Naming the line and field of a value that is not a mapping of numbers >= 0.
    """
    root = compose(text, source=source, error=RegisterError)
    if not isinstance(root, yaml.MappingNode):
        raise RegisterError(
            "a weights file is a mapping {instrument_id: {state: weight}}", path=source, line=1
        )
    out: dict[str, dict[str, float]] = {}
    for knode, vnode in root.value:
        ins_id = str(knode.value)
        value = value_of(vnode, source=source, error=RegisterError, field=ins_id)
        if not isinstance(value, dict) or not value:
            raise RegisterError(
                f"the weights of '{shown(ins_id)}' must be a mapping of state: weight",
                path=source,
                line=line_of(vnode),
                field=ins_id[:60],
            )
        for state, w in value.items():
            if isinstance(w, bool) or not isinstance(w, int | float) or not w >= 0:
                raise RegisterError(
                    f"the weight of state {shown(state)} must be a number >= 0, got {shown(w)}",
                    path=source,
                    line=line_of(vnode),
                    field=f"{ins_id[:60]}.{str(state)[:60]}",
                )
        out[ins_id] = {str(s): float(w) for s, w in value.items()}
    return out


def read_weights(path: str | Path) -> dict[str, dict[str, float]]:
    """Read a friction-weight override file (see :func:`parse_weights`)."""
    return parse_weights(read_text(path, error=RegisterError), source=str(path))
