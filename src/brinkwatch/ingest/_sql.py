"""SQL that turns one input file into canonical, validated rows: DuckDB does all the parsing.

Each reader yields a relation with ``_raw`` (the line or record as text), ``_pre`` (a
format-level problem such as a wrong field count, or NULL), ``_blank`` and one VARCHAR column
per canonical field, in file order. :func:`typed_select` then casts, looks up the codebook and
names the first problem of each row. No row numbers are computed here: a window function would
serialise the scan, and the pipeline recovers line numbers from the order DuckDB inserts in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from brinkwatch.ingest._formats import GDELT1_FIELDS, GDELT2_FIELDS, GDELT2_MENTION_FIELDS
from brinkwatch.ingest._mapping import ColumnMapping
from brinkwatch.store import (
    BLANK_REASON,
    DUPLICATE_REASON,
    EVENT_COLUMNS,
    INPUT_FIELDS,
    MENTION_COLUMNS,
    sql_ident,
    sql_string,
)

__all__ = [
    "BLANK",
    "DUPLICATE",
    "RAW_FIELDS",
    "Reader",
    "csv_reader",
    "gdelt_reader",
    "icews_reader",
    "mention_select",
    "mentions_reader",
    "typed_select",
]

#: Canonical fields a reader provides as text (the typed stage derives the others).
RAW_FIELDS: tuple[str, ...] = INPUT_FIELDS

#: Longest line DuckDB reads; longer ones are rejected as ``line_too_long``.
MAX_LINE_BYTES = 2 * 2**20

_LINE_SCAN = (
    "columns={{'line': 'VARCHAR'}}, delim=chr(30), quote='', escape='', header=false, "
    "auto_detect=false, strict_mode=false, store_rejects=true, skip={skip}, "
    f"max_line_size={MAX_LINE_BYTES}, rejects_table={{rt}}, rejects_scan={{rs}}"
)

#: A UTF-8 byte order mark as DuckDB reads it (U+FEFF); DuckDB keeps it in the first value.
_BOM = "chr(65279)"


#: Quote an identifier for DuckDB.
ident = sql_ident


@dataclass(frozen=True)
class Reader:
    """The SQL of one file's raw relation, and how to read its fields.

    Attributes
    ----------
    sql
        A SELECT yielding ``_raw, _pre, _blank`` and every name in :data:`RAW_FIELDS`, in
        file order.
    header_lines
        Lines before the first data row.
    date_formats
        ``strptime`` formats tried for ``event_date``.
    added_formats
        ``strptime`` formats tried for ``date_added``.
    origin
        The value of ``events.origin``.
    country_lookup
        Country fields hold names (ICEWS, CSV) to be mapped to CAMEO codes.
    """

    sql: str
    header_lines: int
    date_formats: tuple[str, ...]
    added_formats: tuple[str, ...]
    origin: str
    country_lookup: bool = False
    path: str = ""
    line_based: bool = False
    #: A delimited file read by DuckDB's CSV parser, which numbers rejects by record.
    record_based: bool = False
    delimiter: str = ","
    #: What the rows are: ``events``, or GDELT 2.0 ``mentions`` (see :func:`mention_select`).
    kind: Literal["events", "mentions"] = "events"

    def at(self, path: str) -> Reader:
        """Return this reader reading ``path`` instead (a cleaned copy of the same file)."""
        sql = self.sql.replace(sql_string(self.path), sql_string(path))
        return replace(self, sql=sql, path=path)

    def line_scan(self) -> str:
        """Return SQL giving one row per line the scanner reads after the header, in order.

        Its only column ``_blank`` tells blank lines; only line-based readers have it.
        """
        if not self.line_based:
            raise ValueError("only line-based readers scan lines")
        return (
            "SELECT (line IS NULL OR trim(line) = '') AS _blank FROM read_csv("
            f"{sql_string(self.path)}, "
            + _LINE_SCAN.format(rt="'_scan2_rejects'", rs="'_scan2_info'", skip=self.header_lines)
            + ")"
        )


def _line_source(path: str, rt: str, rs: str, skip: int = 0) -> str:
    # One VARCHAR column per line (no quoting, a delimiter that never occurs): DuckDB's own
    # scanner does the reading and keeps line numbers of the lines it rejects.
    scan = _LINE_SCAN.format(rt=sql_string(rt), rs=sql_string(rs), skip=skip)
    # DuckDB keeps a UTF-8 byte order mark in the first line: drop it there.
    raw = f"CASE WHEN starts_with(line, {_BOM}) THEN substr(line, 2) ELSE line END"
    return f"SELECT {raw} AS _raw FROM read_csv({sql_string(path)}, {scan})"


def _split_select(source: str, counts: Sequence[int], expected: str, cols: list[str]) -> str:
    """Split each line on tabs, flag wrong field counts, and select the canonical fields."""
    pre = (
        f"CASE WHEN len(_s) NOT IN ({', '.join(map(str, counts))}) THEN "
        "{'reason': 'column_count', 'field': NULL::VARCHAR, 'detail': "
        f"'{expected}, found ' || len(_s)}} END"
    )
    return f"""SELECT _raw, _blank, {pre} AS _pre, {", ".join(cols)} FROM (
        SELECT _raw, (_raw IS NULL OR trim(_raw) = '') AS _blank,
               string_split(_raw, chr(9)) AS _s
        FROM ({source}))"""


def _nullif(expr: str) -> str:
    return f"NULLIF(trim({expr}), '')"


def gdelt_reader(path: str, version: int, rt: str, rs: str) -> Reader:
    """Reader for GDELT 1.0 (57 or 58 fields, mixed) or 2.0 (61 fields) event exports."""
    layout = GDELT1_FIELDS if version == 1 else GDELT2_FIELDS
    counts = (57, 58) if version == 1 else (61,)
    cols = []
    for f in RAW_FIELDS:
        if f in layout:
            cols.append(f"NULLIF(_s[{layout[f] + 1}], '') AS {f}")
        else:
            cols.append(f"NULL::VARCHAR AS {f}")
    expected = " or ".join(str(c) for c in counts)
    sql = _split_select(
        _line_source(path, rt, rs),
        counts,
        f"expected {expected} tab-separated fields",
        cols,
    )
    return Reader(
        sql=sql,
        header_lines=0,
        date_formats=("%Y%m%d",),
        added_formats=("%Y%m%d",) if version == 1 else ("%Y%m%d%H%M%S",),
        origin=f"gdelt{version}",
        path=path,
        line_based=True,
    )


def mentions_reader(path: str, rt: str, rs: str) -> Reader:
    """Reader for GDELT 2.0 mentions files (16 tab-separated fields, no header).

    Its relation has ``_raw, _blank, _pre`` and one VARCHAR column per name in
    :data:`~brinkwatch.ingest._formats.GDELT2_MENTION_FIELDS`; :func:`mention_select` types it.
    """
    n = len(GDELT2_MENTION_FIELDS)
    cols = [f"NULLIF(trim(_s[{i + 1}]), '') AS {f}" for i, f in enumerate(GDELT2_MENTION_FIELDS)]
    sql = _split_select(
        _line_source(path, rt, rs), (n,), f"expected {n} tab-separated fields", cols
    )
    return Reader(
        sql=sql,
        header_lines=0,
        date_formats=(_GDELT_TIME,),
        added_formats=(),
        origin="gdelt2",
        path=path,
        line_based=True,
        kind="mentions",
    )


#: GDELT 2.0 timestamps: YYYYMMDDHHMMSS, in UTC.
_GDELT_TIME = "%Y%m%d%H%M%S"
_MENTION_TIMES = ("event_time", "mention_time")


def mention_select(reader: Reader, event_range: tuple[str, str] | None = None) -> str:
    """Wrap a mentions reader's relation: cast every field and name each row's first problem.

    The result has the columns of the store's ``mentions`` (except ``batch_id``), then
    ``_rej`` and ``_raw`` as :func:`typed_select` gives them. Required fields (the key, the
    times, the type and the outlet) must be present; numbers must be whole numbers (the tone
    a number) within the codebook's ranges; times must be YYYYMMDDHHMMSS within the plausible
    event dates.
    """
    lo, hi = event_range or EVENT_DATE_RANGE
    cols = [c for c in MENTION_COLUMNS if c.name != "batch_id"]
    numbers = [c for c in cols if c.sql_type in ("INTEGER", "TINYINT", "DOUBLE")]
    casts = [
        f"TRY_CAST(r.{c.name} AS DOUBLE) AS t_{c.name}"
        if c.sql_type == "DOUBLE"
        else f"CASE WHEN regexp_full_match(r.{c.name}, '[+-]?[0-9]+') THEN "
        f"TRY_CAST(r.{c.name} AS BIGINT) END AS t_{c.name}"
        for c in numbers
    ]
    casts += [f"{_strptime(f'r.{t}', (_GDELT_TIME,))} AS t_{t}" for t in _MENTION_TIMES]
    casts.append("CASE r.in_raw_text WHEN '1' THEN true WHEN '0' THEN false END AS t_in_raw_text")
    checks: list[tuple[str, str]] = [
        ("r._blank", _problem(BLANK, "", "''")),
        ("r._pre IS NOT NULL", "r._pre"),
    ]
    checks += [
        (f"r.{c.name} IS NULL", _problem("missing_value", c.name, f"'no {c.name}'"))
        for c in cols
        if c.required
    ]
    checks.append(
        (
            "NOT regexp_full_match(r.event_id, '[0-9]+')",
            _problem(
                "bad_value",
                "event_id",
                _quoted("r.event_id") + " || ' is not a GDELT event id (digits)'",
            ),
        )
    )
    for t in _MENTION_TIMES:
        checks.append(
            (
                f"r.t_{t} IS NULL",
                _problem(
                    "bad_date", t, _quoted(f"r.{t}") + " || ' is not a time as YYYYMMDDHHMMSS'"
                ),
            )
        )
        checks.append(
            (
                f"r.t_{t} < DATE {sql_string(lo)} OR r.t_{t} >= DATE {sql_string(hi)} + 1",
                _problem("bad_date", t, f"'time ' || r.t_{t} || ' is outside {lo}..{hi}'"),
            )
        )
    for c in numbers:
        kind = "number" if c.sql_type == "DOUBLE" else "whole number"
        finite = f" OR NOT isfinite(r.t_{c.name})" if c.sql_type == "DOUBLE" else ""
        checks.append(
            (
                f"r.{c.name} IS NOT NULL AND (r.t_{c.name} IS NULL{finite})",
                _problem("bad_number", c.name, _quoted(f"r.{c.name}") + f" || ' is not a {kind}'"),
            )
        )
        limits = (("<", c.low), (">", c.high))
        bound = [f"r.t_{c.name} {op} {v}" for op, v in limits if v is not None]
        if bound:
            rng = f"{c.low}..{c.high}" if c.high is not None else f">= {c.low}"
            checks.append(
                (
                    " OR ".join(bound),
                    _problem("out_of_range", c.name, f"r.t_{c.name} || ' is outside {rng}'"),
                )
            )
    checks.append(
        (
            "r.in_raw_text IS NOT NULL AND r.t_in_raw_text IS NULL",
            _problem("bad_value", "in_raw_text", _quoted("r.in_raw_text") + " || ' is not 0 or 1'"),
        )
    )
    out = []
    for c in cols:
        if c in numbers or c.name in _MENTION_TIMES or c.name == "in_raw_text":
            # TRY_CAST: a rejected row's value may not fit the column (a type of 300).
            out.append(f"TRY_CAST(r.t_{c.name} AS {c.sql_type}) AS {c.name}")
        else:
            out.append(f"r.{c.name} AS {c.name}")
    case = "CASE " + " ".join(f"WHEN {w} THEN {p}" for w, p in checks) + " END"
    return f"""SELECT {", ".join(out)},
        r._rej, CASE WHEN r._rej IS NOT NULL THEN r._raw END AS _raw
    FROM (
        SELECT r.*, {case} AS _rej
        FROM (SELECT r.*, {", ".join(casts)} FROM ({reader.sql}) r) r
    ) r"""


def icews_reader(path: str, header: Sequence[str], rt: str, rs: str) -> Reader:
    """Reader for ICEWS Dataverse TSV files, fields located by the header's names."""
    pos = {name.strip(): i + 1 for i, name in enumerate(header)}

    def f(name: str) -> str:
        # ICEWS files exported through R write NA for a missing value.
        return f"NULLIF({_nullif(f'_s[{pos[name]}]')}, 'NA')" if name in pos else "NULL::VARCHAR"

    loc_part = f

    fields = {
        "event_id": f("Event ID"),
        "event_date": f("Event Date"),
        "source_name": f("Source Name"),
        "source_country": f("Source Country"),
        "source_type": f("Source Sectors"),
        "target_name": f("Target Name"),
        "target_country": f("Target Country"),
        "target_type": f("Target Sectors"),
        "description": f("Event Text"),
        "cameo_code": f("CAMEO Code"),
        "intensity": f("Intensity"),
        "story_id": f("Story ID"),
        "sentence_number": f("Sentence Number"),
        "publisher": f("Publisher"),
        "location": "NULLIF(concat_ws(', ', "
        + ", ".join(loc_part(n) for n in ("City", "District", "Province", "Country"))
        + "), '')",
        "location_country": f("Country"),
        "latitude": f("Latitude"),
        "longitude": f("Longitude"),
    }
    cols = [f"{fields[k]} AS {k}" if k in fields else f"NULL::VARCHAR AS {k}" for k in RAW_FIELDS]
    n = len(header)
    sql = _split_select(
        _line_source(path, rt, rs, skip=1),
        (n,),
        f"expected {n} tab-separated fields as in the header",
        cols,
    )
    return Reader(
        sql=sql,
        header_lines=1,
        date_formats=("%Y-%m-%d",),
        added_formats=(),
        origin="icews",
        country_lookup=True,
        path=path,
        line_based=True,
    )


