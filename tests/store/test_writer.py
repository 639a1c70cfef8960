"""Store.load_batch: the store's own write path, used without the ingest stage; schema ranges."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from brinkwatch.ingest import ingest
from brinkwatch.store import (
    EVENT_COLUMNS,
    BatchSource,
    CutLine,
    Store,
    example,
    skip_blank_lines,
)

_NULL_REJ = "NULL::STRUCT(reason VARCHAR, field VARCHAR, detail VARCHAR)"


def _source() -> BatchSource:
    """Four lines: a row, a line emptied before the scan, a repeat of the row, a bad row."""
    raw = (
        "SELECT * FROM (VALUES ('e1', '2019-07-01', '163', false, false), "
        "(NULL, NULL, NULL, true, false), ('e1', '2019-07-01', '163', false, false), "
        "('e2', '2019-07-02', '999', false, true)) v(event_id, event_date, cameo_code, _blank, bad)"
    )
    given = {"event_id", "event_date", "cameo_code"}
    cols = ", ".join(
        f"CAST(r.{c.name} AS {c.sql_type}) AS {c.name}"
        if c.name in given
        else f"NULL::{c.sql_type} AS {c.name}"
        for c in EVENT_COLUMNS
        if c.name not in {"origin", "batch_id"}
    )
    rej = (
        "CASE WHEN r.bad THEN {'reason': 'unknown_cameo', 'field': 'cameo_code', "
        f"'detail': '999 is not a CAMEO event code'}} ELSE {_NULL_REJ} END"
    )
    sql = (
        f"SELECT {cols}, {rej} AS _rej, CASE WHEN r.bad THEN r.event_id END AS _raw "
        f"FROM ({skip_blank_lines(raw)}) r"
    )
    return BatchSource(
        file="hand.csv",
        format="csv",
        origin="hand",
        signature="sig-1",
        bytes=100,
        sql=sql,
        header_lines=0,
        rejects_table="_t_rejects",
        rejects_scan="_t_scan",
        cut_lines=(CutLine(2, "line_too_long", "the line has 9 MB", "xxxx"),),
    )


def test_a_batch_stores_rejects_and_marks_duplicates_with_lines_and_a_log_row(
    store: Store,
) -> None:
    calls: list[int] = []

    def later() -> str:
        calls.append(1)
        return "sha256:abc"

    c = store.load_batch(_source(), fingerprint=later)
    assert (c.read, c.stored, c.rejected, c.duplicates, c.blank) == (4, 1, 2, 1, 0)
    assert calls == [1]
    rejected = store.con.execute(
        "SELECT line, reason, fingerprint FROM rejected WHERE batch_id = ? ORDER BY line",
        [c.batch_id],
    ).fetchall()
    assert rejected == [(2, "line_too_long", "sha256:abc"), (4, "unknown_cameo", "sha256:abc")]
    assert store.con.execute("SELECT event_id, origin FROM events").fetchall() == [("e1", "hand")]
    log = store.con.execute(
        "SELECT file, fingerprint, signature, read, stored, rejected, duplicates, blank "
        "FROM ingest_log"
    ).fetchall()
    assert log == [("hand.csv", "sha256:abc", "sig-1", 4, 1, 2, 1, 0)]
    assert store.seen_file_size(100, "sig-1") and not store.seen_file_size(100, "other")


def test_the_same_bytes_again_are_not_read_and_count_as_before(store: Store) -> None:
    first = store.load_batch(_source(), fingerprint="sha256:abc")
    # A repeat is recognised from the fingerprint alone: a broken relation is never run.
    again = store.load_batch(replace(_source(), sql="SELECT nonsense"), fingerprint="sha256:abc")
    assert again.batch_id != first.batch_id
    assert (again.read, again.stored, again.rejected, again.duplicates) == (4, 0, 2, 2)
    n = store.con.execute("SELECT count(*) FROM rejected WHERE batch_id = ?", [again.batch_id])
    assert n.fetchall() == [(2,)]


def test_a_failed_batch_leaves_nothing_behind(store: Store) -> None:
    import duckdb

    with pytest.raises(duckdb.Error):
        store.load_batch(replace(_source(), sql="SELECT nonsense"), fingerprint="sha256:x")
    for table in ("event_rows", "rejected", "ingest_log"):
        assert store.con.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]


@pytest.mark.parametrize(
    ("field", "value", "reason", "detail"),
    [
        ("goldstein", "10.5", "out_of_range", "10.5 is outside -10.0..10.0"),
        ("latitude", "-90.5", "out_of_range", "-90.5 is outside -90.0..90.0"),
        ("num_mentions", "-1", "out_of_range", "-1 is outside >= 0"),
        ("quad_class", "5", "out_of_range", "5 is outside 1..4"),
        ("event_date", "1899-12-31", "bad_date", "is outside 1900-01-01..2100-12-31"),
    ],
)
def test_values_outside_the_schema_ranges_are_rejected(
    store: Store, tmp_path: Path, field: str, value: str, reason: str, detail: str
) -> None:
    row = {"event_id": "1", "event_date": "2019-07-01", "cameo_code": "163", field: value}
    path = tmp_path / "x.csv"
    path.write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n")
    (rep,) = ingest(store, [path]).files
    assert (rep.read, rep.rejected) == (1, 1), rep.error
    got = store.con.execute("SELECT field, reason, detail FROM rejected").fetchall()
    assert got[0][:2] == (field, reason) and detail in got[0][2]


def test_the_ingest_checks_read_the_ranges_from_the_schema(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brinkwatch.ingest import _sql

    narrowed = tuple(replace(c, high=5.0) if c.name == "goldstein" else c for c in EVENT_COLUMNS)
    monkeypatch.setattr(_sql, "EVENT_COLUMNS", narrowed)
    path = tmp_path / "x.csv"
    path.write_text("event_id,event_date,cameo_code,goldstein\n1,2019-07-01,057,6.0\n")
    (rep,) = ingest(store, [path]).files
    assert rep.rejected == 1
    detail = store.con.execute("SELECT detail FROM rejected").fetchall()[0][0]
    assert detail == "6.0 is outside -10.0..5.0"


def test_the_example_store_is_one_accounted_batch_of_real_events() -> None:
    s = example()
    try:
        by = s.con.execute(
            "SELECT source_country || '->' || target_country, count(*) FROM events "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert by == [("JPN->KOR", 3), ("KOR->JPN", 4), ("USA->JPN", 1), ("USA->KOR", 2)]
        assert s.stats().as_dict()["by_origin"][0]["origin"] == "chronology"
        log = s.con.execute("SELECT read, stored, rejected, duplicates FROM ingest_log")
        assert log.fetchall() == [(10, 10, 0, 0)]
        bad = s.con.execute(
            "SELECT count(*) FROM events WHERE goldstein NOT BETWEEN -10 AND 10 "
            "OR quad_class NOT BETWEEN 1 AND 4 OR cameo_root <> left(cameo_code, 2)"
        )
        assert bad.fetchall() == [(0,)]
    finally:
        s.close()
