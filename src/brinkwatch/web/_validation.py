"""Check every value that arrives from a browser before it reaches the library.

Each parser takes the raw text (``None`` when the parameter is absent) and the parameter's
name, and returns a typed value or raises :class:`~brinkwatch.errors.ConfigError` naming the
parameter, what was expected and what arrived. The ``*_query`` and ``*_body`` functions parse
a whole request (query parameters or JSON body) into the keyword arguments of a view in
:mod:`brinkwatch.web._views`. Nothing here touches the store: values are passed on as Python
objects, and queries are Ibis expressions, so no user text becomes SQL.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from brinkwatch import codebook
from brinkwatch.codebook import Dyad
from brinkwatch.errors import ConfigError
from brinkwatch.measure import INDEX_MEASURES

__all__ = [
    "LOCAL_HOSTS",
    "MAX_DAILY_DAYS",
    "MAX_PATHS",
    "MAX_REPL",
    "MAX_SEED",
    "MAX_TEXT",
    "MEASURES",
    "Review",
    "RunRequest",
    "check_host",
    "coder_body",
    "coder_reviews",
    "country",
    "daily_window",
    "date_range",
    "day",
    "dyad",
    "dyad_query",
    "events_query",
    "explain_query",
    "freq",
    "integer",
    "is_loopback",
    "json_object",
    "measure",
    "origin",
    "quads",
    "roots",
    "run_body",
    "triad",
    "triad_query",
]

#: Host headers accepted when serving on a loopback address (a guard against DNS rebinding).
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

#: Monte Carlo paths per variant a request may ask for.
MAX_PATHS = 50_000
#: Bootstrap replications of the impulse responses a request may ask for.
MAX_REPL = 2_000
#: Characters of text the coder page accepts in one request.
MAX_TEXT = 20_000
#: Largest seed a request may give (the seeds numpy accepts from every client language).
MAX_SEED = 2**31 - 1
#: Series columns a page may index or plot.
MEASURES = INDEX_MEASURES
_FREQS = ("day", "week", "month")
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)
_CODE = re.compile(r"[A-Z]{3}")
_WHOLE = re.compile(r"[+-]?[0-9]{1,18}")
_ORIGIN = re.compile(r"[a-z0-9_]{1,32}")
_LIST_SEP = re.compile(r"[\s,]+")


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(codebook.countries().column("code").to_pylist())


def country(value: str | None, field: str) -> str:
    """Return a CAMEO country code from the codebook, upper-cased.

    Examples
    --------
    >>> country("jpn", "a")
    'JPN'
    """
    text = (value or "").strip().upper()
    if not _CODE.fullmatch(text) or text not in _country_codes():
        raise ConfigError(
            f"expected a CAMEO country code such as JPN, KOR or USA; got {_show(value)}",
            field=field,
        )
    return text


def dyad(value: str | None, field: str = "dyad") -> Dyad:
    """Parse a dyad with the one dyad grammar (:class:`~brinkwatch.codebook.Dyad`).

    Examples
    --------
    >>> dyad("JPN-KOR").countries
    ('JPN', 'KOR')
    """
    return Dyad.parse(value or "", field=field)


def triad(value: str | None, field: str = "triad") -> tuple[str, str, str]:
    """Parse three different country codes separated by commas, spaces or ``-``.

    Examples
    --------
    >>> triad("USA,JPN,KOR")
    ('USA', 'JPN', 'KOR')
    """
    parts = [p for p in re.split(r"[\s,\-]+", value or "") if p]
    if len(parts) != 3:
        raise ConfigError(
            f"a triad is three country codes such as USA,JPN,KOR; got {_show(value)}",
            field=field,
        )
    a, b, c = (country(p, field) for p in parts)
    if len({a, b, c}) != 3:
        raise ConfigError(f"a triad needs three different countries; got {a},{b},{c}", field=field)
    return a, b, c


def day(value: str | None, field: str) -> date | None:
    """Parse a day as ``YYYY-MM-DD`` between 1900 and 2100; ``None`` when absent or empty.

    Examples
    --------
    >>> day("2019-07-01", "from")
    datetime.date(2019, 7, 1)
    """
    if value is None or not value.strip():
        return None
    try:
        d = datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        msg = f"expected a day as YYYY-MM-DD; got {_show(value)}"
        raise ConfigError(msg, field=field) from None
    if not _FIRST_DAY <= d <= _LAST_DAY:
        raise ConfigError(f"expected a day between 1900 and 2100; got {d}", field=field)
    return d


def date_range(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    """Parse the ``from`` and ``to`` parameters and check they are in order.

    Examples
    --------
    >>> date_range("2019-01-01", None)
    (datetime.date(2019, 1, 1), None)
    """
    first, last = day(start, "from"), day(end, "to")
    if first is not None and last is not None and first > last:
        raise ConfigError(
            f"the range is inverted: 'from' {first} is after 'to' {last}; swap them",
            field="from",
        )
    return first, last


#: Longest window of a daily series: change points and alarms over more take too long per request.
MAX_DAILY_DAYS = 3 * 366


def daily_window(freq: str, start: date | None, end: date | None) -> None:
    """Refuse a daily series without a window, or over more than :data:`MAX_DAILY_DAYS`.

    Examples
    --------
    >>> daily_window("day", date(2019, 7, 1), date(2019, 9, 30))
    """
    if freq != "day":
        return
    if start is None or end is None:
        raise ConfigError(
            "daily series need a window: give 'from' and 'to' (at most 3 years apart), or "
            "choose week or month",
            field="freq",
        )
    if (end - start).days > MAX_DAILY_DAYS:
        raise ConfigError(
            f"daily series cover at most 3 years; {start} to {end} is {(end - start).days:,} "
            "days: narrow the window or choose week or month",
            field="freq",
        )


def freq(
    value: str | None,
    field: str = "freq",
    default: str = "week",
    allowed: tuple[str, ...] = _FREQS,
) -> str:
    """Parse a frequency: ``day``, ``week`` or ``month``.

    Examples
    --------
    >>> freq("Month")
    'month'
    """
    text = (value or default).strip().lower()
    if text not in allowed:
        raise ConfigError(f"expected one of {', '.join(allowed)}; got {_show(value)}", field=field)
    return text


def measure(value: str | None, field: str = "measure", default: str = "goldstein_sum") -> str:
    """Parse a measure, one of :data:`MEASURES`.

    Examples
    --------
    >>> measure("net_coop")
    'net_coop'
    """
    text = (value or default).strip().lower()
    if text not in MEASURES:
        raise ConfigError(f"expected one of {', '.join(MEASURES)}; got {_show(value)}", field=field)
    return text


def integer(value: str | int | None, field: str, *, default: int, low: int, high: int) -> int:
    """Parse a whole number within ``[low, high]``, strictly.

    Only an integer, or text of ASCII digits with an optional sign, is a whole number:
    ``50000.5``, ``true``, ``"1e3"`` and ``"1_000"`` are refused rather than rounded, read as
    1 or parsed the way Python would.

    Examples
    --------
    >>> integer("200", "paths", default=500, low=1, high=50_000)
    200
    >>> integer(50000.5, "paths", default=500, low=1, high=50_000)
    Traceback (most recent call last):
    ...
    brinkwatch.errors.ConfigError: field 'paths': expected a whole number such as 500; got 50000.5
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        n = int(value.strip())
    else:
        shown = _show(value) if isinstance(value, str) else _show(str(value))[1:-1]
        msg = f"expected a whole number such as {default}; got {shown}"
        raise ConfigError(msg, field=field)
    if not low <= n <= high:
        got = f"{n:,}" if abs(n) < 10**18 else "a number far out of range"
        raise ConfigError(f"must be between {low:,} and {high:,}; got {got}", field=field)
    return n


