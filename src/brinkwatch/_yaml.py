"""YAML parsing that keeps line numbers, for mapping and rule files."""

from __future__ import annotations

import yaml

from brinkwatch.errors import BrinkwatchError

__all__ = ["compose"]


def compose(text: str, *, source: str, error: type[BrinkwatchError]) -> yaml.Node | None:
    """Parse YAML into nodes (which carry line numbers), raising ``error`` with the line.

    Parameters
    ----------
    text
        The YAML text.
    source
        File name for messages.
    error
        The error class to raise (``MappingError``, ``ConfigError``).
    """
    try:
        return yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            path=source,
            line=(mark.line + 1) if mark is not None else None,
        ) from exc
