"""Readers and writers sharing one store file across processes.

DuckDB lets several processes open a file read-only at once, or one process open it for
writing, never both; a refused open fails at once. On its own that lets a busy dashboard (a
short read-only connection per request) starve ``brinkwatch ingest``, and lets any reader
break a writer. So every brinkwatch process goes through a *gate* beside the store,
``<store>.lock``, an advisory ``flock``:

- a writer takes the gate exclusively, polling with a growing backoff up to its ``wait``;
  holding it, it writes its holder record into the gate file, then opens DuckDB, retrying
  while readers that were already in finish their short reads; it keeps the gate until the
  store is closed;
- a reader only checks that no writer holds the gate (a shared lock taken and dropped at
  once), records itself in ``<store>.readers/<pid>.json`` and opens DuckDB read-only; it
  retries while a writer holds the gate or the file.

A waiting writer therefore holds back new readers, so it gets in as soon as the reads in
flight end. The kernel drops a ``flock`` when its process dies, so a killed writer never
blocks anyone; the records it leaves are only read while the lock they describe is held and
are checked against a live pid (and, on Linux, the process start time), so a stale record is
ignored and removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from brinkwatch.errors import StoreError, StoreLockedError, WatchLockedError

if sys.platform != "win32":
    import fcntl

__all__ = [
    "DEFAULT_WAIT",
    "Holder",
    "Lease",
    "Notice",
    "WatchLease",
    "holders",
    "open_duckdb",
    "watch_lock",
]

#: Seconds :func:`brinkwatch.store.connect` waits by default for another process to release
#: the store.
DEFAULT_WAIT = 120.0

Mode = Literal["read", "write"]
#: Called while waiting: who holds the store, and how long the caller will wait at most.
Notice = Callable[["Holder", float], None]

_CONFLICT = re.compile(r"Could not set lock on file")
_HELD_BY = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")
_FIRST_DELAY, _MAX_DELAY = 0.02, 0.5
_readers_lock = threading.Lock()
_readers: dict[tuple[int, str], int] = {}
# Gates this process holds for writing, with how many open stores share each: DuckDB lets
# one process open a file read-write several times, so a second writer here shares the gate.
_gates_lock = threading.Lock()
_gates: dict[tuple[int, str], list[int]] = {}


def _key(path: Path) -> tuple[int, str]:
    return (os.getpid(), str(path.absolute()))


@dataclass(frozen=True)
class Holder:
    """A process holding a store file.

    Attributes
    ----------
    pid
        Its process id, or ``None`` when unknown.
    mode
        ``"read"`` or ``"write"``.
    command
        Its command line (shortened), or what is known of it.
    since
        When it took the store (seconds since the epoch), or ``None`` when unknown.
    brinkwatch
        Whether it is a brinkwatch process that recorded itself (not another DuckDB client).
    proc_start
        The process start time (Linux clock ticks), used to tell a live holder from a reused
        pid.
    """

    pid: int | None
    mode: Mode
    command: str
    since: float | None = None
    brinkwatch: bool = True
    proc_start: int | None = None

    def describe(self) -> str:
        """Say who holds the store, e.g. ``pid 12 (brinkwatch serve) reading since 10:02:03``.

        Examples
        --------
        >>> Holder(12, "read", "brinkwatch serve", None).describe()
        'pid 12 (brinkwatch serve), reading'
        """
        who = f"pid {self.pid}" if self.pid is not None else "another process"
        what = self.command or "command unknown"
        if not self.brinkwatch:
            what += ", not a brinkwatch process"
        text = f"{who} ({what}), {'reading' if self.mode == 'read' else 'writing'}"
        if self.since is not None:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
            text += f" since {stamp} ({max(0.0, time.time() - self.since):.0f} s)"
        return text

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


def _command() -> str:
    argv = list(sys.argv) or ["python"]
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name.endswith(".__main__"):
        argv[0] = spec.name.removesuffix(".__main__")  # python -m brinkwatch: say brinkwatch
    else:
        argv[0] = Path(argv[0]).name or argv[0]
    text = " ".join(argv)
    return text if len(text) <= 200 else text[:197] + "..."


def _proc_start(pid: int) -> int | None:
    """Return the start time of ``pid`` in clock ticks since boot (Linux), else ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        # The command name may hold spaces and parentheses: count fields after the last ')'.
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _proc_command(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    parts = [p.decode("utf-8", "replace") for p in raw.split(b"\0") if p]
    if not parts:
        return None
    text = " ".join(parts)
    return text if len(text) <= 200 else text[:197] + "..."


def _alive(pid: int, proc_start: int | None) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by another user
    except OSError:
        return False
    if proc_start is not None:
        now = _proc_start(pid)
        if now is not None and now != proc_start:
            return False  # the pid was reused by another process
    return True


def _me(mode: Mode) -> Holder:
    pid = os.getpid()
    return Holder(pid, mode, _command(), time.time(), True, _proc_start(pid))


def _parse(raw: bytes | str, *, live: bool = True) -> Holder | None:
    """Read a holder record; ``None`` if unreadable, or (``live``) if its process is gone."""
    try:
        d = json.loads(raw)
        h = Holder(
            pid=int(d["pid"]),
            mode="write" if d["mode"] == "write" else "read",
            command=str(d.get("command", ""))[:200],
            since=float(d["since"]) if d.get("since") is not None else None,
            brinkwatch=True,
            proc_start=int(d["proc_start"]) if d.get("proc_start") is not None else None,
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not live:
        return h
    return h if h.pid is not None and _alive(h.pid, h.proc_start) else None


def _gate_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _readers_dir(path: Path) -> Path:
    return path.with_name(path.name + ".readers")


def _reader_record(path: Path, pid: int) -> Holder | None:
    rec = _readers_dir(path) / f"{pid}.json"
    try:
        raw = rec.read_bytes()
    except OSError:
        return None
    h = _parse(raw)
    if h is None:
        with contextlib.suppress(OSError):
            rec.unlink()  # left by a dead process
    return h


def _gate_record(path: Path) -> Holder | None:
    try:
        raw = _gate_path(path).read_bytes()[:4096]
    except OSError:
        return None
    return _parse(raw) if raw.strip() else None


def holders(path: str | Path) -> list[Holder]:
    """List the brinkwatch processes recorded as holding the store at ``path``.

    Records of processes that have died are removed on the way. The writer is listed only
    while it holds the gate.

    Parameters
    ----------
    path
        The store file.

    Returns
    -------
    list of Holder
        The writer first, if any, then the readers by pid.
    """
    p = Path(path)
    out: list[Holder] = []
    if _gate_held(p):
        w = _gate_record(p)
        if w is not None:
            out.append(w)
    try:
        names = sorted(_readers_dir(p).glob("*.json"))
    except OSError:
        names = []
    for rec in names:
        if rec.stem.isdigit():
            h = _reader_record(p, int(rec.stem))
            if h is not None:
                out.append(h)
    return out


def _open_gate(path: Path, create: bool) -> int | None:
    """Open the gate file; ``None`` where no gate can be used."""
    if sys.platform == "win32":
        return None
    gate = _gate_path(path)
    flags = os.O_RDWR | (os.O_CREAT if create else 0)
    for f in (flags, os.O_RDONLY):
        try:
            return os.open(gate, f | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError:
            continue
    return None  # a read-only directory without a gate file: DuckDB's own lock still holds


def _gate_held(path: Path) -> bool:
    fd = _open_gate(path, create=False)
    if fd is None or sys.platform == "win32":
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _try_flock(fd: int, exclusive: bool) -> bool:
    if sys.platform == "win32":
        return True
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return True  # a file system without flock: rely on DuckDB's lock alone
    return True


def _unlock(fd: int) -> None:
    if sys.platform != "win32":
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


class Lease:
    """What an open store holds besides its DuckDB connection: the gate or a reader record.

    :meth:`release` is idempotent; :meth:`brinkwatch.store.Store.close` calls it.
    """

    def __init__(self, path: Path, mode: Mode) -> None:
        self.path = path
        self.mode = mode
        self._writer = False
        self._reader = False
        self._released = False

    def _enter_gate(self, fd: int) -> bool:
        """Take the gate for writing (or share this process's); ``False`` if another holds it."""
        key = _key(self.path)
        with _gates_lock:
            entry = _gates.get(key)
            if entry is not None:
                entry[1] += 1
                os.close(fd)
            elif _try_flock(fd, exclusive=True):
                _gates[key] = [fd, 1]
                _write_gate_record(fd)
            else:
                return False
        self._writer = True
        return True

    def _leave_gate(self) -> None:
        if not self._writer:
            return
        self._writer = False
        key = _key(self.path)
        with _gates_lock:
            entry = _gates.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] > 0:
                return
            del _gates[key]
        fd = entry[0]
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # our record: no one holds the gate now
        _unlock(fd)
        os.close(fd)

    def _add_reader(self) -> None:
        key = _key(self.path)
        with _readers_lock:
            n = _readers.get(key, 0)
            if n == 0:
                _write_reader_record(self.path)
            _readers[key] = n + 1
        self._reader = True

    def _drop_reader(self) -> None:
        if not self._reader:
            return
        self._reader = False
        key = _key(self.path)
        with _readers_lock:
            n = _readers.get(key, 1) - 1
            if n <= 0:
                _readers.pop(key, None)
                with contextlib.suppress(OSError):
                    (_readers_dir(self.path) / f"{os.getpid()}.json").unlink()
            else:
                _readers[key] = n

    def release(self) -> None:
        """Drop the gate (a writer) or the reader record (a reader)."""
        if self._released:
            return
        self._released = True
        self._drop_reader()
        self._leave_gate()


def _write_reader_record(path: Path) -> None:
    d = _readers_dir(path)
    rec = d / f"{os.getpid()}.json"
    tmp = d / f".{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        d.mkdir(exist_ok=True)
        tmp.write_text(json.dumps(_me("read").as_dict()))
        tmp.replace(rec)
    except OSError:
        pass  # records only make lock messages precise; a read-only directory still reads


def _write_gate_record(fd: int) -> None:
    data = json.dumps(_me("write").as_dict()).encode()
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
    except OSError:
        pass


def _duckdb_holder(path: Path, message: str, wanted: Mode) -> Holder:
    """Who holds the file, from DuckDB's refusal and the records beside the store."""
    m = _HELD_BY.search(message)
    pid = int(m["pid"]) if m else None
    if pid is not None:
        rec = _reader_record(path, pid)
        if rec is not None:
            return rec
        gate = _gate_record(path)
        if gate is not None and gate.pid == pid:
            return gate
    # DuckDB hints at read-only access when the holder itself only reads.
    mode: Mode = "read" if wanted == "write" and "read-only mode" in message else "write"
    cmd = (_proc_command(pid) if pid is not None else None) or (m["exe"] if m else "")
    return Holder(pid, mode, cmd, None, brinkwatch=False)


def _locked_error(path: Path, holder: Holder, wanted: Mode, waited: float) -> StoreLockedError:
    if holder.pid == os.getpid():
        how = "this process already holds it; use the store it has open, or close that one first"
    elif holder.mode == "write":
        how = (
            "a writer keeps the store until it has finished (an ingest, or the dashboard "
            "adding coded events); try again when it has, or allow a longer wait"
        )
    else:
        how = (
            "a dashboard read lasts one request, but a long query or an open session (a "
            "notebook, a script) keeps the store until it is closed; close it, or allow a "
            "longer wait"
        )
    verb = "reading" if wanted == "read" else "writing"
    return StoreLockedError(
        f"the store is held by {holder.describe()}; gave up {verb} after waiting "
        f"{waited:.1f} s. {how[0].upper()}{how[1:]}",
        path=path,
        holder=holder,
        retry_after=5.0 if holder.mode == "write" else 1.0,
    )


class _Waiter:
    """Backoff, deadline and notices for one attempt to open the store."""

    def __init__(self, path: Path, mode: Mode, wait: float, notice: Notice | None) -> None:
        self.path, self.mode, self.wait, self.notice = path, mode, max(0.0, wait), notice
        self.start = time.monotonic()
        self.delay = _FIRST_DELAY
        self.last: tuple[int | None, str] | None = None

    def blocked(self, holder: Holder) -> None:
        """Sleep a little, or raise if the wait is over (or can never end)."""
        waited = time.monotonic() - self.start
        if holder.pid == os.getpid() or waited >= self.wait:
            raise _locked_error(self.path, holder, self.mode, waited)
        if self.notice is not None and (holder.pid, holder.mode) != self.last:
            self.last = (holder.pid, holder.mode)
            self.notice(holder, self.wait)
        time.sleep(min(self.delay, max(0.001, self.wait - waited)))
        self.delay = min(self.delay * 1.5, _MAX_DELAY)


def _is_conflict(exc: duckdb.Error) -> bool:
    return bool(_CONFLICT.search(str(exc)))


def _cannot_open(path: Path, exc: duckdb.Error) -> StoreError:
    return StoreError(
        f"cannot open the store: {exc}. Check that it is a brinkwatch store (a DuckDB file) "
        "that this user may read, and write to when ingesting",
        path=path,
    )


def open_duckdb(
    path: Path,
    *,
    read_only: bool,
    config: dict[str, Any],
    wait: float = DEFAULT_WAIT,
    notice: Notice | None = None,
) -> tuple[duckdb.DuckDBPyConnection, Lease]:
    """Open ``path`` with DuckDB once no other process stands in the way (see the module doc).

    Parameters
    ----------
    path
        The store file.
    read_only
        Open it for reading only.
    config
        DuckDB settings.
    wait
        Seconds to wait at most for other processes to release the file.
    notice
        Called with the holder (and ``wait``) when waiting starts and when the holder changes.

    Returns
    -------
    tuple
        The connection and the :class:`Lease` to release when it is closed.

    Raises
    ------
    StoreLockedError
        If the file was still held after ``wait`` seconds (or is held by this very process).
    StoreError
        If DuckDB refuses the file for another reason.
    """
    mode: Mode = "read" if read_only else "write"
    waiter = _Waiter(path, mode, wait, notice)
    gate = _open_gate(path, create=not read_only or path.exists())
    lease = Lease(path, mode)
    try:
        if not read_only and gate is not None:
            while not lease._enter_gate(gate):
                waiter.blocked(_gate_record(path) or Holder(None, "write", "brinkwatch"))
            gate = None  # registered with the lease, or closed as this process already had it
        while True:
            if read_only and gate is not None:
                # Only look: new readers stay out while a writer holds or awaits the gate.
                if not _try_flock(gate, exclusive=False):
                    waiter.blocked(_gate_record(path) or Holder(None, "write", "brinkwatch"))
                    continue
                _unlock(gate)
                lease._add_reader()
            try:
                con = duckdb.connect(str(path), read_only=read_only, config=config)
            except duckdb.Error as exc:
                lease._drop_reader()
                if not _is_conflict(exc):
                    raise _cannot_open(path, exc) from exc
                try:
                    waiter.blocked(_duckdb_holder(path, str(exc), mode))
                except StoreLockedError as locked:
                    raise locked from exc
                continue
            return con, lease
    except BaseException:
        lease.release()
        raise
    finally:
        if gate is not None:
            os.close(gate)


class WatchLease:
    """The one-watcher lock of a store (see :func:`watch_lock`); :meth:`release` drops it.

    Attributes
    ----------
    path
        The lock file, ``<store>.watch``.
    previous
        The record a watcher that died left behind (its lock was taken over), else ``None``.
    """

    def __init__(self, path: Path, fd: int, previous: Holder | None) -> None:
        self.path, self._fd, self.previous = path, fd, previous

    def release(self) -> None:
        """Clear the record and drop the lock (idempotent)."""
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = -1

    def __enter__(self) -> WatchLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def watch_lock(store: str | Path) -> WatchLease:
    """Take the one-watcher lock of ``store``: an advisory ``flock`` on ``<store>.watch``.

    The file holds the holder's pid, command and start time. The kernel drops the lock when
    its process dies, so a watcher killed with SIGKILL never blocks the next one: its record
    is taken over (and reported in :attr:`WatchLease.previous`).

    Parameters
    ----------
    store
        The store file.

    Returns
    -------
    WatchLease
        Held until released (or the process ends).

    Raises
    ------
    WatchLockedError
        If a live watcher holds the lock; the message names its pid and start time.
    """
    lock = Path(store).with_name(Path(store).name + ".watch")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as exc:
        raise StoreError(
            f"cannot create the watcher lock {lock}: {exc}. The store's directory must be "
            "writable for a watcher",
            path=store,
        ) from exc
    if not _try_flock(fd, exclusive=True):
        holder = _parse(os.pread(fd, 4096, 0)) or Holder(None, "write", "brinkwatch watch")
        os.close(fd)
        raise WatchLockedError(
            f"another watcher already follows this store: {holder.describe()}. Only one "
            "watcher may run per store; stop it (or let its --once run end) before starting "
            f"another. The lock is {lock}",
            path=store,
            holder=holder,
            retry_after=5.0,
        )
    raw = os.pread(fd, 4096, 0)
    # We hold the lock, so whoever recorded itself here has died (the kernel dropped its lock).
    previous = _parse(raw, live=False) if raw.strip() else None
    data = json.dumps(_me("write").as_dict()).encode()
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
    return WatchLease(lock, fd, previous)
