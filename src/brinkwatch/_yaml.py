"""The one YAML loader of brinkwatch: safe tags only, bounded size, depth and aliases.

Every YAML file brinkwatch reads (column mappings, alarm rules, scenarios, lexicons and actor
dictionaries) goes through :func:`compose` or :func:`load`. Both keep the parsed nodes' line
numbers for messages and refuse, with a clean error naming the file and line:

- input over :data:`MAX_BYTES`;
- nesting deeper than :data:`MAX_DEPTH` (PyYAML's composer recurses, so 1,000 levels would
  otherwise end in a ``RecursionError``);
- more than :data:`MAX_ALIASES` aliases, or aliases that would expand to more than
  :data:`MAX_EXPANSION` nodes in all (a 331-byte "billion laughs" file expands to 10^9);
- an alias inside its own anchor (a recursive structure);
- any tag the safe constructor does not know (``!!python/object`` and the like).

Aliases are kept shared, never expanded, while parsing; values shown in error messages go
through :func:`shown`, which truncates without rendering the whole value first.
"""

from __future__ import annotations

import reprlib
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.composer import ComposerError
from yaml.constructor import SafeConstructor
from yaml.reader import ReaderError

from brinkwatch.errors import BrinkwatchError

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_EXPANSION",
    "LimitedLoader",
    "checked_items",
    "clipped",
    "compose",
    "construct",
    "line_of",
    "load",
    "read_text",
    "shown",
    "value_of",
]

#: Largest YAML text accepted, in bytes (the bundled files are under 32 KB).
MAX_BYTES = 4 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted.
MAX_DEPTH = 64
#: Most aliases (``*name``) accepted in one document.
MAX_ALIASES = 200
#: Most nodes that aliases may add to a document when expanded, in all.
MAX_EXPANSION = 20_000
#: Longest rendering of a value in an error message.
SHOWN_CHARS = 60

_repr = reprlib.Repr()
_repr.maxlevel = 2
_repr.maxstring = SHOWN_CHARS
_repr.maxother = SHOWN_CHARS
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 5
_repr.maxlong = 40


def shown(value: object) -> str:
    """Render a value for an error message, truncated to about :data:`SHOWN_CHARS` characters.

    ``reprlib`` truncates while it renders, so a huge (or alias-expanded) value costs no more
    than a small one.

    Examples
    --------
    >>> len(shown("x" * 1_000_000)) < 70
    True
    >>> shown([1, 2, 3])
    '[1, 2, 3]'
    """
    text = _repr.repr(value)
    return text if len(text) <= SHOWN_CHARS + 10 else text[: SHOWN_CHARS - 3] + "..."


def clipped(text: str, limit: int = 200) -> str:
    """Cut a message part built from a file's text (a field path, a name) to ``limit`` chars.

    Examples
    --------
    >>> clipped("a" * 500, 10)
    'aaaaaaa...'
    """
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


class LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits on depth, aliases and their expansion, and tags.

    Parameters
    ----------
    stream
        The YAML text.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._expanded = 0
        # Expanded size (in nodes) of each finished node, by id; nodes stay alive in the tree.
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            target = self.anchors.get(event.anchor)
            if target is not None:
                self._count_alias(target, event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ComposerError(
                None,
                None,
                f"nesting deeper than {MAX_DEPTH} levels; brinkwatch files never need that many",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is None:
            return None
        if node.tag not in self.yaml_constructors:
            raise ComposerError(
                None,
                None,
                f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')[:80]} is not allowed; "
                "use plain YAML values",
                node.start_mark,
            )
        self._sizes[id(node)] = 1 + sum(self._sizes.get(id(c), 1) for c in _children(node))
        return node

    def _count_alias(self, target: yaml.Node, mark: yaml.Mark) -> None:
        size = self._sizes.get(id(target))
        if size is None:
            raise ComposerError(
                None, None, "an alias refers to the mapping or list it is inside", mark
            )
        self._aliases += 1
        self._expanded += size
        if self._aliases > MAX_ALIASES:
            raise ComposerError(
                None, None, f"more than {MAX_ALIASES} aliases (*name); write the values out", mark
            )
        if self._expanded > MAX_EXPANSION:
            raise ComposerError(
                None,
                None,
                f"aliases (*name) would expand to more than {MAX_EXPANSION:,} values; this "
                "looks like an alias bomb ('billion laughs')",
                mark,
            )


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield k
            yield v


def _raise(
    exc: BaseException,
    *,
    source: str,
    error: type[BrinkwatchError],
    field: str | None = None,
    line: int | None = None,
) -> None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        line = int(mark.line) + 1
    if isinstance(exc, RecursionError):
        problem = f"nesting too deep (at most {MAX_DEPTH} levels)"
    else:
        problem = str(getattr(exc, "problem", None) or exc)
    raise error(f"not valid YAML: {problem[:300]}", path=source, line=line, field=field) from None


def _checked_size(text: str, source: str, error: type[BrinkwatchError]) -> None:
    if len(text) > MAX_BYTES:
        raise error(
            f"the file is {len(text):,} characters long; YAML files are limited to "
            f"{MAX_BYTES:,} bytes",
            path=source,
        )


def compose(
    text: str,
    *,
    source: str,
    error: type[BrinkwatchError],
    loader: type[LimitedLoader] = LimitedLoader,
) -> yaml.Node | None:
    r"""Parse YAML into nodes (which carry line numbers), raising ``error`` with the line.

    Parameters
    ----------
    text
        The YAML text.
    source
        File name for messages.
    error
        The error class to raise (``MappingError``, ``ConfigError``, ``ScenarioError``).
    loader
        A :class:`LimitedLoader` subclass (to change how plain scalars resolve).

    Raises
    ------
    BrinkwatchError
        ``error``, with the line, when the text is not YAML or passes a limit.

    Examples
    --------
    >>> from brinkwatch.errors import ConfigError
    >>> compose("a: [1, 2]", source="x.yaml", error=ConfigError).value[0][0].value
    'a'
    >>> compose("a: &x [1]\nb: !!python/name:os.system []", source="x.yaml", error=ConfigError)
    Traceback (most recent call last):
    ...
    brinkwatch.errors.ConfigError: x.yaml:2: not valid YAML: the tag ... is not allowed; ...
    """
    _checked_size(text, source, error)
    try:
        # PyYAML checks the whole text for unprintable characters (NULs, C0 controls) as the
        # loader is made, so that is inside the try as well.
        ld = loader(text)
    except ReaderError as exc:
        _unprintable(exc, text, source=source, error=error)
    try:
        return ld.get_single_node()
    except (yaml.YAMLError, RecursionError) as exc:
        _raise(exc, source=source, error=error)
        raise  # pragma: no cover (unreachable: _raise raises)
    finally:
        ld.dispose()


def _unprintable(
    exc: ReaderError, text: str, *, source: str, error: type[BrinkwatchError]
) -> NoReturn:
    """Raise ``error`` for a character YAML does not allow, with its line and column."""
    pos = max(0, min(int(exc.position), len(text)))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    raise error(
        f"the character U+{char:04X} (column {column}) is not allowed in a YAML file; remove "
        "it, or save the file as plain UTF-8 text",
        path=source,
        line=line,
    ) from None


def construct(node: yaml.Node, *, loader: type[LimitedLoader] = LimitedLoader) -> Any:
    """Build the Python value of a node composed by :func:`compose` (safe types only).

    Raises ``yaml.YAMLError`` or ``ValueError`` (an impossible date such as 2019-13-01);
    :func:`value_of` turns those into a brinkwatch error.
    """
    return _constructor(loader).construct_document(node)


def _constructor(loader: type[LimitedLoader]) -> SafeConstructor:
    # A fresh constructor with the loader's constructors, without a reader or parser.
    class _C(SafeConstructor):
        yaml_constructors = loader.yaml_constructors

    return _C()


def value_of(
    node: yaml.Node,
    *,
    source: str,
    error: type[BrinkwatchError],
    field: str | None = None,
) -> Any:
    """Build the Python value of a node, raising ``error`` with its line and ``field``."""
    try:
        return construct(node)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        _raise(exc, source=source, error=error, field=field, line=line_of(node))


def load(
    text: str,
    *,
    source: str,
    error: type[BrinkwatchError],
    loader: type[LimitedLoader] = LimitedLoader,
) -> Any:
    """Parse YAML text into Python values within the limits of :func:`compose`.

    Examples
    --------
    >>> from brinkwatch.errors import ConfigError
    >>> load("a: [1, 2]", source="x.yaml", error=ConfigError)
    {'a': [1, 2]}
    """
    node = compose(text, source=source, error=error, loader=loader)
    if node is None:
        return None
    try:
        return construct(node, loader=loader)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        _raise(exc, source=source, error=error, line=line_of(node))


def read_text(path: str | Path, *, error: type[BrinkwatchError]) -> str:
    """Read a UTF-8 YAML file, refusing one over :data:`MAX_BYTES` before reading it whole.

    Raises
    ------
    BrinkwatchError
        ``error``, naming the file, when it cannot be read, is too large or is not UTF-8.
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror or exc}", path=p) from None
    if len(data) > MAX_BYTES:
        raise error(f"the file is over {MAX_BYTES:,} bytes, the limit for YAML files", path=p)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            f"the file is not UTF-8 text (byte {exc.start:,}); save it as UTF-8", path=p
        ) from None


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
                f"unknown {what} {shown(key)}; allowed: {', '.join(sorted(allowed))}",
                path=source,
                line=line_of(knode),
                field=key[:60],
            )
        yield key, knode, vnode
