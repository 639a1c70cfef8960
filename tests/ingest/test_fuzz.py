"""Fuzzing every reader: hostile bytes end stored, rejected with a reason, or a clean error.

Seeds are real rows from ``../shared/data`` (GDELT 1.0 and 2.0, ICEWS, a pandas re-export with
its mapping) and synthetic ones from ``tests/strategies.py``; :func:`strategies.hostile_bytes`
truncates them, adds BOMs, CRLF, NULs, invalid UTF-8, stray quotes, blank lines and garbage.
Each file goes through :func:`brinkwatch.ingest.ingest`, plain, gzipped or zipped, into one
store per module, and :func:`check_file` holds the promise of the store for it:

* the file failed with an error message (and stored nothing), or
* ``read == stored + rejected + duplicates + blank``, ``ingest_log`` says the same, the
  ``events`` view holds ``stored`` rows of the batch, and every rejected line has the file, a
  physical line number inside the file and a reason, one per line, as many as ``rejected``.

Hostile files too large for a test process (lines of tens of MB, archives that expand to
gigabytes) go through the CLI in a subprocess bounded in memory, file size and time
(``tests/hostile.py``).
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import random
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brinkwatch.ingest import ColumnMapping, FileReport, ingest, read_mapping
from brinkwatch.store import Store, connect

from .. import hostile
from ..strategies import UTF8_BOM, gdelt_rows, hostile_bytes, random_row, tricky_texts

ROOT = Path(__file__).resolve().parents[2]
PANDAS_MAPPING = ROOT / "docs/examples/gdelt-pandas-export.yaml"

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(SETTINGS, max_examples=15)

_n = itertools.count()


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_store() -> Iterator[Store]:
    """One in-memory store for the module: each file is checked by its own batch."""
    s = connect(":memory:")
    yield s
    s.close()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _head(path: Path, n: int, *, skip: int = 0) -> bytes:
    with path.open("rb") as fh:
        lines = fh.read().split(b"\n")
    return b"\n".join(lines[skip : skip + n]) + b"\n"


class Seeds(dict[str, bytes]):
    """The seed files by kind; a short repr keeps Hypothesis' failure reports readable."""

    def __repr__(self) -> str:
        return f"<seeds {', '.join(f'{k}: {len(v)} bytes' for k, v in self.items())}>"


@pytest.fixture(scope="module")
def seeds(shared_data: Path) -> Seeds:
    """Small real files: a dozen rows of each format, as the publisher wrote them."""
    g1 = (shared_data / "gdelt/gdelt1_events_sample.tsv").read_bytes().split(b"\n")
    g1_57 = [ln for ln in g1 if ln.count(b"\t") == 56][:4]
    g1_58 = [ln for ln in g1 if ln.count(b"\t") == 57][:8]
    return Seeds(
        {
            "gdelt2": _head(shared_data / "gdelt/20191024143000.export.CSV", 12),
            "gdelt1": b"\n".join(g1_58 + g1_57) + b"\n",
            "icews": _head(shared_data / "icews/events.2018.sample.tab", 13),
            "csv": _head(shared_data / "gdelt/pandas-export-202011/20201113.csv", 13),
        }
    )


#: Name of each seed's file (the GDELT name lets format detection see a GDELT export).
SEED_NAMES = {
    "gdelt2": "20191024143000.export.CSV",
    "gdelt1": "events.tsv",
    "icews": "events.2018.tab",
    "csv": "20201113.csv",
}


def _mapping_for(kind: str) -> ColumnMapping | None:
    # The example claims GDELT's own origin (gdelt2), which takes --origin-override; the fuzz
    # is about reading the bytes, so the rows get an origin of their own.
    return replace(read_mapping(PANDAS_MAPPING), origin="pandas") if kind == "csv" else None


# --- the invariant ------------------------------------------------------------------------------


def physical_lines(data: bytes) -> int:
    """Lines in ``data`` by any convention (LF, CRLF, CR); a last line may lack its ending."""
    if not data:
        return 0
    return len(re.split(rb"\r\n|\r|\n", data.removesuffix(b"\n").removesuffix(b"\r")))


