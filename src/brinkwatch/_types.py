"""Types that the stages' signatures share: the progress callback and the seed.

``Progress`` is the one shape of a progress callback: ``progress(stage, fraction)``, with the
stage now running (``"fit"``, a file name, ...) and how far it is, from 0 to 1. A shell turns
it into a bar; a caller that needs neither ignores the stage. ``SeedLike`` is what every
stochastic entry point accepts as ``seed``: an ``int``, a :class:`numpy.random.Generator`
(used as given) or ``None`` (fresh entropy); pass it to :func:`numpy.random.default_rng`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np

__all__ = ["Progress", "SeedLike"]

#: ``progress(stage, fraction)``: the stage now running and how far it is, 0..1.
Progress: TypeAlias = Callable[[str, float], None]

#: A seed: an ``int``, a ``numpy.random.Generator`` or ``None``; give it to ``default_rng``.
SeedLike: TypeAlias = int | np.random.Generator | None
