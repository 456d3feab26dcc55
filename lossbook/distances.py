r"""Distances between embeddings: row by row (explicit pairs) and all pairs (a matrix).

Metric-learning losses compare *distances*, so the distance is where numerical trouble
starts. The Euclidean distance :math:`\lVert x - y \rVert_2 = \sqrt{\sum_k (x_k - y_k)^2}`
has an infinite derivative when :math:`x = y` (the derivative of :math:`\sqrt{s}` at
:math:`s = 0`), and two embeddings *do* coincide: a collapsed network maps every
input to the same point. Both functions here keep gradients finite there:

* :func:`paired_distance` follows :func:`torch.nn.functional.pairwise_distance` and puts a
  small ``eps`` inside the norm, :math:`\lVert x - y + \epsilon \rVert_2`, which is what
  :func:`torch.nn.functional.triplet_margin_loss` uses;
* :func:`pairwise_distances` (the :math:`B \times B` matrix miners search) takes the
  derivative at :math:`x = y` to be 0, a valid subgradient, as :func:`torch.cdist` does.

Metrics: ``"euclidean"``, ``"squared_euclidean"`` and ``"cosine"``
(:math:`1 - \cos\theta`, in :math:`[0, 2]`).
"""

from __future__ import annotations

import torch

from lossbook._validate import check_floating, check_nonempty, check_real, check_same_dtype, check_tensor

__all__ = ["METRICS", "paired_distance", "pairwise_distances"]

METRICS = ("euclidean", "squared_euclidean", "cosine")


