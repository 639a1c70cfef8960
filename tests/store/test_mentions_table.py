"""The ``mentions`` table (schema 4): documented, added to older stores, compacted."""

from __future__ import annotations

from pathlib import Path

from brinkwatch.ingest import ingest
from brinkwatch.store import MENTION_COLUMNS, SCHEMA_VERSION, Store, connect

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "gdelt2" / "20191024143000.mentions.CSV"
CHRONOLOGY = Path(__file__).resolve().parents[2] / "src/brinkwatch/data/chronology"


def _version(s: Store) -> str:
    row = s.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert row is not None
    return str(row[0])


def test_mentions_view_has_the_documented_columns(store: Store) -> None:
    cols = [r[0] for r in store.con.execute("DESCRIBE mentions").fetchall()]
    assert cols == [c.name for c in MENTION_COLUMNS]
    doc = (Path(__file__).resolve().parents[2] / "docs" / "schema.md").read_text()
    section = doc[doc.index("## `mentions`") :]
    missing = [c.name for c in MENTION_COLUMNS if f"`{c.name}`" not in section]
    assert not missing, f"docs/schema.md does not document the mentions columns {missing}"


def test_a_schema_3_store_gains_an_empty_mentions_table_and_keeps_its_events(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.duckdb"
    s = connect(path)
    ingest(s, sorted(CHRONOLOGY.glob("*.csv"))[:1])
    events = s.con.execute("SELECT count(*) FROM events").fetchone()
    assert events is not None and events[0] > 0
    # What a schema-3 store looks like: no mention tables, version 3.
    s.con.execute("DROP VIEW mentions")
    s.con.execute("DROP TABLE mention_rows")
    s.con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    s.close()

    s = connect(path)
    assert SCHEMA_VERSION == 6  # schema 6 (watch tables, stored flags) migrates schema 3 too
    assert _version(s) == "6"
    assert s.con.execute("SELECT count(*) FROM mentions").fetchone() == (0,)
    assert s.con.execute("SELECT count(*) FROM events").fetchone() == events
    f = ingest(s, [SAMPLE]).files[0]
    assert f.stored == len(SAMPLE.read_text().splitlines())
    st = s.stats()
    assert (st.events, st.mentions) == (events[0], f.stored)
    assert st.read == st.stored + st.rejected + st.duplicates
    s.close()
    # Opening it again changes nothing.
    s = connect(path, read_only=True)
    assert _version(s) == "6"
    assert s.con.execute("SELECT count(*) FROM mentions").fetchone() == (f.stored,)
    s.close()


def test_compact_drops_held_back_mentions(tmp_path: Path) -> None:
    s = connect(tmp_path / "c.duckdb")
    lines = SAMPLE.read_text().splitlines()
    path = tmp_path / "x.mentions.CSV"
    path.write_text("\n".join([*lines[:10], lines[0], "\t".join(lines[1].split("\t")[:5])]) + "\n")
    f = ingest(s, [path]).files[0]
    assert (f.stored, f.duplicates, f.rejected) == (10, 1, 1)
    report = s.compact()
    assert report.rows_removed == 2
    assert s.con.execute("SELECT count(*) FROM mention_rows").fetchone() == (10,)
    assert s.con.execute("SELECT count(*) FROM mentions").fetchone() == (10,)
    s.close()
