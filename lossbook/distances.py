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

import math

import torch

from lossbook._validate import (
    check_choice,
    check_floating,
    check_nonempty,
    check_real,
    check_same_dtype,
    check_same_shape,
    check_tensor,
)

__all__ = ["METRICS", "paired_distance", "pairwise_distances"]

METRICS = ("euclidean", "squared_euclidean", "cosine")

# torch's CPU cdist has no float16/bfloat16 kernel, and |x|^2 of a half-precision row overflows
# at |x| = 256 (float16's largest value is 65504): distance matrices are computed in float32.
_HALF = (torch.float16, torch.bfloat16)


def check_metric(metric: object) -> str:
    """Require one of :data:`METRICS`."""
    return check_choice("metric", metric, METRICS)  # type: ignore[return-value]


def check_embeddings(name: str, embeddings: object) -> torch.Tensor:
    """Require a non-empty floating-point matrix of shape (B, D)."""
    tensor = check_floating(name, embeddings)
    if tensor.dim() != 2:
        raise ValueError(f"{name} must be 2-D (batch, embedding_dim), got shape {tuple(tensor.shape)}")
    return check_nonempty(name, tensor)


def check_finite_rows(name: str, embeddings: torch.Tensor) -> None:
    """Require every entry finite (one host sync); the message names the first row that is not."""
    if not torch.isfinite(embeddings).all():
        row = (~torch.isfinite(embeddings)).any(dim=1).nonzero()[0, 0].item()
        raise ValueError(f"{name} must be finite, got NaN or inf in row {row} (of {len(embeddings)})")


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


def unit_rows(x: torch.Tensor) -> torch.Tensor:
    """Rows scaled to unit length without overflow or underflow; an all-zero row stays zero.

    Squaring 1e20 overflows float32 and squaring 1e-30 underflows it, so each row is first
    divided by its largest absolute entry. That factor is a constant to autograd (detached):
    ``x / ||x||`` does not depend on it, so the gradient is the exact one of ``x / ||x||``.
    """
    largest = x.detach().abs().amax(dim=-1, keepdim=True)
    scaled = x / torch.where(largest > 0, largest, torch.ones_like(largest))
    norm = torch.linalg.vector_norm(scaled, dim=-1, keepdim=True)  # in [1, sqrt(D)] unless the row is zero
    # Dividing a zero row by 1 instead of 0 avoids 0/0 and leaves it at the origin.
    return scaled / torch.where(norm > 0, norm, torch.ones_like(norm))


def power_of_two_scale(*tensors: torch.Tensor) -> torch.Tensor:
    """The power of two at or above the largest absolute entry of ``tensors`` (1 if all are zero), detached.

    Dividing by a power of two is exact, so a distance computed from ``x / s`` and
    multiplied back by ``s`` is bit for bit the one computed from ``x`` wherever that
    one neither overflows nor underflows; elsewhere (``|x|`` beyond about 1e19 or below
    1e-19 in float32, where ``|x|^2`` leaves the range) it is still right.
    """
    return _power_of_two_above(torch.stack([t.detach().abs().amax() for t in tensors]).amax())


def _power_of_two_above(largest: torch.Tensor) -> torch.Tensor:
    """Elementwise: the smallest power of two above ``largest`` (>= 0), 1 for 0, at most the dtype's largest."""
    # 2 ** frexp(finfo.max).exponent is the first power of two past the largest value: inf.
    highest = math.frexp(torch.finfo(largest.dtype).max)[1] - 1
    exponent = torch.frexp(largest).exponent.clamp_max(highest)
    return torch.ldexp(torch.ones_like(largest), exponent)


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

    ``"euclidean"`` matches :func:`torch.nn.functional.pairwise_distance` (``p=2``), and
    beyond it stays right where the squares inside the norm leave the dtype's range
    (rows above about 1e19 or below 1e-19 in float32): each row is divided by a power of
    two, which is exact, and the norm multiplied back.

    Example:
        >>> paired_distance(torch.tensor([[0., 0.], [1., 1.]]), torch.tensor([[3., 4.], [1., 1.]]), eps=0.0)
        tensor([5., 0.])
    """
    check_floating("x1", x1)
    check_floating("x2", x2)
    check_same_dtype("x1", x1, "x2", x2)
    check_same_shape("x1", x1, "x2", x2)
    if x1.dim() not in (1, 2):
        raise ValueError(f"x1 must be 1-D (D,) or 2-D (N, D), got shape {tuple(x1.shape)}")
    check_metric(metric)
    eps = check_real("eps", eps, minimum=0.0)
    if metric == "cosine":
        return 1.0 - (unit_rows(x1) * unit_rows(x2)).sum(dim=-1)
    difference = x1 - x2 + eps
    # Each row divided by a power of two at or above its largest entry (exact, undone on the norm): the sum of
    # squares inside the norm can then neither overflow nor underflow.
    scale = _power_of_two_above(difference.detach().abs().amax(dim=-1, keepdim=True))
    scaled = difference / scale
    scale = scale.squeeze(-1)
    if metric == "squared_euclidean":
        return scaled.square().sum(dim=-1) * scale * scale  # 0 stays 0 where scale**2 alone would overflow
    return torch.linalg.vector_norm(scaled, dim=-1) * scale


def scaled_pairwise_distances(
    embeddings: torch.Tensor, other: torch.Tensor | None = None, *, metric: str = "euclidean"
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The distance matrix of :func:`pairwise_distances` divided by a power of two, and that divisor.

    The matrix is computed from the embeddings divided by :func:`power_of_two_scale`, so
    its entries are at most :math:`2\sqrt{D}` (:math:`4D` squared) and never overflow; its
    order is the order of the true distances, which is all a miner needs. The true
    distances are ``distances * scale`` (``* scale**2`` for ``"squared_euclidean"``;
    ``scale`` is 1 for ``"cosine"``). Half-precision inputs are computed in float32, and
    the matrix stays in float32. Inputs are checked as in :func:`pairwise_distances`.
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
    if embeddings.dtype in _HALF:
        embeddings, other = embeddings.float(), other.float()
    if metric == "cosine":
        scale = torch.ones((), dtype=embeddings.dtype, device=embeddings.device)
        distances = 1.0 - unit_rows(embeddings) @ unit_rows(other).T
    else:
        scale = power_of_two_scale(embeddings) if same else power_of_two_scale(embeddings, other)
        embeddings = embeddings / scale
        other = embeddings if same else other / scale
        if metric == "euclidean":
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
    return distances, scale


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

    The rows are first divided by a power of two at or above their largest entry (exact,
    and undone on the result), so :math:`\lVert x \rVert^2` can neither overflow nor
    underflow: embeddings of size 1e20 or 1e-30 in float32 get their true distances, not
    ``inf``, NaN or 0. float16 and bfloat16 inputs are computed in float32 (torch's CPU
    ``cdist`` has no half-precision kernel) and the result is returned in the input's dtype.

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
    distances, scale = scaled_pairwise_distances(embeddings, other, metric=metric)
    if metric == "euclidean":
        distances = distances * scale
    elif metric == "squared_euclidean":
        distances = distances * scale * scale  # 0 stays 0 where scale**2 alone would overflow
    return distances.to(embeddings.dtype)
