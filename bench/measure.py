"""Benchmark the weekly triad relation index on DuckDB and on Spark over synthetic events.

Run it from the project root with the project's venv::

    .venv/bin/python bench/measure.py                       # 10M events, DuckDB and Spark
    .venv/bin/python bench/measure.py --events 1000000 --markdown
    .venv/bin/python bench/measure.py --no-spark --profile  # DuckDB only, with EXPLAIN ANALYZE

What is measured: the weekly relation index of the USA-JPN-KOR triad exactly as the library
builds it, counted three ways (``--variants``, interleaved runs)::

    relation_index(
        triad_series(store.events, Actor("USA"), Actor("JPN"), Actor("KOR"), freq="week",
                     start=date(2015, 1, 1), end=date(2023, 12, 31),
                     count=..., actors=..., normalize=...),
        measure=..., baseline=52,
    ).to_pyarrow()

- ``baseline``: ``count="rows", actors="all"``, ``goldstein_sum``: what this benchmark timed
  before story counting (every stored row, every actor);
- ``default``: ``count="auto", actors="state"``, ``goldstein_sum``: today's defaults (machine-
  coded rows counted once per story, dyad, code and day; state actors only);
- ``stories``: ``count="stories", actors="state", normalize=True``, ``goldstein_norm``: story
  de-duplication plus per-origin denominators (the origin's ``daily_volume``), as issue 14's
  benchmark row asks. Its targets: at most 2x the baseline's time and under 2 s on DuckDB.

Start and end are explicit, so the library runs no bounds query. "query s" is the wall time of
the library calls that build the expression plus ``to_pyarrow()`` that executes and fetches
it: one warm-up run, then the best of ``--repeat`` runs. Per backend:

1. DuckDB: ``brinkwatch.store.connect(DB, read_only=True)``; setup = that call.
2. Spark ``local[2]`` (one session for the whole run, UI off, 8 shuffle partitions, UTC):
   ``connect(DB, backend="spark", spark_session=session)``; setup = that call, i.e. the one-off
   Parquet snapshot of ``events`` and the registration of the Spark view. Spark reads the
   Parquet snapshot on every query (nothing cached).
3. Spark with ``events`` cached (extra row, off with ``--no-spark-cache``): after
   ``session.catalog.cacheTable("events")``; setup = caching plus a ``count()`` that fills the
   cache.

The DuckDB and Spark results are then compared: same columns and rows (sorted by dyad and
period), floats equal within 1e-9 (absolute or relative).

The events: ``--events`` (default 10M) seeded synthetic canonical events, generated with one
DuckDB ``INSERT INTO event_rows SELECT ... FROM range(N)`` into a store made by
``brinkwatch.store.connect`` (so the schema is the library's own) and cached as
``bench/out/measure-events-N-seedS.duckdb`` with a ``.json`` beside it (rebuilt when the
generator or the library's store DDL, e.g. the ``events`` view, changes). The random draws are
``hash(i, seed, k)`` of the row number, so a size and seed always give the same rows whatever
DuckDB's thread count. Rows: about 60 source and target countries with a skewed, GDELT-like
distribution (USA, CHN, RUS, GBR, JPN, KOR, PRK, ...; some actors missing), about 15% of all
events between two different members of USA/JPN/KOR, dates uniform over 2015-01-01..2023-12-31,
the codebook's 3- and 4-digit CAMEO codes weighted by the real export's root frequencies with
their root, quad class and Goldstein weight, geometric-like mention/source/article counts,
normal ``avg_tone`` (clipped to +-30), a source URL, origin ``gdelt2``, unique ``event_id`` and
``batch_id`` 1. Syndication: in each block of four rows, each row after the first is, with
probability 0.4, another copy of the first (same story: actors, code, day, tone, root flag; its
own host, counts and time added), so about 30% of rows repeat a story. Three stories in four
have a URL with a six-word headline slug (a copy on another host shares it, and with it the
story key); the others an article id (``view.php?ud=...``, one story per host). The store's
own ``rebuild_daily_volume`` then fills ``daily_volume`` from the stored rows.

Targets (from the issue): DuckDB under 2 s at 10M events; the ``stories`` row at most 2x the
``baseline`` row in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _synth

if TYPE_CHECKING:
    import pyarrow as pa

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "out"
TARGET_SECONDS = 2.0
START, END = date(2015, 1, 1), date(2023, 12, 31)
TRIAD = ("USA", "JPN", "KOR")
TRIAD_SHARE = 0.15  # wanted share of events between two different triad members
TOLERANCE = 1e-9

#: Bump when the rows generated for a given size and seed change, so cached stores are rebuilt.
#: 2: syndicated stories (rows sharing a headline slug or URL) and the ``daily_volume`` table.
#: 3: the stored ``story_key`` column (schema 5), filled by the store's own SQL.
GENERATOR_VERSION = 3

# Source/target countries and their weights (roughly GDELT's actor-country frequencies).
COUNTRY_WEIGHTS: dict[str, int] = {
    "USA": 180, "CHN": 60, "RUS": 55, "GBR": 45, "IND": 35, "JPN": 35, "KOR": 30, "ISR": 30,
    "IRN": 30, "FRA": 30, "DEU": 28, "PRK": 25, "PAK": 22, "SYR": 22, "TUR": 22, "UKR": 22,
    "AFG": 20, "AUS": 20, "CAN": 20, "IRQ": 18, "SAU": 15, "EGY": 14, "NGA": 14, "ZAF": 12,
    "MEX": 12, "BRA": 12, "PHL": 12, "ITA": 10, "TWN": 10, "ESP": 9, "VNM": 8, "IDN": 8,
    "PSE": 8, "YEM": 7, "MYS": 6, "THA": 6, "KEN": 6, "LBY": 6, "LBN": 6, "VEN": 6, "SGP": 5,
    "JOR": 5, "ARE": 5, "POL": 5, "MMR": 5, "ETH": 4, "QAT": 4, "COL": 4, "ARG": 4, "CUB": 4,
    "NZL": 4, "NLD": 4, "CHE": 4, "GRC": 4, "BGD": 4, "CHL": 3, "SWE": 3, "BEL": 3, "LKA": 3,
    "NPL": 2, "KAZ": 2, "MNG": 2,
}  # fmt: skip
ACTOR_TYPES = ("GOV", "MIL", "BUS", "MED", "CVL", "JUD", "OPP", "REB", "EDU", "LEG")
HOSTS = (
    "www.reuters.com", "apnews.com", "www.bbc.co.uk", "www.japantimes.co.jp",
    "www.koreaherald.com", "www.scmp.com", "www.theguardian.com", "news.yahoo.com",
)  # fmt: skip
NULL_SOURCE, NULL_TARGET = 0.08, 0.25  # share of non-triad events without that actor
# Syndication: rows come in blocks of STORY_BLOCK; each row after a block's first is, with
# probability COPY_SHARE, another copy of the block's first row (same story, dyad, code, day),
# so about 30% of rows repeat a story, as GDELT's syndicated and re-extracted reports do.
STORY_BLOCK, COPY_SHARE = 4, 0.4
SLUG_SHARE = 0.75  # stories whose URL has a headline slug; the others an article id
# Headline words (lower-case letters only, as the slug rule of story_key wants them).
SLUG_WORDS = (
    "abe", "moon", "trump", "biden", "talks", "summit", "trade", "export", "curbs", "tokyo",
    "seoul", "washington", "alliance", "missile", "north", "korea", "japan", "forced",
    "labour", "ruling", "court", "wartime", "envoy", "visit", "pact", "intelligence",
    "sharing", "gsomia", "tariff", "dispute", "protest", "boycott", "minister", "meets",
    "warns", "urges", "rejects", "agrees", "drill", "navy", "radar", "patrol", "sanctions",
    "deal", "chips", "materials", "whitelist", "removal", "apology", "comfort", "women",
    "statue", "island", "dokdo", "takeshima", "defense", "costs", "troops", "base", "okinawa",
    "pyongyang", "launch", "ballistic", "crisis",
)  # fmt: skip


# --- generation --------------------------------------------------------------------------------


@dataclass
class EventsInfo:
    """What a cached benchmark store holds (written as JSON beside it)."""

    path: str
    events: int
    seed: int
    triad_events: int
    bytes: int
    generate_seconds: float
    version: int = GENERATOR_VERSION
    schema: str = ""  # digest of the library's DDL when the store was made


def schema_digest() -> str:
    """A digest of the store DDL (the ``events`` view included) of the installed brinkwatch."""
    from brinkwatch.store._schema import ddl

    return hashlib.sha256("\n".join(ddl()).encode()).hexdigest()[:16]


def _triad_forced_share() -> float:
    """Share of rows to force into the triad so that, with the chance pairs, ~15% are triad."""
    total = sum(COUNTRY_WEIGHTS.values())
    p = {c: COUNTRY_WEIGHTS[c] / total for c in TRIAD}
    chance = (
        (1 - NULL_SOURCE)
        * (1 - NULL_TARGET)
        * sum(p[a] * p[b] for a in TRIAD for b in TRIAD if a != b)
    )
    return max(0.0, (TRIAD_SHARE - chance) / (1 - chance))


def _code_slots() -> list[tuple[int, str, str, int, float]]:
    """Codebook codes (levels 3 and 4) repeated in proportion to their root's real frequency."""
    from brinkwatch import codebook

    cb = codebook.event_codes().to_pylist()
    codes = [r for r in cb if int(r["level"]) >= 3]
    per_root: dict[str, int] = {}
    for r in codes:
        per_root[r["root"]] = per_root.get(r["root"], 0) + 1
    slots: list[tuple[int, str, str, int, float]] = []
    for r in codes:
        weight = _synth._ROOT_WEIGHT[r["root"]] * 100 / per_root[r["root"]]
        for _ in range(max(1, round(weight))):
            slots.append(
                (len(slots), r["code"], r["root"], int(r["quad_class"]), float(r["goldstein"]))
            )
    return slots


