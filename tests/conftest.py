"""Shared fixtures: the real third-party data in ../shared/data, and fresh stores."""

from __future__ import annotations

import contextlib
import csv
import fcntl
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Generator, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from brinkwatch.errors import ClusterError, OriginOverrideWarning
from brinkwatch.ingest import ColumnMapping, ingest, read_mapping
from brinkwatch.store import Store, connect, standalone_cluster

# CI runs the property and fuzz tests on a fixed sequence of examples, so that a submission
# lands or not on its own merits; developers' runs keep exploring new examples (and the failing
# ones they find become regression tests).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: Session fixtures that must exist once per run, not once per xdist worker: a second Spark
#: cluster would not fit in 2 cores and the memory, and the dashboard's store is written by
#: the tests that run last (tests/web/conftest.py).
_ONE_WORKER = {
    "spark": ("spark_cluster", "spark_session"),
    "web": ("web_db",),
}
#: The parameter value that makes a fixture reach Spark through ``request.getfixturevalue``
#: (tests/measure: ``backend``, ``gdelt_backend``, ``chron_backend``, ``on_engine`` ...), which
#: ``item.fixturenames`` cannot see.
_SPARK_PARAM = "spark"


def _xdist_group(item: pytest.Item) -> str | None:
    """The worker group of a test under ``pytest -n N --dist loadgroup``, or None (any worker).

    Tests of a module that share a module- or class-scoped fixture (a browser page, a store)
    stay together, in their order, so that the fixture is built once as without xdist.
    """
    names = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    for group, fixtures in _ONE_WORKER.items():
        if names.intersection(fixtures):
            return group
    if any(v == _SPARK_PARAM for v in params.values()):
        return "spark"
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.values() if info is not None else ()
    if any(d[-1].scope in ("module", "class", "package") for d in defs if d):
        return item.nodeid.split("::", 1)[0]
    return None


#: Where the workers leave the groups for the controller's scheduler, in the run's base
#: temporary folder (each worker's is a sub-folder of it).
_GROUPS_FILE = "xdist-groups.json"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that must share an xdist worker (see ``_xdist_group``).

    xdist 3.8 puts a group into the node id that its scheduler reads, which pytest 9 no longer
    lets it do (node ids are built otherwise): the workers also write the groups to a file
    that ``pytest_xdist_make_scheduler`` below reads.
    """
    groups: dict[str, str] = {}
    for item in items:
        group = _xdist_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
            groups[item.nodeid] = group
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        root = config._tmp_path_factory.getbasetemp().parent  # type: ignore[attr-defined]
        part = root / f"{_GROUPS_FILE}.{workerinput['workerid']}"
        part.write_text(json.dumps(groups), encoding="utf-8")
        part.replace(root / _GROUPS_FILE)  # every worker collects the same tests


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``--dist loadgroup``, schedule by the groups the workers wrote (see above)."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FileGroupScheduling(LoadGroupScheduling):  # type: ignore[misc]
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                path = config._tmp_path_factory.getbasetemp() / _GROUPS_FILE  # type: ignore[attr-defined]
                self.groups = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            group = self.groups.get(nodeid)
            return group if group is not None else str(super()._split_scope(nodeid))

    return FileGroupScheduling(config, log)


#: Java options of every JVM the tests start: the cluster's daemons, the drivers (the tests'
#: session, the CLI's, the kill test's) and their executors. They live seconds or minutes on
#: tiny data, where the optimizing compiler (C2) and a parallel collector spend more of the
#: two cores than they save: C1 alone halves a measure's JVM CPU time here (results do not
#: depend on the JIT). bench/scale.py keeps Spark's defaults.
_TEST_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def pytest_configure(config: pytest.Config) -> None:
    """Point Spark at test defaults (``_TEST_JVM``) unless the caller has a Spark conf dir."""
    if os.environ.get("SPARK_CONF_DIR"):
        return
    conf = Path(tempfile.mkdtemp(prefix="brinkwatch-spark-conf-"))
    (conf / "spark-defaults.conf").write_text(
        f"spark.driver.extraJavaOptions {_TEST_JVM}\nspark.executor.extraJavaOptions {_TEST_JVM}\n",
        encoding="utf-8",
    )
    # Subprocesses (the CLI on the cluster, the killed driver) inherit both.
    os.environ["SPARK_CONF_DIR"] = str(conf)
    os.environ.setdefault("SPARK_DAEMON_JAVA_OPTS", _TEST_JVM)
    config.add_cleanup(lambda: shutil.rmtree(conf, ignore_errors=True))


@contextlib.contextmanager
def _turn(item: pytest.Item) -> Iterator[None]:
    """Under xdist, hold a lock that lets ``solo`` tests run while no other test runs.

    Every test takes the run's lock shared and a ``solo`` test takes it exclusive (a fair
    readers-writer lock on two ``flock`` files in the run's base temporary folder): the
    tests that bound wall time, or start many processes themselves, get the cores they were
    written for. Without xdist there is nobody to wait for.
    """
    workerinput = getattr(item.config, "workerinput", None)
    if workerinput is None:
        yield
        return
    root = item.config._tmp_path_factory.getbasetemp().parent  # type: ignore[attr-defined]
    solo = item.get_closest_marker("solo") is not None
    with (root / "solo.gate").open("a") as gate, (root / "solo.lock").open("a") as lock:
        # The gate stops new tests from starting while a solo test waits for the running ones.
        fcntl.flock(gate, fcntl.LOCK_EX)
        if solo:
            fcntl.flock(lock, fcntl.LOCK_EX)
            fcntl.flock(gate, fcntl.LOCK_UN)
        else:
            fcntl.flock(gate, fcntl.LOCK_UN)
            fcntl.flock(lock, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Run each test in its turn (see ``_turn``)."""
    with _turn(item):
        return (yield)


