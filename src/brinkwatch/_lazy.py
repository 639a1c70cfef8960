"""Lazy exports for packages (PEP 562): a name's module is imported when the name is first used.

The top-level package and the heavier stages (``ingest``, ``measure``) export many names; loading
them eagerly would import Ibis, Arrow and NumPy for a ``--help``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a package's ``__getattr__`` and ``__dir__`` for names imported on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    names
        Public name -> the module that defines it.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``; the first keeps each name in the package once loaded.

    Examples
    --------
    >>> get, _ = lazy_exports("brinkwatch", {"dyad_series": "brinkwatch.measure.dyads"})
    >>> get("dyad_series").__name__
    'dyad_series'
    """

    def __getattr__(name: str) -> Any:  # noqa: N807
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        value = getattr(importlib.import_module(module), name)
        vars(sys.modules[package])[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*vars(sys.modules[package]), *names})

    return __getattr__, __dir__