def check_metric(metric: object) -> str:
    """Require one of :data:`METRICS`."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    return metric  # type: ignore[return-value]


def check_embeddings(name: str, embeddings: object) -> torch.Tensor:
    """Require a non-empty floating-point matrix of shape (B, D)."""
    tensor = check_floating(name, embeddings)
    if tensor.dim() != 2:
        raise ValueError(f"{name} must be 2-D (batch, embedding_dim), got shape {tuple(tensor.shape)}")
    return check_nonempty(name, tensor)


def check_labels(labels: object, batch_size: int | None = None) -> torch.Tensor:
    """Require a 1-D integer tensor of class labels (one per embedding when ``batch_size`` is given)."""
    tensor = check_tensor("labels", labels)
    if tensor.dtype == torch.bool or tensor.is_floating_point() or tensor.is_complex():
        raise TypeError(f"labels must be an integer tensor of class ids, got dtype {tensor.dtype}")
    if tensor.dim() != 1:
        raise ValueError(f"labels must be 1-D (batch,), got shape {tuple(tensor.shape)}")
    if batch_size is not None and len(tensor) != batch_size:
        raise ValueError(
            f"labels must have one entry per embedding: expected ({batch_size},), got {tuple(tensor.shape)}"
        )
    return tensor


def _unit_rows(x: torch.Tensor) -> torch.Tensor:
    """Rows scaled to unit length; an all-zero row stays zero (its gradient is the identity)."""
    norm = torch.linalg.vector_norm(x, dim=-1, keepdim=True)
    # Dividing a zero row by 1 instead of 0 avoids 0/0 and leaves it at the origin.
    return x / torch.where(norm > 0, norm, torch.ones_like(norm))


def paired_distance(
    x1: torch.Tensor, x2: torch.Tensor, *, metric: str = "euclidean", eps: float = 1e-6
) -> torch.Tensor:
    r"""Distance between matching rows: :math:`d_i = d(x_{1,i}, x_{2,i})`.

    .. math::

        d_{\text{euclidean}} = \lVert x_1 - x_2 + \epsilon \rVert_2, \qquad
        d_{\text{squared\_euclidean}} = \lVert x_1 - x_2 + \epsilon \rVert_2^2, \qquad
        d_{\text{cosine}} = 1 - \frac{x_1 \cdot x_2}{\lVert x_1 \rVert \, \lVert x_2 \rVert}

    The :math:`\epsilon` inside the norm is torch's: it makes the distance of two equal
    embeddings :math:`\epsilon\sqrt{D}` rather than 0, so the gradient stays finite.
    A zero-length embedding has cosine distance 1 to everything.

    Args:
        x1, x2: embeddings, same shape and dtype, floating point.
        metric: ``"euclidean"`` (default), ``"squared_euclidean"`` or ``"cosine"``.
        eps: added inside the Euclidean norm, ``>= 0`` (default ``1e-6``, as in torch);
            ignored by ``"cosine"``.

    Shape:
        ``x1``, ``x2``: :math:`(N, D)` or :math:`(D,)`. Output: :math:`(N,)` or :math:`()`.

    ``"euclidean"`` matches :func:`torch.nn.functional.pairwise_distance` (``p=2``).

    Example:
        >>> paired_distance(torch.tensor([[0., 0.], [1., 1.]]), torch.tensor([[3., 4.], [1., 1.]]), eps=0.0)
        tensor([5., 0.])
    """
    check_floating("x1", x1)
    check_floating("x2", x2)
    check_same_dtype("x1", x1, "x2", x2)
    if x1.shape != x2.shape:
        raise ValueError(f"x2 must have the same shape as x1: expected {tuple(x1.shape)}, got {tuple(x2.shape)}")
    if x1.dim() not in (1, 2):
        raise ValueError(f"x1 must be 1-D (D,) or 2-D (N, D), got shape {tuple(x1.shape)}")
    check_metric(metric)
    eps = check_real("eps", eps, minimum=0.0)
    if metric == "cosine":
        return 1.0 - (_unit_rows(x1) * _unit_rows(x2)).sum(dim=-1)
    difference = x1 - x2 + eps
    if metric == "squared_euclidean":
        return difference.square().sum(dim=-1)
    return torch.linalg.vector_norm(difference, dim=-1)


def pairwise_distances(
    embeddings: torch.Tensor, other: torch.Tensor | None = None, *, metric: str = "euclidean"
) -> torch.Tensor:
    r"""All distances between the rows of ``embeddings`` and the rows of ``other``: :math:`D_{ij} = d(x_i, y_j)`.

    Uses :math:`\lVert x - y \rVert^2 = \lVert x \rVert^2 + \lVert y \rVert^2 - 2\,x\cdot y`
    (one matrix product, :math:`O(BM)` memory rather than :math:`O(BMD)`), clamped at 0
    because rounding can make it slightly negative. Without ``other`` the diagonal is
    exactly 0, a point's distance to itself. Where a Euclidean distance is 0 its
    gradient is taken as 0 (a subgradient), so coinciding embeddings never give NaN.
    ``"euclidean"`` is computed by :func:`torch.cdist` (``p=2``), which does exactly this
    in one fused step (for more than 25 rows; fewer rows are compared directly, exactly).

    Args:
        embeddings: :math:`(B, D)` floating-point matrix.
        other: :math:`(M, D)` matrix of the same dtype; ``None`` (default) means ``embeddings``.
        metric: ``"euclidean"`` (default), ``"squared_euclidean"`` or ``"cosine"``.

    Shape:
        Output: :math:`(B, M)` (:math:`(B, B)` without ``other``).

    Example:
        >>> pairwise_distances(torch.tensor([[0., 0.], [3., 4.], [6., 8.]]))
        tensor([[ 0.,  5., 10.],
                [ 5.,  0.,  5.],
                [10.,  5.,  0.]])
    """
    check_embeddings("embeddings", embeddings)
    check_metric(metric)
    same = other is None
    if same:
        other = embeddings
    else:
        check_embeddings("other", other)
        check_same_dtype("embeddings", embeddings, "other", other)
        if other.shape[1] != embeddings.shape[1]:
            raise ValueError(
                f"other must have as many columns as embeddings: expected {embeddings.shape[1]}, "
                f"got shape {tuple(other.shape)}"
            )
    if metric == "cosine":
        distances = 1.0 - _unit_rows(embeddings) @ _unit_rows(other).T
    elif metric == "euclidean":
        distances = torch.cdist(embeddings, other)  # gradient 0 where a distance is 0, never NaN
    else:
        distances = (
            embeddings.square().sum(dim=1, keepdim=True)
            + other.square().sum(dim=1)
            - 2.0 * embeddings @ other.T
        ).clamp_min(0.0)  # rounding can push a true 0 slightly below zero
    if same:
        diagonal = torch.eye(len(embeddings), dtype=torch.bool, device=embeddings.device)
        distances = distances.masked_fill(diagonal, 0.0)
    return distances