if os.environ.get("PYTEST_XDIST_WORKER"):
    # An xdist worker starts with COLUMNS=80 in its environment, which the CLI takes as the
    # width of its Rich output, and its temporary paths are 10 characters longer
    # (.../popen-gw0/...), so that error messages naming them wrap mid-path at 80 columns.
    # The width of a run without a terminal (cli/_app.py) keeps the output as without -n.
    os.environ["COLUMNS"] = "140"

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
#: Set to 1 to run as on a machine without ``../shared`` (the shared-data tests skip).
NO_SHARED_ENV = "BRINKWATCH_TEST_NO_SHARED"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project root; skips when it is absent."""
    if os.environ.get(NO_SHARED_ENV) == "1":
        pytest.skip(f"{NO_SHARED_ENV}=1: running as if ../shared/data were absent")
    if not SHARED.is_dir():
        pytest.skip(
            f"{SHARED} not found: these tests need the shared third-party data beside "
            "the project root (see ../shared/README.md)"
        )
    return SHARED


@pytest.fixture
def store() -> Iterator[Store]:
    """A fresh in-memory store."""
    s = connect(":memory:")
    yield s
    s.close()


@pytest.fixture
def file_store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store in a DuckDB file."""
    s = connect(tmp_path / "store.duckdb")
    yield s
    s.close()


ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src/brinkwatch/data/samples"
CHRONOLOGY = ROOT / "src/brinkwatch/data/chronology"
#: The bundled Japan-Korea-US chronology; the folder also holds the out-of-sample crises
#: (THAAD, Senkaku), which the fixtures built on "the chronology" must not mix in.
BUNDLED_CHRONOLOGY = CHRONOLOGY / "jpn-kor-usa-2015-2023.csv"


@pytest.fixture(scope="session")
def chronology_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB store holding only the bundled chronology (no shared data needed)."""
    path = tmp_path_factory.mktemp("chron") / "store.duckdb"
    s = connect(path)
    rep = ingest(
        s,
        [BUNDLED_CHRONOLOGY],
        mapping=read_mapping(CHRONOLOGY / "chronology.yaml"),
    )
    assert not rep.failed and rep.rejected == 0 and rep.stored > 150
    s.close()
    return path


#: Actors of the generated wire events: (country, types), and event codes by tenor.
_WIRE_ACTORS = (("JPN", "GOV"), ("KOR", "GOV"), ("USA", "GOV"), ("JPN", "BUS"), ("KOR", "MIL"),
                ("CHN", "GOV"), ("PRK", "MIL"))  # fmt: skip
_WIRE_CODES = {"coop": ("036", "040", "042", "043", "051", "057"),
               "conflict": ("111", "112", "130", "163", "172")}  # fmt: skip
_WIRE_COLUMNS = ("event_id", "event_date", "source_code", "source_country", "source_type",
                 "target_code", "target_country", "target_type", "cameo_code", "num_mentions",
                 "avg_tone", "source_url")  # fmt: skip


def write_wire_events(path: Path, *, seed: int = 2020, days: int = 30) -> int:
    """Write a deterministic CSV of GDELT-like events from 1 November 2020 on; return the rows.

    Every day has 20 to 40 events among the actors above, with mentions and tone; relations
    sour after the 15th (conflict codes three times likelier), so series have a turn.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    start, n = date(2020, 11, 1), 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(_WIRE_COLUMNS)
        for d in range(days):
            day = start + timedelta(days=d)
            p_conflict = 0.25 if d < 15 else 0.75
            for _ in range(int(rng.integers(20, 41))):
                i, j = rng.choice(len(_WIRE_ACTORS), size=2, replace=False)
                (sc, st), (tc, tt) = _WIRE_ACTORS[i], _WIRE_ACTORS[j]
                tenor = "conflict" if rng.random() < p_conflict else "coop"
                code = str(rng.choice(_WIRE_CODES[tenor]))
                tone = rng.normal(-3.0 if tenor == "conflict" else 1.5, 2.0)
                n += 1
                w.writerow([f"w{n}", day.isoformat(), sc + st, sc, st, tc + tt, tc, tt, code,
                            int(rng.integers(1, 30)), f"{tone:.4f}",
                            f"https://news.example/{day:%Y/%m/%d}/{n}"])  # fmt: skip
    return n


