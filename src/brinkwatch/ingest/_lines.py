"""Physical line numbers and blank lines of delimited (CSV) files read under a mapping.

DuckDB's CSV reader numbers the rows it rejects by record (the header and blank lines count as
records), and skips blank lines without a trace. A record whose quoted field spans lines, or a
blank line, therefore makes record numbers differ from the file's physical lines, and blank
lines vanish from the accounting. Most files have neither, so the check is cheap: count the
line breaks in the file (``mmap``, in C) and compare with the records DuckDB saw. Only when
they differ does one Python :mod:`csv` pass record where each record starts and which are
blank.

The pipeline calls :func:`blank_records` once the rows are in (it counts the blank lines and
adds them to the lines that made no row) and :func:`to_physical_lines` once the rejects are
written (it turns their record numbers into physical lines).
"""

from __future__ import annotations

import csv
import mmap
from array import array
from pathlib import Path

import duckdb

from brinkwatch.ingest._sql import Reader

__all__ = ["blank_records", "line_breaks", "record_starts", "to_physical_lines"]

#: Temporary table of record number -> physical line, present only when they differ.
_MAP = "_record_lines"
_COUNT_CHUNK = 16 * 2**20


def line_breaks(path: Path) -> int:
    r"""Return the number of lines in a file: its ``\n`` count, plus an unterminated last line.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes(b"a,b\r\n1,2\r\n3,4")
    >>> line_breaks(p)
    3
    """
    size = path.stat().st_size
    if size == 0:
        return 0
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
        # bytes.count runs in C; slices of the map keep memory to one chunk at a time.
        n = sum(m[o : o + _COUNT_CHUNK].count(b"\n") for o in range(0, size, _COUNT_CHUNK))
        return n + (0 if m[size - 1 : size] == b"\n" else 1)


def record_starts(path: Path, delimiter: str) -> tuple[array[int], list[int]]:
    """Read a delimited file as RFC 4180 records: each record's first physical line, and blanks.

    Records are numbered from 1 as DuckDB numbers them (the header is record 1, a blank line is
    a record). A record the :mod:`csv` module cannot parse (bad quoting) still counts as one, so
    the numbering goes on in step with DuckDB, which rejects that record.

    Returns
    -------
    tuple
        The physical line of each record (index ``k - 1`` for record ``k``) and the numbers of
        the blank records.
    """
    starts: array[int] = array("q")
    blanks: list[int] = []
    # surrogateescape keeps bytes that are not UTF-8 (DuckDB rejects those lines) in place.
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
        done = 0  # physical lines consumed so far
        while True:
            try:
                rec = next(reader)
            except StopIteration:
                break
            except csv.Error:
                rec = None
            if reader.line_num == done:  # an error that consumed nothing: stop rather than loop
                break
            starts.append(done + 1)
            if rec == []:
                blanks.append(len(starts))
            done = reader.line_num
    return starts, blanks


def blank_records(
    con: duckdb.DuckDBPyConnection, reader: Reader, rows: int, scan_lines: int
) -> int:
    """Count a mapped CSV file's blank lines and add them to the lines that made no row.

    ``rows`` is the number of rows DuckDB produced and ``scan_lines`` the number of records its
    scanner rejected. When they and the header make up every physical line, records are lines
    and nothing is to be done; otherwise the file is read once more with :func:`record_starts`,
    the blank records go into the pipeline's ``_gap`` table (record numbers, as DuckDB's) and
    the record -> physical line map into a temporary table for :func:`to_physical_lines`.

    Returns
    -------
    int
        The number of blank lines (0 for other readers).
    """
    con.execute(f"DROP TABLE IF EXISTS {_MAP}")
    if not reader.record_based:
        return 0
    path = Path(reader.path)
    if line_breaks(path) == rows + scan_lines + reader.header_lines:
        return 0
    starts, blanks = record_starts(path, reader.delimiter)
    # DuckDB takes the first record as the header even when it is blank: not a blank row.
    blanks = [b for b in blanks if b > reader.header_lines]
    import pyarrow as pa

    table = pa.table(
        {"rec": pa.array(range(1, len(starts) + 1), pa.int64()), "line": pa.array(starts)}
    )
    con.register("_record_lines_arrow", table)
    try:
        con.execute(
            f"CREATE TEMP TABLE {_MAP} AS SELECT rec, line FROM _record_lines_arrow "
            "WHERE rec <> line"
        )
    finally:
        con.unregister("_record_lines_arrow")
    if blanks:
        con.execute(
            "INSERT INTO _gap SELECT unnest(?::BIGINT[]) EXCEPT SELECT line FROM _gap", [blanks]
        )
    return len(blanks)


def to_physical_lines(con: duckdb.DuckDBPyConnection, batch: int) -> None:
    """Turn the record numbers of a batch's rejects into physical lines (see the module)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary", [_MAP]
    ).fetchall()
    if not found[0][0]:
        return
    con.execute(
        f"UPDATE rejected SET line = m.line FROM {_MAP} m "
        "WHERE rejected.batch_id = ? AND rejected.line = m.rec",
        [batch],
    )
    con.execute(f"DROP TABLE {_MAP}")