def check_file(store: Store, rep: FileReport, *, max_line: int | None = None) -> None:
    """Hold the store's promise for one file's report (see the module docstring)."""
    if not rep.ok:
        assert isinstance(rep.error, str) and rep.error.strip(), rep
        assert "Traceback" not in rep.error, rep.error
        assert rep.batch_id is None, f"a failed file has a batch: {rep}"
        return
    counts = (rep.read, rep.stored, rep.rejected, rep.duplicates, rep.blank)
    assert min(counts) >= 0, rep
    assert rep.read == rep.stored + rep.rejected + rep.duplicates + rep.blank, (
        f"read {rep.read} != stored {rep.stored} + rejected {rep.rejected} + duplicates "
        f"{rep.duplicates} + blank {rep.blank}: {rep.file}"
    )
    con = store.con
    log = con.execute(
        "SELECT file, read, stored, rejected, duplicates, blank, fingerprint, signature "
        "FROM ingest_log WHERE batch_id = ?",
        [rep.batch_id],
    ).fetchall()
    assert len(log) == 1, f"ingest_log has {len(log)} rows for batch {rep.batch_id}"
    file, *logged, fp, sig = log[0]
    assert file == rep.file
    assert tuple(logged) == counts, f"ingest_log {logged} != report {counts}"
    events = con.execute("SELECT count(*) FROM events WHERE batch_id = ?", [rep.batch_id])
    assert events.fetchall()[0][0] == rep.stored
    rows = con.execute(
        "SELECT file, line, reason, field FROM rejected WHERE batch_id = ? ORDER BY line",
        [rep.batch_id],
    ).fetchall()
    for r_file, line, reason, _ in rows:
        assert r_file == rep.file, rows
        assert isinstance(line, int) and line >= 1, rows
        if max_line is not None:
            assert line <= max_line, f"reject line {line} past the file's {max_line} lines"
        assert isinstance(reason, str) and reason.strip(), rows
    lines = [r[1] for r in rows]
    assert len(lines) == len(set(lines)), f"one line rejected twice: {rows}"
    if not rows and rep.rejected:
        # A re-read of bytes already ingested the same way: its rejects are the first batch's.
        first = con.execute(
            "SELECT min(batch_id) FROM ingest_log WHERE fingerprint = ? AND signature = ?",
            [fp, sig],
        ).fetchall()[0][0]
        assert first is not None and first != rep.batch_id, (
            f"{rep.rejected} rows rejected but none in the rejected table: {rep.file}"
        )
        (earlier,) = con.execute(
            "SELECT count(DISTINCT line) FROM rejected WHERE batch_id = ?", [first]
        ).fetchall()[0]
        assert earlier == rep.rejected, (
            f"ingest_log says {rep.rejected} rejected, the rejected table {earlier}: {rep.file}"
        )
    else:
        assert len(rows) == rep.rejected, (
            f"ingest_log says {rep.rejected} rejected, the rejected table {len(rows)}: "
            f"{rep.file}: {rows[:5]}"
        )


def ingest_bytes(
    store: Store,
    workdir: Path,
    data: bytes,
    name: str,
    *,
    fmt: str = "auto",
    mapping: ColumnMapping | None = None,
    wrap: str = "plain",
) -> list[FileReport]:
    """Write ``data`` as ``name`` (plain, gzipped or in a zip), ingest it, check every file."""
    d = workdir / f"case-{next(_n)}"
    d.mkdir()
    if wrap == "gz":
        path = d / f"{name}.gz"
        path.write_bytes(gzip.compress(data, mtime=0))
    elif wrap == "zip":
        path = hostile.zip_members(d / f"{name}.zip", [(name, data)])
    else:
        path = d / name
        path.write_bytes(data)
    report = ingest(store, [path], fmt=fmt, mapping=mapping)
    assert report.files, "ingest reported no file at all"
    for rep in report.files:
        check_file(store, rep, max_line=physical_lines(data) if wrap != "raw" else None)
    return report.files


# --- hostile edits of real rows -----------------------------------------------------------------

KINDS = ["gdelt2", "gdelt1", "icews", "csv"]


@pytest.mark.parametrize("kind", KINDS)
@SETTINGS
@given(data=st.data())
def test_hostile_edits_of_real_rows_are_accounted_for(
    kind: str, data: st.DataObject, seeds: Seeds, fuzz_store: Store, workdir: Path
) -> None:
    mangled = data.draw(hostile_bytes(seeds[kind]), label="bytes")
    wrap = data.draw(st.sampled_from(["plain", "plain", "gz", "zip"]), label="wrap")
    fmt = data.draw(st.sampled_from(["auto", kind]), label="fmt")
    ingest_bytes(
        fuzz_store,
        workdir,
        mangled,
        SEED_NAMES[kind],
        fmt=fmt,
        mapping=_mapping_for(kind),
        wrap=wrap,
    )


