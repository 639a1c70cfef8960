"""``brinkwatch simulate``, ``scenario new`` and ``backtest``: scenarios as Monte Carlo."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from brinkwatch.cli._app import (
    DbOption,
    _open,
    _parse_date,
    app,
    err,
    out,
    print_notes,
    progress_bar,
    show_warnings,
)
from brinkwatch.cli._render import OutputFormat, render_arrow, to_json
from brinkwatch.errors import ConfigError, ScenarioError

if TYPE_CHECKING:
    import pyarrow as pa

    from brinkwatch._notes import Note
    from brinkwatch.instruments import Register
    from brinkwatch.simulate import Backtest, Pool, VariantRuns
    from brinkwatch.simulate.scenario import Scenario, Uncertain
    from brinkwatch.store import Store

scenario_app = typer.Typer(help="Write and check scenario files.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

#: Paths above this would need gigabytes per variant; the message says so.
MAX_PATHS = 200_000

PathsOpt = Annotated[int, typer.Option("--paths", help="Monte Carlo paths per variant.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed; the same seed, the same result.")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format")]
ScenarioRegisterOpt = Annotated[
    Path | None,
    typer.Option(
        "--register",
        help="Instruments register (YAML, docs/instruments.md) to take the machines' starting "
        "states from and score the paths against; default: the scenario's own `register:`.",
    ),
]
ChronOpt = Annotated[
    bool,
    typer.Option(
        "--chronology",
        help="Fit on the scenario's `chronology:` (default: the bundled Japan-Korea-US "
        "chronology) instead of the store.",
    ),
]


def _load(spec: str) -> Scenario:
    return _load_with_register(spec, None)[0]


def _load_with_register(spec: str, register: Path | None) -> tuple[Scenario, Register | None]:
    """Parse a scenario and, with ``register`` or its own ``register:``, start it from that."""
    from brinkwatch.ingest.scenarios import read_scenario_text, scenario_register
    from brinkwatch.simulate import apply_register, parse_scenario

    text, source = read_scenario_text(spec)
    sc = parse_scenario(text, source=source)
    reg = scenario_register(sc.source, sc.register, register)
    return (sc, None) if reg is None else (apply_register(sc, reg), reg)


@contextmanager
def _events_store(db: Path | None, chronology: bool, sc: Scenario | None = None) -> Iterator[Store]:
    """Open the store to fit on: the user's (read-only) or a chronology in memory.

    The chronology is the scenario's own (``chronology:``) or, without one, the bundled
    Japan-Korea-US file.
    """
    if chronology:
        from brinkwatch.ingest import ingest, read_mapping
        from brinkwatch.ingest.scenarios import chronology_files
        from brinkwatch.store import connect

        csv, mapping = chronology_files(
            None if sc is None else sc.source, None if sc is None else sc.chronology
        )
        store = connect(":memory:")
        try:
            ingest(store, [csv], mapping=read_mapping(mapping))
            yield store
        finally:
            store.close()
        return
    store = _open(db, read_only=True)
    try:
        yield store
    finally:
        store.close()


def _progress(what: str) -> Progress:
    return progress_bar(
        f"[bold]{what}[/]", TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn()
    )


def _fit(sc: Scenario, store: Store, cutoff: date | None = None) -> Any:
    from brinkwatch.simulate import fit_dynamics

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dyn = fit_dynamics(sc, store.events, cutoff=cutoff)
    show_warnings(caught)
    return dyn


def _variants(sc: Scenario, compare: str | None, levers: str | None) -> dict[str, tuple[str, ...]]:
    from brinkwatch.simulate import default_variants

    picked = [x.strip() for x in levers.split(",")] if levers else []
    base: tuple[str, ...] = tuple(x for x in picked if x)
    for n in base:
        sc.lever(n)  # a typo fails before the store is opened
    if compare is None:
        if not base:
            return default_variants(sc)
        return {"none": (), "+".join(base): base}
    out: dict[str, tuple[str, ...]] = {"none": ()}
    for item in (x.strip() for x in compare.split(",")):
        if not item or item == "none":
            continue
        if item in ("actual", "proposed"):
            pulled = sc.actual if item == "actual" else sc.proposed
            if not pulled:
                raise ConfigError(
                    f"scenario '{sc.name}' declares no '{item}' levers", field="--compare"
                )
            out[item] = pulled
            continue
        names = tuple(x for x in item.split("+") if x)
        for n in names:
            sc.lever(n)
        out[item] = tuple(dict.fromkeys(base + names))
    return out


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _comparison_table(sc: Scenario, cmp: pa.Table, outcomes: pa.Table) -> Table:
    rows = cmp.to_pylist()
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    t = Table(
        title=f"{sc.title}: probability of each outcome, and change against no lever "
        "(95% interval, common random numbers)",
        header_style="bold",
        title_justify="left",
    )
    t.add_column("outcome")
    t.add_column("by")
    for v in variants:
        t.add_column(v, justify="right")
    t.add_column("none: spread from assumptions (10-90%)", justify="right")
    spread = {r["outcome"]: r for r in outcomes.to_pylist()}
    for o in sc.outcomes:
        cells = []
        for v in variants:
            r = next(x for x in rows if x["variant"] == v and x["outcome"] == o.name)
            if v == "none":
                cells.append(_pct(r["probability"]))
            else:
                star = "[bold]" if r["excludes_zero"] else ""
                end = "[/]" if star else ""
                cells.append(
                    f"{_pct(r['probability'])} {star}({100 * r['difference']:+.1f} "
                    f"[{100 * r['diff_low']:+.1f}, {100 * r['diff_high']:+.1f}]){end}"
                )
        s = spread[o.name]
        t.add_row(
            o.title,
            s["by"],
            *cells,
            f"{_pct(s['param_p10'])}-{_pct(s['param_p90'])}",
        )
    return t


@app.command("simulate")
def simulate_cmd(
    scenario: Annotated[str, typer.Argument(help="A bundled scenario name or a YAML file.")],
    paths: PathsOpt = 2000,
    seed: SeedOpt = 0,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="Variants to compare with no lever: lever names, 'actual', 'proposed', or a+b "
            "combinations, comma-separated. Default: actual and each lever alone.",
        ),
    ] = None,
    levers: Annotated[
        str | None, typer.Option("--levers", help="Levers pulled in every variant.")
    ] = None,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity", help="Also print the tornado table.")
    ] = False,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="Outcome the tornado table explains.")
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a figure: FILE.html or FILE.png.")
    ] = None,
    chronology: ChronOpt = False,
    db: DbOption = None,
    log_paths: Annotated[
        int,
        typer.Option(
            "--log-paths",
            help="Also show every move of the first N paths of each shown variant, with the "
            "rule that made it (hazard, after, anniversary, package, lever).",
        ),
    ] = 0,
    analyst: Annotated[
        list[Path] | None,
        typer.Option(
            "--analyst",
            help="An analyst's assumptions file (YAML; repeat for several): their assumptions "
            "are pooled, and the spread between analysts is shown beside the Monte Carlo's.",
        ),
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights",
            help="Weights of the --analyst files in order, e.g. 0.6,0.4 (default: the files').",
        ),
    ] = None,
) -> None:
    """Run a scenario as Monte Carlo and compare levers against doing nothing."""
    from brinkwatch.simulate import run_variants
    from brinkwatch.simulate import sensitivity as tornado

    if not 1 <= paths <= MAX_PATHS:
        raise ConfigError(
            f"--paths must be between 1 and {MAX_PATHS:,}, got {paths:,}", field="--paths"
        )
    sc = _load(scenario)
    if outcome is not None:
        sc.outcome(outcome)  # a typo fails now, not after the event model is fitted
    variants = _variants(sc, compare, levers)
    pool = _analyst_pool(sc, analyst or [], weights)
    with _events_store(db, chronology, sc) as store:
        dyn = _fit(sc, store)
    with _progress(f"simulate {sc.name}") as bar:
        task = bar.add_task("", total=1.0)
        res = run_variants(
            sc,
            dynamics=dyn,
            variants=variants,
            n_paths=paths,
            seed=seed,
            progress=lambda f: bar.update(task, completed=f),
            pool=pool,
        )
    _print_notes(res.notes)
    torn = None
    if sensitivity:
        with _progress("sensitivity") as bar:
            task = bar.add_task("", total=1.0)
            torn = tornado(
                sc,
                dyn,
                outcome=outcome,
                n_paths=max(200, min(paths, 2000)),
                seed=seed,
                progress=lambda f: bar.update(task, completed=f),
            )
    if plot is not None:
        _write_scenario_plot(plot, res)
    logs = _path_logs(res, log_paths)
    if fmt is OutputFormat.JSON:
        out.print_json(
            to_json({**_simulate_json(res, torn), "path_logs": logs, "analysts": _pool_json(res)})
        )
    elif fmt is OutputFormat.CSV:
        render_arrow(res.comparison, fmt, out)
    else:
        _print_simulation(res, torn)
        _print_pool(res)
        for variant, rows in logs.items():
            _print_path_log(variant, rows)


def _analyst_pool(sc: Scenario, files: Sequence[Path], weights: str | None) -> Pool | None:
    """Read the --analyst files and pool them with --weights (or the files' own weights)."""
    from brinkwatch._yaml import read_text
    from brinkwatch.simulate import parse_analyst, pool_assumptions

    if not files:
        if weights is not None:
            raise ConfigError("--weights needs --analyst files to weigh", field="--weights")
        return None
    analysts = [parse_analyst(read_text(f, error=ScenarioError), source=str(f)) for f in files]
    w = None
    if weights is not None:
        try:
            w = [float(x) for x in weights.split(",")]
        except ValueError:
            raise ConfigError(
                f"--weights must be numbers separated by commas, e.g. 0.6,0.4; got {weights!r}",
                field="--weights",
            ) from None
    try:
        return pool_assumptions(sc, analysts, w)
    except ConfigError as exc:
        if exc.field == "weights":
            raise ConfigError(exc.message, field="--weights") from None
        raise


def _pool_json(res: VariantRuns) -> dict[str, Any] | None:
    if res.pool is None:
        return None
    return {
        "analysts": [
            {"name": a.name, "file": a.source, "weight": w, "as_of": a.as_of}
            for a, w in zip(res.pool.analysts, res.pool.weights, strict=True)
        ],
        "spread": {v: t.to_pylist() for v, t in res.pool_spread.items()},
    }


def _print_pool(res: VariantRuns) -> None:
    if res.pool is None:
        return
    who = ", ".join(
        f"{escape(a.name)} ({w:.0%})"
        for a, w in zip(res.pool.analysts, res.pool.weights, strict=True)
    )
    for variant, spread in res.pool_spread.items():
        t = Table(
            title=f"Variant '{variant}': pooled analysts ({who}) against the spread between them",
            header_style="bold",
            title_justify="left",
        )
        for col in ("outcome", "pooled", "Monte Carlo 95%", "analysts (min..max)"):
            t.add_column(col, justify="left" if col == "outcome" else "right")
        names = [f"p[{n}]" for n in res.pool.names]
        for n in res.pool.names:
            t.add_column(escape(n), justify="right")
        t.add_column("dominates")
        for r in spread.to_pylist():
            t.add_row(
                escape(r["title"]),
                _pct(r["probability"]),
                f"{_pct(r['mc_low'])}-{_pct(r['mc_high'])}",
                f"{_pct(r['analyst_low'])}..{_pct(r['analyst_high'])}",
                *(_pct(r[c]) for c in names),
                r["dominates"],
            )
        out.print(t)
    out.print(
        "Each analyst alone ran with the same paths and seed (common random numbers): where "
        "their spread is wider than the Monte Carlo interval, disagreement dominates."
    )


def _path_logs(res: VariantRuns, n: int) -> dict[str, list[dict[str, Any]]]:
    from brinkwatch.simulate import path_log

    if n < 0:
        raise ConfigError(f"--log-paths must be 0 or more, got {n}", field="--log-paths")
    if not n:
        return {}
    return {v: path_log(res.runs[v], n).to_pylist() for v in res.shown}


def _print_path_log(variant: str, rows: Sequence[dict[str, Any]]) -> None:
    t = Table(title=f"Path log, variant '{variant}'", header_style="bold", title_justify="left")
    for col in ("path", "date", "machine", "from", "to", "rule"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            str(r["path"]), str(r["date"]), r["machine"], r["from_state"], r["to_state"], r["rule"]
        )
    out.print(t)


def _print_notes(notes: Sequence[Note]) -> None:
    print_notes(notes)


def _write_scenario_plot(plot: Path, res: VariantRuns) -> None:
    from brinkwatch.report.scenario_figures import figure_inputs, render_scenario

    data = render_scenario(plot.suffix.lower().lstrip("."), **figure_inputs(res))
    plot.parent.mkdir(parents=True, exist_ok=True)
    plot.write_bytes(data)
    err.print(f"wrote {plot} ({len(data) / 1024:.0f} KiB)")


def _simulate_json(res: VariantRuns, torn: pa.Table | None) -> dict[str, Any]:
    sc = res.scenario
    return {
        "scenario": sc.name,
        "start": sc.start,
        "end": sc.end,
        "paths": res.n_paths,
        "seed": res.seed,
        "model_notes": list(res.dynamics.notes),
        "outcomes": res.outcomes.to_pylist(),
        "comparison": res.comparison.to_pylist(),
        "ranking": res.ranking.to_dict() if res.ranking is not None else None,
        "sensitivity": torn.to_pylist() if torn is not None else None,
    }


def _print_simulation(res: VariantRuns, torn: pa.Table | None) -> None:
    sc = res.scenario
    out.print(
        f"[bold]{escape(sc.title)}[/]\n{sc.start} to {sc.end} ({sc.horizon_days} days), "
        f"{res.n_paths:,} paths per variant, seed {res.seed}; event model fitted {sc.fit_from}.."
        f"{min(sc.fit_to, sc.start - timedelta(days=1))}"
    )
    out.print(_comparison_table(sc, res.comparison, res.outcomes))
    out.print(
        "Bold: the 95% interval of the change excludes zero. Parameters are drawn from their "
        "ranges in every path, so intervals include the assumptions' uncertainty."
    )
    from brinkwatch.report import labels_for, lever_sentence

    # The same claim the brief makes: "helps most" only as far as the adjusted ranking goes.
    said = lever_sentence(res, labels_for(sc, None))
    if said:
        out.print(escape(said))
    if torn is not None:
        _print_tornado(torn)


def _print_tornado(torn: pa.Table) -> None:
    meta = torn.schema.metadata or {}
    name = meta.get(b"outcome", b"").decode()
    t = Table(
        title=f"What moves '{name}' most (probability with each assumption at the ends of "
        "its range)",
        header_style="bold",
        title_justify="left",
    )
    for c in ("assumption", "range", "at low", "at high", "swing"):
        t.add_column(c, justify="right" if c != "assumption" else "left")
    for r in torn.to_pylist():
        t.add_row(
            escape(r["assumption"]),
            f"{r['low']:g}..{r['high']:g}",
            _pct(r["p_at_low"]),
            _pct(r["p_at_high"]),
            f"{100 * r['swing']:+.1f}",
        )
    out.print(t)


@app.command("backtest")
def backtest_cmd(
    scenarios: Annotated[
        list[str],
        typer.Argument(help="Bundled scenario names or YAML files; several pool calibration."),
    ],
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="Fit on events up to this day (YYYY-MM-DD).")
    ] = None,
    in_sample: Annotated[
        bool,
        typer.Option(
            "--in-sample",
            help="Allow a cutoff before the scenario's information date; every output is "
            "then labelled in-sample.",
        ),
    ] = False,
    paths: PathsOpt = 2000,
    seed: SeedOpt = 0,
    fmt: FormatOpt = OutputFormat.TABLE,
    chronology: ChronOpt = False,
    db: DbOption = None,
    register: ScenarioRegisterOpt = None,
) -> None:
    """Fit up to a cutoff, run with the levers actually pulled and with none, and score."""
    from brinkwatch.simulate import pooled_calibration

    if not 1 <= paths <= MAX_PATHS:
        raise ConfigError(f"--paths must be between 1 and {MAX_PATHS:,}", field="--paths")
    cut = _parse_date(cutoff, "--cutoff")
    # Every scenario is loaded (and its cutoff checked) before any of them runs.
    loaded = [_load_with_register(spec, register) for spec in scenarios]
    done = [
        _run_backtest(sc, reg, cut, in_sample, paths, seed, chronology, db) for sc, reg in loaded
    ]
    calibration = pooled_calibration([res for _, res in done])
    if fmt is OutputFormat.JSON:
        docs = [_backtest_json(sc, res) for sc, res in done]
        doc = docs[0] if len(docs) == 1 else {"backtests": docs}
        doc["calibration"] = calibration.to_pylist()
        out.print_json(to_json(doc))
        return
    for sc, res in done:
        _print_backtest(sc, res, fmt, paths)
    names = ", ".join(sc.name for sc, _ in done)
    kinds = sorted({res.sample for _, res in done})
    render_arrow(
        calibration,
        fmt,
        out,
        title=f"{'/'.join(kinds).upper()}: calibration of the actual-lever forecasts across the "
        f"outcomes of {names}",
    )


