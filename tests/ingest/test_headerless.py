"""D8: ``header: false`` maps a headerless CSV by 1-based column positions."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from brinkwatch.errors import MappingError
from brinkwatch.ingest import ingest, read_mapping
from brinkwatch.store import connect

ROOT = Path(__file__).resolve().parents[2]
PANDAS_MAPPING = ROOT / "docs/examples/gdelt-pandas-export.yaml"


def _positional_mapping(header: list[str], tmp_path: Path) -> Path:
    """The pandas-export example rewritten with positions instead of column names."""
    named = read_mapping(PANDAS_MAPPING)
    cols = ", ".join(f"{f}: {header.index(c) + 1}" for f, c in named.columns.items())
    path = tmp_path / "positions.yaml"
    path.write_text(
        f'origin: pandas\ndelimiter: ","\ndate_format: "%Y%m%d"\nheader: false\n'
        f"columns: {{{cols}}}\n"
    )
    return path


def test_a_headerless_export_stores_what_its_headed_original_stores(
    shared_data: Path, tmp_path: Path
) -> None:
    src = shared_data / "gdelt/pandas-export-202011/20201113.csv"
    head, *rest = src.read_bytes().splitlines(keepends=True)
    header = next(csv.reader(io.StringIO(head.decode())))
    bare = tmp_path / "20201113-noheader.csv"
    bare.write_bytes(b"".join(rest[:400]))
    headed = tmp_path / "20201113-head.csv"
    headed.write_bytes(head + b"".join(rest[:400]))
    mapping = read_mapping(_positional_mapping(header, tmp_path))
    assert mapping.header is False and mapping.columns["event_id"] == str(
        header.index("Global_Event_ID") + 1
    )
    query = (
        "SELECT event_id, event_date, cameo_code, source_country, target_country, goldstein, "
        "avg_tone FROM events ORDER BY event_id"
    )
    with connect(":memory:") as a, connect(":memory:") as b:
        (ra,) = ingest(a, [bare], mapping=mapping).files
        named = replace(read_mapping(PANDAS_MAPPING), origin="pandas")
        (rb,) = ingest(b, [headed], mapping=named).files
        assert ra.ok, ra.error
        # Every line is a row: none is lost to a header.
        assert (ra.read, ra.stored, ra.rejected) == (rb.read, rb.stored, rb.rejected)
        assert ra.read == 400 and ra.stored > 300
        assert a.con.execute(query).fetchall() == b.con.execute(query).fetchall()


def test_a_headerless_reject_has_its_physical_line(tmp_path: Path) -> None:
    path = tmp_path / "bare.csv"
    path.write_bytes(
        b"e1,2019-07-01,163,JPN\n"  # line 1 is data, not a header
        b"e2,2019-07-01,999,KOR\n"  # line 2: unknown code
        b"e3,2019-07-02,042\n"  # line 3: a field short
        b"e4,2019-07-03,036,USA\n"
    )
    m = tmp_path / "m.yaml"
    m.write_text("origin: notes\nheader: false\ncolumns: {event_id: 1, event_date: 2, "
                 "cameo_code: 3, source_country: 4}\n")  # fmt: skip
    with connect(":memory:") as s:
        (rep,) = ingest(s, [path], mapping=read_mapping(m)).files
        assert rep.ok, rep.error
        assert (rep.read, rep.stored, rep.rejected) == (4, 2, 2)
        lines = s.con.execute("SELECT line, reason FROM rejected ORDER BY line").fetchall()
        assert lines == [(2, "unknown_cameo"), (3, "column_count")]
        ids = [r[0] for r in s.con.execute("SELECT event_id FROM events ORDER BY 1").fetchall()]
        assert ids == ["e1", "e4"]


def test_a_position_beyond_the_rows_width_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bare.csv"
    path.write_bytes(b"e1,2019-07-01,163\ne2,2019-07-02,042\n")
    m = tmp_path / "m.yaml"
    m.write_text("header: false\ncolumns: {event_id: 1, event_date: 2, cameo_code: 7}\n")
    with connect(":memory:") as s:
        (rep,) = ingest(s, [path], mapping=read_mapping(m)).files
    assert not rep.ok and rep.error is not None
    assert "cameo_code: 7" in rep.error and "3 field(s)" in rep.error
    assert str(path) in rep.error


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("header: false\ncolumns: {event_id: ID, event_date: 2, cameo_code: 3}\n", "position"),
        ("header: false\ncolumns: {event_id: 0, event_date: 2, cameo_code: 3}\n", "position"),
        ("header: no way\ncolumns: {event_id: 1, event_date: 2, cameo_code: 3}\n", "true"),
    ],
)
def test_header_false_needs_positions_and_header_a_boolean(
    tmp_path: Path, text: str, words: str
) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(text)
    with pytest.raises(MappingError) as exc:
        read_mapping(m)
    assert (exc.value.line, exc.value.field) == (1, "header")
    assert words in exc.value.message
