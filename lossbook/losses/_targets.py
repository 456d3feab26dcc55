r"""Target and weight validation shared by the classification-style losses.

Cross-entropy, NLL, focal loss (:mod:`lossbook.losses.classification`), dice and mixed
cross-entropy (:mod:`lossbook.losses.nlp`) all take logits with a class dimension and
class-index or probability targets, an ``ignore_index`` and optional class weights. The
checks here give every one of them the same errors, naming the argument and what was
expected, and :func:`weighted_mean` the same 0 (never NaN) for a batch with nothing to count.
"""

from __future__ import annotations

import torch

from lossbook._validate import check_floating, check_real, check_same_dtype, check_same_shape, check_tensor

__all__ = [
    "check_range",
    "check_broadcasts_to",
    "check_weight_tensor",
    "class_layout",
    "check_class_weight",
    "check_index_target",
    "check_probability_target",
    "check_ignore_index",
    "check_label_smoothing",
    "total_target_weight",
    "weighted_mean",
]


def check_range(name: str, tensor: torch.Tensor, low: float, high: float, hint: str = "") -> None:
    """Require every value in ``[low, high]``; NaN fails too."""
    values = tensor.detach()
    if values.numel() == 0:
        return
    smallest, largest = torch.aminmax(values)
    if not (smallest.item() >= low and largest.item() <= high):
        raise ValueError(
            f"{name} must hold values in [{low:g}, {high:g}]{hint}: "
            f"got values from {smallest.item():.4g} to {largest.item():.4g}"
        )


def check_broadcasts_to(name: str, tensor: torch.Tensor, shape: torch.Size, input_name: str = "input") -> None:
    try:
        broadcast = torch.broadcast_shapes(tensor.shape, shape)
    except RuntimeError:
        broadcast = None
    if broadcast != shape:
        raise ValueError(
            f"{name} must broadcast to the shape of {input_name} {tuple(shape)}: got shape {tuple(tensor.shape)}"
        )


def check_weight_tensor(name: str, weight: torch.Tensor, input: torch.Tensor) -> torch.Tensor:
    check_floating(name, weight)
    check_same_dtype("input", input, name, weight)
    check_range(name, weight, 0.0, float("inf"))
    return weight


def class_layout(input: torch.Tensor) -> tuple[int, int]:
    """Class dimension and number of classes: ``(N, C, d1, ...)`` or unbatched ``(C,)``."""
    if input.dim() == 0:
        raise ValueError("input must have a class dimension, shape (N, C), (N, C, d1, ...) or (C,): got shape ()")
    class_dim = 1 if input.dim() >= 2 else 0
    return class_dim, input.shape[class_dim]


def check_class_weight(weight: torch.Tensor | None, input: torch.Tensor, num_classes: int, name: str = "weight"):
    if weight is None:
        return None
    check_tensor(name, weight)
    check_weight_tensor(name, weight, input)
    if weight.shape != (num_classes,):
        raise ValueError(f"{name} must have one entry per class, shape ({num_classes},): got {tuple(weight.shape)}")
    return weight


def check_index_target(
    input: torch.Tensor, target: torch.Tensor, class_dim: int, num_classes: int, ignore_index: int | None
) -> tuple[torch.Tensor, bool]:
    """Class-index targets: integer, input's shape without the class dimension, values in [0, C).

    Returns the targets as int64 and whether any of them equals ``ignore_index``.
    """
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"target must hold integer class indices, got dtype {target.dtype}")
    expected = input.shape[:class_dim] + input.shape[class_dim + 1:]
    if target.shape != expected:
        raise ValueError(
            f"target must have the shape of input without its class dimension: "
            f"expected {tuple(expected)}, got {tuple(target.shape)}"
        )
    target = target.long()
    # The common case in one pass over the N targets: every index in [0, C).
    low, high = (bound.item() for bound in torch.aminmax(target))
    if low >= 0 and high < num_classes:
        ignored = ignore_index is not None and low <= ignore_index <= high and bool((target == ignore_index).any())
        return target, ignored
    valid = target != ignore_index if ignore_index is not None else torch.ones_like(target, dtype=torch.bool)
    in_range = (target >= 0) & (target < num_classes)
    if not bool((in_range | ~valid).all()):
        bad = target[valid & ~in_range]
        ignore = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
        raise ValueError(
            f"target must hold class indices in [0, {num_classes - 1}]{ignore}: got {bad.min().item()}"
            + (f" to {bad.max().item()}" if bad.numel() > 1 else "")
        )
    return target, True  # out-of-range values that passed are all ignore_index


def check_probability_target(input: torch.Tensor, target: torch.Tensor, class_dim: int) -> None:
    """Probability targets: same shape and dtype as input, each slice a distribution over classes."""
    check_same_shape("input", input, "target", target)
    check_same_dtype("input", input, "target", target)
    check_range("target", target, 0.0, 1.0, " (probability targets)")
    sums = target.detach().sum(dim=class_dim, dtype=torch.float32)
    tolerance = max(1e-3, target.shape[class_dim] * torch.finfo(target.dtype).eps)
    if not bool(((sums - 1).abs() <= tolerance).all()):
        raise ValueError(
            f"target rows must sum to 1 along the class dimension (probability targets): "
            f"got sums from {sums.min().item():.4g} to {sums.max().item():.4g}"
        )


def check_ignore_index(ignore_index: object) -> int:
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
        raise TypeError(f"ignore_index must be an int, got {type(ignore_index).__name__}")
    return ignore_index


def check_label_smoothing(label_smoothing: object) -> float:
    epsilon = check_real("label_smoothing", label_smoothing, minimum=0.0)
    if epsilon > 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing!r}")
    return epsilon


def total_target_weight(
    target: torch.Tensor, weight: torch.Tensor | None, ignore_index: int, dtype: torch.dtype
) -> torch.Tensor:
    """The denominator of the weighted mean: :math:`\\sum_n w_{y_n}` over targets that are not ignored."""
    valid = target != ignore_index
    if weight is None:
        return valid.sum().to(dtype)
    return (weight[torch.where(valid, target, torch.zeros_like(target))] * valid).sum()


def weighted_mean(total: torch.Tensor, total_weight: torch.Tensor) -> torch.Tensor:
    # A batch whose targets are all ignored has total weight 0: return 0, not 0/0 = NaN
    # (the safe denominator keeps the unused branch, and so the gradient, free of NaN).
    positive = total_weight > 0
    safe = torch.where(positive, total_weight, torch.ones_like(total_weight))
    return torch.where(positive, total / safe, torch.zeros_like(total))
