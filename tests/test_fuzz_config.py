"""Fuzzing the YAML files people write: column mappings, alarm rules and scenarios.

Each parser gets its shipped example with hostile pieces spliced in (``!!python`` tags, anchors,
deep nesting, wrong types, invalid UTF-8, NULs, BOMs) and must return a valid object or raise
its own :class:`~brinkwatch.errors.BrinkwatchError` subclass with the file in the message:
never another exception. The corpus that could exhaust a test process (alias bombs, 1,000
levels of nesting) runs through the CLI in a subprocess bounded in memory and time
(``tests/hostile.py``), where the command must end with exit 1 or 2 and a message, never a
traceback; ``ingest --json`` must print a JSON object even then.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brinkwatch.errors import BrinkwatchError, ConfigError, MappingError, ScenarioError
from brinkwatch.ingest import read_mapping
from brinkwatch.measure import parse_rules
from brinkwatch.simulate.scenario import parse_scenario

from . import hostile
from .strategies import hostile_bytes, hostile_yaml

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "docs/examples/gdelt-pandas-export.yaml"
RULES = ROOT / "src/brinkwatch/data/rules/allies.yaml"
SCENARIO = ROOT / "src/brinkwatch/data/scenarios/jpn-kor-2019.yaml"

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_n = itertools.count()


def _mapping(path: Path) -> object:
    return read_mapping(path)


def _text(path: Path) -> str | None:
    """The file as the CLI reads it; ``None`` for bytes that are not UTF-8.

    The CLI decodes rules and scenario files before parsing them, so invalid UTF-8 is the
    command's to refuse: the CLI corpus below covers it.
    """
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def _rules(path: Path) -> object:
    text = _text(path)
    return None if text is None else parse_rules(text, source=str(path))


def _scenario(path: Path) -> object:
    text = _text(path)
    return None if text is None else parse_scenario(text, source=str(path))


#: kind -> (shipped example, parser of a file, the error it may raise, keys to aim at)
PARSERS: dict[str, tuple[Path, Callable[[Path], object], type[BrinkwatchError], list[str]]] = {
    "mapping": (MAPPING, _mapping, MappingError,
                ["origin", "delimiter", "date_format", "columns", "event_id", "event_date",
                 "cameo_code", "goldstein"]),
    "rules": (RULES, _rules, ConfigError,
              ["rules", "id", "kind", "title", "codes", "exclude", "severity", "threshold"]),
    "scenario": (SCENARIO, _scenario, ScenarioError,
                 ["name", "title", "actors", "start", "horizon_days", "default", "range",
                  "reason", "hazard", "window", "states", "initial", "streams", "weight"]),
}  # fmt: skip


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-config")


def _parse_clean(kind: str, data: bytes, workdir: Path) -> object | None:
    """Parse ``data`` as a ``kind`` file: a result, or ``None`` after its own clean error."""
    _, parse, error, _ = PARSERS[kind]
    path = workdir / f"{kind}-{next(_n)}.yaml"
    path.write_bytes(data)
    try:
        return parse(path)
    except error as exc:
        # The message says which file; a value is never rendered at any length.
        assert str(path) in str(exc), f"the error does not name the file: {exc}"
        assert len(str(exc)) < 5_000, f"an error message of {len(str(exc))} characters"
        return None


@pytest.mark.parametrize("kind", list(PARSERS))
@SETTINGS
@given(data=st.data())
def test_hostile_yaml_is_parsed_or_refused_cleanly(
    kind: str, data: st.DataObject, workdir: Path
) -> None:
    base, _, _, keys = PARSERS[kind]
    text = data.draw(hostile_yaml(base.read_text(encoding="utf-8"), keys), label="yaml")
    _parse_clean(kind, text.encode("utf-8", errors="surrogatepass"), workdir)


@pytest.mark.parametrize("kind", list(PARSERS))
@SETTINGS
@given(data=st.data())
def test_hostile_bytes_of_a_yaml_file_are_parsed_or_refused_cleanly(
    kind: str, data: st.DataObject, workdir: Path
) -> None:
    base = PARSERS[kind][0].read_bytes()
    _parse_clean(kind, data.draw(hostile_bytes(base, max_edits=2), label="bytes"), workdir)


@SETTINGS
@given(
    value=st.one_of(
        st.integers(),
        st.floats(allow_nan=True),
        st.booleans(),
        st.none(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.text(max_size=20),
        st.dates().map(str),
    ),
    key=st.sampled_from(["origin", "delimiter", "date_format", "header"]),
)
def test_mapping_keys_of_any_type_are_accepted_or_refused_cleanly(
    value: Any, key: str, workdir: Path
) -> None:
    """D6/D8: ``date_format: 20190101`` or ``header: false`` never end in a traceback.

    The columns are named, so of all ``header`` values only ``true`` fits them: ``false``
    (positions expected) and every non-boolean must be refused.
    """
    import yaml

    doc = {"columns": {"event_id": "id", "event_date": "day", "cameo_code": "code"}, key: value}
    mapping = _parse_clean("mapping", yaml.safe_dump(doc).encode(), workdir)
    if key == "header" and mapping is not None and value is not True:
        pytest.fail(f"'header: {value!r}' was accepted with named columns (D8)")


# --- the hostile corpus through the CLI ---------------------------------------------------------


def _bomb(kind: str) -> str:
    b = hostile.alias_bomb()
    if kind == "mapping":
        return f"delimiter: {b}\ncolumns: {{event_id: a, event_date: b, cameo_code: c}}\n"
    if kind == "rules":
        return f"rules:\n  - id: bomb\n    kind: events\n    title: {b}\n    codes: ['16']\n"
    return f"name: {b}\nactors: [USA, JPN]\n"


def _nested(kind: str, depth: int) -> str:
    key = {"mapping": "columns", "rules": "rules", "scenario": "actors"}[kind]
    return hostile.nested_yaml(depth, key=key)


def _python_tag(kind: str, marker: Path) -> str:
    tag = f"!!python/object/apply:os.system ['touch {marker}']"
    if kind == "mapping":
        return f"origin: {tag}\ncolumns: {{event_id: a, event_date: b, cameo_code: c}}\n"
    if kind == "rules":
        return f"rules:\n  - id: x\n    kind: events\n    title: {tag}\n    codes: ['16']\n"
    return f"name: {tag}\nactors: [USA, JPN]\n"


CORPUS = ["alias_bomb", "nested_1000", "nested_block_300", "python_tag", "invalid_utf8", "nul",
          "bom", "empty", "top_level_list", "tabs"]  # fmt: skip


def _corpus_file(kind: str, case: str, tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "PWNED"
    base = PARSERS[kind][0].read_bytes()
    data = {
        "alias_bomb": lambda: _bomb(kind).encode(),
        "nested_1000": lambda: _nested(kind, 1000).encode(),
        "nested_block_300": lambda: hostile.nested_yaml(300, style="block", key="columns").encode(),
        "python_tag": lambda: _python_tag(kind, marker).encode(),
        "invalid_utf8": lambda: base[:200] + b"\xff\xfe\xc3\x28" + base[200:],
        "nul": lambda: base[:100] + b"\x00" + base[100:],
        "bom": lambda: b"\xef\xbb\xbf" + base,
        "empty": lambda: b"",
        "top_level_list": lambda: b"- a\n- b\n",
        "tabs": lambda: base.replace(b"  ", b"\t", 3),
    }[case]()
    path = tmp_path / f"{kind}-{case}.yaml"
    path.write_bytes(data)
    return path, marker


def _cli_args(kind: str, path: Path, tmp_path: Path) -> list[str | Path]:
    if kind == "mapping":
        csv = tmp_path / "events.csv"
        csv.write_text("a,b,c\n1,2019-07-01,163\n")
        return ["ingest", "--json", "--db", tmp_path / "s.duckdb", "--mapping", path, csv]
    if kind == "rules":
        return ["alarms", "--dyad", "JPN-KOR", "--rules", path, "--db", tmp_path / "none.duckdb"]
    return ["scenario", "check", path]


def _check_outcome(kind: str, case: str, res: hostile.CliResult, marker: Path) -> None:
    hostile.assert_clean(res)
    assert not marker.exists(), "a !!python tag ran a command"
    if case not in ("bom", "tabs", "nested_block_300"):
        assert res.returncode == 1, res.describe()
    assert len(res.stderr) < 20_000, "an error message that renders an expanded value"
    if kind == "mapping":
        # --json always prints one JSON object, with the error inside when there is one.
        try:
            doc = res.json()
        except ValueError:
            pytest.fail("ingest --json printed no JSON object:\n" + res.describe())
        assert isinstance(doc, dict), res.describe()


#: Cases that may exhaust memory, time or the stack: run in a bounded subprocess.
BOUNDED = ["alias_bomb", "nested_1000", "nested_block_300"]


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=pytest.mark.slow) if c == "nested_block_300" else c
             for c in BOUNDED]
)  # fmt: skip
@pytest.mark.parametrize("kind", list(PARSERS))
def test_yaml_bombs_end_cleanly_in_the_cli(kind: str, case: str, tmp_path: Path) -> None:
    """D4, D6: alias bombs and deep nesting end as a clean error within bounds."""
    path, marker = _corpus_file(kind, case, tmp_path)
    spill = tmp_path / "spill"
    spill.mkdir()
    res = hostile.run_cli(_cli_args(kind, path, tmp_path), tmp=spill, timeout=15)
    _check_outcome(kind, case, res, marker)


@pytest.mark.parametrize("case", [c for c in CORPUS if c not in BOUNDED])
@pytest.mark.parametrize("kind", list(PARSERS))
def test_hostile_yaml_files_end_cleanly_in_the_cli(
    kind: str, case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """D6: tags, invalid UTF-8, NULs, BOMs, empty files: exit 1 with a message, no trace.

    These cannot exhaust anything, so the CLI runs in this process (fast); any exception
    other than SystemExit fails the test with its traceback.
    """
    from brinkwatch.cli import main

    path, marker = _corpus_file(kind, case, tmp_path)
    try:
        main([str(a) for a in _cli_args(kind, path, tmp_path)])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    res = hostile.CliResult(("in-process", kind, case), code, out, err, 0.0)
    _check_outcome(kind, case, res, marker)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(PARSERS))
def test_a_huge_yaml_file_ends_cleanly_in_the_cli(kind: str, tmp_path: Path) -> None:
    """A 20 MB YAML file (one long scalar) is refused by size or parsed within bounds."""
    path = tmp_path / f"{kind}-huge.yaml"
    with path.open("wb") as fh:
        fh.write(b"title: '")
        for _ in range(20):
            fh.write(b"x" * hostile.MiB)
        fh.write(b"'\n")
    spill = tmp_path / "spill"
    spill.mkdir()
    res = hostile.run_cli(_cli_args(kind, path, tmp_path), tmp=spill, timeout=60)
    hostile.assert_clean(res)
    assert len(res.stderr) < 20_000