def _u(k: int, seed: int, var: str = "i") -> str:
    """SQL for a uniform draw in (0, 1] from the row number ``var``, independent for each ``k``."""
    return f"((({_h(k, seed, var)} >> 11) + 1)::DOUBLE / 9007199254740992.0)"


def _h(k: int, seed: int, var: str = "i") -> str:
    """SQL for a 64-bit hash of the row number ``var``, independent for each ``k``.

    DuckDB combines the hashes of several arguments so that ``hash(i, s, 1)`` and
    ``hash(i, s, 20)`` are far from independent (a draw below 0.4 of one never went with one
    below 0.135 of the other); hashing the combined hash again mixes them.
    """
    return f"hash(hash({var}, {seed}, {k}))"


def _slug_sql(seed: int) -> str:
    """SQL for a story's six-word headline slug, drawn from its lead row ``s``."""
    n = len(SLUG_WORDS)
    words = "[" + ", ".join(f"'{w}'" for w in SLUG_WORDS) + "]"
    parts = [f"{words}[1 + (({_h(21, seed, 's')} >> {6 * j}) % {n})::INTEGER]" for j in range(6)]
    return " || '-' || ".join(parts)


def generation_sql(events: int, seed: int, n_country_slots: int, n_code_slots: int) -> str:
    """The ``INSERT INTO event_rows SELECT ... FROM range(N)`` that makes the events."""
    days = (END - START).days + 1
    forced = _triad_forced_share()
    pairs = [(a, b) for a in TRIAD for b in TRIAD if a != b]
    types = "[" + ", ".join(f"'{t}'" for t in ACTOR_TYPES) + "]"
    hosts = "[" + ", ".join(f"'{h}'" for h in HOSTS) + "]"
    # Story-level draws (who, what, when) come from the story's lead row ``s``, so a copy
    # repeats them; per-row draws (host, counts, time added) from the row ``i`` itself.
    u, h = (lambda k: _u(k, seed, "s")), (lambda k: _h(k, seed, "s"))
    ui, hi = (lambda k: _u(k, seed)), (lambda k: _h(k, seed))
    pair_src = " ".join(f"WHEN {h(2)} % 6 = {j} THEN '{a}'" for j, (a, _) in enumerate(pairs))
    pair_tgt = " ".join(f"WHEN {h(2)} % 6 = {j} THEN '{b}'" for j, (_, b) in enumerate(pairs))
    return f"""
INSERT INTO event_rows (
    event_id, origin, event_date, source_code, source_country, source_type, target_code,
    target_country, target_type, cameo_code, cameo_root, quad_class, goldstein, is_root_event,
    num_mentions, num_sources, num_articles, avg_tone, source_url, date_added, batch_id)
WITH b AS (
    SELECT
        i,
        CASE WHEN i % {STORY_BLOCK} > 0 AND {ui(20)} < {COPY_SHARE!r} THEN i - i % {STORY_BLOCK}
             ELSE i END AS s
    FROM range({events}) t(i)
), r AS (
    SELECT
        i,
        s,
        {u(1)} < {forced!r} AS triad,
        CASE {pair_src} END AS triad_src,
        CASE {pair_tgt} END AS triad_tgt,
        ({h(3)} % {n_country_slots})::INTEGER AS src_slot,
        ({h(4)} % {n_country_slots})::INTEGER AS tgt_slot,
        {u(5)} AS u_src_null,
        {u(6)} AS u_tgt_null,
        ({h(7)} % {n_code_slots})::INTEGER AS code_slot,
        DATE '{START.isoformat()}' + ({h(8)} % {days})::INTEGER AS event_date,
        CASE WHEN {u(9)} < 0.5 THEN {types}[1 + ({h(10)} % {len(ACTOR_TYPES)})::INTEGER] END
            AS source_type,
        CASE WHEN {u(11)} < 0.5 THEN {types}[1 + ({h(12)} % {len(ACTOR_TYPES)})::INTEGER] END
            AS target_type,
        1 + floor(-ln({ui(13)}) * 3.0)::INTEGER AS num_mentions,
        1 + floor(-ln({ui(14)}) * 0.6)::INTEGER AS num_sources,
        {u(15)} < 0.6 AS is_root_event,
        -2.27 + 3.64 * sqrt(-2 * ln({u(16)})) * cos(2 * pi() * {u(17)}) AS tone,
        ({hi(18)} % 86400)::BIGINT AS second_added,
        {hosts}[1 + ({hi(19)} % {len(HOSTS)})::INTEGER] AS host,
        CASE WHEN {u(22)} < {SLUG_SHARE!r} THEN {_slug_sql(seed)} END AS slug,
        {ui(23)} < 0.3 AS tracked
    FROM b
), p AS (
    SELECT
        r.*,
        CASE WHEN r.triad THEN r.triad_src WHEN r.u_src_null < {NULL_SOURCE} THEN NULL
             ELSE cs.code END AS src,
        CASE WHEN r.triad THEN r.triad_tgt WHEN r.u_tgt_null < {NULL_TARGET} THEN NULL
             ELSE ct.code END AS tgt,
        cc.code AS cameo_code, cc.root AS cameo_root, cc.quad_class, cc.goldstein
    FROM r
    JOIN bench_country_slot cs ON cs.slot = r.src_slot
    JOIN bench_country_slot ct ON ct.slot = r.tgt_slot
    JOIN bench_code_slot cc ON cc.slot = r.code_slot
)
SELECT
    (1000000000 + i)::VARCHAR,
    'gdelt2',
    event_date,
    CASE WHEN src IS NOT NULL THEN src || coalesce(source_type, '') END,
    src,
    CASE WHEN src IS NOT NULL THEN source_type END,
    CASE WHEN tgt IS NOT NULL THEN tgt || coalesce(target_type, '') END,
    tgt,
    CASE WHEN tgt IS NOT NULL THEN target_type END,
    cameo_code,
    cameo_root,
    quad_class,
    goldstein,
    is_root_event,
    num_mentions,
    least(num_sources, num_mentions),
    least(num_mentions, num_sources + (i % 3)::INTEGER),
    round(greatest(-30.0, least(30.0, tone)), 6),
    CASE WHEN slug IS NOT NULL
         THEN 'https://' || host || '/news/' || strftime(event_date, '%Y/%m/%d') || '/' || slug
              || CASE WHEN tracked THEN '/?utm_source=feed' ELSE '/' END
         ELSE 'https://' || host || '/view.php?ud=' || strftime(event_date, '%Y%m%d')
              || lpad(s::VARCHAR, 9, '0') END,
    event_date::TIMESTAMP + to_seconds(second_added),
    1
FROM p
"""


