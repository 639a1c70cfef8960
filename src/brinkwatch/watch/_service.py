"""The watch loop: read the feed, fetch and ingest new files, queue and deliver new alarms.

One poll (:func:`poll`) runs these steps, each recorded in the store as it completes, so a
watcher killed at any moment resumes where it stopped (``docs/watch.md``):

1. read ``lastupdate.txt``; after a gap (or for ``--since``) the master list as well; list
   the export and mentions files not listed yet;
2. fetch each listed file (size and MD5 checked; a verified file on disk is not fetched
   again), ingest it (a file ingested twice adds nothing: the ingest skips content it has
   read) and mark it ingested; a file that cannot be fetched is retried on later polls, then
   skipped and reported;
3. evaluate the alarm rules on the periods that the rows of new batches touch, and queue
   every alarm identity not queued before, per channel that accepts it;
4. try the deliveries that are due; a failure stays in the outbox with a later next try.
"""

from __future__ import annotations

import json
import logging
import re
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from brinkwatch.codebook import Dyad
from brinkwatch.errors import BrinkwatchError, ConfigError, DeliveryError, FetchError
from brinkwatch.ingest.fetch import RemoteFile, Transport, fetch_file, parse_master_list
from brinkwatch.measure._periods import Freq, period_start
from brinkwatch.store import (
    FeedFile,
    Store,
    WatchLease,
    connect,
    due_deliveries,
    feed_files,
    get_meta,
    last_batch,
    mark_delivery,
    mark_file,
    queue_alarm,
    register_files,
    set_meta,
    touched_dates,
    watch_lock,
)
from brinkwatch.watch._deliver import AlarmMessage, Channel, build_message, retry_delay

if TYPE_CHECKING:
    from brinkwatch.measure.alarms import Alarm, AlarmRule

# Ingest and alarm evaluation (Ibis, NumPy) load only when a poll finds something new, so
# that `watch --once` on an up-to-date store stays quick (tests/cli/test_startup.py).

__all__ = [
    "DEFAULT_FEED",
    "DEFAULT_INTERVAL",
    "PollReport",
    "Progress",
    "WatchConfig",
    "check_feed_url",
    "check_interval",
    "parse_dyads",
    "poll",
    "run_forever",
    "run_once",
]

#: GDELT 2.0's update list: the newest export, mentions and GKG files, every 15 minutes.
DEFAULT_FEED = "http://data.gdeltproject.org/gdeltv2/lastupdate.txt"
#: Seconds between polls: GDELT publishes every 15 minutes.
DEFAULT_INTERVAL = 300.0
SLOT = timedelta(minutes=15)
_SLOT_NAME = re.compile(r"^(\d{14})\.(export|mentions)\.CSV\.zip$", re.IGNORECASE)
_log = logging.getLogger("brinkwatch.watch")

#: ``progress(done, total, file)`` while the listed files are worked through.
Progress = Callable[[int, int, str], None]


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class WatchConfig:
    """Everything one watcher needs, validated before anything runs.

    ``max_attempts`` bounds the polls that try a late or missing feed file before it is
    skipped; ``delivery_attempts`` those that try an alarm on a channel, with a backoff that
    doubles from ``backoff`` seconds up to ``backoff_cap``
    (times a jitter of 0.5-1, fixed per alarm).
    """

    store: Path
    feed_url: str = DEFAULT_FEED
    interval: float = DEFAULT_INTERVAL
    channels: tuple[Channel, ...] = ()
    dyads: tuple[Dyad, ...] = ()
    rules: tuple[AlarmRule, ...] | None = None
    since: date | None = None
    max_attempts: int = 4
    delivery_attempts: int = 8
    backoff: float = 60.0
    backoff_cap: float = 3600.0
    # Where `brinkwatch serve` listens by default, so every message links to a page.
    dashboard_base: str | None = "http://127.0.0.1:8000"
    clock: Callable[[], datetime] = field(default=_utcnow, compare=False)

    @property
    def download_dir(self) -> Path:
        """Where files are downloaded: ``<store>.feed/`` beside the store."""
        return self.store.with_name(self.store.name + ".feed")


@dataclass
class PollReport:
    """What one poll did."""

    feed_head: datetime | None = None
    listed: int = 0
    fetched: list[str] = field(default_factory=list)
    ingested: list[str] = field(default_factory=list)
    rows: int = 0
    retried: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    alarms_queued: int = 0
    delivered: int = 0
    delivery_failures: int = 0
    took_over: int | None = None
    seconds: float = 0.0

    @property
    def last_file(self) -> str | None:
        """The last file ingested in this poll."""
        return self.ingested[-1] if self.ingested else None


