"""Coded events go into the store like any ingest: a batch, a log row, duplicates counted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from brinkwatch.coding import Coder, events_to_table
from brinkwatch.errors import FileFormatError
from brinkwatch.ingest import ingest_coded, read_texts
from brinkwatch.store import Store


def test_coded_events_are_stored_once_with_origin_coded(coder: Coder, store: Store) -> None:
    text = (
        "Japan's cabinet approved the removal of South Korea from its whitelist on Friday. "
        "Seoul lodged a protest with Tokyo."
    )
    table = events_to_table(coder.code(text, date=date(2019, 8, 2), doc_id="cable-1"))
    assert table.num_rows == 2
    rep = ingest_coded(store, table, source_name="cable-1.txt")
    assert (rep.read, rep.stored, rep.rejected, rep.duplicates) == (2, 2, 0, 0)
    rows = store.con.execute(
        "SELECT origin, event_date, source_code, target_code, cameo_code, cameo_root, "
        "quad_class, goldstein, story_id, sentence FROM events ORDER BY cameo_code"
    ).fetchall()
    assert [r[:8] for r in rows] == [
        ("coded", date(2019, 8, 2), "KORGOV", "JPNGOV", "114", "11", 3, -2.0),
        ("coded", date(2019, 8, 2), "JPNGOV", "KOR", "163", "16", 4, -8.0),
    ]
    assert rows[0][8] == "cable-1" and rows[0][9] == "Seoul lodged a protest with Tokyo."
    log = store.con.execute("SELECT file, origin, stored FROM ingest_log").fetchall()
    assert log == [("cable-1.txt", "coded", 2)]
    # Coding the same text again gives the same event ids: duplicates, nothing new.
    again = ingest_coded(store, table, source_name="cable-1.txt")
    assert (again.stored, again.duplicates) == (0, 2)


def test_read_texts_takes_the_date_line_and_keeps_offsets(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("date: 2019-07-01\nJapan criticized South Korea.\n")
    (tmp_path / "b.md").write_text("South Korea criticized Japan.\n")
    (tmp_path / "c.csv").write_text("not,a,text\n")
    docs = read_texts([tmp_path])
    assert [(Path(d.name).name, d.day) for d in docs] == [
        ("a.txt", date(2019, 7, 1)),
        ("b.md", None),
    ]
    # The date line is blanked, not removed, so spans still index the file's text.
    assert docs[0].text.index("Japan") == len("date: 2019-07-01\n")
    bad = tmp_path / "bad.txt"
    bad.write_text("date: 2019-02-30\nJapan criticized South Korea.\n")
    with pytest.raises(FileFormatError, match="not a date"):
        read_texts([bad])
    with pytest.raises(FileFormatError, match="no such file"):
        read_texts([tmp_path / "missing.txt"])
