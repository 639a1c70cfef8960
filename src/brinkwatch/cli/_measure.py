"""``brinkwatch measure``, ``triad`` and ``alarms``: parse options, call measure/, render."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
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
)
from brinkwatch.cli._render import OutputFormat, render_arrow, to_json
from brinkwatch.errors import ConfigError
from brinkwatch.measure import INDEX_MEASURES

if TYPE_CHECKING:
    import pyarrow as pa

    from brinkwatch.codebook import Dyad
    from brinkwatch.instruments import Register
    from brinkwatch.measure import (
        Alarm,
        AlarmRule,
        DyadMeasure,
        Freq,
        TriadMeasure,
        ValidityReport,
        Weight,
    )

# The measure stage (Ibis, ruptures) is imported inside each command so that commands which
# do not need it, such as `brinkwatch ingest`, start in a fraction of a second.

FreqOpt = Annotated[str, typer.Option("--freq", help="day, week or month.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")]
#: The series a relation index is computed on; the help lists them all.
MEASURES = INDEX_MEASURES
MEASURE_HELP = "One of " + ", ".join(MEASURES) + "."
MeasureOpt = Annotated[str, typer.Option("--measure", help=MEASURE_HELP)]
OriginOpt = Annotated[
    str | None, typer.Option("--origin", help="Only these origins, e.g. gdelt2 or chronology.")
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format")]
PlotOpt = Annotated[
    Path | None, typer.Option("--plot", help="Write a figure: FILE.png or FILE.html.")
]
ReferenceOpt = Annotated[
    str | None,
    typer.Option(
        "--reference",
        help="Fixed baseline FIRST:LAST instead of the trailing one, e.g. "
        "2018-01-01:2018-12-31 (for long crises).",
    ),
]


def _reference(value: str | None) -> tuple[date, date] | None:
    if value is None:
        return None
    first, _, last = value.partition(":")
    lo, hi = _parse_date(first.strip(), "--reference"), _parse_date(last.strip(), "--reference")
    if lo is None or hi is None:  # unreachable: both parts are text
        raise ConfigError(f"expected FIRST:LAST, got {value!r}", field="--reference")
    return lo, hi


def _data_from(history_from: date | None, reference: tuple[date, date] | None) -> str:
    """Say how far back baselines and records looked."""
    if reference is not None:
        return f"relative to {reference[0]}..{reference[1]}"
    return f"data from {history_from:%Y-%m}" if history_from is not None else ""


AllActorsOpt = Annotated[
    bool,
    typer.Option(
        "--all-actors",
        help="Count companies, media and other non-state actors as their country too "
        "(default: state actors only).",
    ),
]
InstrumentsOpt = Annotated[
    bool,
    typer.Option(
        "--instruments",
        help="Add the frictions in force between the countries (bundled instruments register) "
        "as a 'frictions' column and, with --plot, a step line.",
    ),
]
RegisterOpt = Annotated[
    Path | None,
    typer.Option(
        "--register", help="Instruments register for the frictions (implies --instruments)."
    ),
]


def _register(instruments: bool, register: Path | None) -> Register | None:
    if not instruments and register is None:
        return None
    from brinkwatch.cli._instruments import load_register

    return load_register(register)


def _with_frictions(table: pa.Table, frictions: dict[date, float]) -> pa.Table:
    """Add the ``frictions`` column to a series table (no-op without a register)."""
    import pyarrow as pa

    if not frictions:
        return table
    col = [frictions.get(p) for p in table.column("period").to_pylist()]
    return table.append_column("frictions", pa.array(col, pa.float64()))


RowsOpt = Annotated[
    bool,
    typer.Option(
        "--count-rows",
        help="Count every stored row (default: machine-coded origins count once per story).",
    ),
]


def _dyad(dyad: str, types: str | None = None) -> Dyad:
    from brinkwatch.codebook import Dyad

    d = Dyad.parse(dyad)
    return d.with_types(tuple(t.strip() for t in types.split(",")) if types else None)


def _choice(value: str, kind: type[Freq] | type[Weight], option: str) -> Any:
    try:
        return kind(value.lower())
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise ConfigError(f"{option} takes one of {choices}; got {value!r}", field=option) from None


def _measure_choice(measure: str) -> str:
    """Check ``--measure`` before any work: a typo names the valid series."""
    return check_choice(measure, MEASURES, "--measure")


def _write_plot(path: Path, fig: Any) -> None:
    from brinkwatch.report import render

    fmt = path.suffix.lower().lstrip(".")
    data = render(fig, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    err.print(f"wrote {path} ({len(data) / 1024:.0f} KiB)")


def _origins(origin: str | None) -> list[str] | None:
    return [o.strip() for o in origin.split(",") if o.strip()] if origin else None


def _fmt_num(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


@app.command("measure")
def measure_cmd(
    dyad: Annotated[str, typer.Option("--dyad", help="Two actors, e.g. JPN-KOR.")],
    directed: Annotated[bool, typer.Option("--directed", help="Only first -> second.")] = False,
    freq: FreqOpt = "week",
    start: FromOpt = None,
    end: ToOpt = None,
    measure: MeasureOpt = "goldstein_sum",
    types: Annotated[str | None, typer.Option("--types", help="Actor types, e.g. GOV,MIL.")] = None,
    origin: OriginOpt = None,
    weight: Annotated[str, typer.Option("--weight", help="none or mentions.")] = "none",
    normalize: Annotated[
        bool, typer.Option("--normalize", help="Per 1,000 events of volume.")
    ] = False,
    baseline: Annotated[int | None, typer.Option("--baseline", help="Trailing periods.")] = None,
    reference: ReferenceOpt = None,
    all_actors: AllActorsOpt = False,
    count_rows: RowsOpt = False,
    instruments: InstrumentsOpt = False,
    register: RegisterOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    plot: PlotOpt = None,
    db: DbOption = None,
) -> None:
    """Relation series of a dyad: counts, Goldstein, net cooperation, index, change points.

    The index, "lowest since" and records look back before --from, to the first day of the
    data, so a period reads the same whatever window is shown. With --instruments, the
    frictions in force between the two countries stand beside the events.
    """
    from brinkwatch.measure import Freq, Weight, measure_dyad

    freq_, weight_ = _choice(freq, Freq, "--freq"), _choice(weight, Weight, "--weight")
    measure = _measure_choice(measure)
    d = _dyad(dyad, types)
    reg = _register(instruments, register)
    with _open(db, read_only=True) as store:
        m = measure_dyad(
            store.events,
            d,
            directed=directed,
            freq=freq_,
            start=_parse_date(start, "--from"),
            end=_parse_date(end, "--to"),
            measure=measure,
            weight=weight_,
            normalize=normalize,
            origins=_origins(origin),
            baseline=baseline,
            alarms=plot is not None,
            reference=_reference(reference),
            actors="all" if all_actors else "state",
            count="rows" if count_rows else "auto",
            register=reg,
        )
    fr = m.frictions_by_period()
    if plot is not None:
        from brinkwatch.report import index_figure

        title = f"{dyad} {measure} by {m.freq}: change points and alarms"
        fig = index_figure(
            m.rows,
            measure="value",
            change_points=m.change_points,
            alarms=m.alarms,
            title=title,
            label=measure,
            coverage=m.coverage,
            frictions=fr,
        )
        _write_plot(plot, fig)
    if fmt is OutputFormat.JSON:
        out.print_json(to_json(_measure_json(dyad, m)))
    elif fmt is OutputFormat.CSV:
        render_arrow(_with_frictions(m.table, fr), fmt, out)
    else:
        _print_series_table(m.rows, measure, freq_, fr)
        _print_summary(m.rows, m.change_points, measure, _data_from(m.history_from, m.reference))
    if fmt is not OutputFormat.JSON:
        # JSON carries the notes in its body; CSV and table readers see them on stderr.
        print_notes(m.notes)


def _measure_json(dyad: str, m: DyadMeasure) -> dict[str, Any]:
    fr = m.frictions_by_period()
    return {
        "dyad": dyad,
        "freq": m.freq,
        "measure": m.measure,
        "baseline": m.baseline,
        "history_from": m.history_from,
        "reference": list(m.reference) if m.reference else None,
        "series": [{**r, "frictions": fr[r["period"]]} for r in m.rows] if fr else m.rows,
        "frictions": m.frictions.to_pylist() if m.frictions is not None else None,
        "change_points": {d: [c.__dict__ for c in v] for d, v in m.change_points.items()},
        "notes": [{"category": n.category, "message": n.message} for n in m.notes],
    }


def _print_series_table(
    rows: list[dict[str, Any]], measure: str, freq: Freq, frictions: dict[date, float]
) -> None:
    t = Table(title=f"{measure} by {freq.value}", header_style="bold")
    cols = ["dyad", "period", "events", "coop", "conflict", measure, "index", "lowest since"]
    for c in cols + (["frictions"] if frictions else []):
        t.add_column(c, justify="left" if c in ("dyad", "period", "lowest since") else "right")
    for r in rows:
        if not r["events"] and r["index"] is None and not frictions.get(r["period"]):
            continue
        since = ""
        if r["record_low"]:
            since = f"record ({r['periods_since']} periods)"
        elif r["lowest_since"] is not None and r["periods_since"] and r["periods_since"] > 1:
            since = f"{r['lowest_since']} ({r['periods_since']} periods)"
        t.add_row(
            r["dyad"],
            str(r["period"]),
            _fmt_num(r["events"]),
            _fmt_num(r["verbal_coop"] + r["material_coop"]),
            _fmt_num(r["verbal_conflict"] + r["material_conflict"]),
            _fmt_num(r["value"]),
            _fmt_num(r["index"]),
            since,
            *([_fmt_num(frictions.get(r["period"]))] if frictions else []),
        )
    out.print(t)


def _print_summary(
    rows: list[dict[str, Any]], cps: dict[str, Any], measure: str, data_from: str
) -> None:
    for d, cp in cps.items():
        rs = [r for r in rows if r["dyad"] == d]
        if not rs:
            continue
        latest = rs[-1]
        line = f"[bold]{d}[/] latest {latest['period']}: {measure} {_fmt_num(latest['value'])}"
        if latest["index"] is not None:
            line += f", index {latest['index']:.2f}"
        if latest["record_low"]:
            line += f", the lowest on record ({latest['periods_since']} periods)"
        elif latest["lowest_since"] is not None and (latest["periods_since"] or 0) > 1:
            # "Lowest since" the period just before says nothing; the table drops it too.
            line += f", lowest since {latest['lowest_since']:%b %Y}"
        if data_from:
            line += f" ({data_from})"
        out.print(line)
        for c in cp:
            out.print(f"  change point {c.period}: mean {c.mean_before:.2f} -> {c.mean_after:.2f}")


@app.command("triad")
def triad_cmd(
    actor_args: ActorsArgs = None,
    actor_opt: ActorsOpt = None,
    freq: FreqOpt = "month",
    start: FromOpt = None,
    end: ToOpt = None,
    measure: MeasureOpt = "goldstein_sum",
    origin: OriginOpt = None,
    baseline: Annotated[int | None, typer.Option("--baseline", help="Trailing periods.")] = None,
    reference: ReferenceOpt = None,
    all_actors: AllActorsOpt = False,
    count_rows: RowsOpt = False,
    instruments: InstrumentsOpt = False,
    register: RegisterOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    plot: PlotOpt = None,
    db: DbOption = None,
) -> None:
    """Show the six directed dyads of a triad: latest value, index and "lowest since".

    Name the triad with --actors USA JPN KOR (``triad USA JPN KOR`` still works for one
    release). With --instruments, the frictions in force between any two of the three countries.
    """
    from brinkwatch.measure import Freq, measure_triad

    actors = actor_set(actor_opt, actor_args, count=3, old_form="triad A B C")
    freq_ = _choice(freq, Freq, "--freq")
    measure = _measure_choice(measure)
    reg = _register(instruments, register)
    with _open(db, read_only=True) as store:
        t = measure_triad(
            store.events,
            actors,
            freq=freq_,
            start=_parse_date(start, "--from"),
            end=_parse_date(end, "--to"),
            measure=measure,
            origins=_origins(origin),
            baseline=baseline,
            reference=_reference(reference),
            actor_scope="all" if all_actors else "state",
            count="rows" if count_rows else "auto",
            register=reg,
        )
    title = f"{' '.join(actors)}: {measure} by {freq_.value}"
    fr = t.frictions_by_period()
    if plot is not None:
        from brinkwatch.report import triad_figure

        fig = triad_figure(t.rows, measure="value", title=title, coverage=t.coverage, frictions=fr)
        _write_plot(plot, fig)
    if fmt is not OutputFormat.TABLE:
        render_arrow(_with_frictions(t.table, fr), fmt, out)
        return
    since = _data_from(t.history_from, t.reference)
    _print_triad(t, f"triad {title}" + (f" ({since})" if since else ""))


def _print_triad(t: TriadMeasure, title: str) -> None:
    table = Table(title=title, header_style="bold")
    fr = t.frictions_by_period()
    cols = ["dyad", "latest", t.measure, "index", "lowest since", "events", "net coop"]
    # The triad's frictions count the instruments of any two of its countries, not the row's.
    for col in cols + (["frictions (any pair)"] if fr else []):
        table.add_column(col)
    for d, rs in t.by_dyad().items():
        r = rs[-1]
        since = "record low" if r["record_low"] else str(r["lowest_since"] or "")
        table.add_row(
            d,
            str(r["period"]),
            _fmt_num(r["value"]),
            _fmt_num(r["index"]),
            since,
            _fmt_num(sum(x["events"] for x in rs)),
            _fmt_num(r["net_coop"]),
            *([_fmt_num(fr.get(r["period"]))] if fr else []),
        )
    out.print(table)


@app.command("alarms")
def alarms_cmd(
    dyad: Annotated[
        str | None,
        typer.Option("--dyad", help="Two actors, e.g. JPN-KOR (with --evaluate: optional)."),
    ] = None,
    evaluate: Annotated[
        Path | None,
        typer.Option(
            "--evaluate",
            help="Score the alarms against labelled crisis periods (YAML), e.g. "
            "src/brinkwatch/data/labels/jpn-kor-2015-2023.yaml.",
        ),
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="YAML rules (default: allies).")
    ] = None,
    freq: FreqOpt = "week",
    start: FromOpt = None,
    end: ToOpt = None,
    origin: OriginOpt = None,
    reference: ReferenceOpt = None,
    all_actors: AllActorsOpt = False,
    count_rows: RowsOpt = False,
    instruments: Annotated[
        bool,
        typer.Option(
            "--instruments",
            help="Add alarms on instrument state changes (notices, entries into force) from "
            "the register, with the citation as evidence.",
        ),
    ] = False,
    register: Annotated[
        Path | None,
        typer.Option("--register", help="Register for --instruments (default: the bundled one)."),
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Alarms for a dyad from YAML rules, each with the stories behind it.

    With --evaluate, score them instead: precision, recall, lead time and false alarms per year.
    """
    from brinkwatch.measure import Alarms, Freq, default_rules, evaluate_alarms, parse_rules

    freq_ = _choice(freq, Freq, "--freq")
    if rules is not None:
        from brinkwatch._yaml import read_text

        text = read_text(rules, error=ConfigError)  # bounded: a huge file is refused unread
        rule_set = parse_rules(text, source=str(rules))
    else:
        rule_set = default_rules()
    first, last = _parse_date(start, "--from"), _parse_date(end, "--to")
    if evaluate is not None:
        _evaluate(
            evaluate, dyad, rule_set, freq_, first, last, origin, reference, all_actors, fmt, db
        )
        return
    if dyad is None:
        raise ConfigError(
            "name the dyad, e.g. --dyad JPN-KOR (or score alarms with --evaluate)", field="--dyad"
        )
    d = _dyad(dyad)
    with _open(db, read_only=True) as store:
        alarms = evaluate_alarms(
            store.events,
            d.source,
            d.target,
            rules=rule_set,
            freq=freq_,
            start=first,
            end=last,
            origins=_origins(origin),
            reference=_reference(reference),
            actors="all" if all_actors else "state",
            count="rows" if count_rows else "auto",
        )
    if instruments or register is not None:
        from brinkwatch.cli._instruments import load_register
        from brinkwatch.measure.instruments import instrument_alarms

        extra = instrument_alarms(
            load_register(register), first, last, freq=freq_, between=d.countries
        )
        alarms = Alarms(sorted([*alarms, *extra], key=lambda a: (a.period, a.rule)))
    _print_alarms(alarms, dyad, fmt)