#: Marker reasons for rows that are not rejects; the pipeline counts and drops them.
BLANK = BLANK_REASON
DUPLICATE = DUPLICATE_REASON

DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def mapped_columns(mapping: ColumnMapping, available: Sequence[str]) -> dict[str, str]:
    """Return the SQL expression of each raw field of a mapped file (absent fields are NULL)."""
    exprs: dict[str, str] = {}
    for fld in RAW_FIELDS:
        if fld in mapping.columns:
            exprs[fld] = _nullif(f"CAST({ident(mapping.columns[fld])} AS VARCHAR)")
        elif fld in mapping.constants:
            exprs[fld] = sql_string(mapping.constants[fld])
        else:
            exprs[fld] = "NULL::VARCHAR"
    if "event_id" not in mapping.columns and "event_id" not in mapping.constants:
        # No identifier: a hash of the row's mapped values, so a re-ingest finds duplicates.
        parts = ", ".join(f"coalesce({exprs[f]}, '')" for f in RAW_FIELDS if f in mapping.columns)
        exprs["event_id"] = f"md5(concat_ws(chr(31), {parts}))"
    return exprs


def csv_reader(
    path: str,
    mapping: ColumnMapping,
    available: Sequence[str],
    rt: str,
    rs: str,
    *,
    parquet: bool = False,
    delimiter: str = ",",
) -> Reader:
    """Reader for a delimited file with a header (or Parquet) under a column mapping.

    Delimited files are read as RFC 4180 (``"`` quotes, ``""`` inside a quoted field) with the
    dialect given, never sniffed: a sniffer gives up on a whole file for one odd line in its
    sample, and a lenient parser keeps doubled quotes in the text. Lines the strict parser
    cannot read are rejected one by one.
    """
    exprs = mapped_columns(mapping, available)
    cols = ", ".join(f"{exprs[f]} AS {f}" for f in RAW_FIELDS)
    delim = mapping.delimiter or delimiter
    raw = (
        "concat_ws("
        + sql_string(delim)
        + ", "
        + ", ".join(f"coalesce(CAST({ident(c)} AS VARCHAR), '')" for c in available)
        + ")"
    )
    if parquet:
        source = f"read_parquet({sql_string(path)})"
    else:
        columns = "{" + ", ".join(f"{sql_string(c)}: 'VARCHAR'" for c in available) + "}"
        opts = [
            f"columns={columns}",
            f"header={'true' if mapping.header else 'false'}",
            "auto_detect=false",
            f"delim={sql_string(delim)}",
            "quote='\"'",
            "escape='\"'",
            "strict_mode=true",
            f"max_line_size={MAX_LINE_BYTES}",
            "store_rejects=true",
            f"rejects_table={sql_string(rt)}",
            f"rejects_scan={sql_string(rs)}",
        ]
        source = f"read_csv({sql_string(path)}, {', '.join(opts)})"
    sql = f"""SELECT {raw} AS _raw, false AS _blank,
        NULL::STRUCT(reason VARCHAR, field VARCHAR, detail VARCHAR) AS _pre, {cols}
        FROM {source}"""
    return Reader(
        sql=sql,
        header_lines=0 if parquet or not mapping.header else 1,
        date_formats=mapping.date_format or DEFAULT_DATE_FORMATS,
        added_formats=(*DEFAULT_DATE_FORMATS, "%Y%m%d%H%M%S"),
        origin=mapping.origin,
        country_lookup=True,
        path=path,
        record_based=not parquet,
        delimiter=delim,
    )


