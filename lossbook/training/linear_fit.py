r"""Fitting a line with any loss, on a robustly rescaled target (the regression chapter).

:func:`fit_line` fits :math:`y \approx w x + b` by full-batch gradient descent on a loss. The
target is first rescaled with :func:`robust_center_and_scale`,

.. math:: \tilde y = \frac{y - \operatorname{med}(y)}{1.4826\,\operatorname{med}|y - \operatorname{med}(y)|},

so that one learning rate suits every loss and outliers barely move the scale itself (the
scaled median absolute deviation; 1.4826 makes it the standard deviation of normal data).
The fitted line is returned in the target's own units. The regression chapter fits it with
MSE, MAE and Huber on a target with injected outliers and compares how far each is pulled.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from lossbook._validate import check_floating, check_int, check_nonempty, check_real

__all__ = ["MAD_TO_STD", "robust_center_and_scale", "fit_line"]

MAD_TO_STD = 1.4826
"""The factor that makes the median absolute deviation of normal data its standard deviation (1/Φ⁻¹(3/4) ≈ 1.4826)."""


def robust_center_and_scale(target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Median and scaled median absolute deviation along the last dimension (kept, for broadcasting).

    ``torch.median`` is used, which for an even count returns the *lower* of the two middle
    values (NumPy averages them).

    Example:
        >>> center, spread = robust_center_and_scale(torch.tensor([1.0, 2.0, 3.0, 4.0, 100.0]))
        >>> center, spread
        (tensor([3.]), tensor([1.4826]))
    """
    check_floating("target", target)
    check_nonempty("target", target)
    if target.dim() == 0:
        raise ValueError("target must have at least one dimension (the samples), got a 0-d tensor")
    center = target.median(dim=-1, keepdim=True).values
    spread = MAD_TO_STD * (target - center).abs().median(dim=-1, keepdim=True).values
    return center, spread


def fit_line(
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    steps: int = 200,
    learning_rate: float = 0.3,
) -> tuple[float, float]:
    """Fit ``y ≈ slope * x + intercept`` by full-batch gradient descent on ``loss_fn``; return ``(slope, intercept)``.

    Starts from 0 and takes ``steps`` plain gradient steps on ``loss_fn(w x + b, ỹ)``, with
    ``ỹ`` the target rescaled by :func:`robust_center_and_scale`; the result is mapped back
    to the units of ``y``. Standardize ``x`` first (the chapter uses standardized features):
    the default rate suits an ``x`` of unit spread.

    Args:
        x, y: 1-D floating-point tensors of the same shape.
        loss_fn: ``loss_fn(prediction, target)``, a scalar (e.g. :func:`lossbook.losses.mse`).
        steps: gradient steps.
        learning_rate: the step size.

    Example:
        >>> from lossbook.losses import mse
        >>> x = torch.linspace(-1.5, 1.5, 7)
        >>> slope, intercept = fit_line(x, 3 * x + 2 + torch.tensor([0.0, 1, -1, 0, 1, -1, 0]), mse)
        >>> round(slope, 3), round(intercept, 3)
        (2.857, 2.0)
    """
    check_floating("x", x)
    check_floating("y", y)
    if x.dim() != 1 or y.shape != x.shape:
        raise ValueError(f"x and y must be 1-D of the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    check_nonempty("x", x)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    steps = check_int("steps", steps, minimum=1)
    learning_rate = check_real("learning_rate", learning_rate, minimum=0.0, inclusive=False)
    center, spread = robust_center_and_scale(y)
    if not spread.item() > 0:
        raise ValueError("y must vary around its median: its median absolute deviation is 0, so it cannot be rescaled")
    scaled = (y - center) / spread
    weight = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    bias = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(steps):
        loss = loss_fn(weight * x + bias, scaled)
        grad_weight, grad_bias = torch.autograd.grad(loss, (weight, bias))
        with torch.no_grad():
            weight -= learning_rate * grad_weight
            bias -= learning_rate * grad_bias
    return weight.item() * spread.item(), bias.item() * spread.item() + center.item()