@pytest.mark.parametrize("version", [1, 2])
@SETTINGS
@given(data=st.data())
def test_hostile_edits_of_synthetic_gdelt_rows_are_accounted_for(
    version: int, data: st.DataObject, fuzz_store: Store, workdir: Path
) -> None:
    rows = data.draw(st.lists(gdelt_rows(version), min_size=1, max_size=6), label="rows")
    clean = ("\n".join(r.line for r in rows) + "\n").encode()
    mangled = data.draw(hostile_bytes(clean), label="bytes")
    ingest_bytes(
        fuzz_store,
        workdir,
        mangled,
        "20190701000000.export.CSV",
        fmt=data.draw(st.sampled_from(["auto", f"gdelt{version}"])),
    )


@SETTINGS
@given(
    blob=st.binary(max_size=2048),
    suffix=st.sampled_from([".CSV", ".csv", ".tab", ".tsv", ".txt", ".gz", ".zip", ".parquet"]),
    fmt=st.sampled_from(["auto", "gdelt1", "gdelt2", "icews", "csv", "parquet"]),
)
def test_random_bytes_under_any_name_and_format_end_cleanly(
    blob: bytes, suffix: str, fmt: str, fuzz_store: Store, workdir: Path
) -> None:
    mapping = ColumnMapping(
        columns={"event_id": "id", "event_date": "day", "cameo_code": "code"}, source="fuzz"
    )
    ingest_bytes(
        fuzz_store,
        workdir,
        blob,
        f"random{suffix}",
        fmt=fmt,
        mapping=mapping if fmt in ("csv", "parquet") else None,
        wrap="raw",
    )


@pytest.mark.parametrize("kind", ["gdelt2", "icews"])
@FEW
@given(data=st.data())
def test_damaged_archives_end_cleanly(
    kind: str, data: st.DataObject, seeds: Seeds, fuzz_store: Store, workdir: Path
) -> None:
    """The archive itself is damaged (truncated, garbage inside), not only its content."""
    wrap = data.draw(st.sampled_from(["gz", "zip"]))
    if wrap == "gz":
        packed = gzip.compress(seeds[kind], mtime=0)
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(SEED_NAMES[kind], seeds[kind])
        packed = buf.getvalue()
    damaged = data.draw(hostile_bytes(packed, max_edits=2))
    ingest_bytes(fuzz_store, workdir, damaged, f"{SEED_NAMES[kind]}.{wrap}", wrap="raw")


# --- Parquet ------------------------------------------------------------------------------------

PARQUET_MAPPING = ColumnMapping(
    columns={"event_id": "id", "event_date": "day", "cameo_code": "code", "description": "text"},
    origin="fuzzpq",
    source="fuzz",
)


