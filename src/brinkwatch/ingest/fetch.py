"""Download GDELT event files with size and MD5 checks, resuming interrupted transfers.

GDELT 2.0 lists every 15-minute file in ``masterfilelist.txt`` (``SIZE MD5 URL`` per line);
GDELT 1.0 lists its daily, monthly and yearly event files in ``md5sums`` and ``filesizes``.
:func:`fetch_gdelt` reads the index, selects the event-export files that cover a date range and,
for each, downloads ``dest/NAME.part`` (resuming with an HTTP Range request when a ``.part`` is
left from an interrupted run), checks its size and MD5 and only then renames it to ``dest/NAME``.

HTTP sits behind the small :class:`Transport` interface: :class:`HttpxTransport` talks to a real
server and :class:`MemoryTransport` serves bytes from a dict, for tests.
"""

from __future__ import annotations

import calendar
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from http import HTTPStatus
from pathlib import Path
from typing import NamedTuple, Protocol

import httpx

from brinkwatch.errors import ConfigError, FetchError, FileFormatError

__all__ = [
    "BASE_URL_ENV",
    "GDELT_V1_BASE_URL",
    "GDELT_V2_BASE_URL",
    "FetchReport",
    "FetchedFile",
    "HttpxTransport",
    "MemoryTransport",
    "ProgressCallback",
    "RemoteFile",
    "StreamResponse",
    "Transport",
    "fetch_file",
    "fetch_gdelt",
    "parse_master_list",
    "parse_v1_index",
    "select_files",
]

GDELT_V2_BASE_URL = "http://data.gdeltproject.org/gdeltv2/"
"""Directory of GDELT 2.0 files; holds ``masterfilelist.txt``."""

GDELT_V1_BASE_URL = "http://data.gdeltproject.org/events/"
"""Directory of GDELT 1.0 event files; holds ``md5sums`` and ``filesizes``."""

BASE_URL_ENV = "BRINKWATCH_GDELT_BASE_URL"
"""Environment variable that replaces the default base URL (offline mirrors, tests)."""

V2_MASTER_LIST = "masterfilelist.txt"
V1_MD5SUMS = "md5sums"
V1_FILESIZES = "filesizes"

ProgressCallback = Callable[[str, int, int], None]
"""``progress(name, bytes_done, bytes_total)``, called as a file's bytes arrive."""

_CHUNK = 1 << 16

_V2_EVENTS = re.compile(r"^(\d{14})\.export\.CSV\.zip$", re.IGNORECASE)
_V2_OTHER = re.compile(r"^(\d{14})\.")
_V1_DAILY = re.compile(r"^(\d{8})\.export\.CSV\.zip$", re.IGNORECASE)
_V1_MONTHLY = re.compile(r"^(\d{4})(\d{2})\.zip$")
_V1_YEARLY = re.compile(r"^(\d{4})\.zip$")
_MD5_HEX = re.compile(r"^[0-9a-fA-F]{32}$")


def _period(name: str) -> tuple[date, date, bool] | None:
    """Return ``(start, end, is_event_export)`` for a GDELT file name, or None if undated."""
    try:
        if m := _V2_EVENTS.match(name):
            day = datetime.strptime(m[1], "%Y%m%d%H%M%S").date()
            return day, day, True
        if m := _V1_DAILY.match(name):
            day = datetime.strptime(m[1], "%Y%m%d").date()
            return day, day, True
        if m := _V1_MONTHLY.match(name):
            year, month = int(m[1]), int(m[2])
            last = calendar.monthrange(year, month)[1]
            return date(year, month, 1), date(year, month, last), True
        if m := _V1_YEARLY.match(name):
            year = int(m[1])
            return date(year, 1, 1), date(year, 12, 31), True
        if m := _V2_OTHER.match(name):
            day = datetime.strptime(m[1], "%Y%m%d%H%M%S").date()
            return day, day, False
    except ValueError:  # e.g. month 13, or 30 February
        return None
    return None


