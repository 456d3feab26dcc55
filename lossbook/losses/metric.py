r"""Distance-based (metric-learning) losses: contrastive and triplet.

These losses do not compare a prediction with a target. They shape an *embedding*:
a network maps inputs to vectors, and the loss pulls vectors of the same class
together and pushes vectors of different classes apart, until distance means
dissimilarity. (They are not specific to language models: they come from signature
and face verification and are used wherever similarity search is the goal — face
recognition, person re-identification, image retrieval, speaker verification, and
sentence embeddings.)

* :func:`contrastive_loss` and :func:`triplet_margin_loss` work on *explicit* pairs and
  triplets of embeddings, like :func:`torch.nn.functional.triplet_margin_loss`;
* :func:`batch_contrastive_loss` and :func:`batch_triplet_loss` work on a labelled batch
  and the index tuples a miner from :mod:`lossbook.miners` picked.

Distances come from :mod:`lossbook.distances`. Where torch has the same loss
(:func:`triplet_margin_loss`), the computation is torch's kernel once the inputs are
validated; :func:`batch_contrastive_loss` over all pairs works on the :math:`B \times B`
distance matrix (:math:`O(B^2)` memory) instead of gathering :math:`B^2/2` pairs of
embeddings (:math:`O(B^2 D)`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lossbook._validate import (
    check_bool,
    check_floating,
    check_nonempty,
    check_real,
    check_reduction,
    check_same_dtype,
    check_same_shape,
    check_tensor,
    read_scalars,
)
from lossbook.distances import (
    check_embeddings,
    check_labels,
    paired_distance,
    pairwise_distances,
    unit_rows,
)
from lossbook.losses.classification import cross_entropy
from lossbook.losses._reduction import reduce_loss

__all__ = [
    "contrastive_loss",
    "triplet_margin_loss",
    "batch_contrastive_loss",
    "batch_triplet_loss",
    "supervised_contrastive_loss",
    "ce_plus_scl",
]


def _check_rows(names: tuple[str, ...], tensors: tuple[torch.Tensor, ...]) -> None:
    """Embeddings compared row by row: floating, (N, D) or (D,), one shape, one dtype, non-empty."""
    first_name, first = names[0], tensors[0]
    for name, tensor in zip(names, tensors):
        check_floating(name, tensor)
    if first.dim() not in (1, 2):
        raise ValueError(f"{first_name} must be 1-D (D,) or 2-D (N, D), got shape {tuple(first.shape)}")
    for name, tensor in zip(names[1:], tensors[1:]):
        check_same_shape(first_name, first, name, tensor)
        check_same_dtype(first_name, first, name, tensor)
    check_nonempty(first_name, first)


def _similarity_target(target: object, input1: torch.Tensor) -> torch.Tensor:
    """The 0/1 pair labels as a float tensor of the input dtype, shape (N,) (or () for 1-D inputs)."""
    tensor = check_tensor("target", target)
    expected = input1.shape[:-1]
    if tensor.shape != expected:
        raise ValueError(f"target must have one entry per pair: expected {tuple(expected)}, got {tuple(tensor.shape)}")
    if tensor.is_complex() or not ((tensor == 0) | (tensor == 1)).all():
        values = torch.unique(tensor).tolist()[:6]
        raise ValueError(
            "target must hold 1 for a similar pair and 0 for a dissimilar pair, "
            f"got values {values}; for ±1 labels pass (target == 1)"
        )
    return tensor.to(input1.dtype)


def _zero(embeddings: torch.Tensor, reduction: str) -> torch.Tensor:
    """The loss of nothing: 0 (or an empty vector), still attached to the autograd graph."""
    empty = embeddings[:0].sum(dim=-1)  # shape (0,), connected to `embeddings`, never NaN
    return empty if reduction == "none" else empty.sum()


def contrastive_loss(
    input1: torch.Tensor,
    input2: torch.Tensor,
    target: torch.Tensor,
    *,
    margin: float = 1.0,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Contrastive loss of Hadsell, Chopra and LeCun (2006) on explicit pairs.

    .. math::

        \ell_i = y_i \, d_i^2 + (1 - y_i) \max(0,\, m - d_i)^2,
        \qquad d_i = \lVert x_{1,i} - x_{2,i} + \epsilon \rVert_2

    **Label convention: ``target = 1`` means similar** (same class: pull together),
    ``target = 0`` means dissimilar (push apart until at least ``margin`` away; farther
    pairs cost nothing). This is the convention of the book and of
    :class:`torch.nn.CosineEmbeddingLoss` (which uses −1 for dissimilar). Hadsell et al.
    write it the other way round (:math:`Y = 0` similar) and put a factor
    :math:`\tfrac12` on both terms; here that factor is dropped, which only scales
    the gradient.

    The ``eps`` inside the norm (as in :func:`torch.nn.functional.pairwise_distance`)
    keeps the gradient finite when two embeddings coincide.

    Args:
        input1, input2: embeddings of the two sides of each pair, same shape and dtype.
        target: 1 (similar) or 0 (dissimilar) per pair; bool, integer or floating dtype.
        margin: the distance :math:`m > 0` beyond which dissimilar pairs stop costing (default 1.0).
        eps: added inside the norm, ``>= 0`` (default ``1e-6``).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        ``input1``, ``input2``: :math:`(N, D)` or :math:`(D,)`; ``target``: :math:`(N,)` or
        :math:`()`. Output: scalar, or :math:`(N,)` for ``"none"``.

    Per pair, equals the square of ``pytorch_metric_learning.losses.ContrastiveLoss``
    (``pos_margin=0``, ``neg_margin=margin``, unnormalised ``LpDistance``).

    Example:
        >>> x1 = torch.tensor([[0., 0.], [0., 0.], [0., 0.]])
        >>> x2 = torch.tensor([[0.6, 0.8], [0.3, 0.4], [3., 4.]])
        >>> contrastive_loss(x1, x2, torch.tensor([1, 0, 0]), margin=2.0, eps=0.0, reduction="none")
        tensor([1.0000, 2.2500, 0.0000])
    """
    check_reduction(reduction)
    _check_rows(("input1", "input2"), (input1, input2))
    margin = check_real("margin", margin, minimum=0.0, inclusive=False)
    similar = _similarity_target(target, input1)
    distance = paired_distance(input1, input2, eps=eps)
    pull = distance.square()
    push = (margin - distance).clamp_min(0.0).square()
    return reduce_loss(similar * pull + (1.0 - similar) * push, reduction)


