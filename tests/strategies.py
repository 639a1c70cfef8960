"""Hypothesis strategies for GDELT event rows, valid and corrupted.

A generated row is a :class:`GdeltRow`: the raw text of every tab-separated field, as GDELT
writes it. Tests parse the fields themselves (``float``, ``datetime.strptime``) to know what the
store must hold; nothing here calls the ingest code.

:func:`corrupt` breaks one thing in a valid row and says which reject reason and field the
ingest must report. Invalid UTF-8 is a property of bytes, not of text, so it has its own
strategy (:func:`invalid_utf8_line`).

:func:`hostile_bytes` mangles any file's bytes the way real files arrive broken (truncated,
with a BOM, CRLF, NULs, invalid UTF-8, stray quotes, blank lines, garbage), and
:func:`hostile_yaml` does the same to YAML text at the level of its syntax (tags, anchors,
nesting, wrong types). They feed the fuzz suites (``tests/ingest/test_fuzz.py``,
``tests/test_fuzz_config.py``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache

from hypothesis import strategies as st

from brinkwatch.codebook import Actor, Dyad, actor_types, countries, event_codes
from brinkwatch.ingest._formats import GDELT1_FIELDS, GDELT2_FIELDS

__all__ = [
    "DATE_MAX",
    "DATE_MIN",
    "UTF8_BOM",
    "Corruption",
    "GdeltRow",
    "cameo_table",
    "corrupt",
    "dyads",
    "gdelt1_rows",
    "gdelt2_rows",
    "gdelt_rows",
    "hostile_bytes",
    "hostile_yaml",
    "invalid_utf8_line",
    "make_row",
    "random_row",
    "tricky_texts",
]

#: The event dates the ingest accepts (``EVENT_DATE_RANGE``), inclusive.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)

#: Field counts a valid row of each version may have.
WIDTHS = {1: (57, 58), 2: (61,)}
LAYOUTS = {1: GDELT1_FIELDS, 2: GDELT2_FIELDS}

# Positions (0-based) of GDELT columns that are not canonical fields but that a real row fills.
_MONTH_YEAR, _YEAR, _FRACTION_DATE = 2, 3, 4
_KNOWN_GROUP = 8  # + 10 for actor 2
_BASE_CODE, _ROOT_CODE = 27, 28
_ACTOR_GEO = {1: (35, 42, 49), 2: (35, 43, 51)}  # Actor1Geo_Type, Actor2Geo_Type, ActionGeo_Type


@cache
def cameo_table() -> dict[str, tuple[str, int, float]]:
    """CAMEO code -> (root, quad class, Goldstein weight), from the project's codebook."""
    t = event_codes()
    return {
        code: (root, int(quad), float(gold))
        for code, root, quad, gold in zip(
            t.column("code").to_pylist(),
            t.column("root").to_pylist(),
            t.column("quad_class").to_pylist(),
            t.column("goldstein").to_pylist(),
            strict=True,
        )
    }


@dataclass(frozen=True)
class GdeltRow:
    """One GDELT event row as the text of its tab-separated fields."""

    version: int
    fields: tuple[str, ...]

    @property
    def layout(self) -> dict[str, int]:
        """Canonical field -> 0-based column position for this row's version."""
        return LAYOUTS[self.version]

    @property
    def line(self) -> str:
        """The row as a line of the file, without its line ending."""
        return "\t".join(self.fields)

    @property
    def event_id(self) -> str:
        """GLOBALEVENTID."""
        return self["event_id"]

    def __getitem__(self, name: str) -> str:
        pos = self.layout[name]
        return self.fields[pos] if pos < len(self.fields) else ""

    def has(self, name: str) -> bool:
        """Whether the row has the column of a canonical field (SOURCEURL needs 58 in 1.0)."""
        return self.layout[name] < len(self.fields)

    def with_fields(self, **values: str) -> GdeltRow:
        """Return a copy with canonical fields replaced by the given texts."""
        fields = list(self.fields)
        for name, value in values.items():
            fields[self.layout[name]] = value
        return replace(self, fields=tuple(fields))


