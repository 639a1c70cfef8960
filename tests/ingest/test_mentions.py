"""GDELT 2.0 mentions files: detected, validated row by row, stored once in ``mentions``."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from brinkwatch.errors import FileFormatError
from brinkwatch.ingest import Format, ingest
from brinkwatch.ingest._formats import detect_format
from brinkwatch.store import Store

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "gdelt2" / "20191024143000.mentions.CSV"


def _lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def _with(line: str, i: int, value: str) -> str:
    fields = line.split("\t")
    fields[i] = value
    return "\t".join(fields)


def _accounted(store: Store) -> tuple[int, int, int, int, int]:
    row = store.con.execute(
        "SELECT sum(read), sum(stored), sum(rejected), sum(duplicates), sum(blank) FROM ingest_log"
    ).fetchone()
    assert row is not None
    return tuple(int(x) for x in row)  # type: ignore[return-value]


def test_mentions_are_detected_by_name_and_by_their_fields(tmp_path: Path) -> None:
    assert detect_format(SAMPLE) is Format.GDELT2_MENTIONS
    # No telling name: 16 fields, an event id and two 14-digit timestamps still say mentions.
    plain = tmp_path / "slice.tsv"
    plain.write_text(_lines()[0] + "\n", encoding="utf-8")
    assert detect_format(plain) is Format.GDELT2_MENTIONS
    # A named mentions file whose first row has a bad time is still mentions (the row is
    # rejected, the file is not refused) ...
    named = tmp_path / "20191024143000.mentions.CSV"
    named.write_text(_with(_lines()[0], 1, "2019-10-24") + "\n", encoding="utf-8")
    assert detect_format(named) is Format.GDELT2_MENTIONS
    # ... while 16 fields with no timestamps and no name is not.
    other = tmp_path / "other.tsv"
    other.write_text(_with(_lines()[0], 1, "x") + "\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"GDELT 2\.0 mentions \(16\)"):
        detect_format(other)


def test_the_sample_is_stored_whole_and_a_second_read_adds_nothing(store: Store) -> None:
    n = len(_lines())
    first = ingest(store, [SAMPLE])
    f = first.files[0]
    assert (f.format, f.origin, f.read, f.stored, f.rejected, f.duplicates) == (
        "gdelt2-mentions",
        "gdelt2",
        n,
        n,
        0,
        0,
    )
    got = store.con.execute(
        "SELECT count(*), count(DISTINCT event_id), count(DISTINCT source_name), "
        "min(mention_type), max(confidence), count(*) FILTER (WHERE in_raw_text IS NULL) "
        "FROM mentions"
    ).fetchone()
    assert got == (n, 60, len({x.split("\t")[4] for x in _lines()}), 1, 100, 0)
    # Events are untouched: mentions are not events.
    assert store.con.execute("SELECT count(*) FROM events").fetchone() == (0,)
    again = ingest(store, [SAMPLE]).files[0]
    assert (again.stored, again.duplicates) == (0, n)
    assert store.con.execute("SELECT count(*) FROM mentions").fetchone() == (n,)


def test_bad_rows_are_rejected_with_reason_field_and_line(tmp_path: Path, store: Store) -> None:
    good = _lines()[:6]
    base = good[0]
    lines = [
        good[0],
        "\t".join(base.split("\t")[:12]),  # line 2: a truncated row
        _with(base, 2, "20191324143000"),  # line 3: no 13th month
        "",  # line 4: blank
        _with(base, 3, "7"),  # line 5: no mention type 7
        _with(base, 4, ""),  # line 6: no outlet
        _with(base, 6, "two"),  # line 7: sentence is not a number
        _with(base, 13, "-250.5"),  # line 8: tone out of range
        _with(base, 10, "yes"),  # line 9: InRawText is 0 or 1
        _with(base, 0, "88199O832"),  # line 10: a letter O in the id
        good[1],
        good[1],  # line 12: the same mention twice in the file
        _with(base, 11, "9999999999"),  # line 13: too big for any confidence
    ]
    path = tmp_path / "20191024143000.mentions.CSV"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    f = ingest(store, [path]).files[0]
    assert f.error is None
    got = store.con.execute("SELECT line, reason, field FROM rejected ORDER BY line").fetchall()
    assert got == [
        (2, "column_count", None),
        (3, "bad_date", "mention_time"),
        (5, "out_of_range", "mention_type"),
        (6, "missing_value", "source_name"),
        (7, "bad_number", "sentence_id"),
        (8, "out_of_range", "doc_tone"),
        (9, "bad_value", "in_raw_text"),
        (10, "bad_value", "event_id"),
        (13, "out_of_range", "confidence"),
    ]
    assert (f.read, f.stored, f.rejected, f.duplicates, f.blank) == (13, 2, 9, 1, 1)
    assert f.read == f.stored + f.rejected + f.duplicates + f.blank
    detail = store.con.execute("SELECT detail FROM rejected WHERE line = 3").fetchone()
    assert detail is not None and "'20191324143000' is not a time" in detail[0]


def test_a_changed_file_adds_only_its_new_mentions_and_zip_reads_the_same(
    tmp_path: Path, store: Store
) -> None:
    lines = _lines()
    half = tmp_path / "a.mentions.CSV"
    half.write_text("\n".join(lines[:50]) + "\n", encoding="utf-8")
    assert ingest(store, [half]).files[0].stored == 50
    # A zip of the whole file, as GDELT ships it: the first 50 are duplicates by key.
    archive = tmp_path / "20191024143000.mentions.CSV.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(SAMPLE, SAMPLE.name)
    f = ingest(store, [archive]).files[0]
    assert f.file.endswith("20191024143000.mentions.CSV.zip:20191024143000.mentions.CSV")
    assert (f.format, f.read, f.stored, f.duplicates) == ("gdelt2-mentions", len(lines), 82, 50)
    n = store.con.execute(
        "SELECT count(*), count(DISTINCT (event_id, mention_identifier, sentence_id)) FROM mentions"
    ).fetchone()
    assert n == (len(lines), len(lines))
    assert _accounted(store) == (50 + len(lines), len(lines), 0, 50, 0)


def test_a_mentions_file_forced_as_events_is_rejected_row_by_row(store: Store) -> None:
    f = ingest(store, [SAMPLE], fmt="gdelt2").files[0]
    assert (f.stored, f.rejected) == (0, len(_lines()))
    reasons = store.con.execute("SELECT DISTINCT reason, detail FROM rejected").fetchall()
    assert reasons == [("column_count", "expected 61 tab-separated fields, found 16")]


def test_a_bom_and_crlf_line_ends_change_nothing(tmp_path: Path, store: Store) -> None:
    lines = _lines()[:20]
    path = tmp_path / "w.mentions.CSV"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    assert detect_format(path) is Format.GDELT2_MENTIONS
    f = ingest(store, [path]).files[0]
    assert (f.read, f.stored, f.rejected, f.blank) == (20, 20, 0, 0)
    got = store.con.execute(
        "SELECT event_id, extras FROM mentions ORDER BY event_id, sentence_id LIMIT 1"
    ).fetchone()
    assert got == ("881990832", None)
