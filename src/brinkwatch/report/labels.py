"""Human labels for the ids that results carry: measures, countries, outcomes, levers, machines.

Results name things by id (``goldstein_sum``, ``gsomia_terminated``, ``JPN_controls_photoresist``);
a reader needs words. :class:`Labels` maps each id to a label, taking titles from the scenario and
names from the instruments register where they exist, and remembers which ids it was asked for, so
that an appendix can list exactly the ids the text stands for. The brief (``report``) and the
dashboard (``web``) both import it from here, which keeps the layering: shells -> report.
"""

from __future__ import annotations

import functools
import re
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from brinkwatch.measure.instruments import InstrumentsView
    from brinkwatch.simulate import Scenario

__all__ = [
    "DYAD_PALETTE",
    "MEASURE_LABELS",
    "MEASURE_UNITS",
    "VARIANT_LABELS",
    "Labels",
    "country_name",
    "dyad_colour",
    "human_label",
    "labels_for",
    "measure_axis",
    "reword",
]

#: What each measure of a dyad series means to a reader (the unit is per period).
MEASURE_LABELS: dict[str, str] = {
    "events": "number of events",
    "verbal_coop": "verbal cooperation (events)",
    "material_coop": "material cooperation (events)",
    "verbal_conflict": "verbal conflict (events)",
    "material_conflict": "material conflict (events)",
    "goldstein_sum": "conflict-cooperation score",
    "goldstein_mean": "average conflict-cooperation score",
    "net_coop": "net cooperation",
    "tone_mean": "average news tone",
}

#: The variants every scenario run has besides one per lever.
VARIANT_LABELS: dict[str, str] = {
    "none": "no lever",
    "actual": "the levers actually pulled",
    "proposed": "the levers first proposed",
}

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

#: The unit of each measure per period (the period's name follows "per").
MEASURE_UNITS: dict[str, str] = {
    "events": "events",
    "verbal_coop": "events",
    "material_coop": "events",
    "verbal_conflict": "events",
    "material_conflict": "events",
    "goldstein_sum": "Goldstein points",
    "goldstein_mean": "Goldstein points per event",
    "net_coop": "cooperative minus conflictual events",
}

# Short words a reader knows as written.
_ACRONYMS = {"gsomia", "tisa", "wto", "us", "un", "unga", "nk"}
# Lower-case ids spell these countries too; other three-letter words ("can") stay words.
_LOWER_COUNTRIES = {"usa", "jpn", "kor", "prk", "chn", "rus", "twn"}

_ARROWS = re.compile(r"\s*(->|→)\s*")


@functools.cache
def _countries() -> dict[str, str]:
    from brinkwatch.codebook import countries

    return {str(r["code"]): str(r["name"]) for r in countries().to_pylist()}


def country_name(code: str) -> str:
    """Return a country's name for its CAMEO code (the code itself when unknown).

    Examples
    --------
    >>> country_name("KOR"), country_name("XYZ")
    ('South Korea', 'XYZ')
    """
    return _countries().get(code[:3], code) if len(code) >= 3 else code


def _words(ident: str) -> str:
    """Spell an id in words: country codes become names, underscores spaces."""
    parts = [country_name(p) if p.isupper() and len(p) == 3 else p for p in ident.split("_")]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


@dataclass
class Labels:
    """Labels for ids, and a record of which ids were labelled (for the appendix).

    Examples
    --------
    >>> lab = Labels()
    >>> lab.dyad("JPN->KOR"), lab.pair("USA-JPN"), lab.measure("net_coop")
    ('Japan towards South Korea', 'United States-Japan', 'net cooperation')
    >>> lab.used()[0]
    ('direction', 'JPN->KOR', 'Japan towards South Korea')
    """

    outcomes: dict[str, str] = field(default_factory=dict)
    levers: dict[str, str] = field(default_factory=dict)
    machines: dict[str, str] = field(default_factory=dict)
    instruments: dict[str, str] = field(default_factory=dict)
    _used: dict[tuple[str, str], str] = field(default_factory=dict)

    def _note(self, kind: str, ident: str, label: str) -> str:
        if label != ident:
            self._used.setdefault((kind, ident), label)
        return label

    def actor(self, code: str) -> str:
        """Return a country's name."""
        return self._note("country", code, country_name(code))

    def dyad(self, dyad: str) -> str:
        """Label a directed dyad: ``JPN->KOR`` is "Japan towards South Korea"."""
        parts = _ARROWS.split(dyad)
        if len(parts) != 3:
            return self.pair(dyad)
        return self._note(
            "direction", dyad, f"{country_name(parts[0])} towards {country_name(parts[2])}"
        )

    def pair(self, pair: str) -> str:
        """Label an undirected pair: ``JPN-KOR`` is "Japan-South Korea"."""
        names = [country_name(p.strip()) for p in pair.split("-")]
        return self._note("pair", pair, "-".join(names))

    def measure(self, ident: str) -> str:
        """Label a measure of the dyad series."""
        return self._note("measure", ident, MEASURE_LABELS.get(ident, _words(ident)))

    def outcome(self, ident: str) -> str:
        """Label a scenario outcome by its title."""
        return self._note("outcome", ident, self.outcomes.get(ident, _words(ident)))

    def lever(self, ident: str) -> str:
        """Label a lever or a variant of levers."""
        label = VARIANT_LABELS.get(ident) or self.levers.get(ident) or _words(ident)
        return self._note("lever", ident, label)

    def machine(self, ident: str) -> str:
        """Label a scenario machine or instrument briefly, for legends and sentences.

        ``JPN_controls_photoresist`` reads "Japan controls photoresist"; an acronym such as
        ``GSOMIA`` reads as itself where the scenario's titles use it as a word; another
        acronym (``TISA``) reads as the start of its description; an instrument that is no
        machine of the scenario, as its register name.
        The full name is :meth:`instrument`'s.
        """
        label = _words(ident)
        titles = " ".join([*self.outcomes.values(), *self.levers.values()])
        if ident not in self.machines and ident in self.instruments:
            # Only in the register (a timeline lane): its name has room there.
            label = self.instruments[ident].split(" (")[0]
        elif ident.isalpha() and ident.isupper() and not re.search(rf"\b{ident}\b", titles):
            label = (self.machines.get(ident) or label).split(" (")[0]
        return self._note("machine", ident, label)

    def instrument(self, ident: str) -> str:
        """Label an instrument of the register by its name."""
        return self._note("instrument", ident, self.instruments.get(ident, _words(ident)))

    def state(self, ident: str) -> str:
        """Label a state: ``notice_suspended`` is "notice suspended"."""
        return self._note("state", ident, ident.replace("_", " "))

    def used(self) -> list[tuple[str, str, str]]:
        """Every id labelled so far as ``(kind, id, label)``, in the order first asked for."""
        return [(kind, ident, label) for (kind, ident), label in self._used.items()]


