"""Library errors name parameters; the CLI shows them under the flag the user typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from brinkwatch.cli._fields import as_flags, flags
from brinkwatch.errors import ConfigError, ScenarioError
from tests.cli.test_cli import call_main


def test_parameter_names_become_flags() -> None:
    exc = ConfigError("the window starts 2020-01-02, after it ends 2020-01-01", field="start")
    shown = as_flags(exc)
    assert type(shown) is ConfigError and shown.field == "--from"
    assert str(shown) == "field '--from': the window starts 2020-01-02, after it ends 2020-01-01"
    assert exc.field == "start"  # the library's error is left as it was
    kept = ScenarioError("bad", path="x.yaml", line=3, field="levers")
    assert as_flags(kept) is kept


def test_a_command_may_name_a_parameter_its_own_way() -> None:
    with pytest.raises(ConfigError) as exc, flags(actors="ACTORS"):
        raise ConfigError("give three", field="actors")
    assert exc.value.field == "ACTORS" and str(exc.value).startswith("field 'ACTORS'")


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["measure", "--dyad", "JPN-KOR", "--from", "2020-01-02", "--to", "2020-01-01"],
         "field '--from': the window starts 2020-01-02"),
        (["measure", "--dyad", "JPN-KOR", "--measure", "nope"], "field '--measure'"),
        (["measure", "--dyad", "JPN:GOV"], "field '--dyad'"),
        (["triad", "--actors", "USA", "JPN", "XXX"], "field '--actors'"),
        (["explain", "--actors", "USA", "JPN", "JPN"], "field '--actors'"),
    ],
)  # fmt: skip
def test_the_cli_shows_its_flags(
    chronology_db: Path, capsys: pytest.CaptureFixture[str], args: list[str], shown: str
) -> None:
    code, _, err = call_main(capsys, *args, "--db", str(chronology_db))
    text = " ".join(err.split())
    assert code == 1 and shown in text and "Traceback" not in err
