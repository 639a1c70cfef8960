"""Read-side queries over the store, returned as Ibis expressions (no execution here).

Besides filtering, this module defines two derived columns that every measure shares, each
as one Ibis expression so that DuckDB and Spark compute them the same way:

- :func:`story_key`: which report an event row comes from, so that syndicated copies and the
  several rows a coder extracts from one article count once;
- :func:`is_state`: whether one side of an event is a state actor rather than a company,
  a newspaper or another non-state actor of that country.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Literal

from brinkwatch.codebook import Dyad
from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from brinkwatch.codebook import Actor

__all__ = [
    "MACHINE_ORIGINS",
    "STATE_TYPES",
    "ActorScope",
    "derived_sql",
    "derived_stamp",
    "event_sources",
    "is_state",
    "select_events",
    "state_match",
    "story_key",
    "story_key_sql",
    "url_key",
    "url_slug",
    "with_story",
    "with_story_key",
]

#: Origins whose rows a machine coded from news text: several rows may report one story, so
#: measures count them by story by default. Other origins (chronology, CSV) are curated and
#: count by row.
MACHINE_ORIGINS = ("gdelt1", "gdelt2", "icews", "coded")

#: CAMEO actor types that act for the state: government, military, judiciary, legislature,
#: police and intelligence. A side with no type whose code is just its country code (GDELT
#: ``JPN``, ICEWS ``Japan``) also counts: coders write the bare country for "Japan", "Tokyo"
#: or an unnamed official, i.e. the government or the country as a whole.
STATE_TYPES = ("GOV", "MIL", "JUD", "LEG", "COP", "SPY")

#: ``state``: only state actors (:data:`STATE_TYPES`, or untyped country actors); ``all``:
#: every actor of the country, companies and media included.
ActorScope = Literal["state", "all"]

# A headline slug: the last path segment of four or more words once tokens holding digits
# (dates, article ids, UUIDs) are gone. Character classes instead of backslashes, so that the
# pattern reads the same in RE2 (DuckDB) and in Spark SQL string literals.
_SLUG = "^.*/[-_.]*([a-z]+(?:[-_]+[a-z]+){3,})[-_]*(?:[.][a-z0-9]+)?(?:/|$)"
# One whole path segment that _SLUG accepts, without the capture group.
_SEGMENT = "[-_.]*[a-z]+(?:[-_]+[a-z]+){3,}[-_]*(?:[.][a-z0-9]+)?"
# The tokens holding digits that a slug ignores.
_DIGITS = "[a-z]*[0-9][a-z0-9]*"


def url_key(url: ir.StringValue) -> ir.StringValue:
    """Normalise a URL: lower case, no scheme, no ``www.``, no query or fragment, no final slash.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"u": ["HTTPS://www.Example.com/a/B/?utm=1#top",
    ...                          "http://www.koreaherald.com/view.php?ud=20201113000566"]})
    >>> ibis.duckdb.connect().execute(t.select(k=url_key(t.u)))["k"].tolist()
    ['example.com/a/b', 'koreaherald.com/view.php?ud=20201113000566']
    """
    import ibis

    u = url.strip().lower().re_replace("^[a-z][a-z0-9+.-]*://", "")
    u = u.re_replace("^www[0-9]*[.]", "").re_replace("#.*$", "")
    # The query is tracking noise, except where it names the article: a bare host or a script
    # (japantimes.co.jp/?p=2820961, koreaherald.com/view.php?ud=20201113000566).
    keeps = u.re_search("^[^/?]*/?[?]") | u.re_search("[.](php|aspx?|jsp|cgi|cfm|do)[?]")
    u = ibis.ifelse(keeps, u, u.re_replace("[?].*$", ""))
    return u.re_replace("/+$", "").re_replace("/+[?]", "?").nullif("")


def url_slug(url: ir.StringValue) -> ir.StringValue:
    """Return the headline slug of a URL (see :data:`_SLUG`), or NULL when the path has none.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"u": [
    ...     "https://www.local10.com/news/world/2020/11/14/trump-skips-southeast-asia-summit/",
    ...     "https://winonadailynews.com/news/trump-skips-southeast-asia-summit/article_3b8.html",
    ...     "http://www.comunicati.net/comunicati/aziende/moda/604484.html"]})
    >>> ibis.duckdb.connect().execute(t.select(s=url_slug(t.u)))["s"].fillna("-").tolist()
    ['trump-skips-southeast-asia-summit', 'trump-skips-southeast-asia-summit', '-']
    """
    return _slug_of_key(url_key(url))


def _slug_of_key(key: ir.StringValue) -> ir.StringValue:
    """Return the headline slug of a URL already normalised by :func:`url_key`."""
    path = key.re_replace("[?].*$", "").re_replace("^[^/]*", "").re_replace(_DIGITS, "")
    # regexp_extract gives '' for no match on both backends; NULL says "no slug".
    return path.re_extract(_SLUG, 1).re_replace("[-_]+", "-").nullif("")


def story_key(t: ir.Table) -> ir.StringValue:
    """Which report each event row comes from, as ``origin|kind:key``.

    GDELT rows share a story when their article URLs have the same headline slug (syndicated
    copies on several hosts), else the same normalised URL; ICEWS and coded rows share their
    ``story_id`` (ICEWS Story ID, the coded document); a chronology row is its own story;
    other rows fall back to ``story_id``, then the URL, then the row itself.

    Parameters
    ----------
    t
        A table with the canonical event columns.

    Returns
    -------
    ibis.expr.types.StringValue
        Never NULL.
    """
    return _story_case(t, url_key(t.source_url), url_slug(t.source_url))


def _story_case(t: ir.Table, url: ir.StringValue, slug: ir.StringValue) -> ir.StringValue:
    """Apply the rule of :func:`story_key` to the row's URL key and slug."""
    import ibis

    gdelt = t.origin.isin(["gdelt1", "gdelt2"])
    key = ibis.cases(
        (gdelt & slug.notnull(), "slug:" + slug),
        (gdelt & url.notnull(), "url:" + url),
        ((t.origin != "chronology") & t.story_id.notnull(), "story:" + t.story_id),
        ((t.origin != "chronology") & url.notnull(), "url:" + url),
        else_="row:" + t.event_id,
    )
    return t.origin + "|" + key