def _count_triad(con: Any) -> int:
    """Events in the triad's six directed dyads within START..END (what the index reads)."""
    members = ", ".join(f"'{c}'" for c in TRIAD)
    row = con.execute(
        f"SELECT count(*) FROM events WHERE source_country IN ({members}) "
        f"AND target_country IN ({members}) AND source_country <> target_country "
        f"AND event_date BETWEEN DATE '{START.isoformat()}' AND DATE '{END.isoformat()}'"
    ).fetchall()
    return int(row[0][0])


def generate(path: Path, events: int, seed: int) -> EventsInfo:
    """Create a brinkwatch store at ``path`` holding ``events`` synthetic events."""
    import pyarrow as pa

    from brinkwatch.store import connect
    from brinkwatch.store._store import rebuild_daily_volume, rebuild_story_keys

    t0 = time.perf_counter()
    part = path.with_name(path.name + ".part")
    for p in (part, part.with_name(part.name + ".wal")):
        p.unlink(missing_ok=True)
    store = connect(part)
    try:
        con = store.con
        # Draws are hash(i, seed, k) of the row number rather than setseed() + random(): each
        # row's values then depend only on (i, seed), not on how DuckDB splits the work.
        countries = [c for c, w in COUNTRY_WEIGHTS.items() for _ in range(w)]
        slots = _code_slots()
        country_slot = pa.table({"slot": range(len(countries)), "code": countries})
        code_slot = pa.table(
            dict(zip(("slot", "code", "root", "quad_class", "goldstein"), zip(*slots, strict=True),
                     strict=True))
        )  # fmt: skip
        con.register("country_slot_arrow", country_slot)
        con.register("code_slot_arrow", code_slot)
        con.execute(
            "CREATE TEMP TABLE bench_country_slot AS SELECT slot::INTEGER AS slot, code "
            "FROM country_slot_arrow"
        )
        con.execute(
            "CREATE TEMP TABLE bench_code_slot AS SELECT slot::INTEGER AS slot, code, root, "
            "quad_class::TINYINT AS quad_class, goldstein::DOUBLE AS goldstein FROM code_slot_arrow"
        )
        con.execute(generation_sql(events, seed, len(countries), len(slots)))
        # The rows bypass Store.load_batch, so the store's own rebuilds fill the per-origin
        # denominators (``daily_volume``) and the story keys (``story_key``, the SQL that
        # load_batch runs in its INSERT and that migrations run) from what was stored.
        rebuild_daily_volume(con)
        rebuild_story_keys(con)
        con.execute("CHECKPOINT")
        triad = _count_triad(con)
    finally:
        store.close()
    part.replace(path)
    return EventsInfo(
        path=str(path),
        events=events,
        seed=seed,
        triad_events=triad,
        bytes=path.stat().st_size,
        generate_seconds=time.perf_counter() - t0,
        schema=schema_digest(),
    )