@dataclass(frozen=True)
class RemoteFile:
    """One file listed in a GDELT index.

    Attributes
    ----------
    url
        Where to download it.
    size
        Its size in bytes, as the index says.
    md5
        Its MD5 checksum as 32 lower-case hex digits, as the index says.

    Examples
    --------
    >>> f = RemoteFile("http://x/gdeltv2/20150218230000.export.CSV.zip", 150383, "0" * 32)
    >>> f.name, f.start, f.is_events
    ('20150218230000.export.CSV.zip', datetime.date(2015, 2, 18), True)
    >>> RemoteFile("http://x/events/201303.zip", 1, "0" * 32).end
    datetime.date(2013, 3, 31)
    """

    url: str
    size: int
    md5: str

    @property
    def name(self) -> str:
        """The file name: the last part of the URL."""
        return self.url.rsplit("/", 1)[-1]

    @property
    def is_events(self) -> bool:
        """Whether this is an event-export file (not mentions, GKG or an undated file)."""
        covered = _period(self.name)
        return covered is not None and covered[2]

    @property
    def start(self) -> date:
        """First day the file covers (the day of a GDELT 2.0 15-minute slot)."""
        return self._covered()[0]

    @property
    def end(self) -> date:
        """Last day the file covers."""
        return self._covered()[1]

    def _covered(self) -> tuple[date, date]:
        covered = _period(self.name)
        if covered is None:
            raise FileFormatError(
                f"Cannot tell which days {self.name!r} covers: expected a GDELT name such as "
                "YYYYMMDDHHMMSS.export.CSV.zip, YYYYMMDD.export.CSV.zip, YYYYMM.zip or YYYY.zip.",
                path=self.url,
            )
        return covered[0], covered[1]


def _parse_size(token: str) -> int | None:
    return int(token) if token.isascii() and token.isdigit() else None


def parse_master_list(text: str) -> tuple[list[RemoteFile], int]:
    r"""Parse a GDELT 2.0 ``masterfilelist.txt``.

    Parameters
    ----------
    text
        The list: one ``SIZE MD5 URL`` line per file.

    Returns
    -------
    files : list of RemoteFile
        Every well-formed entry, in list order (events, mentions and GKG alike; see
        :func:`select_files`).
    skipped : int
        How many lines were blank or malformed (wrong field count, size not a whole number,
        MD5 not 32 hex digits) and were skipped.

    Examples
    --------
    >>> text = (
    ...     "150383 297a16b493de7cf6ca809a7cc31d0b93 "
    ...     "http://data.gdeltproject.org/gdeltv2/20150218230000.export.CSV.zip\n"
    ...     "\n"
    ...     "not a line\n"
    ... )
    >>> files, skipped = parse_master_list(text)
    >>> files[0].name, files[0].size, skipped
    ('20150218230000.export.CSV.zip', 150383, 2)
    """
    files: list[RemoteFile] = []
    skipped = 0
    for line in text.splitlines():
        parts = line.split()
        size = _parse_size(parts[0]) if len(parts) == 3 else None
        if size is None or not _MD5_HEX.match(parts[1]) or not parts[2].rsplit("/", 1)[-1]:
            skipped += 1
            continue
        files.append(RemoteFile(url=parts[2], size=size, md5=parts[1].lower()))
    return files, skipped


def parse_v1_index(md5sums: str, filesizes: str, base_url: str) -> list[RemoteFile]:
    r"""Parse the GDELT 1.0 ``md5sums`` and ``filesizes`` files into downloadable files.

    Parameters
    ----------
    md5sums
        ``MD5  FILENAME`` lines (the output of ``md5sum``).
    filesizes
        ``SIZE FILENAME`` lines.
    base_url
        The directory both lists describe; each file's URL is ``base_url/FILENAME``.

    Returns
    -------
    list of RemoteFile
        Files named in both lists, in ``filesizes`` order. Blank or malformed lines, and files
        missing from either list, are left out: without both a size and a checksum a download
        cannot be verified.

    Examples
    --------
    >>> files = parse_v1_index(
    ...     "0123456789abcdef0123456789abcdef  1979.zip\n",
    ...     "1024 1979.zip\n",
    ...     "http://data.gdeltproject.org/events",
    ... )
    >>> files[0].url
    'http://data.gdeltproject.org/events/1979.zip'
    >>> files[0].start, files[0].end
    (datetime.date(1979, 1, 1), datetime.date(1979, 12, 31))
    """
    sums: dict[str, str] = {}
    for line in md5sums.splitlines():
        parts = line.split()
        if len(parts) == 2 and _MD5_HEX.match(parts[0]):
            sums[parts[1].lstrip("*")] = parts[0].lower()
    base = base_url.rstrip("/") + "/"
    files: list[RemoteFile] = []
    for line in filesizes.splitlines():
        parts = line.split()
        size = _parse_size(parts[0]) if len(parts) == 2 else None
        if size is None or parts[1] not in sums:
            continue
        files.append(RemoteFile(url=base + parts[1], size=size, md5=sums[parts[1]]))
    return files


