"""``brinkwatch brief`` as a user runs it: the file it writes and the errors it gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.test_cli import call_main

_main = call_main


def test_brief_writes_one_self_contained_file(
    chronology_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sub" / "brief.html"
    code, _, err = _main(
        capsys, "brief", "--dyad", "JPN-KOR", "--actors", "USA", "JPN", "KOR",
        "--scenario", "jpn-kor-2019", "--from", "2019-01-01", "--to", "2019-12-31",
        "--paths", "100", "--repl", "20", "--seed", "5", "--static",
        "--register", "tests/data/instruments-small.yaml",
        "--db", str(chronology_db), "-o", str(out),
    )  # fmt: skip
    assert code == 0, err
    html = out.read_text()
    assert re.search(r"wrote .*brief\.html \(\d+ KiB\): \d+ alarm\(s\)", " ".join(err.split()))
    # The notes are printed too, not only written, worded as the brief words them.
    said = " ".join(err.split())
    assert "note: The crisis simulation's event model learns from only" in said
    assert "Warning" not in said
    for sid in ("bottom-line", "figures", "what-changed", "alarms", "instruments", "reciprocity",
                "scenario", "appendix"):  # fmt: skip
        assert f'<section id="{sid}">' in html
    assert "100 simulated paths per variant" in html and "seed 5" in html
    assert '<span id="window">2019-01-01 to 2019-12-01</span>' in html
    # Summary, index, triad, instruments timeline and scenario figures.
    assert html.count("data:image/png;base64,") == 5 and "<script" not in html
    # The register's state on the brief's date (--to): GSOMIA's notice suspended.
    assert '<span id="instruments-date">2019-12-31</span>' in html
    assert '<tr data-instrument="GSOMIA">' in html and ">notice suspended<" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dyad", "JPNKOR"], "field '--dyad'"),
        (["--dyad", "JPN-XXX"], "'XXX' is not a CAMEO country code"),
        (["--dyad", "JPN-KOR", "--from", "2019-12-31", "--to", "2019-01-01"],
         "--from 2019-12-31 is after --to 2019-01-01"),
        (["--dyad", "JPN-KOR", "--from", "2019-13-01"], "expected a date as YYYY-MM-DD"),
        (["--dyad", "JPN-KOR", "--paths", "0"], "--paths must be between 1 and"),
        (["--dyad", "JPN-KOR", "--scenario", "no-such-scenario"], "no bundled scenario"),
        (["--dyad", "JPN-KOR", "--actors", "USA", "JPN", "JPN"], "three different countries"),
        (["--dyad", "JPN-KOR", "--register", "no-such-register.yaml"], "no-such-register.yaml"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clean_error_and_no_file(
    chronology_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "brief.html"
    code, _, err = _main(capsys, "brief", *args, "--db", str(chronology_db), "-o", str(out))
    assert code == 1
    assert message in " ".join(err.split())
    assert "Traceback" not in err
    assert not out.exists()


def test_the_output_must_be_html_and_the_store_must_exist(
    chronology_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _main(capsys, "brief", "--dyad", "JPN-KOR", "--db", str(chronology_db),
                         "-o", str(tmp_path / "brief.pdf"))  # fmt: skip
    assert code == 1 and "the brief is an HTML file" in err
    code, _, err = _main(capsys, "brief", "--dyad", "JPN-KOR", "--db", str(tmp_path / "no.duckdb"),
                         "-o", str(tmp_path / "brief.html"))  # fmt: skip
    assert code == 1 and "no store at" in err
