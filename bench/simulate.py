"""Benchmark the Hawkes model: simulation against bare NumPy Poisson draws, and fitting 1M events.

Run it from the project root with the project's venv::

    .venv/bin/python bench/simulate.py                        # 100,000 paths x 365 days, 1M events
    .venv/bin/python bench/simulate.py --paths 20000 --markdown
    .venv/bin/python bench/simulate.py --no-fit               # simulation only

Simulation: ``HawkesModel.simulate(365, 100_000, seed)`` for a triad (12 streams) with known
parameters (the crisis triad of ``tests/simulate/conftest.py``: tit-for-tat conflict, branching
ratio 0.45, half-life 4 days) scaled to ``--rate`` events per stream and day on average (default
0.25, a sparse but active triad). Timed beside, in the same run, the bare NumPy ceiling: the same
number of draws as ``Generator.poisson(lam)`` with ``lam`` an (n_paths, 12) array of the model's
long-run mean rates, one call per day, results discarded. The rate of a Poisson draw depends on
its mean (NumPy uses inversion below 10), so both use the same means. Runs alternate
(ceiling, model, ceiling, model, ...) ``--repeat`` times; the verdict uses the median over pairs
of (ceiling seconds / model seconds), since on a shared machine the load changes between pairs;
"others' CPU" is the share of the machine other processes used during a run. Target (issue 5):
the model at >= 70% of the ceiling's draws per second.

Fitting: a DuckDB store with ``--events`` (default 1M) events drawn from a known 12-stream model
over 2015-2023 (the crisis triad scaled to ``--events`` / (days x 12) events per stream and day;
cached in ``bench/out/``), then the library's path: ``event_streams`` (DuckDB
aggregates the events to daily counts through Ibis), ``HawkesModel().fit`` (Poisson, half-life
chosen on the grid and refined) and ``HawkesModel(family="negbin").fit``; with the recovery
error against the known parameters.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.simulate.conftest import crisis_triad  # noqa: E402

from brinkwatch.simulate import HawkesModel  # noqa: E402

DEFAULT_OUT = ROOT / "bench" / "out"
TARGET = 0.70
TRIAD = ("USA", "JPN", "KOR")
START, END = date(2015, 1, 1), date(2023, 12, 31)
#: Bump when the generated store for a size and seed changes.
GENERATOR_VERSION = 1
_CODES = {
    1: ("036", "03", 4.0),
    2: ("061", "06", 6.4),
    3: ("112", "11", -2.0),
    4: ("172", "17", -5.0),
}


@dataclass
class Timing:
    label: str
    best: float
    draws: int

    @property
    def rate(self) -> float:
        return self.draws / self.best


def scaled_model(rate: float) -> HawkesModel:
    """The crisis triad with baselines scaled so that the long-run mean is ``rate`` per stream."""
    mu, a, hl = crisis_triad()
    base = HawkesModel.from_params(mu, a, half_life=hl)
    k = rate / float(base.stationary_mean_.mean())
    return HawkesModel.from_params(mu * k, a, half_life=hl)


def bare_numpy(lam: np.ndarray, days: int, seed: int) -> None:
    """The ceiling: one Poisson call per day for all paths and streams, results discarded."""
    rng = np.random.default_rng(seed)
    for _ in range(days):
        rng.poisson(lam)


def _busy() -> tuple[float, float]:
    """CPU seconds: the whole machine busy, and this process."""
    t = psutil.cpu_times()
    machine = float(t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0))
    return machine, float(sum(psutil.Process().cpu_times()[:2]))


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds of ``fn()`` and the share of the machine's CPU others used meanwhile."""
    m0, o0 = _busy()
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    m1, o1 = _busy()
    others = max(0.0, (m1 - m0) - (o1 - o0)) / (dt * (os.cpu_count() or 1))
    return dt, min(1.0, others)


