"""The bundled instruments register: well formed and matching the record on known days.

The register is read with plain ``yaml.safe_load`` because its loader is written in parallel;
the state-on-a-date rule below is the one the format states (a state holds from its change
date until the next change; outside the instrument's life it does not exist).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import brinkwatch
from brinkwatch import codebook
from brinkwatch.instruments import BUNDLED_REGISTER, INSTRUMENT_TYPES
from brinkwatch.instruments import DATE_KINDS as DATE_KIND_NAMES

REGISTER = Path(brinkwatch.__file__).resolve().parent / BUNDLED_REGISTER
TYPES = set(INSTRUMENT_TYPES)
DATE_KINDS = set(DATE_KIND_NAMES)
ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

# The scenario machines' state names (data/scenarios/jpn-kor-2019.yaml); the register must
# use at least these for the same ids so a scenario can start from it.
MACHINE_STATES: dict[str, set[str]] = {
    "GSOMIA": {"active", "notice_given", "notice_suspended", "terminated"},
    "TISA": {"active", "suspended"},
    "JPN_controls_photoresist": {"imposed", "eased", "lifted"},
    "JPN_controls_hydrogen_fluoride": {"imposed", "eased", "lifted"},
    "JPN_controls_polyimide": {"imposed", "eased", "lifted"},
    "JPN_whitelist": {"listed", "removal_decided", "removed"},
    "KOR_whitelist": {"listed", "removed"},
    "KOR_WTO_case": {"none", "filed", "suspended"},
}

CONTROLS = ("JPN_controls_photoresist", "JPN_controls_hydrogen_fluoride", "JPN_controls_polyimide")


def _date(value: object) -> dt.date:
    # safe_load turns unquoted ISO dates into dates; a string here is a typing slip to catch
    assert isinstance(value, dt.date), f"not a YAML date: {value!r}"
    return value


@pytest.fixture(scope="module")
def register() -> dict[str, Any]:
    data = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def by_id(register: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {inst["id"]: inst for inst in register["instruments"]}


def state_on(inst: dict[str, Any], day: dt.date) -> str | None:
    """Return the instrument's state on ``day``, or None outside its life."""
    start, end = _date(inst["start"]), inst["end"]
    if day < start or (end is not None and day > _date(end)):
        return None
    state = None
    for change in inst["changes"]:
        if _date(change["date"]) <= day:
            state = change["state"]
    return state


def test_header(register: dict[str, Any]) -> None:
    assert register["register"] == "jpn-kor-usa-2015-2023"
    assert register["title"]
    assert len(register["instruments"]) >= 12


def test_ids_unique_and_well_formed(register: dict[str, Any]) -> None:
    ids = [inst["id"] for inst in register["instruments"]]
    assert len(ids) == len(set(ids))
    assert all(ID.match(i) for i in ids), ids


def test_types_parties_imposer_target(register: dict[str, Any]) -> None:
    for inst in register["instruments"]:
        where = inst["id"]
        assert inst["type"] in TYPES, where
        assert inst["parties"], where
        for party in inst["parties"]:
            assert codebook.country_code(party) == party, (where, party)
        for role in ("imposer", "target"):
            assert inst.get(role) is None or inst[role] in inst["parties"], (where, role)


def test_states_declared_with_non_negative_weights(register: dict[str, Any]) -> None:
    for inst in register["instruments"]:
        states = inst["states"]
        assert isinstance(states, dict) and states, inst["id"]
        for state, weight in states.items():
            where = (inst["id"], state)
            assert isinstance(weight, int | float) and not isinstance(weight, bool), where
            assert weight >= 0, where


def test_scenario_machines_share_ids_and_state_names(by_id: dict[str, dict[str, Any]]) -> None:
    for machine, states in MACHINE_STATES.items():
        assert machine in by_id, machine
        assert states <= set(by_id[machine]["states"]), machine


def test_friction_weights_follow_the_documented_order(by_id: dict[str, dict[str, Any]]) -> None:
    gsomia = by_id["GSOMIA"]["states"]
    assert gsomia["active"] == 0
    assert gsomia["notice_suspended"] < gsomia["notice_given"] < gsomia["terminated"]
    for control in CONTROLS:
        w = by_id[control]["states"]
        assert w["lifted"] == 0
        assert w["announced"] < w["imposed"]
        assert w["eased"] < w["imposed"]


def test_changes_are_dated_within_life_in_order_and_start_on_start(
    register: dict[str, Any],
) -> None:
    for inst in register["instruments"]:
        where = inst["id"]
        start = _date(inst["start"])
        end = None if inst["end"] is None else _date(inst["end"])
        assert end is None or start <= end, where
        dates = [_date(c["date"]) for c in inst["changes"]]
        assert dates, where
        assert dates[0] == start, where
        assert dates == sorted(dates), where
        assert all(start <= d and (end is None or d <= end) for d in dates), where
        for change in inst["changes"]:
            assert change["state"] in inst["states"], (where, change["date"])
            assert change["date_kind"] in DATE_KINDS, (where, change["date"])


def test_every_change_has_a_citation(register: dict[str, Any]) -> None:
    for inst in register["instruments"]:
        for change in inst["changes"]:
            where = (inst["id"], str(change["date"]))
            cite = change["citation"]
            assert isinstance(cite["publisher"], str) and cite["publisher"].strip(), where
            assert isinstance(cite["title"], str) and cite["title"].strip(), where
            _date(cite["date"])
            assert isinstance(cite["checked"], bool), where
            for key in ("url", "archive"):
                value = cite.get(key)
                assert value is None or (isinstance(value, str) and value.startswith("http")), where


