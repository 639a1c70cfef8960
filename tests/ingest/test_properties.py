"""Property tests of the GDELT ingest: each row is stored, rejected where it is, or a duplicate.

Each example writes a generated file, ingests it into a fresh in-memory store and compares the
store with values the test parses from the generated text itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brinkwatch.ingest import FileReport, ingest
from brinkwatch.store import Store, connect

from ..strategies import (
    Corruption,
    GdeltRow,
    cameo_table,
    corrupt,
    gdelt_rows,
    invalid_utf8_line,
    make_row,
)

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: The canonical columns a GDELT row fills, compared field for field.
COLUMNS = (
    "event_id", "origin", "event_date", "source_code", "source_name", "source_country",
    "source_type", "target_code", "target_name", "target_country", "target_type",
    "cameo_code", "cameo_root", "quad_class", "goldstein", "is_root_event", "num_mentions",
    "num_sources", "num_articles", "avg_tone", "location", "location_country", "latitude",
    "longitude", "source_url", "date_added",
)  # fmt: skip

versions = st.sampled_from([1, 2])
_counter = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gdelt-properties")


def write(workdir: Path, lines: Sequence[str | bytes], ending: str = "\n", *,
          last_ending: bool = True) -> Path:  # fmt: skip
    """Write lines (text as UTF-8, bytes as they are), each but maybe the last ended."""
    path = workdir / f"export-{next(_counter)}.CSV"
    end = ending.encode()
    data = end.join(x if isinstance(x, bytes) else x.encode() for x in lines)
    path.write_bytes(data + end if last_ending else data)
    return path


@contextmanager
def fresh_store() -> Iterator[Store]:
    store = connect(":memory:")
    try:
        yield store
    finally:
        store.close()


def ingest_one(store: Store, path: Path, fmt: str = "auto") -> FileReport:
    report = ingest(store, [path], fmt=fmt)
    assert len(report.files) == 1
    rep = report.files[0]
    assert rep.error is None, rep.error
    assert rep.read == rep.stored + rep.rejected + rep.duplicates + rep.blank
    return rep


def expected(row: GdeltRow) -> dict[str, Any]:
    """What the store must hold for a valid row, parsed here from the row's text."""

    def text(name: str) -> str | None:
        return row[name] or None

    def number(name: str) -> float | None:
        return float(row[name]) if row[name] else None

    root, quad, weight = cameo_table()[row["cameo_code"]]
    added_format = "%Y%m%d%H%M%S" if row.version == 2 else "%Y%m%d"
    return {
        "event_id": row.event_id,
        "origin": f"gdelt{row.version}",
        "event_date": datetime.strptime(row["event_date"], "%Y%m%d").date(),
        **{f"{side}_{part}": text(f"{side}_{part}")
           for side in ("source", "target") for part in ("code", "name", "country", "type")},
        "cameo_code": row["cameo_code"],
        "cameo_root": root,
        "quad_class": quad,
        # GDELT's own weight; the codebook's when the row has none.
        "goldstein": float(row["goldstein"]) if row["goldstein"] else weight,
        "is_root_event": {"0": False, "1": True}[row["is_root_event"]],
        "num_mentions": int(row["num_mentions"]),
        "num_sources": int(row["num_sources"]),
        "num_articles": int(row["num_articles"]),
        "avg_tone": float(row["avg_tone"]),
        "location": text("location"),
        "location_country": text("location_country"),
        "latitude": number("latitude"),
        "longitude": number("longitude"),
        "source_url": text("source_url"),
        "date_added": datetime.strptime(row["date_added"], added_format),
    }  # fmt: skip


def stored_events(store: Store) -> dict[str, dict[str, Any]]:
    cur = store.con.execute(f"SELECT {', '.join(COLUMNS)} FROM events")
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in cur.fetchall()]
    by_id = {r["event_id"]: r for r in rows}
    assert len(by_id) == len(rows), "an event id is stored twice"
    return by_id


