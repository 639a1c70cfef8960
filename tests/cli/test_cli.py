"""The CLI as a user runs it: real subprocesses, exit codes, stderr, JSON on stdout."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.ingest._http_server import serve_directory

ROOT = Path(__file__).resolve().parents[2]


def call_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in this process (same path through Typer and Rich); exit code, out, err."""
    from brinkwatch.cli import main

    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "brinkwatch", *args],
        capture_output=True,
        text=True,
        check=False,
        env=full_env,
        cwd=ROOT,
    )


def test_ingest_json_reports_every_file_and_exits_nonzero_for_a_failed_one(
    shared_data: Path, tmp_path: Path
) -> None:
    db = tmp_path / "s.duckdb"
    empty = tmp_path / "empty.CSV"
    empty.write_text("")
    r = run(
        "ingest",
        str(shared_data / "gdelt/20191024143000.export.CSV"),
        str(empty),
        "--db",
        str(db),
        "--json",
    )
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert (out["read"], out["stored"], out["rejected"], out["duplicates"]) == (2111, 2111, 0, 0)
    assert out["failed"] == 1
    assert [f["read"] for f in out["files"]] == [2111, 0]
    assert "empty" in r.stderr and "Traceback" not in r.stderr

    again = run(
        "ingest", str(shared_data / "gdelt/20191024143000.export.CSV"), "--db", str(db), "--json"
    )
    assert again.returncode == 0
    assert json.loads(again.stdout)["duplicates"] == 2111

    stats = json.loads(run("stats", "--db", str(db), "--json").stdout)
    assert stats["events"] == 2111
    assert stats["read"] == stats["stored"] + stats["rejected"] + stats["duplicates"] == 4222


