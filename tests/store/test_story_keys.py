"""The stored story key (schema 5), state flags and story hash (schema 6): filled at load,
backfilled, equal to the computed rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa
import pyarrow.compute
import pytest

from brinkwatch.ingest import ingest, read_mapping
from brinkwatch.measure import Actor, dyad_series
from brinkwatch.store import (
    EVENT_COLUMNS,
    SCHEMA_VERSION,
    Store,
    connect,
    is_state,
    story_key,
    with_story,
)
from brinkwatch.store._ibis_backend import ibis_backend
from brinkwatch.store._store import rebuild_story_keys
from tests.conftest import BUNDLED_CHRONOLOGY, CHRONOLOGY, ROOT

if TYPE_CHECKING:
    import ibis.expr.types as ir

PANDAS = "gdelt/pandas-export-202011"


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """GDELT 2.0 (export and pandas export), GDELT 1.0, ICEWS and the chronology in one store."""
    path = tmp_path_factory.mktemp("keys") / "store.duckdb"
    with connect(path) as s:
        rep = ingest(s, [BUNDLED_CHRONOLOGY], mapping=read_mapping(CHRONOLOGY / "chronology.yaml"))
        assert not rep.failed
        files = ["gdelt/20191024143000.export.CSV", "gdelt/gdelt1_events_sample.tsv"]
        rep = ingest(s, [shared_data / f for f in [*files, "icews/events.2018.sample.tab"]])
        assert not rep.failed
        with pytest.warns(Warning):  # the mapping claims gdelt2 for a pandas export
            rep = ingest(
                s,
                [shared_data / PANDAS],
                mapping=read_mapping(ROOT / "docs/examples/gdelt-pandas-export.yaml"),
                origin_override=True,
            )
        assert not rep.failed
    return path


@pytest.fixture(scope="module")
def real(real_db: Path) -> Iterator[Store]:
    with connect(real_db, read_only=True) as s:
        yield s


def _stored_and_computed(s: Store) -> list[tuple[str, str, str]]:
    e = s.events
    t = e.select("origin", "story_key", k=story_key(e)).to_pyarrow()
    return list(zip(*(t[c].to_pylist() for c in ("origin", "story_key", "k")), strict=True))


def test_load_batch_stores_the_story_key_of_every_row(real: Store) -> None:
    got = _stored_and_computed(real)
    origins = {o for o, _, _ in got}
    assert {"chronology", "gdelt1", "gdelt2", "icews"} <= origins
    assert all(stored is not None for _, stored, _ in got)
    wrong = [(o, a, b) for o, a, b in got if a != b]
    assert not wrong, wrong[:5]
    # Not trivially equal: GDELT copies do share keys.
    kinds = {k.split("|")[1].split(":")[0] for _, k, _ in got}
    assert kinds == {"slug", "url", "story", "row"}
    gd = [k for o, k, _ in got if o == "gdelt2"]
    assert len(set(gd)) < len(gd)


def test_a_schema_4_store_reads_the_same_keys_and_is_backfilled(
    real_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "old.duckdb"
    path.write_bytes(real_db.read_bytes())
    with connect(path) as s:
        want = sorted(_stored_and_computed(s))
        pairs = [(Actor("JPN"), Actor("KOR")), (Actor("KOR"), Actor("JPN"))]
        kw = {"start": date(2019, 1, 1), "end": date(2020, 12, 31), "freq": "month"}
        series = dyad_series(s.events, pairs, count="stories", **kw).to_pyarrow()  # type: ignore[arg-type]
        # What a schema-4 store looks like: no story_key column, version 4.
        cols = ", ".join(c.name for c in EVENT_COLUMNS if c.name != "story_key")
        s.con.execute(f"CREATE OR REPLACE VIEW events AS SELECT {cols} FROM event_rows "
                      "WHERE _reject IS NULL")  # fmt: skip
        s.con.execute("ALTER TABLE event_rows DROP COLUMN story_key")
        s.con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with connect(path, read_only=True) as s:
        assert "story_key" not in s.events.columns
        old = dyad_series(s.events, pairs, count="stories", **kw).to_pyarrow()  # type: ignore[arg-type]
        assert old.equals(series) and series.num_rows
        k = with_story(s.events).select("story").to_pyarrow()["story"].to_pylist()
        assert sorted(k) == sorted(b for _, _, b in want)
    with connect(path) as s:  # opened for writing: the column comes back, filled
        ver = s.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert ver == (str(SCHEMA_VERSION),) == ("6",)
        assert sorted(_stored_and_computed(s)) == want


def test_a_parquet_export_round_trips_and_rows_written_by_sql_get_keys(
    real: Store, tmp_path: Path
) -> None:
    real.to_parquet(tmp_path / "pq")
    with connect(":memory:") as s:
        s.read_parquet(tmp_path / "pq")
        assert sorted(_stored_and_computed(s)) == sorted(_stored_and_computed(real))
        # Rows that bypass load_batch (as the benchmark's generator writes them) get the same
        # key from the store's rebuild.
        s.con.execute("UPDATE event_rows SET story_key = NULL")
        assert rebuild_story_keys(s.con) == real.events.count().execute()
        assert sorted(_stored_and_computed(s)) == sorted(_stored_and_computed(real))


def test_the_loading_sql_equals_the_rule_on_awkward_and_random_urls() -> None:
    """The guards of story_key_sql skip regexes only where they cannot match: check edge cases
    and random strings built from the characters the rules look at."""
    import random

    import duckdb
    import pyarrow as pa

    from brinkwatch.store._queries import story_key_sql

    awkward = [
        None, "", "  ", "HTTPS://WWW2.Example.COM/a/B/?utm=1#top", "www.x.com", "wwwx.com/a",
        "http://a://b/c", "x.com/?p=1", "x.com/view.php?ud=2020", "x.com/a//?q", "x.com///",
        "x.com/a/trump_skips--asia__summit_now/", "x.com/2020/11/one-two-three-four.html",
        "x.com/one-two-three-four/?a#b", "x.com/#frag?x", "x.com/a\n#b", "x.com/a?b\nc",
        "\tftp://host/one-two-three-four5/", "x.com/one-two-three/", "//one-two-three-four",
        "x.com/a-b-c-d/e1f-g", "x.com/?", "/", "#", "?", "x.com/one-two-three-four.aspx?id=3",
        "x.com/one--two-three-four/", "x.com/one-two---three-four-",
        "ünï.com/ä?x", "é/?q", "ñ.es/caf\u0301e-con-leche-para-todos?x=1", "a/?b", "a?/b",
        "https://x.com/one-two-three-four///?q", "www.x.com#a?b", "www1.x.com/?a#b\nc",
        "x.com/a?b\n?c", "x.com/a#b\n#c", "x.com/a/one-two-three-four?x\ny",
    ]  # fmt: skip
    rng = random.Random(14)
    alphabet = ["/", "?", "#", ".", "-", "_", "--", "://", "www", "a", "bc", "7", "x9", "\n", "Q"]
    alphabet += ["http", "s", "é", ":", "php"]
    urls = awkward + ["".join(rng.choices(alphabet, k=rng.randint(0, 14))) for _ in range(20000)]
    n = len(urls)
    origins = ["gdelt2", "gdelt1", "icews", "chronology", "csv"]
    t = pa.table({
        "origin": [origins[i % 5] for i in range(n)],
        "source_url": urls,
        "story_id": [None if i % 3 else f"s{i % 7}" for i in range(n)],
        "event_id": [str(i) for i in range(n)],
    })  # fmt: skip
    con = duckdb.connect()
    con.register("t", t)
    got = con.execute(f"SELECT story_key FROM ({story_key_sql('SELECT * FROM t')})").fetchall()
    e = ibis_backend(con).table("t")  # the store's backend: no deprecated DuckDB call
    want = e.select(k=story_key(e)).to_pyarrow()["k"].to_pylist()
    assert [g for (g,) in got] == want
    assert len(set(want)) > n // 3  # the keys are not all alike


# Schema 6: the state flags and the story hash beside the key.
_DERIVED = ("source_is_state", "target_is_state", "story_hash")


def _derived_and_computed(s: Store) -> list[tuple[object, ...]]:
    """Each row's stored flags and hash beside the rule's values (the flags' NULL is FALSE)."""
    e = s.events
    t = e.select(
        "origin",
        "event_id",
        "story_key",
        *_DERIVED,
        src=is_state(e.source_code, e.source_country, e.source_type).fill_null(False),
        tgt=is_state(e.target_code, e.target_country, e.target_type).fill_null(False),
    ).to_pyarrow()
    # DuckDB's 64-bit hash of the key, halved: what a row loaded now would store.
    h = dict(
        s.con.execute(
            "SELECT origin || '|' || event_id, CAST(hash(story_key) // 2 AS BIGINT) FROM events"
        ).fetchall()
    )
    rows = zip(*(c.to_pylist() for c in t.columns), strict=True)
    return sorted((*r, h[f"{r[0]}|{r[1]}"]) for r in rows)


def test_load_batch_stores_the_state_flags_and_story_hash_of_every_row(real: Store) -> None:
    got = _derived_and_computed(real)
    assert len(got) == real.events.count().execute()
    assert [r for r in got if (r[3], r[4], r[5]) != (r[6], r[7], r[8])] == []
    # Not trivially equal: both values of each flag occur; Mitsubishi (MNCJPN) is no state.
    assert {r[3] for r in got} == {r[4] for r in got} == {True, False}
    e = real.events
    mnc = e.filter(e.source_code == "MNCJPN").select("source_is_state").to_pyarrow()
    assert mnc.num_rows and set(mnc["source_is_state"].to_pylist()) == {False}
    # Within the store the hash is one-to-one on the keys, so grouping by it is grouping by key.
    keys = {(r[2], r[5]) for r in got}
    assert len({k for k, _ in keys}) == len({h for _, h in keys}) == len(keys)


def _series(events: ir.Table, **kw: object) -> pa.Table:
    pairs = [
        (Actor("JPN"), Actor("KOR")),
        (Actor("KOR"), Actor("JPN")),
        (Actor("USA"), Actor("KOR")),
    ]
    when = {"start": date(2018, 1, 1), "end": date(2020, 12, 31), "freq": "month"}
    return dyad_series(events, pairs, **when, **kw).to_pyarrow()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kw",
    [
        {"count": "auto"},
        {"count": "stories", "normalize": True},
        {"count": "auto", "weight": "mentions"},
        {"count": "rows", "actors": "state"},
    ],
)
def test_series_on_the_stored_columns_equal_those_on_the_rule(
    real: Store, kw: dict[str, object]
) -> None:
    e = real.events
    stored = _series(e, **kw)
    # Without the schema-6 columns: the state rule on the fly, grouping by the string key;
    # with NULL flags (rows written by raw SQL): the rule through coalesce.
    assert stored.equals(_series(e.drop(*_DERIVED), **kw))
    nulls = e.mutate(source_is_state=ibis.null("boolean"), target_is_state=ibis.null("boolean"))
    assert stored.equals(_series(nulls, **kw))
    assert pa.compute.sum(stored["events"]).as_py() > 0