def event_sources(events: ir.Table) -> ir.Table | None:
    """Count the sources and mentions of each GDELT 2.0 event from the store's ``mentions``.

    An export row says how many sources (``NumSources``) and mentions (``NumMentions``) its
    event had in the first 15 minutes; the mentions files list every article that mentions it
    later too, with its outlet. Where they were ingested, this is the better count.

    Parameters
    ----------
    events
        The store's ``events`` table or an expression over it (events of one dyad, say):
        only the mentions of its ``gdelt2`` events are counted, so a narrow selection reads
        few mentions. The mentions are looked up beside it, on the same backend.

    Returns
    -------
    ibis.expr.types.Table or None
        One row per ``event_id`` (the GLOBALEVENTID of an event of origin ``gdelt2``) with
        ``mention_sources`` (distinct ``source_name``), ``mention_count`` (mentions) and
        ``source_names`` (the distinct outlets, sorted); ``None`` when the backend holds no
        ``mentions`` table (a store made before schema 4 opened read-only, a Spark snapshot,
        a table that is no store's).

    Examples
    --------
    >>> from brinkwatch.store import connect
    >>> s = connect(":memory:")
    >>> s.ibis.execute(event_sources(s.events).count())
    0
    """
    try:
        m = events.get_backend().table("mentions")
    except Exception:  # no such table, or no backend: each backend raises its own error
        return None
    ids = events.filter(events.origin == "gdelt2").event_id
    m = m.filter(m.event_id.isin(ids))
    return m.group_by("event_id").aggregate(
        mention_sources=m.source_name.nunique(),
        mention_count=m.count(),
        # Sorted after collecting: Spark has no ordered aggregate (Ibis refuses order_by there).
        source_names=m.source_name.collect(distinct=True).sort(),
    )


