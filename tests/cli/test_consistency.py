"""One CLI: --actors everywhere, complete exports, honest help, --version, early checks, no noise.

Each test is one item of issue 17 point 4, run on the bundled chronology (218 events of
Japan, Korea and the US, 2015-2023), so none needs ../shared.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.cli.test_cli import ROOT, call_main

CHRONOLOGY_EVENTS = 218  # rows of src/brinkwatch/data/chronology/jpn-kor-usa-2015-2023.csv


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call_main(capsys, "--version")
    assert code == 0 and out.strip() == f"brinkwatch {version('brinkwatch')}"


def _command_paths() -> list[tuple[str, ...]]:
    import typer

    from brinkwatch.cli import app

    paths: list[tuple[str, ...]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        paths.append(path)
        if hasattr(cmd, "commands"):  # a group (Typer's own click)
            for name, sub in cmd.commands.items():
                walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


def test_help_of_every_command_shows_real_choices_and_no_bool(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from brinkwatch.cli._measure import MEASURES
    from brinkwatch.measure import INDEX_MEASURES, SERIES_COLUMNS
    from brinkwatch.web._validation import MEASURES as WEB_MEASURES

    assert set(MEASURES) <= set(SERIES_COLUMNS)  # every listed measure is a series column
    assert MEASURES is INDEX_MEASURES and WEB_MEASURES is INDEX_MEASURES  # one list
    monkeypatch.setenv("COLUMNS", "250")
    paths = _command_paths()
    assert ("triad",) in paths and ("scenario", "check") in paths and len(paths) > 15
    with_measure = 0
    for path in paths:
        code, out, _ = call_main(capsys, *path, "--help")
        assert code == 0, path
        assert "<bool>" not in out, (path, out)
        for line in out.splitlines():
            if "--measure" in line:
                with_measure += 1
                text = " ".join(out.split("--measure", 1)[1].split())
                assert "..." not in line and all(m in text for m in MEASURES), (path, line)
    assert with_measure >= 4  # measure, triad, explain, brief


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_triad_takes_actors_and_the_old_forms_still_work_with_a_notice(
    chronology_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--db", str(chronology_db), "--freq", "month", "--format", "csv")
    code, new, err = call_main(capsys, "triad", "--actors", "USA", "JPN", "KOR", *db)
    assert code == 0 and "deprecated" not in err
    assert {r["dyad"] for r in _csv_rows(new)} == {
        "USA->JPN", "USA->KOR", "JPN->USA", "JPN->KOR", "KOR->USA", "KOR->JPN"
    }  # fmt: skip
    code, comma, _ = call_main(capsys, "triad", "--actors", "USA,JPN,KOR", *db)
    assert code == 0 and comma == new
    code, old, err = call_main(capsys, "triad", "USA", "JPN", "KOR", *db)
    # The old form gives the same CSV; the notice goes to stderr, never into the CSV.
    assert code == 0 and old == new
    assert "deprecated" in err and "--actors USA JPN KOR" in " ".join(err.split())
    code, _, err = call_main(capsys, "triad", "--actors", "USA", "JPN", *db)
    assert code == 1 and "exactly 3 actors" in err and "--actors" in err


def test_explain_and_brief_take_actors_and_keep_triad_for_a_release(
    chronology_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ("--freq", "month", "--repl", "0", "--format", "json", "--db", str(chronology_db))
    code, new, err = call_main(capsys, "explain", "--actors", "USA", "JPN", "KOR", *args)
    assert code == 0, err
    assert "deprecated" not in err
    code, old, err = call_main(capsys, "explain", "--triad", "USA", "JPN", "KOR", *args)
    assert code == 0 and json.loads(old) == json.loads(new)  # stdout is the JSON alone
    assert "--triad A B C is deprecated" in " ".join(err.split())
    code, out, _ = call_main(
        capsys, "explain", "--actors", "USA", "JPN", "KOR", "--triad", "USA", "JPN", "KOR", *args
    )
    assert code == 1 and json.loads(out)["error"]["field"] == "--actors"
    # brief: a wrong triad fails before any work, whichever form named it.
    for form in (["--actors", "USA", "JPN"], ["--triad", "USA", "JPN", "JPN"]):
        code, _, err = call_main(
            capsys, "brief", "--dyad", "JPN-KOR", *form, "-o", str(tmp_path / "b.html"),
            "--db", str(chronology_db),
        )  # fmt: skip
        assert code == 1 and "Traceback" not in err, form
    assert not (tmp_path / "b.html").exists()


def test_event_exports_are_complete_unless_limited(
    chronology_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from brinkwatch.cli._app import EXPORT_COLUMNS

    db = ("--db", str(chronology_db))
    code, out, err = call_main(capsys, "events", *db, "--format", "csv")
    assert code == 0 and len(_csv_rows(out)) == CHRONOLOGY_EVENTS and err == ""
    code, out, _ = call_main(capsys, "events", *db, "--format", "json")
    assert len(json.loads(out)) == CHRONOLOGY_EVENTS
    code, out, err = call_main(capsys, "events", *db, "--format", "csv", "--limit", "5")
    assert len(_csv_rows(out)) == 5 and f"5 of {CHRONOLOGY_EVENTS}" in err
    # The table shows a screenful and says so; --limit 0 shows everything.
    code, out, err = call_main(capsys, "events", *db)
    assert f"showing 50 of {CHRONOLOGY_EVENTS}" in out + err
    code, out, err = call_main(capsys, "events", *db, "--limit", "0")
    assert code == 0 and "showing" not in out + err
    assert f"{CHRONOLOGY_EVENTS} events" in out
    # Parquet is binary: it needs a file, and holds every event with the export columns.
    code, out, err = call_main(capsys, "events", *db, "--format", "parquet")
    assert code == 1 and "--output" in err and out == ""
    target = tmp_path / "e.parquet"
    code, out, err = call_main(capsys, "events", *db, "--format", "parquet", "-o", str(target))
    assert code == 0 and out == ""
    table = pq.read_table(target)
    assert table.num_rows == CHRONOLOGY_EVENTS and table.column_names == EXPORT_COLUMNS
    code, out, _ = call_main(capsys, "events", *db, "--format", "json", "--limit", "-1")
    assert code == 2 and json.loads(out)["error"]["field"] == "--limit"


def test_an_unknown_outcome_fails_before_the_model_is_fitted(
    chronology_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("simulate", "jpn-kor-2019", "--paths", "50", "--db", str(chronology_db))
    call_main(capsys, *args, "--outcome", "nope")  # imports and Typer set-up off the clock
    # CPU time, not wall time: 2 cores are shared by many test runs on this machine.
    t0 = time.process_time()
    code, out, err = call_main(capsys, *args, "--sensitivity", "--outcome", "gsomia_terminatd")
    took = time.process_time() - t0
    assert code == 1 and out == ""
    said = " ".join(err.split())
    assert "no outcome called 'gsomia_terminatd'" in said and "gsomia_terminated" in said
    assert "--outcome" in said and "ScenarioError" not in said
    assert took < 0.6, took  # fitting the model and simulating take 2-3 s of CPU here
    # JSON keeps the kind for scripts.
    code, out, _ = call_main(capsys, *args, "--outcome", "nope", "--format", "json")
    assert code == 1 and json.loads(out)["error"]["kind"] == "ScenarioError"


@pytest.mark.parametrize(
    ("args", "option", "choice"),
    [
        (["measure", "--dyad", "JPN-KOR", "--measure", "goldstien_sum"], "--measure", "net_coop"),
        (["triad", "--actors", "USA", "JPN", "KOR", "--measure", "x"], "--measure", "events"),
        (["alarms", "--dyad", "JPN-KOR", "--freq", "fortnight"], "--freq", "week"),
        (["explain", "--actors", "USA", "JPN", "KOR", "--measure", "x"], "--measure", "net_coop"),
        (["explain", "--actors", "USA", "JPN", "KOR", "--freq", "year"], "--freq", "month"),
        (["explain", "--actors", "USA", "JPN", "KOR", "--ic", "aicc"], "--ic", "hqic"),
        (["explain", "--actors", "USA", "JPN", "KOR", "--trend", "ctt"], "--trend", "ct"),
        (["brief", "--dyad", "JPN-KOR", "--scenario", "jpn-kor-2019", "--measure", "x"],
         "--measure", "goldstein_mean"),
        (["brief", "--dyad", "JPN-KOR", "--scenario", "jpn-kor-2019", "--freq", "year"],
         "--freq", "day"),
        (["forecast", "--actors", "USA", "JPN", "--train-to", "2019-06-30", "--family", "nb"],
         "--family", "negbin"),
        (["simulate", "jpn-kor-2019", "--levers", "summit"], "no lever called 'summit'",
         "leaders_meeting"),
    ],
)  # fmt: skip
def test_choices_are_checked_before_the_store_is_opened_or_anything_fitted(
    chronology_db: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    option: str,
    choice: str,
) -> None:
    out_file = ["-o", str(tmp_path / "b.html")] if args[0] == "brief" else []
    # A store that does not exist: the choice error comes first, not the store's.
    missing = ["--db", str(tmp_path / "none.duckdb")]
    code, out, err = call_main(capsys, *args, *out_file, *missing)
    said = " ".join(err.split())
    assert code == 1 and out == ""
    assert option in said and choice in said and "no store" not in said
    # On a real store, in CPU time (2 cores are shared here): nothing is read or fitted.
    t0 = time.process_time()
    code, _, err = call_main(capsys, *args, *out_file, "--db", str(chronology_db))
    took = time.process_time() - t0
    assert code == 1 and option in " ".join(err.split())
    # Measuring takes 0.4-2.6 s of CPU here, fitting and simulating seconds; a scenario's
    # levers are known only once its YAML is read (0.3 s).
    assert took < (0.6 if args[0] == "simulate" else 0.3), took
    assert not (tmp_path / "b.html").exists()


def test_errors_read_as_sentences(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = call_main(capsys, "stats", "--db", str(tmp_path / "none.duckdb"))
    assert code == 1 and out == ""
    assert err.startswith("field '--db': no store at") and "ConfigError" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["events", "--format", "csv"],
        ["events", "--dyad", "JPN-KOR", "--limit", "3"],
        ["measure", "--dyad", "JPN-KOR", "--freq", "month", "--format", "csv"],
        ["triad", "--actors", "USA", "JPN", "KOR", "--freq", "month"],
        ["alarms", "--dyad", "JPN-KOR", "--freq", "month", "--format", "json"],
    ],
)
def test_no_library_deprecation_reaches_the_user(chronology_db: Path, args: list[str]) -> None:
    # As strict as a developer's `python -W error::DeprecationWarning`: any leak is a failure.
    r = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-m", "brinkwatch", *args,
         "--db", str(chronology_db)],
        capture_output=True, text=True, check=False, cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "DeprecationWarning" not in r.stderr and "FutureWarning" not in r.stderr


def test_library_warnings_print_as_one_line_notes(capsys: pytest.CaptureFixture[str]) -> None:
    import warnings

    from brinkwatch.cli import _show_warning

    _show_warning(UserWarning("two\n   lines"), UserWarning, "lib.py", 3)
    _show_warning(DeprecationWarning("old api"), DeprecationWarning, "lib.py", 4)
    err = capsys.readouterr().err
    assert err == "note: two lines\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _show_warning(FutureWarning("soon"), FutureWarning, "lib.py", 5)  # logged, not raised
    assert capsys.readouterr().err == ""


def test_our_warnings_print_as_reader_notes_and_json_keeps_their_kind(
    chronology_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The chronology has no Japan-France event: the measure stage warns that it is sparse."""
    args = ("measure", "--dyad", "JPN-FRA", "--freq", "month", "--db", str(chronology_db))
    code, _, err = call_main(capsys, *args)
    said = " ".join(err.split())
    assert code == 0
    assert "note: no events of Japan towards France, France towards Japan in 2015-12-28 to" in said
    assert "Warning" not in said and "JPN->FRA" not in said
    code, out, err = call_main(capsys, *args, "--format", "json")
    assert code == 0 and "note:" not in err
    sparse = [n for n in json.loads(out)["notes"] if n["category"] == "SparseDataWarning"]
    assert [n["message"][:36] for n in sparse] == ["no events of JPN->FRA, FRA->JPN in 2"]