def ensure_store(out_dir: Path, events: int, seed: int) -> tuple[EventsInfo, bool]:
    """Return the cached store for (events, seed), generating it unless a matching one exists.

    Returns
    -------
    tuple[EventsInfo, bool]
        The store's description and whether it was generated now (False: reused).
    """
    path = out_dir / f"measure-events-{events}-seed{seed}.duckdb"
    meta = path.with_suffix(".json")
    if path.is_file() and meta.is_file():
        try:
            known = EventsInfo(**json.loads(meta.read_text()))
        except (TypeError, ValueError):
            known = None
        if (
            known is not None
            and known.version == GENERATOR_VERSION
            and known.events == events
            and known.seed == seed
            and known.bytes == path.stat().st_size
            and known.schema == schema_digest()
        ):
            known.path = str(path)
            return known, False
    out_dir.mkdir(parents=True, exist_ok=True)
    info = generate(path, events, seed)
    meta.write_text(json.dumps(asdict(info), indent=2) + "\n")
    return info, True


# --- measurement -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One way of counting the weekly triad index that the benchmark times."""

    key: str
    label: str
    count: str
    actors: str
    normalize: bool
    measure: str


#: The timed variants. ``baseline`` is the row this benchmark measured before issue 14 (every
#: stored row, every actor); ``default`` is today's ``triad_series`` default; ``stories`` is
#: issue 14's row: story de-duplication plus per-origin denominators (``daily_volume``).
VARIANTS = (
    Variant("baseline", "rows, all actors (baseline)", "rows", "all", False, "goldstein_sum"),
    Variant("default", "count=auto, state actors", "auto", "state", False, "goldstein_sum"),
    Variant(
        "stories", "stories + origin volume (normalize)", "stories", "state", True,
        "goldstein_norm",
    ),
)  # fmt: skip
BY_KEY = {v.key: v for v in VARIANTS}
RATIO_TARGET = 2.0  # the new row may take at most this many times the baseline


