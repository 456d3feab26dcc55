"""Checksums of a data set's values, not of the bytes of the file that holds them.

A package that bundles a data set may rewrite its file between releases without changing
the data: scikit-learn before 1.8 writes 11 diabetes values as ``4.803999999999999``
instead of ``4.804``, and a gzip header carries a timestamp. Hashing the values at the data
set's own precision accepts every such release and still rejects a changed value, a
reordered row or a different shape.
"""

from __future__ import annotations

import hashlib

import numpy as np


def values_sha256(array, *, decimals: int) -> str:
    """sha256 of ``array``'s shape and its values written with ``decimals`` decimals.

    The values are scaled by ``10**decimals`` and rounded to integers (little-endian int64),
    so ``4.804`` and ``4.803999999999999`` hash alike at ``decimals=4``.

    Raises:
        ValueError: a value is not finite, or has more than ``decimals`` decimals (then the
            rounding would hide a real difference).

    Example:
        >>> values_sha256([4.804, 87.0], decimals=4) == values_sha256([4.803999999999999, 87.0], decimals=4)
        True
        >>> values_sha256([4.804, 87.0], decimals=4) == values_sha256([4.805, 87.0], decimals=4)
        False
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 12:
        raise ValueError(f"decimals must be an int in [0, 12], got {decimals!r}")
    values = np.asarray(array, dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError("array must hold finite values only")
    scaled = values * 10.0**decimals
    integers = np.rint(scaled)
    # A written-out decimal is off by ~1e-16 relative; anything above 1e-9 is a real extra decimal.
    off = np.abs(scaled - integers)
    if (off > 1e-9 * np.maximum(1.0, np.abs(scaled))).any():
        raise ValueError(f"array has values with more than {decimals} decimals (off by up to {off.max():.3g} in the last place)")
    digest = hashlib.sha256(np.asarray(values.shape, dtype="<i8").tobytes())
    digest.update(integers.astype("<i8").tobytes())
    return digest.hexdigest()