@FEW
@given(
    texts=st.lists(tricky_texts(), min_size=1, max_size=8),
    codes=st.lists(
        st.sampled_from(["163", "042", "999", "", "0x1", "190"]), min_size=8, max_size=8
    ),
    days=st.lists(
        st.sampled_from(["2019-07-01", "20190701", "2019-02-30", "", "x"]), min_size=8, max_size=8
    ),
    damage=st.booleans(),
    data=st.data(),
)
def test_parquet_rows_and_damaged_parquet_end_cleanly(
    texts: list[str],
    codes: list[str],
    days: list[str],
    damage: bool,
    data: st.DataObject,
    fuzz_store: Store,
    workdir: Path,
) -> None:
    n = len(texts)
    table = pa.table(
        {
            "id": [f"pq-{next(_n)}" for _ in range(n)],
            "day": days[:n],
            "code": codes[:n],
            "text": texts,
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    blob = buf.getvalue()
    if damage:
        blob = data.draw(hostile_bytes(blob, max_edits=2))
    (rep,) = ingest_bytes(
        fuzz_store, workdir, blob, "events.parquet", mapping=PARQUET_MAPPING, wrap="raw"
    )
    if not damage:
        assert rep.ok, rep.error
        assert rep.read == n


# --- what the edits must not change -------------------------------------------------------------


def _stored(store: Store, rep: FileReport) -> list[tuple[object, ...]]:
    return store.con.execute(
        "SELECT event_id, event_date, cameo_code, source_code, target_code, goldstein, location "
        "FROM events WHERE batch_id = ? ORDER BY event_id",
        [rep.batch_id],
    ).fetchall()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("variant", ["bom", "crlf", "bom+crlf"])
def test_a_bom_or_crlf_stores_the_same_events(
    kind: str, variant: str, seeds: Seeds, tmp_path: Path
) -> None:
    """D7: a UTF-8 BOM (or Windows line ends) changes nothing about the events stored."""
    clean = seeds[kind]
    other = clean.replace(b"\n", b"\r\n") if "crlf" in variant else clean
    other = UTF8_BOM + other if "bom" in variant else other
    results = []
    for data, tag in ((clean, "clean"), (other, variant)):
        d = tmp_path / tag
        d.mkdir()
        (d / SEED_NAMES[kind]).write_bytes(data)
        with connect(":memory:") as s:
            (rep,) = ingest(s, [d / SEED_NAMES[kind]], mapping=_mapping_for(kind)).files
            assert rep.ok, f"{tag}: {rep.error}"
            check_file(s, rep, max_line=physical_lines(data))
            results.append((rep.stored, rep.rejected, _stored(s, rep)))
    assert results[1] == results[0]
    assert results[0][0] > 0


def _csv_bytes(rows: list[list[str]], quoting: int) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=quoting, lineterminator="\n")
    w.writerow(["id", "day", "code", "text", "who"])
    w.writerows(rows)
    return buf.getvalue().encode()


@SETTINGS
@given(
    texts=st.lists(
        tricky_texts().filter(lambda t: t.strip() == t and t != ""), min_size=1, max_size=10
    ),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
)
def test_mapped_csv_stores_quoted_text_exactly(
    texts: list[str], quoting: int, fuzz_store: Store, workdir: Path
) -> None:
    """D1: ``"He said ""hi"" to them"`` is stored as ``He said "hi" to them``."""
    tag = next(_n)
    rows = [[f"q{tag}-{i}", "2019-07-01", "163", t, "JAPAN"] for i, t in enumerate(texts)]
    mapping = ColumnMapping(
        columns={
            "event_id": "id",
            "event_date": "day",
            "cameo_code": "code",
            "description": "text",
            "source_name": "who",
        },
        origin="fuzzcsv",
        delimiter=",",
        source="fuzz",
    )
    data = _csv_bytes(rows, quoting)
    (rep,) = ingest_bytes(fuzz_store, workdir, data, "quotes.csv", mapping=mapping)
    assert rep.ok, rep.error
    assert (rep.stored, rep.rejected) == (len(rows), 0)
    got = dict(
        fuzz_store.con.execute(
            "SELECT event_id, description FROM events WHERE batch_id = ?", [rep.batch_id]
        ).fetchall()
    )
    assert got == {r[0]: r[3] for r in rows}


def test_remapping_keeps_the_rejected_table_and_ingest_log_in_agreement(
    tmp_path: Path,
) -> None:
    """The same bytes read under another mapping: each batch's rejects are in the table."""
    rows = [
        ["r1", "2019-07-01", "163", "20190701"],
        ["r2", "2019-07-01", "999", "x"],
        ["r3", "bad", "163", "20190702"],
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["id", "iso", "code", "compact"], *rows])
    path = tmp_path / "remap.csv"
    path.write_text(buf.getvalue())
    by_iso = ColumnMapping(
        columns={"event_id": "id", "event_date": "iso", "cameo_code": "code"},
        origin="remap",
        source="iso",
    )
    by_compact = ColumnMapping(
        columns={"event_id": "id", "event_date": "compact", "cameo_code": "code"},
        origin="remap2",
        date_format=("%Y%m%d",),
        source="compact",
    )
    with connect(":memory:") as s:
        (a,) = ingest(s, [path], mapping=by_iso).files
        (b,) = ingest(s, [path], mapping=by_compact).files
        for rep in (a, b):
            assert rep.ok, rep.error
            check_file(s, rep, max_line=4)
        # By ISO date r3's "bad" is rejected; by the compact column it is a valid 20190702.
        assert (a.stored, a.rejected, b.stored, b.rejected) == (1, 2, 2, 1)