@dataclass
class Result:
    """One backend's numbers for one variant."""

    backend: str
    variant: Variant = VARIANTS[0]
    setup_seconds: float | None = None
    warmup_seconds: float | None = None
    times: list[float] = field(default_factory=list)
    rows_out: int | None = None
    counted: int | None = None  # sum of the series' ``events``: what the variant counted
    others_cpu: float | None = None  # share of the machine's CPU others used in the best run
    table: pa.Table | None = None
    error: str | None = None

    @property
    def best(self) -> float | None:
        return min(self.times) if self.times else None


def index_expr(events: Any, variant: Variant) -> Any:
    """The Ibis expression of the weekly triad index counted as ``variant`` says.

    With ``normalize`` and no ``origins`` (what the use case passes for a one-origin store),
    the volume is the daily volume of the origins the triad's events come from.
    """
    from brinkwatch.measure import Actor, relation_index, triad_series

    series = triad_series(
        events, Actor(TRIAD[0]), Actor(TRIAD[1]), Actor(TRIAD[2]), freq="week",
        start=START, end=END, count=variant.count, actors=variant.actors,
        normalize=variant.normalize,
    )  # fmt: skip
    return relation_index(series, measure=variant.measure, baseline=52)


def triad_index(events: Any, variant: Variant = VARIANTS[0]) -> pa.Table:
    """The measured operation: build the weekly triad index and fetch it as Arrow."""
    table: pa.Table = index_expr(events, variant).to_pyarrow()
    return table


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0))


