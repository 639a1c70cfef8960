from __future__ import annotations

import doctest
import hashlib
import io
import random
import socket
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest

from brinkwatch.errors import BrinkwatchError, ConfigError, FetchError, FileFormatError
from brinkwatch.ingest import fetch
from brinkwatch.ingest.fetch import (
    BASE_URL_ENV,
    GDELT_V1_BASE_URL,
    GDELT_V2_BASE_URL,
    FetchReport,
    HttpxTransport,
    MemoryTransport,
    ProgressCallback,
    RemoteFile,
    StreamResponse,
    Transport,
    fetch_gdelt,
    parse_master_list,
    parse_v1_index,
    select_files,
)

from ._http_server import LocalServer, serve_directory

# ---------------------------------------------------------------------------------------------
# Fixture data: small, real-looking GDELT files
# ---------------------------------------------------------------------------------------------

V2_SLOTS = [
    "20150218234500",
    "20150219000000",
    "20150219001500",
    "20150219234500",
    "20150220000000",
]
V1_NAMES = [
    "1979.zip",
    "2005.zip",
    "200601.zip",
    "200602.zip",
    "201303.zip",
    "20130401.export.CSV.zip",
    "20130402.export.CSV.zip",
]
V1_NOT_EVENTS = "GDELT.MASTERREDUCEDV2.1979-2013.zip"


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _actor(code: str, name: str) -> list[str]:
    # Code, Name, CountryCode, KnownGroupCode, EthnicCode, Religion1Code, Religion2Code,
    # Type1Code, Type2Code, Type3Code
    return [code, name, code, "", "", "", "", "GOV", "", ""]


def _geo(name: str, country: str, lat: str, lon: str, *, adm2: bool) -> list[str]:
    # Type, FullName, CountryCode, ADM1Code, [ADM2Code,] Lat, Long, FeatureID
    return ["1", name, country, country, *([""] if adm2 else []), lat, lon, country]


def _event_row(event_id: int, day: date, rng: random.Random, *, version: int, added: str) -> str:
    adm2 = version == 2
    fields = [
        str(event_id),
        day.strftime("%Y%m%d"),
        day.strftime("%Y%m"),
        str(day.year),
        f"{day.year + (day.timetuple().tm_yday - 1) / 365:.4f}",
        *_actor("JPN", "JAPAN"),
        *_actor("KOR", "SOUTH KOREA"),
        "1",  # IsRootEvent
        "036",  # EventCode
        "036",  # EventBaseCode
        "03",  # EventRootCode
        "1",  # QuadClass
        "4.0",  # GoldsteinScale
        str(rng.randint(1, 40)),  # NumMentions
        str(rng.randint(1, 5)),  # NumSources
        str(rng.randint(1, 40)),  # NumArticles
        f"{rng.uniform(-10, 10):.14f}",  # AvgTone
        *_geo("Japan", "JA", "36", "138", adm2=adm2),
        *_geo("South Korea", "KS", "37", "127.5", adm2=adm2),
        *_geo("Tokyo, Tokyo, Japan", "JA", "35.685", "139.751", adm2=adm2),
        added,
        f"https://news.example.org/{day:%Y/%m/%d}/{rng.getrandbits(64):016x}-{event_id}.html",
    ]
    assert len(fields) == (61 if version == 2 else 58)
    return "\t".join(fields)


