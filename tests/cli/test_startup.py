"""The CLI starts without the heavy libraries the command at hand does not need.

Deterministic, not timed: ``python -X importtime`` lists every module a run imports, and these
tests assert which ones are absent. ``bench/startup.py`` measures the seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from brinkwatch.ingest.fetch import HttpxTransport
from brinkwatch.measure import parse_rules
from brinkwatch.watch import WatchConfig, load_channels, parse_dyads, run_once
from tests.ingest._http_server import serve_directory
from tests.watch._feed import build_feed
from tests.watch.conftest import DYADS, RULES

SRC = Path(__file__).resolve().parents[2] / "src"

# Each costs 0.1-1 s of start-up; none is needed to print help or to find nothing new.
HEAVY = (
    "numpy", "pandas", "pyarrow", "scipy", "statsmodels", "spacy", "plotly", "fastapi",
    "uvicorn", "ibis", "sqlglot", "pyspark", "jinja2",
)  # fmt: skip


def _imported(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime -m brinkwatch ARGS``; return the run and the modules imported."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "brinkwatch", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in r.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "brinkwatch.cli" in names, r.stderr[-2000:]  # the listing is there at all
    return r, names


def _top_level(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["watch", "--help"]])
def test_help_and_version_import_no_stage_and_no_heavy_library(args: list[str]) -> None:
    r, names = _imported(*args)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "brinkwatch" in r.stdout
    assert not _top_level(names) & {*HEAVY, "duckdb", "httpx"}
    # Every command is registered (its help is listed), yet no stage behind it is imported.
    stages = ("store", "ingest._pipeline", "measure.dyads", "explain", "simulate", "coding", "web")
    assert not {f"brinkwatch.{s}" for s in stages} & names


def test_watch_once_on_an_up_to_date_store_imports_no_heavy_library(
    tmp_path: Path, shared_data: Path
) -> None:
    feed = build_feed(tmp_path / "feed", shared_data / "gdelt" / "20191024143000.export.CSV", 3)
    (tmp_path / "rules.yaml").write_text(RULES)
    channels = tmp_path / "channels.yaml"
    channels.write_text(
        "channels:\n  - name: log\n    type: jsonl\n    path: alarms.jsonl\n    min_severity: low\n"
    )
    with serve_directory(feed.root) as server:
        feed.base_url = server.url
        feed.advance(2)
        cfg = WatchConfig(
            store=tmp_path / "store.duckdb",
            feed_url=feed.lastupdate_url,
            channels=tuple(load_channels(channels)),
            dyads=parse_dyads(DYADS),
            rules=tuple(parse_rules(RULES)),
        )
        with HttpxTransport() as t:
            first = run_once(cfg, t)
        assert first.ingested and first.alarms_queued > 0  # the store now holds the feed
        server.clear_log()
        dyads = [x for d in DYADS for x in ("--dyad", d)]
        r, names = _imported(
            "watch", "--once", "--db", str(cfg.store), "--feed", feed.lastupdate_url,
            "--channels", str(channels), "--rules", str(tmp_path / "rules.yaml"), *dyads,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr[-2000:]
        assert server.paths() == ["gdeltv2/lastupdate.txt"]  # it polled, and found nothing new
    # What an up-to-date poll needs: the store (DuckDB), the feed (httpx), the channels (YAML).
    assert {"duckdb", "httpx", "yaml", "brinkwatch.store"} <= names
    assert not _top_level(names) & set(HEAVY), sorted(_top_level(names) & set(HEAVY))
    assert "brinkwatch.ingest._pipeline" not in names  # nothing new: nothing to ingest
