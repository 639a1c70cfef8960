"""Fuzzing ``brinkwatch code --evaluate``: hostile XML ends in scores or a clean error.

The records parser reads PETRARCH validation records. Mangled copies of the real unit-test
records (``../shared/data/coder``) must parse or raise :class:`LexiconError`, in time linear
in their size; entity bombs, external entities and unclosed tags go through the CLI in a
bounded subprocess (``tests/hostile.py``) and must end without a trace, a hang, expanded
entities or the content of a file the XML points at.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brinkwatch.coding import parse_validation_records
from brinkwatch.errors import LexiconError

from .. import hostile
from ..strategies import hostile_bytes

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def records_head(shared_data: Path) -> bytes:
    """The first ~20 records of PETRARCH's unit-test records, as the file has them."""
    text = (shared_data / "coder/PETR.UnitTest.records.xml").read_bytes()
    ends = [i for i in range(len(text)) if text.startswith(b"</Sentence>", i)]
    return text[: ends[min(19, len(ends) - 1)] + len(b"</Sentence>")] + b"\n"


@SETTINGS
@given(data=st.data())
def test_mangled_records_parse_or_fail_cleanly(records_head: bytes, data: st.DataObject) -> None:
    mangled = data.draw(hostile_bytes(records_head, max_edits=3))
    text = mangled.decode("utf-8", errors="replace")  # as the CLI reads it
    t0 = time.perf_counter()
    try:
        recs = parse_validation_records(text, source="fuzz.xml")
    except LexiconError as exc:
        assert "fuzz.xml" in str(exc)
    else:
        assert recs and all(r.id for r in recs)
    assert time.perf_counter() - t0 < 5.0


def _evaluate(tmp_path: Path, name: str, xml: str, timeout: float = 60) -> hostile.CliResult:
    path = tmp_path / name
    path.write_text(xml, encoding="utf-8")
    spill = tmp_path / "spill"
    spill.mkdir()
    res = hostile.run_cli(["code", "--evaluate", path, "--format", "json"], tmp=spill,
                          timeout=timeout)  # fmt: skip
    hostile.assert_clean(res)
    return res


@pytest.mark.slow
def test_a_billion_laughs_is_not_expanded(tmp_path: Path) -> None:
    res = _evaluate(tmp_path, "laughs.xml", hostile.billion_laughs_xml(10))
    assert len(res.stdout) + len(res.stderr) < 100_000, res.describe()
    assert "lollollol" not in res.stdout + res.stderr


@pytest.mark.slow
def test_an_external_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4d1f")
    res = _evaluate(tmp_path, "xxe.xml", hostile.external_entity_xml(secret))
    assert "TOP-SECRET-4d1f" not in res.stdout + res.stderr, res.describe()


def test_unclosed_sentence_tags_are_read_in_linear_time(tmp_path: Path) -> None:
    """D9: 500 KB of unclosed ``<Sentence>`` tags (over a minute today) ends within seconds."""
    xml = hostile.unclosed_sentences_xml(6000)
    assert len(xml) > 450_000
    res = _evaluate(tmp_path, "unclosed.xml", xml, timeout=30)
    assert res.returncode in (0, 1), res.describe()
