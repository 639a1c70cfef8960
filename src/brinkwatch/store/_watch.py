"""What ``brinkwatch watch`` keeps in the store: feed files and the alarm outbox (schema 6).

Every change is one statement, committed at once (DuckDB autocommit), so that a watcher
killed at any moment leaves a state the next one can resume from: a file is ``listed``
before it is fetched, ``fetched`` once verified on disk, ``ingested`` once its rows are
stored; an alarm is ``pending`` when queued, ``sending`` while an attempt runs, ``sent``
after it. See ``docs/watch.md`` for what that guarantees.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brinkwatch.store._store import Store

__all__ = [
    "Delivery",
    "FeedFile",
    "WatchStatus",
    "due_deliveries",
    "feed_files",
    "get_meta",
    "last_batch",
    "mark_delivery",
    "mark_file",
    "queue_alarm",
    "register_files",
    "set_meta",
    "touched_dates",
    "watch_status",
]


@dataclass(frozen=True)
class FeedFile:
    """One feed file the watcher listed.

    ``kind`` is ``export`` or ``mentions``; ``slot`` the 15-minute slot its name gives;
    ``state`` one of ``listed``, ``fetched``, ``ingested``, ``skipped``.
    """

    name: str
    url: str
    size: int
    md5: str
    kind: str
    slot: datetime
    state: str = "listed"
    attempts: int = 0
    reason: str | None = None


@dataclass(frozen=True)
class Delivery:
    """One row of the outbox: an alarm (its message as JSON) for one channel."""

    alarm_id: str
    channel: str
    message: str
    state: str
    attempts: int


@dataclass(frozen=True)
class WatchStatus:
    """What ``brinkwatch watch status`` shows; :meth:`as_dict` is its JSON."""

    last_file: str | None
    last_slot: datetime | None
    feed_head: datetime | None
    last_poll: str | None
    files_ingested: int
    files_pending: int
    files_skipped: tuple[tuple[str, str], ...]
    deliveries_pending: int
    deliveries_failed: tuple[tuple[str, str, str], ...]
    deliveries_sent: int

    @property
    def lag(self) -> timedelta | None:
        """How far the last ingested slot is behind the newest slot the feed announced."""
        if self.feed_head is None or self.last_slot is None:
            return None
        return max(timedelta(0), self.feed_head - self.last_slot)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        lag = self.lag
        return {
            "last_file": self.last_file,
            "last_slot": self.last_slot.isoformat() if self.last_slot else None,
            "feed_head": self.feed_head.isoformat() if self.feed_head else None,
            "lag_seconds": lag.total_seconds() if lag is not None else None,
            "last_poll": self.last_poll,
            "files_ingested": self.files_ingested,
            "files_pending": self.files_pending,
            "files_skipped": [{"file": f, "reason": r} for f, r in self.files_skipped],
            "deliveries_pending": self.deliveries_pending,
            "deliveries_failed": [
                {"alarm_id": a, "channel": c, "error": e} for a, c, e in self.deliveries_failed
            ],
            "deliveries_sent": self.deliveries_sent,
        }


def get_meta(store: Store, key: str) -> str | None:
    """Return a ``meta`` value, or ``None``."""
    row = store.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return str(row[0]) if row else None


def set_meta(store: Store, key: str, value: str) -> None:
    """Set a ``meta`` value."""
    store.con.execute(
        "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def register_files(store: Store, files: Iterable[FeedFile], now: datetime) -> int:
    """List feed files not listed yet; return how many were new."""
    rows = [(f.name, f.url, f.size, f.md5, f.kind, f.slot, now) for f in files]
    if not rows:
        return 0
    before = _count(store, "SELECT count(*) FROM watch_files")
    store.con.executemany(
        "INSERT INTO watch_files VALUES (?, ?, ?, ?, ?, ?, 'listed', 0, NULL, NULL, ?, ?) "
        "ON CONFLICT (name) DO NOTHING",
        [(*r, r[-1]) for r in rows],
    )
    return _count(store, "SELECT count(*) FROM watch_files") - before


def feed_files(store: Store, states: Sequence[str]) -> list[FeedFile]:
    """Return the listed files in the given states, oldest slot first, exports first."""
    marks = ", ".join("?" for _ in states)
    rows = store.con.execute(
        "SELECT name, url, size, md5, kind, slot, state, attempts, reason FROM watch_files "
        f"WHERE state IN ({marks}) ORDER BY slot, kind, name",
        list(states),
    ).fetchall()
    return [FeedFile(*r) for r in rows]


def mark_file(
    store: Store,
    name: str,
    state: str,
    now: datetime,
    *,
    reason: str | None = None,
    rows: int | None = None,
    failed: bool = False,
) -> None:
    """Move a file to ``state``; ``failed`` counts one more failed attempt."""
    store.con.execute(
        'UPDATE watch_files SET state = ?, reason = ?, "rows" = coalesce(?, "rows"), '
        "attempts = attempts + ?, updated = ? WHERE name = ?",
        [state, reason, rows, 1 if failed else 0, now, name],
    )


def touched_dates(store: Store, after: int, upto: int) -> dict[tuple[str, str], tuple[date, date]]:
    """Return, per country pair, the first and last day of rows of batches ``after < id <= upto``.

    The rows are events, or the events that stored mentions of those batches name; the pair
    is the two countries in alphabetical order.
    """
    rows = store.con.execute(
        "SELECT least(c1, c2), greatest(c1, c2), min(d), max(d) FROM ("
        "SELECT source_country AS c1, target_country AS c2, event_date AS d FROM events "
        "WHERE batch_id > $a AND batch_id <= $u UNION ALL "
        "SELECT e.source_country, e.target_country, e.event_date FROM mentions m JOIN events e "
        "ON e.origin = 'gdelt2' AND e.event_id = m.event_id "
        "WHERE m.batch_id > $a AND m.batch_id <= $u) "
        "WHERE c1 IS NOT NULL AND c2 IS NOT NULL AND c1 <> c2 GROUP BY ALL",
        {"a": after, "u": upto},
    ).fetchall()
    return {(str(r[0]), str(r[1])): (r[2], r[3]) for r in rows}


def last_batch(store: Store) -> int:
    """Return the newest ingest batch id (0 for an empty store)."""
    return _count(store, "SELECT coalesce(max(batch_id), 0) FROM ingest_log")


def queue_alarm(
    store: Store,
    alarm_id: str,
    channel: str,
    key: tuple[str, str, date, str],
    message: dict[str, Any],
    now: datetime,
) -> bool:
    """Queue an alarm for a channel unless that identity was queued before; True if new."""
    rule, dyad, period, severity = key
    before = _count(store, "SELECT count(*) FROM watch_alarms")
    store.con.execute(
        "INSERT INTO watch_alarms VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, NULL, ?, NULL) "
        "ON CONFLICT (alarm_id, channel) DO NOTHING",
        [alarm_id, channel, rule, dyad, period, severity, json.dumps(message), now, now],
    )
    return _count(store, "SELECT count(*) FROM watch_alarms") > before


def due_deliveries(store: Store, now: datetime) -> list[Delivery]:
    """Outbox rows to try now: pending and due, or caught mid-attempt by a crash."""
    rows = store.con.execute(
        "SELECT alarm_id, channel, message, state, attempts FROM watch_alarms "
        "WHERE state = 'sending' OR (state = 'pending' AND next_try <= ?) "
        "ORDER BY queued, period, alarm_id, channel",
        [now],
    ).fetchall()
    return [Delivery(*r) for r in rows]


def mark_delivery(
    store: Store,
    alarm_id: str,
    channel: str,
    state: str,
    now: datetime,
    *,
    error: str | None = None,
    next_try: datetime | None = None,
) -> None:
    """Record an attempt's start (``sending``), success (``sent``) or failure."""
    if state == "sending":
        store.con.execute(
            "UPDATE watch_alarms SET state = 'sending', attempts = attempts + 1 "
            "WHERE alarm_id = ? AND channel = ?",
            [alarm_id, channel],
        )
        return
    store.con.execute(
        "UPDATE watch_alarms SET state = ?, last_error = ?, next_try = coalesce(?, next_try), "
        "sent = CASE WHEN ? = 'sent' THEN ? ELSE sent END WHERE alarm_id = ? AND channel = ?",
        [state, error, next_try, state, now, alarm_id, channel],
    )


