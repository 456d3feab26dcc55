r"""Target and weight validation shared by the classification-style losses.

Cross-entropy, NLL, focal loss (:mod:`lossbook.losses.classification`), dice and mixed
cross-entropy (:mod:`lossbook.losses.nlp`) all take logits with a class dimension and
class-index or probability targets, an ``ignore_index`` and optional class weights. The
checks here give every one of them the same errors, naming the argument and what was
expected, and :func:`weighted_mean` the same 0 (never NaN) for a batch with nothing to count.

Validation stays cheap: each value check reads its verdict with one host sync, and
:func:`fused_index_loss` lets torch's CPU kernel check the class indices it reads anyway.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lossbook._validate import (
    check_floating,
    check_nonempty,
    check_reduction,
    check_tensor,
    check_int,
    check_probabilities,
    check_ranges,
    check_real,
    check_same_dtype,
    check_same_shape,
    checked_before,
    read_scalars,
    remember_checked,
)
from lossbook.losses.guards import PassedLeaf

__all__ = [
    "weight_range_check",
    "remember_weights",
    "check_broadcasts_to",
    "check_weight_tensor",
    "check_no_gradient",
    "class_layout",
    "check_class_weight",
    "check_class_loss_call",
    "check_index_dtype",
    "check_float_target",
    "check_index_target",
    "check_probability_target",
    "check_ignore_index",
    "check_label_smoothing",
    "fused_index_loss",
    "IndexPlan",
    "validated_call",
    "remember_call",
    "total_target_weight",
    "weighted_mean",
]


def check_broadcasts_to(name: str, tensor: torch.Tensor, shape: torch.Size, input_name: str = "input") -> None:
    try:
        broadcast = torch.broadcast_shapes(tensor.shape, shape)
    except RuntimeError:
        broadcast = None
    if broadcast != shape:
        raise ValueError(
            f"{name} must broadcast to the shape of {input_name} {tuple(shape)}: got shape {tuple(tensor.shape)}"
        )


_NON_NEGATIVE = (0.0, float("inf"))


def weight_range_check(name: str, weight: torch.Tensor) -> tuple | None:
    """The :func:`~lossbook._validate.check_ranges` entry for a weight (finite, ``>= 0``), or
    ``None`` when this very tensor passed it unchanged before (weights are made once, used every step)."""
    if checked_before(weight, _NON_NEGATIVE):
        return None
    return (name, weight, *_NON_NEGATIVE, "")


def remember_weights(*weights: torch.Tensor | None) -> None:
    for weight in weights:
        if weight is not None:
            remember_checked(weight, _NON_NEGATIVE)


def check_weight_tensor(name: str, weight: object, input: torch.Tensor) -> torch.Tensor:
    """A tensor of finite non-negative weights in the dtype of ``input``."""
    check_floating(name, weight)
    check_same_dtype("input", input, name, weight)
    check = weight_range_check(name, weight)
    if check is not None:
        check_ranges(check)
        remember_weights(weight)
    return weight


def check_no_gradient(name: str, tensor: torch.Tensor | None, function: str) -> None:
    """Refuse a weight that requires a gradient where torch's fused kernel has no derivative for it."""
    if tensor is not None and tensor.requires_grad:
        raise ValueError(
            f"{name} must not require a gradient: torch's {function} has no derivative for it, "
            f"got requires_grad=True; pass {name}.detach()"
        )


def class_layout(input: torch.Tensor) -> tuple[int, int]:
    """Class dimension and number of classes: ``(N, C, d1, ...)`` or unbatched ``(C,)``."""
    if input.dim() == 0:
        raise ValueError("input must have a class dimension, shape (N, C), (N, C, d1, ...) or (C,): got shape ()")
    class_dim = 1 if input.dim() >= 2 else 0
    return class_dim, input.shape[class_dim]


def check_class_weight(weight: object, input: torch.Tensor, num_classes: int, name: str = "weight"):
    if weight is None:
        return None
    check_weight_tensor(name, weight, input)
    if weight.shape != (num_classes,):
        raise ValueError(f"{name} must have one entry per class, shape ({num_classes},): got {tuple(weight.shape)}")
    return weight


def _index_shape(input: torch.Tensor, class_dim: int) -> torch.Size:
    return input.shape[:class_dim] + input.shape[class_dim + 1:]


