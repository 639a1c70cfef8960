"""The test cluster, and the launcher behind it (``brinkwatch.store.standalone_cluster``).

The first test runs on the suite's real cluster (the ``spark_cluster`` fixture starts it with
the launcher, so every cluster test exercises it); the others check the launcher's failures
without a cluster, about 1 s each.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from brinkwatch.errors import BrinkwatchError, ClusterError, StoreError
from brinkwatch.store import standalone_cluster


def test_the_session_runs_on_the_standalone_cluster(spark_session: Any, spark_cluster: str) -> None:
    assert spark_cluster.startswith("spark://127.0.0.1:")
    assert spark_session.sparkContext.master == spark_cluster
    # A job whose tasks run in the worker's executor, not in the driver.
    assert spark_session.range(1000, numPartitions=4).selectExpr("sum(id)").first()[0] == 499500
    executors = spark_session.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
    assert executors >= 2  # the driver and at least one executor on the worker


def _fake_spark(home: Path, body: str) -> None:
    """A ``bin/spark-class`` that runs ``body`` in sh instead of starting a JVM."""
    script = home / "bin" / "spark-class"
    script.parent.mkdir(parents=True)
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_a_missing_spark_class_is_a_clear_error(tmp_path: Path) -> None:
    with (
        pytest.raises(ClusterError, match="spark-class is missing") as err,
        standalone_cluster(spark_home=tmp_path, log_dir=tmp_path / "logs"),
    ):
        pytest.fail("no cluster can start without spark-class")
    assert str(tmp_path / "bin" / "spark-class") in str(err.value)
    assert isinstance(err.value, StoreError) and isinstance(err.value, BrinkwatchError)


def test_a_daemon_that_exits_ends_in_an_error_quoting_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))  # the fake daemons need no Java
    _fake_spark(tmp_path, 'echo "no JVM here: $1"; exit 1')
    logs = tmp_path / "logs"
    with (
        pytest.raises(ClusterError, match="0 of 2 workers registered") as err,
        standalone_cluster(workers=2, spark_home=tmp_path, log_dir=logs, timeout=30),
    ):
        pytest.fail("the daemons exited")
    message = str(err.value)
    assert "daemons exited" in message and str(logs) in message
    # The log of each daemon, quoted: what a user needs to see why it did not start.
    assert "no JVM here: org.apache.spark.deploy.master.Master" in message
    assert {p.name for p in logs.glob("*.log")} == {"master.log", "worker1.log", "worker2.log"}


def test_workers_that_never_register_time_out_and_every_daemon_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    # Each fake daemon records its pid (exec keeps it) where the launcher put the logs.
    _fake_spark(tmp_path, 'echo $$ >> "$SPARK_LOG_DIR/pids"; exec sleep 60')
    logs = tmp_path / "logs"
    with (
        pytest.raises(ClusterError, match=r"none within 1 s"),
        standalone_cluster(spark_home=tmp_path, log_dir=logs, timeout=1),
    ):
        pytest.fail("no worker registered")
    pids = [int(p) for p in (logs / "pids").read_text().split()]
    assert len(pids) == 2  # the master and one worker
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
