"""Alarm gates and evidence count an event's sources from its GDELT 2.0 mentions when stored.

Each test builds its store with DuckDB's ingest and reads it on DuckDB and, through a lake,
on the Spark cluster (``on_engine``): the mentions are a lake table Spark reads too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from brinkwatch.ingest import ingest
from brinkwatch.measure import Actor, evaluate_alarms, parse_rules
from brinkwatch.store import Store, event_sources
from tests.ingest.test_bad_input import GDELT2_ROW

JPN, KOR = Actor("JPN"), Actor("KOR")
RULES = parse_rules(
    "rules:\n"
    "  - {id: jk-sanctions, kind: events, title: t, codes: ['163'], between: [JPN, KOR],"
    " min_stories: 1, min_sources: 2}\n"
)
WINDOW = {"freq": "week", "start": date(2019, 7, 1), "end": date(2019, 7, 7)}


def _event(event_id: int, num_sources: int) -> str:
    """A JPN government -> KOR government embargo (163) with the given NumSources."""
    f = GDELT2_ROW.format(id=event_id, code="163", gold="-8.0", mentions="4").split("\t")
    f[15], f[22], f[32] = "KORGOV", "GOV", str(num_sources)
    return "\t".join(f)


def _mention(event_id: int, outlet: str, article: int, sentence: int = 1) -> str:
    return "\t".join(
        [
            str(event_id),
            "20190702093000",
            "20190702101500",
            "1",
            outlet,
            f"https://www.{outlet}/news/japan-curbs-exports-{article}",
            str(sentence),
            "120",
            "310",
            "160",
            "1",
            "80",
            "2450",
            "-5.1",
            "",
            "",
        ]
    )


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _alarms(store: Store) -> list:
    return evaluate_alarms(store.events, JPN, KOR, rules=RULES, **WINDOW)


Reopen = Callable[[Store], Store]


def test_three_mention_outlets_pass_the_gate_that_one_export_source_fails(
    tmp_path: Path, store: Store, on_engine: Reopen
) -> None:
    ingest(store, [_write(tmp_path / "e.export.CSV", [_event(901, 1)])])
    assert _alarms(on_engine(store)) == []  # NumSources 1 < min_sources 2
    outlets = ["yna.co.kr", "japantimes.co.jp", "reuters.com"]
    mentions = [_mention(901, o, i) for i, o in enumerate(outlets)]
    # The same outlet again in another article adds a mention, not a source.
    mentions.append(_mention(901, "reuters.com", 9, sentence=3))
    f = ingest(store, [_write(tmp_path / "m.mentions.CSV", mentions)]).files[0]
    assert (f.format, f.stored) == ("gdelt2-mentions", 4)
    (alarm,) = _alarms(on_engine(store))
    (ev,) = alarm.evidence
    assert (ev.event_id, ev.sources, ev.mentions) == ("901", 3, 4)
    assert ev.source_names == ("japantimes.co.jp", "reuters.com", "yna.co.kr")
    assert ev.line.endswith("(3 sources: japantimes.co.jp, reuters.com, yna.co.kr)")


def test_one_mention_outlet_fails_the_gate_that_three_export_sources_pass(
    tmp_path: Path, store: Store, on_engine: Reopen
) -> None:
    ingest(store, [_write(tmp_path / "e.export.CSV", [_event(902, 3)])])
    (before,) = _alarms(on_engine(store))
    assert (before.evidence[0].sources, before.evidence[0].source_names) == (3, ())
    mentions = [_mention(902, "yna.co.kr", i) for i in range(3)]
    ingest(store, [_write(tmp_path / "m.mentions.CSV", mentions)])
    assert _alarms(on_engine(store)) == []


def test_evidence_is_ranked_by_mention_sources_and_other_events_keep_their_export_counts(
    tmp_path: Path, store: Store, on_engine: Reopen
) -> None:
    # 903 claims 5 sources in the export but its mentions show 2; 904 claims 1 and shows 4;
    # 905 has no mentions and keeps its export's 3.
    events = [_event(903, 5), _event(904, 1), _event(905, 3)]
    ingest(store, [_write(tmp_path / "e.export.CSV", events)])
    before = [e.event_id for e in _alarms(on_engine(store))[0].evidence]
    assert before == ["903", "905", "904"]
    mentions = [_mention(903, o, 1) for o in ("a.com", "b.com")]
    mentions += [_mention(904, o, 2) for o in ("a.com", "b.com", "c.com", "d.com")]
    ingest(store, [_write(tmp_path / "m.mentions.CSV", mentions)])
    got = [
        (e.event_id, e.sources, len(e.source_names)) for e in _alarms(on_engine(store))[0].evidence
    ]
    assert got == [("904", 4, 4), ("905", 3, 0), ("903", 2, 2)]


def test_event_sources_counts_per_event_and_is_none_without_a_mentions_table(
    tmp_path: Path, store: Store, on_engine: Reopen
) -> None:
    ingest(store, [_write(tmp_path / "e.export.CSV", [_event(7, 1), _event(8, 1)])])
    mentions = [_mention(7, "a.com", 1), _mention(7, "a.com", 2), _mention(8, "b.com", 1)]
    # A mention of an event the store does not hold is not counted for any event.
    mentions.append(_mention(9, "c.com", 1))
    ingest(store, [_write(tmp_path / "m.mentions.CSV", mentions)])
    assert store.con.execute("SELECT count(*) FROM mentions").fetchone() == (4,)
    e = on_engine(store).events
    only8 = event_sources(e.filter(e.event_id == "8"))
    assert only8 is not None and only8.to_pyarrow().num_rows == 1
    src = event_sources(e)
    assert src is not None
    got = src.order_by("event_id").to_pyarrow().to_pylist()
    assert got == [
        {"event_id": "7", "mention_sources": 1, "mention_count": 2, "source_names": ["a.com"]},
        {"event_id": "8", "mention_sources": 1, "mention_count": 1, "source_names": ["b.com"]},
    ]
    store.con.execute("DROP VIEW mentions")
    assert event_sources(store.events) is None
