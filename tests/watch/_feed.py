"""A fake GDELT 2.0 feed built from the real export file, served on 127.0.0.1.

The real 15-minute export (``shared/data/gdelt/20191024143000.export.CSV``, 2,111 rows) is cut
into consecutive slots; the mentions of ``tests/data/gdelt2`` come with the slot of their event
or a later one (GDELT's mentions files name earlier events too). Each slot is zipped under its
GDELT name, and ``lastupdate.txt`` and ``masterfilelist.txt`` list the files with their true
sizes and MD5s as GDELT does (a GKG line included). :meth:`Feed.advance` moves the feed's
clock: it announces the next slot.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

MENTIONS = Path(__file__).resolve().parents[1] / "data" / "gdelt2" / "20191024143000.mentions.CSV"
FIRST_SLOT = datetime(2019, 10, 24, 14, 30)


def _zip(path: Path, member: str, text: str) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, text)


def _line(path: Path, url: str) -> str:
    data = path.read_bytes()
    return f"{len(data)} {hashlib.md5(data, usedforsecurity=False).hexdigest()} {url}"


@dataclass
class Feed:
    """The feed's files under ``root/gdeltv2/`` and how far it has advanced."""

    root: Path
    base_url: str = ""
    slots: list[datetime] = field(default_factory=list)
    announced: int = 0
    event_ids: dict[str, set[str]] = field(default_factory=dict)

    @property
    def dir(self) -> Path:
        return self.root / "gdeltv2"

    @property
    def lastupdate_url(self) -> str:
        return self.base_url + "gdeltv2/lastupdate.txt"

    def names(self, upto: int | None = None) -> list[str]:
        """Export and mentions file names of the first ``upto`` slots (default: announced)."""
        n = self.announced if upto is None else upto
        return [
            f"{s:%Y%m%d%H%M%S}.{k}.CSV.zip" for s in self.slots[:n] for k in ("export", "mentions")
        ]

    def advance(self, to: int | None = None) -> None:
        """Announce slots up to ``to`` (default: one more); rewrite both lists."""
        self.announced = min(len(self.slots), to if to is not None else self.announced + 1)
        lines = [_line(self.dir / n, self.base_url + "gdeltv2/" + n) for n in self.names()]
        head = self.slots[self.announced - 1]
        gkg = f"123 {'0' * 32} {self.base_url}gdeltv2/{head:%Y%m%d%H%M%S}.gkg.csv.zip"
        (self.dir / "masterfilelist.txt").write_text("\n".join([*lines, gkg]) + "\n")
        (self.dir / "lastupdate.txt").write_text("\n".join([*lines[-2:], gkg]) + "\n")


def build_feed(root: Path, export: Path, slots: int) -> Feed:
    """Cut the real export into ``slots`` 15-minute files (with their mentions) under root."""
    feed = Feed(root)
    feed.dir.mkdir(parents=True)
    rows = export.read_text(encoding="utf-8").splitlines()
    mentions = MENTIONS.read_text(encoding="utf-8").splitlines()
    per = -(-len(rows) // slots)
    slot_of = {r.split("\t", 1)[0]: i // per for i, r in enumerate(rows)}
    # Mentions cover events of the first slots only; GDELT's mentions files also name earlier
    # events, so the k-th event's mentions come with slot k mod slots (never before it).
    order = list(dict.fromkeys(m.split("\t", 1)[0] for m in mentions))
    when = {e: max(slot_of.get(e, 0), k % slots) for k, e in enumerate(order)}
    for i in range(slots):
        slot = FIRST_SLOT + timedelta(minutes=15 * i)
        chunk = rows[i * per : (i + 1) * per]
        ids = {r.split("\t", 1)[0] for r in chunk}
        stamp = f"{slot:%Y%m%d%H%M%S}"
        _zip(feed.dir / f"{stamp}.export.CSV.zip", f"{stamp}.export.CSV", "\n".join(chunk) + "\n")
        mine = [m for m in mentions if when[m.split("\t", 1)[0]] == i]
        _zip(
            feed.dir / f"{stamp}.mentions.CSV.zip", f"{stamp}.mentions.CSV", "\n".join(mine) + "\n"
        )
        feed.slots.append(slot)
        feed.event_ids[stamp] = ids
    return feed
