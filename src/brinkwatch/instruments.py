"""The instruments register as data: agreements and measures, their states and dated changes.

Frozen records only, with no I/O and no third-party imports, so that every stage can read
them: ``brinkwatch.ingest.instruments`` builds them from a YAML file (the only place that
reads one), ``brinkwatch.measure.instruments`` queries them, and the scenario and the brief
(later) take their states from them. The model sits at the top of the package, beside
``errors.py``, because ``measure/`` must not import ``ingest/`` and the codebook is about
CAMEO codes, not dated facts. ``docs/instruments.md`` describes the file format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

__all__ = [
    "BUNDLED_REGISTER",
    "DATE_KINDS",
    "INSTRUMENT_TYPES",
    "Citation",
    "Instrument",
    "Register",
    "Renewal",
    "StateChange",
    "Weights",
]

#: Friction weights by instrument id, then state (an override of the register's defaults).
Weights = Mapping[str, Mapping[str, float]]

#: Package path of the bundled Japan-Korea-US register (relative to the ``brinkwatch`` package).
BUNDLED_REGISTER = "data/instruments/jpn-kor-usa-2015-2023.yaml"

#: The kinds of instrument a register may hold.
INSTRUMENT_TYPES = (
    "agreement",
    "arrangement",
    "export_control",
    "whitelist",
    "ruling",
    "seizure",
    "trade_case",
    "swap",
    "measure",
)

#: What a change's date is the date of.
DATE_KINDS = ("announced", "decided", "signed", "filed", "effective", "expired", "ruled", "granted")


@dataclass(frozen=True)
class Citation:
    """The source of a state change: who published it, when, under what title, and where.

    ``url`` is given only when it was checked; ``checked`` is true only when the source was
    opened and confirms the change.
    """

    publisher: str
    date: date
    title: str
    url: str | None = None
    archive: str | None = None
    checked: bool = False

    @property
    def reference(self) -> str:
        """One line: publisher, date, title, then the URL or archive id when there is one."""
        where = self.url or self.archive
        text = f"{self.publisher}, {self.date.isoformat()}: {self.title}"
        return f"{text} <{where}>" if where else text


@dataclass(frozen=True)
class StateChange:
    """An instrument enters ``state`` on ``date`` (a date of kind ``date_kind``)."""

    date: date
    state: str
    date_kind: str
    citation: Citation
    timezone: str | None = None
    date_note: str | None = None
    note: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Renewal:
    """How an agreement renews itself: yearly on ``anniversary`` unless notice is given.

    A notice given at least ``notice_days`` before an anniversary ends the agreement on that
    anniversary: the instrument then moves from ``notice_state`` to ``end_state``. ``basis``
    says where the text says so (an article of the agreement).
    """

    anniversary: tuple[int, int]
    notice_days: int
    notice_state: str
    end_state: str
    basis: str = ""


@dataclass(frozen=True)
class Instrument:
    """An agreement, measure, ruling or case between named parties, and its dated states.

    A state holds from its change's date until the day before the next change, or to ``end``
    (inclusive); outside ``start``..``end`` the instrument does not exist. ``states`` maps
    each state to its default friction weight (0 = no friction).
    """

    id: str
    name: str
    type: str
    parties: tuple[str, ...]
    states: dict[str, float]
    start: date
    changes: tuple[StateChange, ...]
    end: date | None = None
    imposer: str | None = None
    target: str | None = None
    line: int | None = None
    #: The renewal rule of an agreement that renews itself unless notice is given, else None.
    renewal: Renewal | None = None

    def __hash__(self) -> int:
        return hash((self.id, self.start))

    def state_on(self, day: date) -> StateChange | None:
        """Return the change whose state holds on ``day``, or ``None`` outside the life.

        Examples
        --------
        >>> c = Citation("MOFA", date(2016, 11, 23), "Signing")
        >>> g = Instrument("G", "G", "agreement", ("JPN", "KOR"), {"active": 0.0},
        ...                date(2016, 11, 23), (StateChange(date(2016, 11, 23), "active",
        ...                "signed", c),))
        >>> g.state_on(date(2016, 11, 22)) is None, g.state_on(date(2020, 1, 1)).state
        (True, 'active')
        """
        if day < self.start or (self.end is not None and day > self.end):
            return None
        held = None
        for ch in self.changes:
            if ch.date > day:
                break
            held = ch
        return held


@dataclass(frozen=True)
class Register:
    """A validated register: its id, title, source file and instruments in file order."""

    id: str
    title: str
    instruments: tuple[Instrument, ...]
    source: str = "register"

    def __getitem__(self, instrument_id: str) -> Instrument:
        for ins in self.instruments:
            if ins.id == instrument_id:
                return ins
        raise KeyError(instrument_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """The instruments' ids, in file order."""
        return tuple(i.id for i in self.instruments)
