"""The ``reduction`` argument of every loss, applied in one place."""

from __future__ import annotations

import torch

from lossbook._validate import check_reduction


def reduce_loss(elementwise: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce per-element losses as ``torch.nn.functional`` does.

    ``"mean"`` averages over every element, ``"sum"`` adds them up and ``"none"``
    returns them unchanged (same shape as the input).
    """
    check_reduction(reduction)
    if reduction == "mean":
        return elementwise.mean()
    if reduction == "sum":
        return elementwise.sum()
    return elementwise
