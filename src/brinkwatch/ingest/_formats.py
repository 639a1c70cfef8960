"""Input formats: their column layouts and automatic detection."""

from __future__ import annotations

import gzip
import zipfile
from enum import StrEnum
from pathlib import Path

from brinkwatch.errors import FileFormatError

__all__ = [
    "GDELT1_FIELDS",
    "GDELT2_FIELDS",
    "GDELT2_MENTION_FIELDS",
    "ICEWS_HEADER",
    "Format",
    "detect_format",
    "first_line",
]


class Format(StrEnum):
    """A supported input format; ``auto`` asks :func:`detect_format`."""

    AUTO = "auto"
    GDELT1 = "gdelt1"
    GDELT2 = "gdelt2"
    GDELT2_MENTIONS = "gdelt2-mentions"
    ICEWS = "icews"
    CSV = "csv"
    PARQUET = "parquet"


# 0-based field positions of the canonical fields in GDELT event exports; the two versions share
# the first 35 fields and differ in the geography blocks (2.0 added ADM2 codes) and the tail.
_GDELT_COMMON = {
    "event_id": 0,
    "event_date": 1,
    "source_code": 5,
    "source_name": 6,
    "source_country": 7,
    "source_type": 12,
    "target_code": 15,
    "target_name": 16,
    "target_country": 17,
    "target_type": 22,
    "is_root_event": 25,
    "cameo_code": 26,
    "quad_class": 29,
    "goldstein": 30,
    "num_mentions": 31,
    "num_sources": 32,
    "num_articles": 33,
    "avg_tone": 34,
}
GDELT1_FIELDS: dict[str, int] = {
    **_GDELT_COMMON,
    "location": 50,
    "location_country": 51,
    "latitude": 53,
    "longitude": 54,
    "date_added": 56,
    "source_url": 57,
}
GDELT2_FIELDS: dict[str, int] = {
    **_GDELT_COMMON,
    "location": 52,
    "location_country": 53,
    "latitude": 56,
    "longitude": 57,
    "date_added": 59,
    "source_url": 60,
}

#: The 16 fields of a GDELT 2.0 mentions file (``*.mentions.CSV``, no header), in order, by the
#: names of the store's ``mentions`` columns (GDELT 2.0 Event codebook, "Mentions table").
GDELT2_MENTION_FIELDS = (
    "event_id",  # GLOBALEVENTID
    "event_time",  # EventTimeDate
    "mention_time",  # MentionTimeDate
    "mention_type",  # MentionType
    "source_name",  # MentionSourceName
    "mention_identifier",  # MentionIdentifier
    "sentence_id",  # SentenceID
    "actor1_offset",  # Actor1CharOffset
    "actor2_offset",  # Actor2CharOffset
    "action_offset",  # ActionCharOffset
    "in_raw_text",  # InRawText
    "confidence",  # Confidence
    "doc_len",  # MentionDocLen
    "doc_tone",  # MentionDocTone
    "translation_info",  # MentionDocTranslationInfo
    "extras",  # Extras
)

#: The ICEWS Dataverse header, in order.
ICEWS_HEADER = (
    "Event ID",
    "Event Date",
    "Source Name",
    "Source Sectors",
    "Source Country",
    "Event Text",
    "CAMEO Code",
    "Intensity",
    "Target Name",
    "Target Sectors",
    "Target Country",
    "Story ID",
    "Sentence Number",
    "Publisher",
    "City",
    "District",
    "Province",
    "Country",
    "Latitude",
    "Longitude",
)

_SNIFF_BYTES = 1 << 16


def first_line(path: Path) -> bytes:
    """Return the first line of a plain, ``.gz`` or single-member ``.zip`` file, as bytes.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    bytes
        The first non-blank line without its line ending or a UTF-8 byte order mark; empty
        for a file without one.
    """
    name = path.name.lower()
    if name.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    elif name.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if not members:
                return b""
            with zf.open(members[0]) as fh:
                head = fh.read(_SNIFF_BYTES)
    else:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    # A UTF-8 byte order mark is no part of the first line's text.
    head = head.removeprefix(b"\xef\xbb\xbf")
    # Leading blank lines are not the first line of data.
    for line in head.split(b"\n"):
        if line.strip():
            return line.rstrip(b"\r")
    return b""


def _is_digits(s: str, n: int | None = None) -> bool:
    return s.isdigit() and (n is None or len(s) == n)


def detect_format(path: Path, *, has_mapping: bool = False) -> Format:
    """Tell the format of an event file from its name and first line.

    Parameters
    ----------
    path
        A plain, ``.gz`` or ``.zip`` file (for zip archives, the first member is sniffed).
    has_mapping
        A column mapping was given, so a delimited file that is neither GDELT nor ICEWS is CSV.

    Returns
    -------
    Format
        The detected format.

    Raises
    ------
    FileFormatError
        If the file is empty or matches no supported format.
    """
    lower = path.name.lower()
    if lower.endswith(".parquet") or lower.endswith(".pq"):
        return Format.PARQUET
    try:
        line = first_line(path)
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise FileFormatError(
            f"cannot read the file to detect its format ({exc}); check that it is not "
            "truncated, or force the format with --format",
            path=path,
        ) from exc
    if not line.strip():
        raise FileFormatError("the file is empty (no first line); nothing to ingest", path=path)
    if line.startswith(b"PAR1"):
        return Format.PARQUET
    text = line.decode("utf-8", errors="replace")
    fields = text.split("\t")
    if tuple(f.strip() for f in fields) == ICEWS_HEADER:
        return Format.ICEWS
    if _is_mentions(lower, fields):
        return Format.GDELT2_MENTIONS
    if len(fields) >= 2 and _is_digits(fields[0]) and _is_digits(fields[1], 8):
        if len(fields) in (57, 58):
            return Format.GDELT1
        if len(fields) == 61:
            return Format.GDELT2
    if has_mapping or _looks_canonical(text):
        return Format.CSV
    raise FileFormatError(
        f"cannot tell the format: the first line has {len(fields)} tab-separated fields and "
        f"{len(text.split(','))} comma-separated ones, which matches neither GDELT 1.0 (57 or 58 "
        "fields), GDELT 2.0 (61), GDELT 2.0 mentions (16) nor the ICEWS header. For your own "
        "CSV pass --mapping FILE or "
        "--map FIELD=COLUMN; to force a format pass --format",
        path=path,
        line=1,
    )


def _is_mentions(name: str, fields: list[str]) -> bool:
    """Whether a first line is a GDELT 2.0 mention: 16 fields, an id and two timestamps.

    A file named ``*.mentions.*`` needs only the field count, so that a first row with a bad
    timestamp is rejected as a row rather than failing the whole file.
    """
    if len(fields) != len(GDELT2_MENTION_FIELDS):
        return False
    if ".mentions." in name:
        return True
    return _is_digits(fields[0]) and _is_digits(fields[1], 14) and _is_digits(fields[2], 14)


def _looks_canonical(header: str) -> bool:
    """Whether a header names brinkwatch's own canonical columns (an export of the store)."""
    for sep in (",", "\t", ";", "|"):
        cols = {c.strip().strip('"') for c in header.split(sep)}
        if {"event_id", "event_date", "cameo_code"} <= cols:
            return True
    return False