def rejects(store: Store) -> list[tuple[int, str, str | None, str | None]]:
    return [
        (int(line), reason, field, raw)
        for line, reason, field, raw in store.con.execute(
            "SELECT line, reason, field, raw FROM rejected ORDER BY line, reason"
        ).fetchall()
    ]


def unique_rows(
    version: int, min_size: int = 1, max_size: int = 25
) -> st.SearchStrategy[list[GdeltRow]]:
    return st.lists(gdelt_rows(version), min_size=min_size, max_size=max_size,
                    unique_by=lambda r: r.event_id)  # fmt: skip


@st.composite
def mixed_files(
    draw: st.DrawFn, version: int, max_size: int = 25
) -> tuple[list[str], list[GdeltRow], dict[int, Corruption]]:
    """Valid rows with some of them corrupted: (lines, valid rows, 1-based line -> corruption)."""
    rows = draw(unique_rows(version, max_size=max_size))
    bad = draw(st.sets(st.integers(0, len(rows) - 1), min_size=1))
    lines: list[str] = []
    valid: list[GdeltRow] = []
    broken: dict[int, Corruption] = {}
    for i, row in enumerate(rows):
        if i in bad:
            c = draw(corrupt(row))
            broken[i + 1] = c
            lines.append(c.line)
        else:
            valid.append(row)
            lines.append(row.line)
    return lines, valid, broken


def assert_stored_exactly(store: Store, rows: Sequence[GdeltRow]) -> None:
    got = stored_events(store)
    assert sorted(got) == sorted(r.event_id for r in rows)
    for row in rows:
        assert got[row.event_id] == expected(row), row.line


# --- round trip ---------------------------------------------------------------------------------


@SETTINGS
@given(
    rows=versions.flatmap(unique_rows),
    ending=st.sampled_from(["\n", "\n", "\r\n"]),
    last_ending=st.booleans(),
)
def test_valid_rows_round_trip(
    workdir: Path, rows: list[GdeltRow], ending: str, last_ending: bool
) -> None:
    path = write(workdir, [r.line for r in rows], ending, last_ending=last_ending)
    with fresh_store() as store:
        rep = ingest_one(store, path)
        assert rep.format == f"gdelt{rows[0].version}"
        assert (rep.read, rep.stored, rep.rejected, rep.duplicates, rep.blank) == (
            len(rows), len(rows), 0, 0, 0,
        )  # fmt: skip
        assert_stored_exactly(store, rows)
        batch = store.con.execute("SELECT DISTINCT batch_id FROM events").fetchall()
        assert batch == [(rep.batch_id,)]


# --- corrupted rows -----------------------------------------------------------------------------


@SETTINGS
@given(version=versions, data=st.data())
def test_corrupted_rows_are_rejected_where_they_are(
    workdir: Path, version: int, data: st.DataObject
) -> None:
    lines, valid, broken = data.draw(mixed_files(version))
    path = write(workdir, lines)
    with fresh_store() as store:
        rep = ingest_one(store, path, fmt=f"gdelt{version}")
        assert (rep.read, rep.stored, rep.rejected, rep.duplicates) == (
            len(lines), len(valid), len(broken), 0,
        )  # fmt: skip
        assert rejects(store) == [(n, c.reason, c.field, c.line) for n, c in sorted(broken.items())]
        assert_stored_exactly(store, valid)
        log = store.con.execute(
            "SELECT read, stored, rejected, duplicates, blank FROM ingest_log"
        ).fetchall()
        assert log == [(len(lines), len(valid), len(broken), 0, 0)]