def _as_day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _check_range(start: date, end: date) -> tuple[date, date]:
    """Return the range as plain dates; raise if it is inverted."""
    start, end = _as_day(start), _as_day(end)
    if start > end:
        raise ConfigError(
            f"The date range is inverted: start {start.isoformat()} is after end "
            f"{end.isoformat()}. Swap them, or pass the same day twice for a single day."
        )
    return start, end


def select_files(files: Iterable[RemoteFile], start: date, end: date) -> list[RemoteFile]:
    """Select the event-export files that cover any day from `start` to `end` inclusive.

    Parameters
    ----------
    files
        Files from :func:`parse_master_list` or :func:`parse_v1_index`.
    start, end
        First and last day wanted. A GDELT 1.0 monthly or yearly file is selected when any of
        its days falls in the range; a GDELT 2.0 file belongs to the day of its timestamp.

    Returns
    -------
    list of RemoteFile
        Event-export files only (no mentions, GKG or undated files), each name once, sorted by
        first day then name.

    Raises
    ------
    ConfigError
        If `start` is after `end`.

    Examples
    --------
    >>> files = [RemoteFile(f"http://x/{n}", 1, "0" * 32)
    ...          for n in ["2005.zip", "200601.zip", "200602.zip", "20130401.export.CSV.zip"]]
    >>> [f.name for f in select_files(files, date(2005, 12, 31), date(2006, 1, 31))]
    ['2005.zip', '200601.zip']
    """
    start, end = _check_range(start, end)
    chosen: dict[str, tuple[date, RemoteFile]] = {}
    for remote in files:
        covered = _period(remote.name)
        if covered is None or not covered[2] or remote.name in chosen:
            continue
        first, last, _ = covered
        if first <= end and last >= start:
            chosen[remote.name] = (first, remote)
    return [remote for _, remote in sorted(chosen.values(), key=lambda p: (p[0], p[1].name))]


class StreamResponse(NamedTuple):
    """What :meth:`Transport.stream` yields.

    Attributes
    ----------
    status
        The HTTP status: 200 (whole file), 206 (from the requested offset), or an error.
    total
        The size of the whole file on the server, when the server says; otherwise None.
    chunks
        The body, as byte chunks.
    """

    status: int
    total: int | None
    chunks: Iterator[bytes]


class Transport(Protocol):
    """The small interface over HTTP that :func:`fetch_gdelt` needs.

    Implementations raise :class:`~brinkwatch.errors.FetchError` for network failures
    (including a body cut short while iterating `chunks`) and, in :meth:`get_text`, for
    non-2xx statuses; :meth:`stream` yields any status and leaves it to the caller.
    """

    def get_text(self, url: str) -> str:
        """Return the body of `url` as text."""
        ...

    def stream(self, url: str, *, offset: int = 0) -> AbstractContextManager[StreamResponse]:
        """Open `url`, asking for the bytes from `offset` on (an HTTP Range) when it is > 0."""
        ...