def _print_alarms(alarms: list[Alarm], dyad: str, fmt: OutputFormat) -> None:
    import pyarrow as pa

    if fmt is OutputFormat.JSON:
        out.print_json(to_json([x.as_dict() for x in alarms]))
        return
    if fmt is OutputFormat.CSV:
        flat = [
            {
                "period": x.period,
                "rule": x.rule,
                "severity": x.severity,
                "dyad": x.dyad,
                "detail": x.detail,
                "stories": x.stories,
                "rows": x.rows,
                "story": e.story,
                "story_rows": e.rows,
                "sources": e.sources,
                "mentions": e.mentions,
                "event_id": e.event_id,
                "event_date": e.event_date,
                "cameo_code": e.cameo_code,
                "text": e.text,
                "reference": e.reference,
            }
            for x in alarms
            for e in (x.evidence or [None])  # type: ignore[list-item]
            if e is not None
        ]
        render_arrow(pa.Table.from_pylist(flat), fmt, out)
        return
    t = Table(title=f"{len(alarms)} alarm(s) for {dyad}", header_style="bold")
    for col in ("period", "severity", "rule", "dyad", "detail", "evidence"):
        t.add_column(col, overflow="fold")
    for x in alarms:
        ev = "\n".join(e.line for e in x.evidence[:3])
        if x.stories > 3:
            ev += f"\n... {x.stories - 3} more stor{'y' if x.stories == 4 else 'ies'}"
        t.add_row(str(x.period), x.severity, x.rule, x.dyad, x.detail, ev)
    out.print(t)


