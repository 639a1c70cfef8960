"""Readers and writers across processes: the gate, holder records and lock messages."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from brinkwatch.errors import StoreLockedError
from brinkwatch.store import Holder, connect, holders

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the gate is a POSIX flock")

_HOLD = (
    "import sys, time\n"
    "from brinkwatch.store import connect\n"
    "s = connect(sys.argv[1], read_only=sys.argv[2] == 'r', wait=float(sys.argv[4]))\n"
    "print('open', flush=True)\n"
    "time.sleep(float(sys.argv[3]))\n"
    "s.close()\n"
)


def _hold(
    db: Path, mode: str, seconds: float = 60, wait: float = 30, ready: bool = True
) -> subprocess.Popen[str]:
    """Another brinkwatch process that opens ``db`` (``r`` or ``w``) and keeps it a while."""
    p = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(db), mode, str(seconds), str(wait)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    if ready:
        assert p.stdout is not None and p.stdout.readline().strip() == "open"
    return p


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "s.duckdb"
    connect(path).close()
    yield path


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_reader_is_named_to_a_writer_that_gives_up(db: Path) -> None:
    reader = _hold(db, "r")
    seen: list[tuple[Holder, float]] = []
    try:
        t0 = time.monotonic()
        with pytest.raises(StoreLockedError) as info:
            connect(db, wait=0.5, notice=lambda h, w: seen.append((h, w)))
        waited = time.monotonic() - t0
    finally:
        reader.kill()
        reader.wait()
    msg = str(info.value)
    assert 0.5 <= waited < 5
    assert msg.startswith(f"{db}: the store is held by pid {reader.pid} (-c ")
    assert "reading since" in msg and re.search(r"gave up writing after waiting \d+\.\d s", msg)
    assert "close it, or allow a longer wait" in msg
    h = info.value.holder
    assert isinstance(h, Holder) and (h.pid, h.mode, h.brinkwatch) == (reader.pid, "read", True)
    # Told once whom it waits for, with how long it will wait.
    assert [(x.pid, x.mode, w) for x, w in seen] == [(reader.pid, "read", 0.5)]


def test_a_writer_is_named_to_a_reader_that_gives_up(db: Path) -> None:
    writer = _hold(db, "w")
    try:
        assert [(h.pid, h.mode) for h in holders(db)] == [(writer.pid, "write")]
        gave_up = r"gave up reading after waiting \d+\.\d s"
        with pytest.raises(StoreLockedError, match=gave_up) as info:
            connect(db, read_only=True, wait=0.3)
    finally:
        writer.kill()
        writer.wait()
    assert f"held by pid {writer.pid} (-c " in str(info.value)
    assert "writing since" in str(info.value) and "try again when it has" in str(info.value)
    assert info.value.retry_after == 5.0


def test_a_writer_waits_for_a_short_read_then_writes(db: Path) -> None:
    reader = _hold(db, "r", seconds=1.0)
    seen: list[Holder] = []
    try:
        t0 = time.monotonic()
        with connect(db, wait=30, notice=lambda h, w: seen.append(h)) as s:
            waited = time.monotonic() - t0
            s.con.execute("INSERT INTO meta VALUES ('probe', 'written')")
    finally:
        reader.wait(timeout=30)
    assert waited > 0.2 and [(h.pid, h.mode) for h in seen] == [(reader.pid, "read")]
    assert holders(db) == []


def test_a_waiting_writer_holds_back_new_readers(db: Path) -> None:
    # A long read is in; a writer queues behind it; a new reader must not overtake the writer.
    first = _hold(db, "r")
    writer = _hold(db, "w", seconds=0.1, ready=False)
    try:
        deadline = time.monotonic() + 20
        while not any(h.mode == "write" for h in holders(db)):
            assert time.monotonic() < deadline, "the writer never took the gate"
            time.sleep(0.05)
        with pytest.raises(StoreLockedError) as info:
            connect(db, read_only=True, wait=0.2)
        assert isinstance(info.value.holder, Holder)
        assert (info.value.holder.pid, info.value.holder.mode) == (writer.pid, "write")
        first.terminate()  # the long read ends: the writer gets in
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        assert writer.wait(timeout=30) == 0
    finally:
        for p in (first, writer):
            p.kill()
            p.wait()
    with connect(db, read_only=True, wait=0) as s:
        assert s.events.count().execute() == 0


def test_a_killed_writer_leaves_nothing_that_blocks(db: Path) -> None:
    writer = _hold(db, "w")
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    gate = db.with_name(db.name + ".lock")
    assert json.loads(gate.read_text())["pid"] == writer.pid  # its record is still there
    assert holders(db) == []
    t0 = time.monotonic()
    with connect(db, wait=0) as s:
        # Taken over at once; the gate now records this process.
        assert time.monotonic() - t0 < 5
        assert [(h.pid, h.mode) for h in holders(db)] == [(os.getpid(), "write")]
        assert s.con.execute("SELECT count(*) FROM events").fetchall() == [(0,)]
    assert gate.read_text() == "" and holders(db) == []


def test_stale_reader_records_are_ignored_and_removed(db: Path) -> None:
    records = db.with_name(db.name + ".readers")
    records.mkdir(exist_ok=True)
    dead = _dead_pid()
    rec = {"pid": dead, "mode": "read", "command": "brinkwatch serve", "since": time.time()}
    (records / f"{dead}.json").write_text(json.dumps(rec))
    # A live pid whose start time differs: the pid was reused by an unrelated process.
    parent = os.getppid()
    reused = {**rec, "pid": parent, "proc_start": 1}
    (records / f"{parent}.json").write_text(json.dumps(reused))
    (records / "99.json").write_text("{not json")
    if not Path(f"/proc/{parent}/stat").exists():
        (records / f"{parent}.json").unlink()
    assert holders(db) == []
    assert sorted(p.name for p in records.iterdir()) == []
    with connect(db, wait=0):
        pass


def test_this_process_holding_the_store_fails_at_once(db: Path) -> None:
    with connect(db):
        t0 = time.monotonic()
        with pytest.raises(StoreLockedError, match="This process already holds it"):
            connect(db, read_only=True, wait=30)
        assert time.monotonic() - t0 < 2


def test_readers_in_threads_share_one_record(db: Path) -> None:
    stores = [connect(db, read_only=True, wait=5) for _ in range(3)]
    assert [(h.pid, h.mode) for h in holders(db)] == [(os.getpid(), "read")]
    for s in stores[:2]:
        s.close()
    assert len(holders(db)) == 1
    done = threading.Event()

    def close_last() -> None:
        stores[2].close()
        done.set()

    threading.Thread(target=close_last).start()
    assert done.wait(10)
    assert holders(db) == []


def test_writers_in_one_process_share_the_gate(db: Path) -> None:
    # DuckDB lets one process open a file read-write twice; the gate must not refuse that.
    a = connect(db, wait=0)
    b = connect(db, wait=0)
    a.close()
    assert [(h.pid, h.mode) for h in holders(db)] == [(os.getpid(), "write")]
    b.con.execute("INSERT INTO meta VALUES ('probe', 'b')")
    b.close()
    assert holders(db) == []
