"""Regression tests for the reader defects of issue 12 (D1, D3, D7, line numbers, blank lines)."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import duckdb
import pytest

from brinkwatch.ingest import ColumnMapping, FileReport, Format, ingest
from brinkwatch.ingest._pipeline import LONG_LINE_BYTES
from brinkwatch.store import Store

from .test_bad_input import gdelt2

BOM = b"\xef\xbb\xbf"
MAPPING = ColumnMapping(
    columns={
        "event_id": "id",
        "event_date": "day",
        "cameo_code": "code",
        "description": "text",
    }
)


def rejects(store: Store) -> list[tuple[int, str]]:
    return [
        (int(line), str(reason))
        for line, reason in store.con.execute(
            "SELECT line, reason FROM rejected ORDER BY line"
        ).fetchall()
    ]


def balanced(r: FileReport) -> bool:
    return r.read == r.stored + r.rejected + r.duplicates + r.blank


def test_doubled_quotes_are_stored_as_plain_duckdb_reads_them(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "quotes.csv"
    path.write_bytes(
        b'id,day,code,text\n1,2019-07-02,010,"He said ""hi"" to them"\n'
        b'2,2019-07-02,010,"a, b"\n'
        b'3,2019-07-02,010,"bad "quote" here\n'  # line 4: malformed quoting
        b"4,2019-07-02,010,fine\n"
    )
    (rep,) = ingest(store, [path], mapping=MAPPING).files
    assert rep.ok, rep.error
    assert (rep.read, rep.stored, rep.rejected) == (4, 3, 1)
    got = dict(store.con.execute("SELECT event_id, description FROM events").fetchall())
    assert got["1"] == 'He said "hi" to them'
    # Plain DuckDB (sniffing, default options) on the well-formed part of the file.
    clean = tmp_path / "clean.csv"
    clean.write_bytes(b"\n".join(path.read_bytes().split(b"\n")[:2]) + b"\n")
    plain = duckdb.execute(f"SELECT text FROM read_csv('{clean}')").fetchall()
    assert got["1"] == plain[0][0]
    assert rejects(store) == [(4, "bad_quoting")]


def test_a_2mb_line_in_the_sniffing_sample_rejects_only_that_line(
    tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(
        b"id,day,code,text\n1,2019-07-02,010,a\n"
        + b"2,2019-07-02,010,"
        + b"x" * (3 * 2**20)
        + b"\n3,2019-07-02,010,c\n"
    )
    (rep,) = ingest(store, [path], mapping=MAPPING).files
    assert rep.ok, rep.error
    assert (rep.read, rep.stored, rep.rejected) == (3, 2, 1)
    assert rejects(store) == [(3, "line_too_long")]


def test_csv_reject_lines_are_physical_despite_quoted_newlines_and_crlf(
    tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "multi.csv"
    path.write_bytes(
        b"id,day,code,text\r\n"
        b'1,2019-07-02,010,"two\r\nlines"\r\n'  # lines 2-3
        b"2,2019-07-02,010,ok\r\n"  # line 4
        b'3,2019-07-02,010,"bad "q" x\r\n'  # line 5: scanner reject
    )
    (rep,) = ingest(store, [path], mapping=MAPPING).files
    assert rep.ok, rep.error
    assert rejects(store) == [(5, "bad_quoting")]
    text = store.con.execute("SELECT description FROM events WHERE event_id = '1'").fetchall()
    assert text[0][0] == "two\r\nlines"


def test_csv_blank_lines_are_counted_and_rejects_keep_physical_lines(
    tmp_path: Path, store: Store
) -> None:
    """Blank lines count as blank; quoted newlines and blanks shift no reject's line."""
    path = tmp_path / "blanks.csv"
    path.write_bytes(
        b"id,day,code,text\n"
        b"\n"  # line 2: blank
        b'1,2019-07-02,010,"three\nline\ntext"\n'  # lines 3-5
        b"2,2019-07-02,999,unknown code\n"  # line 6: typed reject
        b"\n\n"  # lines 7-8: blank
        b"3,2019-07-02,010\n"  # line 9: scanner reject (a column short)
        b"4,2019-07-02,010,fine\n"  # line 10
        b"\n"  # line 11: blank
    )
    (rep,) = ingest(store, [path], mapping=MAPPING).files
    assert rep.ok, rep.error
    assert (rep.read, rep.stored, rep.rejected, rep.blank) == (8, 2, 2, 4)
    assert balanced(rep)
    assert rejects(store) == [(6, "unknown_cameo"), (9, "column_count")]
    logged = store.con.execute("SELECT read, blank FROM ingest_log").fetchall()
    assert logged == [(8, 4)]
    # Two events and the row of the typed reject; no row for a blank line.
    assert store.con.execute("SELECT count(*) FROM event_rows").fetchall()[0][0] == 3


