r"""Regression losses: MSE, MAE, RMSE, Huber and Smooth L1.

Each function follows ``torch.nn.functional``: ``(input, target, *, ..., reduction="mean")``,
tensors in, tensor out. Unlike torch, ``input`` and ``target`` must have the same
shape — torch broadcasts ``(N, 1)`` against ``(N,)`` into an ``(N, N)`` loss with only a
warning, which silently trains the wrong thing.

The formulas are written out in the docstrings and, line by line, in the Regression
chapter. The computation itself is PyTorch's fused kernel where PyTorch has the same
loss: it reads the data once where the written-out formula takes five or six passes,
so it is several times faster on large batches (see ``benchmarks/``). What this module
adds is strict validation with errors that say what to fix.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lossbook._validate import check_bool, check_int, check_pair, check_real, check_reduction

__all__ = ["mse", "mae", "rmse", "huber", "smooth_l1"]


def mse(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Mean squared error (L2 loss).

    .. math:: \ell_i = (\hat y_i - y_i)^2, \qquad \mathrm{MSE} = \frac{1}{n}\sum_{i=1}^{n} \ell_i

    Args:
        input: predictions :math:`\hat y`, any shape, floating point.
        target: targets :math:`y`, same shape and dtype as ``input``.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        ``input`` and ``target``: :math:`(*)`. Output: scalar, or :math:`(*)` for ``"none"``.

    Computed by :func:`torch.nn.functional.mse_loss` once the inputs are validated.

    Example:
        >>> mse(torch.tensor([11., 9., 10., 50.]), torch.tensor([10., 10., 10., 100.]))
        tensor(625.5000)
    """
    check_reduction(reduction)
    check_pair(input, target)
    return F.mse_loss(input, target, reduction=reduction)


def mae(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Mean absolute error (L1 loss).

    .. math:: \ell_i = |\hat y_i - y_i|, \qquad \mathrm{MAE} = \frac{1}{n}\sum_{i=1}^{n} \ell_i

    The derivative at zero error is taken as 0 (the subgradient torch uses).

    Args:
        input: predictions, any shape, floating point.
        target: targets, same shape and dtype as ``input``.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        ``input`` and ``target``: :math:`(*)`. Output: scalar, or :math:`(*)` for ``"none"``.

    Computed by :func:`torch.nn.functional.l1_loss` once the inputs are validated.

    Example:
        >>> mae(torch.tensor([11., 9., 10., 50.]), torch.tensor([10., 10., 10., 100.]))
        tensor(13.)
    """
    check_reduction(reduction)
    check_pair(input, target)
    return F.l1_loss(input, target, reduction=reduction)


def rmse(
    input: torch.Tensor, target: torch.Tensor, *, dim: int | tuple[int, ...] | None = None, keepdim: bool = False
) -> torch.Tensor:
    r"""Root mean squared error: the square root of the *mean* squared error.

    .. math:: \mathrm{RMSE} = \sqrt{\frac{1}{n}\sum_{i=1}^{n} (\hat y_i - y_i)^2}

    The root is taken after averaging, so RMSE has the units of the target. (The
    formula :math:`\frac{1}{n}\sqrt{\sum_i (\cdot)^2}`, seen in some write-ups, is not
    RMSE: it shrinks with :math:`\sqrt{n}` as the data set grows.)

    There is no ``reduction`` argument: the mean sits inside the root, so "sum" and
    "none" have no meaning of their own. Use ``dim`` for one RMSE per slice instead,
    e.g. ``dim=0`` gives one RMSE per output column.

    At zero error the gradient of :math:`\sqrt{\cdot}` is infinite; here it is
    defined as 0 (a valid subgradient), so a perfect fit never produces NaN. A NaN in
    ``input`` or ``target`` gives NaN, as in torch: never a finite number.

    Args:
        input: predictions, any shape, floating point.
        target: targets, same shape and dtype as ``input``.
        dim: dimension(s) to average over; ``None`` (default) averages over all.
        keepdim: keep the reduced dimensions with size 1.

    Shape:
        ``input`` and ``target``: :math:`(*)`. Output: scalar when ``dim`` is None.

    Equals ``torch.sqrt(torch.nn.functional.mse_loss(input, target))``.

    Example:
        >>> rmse(torch.tensor([11., 9., 10., 50.]), torch.tensor([10., 10., 10., 100.]))
        tensor(25.0100)
    """
    check_pair(input, target)
    if keepdim is not False:
        check_bool("keepdim", keepdim)
    if dim is None and not keepdim:
        mean_square = F.mse_loss(input, target)
        # sqrt'(0) is infinite, so only an exact 0 needs the stand-in below; on the CPU reading
        # the scalar costs less than building it. NaN is not 0 and goes through sqrt, as it should.
        if mean_square.is_cpu and mean_square.item() != 0:
            return mean_square.sqrt()
    else:
        dims = tuple(range(input.dim())) if dim is None else _check_dims(dim, input.dim())
        mean_square = F.mse_loss(input, target, reduction="none").mean(dim=dims, keepdim=keepdim)
    zero = mean_square == 0
    # The root of a stand-in 1 where the error is exactly 0 keeps the gradient there at 0, not NaN;
    # a NaN mean square is not 0, so NaN propagates (as torch.sqrt does) instead of reading 0.
    root = torch.where(zero, torch.ones_like(mean_square), mean_square).sqrt()
    return torch.where(zero, torch.zeros_like(root), root)


def _check_dims(dim: object, ndim: int) -> int | tuple[int, ...]:
    """``dim`` as torch's reductions take it: an int or a tuple of distinct ints in [-ndim, ndim)."""
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, int):
            raise TypeError(f"dim must be None, an int or a tuple of ints, got {type(d).__name__}")
    low, high = -max(ndim, 1), max(ndim, 1) - 1
    normalised = [check_int("dim", d, minimum=low, maximum=high) % max(ndim, 1) for d in dims]
    if len(set(normalised)) != len(normalised):
        raise ValueError(f"dim must not repeat a dimension, got {dim!r}")
    return tuple(dims) if isinstance(dim, (tuple, list)) else dim


