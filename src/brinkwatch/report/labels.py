"""Human labels and colours shared by the dashboard and the brief.

One place turns the ids a run carries (``gsomia_terminated``, ``JPN_controls_photoresist``,
``goldstein_sum``) into words a reader knows, and gives every directed dyad one colour, so the
same dyad looks the same on every page and figure.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping

__all__ = [
    "COUNTRY_NAMES",
    "DYAD_PALETTE",
    "MEASURE_LABELS",
    "MEASURE_UNITS",
    "dyad_colour",
    "human_label",
    "measure_axis",
]

#: Ten well-separated colours (Tableau 10); a dyad's colour is chosen from them by its label.
DYAD_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

#: Country codes spelled out in labels.
COUNTRY_NAMES = {
    "USA": "US",
    "JPN": "Japan",
    "KOR": "South Korea",
    "PRK": "North Korea",
    "CHN": "China",
    "RUS": "Russia",
    "TWN": "Taiwan",
}

#: What each measure is, for legends and table headers.
MEASURE_LABELS = {
    "goldstein_sum": "Goldstein sum",
    "goldstein_mean": "mean Goldstein score",
    "net_coop": "net cooperation",
    "events": "events",
    "index": "relation index",
}

#: The unit of each measure per period (the period's name follows "per").
MEASURE_UNITS = {
    "goldstein_sum": "Goldstein points",
    "goldstein_mean": "Goldstein points per event",
    "net_coop": "cooperative minus conflictual events",
    "events": "events",
}

# Short words a reader knows as written.
_ACRONYMS = {"gsomia", "tisa", "wto", "us", "un", "unga", "nk"}


def dyad_colour(dyad: str) -> str:
    """Return the colour of a directed dyad, the same on every page and in every figure.

    The colour depends on the label alone (not on which other dyads are drawn), so
    ``USA->JPN`` keeps its colour between the triad overview and the dyad page. The six
    dyads of the founding triad (USA, Japan, South Korea) get six different colours.

    Examples
    --------
    >>> dyad_colour("JPN->KOR") == dyad_colour("JPN->KOR")
    True
    >>> len({dyad_colour(f"{a}->{b}") for a, b in [("USA", "JPN"), ("JPN", "USA"),
    ...     ("USA", "KOR"), ("KOR", "USA"), ("JPN", "KOR"), ("KOR", "JPN")]})
    6
    """
    key = dyad.replace("-", "->") if "->" not in dyad else dyad
    return DYAD_PALETTE[zlib.crc32(key.encode("utf-8")) % len(DYAD_PALETTE)]


def human_label(name: str, titles: Mapping[str, str] | None = None) -> str:
    """Return a reader's label for an id: its title when known, else the id in words.

    Parameters
    ----------
    name
        An id from a scenario, a measure or a state (``JPN_controls_photoresist lifted``).
    titles
        Titles the caller knows (a scenario's outcomes and levers); they win.

    Examples
    --------
    >>> human_label("JPN_controls_photoresist lifted")
    "Japan's controls photoresist lifted"
    >>> human_label("gsomia_terminated")
    'GSOMIA terminated'
    >>> human_label("us_mediation", {"us_mediation": "Public US mediation"})
    'Public US mediation'
    >>> human_label("net_coop")
    'net cooperation'
    """
    if titles and name in titles:
        return titles[name]
    if name in MEASURE_LABELS:
        return MEASURE_LABELS[name]
    words = [w for w in re.split(r"[_\s]+", name.strip()) if w]
    out: list[str] = []
    for i, w in enumerate(words):
        if w.upper() in COUNTRY_NAMES and (w.isupper() or w.lower() == w):
            country = COUNTRY_NAMES[w.upper()]
            # A country first is the one acting: "Japan's controls".
            out.append(f"{country}'s" if i == 0 and len(words) > 1 else country)
        elif w.lower() in _ACRONYMS:
            out.append(w.upper())
        else:
            out.append(w)
    return " ".join(out)


def measure_axis(measure: str, freq: str | None = None) -> str:
    """Return an axis title with its unit: ``"Goldstein sum (Goldstein points per week)"``.

    Examples
    --------
    >>> measure_axis("net_coop", "month")
    'net cooperation (cooperative minus conflictual events per month)'
    >>> measure_axis("index")
    'relation index (robust z-score against the trailing baseline)'
    """
    if measure == "index":
        return "relation index (robust z-score against the trailing baseline)"
    unit = MEASURE_UNITS.get(measure)
    label = human_label(measure)
    if unit is None:
        return label
    return f"{label} ({unit}{f' per {freq}' if freq else ''})"