def _own_seconds() -> float:
    """CPU seconds of this process and its children (the Spark JVM and its Python workers)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            continue
    return total


def time_queries(
    results: list[Result], events: Callable[[], Any], repeat: int, con: Console
) -> None:
    """One warm-up then ``repeat`` rounds of every result's variant, interleaved; fill them.

    Interleaving makes each variant see the same load, so their ratio is fairer than their
    seconds on a busy machine.
    """
    for i in range(repeat + 1):
        for result in results:
            busy, own = _busy_seconds(), _own_seconds()
            t0 = time.perf_counter()
            table = triad_index(events(), result.variant)
            dt = time.perf_counter() - t0
            others = (_busy_seconds() - busy) - (_own_seconds() - own)
            share = min(1.0, max(0.0, others) / (dt * (os.cpu_count() or 1)))
            if i == 0:
                result.warmup_seconds = dt
                result.table = table
                result.rows_out = table.num_rows
                result.counted = int(sum(v or 0 for v in table.column("events").to_pylist()))
            else:
                if not result.times or dt < min(result.times):
                    result.others_cpu = share
                result.times.append(dt)
            label = "warm-up" if i == 0 else f"run {i}/{repeat}"
            con.print(
                f"    {result.backend}, {result.variant.key}: {label} {dt:.3f} s "
                f"({table.num_rows:,} rows; others' CPU {share:.0%})"
            )


def run_duckdb(path: Path, variants: list[Variant], repeat: int, con: Console) -> list[Result]:
    """Measure the variants on DuckDB (read-only store)."""
    from brinkwatch.store import connect

    t0 = time.perf_counter()
    store = connect(path, read_only=True)
    setup = time.perf_counter() - t0
    results = [Result("DuckDB", v, setup_seconds=setup) for v in variants]
    try:
        time_queries(results, lambda: store.events, repeat, con)
    finally:
        store.close()
    return results


def spark_session(partitions: int, driver_memory: str) -> Any:
    """Start the one local[2] Spark session of the run."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("brinkwatch-bench-measure")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", driver_memory)
        .getOrCreate()
    )


def _snapshot_dirs() -> set[str]:
    return {str(p) for p in Path(tempfile.gettempdir()).glob("brinkwatch-spark-*")}


def run_spark(
    path: Path, session: Any, variants: list[Variant], repeat: int, cache: bool, con: Console
) -> tuple[list[Result], list[str]]:
    """Measure the variants on Spark (and, with ``cache``, with ``events`` cached).

    Returns the results and the Parquet snapshot folders that ``connect`` left in the temp
    folder (the caller deletes them once Spark is done with them). Spark has no
    ``daily_volume`` table: the library counts the volume from the events there.
    """
    from brinkwatch.store import connect

    before = _snapshot_dirs()
    t0 = time.perf_counter()
    store = connect(path, backend="spark", spark_session=session)
    setup = time.perf_counter() - t0
    snapshots = sorted(_snapshot_dirs() - before)
    results = [Result("Spark local[2]", v, setup_seconds=setup) for v in variants]
    try:
        time_queries(results, lambda: store.events, repeat, con)
        if cache:
            t0 = time.perf_counter()
            session.catalog.cacheTable("events")
            session.table("events").count()
            setup = time.perf_counter() - t0
            cached = [
                Result("Spark local[2], events cached (extra)", v, setup_seconds=setup)
                for v in variants
            ]
            try:
                time_queries(cached, lambda: store.events, repeat, con)
            finally:
                session.catalog.uncacheTable("events")
            results += cached
    finally:
        store.close()
    return results, snapshots


