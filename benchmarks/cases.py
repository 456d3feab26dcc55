"""What is compared: each lossbook function beside its reference on the same inputs.

A case builds, for one batch size, the input tensors (the ones that receive
gradients) and two zero-argument callables returning the scalar loss — lossbook's
and the reference's. Batch sizes are chosen per family: elementwise losses see
``batch × 256`` values, pairwise losses ``batch`` embeddings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from lossbook.losses import regression

Built = tuple[list[torch.Tensor], Callable[[], torch.Tensor], Callable[[], torch.Tensor]]


@dataclass(frozen=True)
class Case:
    name: str
    reference: str
    target: float  # the ratio lossbook / reference the book promises not to exceed
    sizes: dict[str, int]
    build: Callable[[int, torch.Generator, torch.device], Built]


ELEMENTWISE_SIZES = {"small": 64, "medium": 1024, "large": 16384}
FEATURES = 256


def _regression_pair(batch: int, generator: torch.Generator, device: torch.device):
    input = torch.randn(batch, FEATURES, generator=generator).to(device).requires_grad_(True)
    target = (torch.randn(batch, FEATURES, generator=generator) * 2).to(device)
    return input, target


def elementwise_case(name: str, ours: Callable, reference: Callable, reference_name: str, **options) -> Case:
    def build(batch: int, generator: torch.Generator, device: torch.device) -> Built:
        input, target = _regression_pair(batch, generator, device)
        return [input], lambda: ours(input, target, **options), lambda: reference(input, target, **options)

    return Case(name, reference_name, 1.10, ELEMENTWISE_SIZES, build)


CASES: list[Case] = [
    elementwise_case("mse", regression.mse, F.mse_loss, "F.mse_loss"),
    elementwise_case("mae", regression.mae, F.l1_loss, "F.l1_loss"),
    elementwise_case("huber", regression.huber, F.huber_loss, "F.huber_loss", delta=1.0),
    elementwise_case("smooth_l1", regression.smooth_l1, F.smooth_l1_loss, "F.smooth_l1_loss", beta=1.0),
    elementwise_case(
        "rmse", regression.rmse, lambda input, target: F.mse_loss(input, target).sqrt(), "sqrt(F.mse_loss)"
    ),
]
