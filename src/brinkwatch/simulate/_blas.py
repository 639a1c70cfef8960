"""Run small linear algebra on one BLAS thread.

Fitting and simulating call BLAS on tiny problems (13-parameter L-BFGS-B steps, (4096, 12) @
(12, 12) products) thousands of times. OpenBLAS may wake its thread pool for them, and on a
shared machine the hand-over costs more than the work: a 12-stream fit took 23 s with the
default threads and 2 s with one on the project's 2-core machine. This sets the thread count of
every OpenBLAS that NumPy and SciPy loaded (as ``threadpoolctl`` would) and restores it after.
Where the libraries cannot be found (not Linux, another BLAS), it does nothing.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["single_threaded_blas"]

_SUFFIXES = ("", "64_", "_64")
_lock = threading.Lock()
_handles: list[tuple[object, object]] | None = None


def _find() -> list[tuple[object, object]]:
    found: list[tuple[object, object]] = []
    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return found
    paths = {ln.split()[-1] for ln in maps if "openblas" in ln.rsplit("/", 1)[-1].lower()}
    for p in sorted(paths):
        try:
            lib = ctypes.CDLL(p)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suf in _SUFFIXES:
                setter = getattr(lib, f"{prefix}_set_num_threads{suf}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suf}", None)
                if setter is not None and getter is not None:
                    getter.restype = ctypes.c_int
                    found.append((setter, getter))
                    break
    return found


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Limit the loaded OpenBLAS libraries to one thread inside the ``with`` block.

    Examples
    --------
    >>> import numpy as np
    >>> with single_threaded_blas():
    ...     float((np.ones((3, 3)) @ np.ones(3))[0])
    3.0
    """
    global _handles
    with _lock:
        if _handles is None:
            _handles = _find()
        handles = _handles
    before = [int(get()) for _, get in handles]  # type: ignore[operator]
    try:
        for set_, _ in handles:
            set_(1)  # type: ignore[operator]
        yield
    finally:
        for (set_, _), n in zip(handles, before, strict=True):
            set_(n)  # type: ignore[operator]
