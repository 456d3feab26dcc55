r"""Miners: which pairs and triplets of a labelled batch a metric-learning loss looks at.

A batch of :math:`B` embeddings with class labels holds many triplets
*(anchor, positive, negative)* — the positive shares the anchor's label, the negative
does not — and most of them are already satisfied and teach nothing. A *miner* picks
the ones to train on. Every miner here is a plain function of the batch that returns
index tensors, so strategies can be swapped and compared side by side::

    anchor, positive, negative = semihard_triplets(embeddings, labels)
    loss = batch_triplet_loss(embeddings, (anchor, positive, negative), margin=0.2)

Every triplet miner below except :func:`all_triplets` (which needs only the labels) has
one call shape, ``miner(embeddings, labels, *, metric="euclidean", generator=None)``, so
miners can stand side by side in a dict and be called alike::

    MINERS = {"random": random_triplets, "hard": hard_triplets, "semi-hard": semihard_triplets}
    triplets = MINERS[name](embeddings, labels, generator=generator)

A miner that does not use an argument still accepts and checks it, so a typo fails in
every miner alike: :func:`random_triplets` looks at no distance (``metric`` is checked,
then unused); the distance-based miners are deterministic (``generator`` is checked,
then unused).

* :func:`all_triplets` — every valid (a, p, n); :math:`O(B^3)` of them, a reference for small batches;
* :func:`random_triplets` — each (a, p) pair with a uniformly random negative;
* :func:`hard_triplets` — each (a, p) pair with the anchor's closest negative;
* :func:`semihard_triplets` — each (a, p) pair with FaceNet's semi-hard negative;
* :func:`batch_hard_triplets` — each anchor with its farthest positive and closest negative.

All but the first use :math:`O(B^2)` memory (no :math:`B \times B \times B` mask).

Mining is selection, not computation of the loss: it runs on detached embeddings
without gradients; the loss then sees the chosen rows with their gradients.
Distances are ranked in float32 for float16 and bfloat16 embeddings and on rows rescaled
by a power of two (:func:`~lossbook.distances.scaled_pairwise_distances`), so any finite
embeddings give a valid ranking; a NaN or infinite embedding is refused with a
``ValueError`` naming its row (it has no place in any ranking).
A batch without any valid triplet (one class only, or every label different) gives
empty index tensors; the batch losses turn that into a zero loss. Ties between equal
distances go to the lowest index.
"""

from __future__ import annotations

import torch

from lossbook._validate import check_generator
from lossbook.distances import (
    check_embeddings,
    check_finite_rows,
    check_labels,
    check_metric,
    scaled_pairwise_distances,
)

__all__ = [
    "all_pairs",
    "all_triplets",
    "random_triplets",
    "hard_triplets",
    "semihard_triplets",
    "batch_hard_triplets",
]

