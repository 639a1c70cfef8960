"""Physical line numbers and blank lines of delimited (CSV) files read under a mapping.

DuckDB's CSV reader numbers the rows it rejects by record (the header and blank lines count as
records), and skips blank lines without a trace. A record whose quoted field spans lines, or a
blank line, therefore makes record numbers differ from the file's physical lines, and blank
lines vanish from the accounting. Most files have neither, so the check is cheap: count the
line breaks in the file (``mmap``, in C) and compare with the records DuckDB saw. Only when
they differ does one Python :mod:`csv` pass record where each record starts and which are
blank.

The store calls the hook :func:`record_lines` gives once the rows are in: it counts the blank
lines and turns the rejects' record numbers into physical lines.
"""

from __future__ import annotations

import csv
import mmap
from array import array
from collections.abc import Callable
from pathlib import Path

from brinkwatch.ingest._sql import Reader
from brinkwatch.store import RecordLines

__all__ = ["line_breaks", "record_lines", "record_starts"]

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


def record_lines(reader: Reader) -> Callable[[int, int], RecordLines | None] | None:
    """Return the store's hook that places a mapped CSV file's records on physical lines.

    The hook is called with the number of rows DuckDB produced and of records its scanner
    rejected. When they and the header make up every physical line, records are lines and it
    returns ``None``; otherwise it reads the file once more with :func:`record_starts`.
    Readers that are not record-based get no hook.
    """
    if not reader.record_based:
        return None
    path, header, delimiter = Path(reader.path), reader.header_lines, reader.delimiter

    def place(rows: int, scan_lines: int) -> RecordLines | None:
        if line_breaks(path) == rows + scan_lines + header:
            return None
        starts, blanks = record_starts(path, delimiter)
        return RecordLines(blank=tuple(blanks), starts=starts)

    return place