def check_index_dtype(input: torch.Tensor, target: torch.Tensor, class_dim: int) -> torch.Tensor:
    """Class-index targets: an integer dtype and the shape of ``input`` without its class dimension.

    Returns the targets as int64 (no copy when they already are).
    """
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"target must hold integer class indices, got dtype {target.dtype}; convert it with target.long()")
    expected = _index_shape(input, class_dim)
    if target.shape != expected:
        raise ValueError(
            f"target must have the shape of input without its class dimension: "
            f"expected {tuple(expected)}, got {tuple(target.shape)}"
        )
    return target.long()


def check_float_target(input: torch.Tensor, target: torch.Tensor, class_dim: int | None, accepted: str) -> None:
    """A floating target whose shape is that of class indices is a dtype mistake, not a shape one.

    ``accepted`` names what a floating target must be for this loss, e.g. "probability
    targets with the shape of input".
    """
    if class_dim is not None and target.shape != input.shape and target.shape == _index_shape(input, class_dim):
        raise TypeError(
            f"target has the shape of class indices {tuple(target.shape)} but dtype {target.dtype}: "
            f"class indices must be integers (target.long()); a floating target must be {accepted}"
        )


def check_index_target(
    input: torch.Tensor, target: torch.Tensor, class_dim: int, num_classes: int, ignore_index: int | None
) -> tuple[torch.Tensor, bool]:
    """Class-index targets: integer, input's shape without the class dimension, values in [0, C).

    Returns the targets as int64 and whether any of them equals ``ignore_index``. The
    common case, every index in [0, C), costs one pass and one sync; only an
    ``ignore_index`` between the smallest and largest index asks whether it occurs.
    """
    target = check_index_dtype(input, target, class_dim)
    if target.numel() == 0:
        return target, False
    low, high = read_scalars(*torch.aminmax(target))
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
    check_float_target(input, target, class_dim, "probability targets with the shape of input")
    check_same_shape("input", input, "target", target)
    check_same_dtype("input", input, "target", target)
    check_probabilities("target", target, class_dim=class_dim, hint=" (probability targets)")


def check_class_loss_call(
    input: object, target: object, weight: object, reduction: object, ignore_index: object
) -> tuple[int, int, int]:
    """The checks of a class-dimension loss's first call with a new signature (see :func:`validated_call`):
    the reduction, floating non-empty logits, a target tensor, ``ignore_index`` and the class weights.

    Returns ``(ignore_index, class_dim, num_classes)``.
    """
    check_reduction(reduction)
    check_floating("input", input)
    check_tensor("target", target)
    check_nonempty("input", input)
    ignore_index = check_ignore_index(ignore_index)
    class_dim, num_classes = class_layout(input)
    check_class_weight(weight, input, num_classes)
    return ignore_index, class_dim, num_classes


def check_ignore_index(ignore_index: object) -> int:
    return check_int("ignore_index", ignore_index)


def check_label_smoothing(label_smoothing: object, name: str = "label_smoothing") -> float:
    return check_real(name, label_smoothing, minimum=0.0, maximum=1.0)


class IndexPlan(PassedLeaf):
    """What the checks of a class-index loss (``cross_entropy``, ``nll``) found for one call
    signature (see :func:`validated_call`), and the last leaf input its guard passed there.

    ``class_dim``, ``num_classes`` and ``label_smoothing`` (``None`` for ``nll``) are what the
    shape and option checks returned; as a :class:`~lossbook.losses.guards.PassedLeaf` it
    holds the last input without autograd history that the loss's guard passed at this
    signature, so that input passed again unchanged is not looked at again.
    ``counted_target`` holds, the same way, the last target whose unweighted ``"mean"`` had
    something to count (see :func:`fused_index_loss`).
    """

    __slots__ = ("class_dim", "num_classes", "label_smoothing", "counted_target")

    def __init__(self, class_dim: int, num_classes: int, label_smoothing: float | None = None):
        super().__init__()
        self.class_dim = class_dim
        self.num_classes = num_classes
        self.label_smoothing = label_smoothing
        self.counted_target = PassedLeaf()


# Shape-and-option checks that passed, by call signature (see validated_call).
_validated_calls: dict[tuple, IndexPlan] = {}


def validated_call(
    loss: str, input: object, target: object, weight: object, reduction: object, ignore_index: object, option: object = None
) -> tuple[tuple | None, IndexPlan | None]:
    """The call's signature, and what the shape, dtype and option checks found for it before.

    Those checks read nothing but the signature (shapes, dtypes, whether there is a weight,
    the options, each with its type so that ``True`` never passes for ``1``), so a signature
    that passed them once passes them again and the loss skips them. The *values* of the
    targets and weights are checked at every call. The signature starts with the ``loss``'s name,
    so two losses never take each other's findings. It is ``None`` when an argument is not a
    tensor or an option is unhashable: the full checks then explain.
    """
    try:
        # reduction needs no type beside it: only the three names pass, and a str subclass equal
        # to one of them is that name to torch too.
        key = (loss, input.shape, input.dtype, target.shape, target.dtype, weight is None, reduction,
               ignore_index, type(ignore_index), option, type(option))
        return key, _validated_calls.get(key)
    except (AttributeError, TypeError):
        return None, None


