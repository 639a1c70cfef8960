"""``brinkwatch forecast``: fit the escalation model, forecast, or score it against baselines."""

from __future__ import annotations

import math
import re
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from brinkwatch.cli._app import (
    DbOption,
    _open,
    _parse_date,
    app,
    err,
    out,
    progress_bar,
    show_warnings,
)
from brinkwatch.cli._render import OutputFormat, render_arrow, to_json
from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    from brinkwatch.simulate import Evaluation, Forecast, HawkesModel, Streams

# The simulate stage (SciPy) is imported inside the command so that other commands start fast.


def _horizon(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", text.lower())
    if not m or int(m.group(1)) < 1:
        raise ConfigError(
            f"expected a horizon such as 28d, 4w or 28 (days), got {text!r}", field="--horizon"
        )
    return int(m.group(1)) * (7 if m.group(2) == "w" else 1)


def _actor_list(opt: list[str] | None, args: list[str] | None) -> list[str]:
    names = [p.strip() for x in [*(opt or []), *(args or [])] for p in x.split(",") if p.strip()]
    if len(names) < 2:
        raise ConfigError(
            "give two or more actors, e.g. --actors USA JPN KOR (or USA,JPN,KOR)", field="--actors"
        )
    return names


def _progress() -> Progress:
    return progress_bar(
        "[bold]forecast[/] {task.description}",
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )


def _print_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return show_warnings(caught)


def _model_dict(m: HawkesModel) -> dict[str, Any]:
    links = m.summary().to_pylist()
    return {
        "streams": list(m.names_),
        "exogenous": list(m.exogenous_),
        "family": m.family,
        "fitted_from": m.start_,
        "fitted_to": m.end_,
        "days": m.n_days_,
        "half_life_days": m.half_life_,
        "decay_per_day": m.decay_,
        "branching_ratio": m.branching_ratio_,
        "loglik": m.loglik_,
        "aic": m.aic_,
        "converged": m.converged_,
        "sparse_streams": list(m.sparse_streams_),
        "baseline": [
            {"stream": s, "value": float(v), "se": _num(se)}
            for s, v, se in zip(m.names_, m.baseline_, m.baseline_se_, strict=True)
        ],
        "dispersion": None if m.dispersion_ is None else m.dispersion_.tolist(),
        "excitation": [{**r, "se": _num(r["se"])} for r in links],
    }


def _num(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def _summary_lines(m: HawkesModel) -> None:
    state = "explosive" if m.branching_ratio_ >= 1 else "stable"
    memory = (
        f"memory half-life {m.half_life_:.1f} days"
        if m.mask_.any()
        else "no excitation fitted (every stream too sparse)"
    )
    out.print(
        f"model: {m.family}, fitted {m.start_}..{m.end_} ({m.n_days_} days), {memory}, "
        f"branching ratio {m.branching_ratio_:.2f} ({state}), log-likelihood {m.loglik_:.1f}"
    )
    links = [r for r in m.summary().to_pylist() if r["weight"] > 1e-6][:5]
    if links:
        out.print("strongest excitation (events of target per event of source):")
        for r in links:
            se = f" ± {r['se']:.2f}" if r["se"] is not None and math.isfinite(r["se"]) else ""
            out.print(f"  {r['source']} -> {r['target']}: {r['weight']:.2f}{se}")


def _forecast_table(fc: Forecast, train: Streams, after: Streams | None, days: int) -> None:
    days = min(days, train.n_days)
    recent = train.counts[-days:].sum(axis=0)
    qs = list(fc.quantiles)
    lo_i, hi_i = 0, len(qs) - 1
    med = qs.index(0.5) if 0.5 in qs else None
    t = Table(
        title=f"forecast of {fc.horizon} days from {fc.first_day} ({fc.n_paths:,} paths)",
        header_style="bold",
    )
    cols = [f"last {days}d", "expected"]
    if med is not None:
        cols.append("median")
    cols.append(f"{qs[lo_i]:.0%}-{qs[hi_i]:.0%}")
    if after is not None:
        cols.append("observed")
    t.add_column("stream")
    for c in cols:
        t.add_column(c, justify="right")
    obs = after.totals() if after is not None else None
    for j, name in enumerate(fc.names):
        row = [name, f"{int(recent[j])}", f"{fc.total_mean[j]:.1f}"]
        if med is not None:
            row.append(f"{fc.total_bands[med, j]:.0f}")
        row.append(f"{fc.total_bands[lo_i, j]:.0f}-{fc.total_bands[hi_i, j]:.0f}")
        if obs is not None:
            row.append(f"{int(obs[j])}")
        t.add_row(*row)
    out.print(t)


def _ratio_text(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def _score_table(ev: Evaluation) -> None:
    rows = ev.table().to_pylist()
    t = Table(
        title=f"weekly forecasts, {len(ev.origins)} origins {ev.origins[0]}..{ev.origins[-1]}",
        header_style="bold",
    )
    heads = ["stream", "mean", "MAE model", "MAE persist.", "MAE trail.", "ratio persist.",
             "ratio trail.", "log model", "log persist.", "log trail."]  # fmt: skip
    for h in heads:
        t.add_column(h, justify="left" if h == "stream" else "right")
    for r in rows:
        bold = r["stream"] == "all streams"
        cells = [
            r["stream"],
            f"{r['observed_mean']:.2f}",
            f"{r['mae_model']:.2f}",
            f"{r['mae_persistence']:.2f}",
            f"{r['mae_trailing_mean']:.2f}",
            _ratio_text(r["mae_ratio_persistence"]),
            _ratio_text(r["mae_ratio_trailing_mean"]),
            f"{r['log_score_model']:.2f}",
            f"{r['log_score_persistence']:.2f}",
            f"{r['log_score_trailing_mean']:.2f}",
        ]
        t.add_row(*[f"[bold]{c}[/]" for c in cells] if bold else cells)
    out.print(t)
    for line in ev.verdict():
        out.print(line)


@app.command("forecast")
def forecast_cmd(
    actor_args: Annotated[
        list[str] | None,
        typer.Argument(metavar="ACTORS", help="Actors (also accepted after --actors)."),
    ] = None,
    actors: Annotated[
        list[str] | None,
        typer.Option("--actors", help="Actors, e.g. --actors USA JPN KOR or USA,JPN,KOR."),
    ] = None,
    train_to: Annotated[
        str | None, typer.Option("--train-to", help="Last day of the fitted data, YYYY-MM-DD.")
    ] = None,
    train_from: Annotated[
        str | None, typer.Option("--train-from", help="First fitted day (default: first event).")
    ] = None,
    horizon: Annotated[str, typer.Option("--horizon", help="Days ahead: 28d, 4w or 28.")] = "28d",
    paths: Annotated[int, typer.Option("--paths", min=10, help="Simulated paths.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    family: Annotated[str, typer.Option("--family", help="poisson or negbin.")] = "poisson",
    half_life: Annotated[
        float | None,
        typer.Option("--half-life", help="Fix the memory half-life in days (default: fitted)."),
    ] = None,
    exogenous: Annotated[
        list[str] | None,
        typer.Option(
            "--exogenous", help="Outside actor whose events toward the set count, e.g. CHN."
        ),
    ] = None,
    origin: Annotated[
        str | None, typer.Option("--origin", help="Only these origins, e.g. gdelt2 or chronology.")
    ] = None,
    evaluate: Annotated[
        bool, typer.Option("--evaluate", help="Score weekly forecasts over --from..--to instead.")
    ] = False,
    start: Annotated[
        str | None, typer.Option("--from", help="With --evaluate: first forecast origin.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="With --evaluate: last day scored.")
    ] = None,
    refit_every: Annotated[
        int | None,
        typer.Option("--refit-every", min=1, help="With --evaluate: refit every N weeks."),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Fan chart: FILE.png or FILE.html.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Fit the escalation model of directed-dyad event streams; forecast, or score it."""
    from brinkwatch.measure import parse_actor
    from brinkwatch.simulate import HawkesModel, event_streams

    names = _actor_list(actors, actor_args)
    acts = [parse_actor(a) for a in names]
    exo = [parse_actor(x) for x in exogenous or []]
    if family not in ("poisson", "negbin"):
        raise ConfigError(f"--family takes poisson or negbin, got {family!r}", field="--family")
    origins = [o.strip() for o in origin.split(",") if o.strip()] if origin else None
    first = _parse_date(train_from, "--train-from")
    model = HawkesModel(half_life=half_life, family=family)  # type: ignore[arg-type]
    if plot is not None and plot.suffix.lower() not in (".png", ".html"):
        raise ConfigError(f"plots are written as .html or .png, not {plot.suffix}", field="--plot")

    if evaluate:
        lo, hi = _parse_date(start, "--from"), _parse_date(end, "--to")
        if lo is None or hi is None:
            raise ConfigError("--evaluate needs --from and --to (YYYY-MM-DD)", field="--from")
        with _open(db, read_only=True) as store:
            hi = min(hi, _data_end(store.events, origins, hi))
            streams = event_streams(
                store.events, acts, exogenous=exo, start=first, end=hi, origins=origins
            )
        _run_evaluation(streams, model, lo, hi, paths, seed, refit_every, fmt)
        return

    last = _parse_date(train_to, "--train-to")
    if last is None:
        raise ConfigError("give --train-to YYYY-MM-DD (or --evaluate)", field="--train-to")
    days = _horizon(horizon)
    with _open(db, read_only=True) as store:
        streams, last = _forecast_streams(store.events, acts, exo, first, last, days, origins)
    train = streams.window(None, last)
    after = _after(streams, last, days)
    fc, notes = _fit_and_forecast(model, train, days, paths, seed)
    if plot is not None:
        data = _render_plot(plot, fc, streams, " ".join(names))
        plot.parent.mkdir(parents=True, exist_ok=True)
        plot.write_bytes(data)
        err.print(f"wrote {plot} ({len(data) / 1024:.0f} KiB)")
    if fmt is OutputFormat.JSON:
        out.print_json(to_json(_forecast_dict(names, days, paths, seed, model, fc, after, notes)))
    elif fmt is OutputFormat.CSV:
        render_arrow(fc.to_arrow(), fmt, out)
    else:
        _forecast_table(fc, train, after, days)
        _summary_lines(model)


def _forecast_streams(
    events: Any,
    acts: list[Any],
    exo: list[Any],
    first: date | None,
    last: date,
    days: int,
    origins: list[str] | None,
) -> tuple[Streams, date]:
    """Read the streams to fit up to ``last`` and observe ``days`` after; ``last`` as fitted."""
    from brinkwatch.simulate import event_streams

    data_end = _data_end(events, origins, last)
    if data_end < last:
        err.print(
            f"note: the stored events end on {data_end}; the model is fitted up to that day "
            "(days after it would count as days without events)"
        )
        last = data_end
    streams = event_streams(
        events,
        acts,
        exogenous=exo,
        start=first,
        end=min(last + timedelta(days=days), data_end),
        origins=origins,
    )
    if streams.start > last:
        raise ConfigError(
            f"the first event of these actors is on {streams.start}, after --train-to {last}",
            field="--train-to",
        )
    return streams, last


def _fit_and_forecast(
    model: HawkesModel, train: Streams, days: int, paths: int, seed: int
) -> tuple[Forecast, list[str]]:
    """Fit and simulate under a progress bar; the warnings raised become printed notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _progress() as bar:
            task = bar.add_task("fitting", total=None)
            model.fit(train, progress=lambda d, t: bar.update(task, completed=d, total=t))
            bar.update(task, description="simulating", completed=0, total=paths)
            fc = model.forecast(
                days, paths, seed, progress=lambda d, t: bar.update(task, completed=d, total=t)
            )
    return fc, _print_warnings(caught)


def _forecast_dict(
    names: list[str],
    days: int,
    paths: int,
    seed: int,
    model: HawkesModel,
    fc: Forecast,
    after: Streams | None,
    notes: list[str],
) -> dict[str, Any]:
    """Shape the ``--format json`` document of a forecast, with observed totals in hindsight."""
    tot = fc.totals().to_pylist()
    if after is not None:
        for r, v in zip(tot, after.totals().tolist(), strict=True):
            r["observed"] = v
    return {
        "actors": names,
        "horizon_days": days,
        "first_day": fc.first_day,
        "paths": paths,
        "seed": seed,
        "model": _model_dict(model),
        "totals": tot,
        "daily": fc.to_arrow().to_pylist(),
        "warnings": notes,
    }


def _data_end(events: Any, origins: list[str] | None, default: date) -> date:
    # The last day the store has any event for (of these origins): later days are unknown, not
    # quiet, so they are neither fitted nor shown as observed.
    e = events.filter(events.origin.isin(origins)) if origins else events
    value = e.event_date.max().to_pyarrow().as_py()
    return value if isinstance(value, date) else default


def _after(streams: Streams, last: date, days: int) -> Streams | None:
    # Observed days of the horizon, when the store holds them all (hindsight).
    if streams.end < last + timedelta(days=days):
        return None
    return streams.window(last + timedelta(days=1), last + timedelta(days=days))


def _render_plot(plot: Path, fc: Forecast, streams: Streams, label: str) -> bytes:
    from brinkwatch.report.forecast_figures import is_sparse, render_forecast

    # Sparse streams have flat daily fans at 0: show events summed from the first day instead.
    cumulative = is_sparse(fc)
    what = "events since" if cumulative else "daily events from"
    title = f"{label}: {fc.horizon}-day forecast, {what} {fc.first_day} ({fc.n_paths:,} paths)"
    return render_forecast(
        fc, streams, plot.suffix.lower().lstrip("."), title=title, cumulative=cumulative
    )


def _run_evaluation(
    streams: Streams,
    model: HawkesModel,
    lo: date,
    hi: date,
    paths: int,
    seed: int,
    refit_every: int | None,
    fmt: OutputFormat,
) -> None:
    from brinkwatch.simulate import evaluate

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _progress() as bar:
            task = bar.add_task("evaluating", total=None)
            ev = evaluate(
                streams,
                lo,
                hi,
                model=model,
                n_paths=min(paths, 1000),
                seed=seed,
                refit_every=refit_every,
                progress=lambda d, t: bar.update(task, completed=d, total=t),
            )
    notes = _print_warnings(caught)
    if fmt is OutputFormat.JSON:
        out.print_json(
            to_json(
                {
                    "origins": list(ev.origins),
                    "period_days": ev.period,
                    "scores": ev.table().to_pylist(),
                    "verdict": ev.verdict(),
                    "model": _model_dict(ev.model),
                    "warnings": notes,
                }
            )
        )
        return
    if fmt is OutputFormat.CSV:
        render_arrow(ev.table(), fmt, out)
        return
    _score_table(ev)
    _summary_lines(ev.model)