def test_csv_leading_blank_lines_keep_reject_lines_inside_the_file(
    tmp_path: Path, store: Store
) -> None:
    """DuckDB takes a blank first line as the header: the names line is then a (bad) row."""
    path = tmp_path / "lead.csv"
    path.write_bytes(b"\n\nid,day,code,text\n1,2019-07-02,010,ok\n\n2,2019-07-02,010\n")
    (rep,) = ingest(store, [path], mapping=MAPPING).files
    assert rep.ok, rep.error
    assert (rep.read, rep.stored, rep.rejected, rep.blank) == (5, 1, 2, 2)
    assert [line for line, _ in rejects(store)] == [3, 6]


@pytest.mark.parametrize("compress", [False, True])
def test_a_40mb_line_is_rejected_and_later_lines_keep_their_numbers(
    tmp_path: Path, store: Store, compress: bool
) -> None:
    huge = b"9" * (40 * 2**20)
    lines = [gdelt2(0).encode(), huge, gdelt2(1).encode(), b"", gdelt2(2, code="999").encode()]
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / ("long.export.CSV" + (".gz" if compress else ""))
    if compress:
        with gzip.open(path, "wb", compresslevel=1) as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    # 40 MB of one digit compresses thousands of times: lift the bomb ratio to reach the line.
    (rep,) = ingest(store, [path], fmt=Format.GDELT2, max_ratio=1e6).files
    assert rep.ok, rep.error
    assert (rep.read, rep.stored, rep.rejected, rep.blank) == (5, 2, 2, 1)
    assert rejects(store) == [(2, "line_too_long"), (5, "unknown_cameo")]
    raw = store.con.execute("SELECT length(raw) FROM rejected WHERE line = 2").fetchall()[0][0]
    assert 0 < raw <= 10_000
    assert len(huge) > LONG_LINE_BYTES


def test_blank_and_crlf_lines_do_not_shift_gdelt_line_numbers(tmp_path: Path, store: Store) -> None:
    lines = [gdelt2(0), "", "  ", gdelt2(1, code="999"), "", gdelt2(2, gold="x"), gdelt2(3)]
    path = tmp_path / "crlf.export.CSV"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    (rep,) = ingest(store, [path]).files
    assert rep.ok, rep.error
    assert (rep.read, rep.stored, rep.rejected, rep.blank) == (7, 2, 2, 3)
    assert rejects(store) == [(4, "unknown_cameo"), (6, "bad_number")]
    assert balanced(rep)