def remember_call(key: tuple | None, plan: IndexPlan) -> None:
    if key is not None:
        if len(_validated_calls) > 4096:
            _validated_calls.clear()
        _validated_calls[key] = plan


def fused_index_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    plan: IndexPlan,
    weight: torch.Tensor | None,
    ignore_index: int,
    reduction: str,
) -> torch.Tensor:
    """``F.cross_entropy`` (with the ``plan``'s ``label_smoothing``) or ``F.nll_loss`` (without) on
    class-index targets whose dtype and shape :func:`check_index_dtype` accepted, with the layout
    the ``plan`` records for this call signature; their values are checked here.

    torch's CPU kernel checks every index it reads and raises ``IndexError`` for one out
    of range, so on the CPU the indices are not read twice: the kernel's error is replaced
    by the message of :func:`check_index_target`. On other devices an out-of-range index
    is a device-side assert that ends the process, so they are checked first (one sync).

    ``"mean"`` divides by :math:`\\sum_n w_{y_n}` over the targets that are not ignored, as
    torch does, except that a total weight of 0 (every target ignored, or of weight 0) gives
    0 with a zero gradient where torch gives NaN. On the CPU that case is recognised from
    torch's NaN, read from the scalar loss (nothing waits there). Without class weights, a
    target whose mean was a number once has something to count for as long as it is
    unchanged (the ``plan`` fixes ``ignore_index`` and the shapes), so a target passed again,
    as an evaluation set or a full batch is, is not read again.
    """
    class_dim, num_classes, label_smoothing = plan.class_dim, plan.num_classes, plan.label_smoothing
    given = target
    if target.dtype != torch.int64:
        target = target.long()
    if not input.is_cpu:
        target, any_ignored = check_index_target(input, target, class_dim, num_classes, ignore_index)
        if reduction != "mean" or (weight is None and not any_ignored):
            return _index_kernel(input, target, weight, ignore_index, reduction, label_smoothing)
        total = _index_kernel(input, target, weight, ignore_index, "sum", label_smoothing)
        return weighted_mean(total, total_target_weight(target, weight, ignore_index, input.dtype))
    try:
        loss = _index_kernel(input, target, weight, ignore_index, reduction, label_smoothing)
    except IndexError:
        check_index_target(input, target, class_dim, num_classes, ignore_index)
        raise
    if reduction != "mean" or (weight is None and plan.counted_target.holds(given)):
        return loss
    # A NaN mean comes from NaN/inf logits (kept: it propagates) or from a total weight of 0.
    value = loss.item()
    if value == value:
        if weight is None:
            plan.counted_target.hold(given)
        return loss
    total_weight = total_target_weight(target, weight, ignore_index, input.dtype)
    if not bool(total_weight > 0):
        return weighted_mean(_index_kernel(input, target, weight, ignore_index, "sum", label_smoothing), total_weight)
    return loss


# What F.nll_loss and F.cross_entropy call once their own checks pass (the losses here made them
# already): at 64 rows the wrapper's checks are a few percent of the whole step.
_NLL_KERNEL = getattr(torch._C._nn, "nll_loss_nd", None)
_CROSS_ENTROPY_KERNEL = getattr(torch._C._nn, "cross_entropy_loss", None)
# torch's codes for the reductions, which its kernels take in place of the names.
REDUCTION_CODES = {"none": 0, "mean": 1, "sum": 2}


def _index_kernel(input, target, weight, ignore_index, reduction, label_smoothing):
    if label_smoothing is None:
        if _NLL_KERNEL is None or not type(input) is torch.Tensor:
            return F.nll_loss(input, target, weight=weight, ignore_index=ignore_index, reduction=reduction)
        return _NLL_KERNEL(input, target, weight, REDUCTION_CODES[reduction], ignore_index)
    if _CROSS_ENTROPY_KERNEL is None or not type(input) is torch.Tensor:
        return F.cross_entropy(
            input, target, weight=weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
        )
    return _CROSS_ENTROPY_KERNEL(input, target, weight, REDUCTION_CODES[reduction], ignore_index, label_smoothing)


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