Triplets = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def _masks(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``positive[i, j]``: same label and i != j; ``negative[i, j]``: different label. Both (B, B)."""
    same = labels[:, None] == labels[None, :]
    diagonal = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    return same & ~diagonal, ~same


def _anchor_positive_pairs(positive: torch.Tensor, negative: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (a, p) with p a positive of a, for anchors that also have a negative."""
    usable = positive & negative.any(dim=1, keepdim=True)
    anchor, positive_index = usable.nonzero(as_tuple=True)
    return anchor, positive_index


def _checked_labels(
    embeddings: object, labels: object, metric: object, generator: object
) -> torch.Tensor:
    """The checks of every triplet miner, whichever arguments it reads; ``labels`` on the embeddings' device."""
    check_embeddings("embeddings", embeddings)
    check_labels(labels, len(embeddings))
    check_metric(metric)
    check_generator("generator", generator)
    check_finite_rows("embeddings", embeddings)
    return labels.to(embeddings.device)


def _batch(
    embeddings: torch.Tensor, labels: torch.Tensor, metric: str, generator: torch.Generator | None
) -> tuple[torch.Tensor, ...]:
    """The checked batch as a distance matrix (rescaled: only the order counts) and the two masks."""
    labels = _checked_labels(embeddings, labels, metric, generator)
    with torch.no_grad():
        distances, _ = scaled_pairwise_distances(embeddings.detach(), metric=metric)
    return (distances, *_masks(labels))


def all_pairs(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Every unordered pair ``(i, j)`` with ``i < j``; the pair is similar when the labels match.

    Args:
        labels: :math:`(B,)` integer class labels.

    Returns:
        ``(first, second)``, two :math:`(B(B-1)/2,)` index tensors.

    Example:
        >>> all_pairs(torch.tensor([0, 0, 1]))
        (tensor([0, 0, 1]), tensor([1, 2, 2]))
    """
    check_labels(labels)
    first, second = torch.triu_indices(len(labels), len(labels), offset=1, device=labels.device)
    return first, second


def all_triplets(labels: torch.Tensor) -> Triplets:
    """Every valid triplet: ``labels[a] == labels[p]``, ``a != p``, ``labels[n] != labels[a]``.

    There are :math:`O(B^3)` of them, so this miner (and only this one) builds a
    :math:`B \\times B \\times B` mask; use it for small batches and as a reference.

    Args:
        labels: :math:`(B,)` integer class labels.

    Returns:
        ``(anchor, positive, negative)`` index tensors, sorted by anchor, then positive, then negative.

    Example:
        >>> all_triplets(torch.tensor([0, 0, 1]))
        (tensor([0, 1]), tensor([1, 0]), tensor([2, 2]))
    """
    check_labels(labels)
    positive, negative = _masks(labels)
    valid = positive[:, :, None] & negative[:, None, :]
    anchor, positive_index, negative_index = valid.nonzero(as_tuple=True)
    return anchor, positive_index, negative_index


def random_triplets(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    *,
    metric: str = "euclidean",
    generator: torch.Generator | None = None,
) -> Triplets:
    """Each anchor-positive pair with one negative drawn uniformly from the anchor's negatives.

    The baseline strategy: no distances are looked at, so most triplets are easy
    (already farther than the margin) once training has started.

    Args:
        embeddings: :math:`(B, D)` floating point, finite; only its size and device are used.
        labels: :math:`(B,)` integer class labels.
        metric: checked like the other miners' and unused (no distance is looked at), so
            every miner takes the same arguments.
        generator: a ``torch.Generator`` for reproducible draws (default ``None``: torch's
            global CPU generator); the draws are made on its device.

    Returns:
        ``(anchor, positive, negative)``, one triplet per anchor-positive pair, sorted by (anchor, positive).

    Example:
        >>> generator = torch.Generator().manual_seed(0)
        >>> a, p, n = random_triplets(torch.zeros(4, 2), torch.tensor([0, 0, 1, 1]), generator=generator)
        >>> a.tolist(), p.tolist()
        ([0, 1, 2, 3], [1, 0, 3, 2])
    """
    positive, negative = _masks(_checked_labels(embeddings, labels, metric, generator))
    anchor, positive_index = _anchor_positive_pairs(positive, negative)
    # Row a of `order` lists a's negatives first (by index); pick the k-th with k uniform below their count.
    order = torch.argsort((~negative).to(torch.uint8), dim=1, stable=True)
    counts = negative.sum(dim=1)[anchor]
    draw_device = generator.device if generator is not None else torch.device("cpu")
    uniform = torch.rand(len(anchor), generator=generator, device=draw_device).to(counts.device)
    k = (uniform * counts).long().clamp_max(counts - 1)
    return anchor, positive_index, order[anchor, k]


def hard_triplets(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    *,
    metric: str = "euclidean",
    generator: torch.Generator | None = None,
) -> Triplets:
    r"""Each anchor-positive pair with the anchor's *hardest* negative: :math:`n = \arg\min_{n} d(a, n)`.

    Hardest-negative mining from the first step tends to collapse the embedding
    (Schroff et al., 2015): the easiest way to shrink :math:`d(a,p) - d(a,n)` for the
    hardest negatives is to map everything to one point, where the loss is the margin.

    Args:
        embeddings: :math:`(B, D)` floating point, finite.
        labels: :math:`(B,)` integer class labels.
        metric: the distance used to rank negatives (default ``"euclidean"``).
        generator: checked like :func:`random_triplets`' and unused (this miner is
            deterministic), so every miner takes the same arguments.

    Returns:
        ``(anchor, positive, negative)``, one triplet per anchor-positive pair.

    Example:
        >>> hard_triplets(torch.tensor([[0.], [1.], [3.], [5.]]), torch.tensor([0, 0, 1, 1]))
        (tensor([0, 1, 2, 3]), tensor([1, 0, 3, 2]), tensor([2, 2, 1, 1]))
    """
    distances, positive, negative = _batch(embeddings, labels, metric, generator)
    anchor, positive_index = _anchor_positive_pairs(positive, negative)
    closest_negative = distances.masked_fill(~negative, float("inf")).argmin(dim=1)
    return anchor, positive_index, closest_negative[anchor]


def semihard_triplets(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    *,
    metric: str = "euclidean",
    generator: torch.Generator | None = None,
) -> Triplets:
    r"""Each anchor-positive pair with FaceNet's *semi-hard* negative (Schroff et al., 2015).

    A negative is semi-hard for :math:`(a, p)` when it is farther from the anchor than
    the positive, but by less than the margin:

    .. math:: d(a, p) < d(a, n) < d(a, p) + \text{margin}

    It violates the margin (so it teaches something) without being closer than the
    positive (the hard negatives whose gradients lead to collapse early in training).
    For each :math:`(a, p)` this miner returns the **closest negative farther than the
    positive**. That is semi-hard whenever a semi-hard negative exists, whatever the
    margin, so the rule needs no margin argument.

    Fallback, as in TensorFlow's implementation of FaceNet's loss
    (``tf.contrib.losses.metric_learning.triplet_semihard_loss``, later
    ``tensorflow_addons.losses.TripletSemiHardLoss``):

    * no negative in the band, but some farther than the positive: all of those lie
      beyond the margin; the closest of them is still returned, and its loss is 0;
    * no negative farther than the positive at all: the *farthest* negative is
      returned, the mildest of the hard ones.

    So every anchor-positive pair gets exactly one triplet.

    Memory is :math:`O(B^2)`: each anchor's negatives are sorted once, then one
    ``searchsorted`` per positive finds the first negative beyond :math:`d(a, p)`
    (no :math:`B \times B \times B` mask).

    Args:
        embeddings: :math:`(B, D)` floating point, finite.
        labels: :math:`(B,)` integer class labels.
        metric: use the distance your loss uses (``"squared_euclidean"`` for a squared triplet loss).
        generator: checked like :func:`random_triplets`' and unused (this miner is
            deterministic), so every miner takes the same arguments.

    Returns:
        ``(anchor, positive, negative)``, one triplet per anchor-positive pair.

    Example:
        >>> x = torch.tensor([[0.], [1.], [-0.5], [1.5], [4.]])
        >>> semihard_triplets(x, torch.tensor([0, 0, 1, 1, 1]))[2][:2]  # d(a, p) = 1 for both anchors
        tensor([3, 2])
    """
    distances, positive, negative = _batch(embeddings, labels, metric, generator)
    anchor, positive_index = _anchor_positive_pairs(positive, negative)
    # Each row: the anchor's negative distances ascending, non-negatives (+inf) at the end.
    sorted_distances, order = distances.masked_fill(~negative, float("inf")).sort(dim=1, stable=True)
    counts = negative.sum(dim=1)
    positive_distance = distances.masked_fill(~positive, 0.0)
    # first[a, p]: position of the first negative of a strictly farther than d(a, p).
    first = torch.searchsorted(sorted_distances, positive_distance.contiguous(), right=True)[anchor, positive_index]
    last = (counts - 1).clamp_min(0)
    # Fallback: the farthest negative (first position holding the largest value, so ties go to the lowest index).
    farthest_value = sorted_distances.gather(1, last[:, None])
    farthest = torch.searchsorted(sorted_distances, farthest_value.contiguous(), right=False)[:, 0]
    position = torch.where(first < counts[anchor], first, farthest[anchor])
    return anchor, positive_index, order[anchor, position]


def batch_hard_triplets(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    *,
    metric: str = "euclidean",
    generator: torch.Generator | None = None,
) -> Triplets:
    r"""One triplet per anchor: its farthest positive and its closest negative ("batch hard").

    .. math:: p(a) = \arg\max_{p:\, y_p = y_a} d(a, p), \qquad n(a) = \arg\min_{n:\, y_n \ne y_a} d(a, n)

    Hermans, Beyer and Leibe (2017), *In Defense of the Triplet Loss for Person
    Re-Identification*. Built for batches of :math:`P` classes × :math:`K` samples.
    Memory :math:`O(B^2)`. Anchors without a positive or a negative are skipped.

    Args:
        embeddings: :math:`(B, D)` floating point, finite.
        labels: :math:`(B,)` integer class labels.
        metric: the distance used for ranking (default ``"euclidean"``).
        generator: checked like :func:`random_triplets`' and unused (this miner is
            deterministic), so every miner takes the same arguments.

    Returns:
        ``(anchor, positive, negative)``, at most :math:`B` triplets.

    Matches ``pytorch_metric_learning.miners.BatchHardMiner`` with the same distance.

    Example:
        >>> batch_hard_triplets(torch.tensor([[0.], [1.], [2.], [3.]]), torch.tensor([0, 0, 0, 1]))
        (tensor([0, 1, 2]), tensor([2, 0, 0]), tensor([3, 3, 3]))
    """
    distances, positive, negative = _batch(embeddings, labels, metric, generator)
    anchor = (positive.any(dim=1) & negative.any(dim=1)).nonzero(as_tuple=True)[0]
    farthest_positive = distances.masked_fill(~positive, -float("inf")).argmax(dim=1)
    closest_negative = distances.masked_fill(~negative, float("inf")).argmin(dim=1)
    return anchor, farthest_positive[anchor], closest_negative[anchor]