def with_story_key(t: ir.Table, name: str = "story") -> ir.Table:
    """Add :func:`story_key` to ``t`` as column ``name``, computing each part once per row.

    Ibis inlines an expression at every use, so :func:`story_key` as one expression repeats
    the URL key in every branch that uses it (112 regular expressions a row); here the URL key
    and the slug are columns of nested selects, which the backends compute once (about 8x
    faster on DuckDB). Same values as :func:`story_key`.

    Parameters
    ----------
    t
        A table with the canonical event columns.
    name
        The new column's name; it must not be a column of ``t``.

    Returns
    -------
    ibis.expr.types.Table
        ``t`` with the story key appended.

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> e = example().events
    >>> k = with_story_key(e).select("story").to_pyarrow()["story"].to_pylist()
    >>> k == e.select(s=story_key(e)).to_pyarrow()["s"].to_pylist()
    True
    """
    tmp = ("_sk_url", "_sk_slug")
    if name in t.columns or any(c in t.columns for c in tmp):
        raise ConfigError(f"the table already has a column {name!r}", field="name")
    t = t.mutate(_sk_url=url_key(t.source_url))
    t = t.mutate(_sk_slug=_slug_of_key(t._sk_url))
    return t.mutate(**{name: _story_case(t, t._sk_url, t._sk_slug)}).drop(*tmp)


def with_story(t: ir.Table, name: str = "story") -> ir.Table:
    """Add the story key to ``t`` as column ``name``: the stored one when ``t`` has it.

    Stores of schema 5 keep the key in ``events.story_key`` (filled as rows are loaded), so
    measures read it instead of running the regular expressions of :func:`with_story_key` at
    every query; a store of an older schema opened read-only, or a table made elsewhere,
    gets the key computed, with the same values.

    Parameters
    ----------
    t
        A table with the canonical event columns, with or without ``story_key``.
    name
        The new column's name.

    Returns
    -------
    ibis.expr.types.Table
        ``t`` with the story key appended as ``name``.

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> e = example().events
    >>> a = with_story(e).select("story").to_pyarrow()["story"].to_pylist()
    >>> a == with_story_key(e.drop("story_key")).select("story").to_pyarrow()["story"].to_pylist()
    True
    """
    if "story_key" in t.columns:
        if name in t.columns:
            raise ConfigError(f"the table already has a column {name!r}", field="name")
        return t.mutate(**{name: t.story_key})
    return with_story_key(t, name)


def _starts(x: str, chars: str) -> str:
    """Return SQL testing whether ``x`` starts with one of ``chars`` (guards a trim)."""
    return " OR ".join(f"starts_with({x}, chr({ord(c)}))" for c in chars)


def _ends(x: str, chars: str) -> str:
    """Return SQL testing whether ``x`` ends with one of ``chars`` (guards a trim)."""
    return " OR ".join(f"ends_with({x}, chr({ord(c)}))" for c in chars)


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def derived_sql(prefix: str = "", key: str | None = None) -> dict[str, str]:
    """Return DuckDB SQL for the stored flags and story hash of schema 6, by column.

    ``source_is_state`` / ``target_is_state`` are :func:`is_state` of each side, written as
    SQL (FALSE where the expression is NULL, which a filter treats alike), so that the
    state-actor test of a measure reads a boolean instead of comparing strings.
    ``story_hash`` is DuckDB's 64-bit ``hash`` of ``story_key`` shifted to 63 bits (a signed
    BIGINT, which Parquet and Spark read), so that story counting groups integers, not
    strings. A collision would merge two stories only if they also shared origin, dyad, day
    and CAMEO code; even over every pair of 10^7 keys the chance is below 10^14 / 2^64, about
    5e-6, and it is the same for every query of the store. ``hash`` is not promised to be
    stable across DuckDB releases, so the store records :func:`derived_stamp` and recomputes
    every value when a different DuckDB or rule opens it for writing.

    Parameters
    ----------
    prefix
        Qualifier of the input columns (``"s."``); they are ``source_code``,
        ``source_country``, ``source_type``, the same for the target, and ``story_key``.
    key
        The story key's column or expression, if not ``{prefix}story_key``.

    Examples
    --------
    >>> import duckdb
    >>> d = derived_sql()
    >>> duckdb.sql(f"SELECT {d['source_is_state']} FROM (SELECT 'MNCJPN' AS source_code, "
    ...            "'JPN' AS source_country, 'MNC' AS source_type)").fetchall()
    [(False,)]
    """
    types = ", ".join(_sql_str(t) for t in STATE_TYPES)
    out = {}
    for side in ("source", "target"):
        k, c, n = (f"{prefix}{side}_{x}" for x in ("type", "code", "country"))
        out[f"{side}_is_state"] = (
            f"coalesce(CASE WHEN {k} IS NOT NULL AND {k} <> '' THEN {k} IN ({types}) "
            f"ELSE ({c} IS NULL OR {c} = '' OR {c} = {n}) END, FALSE)"
        )
    key = key or f"{prefix}story_key"
    out["story_hash"] = f"CASE WHEN {key} IS NOT NULL THEN CAST(hash({key}) >> 1 AS BIGINT) END"
    return out