def _fmt_list(formats: Sequence[str]) -> str:
    return "[" + ", ".join(sql_string(f) for f in formats) + "]"


_COMPACT_WIDTH = {"%Y": 4, "%m": 2, "%d": 2, "%H": 2, "%M": 2, "%S": 2}


def _compact_width(fmt: str) -> int | None:
    """Return the length of a separator-free format such as ``%Y%m%d``, else None."""
    parts = [fmt[i : i + 2] for i in range(0, len(fmt), 2)]
    if len(fmt) % 2 or not all(p in _COMPACT_WIDTH for p in parts):
        return None
    return sum(_COMPACT_WIDTH[p] for p in parts)


def _strptime(expr: str, formats: Sequence[str]) -> str:
    # A single format is markedly faster than DuckDB's list form.
    arg = sql_string(formats[0]) if len(formats) == 1 else _fmt_list(formats)
    parsed = f"try_strptime({expr}, {arg})"
    width = _compact_width(formats[0]) if len(formats) == 1 else None
    if width is not None:
        # strptime would read 2019111 as 2019-11-1: compact dates must have every digit.
        return f"CASE WHEN length({expr}) = {width} THEN {parsed} END"
    return parsed


def _problem(reason: str, field: str, detail_sql: str) -> str:
    return (
        f"{{'reason': {sql_string(reason)}, 'field': {sql_string(field)}, 'detail': {detail_sql}}}"
    )


