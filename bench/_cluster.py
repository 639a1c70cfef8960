"""A Spark standalone cluster on this machine: one master and N workers, for the benchmarks.

Started with PySpark's own ``bin/spark-class`` (the wheel carries Spark's jars, so nothing is
downloaded), bound to 127.0.0.1 on free ports, each daemon in its own process group with its
log in ``log_dir``. :func:`cluster` yields a :class:`Cluster` once every worker has registered
with the master and stops every daemon on the way out, whatever happened (SIGTERM to the
process group, SIGKILL if it lingers), so no JVM is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Cluster", "ClusterError", "cluster"]


class ClusterError(RuntimeError):
    """The cluster did not start (a daemon died, or the workers did not register in time)."""


@dataclass
class Cluster:
    """A running cluster: its master URL, web UI and daemon processes."""

    master_url: str
    ui_url: str
    log_dir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        """Process ids of the daemons (the JVMs: ``spark-class`` execs ``java``)."""
        return [p.pid for p in self.procs if p.poll() is None]

    def alive_workers(self) -> int:
        """Workers the master lists as ALIVE (0 when the master does not answer)."""
        try:
            with urllib.request.urlopen(f"{self.ui_url}/json/", timeout=2) as r:
                body = json.load(r)
        except (OSError, ValueError):
            return 0
        return sum(1 for w in body.get("workers", []) if w.get("state") == "ALIVE")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spark_env(log_dir: Path) -> dict[str, str]:
    """The environment for the daemons (and for a driver that should bind to 127.0.0.1)."""
    import pyspark

    return {
        **os.environ,
        "SPARK_HOME": str(Path(pyspark.__file__).parent),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": "256m",  # the daemons only schedule; executors get the memory
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOG_DIR": str(log_dir),
    }


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a daemon we started (its own process group), killing it if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def cluster(
    log_dir: Path, *, workers: int = 2, cores: int = 1, memory: str = "2g", timeout: float = 120
) -> Iterator[Cluster]:
    """Start a master and ``workers`` workers; yield the cluster; stop every daemon at the end.

    Parameters
    ----------
    log_dir
        Folder for the daemons' logs and the workers' work directories (created).
    workers, cores, memory
        Number of workers and what each offers (``--cores``, ``--memory``).
    timeout
        Seconds to wait for every worker to register.

    Raises
    ------
    ClusterError
        If a daemon exits or the workers do not register in time; the message holds the
        tails of the logs.
    """
    import pyspark

    log_dir.mkdir(parents=True, exist_ok=True)
    env = spark_env(log_dir)
    spark_class = str(Path(pyspark.__file__).parent / "bin" / "spark-class")
    port, ui_port = free_port(), free_port()
    c = Cluster(f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}", log_dir)

    def start(name: str, *args: str) -> None:
        with (log_dir / f"{name}.log").open("wb") as out:
            c.procs.append(
                subprocess.Popen(
                    [spark_class, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, start_new_session=True,
                )
            )  # fmt: skip

    try:
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
              "--port", str(port), "--webui-port", str(ui_port))  # fmt: skip
        for i in range(workers):
            start(f"worker{i + 1}", "org.apache.spark.deploy.worker.Worker", c.master_url,
                  "--host", "127.0.0.1", "--cores", str(cores), "--memory", memory,
                  "--webui-port", "0", "--work-dir", str(log_dir / f"work{i + 1}"))  # fmt: skip
        deadline = time.monotonic() + timeout
        while c.alive_workers() < workers:
            dead = [p for p in c.procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                tails = {
                    f.name: f.read_text(errors="replace")[-1500:] for f in log_dir.glob("*.log")
                }
                raise ClusterError(
                    f"the Spark cluster did not start ({c.alive_workers()} of {workers} workers "
                    f"registered; {len(dead)} daemons exited); logs in {log_dir}: {tails}"
                )
            time.sleep(0.5)
        yield c
    finally:
        for proc in reversed(c.procs):
            _stop(proc)