def derived_stamp(hash_probe: int) -> str:
    """Identify the rules behind the stored values of :func:`derived_sql`.

    ``hash_probe`` is DuckDB's ``hash`` of a fixed string: it changes if a DuckDB release
    changes the hash, as the state types change the flags.
    """
    return f"state:{','.join(STATE_TYPES)};hash:{hash_probe}"


#: The fixed string whose DuckDB hash :func:`derived_stamp` records.
HASH_PROBE_SQL = "SELECT hash('brinkwatch|slug:story-hash-probe')"


def story_key_sql(relation: str, name: str = "story_key") -> str:
    """Return DuckDB SQL adding ``story_key`` (the value of :func:`story_key`) to ``relation``.

    The store fills ``event_rows.story_key`` with it as it loads a batch (in the INSERT, or
    for GDELT once per distinct URL of the batch), and backfills older stores with it. It is
    written out rather than compiled from the Ibis expression so that loading needs no Ibis
    import, it computes the normalised URL once a row (the compiled expression repeats it in
    each branch), and it runs each regular expression only on values where it can match (a
    URL without ``#`` skips the fragment rule), which makes it several times cheaper. Tests
    check that its values equal :func:`story_key`'s on real and synthetic rows.

    Parameters
    ----------
    relation
        A SELECT (or table name) with ``origin``, ``source_url``, ``story_id`` and
        ``event_id``; its columns pass through, followed by the helper columns ``_sk_u``,
        ``_sk_url``, ``_sk_slug``, ``_sk_seg`` and then the key.
    name
        The key column's name (another name than ``story_key`` when ``relation`` may have
        one already).

    Returns
    -------
    str
        A SELECT statement.

    Examples
    --------
    >>> import duckdb
    >>> rel = ("SELECT 'gdelt2' AS origin, 'https://www.x.com/a/trump-skips-asia-summit/' "
    ...        "AS source_url, NULL AS story_id, '1' AS event_id")
    >>> duckdb.sql(f"SELECT story_key FROM ({story_key_sql(rel)})").fetchall()
    [('gdelt2|slug:trump-skips-asia-summit',)]
    """

    def rx(x: str, pattern: str, repl: str = "") -> str:
        return f"regexp_replace({x}, {_sql_str(pattern)}, {_sql_str(repl)}, 'g')"

    def when(cond: str, x: str, pattern: str, repl: str = "") -> str:
        # A regex runs only where it can match: each condition is implied by a match, so
        # the value is the one of the bare regular expression (at a fraction of the cost).
        return f"CASE WHEN {cond} THEN {rx(x, pattern, repl)} ELSE {x} END"

    # Each step mirrors url_key / _slug_of_key / _story_case, in the same order; a step is a
    # layer of its own so that no expression is repeated.
    u, p, seg = "_sk_u", "_sk_slug", "_sk_seg"
    nl = "chr(10)"  # '.' stops at a newline: a '...$' rule is cut by hand only without one
    url_steps = (
        f"CASE WHEN starts_with({u}, 'https://') THEN substr({u}, 9) "
        f"WHEN starts_with({u}, 'http://') THEN substr({u}, 8) "
        f"WHEN contains({u}, '://') THEN {rx(u, '^[a-z][a-z0-9+.-]*://')} ELSE {u} END",
        f"CASE WHEN starts_with({u}, 'www.') THEN substr({u}, 5) "
        f"WHEN starts_with({u}, 'www') THEN {rx(u, '^www[0-9]*[.]')} ELSE {u} END",
        f"CASE WHEN NOT contains({u}, '#') THEN {u} WHEN NOT contains({u}, {nl}) "
        f"THEN left({u}, strpos({u}, '#') - 1) ELSE {rx(u, '#.*$')} END",
        # The query stays where it names the article (both patterns need a '?'): a bare host
        # (what precedes the first '?' has no '/' but a final one) or a script.
        f"CASE WHEN NOT contains({u}, '?') THEN {u} "
        f"WHEN strpos(left({u}, strpos({u}, '?') - 1), '/') IN (0, strpos({u}, '?') - 1) "
        f"OR regexp_matches({u}, '[.](php|aspx?|jsp|cgi|cfm|do)[?]') THEN {u} "
        f"WHEN NOT contains({u}, {nl}) THEN left({u}, strpos({u}, '?') - 1) "
        f"ELSE {rx(u, '[?].*$')} END",
        f"CASE WHEN ends_with({u}, '/') THEN rtrim({u}, '/') ELSE {u} END",
        when(f"contains({u}, '/?')", u, "/+[?]", "?"),
    )
    slug_steps = (
        f"CASE WHEN NOT contains({p}, '?') THEN {p} WHEN NOT contains({p}, {nl}) "
        f"THEN left({p}, strpos({p}, '?') - 1) ELSE {rx(p, '[?].*$')} END",
        # regexp_replace(x, '^[^/]*', ''): from the first '/', or '' without one.
        f"CASE WHEN {p} IS NULL THEN NULL WHEN contains({p}, '/') "
        f"THEN substr({p}, strpos({p}, '/')) ELSE '' END",
        # _SLUG takes the last segment that is a slug; when the last one is (and no newline
        # stops its '.*'), the next steps cut the words out of it with string functions.
        # Otherwise the slug is in an earlier segment, which needs three '-' or '_' before a
        # '/': only then does the regex run, on the whole path cleaned of tokens with digits.
        f"CASE WHEN NOT contains({p}, {nl}) AND regexp_full_match({seg}, {_sql_str(_SEGMENT)}) "
        f"THEN {seg} WHEN contains({p}, {nl}) OR regexp_matches({p}, '[-_].*[-_].*[-_].*/') "
        f"THEN regexp_extract({rx(p, _DIGITS)}, {_sql_str(_SLUG)}, 1) ELSE '' END",
        # Cut the words out of a whole segment; a no-op on what regexp_extract gave. Each trim
        # runs only where it has something to remove (DuckDB's trims are slow).
        f"CASE WHEN {_starts(p, '-_.')} THEN ltrim({p}, '-_.') ELSE {p} END",
        f"CASE WHEN contains({p}, '.') THEN split_part({p}, '.', 1) ELSE {p} END",
        # rtrim(x, '-_'); the regex is cheaper here (no newline in a segment or a capture).
        when(_ends(p, "-_"), p, "[-_]+$"),
        when(f"contains({p}, '_') OR contains({p}, '--')", p, "[-_]+", "-"),
        f"nullif({p}, '')",
    )
    ws = " \t\n\r\x0b\x0c"
    trimmed = (
        f"CASE WHEN {_starts('source_url', ws)} OR {_ends('source_url', ws)} "
        f"THEN trim(source_url, {_sql_str(ws)}) ELSE source_url END"
    )
    sql = f"SELECT *, lower({trimmed}) AS {u} FROM ({relation}) _sk"
    for i, step in enumerate(url_steps):
        sql = f"SELECT * REPLACE ({step} AS {u}) FROM ({sql}) _sk{i}"
    sql = f"SELECT *, nullif({u}, '') AS _sk_url, nullif({u}, '') AS {p} FROM ({sql}) _sku"
    gdelt = "origin IN ('gdelt1', 'gdelt2')"
    for i, step in enumerate(slug_steps):
        if i == 2:  # before the slug's first step: the cleaned last segment
            # Tokens with digits never span a '/', so the last segment is cleaned of them
            # alone: the slug is usually there, and the whole path then needs no regex.
            last = f"split_part({p}, '/', -1)"
            clean = rx(last, _DIGITS)
            sql = f"SELECT *, CASE WHEN {gdelt} THEN {clean} END AS {seg} FROM ({sql}) _skg"
        # Only GDELT rows use the slug.
        sql = f"SELECT * REPLACE (CASE WHEN {gdelt} THEN {step} END AS {p}) FROM ({sql}) _sks{i}"
    case = (
        "origin || '|' || CASE "
        f"WHEN {gdelt} AND {p} IS NOT NULL THEN 'slug:' || {p} "
        f"WHEN {gdelt} AND _sk_url IS NOT NULL THEN 'url:' || _sk_url "
        "WHEN origin <> 'chronology' AND story_id IS NOT NULL THEN 'story:' || story_id "
        "WHEN origin <> 'chronology' AND _sk_url IS NOT NULL THEN 'url:' || _sk_url "
        "ELSE 'row:' || event_id END"
    )
    return f"SELECT *, {case} AS {name} FROM ({sql}) _skk"