def huber(
    input: torch.Tensor, target: torch.Tensor, *, delta: float = 1.0, reduction: str = "mean"
) -> torch.Tensor:
    r"""Huber loss: quadratic for small errors, linear (slope :math:`\delta`) for large ones.

    .. math::

        \ell_i = \begin{cases}
            \tfrac12 (\hat y_i - y_i)^2 & \text{if } |\hat y_i - y_i| \le \delta \\
            \delta \left(|\hat y_i - y_i| - \tfrac12 \delta\right) & \text{otherwise}
        \end{cases}

    Its gradient is the error clipped to :math:`[-\delta, \delta]`, so one outlier
    pulls no harder than :math:`\delta`. Huber (1964), *Robust Estimation of a
    Location Parameter*.

    Args:
        input: predictions, any shape, floating point.
        target: targets, same shape and dtype as ``input``.
        delta: threshold between the two regimes, ``> 0`` (default 1.0).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        ``input`` and ``target``: :math:`(*)`. Output: scalar, or :math:`(*)` for ``"none"``.

    Computed by :func:`torch.nn.functional.huber_loss` once the inputs are validated;
    equals ``delta * smooth_l1(beta=delta)``.

    Example:
        >>> huber(torch.tensor([0.5, 3.0]), torch.zeros(2), reduction="none")
        tensor([0.1250, 2.5000])
    """
    check_reduction(reduction)
    check_pair(input, target)
    delta = check_real("delta", delta, minimum=0.0, inclusive=False)
    return F.huber_loss(input, target, delta=delta, reduction=reduction)


def smooth_l1(
    input: torch.Tensor, target: torch.Tensor, *, beta: float = 1.0, reduction: str = "mean"
) -> torch.Tensor:
    r"""Smooth L1 loss: Huber divided by its threshold, so the linear part has slope 1.

    .. math::

        \ell_i = \begin{cases}
            \dfrac{(\hat y_i - y_i)^2}{2\beta} & \text{if } |\hat y_i - y_i| < \beta \\
            |\hat y_i - y_i| - \tfrac12 \beta & \text{otherwise}
        \end{cases}

    With :math:`\beta = 0` it is exactly the L1 loss. Introduced for box regression
    in Fast R-CNN (Girshick, 2015).

    Args:
        input: predictions, any shape, floating point.
        target: targets, same shape and dtype as ``input``.
        beta: threshold between the two regimes, ``>= 0`` (default 1.0).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        ``input`` and ``target``: :math:`(*)`. Output: scalar, or :math:`(*)` for ``"none"``.

    Computed by :func:`torch.nn.functional.smooth_l1_loss` once the inputs are validated.

    Example:
        >>> smooth_l1(torch.tensor([0.5, 3.0]), torch.zeros(2), reduction="none")
        tensor([0.1250, 2.5000])
    """
    check_reduction(reduction)
    check_pair(input, target)
    beta = check_real("beta", beta, minimum=0.0)
    return F.smooth_l1_loss(input, target, beta=beta, reduction=reduction)
