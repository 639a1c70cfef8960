"""Fast, seeded generator of realistic synthetic GDELT 2.0 event exports.

The output looks like a real GDELT 2.0 ``*.export.CSV``: 61 tab-separated fields, no header,
no quoting, ``\\n`` line endings. Rows are built column by column with NumPy and PyArrow (no
Python loop per row) and written chunk by chunk straight from the Arrow buffers.

What each field holds:

- ``GLOBALEVENTID``: unique and increasing.
- ``DATEADDED``: 15-minute steps through one year (2019), increasing with the row.
- ``SQLDATE``: the day of ``DATEADDED`` minus a lag drawn as in the real export (97% the same
  day; otherwise 1, 7, 30 or 365 days before). ``MonthYear``, ``Year`` and ``FractionDate``
  (GDELT's ``year + ((month - 1) * 30 + day) / 365``, 4 decimals) follow from it.
- The two actor blocks with their geo blocks, the action geo block, ``IsRootEvent`` and the
  mention/source/article counts are resampled from a pool of real rows: the shared real export
  (``shared/data/gdelt/20191024143000.export.CSV``) when it is present, else built-in pools.
  Which actor is empty follows the pool rows' pattern (no row has both empty), so the share of
  rows with an empty actor is the pool's (about a third in the real file).
- ``EventCode`` is drawn from the pool's code frequencies (95%) mixed with all CAMEO codes of
  brinkwatch's codebook (5%); ``EventBaseCode`` is its first 3 digits, ``EventRootCode`` its first
  2, ``GoldsteinScale`` the codebook's weight and ``QuadClass`` GDELT's own mapping of the root
  (01-05 -> 1, 06-09 -> 2, 10-14 -> 3, 15-20 -> 4, as the real export writes it).
- ``AvgTone``: normal around the real file's mean and spread, clipped to +-30.
- ``SOURCEURL``: a real host and slug with a date path and a unique article number; about four
  consecutive rows share one article, as in real exports.

A fraction of rows (``invalid_rate``, default 0.1%) is broken in ways met in real files, in
three kinds of about equal size: ``bad_date`` (``SQLDATE`` like ``20191332``, ``20190230``,
``2019-10-24``, ``201910``), ``unknown_cameo`` (an ``EventCode`` such as ``215`` or ``0291`` that
CAMEO does not define) and ``truncated`` (the line cut inside a field, so it has fewer than 61
fields). The first rows are never broken, so format detection sees a good first line.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from brinkwatch import codebook

__all__ = ["GENERATOR_VERSION", "REAL_EXPORT", "SynthInfo", "ensure_file", "generate"]

#: Bump when the output for a given size and seed changes, so cached files are regenerated.
GENERATOR_VERSION = 1

N_FIELDS = 61
CHUNK_ROWS = 250_000
FIRST_EVENT_ID = 800_000_000
YEAR = 2019
SLOTS_PER_DAY = 96  # 15-minute exports

#: The real GDELT 2.0 export beside the project (``../shared`` from the project root).
REAL_EXPORT = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "gdelt" / "20191024143000.export.CSV"
)

# SQLDATE lag behind DATEADDED, in days, with the frequencies of the real export
# (2051, 9, 7, 20 and 24 of 2,111 rows).
_LAGS = np.array([0, 1, 7, 30, 365])
_LAG_P = np.array([2051, 9, 7, 20, 24], dtype=float) / 2111

_BAD_DATES = ["20191332", "20190230", "2019-10-24", "201910", "00000000"]
_UNKNOWN_CAMEO = ["099", "0000", "215", "1999", "0291", "189", "2043", "0215"]

# Field positions (0-based) of the blocks resampled together.
_ACTOR1 = list(range(5, 15))
_ACTOR2 = list(range(15, 25))
_GEO1 = list(range(35, 43))
_GEO2 = list(range(43, 51))
_GEO_ACTION = list(range(51, 59))
_COUNTS = [31, 32, 33]
_IS_ROOT = 25


def _gdelt_quad(root: str) -> int:
    r = int(root)
    return 1 if r <= 5 else 2 if r <= 9 else 3 if r <= 14 else 4


@dataclass
class SynthInfo:
    """What a generated file holds (written beside it as JSON, and used to reuse it)."""

    path: str
    rows: int
    seed: int
    invalid_rate: float
    pool: str
    bytes: int = 0
    invalid: dict[str, int] = field(default_factory=dict)
    empty_actor_rows: int = 0
    generate_seconds: float = 0.0
    version: int = GENERATOR_VERSION
    id_offset: int = 0

    @property
    def invalid_total(self) -> int:
        """Rows broken on purpose."""
        return sum(self.invalid.values())


# --- pools -----------------------------------------------------------------------------------


@dataclass
class _Pool:
    table: list[pa.Array]  # N_FIELDS string columns, '' for empty
    hosts: list[str]
    slugs: list[str]
    name: str

    @property
    def rows(self) -> int:
        return len(self.table[0])


def _real_pool(path: Path) -> _Pool:
    names = [f"f{i}" for i in range(N_FIELDS)]
    t = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=names),
        parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )
    cols = [t.column(i).combine_chunks() for i in range(N_FIELDS)]
    hosts, slugs = _hosts_and_slugs(cols[60].to_pylist())
    return _Pool(cols, hosts, slugs, f"real:{path.name}")


def _hosts_and_slugs(urls: list[str]) -> tuple[list[str], list[str]]:
    hosts: dict[str, None] = {}
    slugs: dict[str, None] = {}
    for url in urls:
        m = re.match(r"^(https?://[^/?#]+)(/[^?#]*)?", url)
        if not m:
            continue
        hosts[m.group(1)] = None
        segs = [s for s in (m.group(2) or "").split("/") if s]
        if segs:
            slug = re.sub(r"[^a-z0-9-]+", "-", re.sub(r"\.[a-z]+$", "", segs[-1].lower()))
            slug = slug.strip("-")[:80]
            if len(slug) >= 8 and not slug.isdigit():
                slugs[slug] = None
    return sorted(hosts), sorted(slugs)


# Built-in pools, used when the real export is absent.
_ACTORS = [
    # code, name, country, known group, ethnic, religion1, religion2, type1, type2, type3
    ("USA", "UNITED STATES", "USA", "", "", "", "", "", "", ""),
    ("USAGOV", "UNITED STATES", "USA", "", "", "", "", "GOV", "", ""),
    ("USAMIL", "PENTAGON", "USA", "", "", "", "", "MIL", "", ""),
    ("CHN", "CHINA", "CHN", "", "", "", "", "", "", ""),
    ("CHNGOV", "BEIJING", "CHN", "", "", "", "", "GOV", "", ""),
    ("JPN", "JAPAN", "JPN", "", "", "", "", "", "", ""),
    ("JPNGOV", "TOKYO", "JPN", "", "", "", "", "GOV", "", ""),
    ("KOR", "SOUTH KOREA", "KOR", "", "", "", "", "", "", ""),
    ("KORGOV", "SEOUL", "KOR", "", "", "", "", "GOV", "", ""),
    ("PRK", "NORTH KOREA", "PRK", "", "", "", "", "", "", ""),
    ("RUS", "RUSSIA", "RUS", "", "", "", "", "", "", ""),
    ("GBR", "UNITED KINGDOM", "GBR", "", "", "", "", "", "", ""),
    ("DEU", "GERMANY", "DEU", "", "", "", "", "", "", ""),
    ("FRA", "FRANCE", "FRA", "", "", "", "", "", "", ""),
    ("IND", "INDIA", "IND", "", "", "", "", "", "", ""),
    ("IRN", "IRAN", "IRN", "", "", "", "", "", "", ""),
    ("ISR", "ISRAEL", "ISR", "", "", "", "", "", "", ""),
    ("GOV", "PRESIDENT", "", "", "", "", "", "GOV", "", ""),
    ("LEG", "LAWMAKER", "", "", "", "", "", "LEG", "", ""),
    ("COP", "POLICE", "", "", "", "", "", "COP", "", ""),
    ("MED", "REPORTER", "", "", "", "", "", "MED", "", ""),
    ("BUS", "COMPANY", "", "", "", "", "", "BUS", "", ""),
    ("CVL", "CIVILIAN", "", "", "", "", "", "CVL", "", ""),
    ("EDU", "STUDENT", "", "", "", "", "", "EDU", "", ""),
    ("IGOUNO", "UNITED NATIONS", "", "UNO", "", "", "", "IGO", "", ""),
    ("IGOEUREEC", "THE EU", "EUR", "EEC", "", "", "", "IGO", "", ""),
    ("REL", "CHURCH", "", "", "", "CHR", "", "REL", "", ""),
]
_GEOS = [
    # type, full name, country, ADM1, ADM2, lat, long, feature id
    ("1", "United States", "US", "US", "", "39.828175", "-98.5795", "US"),
    ("3", "Washington, District of Columbia, United States", "US", "USDC", "DC001",
     "38.8951", "-77.0364", "531871"),
    ("2", "Texas, United States", "US", "USTX", "", "31.106", "-97.6475", "TX"),
    ("1", "China", "CH", "CH", "", "35", "105", "CH"),
    ("4", "Beijing, Beijing, China", "CH", "CH22", "13001", "39.9289", "116.388", "-1898541"),
    ("1", "Japan", "JA", "JA", "", "36", "138", "JA"),
    ("4", "Tokyo, Tokyo, Japan", "JA", "JA40", "", "35.685", "139.751", "-246227"),
    ("4", "Seoul, Seoul-t'ukpyolsi, South Korea", "KS", "KS11", "", "37.5664", "127",
     "-716583"),
    ("4", "Pyongyang, P'yongyang-si, North Korea", "KN", "KN12", "", "39.0194", "125.755",
     "-1265326"),
    ("4", "Moscow, Moskva, Russia", "RS", "RS48", "25106", "55.7522", "37.6156", "-2960561"),
    ("4", "London, London, City of, United Kingdom", "UK", "UKH9", "40110", "51.5",
     "-0.116667", "-2601889"),
    ("1", "Iran", "IR", "IR", "", "32", "53", "IR"),
    ("4", "Jerusalem, Israel (general), Israel", "IS", "IS00", "", "31.7833", "35.2167",
     "-781545"),
]  # fmt: skip
_HOSTS = [
    "https://www.reuters.com", "https://apnews.com", "https://www.bbc.co.uk",
    "https://www.japantimes.co.jp", "http://www.koreaherald.com", "https://www.scmp.com",
    "https://www.theguardian.com", "https://news.yahoo.com", "https://www.timescolonist.com",
]  # fmt: skip
_SLUGS = [
    "talks-resume-after-missile-test", "minister-visits-ally-amid-trade-dispute",
    "protesters-gather-outside-embassy", "leaders-sign-economic-partnership",
    "police-arrest-suspects-after-raid", "summit-ends-without-agreement",
    "sanctions-threatened-over-nuclear-program", "joint-military-drills-begin",
]  # fmt: skip
# Root frequencies of the real export (per mille), used to weight codebook codes.
_ROOT_WEIGHT = {"01": 141, "02": 62, "03": 80, "04": 218, "05": 78, "06": 22, "07": 35,
                "08": 55, "09": 21, "10": 10, "11": 71, "12": 22, "13": 11, "14": 15,
                "15": 1, "16": 11, "17": 44, "18": 20, "19": 83, "20": 2}  # fmt: skip


def _builtin_pool(codes: list[str]) -> _Pool:
    rng = np.random.default_rng(20191024)
    n = 2000
    cols: list[list[str]] = [[""] * n for _ in range(N_FIELDS)]
    empty = ("",) * 10
    no_geo = ("0", "", "", "", "", "", "", "")
    code_w = np.array([_ROOT_WEIGHT[c[:2]] for c in codes], dtype=float)
    code_pick = rng.choice(len(codes), n, p=code_w / code_w.sum())
    for i in range(n):
        u = rng.random()
        a1 = empty if u < 0.08 else _ACTORS[rng.integers(len(_ACTORS))]
        a2 = empty if 0.08 <= u < 0.33 else _ACTORS[rng.integers(len(_ACTORS))]
        g1 = no_geo if a1 is empty else _GEOS[rng.integers(len(_GEOS))]
        g2 = no_geo if a2 is empty else _GEOS[rng.integers(len(_GEOS))]
        ga = _GEOS[rng.integers(len(_GEOS))]
        mentions = int(rng.geometric(0.3))
        sources = min(mentions, int(rng.geometric(0.7)))
        articles = int(rng.integers(sources, mentions + 1))
        row = {
            **dict(zip(_ACTOR1, a1, strict=True)), **dict(zip(_ACTOR2, a2, strict=True)),
            **dict(zip(_GEO1, g1, strict=True)), **dict(zip(_GEO2, g2, strict=True)),
            **dict(zip(_GEO_ACTION, ga, strict=True)),
            _IS_ROOT: "1" if rng.random() < 0.6 else "0", 26: codes[code_pick[i]],
            31: str(mentions), 32: str(sources), 33: str(articles),
        }  # fmt: skip
        for k, v in row.items():
            cols[k][i] = v
    return _Pool([pa.array(c, pa.string()) for c in cols], _HOSTS, _SLUGS, "builtin")


def _load_pool(use_real: bool, codes: list[str]) -> _Pool:
    if use_real and REAL_EXPORT.is_file():
        return _real_pool(REAL_EXPORT)
    return _builtin_pool(codes)


# --- generation ------------------------------------------------------------------------------


def _day_tables(first: date, last: date) -> dict[str, pa.Array]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return {
        "sqldate": pa.array([d.strftime("%Y%m%d") for d in days]),
        "monthyear": pa.array([d.strftime("%Y%m") for d in days]),
        "year": pa.array([str(d.year) for d in days]),
        "fraction": pa.array([f"{d.year + ((d.month - 1) * 30 + d.day) / 365:.4f}" for d in days]),
        "urlpath": pa.array([d.strftime("%Y/%m/%d") for d in days]),
    }


def generate(
    path: Path,
    rows: int,
    seed: int,
    *,
    invalid_rate: float = 0.001,
    use_real_pool: bool = True,
    id_offset: int = 0,
) -> SynthInfo:
    """Write ``rows`` synthetic GDELT 2.0 rows to ``path`` and describe them.

    Parameters
    ----------
    path
        The file to write (replaced).
    rows
        Number of lines.
    seed
        Seed of all random draws: same size, seed and pool give the same bytes.
    invalid_rate
        Share of rows broken on purpose (split into bad dates, unknown CAMEO codes and
        truncated lines).
    use_real_pool
        Resample actors, places and counts from the shared real export if it is present.
    id_offset
        Added to every ``GLOBALEVENTID`` (default 0: the ids of earlier versions), so that
        several files of one data set (``bench/scale.py``) hold distinct events.

    Returns
    -------
    SynthInfo
        Size, pool used and the number of rows broken, by kind.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    cb = codebook.event_codes()
    cb_rows = [
        (str(c), str(g))
        for c, lvl, g in zip(
            cb.column("code").to_pylist(), cb.column("level").to_pylist(),
            cb.column("goldstein").to_pylist(), strict=True,
        )
        if int(lvl) >= 3  # GDELT writes 3- and 4-digit event codes
    ]  # fmt: skip
    codes = [c for c, _ in cb_rows]
    pool = _load_pool(use_real_pool, codes)

    # Event codes: the pool's frequencies mixed with every codebook code.
    index = {c: i for i, c in enumerate(codes)}
    counts = np.zeros(len(codes))
    for c in pool.table[26].to_pylist():
        if c in index:
            counts[index[c]] += 1
    p_code = 0.95 * counts / max(counts.sum(), 1.0) + 0.05 / len(codes)
    p_code /= p_code.sum()
    # Fields 26-30 (code, base, root, quad class, Goldstein) joined per code.
    code_block = pa.array([f"{c}\t{c[:3]}\t{c[:2]}\t{_gdelt_quad(c[:2])}\t{g}" for c, g in cb_rows])
    # Runs of neighbouring fields drawn together, pre-joined per pool row, so a chunk joins 13
    # blocks rather than 61 fields.
    blocks = {
        name: pc.binary_join_element_wise(*(pool.table[k] for k in ks), "\t")
        for name, ks in (
            ("a1", _ACTOR1), ("a2", _ACTOR2), ("g1", _GEO1), ("g2", _GEO2),
            ("ga", _GEO_ACTION), ("counts", _COUNTS),
        )
    }  # fmt: skip
    is_root = pool.table[_IS_ROOT]
    unknown = [c for c in _UNKNOWN_CAMEO if c not in index]

    # Which pool rows have an empty actor 1 / actor 2: an actor block is drawn from pool rows
    # with the same emptiness as the row's pattern row.
    empty1 = np.array([s == "" for s in pool.table[5].to_pylist()])
    empty2 = np.array([s == "" for s in pool.table[15].to_pylist()])
    groups1 = (np.flatnonzero(~empty1), np.flatnonzero(empty1))
    groups2 = (np.flatnonzero(~empty2), np.flatnonzero(empty2))

    def pick(groups: tuple[np.ndarray, np.ndarray], flag: np.ndarray) -> np.ndarray:
        full, none = groups
        a = full[rng.integers(len(full), size=len(flag))]
        if len(none):
            b = none[rng.integers(len(none), size=len(flag))]
            a = np.where(flag, b, a)
        return a

    # Dates: DATEADDED in 15-minute slots through YEAR; SQLDATE lags behind it.
    start = datetime(YEAR, 1, 1)
    n_days = (date(YEAR + 1, 1, 1) - date(YEAR, 1, 1)).days
    n_slots = n_days * SLOTS_PER_DAY
    slot_ts = pa.array(
        np.datetime64(start, "s") + np.arange(n_slots) * np.timedelta64(900, "s"),
        pa.timestamp("s"),
    )
    slot_str = pc.strftime(slot_ts, format="%Y%m%d%H%M%S")
    first_day = date(YEAR, 1, 1) - timedelta(days=int(_LAGS.max()))
    day_tbl = _day_tables(first_day, date(YEAR, 12, 31))
    day_offset = int(_LAGS.max())  # day index of YEAR-01-01 in day_tbl
    day_block = pc.binary_join_element_wise(
        *(day_tbl[k] for k in ("sqldate", "monthyear", "year", "fraction")), "\t"
    )
    url_days = day_tbl["urlpath"]

    # Broken rows: positions and kinds.
    n_bad = round(rows * invalid_rate)
    lo = min(10, rows)
    n_bad = min(n_bad, rows - lo)
    bad_pos = np.sort(rng.choice(np.arange(lo, rows), size=n_bad, replace=False))
    bad_kind = rng.integers(0, 3, size=n_bad)  # 0 bad date, 1 unknown CAMEO, 2 truncated

    hosts = pa.array(pool.hosts)
    slugs = pa.array(pool.slugs)
    nl = pa.scalar("\n")
    url_group = 1_000_000
    empty_actor = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as out:
        for c0 in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - c0)
            g = np.arange(c0, c0 + n, dtype=np.int64)
            ids = pc.cast(pa.array(FIRST_EVENT_ID + id_offset + g), pa.string())
            slot = g * n_slots // rows
            added_day = slot // SLOTS_PER_DAY + day_offset
            day = added_day - rng.choice(_LAGS, size=n, p=_LAG_P)
            days = day_block.take(pa.array(day))
            r = rng.integers(pool.rows, size=n)
            e1, e2 = empty1[r], empty2[r]
            empty_actor += int(np.count_nonzero(e1 | e2))
            i1, i2 = pa.array(pick(groups1, e1)), pa.array(pick(groups2, e2))
            ra = pa.array(r)
            events = code_block.take(pa.array(rng.choice(len(codes), size=n, p=p_code)))
            tone = np.round(np.clip(rng.normal(-2.27, 3.64, size=n), -30, 30), 13)
            new_url = rng.random(n) < 0.25
            grp = url_group + np.cumsum(new_url)
            url_group = int(grp[-1]) if n else url_group
            url = pc.binary_join_element_wise(
                hosts.take(pa.array(grp * 2654435761 % len(pool.hosts))),
                url_days.take(pa.array(added_day)),
                pc.binary_join_element_wise(
                    slugs.take(pa.array(grp * 40503 % len(pool.slugs))),
                    pc.cast(pa.array(grp), pa.string()),
                    "-",
                ),
                "/",
            )

            # Break some rows: replace the first field of the date or event block.
            sel = (bad_pos >= c0) & (bad_pos < c0 + n)
            pos, kind = bad_pos[sel] - c0, bad_kind[sel]
            if np.any(kind == 0):
                days = _replace_first(days, pos[kind == 0], _BAD_DATES, rng)
            if np.any(kind == 1):
                events = _replace_first(events, pos[kind == 1], unknown, rng)
            lines = pc.binary_join_element_wise(
                ids, days, blocks["a1"].take(i1), blocks["a2"].take(i2), is_root.take(ra),
                events, blocks["counts"].take(ra), pc.cast(pa.array(tone), pa.string()),
                blocks["g1"].take(i1), blocks["g2"].take(i2), blocks["ga"].take(ra),
                slot_str.take(pa.array(slot)), pc.binary_join_element_wise(url, nl, ""),
                "\t",
            )  # fmt: skip
            cut = pos[kind == 2]
            if len(cut):
                cut_lines = []
                for line in lines.take(pa.array(cut)).to_pylist():
                    fields = line.split("\t")
                    keep = int(rng.integers(8, 58))
                    partial = fields[keep][: max(1, len(fields[keep]) // 2)]
                    cut_lines.append("\t".join([*fields[:keep], partial]) + "\n")
                mask = np.zeros(n, dtype=bool)
                mask[cut] = True
                lines = pc.replace_with_mask(lines, pa.array(mask), pa.array(cut_lines))
            _write_lines(out, lines)
    tmp.replace(path)
    kinds = np.bincount(bad_kind, minlength=3) if n_bad else np.zeros(3, dtype=int)
    return SynthInfo(
        path=str(path),
        rows=rows,
        seed=seed,
        invalid_rate=invalid_rate,
        pool=pool.name,
        bytes=path.stat().st_size,
        invalid={
            "bad_date": int(kinds[0]),
            "unknown_cameo": int(kinds[1]),
            "truncated": int(kinds[2]),
        },
        empty_actor_rows=empty_actor,
        generate_seconds=time.perf_counter() - t0,
        id_offset=id_offset,
    )


def _replace_first(
    block: pa.Array, where: np.ndarray, values: list[str], rng: np.random.Generator
) -> pa.Array:
    """Replace the first tab-separated field of ``block`` at positions ``where``."""
    old = block.take(pa.array(where)).to_pylist()
    new = [
        values[int(j)] + "\t" + o.split("\t", 1)[1]
        for o, j in zip(old, rng.integers(len(values), size=len(where)), strict=True)
    ]
    mask = np.zeros(len(block), dtype=bool)
    mask[where] = True
    return pc.replace_with_mask(block, pa.array(mask), pa.array(new))


def _write_lines(out: BinaryIO, lines: pa.Array) -> None:
    """Write a string array's values back to back (each already ends in a newline)."""
    _, offsets, data = lines.buffers()
    dtype = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    off = np.frombuffer(offsets, dtype=dtype)[lines.offset : lines.offset + len(lines) + 1]
    out.write(memoryview(data)[int(off[0]) : int(off[-1])])


def ensure_file(
    out_dir: Path,
    rows: int,
    seed: int,
    *,
    invalid_rate: float = 0.001,
    use_real_pool: bool = True,
    id_offset: int = 0,
) -> tuple[SynthInfo, bool]:
    """Return the synthetic file for (rows, seed), generating it unless a matching one exists.

    With ``id_offset`` (one file of a many-file data set) the name ends in ``-idOFFSET``; the
    name and content without it are those of earlier versions.

    Returns
    -------
    tuple[SynthInfo, bool]
        The file's description and whether it was generated now (False: reused).
    """
    tail = f"-id{id_offset}" if id_offset else ""
    path = out_dir / f"synth-gdelt2-{rows}-seed{seed}{tail}.export.CSV"
    meta = path.with_suffix(".json")
    pool_name = f"real:{REAL_EXPORT.name}" if use_real_pool and REAL_EXPORT.is_file() else "builtin"
    if path.is_file() and meta.is_file():
        try:
            known = SynthInfo(**json.loads(meta.read_text()))
        except (TypeError, ValueError):
            known = None
        if (
            known is not None
            and known.version == GENERATOR_VERSION
            and known.rows == rows
            and known.seed == seed
            and known.invalid_rate == invalid_rate
            and known.pool == pool_name
            and known.bytes == path.stat().st_size
            and known.id_offset == id_offset
        ):
            known.path = str(path)
            return known, False
    info = generate(
        path, rows, seed, invalid_rate=invalid_rate, use_real_pool=use_real_pool,
        id_offset=id_offset,
    )  # fmt: skip
    meta.write_text(json.dumps(asdict(info), indent=2) + "\n")
    return info, True
