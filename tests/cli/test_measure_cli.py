"""``brinkwatch measure``, ``triad`` and ``alarms`` as a user runs them, with plots."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import run


def test_measure_json_has_index_lowest_since_and_change_points(
    measure_db: Path, tmp_path: Path
) -> None:
    r = run(
        "measure",
        "--dyad",
        "KOR-JPN",
        "--directed",
        "--freq",
        "month",
        "--origin",
        "chronology",
        "--from",
        "2018-01-01",
        "--to",
        "2020-06-30",
        "--db",
        str(measure_db),
        "--format",
        "json",
        "--plot",
        str(tmp_path / "m.png"),
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    series = out["series"]
    assert {s["dyad"] for s in series} == {"KOR->JPN"}
    assert len(series) == 30
    aug = next(s for s in series if s["period"] == "2019-08-01")
    assert aug["value"] < 0 and aug["index"] < -2
    assert aug["record_low"] is True
    cps = out["change_points"]["KOR->JPN"]
    assert any("2019-06-01" <= c["period"] <= "2019-08-31" for c in cps)
    png = (tmp_path / "m.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_measure_table_summarises_the_latest_period(measure_db: Path) -> None:
    r = run(
        "measure",
        "--dyad",
        "JPN-KOR",
        "--freq",
        "month",
        "--origin",
        "chronology",
        "--from",
        "2019-01-01",
        "--to",
        "2019-09-30",
        "--db",
        str(measure_db),
    )
    assert r.returncode == 0, r.stderr
    assert "JPN->KOR latest 2019-09-01" in r.stdout and "KOR->JPN latest" in r.stdout
    assert "change point" in r.stdout


def test_triad_table_csv_and_html_plot(measure_db: Path, tmp_path: Path) -> None:
    r = run(
        "triad",
        "--actors",
        "USA",
        "JPN",
        "KOR",
        "--freq",
        "month",
        "--origin",
        "chronology",
        "--db",
        str(measure_db),
        "--plot",
        str(tmp_path / "t.html"),
    )
    assert r.returncode == 0, r.stderr
    for d in ("JPN->KOR", "JPN->USA", "KOR->JPN", "KOR->USA", "USA->JPN", "USA->KOR"):
        assert d in r.stdout
    html = (tmp_path / "t.html").read_text()
    assert "<html" in html and "plotly" in html.lower()
    # Works offline: plotly.js is inlined, no script is fetched from anywhere.
    import re

    assert not re.findall(r"<script[^>]+src=[\"']https?:", html)
    assert len(html) > 1_000_000
    csv = run(
        "triad",
        "--actors",
        "USA",
        "JPN",
        "KOR",
        "--freq",
        "month",
        "--origin",
        "chronology",
        "--db",
        str(measure_db),
        "--format",
        "csv",
    )
    header = csv.stdout.splitlines()[0].split(",")
    assert {"dyad", "period", "value", "index", "lowest_since"} <= set(header)


def test_alarms_table_and_errors(measure_db: Path) -> None:
    r = run(
        "alarms",
        "--dyad",
        "JPN-KOR",
        "--origin",
        "chronology",
        "--from",
        "2019-07-01",
        "--to",
        "2019-07-31",
        "--db",
        str(measure_db),
    )
    assert r.returncode == 0, r.stderr
    assert "sanctions" in r.stdout and "2019-07-01" in r.stdout
    bad = run("triad", "--actors", "USA", "JPN", "--db", str(measure_db))
    assert bad.returncode == 1 and "exactly 3 actors" in bad.stderr
    bad2 = run("measure", "--dyad", "JPN-KOR", "--measure", "nope", "--db", str(measure_db))
    assert bad2.returncode == 1 and "ConfigError" not in bad2.stderr
    # Checked before the store is opened, with the valid series named.
    assert "--measure takes one of goldstein_sum" in bad2.stderr and "Traceback" not in bad2.stderr


def test_measure_reference_and_history_reach_before_from(measure_db: Path) -> None:
    args = ["measure", "--dyad", "KOR-JPN", "--directed", "--freq", "month", "--origin",
            "chronology", "--from", "2019-06-01", "--to", "2019-09-30"]  # fmt: skip
    args += ["--db", str(measure_db)]
    trailing = json.loads(run(*args, "--format", "json").stdout)
    r = run(*args, "--format", "json", "--reference", "2018-01-01:2018-12-31")
    assert r.returncode == 0, r.stderr
    fixed = json.loads(r.stdout)
    assert trailing["history_from"] == fixed["history_from"] == "2015-12-28"
    assert (trailing["reference"], fixed["reference"]) == (None, ["2018-01-01", "2018-12-31"])
    sep = [next(s for s in o["series"] if s["period"] == "2019-09-01") for o in (trailing, fixed)]
    assert sep[1]["index"] < sep[0]["index"] < 0
    assert all(s["baseline_n"] == 12 for s in fixed["series"])
    table = run(*args, "--reference", "2018-01-01:2018-12-31")
    assert "index -1.67 (relative to 2018-01-01..2018-12-31)" in table.stdout
    # September is lower only than the August before it: no hollow "lowest since Aug 2019".
    assert "lowest since Aug 2019" not in table.stdout
    assert "(data from 2015-12)" in run(*args).stdout
    bad = run(*args, "--reference", "2018-01-01")
    assert bad.returncode == 1 and "--reference" in bad.stderr


LABELS = "src/brinkwatch/data/labels/jpn-kor-2015-2023.yaml"


def test_alarms_evaluate_renders_table_and_json(chronology_db: Path, tmp_path: Path) -> None:
    args = ["alarms", "--evaluate", LABELS, "--origin", "chronology", "--db", str(chronology_db)]
    table = run(*args, "--dyad", "KOR-JPN")
    assert table.returncode == 0, table.stderr
    assert "Alarm validity" in table.stdout and "(all rules)" in table.stdout
    assert "precision" in table.stdout and "GSOMIA" in table.stdout
    js = run(*args, "--format", "json")
    assert js.returncode == 0, js.stderr
    rep = json.loads(js.stdout)
    o = rep["overall"]
    assert rep["lead_days"] == 14 and o["rule"] == "(all rules)" and o["periods"] == 6
    assert (
        o["true_alarms"] + o["false_alarms"]
        == o["alarms"]
        == sum(r["alarms"] for r in rep["rules"])
    )
    # The table shows the same overall counts as the JSON.
    row = next(ln for ln in table.stdout.splitlines() if "(all rules)" in ln)
    assert f" {o['alarms']} " in row and f"({o['detected']}/{o['periods']})" in row
    bad_file = tmp_path / "l.yaml"
    bad_file.write_text("periods:\n  - label: x\n    dyad: JPN-KOR\n    start: 2019-07-01\n")
    bad = run("alarms", "--evaluate", str(bad_file), "--db", str(chronology_db))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "l.yaml:2" in bad.stderr and "needs 'end'" in bad.stderr
    no_dyad = run("alarms", "--db", str(chronology_db))
    assert no_dyad.returncode == 1 and "--dyad" in no_dyad.stderr


def test_measure_csv_keeps_notes_on_stderr_and_no_hollow_lowest_since(measure_db: Path) -> None:
    # A mixed store (chronology + GDELT): CSV readers must see the coverage warning too,
    # on stderr, while stdout stays clean CSV.
    r = run("measure", "--dyad", "JPN-KOR", "--freq", "month", "--from", "2020-01-01",
            "--to", "2020-12-31", "--db", str(measure_db), "--format", "csv")  # fmt: skip
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stderr.split())
    assert "note: The sources cover different spans and are not added together" in said
    assert "--origin chooses another" in said and "Warning" not in said
    assert "not added together" not in r.stdout
    assert r.stdout.splitlines()[0].startswith("dyad,")
    table = run("measure", "--dyad", "JPN-KOR", "--freq", "week", "--origin", "gdelt2",
                "--from", "2020-11-01", "--to", "2020-11-30", "--db", str(measure_db))  # fmt: skip
    assert table.returncode == 0, table.stderr
    js = run("measure", "--dyad", "JPN-KOR", "--freq", "week", "--origin", "gdelt2",
             "--from", "2020-11-01", "--to", "2020-11-30", "--db", str(measure_db),
             "--format", "json")  # fmt: skip
    rows = json.loads(js.stdout)["series"]
    for d in ("JPN->KOR", "KOR->JPN"):
        last = [s for s in rows if s["dyad"] == d][-1]
        # "Lowest since" only when the value is lower than more than the period before it.
        said = any(f"{d} latest" in ln and "lowest since" in ln for ln in table.stdout.splitlines())
        assert said == bool(
            not last["record_low"] and last["lowest_since"] and (last["periods_since"] or 0) > 1
        )


def test_measure_plot_carries_the_coverage_strip(measure_db: Path, tmp_path: Path) -> None:
    # No --origin: the store mixes the chronology with three GDELT days of November 2020.
    args = ("--freq", "month", "--from", "2020-01-01", "--to", "2020-12-31")
    r = run("measure", "--dyad", "JPN-KOR", *args, "--db", str(measure_db),
            "--plot", str(tmp_path / "m.html"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "m.html").read_text()
    assert html.count('"meta":"coverage"') == 2
    assert "GDELT 2: 3 days with data, 2020-11-13..2020-11-15" in html
    assert "days with data per origin" in html
    r = run("triad", "--actors", "USA", "JPN", "KOR", *args, "--db", str(measure_db),
            "--plot", str(tmp_path / "t.png"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


SMALL_REGISTER = "tests/data/instruments-small.yaml"


def test_register_adds_the_frictions_column(chronology_db: Path, tmp_path: Path) -> None:
    base = ("--freq", "month", "--from", "2019-01-01", "--to", "2020-12-31",
            "--db", str(chronology_db), "--register", SMALL_REGISTER)  # fmt: skip
    js = run("measure", "--dyad", "JPN-KOR", *base, "--format", "json")
    assert js.returncode == 0, js.stderr
    body = json.loads(js.stdout)
    by = {(r["dyad"], r["period"]): r["frictions"] for r in body["series"]}
    # Same value in both directions: the instruments bind the pair, not one direction.
    assert by[("JPN->KOR", "2019-06-01")] == by[("KOR->JPN", "2019-06-01")] == 0
    # March 2020: GSOMIA notice suspended (1), photoresist eased (2), two controls imposed (3+3).
    assert by[("JPN->KOR", "2020-03-01")] == 9
    assert {r["period"] for r in body["frictions"]} == {p for _, p in by}
    csv = run("measure", "--dyad", "JPN-KOR", *base, "--format", "csv")
    assert csv.returncode == 0, csv.stderr
    header = csv.stdout.splitlines()[0].split(",")
    assert header[-1] == "frictions"
    table = run("measure", "--dyad", "JPN-KOR", *base, "--plot", str(tmp_path / "m.html"))
    assert table.returncode == 0, table.stderr
    assert "frictions" in table.stdout
    html = (tmp_path / "m.html").read_text()
    assert '"meta":"frictions"' in html and "frictions in force" in html
    png = run("measure", "--dyad", "JPN-KOR", *base, "--plot", str(tmp_path / "m.png"))
    assert png.returncode == 0 and (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"
    tri = run("triad", "--actors", "USA", "JPN", "KOR", *base, "--format", "csv")
    assert tri.returncode == 0, tri.stderr
    assert tri.stdout.splitlines()[0].endswith(",frictions")
    # Without the flag the output is as before: no frictions column.
    plain = run("measure", "--dyad", "JPN-KOR", *base[:-2], "--format", "csv")
    assert "frictions" not in plain.stdout.splitlines()[0]


def test_instruments_flag_without_a_bundled_register_is_a_clean_error(
    chronology_db: Path, tmp_path: Path
) -> None:
    from brinkwatch.ingest.instruments import BUNDLED_REGISTER

    r = run("measure", "--dyad", "JPN-KOR", "--db", str(chronology_db), "--instruments")
    bundled = Path("src/brinkwatch") / BUNDLED_REGISTER
    if bundled.is_file():
        assert r.returncode == 0, r.stderr
        assert "frictions" in r.stdout
    else:
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert "--register" in r.stderr
    bad = tmp_path / "r.yaml"
    bad.write_text("register: x\ntitle: t\ninstruments: []\n")
    r = run("triad", "--actors", "USA", "JPN", "KOR", "--db", str(chronology_db),
            "--register", str(bad))  # fmt: skip
    assert r.returncode == 1 and "Traceback" not in r.stderr and "r.yaml" in r.stderr
