"""A process killed in the middle of an ingest leaves no partial file, and a re-run completes it.

The child process ingests a small file completely, says so, then starts on a large one; the
test kills it with SIGKILL once DuckDB is writing the large file's rows, reopens the store and
checks that only the small file is in it. Ingesting both files again must then give exactly
the store a clean run gives.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from brinkwatch.ingest import ingest
from brinkwatch.store import Store, connect

from ..strategies import GdeltRow, random_row

BIG_ROWS = 300_000
SMALL_ROWS = 2_000
OVERLAP = 100  # the big file repeats this many ids of the small one (duplicates on ingest)
#: Lines of the big file that repeat the id of an earlier line of it, with other content.
REPEATS = {250_000: 10, 299_000: 60_000, 123_457: 123_456}
SMALL_ID0, BIG_ID0 = 100_000_000, 200_000_000

CHILD = """
import sys
from brinkwatch.ingest import ingest
from brinkwatch.store import connect

store = connect(sys.argv[1])
report = ingest(store, [sys.argv[2]])
assert report.files[0].error is None, report.files[0].error
print("started", flush=True)
ingest(store, [sys.argv[3]])
print("finished", flush=True)
"""


@dataclass(frozen=True)
class CrashFiles:
    small: Path
    big: Path
    small_ids: frozenset[str]  # valid rows only
    small_rejects: frozenset[int]  # 1-based lines
    big_rejects: frozenset[int]
    first_urls: dict[str, str]  # SOURCEURL of the first line of each id the big file repeats


def _tails(rows: list[GdeltRow]) -> list[str]:
    """Each row's text after the event id, to build many rows by prefixing new ids."""
    return [r.line.split("\t", 1)[1] for r in rows]


def _write(
    path: Path, ids: list[int], good: list[str], bad: list[str], bad_lines: set[int]
) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.writelines(
            f"{i}\t{(bad if n in bad_lines else good)[n % len(good)]}\n"
            for n, i in enumerate(ids, start=1)
        )


@pytest.fixture(scope="session")
def crash_files(tmp_path_factory: pytest.TempPathFactory) -> CrashFiles:
    """A small and a big GDELT 2.0 file (written once): valid rows, a few bad dates, repeats."""
    rng = random.Random(20191024)
    templates = [random_row(rng) for _ in range(64)]
    good = _tails(templates)
    bad = _tails([t.with_fields(event_date="20191345") for t in templates])
    d = tmp_path_factory.mktemp("crash")
    small_ids = [SMALL_ID0 + i for i in range(SMALL_ROWS)]
    small_bad = {5, 777, SMALL_ROWS}
    _write(d / "small.export.CSV", small_ids, good, bad, small_bad)
    # The repeated ids are of valid rows of the small file (lines 101..200), so all are duplicates.
    big_ids = [BIG_ID0 + i for i in range(BIG_ROWS - OVERLAP)] + small_ids[100 : 100 + OVERLAP]
    for line, first in REPEATS.items():
        big_ids[line - 1] = big_ids[first - 1]
    big_bad = {1, 2, 2049, 100_001, 150_002, BIG_ROWS - OVERLAP - 1}
    _write(d / "big.export.CSV", big_ids, good, bad, big_bad)
    valid_small = frozenset(str(i) for n, i in enumerate(small_ids, 1) if n not in small_bad)
    first_urls = {
        str(big_ids[first - 1]): templates[first % len(templates)]["source_url"]
        for first in REPEATS.values()
    }
    return CrashFiles(d / "small.export.CSV", d / "big.export.CSV", valid_small,
                      frozenset(small_bad), frozenset(big_bad), first_urls)  # fmt: skip


