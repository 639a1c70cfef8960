"""YAML parsing that keeps line numbers, for mapping and rule files."""

from __future__ import annotations

from collections.abc import Collection, Iterator

import yaml

from brinkwatch.errors import BrinkwatchError

__all__ = ["checked_items", "compose", "line_of"]


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


def line_of(node: yaml.Node) -> int:
    """Return the 1-based line a YAML node starts on."""
    return int(node.start_mark.line) + 1


def checked_items(
    node: yaml.MappingNode,
    allowed: Collection[str],
    *,
    source: str,
    error: type[BrinkwatchError],
    what: str = "key",
) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """Yield (key, key node, value node) of a mapping, refusing keys not in ``allowed``."""
    for knode, vnode in node.value:
        key = str(knode.value)
        if key not in allowed:
            raise error(
                f"unknown {what} '{key}'; allowed: {', '.join(sorted(allowed))}",
                path=source,
                line=line_of(knode),
                field=key,
            )
        yield key, knode, vnode