def _export_zip(inner: str, day: date, *, version: int, added: str, seed: int) -> bytes:
    rng = random.Random(seed)
    rows = [_event_row(seed * 1000 + i, day, rng, version=version, added=added) for i in range(200)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo(inner, date_time=(2015, 2, 19, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, "\n".join(rows) + "\n")
    return buf.getvalue()


def _v1_day(name: str) -> date:
    digits = name.split(".")[0]
    return date(int(digits[:4]), int(digits[4:6] or 1), int(digits[6:8] or 1))


@dataclass
class Mirror:
    """A GDELT mirror on disk: ``root/gdeltv2/`` (2.0) and ``root/events/`` (1.0)."""

    root: Path
    v2: dict[str, bytes] = field(default_factory=dict)  # export files by name
    v1: dict[str, bytes] = field(default_factory=dict)

    @property
    def v2_dir(self) -> Path:
        return self.root / "gdeltv2"

    @property
    def v1_dir(self) -> Path:
        return self.root / "events"

    def write_master_list(
        self,
        *,
        sizes: dict[str, int] | None = None,
        md5s: dict[str, str] | None = None,
        missing: tuple[str, ...] = (),
    ) -> str:
        """Write masterfilelist.txt; `sizes`/`md5s` override entries, `missing` adds names."""
        sizes, md5s = sizes or {}, md5s or {}
        lines: list[str] = []
        for slot in V2_SLOTS:
            for kind in ("export.CSV.zip", "mentions.CSV.zip", "gkg.csv.zip"):
                name = f"{slot}.{kind}"
                data = (self.v2_dir / name).read_bytes()
                size, md5 = sizes.get(name, len(data)), md5s.get(name, _md5(data))
                lines.append(f"{size} {md5} {GDELT_V2_BASE_URL}{name}")
            if slot == "20150219000000":  # the real list has lines like these
                lines.append("")
                lines.append(f"{GDELT_V2_BASE_URL}{slot}.translation.export.CSV.zip")
        for name in missing:
            lines.append(f"1234 {'0' * 32} {GDELT_V2_BASE_URL}{name}")
        text = "\n".join(lines) + "\n"
        (self.v2_dir / "masterfilelist.txt").write_text(text)
        return text


@pytest.fixture
def mirror(tmp_path: Path) -> Mirror:
    m = Mirror(tmp_path / "mirror")
    m.v2_dir.mkdir(parents=True)
    m.v1_dir.mkdir(parents=True)
    for i, slot in enumerate(V2_SLOTS):
        day = date(int(slot[:4]), int(slot[4:6]), int(slot[6:8]))
        data = _export_zip(f"{slot}.export.CSV", day, version=2, added=slot, seed=i + 1)
        m.v2[f"{slot}.export.CSV.zip"] = data
        (m.v2_dir / f"{slot}.export.CSV.zip").write_bytes(data)
        # mentions and GKG files exist on the server too: fetch must never ask for them
        (m.v2_dir / f"{slot}.mentions.CSV.zip").write_bytes(b"mentions " + slot.encode())
        (m.v2_dir / f"{slot}.gkg.csv.zip").write_bytes(b"gkg " + slot.encode())
    m.write_master_list()
    md5sums, filesizes = [], []
    for i, name in enumerate([*V1_NAMES, V1_NOT_EVENTS]):
        inner = name.removesuffix(".zip").removesuffix(".export.CSV") + ".csv"
        day = _v1_day(name) if name != V1_NOT_EVENTS else date(2013, 1, 1)
        data = _export_zip(inner, day, version=1, added=day.strftime("%Y%m%d"), seed=100 + i)
        (m.v1_dir / name).write_bytes(data)
        if name != V1_NOT_EVENTS:
            m.v1[name] = data
        md5sums.append(f"{_md5(data)}  {name}")
        filesizes.append(f"{len(data)} {name}")
    md5sums.append(f"{'a' * 32}  20130403.export.CSV.zip")  # no size listed: left out
    (m.v1_dir / "md5sums").write_text("\n".join(md5sums) + "\n")
    (m.v1_dir / "filesizes").write_text("\n".join(filesizes) + "\n")
    return m


@pytest.fixture
def server(mirror: Mirror) -> Iterator[LocalServer]:
    with serve_directory(mirror.root) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _no_base_url_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BASE_URL_ENV, raising=False)


def _base(server: LocalServer, version: int) -> str:
    return server.url + ("gdeltv2/" if version == 2 else "events/")


def _fetch(
    server: LocalServer,
    version: int,
    start: date,
    end: date,
    dest: Path,
    *,
    progress: ProgressCallback | None = None,
    transport: Transport | None = None,
    keep_going: bool = False,
) -> FetchReport:
    return fetch_gdelt(
        version,
        start,
        end,
        dest,
        base_url=_base(server, version),
        progress=progress,
        transport=transport,
        keep_going=keep_going,
    )


D = date

# ---------------------------------------------------------------------------------------------
# Pure parsing and selection
# ---------------------------------------------------------------------------------------------


def test_parse_master_list_keeps_good_lines_and_counts_malformed() -> None:
    slot = f"{GDELT_V2_BASE_URL}20150218230000"
    good = [
        f"150383 297a16b493de7cf6ca809a7cc31d0b93 {slot}.export.CSV.zip",
        f"318084 bb27f78ba45f69a17ea6ed7755e9f8ff {slot}.mentions.CSV.zip",
        f"10768507 ea8dde0beb0ba98810a92db068c0ce99 {slot}.gkg.csv.zip",
    ]
    bad = [
        "",
        "   ",
        f"{GDELT_V2_BASE_URL}20150218231500.export.CSV.zip",  # size and MD5 missing
        f"12x4 297a16b493de7cf6ca809a7cc31d0b93 {GDELT_V2_BASE_URL}x.export.CSV.zip",
        f"1234 297a16b493de7cf6 {GDELT_V2_BASE_URL}20150218231500.export.CSV.zip",
        f"1234 297a16b493de7cf6ca809a7cc31d0b93 {GDELT_V2_BASE_URL}a.zip extra",
    ]
    text = "\r\n".join([good[0], bad[0], bad[1], good[1], *bad[2:], good[2]]) + "\r\n"
    files, skipped = parse_master_list(text)
    assert [f.url for f in files] == [line.split()[2] for line in good]
    assert files[0] == RemoteFile(
        f"{GDELT_V2_BASE_URL}20150218230000.export.CSV.zip",
        150383,
        "297a16b493de7cf6ca809a7cc31d0b93",
    )
    assert skipped == len(bad)


def test_parse_master_list_lowercases_md5() -> None:
    files, skipped = parse_master_list(f"5 {'AB' * 16} http://h/20150218230000.export.CSV.zip")
    assert files[0].md5 == "ab" * 16
    assert skipped == 0


@pytest.mark.parametrize(
    ("name", "start", "end", "is_events"),
    [
        ("20150218230000.export.CSV.zip", D(2015, 2, 18), D(2015, 2, 18), True),
        ("20150219234500.export.CSV.zip", D(2015, 2, 19), D(2015, 2, 19), True),
        ("20150219234500.mentions.CSV.zip", D(2015, 2, 19), D(2015, 2, 19), False),
        ("20150219234500.gkg.csv.zip", D(2015, 2, 19), D(2015, 2, 19), False),
        ("20130401.export.CSV.zip", D(2013, 4, 1), D(2013, 4, 1), True),
        ("201303.zip", D(2013, 3, 1), D(2013, 3, 31), True),
        ("201202.zip", D(2012, 2, 1), D(2012, 2, 29), True),
        ("200602.zip", D(2006, 2, 1), D(2006, 2, 28), True),
        ("1979.zip", D(1979, 1, 1), D(1979, 12, 31), True),
    ],
)
def test_remote_file_period_from_name(name: str, start: date, end: date, is_events: bool) -> None:
    f = RemoteFile(f"http://data.gdeltproject.org/x/{name}", 1, "0" * 32)
    assert f.name == name
    assert (f.start, f.end, f.is_events) == (start, end, is_events)


@pytest.mark.parametrize("name", [V1_NOT_EVENTS, "201313.zip", "20150230000000.export.CSV.zip"])
def test_remote_file_without_a_date_is_not_events_and_has_no_period(name: str) -> None:
    f = RemoteFile(f"http://h/{name}", 1, "0" * 32)
    assert not f.is_events
    with pytest.raises(FileFormatError, match="Cannot tell which days"):
        _ = f.start


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2015, 2, 19), D(2015, 2, 19), V2_SLOTS[1:4]),  # both edges of a day
        (D(2015, 2, 18), D(2015, 2, 18), V2_SLOTS[:1]),
        (D(2015, 2, 18), D(2015, 2, 19), V2_SLOTS[:4]),
        (D(2015, 2, 20), D(2015, 3, 31), V2_SLOTS[4:]),
        (D(2015, 1, 1), D(2015, 2, 17), []),
        (D(2015, 2, 21), D(2016, 1, 1), []),
    ],
)
def test_select_v2_by_day(mirror: Mirror, start: date, end: date, expected: list[str]) -> None:
    files, skipped = parse_master_list((mirror.v2_dir / "masterfilelist.txt").read_text())
    assert skipped == 2  # the blank line and the line without size and MD5
    assert len(files) == 3 * len(V2_SLOTS)
    chosen = select_files(files, start, end)
    assert [f.name for f in chosen] == [f"{slot}.export.CSV.zip" for slot in expected]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(1979, 6, 1), D(1979, 6, 1), ["1979.zip"]),
        (D(1979, 1, 1), D(1979, 12, 31), ["1979.zip"]),
        (D(1980, 1, 1), D(2004, 12, 31), []),  # years absent from the index
        (D(2005, 12, 31), D(2006, 1, 1), ["2005.zip", "200601.zip"]),
        (D(2006, 2, 1), D(2006, 2, 28), ["200602.zip"]),
        (D(2006, 1, 31), D(2006, 2, 1), ["200601.zip", "200602.zip"]),
        (D(2013, 3, 31), D(2013, 4, 1), ["201303.zip", "20130401.export.CSV.zip"]),
        (D(2013, 4, 2), D(2013, 4, 2), ["20130402.export.CSV.zip"]),
        (D(2013, 4, 3), D(2013, 5, 1), []),  # 20130403 has an MD5 but no size
    ],
)
def test_select_v1_covers_days_months_and_years(
    mirror: Mirror, start: date, end: date, expected: list[str]
) -> None:
    files = parse_v1_index(
        (mirror.v1_dir / "md5sums").read_text(),
        (mirror.v1_dir / "filesizes").read_text(),
        GDELT_V1_BASE_URL,
    )
    assert {f.name for f in files} == {*V1_NAMES, V1_NOT_EVENTS}
    assert [f.name for f in select_files(files, start, end)] == expected