def _kill_mid_ingest(db: Path, files: CrashFiles) -> None:
    """Run the child and SIGKILL it once the store file grows with the big file's rows."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(files.small), str(files.big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.strip() == "started", proc.communicate()[1]
        size = db.stat().st_size
        deadline = time.monotonic() + 20
        # DuckDB writes a large insert's row groups into the file before the commit: once the
        # file grows by a MiB the big file is being loaded, and not yet committed.
        while proc.poll() is None and time.monotonic() < deadline:
            if db.stat().st_size > size + (1 << 20):
                break
            time.sleep(0.002)
        proc.kill()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, f"the child ended on its own: {out} {err}"
    assert "finished" not in out


def _ids(store: Store) -> list[str]:
    return [r[0] for r in store.con.execute("SELECT event_id FROM events ORDER BY 1").fetchall()]


def _content(store: Store) -> tuple[object, ...]:
    """Counts by origin, a checksum of every canonical column but batch_id, and the rejects."""
    con = store.con
    by_origin = con.execute("SELECT origin, count(*) FROM events GROUP BY 1 ORDER BY 1").fetchall()
    cols = [r[0] for r in con.execute("DESCRIBE events").fetchall() if r[0] != "batch_id"]
    checksum = con.execute(f"SELECT sum(hash({', '.join(cols)})) FROM events").fetchone()
    # Line numbers are left out here: see test_reject_lines_in_a_large_file. A repeated file
    # records its rejects again under its own batch, so lines are counted once.
    rejected = con.execute(
        "SELECT file, reason, field, raw, count(DISTINCT line) FROM rejected "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return by_origin, checksum, rejected


def _check_log(store: Store) -> None:
    """Every ingest_log row adds up, and agrees with the events and rejects of its batch."""
    con = store.con
    rows = con.execute(
        "SELECT l.batch_id, l.fingerprint, l.read, l.stored, l.rejected, l.duplicates, "
        "(SELECT count(*) FROM events e WHERE e.batch_id = l.batch_id), "
        "(SELECT count(*) FROM rejected r WHERE r.batch_id = l.batch_id) "
        "FROM ingest_log l ORDER BY l.batch_id"
    ).fetchall()
    for batch, _fp, read, stored, rejected, duplicates, n_events, n_rejects in rows:
        assert read == stored + rejected + duplicates, batch
        assert n_events == stored, batch
        assert n_rejects == rejected, batch  # every batch, a repeat too, records its rejects
    total = con.execute("SELECT sum(stored) FROM ingest_log").fetchone()
    assert total is not None
    assert total[0] == len(_ids(store))


@pytest.mark.slow
def test_killed_ingest_leaves_no_partial_file_and_a_rerun_completes(
    tmp_path: Path, crash_files: CrashFiles
) -> None:
    db = tmp_path / "store.duckdb"
    _kill_mid_ingest(db, crash_files)

    with connect(db) as store:
        con = store.con
        assert set(_ids(store)) == crash_files.small_ids
        logged = con.execute("SELECT file, read, stored, rejected FROM ingest_log").fetchall()
        assert logged == [
            (str(crash_files.small), SMALL_ROWS, len(crash_files.small_ids),
             len(crash_files.small_rejects))
        ]  # fmt: skip
        partial = con.execute(
            "SELECT count(*) FROM events WHERE batch_id IN "
            "(SELECT batch_id FROM ingest_log WHERE file LIKE '%big%')"
        ).fetchone()
        assert partial == (0,)
        big_only = con.execute(
            "SELECT count(*) FROM events WHERE event_id >= ?", [str(BIG_ID0)]
        ).fetchone()
        assert big_only == (0,)
        # Held-back rows (rejects, duplicates) stay in event_rows by design, but only for
        # committed batches: nothing physical remains of the killed transaction.
        orphans = con.execute(
            "SELECT count(*) FROM event_rows WHERE batch_id NOT IN "
            "(SELECT batch_id FROM ingest_log)"
        ).fetchone()
        assert orphans == (0,)
        lines = con.execute("SELECT line, reason, file FROM rejected ORDER BY line").fetchall()
        assert lines == [
            (n, "bad_date", str(crash_files.small)) for n in sorted(crash_files.small_rejects)
        ]

        again = ingest(store, [crash_files.small, crash_files.big])
        assert [f.error for f in again.files] == [None, None]
        repeat, big = again.files
        assert (repeat.read, repeat.stored) == (SMALL_ROWS, 0)
        dups = OVERLAP + len(REPEATS)
        assert (big.read, big.stored, big.rejected, big.duplicates) == (
            BIG_ROWS, BIG_ROWS - dups - len(crash_files.big_rejects),
            len(crash_files.big_rejects), dups,
        )  # fmt: skip
        recovered_ids, recovered = _ids(store), _content(store)
        _check_log(store)

    with connect(tmp_path / "clean.duckdb") as clean:
        report = ingest(clean, [crash_files.small, crash_files.big])
        assert [f.error for f in report.files] == [None, None]
        assert recovered_ids == _ids(clean)
        assert recovered == _content(clean)
        _check_log(clean)


@pytest.mark.slow
def test_large_file_reject_lines_and_first_occurrences(crash_files: CrashFiles) -> None:
    # Several threads scan a file this size; lines must still be the file's, and the first
    # occurrence of a repeated id the one kept.
    with connect(":memory:", threads=4) as store:
        rep = ingest(store, [crash_files.big]).files[0]
        assert (rep.rejected, rep.duplicates) == (len(crash_files.big_rejects), len(REPEATS))
        lines = store.con.execute("SELECT line FROM rejected ORDER BY line").fetchall()
        assert [n for (n,) in lines] == sorted(crash_files.big_rejects)
        kept = dict(
            store.con.execute(
                "SELECT event_id, source_url FROM events WHERE event_id IN "
                "(SELECT unnest(?::VARCHAR[]))",
                [list(crash_files.first_urls)],
            ).fetchall()
        )
        assert kept == crash_files.first_urls
