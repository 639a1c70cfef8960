"""``brinkwatch simulate``, ``backtest`` and ``scenario new|check`` as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from brinkwatch.simulate import parse_scenario, read_bundled_scenario
from tests.cli.test_cli import call_main, run

_main = call_main


def test_simulate_prints_the_comparison_and_writes_a_figure(
    chronology_db: Path, tmp_path: Path
) -> None:
    fig = tmp_path / "scenario.html"
    r = run(
        "simulate", "jpn-kor-2019", "--paths", "300", "--seed", "4", "--db", str(chronology_db),
        "--compare", "actual,leaders_meeting", "--plot", str(fig),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    # The chronology is thin, and it says so, as a reader note.
    assert "note: The crisis simulation" in r.stderr and "Warning" not in r.stderr
    for text in ("GSOMIA terminated", "none", "actual", "leaders_meeting", "95% interval"):
        assert text in r.stdout
    # One single lever (leaders_meeting, after the anniversary): the adjusted ranking's claim.
    said = " ".join(r.stdout.split())
    assert "no lever's effect on the chance of “GSOMIA terminated” is distinguishable" in said
    assert "(1 lever compared, 95% intervals adjusted for the comparison)" in said
    html = fig.read_text()
    assert "plotly" in html.lower() and "GSOMIA" in html and "pre-crisis level" in html


def test_simulate_json_is_reproducible(
    chronology_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", "jpn-kor-2019", "--paths", "200", "--seed", "9", "--compare",
            "private_channel", "--format", "json", "--db", str(chronology_db)]  # fmt: skip
    code, out1, _ = _main(capsys, *args)
    assert code == 0
    code, out2, _ = _main(capsys, *args)
    assert out1 == out2
    data = json.loads(out1)
    assert data["paths"] == 200 and data["seed"] == 9
    variants = {r["variant"] for r in data["comparison"]}
    assert variants == {"none", "private_channel"}
    eased = next(
        r
        for r in data["comparison"]
        if r["variant"] == "private_channel" and r["outcome"] == "export_controls_eased"
    )
    assert eased["difference"] > 0
    ranking = data["ranking"]
    assert ranking["outcome"] == "gsomia_terminated" and ranking["n_levers"] == 1
    assert ranking["method"] == "bonferroni" and ranking["gap"] is None
    (effect,) = ranking["effects"]
    assert effect["lever"] == "private_channel"
    assert effect["low"] <= effect["unadjusted_low"] <= effect["unadjusted_high"] <= effect["high"]


def test_simulate_logs_paths_with_the_rule_of_each_move(
    chronology_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", "jpn-kor-2019", "--paths", "200", "--seed", "2", "--compare", "actual",
            "--log-paths", "5", "--db", str(chronology_db)]  # fmt: skip
    code, out, _ = _main(capsys, *args, "--format", "json")
    assert code == 0
    logs = json.loads(out)["path_logs"]
    assert set(logs) == {"none", "actual"}
    rows = logs["actual"]
    assert rows and {r["path"] for r in rows} <= set(range(5))
    assert {"hazard", "after", "lever"} <= {r["rule"] for r in rows}
    assert all(r["machine"] and r["from_state"] != r["to_state"] for r in rows)
    code, text, _ = _main(capsys, *args)
    assert code == 0 and "Path log, variant 'actual'" in text and "JPN_whitelist" in text
    code, _, err = _main(capsys, *args[:-2], "--log-paths", "-1", "--db", str(chronology_db))
    assert code == 1 and "--log-paths must be 0 or more" in err and "Traceback" not in err


def test_simulate_errors_are_one_line_without_traceback(
    chronology_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        read_bundled_scenario("jpn-kor-2019").replace("horizon_days: 274", "horizon_days: -3")
    )
    code, _, err = _main(capsys, "simulate", str(bad), "--db", str(chronology_db))
    assert code == 1
    assert "ScenarioError" not in err and "bad.yaml:" in err and "horizon_days" in err
    code, _, err = _main(capsys, "simulate", "jpn-kor-2019", "--paths", "10000000")
    assert code == 1 and "--paths must be between 1 and 200,000" in err
    code, _, err = _main(
        capsys, "simulate", "jpn-kor-2019", "--compare", "carrots", "--db", str(chronology_db)
    )
    assert code == 1 and "no lever called 'carrots'" in err
    code, _, err = _main(capsys, "simulate", "no-such-scenario")
    assert code == 1 and "jpn-kor-2019" in err


def test_backtest_prints_scores_beside_baselines(chronology_db: Path) -> None:
    r = run("backtest", "jpn-kor-2019", "--cutoff", "2019-07-31", "--paths", "300",
            "--db", str(chronology_db))  # fmt: skip
    assert r.returncode == 0, r.stderr
    for text in ("Brier", "brier_uninformed", "mae_persistence", "persistence"):
        assert text in r.stdout
    assert "the model beats" in r.stdout or "the model does not beat" in r.stdout


SMALL = str(Path(__file__).resolve().parents[1] / "data" / "instruments-small.yaml")


def test_backtest_prints_the_probability_of_the_register_path(chronology_db: Path) -> None:
    r = run("backtest", "jpn-kor-2019", "--cutoff", "2019-07-31", "--paths", "200",
            "--db", str(chronology_db), "--register", SMALL)  # fmt: skip
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stdout.split())  # the console wraps long lines
    assert "probability of the register's path" in said
    assert "Probability of the observed path (4 instruments, 40 weekly checkpoints)" in said
    # GSOMIA got a notice and the photoresist controls were eased: not "nothing changes".
    assert "is not 'nothing changes'" in said
    j = run("backtest", "jpn-kor-2019", "--cutoff", "2019-07-31", "--paths", "200",
            "--db", str(chronology_db), "--register", SMALL, "--format", "json")  # fmt: skip
    assert j.returncode == 0, j.stderr
    doc = json.loads(j.stdout)
    rows = {row["machine"]: row for row in doc["path_scores"]}
    assert doc["register"] == "test-jpn-kor-2016-2023"
    assert set(rows) == {
        "GSOMIA",
        "JPN_controls_photoresist",
        "JPN_controls_hydrogen_fluoride",
        "JPN_controls_polyimide",
        "all (jointly)",
    }
    assert rows["GSOMIA"]["changes"] == 2 and rows["GSOMIA"]["observed_end"] == "notice_suspended"
    for row in rows.values():
        for v in ("actual", "none"):
            assert 0.0 <= row[f"p_path_{v}"] <= row[f"agreement_{v}"] <= 1.0
    joint = rows["all (jointly)"]
    assert joint["p_path_actual"] <= min(
        rows[m]["p_path_actual"] for m in rows if m != "all (jointly)"
    )


def test_scenario_check_reports_where_the_register_overrides(tmp_path: Path) -> None:
    # A notice before the start: the register wins over the file's `initial: active`.
    reg = tmp_path / "moved.yaml"
    reg.write_text(Path(SMALL).read_text().replace("- date: 2019-08-23", "- date: 2019-07-20"))
    sc = tmp_path / "sc.yaml"
    # The bundled scenario names its own register: point it at the moved one instead.
    bundled = read_bundled_scenario("jpn-kor-2019")
    sc.write_text(bundled.replace("register: bundled", "register: moved.yaml", 1))
    r = run("scenario", "check", str(sc))
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stdout.split())
    assert "Starting states on 2019-08-01" in said
    assert "the file says 'active'" in said and "register wins" in said
    assert "notice_given" in said
    bad = tmp_path / "bad.yaml"
    bad.write_text(bundled.replace("register: bundled", "register: missing.yaml", 1))
    r = run("scenario", "check", str(bad))
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "missing.yaml" in r.stderr


def test_scenario_new_writes_a_valid_starter(
    chronology_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine.yaml"
    code, _, err = _main(
        capsys, "scenario", "new", "--actors", "USA", "JPN", "KOR", "--start", "2019-08-01",
        "-o", str(out), "--db", str(chronology_db),
    )  # fmt: skip
    assert code == 0, err
    text = out.read_text()
    sc = parse_scenario(text, source=str(out))
    assert sc.actors == ("USA", "JPN", "KOR") and sc.mediator is not None
    # The header reports the fitted rates of every stream.
    assert text.count("/day") == 12 and "JPN->KOR conflict" in text
    code, _, err = _main(
        capsys, "scenario", "new", "--actors", "USA", "JPN", "--start", "2019-08-01",
        "-o", str(out), "--db", str(chronology_db),
    )  # fmt: skip
    assert code == 1 and "--force" in err
    # A starter still has TODO reasons: the check fails and lists them, unless --draft.
    code, stdout, err = _main(capsys, "scenario", "check", str(out))
    assert code == 1 and "TODO reason" in err and "--draft" in err
    assert "leverage" in err  # the list names each assumption left to fill in
    code, stdout, err = _main(capsys, "scenario", "check", str(out), "--draft")
    assert code == 0 and "TODO reason(s) left" in stdout and "mediation" in stdout


def test_scenario_check_lists_texts_dated_after_the_cutoff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = read_bundled_scenario("jpn-kor-2019")
    # The bundled scenario's reasons are clean as of its information date.
    code, stdout, _ = _main(capsys, "scenario", "check", "jpn-kor-2019", "--cutoff", "2019-07-31")
    said = " ".join(stdout.split())
    assert code == 0 and "Information cutoff 2019-07-31: 0 reasons and" in said
    # A hindsight reason put back is listed with its field and line.
    old = "A suspended case can be revived at any time if talks stall."
    sc = tmp_path / "hindsight.yaml"
    sc.write_text(text.replace(old, "Seoul resumed the case in June 2020 when talks stalled."))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if old in t)
    code, stdout, _ = _main(capsys, "scenario", "check", str(sc))  # information_date: default
    said = " ".join(stdout.split())
    assert code == 0 and "Information cutoff 2019-07-31: 1 reasons" in said
    assert f"│ {line} " in stdout and "KOR_WTO_case" in said and "June 2020" in said
    # An earlier cutoff lists more: the photoresist licences of July are after 30 June.
    code, stdout, _ = _main(capsys, "scenario", "check", str(sc), "--cutoff", "2018-12-31")
    assert code == 0 and "0 reasons" not in stdout and "Bolton" in stdout


TINY = """\
name: tiny
actors: [JPN, KOR]
start: 2019-08-01
horizon_days: 28
information_date: 2019-07-31
model: {fit_from: 2018-01-01, fit_to: 2019-07-31}
index: {pair: [JPN, KOR], baseline_from: 2018-01-01, baseline_to: 2018-09-30}
measures:
  - name: clock
    description: Moves on day 5.
    states: [a, b]
    transitions:
      - {from: a, to: b, after_days: 5}