def test_parse_v1_index_formats() -> None:
    md5sums = "\n".join(
        [
            f"{'A' * 32}  1979.zip",
            f"{'b' * 32} *201303.zip",  # md5sum's binary-mode marker
            "garbage",
            f"{'c' * 32}  20130401.export.CSV.zip",  # no size: left out
        ]
    )
    filesizes = "\n".join(["10 1979.zip", "", "x 2005.zip", "20 201303.zip", "30 2005.zip"])
    files = parse_v1_index(md5sums, filesizes, "http://mirror.example/events")
    assert files == [
        RemoteFile("http://mirror.example/events/1979.zip", 10, "a" * 32),
        RemoteFile("http://mirror.example/events/201303.zip", 20, "b" * 32),
    ]


def test_select_files_sorts_deduplicates_and_drops_non_events() -> None:
    names = [
        "20150219000000.export.CSV.zip",
        "20150218234500.gkg.csv.zip",
        "20150218234500.export.CSV.zip",
        "20150219000000.export.CSV.zip",
        "20150218234500.mentions.CSV.zip",
        "masterfilelist.txt",
    ]
    files = [RemoteFile(f"http://h/{n}", 1, "0" * 32) for n in names]
    chosen = select_files(files, D(2015, 2, 18), D(2015, 2, 19))
    assert [f.name for f in chosen] == [
        "20150218234500.export.CSV.zip",
        "20150219000000.export.CSV.zip",
    ]