def is_state(
    code: ir.StringValue, country: ir.StringValue, kind: ir.StringValue
) -> ir.BooleanValue:
    """Whether one side of an event is a state actor (see :data:`STATE_TYPES`).

    A typed side is a state actor when its type is one of :data:`STATE_TYPES`; an untyped side
    only when its code is missing or is its bare country code, so that GDELT's ``MNCJPN``
    (Mitsubishi), ``USAREL`` or a known group such as ``AFGTAL`` never count as the state.
    """
    typed = kind.notnull() & (kind != "")
    bare = code.isnull() | (code == "") | (code == country)
    return (typed & kind.isin(list(STATE_TYPES))) | (~typed & bare)


def select_events(
    events: ir.Table,
    *,
    dyad: Dyad | tuple[str, str] | None = None,
    directed: bool = False,
    start: date | None = None,
    end: date | None = None,
    roots: Sequence[str] | None = None,
    origins: Sequence[str] | None = None,
    actors: ActorScope = "state",
) -> ir.Table:
    """Filter canonical events by dyad, date range, CAMEO roots and origin.

    Parameters
    ----------
    events
        The store's ``events`` table.
    dyad
        A :class:`~brinkwatch.codebook.Dyad` (its actor types filter too) or (A, B) country
        codes; events from A to B, and from B to A unless ``directed``.
    directed
        Only A -> B.
    start, end
        Inclusive date bounds.
    roots
        Two-digit CAMEO roots such as ``["16", "17"]``.
    origins
        Keep only these origins.
    actors
        With a dyad: ``state`` (default, as the measures count) keeps only rows whose sides
        given without types are state actors (:func:`is_state`); ``all`` keeps every actor.

    Returns
    -------
    ibis.expr.types.Table
        The filtered events ordered by date and origin.

    Raises
    ------
    ConfigError
        If ``start`` is after ``end`` or a root is not 01..20.
    """
    if start is not None and end is not None and start > end:
        raise ConfigError(
            f"the window starts {start}, after it ends {end}; swap them", field="start"
        )
    t = events
    if dyad is not None:
        import ibis

        d = dyad if isinstance(dyad, Dyad) else Dyad.parse(f"{dyad[0]}->{dyad[1]}")
        t = t.filter(ibis.or_(*[state_match(t, s, g, actors=actors) for s, g in d.pairs(directed)]))
    if start is not None:
        t = t.filter(t.event_date >= start)
    if end is not None:
        t = t.filter(t.event_date <= end)
    if roots:
        norm = []
        for r in roots:
            r = r.strip().zfill(2)
            if not (r.isdigit() and 1 <= int(r) <= 20):
                raise ConfigError(f"CAMEO roots run from 01 to 20; got {r!r}", field="roots")
            norm.append(r)
        t = t.filter(t.cameo_root.isin(norm))
    if origins:
        t = t.filter(t.origin.isin(list(origins)))
    return t.order_by([t.event_date, t.origin, t.event_id])


