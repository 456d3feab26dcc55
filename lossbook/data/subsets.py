"""A smaller training set with the class shares of the whole: the stratified subset.

The focal-calibration chapter trains on a few hundred texts at smoke size and on the whole
split at full size; :func:`stratified_subset` draws the smaller set so that each label keeps
its share, :math:`\\operatorname{round}(\\text{size} \\cdot n_c / N)` items of label
:math:`c`, chosen by a seeded shuffle (NumPy's PCG64, the same on every machine), and keeps
the items in their original order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lossbook._validate import check_int

__all__ = ["stratified_subset"]


def stratified_subset(items: Sequence, labels, size: int | None, seed: int) -> tuple[list, np.ndarray]:
    """About ``size`` of ``items`` with each label's share kept, in their original order.

    Args:
        items: the examples (texts, or anything indexable by position).
        labels: one integer label per item (a NumPy array, list or tensor).
        size: how many to keep in all; ``None``, or at least ``len(items)``, keeps everything.
        seed: which items are kept (a non-negative int).

    Returns:
        ``(items, labels)``: a list and a NumPy array. Label :math:`c` with :math:`n_c` of the
        :math:`N` items keeps ``round(size * n_c / N)`` of them, so the total may differ from
        ``size`` by rounding.

    Example:
        >>> texts, labels = stratified_subset(list("abcdefghij"), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1], 5, seed=0)
        >>> len(texts), labels.tolist().count(1)
        (5, 1)
    """
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(f"items must be a list of examples, got {type(items).__name__}")
    if isinstance(labels, (str, bytes)) or labels is None or not hasattr(labels, "__len__"):
        raise TypeError(f"labels must be a 1-D array of integer labels, got {type(labels).__name__}")
    array = np.asarray(labels)
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise TypeError(f"labels must be a 1-D array of integer labels, got dtype {array.dtype} and shape {array.shape}")
    if len(array) != len(items):
        raise ValueError(f"labels must have one entry per item: expected {len(items)}, got {len(array)}")
    seed = check_int("seed", seed, minimum=0)
    if size is not None:
        size = check_int("size", size, minimum=1)
    if size is None or size >= len(items):
        return list(items), array
    rng = np.random.default_rng(seed)
    keep: list[int] = []
    for value in np.unique(array):
        rows = np.flatnonzero(array == value)
        keep += rng.permutation(rows)[: round(size * len(rows) / len(array))].tolist()
    keep = sorted(keep)
    return [items[i] for i in keep], array[keep]
