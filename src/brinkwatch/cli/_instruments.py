"""``brinkwatch instruments``: what is in force, the changes in a span, frictions, the timeline.

Parses options, reads the register (ingest), calls measure/instruments.py and renders.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from brinkwatch.cli._app import _parse_date, app, err, out
from brinkwatch.cli._render import OutputFormat, render_arrow, to_json
from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    import pyarrow as pa

    from brinkwatch.instruments import Register
    from brinkwatch.measure.instruments import InstrumentsView

RegisterOpt = Annotated[
    Path | None,
    typer.Option(
        "--register",
        help="Instruments register (YAML, docs/instruments.md); default: the bundled "
        "Japan-Korea-US 2015-2023 register.",
    ),
]
WeightsOpt = Annotated[
    Path | None,
    typer.Option("--weights", help="Friction weights override (YAML {instrument: {state: w}})."),
]


def load_register(path: Path | None) -> Register:
    """Read the register named by ``--register`` (the bundled one when ``None``)."""
    from brinkwatch.ingest.instruments import read_register

    return read_register(path)


def bundled_or(path: Path | None) -> Register | None:
    """Read ``--register FILE``, else the bundled register; None when neither exists.

    For the brief and the dashboard, which show the instruments when a register is at hand
    and say so when not, rather than failing. A given file that is invalid still fails.
    """
    from brinkwatch.errors import RegisterError
    from brinkwatch.ingest.instruments import bundled_register, read_register

    if path is not None:
        return read_register(path)
    try:
        return bundled_register()
    except RegisterError:
        return None


@app.command("instruments")
def instruments_cmd(
    register: RegisterOpt = None,
    at: Annotated[str | None, typer.Option("--at", help="What is in force on YYYY-MM-DD.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    frictions: Annotated[
        bool,
        typer.Option(
            "--frictions", help="Print the frictions-in-force series for --from/--to by --freq."
        ),
    ] = False,
    freq: Annotated[
        str, typer.Option("--freq", help="day, week or month (--frictions).")
    ] = "month",
    weights: WeightsOpt = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the timeline: FILE.png or FILE.html.")
    ] = None,
) -> None:
    """Instruments in force on a day (--at), or their changes in a span (--from/--to).

    --frictions prints the summed friction of the states in force per period (the periods of
    `brinkwatch measure`), --plot draws one lane per instrument coloured by friction.
    """
    from brinkwatch.ingest.instruments import read_weights
    from brinkwatch.measure import Freq
    from brinkwatch.measure.instruments import frictions_series, instruments_view

    reg = load_register(register)
    w = read_weights(weights) if weights is not None else None
    first, last = _parse_date(start, "--from"), _parse_date(end, "--to")
    if frictions:
        if first is None or last is None:
            raise ConfigError("--frictions needs both --from and --to", field="--from")
        try:
            freq_ = Freq(freq.lower())
        except ValueError:
            raise ConfigError(
                f"--freq takes day, week or month; got {freq!r}", field="--freq"
            ) from None
        table = frictions_series(reg, first, last, freq_, w)
        render_arrow(_rounded(table), fmt, out, title=f"frictions in force by {freq_.value}")
        return
    view = instruments_view(reg, at=_parse_date(at, "--at"), start=first, end=last, weights=w)
    if plot is not None:
        _write_timeline(plot, view)
    _print_view(view, fmt)


def _rounded(table: pa.Table) -> pa.Table:
    import pyarrow as pa  # on first use: keeps start-up light

    cols = [
        pa.array([round(v, 3) for v in c.to_pylist()]) if pa.types.is_floating(c.type) else c
        for c in table.columns
    ]
    return pa.table(cols, names=table.column_names)


def _write_timeline(path: Path, view: InstrumentsView) -> None:
    from brinkwatch.report.instrument_figures import render_timeline

    fmt = path.suffix.lower().lstrip(".")
    data = render_timeline(view.spans, fmt, title=f"{view.title} ({view.register})", until=view.end)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    err.print(f"wrote {path} ({len(data) / 1024:.0f} KiB)")


def _print_view(view: InstrumentsView, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        out.print_json(to_json(view.as_dict()))
        return
    if view.at is not None:
        title = f"{len(view.in_force)} instrument(s) in force on {view.at} ({view.register})"
    else:
        span = f"{view.start or 'start'} to {view.end or 'end'}"
        title = f"{len(view.changes)} change(s), {span} ({view.register})"
    render_arrow(view.table(), fmt, out, title=escape(title))
