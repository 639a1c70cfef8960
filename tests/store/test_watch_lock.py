"""The one-watcher lock beside a store: refused while held, taken over from a dead holder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from brinkwatch.errors import StoreLockedError, WatchLockedError
from brinkwatch.store import watch_lock


def test_a_held_lock_refuses_a_second_watcher_naming_the_holder(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with watch_lock(db) as lease:
        assert lease.previous is None
        with pytest.raises(WatchLockedError, match=f"pid {os.getpid()}") as info:
            watch_lock(db)
        assert isinstance(info.value, StoreLockedError) and info.value.holder is not None
        assert "since" in str(info.value)
    with watch_lock(db):  # released: free again, and the record was cleared
        pass


def test_the_record_of_a_dead_watcher_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    record = {"pid": pid, "mode": "write", "command": "brinkwatch watch", "since": 1.0}
    (tmp_path / "s.duckdb.watch").write_text(json.dumps(record))
    with watch_lock(db) as lease:
        assert lease.previous is not None and lease.previous.pid == pid
        assert json.loads((tmp_path / "s.duckdb.watch").read_text())["pid"] == os.getpid()
