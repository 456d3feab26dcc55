r"""Retrieval scores of an embedding: does a point's nearest neighbour share its label?

**Recall@1** (the metric-learning chapter) embeds a labelled test set and, for each point,
finds its nearest *other* point:

.. math:: \text{R@1} = \frac1N \sum_{i=1}^{N} \mathbb 1\big[\,y_{j(i)} = y_i\,\big], \qquad
          j(i) = \arg\min_{j \ne i} d(x_i, x_j).

It is 1 when every point sits closest to one of its own class; with :math:`C` balanced
classes a random embedding scores about :math:`1/C`. Distances come from
:func:`lossbook.distances.pairwise_distances`; ties go to the lowest index (``argmin``).
"""

from __future__ import annotations

import torch

from lossbook.distances import check_embeddings, check_finite_rows, check_labels, pairwise_distances

__all__ = ["recall_at_1"]


@torch.no_grad()
def recall_at_1(embeddings: torch.Tensor, labels: torch.Tensor, *, metric: str = "euclidean") -> float:
    """The share of points whose nearest other point has the same label (the exact fraction, a float).

    Args:
        embeddings: ``(N, D)`` floating-point embeddings, ``N >= 2``.
        labels: ``(N,)`` integer class labels.
        metric: ``"euclidean"`` (default), ``"squared_euclidean"`` or ``"cosine"``.

    Example:
        >>> recall_at_1(torch.tensor([[0.0], [0.1], [5.0], [5.2], [0.25]]), torch.tensor([0, 0, 1, 1, 1]))
        0.8
    """
    embeddings = check_embeddings("embeddings", embeddings)
    labels = check_labels(labels, len(embeddings))
    if len(embeddings) < 2:
        raise ValueError(f"embeddings must hold at least 2 points (each needs another to be nearest), got {len(embeddings)}")
    # A NaN (or inf) coordinate has no nearest neighbour: a made-up one would give a made-up score.
    check_finite_rows("embeddings", embeddings.detach())
    distances = pairwise_distances(embeddings.detach(), metric=metric).fill_diagonal_(float("inf"))
    nearest = distances.argmin(dim=1)
    return int((labels[nearest] == labels).sum()) / len(labels)