def test_a_checked_share_of_the_citations(register: dict[str, Any]) -> None:
    cites = [c["citation"] for inst in register["instruments"] for c in inst["changes"]]
    checked = [c for c in cites if c["checked"]]
    # most dates were confirmed on a stored page; those not confirmed say so in the note
    assert len(checked) / len(cites) >= 0.75
    assert all(c["url"] for c in checked)


def test_on_2019_12_01_matches_the_record(by_id: dict[str, dict[str, Any]]) -> None:
    day = dt.date(2019, 12, 1)
    assert state_on(by_id["GSOMIA"], day) == "notice_suspended"
    # all three controls in force; photoresist's easing came only on 20 December
    assert {state_on(by_id[c], day) for c in CONTROLS} == {"imposed"}
    assert state_on(by_id["JPN_whitelist"], day) == "removed"
    assert state_on(by_id["KOR_whitelist"], day) == "removed"
    assert state_on(by_id["KOR_WTO_case"], day) == "suspended"


def test_photoresist_eased_from_20_december_2019(by_id: dict[str, dict[str, Any]]) -> None:
    photoresist = by_id["JPN_controls_photoresist"]
    assert state_on(photoresist, dt.date(2019, 12, 19)) == "imposed"
    assert state_on(photoresist, dt.date(2019, 12, 31)) == "eased"
    assert state_on(by_id["JPN_controls_polyimide"], dt.date(2019, 12, 31)) == "imposed"


@pytest.mark.parametrize(
    ("instrument", "day", "state"),
    [
        ("GSOMIA", "2019-08-21", "active"),
        ("GSOMIA", "2019-08-23", "notice_given"),
        ("GSOMIA", "2023-03-21", "active"),
        ("JPN_controls_photoresist", "2019-07-03", "announced"),
        ("JPN_controls_photoresist", "2019-07-04", "imposed"),
        ("JPN_controls_hydrogen_fluoride", "2023-03-22", "imposed"),
        ("JPN_controls_hydrogen_fluoride", "2023-03-23", "lifted"),
        ("JPN_whitelist", "2019-08-27", "removal_decided"),
        ("JPN_whitelist", "2023-07-21", "listed"),
        ("KOR_whitelist", "2023-04-24", "listed"),
        ("KOR_WTO_case", "2020-07-29", "panel_established"),
        ("KOR_JPN_currency_swap", "2019-12-01", "expired"),
        ("KOR_JPN_currency_swap", "2023-12-01", "active"),
    ],
)
def test_known_states(
    by_id: dict[str, dict[str, Any]], instrument: str, day: str, state: str
) -> None:
    assert state_on(by_id[instrument], dt.date.fromisoformat(day)) == state


def test_outside_life_the_instrument_does_not_exist(by_id: dict[str, dict[str, Any]]) -> None:
    assert state_on(by_id["JPN_controls_photoresist"], dt.date(2019, 6, 30)) is None
    assert state_on(by_id["JPN_controls_photoresist"], dt.date(2023, 3, 24)) is None
    assert state_on(by_id["KOR_WTO_case"], dt.date(2019, 9, 10)) is None


def test_the_real_loader_reads_the_bundled_register_and_every_change_is_cited_in_life() -> None:
    from brinkwatch.ingest.instruments import bundled_register

    reg = bundled_register()
    assert len(reg.instruments) >= 16
    for ins in reg.instruments:
        for ch in ins.changes:
            assert ch.citation.publisher and ch.citation.title, (ins.id, ch.date)
            assert ins.start <= ch.date, (ins.id, ch.date)
            assert ins.end is None or ch.date <= ins.end, (ins.id, ch.date)
            assert not ch.citation.url or ch.citation.url.startswith("http"), (ins.id, ch.date)


def test_frictions_stand_from_july_2019_through_the_2023_restorations() -> None:
    # The measures stood while the events went quiet (Oct 2019 - Jul 2020): the frictions
    # series must not read calm then, nor at any month until the restorations of 2023.
    from brinkwatch.ingest.instruments import bundled_register
    from brinkwatch.measure import Freq
    from brinkwatch.measure.instruments import frictions_series

    reg = bundled_register()
    t = frictions_series(reg, dt.date(2019, 1, 1), dt.date(2023, 12, 31), Freq.MONTH)
    by_month = dict(zip(t["period"].to_pylist(), t["total"].to_pylist(), strict=True))
    calm_quiet = [
        p for p, v in by_month.items() if dt.date(2019, 7, 1) <= p <= dt.date(2023, 6, 1) and v <= 0
    ]
    assert not calm_quiet
    controls = [c for c in t.column_names if c.startswith("JPN_controls_")]
    assert len(controls) == 3
    for c in controls:
        col = dict(zip(t["period"].to_pylist(), t[c].to_pylist(), strict=True))
        assert col[dt.date(2019, 6, 1)] == 0 and col[dt.date(2020, 3, 1)] > 0
    # Friction falls once the controls are lifted and the whitelists restored.
    assert by_month[dt.date(2023, 9, 1)] < by_month[dt.date(2020, 3, 1)]
