"""Fixtures of the watch tests: a fake GDELT feed on 127.0.0.1, channels and rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ingest._http_server import LocalServer, serve_directory
from tests.watch._feed import Feed, build_feed

# Lenient rules so that the dyads of one real 15-minute export raise alarms: any CAMEO event
# between the two (one story), and a second rule that needs two stories, so that some alarms
# appear only once later slots add to a period.
RULES = """rules:
  - id: any-event
    kind: events
    title: Any event between the two
    codes: [CODES]
    severity: low
    min_stories: 1
    min_sources: 1
  - id: two-stories
    kind: events
    title: Two stories in one period
    codes: [CODES]
    severity: medium
    min_stories: 2
    min_sources: 1
""".replace("[CODES]", str([f"{i:02d}" for i in range(1, 21)]))
DYADS = ("CHN-USA", "JPN-USA")


@pytest.fixture
def served(tmp_path: Path, shared_data: Path) -> Iterator[tuple[Feed, LocalServer]]:
    """A feed of 8 slots cut from the real export, serving; nothing announced yet."""
    feed = build_feed(tmp_path / "feed", shared_data / "gdelt" / "20191024143000.export.CSV", 8)
    with serve_directory(feed.root) as server:
        feed.base_url = server.url
        yield feed, server


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    """The store path, a JSON Lines channel file and the rules file."""
    (tmp_path / "rules.yaml").write_text(RULES)
    (tmp_path / "channels.yaml").write_text(
        "channels:\n  - name: log\n    type: jsonl\n    path: alarms.jsonl\n    min_severity: low\n"
    )
    return {
        "db": tmp_path / "store.duckdb",
        "rules": tmp_path / "rules.yaml",
        "channels": tmp_path / "channels.yaml",
        "jsonl": tmp_path / "alarms.jsonl",
    }
