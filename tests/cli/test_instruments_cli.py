"""``brinkwatch instruments`` and ``alarms --instruments`` as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.cli.test_cli import run

SMALL = str(Path(__file__).resolve().parents[1] / "data" / "instruments-small.yaml")


def test_at_a_date_as_a_table_and_as_json() -> None:
    r = run("instruments", "--register", SMALL, "--at", "2019-12-01")
    assert r.returncode == 0, r.stderr
    assert "4 instrument(s) in force on 2019-12-01" in r.stdout
    assert "notice_suspended" in r.stdout and "Yonhap, 2019-11-22" in r.stdout
    j = run("instruments", "--register", SMALL, "--at", "2019-12-01", "--format", "json")
    assert j.returncode == 0, j.stderr
    out = json.loads(j.stdout)
    states = {x["instrument"]: x["state"] for x in out["in_force"]}
    assert states["GSOMIA"] == "notice_suspended"
    assert states["JPN_controls_polyimide"] == "imposed"
    assert out["in_force"][0]["citation"]["date"] == "2019-11-22"


def test_changes_in_a_span_as_csv_and_the_timeline_plots(tmp_path: Path) -> None:
    png, html = tmp_path / "t.png", tmp_path / "t.html"
    r = run(
        "instruments", "--register", SMALL, "--from", "2019-08-01", "--to", "2019-12-31",
        "--format", "csv", "--plot", str(png),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["date"], x["instrument"], x["state"]) for x in rows] == [
        ("2019-08-23", "GSOMIA", "notice_given"),
        ("2019-11-22", "GSOMIA", "notice_suspended"),
        ("2019-12-20", "JPN_controls_photoresist", "eased"),
    ]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    h = run("instruments", "--register", SMALL, "--plot", str(html), "--format", "json")
    assert h.returncode == 0, h.stderr
    text = html.read_text()
    # One lane per instrument, hover with state, dates and citation.
    assert "JPN_controls_hydrogen_fluoride" in text and "notice_given" in text
    assert "Seoul delivers formal notice of termination of GSOMIA" in text
    assert len(json.loads(h.stdout)["changes"]) == 14


def test_frictions_series_by_month_with_override_weights(tmp_path: Path) -> None:
    w = tmp_path / "w.yaml"
    w.write_text("GSOMIA: {notice_given: 4}\n")
    r = run(
        "instruments", "--register", SMALL, "--frictions", "--from", "2019-08-01", "--to",
        "2019-09-30", "--freq", "month", "--weights", str(w), "--format", "json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["period"] for x in rows] == ["2019-08-01", "2019-09-01"]
    assert rows[0]["GSOMIA"] == round(4 * 9 / 31, 3) and rows[1]["GSOMIA"] == 4
    assert rows[1]["total"] == 13


def test_errors_are_clean_and_name_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(SMALL).read_text().replace("parties: [JPN, KOR]", "parties: [JPN, XYZ]", 1))
    r = run("instruments", "--register", str(bad), "--at", "2019-12-01")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{bad}:11, field 'parties'" in " ".join(r.stderr.split())
    j = run("instruments", "--register", SMALL, "--frictions", "--format", "json")
    assert j.returncode == 1 and json.loads(j.stdout)["error"]["field"] == "--from"


def test_alarms_include_instrument_changes_beside_event_alarms(chronology_db: Path) -> None:
    r = run(
        "alarms", "--dyad", "JPN-KOR", "--freq", "month", "--from", "2019-06-01", "--to",
        "2019-12-31", "--instruments", "--register", SMALL, "--db", str(chronology_db),
        "--format", "json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    alarms = json.loads(r.stdout)
    rules = [a["rule"] for a in alarms]
    assert "instrument:GSOMIA" in rules and "instrument:JPN_controls_photoresist" in rules
    assert any(not x.startswith("instrument:") for x in rules)  # the event alarms stay
    assert [a["period"] for a in alarms] == sorted(a["period"] for a in alarms)
    notice = next(a for a in alarms if a["rule"] == "instrument:GSOMIA")
    assert notice["period"] == "2019-08-01" and notice["evidence"][0]["origin"] == "register"


def test_the_bundled_register_on_1_december_2019_matches_the_record() -> None:
    # The bundled register through the real loader; bracketed titles ("[report: ...]") are
    # data and must print as written, not vanish as Rich markup.
    j = run("instruments", "--at", "2019-12-01", "--format", "json")
    assert j.returncode == 0, j.stderr
    states = {x["instrument"]: x["state"] for x in json.loads(j.stdout)["in_force"]}
    assert states["GSOMIA"] == "notice_suspended"
    assert states["JPN_whitelist"] == "removed" and states["KOR_whitelist"] == "removed"
    assert states["KOR_WTO_case"] == "suspended"
    for item in ("photoresist", "hydrogen_fluoride", "polyimide"):
        assert states[f"JPN_controls_{item}"] == "imposed"
    t = run("instruments", "--at", "2019-12-01")
    assert t.returncode == 0, t.stderr
    assert "[report:" in t.stdout
