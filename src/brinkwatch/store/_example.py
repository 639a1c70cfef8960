"""A small store of real, hand-coded events for examples and doctests."""

from __future__ import annotations

import hashlib
from pathlib import Path

from brinkwatch.store._schema import EVENT_COLUMNS, INTERNAL_COLUMNS
from brinkwatch.store._store import Store, connect, sql_string
from brinkwatch.store._writer import BatchSource

__all__ = ["example"]

#: The 2019 Japan-South Korea trade dispute and the United States between them, as a
#: chronology codes it: (date, source, target, CAMEO code, what happened).
_EVENTS = (
    ("2019-07-01", "JPNGOV", "KORGOV", "163", "Japan tightens exports of three chip materials"),
    ("2019-07-03", "KORGOV", "JPNGOV", "036", "Seoul proposes talks on the export controls"),
    ("2019-07-04", "JPNGOV", "KORGOV", "163", "Japan's export controls take effect"),
    ("2019-07-10", "USAGOV", "JPNGOV", "040", "Washington consults Tokyo on the dispute"),
    ("2019-07-12", "KORGOV", "JPNGOV", "111", "Seoul denounces the controls as retaliation"),
    ("2019-07-24", "USAGOV", "KORGOV", "042", "The US national security adviser visits Seoul"),
    ("2019-08-02", "JPNGOV", "KORGOV", "163", "Japan drops Korea from its trusted trade partners"),
    ("2019-08-22", "KORGOV", "JPNGOV", "161", "Seoul decides to end the GSOMIA intelligence pact"),
    ("2019-08-23", "USAGOV", "KORGOV", "111", "Washington criticises the end of GSOMIA"),
    ("2019-11-22", "KORGOV", "JPNGOV", "030", "Seoul suspends the end of GSOMIA"),
)


def _relation() -> str:
    """Return the events as the SELECT a batch loads (canonical columns, ``_rej``, ``_raw``)."""
    from brinkwatch import codebook

    codes = {e["code"]: e for e in codebook.event_codes().to_pylist()}
    names = ["event_id", "event_date", "source_code", "source_country", "source_type"]
    names += ["target_code", "target_country", "target_type", "cameo_code", "cameo_root"]
    names += ["quad_class", "goldstein", "description"]
    rows = []
    for i, (day, src, tgt, code, what) in enumerate(_EVENTS, start=1):
        values = [str(i), day, src, src[:3], src[3:], tgt, tgt[:3], tgt[3:], code, code[:2]]
        values += [str(codes[code]["quad_class"]), str(codes[code]["goldstein"]), what]
        rows.append("(" + ", ".join(sql_string(v) for v in values) + ")")
    cols = ", ".join(
        f"CAST(v.{c.name} AS {c.sql_type}) AS {c.name}"
        if c.name in names
        else f"NULL::{c.sql_type} AS {c.name}"
        for c in EVENT_COLUMNS
        if c.name not in {"origin", "batch_id"}
    )
    (rej, raw) = (c.sql_type for c in INTERNAL_COLUMNS)
    return (
        f"SELECT {cols}, NULL::{rej} AS _rej, NULL::{raw} AS _raw "
        f"FROM (VALUES {', '.join(rows)}) v({', '.join(names)})"
    )


def example(path: str | Path = ":memory:") -> Store:
    """Open a store holding ten real events between Japan, South Korea and the United States.

    They follow the 2019 trade dispute (export controls from July, the GSOMIA decision in
    August, its suspension in November), coded by hand with CAMEO codes and the codebook's
    Goldstein weights, as origin ``chronology`` in one batch. Examples and tests use it
    instead of writing into the store's tables.

    Parameters
    ----------
    path
        Where to make the store (an in-memory one by default).

    Returns
    -------
    Store
        The open store; close it when done.

    Examples
    --------
    >>> store = example()
    >>> store.events.count().execute()
    10
    >>> store.events.filter(store.events.cameo_code == "163").goldstein.sum().execute()
    -24.0
    """
    sql = _relation()
    store = connect(path)
    source = BatchSource(
        file="brinkwatch.store.example",
        format="chronology",
        origin="chronology",
        signature="example",
        bytes=len(sql.encode()),
        sql=sql,
        header_lines=0,
        rejects_table="_example_rejects",
        rejects_scan="_example_scan",
    )
    fingerprint = "sha256:" + hashlib.sha256(sql.encode()).hexdigest()
    store.load_batch(source, fingerprint=fingerprint)
    return store
