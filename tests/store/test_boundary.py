"""The store's private modules are its own: the rest of the package uses ``brinkwatch.store``."""

from __future__ import annotations

import ast
from pathlib import Path

import brinkwatch

SRC = Path(brinkwatch.__file__).resolve().parent


def _is_private(name: str) -> bool:
    parts = name.split(".")
    return len(parts) >= 3 and parts[:2] == ["brinkwatch", "store"] and parts[2].startswith("_")


def private_store_imports(source: str, package: str) -> list[str]:
    """Return ``line: module`` for each import of a ``brinkwatch.store._*`` module in ``source``.

    ``package`` is the dotted package the module sits in, to resolve relative imports.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            # ``from brinkwatch.store import _writer`` names a private module too.
            names = [base, *(f"{base}.{a.name}" for a in node.names)]
        hits = [n for n in names if _is_private(n)]
        if hits:
            found.append(f"{node.lineno}: {hits[0]}")
    return found


def test_no_module_outside_the_store_imports_its_private_modules() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "store":
            continue
        package = ".".join(["brinkwatch", *rel.parts[:-1]])
        hits = private_store_imports(path.read_text(encoding="utf-8"), package)
        offenders += [f"{rel}:{h}" for h in hits]
    assert offenders == [], "use the public brinkwatch.store API instead:\n" + "\n".join(offenders)


def test_the_check_sees_every_way_of_reaching_a_private_module() -> None:
    src = (
        "from brinkwatch.store._schema import EVENT_COLUMNS\n"
        "import brinkwatch.store._store\n"
        "from brinkwatch.store import _writer\n"
        "from ..store._lock import holders\n"
        "from brinkwatch.store import connect, sql_string\n"
        "from brinkwatch.ingest._sql import typed_select\n"
    )
    got = private_store_imports(src, "brinkwatch.ingest")
    assert [g.split(": ")[0] for g in got] == ["1", "2", "3", "4"]
    assert "4: brinkwatch.store._lock" in got