def test_sparse_pairs_read_as_one_note_with_the_hint_kept() -> None:
    from brinkwatch._notes import Note
    from brinkwatch.report.notes import reader_notes

    notes = [
        Note("SparseDataWarning", "USA->JPN has events in only 5 of 36 months (14%): too few"),
        Note("SparseDataWarning", "JPN->USA has events in only 2 of 36 months (6%): too few"),
        Note("CoverageWarning", "one origin is short. Pass origins (--origin) to choose another"),
    ]
    cli = reader_notes(notes, hints=True)
    assert cli[0] == "one origin is short. Pass origins (--origin) to choose another."
    assert cli[1].startswith(
        "United States-Japan events are too sparse in this window to estimate influence ("
    )
    # The brief drops what to type; the command line keeps it.
    assert reader_notes(notes)[0] == "one origin is short. Pass origins to choose another."


def test_coded_actor_names_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note = tmp_path / "note.txt"
    note.write_text("The Japanese   Foreign\n     Ministry protested to Seoul on Monday.\n")
    code, out, err = call_main(
        capsys, "code", str(note), "--date", "2019-08-01", "--format", "json"
    )
    assert code == 0, err
    rows = json.loads(out)
    assert rows and rows[0]["source_name"] == "Japanese Foreign Ministry"
    assert all(r["target_name"] == r["target_name"].strip() for r in rows)