def bench_simulation(
    model: HawkesModel, paths: int, days: int, repeat: int, con: Console
) -> tuple[Timing, Timing, list[float], list[float]]:
    """Interleaved runs; returns best timings, the ratio of each pair and others' CPU shares."""
    n = len(model.names_)
    lam = np.ascontiguousarray(np.broadcast_to(model.stationary_mean_, (paths, n)))
    draws = paths * days * n
    best_np, best_model = float("inf"), float("inf")
    ratios, others = [], []
    for i in range(repeat):
        t_np, o_np = _timed(lambda i=i: bare_numpy(lam, days, seed=i))
        t_model, o_model = _timed(lambda i=i: model.simulate(days, paths, seed=i))
        best_np, best_model = min(best_np, t_np), min(best_model, t_model)
        ratios.append(t_np / t_model)
        others += [o_np, o_model]
        con.print(
            f"  run {i + 1}/{repeat}: NumPy {t_np:.2f} s ({draws / t_np / 1e6:.1f}M/s, others' "
            f"CPU {o_np:.0%}), model {t_model:.2f} s ({draws / t_model / 1e6:.1f}M/s, others' "
            f"CPU {o_model:.0%}): {t_np / t_model:.2f}"
        )
    return (
        Timing("bare NumPy Poisson", best_np, draws),
        Timing("HawkesModel.simulate", best_model, draws),
        ratios,
        others,
    )


# --- fitting on a store of synthetic events -----------------------------------------------------


def fit_truth(events: int) -> HawkesModel:
    """The known model behind the fitting benchmark: ``events`` expected over 2015-2023."""
    days = (END - START).days + 1
    return scaled_model(events / (days * 12))


def _names() -> list[tuple[str, str, str]]:
    pairs = [(a, b) for a in TRIAD for b in TRIAD if a != b]
    return [(a, b, k) for a, b in pairs for k in ("coop", "conflict")]


def ensure_store(
    out_dir: Path, events: int, seed: int, con: Console
) -> tuple[Path, dict[str, float]]:
    """A store with about ``events`` events from :func:`fit_truth`, generated once and cached."""
    from brinkwatch.store import connect

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"simulate-events-{events}-seed{seed}.duckdb"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        info = json.loads(meta.read_text())
        if info.get("version") == GENERATOR_VERSION and info.get("requested") == events:
            return path, info
        path.unlink()
    t0 = time.perf_counter()
    truth = fit_truth(events)
    days = (END - START).days + 1
    counts = truth.simulate(days, 1, seed=seed)[0].astype(np.int64)
    rng = np.random.default_rng(seed + 2)
    day_idx, stream_idx = np.nonzero(counts)
    reps = counts[day_idx, stream_idx]
    d = np.repeat(day_idx, reps)
    s = np.repeat(stream_idx, reps)
    n_ev = d.size
    meta_rows = _names()
    src = np.array([meta_rows[j][0] for j in range(12)])[s]
    tgt = np.array([meta_rows[j][1] for j in range(12)])[s]
    coop = np.array([meta_rows[j][2] == "coop" for j in range(12)])[s]
    quad = np.where(coop, 1 + (rng.random(n_ev) < 0.3), 3 + (rng.random(n_ev) < 0.3)).astype(
        np.int16
    )
    code = np.array([_CODES[q][0] for q in (1, 2, 3, 4)])[quad - 1]
    root = np.array([_CODES[q][1] for q in (1, 2, 3, 4)])[quad - 1]
    gold = np.array([_CODES[q][2] for q in (1, 2, 3, 4)])[quad - 1]
    dates = np.datetime64(START.isoformat()) + d.astype("timedelta64[D]")
    tbl = pa.table(
        {
            "event_id": pa.array(np.arange(n_ev).astype(str)),
            "origin": pa.array(["gdelt2"] * n_ev),
            "event_date": pa.array(dates, pa.date32()),
            "source_country": pa.array(src),
            "target_country": pa.array(tgt),
            "cameo_code": pa.array(code),
            "cameo_root": pa.array(root),
            "quad_class": pa.array(quad),
            "goldstein": pa.array(gold),
            "batch_id": pa.array(np.ones(n_ev, dtype=np.int64)),
        }
    )
    store = connect(path)
    store.con.register("gen", tbl)
    cols = ", ".join(tbl.column_names)
    store.con.execute(f"INSERT INTO event_rows ({cols}) SELECT {cols} FROM gen")
    store.con.unregister("gen")
    store.close()
    info = {"events": n_ev, "requested": events, "seed": seed, "version": GENERATOR_VERSION,
            "generate_seconds": time.perf_counter() - t0}  # fmt: skip
    meta.write_text(json.dumps(info))
    con.print(f"  generated {path.name}: {n_ev:,} events in {info['generate_seconds']:.1f} s")
    return path, info


