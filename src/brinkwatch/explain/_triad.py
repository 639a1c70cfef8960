"""Explaining a triad in one call: series, VAR, Granger tests, responses and reciprocity."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from brinkwatch._frames import Tabular
from brinkwatch._notes import Note, caught_notes
from brinkwatch.codebook import Actor
from brinkwatch.errors import ConfigError
from brinkwatch.explain._reciprocity import compare_measures
from brinkwatch.explain._var import TriadVAR

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from brinkwatch.explain._reciprocity import Reciprocity
    from brinkwatch.explain._results import GrangerTest, ImpulseResponse, VarianceDecomposition
    from brinkwatch.measure import Freq

__all__ = ["COMPARED_MEASURES", "TriadExplanation", "explain_triad"]

#: Each measure and the other measure of the same dyads it is checked against: the share of
#: cooperative events and the Goldstein-weighted sum can read the same weeks differently.
COMPARED_MEASURES = {"net_coop": "goldstein_sum", "goldstein_sum": "net_coop"}


@dataclass(frozen=True)
class TriadExplanation(Tabular):
    """A triad VAR read for reciprocity: everything a shell shows about it.

    Attributes
    ----------
    actors
        The three actors, as given (mediator first by convention).
    freq, measure
        Period of the series and the measure modelled.
    table
        The triad series (:func:`~brinkwatch.measure.triad_series`) as Arrow.
    first, last, n_periods
        The periods covered.
    model
        The fitted :class:`TriadVAR` (``insufficient_`` when no VAR could be fitted).
    granger
        Pairwise and block Granger tests.
    irf
        Generalised impulse responses with bootstrap bands; None without a VAR.
    reciprocity
        Reciprocity and third-party effects, in words and numbers.
    fevd
        Variance decomposition, when asked for and a VAR was fitted.
    periods, repl, seed
        Horizon, bootstrap replications and seed of the responses.
    notes
        Warnings issued while fitting and testing (the model's own notes are ``model.notes_``).
    cross_check
        The same reading on the other measure of :data:`COMPARED_MEASURES` (None for other
        measures); where the two disagree, ``reciprocity.disagreements`` says so.
    """

    actors: tuple[Actor, Actor, Actor]
    freq: str
    measure: str
    table: pa.Table
    first: date | None
    last: date | None
    n_periods: int
    model: TriadVAR
    granger: list[GrangerTest]
    irf: ImpulseResponse | None
    reciprocity: Reciprocity
    fevd: VarianceDecomposition | None
    periods: int
    repl: int
    seed: int
    notes: list[Note]
    cross_check: Reciprocity | None = None

    def to_arrow(self) -> pa.Table:
        """Return the Granger tests, one row each: label, kind, F statistic, p-values."""
        import pyarrow as pa

        keys = ("label", "kind", "stat", "df_num", "df_denom", "pvalue", "pvalue_holm")
        rows = [g.as_dict() for g in self.granger]
        # Typed columns even without tests (no VAR fitted): the frame still has its header.
        types = (pa.string(), pa.string(), pa.float64(), pa.int64(), pa.int64(), pa.float64(),
                 pa.float64(), pa.bool_())  # fmt: skip
        names = (*keys, "significant_holm")
        return pa.table(
            {k: pa.array([r[k] for r in rows], type=t) for k, t in zip(names, types, strict=True)}
        )

    def summary(self) -> str:
        """Return the periods covered, the lag order and the reciprocity reading in words."""
        names = "-".join(str(a) for a in self.actors)
        head = f"{names} triad, {self.freq} {self.measure}: {self.n_periods} periods"
        if self.first is not None:
            head += f" ({self.first} to {self.last})"
        lines = [head, *self.reciprocity.lines, *self.reciprocity.disagreements]
        return "\n".join([*lines, *map(str, self.notes)])


def explain_triad(
    events: ir.Table,
    actors: Sequence[Actor | str],
    *,
    freq: Freq | str = "month",
    start: date | None = None,
    end: date | None = None,
    origins: Sequence[str] | None = None,
    model: TriadVAR | None = None,
    periods: int = 8,
    repl: int = 500,
    seed: int = 0,
    fevd: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> TriadExplanation:
    """Fit a VAR to the six directed dyads of a triad and read it for reciprocity.

    Parameters
    ----------
    events
        The store's canonical ``events`` table.
    actors
        Three actors in different countries (``Actor`` or text such as ``"USA"``).
    freq, start, end, origins
        As for :func:`~brinkwatch.measure.triad_series`.
    model
        An unfitted :class:`TriadVAR` with the options wanted (it is fitted here); by default
        ``TriadVAR()`` on ``net_coop``.
    periods, repl, seed
        Horizon, bootstrap replications and seed of the generalised impulse responses.
    fevd
        Also decompose the forecast-error variance over ``periods``.
    progress
        Called as ``progress(done, repl)`` while bootstrapping.

    Returns
    -------
    TriadExplanation

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> s = example()
    >>> x = explain_triad(s.events, ["USA", "JPN", "KOR"])
    >>> x.model.insufficient_, x.irf is None, x.n_periods
    (True, True, 5)
    """
    from brinkwatch.measure import Freq, triad_pairs, triad_series

    if len(actors) != 3:
        raise ConfigError(f"a triad is three actors, got {len(actors)}", field="actors")
    a, b, c = (x if isinstance(x, Actor) else Actor.parse(x, field="actors") for x in actors)
    triad_pairs(a, b, c)  # three different countries, checked before any query
    try:
        f = Freq(str(freq).lower())
    except ValueError:
        raise ConfigError(
            f"the frequency is one of {', '.join(x.value for x in Freq)}; got {freq!r}",
            field="freq",
        ) from None
    var = model if model is not None else TriadVAR()
    with caught_notes() as notes:
        table = triad_series(
            events, a, b, c, freq=f, start=start, end=end, origins=list(origins or []) or None
        ).to_pyarrow()
        var.fit(table)
        granger = var.granger()
        irf = dec = None
        if not var.insufficient_ and var.dynamics_:
            irf = var.irf(periods, kind="generalized", repl=repl, seed=seed, progress=progress)
            dec = var.fevd(periods) if fevd else None
        rec = var.reciprocity(irf=irf, granger=granger)
    other = _cross_check(var, table, periods, repl, seed)
    if other is not None:
        rec = replace(rec, disagreements=compare_measures(rec, other))
    cal = sorted(set(table.column("period").to_pylist()))
    return TriadExplanation(
        actors=(a, b, c),
        freq=f.value,
        measure=var.measure,
        table=table,
        first=cal[0] if cal else None,
        last=cal[-1] if cal else None,
        n_periods=len(cal),
        model=var,
        granger=granger,
        irf=irf,
        reciprocity=rec,
        fevd=dec,
        periods=periods,
        repl=repl,
        seed=seed,
        notes=notes,
        cross_check=other,
    )


def _cross_check(
    var: TriadVAR, table: pa.Table, periods: int, repl: int, seed: int
) -> Reciprocity | None:
    """Read the triad again on the other measure, with the same options (quietly)."""
    measure = COMPARED_MEASURES.get(var.measure_)
    if measure is None or measure not in table.column_names:
        return None
    twin = TriadVAR(
        var.lags,
        ic=var.ic,
        maxlags=var.maxlags,
        trend=var.trend,
        difference=var.difference,
        measure=measure,
        alpha=var.alpha,
        min_active=var.min_active,
    )
    with warnings.catch_warnings():
        # Its checks repeat the main model's warnings; its verdicts are what is compared.
        warnings.simplefilter("ignore")
        twin.fit(table)
        if twin.insufficient_ or not twin.dynamics_:
            return twin.reciprocity()
        irf = twin.irf(periods, kind="generalized", repl=repl, seed=seed)
        return twin.reciprocity(irf=irf, granger=twin.granger())
