"""The worked examples of docs/measures.md, re-run: the figures the docs quote still hold.

Each test computes a figure on the real shared files (or the bundled chronology) the way the
docs' commands do, and checks both the figure and that the docs quote it, so neither the code
nor the docs can move without the other. The alarm examples run the real CLI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from brinkwatch.cli import app
from brinkwatch.errors import OriginOverrideWarning
from brinkwatch.ingest import ingest, read_mapping
from brinkwatch.measure import measure_dyad
from brinkwatch.store import Store, connect

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs/measures.md").read_text("utf-8")
NOV_DIR = "gdelt/pandas-export-202011"
OCT_FILE = "gdelt/20191024143000.export.CSV"
ONE_STORY = ROOT / "docs/examples/one-story-rules.yaml"


def _run(*args: str) -> Result:
    # In-process: start-up is covered by tests/cli; here only the command's output matters.
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def _quoted(*texts: str) -> None:
    for t in texts:
        assert t in DOC, f"docs/measures.md no longer quotes {t!r}"


@pytest.fixture(scope="module")
def nov_db(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    path = tmp_path_factory.mktemp("nov") / "store.duckdb"
    s = connect(path)
    mapping = read_mapping(ROOT / "docs/examples/gdelt-pandas-export.yaml")
    with pytest.warns(OriginOverrideWarning, match="gdelt2"):
        rep = ingest(s, sorted((shared_data / NOV_DIR).glob("*.csv")), mapping=mapping,
                     origin_override=True)  # fmt: skip
    assert not rep.failed and rep.stored == 9354 and rep.rejected == 0
    s.close()
    return path


@pytest.fixture(scope="module")
def oct_store(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Store]:
    s = connect(tmp_path_factory.mktemp("oct") / "store.duckdb")
    rep = ingest(s, [shared_data / OCT_FILE])
    assert not rep.failed and rep.stored == 2111
    yield s
    s.close()


@pytest.fixture(scope="module")
def chron(chronology_db: Path) -> Iterator[Store]:
    s = connect(chronology_db, read_only=True)
    yield s
    s.close()


def _row(m: Any, dyad: str, period: date) -> dict[str, Any]:
    return next(r for r in m.rows if r["dyad"] == dyad and r["period"] == period)


def test_nov_2020_alarms_need_more_than_one_story(nov_db: Path) -> None:
    args = ["alarms", "--dyad", "JPN-KOR", "--from", "2020-11-01", "--to", "2020-11-30"]
    bundled = _run(*args, "--db", str(nov_db), "--format", "json")
    assert bundled.exit_code == 0, bundled.output
    assert json.loads(bundled.stdout) == []
    loose = _run(*args, "--db", str(nov_db), "--rules", str(ONE_STORY), "--format", "json")
    assert loose.exit_code == 0, loose.output
    found = {(a["rule"], a["severity"], a["detail"]) for a in json.loads(loose.stdout)}
    assert found == {
        ("military-force", "critical", "1 story (12 rows): 190 x12"),
        ("sanctions", "high", "1 story (2 rows): 163 x2"),
    }
    _quoted("0 alarm(s) for JPN-KOR", "1 story (12 rows): 190 x12", "1 story (2 rows): 163 x2")


def test_nov_2020_stories_against_rows(nov_db: Path) -> None:
    with connect(nov_db, read_only=True) as s:
        kw: dict[str, Any] = {"directed": True, "freq": "day", "alarms": False,
                              "start": date(2020, 11, 13), "end": date(2020, 11, 15)}  # fmt: skip
        by_story = measure_dyad(s.events, "JPN-KOR", **kw)
        by_row = measure_dyad(s.events, "JPN-KOR", count="rows", **kw)
    days = [date(2020, 11, d) for d in (13, 14, 15)]
    got = [(_row(by_story, "JPN->KOR", d)["events"], _row(by_row, "JPN->KOR", d)["events"])
           for d in days]  # fmt: skip
    assert got == [(4, 8), (3, 15), (5, 13)]
    sums = [_row(by_story, "JPN->KOR", d)["goldstein_sum"] for d in days]
    assert sums == pytest.approx([4.0, 0.5, 21.8])
    _quoted("JPN->KOR,2020-11-14,3,0.5", "read 8, 15 and 13 events", "15 rows to 3 events")


def test_oct_2019_state_actors(oct_store: Store) -> None:
    kw: dict[str, Any] = {"directed": True, "freq": "month", "alarms": False}
    state = measure_dyad(oct_store.events, "USA-KOR", **kw)
    wide = measure_dyad(oct_store.events, "USA-KOR", actors="all", **kw)
    oct1 = date(2019, 10, 1)
    assert (_row(state, "USA->KOR", oct1)["events"], _row(wide, "USA->KOR", oct1)["events"]) == (
        1,
        3,
    )
    assert _row(state, "USA->KOR", oct1)["goldstein_sum"] == pytest.approx(4.0)
    assert _row(wide, "USA->KOR", oct1)["goldstein_sum"] == pytest.approx(11.4)
    _quoted("USA->KOR,2019-10-01,1,4.0", "USA->KOR,2019-10-01,3,11.4")


def test_oct_2019_japan_korea_is_an_empty_series_not_an_error(oct_store: Store) -> None:
    m = measure_dyad(oct_store.events, "JPN-KOR", alarms=False)
    for d in ("JPN->KOR", "KOR->JPN"):
        weeks = [r["period"] for r in m.rows if r["dyad"] == d]
        assert len(weeks) == 53 and (weeks[0], weeks[-1]) == (
            date(2018, 10, 22),
            date(2019, 10, 21),
        )
    assert all(r["events"] == 0 for r in m.rows)
    assert "SparseDataWarning" in {n.category for n in m.notes}
    _quoted("53 empty weeks per direction", "2018-10-22 to 2019-10-21")


def test_chronology_index_examples(chron: Store) -> None:
    week = date(2019, 8, 19)
    seen = set()
    for first in (date(2015, 12, 1), date(2019, 8, 1)):  # all windows: test_windows.py
        m = measure_dyad(chron.events, "KOR-JPN", directed=True, start=first,
                         end=date(2019, 12, 31), alarms=False)  # fmt: skip
        r = _row(m, "KOR->JPN", week)
        seen.add((r["value"], round(r["index"], 2), r["record_low"], r["periods_since"]))
    assert seen == {(-12.7, -2.12, True, 190)}
    jan = measure_dyad(chron.events, "JPN-KOR", directed=True, start=date(2020, 12, 1),
                       end=date(2021, 1, 31), alarms=False)  # fmt: skip
    r = _row(jan, "JPN->KOR", date(2021, 1, 4))
    assert (r["value"], r["baseline_median"], r["baseline_scale"]) == (-4.0, 0.0, 6.0)
    assert r["index"] == pytest.approx(-4 / 6)
    sept = date(2019, 9, 1)
    idx = [
        _row(measure_dyad(chron.events, "KOR-JPN", directed=True, freq="month", alarms=False,
                          reference=ref), "KOR->JPN", sept)["index"]
        for ref in (None, (date(2018, 1, 1), date(2018, 12, 31)))
    ]  # fmt: skip
    assert [round(i, 2) for i in idx] == [-1.15, -1.67]
    _quoted("record (190 periods)", "-2.12", "(-0.67)", "-1.15", "-1.67")
