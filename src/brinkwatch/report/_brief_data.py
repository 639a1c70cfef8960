"""Gather what a brief shows: one call to each stage (measure, explain, simulate), nothing else.

Every number in a brief comes from the stage bundles (:class:`~brinkwatch.measure.DyadMeasure`,
:class:`~brinkwatch.explain.TriadExplanation`, :class:`~brinkwatch.simulate.VariantRuns`);
this module checks the arguments up front, calls the stages and words their warnings as notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from brinkwatch._types import Progress
from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from brinkwatch.codebook import Actor, Dyad
    from brinkwatch.explain import TriadExplanation
    from brinkwatch.instruments import Register
    from brinkwatch.measure import DyadMeasure
    from brinkwatch.measure.instruments import InstrumentsView
    from brinkwatch.simulate import Scenario, VariantRuns
    from brinkwatch.store import StoreStats

__all__ = ["BriefData", "Progress", "gather_brief"]


def _dedupe(notes: Sequence[str]) -> list[str]:
    # The same finding arrives as a warning and as a model note: keep the longer wording.
    out: list[str] = []
    for n in sorted(dict.fromkeys(notes), key=len, reverse=True):
        bare = n.split(": ", 1)[1] if "Warning: " in n else n
        if not any(bare in o for o in out):
            out.append(n)
    return sorted(out, key=list(notes).index)


@dataclass(frozen=True)
class BriefData:
    """Everything a brief shows, computed; :func:`~brinkwatch.report.brief.render_brief` draws."""

    dyad: str
    start: date | None
    end: date | None
    generated: datetime
    measure: DyadMeasure
    stats: StoreStats | None = None
    explain: TriadExplanation | None = None
    scenario: VariantRuns | None = None
    version: str = ""
    on: date | None = None
    instruments: InstrumentsView | None = None

    @property
    def first_period(self) -> date | None:
        """First period of the dyad's series (the data window actually covered)."""
        return self.measure.rows[0]["period"] if self.measure.rows else None

    @property
    def last_period(self) -> date | None:
        """Last period of the dyad's series."""
        return self.measure.rows[-1]["period"] if self.measure.rows else None

    @property
    def measure_notes(self) -> list[str]:
        """Notes of the measure section."""
        return _dedupe([str(n) for n in self.measure.notes])

    @property
    def explain_notes(self) -> list[str]:
        """Notes of the reciprocity section: the model's and the warnings."""
        x = self.explain
        return [] if x is None else _dedupe([*x.model.notes_, *map(str, x.notes)])

    @property
    def scenario_notes(self) -> list[str]:
        """Notes of the scenario section: how the model was fitted, and the warnings."""
        s = self.scenario
        return [] if s is None else _dedupe([*s.dynamics.notes, *map(str, s.notes)])

    @property
    def notes(self) -> list[str]:
        """All notes, section by section."""
        return [*self.measure_notes, *self.explain_notes, *self.scenario_notes]