def _run_backtest(
    sc: Scenario,
    reg: Register | None,
    cut: date | None,
    in_sample: bool,
    paths: int,
    seed: int,
    chronology: bool,
    db: Path | None,
) -> tuple[Scenario, Backtest]:
    from brinkwatch.simulate import backtest

    with _events_store(db, chronology, sc) as store, _progress(f"backtest {sc.name}") as bar:
        task = bar.add_task("", total=1.0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = backtest(
                sc,
                store.events,
                cutoff=cut,
                n_paths=paths,
                seed=seed,
                progress=lambda f: bar.update(task, completed=f),
                register=reg,
                in_sample=in_sample,
            )
    show_warnings(caught)
    return sc, res


def _backtest_json(sc: Scenario, res: Backtest) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "scenario": sc.name,
        "cutoff": res.cutoff,
        "sample": res.sample,
        "information_date": sc.information_date,
        "brier": res.brier.to_pylist(),
        "counts": res.counts.to_pylist(),
        "verdict": res.verdict(),
    }
    if res.path_scores is not None:
        doc["register"] = sc.register_id
        doc["path_scores"] = res.path_scores.to_pylist()
    return doc


_SAMPLE_SAYS = {
    "in-sample": "This backtest is IN-SAMPLE: the cutoff {cut} is before the scenario's "
    "information date {info}, so its assumptions may rest on what it is scored against.",
    "out-of-sample": "Out of sample: the assumptions are as of {info}, on or before the cutoff "
    "{cut}.",
    "undeclared": "The scenario declares no information date: whether this backtest is out of "
    "sample cannot be said (add `information_date:`, then `brinkwatch scenario check`).",
}


