"""``fetch gdelt --json`` prints one JSON object with the error when the run cannot start."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from brinkwatch.cli import main


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    doc = json.loads(out)  # exactly one JSON document, nothing else on stdout
    assert isinstance(doc, dict)
    return int(exc.value.code or 0), doc, err


@pytest.mark.parametrize(
    ("extra", "kind", "code"),
    [
        ([], "ConfigError", 1),  # no dates
        (["--from", "2019-07-02", "--to", "2019-07-01"], "ConfigError", 1),  # inverted
        (["--from", "2019-07-01", "--to", "2019-07-01", "--version", "3"], "ConfigError", 1),
        (["--from", "2019-07-01", "--to", "2019-07-01", "--version", "two"], None, 2),  # usage
        (["--from", "2019-07-01", "--to", "2019-07-01", "--base-url", "PORT"], "FetchError", 1),
    ],
)
def test_fetch_gdelt_json_prints_one_object_when_it_cannot_start(
    extra: list[str],
    kind: str | None,
    code: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    extra = [f"http://127.0.0.1:{_closed_port()}/" if a == "PORT" else a for a in extra]
    args = ["fetch", "gdelt", "--json", "--dest", str(tmp_path / "dl"), "--no-ingest", *extra]
    status, doc, err = _run(args, capsys)
    assert status == code
    assert set(doc) == {"error"} and doc["error"]["message"]
    if kind is not None:
        assert doc["error"]["kind"] == kind
    assert "Traceback" not in err and err.strip()
    assert not (tmp_path / "dl").exists() or not any((tmp_path / "dl").iterdir())
