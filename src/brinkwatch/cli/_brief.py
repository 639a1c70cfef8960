"""``brinkwatch brief``: gather measures, alarms, reciprocity and a scenario into one HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import TextColumn, TimeElapsedColumn

from brinkwatch.cli._actors import ActorsArgs, actor_set
from brinkwatch.cli._app import DbOption, _open, _parse_date, app, err, print_notes, progress_bar
from brinkwatch.cli._measure import (
    MEASURE_HELP,
    FromOpt,
    OriginOpt,
    ToOpt,
    _choice,
    _measure_choice,
    _origins,
)
from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    from brinkwatch.simulate import Scenario

# The report, measure, explain and simulate stages are imported inside the command, so that
# `brinkwatch --help` and the other commands start without them.

#: Same bound as `brinkwatch simulate`: more paths would need gigabytes per variant.
MAX_PATHS = 200_000


def _scenario(spec: str | None) -> Scenario | None:
    if spec is None:
        return None
    from brinkwatch.cli._simulate import _load

    return _load(spec)


def _check_choices(freq: str, measure: str, output: Path, paths: int) -> tuple[str, str]:
    """Check the options before any work; return the frequency and measure the stages take."""
    from brinkwatch.measure import Freq

    if output.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"the brief is an HTML file; got {output.name}", field="--output")
    if not 1 <= paths <= MAX_PATHS:
        raise ConfigError(
            f"--paths must be between 1 and {MAX_PATHS:,}, got {paths:,}", field="--paths"
        )
    return _choice(freq, Freq, "--freq").value, _measure_choice(measure)


def _triad(
    opt: list[str] | None, args: list[str] | None, old: tuple[str, str, str] | None
) -> list[str] | None:
    if not (opt or args or old):
        return None  # no triad: the brief leaves reciprocity out
    return actor_set(opt, args, count=3, old=old, old_form="--triad A B C")


@app.command("brief")
def brief_cmd(
    dyad: Annotated[str, typer.Option("--dyad", help="Two actors, e.g. JPN-KOR.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="The HTML file to write, e.g. brief.html.")
    ],
    actor_args: ActorsArgs = None,
    actor_opt: Annotated[
        list[str] | None,
        typer.Option("--actors", help="Reciprocity in a triad: --actors USA JPN KOR."),
    ] = None,
    triad_old: Annotated[
        tuple[str, str, str] | None,
        typer.Option("--triad", help="Deprecated: use --actors.", hidden=True),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="A bundled scenario (e.g. jpn-kor-2019) or a YAML file."),
    ] = None,
    start: FromOpt = None,
    end: ToOpt = None,
    freq: Annotated[str, typer.Option("--freq", help="day, week or month.")] = "month",
    measure: Annotated[
        str, typer.Option("--measure", help=f"Measure of the index. {MEASURE_HELP}")
    ] = "goldstein_sum",
    origin: OriginOpt = None,
    paths: Annotated[int, typer.Option("--paths", help="Monte Carlo paths per variant.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation and bootstrap.")] = 0,
    repl: Annotated[
        int, typer.Option("--repl", min=0, help="Bootstrap replications of the responses.")
    ] = 500,
    static: Annotated[
        bool,
        typer.Option(
            "--static", help="PNG figures instead of interactive Plotly (a smaller file)."
        ),
    ] = False,
    register: Annotated[
        Path | None,
        typer.Option(
            "--register",
            help="Instruments register for the 'in force' section (default: the bundled one, "
            "when installed).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a self-contained HTML brief: what changed, alarms, reciprocity, scenario, sources.

    The brief also lists the instruments in force on its date (--to, or the last day with
    data) from the register, with their timeline.
    """
    triad = _triad(actor_opt, actor_args, triad_old)
    freq, measure = _check_choices(freq, measure, output, paths)
    first, last = _parse_date(start, "--from"), _parse_date(end, "--to")
    if first is not None and last is not None and first > last:
        raise ConfigError(
            f"--from {first} is after --to {last}; give the earlier day first", field="--from"
        )
    from brinkwatch.cli._instruments import bundled_or
    from brinkwatch.report.brief import gather_brief, render_brief

    sc = _scenario(scenario)  # a bad scenario fails before any work
    reg = bundled_or(register)  # so does a bad register
    with (
        _open(db, read_only=True) as store,
        progress_bar(
            "[bold]brief[/] {task.description}",
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
        ) as bar,
    ):
        task = bar.add_task("measure", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=fraction)

        data = gather_brief(
            store.events,
            dyad=dyad,
            triad=triad,
            scenario=sc,
            start=first,
            end=last,
            freq=freq,
            measure=measure,
            origins=_origins(origin),
            n_paths=paths,
            seed=seed,
            repl=repl,
            stats=store.stats(),
            progress=progress,
            register=reg,
        )
    print_notes(data.notes)
    html = render_brief(data, static=static)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    m = data.measure
    err.print(
        f"wrote {output} ({len(html.encode('utf-8')) / 1024:.0f} KiB): {len(m.alarms)} alarm(s), "
        f"{sum(len(c) for c in m.change_points.values())} change point(s)"
        + (f", {sc.name} with {paths:,} paths" if sc else "")
    )