def make_row(version: int, values: Mapping[str, str], *, width: int | None = None) -> GdeltRow:
    """Lay out canonical field texts as a GDELT row, filling the columns GDELT derives.

    ``values`` maps canonical names (as in ``GDELT1_FIELDS`` / ``GDELT2_FIELDS``) to text;
    the keys ``source_group`` / ``target_group`` fill the KnownGroupCode columns. Absent fields
    are empty. MonthYear, Year, FractionDate, EventBaseCode, EventRootCode and QuadClass are
    derived from the date and the CAMEO code as GDELT does; a row with a location gets an
    ActionGeo_Type (and the actor geography copies it, as GDELT's often does).
    """
    width = width or WIDTHS[version][-1]
    layout = LAYOUTS[version]
    fields = [""] * width
    for name, value in values.items():
        if name in layout and layout[name] < width:
            fields[layout[name]] = value
    fields[_KNOWN_GROUP] = values.get("source_group", "")
    fields[_KNOWN_GROUP + 10] = values.get("target_group", "")
    sqldate = values.get("event_date", "")
    if len(sqldate) == 8 and sqldate.isdigit():
        try:
            d = date(int(sqldate[:4]), int(sqldate[4:6]), int(sqldate[6:]))
        except ValueError:
            pass
        else:
            fields[_MONTH_YEAR] = sqldate[:6]
            fields[_YEAR] = sqldate[:4]
            fraction = d.year + (d.timetuple().tm_yday - 1) / 365
            fields[_FRACTION_DATE] = f"{fraction:.4f}"
    code = values.get("cameo_code", "")
    if code in cameo_table():
        root, quad, _ = cameo_table()[code]
        fields[_BASE_CODE], fields[_ROOT_CODE] = code[:3], root
        fields[layout["quad_class"]] = str(quad)
    has_geo = any(values.get(k) for k in ("location", "latitude", "longitude"))
    geo_types = _ACTOR_GEO[version]
    fields[geo_types[2]] = "4" if has_geo else "0"
    fields[geo_types[0]] = fields[geo_types[1]] = "0"
    return GdeltRow(version, tuple(fields))


# --- pieces of a realistic row ------------------------------------------------------------------

_COUNTRIES = ("USA", "JPN", "KOR", "CHN", "PRK", "RUS", "DEU", "FRA", "GBR", "IND", "TWN", "AUS")
_TYPES = ("GOV", "MIL", "BUS", "JUD", "LEG", "COP", "MED", "OPP", "REB", "CVL", "EDU", "SPY")
_REAL_NAMES = (
    "UNITED STATES", "JAPAN", "SOUTH KOREA", "CHINA", "NORTH KOREA", "PRESIDENT",
    "PRIME MINISTER", "SHINZO ABE", "MOON JAE-IN", "PEOPLE'S REPUBLIC", "THE EU", "TOKYO",
    "SEOUL", "CÔTE D'IVOIRE", "MÜNCHEN", "SÃO PAULO", "BEIJING 北京", "МОСКВА", "ΑΘΗΝΑ",
    "서울", 'THE "HAWKS"', "ZÜRICH", "ŁÓDŹ", "ISTANBUL İL",
)  # fmt: skip
_PLACES = (
    "Vancouver, British Columbia, Canada", "Minsk, Belarus (general), Belarus",
    "Seoul, Soul-t'ukpyolsi, South Korea", "Tokyo, Tokyo, Japan", "Washington, District of "
    "Columbia, United States", "São Paulo, São Paulo, Brazil", "Zürich, Zurich, Switzerland",
    "Pyongyang, P'yongyang-si, North Korea", "Japan", "United States", "Kraków, Poland",
)  # fmt: skip
_FIPS = ("US", "JA", "KS", "KN", "CH", "RS", "GM", "FR", "UK", "IN", "TW", "AS", "BR", "SZ")
_HOSTS = ("www.nytimes.com", "www.yna.co.kr", "www3.nhk.or.jp", "belsat.eu", "www.lemonde.fr",
          "www.timescolonist.com", "news.example.org")  # fmt: skip

