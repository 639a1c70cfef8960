"""``Store.compact``: held-back rows go, the record stays, and the file really shrinks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from brinkwatch.errors import StoreError
from brinkwatch.ingest import ingest
from brinkwatch.store import connect


def _changed_copies(shared_data: Path, tmp_path: Path, n: int) -> list[Path]:
    """The real GDELT export's rows four times (new ids), then ``n`` versions of that file with
    every 50th event id changed: what re-ingesting a corrected export looks like."""
    src = shared_data / "gdelt/20191024143000.export.CSV"
    tails = [x.split("\t", 1)[1] for x in src.read_text(encoding="utf-8").splitlines() if x.strip()]
    lines = [f"{1_000_000_000 + i}\t{t}" for i, t in enumerate(tails * 4)]
    out = []
    for k in range(n + 1):
        changed = [f"9{k}{x}" if k and i % 50 == 0 else x for i, x in enumerate(lines)]
        path = tmp_path / f"2019102414300{k}.export.CSV"
        path.write_text("\n".join(changed) + "\n", encoding="utf-8")
        out.append(path)
    return out


def _snapshot(con: duckdb.DuckDBPyConnection) -> tuple[int, list[Any], list[Any], list[Any]]:
    """Number of events, a checksum of them, the rejects and the log."""
    n, checksum = con.execute(
        "SELECT count(*), sum(hash(event_id, origin, event_date)) FROM events"
    ).fetchall()[0]
    rejected = con.execute("SELECT * FROM rejected ORDER BY batch_id, line").fetchall()
    log = con.execute("SELECT * FROM ingest_log ORDER BY batch_id").fetchall()
    return int(n), [checksum], rejected, log


def test_compact_removes_held_back_rows_and_shrinks_the_file(
    shared_data: Path, tmp_path: Path
) -> None:
    db = tmp_path / "s.duckdb"
    *files, later = _changed_copies(shared_data, tmp_path, 4)
    with connect(db) as store:
        reports = ingest(store, files).files
        assert all(r.ok for r in reports)
        # Re-ingested changed files: most of their rows are duplicates, held back in event_rows.
        held = store.con.execute(
            "SELECT count(*) FROM event_rows WHERE _reject IS NOT NULL"
        ).fetchall()[0][0]
        assert held == sum(r.duplicates + r.rejected + r.blank for r in reports) > 20_000
        before = _snapshot(store.con)

        rep = store.compact()
        assert rep.rows_removed == held
        assert rep.rewritten
        assert rep.bytes_before is not None and rep.bytes_after is not None
        assert rep.bytes_after == db.stat().st_size
        # Three re-ingests held back three times the rows kept (they compress well: the same
        # real rows repeat); a delete and CHECKPOINT alone freed nothing here.
        assert rep.bytes_freed is not None and rep.bytes_freed > rep.bytes_after / 4
        assert not db.with_name(db.name + ".compact").exists()
        # Events, rejects and the log are untouched; nothing held back is left.
        assert _snapshot(store.con) == before
        assert store.con.execute("SELECT count(*) FROM event_rows").fetchall()[0][0] == before[0]
        # The store goes on working on the new file: batch ids continue, duplicates still found.
        last = max(r.batch_id or 0 for r in reports)
        (repeat,) = ingest(store, [files[1]]).files  # the same bytes: nothing read or held
        (again,) = ingest(store, [later]).files  # another changed version: read in full
        assert again.batch_id is not None and again.batch_id > last
        assert repeat.stored == 0 and repeat.duplicates == repeat.read
        assert again.duplicates > 8000 and again.stored == (again.read + 49) // 50
        n_events = before[0] + again.stored
        assert store.events.count().execute() == n_events

        second = store.compact()
        assert second.rows_removed == again.duplicates + again.rejected
    with connect(db, read_only=True) as reopened:
        assert reopened.events.count().execute() == n_events


def test_compact_of_a_memory_store_and_a_read_only_one(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "gdelt/20191024143000.export.CSV"
    with connect(":memory:") as mem:
        ingest(mem, [src])
        rep = mem.compact()
        assert rep.bytes_before is None and rep.bytes_freed is None and not rep.rewritten
    db = tmp_path / "s.duckdb"
    connect(db).close()
    with connect(db, read_only=True) as ro, pytest.raises(StoreError, match="read-only"):
        ro.compact()
