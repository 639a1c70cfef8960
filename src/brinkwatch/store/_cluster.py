"""A Spark standalone cluster on this machine, started with PySpark's own ``spark-class``.

The PySpark wheel carries Spark's jars and launch scripts, so a master and workers start
without a Spark download: enough for a one-machine trial of ``--engine spark``, for the test
suite's cluster and for ``bench/scale.py``. Every daemon binds to 127.0.0.1 on a free port and
runs in its own process group, so that stopping it stops the JVM that ``spark-class`` starts.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from brinkwatch.errors import ClusterError

__all__ = ["StandaloneCluster", "standalone_cluster"]

_MASTER = "org.apache.spark.deploy.master.Master"
_WORKER = "org.apache.spark.deploy.worker.Worker"
#: How much of each daemon's log an error quotes.
_TAIL = 1500


@dataclass
class StandaloneCluster:
    """A running standalone cluster: where to reach it and its daemons.

    Attributes
    ----------
    master_url
        ``spark://127.0.0.1:PORT``: the ``--master`` of a session or of the CLI.
    ui_url
        The master's web UI (``/json/`` lists the workers).
    log_dir
        The daemons' logs (``master.log``, ``worker1.log`` ...) and the workers' work folders
        (``work1`` ...), where executors write their output.
    procs
        The daemons, master first.
    """

    master_url: str
    ui_url: str
    log_dir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        """Process ids of the daemons still running (``spark-class`` execs ``java``)."""
        return [p.pid for p in self.procs if p.poll() is None]

    def alive_workers(self) -> int:
        """Return how many workers the master lists as ALIVE (0 when it does not answer)."""
        try:
            with urllib.request.urlopen(f"{self.ui_url}/json/", timeout=2) as r:
                body = json.load(r)
        except (OSError, ValueError):
            return 0
        return sum(1 for w in body.get("workers", []) if w.get("state") == "ALIVE")

    def log_tails(self) -> dict[str, str]:
        """Return the end of each daemon's log, by file name."""
        return {
            f.name: f.read_text(encoding="utf-8", errors="replace")[-_TAIL:]
            for f in sorted(self.log_dir.glob("*.log"))
        }


@contextlib.contextmanager
def standalone_cluster(
    *,
    workers: int = 1,
    cores: int = 1,
    memory: str = "1g",
    log_dir: str | Path | None = None,
    timeout: float = 120.0,
    daemon_memory: str = "256m",
    spark_home: str | Path | None = None,
) -> Iterator[StandaloneCluster]:
    """Start a master and ``workers`` workers on 127.0.0.1; stop them all when the block ends.

    Yields once every worker has registered with the master; the daemons are stopped on the
    way out whatever happened (SIGTERM to each process group, SIGKILL if one lingers).

    Parameters
    ----------
    workers
        How many workers to start.
    cores, memory
        What each worker offers to applications (``--cores``, ``--memory``: ``"2g"``).
    log_dir
        Folder for the daemons' logs and the workers' work folders (created). By default a
        temporary folder, removed at the end unless the cluster failed to start.
    timeout
        Seconds to wait for every worker to register.
    daemon_memory
        Heap of each daemon (``SPARK_DAEMON_MEMORY``); they only schedule, executors get
        ``memory``.
    spark_home
        Where ``bin/spark-class`` is; by default the installed PySpark package.

    Yields
    ------
    StandaloneCluster
        The running cluster; pass ``master_url`` as ``--master`` or to ``connect``.

    Raises
    ------
    ClusterError
        If PySpark, its ``spark-class`` or Java is missing, a daemon exits, or the workers do
        not register within ``timeout``; the message quotes the end of each daemon's log.

    Examples
    --------
    >>> from brinkwatch.store import connect, standalone_cluster
    >>> with standalone_cluster(workers=2, memory="2g") as c:  # doctest: +SKIP
    ...     store = connect(lake="lake", backend="spark", master=c.master_url)
    """
    home = Path(spark_home) if spark_home is not None else _pyspark_home()
    spark_class = home / "bin" / "spark-class"
    if not spark_class.is_file():
        raise ClusterError(
            f"{spark_class} is missing, so no Spark daemon can start; reinstall PySpark "
            "(pip install 'brinkwatch[spark]') or pass the spark_home that holds bin/spark-class"
        )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise ClusterError(
            "Spark needs Java 17: no java on PATH and no $JAVA_HOME; install a JDK 17 and "
            "put its bin folder on PATH"
        )
    temporary = not log_dir
    logs = Path(log_dir or tempfile.mkdtemp(prefix="brinkwatch-cluster-"))
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": daemon_memory,
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOG_DIR": str(logs),
    }
    port, ui_port = _free_port(), _free_port()
    cluster = StandaloneCluster(f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}", logs)

    def start(name: str, *args: str) -> None:
        with (logs / f"{name}.log").open("wb") as out:
            cluster.procs.append(
                subprocess.Popen(
                    [str(spark_class), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, start_new_session=True,
                )
            )  # fmt: skip

    started = False
    try:
        start("master", _MASTER, "--host", "127.0.0.1", "--port", str(port),
              "--webui-port", str(ui_port))  # fmt: skip
        for i in range(1, workers + 1):
            start(f"worker{i}", _WORKER, cluster.master_url, "--host", "127.0.0.1",
                  "--cores", str(cores), "--memory", memory, "--webui-port", "0",
                  "--work-dir", str(logs / f"work{i}"))  # fmt: skip
        _wait_for_workers(cluster, workers, timeout)
        started = True
        yield cluster
    finally:
        for proc in reversed(cluster.procs):
            _stop(proc)
        if temporary and started:
            shutil.rmtree(logs, ignore_errors=True)


def _wait_for_workers(cluster: StandaloneCluster, workers: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (alive := cluster.alive_workers()) < workers:
        dead = [p for p in cluster.procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            why = f"{len(dead)} daemons exited" if dead else f"none within {timeout:g} s"
            raise ClusterError(
                f"the Spark cluster did not start: {alive} of {workers} workers registered "
                f"({why}). Check Java 17 and the logs in {cluster.log_dir}; their ends: "
                f"{cluster.log_tails()}"
            )
        time.sleep(0.5)


def _pyspark_home() -> Path:
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        raise ClusterError(
            "a Spark cluster needs PySpark: pip install 'brinkwatch[spark]' (and Java 17)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a daemon (its whole process group), killing it if it lingers."""
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