def state_match(
    t: ir.Table, s: Actor, g: Actor, *, actors: ActorScope = "state"
) -> ir.BooleanValue:
    """Rows from actor ``s`` to actor ``g``.

    An actor with explicit types (``JPN:BUS``) matches those types; without types it matches
    the state actors of its country under ``actors="state"`` and every actor under ``"all"``.

    Raises
    ------
    ConfigError
        If ``actors`` is neither ``state`` nor ``all``.
    """
    if actors not in ("state", "all"):
        raise ConfigError(f"actors is 'state' or 'all'; got {str(actors)[:40]!r}", field="actors")
    cond = (t.source_country == s.country) & (t.target_country == g.country)
    stored = "source_is_state" in t.columns and "target_is_state" in t.columns
    if s.types:
        cond &= t.source_type.isin(list(s.types))
    elif actors == "state":
        # Schema 6 stores the rule's result per row: a column read, not string comparisons.
        st = is_state(t.source_code, t.source_country, t.source_type)
        # NULL only in rows written around Store.load_batch (raw SQL): they get the rule.
        cond &= t.source_is_state.coalesce(st) if stored else st
    if g.types:
        cond &= t.target_type.isin(list(g.types))
    elif actors == "state":
        st = is_state(t.target_code, t.target_country, t.target_type)
        cond &= t.target_is_state.coalesce(st) if stored else st
    return cond