def test_mapping_from_yaml_and_from_options(shared_data: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    f = shared_data / "gdelt/pandas-export-202011/20201113.csv"
    r = run(
        "ingest",
        str(f),
        "--mapping",
        "docs/examples/gdelt-pandas-export.yaml",
        "--origin-override",
        "--db",
        db,
        "--json",
    )
    assert r.returncode == 0, r.stderr
    assert "origin-override" in r.stderr and "gdelt2" in r.stderr
    assert json.loads(r.stdout)["stored"] == 2824
    r2 = run(
        "ingest",
        str(shared_data / "gdelt/pandas-export-202011/20201114.csv"),
        "--map",
        "event_id=Global_Event_ID",
        "--map",
        "event_date=Day",
        "--map",
        "cameo_code=Event_Code",
        "--map",
        "source_country=Actor_1_Country_ABBR",
        "--map",
        "target_country=Actor_2_Country_ABBR",
        "--db",
        db,
        "--json",
    )
    assert r2.returncode == 0, r2.stderr
    assert json.loads(r2.stdout)["stored"] == 2601
    ev = run("events", "--dyad", "JPN-KOR", "--db", db, "--format", "json", "--limit", "500")
    rows = json.loads(ev.stdout)
    assert len(rows) == 15 + 30
    assert {(r["origin"]) for r in rows} == {"gdelt2", "csv"}


def test_events_filters_and_formats(shared_data: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    run("ingest", str(shared_data / "icews/events.2018.sample.tab"), "--db", db)
    r = run(
        "events",
        "--dyad",
        "KOR-PRK",
        "--directed",
        "--db",
        db,
        "--format",
        "csv",
        "--limit",
        "1000",
        "--all-actors",
    )
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("event_date,origin,event_id")
    assert len(lines) - 1 == 24  # every stored KOR->PRK row of the file
    state = run("events", "--dyad", "KOR-PRK", "--directed", "--db", db, "--format", "csv")
    # By default only state actors count: two of the 24 rows have a non-state Korean actor.
    assert len(state.stdout.strip().splitlines()) - 1 == 22
    roots = run(
        "events",
        "--dyad",
        "KOR-PRK",
        "--root",
        "4,5",
        "--db",
        db,
        "--format",
        "json",
        "--limit",
        "1000",
    )
    assert all(row["cameo_code"][:2] in ("04", "05") for row in json.loads(roots.stdout))
    table = run("events", "--dyad", "USA-JPN", "--db", db, "--limit", "3", "--all-actors")
    assert "32 events (showing 3 of 32)" in table.stdout
    state = run("events", "--dyad", "USA-JPN", "--db", db, "--limit", "3")
    assert "31 events (showing 3 of 31)" in state.stdout


@pytest.mark.parametrize(
    ("args", "kind", "words"),
    [
        (["events", "--dyad", "JPN-XYZ"], "ConfigError", "'XYZ' is not a CAMEO country code"),
        (["events", "--dyad", "JPN"], "ConfigError", "two country codes joined by '-'"),
        (["events", "--from", "2019-08-01", "--to", "2019-07-01"], "ConfigError", "swap them"),
        (["events", "--from", "01/08/2019"], "ConfigError", "YYYY-MM-DD"),
        (["events", "--root", "31"], "ConfigError", "01 to 20"),
        (["ingest", "nope.csv"], "FileFormatError", "no such file or directory"),
    ],
)
def test_errors_print_their_message_without_kind_or_traceback(
    shared_data: Path, tmp_path: Path, args: list[str], kind: str, words: str
) -> None:
    db = str(tmp_path / "s.duckdb")
    run("ingest", str(shared_data / "gdelt/gdelt1_events_sample.tsv"), "--db", db)
    r = run(*args, "--db", db)
    assert r.returncode == 1
    # A sentence for a person: the class name stays in --json's "kind" only.
    assert kind not in r.stderr, r.stderr
    assert words in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr


def test_reading_a_store_that_does_not_exist_says_how_to_make_one(tmp_path: Path) -> None:
    r = run("stats", "--db", str(tmp_path / "none.duckdb"))
    assert r.returncode == 1
    assert "ConfigError" not in r.stderr and "brinkwatch ingest FILE" in " ".join(r.stderr.split())


def test_fetch_gdelt_downloads_checks_and_ingests(shared_data: Path, tmp_path: Path) -> None:
    src = (shared_data / "gdelt/20191024143000.export.CSV").read_bytes()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    blob = mirror / "20191024143000.export.CSV.zip"
    with zipfile.ZipFile(blob, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("20191024143000.export.CSV", src)
    data = blob.read_bytes()
    (mirror / "masterfilelist.txt").write_text(
        f"{len(data)} {hashlib.md5(data).hexdigest()} http://x/gdeltv2/{blob.name}\ngarbage line\n"
    )
    dest, db = tmp_path / "dl", str(tmp_path / "s.duckdb")
    with serve_directory(mirror) as server:
        r = run(
            "fetch",
            "gdelt",
            "--version",
            "2",
            "--from",
            "2019-10-24",
            "--to",
            "2019-10-24",
            "--dest",
            str(dest),
            "--db",
            db,
            "--base-url",
            server.url,
            "--json",
        )
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["stored"] == 2111
        again = run(
            "fetch",
            "gdelt",
            "--version",
            "2",
            "--from",
            "2019-10-24",
            "--to",
            "2019-10-24",
            "--dest",
            str(dest),
            "--db",
            db,
            "--base-url",
            server.url,
            "--json",
        )
        assert json.loads(again.stdout)["stored"] == 0
        assert len(server.requests_for(blob.name)) == 1  # the second run downloaded nothing
    assert (dest / blob.name).read_bytes() == data


@pytest.mark.solo  # bounds wall time: under xdist, runs alone
def test_hostile_yaml_is_a_clean_fast_error_and_json_stays_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.yaml_bombs import alias_bomb

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("name: x\n")
    call_main(capsys, "scenario", "check", str(bomb))  # imports and Typer set-up off the clock
    bomb.write_text(alias_bomb("name"))
    t0 = time.perf_counter()
    code, out, err = call_main(capsys, "scenario", "check", str(bomb))
    assert time.perf_counter() - t0 < 1.0  # memory: test_scenario_file.py bounds the parse
    assert code == 1 and "ScenarioError" not in err and f"{bomb}:6" in " ".join(err.split())
    assert "Traceback" not in err and len(err) < 1000

    mapping = tmp_path / "m.yaml"
    mapping.write_text(alias_bomb("delimiter", before="columns: {event_date: D, cameo_code: C}\n"))
    csv = tmp_path / "x.csv"
    csv.write_text("D,C\n2019-07-01,163\n")
    db = tmp_path / "s.duckdb"
    code, out, err = call_main(
        capsys, "ingest", str(csv), "--mapping", str(mapping), "--db", str(db), "--json"
    )
    assert code == 1 and "Traceback" not in err
    error = json.loads(out)["error"]
    assert (error["kind"], error["path"], error["line"]) == ("MappingError", str(mapping), 7)
    assert not db.exists()  # refused before the store was made

    # A usage error under --format json is JSON too, with exit 2.
    code, out, _ = call_main(capsys, "events", "--db", str(db), "--format", "json", "--limit", "-1")
    assert code == 2 and json.loads(out)["error"]["field"] == "--limit"
    code, out, _ = call_main(capsys, "stats", "--db", str(db), "--json")
    assert code == 1 and json.loads(out)["error"]["kind"] == "ConfigError"


def test_origin_override_is_needed_to_claim_a_built_in_origin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("origin: icews\ncolumns: {event_id: I, event_date: D, cameo_code: C}\n")
    csv = tmp_path / "x.csv"
    csv.write_text("I,D,C\n1,2019-07-01,163\n")
    db = str(tmp_path / "s.duckdb")
    code, out, err = call_main(capsys, "ingest", str(csv), "--mapping", str(mapping), "--db", db)
    assert code == 1 and "MappingError" not in err and "--origin-override" in " ".join(err.split())
    code, out, err = call_main(
        capsys, "ingest", str(csv), "--mapping", str(mapping), "--origin-override", "--db", db,
        "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["stored"] == 1
    assert "warning" in err and "icews" in err


def test_ingest_json_is_one_object_even_when_the_run_cannot_start(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "s.duckdb")
    code, out, err = call_main(capsys, "ingest", str(tmp_path / "gone.CSV"), "--db", db, "--json")
    assert code == 1 and "Traceback" not in err
    obj = json.loads(out)
    # The error object keeps "where" (path) apart from "what" (message); detail has both.
    assert obj["error"]["kind"] == "FileFormatError" and obj["error"]["path"].endswith("gone.CSV")
    assert "gone.CSV" in obj["error"]["detail"] and "no such file" in obj["error"]["message"]
    assert (obj["read"], obj["files"]) == (0, [])
    bad = tmp_path / "m.yaml"
    bad.write_text("columns: [not, a, mapping]\n")
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    code, out, _ = call_main(capsys, "ingest", str(f), "--mapping", str(bad), "--db", db, "--json")
    assert code == 1 and json.loads(out)["error"]["kind"] == "MappingError"
    # A run that starts has "error": null, and failed files carry their own.
    f.write_text("")
    code, out, _ = call_main(capsys, "ingest", str(f), "--db", db, "--json")
    obj = json.loads(out)
    assert code == 1 and obj["error"] is None and obj["failed"] == 1
    assert "empty" in obj["files"][0]["error"]


def test_store_compact_reports_rows_and_bytes(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    db = tmp_path / "s.duckdb"
    src = shared_data / "gdelt/20191024143000.export.CSV"
    changed = tmp_path / "changed.export.CSV"
    lines = src.read_text(encoding="utf-8").splitlines()
    changed.write_text("\n".join("9" + x if i % 10 == 0 else x for i, x in enumerate(lines)))
    code, _, err = call_main(capsys, "ingest", str(src), str(changed), "--db", str(db), "--json")
    assert code == 0, err
    code, out, err = call_main(capsys, "store", "compact", "--db", str(db), "--json")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["rows_removed"] > 1800 and obj["bytes_after"] == db.stat().st_size
    assert obj["bytes_freed"] == obj["bytes_before"] - obj["bytes_after"] >= 0
    code, out, _ = call_main(capsys, "store", "compact", "--db", str(db))
    assert code == 0 and "removed 0 held-back rows" in out and "freed" in out
