"""Alarms: the default rules backtested on the bundled chronology, on DuckDB and Spark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest

from brinkwatch.errors import ConfigError
from brinkwatch.measure import Actor, default_rules, evaluate_alarms, parse_rules
from brinkwatch.store import Store
from tests.yaml_bombs import alias_bomb, bounded, deep_nesting

JPN, KOR = Actor("JPN"), Actor("KOR")
CHRON = {"freq": "week", "origins": ["chronology"]}


@pytest.fixture(scope="module")
def chronology_alarms(backend: Store) -> list:
    """The default rules over the whole chronology, on each backend."""
    return evaluate_alarms(backend.events, JPN, KOR, **CHRON)


def _in(alarms: list, lo: date, hi: date, rule: str | None = None) -> list:
    return [a for a in alarms if lo <= a.period <= hi and (rule is None or a.rule == rule)]


def test_july_august_2019_raise_sanctions_and_gsomia_alarms_with_their_evidence(
    chronology_alarms: list,
) -> None:
    summer = _in(chronology_alarms, date(2019, 7, 1), date(2019, 8, 31))
    rules = {a.rule for a in summer}
    assert {"sanctions", "reduce-relations", "index-drop", "turn-for-worse"} <= rules
    july = _in(summer, date(2019, 7, 1), date(2019, 7, 7), "sanctions")
    assert len(july) == 1
    ev = july[0].evidence
    assert all(e.event_date.month == 7 and e.cameo_code.startswith(("163", "1312")) for e in ev)
    assert any("photoresist" in (e.text or "") for e in ev)
    gsomia = _in(summer, date(2019, 8, 19), date(2019, 8, 25), "reduce-relations")
    assert gsomia and all("GSOMIA" in (e.text or "") for e in gsomia[0].evidence)
    assert {e.event_date for e in gsomia[0].evidence} == {date(2019, 8, 22), date(2019, 8, 23)}
    whitelist = _in(summer, date(2019, 7, 29), date(2019, 8, 4), "sanctions")
    assert whitelist and any("white" in (e.text or "").lower() for e in whitelist[0].evidence)


def test_late_2018_raises_alarms_pointing_at_the_rulings_and_their_aftermath(
    chronology_alarms: list,
) -> None:
    late = _in(chronology_alarms, date(2018, 10, 1), date(2018, 12, 31))
    assert late
    texts = " ".join(e.text or "" for a in late for e in a.evidence)
    assert "Reconciliation and Healing Foundation" in texts
    assert _in(late, date(2018, 11, 19), date(2018, 11, 25), "reduce-relations")
    # The week of the forced-labour ruling holds two protests (Goldstein -4) against a silent
    # baseline: under the count-noise floor that is -0.67, not the -5 "standard deviations"
    # the zero-spread z-score gave, so the index rule stays quiet (docs/measures.md).
    assert not _in(late, date(2018, 10, 29), date(2018, 11, 4), "index-drop")


def test_a_change_point_falls_within_30_days_of_july_2019(chronology_alarms: list) -> None:
    cps = [a for a in chronology_alarms if a.rule == "turn-for-worse"]
    near = [a for a in cps if date(2019, 6, 1) <= a.period <= date(2019, 7, 31)]
    assert near, [a.period for a in cps]
    assert {a.dyad for a in near} == {"JPN->KOR", "KOR->JPN"}


@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        (date(2016, 1, 1), date(2016, 12, 25)),  # after the 2015 agreement, before the statue
        # between the 2019 crisis and the March 2020 entry restrictions (chronology edition 2
        # records them; edition 1 had nothing from December 2019 to June 2020)
        (date(2019, 10, 1), date(2020, 2, 29)),
        (date(2022, 1, 1), date(2023, 8, 31)),  # Yoon's rapprochement to Camp David
    ],
)
def test_quiet_stretches_raise_no_alarms(chronology_alarms: list, lo: date, hi: date) -> None:
    assert _in(chronology_alarms, lo, hi) == []


def test_march_2020_entry_restrictions_raise_an_alarm(chronology_alarms: list) -> None:
    march = _in(chronology_alarms, date(2020, 3, 2), date(2020, 3, 15))
    assert march, "the COVID-19 entry restrictions of 5-9 March 2020 raise no alarm"
    texts = " ".join(e.text or "" for a in march for e in a.evidence)
    assert "entry restrictions" in texts


def test_alarms_are_the_same_on_duckdb_and_spark(duck: Store, spark: Store) -> None:
    kw = {**CHRON, "start": date(2018, 9, 1), "end": date(2019, 12, 31)}
    a = evaluate_alarms(duck.events, JPN, KOR, **kw)
    b = evaluate_alarms(spark.events, JPN, KOR, **kw)
    assert len(a) > 10
    assert [asdict(x) for x in a] == [asdict(x) for x in b]


def test_rules_between_named_actors_and_min_count(backend: Store) -> None:
    rules = parse_rules(
        "rules:\n"
        "  - {id: jk-sanctions, kind: events, title: t, codes: ['163', '1312'],"
        " between: [JPN, KOR],"
        " min_count: 2}\n"
        "  - {id: us-only, kind: events, title: t, codes: ['16'], between: [USA, KOR]}\n"
    )
    got = evaluate_alarms(backend.events, JPN, KOR, rules=rules, **CHRON)
    assert got and {a.rule for a in got} == {"jk-sanctions"}
    assert all(len(a.evidence) >= 2 for a in got)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("rules:\n  - {id: a, kind: events, title: t}\n", 2, "needs 'codes'"),
        # The line of the field itself, not of the rule it belongs to.
        ("rules:\n  - id: a\n    kind: event\n    title: t\n", 3, "kind must be"),
        (
            "rules:\n  - id: a\n    kind: events\n    title: t\n    codes: ['16']\n"
            "    min_stories: 0\n",
            6,
            "min_stories must be a whole number >= 1, got 0",
        ),
        (
            "rules:\n  - id: a\n    kind: events\n    title: t\n    codes: ['16']\n"
            "    min_sources: many\n",
            6,
            "min_sources must be a whole number >= 0, got 'many'",
        ),
        (
            "rules:\n  - {id: a, kind: events, title: t, codes: ['16'], root_only: 1}\n",
            2,
            "root_only must be true or false",
        ),
        (
            "rules:\n  - id: a\n    kind: events\n    title: t\n    codes: ['16']\n"
            "    origins: gdelt2\n",
            6,
            "origins must be a list",
        ),
        (
            "rules:\n  - {id: a, kind: events, title: t, codes: ['16'], origins: ['a b']}\n",
            2,
            "not an origin name",
        ),
        (
            "rules:\n  - {id: a, kind: index, title: t, threshold: low}\n",
            2,
            "threshold must be a number",
        ),
        (
            "rules:\n  - id: a\n    kind: events\n    title: t\n    codez: ['16']\n",
            5,
            "unknown rule key 'codez'",
        ),
        ("rules:\n  - {id: a, kind: events, title: t, codes: ['1a']}\n", 2, "not a CAMEO code"),
        ("rules:\n  - {id: a, kind: index, title: t, severity: urgent}\n", 2, "severity"),
        ("rules: [\n", None, "not valid YAML"),
    ],
)
def test_bad_rule_files_name_line_and_field(text: str, line: int | None, words: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_rules(text, source="my-rules.yaml")
    msg = str(exc.value)
    assert words in msg
    if line is not None:
        assert f"my-rules.yaml:{line}" in msg


def test_default_rules_cover_the_allied_crisis_codes() -> None:
    rules = {r.id: r for r in default_rules()}
    assert "163" in rules["sanctions"].codes
    assert "16" in rules["reduce-relations"].codes and "163" in rules["reduce-relations"].exclude
    assert {r.kind for r in rules.values()} == {"events", "index", "change_point"}


def test_rules_file_on_disk_through_the_cli(measure_db: Path, tmp_path: Path) -> None:
    # DuckDB only: the rules file is read by the CLI, not a backend; the CLI on the cluster
    # (--engine spark --master) is tests/cli/test_lake_cli.py's, and a second Spark application
    # started here would cost some 20 s.
    import json
    import subprocess
    import sys

    f = tmp_path / "r.yaml"
    f.write_text("rules:\n  - {id: s, kind: events, title: Sanctions, codes: ['163']}\n")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "brinkwatch",
            "alarms",
            "--dyad",
            "JPN-KOR",
            "--rules",
            str(f),
            "--origin",
            "chronology",
            "--db",
            str(measure_db),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    alarms = json.loads(out.stdout)
    assert alarms and {a["rule"] for a in alarms} == {"s"}
    assert all(a["evidence"] for a in alarms)


def test_a_silent_direction_with_an_open_window_is_zeros_not_an_error(
    store: Store, on_engine: Callable[[Store], Store]
) -> None:
    from brinkwatch.measure import Actor, evaluate_alarms

    rows = ", ".join(
        f"('{i}', 'csv', DATE '2019-07-01' + INTERVAL {7 * i} DAY, 'JPN', 'KOR', "
        f"'{'163' if i > 20 else '036'}', '{'16' if i > 20 else '03'}', "
        f"{4 if i > 20 else 1}, {-8.0 if i > 20 else 4.0}, 1)"
        for i in range(30)
    )
    store.con.execute(
        "INSERT INTO event_rows (event_id, origin, event_date, source_country, target_country, "
        f"cameo_code, cameo_root, quad_class, goldstein, batch_id) VALUES {rows}"
    )
    alarms = evaluate_alarms(on_engine(store).events, Actor("JPN"), Actor("KOR"), freq="week")
    # Only JPN->KOR has events; the sanctions at the end still raise their alarm.
    sanctions = [a for a in alarms if a.rule == "sanctions"]
    assert sanctions and min(a.period for a in sanctions) >= date(2019, 11, 18)
    assert all(a.dyad.startswith("JPN") for a in alarms if a.rule != "sanctions")


def test_hostile_rules_files_give_clean_errors_fast() -> None:
    rule = "rules:\n  - id: x\n    kind: events\n    title: t\n"
    bomb = alias_bomb("codes", before=rule, indent="    ")
    with bounded(seconds=1.0, megabytes=20), pytest.raises(ConfigError) as exc:
        parse_rules(bomb, source="bomb.yaml")
    assert exc.value.line is not None and "alias" in exc.value.message
    with pytest.raises(ConfigError, match=r"tag !!python/name:os\.system") as exc:
        parse_rules("rules:\n  - id: !!python/name:os.system x\n", source="r.yaml")
    assert exc.value.line == 2
    with pytest.raises(ConfigError, match="nesting deeper") as exc:
        parse_rules(deep_nesting("rules"), source="r.yaml")
    with pytest.raises(ConfigError, match="severity") as exc:
        parse_rules(
            "rules:\n  - {id: x, kind: index, title: t, severity: " + "s" * 10_000 + "}\n",
            source="r.yaml",
        )
    assert len(str(exc.value)) < 300


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("codes", ".inf", "codes must be a list"),
        ("codes", '["15' + "x" * 5000 + '"]', "is not a CAMEO code prefix"),
        ("exclude", "163", "exclude must be a list"),
        ("between", "JPN", "'between' must be a list"),
    ],
)
def test_a_rule_field_of_the_wrong_shape_is_a_short_clean_error(
    field: str, value: str, says: str
) -> None:
    """Found by the YAML fuzzer: a number where a list belongs crashed the parser."""
    text = (
        "rules:\n  - id: r\n    kind: events\n    title: T\n    codes: ['16']\n"
        f"    {field}: {value}\n"
    )
    if field == "codes":
        text = text.replace("    codes: ['16']\n", "")
    with pytest.raises(ConfigError, match=says) as err:
        parse_rules(text, source="rules.yaml")
    assert err.value.field == field and len(str(err.value)) < 300