def compare(a: pa.Table, b: pa.Table) -> tuple[bool, str]:
    """Whether two index tables hold the same rows (floats within TOLERANCE); and why not."""
    if a.column_names != b.column_names:
        return False, f"columns differ: {a.column_names} vs {b.column_names}"
    if a.num_rows != b.num_rows:
        return False, f"row counts differ: {a.num_rows} vs {b.num_rows}"
    keys = [("dyad", "ascending"), ("period", "ascending")]
    ra, rb = a.sort_by(keys).to_pylist(), b.sort_by(keys).to_pylist()
    bad = 0
    first = ""
    for i, (x, y) in enumerate(zip(ra, rb, strict=True)):
        for c in a.column_names:
            u, v = x[c], y[c]
            if isinstance(u, float) or isinstance(v, float):
                same = (u is None and v is None) or (
                    u is not None
                    and v is not None
                    and math.isclose(u, v, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
                )
            else:
                same = u == v
            if not same:
                bad += 1
                if not first:
                    first = f"row {i} ({x['dyad']}, {x['period']}) {c}: {u!r} vs {v!r}"
    if bad:
        return False, f"{bad} values differ; first: {first}"
    return True, f"{a.num_rows:,} rows × {a.num_columns} columns"


def profile_duckdb(path: Path, variants: list[Variant]) -> str:
    """EXPLAIN ANALYZE of the SQL that Ibis generates for each variant on DuckDB."""
    import ibis

    from brinkwatch.store import connect

    store = connect(path, read_only=True)
    out = []
    try:
        for v in variants:
            expr = index_expr(store.events, v)
            sql = ibis.to_sql(expr, dialect="duckdb")
            # The memtable of the calendar grid must exist on this connection for EXPLAIN.
            store.ibis._run_pre_execute_hooks(expr)
            rows = store.con.execute(f"EXPLAIN ANALYZE {sql}").fetchall()
            plan = "\n".join(str(r[-1]) for r in rows)
            out.append(
                f"-- {v.key}: {v.label}\n-- SQL (ibis.to_sql)\n{sql}\n\n-- EXPLAIN ANALYZE\n{plan}"
            )
        return "\n\n".join(out)
    finally:
        store.close()


def verdicts(results: list[Result]) -> list[str]:
    """The issue's targets on the DuckDB rows: each under 2 s; the new row <= 2x the baseline."""
    duck = {r.variant.key: r for r in results if r.backend == "DuckDB"}
    out = []
    for key, r in duck.items():
        b = r.best
        out.append(
            f"target: DuckDB {key} under {TARGET_SECONDS:g} s: "
            + (f"{b:.3f} s, {'PASS' if b < TARGET_SECONDS else 'FAIL'}" if b else "FAIL")
        )
    base = duck.get("baseline")
    for key in ("default", "stories"):
        r = duck.get(key)
        if base is None or r is None or not base.best or not r.best:
            continue
        ratio = r.best / base.best
        judged = key == "stories"
        out.append(
            f"{'target' if judged else 'ratio'}: DuckDB {key} / baseline = {r.best:.3f} / "
            f"{base.best:.3f} s = {ratio:.2f}x"
            + (f" (at most {RATIO_TARGET:g}x): {'PASS' if ratio <= RATIO_TARGET else 'FAIL'}"
               if judged else "")
        )  # fmt: skip
    return out


# --- report ------------------------------------------------------------------------------------

HEADERS = [
    "events", "backend", "counting", "setup s", "warm-up s", "query s (best of N)", "rows out",
    "events counted", "× baseline", "others' CPU", f"< {TARGET_SECONDS:g} s",
]  # fmt: skip


def table_rows(events: int, results: list[Result]) -> list[list[str]]:
    """The table's cells, one list per backend and variant."""
    base = {r.backend: r.best for r in results if r.variant.key == "baseline"}
    out = []
    for r in results:
        verdict = ""
        if r.backend == "DuckDB":
            verdict = "PASS" if r.best is not None and r.best < TARGET_SECONDS else "FAIL"
        b = base.get(r.backend)
        out.append([
            f"{events:,}",
            r.backend,
            r.variant.label,
            f"{r.setup_seconds:.2f}" if r.setup_seconds is not None else "—",
            f"{r.warmup_seconds:.2f}" if r.warmup_seconds is not None else "—",
            f"{r.best:.3f}" if r.best is not None else ("error" if r.error else "—"),
            f"{r.rows_out:,}" if r.rows_out is not None else "—",
            f"{r.counted:,}" if r.counted is not None else "—",
            f"{r.best / b:.2f}" if r.best is not None and b else "—",
            f"{r.others_cpu:.0%}" if r.others_cpu is not None else "—",
            verdict,
        ])  # fmt: skip
    return out


def markdown(events: int, results: list[Result], notes: list[str]) -> str:
    """A GitHub markdown table of the results, then the notes."""
    right = set(range(len(HEADERS))) - {1, 2}
    out = ["| " + " | ".join(HEADERS) + " |"]
    out.append("|" + "|".join("---:" if i in right else "---" for i in range(len(HEADERS))) + "|")
    out += ["| " + " | ".join(r) + " |" for r in table_rows(events, results)]
    out.append("")
    out += [f"- {n}" for n in notes]
    return "\n".join(out)


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument(
        "--events", type=lambda s: int(s.replace("_", "")), default=10_000_000,
        help="number of synthetic events (default 10000000)",
    )  # fmt: skip
    ap.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    ap.add_argument(
        "--repeat", type=int, default=3, help="timed runs after the warm-up; best kept (default 3)"
    )
    ap.add_argument("--markdown", action="store_true", help="also print a GitHub markdown table")
    ap.add_argument("--no-spark", action="store_true", help="measure DuckDB only")
    ap.add_argument(
        "--no-spark-cache", action="store_true", help="skip the extra row with events cached"
    )
    ap.add_argument(
        "--shuffle-partitions", type=int, default=8, help="spark.sql.shuffle.partitions (8)"
    )
    ap.add_argument("--driver-memory", default="4g", help="spark.driver.memory (default 4g)")
    ap.add_argument(
        "--profile", action="store_true",
        help="print the DuckDB SQL and its EXPLAIN ANALYZE (to stderr)",
    )  # fmt: skip
    ap.add_argument(
        "--variants", default=",".join(BY_KEY),
        help=f"variants to time, comma-separated (default {','.join(BY_KEY)})",
    )  # fmt: skip
    ap.add_argument(
        "--out", type=Path, default=DEFAULT_OUT,
        help="folder for the generated store (default bench/out)",
    )  # fmt: skip
    args = ap.parse_args(argv)
    if args.events < 1 or args.repeat < 1:
        ap.error("need --events >= 1 and --repeat >= 1")
    keys = [k.strip() for k in args.variants.split(",") if k.strip()]
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown or not keys:
        ap.error(f"--variants takes {', '.join(BY_KEY)}; got {args.variants!r}")
    args.variants = [BY_KEY[k] for k in keys]
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    args = parse_args(argv)
    con = Console(stderr=True)
    import duckdb
    import ibis

    from brinkwatch import __version__ as bw_version

    load = os.getloadavg()
    notes = [
        f"machine: {os.cpu_count()} cores, load {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
        f"(1/5/15 min) at start; Python {platform.python_version()}, DuckDB "
        f"{duckdb.__version__}, Ibis {ibis.__version__}, brinkwatch {bw_version}",
    ]
    con.print(f"[bold]{notes[0]}[/bold]")
    con.print(f"events store: {args.events:,} events, seed {args.seed} …")
    info, made = ensure_store(args.out, args.events, args.seed)
    path = Path(info.path)
    how = (
        f"generated in {info.generate_seconds:.1f} s "
        f"({args.events / info.generate_seconds:,.0f} events/s)"
        if made
        else f"reused (generated in {info.generate_seconds:.1f} s)"
    )
    notes.append(
        f"events: {path.name}, {info.bytes / 1e6:,.0f} MB, {how}; triad events "
        f"(six directed USA/JPN/KOR dyads, {START}..{END}): {info.triad_events:,} "
        f"({info.triad_events / info.events:.1%})"
    )
    con.print(f"[bold]{notes[-1]}[/bold]")
    notes.append(
        "query s = wall time of triad_series + relation_index + to_pyarrow(), best of "
        f"{args.repeat} after one warm-up, the variants interleaved; setup s = the connect() "
        "call (Spark: Parquet snapshot of events + view registration); events counted = the "
        "sum of the series' events; others' CPU = share of the machine's CPU that other "
        "processes used during the best run (high: the time is inflated)"
    )
    for v in args.variants:
        notes.append(
            f"{v.key} ({v.label}): triad_series(count={v.count!r}, actors={v.actors!r}, "
            f"normalize={v.normalize}) indexed on {v.measure}"
        )

    results: list[Result] = []
    con.print("  DuckDB …")
    results += run_duckdb(path, args.variants, args.repeat, con)
    if args.profile:
        # plain print: Rich would wrap the plan
        print(profile_duckdb(path, args.variants), file=sys.stderr)

    snapshots: list[str] = []
    if not args.no_spark:
        con.print("  Spark: starting a local[2] session …")
        t0 = time.perf_counter()
        session = spark_session(args.shuffle_partitions, args.driver_memory)
        session.sparkContext.setLogLevel("ERROR")
        start_s = time.perf_counter() - t0
        import pyspark

        notes.append(
            f"Spark {pyspark.__version__} local[2], {args.shuffle_partitions} shuffle partitions, "
            f"driver memory {args.driver_memory}; session start {start_s:.1f} s (not in the "
            "table); the cached row's setup = cacheTable + count()"
        )
        try:
            spark_results, snapshots = run_spark(
                path, session, args.variants, args.repeat, not args.no_spark_cache, con
            )
            results += spark_results
        except Exception as exc:  # report, do not hide the DuckDB numbers
            results.append(Result("Spark local[2]", error=f"{type(exc).__name__}: {exc}"))
        finally:
            session.stop()
            for d in snapshots:
                shutil.rmtree(d, ignore_errors=True)
        duck = {r.variant.key: r.table for r in results if r.backend == "DuckDB"}
        for r in results:
            if r.backend == "DuckDB":
                continue
            d = duck.get(r.variant.key)
            what = f"results equal ({r.backend}, {r.variant.key} vs DuckDB)"
            if d is None or r.table is None:
                notes.append(f"{what}: no (no result to compare)")
                continue
            same, why = compare(d, r.table)
            notes.append(f"{what}: {'yes' if same else 'no'} ({why})")
    notes += verdicts(results)

    table = Table(title="Weekly USA-JPN-KOR relation index (52-week baseline)")
    for i, h in enumerate(HEADERS):
        table.add_column(h, justify="left" if i == 1 else "right")
    for cells in table_rows(args.events, results):
        table.add_row(*cells)
    out = Console() if sys.stdout.isatty() else Console(width=200)
    out.print(table)
    for n in notes:
        colour = "green" if "PASS" in n or ": yes" in n else "red" if "FAIL" in n or ": no" in n \
            else "white"  # fmt: skip
        out.print(f"[{colour}]• {n}[/{colour}]", highlight=False)
    for r in results:
        if r.error:
            out.print(f"[yellow]{r.backend}: {r.error[-2000:]}[/yellow]", highlight=False)
    if args.markdown:
        print()
        print(markdown(args.events, results, notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
