"""Reading an instruments register: the model it builds and every error, with file/line/field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from brinkwatch.errors import ConfigError, RegisterError
from brinkwatch.ingest import instruments as reader
from brinkwatch.ingest.instruments import (
    parse_register,
    parse_weights,
    read_register,
    read_weights,
)
from tests.yaml_bombs import alias_bomb, bounded, deep_nesting

SMALL = Path(__file__).resolve().parents[1] / "data" / "instruments-small.yaml"

# A one-instrument register; each case below changes one line of it.
BASE = """\
register: t
title: T
instruments:
  - id: JPN_controls_photoresist
    name: Photoresist licences
    type: export_control
    parties: [JPN, KOR]
    imposer: JPN
    target: KOR
    states: {announced: 1, imposed: 3, lifted: 0}
    start: 2019-07-01
    end: 2023-03-16
    changes:
      - date: 2019-07-01
        state: announced
        date_kind: announced
        citation:
          publisher: METI
          date: 2019-07-01
          title: Update of export control
          url: null
          checked: false
      - date: 2019-07-04
        state: imposed
        date_kind: effective
        citation: {publisher: Nikkei, date: 2019-07-04, title: Licensing takes effect}
"""


def test_the_small_register_reads_into_frozen_records() -> None:
    reg = read_register(SMALL)
    assert reg.id == "test-jpn-kor-2016-2023" and reg.source == str(SMALL)
    assert reg.ids == (
        "GSOMIA",
        "JPN_controls_photoresist",
        "JPN_controls_hydrogen_fluoride",
        "JPN_controls_polyimide",
    )
    g = reg["GSOMIA"]
    assert g.type == "agreement" and g.parties == ("JPN", "KOR") and g.end is None
    assert g.states == {"active": 0, "notice_given": 2, "notice_suspended": 1, "terminated": 3}
    assert [c.state for c in g.changes] == ["active", "notice_given", "notice_suspended", "active"]
    notice = g.changes[1]
    assert notice.date == date(2019, 8, 23) and notice.timezone == "Asia/Seoul"
    assert notice.date_note and "22nd" in notice.date_note
    assert notice.citation.publisher == "Yonhap" and notice.citation.checked is False
    assert notice.line == 33  # the line of the change in the file
    pr = reg["JPN_controls_photoresist"]
    assert (pr.imposer, pr.target) == ("JPN", "KOR")
    assert pr.changes[-1].note and "announcement" in pr.changes[-1].note
    with pytest.raises(AttributeError):
        pr.id = "x"  # type: ignore[misc]


def test_the_base_text_is_valid() -> None:
    reg = parse_register(BASE, source="base.yaml")
    assert reg["JPN_controls_photoresist"].end == date(2023, 3, 16)


def _edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


DUPLICATE = BASE + BASE.split("instruments:\n", 1)[1]

# (case, text, line, field, words in the message)
CASES = [
    ("unknown top key", _edit("title: T", "title: T\nowner: me"), 3, "owner", "unknown"),
    ("no instruments", "register: t\ntitle: T\ninstruments: []\n", 3, "instruments", "non-empty"),
    ("duplicate id", DUPLICATE, 27, "id", "used twice"),
    ("bad id", _edit("id: JPN_controls_photoresist", "id: 9x"), 4, "id", "not an id"),
    ("bad type", _edit("type: export_control", "type: embargo"), 6, "type", "one of"),
    ("unknown party", _edit("parties: [JPN, KOR]", "parties: [JPN, XXX]"), 7, "parties", "CAMEO"),
    ("empty parties", _edit("parties: [JPN, KOR]", "parties: []"), 7, "parties", "non-empty"),
    ("imposer not a party", _edit("imposer: JPN", "imposer: USA"), 8, "imposer", "not among"),
    ("target unknown", _edit("target: KOR", "target: ZZZ"), 9, "target", "CAMEO"),
    (
        "no states",
        _edit("states: {announced: 1, imposed: 3, lifted: 0}", "states: {}"),
        10,
        "states",
        "non-empty",
    ),
    (
        "renewal anniversary",
        _edit(
            "    start: 2019-07-01",
            "    renewal: {anniversary: '02-30', notice_days: 90,"
            " notice_state: imposed, end_state: lifted}\n    start: 2019-07-01",
        ),
        11,
        "anniversary",
        "month and day",
    ),
    (
        "renewal notice days",
        _edit(
            "    start: 2019-07-01",
            "    renewal: {anniversary: '11-23', notice_days: -5,"
            " notice_state: imposed, end_state: lifted}\n    start: 2019-07-01",
        ),
        11,
        "notice_days",
        "whole days",
    ),
    (
        "renewal state",
        _edit(
            "    start: 2019-07-01",
            "    renewal: {anniversary: '11-23', notice_days: 90,"
            " notice_state: noticed, end_state: lifted}\n    start: 2019-07-01",
        ),
        11,
        "notice_state",
        "not one of the states",
    ),
    ("negative weight", _edit("imposed: 3", "imposed: -1"), 10, "states", ">= 0"),
    ("text weight", _edit("imposed: 3", "imposed: high"), 10, "states", ">= 0"),
    ("bad start", _edit("start: 2019-07-01", "start: July 2019"), 11, "start", "date"),
    ("end before start", _edit("end: 2023-03-16", "end: 2018-01-01"), 12, "end", "before start"),
    (
        "no changes",
        BASE.split("    changes:")[0] + "    changes: []\n",
        13,
        "changes",
        "non-empty list",
    ),
    (
        "first change not on start",
        _edit("      - date: 2019-07-01", "      - date: 2019-07-02"),
        14,
        "date",
        "first change",
    ),
    (
        "change out of order",
        _edit("      - date: 2019-07-04", "      - date: 2019-06-04"),
        23,
        "date",
        "outside",
    ),
    (
        "change after end",
        _edit("      - date: 2019-07-04", "      - date: 2024-01-04"),
        23,
        "date",
        "outside",
    ),
    ("unknown state", _edit("state: imposed", "state: banned"), 24, "state", "not one of"),
    (
        "bad date kind",
        _edit("date_kind: effective", "date_kind: rumoured"),
        25,
        "date_kind",
        "one of",
    ),
    (
        "unknown change key",
        _edit("date_kind: effective", "date_kind: effective\n        x: 1"),
        26,
        "x",
        "unknown",
    ),
    (
        "no citation",
        _edit(
            "        citation: {publisher: Nikkei, date: 2019-07-04, title: Licensing takes "
            "effect}\n",
            "",
        ),
        23,
        "citation",
        "citation",
    ),
    (
        "citation without publisher",
        _edit("          publisher: METI\n", ""),
        18,
        "publisher",
        "required",
    ),
    (
        "citation without title",
        _edit(", title: Licensing takes effect}", "}"),
        26,
        "title",
        "required",
    ),
    (
        "citation bad date",
        _edit("          date: 2019-07-01", "          date: soon"),
        19,
        "date",
        "date",
    ),
    (
        "checked not a bool",
        _edit("checked: false", "checked: maybe"),
        22,
        "checked",
        "true or false",
    ),
    ("url not text", _edit("url: null", "url: 42"), 21, "url", "text"),
    ("impossible date", _edit("start: 2019-07-01", "start: 2019-13-01"), 11, "start", "YAML"),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_every_rule_names_file_line_and_field(
    text: str, line: int, field: str | None, words: str
) -> None:
    with pytest.raises(RegisterError) as exc:
        parse_register(text, source="reg.yaml")
    e = exc.value
    assert isinstance(e, ConfigError)
    assert e.path == "reg.yaml"
    assert e.line == line, str(e)
    if field is not None:
        assert e.field == field, str(e)
    assert words in e.message, str(e)
    assert str(e).startswith(f"reg.yaml:{line}")


def test_an_alias_bomb_fails_fast_with_a_clean_error() -> None:
    with bounded(seconds=1.0, megabytes=20), pytest.raises(RegisterError) as exc:
        parse_register(alias_bomb("instruments", before="register: t\ntitle: T\n"), source="b.yaml")
    assert "alias" in str(exc.value) and exc.value.path == "b.yaml" and exc.value.line


def test_deep_nesting_and_unsafe_tags_are_clean_errors() -> None:
    with pytest.raises(RegisterError, match="nesting"):
        parse_register(deep_nesting("instruments"), source="d.yaml")
    with pytest.raises(RegisterError, match="tag"):
        parse_register("register: !!python/name:os.system x\n", source="t.yaml")
    with pytest.raises(RegisterError, match="U\\+0000"):
        parse_register("register: t\x00\n", source="n.yaml")
    with pytest.raises(RegisterError, match="empty"):
        parse_register("", source="e.yaml")
    with pytest.raises(RegisterError, match="mapping"):
        parse_register("- a\n- b\n", source="l.yaml")


def test_a_bom_is_read_and_a_huge_file_refused_unread(tmp_path: Path) -> None:
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert read_register(bom).id == "t"
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"# " + b"x" * (5 * 2**20))
    with pytest.raises(RegisterError, match="limit") as exc:
        read_register(huge)
    assert exc.value.path == str(huge)


def test_a_missing_file_and_a_missing_bundled_register_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(RegisterError, match="cannot read") as exc:
        read_register(tmp_path / "nope.yaml")
    assert exc.value.path == str(tmp_path / "nope.yaml")
    monkeypatch.setattr(reader, "BUNDLED_REGISTER", "data/instruments/absent.yaml")
    with pytest.raises(RegisterError, match="--register FILE") as exc:
        read_register()
    assert exc.value.path == "brinkwatch/data/instruments/absent.yaml"


def test_weights_files_are_read_and_checked(tmp_path: Path) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(
        "GSOMIA: {notice_given: 5, terminated: 6}\nJPN_controls_polyimide:\n  imposed: 1\n"
    )
    assert read_weights(f) == {
        "GSOMIA": {"notice_given": 5.0, "terminated": 6.0},
        "JPN_controls_polyimide": {"imposed": 1.0},
    }
    with pytest.raises(RegisterError) as exc:
        parse_weights("GSOMIA:\n  active: -2\n", source="w.yaml")
    assert (exc.value.line, exc.value.field) == (2, "GSOMIA.active")
    with pytest.raises(RegisterError, match="mapping of state") as exc:
        parse_weights("GSOMIA: 3\n", source="w.yaml")
    assert exc.value.line == 1
    with pytest.raises(RegisterError, match="mapping"):
        parse_weights("- 1\n", source="w.yaml")
