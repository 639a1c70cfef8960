"""The stages' warnings worded for a reader, shared by the brief and the command line.

A warning such as ``SparseDataWarning: USA->JPN has events in only 5 of 36 months ...`` reads
"United States-Japan events are too sparse in this window to estimate influence (...)": no class
names, no ids, and in the brief no option names either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from brinkwatch.report.labels import Labels, reword

__all__ = ["ORIGIN_LABELS", "reader_notes"]

ORIGIN_LABELS = {
    "chronology": "the hand-coded chronology",
    "coded": "events coded from analysts' text",
    "gdelt1": "GDELT 1.0 news events",
    "gdelt2": "GDELT 2.0 news events",
    "icews": "ICEWS news events",
}

_SPARSE = re.compile(
    r"^(?:SparseDataWarning: )?([A-Z]{3})->([A-Z]{3}) has events in only (\d+) of (\d+) (\w+?)s? "
)
_STREAMS = re.compile(r"streams have fewer than (\d+) events in (\S+)\.\.(\S+?) ")
_FITTED = re.compile(r"event model of '[^']*' is fitted on only (\d+) events \((\S+)\.\.(\S+)\)")
_COVERAGE = re.compile(r"origins of different coverage .* the series uses (\w+)")
_CATEGORY = re.compile(r"^[A-Z][A-Za-z]*Warning: ")
_FLAGS = re.compile(r"\s*\([^()]*(?:--|=)[^()]*\)")


def _one_note(
    note: str, lab: Labels, sparse: dict[frozenset[str], list[str]], hints: bool
) -> str | None:
    if m := _SPARSE.match(note):
        a, b, n, total, unit = m.groups()
        sparse.setdefault(frozenset((a, b)), []).append(
            f"{lab.dyad(f'{a}->{b}')} has events in only {n} of {total} {unit}s"
        )
        return None
    if m := _STREAMS.search(note):
        return (
            "The crisis simulation learns its event rates from few events (fewer than "
            f"{m[1]} in each stream, {m[2]} to {m[3]}), so its forecasts stay close to those "
            "average rates."
        )
    if m := _FITTED.search(note):
        return (
            f"The crisis simulation's event model learns from only {m[1]} events ({m[2]} to "
            f"{m[3]}); the assumptions about agreements and levers carry most of the result."
        )
    if m := _COVERAGE.search(note):
        where = "--origin chooses another" if hints else "the others appear in the coverage strip"
        return (
            "The sources cover different spans and are not added together: the series counts "
            f"{ORIGIN_LABELS.get(m[1], m[1])} only; {where}."
        )
    text = _CATEGORY.sub("", note)
    if not hints:
        # A sentence that tells a command-line user what to type is not for a reader.
        text = _FLAGS.sub("", text)
        text = ". ".join(s for s in text.split(". ") if "--" not in s and s[:1] != "(")
    text = re.sub(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", r"\1 to \2", text)
    text = reword(text, lab).strip()
    return text if text.endswith(".") else text + "."


def reader_notes(
    notes: Iterable[object], lab: Labels | None = None, *, hints: bool = False
) -> list[str]:
    """Rewrite the stages' warnings and notes for a reader; one line per finding.

    Sparse-data warnings about the two directions of one pair become one sentence,
    "United States-Japan events are too sparse in this window to estimate influence".

    Parameters
    ----------
    notes
        Warnings as text (``"SparseDataWarning: ..."`` or the bare message), or anything whose
        ``str`` is that text (a caught :class:`brinkwatch._notes.Note`).
    lab
        Labels for the ids; plain country names and measure labels when omitted.
    hints
        Keep the sentences that say which option to change (for the command line); the brief
        leaves them out.

    Returns
    -------
    list of str
        One line per finding, in the notes' order, without repeats.

    Examples
    --------
    >>> note = "SparseDataWarning: USA->JPN has events in only 5 of 36 months (14%): too few"
    >>> print(reader_notes([note], Labels())[0])  # doctest: +ELLIPSIS
    United States-Japan events are too sparse in this window to estimate influence (...).
    """
    lab = lab or Labels()
    sparse: dict[frozenset[str], list[str]] = {}
    texts = [" ".join(str(n).split()) for n in notes]
    out = [t for n in texts if (t := _one_note(n, lab, sparse, hints))]
    for pair, why in sparse.items():
        a, b = sorted(pair, key=lambda c: (c != "USA", c))
        what = "; ".join(dict.fromkeys(why))
        out.append(
            f"{lab.pair(f'{a}-{b}')} events are too sparse in this window to estimate "
            f"influence ({what})."
        )
    return list(dict.fromkeys(out))
