"""File identity by content, compressed input within a budget, vanished files, per-batch rejects.

Regression tests for issue 12 (D2, D5, D6 and "rejected and ingest_log disagree"), each built
from a file like the one that showed the defect.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from pathlib import Path

import psutil
import pytest

from brinkwatch.errors import ConfigError
from brinkwatch.ingest import ColumnMapping, Format, ingest, parse_map_options
from brinkwatch.ingest._pipeline import fingerprint
from brinkwatch.store import Store

from .test_bad_input import gdelt2, write_lines

MIB = 1 << 20


def _real_rows(shared_data: Path, copies: int) -> list[str]:
    """The real GDELT 2.0 export's rows, ``copies`` times, renumbered 1000000000, 1000000001..."""
    src = (shared_data / "gdelt/20191024143000.export.CSV").read_text(encoding="utf-8")
    tails = [line.split("\t", 1)[1] for line in src.splitlines() if line.strip()]
    return [f"{1_000_000_000 + k}\t{tail}" for k, tail in enumerate(tails * copies)]


def _event_rows(store: Store) -> int:
    return int(store.con.execute("SELECT count(*) FROM event_rows").fetchall()[0][0])


def _log_agrees_with_rejected(store: Store) -> None:
    """For every batch, the log's reject count is the number of its rows in ``rejected``."""
    rows = store.con.execute(
        "SELECT l.batch_id, l.rejected, (SELECT count(*) FROM rejected r "
        "WHERE r.batch_id = l.batch_id) FROM ingest_log l ORDER BY 1"
    ).fetchall()
    assert rows and all(logged == table for _, logged, table in rows), rows


# --- D2: identity is the whole content ----------------------------------------------------------


def test_a_same_size_file_changed_in_the_middle_is_read_row_by_row(
    shared_data: Path, tmp_path: Path, store: Store
) -> None:
    rows = _real_rows(shared_data, 4)  # 8,444 real rows, about 3.4 MB
    path = write_lines(tmp_path / "20191024143000.export.CSV", rows)
    original = path.read_bytes()
    first = ingest(store, [path]).files[0]
    assert first.ok, first.error
    assert first.stored + first.rejected == len(rows)

    # 2,000 ids in the middle get new ones of the same length: the same size, the same first
    # and last MiB (what the old fingerprint hashed), new events.
    middle = range(3000, 5000)
    changed = [
        f"{2_000_000_000 + k}\t{r.split(chr(9), 1)[1]}" if k in middle else r
        for k, r in enumerate(rows)
    ]
    write_lines(path, changed)
    data = path.read_bytes()
    assert len(data) == len(original) > 2 * MIB
    assert data[:MIB] == original[:MIB] and data[-MIB:] == original[-MIB:]
    assert fingerprint(path) != str(
        store.con.execute("SELECT fingerprint FROM ingest_log").fetchall()[0][0]
    )

    again = ingest(store, [path]).files[0]
    assert again.ok, again.error
    bad_in_middle = store.con.execute(
        "SELECT count(*) FROM rejected WHERE batch_id = ? AND line BETWEEN 3001 AND 5000",
        [again.batch_id],
    ).fetchall()[0][0]
    assert again.read == len(rows)
    assert again.stored == len(middle) - bad_in_middle
    assert again.duplicates == len(rows) - len(middle) - (first.rejected - bad_in_middle)
    assert again.read == again.stored + again.rejected + again.duplicates
    n_events = store.con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    assert n_events == first.stored + again.stored

    # The same bytes once more: recognised by content, not read again.
    held = _event_rows(store)
    third = ingest(store, [path]).files[0]
    assert (third.stored, third.rejected, third.duplicates) == (
        0,
        again.rejected,
        again.read - again.rejected,
    )
    assert _event_rows(store) == held
    _log_agrees_with_rejected(store)


