"""Find the files a scenario names: its own text, its instruments register and its chronology.

Scenario files are parsed by :mod:`brinkwatch.simulate` from text; this module does the file
work around them (only ``ingest`` and ``store`` touch files), so that the CLI and the dashboard
resolve a scenario's ``register:`` and ``chronology:`` the same way: relative to the scenario
file, or for a bundled scenario relative to the bundled scenarios folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from brinkwatch._yaml import read_text
from brinkwatch.errors import ScenarioError
from brinkwatch.ingest.instruments import bundled_register, read_register
from brinkwatch.instruments import Register

__all__ = [
    "bundled_scenario_names",
    "chronology_files",
    "read_bundled_scenario_text",
    "read_scenario_text",
    "scenario_register",
    "scenario_relative",
]


def _bundled_folder() -> Path:
    return Path(str(resources.files("brinkwatch").joinpath("data", "scenarios")))


def bundled_scenario_names() -> list[str]:
    """Names of the scenarios shipped with brinkwatch.

    Examples
    --------
    >>> "jpn-kor-2019" in bundled_scenario_names()
    True
    """
    return sorted(p.stem for p in _bundled_folder().glob("*.yaml"))


def read_bundled_scenario_text(name: str) -> str:
    """Return the YAML text of a bundled scenario.

    Raises
    ------
    ScenarioError
        If there is no such scenario; the message lists those there are.
    """
    names = bundled_scenario_names()
    if name not in names:
        raise ScenarioError(
            f"no bundled scenario '{name}'; bundled: {', '.join(names)}. "
            "Give a path to a YAML file for your own."
        )
    return read_text(_bundled_folder() / f"{name}.yaml", error=ScenarioError)


def read_scenario_text(spec: str) -> tuple[str, str]:
    """Return a scenario's text and its source label: a file path, or a bundled name.

    Parameters
    ----------
    spec
        A path to a YAML file, or the name of a bundled scenario (``jpn-kor-2019``).

    Returns
    -------
    tuple of str
        The text (read within the YAML size limit) and the label to parse it under.

    Raises
    ------
    ScenarioError
        When the file does not exist or is too large, or no bundled scenario has that name.

    Examples
    --------
    >>> text, source = read_scenario_text("jpn-kor-2019")
    >>> source, "GSOMIA" in text
    ('jpn-kor-2019', True)
    """
    path = Path(spec)
    bundled = bundled_scenario_names()
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        try:
            # Bounded read: a scenario file over the YAML size limit is refused unread.
            return read_text(path, error=ScenarioError), str(path)
        except ScenarioError as exc:
            if path.is_file():
                raise
            raise ScenarioError(
                f"{exc.message}; bundled scenarios: {', '.join(bundled)}", path=path
            ) from None
    return read_bundled_scenario_text(spec), spec


def scenario_relative(source: str, relative: str) -> Path:
    """Resolve a path a scenario gives relative to itself (bundled: the bundled folder).

    Examples
    --------
    >>> scenario_relative("jpn-kor-2019", "x.yaml").name
    'x.yaml'
    """
    src = Path(source)
    if src.is_file():
        return src.parent / relative
    if source in bundled_scenario_names():
        return _bundled_folder() / relative
    return Path(relative)


def scenario_register(
    source: str, declared: str | None, override: str | Path | None = None
) -> Register | None:
    """Load the register a scenario starts from: ``override``, else its own ``register:``.

    Parameters
    ----------
    source
        The scenario's source label (``Scenario.source``).
    declared
        Its ``register:`` value: ``bundled``, a path relative to the scenario, or None.
    override
        A register file given by the user, which wins over ``declared``.

    Returns
    -------
    Register or None
        None when neither names a register.
    """
    if override is not None:
        return read_register(override)
    if declared is None:
        return None
    if declared == "bundled":
        return bundled_register()
    return read_register(scenario_relative(source, declared))


def chronology_files(source: str | None, declared: str | None) -> tuple[Path, Path]:
    """Return the events CSV and its mapping to fit on: the scenario's, else the bundled one.

    Parameters
    ----------
    source
        The scenario's source label, or None for no scenario.
    declared
        Its ``chronology:`` value (a CSV relative to the scenario, its mapping beside it with
        the same name and ``.yaml``), or None for the bundled Japan-Korea-US chronology.

    Raises
    ------
    ScenarioError
        When the CSV or its mapping does not exist.
    """
    if source is None or declared is None:
        folder = Path(str(resources.files("brinkwatch").joinpath("data", "chronology")))
        return folder / "jpn-kor-usa-2015-2023.csv", folder / "chronology.yaml"
    csv = scenario_relative(source, declared)
    mapping = csv.with_suffix(".yaml")
    for f, what in ((csv, "events file"), (mapping, "column mapping")):
        if not f.is_file():
            raise ScenarioError(
                f"the scenario's chronology {what} {f} does not exist; `chronology:` names a CSV "
                "relative to the scenario file, with its mapping (same name, .yaml) beside it",
                path=source,
                field="chronology",
            )
    return csv, mapping
