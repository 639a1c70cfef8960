"""No function in src/ is longer than a reader can hold (issue 13, "Done means").

A function counts from its first decorator (or ``def``) to its last line, its docstring left
out. Over :data:`MAX_LINES` it must say in its docstring why it is long (the words "long
because"). Shell functions (cli/, web/, report/) that render a stage result stay under
:data:`MAX_RENDER_LINES` lines of body: their signatures are left out there, because a Typer
command declares its options in its signature.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

import brinkwatch

SRC = Path(brinkwatch.__file__).resolve().parent
MAX_LINES = 120
MAX_RENDER_LINES = 60
SHELLS = ("cli", "web", "report")

#: Functions allowed over MAX_LINES without saying why, as "package/module.py:function": none.
ALLOWED_LONG: set[str] = set()


@dataclass(frozen=True)
class Length:
    """A function's place and its lines: in all, and of its body."""

    where: str
    line: int
    total: int
    body: int
    explained: bool


def _docstring_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        assert first.end_lineno is not None
        return first.end_lineno - first.lineno + 1
    return 0


def lengths(source: str, name: str) -> list[Length]:
    """Every function and method in ``source``, nested ones included."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        assert node.end_lineno is not None
        top = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        doc = _docstring_lines(node)
        # The body starts after the docstring (a function that is only a docstring has none).
        start = node.body[1].lineno if doc and len(node.body) > 1 else node.body[0].lineno
        out.append(
            Length(
                where=f"{name}:{node.name}",
                line=node.lineno,
                total=node.end_lineno - top + 1 - doc,
                body=node.end_lineno - start + 1 if not (doc and len(node.body) == 1) else 0,
                explained="long because" in (ast.get_docstring(node) or "").lower(),
            )
        )
    return out


def _all_lengths() -> list[Length]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        out.extend(lengths(path.read_text(encoding="utf-8"), rel))
    return out


def test_the_counter_leaves_out_the_docstring_and_counts_decorators() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    source = f'@cache\ndef f(\n    a: int,\n) -> None:\n    """Doc.\n\n    More.\n    """\n{body}\n'
    (f,) = lengths(source, "m.py")
    assert (f.where, f.total, f.body, f.explained) == ("m.py:f", MAX_LINES + 4, MAX_LINES, False)
    short = textwrap.dedent('''
        def g():
            """Only a docstring, long because it says so."""
    ''')
    (g,) = lengths(short, "m.py")
    assert (g.total, g.body, g.explained) == (1, 0, True)


def test_no_function_is_over_120_lines_unless_it_says_why() -> None:
    found = _all_lengths()
    assert len(found) > 500, "the walk found the package's functions"
    long = {f.where: f for f in found if f.total > MAX_LINES and not f.explained}
    unexpected = [f"{f.where} (line {f.line}): {f.total} lines" for f in long.values()]
    unexpected = [u for u, w in zip(unexpected, long, strict=True) if w not in ALLOWED_LONG]
    assert not unexpected, (
        f"functions over {MAX_LINES} lines (docstring excluded); split them along their "
        "seams, or say in the docstring why the function is long:\n" + "\n".join(unexpected)
    )
    # An entry that is short now is removed, so the list only shrinks.
    assert not ALLOWED_LONG - set(long), f"no longer long: {sorted(ALLOWED_LONG - set(long))}"


def test_shell_functions_render_in_under_60_lines() -> None:
    found = [f for f in _all_lengths() if f.where.split("/")[0] in SHELLS]
    assert len(found) > 100
    long = [f"{f.where} (line {f.line}): {f.body}" for f in found if f.body >= MAX_RENDER_LINES]
    assert not long, (
        f"shell functions with a body of {MAX_RENDER_LINES} lines or more (signature and "
        "docstring excluded); move the rendering of each part into its own function:\n"
        + "\n".join(long)
    )
