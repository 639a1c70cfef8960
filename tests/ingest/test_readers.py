"""Readers on the real shared files: exact counts, field values, re-ingest, compression."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from brinkwatch.errors import OriginOverrideWarning
from brinkwatch.ingest import ingest, read_mapping
from brinkwatch.store import Store, connect

ROOT = Path(__file__).resolve().parents[2]
PANDAS_MAPPING = ROOT / "docs" / "examples" / "gdelt-pandas-export.yaml"


def _one(s: Store, sql: str) -> tuple:
    rows = s.con.execute(sql).fetchall()
    return tuple(rows[0])


def _events(s: Store) -> int:
    return int(_one(s, "SELECT count(*) FROM events")[0])


@pytest.mark.parametrize(
    ("rel", "fmt", "read"),
    [
        ("gdelt/20191024143000.export.CSV", "gdelt2", 2111),
        ("gdelt/gdelt1_events_sample.tsv", "gdelt1", 710),
        ("icews/events.2018.sample.tab", "icews", 3705),
    ],
)
def test_shared_file_counts_add_up_and_reingest_adds_nothing(
    shared_data: Path, store: Store, rel: str, fmt: str, read: int
) -> None:
    rep = ingest(store, [shared_data / rel])
    (f,) = rep.files
    assert f.ok, f.error
    assert f.format == fmt
    assert (f.read, f.stored, f.rejected, f.duplicates) == (read, read, 0, 0)
    assert _events(store) == read
    again = ingest(store, [shared_data / rel]).files[0]
    assert (again.read, again.stored, again.rejected, again.duplicates) == (read, 0, 0, read)
    assert _events(store) == read
    log = store.con.execute(
        "SELECT sum(read), sum(stored), sum(rejected), sum(duplicates) FROM ingest_log"
    ).fetchall()[0]
    assert log == (2 * read, read, 0, read)


def test_gdelt1_mixed_layouts_are_both_read(shared_data: Path, store: Store) -> None:
    ingest(store, [shared_data / "gdelt/gdelt1_events_sample.tsv"])
    with_url, without = _one(
        store,
        "SELECT count(source_url), count(*) - count(source_url) FROM events",
    )
    # 509 rows in the 58-column layout carry a SOURCEURL; the 201 pre-2013 ones cannot.
    assert (with_url, without) == (509, 201)
    row = _one(
        store,
        "SELECT event_date, source_code, source_country, cameo_code, cameo_root, goldstein, "
        "num_mentions, avg_tone, location_country, date_added::DATE "
        "FROM events WHERE event_id = '564111664'",
    )
    assert row == (
        date(2015, 7, 29),
        "USA",
        "USA",
        "173",
        "17",
        -5.0,
        9,
        pytest.approx(-10.3085462501191),
        "US",
        date(2016, 7, 28),
    )


def test_gdelt2_fields_land_in_canonical_columns(shared_data: Path, store: Store) -> None:
    ingest(store, [shared_data / "gdelt/20191024143000.export.CSV"])
    row = _one(
        store,
        "SELECT event_date, source_code, source_name, source_type, target_code, "
        "target_country, is_root_event, cameo_code, quad_class, goldstein, num_mentions, "
        "num_sources, num_articles, location, latitude, longitude, date_added, "
        "source_url LIKE 'https://%' FROM events WHERE event_id = '881990835'",
    )
    assert row[:10] == (
        date(2018, 10, 24),
        "BUS",
        "TOURISM INDUSTRY",
        "BUS",
        "MYS",
        "MYS",
        True,
        "043",
        1,
        2.8,
    )
    assert row[10:13] == (8, 1, 8)
    assert row[13] == "Kuala Lumpur, Kuala Lumpur, Malaysia"
    assert row[14:16] == (pytest.approx(3.16667), pytest.approx(101.7))
    assert str(row[16]) == "2019-10-24 14:30:00"
    assert row[17] is False  # this row's URL is http://www.bernama.com/...


def test_gdelt2_dyad_counts_match_the_shared_readme(shared_data: Path, store: Store) -> None:
    ingest(store, [shared_data / "gdelt/20191024143000.export.CSV"])
    counts = dict(
        store.con.execute(
            "SELECT least(source_country, target_country) || '-' || "
            "greatest(source_country, target_country), count(*) FROM events "
            "GROUP BY 1"
        ).fetchall()
    )
    assert (counts["JPN-USA"], counts["KOR-USA"], counts["CHN-USA"]) == (8, 5, 8)


def test_icews_names_and_sectors_become_codes(shared_data: Path, store: Store) -> None:
    ingest(store, [shared_data / "icews/events.2018.sample.tab"])
    row = _one(
        store,
        "SELECT source_code, source_country, source_type, target_code, cameo_code, "
        "goldstein, intensity, story_id, sentence_number, publisher, location_country "
        "FROM events WHERE event_id = '32891241'",
    )
    assert row == (
        "KORGOV",
        "KOR",
        "GOV",
        "USAGOV",
        "046",
        7.0,
        7.0,
        "47400718",
        2,
        "Xinhua News Agency",
        "KOR",
    )
    dyads = dict(
        store.con.execute(
            "SELECT source_country || '-' || target_country, count(*) FROM events GROUP BY 1"
        ).fetchall()
    )
    # The shared README counts undirected dyad rows: JPN-USA 32, KOR-USA 19, KOR-PRK 53.
    assert dyads["JPN-USA"] + dyads["USA-JPN"] == 32
    assert dyads["KOR-USA"] + dyads["USA-KOR"] == 19
    assert dyads["KOR-PRK"] + dyads["PRK-KOR"] == 53
    # Military sectors win over Government; NA coordinates are missing, not rejected.
    assert _one(store, "SELECT count(*) FROM events WHERE source_type = 'MIL'")[0] > 0
    assert _one(store, "SELECT count(*) FROM events WHERE latitude IS NULL")[0] == 2


def test_pandas_export_needs_its_mapping_and_matches_a_direct_query(
    shared_data: Path, store: Store
) -> None:
    folder = shared_data / "gdelt/pandas-export-202011"
    no_map = ingest(store, [folder / "20201113.csv"])
    assert not no_map.files[0].ok
    assert "--mapping" in (no_map.files[0].error or "")
    # The example mapping claims gdelt2 (the rows are GDELT's): that takes the override.
    with pytest.warns(OriginOverrideWarning, match="gdelt2"):
        rep = ingest(store, [folder], mapping=read_mapping(PANDAS_MAPPING), origin_override=True)
    assert [f.read for f in rep.files] == [2824, 2601, 3929]
    assert rep.stored == 2824 + 2601 + 3929
    ours = _one(
        store,
        "SELECT count(*), round(sum(goldstein), 6) FROM events WHERE "
        "(source_country = 'JPN' AND target_country = 'KOR') OR "
        "(source_country = 'KOR' AND target_country = 'JPN')",
    )
    direct = _one(
        store,
        f"SELECT count(*), round(sum(Goldstein_Scale), 6) FROM read_csv('{folder}/*.csv') "
        "WHERE (Actor_1_Country_ABBR = 'JPN' AND Actor_2_Country_ABBR = 'KOR') OR "
        "(Actor_1_Country_ABBR = 'KOR' AND Actor_2_Country_ABBR = 'JPN')",
    )
    assert ours == direct
    assert ours[0] == 15 + 30 + 29


def test_zip_and_gz_as_gdelt_ships_them(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "gdelt/20191024143000.export.CSV"
    zipped = tmp_path / "20191024143000.export.CSV.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, src.name)
    gz = tmp_path / "20191024143000.export.CSV.gz"
    with src.open("rb") as fin, gzip.open(gz, "wb") as fout:
        shutil.copyfileobj(fin, fout)
    results = []
    for f in (src, zipped, gz):
        s = connect(":memory:")
        (rep,) = ingest(s, [f]).files
        assert rep.ok, rep.error
        assert rep.format == "gdelt2"
        results.append(
            s.con.execute(
                "SELECT event_id, event_date, cameo_code, goldstein, source_url FROM events "
                "ORDER BY event_id"
            ).fetchall()
        )
        s.close()
    assert results[0] == results[1] == results[2]
    assert len(results[0]) == 2111