def _evaluate(
    labels_path: Path,
    dyad: str | None,
    rule_set: list[AlarmRule],
    freq: Freq,
    first: date | None,
    last: date | None,
    origin: str | None,
    reference: str | None,
    all_actors: bool,
    fmt: OutputFormat,
    db: Path | None,
) -> None:
    import pyarrow as pa

    from brinkwatch._yaml import read_text
    from brinkwatch.measure import parse_labels, score_alarms

    labels = parse_labels(read_text(labels_path, error=ConfigError), source=str(labels_path))
    with _open(db, read_only=True) as store:
        report = score_alarms(
            store.events,
            labels,
            dyad=_dyad(dyad) if dyad else None,
            rules=rule_set,
            freq=freq,
            start=first,
            end=last,
            origins=_origins(origin),
            reference=_reference(reference),
            actors="all" if all_actors else "state",
        )
    if fmt is OutputFormat.JSON:
        out.print_json(to_json(report.as_dict()))
        return
    if fmt is OutputFormat.CSV:
        render_arrow(
            pa.Table.from_pylist([asdict(r) for r in (*report.rules, report.overall)]), fmt, out
        )
        return
    _print_validity(report)


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.0%}"


def _print_validity(report: ValidityReport) -> None:
    lo, hi = report.span
    t = Table(
        title=f"Alarm validity {lo}..{hi} ({report.years:.1f} years, lead window "
        f"{report.lead_days} days)",
        header_style="bold",
    )
    for col in ("rule", "alarms", "true", "false", "in calm", "precision", "recall",
                "median lead (days)", "false alarms/year"):  # fmt: skip
        t.add_column(col, overflow="fold")
    for r in (*report.rules, report.overall):
        t.add_row(
            escape(r.rule),
            str(r.alarms),
            str(r.true_alarms),
            str(r.false_alarms),
            str(r.calm_alarms),
            _pct(r.precision),
            f"{_pct(r.recall)} ({r.detected}/{r.periods})",
            _fmt_num(r.median_lead_days),
            f"{r.false_alarms_per_year:.2f}",
        )
    out.print(t)
    p = Table(title="Labelled crisis periods", header_style="bold")
    for col in ("period", "label", "alarms", "first alarm", "lead (days)"):
        p.add_column(col, overflow="fold")
    for h in report.periods:
        p.add_row(
            f"{h.start}..{h.end}",
            escape(h.label),
            str(h.alarms),
            str(h.first_alarm or "none"),
            "" if h.lead_days is None else str(h.lead_days),
        )
    out.print(p)