def check_feed_url(url: str) -> str:
    """Return ``url`` if it can name a feed (http/https, a host, a file), else raise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.endswith("/"):
        raise ConfigError(
            f"the feed URL {url!r} is not an http(s) URL of a file; give the update list, "
            f"e.g. {DEFAULT_FEED}",
            field="--feed",
        )
    return url


def check_interval(seconds: float) -> float:
    """Return the poll interval if it is between 1 s and one day, else raise."""
    if not 1 <= seconds <= 86400:
        raise ConfigError(
            f"the poll interval must be between 1 and 86400 seconds; got {seconds:g}. GDELT "
            "publishes every 15 minutes, so 300 is a good value",
            field="--interval",
        )
    return seconds


def _feed_files(text: str) -> list[FeedFile]:
    files, _ = parse_master_list(text)
    out = []
    for f in files:
        m = _SLOT_NAME.match(f.name)
        if m:
            slot = datetime.strptime(m[1], "%Y%m%d%H%M%S")
            out.append(FeedFile(f.name, f.url, f.size, f.md5, m[2].lower(), slot))
    return out


def _list_files(store: Store, cfg: WatchConfig, transport: Transport, rep: PollReport) -> None:
    """Read the feed; list what it offers and, after a gap or for --since, the master list."""
    latest = _feed_files(transport.get_text(cfg.feed_url))
    if not latest:
        raise FetchError(
            f"the feed {cfg.feed_url} lists no export or mentions files; check that it is a "
            "GDELT 2.0 lastupdate.txt (lines of SIZE MD5 URL)"
        )
    head = max(f.slot for f in latest)
    rep.feed_head = head
    row = store.con.execute("SELECT min(slot), max(slot) FROM watch_files").fetchone()
    first, known = (row[0], row[1]) if row else (None, None)
    if known is not None and head - known > SLOT:
        _log.info("catching up", extra={"event": "catch_up", "from": known.isoformat(),
                                        "to": head.isoformat()})  # fmt: skip
    lower: datetime | None = None
    since_key = cfg.since.isoformat() if cfg.since is not None else None
    if cfg.since is not None and get_meta(store, "watch_since") != since_key:
        # Once per --since date: the master list may not reach back that far.
        lower = datetime.combine(cfg.since, datetime.min.time())
        lower = min(lower, first) if first is not None else lower
    elif known is not None and head - known > SLOT:
        lower = known  # catch up on the slots missed while no watcher ran
    files = latest
    if lower is not None:
        master = cfg.feed_url.rsplit("/", 1)[0] + "/masterfilelist.txt"
        _log.info("reading the master list", extra={"event": "master", "url": master})
        older = [f for f in _feed_files(transport.get_text(master)) if lower <= f.slot <= head]
        files = [*older, *latest]
    rep.listed = register_files(store, files, cfg.clock())
    set_meta(store, "watch_feed_head", head.isoformat())
    if since_key is not None:
        set_meta(store, "watch_since", since_key)


def _work_file(
    store: Store, cfg: WatchConfig, transport: Transport, f: FeedFile, rep: PollReport
) -> None:
    """Fetch (unless done) and ingest one listed file, recording each step."""
    remote = RemoteFile(f.url, f.size, f.md5)
    try:
        got = fetch_file(transport, remote, cfg.download_dir)
    except FetchError as exc:
        gave_up = f.attempts + 1 >= cfg.max_attempts
        state = "skipped" if gave_up else "listed"
        mark_file(store, f.name, state, cfg.clock(), reason=exc.message, failed=True)
        (rep.skipped if gave_up else rep.retried).append(f.name)
        _log.warning(
            "skipped a feed file" if gave_up else "feed file not fetched; will retry",
            extra={"event": "skip" if gave_up else "retry", "file": f.name,
                   "attempt": f.attempts + 1, "error": exc.message},
        )  # fmt: skip
        return
    if f.state == "listed":
        mark_file(store, f.name, "fetched", cfg.clock())
        rep.fetched.append(f.name)
    from brinkwatch.ingest import ingest

    report = ingest(store, [got.path])
    bad = [r.error for r in report.files if r.error]
    if bad or not report.files:
        gave_up = f.attempts + 1 >= cfg.max_attempts
        reason = "; ".join(e for e in bad if e) or "the archive held no file to ingest"
        mark_file(store, f.name, "skipped" if gave_up else "fetched", cfg.clock(),
                  reason=reason, failed=True)  # fmt: skip
        (rep.skipped if gave_up else rep.retried).append(f.name)
        _log.warning("ingest failed", extra={"event": "ingest_failed", "file": f.name,
                                             "error": reason})  # fmt: skip
        return
    mark_file(store, f.name, "ingested", cfg.clock(), rows=report.stored)
    got.path.unlink(missing_ok=True)  # recorded as ingested: the copy is no longer needed
    rep.ingested.append(f.name)
    rep.rows += report.stored
    _log.info("ingested", extra={"event": "ingested", "file": f.name, "rows": report.stored,
                                 "duplicates": report.duplicates})  # fmt: skip


def _drop_copies(store: Store, cfg: WatchConfig) -> None:
    """Delete downloads of files already ingested (left by a watcher killed in between)."""
    if not cfg.download_dir.is_dir():
        return
    done = {f.name for f in feed_files(store, ("ingested",))}
    for p in cfg.download_dir.glob("*.zip"):
        if p.name in done:
            p.unlink(missing_ok=True)


def _evaluate(store: Store, cfg: WatchConfig, rep: PollReport) -> None:
    """Queue the new alarms of the periods the new batches touch; advance the watermark."""
    done = int(get_meta(store, "watch_alarm_batch") or 0)
    upto = last_batch(store)
    if upto <= done:
        return
    from brinkwatch.measure.alarms import evaluate_alarms

    spans = touched_dates(store, done, upto)
    alarms: list[Alarm] = []
    for d in cfg.dyads if cfg.channels else ():
        # Only dyads the new rows touch, over the days they touch.
        span = spans.get(tuple(sorted((d.source.country, d.target.country))))  # type: ignore[arg-type]
        if span is not None:
            # Whole weeks: an alarm of a period weighs all of that period's rows.
            first = period_start(span[0], Freq.WEEK)
            last = period_start(span[1], Freq.WEEK) + timedelta(days=6)
            alarms += evaluate_alarms(
                store.events, d.source, d.target, rules=cfg.rules, start=first, end=last
            )
    if alarms:
        for alarm in alarms:
            msg = build_message(alarm, alarm.evidence, cfg.dashboard_base)
            key = (msg.rule, msg.dyad, alarm.period, msg.severity)
            for ch in cfg.channels:
                if ch.accepts(msg) and queue_alarm(
                    store, msg.alarm_id, ch.name, key, asdict(msg), cfg.clock()
                ):
                    rep.alarms_queued += 1
                    _log.info("alarm queued", extra={"event": "queued", "alarm_id": msg.alarm_id,
                                                     "channel": ch.name})  # fmt: skip
    # Only now: a crash before this line evaluates the same batches again, and queueing is
    # keyed by alarm identity, so nothing is queued twice.
    set_meta(store, "watch_alarm_batch", str(upto))


def _message(raw: str) -> AlarmMessage:
    """Rebuild a queued message (stored as the JSON of its fields)."""
    return AlarmMessage.from_dict(json.loads(raw))


def _deliver(store: Store, cfg: WatchConfig, rep: PollReport) -> None:
    """Try every due delivery once; record the attempt before and the outcome after."""
    channels = {c.name: c for c in cfg.channels}
    for d in due_deliveries(store, cfg.clock()):
        ch = channels.get(d.channel)
        if ch is None:
            continue  # a channel no longer configured: kept for when it is back
        mark_delivery(store, d.alarm_id, d.channel, "sending", cfg.clock())
        try:
            ch.send(_message(d.message))
        except DeliveryError as exc:
            tries = d.attempts + 1
            # A permanent failure (a refused login, an HTTP 4xx) cannot heal by waiting.
            out = exc.permanent or tries >= cfg.delivery_attempts
            # Jitter seeded by the alarm: retries of many alarms do not arrive in step.
            wait = retry_delay(tries, base=cfg.backoff, cap=cfg.backoff_cap,
                               seed=zlib.crc32(d.alarm_id.encode()))  # fmt: skip
            mark_delivery(store, d.alarm_id, d.channel, "failed" if out else "pending",
                          cfg.clock(), error=exc.message,
                          next_try=cfg.clock() + timedelta(seconds=wait))  # fmt: skip
            rep.delivery_failures += 1
            _log.warning("delivery failed", extra={"event": "delivery_failed",
                         "alarm_id": d.alarm_id, "channel": d.channel, "attempt": tries,
                         "error": exc.message})  # fmt: skip
            continue
        mark_delivery(store, d.alarm_id, d.channel, "sent", cfg.clock())
        rep.delivered += 1
        _log.info("delivered", extra={"event": "delivered", "alarm_id": d.alarm_id,
                                      "channel": d.channel})  # fmt: skip


def poll(
    store: Store, cfg: WatchConfig, transport: Transport, progress: Progress | None = None
) -> PollReport:
    """Run one poll on an open store (the caller holds the watcher lock).

    Parameters
    ----------
    store
        The store, open for writing.
    cfg
        The watcher's configuration.
    transport
        HTTP access to the feed.
    progress
        Called as ``progress(done, total, file)`` as listed files are worked through.

    Returns
    -------
    PollReport
        What was listed, fetched, ingested, retried, skipped, queued and delivered.

    Raises
    ------
    FetchError
        If the feed itself cannot be read; nothing is changed then.
    """
    t0 = time.perf_counter()
    rep = PollReport()
    if get_meta(store, "watch_alarm_batch") is None:
        # A first watcher on a store: alarms start from its own batches, not the history.
        set_meta(store, "watch_alarm_batch", str(last_batch(store)))
    _list_files(store, cfg, transport, rep)
    _drop_copies(store, cfg)
    todo = feed_files(store, ("listed", "fetched"))
    for i, f in enumerate(todo):
        if progress is not None:
            progress(i, len(todo), f.name)
        _work_file(store, cfg, transport, f, rep)
    if progress is not None and todo:
        progress(len(todo), len(todo), todo[-1].name)
    _evaluate(store, cfg, rep)
    _deliver(store, cfg, rep)
    set_meta(store, "watch_last_poll", cfg.clock().isoformat(timespec="seconds"))
    rep.seconds = time.perf_counter() - t0
    return rep


@contextmanager
def _watching(cfg: WatchConfig) -> Iterator[WatchLease]:
    """Hold the one-watcher lock of the store; log when it was taken from a dead watcher."""
    with watch_lock(cfg.store) as lease:
        if lease.previous is not None:
            _log.warning(
                "took over the lock of a watcher that died",
                extra={"event": "takeover", "pid": lease.previous.pid},
            )
        yield lease


def run_once(
    cfg: WatchConfig,
    transport: Transport,
    progress: Progress | None = None,
    *,
    wait: float = 30.0,
) -> PollReport:
    """Take the watcher lock, open the store, poll once, close it.

    Raises
    ------
    WatchLockedError
        If another watcher runs on the store.
    """
    with _watching(cfg) as lease:
        with connect(cfg.store, wait=wait) as store:
            rep = poll(store, cfg, transport, progress)
        rep.took_over = lease.previous.pid if lease.previous is not None else None
        return rep


def run_forever(
    cfg: WatchConfig,
    transport: Transport,
    on_poll: Callable[[PollReport | None, BrinkwatchError | None, datetime], None],
    progress: Progress | None = None,
    *,
    polls: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Hold the watcher lock and poll every ``cfg.interval`` seconds (``polls`` times at most).

    The store is open only during a poll, so the dashboard reads it in between. A poll that
    fails (the feed unreachable, the store busy) is logged and reported to ``on_poll``, and
    the next poll tries again; ``on_poll`` gets the report or the error and the next poll
    time.

    Raises
    ------
    WatchLockedError
        If another watcher runs on the store.
    """
    with _watching(cfg):
        n = 0
        while polls is None or n < polls:
            n += 1
            rep: PollReport | None = None
            err: BrinkwatchError | None = None
            try:
                with connect(cfg.store) as store:
                    rep = poll(store, cfg, transport, progress)
            except BrinkwatchError as exc:
                err = exc
                _log.error("poll failed", extra={"event": "poll_failed", "error": str(exc)})
            on_poll(rep, err, cfg.clock() + timedelta(seconds=cfg.interval))
            if polls is None or n < polls:
                sleep(cfg.interval)


def parse_dyads(values: Sequence[str]) -> tuple[Dyad, ...]:
    """Parse ``--dyad`` values (``JPN-KOR``), raising :class:`ConfigError` for a bad one."""
    out = []
    for v in values:
        try:
            out.append(Dyad.parse(v))
        except BrinkwatchError as exc:
            raise ConfigError(f"bad dyad {v!r}: {exc.message}", field="--dyad") from exc
    return tuple(out)
