"""Change points in a relation series (ruptures' PELT with a stated penalty rule)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from brinkwatch.errors import ConfigError

__all__ = ["PENALTY_FACTOR", "ChangePoint", "bic_penalty", "change_points", "noise_scale"]


@dataclass(frozen=True)
class ChangePoint:
    """A shift in the mean of a series.

    Attributes
    ----------
    index
        Position of the first period of the new segment.
    period
        Its date (when dates were given).
    mean_before, mean_after
        Means of the segments before and after.
    """

    index: int
    period: date | None
    mean_before: float
    mean_after: float

    @property
    def direction(self) -> str:
        """``down`` when the mean fell, ``up`` when it rose."""
        return "down" if self.mean_after < self.mean_before else "up"


def noise_scale(x: npt.NDArray[np.float64]) -> float:
    """Estimate the noise standard deviation robustly from first differences.

    ``MAD(diff(x)) / (0.6745 * sqrt(2))``: differencing removes the level, so mean shifts
    barely affect the estimate. When more than half the differences are zero (a sparse series)
    the MAD is 0 and the standard deviation of the differences / sqrt(2) is used instead.
    """
    d = np.diff(x)
    if d.size == 0:
        return 0.0
    mad = float(np.median(np.abs(d - np.median(d))))
    if mad > 0:
        return mad / (0.6745 * math.sqrt(2))
    return float(np.std(d)) / math.sqrt(2)


#: Multiplier of ``sigma^2 * ln(n)`` in the default penalty (see :func:`bic_penalty`).
PENALTY_FACTOR = 3.0


def bic_penalty(x: npt.NDArray[np.float64]) -> float:
    """Return the default penalty per change point for a mean-shift (l2) model.

    ``3 * sigma^2 * ln(n)``, a BIC-type penalty: ruptures' l2 cost is a sum of squares, so
    the penalty is in units of the noise variance ``sigma^2`` (estimated by
    :func:`noise_scale`), and each change is charged ``ln(n)`` per parameter. Plain BIC counts
    two parameters per change (location and new mean); we charge three because the noise
    scale is estimated from the same series. Measured over 100 seeds (see the tests): on
    white noise of length 150 this gives 1% false alarms (6% with 2), and shifts of 2.5 sigma
    are recovered exactly in 97% of series (87% with 2).
    """
    sigma = noise_scale(x)
    return PENALTY_FACTOR * sigma**2 * math.log(max(len(x), 2))


def change_points(
    values: Sequence[float] | npt.NDArray[np.float64],
    periods: Sequence[date] | None = None,
    *,
    penalty: str | float = "bic",
    min_size: int = 3,
) -> list[ChangePoint]:
    """Find mean shifts with PELT.

    Parameters
    ----------
    values
        The series, in time order; missing values (NaN) are treated as 0 (no events).
    periods
        The period of each value, to date the change points.
    penalty
        ``"bic"`` (the default rule, :func:`bic_penalty`) or a number.
    min_size
        Shortest segment, in periods.

    Returns
    -------
    list of ChangePoint
        In time order; empty when the series is too short or flat.

    Examples
    --------
    >>> cps = change_points([0.0] * 20 + [-5.0] * 20)
    >>> [(c.index, c.direction) for c in cps]
    [(20, 'down')]
    """
    x = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)
    if periods is not None and len(periods) != len(x):
        raise ConfigError(f"{len(periods)} periods for {len(x)} values")
    if len(x) < 2 * min_size:
        return []
    if isinstance(penalty, str):
        if penalty != "bic":
            raise ConfigError(f"penalty must be 'bic' or a number, got {penalty!r}")
        pen = bic_penalty(x)
    else:
        pen = float(penalty)
    if pen <= 0 or np.ptp(x) == 0:
        return []
    import ruptures  # imported here: it pulls in SciPy, a second of start-up for every command

    ends = ruptures.Pelt(model="l2", min_size=min_size, jump=1).fit(x).predict(pen=pen)
    bounds = [0, *ends]
    out = []
    for k in range(1, len(bounds) - 1):
        i = bounds[k]
        out.append(
            ChangePoint(
                index=i,
                period=periods[i] if periods is not None else None,
                mean_before=float(x[bounds[k - 1] : i].mean()),
                mean_after=float(x[i : bounds[k + 1]].mean()),
            )
        )
    return out
