"""One spaCy pipeline and one coder for the whole session (loading takes about 2 s)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from brinkwatch.coding import CodedEvent, Coder

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def coder() -> Coder:
    return Coder()


@pytest.fixture(scope="session")
def code(coder: Coder):  # type: ignore[no-untyped-def]
    """Code one text on a day of the 2019 crisis; return (source, target, code) triples."""

    def run(text: str, day: date = date(2019, 8, 2)) -> list[tuple[str, str, str]]:
        return [(e.source.code, e.target.code, e.code) for e in coder.code(text, date=day)]

    return run


def events(coder: Coder, text: str, day: date = date(2019, 8, 2)) -> list[CodedEvent]:
    return coder.code(text, date=day)
