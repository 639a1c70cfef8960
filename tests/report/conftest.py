"""A store like `make demo` builds (chronology + a coded analyst note), its brief, and Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from brinkwatch.ingest import ingest, ingest_coded, read_mapping, read_texts
from brinkwatch.ingest.instruments import read_register
from brinkwatch.report.brief import BriefData, gather_brief, render_brief
from brinkwatch.simulate import parse_scenario, read_bundled_scenario
from brinkwatch.store import connect

ROOT = Path(__file__).resolve().parents[2]
CHRONOLOGY = ROOT / "src/brinkwatch/data/chronology"
NOTE = ROOT / "src/brinkwatch/data/samples/jpn-kor-2019-note.txt"
#: The test register (GSOMIA and the three export controls), standing in for the bundled one.
REGISTER = ROOT / "tests/data/instruments-small.yaml"
CHROMIUM = os.environ.get("BRINKWATCH_CHROMIUM", "/usr/bin/chromium")

#: What the brief tests ask for: small enough to keep the whole module well under a minute.
BRIEF_ARGS: dict[str, Any] = {
    "dyad": "JPN-KOR",
    "triad": ["USA", "JPN", "KOR"],
    "start": date(2018, 1, 1),
    "end": date(2019, 12, 31),
    "n_paths": 300,
    "repl": 100,
    "seed": 3,
}


@pytest.fixture(scope="session")
def brief_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled chronology plus the sample analyst note, coded (as `make demo` does)."""
    from brinkwatch.coding import Coder, events_to_table

    path = tmp_path_factory.mktemp("brief") / "store.duckdb"
    s = connect(path)
    rep = ingest(
        s,
        [CHRONOLOGY / "jpn-kor-usa-2015-2023.csv"],
        mapping=read_mapping(CHRONOLOGY / "chronology.yaml"),
    )
    assert not rep.failed and rep.stored > 100
    (doc,) = read_texts([NOTE])
    assert doc.day == date(2019, 8, 5)
    coded = events_to_table(Coder().code(doc.text, date=doc.day, doc_id=doc.name))
    crep = ingest_coded(s, coded, source_name=NOTE.name)
    assert crep.ok and crep.stored >= 8
    s.close()
    return path


@pytest.fixture(scope="session")
def brief_data(brief_db: Path) -> BriefData:
    s = connect(brief_db, read_only=True)
    try:
        return gather_brief(
            s.events,
            scenario=parse_scenario(read_bundled_scenario("jpn-kor-2019")),
            stats=s.stats(),
            register=read_register(REGISTER),
            **BRIEF_ARGS,
        )
    finally:
        s.close()


@pytest.fixture(scope="session")
def brief_file(brief_data: BriefData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The brief with interactive Plotly figures."""
    path = tmp_path_factory.mktemp("html") / "brief.html"
    path.write_text(render_brief(brief_data), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def static_file(brief_data: BriefData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The brief with PNG figures."""
    path = tmp_path_factory.mktemp("html") / "brief-static.html"
    path.write_text(render_brief(brief_data, static=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where the brief's screenshots and PDFs go: ``test-artifacts/brief`` (git-ignored), or
    ``$BRINKWATCH_TEST_ARTIFACTS/brief``, beside the dashboard's ``web`` folder."""
    path = Path(os.environ.get("BRINKWATCH_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "brief"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def chromium(playwright_driver: Any) -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser).

    Playwright starts it with a fresh temporary profile of its own (a ``--user-data-dir``
    argument is refused by ``launch``).
    """
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM} (apt-get install chromium, or $BRINKWATCH_CHROMIUM)"
        )
    # One Playwright driver per run (tests/conftest.py).
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    )
    try:
        yield browser
    finally:
        browser.close()