@SETTINGS
@given(version=versions, data=st.data())
def test_blank_lines_are_not_rows_and_keep_line_numbers(
    workdir: Path, version: int, data: st.DataObject
) -> None:
    lines, valid, broken = data.draw(mixed_files(version, max_size=15))
    # Blank lines (empty or spaces) before rows 2.. and at the end; later lines move down.
    gaps = data.draw(st.lists(
        st.tuples(st.integers(2, len(lines) + 1), st.sampled_from(["", "  "])),
        min_size=1, max_size=6,
    ))  # fmt: skip
    out: list[str] = []
    numbered: dict[int, Corruption] = {}
    for i in range(1, len(lines) + 2):
        out.extend(blank for g, blank in gaps if g == i)
        if i <= len(lines):
            out.append(lines[i - 1])
        if i in broken:
            numbered[len(out)] = broken[i]
    path = write(workdir, out)
    with fresh_store() as store:
        rep = ingest_one(store, path, fmt=f"gdelt{version}")
        # Blank lines are read lines (issue 12): read = stored + rejected + duplicates + blank.
        assert (rep.read, rep.stored, rep.rejected, rep.blank) == (
            len(lines) + len(gaps), len(valid), len(broken), len(gaps),
        )  # fmt: skip
        assert rejects(store) == [(n, c.reason, c.field, c.line)
                                  for n, c in sorted(numbered.items())]  # fmt: skip
        assert_stored_exactly(store, valid)


# --- duplicates ---------------------------------------------------------------------------------


@st.composite
def files_with_repeats(draw: st.DrawFn, version: int) -> list[GdeltRow]:
    """Valid rows where some ids come back with other content, in any order."""
    base = draw(unique_rows(version, max_size=12))
    repeats = draw(st.lists(st.tuples(st.sampled_from(base), gdelt_rows(version)), max_size=10))
    rows = base + [other.with_fields(event_id=first.event_id) for first, other in repeats]
    return list(draw(st.permutations(rows)))


def first_occurrences(rows: Sequence[GdeltRow]) -> list[GdeltRow]:
    seen: dict[str, GdeltRow] = {}
    for r in rows:
        seen.setdefault(r.event_id, r)
    return list(seen.values())


@settings(SETTINGS, max_examples=15)
@given(version=versions, data=st.data())
def test_duplicates_first_occurrence_wins_and_reingest_adds_nothing(
    workdir: Path, version: int, data: st.DataObject
) -> None:
    rows = data.draw(files_with_repeats(version))
    firsts = first_occurrences(rows)
    taken = {r.event_id for r in rows}
    # A few rejected rows too, with ids of their own, so that a re-ingest has rejects to repeat.
    spares = data.draw(unique_rows(version, min_size=0, max_size=3).map(
        lambda rs: [r for r in rs if r.event_id not in taken]))  # fmt: skip
    bad = [data.draw(corrupt(r)).line for r in spares]
    at = data.draw(st.lists(st.integers(0, len(rows)), min_size=len(bad), max_size=len(bad)))
    lines = [r.line for r in rows]
    for pos, text in sorted(zip(at, bad, strict=True), key=lambda p: p[0], reverse=True):
        lines.insert(pos, text)
    fmt = f"gdelt{version}"
    path = write(workdir, lines)
    with fresh_store() as store:
        rep = ingest_one(store, path, fmt=fmt)
        assert (rep.read, rep.stored, rep.rejected, rep.duplicates) == (
            len(lines), len(firsts), len(bad), len(rows) - len(firsts),
        )  # fmt: skip
        assert_stored_exactly(store, firsts)
        assert len(rejects(store)) == len(bad)

        again = ingest_one(store, path, fmt=fmt)
        assert again.stored == 0
        assert again.read == rep.read
        assert again.duplicates + again.rejected == rep.read
        assert_stored_exactly(store, firsts)
        # The repeat records its rejects again, under its own batch (log and table agree).
        assert len(rejects(store)) == 2 * len(bad)
        assert len(set(rejects(store))) == len(bad)  # the same lines, reasons and text twice

        # A second file: some ids of the first (other content), some new ones.
        overlap = data.draw(st.lists(st.tuples(st.sampled_from(firsts), gdelt_rows(version)),
                                     max_size=8, unique_by=lambda p: p[0].event_id))  # fmt: skip
        new = data.draw(unique_rows(version, min_size=0, max_size=8).map(
            lambda rs: [r for r in rs if r.event_id not in taken]))  # fmt: skip
        second = [other.with_fields(event_id=old.event_id) for old, other in overlap] + new
        if not second:
            return
        second = data.draw(st.permutations(second))
        rep2 = ingest_one(store, write(workdir, [r.line for r in second]), fmt=fmt)
        assert (rep2.read, rep2.stored, rep2.rejected, rep2.duplicates) == (
            len(second), len(new), 0, len(overlap),
        )  # fmt: skip
        assert_stored_exactly(store, firsts + new)
        assert len(rejects(store)) == 2 * len(bad)
        log = store.con.execute(
            "SELECT sum(read), sum(stored), sum(rejected), sum(duplicates) FROM ingest_log"
        ).fetchone()
        assert log is not None
        assert log[1] == len(firsts) + len(new)
        assert log[0] == log[1] + log[2] + log[3]