def watch_status(store: Store) -> WatchStatus:
    """Summarise the watcher's state (read-only)."""
    con = store.con
    if not _count(
        store, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'watch_files'"
    ):  # a store older than schema 6, opened read-only: nothing watched yet
        return WatchStatus(None, None, None, None, 0, 0, (), 0, (), 0)
    last = con.execute(
        "SELECT name, slot FROM watch_files WHERE state = 'ingested' ORDER BY slot DESC, kind DESC "
        "LIMIT 1"
    ).fetchone()
    head = get_meta(store, "watch_feed_head")
    skipped = con.execute(
        "SELECT name, coalesce(reason, '') FROM watch_files WHERE state = 'skipped' ORDER BY slot"
    ).fetchall()
    failed = con.execute(
        "SELECT alarm_id, channel, coalesce(last_error, '') FROM watch_alarms "
        "WHERE state = 'failed' ORDER BY queued"
    ).fetchall()
    return WatchStatus(
        last_file=last[0] if last else None,
        last_slot=last[1] if last else None,
        feed_head=datetime.fromisoformat(head) if head else None,
        last_poll=get_meta(store, "watch_last_poll"),
        files_ingested=_count(store, "SELECT count(*) FROM watch_files WHERE state = 'ingested'"),
        files_pending=_count(
            store, "SELECT count(*) FROM watch_files WHERE state IN ('listed', 'fetched')"
        ),
        files_skipped=tuple((str(a), str(b)) for a, b in skipped),
        deliveries_pending=_count(
            store, "SELECT count(*) FROM watch_alarms WHERE state IN ('pending', 'sending')"
        ),
        deliveries_failed=tuple((str(a), str(b), str(c)) for a, b, c in failed),
        deliveries_sent=_count(store, "SELECT count(*) FROM watch_alarms WHERE state = 'sent'"),
    )


def _count(store: Store, sql: str) -> int:
    row = store.con.execute(sql).fetchone()
    return int(row[0]) if row else 0
