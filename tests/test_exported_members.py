"""Each public package says what it exports, and exports exactly that (httpx's own check)."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "brinkwatch",
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
    "brinkwatch.report",
    "brinkwatch.report.brief",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_members(name: str) -> None:
    mod = importlib.import_module(name)
    declared = set(mod.__all__)
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


def test_every_error_derives_from_the_root() -> None:
    errors = importlib.import_module("brinkwatch.errors")
    for n in errors.__all__:
        assert issubclass(getattr(errors, n), errors.BrinkwatchError)