def _print_backtest(sc: Scenario, res: Backtest, fmt: OutputFormat, paths: int) -> None:
    title = f"{res.sample.upper()} backtest of {sc.name}, fitted to {res.cutoff}"
    render_arrow(
        res.brier,
        fmt,
        out,
        title=f"{title}: Brier (lower is better) and log scores (nats, higher is better)",
    )
    render_arrow(
        res.counts, fmt, out, title=f"{title}: MAE of weekly event counts against the data"
    )
    if fmt is OutputFormat.TABLE:
        out.print(_SAMPLE_SAYS[res.sample].format(cut=res.cutoff, info=sc.information_date))
        for line in res.verdict():
            out.print(f"{res.sample.upper()}: {line}")
        tot = res.counts.to_pylist()[-1]
        beat = tot["mae_actual"] < tot["mae_persistence"]
        out.print(
            f"{res.sample.upper()}: Weekly counts: MAE {tot['mae_actual']:.3f} (actual levers) vs "
            f"persistence {tot['mae_persistence']:.3f}: the model "
            f"{'beats' if beat else 'does not beat'} persistence."
        )
    if res.path_scores is not None:
        _print_path_scores(res.path_scores, fmt, title, paths, f"{res.sample.upper()}: ")


def _share(p: float, paths: int) -> str:
    # A share of paths: none of them is "below 1 in n", not a probability of zero.
    return f"{p:.4f}" if p > 0 else f"< 1/{paths:,} (no path)"


