"""explain_triad: one call gives the fit, tests, responses and reciprocity the shells show."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from brinkwatch.errors import ConfigError
from brinkwatch.explain import TriadVAR, explain_triad
from brinkwatch.store import Store
from tests.explain.conftest import TriadFn

WINDOW = {"start": date(2017, 1, 1), "end": date(2020, 12, 31)}


def test_explain_triad_is_the_steps_it_replaces(chronology: Store, chron_triad: TriadFn) -> None:
    x = explain_triad(
        chronology.events,
        ["USA", "JPN", "KOR"],
        freq="month",
        origins=["chronology"],
        model=TriadVAR(measure="net_coop", min_active=3, lags=1),
        repl=20,
        seed=3,
        fevd=True,
        **WINDOW,
    )
    table = chron_triad("month", WINDOW["start"], WINDOW["end"])
    model = TriadVAR(measure="net_coop", min_active=3, lags=1).fit(table)
    assert not model.insufficient_ and not x.model.insufficient_
    assert x.table.equals(table) and x.n_periods == 48
    assert (x.first, x.last) == (date(2017, 1, 1), date(2020, 12, 1))
    assert [g.pvalue for g in x.granger] == [g.pvalue for g in model.granger()]
    irf = model.irf(8, repl=20, seed=3)
    assert x.irf is not None and np.array_equal(x.irf.lower, irf.lower)
    rec = model.reciprocity(irf=irf, granger=model.granger())
    assert x.reciprocity.lines == rec.lines and x.reciprocity.lines
    assert x.fevd is not None and np.allclose(x.fevd.values, model.fevd(8).values)


def test_too_little_data_is_a_result_not_an_error(chronology: Store) -> None:
    x = explain_triad(
        chronology.events, ["USA", "JPN", "KOR"], start=date(2019, 7, 1), end=date(2019, 9, 30)
    )
    assert x.model.insufficient_ and x.irf is None and x.fevd is None
    assert x.reciprocity.insufficient and x.model.notes_


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"actors": ["USA", "JPN"]}, "actors"),
        ({"actors": ["USA", "JPN", "JPN"]}, "actors"),
        ({"actors": ["USA", "JPN", "XXX"]}, "actors"),
        ({"actors": ["USA", "JPN", "KOR"], "freq": "year"}, "freq"),
    ],
)
def test_errors_name_the_parameter(
    chronology: Store, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        explain_triad(chronology.events, **kwargs)  # type: ignore[arg-type]
    assert exc.value.field == field