_letters = st.characters(categories=("Lu", "Ll", "Lo"), codec="utf-8")
_word = st.text(_letters, min_size=1, max_size=10)
#: Actor names: GDELT's upper-case English, and any letters (accents, Hangul, Cyrillic, CJK),
#: with spaces between words.
names = st.one_of(
    st.sampled_from(_REAL_NAMES),
    st.lists(_word, min_size=1, max_size=4).map(" ".join),
)


@st.composite
def actors(draw: st.DrawFn) -> dict[str, str]:
    """One actor's canonical fields: code, name, country, type (and known group)."""
    kind = draw(st.sampled_from(["state", "state", "country", "type_only", "igo", "none"]))
    if kind == "none":  # GDELT leaves a missing actor blank, e.g. Actor1 of intransitive events
        return {}
    if kind == "igo":
        return {"code": "IGOEUREEC", "name": "THE EU", "country": "EUR", "type": "IGO",
                "group": "EEC"}  # fmt: skip
    country = "" if kind == "type_only" else draw(st.sampled_from(_COUNTRIES))
    typ = "" if kind == "country" else draw(st.sampled_from(_TYPES))
    return {"code": country + typ, "name": draw(names), "country": country, "type": typ}


def _tenths(lo: int, hi: int) -> st.SearchStrategy[str]:
    """Numbers with one decimal as GDELT writes Goldstein weights: -7.0, 1.9, 10.0."""
    return st.integers(lo, hi).map(lambda t: f"{t / 10:.1f}")


def _decimal(lo: float, hi: float) -> st.SearchStrategy[str]:
    """A number in [lo, hi] written as GDELT writes tone and coordinates.

    Tone has 14 decimals (2.02774813233724), coordinates up to 4 or so (49.25, -123.133);
    whole values may be bare (0). Bounds are whole numbers, so rounding stays inside them.
    """
    x = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return st.one_of(
        st.tuples(x, st.integers(0, 14)).map(lambda p: f"{p[0]:.{p[1]}f}"),
        x.map(lambda v: f"{v:.15g}"),
        st.integers(int(lo), int(hi)).map(str),
    )


