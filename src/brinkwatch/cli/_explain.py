"""``brinkwatch explain``: reciprocity and triangular influence in a triad (VAR, Granger, IRFs)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import MofNCompleteColumn
from rich.table import Table

from brinkwatch.cli._actors import ActorsArgs, ActorsOpt, actor_set
from brinkwatch.cli._app import (
    DbOption,
    _open,
    _parse_date,
    app,
    check_choice,
    err,
    out,
    print_notes,
    progress_bar,
)
from brinkwatch.cli._measure import (
    MEASURE_HELP,
    FormatOpt,
    FromOpt,
    OriginOpt,
    PlotOpt,
    ToOpt,
    _choice,
    _measure_choice,
    _origins,
)
from brinkwatch.cli._render import OutputFormat, render_arrow, to_json
from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    import pyarrow as pa

    from brinkwatch.explain import (
        GrangerTest,
        ImpulseResponse,
        Reciprocity,
        TriadExplanation,
        TriadVAR,
        VarianceDecomposition,
    )

# statsmodels and the measure stage are imported inside the command, so `brinkwatch --help`
# and the other commands start without them.


def _fmt(v: float | None, spec: str = ".3f") -> str:
    return "" if v is None else format(v, spec)


def _p(v: float | None) -> str:
    if v is None:
        return ""
    return "<0.001" if v < 0.001 else f"{v:.3f}"


@app.command("explain")
def explain_cmd(
    actor_args: ActorsArgs = None,
    actor_opt: ActorsOpt = None,
    triad_old: Annotated[
        tuple[str, str, str] | None,
        typer.Option("--triad", help="Deprecated: use --actors.", hidden=True),
    ] = None,
    freq: Annotated[str, typer.Option("--freq", help="day, week or month.")] = "month",
    start: FromOpt = None,
    end: ToOpt = None,
    measure: Annotated[str, typer.Option("--measure", help=MEASURE_HELP)] = "net_coop",
    origin: OriginOpt = None,
    lags: Annotated[
        int | None, typer.Option("--lags", min=1, help="Lag order (default: chosen by --ic).")
    ] = None,
    maxlags: Annotated[
        int | None, typer.Option("--maxlags", min=1, help="Largest lag order compared.")
    ] = None,
    ic: Annotated[str, typer.Option("--ic", help="aic, bic, hqic or fpe.")] = "aic",
    trend: Annotated[str, typer.Option("--trend", help="c, ct or n.")] = "c",
    difference: Annotated[
        bool, typer.Option("--difference", help="Fit on first differences.")
    ] = False,
    min_active: Annotated[
        int, typer.Option("--min-active", min=0, help="Leave out dyads with fewer active periods.")
    ] = 10,
    periods: Annotated[
        int, typer.Option("--periods", min=1, help="Horizon of the impulse responses.")
    ] = 8,
    repl: Annotated[int, typer.Option("--repl", min=0, help="Bootstrap replications.")] = 500,
    alpha: Annotated[float, typer.Option("--alpha", help="Test level; intervals 1-alpha.")] = 0.05,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    irf_kind: Annotated[
        str, typer.Option("--irf", help="Plot generalized or orthogonal responses.")
    ] = "generalized",
    fmt: FormatOpt = OutputFormat.TABLE,
    plot: PlotOpt = None,
    db: DbOption = None,
) -> None:
    """Who answers whom in a triad: VAR, Granger tests, impulse responses, reciprocity."""
    from brinkwatch.explain import TriadVAR, explain_triad
    from brinkwatch.measure import Freq

    a, b, c = actor_set(actor_opt, actor_args, count=3, old=triad_old, old_form="--triad A B C")
    triad = (a, b, c)
    freq_ = _choice(freq, Freq, "--freq")
    measure = _measure_choice(measure)
    ic = check_choice(ic, ("aic", "bic", "hqic", "fpe"), "--ic")
    trend = check_choice(trend, ("c", "ct", "n"), "--trend")
    if irf_kind not in ("generalized", "orthogonal"):
        raise ConfigError(f"--irf takes generalized or orthogonal; got {irf_kind!r}", field="--irf")
    if plot is not None and plot.suffix.lower() not in (".html", ".png"):
        raise ConfigError(f"plots are written as .html or .png, not {plot.name}", field="--plot")
    model = TriadVAR(
        lags,
        ic=ic.lower(),
        maxlags=maxlags,
        trend=trend,
        difference=difference,
        measure=measure,
        alpha=alpha,
        min_active=min_active,
    )
    first, last = _parse_date(start, "--from"), _parse_date(end, "--to")
    with _open(db, read_only=True) as store, _bar("generalized") as bar:
        x = explain_triad(
            store.events,
            triad,
            freq=freq_,
            start=first,
            end=last,
            origins=_origins(origin),
            model=model,
            periods=periods,
            repl=repl,
            seed=seed,
            fevd=True,
            progress=bar,
        )
    print_notes(x.notes)
    if plot is not None:
        _plot(x, plot, irf_kind, triad)
    if fmt is OutputFormat.JSON:
        out.print_json(to_json(_as_json(triad, x)))
    elif fmt is OutputFormat.CSV:
        render_arrow(_granger_arrow(x.granger), fmt, out)
    else:
        _print_tables(_head(triad, x), x.model, x.granger, _reciprocity(x), x.fevd)


def _head(triad: tuple[str, str, str], x: TriadExplanation) -> dict[str, Any]:
    return {
        "triad": list(triad),
        "freq": x.freq,
        "measure": x.measure,
        "from": x.first,
        "to": x.last,
        "periods": x.n_periods,
    }


@contextmanager
def _bar(kind: str) -> Iterator[Callable[[int, int], None]]:
    with progress_bar("[bold]bootstrap[/] {task.description}", MofNCompleteColumn()) as bar:
        task = bar.add_task(kind, total=1)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _bootstrap(model: TriadVAR, periods: int, kind: Any, repl: int, seed: int) -> ImpulseResponse:
    with _bar(kind) as progress:
        return model.irf(periods, kind=kind, repl=repl, seed=seed, progress=progress)


def _plot(x: TriadExplanation, path: Path, kind: str, triad: tuple[str, str, str]) -> None:
    from brinkwatch.report.explain_figures import render_irf

    irf = x.irf
    if irf is None:
        why = "no VAR was fitted" if x.model.insufficient_ else "no dynamics were detected"
        err.print(f"[bold yellow]no plot[/]: {why}, so {path} was not written")
        return
    if kind != irf.kind:
        irf = _bootstrap(x.model, x.periods, kind, x.repl, x.seed)
    title = (
        f"{' '.join(triad)}: responses of {x.measure} by {x.freq} to one-s.d. surprises "
        f"({'generalised' if kind == 'generalized' else 'Cholesky'}, "
        f"{100 * (1 - irf.alpha):.0f}% bootstrap band, seed {x.seed})"
    )
    data = render_irf(irf, path.suffix.lower().lstrip("."), title=title)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    err.print(f"wrote {path} ({len(data) / 1024:.0f} KiB)")


def _granger_arrow(granger: list[GrangerTest]) -> pa.Table:
    import pyarrow as pa  # on first use: keeps start-up light

    cols = ["kind", "causing", "caused", "stat", "df_num", "df_denom", "pvalue", "pvalue_holm"]
    rows = [
        {
            "kind": g.kind,
            "causing": "+".join(g.causing),
            "caused": "+".join(g.caused),
            "stat": g.stat,
            "df_num": g.df_num,
            "df_denom": g.df_denom,
            "pvalue": g.pvalue,
            "pvalue_holm": g.pvalue_holm,
        }
        for g in granger
    ]
    schema = pa.schema(
        [(c, pa.string()) for c in cols[:3]]
        + [("stat", pa.float64()), ("df_num", pa.int64()), ("df_denom", pa.int64())]
        + [("pvalue", pa.float64()), ("pvalue_holm", pa.float64())]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _as_json(triad: tuple[str, str, str], x: TriadExplanation) -> dict[str, Any]:
    model, rec = x.model, _reciprocity(x)
    return {
        **_head(triad, x),
        "dyads": list(model.input_names_),
        "series": list(model.names_),
        "dropped": dict(model.dropped_),
        "insufficient": model.insufficient_,
        "notes": list(model.notes_),
        "warnings": [{"category": n.category, "message": n.message} for n in x.notes],
        "lags": model.lag_choice_.as_dict(),
        "nobs": model.nobs_,
        "stable": model.stable_,
        "stationarity": [s.as_dict() for s in model.stationarity_],
        "granger": [g.as_dict() for g in x.granger],
        "dynamics": model.dynamics_,
        "reciprocity": None if rec is None else rec.as_dict(),
        "cross_check": None if x.cross_check is None else x.cross_check.as_dict(),
        "irf": None if x.irf is None else x.irf.as_dict(),
        "fevd": None if x.fevd is None else x.fevd.as_dict(),
    }


def _reciprocity(x: TriadExplanation) -> Reciprocity | None:
    # Without a VAR the command shows no reciprocity section at all.
    return None if x.model.insufficient_ else x.reciprocity


def _print_tables(
    head: dict[str, Any],
    model: TriadVAR,
    granger: list[GrangerTest],
    rec: Reciprocity | None,
    fevd: VarianceDecomposition | None,
) -> None:
    unit = head["freq"]
    out.print(
        f"[bold]triad {' '.join(head['triad'])}[/]: {head['measure']} by {unit}, "
        f"{head['from']} to {head['to']} ({head['periods']} {unit}s); "
        + (
            "[bold red]no VAR fitted[/]"
            if model.insufficient_
            else f"[bold]no dynamics detected[/] ({model.ic.upper()} chooses 0 lags): no lagged "
            f"model of {len(model.names_)} series on {model.nobs_} {unit}s"
            if not model.dynamics_
            else f"VAR({model.lag_order_}) of {len(model.names_)} series on {model.nobs_} {unit}s"
            + (", in first differences" if model.difference else "")
        )
    )
    if model.notes_:
        out.print("[bold]notes[/]")
        for n in model.notes_:
            out.print(f"  [yellow]•[/] {escape(n)}")
    _print_lags(model)
    _print_stationarity(model)
    if granger:
        t = Table(
            title=f"Granger causality (F tests; * Holm-adjusted p < {granger[0].alpha:g} over "
            f"all {len(granger)} tests, pairs and blocks)",
            header_style="bold",
        )
        for col in ("causing => caused", "F", "df", "p", "p (Holm)", ""):
            t.add_column(col, justify="left" if col.startswith("causing") else "right")
        for g in granger:
            t.add_row(
                g.label,
                f"{g.stat:.2f}",
                f"{g.df_num}, {g.df_denom}",
                _p(g.pvalue),
                _p(g.pvalue_holm),
                "*" if g.significant_holm else "",
            )
        out.print(t)
    if rec is not None:
        from brinkwatch.explain import CLAIM_HORIZON

        out.print(
            f"[bold]reciprocity and third parties[/]: lagged influence ({rec.measure}, "
            f"generalised responses at horizon {CLAIM_HORIZON})"
        )
        for line in rec.lines:
            out.print(f"  {escape(line)}")
        if rec.same_period_lines:
            out.print("[bold]same period[/] (not lagged influence)")
            for line in rec.same_period_lines:
                out.print(f"  {escape(line)}")
        if rec.disagreements:
            out.print("[bold]measures compared[/]")
            for line in rec.disagreements:
                out.print(f"  [yellow]•[/] {escape(line)}")
    if fevd is not None:
        _print_fevd(fevd, unit)


def _print_stationarity(model: TriadVAR) -> None:
    if not model.stationarity_:
        return
    t = Table(title="stationarity (ADF H0: unit root; KPSS H0: stationary)", header_style="bold")
    for col in ("series", "form", "ADF", "ADF p", "KPSS", "KPSS p", "verdict"):
        t.add_column(col, justify="left" if col in ("series", "form", "verdict") else "right")
    for s in model.stationarity_:
        t.add_row(
            s.series,
            s.form,
            _fmt(s.adf_stat, ".2f"),
            _p(s.adf_pvalue),
            _fmt(s.kpss_stat, ".2f"),
            _p(s.kpss_pvalue),
            s.verdict,
        )
    out.print(t)


def _print_fevd(fevd: VarianceDecomposition, unit: str) -> None:
    h = fevd.values.shape[1]
    t = Table(
        title=f"forecast-error variance after {h} {unit}s: share due to each shock (Cholesky)",
        header_style="bold",
    )
    t.add_column("series")
    for n in fevd.names:
        t.add_column(n, justify="right")
    for i, n in enumerate(fevd.names):
        t.add_row(n, *[f"{100 * fevd.values[i, h - 1, j]:.0f}%" for j in range(len(fevd.names))])
    out.print(t)


def _print_lags(model: TriadVAR) -> None:
    lc = model.lag_choice_
    if lc.table:
        t = Table(title="lag order (information criteria; * = minimum)", header_style="bold")
        for col in ("lags", "AIC", "BIC", "HQIC", "FPE"):
            t.add_column(col, justify="right")
        for r in lc.table:
            cells = [
                f"{r[ic]:.4g}" + ("*" if lc.selected.get(ic) == r["lags"] else "")
                for ic in ("aic", "bic", "hqic", "fpe")
            ]
            t.add_row(str(r["lags"]), *cells)
        out.print(t)
    if lc.table:
        pick = lc.selected.get(lc.ic)
        by = (
            "forced by --lags"
            if lc.ic == "fixed"
            else f"chosen by {lc.ic.upper()}"
            if pick == lc.used
            else f"{lc.ic.upper()} picks {pick}"
        )
        if lc.used == 0:
            by = f"no dynamics detected: {by}"
        others = ", ".join(f"{k.upper()} {v}" for k, v in lc.selected.items())
        out.print(
            f"lag order: {lc.used} ({by}; of orders up to {lc.maxlags}"
            + (f", {others}" if others else "")
            + ")"
        )