def labels_for(
    scenario: Scenario | None = None,
    instruments: InstrumentsView | None = None,
    *,
    extra_levers: Iterable[tuple[str, str]] = (),
) -> Labels:
    """Build the labels of one set of results: titles from the scenario, names from the register.

    Parameters
    ----------
    scenario
        Its outcomes' and levers' titles, and its machines' first sentence of description.
    instruments
        The register's view: each instrument's name.
    extra_levers
        More ``(id, label)`` pairs for variants.

    Returns
    -------
    Labels
    """
    lab = Labels()
    if scenario is not None:
        lab.outcomes.update({o.name: o.title for o in scenario.outcomes if o.title})
        lab.levers.update({lv.name: lv.title for lv in scenario.levers if lv.title})
        lab.machines.update(
            {m.name: m.description.split(". ")[0].rstrip(".") for m in scenario.machines}
        )
    lab.levers.update(dict(extra_levers))
    if instruments is not None:
        lab.instruments.update({x.instrument: x.name for x in instruments.in_force})
    return lab


_DIRECTED = re.compile(r"\b([A-Z]{3})(?:->|→)([A-Z]{3})\b")
_PAIR = re.compile(r"\b([A-Z]{3})-([A-Z]{3})\b")
_SNAKE = re.compile(r"\b[A-Za-z]+(?:_[A-Za-z0-9]+)+\b")


def reword(text: str, lab: Labels) -> str:
    """Replace the ids a library sentence carries with their labels.

    Known ids (measures, outcomes, levers, machines, instruments) go first, longest first, so
    that ``export_controls_eased`` is not read as ``export_controls``; then directed dyads
    (``JPN->KOR``), pairs (``JPN-KOR``) and any remaining ``snake_case`` word.

    Examples
    --------
    >>> reword("a surprise in JPN->KOR (0.6 net_coop)", Labels())
    'a surprise in Japan towards South Korea (0.6 net cooperation)'
    """
    known: dict[str, str] = {}
    for ident in MEASURE_LABELS:
        # "events" is a measure and a word: "no events of ..." must keep reading as one.
        if "_" in ident:
            known[ident] = MEASURE_LABELS[ident]
    for table in (lab.machines, lab.instruments, lab.levers, lab.outcomes):
        # A plain lower-case word ("summit") is left alone: it reads as itself in a sentence.
        known.update({i: i for i in table if "_" in i or i.isupper()})
    for ident in sorted(known, key=len, reverse=True):
        if ident not in text:
            continue
        label = (
            lab.measure(ident)
            if ident in MEASURE_LABELS
            else lab.outcome(ident)
            if ident in lab.outcomes
            else lab.lever(ident)
            if ident in lab.levers
            else lab.machine(ident)
        )
        text = re.sub(rf"(?<![\w-]){re.escape(ident)}(?![\w-])", label, text)
    text = _DIRECTED.sub(lambda m: lab.dyad(f"{m[1]}->{m[2]}"), text)
    text = _PAIR.sub(lambda m: lab.pair(f"{m[1]}-{m[2]}"), text)
    return _SNAKE.sub(lambda m: lab.state(m[0]), text)


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
    if name == "index":
        return "relation index"
    words = [w for w in re.split(r"[_\s]+", name.strip()) if w]
    out: list[str] = []
    for i, w in enumerate(words):
        code = w.upper()
        known = country_name(code) != code
        if len(w) == 3 and known and (w.isupper() or w in _LOWER_COUNTRIES):
            country = country_name(code)
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