def _quoted(expr: str) -> str:
    return f"'''' || left({expr}, 80) || ''''"


#: Which of several problems a row is rejected for: the first in this order. Ranges come from
#: the schema (:class:`brinkwatch.store.Column`); a ranged column not named here comes last.
_CHECK_ORDER = (
    "goldstein",
    "avg_tone",
    "intensity",
    "latitude",
    "longitude",
    "num_mentions",
    "num_sources",
    "num_articles",
    "sentence_number",
    "quad_class",
)


_Ranged = Mapping[str, tuple[str, float | None, float | None]]


def _ranged_numbers() -> dict[str, tuple[str, float | None, float | None]]:
    """Return each numeric column with a range: (the type it is cast to, low, high)."""
    ranged = [c for c in EVENT_COLUMNS if c.bounded and c.sql_type != "DATE"]
    ranged.sort(key=lambda c: _CHECK_ORDER.index(c.name) if c.name in _CHECK_ORDER else 99)
    out: dict[str, tuple[str, float | None, float | None]] = {}
    for c in ranged:
        assert not isinstance(c.low, date) and not isinstance(c.high, date)
        out[c.name] = ("DOUBLE" if c.sql_type == "DOUBLE" else "INTEGER", c.low, c.high)
    return out


def _date_range() -> tuple[str, str]:
    """Return the plausible event dates, from the schema's ``event_date`` column."""
    (col,) = (c for c in EVENT_COLUMNS if c.name == "event_date")
    assert isinstance(col.low, date) and isinstance(col.high, date)
    return col.low.isoformat(), col.high.isoformat()