def roots(value: str | None) -> list[str] | None:
    """Parse CAMEO root codes (01 to 20) separated by commas or spaces; ``None`` when empty.

    Examples
    --------
    >>> roots("16, 2")
    ['16', '02']
    """
    if not value or not value.strip():
        return None
    out = []
    for part in _LIST_SEP.split(value.strip()):
        if not part:
            continue
        if not (part.isdigit() and 1 <= int(part) <= 20):
            raise ConfigError(
                f"CAMEO roots are numbers from 01 to 20, such as 16,17; got {part[:20]!r}",
                field="root",
            )
        out.append(part.zfill(2))
    return out


def quads(value: str | None) -> list[int] | None:
    """Parse quad classes (1 to 4) separated by commas or spaces; ``None`` when empty.

    Examples
    --------
    >>> quads("3,4")
    [3, 4]
    """
    if not value or not value.strip():
        return None
    out = []
    for part in _LIST_SEP.split(value.strip()):
        if part not in ("1", "2", "3", "4"):
            raise ConfigError(
                "quad classes are 1 (verbal cooperation), 2 (material cooperation), 3 (verbal "
                f"conflict) and 4 (material conflict); got {part[:20]!r}",
                field="quad",
            )
        out.append(int(part))
    return out


def origin(value: str | None) -> str | None:
    """Parse an origin name such as ``gdelt2`` (lower-cased); ``None`` when empty.

    Examples
    --------
    >>> origin(" ICEWS ")
    'icews'
    """
    if not value or not value.strip():
        return None
    text = value.strip().lower()
    if not _ORIGIN.fullmatch(text):
        raise ConfigError(
            f"an origin is a short name such as gdelt2, icews, chronology or coded; got "
            f"{value[:40]!r}",
            field="origin",
        )
    return text