def test_a_file_changed_in_the_middle_is_read_again(tmp_path: Path) -> None:
    """D2: same size, same first and last MiB, other ids in the middle: new rows are stored."""
    rng = random.Random(12)
    rows = [random_row(rng, 2) for _ in range(13000)]
    lines = [r.line.encode() for r in rows]
    assert sum(len(x) + 1 for x in lines) > 3 * 2**20
    path = tmp_path / "20190701000000.export.CSV"
    path.write_bytes(b"\n".join(lines) + b"\n")
    mid = range(6000, 6100)
    changed = list(lines)
    for i in mid:  # same width: the id's first digit 1..9 -> another digit 1..9
        old = changed[i]
        first = str((int(old[:1]) % 9) + 1).encode()
        changed[i] = first + old[1:]
    with connect(":memory:") as s:
        (a,) = ingest(s, [path]).files
        path.write_bytes(b"\n".join(changed) + b"\n")
        (b,) = ingest(s, [path]).files
        for rep in (a, b):
            assert rep.ok, rep.error
            check_file(s, rep)
        new_ids = {changed[i].split(b"\t")[0].decode() for i in mid}
        old_ids = {r.event_id for r in rows}
        fresh = len(new_ids - old_ids)
        assert fresh > 50
        assert b.stored == fresh, (a, b)


def test_blank_lines_are_counted_not_stored(fuzz_store: Store, workdir: Path) -> None:
    """D5: 200,000 blank lines in 1 KB of gzip are counted as blank, not kept as rows."""
    rng = random.Random(5)
    rows = b"".join(random_row(rng, 2).line.encode() + b"\n" for _ in range(3))
    before = fuzz_store.con.execute("SELECT count(*) FROM event_rows").fetchall()[0][0]
    (rep,) = ingest_bytes(
        fuzz_store, workdir, rows + b"\n" * 200_000, "20190701000000.export.CSV", wrap="gz"
    )
    assert rep.ok, rep.error
    assert (rep.stored, rep.blank) == (3, 200_000)
    after = fuzz_store.con.execute("SELECT count(*) FROM event_rows").fetchall()[0][0]
    assert after - before < 1_000, f"{after - before} rows kept for 3 events"


# --- files too big for the test process: the CLI in a bounded subprocess ------------------------