def test_select_files_rejects_inverted_dates() -> None:
    with pytest.raises(ConfigError, match=r"start 2015-02-20 is after end 2015-02-19"):
        select_files([], D(2015, 2, 20), D(2015, 2, 19))


# ---------------------------------------------------------------------------------------------
# Downloads against a local HTTP server
# ---------------------------------------------------------------------------------------------


def test_fetch_v2_downloads_and_verifies(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    dest = tmp_path / "out" / "v2"  # created by fetch
    calls: list[tuple[str, int, int]] = []
    report = _fetch(
        server, 2, D(2015, 2, 19), D(2015, 2, 19), dest, progress=lambda *a: calls.append(a)
    )
    names = [f"{slot}.export.CSV.zip" for slot in V2_SLOTS[1:4]]
    assert [f.name for f in report.downloaded] == names
    assert report.skipped == [] and report.failed == [] and report.ok
    assert report.paths == [dest / n for n in names]
    assert report.skipped_lines == 2
    assert report.index_url == server.url + "gdeltv2/masterfilelist.txt"
    assert report.bytes_downloaded == sum(len(mirror.v2[n]) for n in names)
    for name, path in zip(names, report.paths, strict=True):
        assert path.read_bytes() == mirror.v2[name]
        with zipfile.ZipFile(path) as zf:
            first = zf.read(name.removesuffix(".zip")).decode().splitlines()[0]
        assert len(first.split("\t")) == 61
    assert sorted(p.name for p in dest.iterdir()) == names  # no .part left behind
    # the index, then exactly the selected export files: no mentions, GKG or other days
    assert server.paths() == ["gdeltv2/masterfilelist.txt", *(f"gdeltv2/{n}" for n in names)]
    assert all(r.range is None and r.status == 200 for r in server.requests)
    # progress: starts at 0, never goes back, ends at the full size, for each file in turn
    for name in names:
        mine = [(done, total) for n, done, total in calls if n == name]
        size = len(mirror.v2[name])
        assert mine[0] == (0, size) and mine[-1] == (size, size)
        assert [d for d, _ in mine] == sorted(d for d, _ in mine)
    assert list(dict.fromkeys(n for n, _, _ in calls)) == names


def test_fetch_v1_monthly_and_yearly(mirror: Mirror, server: LocalServer, tmp_path: Path) -> None:
    report = _fetch(server, 1, D(2005, 12, 30), D(2006, 1, 2), tmp_path)
    assert [f.name for f in report.downloaded] == ["2005.zip", "200601.zip"]
    assert report.index_url == server.url + "events/filesizes"
    for f in report.downloaded:
        assert f.path.read_bytes() == mirror.v1[f.name]
        assert f.transferred == f.size == len(mirror.v1[f.name])
    assert server.paths() == [
        "events/md5sums",
        "events/filesizes",
        "events/2005.zip",
        "events/200601.zip",
    ]


def test_fetch_v1_daily_edge_of_monthly_period(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    report = _fetch(server, 1, D(2013, 3, 31), D(2013, 4, 1), tmp_path)
    assert [p.name for p in report.paths] == ["201303.zip", "20130401.export.CSV.zip"]
    assert (tmp_path / "20130401.export.CSV.zip").read_bytes() == mirror.v1[
        "20130401.export.CSV.zip"
    ]


def test_fetch_skips_files_already_present(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    first = _fetch(server, 2, D(2015, 2, 18), D(2015, 2, 19), tmp_path)
    assert len(first.downloaded) == 4
    server.clear_log()
    calls: list[tuple[str, int, int]] = []
    second = _fetch(
        server, 2, D(2015, 2, 18), D(2015, 2, 19), tmp_path, progress=lambda *a: calls.append(a)
    )
    assert second.downloaded == []
    assert [f.name for f in second.skipped] == [f.name for f in first.downloaded]
    assert second.paths == first.paths
    assert second.bytes_downloaded == 0
    assert second.bytes_skipped == first.bytes_downloaded
    assert server.paths() == ["gdeltv2/masterfilelist.txt"]  # nothing downloaded again
    assert calls == [(f.name, f.size, f.size) for f in second.skipped]


def test_fetch_replaces_a_corrupt_existing_file(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    name = f"{V2_SLOTS[0]}.export.CSV.zip"
    good = mirror.v2[name]
    (tmp_path / name).write_bytes(bytes(len(good)))  # right size, wrong content
    report = _fetch(server, 2, D(2015, 2, 18), D(2015, 2, 18), tmp_path)
    assert [f.name for f in report.downloaded] == [name]
    assert (tmp_path / name).read_bytes() == good


def test_fetch_resumes_an_interrupted_download(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    name = f"{V2_SLOTS[0]}.export.CSV.zip"
    data = mirror.v2[name]
    cut = len(data) // 2
    assert cut > 1000
    server.cut_next(cut, path=f"gdeltv2/{name}")
    with pytest.raises(FetchError) as info:
        _fetch(server, 2, D(2015, 2, 18), D(2015, 2, 18), tmp_path)
    message = str(info.value)
    assert name in message and "re-run" in message and "resume" in message
    part = tmp_path / f"{name}.part"
    assert part.read_bytes() == data[:cut]
    assert not (tmp_path / name).exists()

    report = _fetch(server, 2, D(2015, 2, 18), D(2015, 2, 18), tmp_path)
    assert (tmp_path / name).read_bytes() == data
    assert not part.exists()
    assert report.downloaded[0].transferred == len(data) - cut
    first, second = server.requests_for(name)
    assert (first.range, first.status, first.body_bytes) == (None, 200, cut)
    assert (second.range, second.status) == (f"bytes={cut}-", 206)
    assert second.body_bytes == len(data) - cut


def test_fetch_restarts_when_the_server_ignores_range(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    name = f"{V2_SLOTS[0]}.export.CSV.zip"
    data = mirror.v2[name]
    (tmp_path / f"{name}.part").write_bytes(b"\xff" * 700)  # wrong bytes: must be thrown away
    server.support_range = False
    report = _fetch(server, 2, D(2015, 2, 18), D(2015, 2, 18), tmp_path)
    assert (tmp_path / name).read_bytes() == data
    assert report.downloaded[0].transferred == len(data)
    (request,) = server.requests_for(name)
    assert (request.range, request.status) == ("bytes=700-", 200)


def test_fetch_verifies_a_complete_part_without_downloading(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    name = f"{V2_SLOTS[0]}.export.CSV.zip"
    (tmp_path / f"{name}.part").write_bytes(mirror.v2[name])
    report = _fetch(server, 2, D(2015, 2, 18), D(2015, 2, 18), tmp_path)
    assert report.downloaded[0].transferred == 0
    assert (tmp_path / name).read_bytes() == mirror.v2[name]
    assert server.requests_for(name) == []


def test_fetch_md5_mismatch_raises_and_leaves_no_file(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    name = f"{V2_SLOTS[0]}.export.CSV.zip"
    mirror.write_master_list(md5s={name: "f" * 32})
    dest = tmp_path / "out"
    with pytest.raises(FetchError) as info:
        _fetch(server, 2, D(2015, 2, 18), D(2015, 2, 18), dest)
    message = str(info.value)
    assert "MD5 mismatch" in message and name in message
    assert f"expected {'f' * 32}, got {_md5(mirror.v2[name])}" in message
    assert "re-run" in message
    assert list(dest.iterdir()) == []


@pytest.mark.parametrize("delta", [+7, -7])
def test_fetch_size_mismatch_raises_and_leaves_no_file(
    mirror: Mirror, server: LocalServer, tmp_path: Path, delta: int
) -> None:
    name = f"{V2_SLOTS[0]}.export.CSV.zip"
    wrong = len(mirror.v2[name]) + delta
    mirror.write_master_list(sizes={name: wrong})
    dest = tmp_path / "out"
    with pytest.raises(FetchError) as info:
        _fetch(server, 2, D(2015, 2, 18), D(2015, 2, 18), dest)
    message = str(info.value)
    assert "Size mismatch" in message and name in message
    assert f"index says {wrong} bytes" in message and str(len(mirror.v2[name])) in message
    assert "re-run" in message
    assert list(dest.iterdir()) == []


def test_fetch_missing_file_is_a_fetch_error_with_url_and_status(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    gone = "20150219003000.export.CSV.zip"
    mirror.write_master_list(missing=(gone,))
    dest = tmp_path / "out"
    with pytest.raises(FetchError) as info:
        _fetch(server, 2, D(2015, 2, 18), D(2015, 2, 19), dest)
    assert f"{_base(server, 2)}{gone}" in str(info.value)
    assert "HTTP 404 Not Found" in str(info.value)
    # the files before it in the selection were downloaded and stay; the run stopped there
    assert sorted(p.name for p in dest.iterdir()) == [
        f"{slot}.export.CSV.zip" for slot in V2_SLOTS[:3]
    ]


def test_fetch_keep_going_records_failures(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    bad = f"{V2_SLOTS[2]}.export.CSV.zip"
    mirror.write_master_list(md5s={bad: "0" * 32})
    report = _fetch(server, 2, D(2015, 2, 19), D(2015, 2, 19), tmp_path, keep_going=True)
    assert not report.ok
    assert [f.name for f in report.failed] == [bad]
    assert report.failed[0].error is not None and "MD5 mismatch" in report.failed[0].error
    assert [f.name for f in report.downloaded] == [
        f"{V2_SLOTS[1]}.export.CSV.zip",
        f"{V2_SLOTS[3]}.export.CSV.zip",
    ]
    assert report.paths == [f.path for f in report.downloaded]


def test_fetch_index_not_found(server: LocalServer, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"nowhere/masterfilelist\.txt answered HTTP 404"):
        fetch_gdelt(2, D(2015, 2, 18), D(2015, 2, 18), tmp_path, base_url=server.url + "nowhere")


def test_fetch_unreachable_server(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/events/"
    with pytest.raises(FetchError, match=r"Could not fetch .*127\.0\.0\.1.*md5sums: ConnectError"):
        fetch_gdelt(1, D(2013, 4, 1), D(2013, 4, 1), tmp_path, base_url=url)


def test_fetch_base_url_from_environment(
    mirror: Mirror, server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BASE_URL_ENV, _base(server, 1))
    report = fetch_gdelt(1, D(1979, 3, 1), D(1979, 3, 1), tmp_path)
    assert report.paths == [tmp_path / "1979.zip"]
    assert (tmp_path / "1979.zip").read_bytes() == mirror.v1["1979.zip"]


def test_fetch_with_an_injected_httpx_client(
    mirror: Mirror, server: LocalServer, tmp_path: Path
) -> None:
    with httpx.Client() as client:
        transport = HttpxTransport(client)
        _fetch(server, 1, D(1979, 3, 1), D(1979, 3, 1), tmp_path, transport=transport)
        transport.close()
        assert not client.is_closed  # the caller's client stays open
    assert (tmp_path / "1979.zip").read_bytes() == mirror.v1["1979.zip"]


# ---------------------------------------------------------------------------------------------
# Argument checks and the in-memory fake
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [0, 3, 20])
def test_fetch_rejects_bad_version(version: int, tmp_path: Path) -> None:
    transport = MemoryTransport({})
    with pytest.raises(ValueError, match=r"'version' .* must be 1 or 2; got") as info:
        fetch_gdelt(version, D(2015, 2, 18), D(2015, 2, 18), tmp_path, transport=transport)
    assert isinstance(info.value, BrinkwatchError)
    assert transport.requests == []


def test_fetch_rejects_inverted_dates(tmp_path: Path) -> None:
    transport = MemoryTransport({})
    with pytest.raises(ConfigError, match=r"inverted.*2015-03-01 is after end 2015-02-18"):
        fetch_gdelt(2, D(2015, 3, 1), D(2015, 2, 18), tmp_path / "x", transport=transport)
    assert transport.requests == []
    assert not (tmp_path / "x").exists()


def _memory_v2(data: bytes, *, size: int | None = None) -> MemoryTransport:
    name = "20150218230000.export.CSV.zip"
    listing = f"{size if size is not None else len(data)} {_md5(data)} {GDELT_V2_BASE_URL}{name}"
    return MemoryTransport(
        {GDELT_V2_BASE_URL + "masterfilelist.txt": listing.encode(), GDELT_V2_BASE_URL + name: data}
    )


def test_memory_transport_resume(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    transport = _memory_v2(data)
    url = GDELT_V2_BASE_URL + "20150218230000.export.CSV.zip"
    transport.interrupt_after[url] = 3000
    with pytest.raises(FetchError, match="3000 of 10240 bytes"):
        fetch_gdelt(2, D(2015, 2, 18), D(2015, 2, 18), tmp_path, transport=transport)
    report = fetch_gdelt(2, D(2015, 2, 18), D(2015, 2, 18), tmp_path, transport=transport)
    assert report.paths[0].read_bytes() == data
    assert [r for r in transport.requests if r[0] == url] == [(url, 0), (url, 3000)]


def test_part_longer_than_the_servers_copy(tmp_path: Path) -> None:
    """A .part past the server's end gets 416: restart from 0, then report the size mismatch."""
    data = b"x" * 500
    transport = _memory_v2(data, size=800)
    url = GDELT_V2_BASE_URL + "20150218230000.export.CSV.zip"
    part = tmp_path / "20150218230000.export.CSV.zip.part"
    part.write_bytes(b"x" * 600)
    with pytest.raises(FetchError, match="index says 800 bytes, the server has 500"):
        fetch_gdelt(2, D(2015, 2, 18), D(2015, 2, 18), tmp_path, transport=transport)
    assert [r for r in transport.requests if r[0] == url] == [(url, 600), (url, 0)]
    assert not part.exists()


def test_transfer_stopping_short_without_error_keeps_the_part(tmp_path: Path) -> None:
    """A server that closes early without saying how long the file is: keep what arrived."""
    data = b"y" * 1000

    class ShortTransport(MemoryTransport):
        @contextmanager
        def stream(self, url: str, *, offset: int = 0) -> Iterator[StreamResponse]:
            self.requests.append((url, offset))
            yield StreamResponse(200, None, iter([data[:400]]))

    transport = ShortTransport(_memory_v2(data).files)
    with pytest.raises(FetchError, match=r"stopped at 400 of 1000 bytes.*Re-run"):
        fetch_gdelt(2, D(2015, 2, 18), D(2015, 2, 18), tmp_path, transport=transport)
    assert (tmp_path / "20150218230000.export.CSV.zip.part").read_bytes() == data[:400]


def test_docstring_examples() -> None:
    result = doctest.testmod(fetch, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 5


def test_select_files_accepts_datetimes() -> None:
    files = [RemoteFile(f"http://h/{slot}.export.CSV.zip", 1, "0" * 32) for slot in V2_SLOTS]
    chosen = select_files(files, datetime(2015, 2, 19, 12), datetime(2015, 2, 19, 1))
    assert [f.name[:14] for f in chosen] == V2_SLOTS[1:4]


def test_httpx_transport_rejects_a_206_from_the_wrong_offset() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Range"] == "bytes=5-"
        return httpx.Response(206, headers={"Content-Range": "bytes 0-9/10"}, content=b"x" * 10)

    transport = HttpxTransport(httpx.Client(transport=httpx.MockTransport(handler)))
    with (
        pytest.raises(FetchError, match="asked for bytes from 5, got bytes from 0"),
        transport.stream("http://h/a.zip", offset=5),
    ):
        pass