def bench_fit(path: Path, con: Console) -> list[tuple[str, float, str]]:
    from brinkwatch.measure import Actor
    from brinkwatch.simulate import event_streams
    from brinkwatch.store import connect

    rows: list[tuple[str, float, str]] = []
    store = connect(path, read_only=True)
    try:
        n_events = int(store.con.execute("SELECT count(*) FROM events").fetchone()[0])
        t0 = time.perf_counter()
        st = event_streams(store.events, [Actor(c) for c in TRIAD], start=START, end=END)
        t_streams = time.perf_counter() - t0
    finally:
        store.close()
    rows.append((f"event_streams: {n_events:,} events -> {st.n_days:,} days x 12 (DuckDB)",
                 t_streams, f"{st.totals().sum():,} events counted"))  # fmt: skip
    truth = fit_truth(n_events)
    for family in ("poisson", "negbin"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            m = HawkesModel(family=family).fit(st)  # type: ignore[arg-type]
            dt = time.perf_counter() - t0
        nz = truth.excitation_ > 0
        err = float(np.abs(m.excitation_ - truth.excitation_)[nz].max())
        spur = float(m.excitation_[~nz].mean())
        rows.append((
            f"HawkesModel(family='{family}').fit",
            dt,
            f"half-life {m.half_life_:.2f} (true 4.00), branching {m.branching_ratio_:.3f} "
            f"(true {truth.branching_ratio_:.3f}), true links max error {err:.3f}, absent "
            f"links mean {spur:.3f}",
        ))  # fmt: skip
        con.print(f"  {rows[-1][0]}: {dt:.2f} s; {rows[-1][2]}")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--rate", type=float, default=0.25, help="mean events/stream/day (0.25)")
    ap.add_argument("--repeat", type=int, default=2, help="interleaved runs; best kept (2)")
    ap.add_argument("--events", type=int, default=1_000_000, help="events for the fit (1M)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-fit", action="store_true", help="skip the fitting benchmark")
    ap.add_argument("--markdown", action="store_true", help="also print markdown tables")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    con = Console()
    con.print(
        f"[bold]bench/simulate.py[/] on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}; load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    model = scaled_model(args.rate)
    con.print(
        f"simulation: {args.paths:,} paths x {args.days} days x 12 streams, long-run mean "
        f"{model.stationary_mean_.mean():.3f} events/stream/day, branching ratio "
        f"{model.branching_ratio_:.2f}"
    )
    ceiling, ours, ratios, others = bench_simulation(model, args.paths, args.days, args.repeat, con)
    ratio = float(np.median(ratios))
    t = Table(title="simulation (best of interleaved runs)", header_style="bold")
    for c in ("what", "draws", "seconds", "M draws/s", "x NumPy"):
        t.add_column(c, justify="left" if c == "what" else "right")
    md = ["| what | draws | seconds | M draws/s | × NumPy |", "|---|---:|---:|---:|---:|"]
    for tm in (ceiling, ours):
        cells = [tm.label, f"{tm.draws:,}", f"{tm.best:.2f}", f"{tm.rate / 1e6:.1f}",
                 f"{tm.rate / ceiling.rate:.2f}"]  # fmt: skip
        t.add_row(*cells)
        md.append("| " + " | ".join(cells) + " |")
    con.print(t)
    verdict = "PASS" if ratio >= TARGET else "FAIL"
    check = model.simulate(args.days, 2000, seed=99)
    summary = (
        f"model / NumPy per interleaved run: {', '.join(f'{r:.2f}' for r in ratios)}; median "
        f"{ratio:.2f} (target {TARGET:.2f}): {verdict}. Others' CPU during the runs: "
        f"{min(others):.0%}-{max(others):.0%}. Simulated mean {check.mean():.3f} events/stream/"
        f"day (long-run mean {model.stationary_mean_.mean():.3f})."
    )
    con.print(summary)
    fit_rows: list[tuple[str, float, str]] = []
    if not args.no_fit:
        path, _ = ensure_store(args.out, args.events, args.seed, con)
        fit_rows = bench_fit(path, con)
        ft = Table(title="fitting", header_style="bold")
        for c in ("step", "seconds", "result"):
            ft.add_column(c, justify="right" if c == "seconds" else "left")
        for name, secs, note in fit_rows:
            ft.add_row(name, f"{secs:.2f}", note)
        con.print(ft)
    if args.markdown:
        print("\n".join(md))
        print(f"\n{summary}")
        if fit_rows:
            print("\n| step | seconds | result |\n|---|---:|---|")
            for name, secs, note in fit_rows:
                print(f"| {name} | {secs:.2f} | {note} |")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
