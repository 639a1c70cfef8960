"""Hostile YAML built by the tests themselves: alias bombs, deep nesting, unsafe tags."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def alias_bomb(key: str, before: str = "", indent: str = "") -> str:
    """A ~330-byte "billion laughs" list under ``key`` (10^9 strings when expanded).

    The layout of the file that drove ``scenario check`` to 2.1 GB: nine levels of nine
    aliases, under a key whose error message rendered the expanded value. ``before`` is
    YAML text put first (e.g. the ``columns`` a mapping needs); ``indent`` nests the list.
    """
    lines = [f"{key}:", '  - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"  - &{name} [{','.join(['*' + prev] * 9)}]")
    lines.append(f"  - [{','.join(['*h'] * 9)}]")
    return before + "".join(indent + line + "\n" for line in lines)


def deep_nesting(key: str, levels: int = 1000) -> str:
    """``key`` holding ``levels`` nested block lists (a RecursionError in PyYAML's composer)."""
    return f"{key}:\n" + "".join("  " * i + "-\n" for i in range(1, levels)) + "  " * levels + "x\n"


@contextmanager
def bounded(seconds: float, megabytes: float) -> Iterator[Callable[[], tuple[float, float]]]:
    """Assert the block takes under ``seconds`` and allocates under ``megabytes`` at peak."""
    tracemalloc.start()
    t0 = time.perf_counter()
    result: list[float] = []
    try:
        yield lambda: (result[0], result[1])
    finally:
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        result[:] = [elapsed, peak]
    assert elapsed < seconds, f"took {elapsed:.2f} s"
    assert peak < megabytes, f"peaked at {peak:.1f} MB"
