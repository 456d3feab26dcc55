r"""Combining the losses of several tasks into the one number an optimizer minimises.

A model with a classification head and a regression head (vision and action, say)
has two losses. Gradient descent needs one scalar, so they are combined:

* :func:`weighted_sum` — :math:`L = \sum_k \lambda_k L_k` with hand-picked weights.
  The weights must also undo the tasks' different *scales*: a regression loss
  measured in mm² is 100× the same loss in cm², so the right :math:`\lambda` depends
  on the units.
* :func:`uncertainty_weighted_sum` / :class:`UncertaintyWeighting` — learn the
  weights with the model (Kendall, Gal & Cipolla, 2018): one log-variance
  :math:`s_k = \log \sigma_k^2` per task, trained by the same optimizer.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lossbook._validate import check_floating, check_real

__all__ = ["weighted_sum", "uncertainty_weighted_sum", "UncertaintyWeighting", "TASK_KINDS"]

TASK_KINDS = ("regression", "classification")
# Kendall et al. (2018), eqs. 7 and 10: a Gaussian likelihood gives 1/(2σ²)·L, a softmax one 1/σ²·L.
_SCALE = {"regression": 0.5, "classification": 1.0}


def _check_losses(losses: object) -> list[torch.Tensor]:
    if isinstance(losses, torch.Tensor) or not isinstance(losses, Sequence) or len(losses) == 0:
        raise TypeError(
            f"losses must be a non-empty list or tuple of scalar tensors, got {type(losses).__name__}"
        )
    for index, loss in enumerate(losses):
        check_floating(f"losses[{index}]", loss)
        if loss.ndim != 0:
            raise ValueError(
                f"losses[{index}] must be a scalar (0-d) tensor, got shape {tuple(loss.shape)}; "
                "reduce it first (reduction='mean')"
            )
    return list(losses)


def _check_kinds(kinds: object) -> tuple[str, ...]:
    if isinstance(kinds, str) or not isinstance(kinds, Sequence) or len(kinds) == 0:
        raise TypeError(f"kinds must be a non-empty list or tuple of task kinds, got {type(kinds).__name__}")
    for index, kind in enumerate(kinds):
        if kind not in TASK_KINDS:
            raise ValueError(f"kinds[{index}] must be one of {TASK_KINDS}, got {kind!r}")
    return tuple(kinds)


def weighted_sum(losses: Sequence[torch.Tensor], weights: Sequence[float]) -> torch.Tensor:
    r"""The weighted sum :math:`L = \sum_k \lambda_k L_k` of per-task losses.

    Args:
        losses: one scalar loss per task.
        weights: one finite weight :math:`\lambda_k \ge 0` per task.

    Example:
        >>> weighted_sum([torch.tensor(2.0), torch.tensor(30.0)], [1.0, 0.1])
        tensor(5.)
    """
    losses = _check_losses(losses)
    if isinstance(weights, (str, torch.Tensor)) or not isinstance(weights, Sequence):
        raise TypeError(f"weights must be a list or tuple of numbers, got {type(weights).__name__}")
    if len(weights) != len(losses):
        raise ValueError(f"weights must have one entry per loss: expected {len(losses)}, got {len(weights)}")
    weights = [check_real(f"weights[{k}]", w, minimum=0.0) for k, w in enumerate(weights)]
    return sum(weight * loss for weight, loss in zip(weights, losses))


def uncertainty_weighted_sum(
    losses: Sequence[torch.Tensor], log_variances: torch.Tensor, kinds: Sequence[str]
) -> torch.Tensor:
    r"""Homoscedastic-uncertainty weighting of task losses (Kendall, Gal & Cipolla, 2018).

    With :math:`s_k = \log \sigma_k^2`:

    .. math::

        L = \sum_k c_k\, e^{-s_k} L_k + \tfrac12 s_k, \qquad
        c_k = \begin{cases} \tfrac12 & \text{regression (Gaussian likelihood)} \\
                            1 & \text{classification (softmax likelihood)} \end{cases}

    The first term down-weights a task whose loss is large (noisy, or measured in big
    units); the :math:`\tfrac12 s_k = \log\sigma_k` term stops :math:`\sigma_k` from growing
    without bound. For a fixed :math:`L_k` the minimum over :math:`s_k` is at
    :math:`e^{s_k} = 2 c_k L_k`, so the effective weight :math:`c_k e^{-s_k}` settles at
    :math:`1 / (2 L_k)`: each task ends up contributing on the same scale.

    Args:
        losses: one scalar loss per task.
        log_variances: a 1-D tensor of :math:`s_k`, one per task (usually a learnable parameter).
        kinds: ``"regression"`` or ``"classification"`` per task.

    Example:
        >>> uncertainty_weighted_sum([torch.tensor(2.0), torch.tensor(8.0)], torch.zeros(2), ["classification", "regression"])
        tensor(6.)
    """
    losses = _check_losses(losses)
    check_floating("log_variances", log_variances)
    kinds = _check_kinds(kinds)
    if log_variances.shape != (len(losses),):
        raise ValueError(
            f"log_variances must have shape ({len(losses)},), one per loss, got {tuple(log_variances.shape)}"
        )
    if len(kinds) != len(losses):
        raise ValueError(f"kinds must have one entry per loss: expected {len(losses)}, got {len(kinds)}")
    total = log_variances.new_zeros(())
    for loss, s, kind in zip(losses, log_variances, kinds):
        total = total + _SCALE[kind] * torch.exp(-s) * loss + 0.5 * s
    return total


class UncertaintyWeighting(nn.Module):
    """Learnable log-variances, one per task; call it on the list of task losses.

    Give its parameters to the optimizer together with the model's:
    ``torch.optim.Adam([*model.parameters(), *weighting.parameters()])``.

    Example:
        >>> weighting = UncertaintyWeighting(["classification", "regression"])
        >>> weighting([torch.tensor(2.0), torch.tensor(8.0)])
        tensor(6., grad_fn=<AddBackward0>)
        >>> weighting.weights()
        tensor([1.0000, 0.5000])
    """

    def __init__(self, kinds: Sequence[str], *, initial_log_variance: float = 0.0):
        super().__init__()
        self.kinds = _check_kinds(kinds)
        initial = check_real("initial_log_variance", initial_log_variance)
        self.log_variances = nn.Parameter(torch.full((len(self.kinds),), initial))

    def forward(self, losses: Sequence[torch.Tensor]) -> torch.Tensor:
        return uncertainty_weighted_sum(losses, self.log_variances, self.kinds)

    @torch.no_grad()
    def weights(self) -> torch.Tensor:
        r"""The effective weight :math:`c_k e^{-s_k}` each task's loss currently gets."""
        scale = torch.tensor([_SCALE[kind] for kind in self.kinds])
        return scale * torch.exp(-self.log_variances.detach())
