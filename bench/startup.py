"""How fast the CLI starts: ``--version``, ``--help`` and ``watch --once`` on an up-to-date store.

Builds the fake GDELT feed of ``tests/watch`` from the real export in the shared data folder,
serves it on 127.0.0.1, brings a fresh store up to date, then runs each command ``--repeat``
times in a fresh process and prints the median wall and CPU seconds, and which heavy libraries
each command imported (from ``python -X importtime``).

    PYTHONPATH=src .venv/bin/python bench/startup.py [--repeat 5] [--data ../shared/data]
    PYTHONPATH=src .venv/bin/python bench/startup.py --src /tmp/old/src   # time another checkout
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEAVY = (
    "numpy", "pandas", "pyarrow", "scipy", "statsmodels", "spacy", "plotly", "fastapi",
    "ibis", "duckdb", "httpx", "jinja2", "yaml",
)  # fmt: skip


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    t0, c0 = time.perf_counter(), os.times()
    r = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    wall, c1 = time.perf_counter() - t0, os.times()
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{r.stderr}")
    cpu = c1.children_user - c0.children_user + c1.children_system - c0.children_system
    return wall, cpu, r.stderr


def _heavy(stderr: str) -> list[str]:
    top = {ln.split("|")[-1].strip() for ln in stderr.splitlines() if ln.startswith("import time:")}
    return [m for m in HEAVY if m in top]


def main() -> None:
    """Print the start-up figures of three commands."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument(
        "--src", type=Path, default=ROOT / "src", help="the source tree to time (another checkout)"
    )
    opts = ap.parse_args()
    from tests.ingest._http_server import serve_directory
    from tests.watch._feed import build_feed
    from tests.watch.conftest import DYADS, RULES

    from brinkwatch.ingest.fetch import HttpxTransport
    from brinkwatch.measure import parse_rules
    from brinkwatch.watch import WatchConfig, load_channels, parse_dyads, run_once

    env = {**os.environ, "PYTHONPATH": str(opts.src.resolve()), "COLUMNS": "200"}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        export = opts.data / "gdelt" / "20191024143000.export.CSV"
        feed = build_feed(t / "feed", export, 8)
        (t / "rules.yaml").write_text(RULES)
        (t / "channels.yaml").write_text(
            "channels:\n  - name: log\n    type: jsonl\n    path: alarms.jsonl\n"
            "    min_severity: low\n"
        )
        with serve_directory(feed.root) as server:
            feed.base_url = server.url
            feed.advance(4)
            cfg = WatchConfig(
                store=t / "store.duckdb",
                feed_url=feed.lastupdate_url,
                channels=tuple(load_channels(t / "channels.yaml")),
                dyads=parse_dyads(DYADS),
                rules=tuple(parse_rules(RULES)),
            )
            with HttpxTransport() as tr:
                run_once(cfg, tr)
            dyads = [x for d in DYADS for x in ("--dyad", d)]
            watch = [
                "watch", "--once", "--db", str(cfg.store), "--feed", feed.lastupdate_url,
                "--channels", str(t / "channels.yaml"), "--rules", str(t / "rules.yaml"), *dyads,
            ]  # fmt: skip
            for name, cmd in (("--version", ["--version"]), ("--help", ["--help"]),
                              ("watch --once", watch)):  # fmt: skip
                runs = [_timed([sys.executable, "-m", "brinkwatch", *cmd], env)
                        for _ in range(opts.repeat)]  # fmt: skip
                prof = [sys.executable, "-X", "importtime", "-m", "brinkwatch", *cmd]
                _, _, imp = _timed(prof, env)
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                print(f"{name:14} wall {wall:5.2f} s  CPU {cpu:5.2f} s  heavy: "
                      f"{', '.join(_heavy(imp)) or '-'}")  # fmt: skip
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