def _print_path_scores(
    scores: pa.Table, fmt: OutputFormat, title: str, paths: int, label: str = ""
) -> None:
    """Print the probability the model gave to the register's path, beside its baselines."""
    render_arrow(scores, fmt, out, title=f"{title}: probability of the register's path of states")
    if fmt is not OutputFormat.TABLE:
        return
    joint = scores.to_pylist()[-1]
    nothing = "is" if joint["p_path_persistence"] == 1.0 else "is not"
    out.print(
        f"{label}Probability of the observed path ({scores.num_rows - 1} instruments, "
        f"{joint['checkpoints']} weekly checkpoints): {_share(joint['p_path_actual'], paths)} "
        f"with the actual levers, {_share(joint['p_path_none'], paths)} without; uniform chance "
        f"{joint['p_path_uniform']:.2g}. The register's path {nothing} 'nothing changes' "
        f"(persistence {joint['p_path_persistence']:.0f}). Mean agreement per checkpoint "
        f"{joint['agreement_actual']:.3f} vs persistence {joint['agreement_persistence']:.3f}. "
        f"Log probability (natural log, floor 1/{paths + 1:,}): {joint['log_p_path_actual']:.2f} "
        f"with the actual levers, persistence {joint['log_p_path_persistence']:.2f}, uniform "
        f"{joint['log_p_path_uniform']:.1f}."
    )


