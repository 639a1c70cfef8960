"""``brinkwatch forecast`` as a user runs it: forecast, evaluation, plots, errors.

One run goes through a real subprocess; the others call ``main`` in this process, which skips
the interpreter start-up but takes the same path through Typer, the library and Rich.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import call_main, run

_main = call_main


def test_forecast_json_and_png_on_the_chronology(
    chronology_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [
        "forecast", "--actors", "USA", "JPN", "KOR", "--train-to", "2019-06-30",
        "--horizon", "4w", "--paths", "500", "--seed", "3", "--db", str(chronology_db),
        "--format", "json",
    ]  # fmt: skip
    r = run(*args, "--plot", str(tmp_path / "fan.png"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["horizon_days"] == 28 and out["first_day"] == "2019-07-01"
    model = out["model"]
    assert len(model["streams"]) == 12 and model["fitted_to"] == "2019-06-30"
    assert model["branching_ratio"] < 1
    assert any(w.startswith("SparseDataWarning") for w in out["warnings"])
    assert "note: " in r.stderr and "Traceback" not in r.stderr
    assert "SparseDataWarning" not in r.stderr  # a reader note; JSON keeps the kind
    assert len(out["daily"]) == 28 * 12
    tot = {t["stream"]: t for t in out["totals"]}
    # The store goes on past the horizon, so each total carries what happened.
    assert tot["JPN->KOR conflict"]["observed"] >= 3
    assert all(t["q05"] <= t["q50"] <= t["q95"] for t in tot.values())
    png = (tmp_path / "fan.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    # Same seed, same forecast (in process this time).
    code, again, _ = _main(capsys, *args)
    assert code == 0 and json.loads(again)["totals"] == out["totals"]


def test_forecast_table_and_html_plot(
    chronology_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _main(
        capsys, "forecast", "JPN,KOR", "--train-to", "2019-08-31", "--horizon", "14",
        "--paths", "300", "--db", str(chronology_db), "--plot", str(tmp_path / "fan.html"),
    )  # fmt: skip
    assert code == 0, err
    assert "forecast of 14 days from 2019-09-01" in out
    assert "KOR->JPN conflict" in out and "branching ratio" in out
    html = (tmp_path / "fan.html").read_text()
    assert "plotly" in html.lower() and "KOR conflict" in html


def test_evaluate_prints_scores_and_a_verdict(
    chronology_db: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [
        "forecast", "--actors", "USA", "JPN", "KOR", "--evaluate", "--from", "2019-05-06",
        "--to", "2019-12-29", "--paths", "200", "--db", str(chronology_db),
    ]  # fmt: skip
    code, out, err = _main(capsys, *args, "--format", "json")
    assert code == 0, err
    res = json.loads(out)
    assert len(res["origins"]) == 34 and res["origins"][0] == "2019-05-06"
    assert res["scores"][-1]["stream"] == "all streams"
    assert any("persistence" in v for v in res["verdict"])
    code, out, _ = _main(capsys, *args)
    assert code == 0 and "MAE model" in out and "persistence on weekly MAE" in out


def test_bad_options_exit_1_with_a_message(
    chronology_db: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = str(chronology_db)
    code, _, err = _main(
        capsys, "forecast", "--actors", "USA", "XXX", "--train-to", "2019-06-30", "--db", db
    )
    assert code == 1 and "ConfigError" not in err and "Traceback" not in err
    assert "'XXX' is not a CAMEO country code" in " ".join(err.split())
    code, _, err = _main(
        capsys, "forecast", "USA", "JPN", "--train-to", "2019-06-30", "--horizon", "soon",
        "--db", db,
    )  # fmt: skip
    assert code == 1 and "--horizon" in err
    code, _, err = _main(capsys, "forecast", "USA", "JPN", "--evaluate", "--db", db)
    assert code == 1 and "--from" in err