def _status_text(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _content_range_total(header: str | None, offset: int, url: str) -> int | None:
    """Check ``Content-Range: bytes a-b/total`` starts at `offset`; return total if known."""
    m = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", header or "")
    if m is None:
        raise FetchError(
            f"{url} answered 206 Partial Content with an unreadable Content-Range "
            f"{header!r}; re-run, or delete the .part file to download from the start."
        )
    if int(m[1]) != offset:
        raise FetchError(
            f"{url} was asked for bytes from {offset}, got bytes from {m[1]}; "
            "delete the .part file and re-run to download from the start."
        )
    return None if m[3] == "*" else int(m[3])


class HttpxTransport:
    """A :class:`Transport` over an :class:`httpx.Client`.

    Parameters
    ----------
    client
        A client to use; the caller keeps ownership. By default a client is made (following
        redirects, with `timeout`) and closed by :meth:`close`.
    timeout
        Seconds (or an :class:`httpx.Timeout`) for connecting and for each read.

    Examples
    --------
    >>> with HttpxTransport(timeout=10.0) as transport:
    ...     pass  # transport.get_text("http://data.gdeltproject.org/events/md5sums")
    """

    def __init__(
        self, client: httpx.Client | None = None, *, timeout: float | httpx.Timeout = 60.0
    ) -> None:
        self._owns_client = client is None
        self._client = (
            client
            if client is not None
            else httpx.Client(
                timeout=timeout,
                follow_redirects=True,
                headers={"User-Agent": "brinkwatch (GDELT fetch)"},
            )
        )

    def close(self) -> None:
        """Close the client if this transport made it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpxTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get_text(self, url: str) -> str:
        """Return the body of `url` as text.

        Raises
        ------
        FetchError
            If the server cannot be reached or answers with a non-2xx status.
        """
        try:
            response = self._client.get(url)
        except httpx.HTTPError as exc:
            raise FetchError(
                f"Could not fetch {url}: {type(exc).__name__}: {exc}. Check the network or the "
                f"base URL (${BASE_URL_ENV}) and re-run."
            ) from exc
        if not response.is_success:
            raise FetchError(
                f"{url} answered {_status_text(response.status_code)}. Check the base URL "
                f"(${BASE_URL_ENV}) and re-run."
            )
        return response.text

    @contextmanager
    def stream(self, url: str, *, offset: int = 0) -> Iterator[StreamResponse]:
        """Open `url` for streaming, from byte `offset` on when it is > 0.

        Yields
        ------
        StreamResponse
            Status, full size on the server (from ``Content-Range`` on 206, ``Content-Length``
            on 200) and the body chunks.

        Raises
        ------
        FetchError
            If the server cannot be reached, the transfer is cut, or a 206 answer does not
            start at `offset`.
        """
        headers = {"Accept-Encoding": "identity"}
        if offset > 0:
            headers["Range"] = f"bytes={offset}-"
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                total: int | None = None
                if response.status_code == 206:
                    total = _content_range_total(response.headers.get("Content-Range"), offset, url)
                elif response.status_code == 200 and "Content-Encoding" not in response.headers:
                    length = response.headers.get("Content-Length", "")
                    total = int(length) if length.isdigit() else None
                yield StreamResponse(response.status_code, total, self._chunks(response, url))
        except httpx.HTTPError as exc:
            raise FetchError(
                f"Could not fetch {url}: {type(exc).__name__}: {exc}. Check the network and re-run."
            ) from exc

    @staticmethod
    def _chunks(response: httpx.Response, url: str) -> Iterator[bytes]:
        try:
            yield from response.iter_bytes()
        except httpx.HTTPError as exc:
            raise FetchError(
                f"The transfer from {url} was interrupted: {type(exc).__name__}: {exc}."
            ) from exc


class MemoryTransport:
    """A :class:`Transport` that serves bytes from a dict, for tests.

    Parameters
    ----------
    files
        Body of each URL; unknown URLs answer 404.
    support_range
        Answer Range requests with 206; when False, always send the whole file with 200.

    Attributes
    ----------
    requests : list of (str, int)
        Every request made, as ``(url, offset)``.
    interrupt_after : dict of str to int
        One-shot: the next transfer of that URL fails after this many body bytes.

    Examples
    --------
    >>> t = MemoryTransport({"http://x/a": b"hello"})
    >>> with t.stream("http://x/a", offset=2) as (status, total, chunks):
    ...     status, total, b"".join(chunks)
    (206, 5, b'llo')
    """

    def __init__(self, files: Mapping[str, bytes], *, support_range: bool = True) -> None:
        self.files = dict(files)
        self.support_range = support_range
        self.requests: list[tuple[str, int]] = []
        self.interrupt_after: dict[str, int] = {}

    def get_text(self, url: str) -> str:
        """Return the body of `url` decoded as UTF-8; 404 raises :class:`FetchError`."""
        self.requests.append((url, 0))
        if url not in self.files:
            raise FetchError(f"{url} answered {_status_text(404)}.")
        return self.files[url].decode()

    @contextmanager
    def stream(self, url: str, *, offset: int = 0) -> Iterator[StreamResponse]:
        """Yield the body of `url` from `offset` (206) or whole (200); unknown URLs give 404."""
        self.requests.append((url, offset))
        body = self.files.get(url)
        if body is None:
            yield StreamResponse(404, None, iter(()))
            return
        if offset > 0 and self.support_range:
            if offset >= len(body):
                yield StreamResponse(416, None, iter(()))
                return
            status, data = 206, body[offset:]
        else:
            status, data = 200, body
        cut = self.interrupt_after.pop(url, None)
        yield StreamResponse(status, len(body), self._chunks(url, data, cut))

    @staticmethod
    def _chunks(url: str, data: bytes, cut: int | None) -> Iterator[bytes]:
        sent = data if cut is None else data[:cut]
        for i in range(0, len(sent), 1024):
            yield sent[i : i + 1024]
        if cut is not None:
            raise FetchError(f"The transfer from {url} was interrupted after {cut} bytes.")


@dataclass(frozen=True)
class FetchedFile:
    """What happened to one selected file.

    Attributes
    ----------
    remote
        The file as listed in the index (URL, expected size and MD5).
    path
        Where it is (or would be) on disk: ``dest/NAME``.
    transferred
        Bytes received in this run (0 when skipped; less than the size after a resume).
    error
        Why it failed, for files in :attr:`FetchReport.failed`.
    """

    remote: RemoteFile
    path: Path
    transferred: int = 0
    error: str | None = None

    @property
    def name(self) -> str:
        """The file name."""
        return self.remote.name

    @property
    def size(self) -> int:
        """The file's size in bytes, as the index says."""
        return self.remote.size


@dataclass
class FetchReport:
    """The outcome of :func:`fetch_gdelt`.

    Attributes
    ----------
    version
        GDELT version fetched, 1 or 2.
    index_url
        The index read (``masterfilelist.txt``, or ``filesizes`` for GDELT 1.0).
    downloaded, skipped, failed
        Files downloaded and verified in this run, already present and verified, and failed
        (only with ``keep_going=True``), each in selection order.
    paths
        Final paths of every selected file now on disk, in selection order.
    skipped_lines
        Blank or malformed index lines that were ignored.
    """

    version: int
    index_url: str
    downloaded: list[FetchedFile] = field(default_factory=list)
    skipped: list[FetchedFile] = field(default_factory=list)
    failed: list[FetchedFile] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    skipped_lines: int = 0

    @property
    def bytes_downloaded(self) -> int:
        """Bytes received in this run."""
        return sum(f.transferred for f in self.downloaded)

    @property
    def bytes_skipped(self) -> int:
        """Bytes of files that were already present."""
        return sum(f.size for f in self.skipped)

    @property
    def ok(self) -> bool:
        """Whether no file failed."""
        return not self.failed


def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _is_complete(path: Path, remote: RemoteFile) -> bool:
    return path.is_file() and path.stat().st_size == remote.size and _md5_of(path) == remote.md5


def _size_mismatch(remote: RemoteFile, part: Path, got: str) -> FetchError:
    part.unlink(missing_ok=True)
    return FetchError(
        f"Size mismatch for {remote.name} from {remote.url}: the index says {remote.size} bytes, "
        f"{got}. The partial file {part.name} was deleted; re-run the fetch to download it "
        "again. If this repeats, the mirror's index or copy is out of date."
    )


def _transfer(
    transport: Transport,
    remote: RemoteFile,
    part: Path,
    offset: int,
    progress: ProgressCallback | None,
) -> int:
    """Stream `remote` into `part` from `offset`; return the bytes received."""
    received = 0
    for _ in range(2):  # a 416 (partial file longer than the server's) restarts once from 0
        with transport.stream(remote.url, offset=offset) as (status, total, chunks):
            if status == 416 and offset > 0:
                part.unlink(missing_ok=True)
                offset = 0
                continue
            if status == 206 and offset > 0:
                mode = "ab"
            elif status in (200, 206):  # 200: the server ignored the Range, start over
                mode, offset = "wb", 0
            else:
                raise FetchError(
                    f"Downloading {remote.name} failed: {remote.url} answered "
                    f"{_status_text(status)}. Check that the file exists at the base URL "
                    f"(${BASE_URL_ENV}) and re-run."
                )
            if total is not None and total != remote.size:
                raise _size_mismatch(remote, part, f"the server has {total}")
            done = offset
            if progress is not None:
                progress(remote.name, done, remote.size)
            too_long = False
            with part.open(mode) as fh:
                for chunk in chunks:
                    if done + len(chunk) > remote.size:
                        too_long = True
                        break
                    fh.write(chunk)
                    done += len(chunk)
                    received += len(chunk)
                    if progress is not None:
                        progress(remote.name, done, remote.size)
            if too_long:
                raise _size_mismatch(remote, part, "the server sent more")
            return received
    raise FetchError(  # pragma: no cover - two 416s in a row
        f"{remote.url} refused the byte range twice; delete {part} and re-run."
    )


def _download(
    transport: Transport, remote: RemoteFile, part: Path, progress: ProgressCallback | None
) -> int:
    """Download `remote` into `part` (resuming), verify it; return the bytes received."""
    offset = part.stat().st_size if part.is_file() else 0
    if offset > remote.size:
        part.unlink()
        offset = 0
    received = 0
    if offset < remote.size:
        try:
            received = _transfer(transport, remote, part, offset, progress)
        except FetchError as exc:
            kept = part.stat().st_size if part.is_file() else 0
            if kept:
                raise FetchError(
                    f"{exc.message} {kept} of {remote.size} bytes of {remote.name} are kept in "
                    f"{part}; re-run the same fetch to resume."
                ) from exc
            raise
    elif progress is not None:
        progress(remote.name, offset, remote.size)
    got = part.stat().st_size
    if got < remote.size:
        raise FetchError(
            f"The download of {remote.name} from {remote.url} stopped at {got} of {remote.size} "
            f"bytes; the partial file {part} is kept. Re-run the same fetch to resume."
        )
    md5 = _md5_of(part)
    if md5 != remote.md5:
        part.unlink()
        raise FetchError(
            f"MD5 mismatch for {remote.name} from {remote.url}: expected {remote.md5}, got {md5}. "
            f"The partial file {part.name} was deleted; re-run the fetch to download it again. "
            "If this repeats, the mirror's copy or its index is damaged."
        )
    return received


def fetch_file(
    transport: Transport,
    remote: RemoteFile,
    dest: str | Path,
    progress: ProgressCallback | None = None,
) -> FetchedFile:
    """Download one listed file into ``dest`` as :func:`fetch_gdelt` does each of its files.

    A file already complete under its final name (size and MD5 as listed) is not downloaded
    again; otherwise ``dest/NAME.part`` is continued (HTTP Range), checked and renamed.

    Parameters
    ----------
    transport
        How to talk HTTP.
    remote
        The file, with the size and MD5 its index gives.
    dest
        Directory to download into; created if missing.
    progress
        As for :func:`fetch_gdelt`.

    Returns
    -------
    FetchedFile
        Its final path, and the bytes transferred (0 when it was already there).

    Raises
    ------
    FetchError
        If it cannot be downloaded or fails its size or MD5 check.
    """
    target = Path(dest)
    target.mkdir(parents=True, exist_ok=True)
    final = target / remote.name
    if _is_complete(final, remote):
        return FetchedFile(remote, final)
    part = final.with_name(final.name + ".part")
    received = _download(transport, remote, part, progress)
    part.replace(final)
    return FetchedFile(remote, final, transferred=received)


def _resolve_base_url(version: int, base_url: str | None) -> str:
    chosen = (
        base_url
        or os.environ.get(BASE_URL_ENV)
        or (GDELT_V1_BASE_URL if version == 1 else GDELT_V2_BASE_URL)
    )
    return chosen.rstrip("/") + "/"


def _read_index(transport: Transport, version: int, base: str) -> tuple[list[RemoteFile], int]:
    if version == 2:
        files, skipped = parse_master_list(transport.get_text(base + V2_MASTER_LIST))
        # Files come from the directory the list came from, so a mirror's copy of the list works.
        rebased = [RemoteFile(base + f.name, f.size, f.md5) for f in files]
        return rebased, skipped
    md5sums = transport.get_text(base + V1_MD5SUMS)
    filesizes = transport.get_text(base + V1_FILESIZES)
    return parse_v1_index(md5sums, filesizes, base), 0


def fetch_gdelt(
    version: int,
    start: date,
    end: date,
    dest: Path | str,
    *,
    base_url: str | None = None,
    transport: Transport | None = None,
    progress: ProgressCallback | None = None,
    keep_going: bool = False,
) -> FetchReport:
    """Download the GDELT event files that cover `start` to `end`, verified, into `dest`.

    For each selected file: if ``dest/NAME`` exists with the right size and MD5 it is
    skipped; otherwise it is downloaded to ``dest/NAME.part`` (continuing an existing ``.part``
    with an HTTP Range request), its size and MD5 are checked, and it is renamed to
    ``dest/NAME``. A file that fails a check never appears under its final name.

    Parameters
    ----------
    version
        GDELT version: 2 (15-minute files from 2015-02-18, listed in ``masterfilelist.txt``) or
        1 (yearly 1979-2005, monthly 2006-01 to 2013-03, daily from 2013-04-01).
    start, end
        First and last day wanted, inclusive.
    dest
        Directory to download into; created if missing.
    base_url
        Directory holding the index and the files. Defaults to ``$BRINKWATCH_GDELT_BASE_URL``,
        else :data:`GDELT_V2_BASE_URL` or :data:`GDELT_V1_BASE_URL`. GDELT 2.0 files are
        downloaded from this directory whatever host the master list names.
    transport
        How to talk HTTP; by default an :class:`HttpxTransport` made and closed here.
    progress
        Called as ``progress(name, bytes_done, bytes_total)`` when a file starts, as its bytes
        arrive, and once with ``done == total`` for a file already present.
    keep_going
        Record a failed file in :attr:`FetchReport.failed` and go on with the next, instead
        of raising at the first failure.

    Returns
    -------
    FetchReport
        Files downloaded, skipped and failed, bytes, and final paths in order.

    Raises
    ------
    ConfigError
        If `version` is not 1 or 2, or `start` is after `end`.
    FetchError
        If the index cannot be read, or (unless `keep_going`) a file cannot be downloaded or
        fails its size or MD5 check. An interrupted transfer keeps its ``.part`` so that a
        re-run resumes it; a file failing a check has its ``.part`` deleted.

    Examples
    --------
    >>> from datetime import date
    >>> report = fetch_gdelt(2, date(2019, 10, 24), date(2019, 10, 24), "gdelt")  # doctest: +SKIP
    >>> len(report.paths)  # 96 fifteen-minute files a day  # doctest: +SKIP
    96
    """
    if version not in (1, 2):
        raise ConfigError(
            f"The 'version' parameter of fetch_gdelt must be 1 or 2; got {version!r} instead. "
            "Use 2 for data from 2015-02-18 on, 1 for 1979 onwards."
        )
    start, end = _check_range(start, end)
    base = _resolve_base_url(version, base_url)
    owned: HttpxTransport | None = None
    if transport is None:
        transport = owned = HttpxTransport()
    try:
        files, skipped_lines = _read_index(transport, version, base)
        index_url = base + (V2_MASTER_LIST if version == 2 else V1_FILESIZES)
        report = FetchReport(version=version, index_url=index_url, skipped_lines=skipped_lines)
        target = Path(dest)
        target.mkdir(parents=True, exist_ok=True)
        for remote in select_files(files, start, end):
            final = target / remote.name
            if _is_complete(final, remote):
                if progress is not None:
                    progress(remote.name, remote.size, remote.size)
                report.skipped.append(FetchedFile(remote, final))
                report.paths.append(final)
                continue
            part = final.with_name(final.name + ".part")
            try:
                received = _download(transport, remote, part, progress)
            except FetchError as exc:
                if not keep_going:
                    raise
                report.failed.append(FetchedFile(remote, final, error=str(exc)))
                continue
            part.replace(final)
            report.downloaded.append(FetchedFile(remote, final, transferred=received))
            report.paths.append(final)
        return report
    finally:
        if owned is not None:
            owned.close()
