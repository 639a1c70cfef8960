"""Bad input never crashes a run and never vanishes: each row is stored, rejected or a duplicate."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from brinkwatch._yaml import MAX_BYTES
from brinkwatch.errors import MappingError, OriginOverrideWarning
from brinkwatch.ingest import ColumnMapping, Format, ingest, parse_map_options, read_mapping
from brinkwatch.ingest._mapping import check_origin
from brinkwatch.store import Store
from tests.conftest import CHRONOLOGY
from tests.yaml_bombs import alias_bomb, bounded, deep_nesting

GDELT2_ROW = (
    "{id}\t20190702\t201907\t2019\t2019.4986\tJPNGOV\tJAPAN\tJPN\t\t\t\t\tGOV\t\t\t"
    "KORBUS\tSOUTH KOREA\tKOR\t\t\t\t\tBUS\t\t\t1\t{code}\t163\t16\t4\t{gold}\t{mentions}\t2\t"
    "10\t-4.21\t1\tJapan\tJA\tJA\t\t36\t138\tJA\t1\tSouth Korea\tKS\tKS\t\t37\t127.5\tKS\t"
    "1\tJapan\tJA\tJA\t\t36\t138\tJA\t20190702093000\thttps://example.org/{id}"
)


def gdelt2(
    i: int, *, code: str = "163", gold: str = "-8.0", mentions: str = "10", date_: str | None = None
) -> str:
    row = GDELT2_ROW.format(id=900000000 + i, code=code, gold=gold, mentions=mentions)
    if date_ is not None:
        fields = row.split("\t")
        fields[1] = date_
        row = "\t".join(fields)
    return row


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rejects(store: Store) -> list[tuple[int, str, str | None]]:
    return [
        (int(line), reason, field)
        for line, reason, field in store.con.execute(
            "SELECT line, reason, field FROM rejected ORDER BY line"
        ).fetchall()
    ]


def test_every_kind_of_bad_row_is_rejected_with_its_line_and_reason(
    tmp_path: Path, store: Store
) -> None:
    good = [gdelt2(i) for i in range(6)]
    truncated = "\t".join(gdelt2(100).split("\t")[:30])
    extra = gdelt2(101) + "\tEXTRA"
    lines = [
        good[0],
        truncated,  # line 2
        gdelt2(102, date_="20191345"),  # line 3: no such day
        gdelt2(103, gold="strong"),  # line 4: non-numeric weight
        good[1],
        gdelt2(104, code="999"),  # line 6: not a CAMEO code
        extra,  # line 7
        gdelt2(105, gold="12.5"),  # line 8: outside -10..10
        gdelt2(106, mentions="many"),  # line 9
        good[2],
        gdelt2(107, date_="18000101"),  # line 11: implausible date
        good[3],
        good[4],
        good[5],
        good[0],  # line 15: same id again
    ]
    path = write_lines(tmp_path / "20190702093000.export.CSV", lines)
    (rep,) = ingest(store, [path]).files
    assert rep.ok, rep.error
    assert (rep.read, rep.stored, rep.rejected, rep.duplicates) == (15, 6, 8, 1)
    assert rejects(store) == [
        (2, "column_count", None),
        (3, "bad_date", "event_date"),
        (4, "bad_number", "goldstein"),
        (6, "unknown_cameo", "cameo_code"),
        (7, "column_count", None),
        (8, "out_of_range", "goldstein"),
        (9, "bad_number", "num_mentions"),
        (11, "bad_date", "event_date"),
    ]
    raw, detail = store.con.execute("SELECT raw, detail FROM rejected WHERE line = 4").fetchall()[0]
    assert raw == lines[3]
    assert "'strong' is not a number" in detail
    detail6 = store.con.execute("SELECT detail FROM rejected WHERE line = 2").fetchall()[0][0]
    assert "expected 61 tab-separated fields, found 30" in detail6


def test_invalid_utf8_is_rejected_and_later_lines_keep_their_numbers(
    tmp_path: Path, store: Store
) -> None:
    lines = [gdelt2(i).encode() for i in range(3)]
    lines.insert(1, gdelt2(50).replace("JAPAN", "JAP\xff").encode("latin-1"))  # line 2
    lines.insert(3, gdelt2(51, code="0000").encode())  # line 4
    path = tmp_path / "bad-utf8.export.CSV"
    path.write_bytes(b"\n".join(lines) + b"\n")
    (rep,) = ingest(store, [path]).files
    assert (rep.read, rep.stored, rep.rejected, rep.duplicates) == (5, 3, 2, 0)
    assert [(line, reason) for line, reason, _ in rejects(store)] == [
        (2, "invalid_encoding"),
        (4, "unknown_cameo"),
    ]


def test_blank_lines_are_not_rows(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "blanks.export.CSV"
    path.write_text(gdelt2(1) + "\n\n" + gdelt2(2) + "\n\n" + gdelt2(3, code="9") + "\n")
    (rep,) = ingest(store, [path]).files
    # Blank lines are read lines: read = stored + rejected + duplicates + blank.
    assert (rep.read, rep.stored, rep.rejected, rep.blank) == (5, 2, 1, 2)
    assert [line for line, _, _ in rejects(store)] == [5]
    # Not even held back in event_rows: only the two stored rows and the rejected one are.
    assert store.con.execute("SELECT count(*) FROM event_rows").fetchall()[0][0] == 3


def test_reingest_of_a_file_with_rejects_adds_no_rows(tmp_path: Path, store: Store) -> None:
    path = write_lines(tmp_path / "x.export.CSV", [gdelt2(1), gdelt2(2, code="999")])
    first = ingest(store, [path]).files[0]
    again = ingest(store, [path]).files[0]
    assert (first.stored, first.rejected) == (1, 1)
    assert (again.read, again.stored, again.rejected, again.duplicates) == (2, 0, 1, 1)
    # Each batch records its own rejects (issue 12: the log and the table must agree), so the
    # bad line is in the table once per run; the events are not repeated.
    per_batch = store.con.execute(
        "SELECT batch_id, count(*), min(line) FROM rejected GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert per_batch == [(first.batch_id, 1, 2), (again.batch_id, 1, 2)]
    assert store.con.execute("SELECT count(*) FROM events").fetchall()[0][0] == 1


def test_overlapping_files_count_the_overlap_as_duplicates(tmp_path: Path, store: Store) -> None:
    a = write_lines(tmp_path / "a.export.CSV", [gdelt2(i) for i in range(0, 10)])
    b = write_lines(tmp_path / "b.export.CSV", [gdelt2(i) for i in range(6, 16)])
    ra, rb = ingest(store, [a, b]).files
    assert (ra.stored, ra.duplicates) == (10, 0)
    assert (rb.read, rb.stored, rb.duplicates) == (10, 6, 4)


def test_empty_and_unknown_files_are_reported_and_the_run_goes_on(
    tmp_path: Path, store: Store
) -> None:
    d = tmp_path / "mixed"
    d.mkdir()
    write_lines(d / "a.export.CSV", [gdelt2(i) for i in range(4)])
    (d / "empty.CSV").write_text("")
    (d / "notes.txt").write_text("analyst notes, not events\nsecond line\n")
    (d / "garbage.zip").write_bytes(b"PK\x03\x04 truncated zip")
    write_lines(
        d / "mine.csv",
        [
            "event_id,event_date,source_country,target_country,cameo_code",
            "e1,2019-08-02,JPN,KOR,1312",
            "e2,2019-08-22,KOR,JPN,161",
        ],
    )
    rep = ingest(store, [d])
    by_name = {Path(f.file.split(":")[0]).name: f for f in rep.files}
    assert by_name["a.export.CSV"].stored == 4
    assert by_name["mine.csv"].stored == 2  # canonical header: no mapping needed
    for bad, words in [
        ("empty.CSV", "empty"),
        ("notes.txt", "cannot tell the format"),
        ("garbage.zip", "zip"),
    ]:
        assert not by_name[bad].ok
        assert words in (by_name[bad].error or "")
    assert rep.read == rep.stored + rep.rejected + rep.duplicates == 6


def test_forcing_the_wrong_format_rejects_rows_instead_of_crashing(
    tmp_path: Path, store: Store
) -> None:
    path = write_lines(tmp_path / "x.export.CSV", [gdelt2(i) for i in range(3)])
    (rep,) = ingest(store, [path], fmt=Format.GDELT1).files
    assert (rep.read, rep.stored, rep.rejected) == (3, 0, 3)
    assert {r for _, r, _ in rejects(store)} == {"column_count"}


def test_csv_without_ids_gets_content_ids_so_reingest_finds_duplicates(
    tmp_path: Path, store: Store
) -> None:
    path = write_lines(
        tmp_path / "notes.csv",
        [
            "when;who;whom;code;note",
            "2019-07-01;JPN;KOR;163;export controls announced",
            "2019-08-02;JPN;KOR;1312;whitelist removal decided",
            "2019-08-99;KOR;JPN;161;typo",
        ],
    )
    m = parse_map_options(
        [
            "event_date=when",
            "source_country=who",
            "target_country=whom",
            "cameo_code=code",
            "description=note",
            "source_type==GOV",
        ]
    )
    m = ColumnMapping(columns=m.columns, constants=m.constants, delimiter=";", origin="notes")
    (first,) = ingest(store, [path], mapping=m).files
    assert (first.read, first.stored, first.rejected) == (3, 2, 1)
    assert rejects(store) == [(4, "bad_date", "event_date")]
    (again,) = ingest(store, [path], mapping=m).files
    assert (again.stored, again.duplicates) == (0, 2)
    rows = store.con.execute(
        "SELECT origin, source_country, source_type, cameo_root, quad_class FROM events "
        "ORDER BY event_date"
    ).fetchall()
    assert rows == [("notes", "JPN", "GOV", "16", 4), ("notes", "JPN", "GOV", "13", 3)]


def test_mapping_errors_name_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("origin: csv\ncolumns:\n  event_date: Day\n  cameo: Code\n")
    with pytest.raises(MappingError) as exc:
        read_mapping(bad)
    msg = str(exc.value)
    assert f"{bad}:4" in msg and "'cameo' is not a canonical event field" in msg
    bad.write_text("colums: {}\n")
    with pytest.raises(MappingError, match="unknown key 'colums'"):
        read_mapping(bad)
    bad.write_text("columns: {event_id: ID}\n")
    with pytest.raises(MappingError, match="event_date, cameo_code"):
        read_mapping(bad)
    with pytest.raises(MappingError, match="FIELD=COLUMN"):
        parse_map_options(["event_date"])


def test_mapping_that_names_absent_columns_lists_the_real_ones(
    tmp_path: Path, store: Store
) -> None:
    path = write_lines(tmp_path / "x.csv", ["Day,Code", "2019-01-01,010"])
    m = parse_map_options(["event_date=Date", "cameo_code=Code"])
    (rep,) = ingest(store, [path], mapping=m).files
    assert not rep.ok
    assert "event_date -> 'Date'" in (rep.error or "") and "Columns found: Day, Code" in (
        rep.error or ""
    )


def test_a_leading_blank_line_does_not_hide_the_format(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "x.export.CSV"
    path.write_text("\n\n" + gdelt2(1) + "\n" + gdelt2(2) + "\n")
    (rep,) = ingest(store, [path]).files
    assert rep.ok, rep.error
    assert (rep.format, rep.read, rep.stored, rep.blank) == ("gdelt2", 4, 2, 2)
    again = ingest(store, [path]).files[0]
    assert (again.read, again.duplicates, again.blank) == (4, 2, 2)


def _table_bytes(store: Store) -> int:
    rows = store.con.execute(
        "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'"
    ).fetchall()
    return int(rows[0][0])


def test_the_table_cache_trimmer_evicts_written_blocks_and_restores_the_limit(
    file_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brinkwatch.store import _writer as _pipeline  # the store owns the trimmer now

    con = file_store.con
    con.execute("SET memory_limit = '1GB'")
    before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute(
        "CREATE TABLE filler AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS s "
        "FROM range(3000000) t(i)"
    )
    con.execute("CHECKPOINT")
    con.execute("SELECT count(DISTINCT s) FROM filler").fetchall()  # read it all into the cache
    cached = _table_bytes(file_store)
    assert cached > 100 * 10**6
    monkeypatch.setattr(_pipeline, "TRIM_EVERY_S", 0.05)
    monkeypatch.setattr(_pipeline, "TRIM_HEADROOM", 16 * 10**6)
    with _pipeline._trimming_table_cache(con, "1GB"):
        time.sleep(0.6)  # the side connection trims while the main one is busy (here: idle)
    # What stays cached is at most about the headroom.
    left = _table_bytes(file_store)
    assert left < 40 * 10**6 < cached / 2
    assert con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == before
    # Nothing was lost: the evicted blocks come back from disk.
    assert con.execute("SELECT count(*) FROM filler").fetchall()[0][0] == 3_000_000


def test_large_files_ingest_the_same_with_the_trimmer_on(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brinkwatch.store import _writer as _pipeline  # the store owns the trimmer now
    from brinkwatch.store import connect

    src = shared_data / "gdelt/20191024143000.export.CSV"
    results = []
    for trim in (False, True):
        if trim:
            monkeypatch.setattr(_pipeline, "TRIM_MIN_BYTES", 0)
            monkeypatch.setattr(_pipeline, "TRIM_EVERY_S", 0.001)
            monkeypatch.setattr(_pipeline, "TRIM_HEADROOM", 0)
        s = connect(tmp_path / f"t{trim}.duckdb")
        rep = ingest(s, [src])
        rows = s.con.execute(
            "SELECT event_id, event_date, cameo_code, goldstein FROM events ORDER BY event_id"
        ).fetchall()
        limit = s.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        s.close()
        results.append((rep.read, rep.stored, rep.rejected, rows, limit))
    assert results[0] == results[1]
    assert results[0][0] == 2111


# ------------------------------------------------------ hostile mapping files (D4, D6, D8)

_COLUMNS = "columns: {event_id: ID, event_date: Day, cameo_code: Code}\n"


def test_mapping_alias_bomb_fails_fast_naming_file_and_line(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb("delimiter", before=_COLUMNS))
    with bounded(seconds=1.0, megabytes=20), pytest.raises(MappingError) as exc:
        read_mapping(bomb)
    assert exc.value.path == str(bomb) and exc.value.line is not None
    assert "alias" in exc.value.message and len(str(exc.value)) < 400


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (_COLUMNS + "origin: !!python/object/apply:os.system [echo hi]\n", 2, None, "tag"),
        (_COLUMNS + "date_format: 20190101\n", 2, "date_format", "strptime format"),
        (_COLUMNS + 'date_format: ["%Y", 7]\n', 2, "date_format", "strptime format"),
        (_COLUMNS + deep_nesting("constants"), 66, None, "nesting deeper than 64"),
        (_COLUMNS + "delimiter: " + "x" * 100_000 + "\n", 2, "delimiter", "one character"),
        (_COLUMNS + "origin: [notes]\n", 2, "origin", "lowercase label"),
        (_COLUMNS + "header: false\n", 2, "header", "first line"),
    ],
)
def test_hostile_mappings_give_a_clean_error_with_line_and_field(
    tmp_path: Path, text: str, line: int, field: str | None, words: str
) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text(text)
    with pytest.raises(MappingError) as exc:
        read_mapping(bad)
    assert (exc.value.path, exc.value.line, exc.value.field) == (str(bad), line, field)
    assert words in exc.value.message and len(str(exc.value)) < 600


def test_header_true_is_the_default_and_accepted(tmp_path: Path, store: Store) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(_COLUMNS + "header: true\norigin: notes\n")
    csv = write_lines(tmp_path / "x.csv", ["ID,Day,Code", "n1,2019-07-01,163"])
    (rep,) = ingest(store, [csv], mapping=read_mapping(m)).files
    assert (rep.read, rep.stored) == (1, 1)


def test_mapping_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(_COLUMNS + "# " + "x" * MAX_BYTES + "\n")
    with pytest.raises(MappingError, match="limit for YAML files") as exc:
        read_mapping(big)
    assert exc.value.path == str(big)


# ---------------------------------------------------------------- origins are honest


def test_a_user_mapping_cannot_claim_a_built_in_origin(tmp_path: Path, store: Store) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(_COLUMNS + "origin: gdelt2\n")
    csv = write_lines(tmp_path / "x.csv", ["ID,Day,Code", "900000001,2019-07-01,163"])
    with pytest.raises(MappingError, match="--origin-override") as exc:
        ingest(store, [csv], mapping=read_mapping(m))
    assert exc.value.field == "origin"
    assert store.con.execute("SELECT count(*) FROM events").fetchone() == (0,)
    with pytest.warns(OriginOverrideWarning, match="gdelt2"):
        (rep,) = ingest(store, [csv], mapping=read_mapping(m), origin_override=True).files
    assert rep.stored == 1
    assert store.con.execute("SELECT origin FROM events").fetchall() == [("gdelt2",)]


def test_the_bundled_chronology_mapping_may_claim_its_origin(tmp_path: Path) -> None:
    shipped = CHRONOLOGY / "chronology.yaml"
    assert read_mapping(shipped).origin == "chronology" and read_mapping(shipped).bundled
    check_origin(read_mapping(shipped))  # no override needed
    # A copy is the same mapping; an edited copy is the user's own.
    copy = tmp_path / "chronology.yaml"
    copy.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    check_origin(read_mapping(copy))
    copy.write_text(shipped.read_text(encoding="utf-8") + "  source_name: citation\n")
    with pytest.raises(MappingError, match="built-in origins"):
        check_origin(read_mapping(copy))
    merged = read_mapping(shipped).merged(parse_map_options(["source_name=citation"]))
    with pytest.raises(MappingError, match="built-in origins"):
        check_origin(merged)
