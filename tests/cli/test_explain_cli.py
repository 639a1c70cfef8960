"""``brinkwatch explain`` as a user runs it: JSON, tables, CSV, plots, sparse data, bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner, Result

from brinkwatch.cli import app
from brinkwatch.errors import ConfigError
from tests.cli.test_cli import run


def test_explain_json_on_the_chronology_with_png_plot(chronology_db: Path, tmp_path: Path) -> None:
    args = ["explain", "--actors", "USA", "JPN", "KOR", "--freq", "month", "--from", "2015-01-01",
            "--to", "2023-12-31", "--db", str(chronology_db), "--repl", "200", "--seed", "5",
            "--lags", "1", "--format", "json"]  # fmt: skip
    r = run(*args, "--plot", str(tmp_path / "irf.png"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["periods"] == 108 and out["from"] == "2015-01-01" and out["measure"] == "net_coop"
    assert set(out["dropped"]) == {"JPN->USA", "KOR->USA"}
    assert out["series"] == ["JPN->KOR", "KOR->JPN", "USA->JPN", "USA->KOR"]
    # Every criterion chooses 0 lags by month, so one lag is forced here, and said so.
    assert not out["insufficient"] and out["lags"]["used"] == 1 and out["lags"]["ic"] == "fixed"
    assert {w["category"] for w in out["warnings"]} == {"SparseDataWarning"}
    assert [w["message"] for w in out["warnings"]] == out["notes"][: len(out["warnings"])]
    # JSON keeps each warning's kind; stderr words it for a reader, without the class name.
    err = " ".join(r.stderr.split())
    assert "note: United States-Japan events are too sparse in this window to estimate" in err
    assert "Japan towards United States has events in only 2" in err
    assert "Warning" not in err
    assert len(out["stationarity"]) == 4
    pairs = [g for g in out["granger"] if g["kind"] == "pair"]
    blocks = [g for g in out["granger"] if g["kind"] == "block"]
    assert len(pairs) == 12
    assert [b["label"] for b in blocks] == ["{USA->JPN, USA->KOR} => {JPN->KOR, KOR->JPN}"]
    rec = out["reciprocity"]
    assert rec["lags_forced"] and rec["lines"][0].startswith("The lag order 1 was forced")
    assert rec["pairs"][0]["b_answers_a"]["in_kind"] is True
    usa = "No evidence at the 5% level after correcting for 13 tests that USA's moves change the"
    assert any(line.startswith(f"{usa} JPN-KOR dyad") for line in rec["lines"])
    # Chronology edition 2: forced to one lag, net_coop and goldstein_sum agree (edition 1 had
    # net_coop alone finding Tokyo answering Seoul), so no disagreement is listed.
    assert rec["same_period_lines"] and rec["disagreements"] == [] and out["dynamics"]
    assert out["cross_check"]["measure"] == "goldstein_sum"
    assert out["irf"]["seed"] == 5 and out["irf"]["repl"] == 200
    assert len(out["irf"]["responses"]) == 4 * 4 * 9
    png = (tmp_path / "irf.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 30_000


def test_explain_table_by_week_with_html_plot(chronology_db: Path, tmp_path: Path) -> None:
    r = run(
        "explain", "--actors", "USA", "JPN", "KOR", "--freq", "week", "--from", "2018-06-01",
        "--to", "2020-06-30", "--db", str(chronology_db), "--lags", "2", "--repl", "100",
        "--plot", str(tmp_path / "irf.html"), "--irf", "orthogonal",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert "triad USA JPN KOR: net_coop by week" in text and "VAR(2)" in text
    assert "lag order: 2 (forced by --lags" in text
    for section in ("notes", "stationarity", "Granger causality", "reciprocity and third parties",
                    "forecast-error variance"):  # fmt: skip
        assert section in text, section
    assert "mostly fits zeros" in text.replace("\n", " ")
    html = (tmp_path / "irf.html").read_text()
    assert "Cholesky" in html and "toself" in html


def test_explain_by_month_detects_no_dynamics_and_says_so(chronology_db: Path) -> None:
    r = run(
        "explain", "--actors", "USA", "JPN", "KOR", "--freq", "month", "--from", "2015-01-01",
        "--to", "2023-12-31", "--db", str(chronology_db), "--repl", "50",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "no dynamics detected (AIC chooses 0 lags)" in text and "VAR(" not in text
    assert "lag order: 0 (no dynamics detected" in text
    assert "Granger causality" not in text and "forecast-error variance" not in text
    assert "answers" not in text.split("same period")[0].split("reciprocity and third parties")[1]
    assert (
        "same period (not lagged influence)" in text and "correlate at r=+0.30" in text
    )  # edition 2 (edition 1: +0.21)
    assert "measures compared" in text and "with net_coop no dynamics are detected" in text


def _invoke(*args: str) -> Result:
    # In-process (the subprocess tests above cover start-up): Typer's runner, our own app.
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_explain_csv_is_the_granger_table(chronology_db: Path) -> None:
    r = _invoke(
        "explain", "--actors", "USA", "JPN", "KOR", "--freq", "month", "--from", "2017-01-01",
        "--to", "2021-12-31", "--db", str(chronology_db), "--repl", "0", "--format", "csv",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert set(rows[0]) == {"kind", "causing", "caused", "stat", "df_num", "df_denom", "pvalue",
                            "pvalue_holm"}  # fmt: skip
    assert all(0 <= float(x["pvalue"]) <= 1 and float(x["stat"]) >= 0 for x in rows)
    assert {x["kind"] for x in rows} <= {"pair", "block"}
    pairs = [x for x in rows if x["kind"] == "pair"]
    k = len({x["causing"] for x in pairs})
    assert len(pairs) == k * (k - 1)


def test_explain_on_shared_gdelt_says_too_short_and_exits_zero(
    measure_db: Path, tmp_path: Path
) -> None:
    r = run("explain", "--actors", "USA", "JPN", "KOR", "--freq", "day", "--origin", "gdelt2",
            "--db", str(measure_db), "--plot", str(tmp_path / "x.png"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "no VAR fitted" in r.stdout
    assert "3 days are too few" in r.stdout.replace("\n", " ")
    assert "note: no VAR fitted" in r.stderr and "Traceback" not in r.stderr
    assert "Warning" not in r.stderr  # a reader note, without its class name
    assert not (tmp_path / "x.png").exists() and "no plot" in r.stderr


def test_explain_bad_input_is_a_clear_error(chronology_db: Path) -> None:
    r = run("explain", "--actors", "USA", "JPN", "JPN", "--db", str(chronology_db))
    assert r.returncode == 1 and "ConfigError" not in r.stderr and "three different" in r.stderr
    assert "Traceback" not in r.stderr
    bad = _invoke("explain", "--actors", "USA", "JPN", "KOR", "--ic", "xic", "--db",
                  str(chronology_db))  # fmt: skip
    assert isinstance(bad.exception, ConfigError)
    assert "--ic takes one of aic, bic" in str(bad.exception)
    bad = _invoke("explain", "--actors", "USA", "JPN", "KOR", "--plot", "x.svg", "--db",
                  str(chronology_db))  # fmt: skip
    assert isinstance(bad.exception, ConfigError) and ".html or .png" in str(bad.exception)