def _series_window(q: Mapping[str, str], default_freq: str) -> dict[str, Any]:
    """Parse the window, frequency and measure of a series page (daily windows limited)."""
    first, last = date_range(q.get("from"), q.get("to"))
    f = freq(q.get("freq"), default=default_freq)
    daily_window(f, first, last)
    return {"freq": f, "start": first, "end": last, "measure": measure(q.get("measure"))}


def triad_query(q: Mapping[str, str]) -> dict[str, Any]:
    """Parse the overview's query into the arguments of ``triad_view``.

    Examples
    --------
    >>> triad_query({"triad": "USA JPN KOR", "freq": "week"})["actors"]
    ('USA', 'JPN', 'KOR')
    """
    return {"actors": triad(q.get("triad") or "USA,JPN,KOR"), **_series_window(q, "month")}


def dyad_query(q: Mapping[str, str]) -> dict[str, Any]:
    """Parse the dyad page's query into the arguments of ``dyad_view``.

    Examples
    --------
    >>> dyad_query({})["freq"]
    'week'
    """
    return {"pair": dyad(q.get("dyad") or "JPN-KOR"), **_series_window(q, "week")}


def events_query(q: Mapping[str, str]) -> dict[str, Any]:
    """Parse the dyad page's query into the arguments of ``events_view``.

    Examples
    --------
    >>> events_query({"quad": "4", "limit": "20"})["limit"]
    20
    >>> q = events_query({"events_dyad": "KOR->JPN", "events_from": "2019-08-01"})
    >>> str(q["pair"]), q["directed"], q["start"]
    ('KOR->JPN', True, datetime.date(2019, 8, 1))
    """
    # A click on a bar narrows the table to that direction and period (``events_*``).
    directed = q.get("events_dyad")
    first, last = date_range(
        q.get("events_from") or q.get("from"), q.get("events_to") or q.get("to")
    )
    return {
        "pair": dyad(directed, "events_dyad") if directed else dyad(q.get("dyad") or "JPN-KOR"),
        "directed": bool(directed),
        "start": first,
        "end": last,
        "roots": roots(q.get("root")),
        "quads": quads(q.get("quad")),
        "origin": origin(q.get("origin")),
        "limit": integer(q.get("limit"), "limit", default=200, low=1, high=2000),
    }


