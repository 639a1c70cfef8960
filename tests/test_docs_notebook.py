"""docs/notebook.md, run: every Python block in order, then what it promises is checked.

Also the notebook contract of the result objects (``to_pandas``, ``summary``,
``_repr_html_``), actors given as text, and the clear error when pandas is missing.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from brinkwatch._frames import Tabular
from brinkwatch.codebook import Actor
from brinkwatch.errors import ConfigError, ModelMissingError
from brinkwatch.measure import dyad_series, evaluate_alarms, measure_dyad, triad_pairs
from brinkwatch.simulate import event_streams
from brinkwatch.store import Store, connect

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs/notebook.md").read_text("utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", DOC, re.S)


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The namespace after running every block of docs/notebook.md in a fresh folder."""
    pytest.importorskip("pandas")
    folder = tmp_path_factory.mktemp("notebook")
    ns: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        for i, block in enumerate(BLOCKS):
            exec(compile(block, f"docs/notebook.md block {i + 1}", "exec"), ns)
    return ns


def test_the_walkthrough_runs_and_its_results_hold(notebook: dict[str, Any]) -> None:
    assert len(BLOCKS) >= 6
    assert notebook["report"].stored > 150 and notebook["report"].rejected == 0
    jk = notebook["jk"]
    assert len(notebook["frame"]) == len(jk.rows) == jk.table.num_rows
    # The 2019 low of Japan's acts toward Korea: July, the export controls.
    worst = notebook["worst"]
    assert (worst["dyad"], worst["period"]) == ("JPN->KOR", date(2019, 7, 1))
    alarms = notebook["alarms"]
    assert alarms and len(alarms.to_pandas()) == len(alarms)
    assert alarms.summary().startswith(f"{len(alarms)} alarm(s)")
    tests = notebook["tests"]
    assert {"label", "pvalue", "pvalue_holm", "significant_holm"} <= set(tests.columns)
    runs, table = notebook["runs"], notebook["table"]
    outcomes = len(runs.scenario.outcomes)
    assert len(table) == 3 * outcomes and set(table["variant"]) == {
        "none",
        "actual",
        "public_mediation",
    }
    assert "gsomia_terminated" in runs.summary()
    events = notebook["events"]
    assert [(e.event_date, e.date_phrase) for e in events] == [
        (date(2019, 7, 9), "yesterday"),
        (date(2019, 7, 4), "4 July"),
    ]


def test_every_result_renders_in_a_notebook(notebook: dict[str, Any]) -> None:
    for name in ("jk", "alarms", "why", "runs", "events"):
        obj = notebook[name]
        assert isinstance(obj, Tabular), name
        summary = obj.summary()
        assert summary and len(summary.splitlines()) <= 25, name
        page = obj._repr_html_()
        first = summary.splitlines()[0].replace("&", "&amp;").replace("<", "&lt;")
        first = first.replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#x27;")
        assert first in page and "<table>" in page, name
        assert obj.to_pandas().shape[1] == obj.to_arrow().num_columns, name


def test_html_repr_escapes_text_from_the_data() -> None:
    from brinkwatch.coding import Actor as CodedActor
    from brinkwatch.coding import CodedEvent, CodedEvents

    japan, korea = CodedActor("JPN", "JPN", None, "Japan"), CodedActor("KOR", "KOR", None, "Korea")
    ev = CodedEvent(date(2019, 7, 1), japan, korea, "111", "11", 3, -2.0, "Criticize or denounce",
                    "<script>alert(1)</script>", 0, 8, 0, "x", 0.7)  # fmt: skip
    page = CodedEvents([ev])._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_to_pandas_without_pandas_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, chron: Store
) -> None:
    m = measure_dyad(chron.events, "JPN-KOR", freq="month", alarms=False)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    with pytest.raises(ModelMissingError, match=r"pip install 'pandas>=2.2'"):
        m.to_pandas()
    assert m.to_arrow().num_rows == len(m.rows)


@pytest.fixture(scope="module")
def chron(chronology_db: Path) -> Any:
    s = connect(chronology_db, read_only=True)
    yield s
    s.close()


def test_actors_as_text_give_what_actor_objects_give(chron: Store) -> None:
    e = chron.events
    kw: dict[str, Any] = {"freq": "month", "start": date(2019, 1, 1), "end": date(2019, 12, 31)}
    by_text = dyad_series(e, [("JPN", "KOR:GOV")], **kw).to_pyarrow()
    by_obj = dyad_series(e, [(Actor("JPN"), Actor("KOR", ("GOV",)))], **kw).to_pyarrow()
    assert by_text.num_rows > 0 and by_text.equals(by_obj)
    assert triad_pairs("USA", "JPN", "KOR") == triad_pairs(Actor("USA"), Actor("JPN"), Actor("KOR"))
    got = evaluate_alarms(e, "JPN", "KOR", **kw)
    want = evaluate_alarms(e, Actor("JPN"), Actor("KOR"), **kw)
    assert [a.as_dict() for a in got] == [a.as_dict() for a in want] and got
    st = event_streams(e, ["JPN", "KOR"], exogenous=["USA"], start=date(2019, 7, 1),
                       end=date(2019, 11, 22))  # fmt: skip
    assert "USA->* coop" in st.names
    with pytest.raises(ConfigError, match="actors"):
        triad_pairs("USA", "JPN", "ATLANTIS")
