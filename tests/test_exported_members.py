"""Each public package says what it exports, and exports exactly that (httpx's own check)."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import brinkwatch
from brinkwatch import errors

SRC = Path(brinkwatch.__file__).resolve().parent

PACKAGES = [
    "brinkwatch.codebook",
    "brinkwatch.ingest",
    "brinkwatch.ingest.fetch",
    "brinkwatch.store",
    "brinkwatch.cli",
    "brinkwatch.errors",
    "brinkwatch.config",
    "brinkwatch.measure",
    "brinkwatch.explain",
    "brinkwatch.simulate",
    "brinkwatch.simulate.scenario",
    "brinkwatch.coding",
    "brinkwatch.web",
    "brinkwatch.watch",
    "brinkwatch.report",
    "brinkwatch.report.brief",
    "brinkwatch._types",
    "brinkwatch.watch",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_members(name: str) -> None:
    mod = importlib.import_module(name)
    declared = set(mod.__all__)
    for n in declared & set(getattr(mod, "_LAZY", {})):
        getattr(mod, n)  # a lazy export (PEP 562) becomes a member once used
    # Defined here, or in one of this package's private submodules (re-exported on purpose).
    public = {
        n
        for n, v in vars(mod).items()
        if not n.startswith("_")
        and callable(v)
        and (
            getattr(v, "__module__", "") == name
            or getattr(v, "__module__", "").startswith(name + "._")
        )
    }
    assert declared <= set(vars(mod)), f"{name}.__all__ names missing members"
    assert public <= declared, f"{name} has public members not in __all__: {public - declared}"


# --------------------------------------------------------------------------- the top level


def _typed_imports() -> dict[str, str]:
    """The names that brinkwatch/__init__.py imports under TYPE_CHECKING, and their modules."""
    tree = ast.parse((SRC / "__init__.py").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module is not None
                for a in imp.names:
                    # "import x as x" marks an explicit re-export for type checkers.
                    assert a.asname == a.name, f"write 'import {a.name} as {a.name}'"
                    out[a.name] = imp.module
    return out


def test_top_level_all_is_exactly_what_it_exports() -> None:
    lazy = brinkwatch._LAZY
    assert sorted(brinkwatch.__all__) == sorted([*lazy, "__version__"])
    assert len(set(brinkwatch.__all__)) == len(brinkwatch.__all__)
    # Type checkers see the same names, from the same modules, as the lazy table gives.
    assert _typed_imports() == lazy
    for name, module in lazy.items():
        value = getattr(brinkwatch, name)
        assert value is getattr(importlib.import_module(module), name), name
        assert name in dir(brinkwatch)
    with pytest.raises(AttributeError, match="no attribute 'measure_everything'"):
        _ = brinkwatch.measure_everything  # type: ignore[attr-defined]


def test_every_error_and_warning_is_exported_at_the_top() -> None:
    public = {n for n in vars(errors) if not n.startswith("_")}
    classes = {n for n in public if isinstance(getattr(errors, n), type)} - {"Path"}
    raised = {n for n in classes if issubclass(getattr(errors, n), errors.BrinkwatchError)}
    issued = {n for n in classes if issubclass(getattr(errors, n), errors.BrinkwatchWarning)}
    assert raised | issued == classes, "every class in errors.py has one of the two roots"
    assert not raised & issued, "a warning is never also an error"
    assert len(raised) >= 15 and len(issued) >= 5
    assert classes == set(errors.__all__) and classes <= set(brinkwatch.__all__)
    assert brinkwatch.ModelMissingError is errors.ModelMissingError


def test_warnings_share_one_root_that_is_a_user_warning_not_an_error() -> None:
    assert issubclass(brinkwatch.BrinkwatchWarning, UserWarning)
    assert not issubclass(brinkwatch.BrinkwatchWarning, brinkwatch.BrinkwatchError)
    # Every warning class written anywhere in src/ derives from the root.
    found = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(b).endswith("Warning") for b in node.bases
            ):
                found.append(node.name)
                assert path.name == "errors.py", f"{path}: warnings live in errors.py"
    assert {n for n in found if n != "BrinkwatchWarning"} == {
        n for n in errors.__all__ if n.endswith("Warning") and n != "BrinkwatchWarning"
    }
    for n in found:
        assert issubclass(getattr(errors, n), brinkwatch.BrinkwatchWarning)
    # One filter catches them all; an "except BrinkwatchError" does not.
    with warnings.catch_warnings():
        warnings.simplefilter("error", brinkwatch.BrinkwatchWarning)
        with pytest.raises(brinkwatch.SparseDataWarning, match="field 'y': too few"):
            warnings.warn(brinkwatch.SparseDataWarning("too few", field="y"), stacklevel=1)
        try:
            warnings.warn("short", brinkwatch.ConvergenceWarning, stacklevel=1)
        except brinkwatch.BrinkwatchError:  # pragma: no cover - the failure this guards
            pytest.fail("a warning was caught as an error")
        except brinkwatch.ConvergenceWarning as w:
            assert w.message == "short" and w.path is None


@pytest.mark.parametrize(
    "first",
    ["import brinkwatch.ingest, brinkwatch", "import brinkwatch; brinkwatch.IngestReport"],
)
def test_brinkwatch_ingest_is_the_subpackage_whatever_was_imported_first(first: str) -> None:
    # The function is brinkwatch.ingest.ingest; a top-level function of the subpackage's name
    # made "import brinkwatch.ingest as m" give the function, and string paths fail to resolve.
    code = (
        f"{first}\n"
        "import sys, types\n"
        "assert isinstance(brinkwatch.ingest, types.ModuleType), brinkwatch.ingest\n"
        "import brinkwatch.ingest as m\n"
        "assert m is brinkwatch.ingest is sys.modules['brinkwatch.ingest']\n"
        "from brinkwatch import ingest\n"
        "assert ingest is m and callable(m.ingest) and m.ingest_on_spark\n"
        "import pytest\n"
        "assert pytest.MonkeyPatch().setattr('brinkwatch.ingest._pipeline.LONG_LINE_BYTES', 1) "
        "is None\n"
        "store = brinkwatch.connect(':memory:')\n"
        "print(brinkwatch.ingest.ingest(store, []).read)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0"


def test_no_exported_name_is_also_a_stage() -> None:
    stages = {p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    assert set(brinkwatch._STAGES) <= stages
    assert not set(brinkwatch._LAZY) & stages, "a name would hide its subpackage"
    assert "ingest" not in brinkwatch.__all__ and "IngestReport" in brinkwatch.__all__


def test_importing_the_package_imports_no_stage() -> None:
    # What keeps `brinkwatch --help` fast: the top level loads a stage only when asked.
    code = (
        "import sys, brinkwatch\n"
        "print(sorted(m for m in sys.modules if m.startswith('brinkwatch')))\n"
        "brinkwatch.connect, brinkwatch.ingest.ingest, brinkwatch.SparseDataWarning\n"
        "print('numpy' in sys.modules, 'brinkwatch.store' in sys.modules)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    # Only the package and its lazy-export helper (no stage) load with it.
    assert r.stdout.splitlines() == ["['brinkwatch', 'brinkwatch._lazy']", "True True"]


def test_the_stage_calls_are_at_the_top_level() -> None:
    code = (
        "import brinkwatch\n"
        "brinkwatch.connect, brinkwatch.ingest.ingest, brinkwatch.measure_dyad\n"
        "print(brinkwatch.measure_triad.__name__, brinkwatch.explain_triad.__name__, "
        "brinkwatch.run_variants.__name__)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["measure_triad", "explain_triad", "run_variants"]


def test_the_cli_imports_no_heavy_library() -> None:
    # `brinkwatch --help` stays under a second only while these load on first use.
    heavy = ("pandas", "statsmodels", "spacy", "plotly", "pyspark", "ibis", "fastapi")
    code = f"import sys, brinkwatch.cli\nprint(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