def triplet_margin_loss(
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor,
    *,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    squared: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Triplet margin loss on explicit triplets: the positive closer than the negative by a margin.

    .. math::

        \ell_i = \max\bigl(0,\; d(a_i, p_i) - d(a_i, n_i) + m\bigr),
        \qquad d(x, y) = \lVert x - y + \epsilon \rVert_p

    With ``squared=True`` every distance is squared, :math:`d^2` — the form of FaceNet
    (Schroff et al., 2015) and of the metric-learning chapter's source article. The two
    are not interchangeable: a margin that suits distances (e.g. 1.0) is a different
    constraint on squared distances, and the squared form's gradient shrinks as a triplet collapses
    (:math:`\partial d^2 = 2 d\, \partial d`).

    ``swap=True`` is the distance swap of Balntas et al. (2016): use
    :math:`\min(d(a, n), d(p, n))`, the harder of the two negative distances.

    Args:
        anchor, positive, negative: embeddings, same shape and dtype, floating point.
        margin: :math:`m > 0` (default 1.0).
        p: the norm degree, ``> 0`` (default 2, the Euclidean distance).
        eps: added inside the norm, ``>= 0`` (default ``1e-6``): finite gradients for equal embeddings.
        swap: use the distance swap (default False).
        squared: square the distances (default False).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        ``anchor``, ``positive``, ``negative``: :math:`(N, D)` or :math:`(D,)`.
        Output: scalar, or :math:`(N,)` (:math:`()` for 1-D inputs) for ``"none"``.

    With ``squared=False`` it is computed by :func:`torch.nn.functional.triplet_margin_loss`
    once the inputs are validated (the same :math:`d`, ``eps`` included).

    Example:
        >>> a, p, n = torch.tensor([[0., 0.]]), torch.tensor([[3., 4.]]), torch.tensor([[0., 2.]])
        >>> triplet_margin_loss(a, p, n, margin=1.0, eps=0.0)  # 5 - 2 + 1
        tensor(4.)
        >>> triplet_margin_loss(a, p, n, margin=1.0, eps=0.0, squared=True)  # 25 - 4 + 1
        tensor(22.)
    """
    check_reduction(reduction)
    _check_rows(("anchor", "positive", "negative"), (anchor, positive, negative))
    margin = check_real("margin", margin, minimum=0.0, inclusive=False)
    p = check_real("p", p, minimum=0.0, inclusive=False)
    eps = check_real("eps", eps, minimum=0.0)
    swap = check_bool("swap", swap)
    squared = check_bool("squared", squared)
    if not squared:
        return F.triplet_margin_loss(
            anchor, positive, negative, margin=margin, p=p, eps=eps, swap=swap, reduction=reduction
        )

    def distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.linalg.vector_norm(x - y + eps, ord=p, dim=-1).square()

    positive_distance = distance(anchor, positive)
    negative_distance = distance(anchor, negative)
    if swap:
        negative_distance = torch.minimum(negative_distance, distance(positive, negative))
    return reduce_loss((positive_distance - negative_distance + margin).clamp_min(0.0), reduction)


def _check_indices(name: str, indices: object, count: int, batch_size: int) -> tuple[torch.Tensor, ...]:
    """A tuple of ``count`` 1-D integer index tensors of one length, each index in [0, batch_size).

    The range of all ``count`` tensors is read with one host sync.
    """
    if not isinstance(indices, (tuple, list)) or len(indices) != count:
        got = type(indices).__name__
        if isinstance(indices, (tuple, list)):
            got += f" of length {len(indices)}"
        raise TypeError(f"{name} must be a tuple of {count} index tensors, got {got}")
    for position, index in enumerate(indices):
        check_tensor(f"{name}[{position}]", index)
        if index.dtype not in (torch.int64, torch.int32) or index.dim() != 1:
            raise TypeError(
                f"{name} must hold 1-D int64 (or int32) index tensors, got dtype {index.dtype}, "
                f"shape {tuple(index.shape)} at {name}[{position}]"
            )
    lengths = [len(index) for index in indices]
    if len(set(lengths)) > 1:
        raise ValueError(f"{name} index tensors must have equal lengths, got {lengths}")
    if lengths[0]:
        device = indices[0].device
        ranges = torch.stack([torch.stack(torch.aminmax(index)).to(device) for index in indices])
        for position, (low, high) in enumerate(ranges.tolist()):
            if low < 0 or high >= batch_size:
                raise ValueError(
                    f"{name} indices must lie in [0, {batch_size}) for a batch of {batch_size}, "
                    f"got [{low}, {high}] in {name}[{position}]"
                )
    return tuple(indices)


def batch_contrastive_loss(
    embeddings: torch.Tensor,
    labels: torch.Tensor,
    *,
    pairs: tuple[torch.Tensor, torch.Tensor] | None = None,
    margin: float = 1.0,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> torch.Tensor:
    r""":func:`contrastive_loss` over pairs of a labelled batch; a pair is similar when its labels match.

    Args:
        embeddings: :math:`(B, D)` floating point.
        labels: :math:`(B,)` integer class labels.
        pairs: ``(first, second)`` index tensors; default every pair :math:`i < j`
            (:func:`lossbook.miners.all_pairs`).
        margin, eps: as in :func:`contrastive_loss`.
        reduction: ``"mean"`` (default, over pairs), ``"sum"`` or ``"none"``.

    Returns:
        The loss. A batch with no pair (a single embedding) gives 0 for ``"mean"`` and
        ``"sum"`` (an empty vector for ``"none"``) that is still attached to the autograd
        graph: ``backward()`` runs and leaves zero gradients, never NaN. For ``"none"``
        the pairs come in the order of ``pairs`` (default: row by row, as :func:`torch.triu_indices`).

    Without ``pairs`` the loss of every pair is read off the :math:`B \times B` distance
    matrix, :math:`d_{ij} = \lVert (x_i + \epsilon) - x_j \rVert_2` from
    :func:`~lossbook.distances.pairwise_distances` (one matrix product), so memory is
    :math:`O(B^2)`, not :math:`O(B^2 D)`. Like :func:`torch.cdist` and
    pytorch-metric-learning's ``LpDistance``, the matrix product rounds the distance of two
    embeddings much closer together than their length (in float32, closer than about
    :math:`10^{-3}\lVert x\rVert`); pass ``pairs`` for the row-by-row distance of
    :func:`contrastive_loss` when that matters. For ``"mean"`` and ``"sum"`` the gradient
    of that path is written out (two matrix products, no :math:`B \times B` graph for
    autograd to keep), so it can be differentiated once; ``pairs=all_pairs(labels)``
    gives the same loss with a second derivative. float16 and bfloat16 embeddings are
    computed in float32 and the loss is returned in their dtype.

    Example:
        >>> x = torch.tensor([[0.], [0.5], [3.]])
        >>> batch_contrastive_loss(x, torch.tensor([0, 0, 1]), margin=1.0, eps=0.0, reduction="none")
        tensor([0.2500, 0.0000, 0.0000])
    """
    check_reduction(reduction)
    check_embeddings("embeddings", embeddings)
    check_labels(labels, len(embeddings))
    margin = check_real("margin", margin, minimum=0.0, inclusive=False)
    eps = check_real("eps", eps, minimum=0.0)
    if pairs is not None:
        first, second = _check_indices("pairs", pairs, 2, len(embeddings))
        if len(first) == 0:
            return _zero(embeddings, reduction)
        similar = labels[first] == labels[second]
        return contrastive_loss(
            embeddings[first], embeddings[second], similar, margin=margin, eps=eps, reduction=reduction
        )

    batch = len(embeddings)
    if batch < 2:
        return _zero(embeddings, reduction)
    # float16/bfloat16 are computed in float32: torch's CPU cdist has no half kernel, and a sum of
    # B(B-1)/2 pair losses passes float16's largest value, 65504, once B is a few hundred.
    work = embeddings.float() if embeddings.dtype in (torch.float16, torch.bfloat16) else embeddings
    labels = labels.to(embeddings.device)
    if reduction == "none":
        # x_i - x_j + eps = (x_i + eps) - x_j: shifting the first argument puts contrastive_loss's eps in every entry.
        distances = pairwise_distances(work + eps, work)  # d_ij for every ordered pair, (B, B)
        upper = torch.ones(batch, batch, dtype=torch.bool, device=work.device).triu(diagonal=1)
        distance = distances[upper]  # each unordered pair once, row by row: the order of triu_indices
        similar = (labels[:, None] == labels[None, :])[upper]
        pair_losses = torch.where(similar, distance.square(), (margin - distance).clamp_min(0.0).square())
        return pair_losses.to(embeddings.dtype)
    total = _AllPairsContrastiveSum.apply(work, labels, margin, eps)
    if reduction == "mean":
        total = total / (batch * (batch - 1) // 2)
    return total.to(embeddings.dtype)


class _AllPairsContrastiveSum(torch.autograd.Function):
    r"""The sum of :func:`contrastive_loss` over every pair :math:`i < j` of a batch, gradient written out.

    Autograd through the :math:`B \times B` steps would keep several :math:`B \times B`
    intermediates and visit each again backwards; the gradient is short enough to write
    out, and it is the one :func:`torch.cdist`'s own backward uses. With
    :math:`y = x + \epsilon`, :math:`d_{ij} = \lVert y_i - x_j \rVert` and the weight
    :math:`w_{ij} = \ell'(d_{ij}) / d_{ij}` of each pair :math:`i < j`
    (:math:`2` if similar, :math:`-2\max(0, m - d_{ij}) / d_{ij}` if not; :math:`0` for
    :math:`i \ge j` and where :math:`d_{ij} = 0`, the subgradient :func:`torch.cdist` takes),

    .. math::

        \frac{\partial L}{\partial y_i} = \sum_j w_{ij} (y_i - x_j), \qquad
        \frac{\partial L}{\partial x_j} = -\sum_i w_{ij} (y_i - x_j),

    two matrix products, and :math:`\partial L / \partial x` is their sum since
    :math:`\partial y / \partial x = I`. A second derivative is refused with a clear error.
    """

    @staticmethod
    def forward(ctx, embeddings, labels, margin, eps):  # noqa: D102 - documented on the class
        shifted = embeddings + eps
        distances = pairwise_distances(shifted, embeddings)
        rows = torch.arange(len(embeddings), device=embeddings.device)
        upper = rows[:, None] < rows[None, :]
        same = labels[:, None] == labels[None, :]
        gap = (margin - distances).clamp_min_(0.0)  # max(0, m - d)
        # d for a similar pair, max(0, m - d) for a dissimilar one, 0 for i >= j; the loss is the sum of their squares.
        term = torch.where(same, distances, gap).mul_(upper)
        total = torch.linalg.vecdot(term.view(-1), term.view(-1))
        weight = torch.where(same, 2.0, gap.div_(distances).mul_(-2.0))
        weight.masked_fill_(~upper | (distances == 0), 0.0)  # gap / 0 = inf where two embeddings coincide
        ctx.save_for_backward(weight, shifted, embeddings)
        return total

    @staticmethod
    def backward(ctx, grad_total):  # noqa: D102 - documented on the class
        if torch.is_grad_enabled():  # create_graph=True: a silent first-order-only result would be a wrong gradient
            raise RuntimeError(
                "batch_contrastive_loss over all pairs can be differentiated once; for a second derivative "
                "(create_graph=True) pass pairs=lossbook.miners.all_pairs(labels), which autograd differentiates"
            )
        weight, shifted, embeddings = ctx.saved_tensors
        grad_shifted = weight.sum(dim=1, keepdim=True) * shifted - weight @ embeddings
        grad_plain = weight.sum(dim=0)[:, None] * embeddings - weight.T @ shifted
        return (grad_shifted + grad_plain) * grad_total, None, None, None


def batch_triplet_loss(
    embeddings: torch.Tensor,
    triplets: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    *,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    squared: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    r""":func:`triplet_margin_loss` on the triplets a miner picked from a batch.

    ``triplets = (anchor, positive, negative)`` are row indices into ``embeddings``, as
    returned by the miners in :mod:`lossbook.miners`. The loss gathers those rows, so
    gradients reach every embedding that was used, and averages over the triplets
    (zero-loss triplets included, as torch does).

    Args:
        embeddings: :math:`(B, D)` floating point.
        triplets: three :math:`(T,)` integer index tensors.
        margin, p, eps, swap, squared: as in :func:`triplet_margin_loss`.
        reduction: ``"mean"`` (default, over triplets), ``"sum"`` or ``"none"``.

    Returns:
        The loss. When the miner found no triplet (:math:`T = 0`: one class only, or all
        labels different) it is 0 for ``"mean"`` and ``"sum"`` (an empty vector for
        ``"none"``), still attached to the autograd graph: ``backward()`` runs and
        leaves zero gradients, never NaN.

    Example:
        >>> x = torch.tensor([[0.], [1.], [1.5]])
        >>> batch_triplet_loss(x, (torch.tensor([0]), torch.tensor([1]), torch.tensor([2])), eps=0.0)
        tensor(0.5000)
    """
    check_reduction(reduction)
    check_embeddings("embeddings", embeddings)
    anchor, positive, negative = _check_indices("triplets", triplets, 3, len(embeddings))
    if len(anchor) == 0:
        return _zero(embeddings, reduction)
    return triplet_margin_loss(
        embeddings[anchor],
        embeddings[positive],
        embeddings[negative],
        margin=margin,
        p=p,
        eps=eps,
        swap=swap,
        squared=squared,
        reduction=reduction,
    )


# --- supervised contrastive loss (Khosla et al., 2020; Gunel et al., 2021) ---------------------------------------------


def supervised_contrastive_loss(
    features: torch.Tensor,
    labels: torch.Tensor,
    *,
    temperature: float = 0.3,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Supervised contrastive loss (SCL): each embedding's positives should be its nearest neighbours.

    The :math:`\mathcal{L}^{\text{sup}}_{\text{out}}` form of Khosla et al. (2020), the one
    Gunel et al. (2021) add to cross-entropy when fine-tuning a language model. With
    L2-normalised features :math:`z_i = x_i / \lVert x_i \rVert`, similarities
    :math:`s_{ij} = z_i \cdot z_j / \tau` and :math:`P(i) = \{p \ne i : y_p = y_i\}` the
    other members of anchor :math:`i`'s class,

    .. math::

        \ell_i = \frac{-1}{|P(i)|} \sum_{p \in P(i)}
                 \log \frac{\exp(s_{ip})}{\sum_{a \ne i} \exp(s_{ia})}

    — for each positive, the cross-entropy of picking it out of everyone else in the batch,
    averaged over the positives. Each term is minus the log of a probability, so
    :math:`\ell_i \ge 0`.

    **Anchors without a positive** (the only member of their class in the batch) have an
    empty sum: their :math:`\ell_i` is 0 and ``"mean"`` **excludes** them, averaging over
    the anchors that have at least one positive (as pytorch-metric-learning's
    ``SupConLoss`` does; Khosla et al.'s reference code would divide 0 by 0 there). So
    the value does not shrink just because a batch holds singletons. When no anchor has a
    positive the loss is 0, still attached to the autograd graph: ``backward()`` gives
    zero gradients, never NaN.

    Numerics: :math:`|s_{ij}| \le 1/\tau`, and :math:`e^{1/\tau}` overflows float32 once
    :math:`\tau < 1/88`; each row's maximum over :math:`a \ne i` is subtracted before
    exponentiating (the softmax does not change), so the denominator is :math:`\ge 1` and
    its log is finite. The self-similarity :math:`s_{ii}` is masked out, never used. A
    zero feature vector stays at the origin (similarity 0 to everything).

    Args:
        features: :math:`(B, D)` floating-point embeddings (normalised inside; any scale).
        labels: :math:`(B,)` integer class labels.
        temperature: :math:`\tau > 0` (default 0.3: the value Gunel et al. (2021) found best
            in most of their runs, from the grid :math:`\{0.1, 0.3, 0.5, 0.7\}`; Khosla et
            al. train with 0.1, pytorch-metric-learning's default, and their code defaults
            to 0.07). Smaller :math:`\tau` sharpens
            the softmax and weights the hardest negatives more.
        reduction: ``"mean"`` (default, over anchors with a positive), ``"sum"`` (over all
            anchors) or ``"none"`` (:math:`(B,)`, 0 for anchors without a positive).

    Memory is :math:`O(B^2)`: a few :math:`B \times B` matrices, never :math:`B^2 D`.

    Note: Gunel et al. write :math:`\mathcal{L}_{\text{SCL}}` as a *sum* over the batch
    and cross-entropy as a mean; here both are means (``"mean"``), so the weight
    :math:`\lambda` of :func:`ce_plus_scl` does not change meaning with the batch size.

    Example:
        >>> x = torch.tensor([[1., 0.], [1., 0.], [0., 1.]])
        >>> loss = supervised_contrastive_loss(x, torch.tensor([0, 0, 1]), temperature=1.0, reduction="none")
        >>> loss  # anchor 2 has no positive; anchors 0, 1: -log(e / (e + 1))
        tensor([0.3133, 0.3133, 0.0000])
    """
    check_reduction(reduction)
    check_embeddings("features", features)
    check_labels(labels, len(features))
    temperature = check_real("temperature", temperature, minimum=0.0, inclusive=False)
    batch = len(features)
    if batch < 2:  # a single embedding has no other row to compare with: one anchor, no positive
        zero = features[:, :0].sum(dim=1)  # shape (1,), 0, attached to `features`, never NaN
        return zero if reduction == "none" else zero.sum()

    unit = unit_rows(features)
    self_pair = torch.eye(batch, dtype=torch.bool, device=features.device)
    similarity = (unit @ unit.T / temperature).masked_fill(self_pair, float("-inf"))  # s_ia for a != i only
    # Subtract each row's max (over a != i) so exp() cannot overflow for small temperatures and the
    # denominator is >= exp(0) = 1; a shift common to a row cancels in the softmax, so the loss is unchanged.
    shifted = similarity - similarity.amax(dim=1, keepdim=True).detach()
    log_denominator = shifted.exp().sum(dim=1).log()  # log sum_{a != i} exp(s_ia - max)
    positive = (labels[:, None] == labels[None, :]) & ~self_pair
    positives = positive.sum(dim=1)
    # sum_p (log_denominator - shifted_ip), written so that the -inf diagonal is selected away, never multiplied by 0.
    positive_shifted = torch.where(positive, shifted, torch.zeros((), dtype=shifted.dtype, device=shifted.device))
    total = positives * log_denominator - positive_shifted.sum(dim=1)
    per_anchor = total / positives.clamp_min(1)  # anchors without a positive: 0 / 1 = 0, with a zero gradient
    if reduction == "none":
        return per_anchor
    if reduction == "sum":
        return per_anchor.sum()
    return per_anchor.sum() / (positives > 0).sum().clamp_min(1)


def ce_plus_scl(
    logits: torch.Tensor,
    features: torch.Tensor,
    labels: torch.Tensor,
    *,
    lam: float,
    temperature: float = 0.3,
) -> torch.Tensor:
    r"""The fine-tuning objective of Gunel et al. (2021): :math:`(1 - \lambda)\,\text{CE} + \lambda\,\text{SCL}`.

    ``logits`` are the classifier's outputs and ``features`` the embeddings it reads
    (for a language model, the sentence / ``[CLS]`` representation); both come from the
    same batch and share ``labels``. CE is :func:`~lossbook.losses.cross_entropy`
    (mean over the batch), SCL is :func:`supervised_contrastive_loss` (mean over the
    anchors with a positive). :math:`\lambda = 0` is plain cross-entropy, :math:`\lambda = 1`
    plain SCL; Gunel et al. tune :math:`\lambda \in \{0.1, 0.3, 0.5, 0.7, 0.9, 1.0\}` and
    report :math:`\lambda = 0.9`, :math:`\tau = 0.3` best in most settings.

    Args:
        logits: :math:`(B, C)` class logits.
        features: :math:`(B, D)` embeddings.
        labels: :math:`(B,)` integer class labels in :math:`[0, C)`.
        lam: the weight :math:`\lambda \in [0, 1]` of the contrastive term (required).
        temperature: :math:`\tau > 0` of :func:`supervised_contrastive_loss` (default 0.3).

    Returns:
        A scalar.

    Example:
        >>> logits = torch.tensor([[2., 0.], [2., 0.], [0., 2.]])
        >>> x = torch.tensor([[1., 0.], [1., 0.], [0., 1.]])
        >>> ce_plus_scl(logits, x, torch.tensor([0, 0, 1]), lam=0.5, temperature=1.0)  # (0.1269 + 0.3133) / 2
        tensor(0.2201)
    """
    lam = check_real("lam", lam, minimum=0.0, maximum=1.0)
    check_floating("logits", logits)
    if logits.dim() != 2:
        raise ValueError(f"logits must be 2-D (batch, classes), got shape {tuple(logits.shape)}")
    check_embeddings("features", features)
    if len(logits) != len(features):
        raise ValueError(
            f"logits must have one row per row of features: expected {len(features)} rows, got shape {tuple(logits.shape)}"
        )
    contrastive = supervised_contrastive_loss(features, labels, temperature=temperature)
    # cross_entropy would report a label out of range as its "target": say it under this function's name.
    if labels.numel():
        low, high = read_scalars(*torch.aminmax(labels))
        if low < 0 or high >= logits.shape[1]:
            raise ValueError(
                f"labels must hold class indices in [0, {logits.shape[1] - 1}] (the columns of logits): "
                f"got values from {low} to {high}"
            )
    return (1.0 - lam) * cross_entropy(logits, labels) + lam * contrastive
