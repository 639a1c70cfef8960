"""``Lake.compact``: a partition's small parts become one, rows and duplicates unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from brinkwatch.errors import StoreError
from brinkwatch.ingest import ingest
from brinkwatch.store import Lake, connect
from brinkwatch.store import _lake as lake_module
from tests.store.test_lake import MENTIONS, TABLES, _counts, _gdelt_rows, _rows


def _slices(shared_data: Path, tmp_path: Path) -> list[Path]:
    """Four 25-row slices of the real GDELT 2.0 export (own ids), each spanning months."""
    return [
        _gdelt_rows(shared_data, tmp_path / f"2019102415{m:02d}00.export.CSV", b"1", i, i + 25)
        for i, m in zip(range(0, 100, 25), (0, 15, 30, 45), strict=True)
    ]


def _build(root: Path, files: list[Path]) -> dict[str, list[tuple[Any, ...]]]:
    with connect(lake=root) as s:
        for f in [*files, MENTIONS]:
            assert not ingest(s, [f]).failed
        return {t: _rows(s, t) for t in TABLES}


def _read(root: Path) -> dict[str, list[tuple[Any, ...]]]:
    with connect(lake=root, read_only=True) as r:
        return {t: _rows(r, t) for t in TABLES}


def _on_disk(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.parquet")}


def test_compaction_merges_each_partitions_parts_and_keeps_every_row_and_duplicate(
    tmp_path: Path, shared_data: Path
) -> None:
    files = _slices(shared_data, tmp_path)
    root = tmp_path / "lake"
    before = _build(root, files)
    lake = Lake(root)
    old = lake.parts()
    folders = {(p.table, p.path.rsplit("/", 1)[0]) for p in old}
    assert len(old) > len(folders)  # some partition has several parts

    report = lake.compact()

    after = lake.parts()
    assert report.parts_before == len(old) and report.parts_after == len(after)
    # One part per partition, and the partitions are the same.
    assert sorted((p.table, p.path.rsplit("/", 1)[0]) for p in after) == sorted(folders)
    assert report.rows == sum(p.rows for p in old) == sum(p.rows for p in after)
    assert report.bytes_after == sum(p.bytes for p in after)
    assert report.version == int(lake.manifest()["version"])
    assert _read(root) == before
    assert lake.verify() == []
    for p in after:
        if p.table == "events":
            assert p.key_min is not None and p.key_max is not None
            assert p.key_min.startswith("1") and p.key_max.startswith("1")
    # Again: nothing left to merge, nothing written.
    again = lake.compact()
    assert again.version is None and again.parts_before == again.parts_after == len(after)

    # The duplicate check still finds the compacted rows: a corrected copy of two slices.
    overlap = _gdelt_rows(shared_data, tmp_path / "20191024160000.export.CSV", b"1", 10, 60)
    with connect(lake=root) as s:
        got = ingest(s, [overlap])
    with connect(":memory:") as d:
        for f in [*files, MENTIONS]:
            ingest(d, [f])
        want = ingest(d, [overlap])
    assert _counts(got) == _counts(want)
    assert got.files[0].duplicates == 50 - got.files[0].rejected > 0


def test_a_reader_of_the_older_manifest_keeps_its_parts_until_no_kept_manifest_lists_them(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "lake"
    before = _build(root, _slices(shared_data, tmp_path)[:3])
    lake = Lake(root)
    old = {p.path for p in lake.parts()}
    with connect(lake=root, read_only=True) as reader:
        lake.compact()
        new = {p.path for p in lake.parts()}
        assert old - new  # parts were replaced
        # A writer's clean-up (every writer runs it) must not take the reader's files away.
        with lake.writer_lock(0.0):
            assert lake.clean() == []
        assert {t: _rows(reader, t) for t in TABLES} == before
    assert _on_disk(root) == old | new
    # Once no kept manifest lists the old parts, clean() removes exactly them.
    monkeypatch.setattr(lake_module, "KEEP_MANIFESTS", 1)
    with lake.writer_lock(0.0):
        lake.publish([])
        removed = lake.clean()
    assert set(removed) == old - new
    assert _on_disk(root) == new
    assert _read(root) == before and lake.verify() == []


def test_a_compaction_that_fails_before_publishing_leaves_the_lake_as_it_was(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "lake"
    before = _build(root, _slices(shared_data, tmp_path)[:2])
    lake = Lake(root)
    manifests = sorted(p.name for p in (root / "_manifest").iterdir())
    files = _on_disk(root)

    def die(self: Lake, added: Any, removed: Any = ()) -> int:
        raise OSError("disk full (injected)")

    monkeypatch.setattr(Lake, "publish", die)
    with pytest.raises(OSError, match="injected"):
        lake.compact()
    monkeypatch.undo()
    assert sorted(p.name for p in (root / "_manifest").iterdir()) == manifests
    assert _on_disk(root) == files  # the merged parts went with the failure
    assert not any((root / "_staging").glob("*"))
    assert _read(root) == before and lake.verify() == []
    # The next compaction completes it.
    assert lake.compact().version is not None
    assert _read(root) == before


def test_compaction_follows_min_parts_and_refuses_what_it_cannot_do(
    tmp_path: Path, shared_data: Path
) -> None:
    root = tmp_path / "lake"
    _build(root, _slices(shared_data, tmp_path)[:2])
    lake = Lake(root)
    parts = lake.parts()
    # Two GDELT files and one mentions file: no partition has 4 parts.
    report = lake.compact(min_parts=4)
    assert report.version is None and lake.parts() == parts
    with pytest.raises(StoreError, match="at least 2"):
        lake.compact(min_parts=1)
    with pytest.raises(StoreError, match="no lake"):
        Lake(tmp_path / "empty").compact()