_STARTER = """\
# Starter scenario written by `brinkwatch scenario new` on {today}.
# Event data: {n_events} events of these actors in {fit_from}..{fit_to}; daily rates fitted:
{rates}
# Every assumed effect is {{default, range, reason}}: replace each TODO reason (and the numbers)
# with yours. The format is in docs/scenarios.md; a worked example: jpn-kor-2019.
name: {name}
title: "{title}"
actors: [{actors}]
start: {start}
horizon_days: {horizon}

model:
  fit_from: {fit_from}
  fit_to: {fit_to}

index:
  pair: [{a}, {b}]
  baseline_from: {base_from}
  baseline_to: {base_to}
  window_days: 28

agreements:
  - name: pact
    holder: {b}
    description: An agreement between {a} and {b} that either may end with notice.
    states: [active, notice_given, terminated]
    transitions:
      - from: active
        to: notice_given
        hazard: {{default: 0.002, range: [0.0005, 0.01], reason: "TODO: notice on a quiet day"}}
        drivers:
          - streams: [{a}->{b} conflict]
            weight: {{default: 0.2, range: [0.0, 0.5], reason: "TODO: conflict from {a}"}}
      - from: notice_given
        to: terminated
        after_days: 90   # renewed yearly? at_anniversary: "MM-DD" with notice_days: 90

ballast:
  - name: business
    initial: {{default: 0.6, range: [0.4, 0.8], reason: "TODO: strength of economic ties"}}
    erosion: {{default: 0.02, range: [0.005, 0.05], reason: "TODO: loss per conflict event"}}
    recovery: {{default: 0.01, range: [0.002, 0.03], reason: "TODO: per coop event"}}
    damping: {{default: 0.3, range: [0.0, 0.6], reason: "TODO: restraint"}}
    conflict_streams: [{a}->{b} conflict, {b}->{a} conflict]
    coop_streams: [{a}->{b} coop, {b}->{a} coop]
    damps: [{a}->{b} conflict, {b}->{a} conflict]
{mediator}
levers:
  - name: mediation
    title: Mediation
    date: {lever_date}
    duration_days: 60
    effects:
      - target: baseline
        streams: [{a}->{b} conflict, {b}->{a} conflict]
        multiply: {{default: 0.8, range: [0.6, 1.0], reason: "TODO: restraint"}}
    expect: {{pact_terminated: down}}

outcomes:
  - name: pact_terminated
    title: The pact terminated
    machine: pact
    states: [terminated]
  - name: index_regained
    title: {a}-{b} net cooperation back at its baseline level
    kind: index_regained
"""