def gather_brief(
    events: ir.Table,
    *,
    dyad: str,
    triad: Sequence[str] | None = None,
    scenario: Scenario | None = None,
    start: date | None = None,
    end: date | None = None,
    freq: str = "month",
    measure: str = "goldstein_sum",
    explain_measure: str = "net_coop",
    origins: Sequence[str] | None = None,
    n_paths: int = 2000,
    seed: int = 0,
    repl: int = 500,
    stats: StoreStats | None = None,
    progress: Progress | None = None,
    register: Register | None = None,
) -> BriefData:
    """Compute every result a brief shows by calling the measure, explain and simulate stages.

    Parameters
    ----------
    events
        The store's canonical events table.
    dyad
        Two actors joined by ``-``, e.g. ``JPN-KOR`` (see :class:`~brinkwatch.codebook.Dyad`);
        both directions are measured.
    triad
        Three actors for the reciprocity section (mediator first), or None to leave it out.
    scenario
        A parsed scenario for the scenario section, or None to leave it out.
    start, end
        The data window (inclusive); the span of the dyad's events when omitted.
    freq, measure
        Period and measure of the relation index (see :func:`~brinkwatch.measure.dyad_series`).
    explain_measure
        Measure the triad VAR is fitted on.
    origins
        Use only these origins.
    n_paths, seed
        Monte Carlo paths per variant and the seed (also of the impulse-response bootstrap).
    repl
        Bootstrap replications of the impulse responses.
    stats
        The store's :class:`~brinkwatch.store.StoreStats`, stated as the brief's sources.
    progress
        Called with the stage name and its completed fraction.
    register
        An instruments register (read by the caller through
        :mod:`brinkwatch.ingest.instruments`): the brief then lists the instruments in force
        on its date (``on``: ``end``, or the last day with data), draws their timeline up to
        that day and the dyad's frictions in force beside the index. None: the brief says
        that no register was given.

    Returns
    -------
    BriefData

    Raises
    ------
    ConfigError
        Naming the parameter (``dyad``, ``triad``, ``freq``, ``start``) before any work.

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> s = example()
    >>> data = gather_brief(s.events, dyad="JPN-KOR")
    >>> [(h.dyad, h.latest["value"]) for h in data.measure.headlines]
    [('JPN->KOR', 0.0), ('KOR->JPN', 4.0)]
    """
    from brinkwatch import __version__
    from brinkwatch.explain import TriadVAR, explain_triad
    from brinkwatch.measure import measure_dyad
    from brinkwatch.simulate import run_variants

    def step(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, fraction)

    # Every argument is checked before the first query, so a typo costs no waiting.
    d, actors = _checked(dyad, triad, start, end, freq)
    orig = list(origins) if origins else None

    step("measure", 0.0)
    measured = measure_dyad(
        events,
        d,
        freq=freq,
        start=start,
        end=end,
        measure=measure,
        origins=orig,
        register=register,
    )
    step("measure", 1.0)
    explained = None
    if actors is not None:
        step("explain", 0.0)
        explained = explain_triad(
            events,
            actors,
            freq=freq,
            start=start,
            end=end,
            origins=orig,
            model=TriadVAR(measure=explain_measure),
            repl=repl,
            seed=seed,
        )
        step("explain", 1.0)
    simulated = None
    if scenario is not None:
        step("simulate", 0.0)
        simulated = run_variants(
            scenario, events, n_paths=n_paths, seed=seed, progress=lambda f: step("simulate", f)
        )
    return BriefData(
        dyad=d.name,
        start=start,
        end=end,
        generated=datetime.now(UTC).replace(microsecond=0),
        measure=measured,
        stats=stats,
        explain=explained,
        scenario=simulated,
        version=__version__,
        on=_brief_date(measured, end),
        instruments=_instruments(register, _brief_date(measured, end)),
    )


def _brief_date(m: DyadMeasure, end: date | None) -> date | None:
    """Return the brief's date: the requested end, else the last day with counted data."""
    if end is not None:
        return end
    days = [c.last for c in m.coverage if c.used]
    return max(days) if days else None


def _instruments(register: Register | None, on: date | None) -> InstrumentsView | None:
    """Return what is in force on the brief's date and the timeline up to it."""
    if register is None or on is None:
        return None
    from brinkwatch.measure.instruments import instruments_view, timeline

    view = instruments_view(register, at=on)
    return replace(view, spans=tuple(timeline(register, end=on)))


def _checked(
    dyad: str,
    triad: Sequence[str] | None,
    start: date | None,
    end: date | None,
    freq: str,
) -> tuple[Dyad, list[Actor] | None]:
    """Check the brief's arguments; return the dyad and the triad's actors (or None)."""
    from brinkwatch.codebook import Actor, Dyad
    from brinkwatch.measure import Freq

    if start is not None and end is not None and start > end:
        raise ConfigError(f"the window starts ({start}) after it ends ({end})", field="start")
    if freq.lower() not in {f.value for f in Freq}:
        raise ConfigError(
            f"freq takes one of {', '.join(f.value for f in Freq)}; got {freq!r}", field="freq"
        )
    d = Dyad.parse(dyad, field="dyad")
    actors = None
    if triad is not None:
        if len(triad) != 3:
            raise ConfigError(f"a triad is three actors, got {len(triad)}", field="triad")
        actors = [Actor.parse(t, field="triad") for t in triad]
        if len({a.country for a in actors}) < 3:
            raise ConfigError(
                f"a triad needs three different countries, got {triad}", field="triad"
            )
    return d, actors