def _gdelt_lines(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [random_row(rng, 2).line.encode() for _ in range(n)]


def _cli_ingest(
    tmp_path: Path, path: Path, *, timeout: float = hostile.TIME_LIMIT
) -> tuple[hostile.CliResult, Path]:
    db = tmp_path / "store.duckdb"
    spill = tmp_path / "spill"
    spill.mkdir(exist_ok=True)
    res = hostile.run_cli(["ingest", "--json", "--db", db, path], tmp=spill, timeout=timeout)
    hostile.assert_clean(res)
    return res, db


def _check_cli_report(res: hostile.CliResult, db: Path, max_line: int | None) -> list[FileReport]:
    """The ``--json`` report is an object, and the store agrees with it file by file."""
    report = res.json()
    assert isinstance(report, dict), res.describe()
    files = [FileReport(**f) for f in report["files"]]
    with connect(db, read_only=True) as s:
        for rep in files:
            check_file(s, rep, max_line=max_line)
    return files


@pytest.mark.parametrize("mb", [20, 40])
def test_a_huge_line_is_rejected_and_later_lines_keep_their_numbers(
    mb: int, tmp_path: Path
) -> None:
    """D3: a line of tens of MB is read and rejected; the line numbers after it stay right."""
    good = _gdelt_lines(5, mb)
    bad = good[4].replace(b"\t", b"\tX", 1)  # "X2019...": a bad date
    path = hostile.write_huge_line(
        tmp_path / "20190701000000.export.CSV", good[:3], mb * hostile.MiB, [good[3], bad]
    )
    res, db = _cli_ingest(tmp_path, path)
    assert res.returncode == 0, res.describe()
    (rep,) = _check_cli_report(res, db, max_line=6)
    assert (rep.read, rep.stored, rep.rejected) == (6, 4, 2), rep
    with connect(db, read_only=True) as s:
        lines = [r[0] for r in s.con.execute("SELECT line FROM rejected ORDER BY line").fetchall()]
    assert lines == [4, 6]


def test_a_zip_bomb_is_refused_naming_its_member(tmp_path: Path) -> None:
    """D5: 2 GiB of zeros in a 2 MB zip ends in a clear error, without writing gigabytes."""
    head = b"\n".join(_gdelt_lines(2, 7)) + b"\n"
    path = hostile.zip_of_repeats(
        tmp_path / "bomb.zip",
        "20190701000000.export.CSV",
        b"\0" * (16 * hostile.MiB),
        128,
        head=head,
    )
    assert path.stat().st_size < 4 * hostile.MiB
    res, _ = _cli_ingest(tmp_path, path)
    assert res.returncode == 1, res.describe()
    assert "20190701000000.export.CSV" in res.stderr + res.stdout, res.describe()
    spilled = sum(f.stat().st_size for f in (tmp_path / "spill").rglob("*") if f.is_file())
    assert spilled < 64 * hostile.MiB


def test_a_zip_of_many_members_is_accounted_member_by_member(tmp_path: Path) -> None:
    """Many members, some with hostile names (.., absolute, nested): each is one checked file."""
    lines = _gdelt_lines(120, 8)
    members = [(f"part-{i:03d}.export.CSV", lines[i] + b"\n") for i in range(100)]
    members += [
        ("../../escape.export.CSV", lines[100] + b"\n"),
        ("/abs/path.export.CSV", lines[101] + b"\n"),
        ("deep/er/dir/x.export.CSV", lines[102] + b"\n"),
        ("empty.export.CSV", b""),
        ("garbage.bin", bytes(range(256))),
    ]
    path = hostile.zip_members(tmp_path / "many.zip", members)
    res, db = _cli_ingest(tmp_path, path, timeout=120)
    files = _check_cli_report(res, db, max_line=None)
    assert sum(f.stored for f in files) == 103
    assert not (tmp_path / "escape.export.CSV").exists()
    assert not Path("/abs/path.export.CSV").exists()


@pytest.mark.slow
def test_a_gzip_of_twenty_million_newlines_ends_quickly(tmp_path: Path) -> None:
    """D5: a 20 KB gzip of newlines is refused (ratio) or counted as blank, not 20M rows."""
    head = b"\n".join(_gdelt_lines(2, 9)) + b"\n"
    path = hostile.gzip_of_repeats(
        tmp_path / "20190701000000.export.CSV.gz", b"\n" * 2**20, 20, head=head
    )
    res, db = _cli_ingest(tmp_path, path, timeout=60)
    if res.returncode == 0:
        (rep,) = _check_cli_report(res, db, max_line=None)
        assert rep.stored == 2
        with connect(db, read_only=True) as s:
            (n,) = s.con.execute("SELECT count(*) FROM event_rows").fetchall()[0]
        assert n < 1_000


@pytest.mark.slow
def test_a_gigabyte_line_inside_a_gzip_is_rejected_or_refused(tmp_path: Path) -> None:
    """D3: 1 GiB in one line of a 1 MB gzip: rejected with a reason, or a clear size error."""
    good = _gdelt_lines(3, 10)
    path = hostile.gzip_of_repeats(
        tmp_path / "20190701000000.export.CSV.gz",
        b"x" * 2**24,
        64,
        head=good[0] + b"\n",
        tail=b"\n" + good[1] + b"\n" + good[2] + b"\n",
    )
    res, db = _cli_ingest(tmp_path, path, timeout=120)
    if res.returncode == 0:
        (rep,) = _check_cli_report(res, db, max_line=4)
        assert (rep.read, rep.stored, rep.rejected) == (4, 3, 1), rep


@pytest.mark.parametrize(
    "name, data",
    [
        ("nul.export.CSV", b"\0" * 4096),
        ("bom-only.csv", UTF8_BOM),
        ("crlf-only.tab", b"\r\n" * 100),
        ("header-only.tab", b"Event ID\tEvent Date\tCAMEO Code\n"),
        ("binary.gz", b"\x1f\x8b\x08\x00garbage"),
        ("empty.zip", b"PK\x05\x06" + b"\0" * 18),
        ("not.parquet", b"PAR1" + b"\0" * 100),
    ],
)
def test_cli_ingest_json_is_an_object_even_when_a_file_fails(
    name: str, data: bytes, tmp_path: Path
) -> None:
    """D6: ``ingest --json`` prints one JSON object, also when files fail, and never a trace."""
    path = tmp_path / name
    path.write_bytes(data)
    res, db = _cli_ingest(tmp_path, path)
    assert isinstance(res.json(), dict), res.describe()
    if res.returncode == 0:
        _check_cli_report(res, db, max_line=physical_lines(data))