_MEDIATOR = """
mediator:
  actor: {m}
  leverage: {{default: 0.5, range: [0.2, 0.8], reason: "TODO: the mediator's standing"}}
  erosion: {{default: 0.03, range: [0.0, 0.06], reason: "TODO: per quarrel"}}
  recovery: {{default: 0.01, range: [0.0, 0.03], reason: "TODO: daily recovery"}}
  erode_streams: [{m}->* conflict]
"""


@scenario_app.command("new")
def scenario_new_cmd(
    actors: Annotated[
        list[str],
        typer.Option(
            "--actors", help="2-4 CAMEO country codes, a mediator first: --actors USA JPN KOR."
        ),
    ],
    start: Annotated[str, typer.Option("--start", help="First simulated day, YYYY-MM-DD.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The YAML file to write.")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    horizon: Annotated[int, typer.Option("--horizon-days")] = 180,
    fit_from: Annotated[str | None, typer.Option("--fit-from")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file.")] = False,
    chronology: ChronOpt = False,
    db: DbOption = None,
    more: Annotated[
        list[str] | None, typer.Argument(metavar="[ACTORS]", help="More actors after --actors.")
    ] = None,
) -> None:
    """Write a starter scenario for some actors, checked against the events in the store."""
    import numpy as np

    from brinkwatch.simulate.scenario import parse_scenario

    items = [*actors, *(more or [])]
    codes = [a.strip().upper() for item in items for a in item.replace(",", " ").split()]
    if not 2 <= len(codes) <= 4:
        raise ConfigError("give 2 to 4 actors, e.g. --actors USA JPN KOR", field="--actors")
    day0 = _parse_date(start, "--start")
    assert day0 is not None
    f_from = _parse_date(fit_from, "--fit-from") or day0 - timedelta(days=4 * 365)
    if output.exists() and not force:
        raise ConfigError(f"{output} exists; pass --force to overwrite it", field="--output")
    mediator = codes[0] if len(codes) >= 3 else None
    a, b = codes[-2], codes[-1]
    fit_to = day0 - timedelta(days=1)
    fields: dict[str, Any] = {
        "today": date.today().isoformat(),
        "name": name or f"{'-'.join(c.lower() for c in codes)}-{day0:%Y}",
        "title": f"{' / '.join(codes)} from {day0}",
        "actors": ", ".join(codes),
        "start": day0,
        "horizon": horizon,
        "fit_from": f_from,
        "fit_to": fit_to,
        "a": a,
        "b": b,
        "base_from": day0 - timedelta(days=455),
        "base_to": day0 - timedelta(days=91),
        "lever_date": day0 + timedelta(days=7),
        "mediator": _MEDIATOR.format(m=mediator) if mediator else "",
        "n_events": "?",
        "rates": "#   (not fitted)",
    }
    draft = parse_scenario(_STARTER.format(**fields), source=str(output))
    with _events_store(db, chronology) as store:
        dyn = _fit(draft, store)
    hist = dyn.history[: (fit_to - dyn.history_start).days + 1]
    fields["n_events"] = f"{int(hist.sum()):,}"
    fields["rates"] = "\n".join(
        f"#   {n:<22} {float(mu):.4f}/day  ({int(c)} events)"
        for n, mu, c in zip(dyn.names, dyn.baseline, np.asarray(hist).sum(0), strict=True)
    )
    text = _STARTER.format(**fields)
    parse_scenario(text, source=str(output))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    err.print(f"wrote {output}; try: brinkwatch simulate {output}")


@scenario_app.command("check")
def scenario_check_cmd(
    scenario: Annotated[str, typer.Argument(help="A bundled scenario name or a YAML file.")],
    register: ScenarioRegisterOpt = None,
    cutoff: Annotated[
        str | None,
        typer.Option(
            "--cutoff",
            help="List reasons and citations dated after this day (YYYY-MM-DD); default: the "
            "scenario's information_date.",
        ),
    ] = None,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="Also run every assumption at both ends of its range and list those with zero "
            "swing on every outcome (they do nothing); fits the event model first.",
        ),
    ] = False,
    paths: Annotated[
        int, typer.Option("--paths", help="Paths per run of --sensitivity (two runs each).")
    ] = 200,
    seed: SeedOpt = 0,
    levers: Annotated[
        str | None,
        typer.Option(
            "--levers", help="Levers pulled in every --sensitivity run (comma-separated)."
        ),
    ] = None,
    chronology: ChronOpt = False,
    db: DbOption = None,
    draft: Annotated[
        bool,
        typer.Option(
            "--draft",
            help="Accept assumptions whose reason still says TODO (a starter file being "
            "filled in); without it they fail the check.",
        ),
    ] = False,
) -> None:
    """Validate a scenario file and list its machines, levers and assumptions.

    It fails while any assumption's reason still says TODO, unless --draft.
    """
    sc, _ = _load_with_register(scenario, register)
    todo = sc.todo_reasons()
    verdict = f"{len(todo)} TODO reason(s) left" if todo else "valid"
    out.print(
        f"[bold]{escape(sc.title)}[/]: {verdict}. {len(sc.actors)} actors, {len(sc.machines)} "
        f"agreements/measures/events, {len(sc.levers)} levers, {len(sc.parameters())} "
        "assumptions with ranges and reasons."
    )
    t = Table(header_style="bold")
    for c in ("lever", "date", "days", "effects", "expected"):
        t.add_column(c)
    for lv in sc.levers:
        t.add_row(
            lv.name,
            str(lv.day),
            str(lv.duration_days),
            str(len(lv.effects)),
            ", ".join(f"{o} {d}" for o, d in lv.expect),
        )
    out.print(t)
    if sc.register_id is not None:
        _print_register_start(sc)
    _print_post_cutoff(sc, _parse_date(cutoff, "--cutoff") or sc.information_date)
    if sensitivity:
        _print_zero_swing(sc, paths, seed, levers, (db, chronology))
    _check_todo(sc, todo, draft)