def _sqldate(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


_event_dates = st.dates(DATE_MIN, DATE_MAX)
_counts = st.integers(0, 5000).map(str)
_added_v2 = st.datetimes(datetime(2015, 2, 18), datetime(2030, 12, 31)).map(
    lambda t: t.replace(minute=t.minute // 15 * 15, second=0, microsecond=0).strftime(
        "%Y%m%d%H%M%S"
    )
)
_added_v1 = st.dates(date(2013, 4, 1), date(2030, 12, 31)).map(_sqldate)
_slug = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"), min_size=1, max_size=24)
urls = st.builds(
    lambda host, parts, ext, query: f"https://{host}/{'/'.join(parts)}{ext}{query}",
    st.sampled_from(_HOSTS),
    st.lists(st.one_of(_slug, _word), min_size=1, max_size=4),
    st.sampled_from(["", ".html", "/", ".stm"]),
    st.one_of(st.just(""), st.integers(1, 10**8).map(lambda n: f"?id={n}&ref=rss")),
)


@st.composite
def _values(draw: st.DrawFn, version: int) -> dict[str, str]:
    """Canonical field texts of a valid row."""
    v: dict[str, str] = {
        "event_id": str(draw(st.integers(100_000_000, 999_999_999))),
        "event_date": _sqldate(draw(_event_dates)),
        "is_root_event": draw(st.sampled_from(["0", "1"])),
        "cameo_code": draw(st.sampled_from(sorted(cameo_table()))),
        # GDELT always writes a weight; an empty one takes the codebook's (tested too).
        "goldstein": draw(st.one_of(_tenths(-100, 100), st.just(""))),
        "num_mentions": draw(_counts),
        "num_sources": draw(_counts),
        "num_articles": draw(_counts),
        "avg_tone": draw(_decimal(-100, 100)),
    }
    for side in ("source", "target"):
        for key, value in draw(actors()).items():
            v[f"{side}_{key}"] = value
    if draw(st.booleans()):
        v["location"] = draw(st.one_of(st.sampled_from(_PLACES), names))
        v["location_country"] = draw(st.sampled_from(_FIPS))
        v["latitude"] = draw(_decimal(-90, 90))
        v["longitude"] = draw(_decimal(-180, 180))
    v["date_added"] = draw(_added_v2 if version == 2 else _added_v1)
    v["source_url"] = draw(urls)
    return v


def gdelt2_rows() -> st.SearchStrategy[GdeltRow]:
    """A valid GDELT 2.0 export row (61 fields)."""
    return _values(2).map(lambda v: make_row(2, v))


def gdelt1_rows() -> st.SearchStrategy[GdeltRow]:
    """A valid GDELT 1.0 row: 57 fields (before April 2013, no SOURCEURL) or 58."""
    return st.builds(lambda v, w: make_row(1, v, width=w), _values(1), st.sampled_from((57, 58)))


def gdelt_rows(version: int) -> st.SearchStrategy[GdeltRow]:
    """A valid row of GDELT ``version`` (1 or 2)."""
    return gdelt1_rows() if version == 1 else gdelt2_rows()


# --- corruption ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corruption:
    """A corrupted line and the reject the ingest must report for it."""

    line: str
    reason: str
    field: str | None
    what: str


_BAD_DATES = ("20191345", "2019-13-01", "18000101", "18991231", "21010101", "20190230",
              "00000000", "2019-01-01", "2019 01 01", "201901011", "abcdefgh")  # fmt: skip
_NOT_NUMBERS = ("abc", "1,5", "--1", "1.2.3", "1.5x", "nan", "inf", "-inf", "NaN", "one", "0x1A")
_NOT_COUNTS = ("abc", "1,000", "n/a", "-", "12abc", "NaN", "3 4")
_UNKNOWN_CAMEO = ("999", "0000", "000", "99", "21", "2100", "A01", "01a", "1", "0", "0101")
_BAD_ADDED = {2: ("20191345000000", "not-a-date", "2019-10-24 14:30:00", "20191024250000"),
              1: ("20191345", "not-a-date", "2019-10-24", "00000000")}  # fmt: skip


def _outside(bound: int) -> st.SearchStrategy[str]:
    """A number with one decimal beyond +-bound, e.g. 12.5 for goldstein, 123.4 for latitude."""
    t = st.integers(bound * 10 + 1, bound * 10_000)
    return st.one_of(t, t.map(lambda x: -x)).map(lambda x: f"{x / 10:.1f}")


def _out_of_era() -> st.SearchStrategy[str]:
    """A well-formed SQLDATE outside 1900-01-01..2100-12-31."""
    before = st.dates(date(1000, 1, 1), DATE_MIN - timedelta(days=1))
    after = st.dates(DATE_MAX + timedelta(days=1), date(9999, 12, 31))
    return st.one_of(before, after).map(_sqldate)


@st.composite
def corrupt(draw: st.DrawFn, row: GdeltRow) -> Corruption:
    """Break one thing in a valid ``row``; the result says which reason the ingest must give."""
    lo, hi = WIDTHS[row.version][0], WIDTHS[row.version][-1]
    unknown = st.one_of(
        st.sampled_from(_UNKNOWN_CAMEO),
        st.text(st.sampled_from("0123456789"), min_size=2, max_size=4),
    ).filter(lambda c: c not in cameo_table())
    # kind -> (strategy of the new text, field, reason); "truncate"/"extra" change the width.
    edits: dict[str, tuple[st.SearchStrategy[str], str, str]] = {
        "bad_date": (
            st.one_of(st.sampled_from(_BAD_DATES), _out_of_era()),
            "event_date",
            "bad_date",
        ),
        "no_date": (st.just(""), "event_date", "missing_value"),
        "goldstein_nan": (st.sampled_from(_NOT_NUMBERS), "goldstein", "bad_number"),
        "goldstein_range": (_outside(10), "goldstein", "out_of_range"),
        "tone_nan": (st.sampled_from(_NOT_NUMBERS), "avg_tone", "bad_number"),
        "tone_range": (_outside(100), "avg_tone", "out_of_range"),
        "unknown_cameo": (unknown, "cameo_code", "unknown_cameo"),
        "no_cameo": (st.just(""), "cameo_code", "missing_value"),
        "no_id": (st.just(""), "event_id", "missing_value"),
        "mentions_nan": (st.sampled_from(_NOT_COUNTS), "num_mentions", "bad_number"),
        "sources_nan": (st.sampled_from(_NOT_COUNTS), "num_sources", "bad_number"),
        "articles_nan": (st.sampled_from(_NOT_COUNTS), "num_articles", "bad_number"),
        "mentions_negative": (st.integers(-5000, -1).map(str), "num_mentions", "out_of_range"),
        "latitude_range": (_outside(90), "latitude", "out_of_range"),
        "longitude_range": (_outside(180), "longitude", "out_of_range"),
        "latitude_nan": (st.sampled_from(_NOT_NUMBERS), "latitude", "bad_number"),
        "bad_added": (st.sampled_from(_BAD_ADDED[row.version]), "date_added", "bad_date"),
    }
    kind = draw(st.sampled_from(["truncate", "extra", *edits]))
    if kind == "truncate":
        keep = draw(st.integers(1, lo - 1))
        return Corruption("\t".join(row.fields[:keep]), "column_count", None, kind)
    if kind == "extra":
        n = draw(st.integers(hi + 1 - len(row.fields), hi + 5 - len(row.fields)))
        extra = draw(st.lists(st.one_of(st.just(""), _word), min_size=n, max_size=n))
        return Corruption("\t".join((*row.fields, *extra)), "column_count", None, kind)
    values, name, reason = edits[kind]
    return Corruption(row.with_fields(**{name: draw(values)}).line, reason, name, kind)


_INVALID_UTF8 = (
    b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xe6\x97", b"\xc0\xaf", b"\xed\xa0\x80", b"\x80abc",
    b"\xf8\x88\x80\x80\x80", b"caf\xe9",
)  # fmt: skip


@st.composite
def invalid_utf8_line(draw: st.DrawFn, row: GdeltRow) -> bytes:
    """``row`` as bytes with an invalid UTF-8 sequence spliced into one of its text fields."""
    names_ = [n for n in ("source_name", "target_name", "location", "source_url") if row.has(n)]
    target = draw(st.sampled_from(names_))
    bad = draw(st.sampled_from(_INVALID_UTF8))
    fields = [f.encode() for f in row.fields]
    pos = row.layout[target]
    at = draw(st.integers(0, len(fields[pos])))
    fields[pos] = fields[pos][:at] + bad + fields[pos][at:]
    return b"\t".join(fields)


# --- fast rows without Hypothesis ---------------------------------------------------------------


def random_row(rng: random.Random, version: int = 2) -> GdeltRow:
    """A valid row drawn with ``rng``: for building large files quickly (no shrinking needed)."""
    codes = sorted(cameo_table())
    src, tgt = rng.choice(_COUNTRIES), rng.choice(_COUNTRIES)
    d = DATE_MIN + timedelta(days=rng.randrange((DATE_MAX - DATE_MIN).days + 1))
    values = {
        "event_id": str(rng.randrange(100_000_000, 1_000_000_000)),
        "event_date": _sqldate(d),
        "source_code": src + "GOV", "source_name": rng.choice(_REAL_NAMES),
        "source_country": src, "source_type": "GOV",
        "target_code": tgt, "target_name": rng.choice(_REAL_NAMES), "target_country": tgt,
        "is_root_event": rng.choice("01"), "cameo_code": rng.choice(codes),
        "goldstein": f"{rng.randint(-100, 100) / 10:.1f}",
        "num_mentions": str(rng.randint(1, 200)), "num_sources": str(rng.randint(1, 20)),
        "num_articles": str(rng.randint(1, 200)), "avg_tone": f"{rng.uniform(-20, 20):.14f}",
        "location": rng.choice(_PLACES), "location_country": rng.choice(_FIPS),
        "latitude": f"{rng.uniform(-90, 90):.4f}", "longitude": f"{rng.uniform(-180, 180):.4f}",
        "date_added": "20191024143000" if version == 2 else "20191024",
        "source_url": f"https://{rng.choice(_HOSTS)}/news/{rng.randrange(10**9)}.html",
    }  # fmt: skip
    return make_row(version, values)


# --- hostile input ------------------------------------------------------------------------------

UTF8_BOM = b"\xef\xbb\xbf"

#: Texts that break naive quoting, escaping or decoding; all valid Unicode.
_TRICKY = (
    'He said ""hi"" to them', '"', '""', "'", "a,b", "a\tb", "a;b", "a|b", "\\N", "NULL", "NA",
    "null", "~", "-", "  padded  ", "=cmd|' /C calc'!A0", "<script>alert(1)</script>",
    "\u200b", "\ufeff", "\u202e", "🇯🇵🇰🇷", "e\u0301", "\x7f", "1e309", "-0", "0x1A",
    "9" * 40, "'; DROP TABLE events; --",
)  # fmt: skip


def tricky_texts() -> st.SearchStrategy[str]:
    """Field texts that break naive CSV quoting, escaping or NULL handling (no line breaks)."""
    plain = st.text(
        st.characters(codec="utf-8", exclude_characters="\r\n\x00", exclude_categories=("Cs",)),
        max_size=30,
    )
    return st.one_of(st.sampled_from(_TRICKY), plain)


def _at(draw: st.DrawFn, data: bytes, piece: bytes) -> bytes:
    i = draw(st.integers(0, len(data)))
    return data[:i] + piece + data[i:]


def _at_line_start(draw: st.DrawFn, data: bytes, piece: bytes) -> bytes:
    starts = [0, *(i + 1 for i, b in enumerate(data) if b == 0x0A)]
    i = draw(st.sampled_from(starts))
    return data[:i] + piece + data[i:]


def _mutate(draw: st.DrawFn, op: str, data: bytes) -> bytes:
    if op == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if op == "bom":
        return UTF8_BOM + data
    if op == "crlf":
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if op == "cr":
        return data.replace(b"\n", b"\r")
    if op == "nul":
        return _at(draw, data, b"\x00" * draw(st.integers(1, 3)))
    if op == "invalid_utf8":
        return _at(draw, data, draw(st.sampled_from(_INVALID_UTF8)))
    if op == "garbage":
        return _at(draw, data, draw(st.binary(min_size=1, max_size=64)))
    if op == "quote":
        return _at(draw, data, draw(st.sampled_from([b'"', b'""', b"'", b'"\n"'])))
    if op == "blank_lines":
        return _at_line_start(
            draw, data, draw(st.sampled_from([b"\n", b"\n\n\n", b"\r\n", b" \t \n"]))
        )
    if op == "dup_line":
        lines = data.split(b"\n")
        i = draw(st.integers(0, len(lines) - 1))
        return b"\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
    if op == "drop_line":
        lines = data.split(b"\n")
        del lines[draw(st.integers(0, len(lines) - 1))]
        return b"\n".join(lines)
    if op == "delimiter":
        old, new = draw(st.sampled_from([(b"\t", b","), (b"\t", b""), (b",", b"\t"), (b",", b";"),
                                         (b"\t", b"\t\t")]))  # fmt: skip
        i = data.find(old, draw(st.integers(0, len(data))))
        return data if i < 0 else data[:i] + new + data[i + len(old) :]
    if op == "no_final_newline":
        return data.rstrip(b"\r\n")
    if op == "long_field":
        return _at(draw, data, b"x" * draw(st.integers(1_000, 200_000)))
    if op == "control":
        return _at(draw, data, draw(st.sampled_from([b"\x1a", b"\x0b", b"\x0c", b"\x1e", b"\x85",
                                                     b"\xe2\x80\xa8"])))  # fmt: skip
    if op == "replace_all":
        return draw(st.binary(max_size=512))
    raise AssertionError(op)


_MUTATIONS = (
    "truncate", "bom", "crlf", "cr", "nul", "invalid_utf8", "garbage", "quote", "blank_lines",
    "dup_line", "drop_line", "delimiter", "no_final_newline", "long_field", "control",
    "replace_all",
)  # fmt: skip


@st.composite
def hostile_bytes(draw: st.DrawFn, data: bytes, *, max_edits: int = 4) -> bytes:
    """``data`` with 1 to ``max_edits`` hostile edits (each shrinks towards fewer edits)."""
    for op in draw(st.lists(st.sampled_from(_MUTATIONS), min_size=1, max_size=max_edits)):
        data = _mutate(draw, op, data)
    return data


#: YAML pieces that a loader must refuse or treat as plain data, never execute or expand.
_YAML_PIECES = (
    "!!python/object/apply:os.system ['echo pwned']",
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!custom x",
    "&anchor [1, 2]",
    "*undefined_alias",
    "<<: {a: 1}",
    "? [complex, key]\n: v",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "{a: {b: {c: {d: {e: {f: 1}}}}}",
    "[",
    "{",
    "'unclosed",
    '"unclosed',
    "\t tab indented",
    "%YAML 1.1\n---",
    "---\n...\n---",
    "null",
    "~",
    ".inf",
    "-.nan",
    "0x1F",
    "1_000",
    "2019-02-30",
    "20190101",
    "2001-12-14t21:59:43.10-05:00",
    "yes",
    "Off",
    "9" * 400,
    "- a\n- b",
    "|\n  block\n  text",
    "\ufeff",
    "\x00",
    "\u202e",
)


@st.composite
def hostile_yaml(draw: st.DrawFn, base: str, keys: Sequence[str] = ()) -> str:
    """``base`` YAML with hostile pieces spliced in: as values of its keys, or as new lines."""
    lines = base.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        piece = draw(st.one_of(st.sampled_from(_YAML_PIECES), tricky_texts()))
        how = draw(st.sampled_from(["value", "line", "indented", "replace"]))
        if how == "value" and keys:
            key = draw(st.sampled_from(list(keys)))
            idx = [i for i, ln in enumerate(lines) if ln.lstrip().startswith(f"{key}:")]
            if idx:
                i = draw(st.sampled_from(idx))
                indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
                lines[i] = f"{indent}{key}: {piece}"
                continue
        i = draw(st.integers(0, len(lines)))
        if how == "replace" and i < len(lines):
            lines[i] = piece
        elif how == "indented":
            lines.insert(i, "  " + piece)
        else:
            lines.insert(i, piece)
    return "\n".join(lines)


@cache
def _country_codes() -> list[str]:
    return sorted(countries().column("code").to_pylist())


@cache
def _type_codes() -> list[str]:
    return sorted(actor_types().column("code").to_pylist())


@st.composite
def dyads(draw: st.DrawFn) -> Dyad:
    """A dyad of two different codebook countries, each with or without actor types."""
    a, b = draw(st.lists(st.sampled_from(_country_codes()), min_size=2, max_size=2, unique=True))

    def types() -> tuple[str, ...] | None:
        tt = draw(st.lists(st.sampled_from(_type_codes()), max_size=3, unique=True))
        return tuple(tt) or None

    return Dyad(Actor(a, types()), Actor(b, types()))
