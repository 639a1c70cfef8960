"""Delivery channels: a minimal stand-in (JSON Lines only) with the agreed interface.

The full module (webhook, SMTP, JSON Lines) is built in parallel and replaces this file when
merged; the watcher only uses :func:`load_channels`, :class:`Channel`, :class:`AlarmMessage`
and :func:`build_message`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from brinkwatch._yaml import checked_items, compose, line_of, read_text
from brinkwatch.errors import ConfigError, DeliveryError
from brinkwatch.measure.alarms import Alarm, Evidence

__all__ = ["SEVERITIES", "AlarmMessage", "Channel", "build_message", "load_channels"]

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class AlarmMessage:
    """What a channel sends for one alarm.

    ``alarm_id`` is stable for the alarm's identity (rule, dyad, period, severity), so a
    receiver can drop a repeat; ``evidence`` holds ``(title, url, sources)`` per distinct story.
    """

    alarm_id: str
    rule: str
    dyad: str
    period: str
    severity: str
    summary: str
    evidence: tuple[tuple[str, str, int], ...]
    dashboard_url: str

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


def alarm_id(rule: str, dyad: str, period: str, severity: str) -> str:
    """Return the stable id of an alarm identity: 20 hex digits of a SHA-256."""
    key = "|".join((rule, dyad, period, severity)).encode()
    return hashlib.sha256(key).hexdigest()[:20]


def build_message(
    alarm: Alarm, evidence: Sequence[Evidence], dashboard_base: str | None
) -> AlarmMessage:
    """Build the message of an alarm with its evidence and a link to the dashboard.

    Parameters
    ----------
    alarm
        The alarm.
    evidence
        Its stories (one line each).
    dashboard_base
        The dashboard's base URL, e.g. ``http://127.0.0.1:8000``.

    Returns
    -------
    AlarmMessage
    """
    period = alarm.period.isoformat()
    dyad = alarm.dyad.replace("->", "-")
    base = (dashboard_base or "http://127.0.0.1:8000").rstrip("/")
    return AlarmMessage(
        alarm_id=alarm_id(alarm.rule, alarm.dyad, period, alarm.severity),
        rule=alarm.rule,
        dyad=alarm.dyad,
        period=period,
        severity=alarm.severity,
        summary=f"{alarm.title}: {alarm.detail}",
        evidence=tuple((e.text or e.line, e.reference or "", e.sources or 1) for e in evidence),
        dashboard_url=f"{base}/dyad/{dyad}?from={period}",
    )


@dataclass(frozen=True)
class Channel:
    """A JSON Lines channel: appends one JSON object per alarm to ``path``."""

    name: str
    min_severity: str
    path: Path
    rules: tuple[str, ...] = ()

    def accepts(self, alarm: AlarmMessage) -> bool:
        """Whether this channel wants the alarm (severity and rules)."""
        if SEVERITIES.index(alarm.severity) < SEVERITIES.index(self.min_severity):
            return False
        return not self.rules or alarm.rule in self.rules

    def send(self, message: AlarmMessage) -> None:
        """Append the message as one line, flushed to disk (one attempt)."""
        line = json.dumps(message.as_dict(), sort_keys=True) + "\n"
        try:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise DeliveryError(
                f"cannot append to {self.path}: {exc.strerror or exc}; check that the "
                "directory exists and is writable",
                path=self.path,
            ) from exc


def load_channels(path: Path) -> list[Channel]:
    """Read channels from YAML (``channels:`` list of ``name``, ``type: jsonl``, ``path``...).

    Raises
    ------
    ConfigError
        Naming the file, line and field of the first problem.
    """
    src = str(path)
    root = compose(read_text(path, error=ConfigError), source=src, error=ConfigError)
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError("expected a mapping with a 'channels' list", path=src)
    items: list[yaml.Node] = []
    for key, _, value in checked_items(root, {"channels"}, source=src, error=ConfigError):
        if key == "channels" and isinstance(value, yaml.SequenceNode):
            items = list(value.value)
    if not items:
        raise ConfigError("no channels: give a non-empty 'channels' list", path=src)
    out = [_channel(n, path) for n in items]
    names = [c.name for c in out]
    for i, n in enumerate(names):
        if n in names[:i]:
            raise ConfigError(f"channel name {n!r} is used twice", path=src, field="name")
    return out


def _channel(node: yaml.Node, path: Path) -> Channel:
    src = str(path)
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError("a channel must be a mapping", path=src, line=line_of(node))
    allowed = {"name", "type", "path", "min_severity", "rules"}
    got: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, knode, value in checked_items(node, allowed, source=src, error=ConfigError):
        lines[key] = line_of(knode)
        if isinstance(value, yaml.SequenceNode):
            got[key] = tuple(str(v.value) for v in value.value)
        else:
            got[key] = str(value.value)

    def bad(field: str, msg: str) -> ConfigError:
        return ConfigError(msg, path=src, line=lines.get(field, line_of(node)), field=field)

    if not got.get("name"):
        raise bad("name", "a channel needs a name")
    if got.get("type", "jsonl") != "jsonl":
        raise bad("type", f"unknown channel type {got['type']!r}; this build knows: jsonl")
    if not got.get("path"):
        raise bad("path", "a jsonl channel needs a path to append to")
    sev = got.get("min_severity", "low")
    if sev not in SEVERITIES:
        raise bad("min_severity", f"min_severity {sev!r} is not one of {', '.join(SEVERITIES)}")
    target = Path(got["path"])
    if not target.is_absolute():
        target = path.parent / target
    return Channel(got["name"], sev, target, tuple(got.get("rules", ())))