def _check_todo(sc: Scenario, todo: Sequence[Uncertain], draft: bool) -> None:
    """Fail (or, for a draft, note) while assumptions still carry a TODO reason."""
    if not todo:
        return
    lines = "\n".join(
        f"  {p.name}" + (f" (line {p.line})" if p.line else "") + f": {p.reason}" for p in todo
    )
    if draft:
        err.print(f"[yellow]note[/]: draft: {len(todo)} TODO reason(s) left:\n{escape(lines)}")
        return
    raise ScenarioError(
        f"{len(todo)} assumption(s) still have a TODO reason; give each a real reason (and "
        f"check its numbers), or pass --draft while the file is being written:\n{lines}",
        path=sc.source,
    )


def _print_zero_swing(
    sc: Scenario, paths: int, seed: int, levers: str | None, source: tuple[Path | None, bool]
) -> None:
    """Run every assumption at both ends of its range and list those that move nothing."""
    from brinkwatch.simulate import zero_swing

    if not 1 <= paths <= MAX_PATHS:
        raise ConfigError(
            f"--paths must be between 1 and {MAX_PATHS:,}, got {paths:,}", field="--paths"
        )
    pulled = tuple(x.strip() for x in (levers or "").split(",") if x.strip())
    for name in pulled:
        sc.lever(name)
    with _events_store(*source, sc) as store:
        dyn = _fit(sc, store)
    with _progress("zero swing") as bar:
        task = bar.add_task("", total=1.0)
        t = zero_swing(
            sc, dyn, levers=pulled, n_paths=paths, seed=seed,
            progress=lambda f: bar.update(task, completed=f),
        )  # fmt: skip
    zero = [r for r in t.to_pylist() if r["zero"]]
    out.print(
        f"{len(zero)} of {t.num_rows} assumptions have zero swing: at either end of their range "
        f"no outcome moves in {paths:,} paths (seed {seed}, levers: {', '.join(pulled) or 'none'})."
    )
    if not zero:
        return
    z = Table(header_style="bold", title="Assumptions with zero swing (they do nothing here)")
    for c in ("assumption", "range"):
        z.add_column(c, overflow="fold")
    for r in zero:
        z.add_row(escape(r["assumption"]), f"{r['low']:g}..{r['high']:g}")
    out.print(z)


