"""Sizes as people write them (``1GB``, ``953.6 MiB``), read into bytes."""

from __future__ import annotations

__all__ = ["size_bytes"]


def size_bytes(text: str) -> float:
    """Read a size such as ``1GB``, ``500MiB`` or ``953.6 MiB`` as bytes; ``inf`` if unreadable.

    Examples
    --------
    >>> size_bytes("1GB"), size_bytes("2 KiB"), size_bytes("lots")
    (1000000000.0, 2048.0, inf)
    """
    units = {
        "KIB": 2**10,
        "MIB": 2**20,
        "GIB": 2**30,
        "TIB": 2**40,
        "KB": 1e3,
        "MB": 1e6,
        "GB": 1e9,
        "TB": 1e12,
        "B": 1,
    }
    t = text.strip().upper().replace(" ", "")
    for u, m in units.items():
        if t.endswith(u):
            try:
                return float(t[: -len(u)]) * m
            except ValueError:
                return float("inf")
    return float("inf")