#: Event dates outside this range are rejected as implausible.
EVENT_DATE_RANGE = _date_range()


def typed_select(reader: Reader, event_range: tuple[str, str] = EVENT_DATE_RANGE) -> str:
    """Wrap a reader's relation: cast every field, join the codebook, name each row's problem.

    The result has the canonical columns (except ``origin`` and ``batch_id``),
    ``_rej`` (a struct reason/field/detail: NULL for a valid row, reason :data:`BLANK` for a
    blank line) and ``_raw`` (kept only for rows with a ``_rej``). Value ranges are those of
    the schema's columns.
    """
    num = _ranged_numbers()
    casts = {f: f"r.t_{f}" for f in num}
    added = "r.t_added"
    case = (
        "CASE "
        + " ".join(f"WHEN {c} THEN {p}" for c, p in _checks(reader, num, casts, event_range))
        + " END"
    )
    src_code, src_c, src_t, tgt_code, tgt_c, tgt_t, loc_c = _actor_exprs(reader)

    out: Mapping[str, str] = {
        "event_id": "r.event_id",
        "event_date": "r.t_date",
        "source_code": src_code,
        "source_name": "r.source_name",
        "source_country": src_c,
        "source_type": src_t,
        "target_code": tgt_code,
        "target_name": "r.target_name",
        "target_country": tgt_c,
        "target_type": tgt_t,
        "cameo_code": "r.cameo_code",
        "cameo_root": "left(r.cameo_code, 2)",
        "quad_class": "_cb_quad(left(r.cameo_code, 2))::TINYINT",
        # coalesce evaluates the lookup only for rows without a weight of their own.
        "goldstein": f"coalesce({casts['goldstein']}, _cb_gold(r.cameo_code))",
        "is_root_event": "r.t_root",
        "num_mentions": casts["num_mentions"],
        "num_sources": casts["num_sources"],
        "num_articles": casts["num_articles"],
        "avg_tone": casts["avg_tone"],
        "intensity": casts["intensity"],
        "location": "r.location",
        "location_country": loc_c,
        "latitude": casts["latitude"],
        "longitude": casts["longitude"],
        "source_url": "r.source_url",
        "story_id": "r.story_id",
        "sentence_number": casts["sentence_number"],
        "sentence": "r.sentence",
        "description": "r.description",
        "citation": "r.citation",
        "publisher": "r.publisher",
        "date_added": added,
    }
    select = ",\n        ".join(f"{expr} AS {name}" for name, expr in out.items())
    return f"""SELECT {select},
        r._rej, CASE WHEN r._rej IS NOT NULL THEN r._raw END AS _raw
    FROM (
        SELECT r.*, {case} AS _rej
        FROM (SELECT r.*, {", ".join(_inner_casts(reader, num))} FROM ({reader.sql}) r) r
    ) r"""