@pytest.fixture(scope="session")
def synthetic_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built without ../shared: the bundled chronology and generated wire events.

    Two origins (``chronology`` from 2018 to 2020, ``wire`` for November 2020), five
    countries, several actor types, daily to yearly spans; the same bytes on every run.
    """
    tmp = tmp_path_factory.mktemp("synthetic")
    wire = tmp / "wire-2020-11.csv"
    rows = write_wire_events(wire)
    path = tmp / "store.duckdb"
    s = connect(path)
    rep = ingest(s, [BUNDLED_CHRONOLOGY],
                 mapping=read_mapping(CHRONOLOGY / "chronology.yaml"))  # fmt: skip
    assert not rep.failed and rep.rejected == 0 and rep.stored > 150
    mapping = replace(ColumnMapping.identity(list(_WIRE_COLUMNS), origin="wire"), delimiter=",")
    rep = ingest(s, [wire], mapping=mapping)
    assert not rep.failed and (rep.read, rep.stored) == (rows, rows)
    s.close()
    return path


@pytest.fixture(scope="session")
def measure_db(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A DuckDB store with the bundled chronology and the shared GDELT pandas export."""
    path = tmp_path_factory.mktemp("measure") / "store.duckdb"
    s = connect(path)
    chron = [BUNDLED_CHRONOLOGY] if BUNDLED_CHRONOLOGY.exists() else []
    if chron:
        rep = ingest(s, chron, mapping=read_mapping(CHRONOLOGY / "chronology.yaml"))
    else:
        rep = ingest(s, [SAMPLE / "jpn-kor-2019-sample.csv"],
                     mapping=read_mapping(SAMPLE / "jpn-kor-2019-sample.yaml"))  # fmt: skip
    assert not rep.failed and rep.rejected == 0
    with pytest.warns(OriginOverrideWarning):  # the example claims gdelt2: the rows are GDELT's
        rep = ingest(
            s,
            [shared_data / "gdelt/pandas-export-202011"],
            mapping=read_mapping(ROOT / "docs/examples/gdelt-pandas-export.yaml"),
            origin_override=True,
        )
    assert not rep.failed
    s.close()
    return path


#: Set to ``local`` to run the Spark tests in a local[2] session instead of the test cluster.
SPARK_ENV = "BRINKWATCH_TEST_SPARK"


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Spark standalone cluster on 127.0.0.1: one master, one worker (2 slots, 2 GB).

    Started by :func:`brinkwatch.store.standalone_cluster`; yields the master URL
    (``spark://...``) once the worker has registered, and stops both daemons at the end
    (every cluster test exercises the launcher). The worker offers two
    core slots so that the session's application (one slot, 512 MB) and a CLI run in a
    subprocess (the other, with Spark's default 1 GB executor) both get an executor, in
    whichever order they start.
    """
    pytest.importorskip("pyspark", reason="the Spark cluster tests need pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("the Spark cluster tests need Java 17 (no java on PATH, no $JAVA_HOME)")
    logs = tmp_path_factory.mktemp("spark-cluster")
    try:
        cluster = standalone_cluster(workers=1, cores=2, memory="2g", log_dir=logs, timeout=90)
        with cluster as c:
            _MASTER_UI[c.master_url] = c.ui_url
            yield c.master_url
    except ClusterError as exc:
        pytest.fail(str(exc))


#: The web UI of each test cluster's master (``/json/`` lists its applications), by master URL.
_MASTER_UI: dict[str, str] = {}


@pytest.fixture(scope="session")
def spark_master_ui(spark_cluster: str) -> str:
    """The web UI of the test cluster's master: ``{ui}/json/`` lists its applications."""
    return _MASTER_UI[spark_cluster]


#: The tests' Spark applications (the session's, the kill test's driver): one of the test
#: worker's two slots and a small executor each, the driver on 127.0.0.1.
SPARK_TEST_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.memory": "512m",
    "spark.executor.memory": "512m",
    "spark.cores.max": "1",
    "spark.pyspark.python": sys.executable,
}


@pytest.fixture(scope="session")
def spark_session(request: pytest.FixtureRequest) -> Iterator[Any]:
    """One Spark session for the whole run, on the test cluster (``spark_cluster``).

    Every test that takes ``spark_session`` (the measure parity tests, the lake's Spark
    readers) therefore runs its Spark side on a real standalone cluster; set
    ``BRINKWATCH_TEST_SPARK=local`` to use a local[2] session instead.
    """
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="Spark parity needs pyspark")
    if os.environ.get(SPARK_ENV) == "local":
        master = "local[2]"
    else:
        master = request.getfixturevalue("spark_cluster")
    builder = pyspark_sql.SparkSession.builder.master(master).appName("brinkwatch-tests")
    for key, value in SPARK_TEST_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    """One Playwright driver for the whole run: a second sync instance in one process fails."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the browser tests drive Chromium with playwright"
    )
    with sync_api.sync_playwright() as pw:
        yield pw