def test_fingerprint_hashes_every_byte_and_not_the_name(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    body = bytearray(b"x" * (5 * MIB))
    a.write_bytes(bytes(body))
    b.write_bytes(bytes(body))
    assert fingerprint(a) == fingerprint(b)
    body[len(body) // 2] = ord("y")
    b.write_bytes(bytes(body))
    assert fingerprint(a) != fingerprint(b)


def test_a_gzip_of_a_file_already_ingested_is_the_same_content(
    tmp_path: Path, store: Store
) -> None:
    plain = write_lines(tmp_path / "x.export.CSV", [gdelt2(i) for i in range(50)])
    packed = tmp_path / "y.export.CSV.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    first, second = ingest(store, [plain, packed]).files
    assert (first.stored, second.stored, second.duplicates) == (50, 0, 50)
    fps = store.con.execute("SELECT fingerprint FROM ingest_log ORDER BY batch_id").fetchall()
    assert fps[0] == fps[1]
    assert _event_rows(store) == 50  # the repeat was recognised before reading it


# --- D5: compressed input within a budget -------------------------------------------------------


def _written() -> int:
    """Bytes this process has passed to write() so far (Linux /proc/self/io)."""
    return int(psutil.Process().io_counters().write_chars)


def _gzip_of_zeros(size: int) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    chunk = b"\n" * MIB
    return b"".join([*(z.compress(chunk) for _ in range(size // MIB)), z.flush()])


def test_a_gzip_bomb_is_refused_while_streaming_and_the_run_goes_on(
    tmp_path: Path, store: Store
) -> None:
    bomb = tmp_path / "20191024143000.export.CSV.gz"
    bomb.write_bytes(_gzip_of_zeros(128 * MIB))  # about 130 KB expanding to 128 MiB
    assert bomb.stat().st_size < MIB
    good = write_lines(tmp_path / "z.export.CSV", [gdelt2(i) for i in range(5)])
    before = _written()
    rep_bomb, rep_good = ingest(store, [bomb, good]).files
    assert _written() - before < 8 * MIB
    assert not rep_bomb.ok
    assert str(bomb) in (rep_bomb.error or "")
    assert "expands more than 100 times" in (rep_bomb.error or "")
    assert "BRINKWATCH_MAX_RATIO" in (rep_bomb.error or "")
    assert rep_good.ok and rep_good.stored == 5
    assert store.con.execute("SELECT count(*) FROM ingest_log").fetchall()[0][0] == 1


def test_a_zip_bomb_member_is_refused_before_anything_is_written(
    tmp_path: Path, store: Store
) -> None:
    archive = tmp_path / "20191024143000.export.CSV.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.export.CSV", "\n".join(gdelt2(i) for i in range(5)) + "\n")
        zf.writestr("blank.export.CSV", b"\n" * (64 * MIB))
        zf.writestr("c.export.CSV", "\n".join(gdelt2(i) for i in range(5, 9)) + "\n")
    assert archive.stat().st_size < MIB
    before = _written()
    a, blank, c = ingest(store, [archive]).files
    assert _written() - before < 2 * MIB
    assert (a.stored, c.stored) == (5, 4)
    assert not blank.ok
    assert f"{archive}:blank.export.CSV" in (blank.error or "")
    assert "decompression bomb" in (blank.error or "")


def test_the_size_limit_and_its_overrides(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "\n".join(gdelt2(i) for i in range(40)) + "\n"
    packed = tmp_path / "x.export.CSV.gz"
    packed.write_bytes(gzip.compress(rows.encode()))
    (small,) = ingest(store, [packed], max_decompressed=4096).files
    assert not small.ok and "more than 4,096 bytes" in (small.error or "")
    monkeypatch.setenv("BRINKWATCH_MAX_DECOMPRESSED", "4KB")
    (env,) = ingest(store, [packed]).files
    assert not env.ok and "more than 4,000 bytes" in (env.error or "")
    (ok,) = ingest(store, [packed], max_decompressed=MIB).files  # the parameter wins
    assert ok.ok and ok.stored == 40
    monkeypatch.setenv("BRINKWATCH_MAX_RATIO", "lots")
    with pytest.raises(ConfigError, match="BRINKWATCH_MAX_RATIO"):
        ingest(store, [packed])


def test_a_truncated_gzip_is_a_clean_error(tmp_path: Path, store: Store) -> None:
    full = gzip.compress(("\n".join(gdelt2(i) for i in range(400)) + "\n").encode())
    cut = tmp_path / "x.export.CSV.gz"
    cut.write_bytes(full[: len(full) // 2])
    (rep,) = ingest(store, [cut]).files
    assert not rep.ok and "cannot decompress" in (rep.error or "")
    assert not list(store.con.execute("SELECT * FROM ingest_log").fetchall())


# --- D6: a file vanishing under --format --------------------------------------------------------


def test_a_file_deleted_during_the_run_is_a_per_file_error(tmp_path: Path, store: Store) -> None:
    a = write_lines(tmp_path / "a.export.CSV", [gdelt2(i) for i in range(3)])
    b = write_lines(tmp_path / "b.export.CSV", [gdelt2(i) for i in range(3, 6)])
    c = write_lines(tmp_path / "c.export.CSV", [gdelt2(i) for i in range(6, 9)])

    def delete_b(rep: object) -> None:
        b.unlink(missing_ok=True)  # after a is done: b was listed, and is gone when read

    report = ingest(store, [a, b, c], fmt=Format.GDELT2, on_file=delete_b)
    ra, rb, rc = report.files
    assert (ra.stored, rc.stored) == (3, 3)
    assert not rb.ok
    assert str(b) in (rb.error or "") and "moved or deleted" in (rb.error or "")


# --- rejected and ingest_log agree after re-mapping ---------------------------------------------


def test_rejects_and_log_agree_when_a_file_is_read_again_with_another_mapping(
    tmp_path: Path, store: Store
) -> None:
    path = write_lines(
        tmp_path / "notes.csv",
        [
            "id,day,code,alt",
            "1,2019-07-01,163,163",
            "2,2019-07-02,999,999",  # line 3: bad under both mappings
            "3,2019-07-03,1312,777",  # line 4: bad under the second
        ],
    )

    def mapping(code: str) -> ColumnMapping:
        m = parse_map_options(["event_id=id", "event_date=day", f"cameo_code={code}"])
        return ColumnMapping(columns=m.columns, constants=m.constants, origin="notes")

    (first,) = ingest(store, [path], mapping=mapping("code")).files
    (second,) = ingest(store, [path], mapping=mapping("alt")).files
    assert (first.stored, first.rejected) == (2, 1)
    assert (second.stored, second.rejected, second.duplicates) == (0, 2, 1)
    lines = store.con.execute(
        "SELECT batch_id, line FROM rejected ORDER BY batch_id, line"
    ).fetchall()
    assert lines == [(first.batch_id, 3), (second.batch_id, 3), (second.batch_id, 4)]
    _log_agrees_with_rejected(store)


def test_parquet_import_keeps_each_batch_with_its_rejects(tmp_path: Path, store: Store) -> None:
    path = write_lines(tmp_path / "x.export.CSV", [gdelt2(1), gdelt2(2, code="999")])
    ingest(store, [path, path])
    store.to_parquet(tmp_path / "export")
    from brinkwatch.store import connect

    with connect(":memory:") as other:
        assert other.read_parquet(tmp_path / "export") == {
            "events": 1,
            "rejected": 2,
            "ingest_log": 2,
        }
        _log_agrees_with_rejected(other)
        assert other.read_parquet(tmp_path / "export")["rejected"] == 0


def test_io_helper_counts_what_this_process_writes(tmp_path: Path) -> None:
    # The bomb tests rely on write_chars seeing ordinary file writes.
    before = _written()
    with (tmp_path / "f").open("wb") as fh:
        fh.write(io.BytesIO(b"x" * (3 * MIB)).getvalue())
    assert _written() - before >= 3 * MIB
