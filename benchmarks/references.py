"""Reference implementations written out from other libraries' sources, for libraries not installed here.

The benchmarks time lossbook against them and the package tests compare values with them;
one copy serves both (``tests/`` imports from here, never the other way round).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def torchvision_sigmoid_focal_loss(
    inputs: torch.Tensor, targets: torch.Tensor, alpha: float = 0.25, gamma: float = 2.0, reduction: str = "none"
) -> torch.Tensor:
    """``torchvision.ops.sigmoid_focal_loss`` as torchvision writes it (torchvision/ops/focal_loss.py).

    p = sigmoid(x); ce = BCE-with-logits; p_t = p y + (1 - p)(1 - y);
    loss = ce (1 - p_t)^gamma; alpha_t = alpha y + (1 - alpha)(1 - y) when alpha >= 0.
    """
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