def test_a_schema_5_store_gains_the_flags_and_hashes_when_opened_for_writing(
    real_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "v5.duckdb"
    path.write_bytes(real_db.read_bytes())
    with connect(path) as s:
        want = _derived_and_computed(s)
        series = _series(s.events, count="stories")
        cols = ", ".join(c.name for c in EVENT_COLUMNS if c.name not in _DERIVED)
        s.con.execute(f"CREATE OR REPLACE VIEW events AS SELECT {cols} FROM event_rows "
                      "WHERE _reject IS NULL")  # fmt: skip
        for c in _DERIVED:
            s.con.execute(f"ALTER TABLE event_rows DROP COLUMN {c}")
        s.con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
        s.con.execute("DELETE FROM meta WHERE key = 'derived_stamp'")
    with connect(path, read_only=True) as s:
        assert not set(_DERIVED) & set(s.events.columns)
        assert _series(s.events, count="stories").equals(series)
    with connect(path) as s:
        ver = s.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert ver == ("6",)
        assert _derived_and_computed(s) == want


def test_another_duckdb_hash_or_state_rule_recomputes_every_stored_value(
    real_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "stamp.duckdb"
    path.write_bytes(real_db.read_bytes())
    with connect(path) as s:
        want = _derived_and_computed(s)
        stamp = s.con.execute("SELECT value FROM meta WHERE key = 'derived_stamp'").fetchone()
        assert stamp is not None and stamp[0].startswith("state:GOV,")
        # As if an earlier DuckDB had hashed differently: values a load today would not match.
        s.con.execute("UPDATE event_rows SET story_hash = story_hash // 2, source_is_state = NULL")
        s.con.execute("UPDATE meta SET value = 'state:GOV;hash:1' WHERE key = 'derived_stamp'")
    with connect(path, read_only=True) as s:  # read-only: left as found
        assert _derived_and_computed(s) != want
    with connect(path) as s:
        assert _derived_and_computed(s) == want
        again = s.con.execute("SELECT value FROM meta WHERE key = 'derived_stamp'").fetchone()
        assert again == stamp


@pytest.mark.parametrize("per_url", [True, False])
def test_gdelt_keys_filled_once_per_url_equal_the_per_row_sql(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_url: bool
) -> None:
    """load_batch keys a GDELT batch's URLs once each, slice by slice, then joins them back
    (a file over KEY_BY_URL_MAX_BYTES keys each row in the insert): every row (rejects and
    duplicates included) must hold the key and hash the per-row SQL gives, whatever its URL
    (random, repeated, blank, missing, in a row with extra fields)."""
    import random

    from brinkwatch.store import _writer
    from brinkwatch.store._queries import story_key_sql

    monkeypatch.setattr(_writer, "KEY_SLICE_ROWS", 700)  # several slices, URLs across them
    monkeypatch.setattr(_writer, "KEY_BY_URL_MAX_BYTES", 2**30 if per_url else 0)
    calls: list[int] = []
    fill = _writer._fill_url_keys
    monkeypatch.setattr(_writer, "_fill_url_keys", lambda *a: calls.append(1) or fill(*a))
    template = (shared_data / "gdelt/20191024143000.export.CSV").read_text().splitlines()[0]
    fields = template.split("\t")
    assert len(fields) == 61
    rng = random.Random(12)
    alphabet = ["/", "?", "#", ".", "-", "_", "--", "://", "www", "a", "bc", "7", "x9", "Q", " "]
    alphabet += ["http", "s", "é", ":", "php", "one-two-three-four", "https://www."]
    urls = ["", " ", "http://", "https://www.", "x.com/?", "#", "HTTPS://WWW2.X.COM/a/?u=1#t"]
    urls += ["".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(1500)]
    lines = []
    for i in range(4000):
        f = list(fields)
        f[0] = str(1000 + (i if i % 97 else i - 1))  # some in-file duplicates
        f[60] = rng.choice(urls)
        if i % 401 == 5:
            f.append("extra")  # 62 fields: a reject whose URL is not the last field
        elif i % 409 == 7:
            f = f[:40]  # too few fields: no URL at all
        lines.append("\t".join(f))
    path = tmp_path / "20191024150000.export.CSV"
    path.write_text("\n".join(lines) + "\n")
    with connect(tmp_path / "s.duckdb") as s:
        rep = ingest(s, [path])
        assert not rep.failed and rep.read == 4000 and rep.duplicates and rep.rejected
        per_row = story_key_sql(
            "SELECT rowid AS rid, origin, source_url, story_id, event_id FROM event_rows", "k"
        )
        got = s.con.execute(
            f"SELECT count(*), count(DISTINCT e.story_key), count(*) FILTER "
            f"(WHERE e.story_key IS DISTINCT FROM r.k OR e.story_hash IS DISTINCT FROM "
            f"CAST(hash(r.k) >> 1 AS BIGINT)), count(*) FILTER (WHERE e.story_key IS NULL) "
            f"FROM event_rows e JOIN ({per_row}) r ON e.rowid = r.rid"
        ).fetchone()
        kinds = {
            k.split("|")[1].split(":")[0]
            for (k,) in s.con.execute("SELECT story_key FROM event_rows").fetchall()
            if k is not None
        }
    assert got is not None
    n, distinct, wrong, null = got
    assert (n, wrong) == (4000, 0)
    assert 500 < distinct < n and null < n  # keys shared by URL, not all alike
    assert kinds == {"slug", "url", "row"}
    assert bool(calls) is per_url
