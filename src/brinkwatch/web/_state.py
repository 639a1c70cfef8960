"""What the dashboard keeps between requests: store access, a result cache and a job queue.

Store access
    DuckDB lets one process write a file while no other process has it open, and lets any
    number of read-only connections share it. Inside one process it also refuses a read-write
    connection to a file that is open read-only. So each request opens its own short read-only
    connection (about 40 ms) and closes it; the one write action (adding coded events) waits
    until no read is in progress, opens a read-write connection, writes and closes it, while new
    reads wait. Between processes, :func:`brinkwatch.store.connect` queues readers and writers
    (docs/schema.md, "Readers and writers"): a request waits at most ``read_wait`` seconds for
    another process's write (``brinkwatch ingest``) to end; then it answers from the result
    cached for the previous version of the store, if there is one, or with a 503 naming the
    writer (the app adds ``Retry-After``).

Jobs
    Scenario runs take seconds to minutes. They run in a pool of ``workers`` threads with at
    most ``capacity`` jobs queued or running; a request beyond that is refused (429) instead of
    piling up work.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brinkwatch.errors import BrinkwatchError, BusyError, RegisterError, StoreLockedError
from brinkwatch.store import Store, connect

if TYPE_CHECKING:
    from brinkwatch.instruments import Register

__all__ = ["Job", "JobQueue", "StoreAccess", "startup_register"]


def startup_register(register: Register | str | Path | None) -> Register | None:
    """Read the instruments register once, when the app starts.

    A :class:`~brinkwatch.instruments.Register` is used as given; a path is read (an invalid
    file fails the start, naming file, line and field); ``None`` reads the bundled register,
    or gives None when this installation has none (the pages then say so).
    """
    from brinkwatch.ingest.instruments import bundled_register, read_register

    if register is None:
        try:
            return bundled_register()
        except RegisterError:
            return None
    if isinstance(register, str | Path):
        return read_register(register)
    return register


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._waiting_writers)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            self._cond.wait_for(lambda: not self._writing and self._readers == 0)
            self._waiting_writers -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class StoreAccess:
    """Short-lived connections to one store file, and a cache of results computed from it.

    Parameters
    ----------
    path
        The DuckDB file.
    cache_size
        Results kept (least recently used dropped first).
    threads, memory_limit
        DuckDB resource limits for every connection (as :func:`brinkwatch.store.connect`).
    read_wait, write_wait
        Seconds a read, or the write, waits at most while another process holds the store.
    register
        The instruments register the views read (:func:`startup_register`), or None.
    """

    def __init__(
        self,
        path: Path,
        *,
        cache_size: int = 64,
        threads: int | None = None,
        memory_limit: str | None = None,
        read_wait: float = 1.0,
        write_wait: float = 10.0,
        register: Register | None = None,
    ) -> None:
        self.path = path
        self.register = register
        self.threads = threads
        self.memory_limit = memory_limit
        self.read_wait = read_wait
        self.write_wait = write_wait
        self._lock = _ReadWriteLock()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size

    @contextmanager
    def read(self) -> Iterator[Store]:
        """Yield a read-only store for the duration of the block."""
        with self._lock.read():
            store = connect(
                self.path,
                read_only=True,
                threads=self.threads,
                memory_limit=self.memory_limit,
                wait=self.read_wait,
            )
            try:
                yield store
            finally:
                store.close()

    @contextmanager
    def write(self) -> Iterator[Store]:
        """Yield a read-write store; no read runs in this process meanwhile."""
        with self._lock.write():
            store = connect(
                self.path,
                threads=self.threads,
                memory_limit=self.memory_limit,
                wait=self.write_wait,
            )
            try:
                yield store
            finally:
                store.close()

    def version(self) -> tuple[int, int, int]:
        """Return a stamp that changes whenever the file is written (by any process)."""
        parts = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = p.stat()
                parts.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                parts.append((0, 0))
        return (parts[0][0], parts[0][1], parts[1][0] + parts[1][1])

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """Return ``compute()`` for ``key`` and this version of the store, computing it once.

        While another process holds the store (an ingest writing), the result computed for
        the latest earlier version is returned instead; without one the
        :class:`~brinkwatch.errors.StoreLockedError` propagates.
        """
        full = (*key, self.version())
        with self._cache_lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
        try:
            value = compute()
        except StoreLockedError:
            with self._cache_lock:
                older = [k for k in reversed(self._cache) if k[:-1] == key]
                if older:
                    return self._cache[max(older, key=lambda k: k[-1])]
            raise
        with self._cache_lock:
            self._cache[full] = value
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return value


@dataclass
class Job:
    """A background run: its state, progress (0..1), result or error."""

    id: str
    kind: str
    status: str = "queued"
    progress: float = 0.0
    result: Any = None
    error: str | None = None
    error_kind: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready state (the result only once done)."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": round(self.progress, 4),
        }
        if self.status == "done":
            out["result"] = self.result
        if self.status == "failed":
            out["error"] = {"kind": self.error_kind, "message": self.error}
        return out


class JobQueue:
    """A bounded pool for long computations.

    Parameters
    ----------
    workers
        Threads running jobs.
    capacity
        Jobs queued or running at most; :meth:`submit` raises
        :class:`~brinkwatch.errors.BusyError` beyond.
    keep
        Finished jobs remembered for polling.
    """

    def __init__(self, *, workers: int = 1, capacity: int = 4, keep: int = 32) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="brinkwatch-job")
        self._slots = threading.BoundedSemaphore(capacity)
        self._capacity = capacity
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._keep = keep

    def submit(self, kind: str, fn: Callable[[Callable[[float], None]], Any]) -> Job:
        """Queue ``fn(progress)``; its return value becomes the job's result."""
        if not self._slots.acquire(blocking=False):
            raise BusyError(
                f"{self._capacity} runs are already queued or running; wait for one to finish "
                "and try again"
            )
        job = Job(id=f"{next(self._ids)}-{int(time.time() * 1000) % 100000}", kind=kind)
        with self._lock:
            self._jobs[job.id] = job
            finished = [k for k, j in self._jobs.items() if j.finished is not None]
            for k in finished[: max(0, len(self._jobs) - self._keep)]:
                del self._jobs[k]

        def progress(f: float) -> None:
            job.progress = max(job.progress, min(1.0, float(f)))

        def run() -> None:
            job.status = "running"
            try:
                job.result = fn(progress)
                job.progress = 1.0
                job.status = "done"
            except BrinkwatchError as exc:
                job.error, job.error_kind, job.status = str(exc), type(exc).__name__, "failed"
            except Exception as exc:  # a bug: keep the server up and say so
                job.error, job.error_kind, job.status = repr(exc), "InternalError", "failed"
                raise
            finally:
                job.finished = time.time()
                self._slots.release()

        self._pool.submit(run)
        return job

    def get(self, job_id: str) -> Job | None:
        """Return the job with this id, if still remembered."""
        with self._lock:
            return self._jobs.get(job_id)

    def shutdown(self) -> None:
        """Stop taking jobs, drop queued ones and wait for running ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for job in self._jobs.values():
                if job.status == "queued":
                    job.status, job.error, job.error_kind = "failed", "server stopped", "Cancelled"