def _inner_casts(
    reader: Reader, num: Mapping[str, tuple[str, float | None, float | None]]
) -> list[str]:
    """Cast every field once, in the innermost SELECT; checks and output read the result."""
    # DuckDB's text-to-integer cast rounds "12.5" and reads "0x1A": whole numbers must be digits.
    inner_casts = [
        f"TRY_CAST(r.{f} AS {t}) AS t_{f}"
        if t == "DOUBLE"
        else f"CASE WHEN regexp_full_match(r.{f}, '[+-]?[0-9]+') THEN TRY_CAST(r.{f} AS {t}) "
        f"END AS t_{f}"
        for f, (t, _, _) in num.items()
    ]
    inner_casts.append(
        f"{_strptime('r.date_added', reader.added_formats)} AS t_added"
        if reader.added_formats
        else "NULL::TIMESTAMP AS t_added"
    )
    inner_casts.append(f"{_strptime('r.event_date', reader.date_formats)}::DATE AS t_date")
    inner_casts.append("TRY_CAST(r.is_root_event AS BOOLEAN) AS t_root")
    return inner_casts


def _checks(
    reader: Reader,
    num: _Ranged,
    casts: Mapping[str, str],
    event_range: tuple[str, str],
) -> list[tuple[str, str]]:
    """Each row's possible problems, in the order they are checked: (condition, problem)."""
    lo, hi = event_range
    added = "r.t_added"
    checks: list[tuple[str, str]] = [
        ("r._blank", _problem(BLANK, "", "''")),
        ("r._pre IS NOT NULL", "r._pre"),
        ("r.event_id IS NULL", _problem("missing_value", "event_id", "'no event id'")),
        ("r.event_date IS NULL", _problem("missing_value", "event_date", "'no event date'")),
        (
            "r.t_date IS NULL",
            _problem(
                "bad_date",
                "event_date",
                _quoted("r.event_date")
                + " || ' is not a date in the format ' || "
                + sql_string(" or ".join(reader.date_formats)),
            ),
        ),
        (
            f"r.t_date < DATE {sql_string(lo)} OR r.t_date > DATE {sql_string(hi)}",
            _problem("bad_date", "event_date", f"'date ' || r.t_date || ' is outside {lo}..{hi}'"),
        ),
        ("r.cameo_code IS NULL", _problem("missing_value", "cameo_code", "'no CAMEO code'")),
        (
            "NOT _cb_is_code(r.cameo_code)",
            _problem(
                "unknown_cameo",
                "cameo_code",
                _quoted("r.cameo_code") + " || ' is not a CAMEO event code'",
            ),
        ),
    ]
    for f, (t, vmin, vmax) in num.items():
        kind = "number" if t == "DOUBLE" else "whole number"
        checks.append(
            (
                f"r.{f} IS NOT NULL AND ({casts[f]} IS NULL"
                + (f" OR NOT isfinite({casts[f]})" if t == "DOUBLE" else "")
                + ")",
                _problem("bad_number", f, _quoted(f"r.{f}") + f" || ' is not a {kind}'"),
            )
        )
        bound = []
        if vmin is not None:
            bound.append(f"{casts[f]} < {vmin}")
        if vmax is not None:
            bound.append(f"{casts[f]} > {vmax}")
        rng = f"{vmin}..{vmax}" if vmax is not None else f">= {vmin}"
        checks.append(
            (
                " OR ".join(bound),
                _problem("out_of_range", f, f"{casts[f]} || ' is outside {rng}'"),
            )
        )
    checks.append(
        (
            "r.is_root_event IS NOT NULL AND r.t_root IS NULL",
            _problem(
                "bad_value",
                "is_root_event",
                _quoted("r.is_root_event") + " || ' is not 0/1 or true/false'",
            ),
        )
    )
    if reader.added_formats:
        checks.append(
            (
                f"r.date_added IS NOT NULL AND {added} IS NULL",
                _problem(
                    "bad_date",
                    "date_added",
                    _quoted("r.date_added")
                    + f" || ' is not a timestamp in the format {reader.added_formats[0]}'",
                ),
            )
        )
    return checks