outcomes:
  - {name: moved, title: clock moved, machine: clock, states: [b], observed: true}
"""


def test_backtest_refuses_an_early_cutoff_unless_in_sample(
    chronology_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = tmp_path / "tiny.yaml"
    sc.write_text(TINY)
    base = ["backtest", str(sc), "--paths", "9", "--db", str(chronology_db)]
    code, _, err = _main(capsys, *base, "--cutoff", "2019-06-30")
    assert code == 1 and "would be in sample" in err and "--in-sample" in err
    assert "Traceback" not in err
    code, stdout, err = _main(capsys, *base, "--cutoff", "2019-06-30", "--in-sample")
    said = " ".join(stdout.split())
    assert code == 0, err
    assert "IN-SAMPLE backtest of tiny, fitted to 2019-06-30" in said
    assert "This backtest is IN-SAMPLE" in said and "IN-SAMPLE: Mean log score" in said
    code, stdout, _ = _main(capsys, *base, "--cutoff", "2019-06-30", "--in-sample",
                            "--format", "json")  # fmt: skip
    doc = json.loads(stdout)
    assert doc["sample"] == "in-sample" and doc["information_date"] == "2019-07-31"
    assert doc["verdict"] and doc["calibration"][-1]["count"] == 1
    # Out of sample by default; two scenarios pool their calibration.
    code, stdout, _ = _main(capsys, "backtest", str(sc), str(sc), "--paths", "9",
                            "--db", str(chronology_db), "--format", "json")  # fmt: skip
    doc = json.loads(stdout)
    assert [b["sample"] for b in doc["backtests"]] == ["out-of-sample"] * 2
    assert doc["calibration"][-1]["count"] == 2
    row = doc["backtests"][0]["brier"][0]
    # Nine paths: certain and right scores ln(9/10); persistence, certain and wrong, ln(1/10).
    assert row["log_actual"] == pytest.approx(-0.1054, abs=1e-4)
    assert row["log_persistence"] == pytest.approx(-2.3026, abs=1e-4)


def test_scenario_check_sensitivity_lists_zero_swing_assumptions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.simulate.test_founding_levers import PLANTED

    sc = tmp_path / "planted.yaml"
    sc.write_text(PLANTED)
    code, stdout, err = _main(
        capsys, "scenario", "check", str(sc), "--sensitivity", "--chronology", "--paths", "100"
    )
    said = " ".join(stdout.split())
    assert code == 0, err
    assert "1 of 2 assumptions have zero swing" in said and "in 100 paths (seed 0" in said
    assert "hub:suspended->active.hazard" in said and "0.005..0.05" in said
    assert "pact:active->notice_given.hazard" not in said
    # Without --sensitivity nothing is run.
    code, stdout, _ = _main(capsys, "scenario", "check", str(sc))
    assert code == 0 and "zero swing" not in stdout
    code, _, err = _main(capsys, "scenario", "check", str(sc), "--sensitivity", "--paths", "0")
    assert code == 1 and "--paths" in err


def test_simulate_compares_as_proposed_with_as_pulled(
    chronology_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, err = _main(
        capsys, "simulate", "jpn-kor-2019", "--db", str(chronology_db), "--paths", "200",
        "--compare", "actual,proposed", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    got = json.loads(stdout)
    variants = {r["variant"] for r in got["comparison"]}
    assert {"none", "actual", "proposed"} <= variants


ANALYSTS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "analysts"


def test_simulate_pools_analysts_and_shows_their_spread(
    chronology_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hawk, dove = str(ANALYSTS / "hawkish.yaml"), str(ANALYSTS / "dovish.yaml")
    args = ["simulate", "jpn-kor-2019", "--paths", "400", "--seed", "1", "--compare", "actual",
            "--db", str(chronology_db), "--analyst", hawk, "--analyst", dove,
            "--weights", "0.6,0.4"]  # fmt: skip
    code, out, err = _main(capsys, *args, "--format", "json")
    assert code == 0, err
    pool = json.loads(out)["analysts"]
    assert [a["weight"] for a in pool["analysts"]] == pytest.approx([0.6, 0.4])
    assert [a["as_of"] for a in pool["analysts"]] == ["2019-07-31", "2019-07-31"]
    assert set(pool["spread"]) == {"none", "actual"}
    rows = {r["outcome"]: r for r in pool["spread"]["none"]}
    notice = rows["gsomia_notice"]
    h, d = notice["p[Example analyst H (hawkish)]"], notice["p[Example analyst D (dovish)]"]
    assert h > d and notice["analyst_low"] == d and notice["analyst_high"] == h
    assert d < notice["probability"] < h
    assert notice["dominates"] == "disagreement"
    code, text, _ = _main(capsys, *args)
    said = " ".join(text.split())
    assert code == 0 and "pooled analysts" in said and "analysts (min..max)" in said
    assert "disagreement" in said and "simulation noise" in said
    # Without analysts the output has no pool.
    code, out, _ = _main(capsys, *args[:10], "--format", "json")
    assert code == 0 and json.loads(out)["analysts"] is None


def test_simulate_analyst_errors_are_one_line(
    chronology_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "typo.yaml"
    bad.write_text(
        "analyst: T\nweight: 1\nassumptions:\n"
        '  "settlement_2019_1.hazard": {default: 0.01, range: [0, 0.02], reason: r}\n'
    )
    base = ["simulate", "jpn-kor-2019", "--paths", "50", "--db", str(chronology_db)]
    code, _, err = _main(capsys, *base, "--analyst", str(bad))
    said = " ".join(err.split())
    assert code == 1 and "Traceback" not in err
    assert f"{bad}:4" in said and "settlement_2019_11.hazard" in said
    code, _, err = _main(capsys, *base, "--analyst", str(ANALYSTS / "dovish.yaml"),
                         "--weights", "0.6,0.4")  # fmt: skip
    assert code == 1 and "2 weights for 1 analysts" in err and "--weights" in err
    code, _, err = _main(capsys, *base, "--weights", "1")
    assert code == 1 and "--weights needs --analyst" in err
    code, _, err = _main(capsys, *base, "--analyst", str(tmp_path / "missing.yaml"))
    assert code == 1 and "missing.yaml" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "dyad"), [("chn-kor-2016", "CHN->KOR conflict"), ("jpn-chn-2012", "CHN->JPN conflict")]
)
def test_backtest_out_of_sample_on_the_scenarios_own_chronology(
    name: str, dyad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["backtest", name, "--chronology", "--paths", "200", "--seed", "0"]
    code, stdout, _ = _main(capsys, *base)
    assert code == 0
    said = " ".join(stdout.split())
    assert f"OUT-OF-SAMPLE backtest of {name}" in said
    assert "Log probability of the observed path" in said
    for baseline in ("the uninformed 0.5", "persistence"):
        for score in ("Brier", "log score"):
            verdict = rf"the model (beats|ties with|does not beat) {baseline}"
            pattern = rf"Mean {score} over \d+ outcomes \S+ vs \S+: {verdict}"
            assert re.search(pattern, said), (score, baseline)
    code, stdout, _ = _main(capsys, *base, "--format", "json")
    assert code == 0
    doc = json.loads(stdout)
    sc = parse_scenario(read_bundled_scenario(name), source=name)
    assert doc["sample"] == "out-of-sample" and doc["cutoff"] == str(sc.information_date)
    assert doc["register"] == sc.register.split("/")[-1].removesuffix(".yaml")  # type: ignore[union-attr]
    # Scored on the crisis's own events: the Japan-Korea file has none of this dyad.
    counts = {r["stream"]: r for r in doc["counts"]}
    assert counts[dyad]["observed_total"] > 0
    mean = doc["brier"][-1]
    assert mean["outcome"] == "mean" and mean["brier_uninformed"] == 0.25
    assert 0.0 <= mean["brier_actual"] <= 1.0 and mean["brier_persistence"] > 0.5
    joint = doc["path_scores"][-1]
    assert joint["machine"] == "all (jointly)" and joint["log_p_path_actual"] <= 0.0


@pytest.mark.parametrize("name", ["chn-kor-2016", "jpn-chn-2012"])
def test_scenario_check_lists_no_post_cutoff_reasons(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = _main(capsys, "scenario", "check", name)
    assert code == 0
    said = " ".join(stdout.split())
    assert "0 reasons and 0 other texts" in said and "None: the assumptions rest on" in said
    assert "Starting states on" in said


def test_a_missing_scenario_chronology_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = read_bundled_scenario("chn-kor-2016")
    sc = tmp_path / "thaad.yaml"
    sc.write_text(
        text.replace("register: ../instruments/chn-kor-2016-2017.yaml\n", "").replace(
            "../chronology/chn-kor-2016-2017.csv", "events.csv"
        )
    )
    code, _, stderr = _main(capsys, "backtest", str(sc), "--chronology", "--paths", "9")
    assert code == 1 and "Traceback" not in stderr
    said = " ".join(stderr.split())
    assert "chronology events file" in said and "events.csv does not exist" in said