def top_events_query(q: Mapping[str, str]) -> dict[str, Any]:
    """Parse ``/api/top-events``'s query: a directed dyad, a window and how many per period.

    Examples
    --------
    >>> q = top_events_query({"dyad": "USA->JPN", "freq": "month", "n": "2"})
    >>> str(q["pair"]), q["freq"], q["n"]
    ('USA->JPN', 'month', 2)
    """
    first, last = date_range(q.get("from"), q.get("to"))
    return {
        "pair": dyad(q.get("dyad") or "JPN->KOR"),
        "freq": freq(q.get("freq"), default="week"),
        "start": first,
        "end": last,
        "n": integer(q.get("n"), "n", default=3, low=1, high=20),
    }


def instruments_query(q: Mapping[str, str]) -> dict[str, Any]:
    """Parse the instruments page's query (``at``: the day) into ``instruments_page_view``'s.

    Examples
    --------
    >>> instruments_query({"at": "2019-12-01"})
    {'at': datetime.date(2019, 12, 1)}
    """
    return {"at": day(q.get("at"), "at")}


def explain_query(q: Mapping[str, str]) -> dict[str, Any]:
    """Parse the explain page's query into the arguments of ``explain_view``.

    Examples
    --------
    >>> explain_query({"repl": "0"})["repl"], explain_query({})["measure"]
    (0, 'net_coop')
    """
    first, last = date_range(q.get("from"), q.get("to"))
    return {
        "actors": triad(q.get("triad") or "USA,JPN,KOR"),
        "freq": freq(q.get("freq"), default="month", allowed=("week", "month")),
        "start": first,
        "end": last,
        "measure": measure(q.get("measure"), default="net_coop"),
        "periods": integer(q.get("periods"), "periods", default=8, low=1, high=36),
        "repl": integer(q.get("repl"), "repl", default=200, low=0, high=MAX_REPL),
        "seed": integer(q.get("seed"), "seed", default=0, low=0, high=MAX_SEED),
    }


def json_object(raw: bytes) -> dict[str, Any]:
    """Parse a request body that must be one JSON object; an empty body is ``{}``.

    Examples
    --------
    >>> json_object(b'{"paths": 10}')
    {'paths': 10}
    """
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise ConfigError("the request body is not valid JSON", field="body") from None
    if not isinstance(body, dict):
        raise ConfigError("the request body must be a JSON object", field="body")
    return body


@dataclass(frozen=True)
class RunRequest:
    """A scenario run asked for by ``POST /api/scenario/runs``, checked."""

    scenario: str
    levers: tuple[str, ...]
    actual: bool
    paths: int
    seed: int


def run_body(body: Mapping[str, Any], scenarios: Sequence[str]) -> RunRequest:
    """Parse a scenario run's JSON body; ``scenarios`` are the names that may be run.

    Examples
    --------
    >>> run_body({"scenario": "a", "paths": 10}, ["a"]).paths
    10
    """
    name = body.get("scenario")
    if not isinstance(name, str) or name not in scenarios:
        raise ConfigError(
            f"expected one of the bundled scenarios ({', '.join(scenarios)}); got "
            f"{str(name)[:40]!r}",
            field="scenario",
        )
    levers = body.get("levers") or []
    if not isinstance(levers, list) or not all(isinstance(x, str) for x in levers):
        raise ConfigError("expected a list of lever names", field="levers")
    return RunRequest(
        scenario=name,
        levers=tuple(levers),
        actual=bool(body.get("actual", False)),
        paths=integer(body.get("paths"), "paths", default=500, low=1, high=MAX_PATHS),
        seed=integer(body.get("seed"), "seed", default=0, low=0, high=MAX_SEED),
    )


