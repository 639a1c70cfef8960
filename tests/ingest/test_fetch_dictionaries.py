"""``fetch dictionaries``: the six PETRARCH2 files from a server on 127.0.0.1, checksummed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from brinkwatch.errors import FetchError
from brinkwatch.ingest.dictionaries import BASE_URL, FILES, fetch_dictionaries
from tests.cli.test_cli import run
from tests.ingest._http_server import serve_directory


@pytest.fixture(scope="module")
def dict_dir(shared_data: Path) -> Path:
    return shared_data / "coder" / "petrarch2-dictionaries"


def test_pinned_checksums_are_those_of_the_shared_copies(dict_dir: Path) -> None:
    for name, sha in FILES.items():
        assert hashlib.sha256((dict_dir / name).read_bytes()).hexdigest() == sha, name
    assert "/petrarch2/676801c/petrarch2/data/dictionaries/" in BASE_URL


def test_fetch_downloads_checks_and_keeps_good_files(dict_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dicts"
    with serve_directory(dict_dir) as server:
        paths = fetch_dictionaries(dest, base_url=server.url)
        assert [p.name for p in paths] == list(FILES)
        assert all(p.read_bytes() == (dict_dir / p.name).read_bytes() for p in paths)
        first = len(server.requests)
        # A second run finds the files in place, checksums them and downloads nothing.
        fetch_dictionaries(dest, base_url=server.url)
        assert len(server.requests) == first == 6
    assert not list(dest.glob("*.part"))


def test_checksum_mismatch_is_an_error_and_writes_nothing(dict_dir: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in FILES:
        (mirror / name).write_bytes((dict_dir / name).read_bytes())
    # A changed file (one added pattern) is not the pinned dictionary.
    with (mirror / "Phoenix.agents.txt").open("a") as fh:
        fh.write("SPY_MASTER [~SPY]\n")
    dest = tmp_path / "dicts"
    with serve_directory(mirror) as server, pytest.raises(FetchError) as exc:
        fetch_dictionaries(dest, base_url=server.url)
    msg = str(exc.value)
    assert "checksum mismatch" in msg and "Phoenix.agents.txt" in msg
    assert FILES["Phoenix.agents.txt"] in msg
    assert not (dest / "Phoenix.agents.txt").exists()
    assert not list(dest.glob("*.part"))


def test_missing_file_on_the_server_is_an_error(tmp_path: Path) -> None:
    with serve_directory(tmp_path) as server, pytest.raises(FetchError, match="HTTP 404"):
        fetch_dictionaries(tmp_path / "d", base_url=server.url)


def test_cli_fetch_then_code_with_them(dict_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dicts"
    with serve_directory(dict_dir) as server:
        r = run("fetch", "dictionaries", "--dest", str(dest), "--base-url", server.url)
    assert r.returncode == 0, r.stderr
    assert "6 dictionary files" in r.stderr
    note = tmp_path / "note.txt"
    note.write_text("date: 2018-05-02\nKenyan police arrested a Ugandan activist at the border.\n")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    r = run("code", str(note), "--dictionaries", str(dest), "--format", "csv", env=env)
    assert r.returncode == 0, r.stderr
    assert f"lexicon: brinkwatch lexicon, then CAMEO.2.0 + Phoenix ({dest})" in r.stderr
    assert "KENCOP" in r.stdout and "UGAOPP" in r.stdout
    # The same through the environment setting; without either, our lexicon alone.
    r = run("code", str(note), "--format", "csv", env={**env, "BRINKWATCH_DICTIONARIES": str(dest)})
    assert "KENCOP" in r.stdout
    r = run("code", str(note), "--format", "csv", env={"BRINKWATCH_DICTIONARIES": ""})
    assert "lexicon: brinkwatch lexicon\n" in r.stderr


def test_cli_code_with_a_directory_lacking_the_files(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Japan protested to South Korea.\n")
    r = run("code", str(note), "--dictionaries", str(tmp_path / "none"))
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "brinkwatch fetch dictionaries" in r.stderr
