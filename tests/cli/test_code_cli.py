"""``brinkwatch code`` as a user runs it: text files in, events out, into the store, scores."""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb

from tests.cli.test_cli import run

CABLE = """date: 2019-08-02
Japan's cabinet approved the removal of South Korea from its whitelist of trusted trading
partners on Friday. Seoul said it would remove Japan from its own list of trusted trading
partners. Seoul is considering abrogation of GSOMIA, a Blue House official said.
"""


def test_code_prints_events_with_evidence_and_ingests_them_once(tmp_path: Path) -> None:
    (tmp_path / "cable.txt").write_text(CABLE)
    db = tmp_path / "s.duckdb"
    r = run("code", str(tmp_path), "--format", "json", "--ingest", "--db", str(db))
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [(x["source_code"], x["target_code"], x["cameo_code"], x["flags"]) for x in rows] == [
        ("JPNGOV", "KOR", "163", ""),
        ("KORGOV", "JPN", "1312", "intended,reported"),
        ("KORGOV", "JPN", "1313", "intended,reported"),
    ]
    assert all(x["event_date"] == "2019-08-02" and x["origin"] == "coded" for x in rows)
    text = (tmp_path / "cable.txt").read_text()
    assert text[rows[2]["span_start"] : rows[2]["span_end"]] == "abrogation"
    assert "3 stored" in r.stderr
    # Again, as a table, with --date for an undated second file: nothing new is stored.
    (tmp_path / "note.txt").write_text("The prime minister criticized South Korea.")
    r = run("code", str(tmp_path), "--date", "2021-03-01", "--ingest", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "1 stored, 3 already stored" in r.stderr
    assert "abrogation" in r.stdout and "1313" in r.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute(
            "SELECT source_code, source_name, event_date FROM events WHERE cameo_code = '111'"
        ).fetchall()
        n = con.execute("SELECT count(*) FROM events WHERE origin = 'coded'").fetchone()
    finally:
        con.close()
    # The undated file took --date, and "the prime minister" of that day.
    assert [(a, b, str(c)) for a, b, c in got] == [("JPNGOV", "Yoshihide Suga", "2021-03-01")]
    assert n == (4,)


def test_code_errors_are_one_line_with_the_fix(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Japan criticized South Korea.")
    r = run("code", str(note), "--ingest", "--db", str(tmp_path / "s.duckdb"))
    assert r.returncode == 1
    assert "ConfigError" not in r.stderr and "--date YYYY-MM-DD" in r.stderr
    r = run("code")
    assert r.returncode == 1 and "--evaluate RECORDS.xml" in r.stderr
    r = run("code", str(tmp_path / "missing.txt"))
    assert r.returncode == 1 and "FileFormatError" not in r.stderr
    assert "missing.txt" in " ".join(r.stderr.split())


def test_code_evaluate_prints_scores(shared_data: Path) -> None:
    r = run(
        "code",
        "--evaluate",
        str(shared_data / "coder/PETR.UnitTest.records.xml"),
        "--actors",
        str(shared_data / "coder/PETR.Validate.actors.txt"),
    )
    assert r.returncode == 0, r.stderr
    assert "PETR.UnitTest.records.xml: 277 records (7 skipped), 354 gold events" in r.stdout
    for measure in ("root", "code", "source", "target", "dyad", "triple", "quad", "dated"):
        assert f"│ {measure}" in r.stdout


def test_code_evaluate_on_800_kb_of_unclosed_records_fails_fast_and_cleanly(
    tmp_path: Path,
) -> None:
    # D9 (issue 12): this file took over 300 s; it is now a one-line error naming the line.
    unit = '<Sentence date="20190801" id="x"><Text>Japan criticized South Korea.</Text>\n'
    bad = tmp_path / "unclosed.records.xml"
    bad.write_text("<Validation>\n" + unit * (800_000 // len(unit)))
    t0 = time.perf_counter()
    r = run("code", "--evaluate", str(bad), "--format", "json")
    assert time.perf_counter() - t0 < 20  # start-up and all; the parse itself takes ms
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{bad}:2: <Sentence> is not closed" in " ".join(r.stderr.split())


def test_code_shows_the_date_phrase_that_dated_each_event(tmp_path: Path) -> None:
    note = tmp_path / "wire.txt"
    note.write_text(
        "date: 2019-11-22\nTokyo criticized Seoul yesterday. "
        "Japan imposed export restrictions on South Korea on 3 July 2019. "
        "Seoul protested to Tokyo.\n"
    )
    r = run("code", str(note), "--format", "json")
    assert r.returncode == 0, r.stderr
    got = [(x["cameo_code"], x["event_date"], x["date_phrase"]) for x in json.loads(r.stdout)]
    assert got == [
        ("111", "2019-11-21", "yesterday"),
        ("163", "2019-07-03", "3 July 2019"),
        ("114", "2019-11-22", ""),
    ]
    table = run("code", str(note), env={"COLUMNS": "220"})
    assert table.returncode == 0, table.stderr
    assert '2019-11-21 ("yesterday")' in table.stdout
    assert '2019-07-03 ("3 July 2019")' in table.stdout