@pytest.mark.parametrize(
    ("head", "sep"),
    [("\n", "\r\n"), ("", "\r\n"), ("\n", "\n")],
    ids=["lf-then-crlf", "crlf", "lf"],
)
def test_mixed_line_ends_and_a_lone_cr_keep_lines_and_text(
    tmp_path: Path, store: Store, head: str, sep: str
) -> None:
    # DuckDB splits a later CRLF in two once the first break is LF, and takes a lone CR for a
    # line break: both shifted line numbers and made up blank lines (found by the fuzz suite).
    fields = gdelt2(1).split("\t")
    fields[6] = "SEOUL\rCITY"  # a lone CR inside a field is text, not a line break
    lines = [gdelt2(0), "\t".join(fields), "", gdelt2(2, code="999"), gdelt2(3)]
    path = tmp_path / "mixed.export.CSV"
    path.write_bytes((head + sep.join(lines) + sep).encode())
    (rep,) = ingest(store, [path]).files
    assert rep.ok, rep.error
    first = 2 if head else 1
    assert (rep.read, rep.stored, rep.rejected, rep.blank) == (5 + bool(head), 3, 1, 1 + bool(head))
    assert rejects(store) == [(first + 3, "unknown_cameo")]
    names = {r[0] for r in store.con.execute("SELECT source_name FROM events").fetchall()}
    assert "SEOUL CITY" in names
    assert balanced(rep)


@pytest.mark.solo  # bounds wall time: under xdist, runs alone
def test_a_gzip_of_20m_newlines_stores_nothing_and_finishes_quickly(
    tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "nl.export.CSV.gz"
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(gdelt2(0).encode() + b"\n" * 20_000_000)
    assert path.stat().st_size < 40_000
    t0 = time.perf_counter()
    # Refused as a bomb by default (test_fuzz); with the ratio lifted, counted as blank.
    (rep,) = ingest(store, [path], max_ratio=1e6).files
    elapsed = time.perf_counter() - t0
    assert rep.ok, rep.error
    assert (rep.read, rep.stored, rep.blank) == (20_000_000, 1, 19_999_999)
    assert store.con.execute("SELECT count(*) FROM event_rows").fetchall()[0][0] == 1
    assert elapsed < 20, elapsed
    logged = store.con.execute("SELECT read, blank FROM ingest_log").fetchall()
    assert logged == [(20_000_000, 19_999_999)]


@pytest.mark.parametrize("fmt", [Format.AUTO, Format.GDELT2])
def test_gdelt_with_a_bom_ingests_like_without(tmp_path: Path, store: Store, fmt: Format) -> None:
    body = ("\n".join(gdelt2(i) for i in range(3)) + "\n").encode()
    path = tmp_path / "bom.export.CSV"
    path.write_bytes(BOM + body)
    (rep,) = ingest(store, [path], fmt=fmt).files
    assert rep.ok, rep.error
    assert (rep.format, rep.stored, rep.rejected) == ("gdelt2", 3, 0)
    ids = sorted(r[0] for r in store.con.execute("SELECT event_id FROM events").fetchall())
    assert ids == ["900000000", "900000001", "900000002"]


def test_icews_and_gdelt1_with_a_bom_ingest_like_without(
    shared_data: Path, tmp_path: Path, store: Store
) -> None:
    counts = []
    for name, fmt in (
        ("icews/events.2018.sample.tab", Format.ICEWS),
        ("icews/events.2018.sample.tab", Format.AUTO),
        ("gdelt/gdelt1_events_sample.tsv", Format.AUTO),
    ):
        src = (shared_data / name).read_bytes()
        for i, data in enumerate((src, BOM + src)):
            p = tmp_path / f"{i}-{fmt}-{Path(name).name}"
            p.write_bytes(data)
            (rep,) = ingest(store, [p], fmt=fmt).files
            assert rep.ok, rep.error
            counts.append((rep.format, rep.read, rep.rejected))
    assert counts[0] == counts[1] == counts[2] == counts[3]
    assert counts[4] == counts[5]
    assert counts[4][0] == "gdelt1"


def test_mapped_csv_with_a_bom_ingests_like_without(tmp_path: Path, store: Store) -> None:
    body = b"id,day,code,text\n1,2019-07-02,010,a\n2,2019-07-02,010,b\n"
    path = tmp_path / "bom.csv"
    path.write_bytes(BOM + body)
    (rep,) = ingest(store, [path], mapping=MAPPING).files
    assert rep.ok, rep.error
    assert (rep.stored, rep.rejected) == (2, 0)
