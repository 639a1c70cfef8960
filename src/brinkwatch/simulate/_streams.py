"""Daily event streams of an actor set: one cooperative and one conflictual count per directed dyad.

The counts come from the store's ``events`` table through :func:`~brinkwatch.measure.dyad_series`
(Ibis, so DuckDB or Spark aggregate the events); what reaches NumPy is one row per day, so
everything downstream costs days x streams, whatever the number of events.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from brinkwatch.codebook import as_actor
from brinkwatch.errors import ConfigError
from brinkwatch.measure import Actor, dyad_series

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["KINDS", "Streams", "event_streams"]

#: The two streams of each directed dyad: quad classes 1+2 and 3+4.
KINDS = ("coop", "conflict")


@dataclass(frozen=True)
class Streams:
    """Daily counts of several event streams over consecutive days.

    Parameters
    ----------
    counts
        Array of shape (days, streams), non-negative integers.
    names
        One name per stream, such as ``"JPN->KOR conflict"``.
    start
        The first day (row 0); rows are consecutive days.
    exogenous
        Names of streams that other streams may respond to but that do not respond to them.

    Examples
    --------
    >>> s = Streams(np.array([[0, 1], [2, 0]]), ("A->B coop", "A->B conflict"), date(2019, 7, 1))
    >>> s.n_days, s.end, s.totals().tolist()
    (2, datetime.date(2019, 7, 2), [2, 1])
    """

    counts: np.ndarray
    names: tuple[str, ...]
    start: date
    exogenous: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        c = np.asarray(self.counts)
        if c.ndim != 2 or c.shape[1] != len(self.names):
            raise ConfigError(
                f"counts must have shape (days, {len(self.names)}) for {len(self.names)} names; "
                f"got {c.shape}",
                field="counts",
            )
        if c.size and (not np.all(np.isfinite(c)) or c.min() < 0 or np.any(c != np.round(c))):
            raise ConfigError("counts must be non-negative whole numbers of events", field="counts")
        if len(set(self.names)) != len(self.names):
            raise ConfigError(f"stream names repeat: {self.names}", field="names")
        unknown = set(self.exogenous) - set(self.names)
        if unknown:
            raise ConfigError(f"exogenous streams {sorted(unknown)} are not streams", field="names")
        object.__setattr__(self, "counts", c.astype(np.int64, copy=False))

    @property
    def n_days(self) -> int:
        """Number of days (rows)."""
        return int(self.counts.shape[0])

    @property
    def end(self) -> date:
        """The last day."""
        return self.start + timedelta(days=self.n_days - 1)

    @property
    def dates(self) -> list[date]:
        """Every day, in order."""
        return [self.start + timedelta(days=i) for i in range(self.n_days)]

    def totals(self) -> np.ndarray:
        """Events per stream over all days."""
        return np.asarray(self.counts.sum(axis=0))

    def window(self, start: date | None = None, end: date | None = None) -> Streams:
        """Return the days from ``start`` to ``end`` inclusive (clipped to the data).

        Raises
        ------
        ConfigError
            If the window holds no day of the data.
        """
        lo = 0 if start is None else max(0, (start - self.start).days)
        hi = self.n_days if end is None else min(self.n_days, (end - self.start).days + 1)
        if hi <= lo:
            raise ConfigError(
                f"no day of the data ({self.start}..{self.end}) lies in {start}..{end}",
                field="end",
            )
        return Streams(
            self.counts[lo:hi], self.names, self.start + timedelta(days=lo), self.exogenous
        )

    def to_arrow(self) -> pa.Table:
        """One row per day: ``day`` and one integer column per stream."""
        cols: dict[str, pa.Array] = {"day": pa.array(self.dates, pa.date32())}
        for j, n in enumerate(self.names):
            cols[n] = pa.array(self.counts[:, j])
        return pa.table(cols)

    @classmethod
    def from_arrow(cls, table: pa.Table, exogenous: Sequence[str] = ()) -> Streams:
        """Read a table like :meth:`to_arrow`'s: a ``day`` column and one count column per stream.

        Raises
        ------
        ConfigError
            If ``day`` is missing, or the days are not consecutive.
        """
        if "day" not in table.column_names or table.num_rows == 0:
            raise ConfigError("a streams table needs rows and a 'day' column", field="day")
        days = table.column("day").to_pylist()
        first = days[0]
        if any(d != first + timedelta(days=i) for i, d in enumerate(days)):
            raise ConfigError(
                "the rows must be consecutive days, sorted, none missing", field="day"
            )
        names = tuple(c for c in table.column_names if c != "day")
        counts = np.column_stack([table.column(n).to_numpy(zero_copy_only=False) for n in names])
        return cls(counts, names, first, tuple(exogenous))


def _pairs(actors: Sequence[Actor]) -> list[tuple[Actor, Actor]]:
    if len(actors) < 2:
        raise ConfigError(f"give at least two actors, got {len(actors)}", field="actors")
    if len({a.country for a in actors}) < len(actors):
        raise ConfigError(
            f"actors must be different countries, got {', '.join(map(str, actors))}",
            field="actors",
        )
    return list(itertools.permutations(actors, 2))


def event_streams(
    events: ir.Table,
    actors: Sequence[Actor | str],
    *,
    exogenous: Sequence[Actor | str] = (),
    start: date | None = None,
    end: date | None = None,
    origins: Sequence[str] | None = None,
) -> Streams:
    """Count events per day for each directed dyad of ``actors``, cooperative and conflictual.

    Parameters
    ----------
    events
        The store's canonical ``events`` table (DuckDB or Spark).
    actors
        Two or more actors (``Actor`` or text such as ``"JPN"``); a triad gives 6 directed
        dyads, so 12 streams, named like ``"JPN->KOR coop"`` (quad classes 1-2) and
        ``"JPN->KOR conflict"`` (3-4).
    exogenous
        Outside actors, such as ``Actor("CHN")``: each adds two streams of its events toward any
        of ``actors`` (``"CHN->* coop"``, ``"CHN->* conflict"``), marked exogenous.
    start, end
        Inclusive days; default to the span of the matching events.
    origins
        Use only these origins (e.g. ``["gdelt2"]``).

    Returns
    -------
    Streams
        Counts of shape (days, streams), every day present (zeros included).

    Raises
    ------
    ConfigError
        If the actors repeat, fewer than two are given, or no event matches.

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> s = example()
    >>> st = event_streams(s.events, [Actor("JPN"), Actor("KOR")])
    >>> st.names
    ('JPN->KOR coop', 'JPN->KOR conflict', 'KOR->JPN coop', 'KOR->JPN conflict')
    >>> st.counts.shape, st.counts.sum(axis=0).tolist()  # one row a day, 1 July to 22 November
    ((145, 4), [0, 3, 2, 2])
    """
    inside = [as_actor(a, field="actors") for a in actors]
    outer = [as_actor(x, field="exogenous") for x in exogenous]
    pairs = _pairs(inside)
    outside = [(x, a) for x in outer for a in inside]
    if any(x.country in {a.country for a in inside} for x in outer):
        raise ConfigError("an exogenous actor cannot also be in the actor set", field="exogenous")
    # Stored rows of every actor, as before issue 14's state/story defaults: whether the
    # escalation model should count stories of state actors is the simulate stage's call.
    ser = dyad_series(
        events, pairs + outside, freq="day", start=start, end=end, origins=origins,
        actors="all", count="rows",
    ).select("dyad", "period", "verbal_coop", "material_coop", "verbal_conflict",
             "material_conflict")  # fmt: skip
    t = ser.to_pyarrow()
    dyads = t.column("dyad").to_numpy(zero_copy_only=False)
    periods = t.column("period").to_pylist()
    coop = t.column("verbal_coop").to_numpy() + t.column("material_coop").to_numpy()
    conf = t.column("verbal_conflict").to_numpy() + t.column("material_conflict").to_numpy()
    first, last = min(periods), max(periods)
    n_days = (last - first).days + 1
    day_idx = np.array([(p - first).days for p in periods], dtype=np.int64)
    labels = [f"{s}->{t_}" for s, t_ in pairs]
    ext = [str(x) for x in outer]
    names = [f"{d} {k}" for d in labels for k in KINDS] + [
        f"{x}->* {k}" for x in ext for k in KINDS
    ]
    counts = np.zeros((n_days, len(names)), dtype=np.int64)
    for j, lab in enumerate(labels):
        rows = dyads == lab
        counts[day_idx[rows], 2 * j] = coop[rows]
        counts[day_idx[rows], 2 * j + 1] = conf[rows]
    base = 2 * len(labels)
    for j, x in enumerate(ext):
        # All targets in the actor set together: one outside pressure per kind.
        rows = np.array([str(d).startswith(f"{x}->") for d in dyads], dtype=bool)
        np.add.at(counts[:, base + 2 * j], day_idx[rows], coop[rows])
        np.add.at(counts[:, base + 2 * j + 1], day_idx[rows], conf[rows])
    exo = tuple(names[base:])
    return Streams(counts, tuple(names), first, exo)