# --- invalid UTF-8 ------------------------------------------------------------------------------


@SETTINGS
@given(version=versions, data=st.data())
def test_invalid_utf8_lines_are_rejected_with_their_line(
    workdir: Path, version: int, data: st.DataObject
) -> None:
    rows = data.draw(unique_rows(version, min_size=2, max_size=20))
    bad = data.draw(st.sets(st.integers(0, len(rows) - 1), min_size=1, max_size=3))
    lines: list[str | bytes] = [
        data.draw(invalid_utf8_line(r)) if i in bad else r.line for i, r in enumerate(rows)
    ]
    valid = [r for i, r in enumerate(rows) if i not in bad]
    path = write(workdir, lines)
    with fresh_store() as store:
        rep = ingest_one(store, path, fmt=f"gdelt{version}")
        assert (rep.read, rep.stored, rep.rejected) == (len(rows), len(valid), len(bad))
        got = [(line, reason) for line, reason, _, _ in rejects(store)]
        assert got == [(i + 1, "invalid_encoding") for i in sorted(bad)]
        assert_stored_exactly(store, valid)


@SETTINGS
@given(version=versions, data=st.data())
def test_rejects_after_an_invalid_utf8_line_keep_their_line(
    workdir: Path, version: int, data: st.DataObject
) -> None:
    rows = data.draw(unique_rows(version, min_size=3, max_size=15))
    # DuckDB's scanner drops the invalid line itself; the pipeline must count it back in.
    i = data.draw(st.integers(0, len(rows) - 2))
    j = data.draw(st.integers(i + 1, len(rows) - 1))
    c = data.draw(corrupt(rows[j]))
    lines: list[str | bytes] = [r.line for r in rows]
    lines[i] = data.draw(invalid_utf8_line(rows[i]))
    lines[j] = c.line
    path = write(workdir, lines)
    with fresh_store() as store:
        rep = ingest_one(store, path, fmt=f"gdelt{version}")
        assert (rep.read, rep.stored, rep.rejected) == (len(rows), len(rows) - 2, 2)
        got = [(line, reason) for line, reason, _, _ in rejects(store)]
        assert got == [(i + 1, "invalid_encoding"), (j + 1, c.reason)]


# --- lenient casts (found by this suite) --------------------------------------------------------


def _one_row(workdir: Path, **values: str) -> list[tuple[str, str | None]]:
    """Ingest one GDELT 2.0 row with ``values``; return its (reason, field) if rejected."""
    row = make_row(2, {
        "event_id": "881990832", "event_date": "20191024", "cameo_code": "040",
        "goldstein": "1.0", "num_mentions": "3", "num_sources": "1", "num_articles": "3",
        "avg_tone": "2.02774813233724", "date_added": "20191024143000", **values,
    })  # fmt: skip
    with fresh_store() as store:
        rep = ingest_one(store, write(workdir, [row.line]), fmt="gdelt2")
        assert rep.read == 1
        return [(reason, field) for _, reason, field, _ in rejects(store)]


@pytest.mark.parametrize("value", ["12.5", "0.5", "0x1A", "1_000"])
def test_fractional_or_hex_counts_are_rejected(workdir: Path, value: str) -> None:
    assert _one_row(workdir, num_mentions=value) == [("bad_number", "num_mentions")]


@pytest.mark.parametrize("value", ["2019111", "2019011"])
def test_short_sqldate_is_rejected(workdir: Path, value: str) -> None:
    assert _one_row(workdir, event_date=value) == [("bad_date", "event_date")]