def _print_post_cutoff(sc: Scenario, cut: date | None) -> None:
    """List every reason, description or notes text that cites a date after the cutoff."""
    from brinkwatch.simulate import post_cutoff

    if cut is None:
        out.print(
            "No information date: add `information_date: YYYY-MM-DD` (the day the assumptions "
            "are as of) or pass --cutoff to list reasons citing later events."
        )
        return
    late = post_cutoff(sc.citations, cut)
    reasons = sum(1 for p in late if p.field.endswith(".reason"))
    out.print(
        f"Information cutoff {cut}: {reasons} reasons and {len(late) - reasons} other texts "
        "(descriptions, notes) cite dates after it."
        + (" None: the assumptions rest on what was known then." if not late else "")
    )
    if not late:
        return
    t = Table(header_style="bold", title=f"Texts citing dates after {cut}")
    for c in ("line", "field", "dated", "text"):
        t.add_column(c, overflow="fold")
    for p in late:
        t.add_row(
            str(p.line or ""),
            escape(p.field),
            escape(", ".join(m.text for m in p.mentions)),
            escape(p.text if len(p.text) <= 160 else p.text[:157] + "..."),
        )
    out.print(t)


def _print_register_start(sc: Scenario) -> None:
    """Print each machine's starting state and dwell from the register, and what changed."""
    t = Table(header_style="bold", title=f"Starting states on {sc.start} from {sc.register_id}")
    for c in ("machine", "instrument", "starts in", "days in it"):
        t.add_column(c)
    for m in sc.machines:
        if m.register is not None and m.register.instrument:
            t.add_row(m.name, m.register.instrument, m.initial, str(m.dwell))
    out.print(t)
    for note in sc.register_notes:
        out.print(f"[yellow]register[/]: {escape(note)}")
