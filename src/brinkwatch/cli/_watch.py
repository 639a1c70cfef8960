"""``brinkwatch watch`` and ``watch status``: parse options, call watch/, render."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from brinkwatch.cli._app import DbOption, _parse_date, app, err, out
from brinkwatch.cli._render import to_json
from brinkwatch.config import load_settings
from brinkwatch.errors import BrinkwatchError, ConfigError

watch_app = typer.Typer(
    help="Follow the GDELT 2.0 feed: ingest new files, deliver new alarms once.",
    invoke_without_command=True,
)
app.add_typer(watch_app, name="watch")

_STD_KEYS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_DEFAULT_DYADS = ["JPN-KOR", "JPN-USA", "KOR-USA"]


class _JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        d: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "message": record.getMessage(),
        }
        d.update({k: v for k, v in record.__dict__.items() if k not in _STD_KEYS})
        return json.dumps(d, default=str)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k not in _STD_KEYS)
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        return f"{stamp} {record.levelname.lower()} {record.getMessage()} {extra}".rstrip()


def _setup_logging(fmt: str) -> None:
    if fmt not in ("json", "text"):
        raise ConfigError(f"--log-format takes json or text; got {fmt!r}", field="--log-format")
    log = logging.getLogger("brinkwatch.watch")
    log.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if fmt == "json" else _TextFormatter())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


@watch_app.callback()
def watch_cmd(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Poll once and exit (cron, timers).")
    ] = False,
    feed: Annotated[str | None, typer.Option("--feed", help="URL of lastupdate.txt.")] = None,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between polls.")] = 300.0,
    channels: Annotated[
        Path | None, typer.Option("--channels", help="Delivery channels (YAML).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Backfill from this day (YYYY-MM-DD) first.")
    ] = None,
    dyad: Annotated[
        list[str] | None,
        typer.Option(
            "--dyad",
            help="Dyad whose alarms to watch (repeat); JPN-KOR, JPN-USA, KOR-USA by default.",
        ),
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Alarm rules (YAML); the defaults if omitted.")
    ] = None,
    max_attempts: Annotated[
        int, typer.Option("--max-attempts", help="Polls that try a missing file before skipping.")
    ] = 4,
    dashboard: Annotated[
        str,
        typer.Option("--dashboard", help="Dashboard base URL for message links."),
    ] = "http://127.0.0.1:8000",
    log_format: Annotated[str, typer.Option("--log-format", help="json or text.")] = "text",
    db: DbOption = None,
) -> None:
    """Follow the feed, ingest each new file, and deliver each new alarm once.

    Everything is validated before anything runs; one watcher may run per store.
    """
    if ctx.invoked_subcommand is not None:
        return
    from brinkwatch.ingest.fetch import HttpxTransport
    from brinkwatch.watch import run_once

    cfg = _config(feed, interval, channels, since, dyad, rules, max_attempts, dashboard, db)
    _setup_logging(log_format)
    with HttpxTransport(timeout=60.0) as transport:
        if once:
            with _progress() as (bar, task):
                rep = run_once(cfg, transport, _advance(bar, task))
            err.print(_line(rep), soft_wrap=True)
            return
        _forever(cfg, transport)


def _config(
    feed: str | None,
    interval: float,
    channels: Path | None,
    since: str | None,
    dyad: list[str] | None,
    rules: Path | None,
    max_attempts: int,
    dashboard: str,
    db: Path | None,
) -> Any:
    from brinkwatch._yaml import read_text
    from brinkwatch.measure import parse_rules
    from brinkwatch.watch import (
        DEFAULT_FEED,
        WatchConfig,
        check_feed_url,
        check_interval,
        load_channels,
        parse_dyads,
    )

    url = check_feed_url(feed or DEFAULT_FEED)
    check_interval(interval)
    if max_attempts < 1:
        raise ConfigError("--max-attempts must be at least 1", field="--max-attempts")
    chans = tuple(load_channels(channels)) if channels is not None else ()
    rule_set = None
    if rules is not None:
        rule_set = tuple(parse_rules(read_text(rules, error=ConfigError), source=str(rules)))
    return WatchConfig(
        store=load_settings(db).db_path,
        feed_url=url,
        interval=interval,
        channels=chans,
        dyads=parse_dyads(dyad or _DEFAULT_DYADS),
        rules=rule_set,
        since=_parse_date(since, "--since"),
        max_attempts=max_attempts,
        dashboard_base=dashboard,
    )


@contextmanager
def _progress() -> Iterator[tuple[Progress, list[Any]]]:
    """Yield a Rich progress bar with an ETA (shown once there is more than one file)."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} files"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    with bar:
        yield bar, []


def _advance(bar: Progress, task: list[Any]) -> Any:
    def progress(done: int, total: int, name: str) -> None:
        if total < 2:
            return
        if not task:
            task.append(bar.add_task("catching up", total=total))
        bar.update(task[0], completed=done, total=total, description=escape(name))

    return progress


def _line(rep: Any) -> str:
    took = f"; took over the lock of dead pid {rep.took_over}" if rep.took_over else ""
    return (
        f"last file {rep.last_file or '-'}: {len(rep.ingested)} file(s) ingested, {rep.rows:,} "
        f"rows; {len(rep.retried)} to retry, {len(rep.skipped)} skipped; {rep.alarms_queued} "
        f"alarm(s) queued, {rep.delivered} delivered, {rep.delivery_failures} failed "
        f"({rep.seconds:.2f} s){took}"
    )


def _forever(cfg: Any, transport: Any) -> None:
    from brinkwatch.watch import run_forever

    with err.status("starting") as status:

        def on_poll(rep: Any, exc: BrinkwatchError | None, next_poll: datetime) -> None:
            when = next_poll.strftime("%H:%M:%S UTC")
            if exc is not None:
                status.update(f"poll failed: {escape(str(exc))[:120]}; next poll {when}")
                return
            status.update(
                f"last file {rep.last_file or '-'}, rows {rep.rows:,}, "
                f"{rep.delivered} delivered; next poll {when}"
            )

        try:
            run_forever(cfg, transport, on_poll)
        except KeyboardInterrupt:
            err.print("stopped")


@watch_app.command("status")
def status_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Show the last file, lag behind the feed, skipped files and pending deliveries."""
    from brinkwatch.store import connect, watch_status

    path = load_settings(db).db_path
    if not path.exists():
        raise ConfigError(f"no store at {path}; pass --db", field="--db")
    with connect(path, read_only=True) as store:
        st = watch_status(store)
    if as_json:
        out.print_json(to_json(st.as_dict()))
        return
    t = Table(title="brinkwatch watch", show_header=False)
    lag = st.lag
    t.add_row("last file", escape(st.last_file or "-"))
    t.add_row("feed head", str(st.feed_head or "-"))
    t.add_row("lag", f"{lag.total_seconds() / 60:.0f} min" if lag is not None else "-")
    t.add_row("last poll", st.last_poll or "-")
    t.add_row("files ingested / pending", f"{st.files_ingested} / {st.files_pending}")
    t.add_row("files skipped", str(len(st.files_skipped)))
    for name, reason in st.files_skipped[:10]:
        t.add_row("", escape(f"{name}: {reason}"[:160]))
    t.add_row("deliveries sent / pending", f"{st.deliveries_sent} / {st.deliveries_pending}")
    t.add_row("deliveries failed", str(len(st.deliveries_failed)))
    for alarm, channel, error in st.deliveries_failed[:10]:
        t.add_row("", escape(f"{alarm} -> {channel}: {error}"[:160]))
    out.print(t)
