"""One poll at a time, in process: listing, fetching, ingesting, alarms, outbox, retries."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from brinkwatch.errors import ConfigError, DeliveryError
from brinkwatch.ingest.fetch import HttpxTransport
from brinkwatch.measure import evaluate_alarms, parse_rules
from brinkwatch.store import connect, watch_status
from brinkwatch.watch import (
    WatchConfig,
    build_message,
    check_feed_url,
    check_interval,
    load_channels,
    parse_dyads,
    run_once,
)
from tests.ingest._http_server import LocalServer
from tests.watch._feed import Feed
from tests.watch.conftest import DYADS, RULES


def _cfg(setup: dict[str, Path], feed: Feed, **kw: object) -> WatchConfig:
    args: dict[str, object] = {
        "store": setup["db"],
        "feed_url": feed.lastupdate_url,
        "channels": tuple(load_channels(setup["channels"])),
        "dyads": parse_dyads(DYADS),
        "rules": tuple(parse_rules(RULES)),
    }
    args.update(kw)
    return WatchConfig(**args)  # type: ignore[arg-type]


def _delivered(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["alarm_id"] for line in path.read_text().splitlines()]


def _events(db: Path) -> int:
    with connect(db, read_only=True) as s:
        row = s.con.execute("SELECT count(*) FROM events").fetchone()
    assert row is not None
    return int(row[0])


def test_each_new_alarm_is_delivered_once_as_the_feed_advances(
    served: tuple[Feed, LocalServer], setup: dict[str, Path]
) -> None:
    feed, server = served
    cfg = _cfg(setup, feed)
    seen: list[str] = []
    with HttpxTransport() as t:
        for k in (1, 2, 2, 5, 8):  # the clock stands still once: nothing new then
            feed.advance(k)
            rep = run_once(cfg, t)
            got = _delivered(setup["jsonl"])
            new = got[len(seen) :]
            assert rep.delivered == len(new) == rep.alarms_queued
            seen = got
        # Every announced file ingested, in slot order, the catch-up (2 -> 5) from the master list.
        assert server.requests_for("masterfilelist.txt")
    assert len(seen) == len(set(seen)) >= 3
    # Exactly the alarms of the whole data: each was delivered by the poll that completed it.
    with connect(setup["db"], read_only=True) as s:
        final = {
            build_message(a, a.evidence, None).alarm_id
            for d in cfg.dyads
            for a in evaluate_alarms(s.events, d.source, d.target, rules=cfg.rules)
        }
    assert set(seen) == final
    lines = [json.loads(x) for x in setup["jsonl"].read_text().splitlines()]
    assert {x["rule"] for x in lines} == {"any-event", "two-stories"}
    assert all(x["evidence"] and x["dashboard_url"].startswith("http") for x in lines)
    with connect(setup["db"], read_only=True) as s:
        st = watch_status(s)
        stored = s.con.execute("SELECT count(*) FROM events").fetchone()
    assert st.files_ingested == 16 and st.files_pending == 0 and not st.files_skipped
    assert st.lag == timedelta(0) and st.deliveries_sent == len(seen)
    # Every export row of the real file was read once: stored, rejected or a duplicate.
    assert stored is not None and stored[0] > 2000


def test_a_file_ingested_twice_adds_nothing(
    served: tuple[Feed, LocalServer], setup: dict[str, Path]
) -> None:
    feed, _ = served
    feed.advance(2)
    cfg = _cfg(setup, feed)
    with HttpxTransport() as t:
        run_once(cfg, t)
        before = _events(setup["db"])
        with connect(setup["db"]) as s:  # forget that the files were ingested
            s.con.execute("UPDATE watch_files SET state = 'listed'")
        rep = run_once(cfg, t)
    assert len(rep.ingested) == 2 and rep.rows == 0 and rep.alarms_queued == 0
    assert _events(setup["db"]) == before


def test_a_missing_file_is_retried_then_skipped_and_reported(
    served: tuple[Feed, LocalServer], setup: dict[str, Path]
) -> None:
    feed, server = served
    feed.advance(3)
    gone = feed.names()[4]  # the third slot's export
    (feed.dir / gone).rename(feed.dir / "hidden")
    cfg = _cfg(setup, feed, max_attempts=3, since=date(2019, 10, 24))  # backfill all three
    with HttpxTransport() as t:
        reps = [run_once(cfg, t) for _ in range(3)]
        assert [r.retried for r in reps[:2]] == [[gone], [gone]] and reps[2].skipped == [gone]
        # The others did not wait for it; the backfill went in slot order, exports first.
        assert reps[0].ingested == [n for n in feed.names() if n != gone]
        assert len(server.requests_for("masterfilelist.txt")) == 1  # --since: read once
        server.clear_log()
        rep = run_once(cfg, t)  # given up: not asked for again
    assert not server.requests_for(gone) and not rep.skipped
    with connect(setup["db"], read_only=True) as s:
        st = watch_status(s)
    assert [f for f, _ in st.files_skipped] == [gone]
    assert "404" in st.files_skipped[0][1]


def test_a_failed_delivery_stays_in_the_outbox_and_is_retried_with_backoff(
    served: tuple[Feed, LocalServer], setup: dict[str, Path]
) -> None:
    feed, _ = served
    feed.advance(2)
    blocked = setup["jsonl"]
    blocked.mkdir()  # a directory: every append fails
    now = [datetime(2019, 10, 24, 15, 0)]
    cfg = _cfg(setup, feed, clock=lambda: now[0], backoff=60.0)
    with HttpxTransport() as t:
        first = run_once(cfg, t)
        assert first.alarms_queued > 0 and first.delivery_failures == first.alarms_queued
        assert first.rows > 0  # ingestion went on
        again = run_once(cfg, t)  # not due yet: the backoff is 60 s
        assert again.delivery_failures == 0 and again.delivered == 0
        blocked.rmdir()
        now[0] += timedelta(seconds=61)
        later = run_once(cfg, t)
    assert later.delivered == first.alarms_queued
    assert len(_delivered(setup["jsonl"])) == first.alarms_queued


def test_a_store_of_schema_5_gains_the_watch_tables(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    with connect(db) as s:
        s.con.execute("DROP TABLE watch_files")
        s.con.execute("DROP TABLE watch_alarms")
        s.con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    with connect(db, read_only=True) as s:
        assert watch_status(s).files_ingested == 0  # read-only: nothing to migrate, no error
    with connect(db) as s:
        assert s.con.execute("SELECT count(*) FROM watch_files").fetchone() == (0,)
        assert s.con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            "6",
        )


@pytest.mark.parametrize(
    "url",
    ["ftp://data.gdeltproject.org/gdeltv2/lastupdate.txt", "lastupdate.txt", "http://x/dir/"],
)
def test_bad_feed_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="--feed"):
        check_feed_url(url)


@pytest.mark.parametrize("seconds", [0, -5, 86401])
def test_bad_intervals_are_refused(seconds: float) -> None:
    with pytest.raises(ConfigError, match="--interval"):
        check_interval(seconds)


def test_delivery_error_is_an_oserror() -> None:
    assert issubclass(DeliveryError, OSError)


def test_the_foreground_loop_polls_as_the_feed_advances_and_status_reports_it(
    served: tuple[Feed, LocalServer], setup: dict[str, Path]
) -> None:
    from typer.testing import CliRunner

    from brinkwatch.cli import app
    from brinkwatch.watch import PollReport, run_forever

    feed, _ = served
    feed.advance(1)
    cfg = _cfg(setup, feed, interval=300.0)
    seen: list[tuple[PollReport | None, object]] = []
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the clock moves: the feed announces the next slot
        slept.append(seconds)
        feed.advance()

    with HttpxTransport() as t:
        run_forever(cfg, t, lambda r, e, _: seen.append((r, e)), polls=3, sleep=sleep)
    assert slept == [300.0, 300.0] and [e for _, e in seen] == [None] * 3
    assert [len(r.ingested) for r, _ in seen if r is not None] == [2, 2, 2]
    res = CliRunner().invoke(app, ["watch", "status", "--json", "--db", str(setup["db"])])
    assert res.exit_code == 0, res.output
    st = json.loads(res.output)
    assert st["last_file"] == feed.names()[-1] and st["lag_seconds"] == 0
    assert st["files_ingested"] == 6 and st["deliveries_pending"] == 0