def coder_body(body: Mapping[str, Any], *, need_date: bool) -> tuple[str, date | None]:
    """Parse the coder's JSON body into the text and its date (required to store events).

    Examples
    --------
    >>> coder_body({"text": "Japan protested.", "date": "2019-07-04"}, need_date=True)
    ('Japan protested.', datetime.date(2019, 7, 4))
    """
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ConfigError("paste some English text to code", field="text")
    if len(text) > MAX_TEXT:
        raise ConfigError(
            f"at most {MAX_TEXT:,} characters at a time; got {len(text):,}", field="text"
        )
    raw_day = body.get("date")
    d = day(raw_day if isinstance(raw_day, str) else None, "date")
    if need_date and d is None:
        raise ConfigError("stored events need the text's date, as YYYY-MM-DD", field="date")
    return text, d


#: What a reviewer may do with a coded row before it is stored.
REVIEW_ACTIONS = ("accept", "edit", "reject")


@dataclass(frozen=True)
class Review:
    """A reviewer's decision on one coded row: accept, edit (with the new values) or reject."""

    event_id: str
    action: str
    code: str | None = None
    source: str | None = None
    target: str | None = None
    event_date: date | None = None


def coder_reviews(body: Mapping[str, Any], limit: int = 1000) -> list[Review] | None:
    """Parse the reviewed rows sent with a store request; ``None`` when none were sent.

    Examples
    --------
    >>> r = coder_reviews({"rows": [{"event_id": "coded-1", "action": "edit", "code": "112"}]})
    >>> r[0].action, r[0].code, r[0].source
    ('edit', '112', None)
    >>> coder_reviews({}) is None
    True
    """
    rows = body.get("rows")
    if rows is None:
        return None
    if not isinstance(rows, list) or len(rows) > limit:
        raise ConfigError(f"expected a list of at most {limit} reviewed rows", field="rows")
    out = []
    for i, row in enumerate(rows):
        where = f"rows[{i}]"
        if not isinstance(row, dict):
            raise ConfigError("expected an object with event_id and action", field=where)
        eid, action = row.get("event_id"), row.get("action")
        if not isinstance(eid, str) or not eid:
            raise ConfigError("each reviewed row needs the event_id it was coded with", field=where)
        if action not in REVIEW_ACTIONS:
            raise ConfigError(
                f"action must be one of {', '.join(REVIEW_ACTIONS)}; got {_show(str(action))}",
                field=f"{where}.action",
            )
        values: dict[str, str | None] = {}
        for key in ("code", "source", "target"):
            v = row.get(key)
            values[key] = (
                v.strip() if isinstance(v, str) and v.strip() and action == "edit" else None
            )
        raw = row.get("event_date")
        when = (
            day(raw, f"{where}.event_date") if action == "edit" and isinstance(raw, str) else None
        )
        out.append(Review(eid, str(action), event_date=when, **values))
    return out


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def check_host(host: str, allow_public: bool) -> str:
    """Refuse to serve on a non-loopback address unless asked to explicitly.

    Raises
    ------
    ConfigError
        If ``host`` is not a loopback address and ``allow_public`` is False.

    Examples
    --------
    >>> check_host("127.0.0.1", False)
    '127.0.0.1'
    """
    if not host.strip():
        raise ConfigError("expected a host name or address, such as 127.0.0.1", field="--host")
    if not is_loopback(host) and not allow_public:
        raise ConfigError(
            f"refusing to serve on {host}: that address is reachable from other machines, and "
            "the dashboard has no login. Use 127.0.0.1 (the default), or pass --allow-public if "
            "everyone who can reach this machine may read the store and add coded events to it",
            field="--host",
        )
    return host


def _show(value: str | None) -> str:
    if value is None:
        return "nothing"
    text = value if len(value) <= 40 else value[:40] + "..."
    return repr(text)