def _actor_exprs(reader: Reader) -> tuple[str, str, str, str, str, str, str]:
    """Expressions for source code, country, type; target code, country, type; location country."""
    csv_like = reader.origin != "icews"
    if reader.country_lookup:

        def fb(f: str) -> str:
            # Mapped files may hold codes the codebook does not name: keep them as given.
            return f", upper(r.{f})" if csv_like else ""

        src_c = f"coalesce(_cb_country(r.source_country){fb('source_country')})"
        tgt_c = f"coalesce(_cb_country(r.target_country){fb('target_country')})"
        # Mapped files keep their location codes (GDELT's are FIPS, not CAMEO).
        loc_c = "r.location_country" if csv_like else "_cb_country(r.location_country)"
        src_t = f"coalesce(_sector_type(r.source_type){fb('source_type')})"
        tgt_t = f"coalesce(_sector_type(r.target_type){fb('target_type')})"
    else:
        src_c, tgt_c, loc_c = "r.source_country", "r.target_country", "r.location_country"
        src_t, tgt_t = "r.source_type", "r.target_type"
    # ICEWS names actors, and a mapped file may give only country and type: the CAMEO-style
    # code is then country + type (KORGOV). GDELT always writes the code itself.
    src_code, tgt_code = "r.source_code", "r.target_code"
    if reader.country_lookup:
        src_code = f"NULLIF(concat(coalesce({src_c}, ''), coalesce({src_t}, '')), '')"
        tgt_code = f"NULLIF(concat(coalesce({tgt_c}, ''), coalesce({tgt_t}, '')), '')"
        if csv_like:
            src_code = f"coalesce(r.source_code, {src_code})"
            tgt_code = f"coalesce(r.target_code, {tgt_code})"

    return src_code, src_c, src_t, tgt_code, tgt_c, tgt_t, loc_c
