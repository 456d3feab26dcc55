r"""Classification losses: BCE, BCE with logits, cross-entropy, NLL and focal loss.

Each function follows ``torch.nn.functional``: ``(input, target, *, ..., reduction="mean")``,
with the same option names, meanings and defaults where torch has the loss. Losses
take **logits** unless the name says otherwise (``bce`` takes probabilities, ``nll``
takes log-probabilities). The logit losses run the double-softmax guard of
:mod:`lossbook.losses.guards` on their input.

Also here: soft targets for label smoothing and *semantic* smoothing, and class-weight
helpers for imbalanced data (inverse frequency, effective number, ``pos_weight``).

The formulas are written out in the docstrings and, line by line, in the Classification
chapter. Where PyTorch has the same loss (BCE, cross-entropy, NLL) the computation is
PyTorch's fused kernel, called once the inputs are validated: it makes one or two passes
over the logits where the written-out formula makes half a dozen, and keeps fewer
intermediate tensors for the backward pass (see ``benchmarks/``). BCE with logits (and the
cross-entropy terms of the binary focal loss) keep torch's kernel only where it is provably
precise, and otherwise use a stable form, because torch's kernel rounds the small loss of a
confident, correct negative to 0. What this module adds is strict validation, the
double-softmax guard, and the documented deviations from torch, handled explicitly around
the fused call (an all-ignored batch gives 0, not NaN).

Validation stays cheap. The shape, dtype and option checks of cross-entropy and NLL run
once per call signature (see :func:`lossbook.losses._targets.validated_call`); torch's CPU
kernel checks the class indices it reads anyway, so they are not read twice; a weight is
checked once until it changes; each value check costs at most one host sync; and the
guard reads no values when autograd shows the logits come straight from a layer.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F

from lossbook._validate import (
    check_float_dtype,
    check_floating,
    check_in_range,
    check_int,
    check_nonempty,
    check_pair,
    check_ranges,
    read_scalars,
    check_real,
    checked_before,
    remember_checked,
    remember_value,
    remembered_value,
    tensor_version,
    check_reduction,
    check_tensor,
)
from lossbook.losses.guards import check_log_probabilities, check_logits
from lossbook.losses._targets import (
    check_broadcasts_to,
    check_class_loss_call,
    check_class_weight,
    check_float_target,
    check_ignore_index,
    check_index_dtype,
    check_index_target,
    check_label_smoothing,
    check_no_gradient,
    check_probability_target,
    class_layout,
    IndexPlan,
    fused_index_loss,
    weight_range_check,
    remember_weights,
    validated_call,
    remember_call,
    weighted_mean,
    REDUCTION_CODES,
)
from lossbook.losses._reduction import reduce_loss

__all__ = [
    "bce",
    "bce_with_logits",
    "cross_entropy",
    "nll",
    "focal_loss",
    "label_smoothing_targets",
    "semantic_smoothing_targets",
    "class_counts",
    "inverse_frequency_weights",
    "effective_number_weights",
    "pos_weight_from_targets",
]

# ---------------------------------------------------------------------------------------
# binary losses
# ---------------------------------------------------------------------------------------


def bce(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Binary cross-entropy from **probabilities** (the output of a sigmoid).

    .. math:: \ell_i = -w_i\left[y_i \log p_i + (1 - y_i)\log(1 - p_i)\right]

    Each log is clamped at :math:`-100`, as torch does, so :math:`p = 0` or :math:`1`
    gives a loss of at most 100 instead of infinity; the gradient
    :math:`w\,(p - y) / \max(p(1-p), 10^{-12})` stays finite there too. Prefer :func:`bce_with_logits`:
    once a sigmoid has rounded to exactly 0 or 1 the information is gone, the loss is
    stuck at the clamp and the gradient through the sigmoid is 0 (the saturation the
    classification chapter shows).

    Args:
        input: probabilities :math:`p \in [0, 1]`, any shape, floating point.
        target: labels :math:`y \in [0, 1]` (hard 0/1 or soft), same shape and dtype.
        weight: optional rescaling :math:`w`, broadcastable to ``input``.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        ``input`` and ``target``: :math:`(*)`. Output: scalar, or :math:`(*)` for ``"none"``.

    Computed by torch's ``binary_cross_entropy`` kernel once the inputs are validated. On the
    CPU that kernel checks every probability and label it reads (NaN fails too), so there the
    values are not read twice: its error is replaced by this function's message.

    Example:
        >>> bce(torch.tensor([0.9, 0.2]), torch.tensor([1.0, 0.0]), reduction="none")
        tensor([0.1054, 0.2231])
    """
    check_reduction(reduction)
    check_pair(input, target)
    ranges = [
        ("input", input, *_UNIT_INTERVAL, " (bce takes probabilities; for logits use bce_with_logits)"),
        ("target", target, *_UNIT_INTERVAL, ""),
    ]
    weight_check = None
    if weight is not None and not _weight_known("weight", weight, input):
        weight_check = _check_elementwise_weight("weight", weight, input, "binary_cross_entropy")
    if not (input.is_cpu and _CPU_KERNEL_CHECKS_PROBABILITIES):
        # Elsewhere a value out of range is a device-side assert that ends the process: check first.
        check_ranges(*ranges, *([weight_check] if weight_check is not None else []))
    elif weight_check is not None:
        check_ranges(weight_check)
    if weight_check is not None:
        remember_weights(weight)
        remember_checked(weight, ("weight", input.dtype, _weight_layout("weight", input)))
    try:
        if type(input) is not torch.Tensor:  # a subclass goes through F for its __torch_function__
            return F.binary_cross_entropy(input, target, weight=weight, reduction=reduction)
        # What F.binary_cross_entropy calls once its own checks, made above, pass.
        expanded_weight = None if weight is None else weight.expand(input.shape)
        return torch._C._nn.binary_cross_entropy(input, target, expanded_weight, REDUCTION_CODES[reduction])
    except RuntimeError:
        check_ranges(*ranges)  # raises with the argument's name and the values found
        raise


def _kernel_checks_probabilities() -> bool:
    """Whether torch's CPU ``binary_cross_entropy`` refuses a probability or label outside [0, 1] or NaN."""
    def refused(input: float, target: float) -> bool:
        try:
            torch._C._nn.binary_cross_entropy(torch.tensor([input]), torch.tensor([target]), None, 1)
        except RuntimeError:
            return True
        return False

    return all(refused(*case) for case in ((math.nan, 1.0), (1.5, 1.0), (0.5, math.nan), (0.5, -0.5)))


_CPU_KERNEL_CHECKS_PROBABILITIES = _kernel_checks_probabilities()


def _check_elementwise_weight(name: str, weight: object, input: torch.Tensor, kernel: str):
    """Kind, dtype, gradient and shape of a ``weight`` or ``pos_weight``; returns its range check for :func:`check_ranges`."""
    check_floating(name, weight)
    if weight.dtype != input.dtype:
        raise TypeError(f"{name} must have the same dtype as input: expected {input.dtype}, got {weight.dtype}")
    check_no_gradient(name, weight, kernel)
    if name == "pos_weight":
        if weight.dim() > 1 or (weight.dim() == 1 and weight.shape[0] not in (1, input.shape[-1])):
            raise ValueError(
                f"pos_weight must have shape () or (C,) with C = input.shape[-1] = {input.shape[-1]}: "
                f"got {tuple(weight.shape)}"
            )
    else:
        check_broadcasts_to(name, weight, input.shape)
    return weight_range_check(name, weight)


def _weight_layout(name: str, input: torch.Tensor) -> object:
    return input.shape[-1] if name == "pos_weight" else input.shape


def _weight_known(name: str, weight: object, input: torch.Tensor) -> bool:
    """Whether this very ``weight`` passed :func:`_check_elementwise_weight` for input of this dtype and shape,
    unchanged since; ``requires_grad`` can change without a new version, so it is looked at each time."""
    return (
        isinstance(weight, torch.Tensor) and not weight.requires_grad
        and checked_before(weight, (name, input.dtype, _weight_layout(name, input)))
    )


class _StableBinaryCrossEntropy(torch.autograd.Function):
    r""":math:`(1-y)\,\operatorname{softplus}(x) + p\,y\,\operatorname{softplus}(-x)`, times ``weight``, reduced.

    torch's kernel computes :math:`(1-y)\,x - (1 + (p-1)y)\log\sigma(x)`, whose two terms
    cancel for a confident correct negative (:math:`y = 0`, :math:`x = -17`: :math:`-17 + 17.00000004`
    rounds to 0 in float32, where the loss is 4.14e-8). Here both softplus terms share
    their tail :math:`t = \log(1 + e^{-|x|}) = -\log\sigma(|x|)`:
    :math:`\ell = w\,t + (1-y)\max(x, 0) + p\,y\max(-x, 0)` with :math:`w = 1 + (p-1)y`, three
    non-negative terms, the tail added last (without ``pos_weight``, :math:`\max(x, 0) - y\,x`, which is
    exact at :math:`y \in \{0, 1\}` and never negative, stands for the first two).
    The backward pass is the closed form :math:`w\,\sigma(x) - p\,y` (and, for a target
    that needs a gradient, :math:`p\operatorname{softplus}(-x) - \operatorname{softplus}(x)`).
    One transcendental function each way and one autograd node, reduction included, as in
    torch's kernel.
    """

    @staticmethod
    def forward(ctx, input, target, pos_weight, weight, reduction):
        tail = F.logsigmoid(input.abs())  # -log(1 + e^{-|x|}), never rounds to log 0
        loss = input.clamp_min(0)
        if pos_weight is None:
            # max(x, 0) - y x is (1 - y) x for x >= 0 and y |x| below: no cancellation.
            loss.addcmul_(target, input, value=-1).sub_(tail)
        else:
            log_weight = _positive_weighting(pos_weight, target)
            # (1 - y) max(x, 0) + p y max(-x, 0) + w t: three non-negative terms, so nothing cancels for
            # any y in [0, 1]. (w max(x, 0) - p y x is 0 at y = 1 only if w rounds to exactly p and no
            # fused multiply-add keeps the rounding error of p x: x = 30.8, p = 2.45 gave 3.4e-6, not 1e-13.)
            loss.mul_(1 - target).addcmul_(pos_weight * target, input.clamp_max(0), value=-1)
            loss.addcmul_(log_weight, tail, value=-1)
        if weight is not None:
            loss = loss.mul_(weight) if loss.shape == torch.broadcast_shapes(loss.shape, weight.shape) else loss * weight
        # Only the arguments are kept for the backward pass (as torch's kernel does): less memory held.
        ctx.save_for_backward(input, target, pos_weight, weight)
        ctx.reduction = reduction
        if reduction == "mean":
            return loss.mean()
        return loss.sum() if reduction == "sum" else loss

    @staticmethod
    def backward(ctx, grad_output):
        input, target, pos_weight, weight = ctx.saved_tensors
        if ctx.reduction == "mean":
            grad_output = grad_output / input.numel()
        scale = grad_output if weight is None else grad_output * weight
        # In place where no graph of the gradient is wanted; out of place for a double backward.
        in_place = not torch.is_grad_enabled()
        grad_input = torch.sigmoid(input)
        if pos_weight is None:
            grad_input = grad_input.sub_(target) if in_place else grad_input - target
        elif in_place:
            grad_input.mul_(_positive_weighting(pos_weight, target)).addcmul_(pos_weight, target, value=-1)
        else:
            grad_input = grad_input * _positive_weighting(pos_weight, target) - pos_weight * target
        # scale broadcasts to the shape of input (weight was checked to), so in place is always possible.
        grad_input = grad_input.mul_(scale) if in_place else grad_input * scale
        grad_target = None
        if ctx.needs_input_grad[1]:
            if pos_weight is None:
                grad_target = -input * scale  # d/dy [softplus(x) - y x]
            else:
                grad_target = (pos_weight * F.softplus(-input) - F.softplus(input)) * scale
        return grad_input, grad_target, None, None, None


def _positive_weighting(pos_weight: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r""":math:`w = (1 - y) + p\,y`, two non-negative terms: exact at :math:`y \in \{0, 1\}` for any
    :math:`p` (torch's :math:`1 + (p - 1)\,y` rounds :math:`p = 10^{-9}` to 0 at :math:`y = 1`)."""
    return torch.addcmul(1 - target, pos_weight, target)


def _binary_cross_entropy_terms(input, target, pos_weight=None, weight=None, reduction="none"):
    return _StableBinaryCrossEntropy.apply(input, target, pos_weight, weight, reduction)


def bce_with_logits(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    weight: torch.Tensor | None = None,
    pos_weight: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Binary cross-entropy from **logits**: sigmoid and BCE fused, numerically stable.

    .. math::

        \ell_i = -w_i\left[\,p_w\, y_i \log\sigma(x_i) + (1 - y_i)\log\sigma(-x_i)\right]

    computed as :math:`(1-y_i)\operatorname{softplus}(x_i) + p_w y_i \operatorname{softplus}(-x_i)`
    with every term non-negative, so a confident correct prediction keeps its small loss
    (:math:`y = 0`, :math:`x = -17`: 4.14e-8 in float32, where torch's kernel rounds to 0)
    and no :math:`\log 0` ever appears. Its gradient is :math:`w\,[(1-y) + p_w y]\,\sigma(x) - w\,p_w y`
    (plain :math:`\sigma(x) - y` without weights): large whenever the prediction is
    confidently wrong, however large :math:`|x|` is.

    ``pos_weight`` :math:`p_w` multiplies the loss of positive labels; with
    :math:`p_w = n_\text{neg}/n_\text{pos}` (see :func:`pos_weight_from_targets`) the
    positives weigh as much in total as the negatives.

    Args:
        input: logits :math:`x`, any shape, floating point.
        target: labels :math:`y \in [0, 1]`, same shape and dtype as ``input``.
        weight: optional rescaling :math:`w`, broadcastable to ``input``.
        pos_weight: optional weight of positives, one per class along the last
            dimension: shape ``()`` or ``(C,)`` with ``C = input.shape[-1]``.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        ``input`` and ``target``: :math:`(*)`. Output: scalar, or :math:`(*)` for ``"none"``.

    Equal to :func:`torch.nn.functional.binary_cross_entropy_with_logits` up to rounding,
    and more precise where the loss is far below :math:`|x|` (see above). A ``"mean"`` or
    ``"sum"`` in float32/float64 is torch's fused kernel whenever a bound from the smallest
    logit proves its error at most 256 eps of the result (almost every training batch), and
    the stable form otherwise (a batch of confident, correct predictions); ``"none"`` and half
    precision always take the stable form. ``weight`` and ``pos_weight`` receive
    no gradient (as in torch). Warns (see :mod:`lossbook.losses.guards`) when ``input`` looks like
    sigmoid outputs.

    Example:
        >>> bce_with_logits(torch.tensor([2.0, -1.0]), torch.tensor([1.0, 0.0]), reduction="none")
        tensor([0.1269, 0.3133])
    """
    plan = _reusable_plan(input, target, weight, pos_weight, reduction)
    if plan is not None:
        # The same target, weights and layout as a call that passed every check: only the logits are new.
        fused = torch.binary_cross_entropy_with_logits(input, target, weight, pos_weight, REDUCTION_CODES[reduction])
        check_logits(input, loss="bce_with_logits", advice=_BCE_WITH_LOGITS_ADVICE, class_dim=None)
        reduced = fused.item()
        if (reduced / input.numel() if reduction == "sum" else reduced) >= plan.smallest_precise_mean:
            return fused
        return _binary_cross_entropy_terms(input, target, pos_weight, weight, reduction)
    check_reduction(reduction)
    check_pair(input, target)
    checks = []
    # Targets held fixed across steps (full-batch training, an evaluation set) are read once per version, like weights.
    target_known = checked_before(target, _UNIT_INTERVAL)
    if not target_known:
        checks.append(("target", target, *_UNIT_INTERVAL, ""))
    pos_weight_check = weight_check = None
    pos_weight_known = pos_weight is None or _weight_known("pos_weight", pos_weight, input)
    if not pos_weight_known:
        pos_weight_check = _check_elementwise_weight("pos_weight", pos_weight, input, "binary_cross_entropy_with_logits")
    weight_known = weight is None or _weight_known("weight", weight, input)
    if not weight_known:
        weight_check = _check_elementwise_weight("weight", weight, input, "binary_cross_entropy_with_logits")
    checks += [check for check in (pos_weight_check, weight_check) if check is not None]
    fused, extra = None, ()
    if reduction != "none" and input.dtype in _FUSED_DTYPES:
        # torch's kernel first, so that the checks and the facts its precision rule needs share one read.
        # (torch.binary_cross_entropy_with_logits is what F.binary_cross_entropy_with_logits calls once its
        # checks, made above, pass.) Labels known to be hard 0/1 need no look at the logits.
        fused = torch.binary_cross_entropy_with_logits(input, target, weight, pos_weight, REDUCTION_CODES[reduction])
        hard_labels = target_known and _hard_labels(target)
        extra = (fused.detach(),) if hard_labels else (fused.detach(), torch.amin(input.detach()))
        if weight is not None and weight_check is None and remembered_value(weight, _LARGEST) is None:
            extra += (weight.detach().amax(),)
    if checks:
        bounds, extra_values = check_ranges(*checks, extra=extra)
        found = dict(zip((id(check[1]) for check in checks), bounds))
    else:
        extra_values, found = read_scalars(*extra) if extra else (), {}
    if not target_known:
        remember_checked(target, _UNIT_INTERVAL)
    for name, tensor, known in (("pos_weight", pos_weight, pos_weight_known), ("weight", weight, weight_known)):
        if tensor is not None and not known:
            remember_weights(tensor)
            remember_checked(tensor, (name, input.dtype, _weight_layout(name, input)))
    check_logits(input, loss="bce_with_logits", advice=_BCE_WITH_LOGITS_ADVICE, class_dim=None)
    if fused is not None:
        largest_weight = 1.0
        if weight is not None:
            largest_weight = remembered_value(weight, _LARGEST)
            if largest_weight is None:
                largest_weight = found[id(weight)][1] if id(weight) in found else extra_values[-1]
                remember_value(weight, _LARGEST, largest_weight)
        smallest_precise_mean = _smallest_precise_mean(
            dtype=input.dtype,
            count=input.numel(),
            largest_weight=largest_weight,
            weight_rounding=_pos_weight_rounding(pos_weight, found.get(id(pos_weight))),
            smallest_logit=None if hard_labels else extra_values[1],
        )
        if hard_labels:
            _remember_plan(input, target, weight, pos_weight, reduction, smallest_precise_mean)
        mean_loss = extra_values[0] / input.numel() if reduction == "sum" else extra_values[0]
        if mean_loss >= smallest_precise_mean:
            return fused
    return _binary_cross_entropy_terms(input, target, pos_weight, weight, reduction)


class _Plan(NamedTuple):
    """What a :func:`bce_with_logits` call with hard labels found, kept on its target.

    The plan holds its weights themselves (not their ids, which a new tensor could reuse) at the
    versions it saw; it is good for a later call with this very target, these very weights, the
    same shape, dtype and reduction, and weights that still need no gradient.
    """

    weight: torch.Tensor | None
    weight_version: int | None
    pos_weight: torch.Tensor | None
    pos_weight_version: int | None
    shape: torch.Size
    dtype: torch.dtype
    reduction: str
    smallest_precise_mean: float


_PLAN = "bce_with_logits plan"


def _remember_plan(input, target, weight, pos_weight, reduction, smallest_precise_mean) -> None:
    versions = [None if tensor is None else tensor_version(tensor) for tensor in (weight, pos_weight)]
    if all(version is not None for version, tensor in zip(versions, (weight, pos_weight)) if tensor is not None):
        plan = _Plan(weight, versions[0], pos_weight, versions[1], input.shape, input.dtype, reduction, smallest_precise_mean)
        remember_value(target, _PLAN, plan)


def _reusable_plan(input, target, weight, pos_weight, reduction) -> _Plan | None:
    plan = remembered_value(target, _PLAN) if isinstance(target, torch.Tensor) else None
    if (
        plan is None or plan.weight is not weight or plan.pos_weight is not pos_weight
        or not isinstance(input, torch.Tensor) or plan.shape != input.shape or plan.dtype != input.dtype
        or plan.reduction != reduction
    ):
        return None
    for tensor, version in ((weight, plan.weight_version), (pos_weight, plan.pos_weight_version)):
        if tensor is not None and (tensor.requires_grad or tensor_version(tensor) != version):
            return None
    return plan


_LARGEST = "largest value"
_HARD_LABELS = "every value 0 or 1"
_ROUNDING_OF_POSITIVE_WEIGHT = "rounding of 1 + (p - 1) y"
_UNIT_INTERVAL = (0.0, 1.0)
# Half precision (eps 2^-10, 2^-7) goes straight to the stable form: 256 eps would be no precision at all.
_FUSED_DTYPES = (torch.float32, torch.float64)
# The reduced loss from torch's kernel is used when its error is at most this many eps of its value.
_ALLOWED_ERROR_IN_EPS = 256


def _hard_labels(target: torch.Tensor) -> bool:
    """Whether every label is exactly 0 or 1, read once per version of a target seen before.

    Asked only of targets that passed their range check at an earlier call (a target used once
    is never read for it); the answer is kept on the target until it changes in place.
    """
    hard = remembered_value(target, _HARD_LABELS)
    if hard is None:
        values = target.detach()
        hard = not bool(((values != 0) & (values != 1)).any())
        remember_value(target, _HARD_LABELS, hard)
    return hard


def _pos_weight_rounding(pos_weight: torch.Tensor | None, bounds: tuple[float, float] | None) -> float:
    r""":math:`\rho`: the relative error of torch's :math:`w = 1 + (p - 1)\,y`, in units of the
    unit roundoff :math:`u`, at most :math:`3 + 2/p` over the positive entries :math:`p` of ``pos_weight``
    (:math:`p - 1` rounds by :math:`u|p - 1|`, which is large against :math:`w = p` at :math:`y = 1`
    when :math:`p` is small; :math:`p = 10^{-9}` gives :math:`w = 0` in float32).

    ``bounds`` are ``pos_weight``'s smallest and largest values when this call read them; the result is kept
    on ``pos_weight`` until it changes in place.
    """
    if pos_weight is None:
        return 0.0
    rounding = remembered_value(pos_weight, _ROUNDING_OF_POSITIVE_WEIGHT)
    if rounding is None:
        smallest = bounds[0] if bounds is not None else 0.0
        if not smallest > 0:
            values = pos_weight.detach()
            positive = values[values > 0]
            smallest = positive.amin().item() if positive.numel() else math.inf
        rounding = 3.0 + 2.0 / smallest
        remember_value(pos_weight, _ROUNDING_OF_POSITIVE_WEIGHT, rounding)
    return rounding


def _largest_tail_error(unit: float) -> float:
    r"""The most a confident, correct negative (:math:`y = 0`, :math:`x = -s < 0`) can be off in
    torch's kernel, in absolute terms: :math:`\max_s \min(u\,(s + 0.71),\ 1.01\,e^{-s})`.

    torch computes :math:`x - \operatorname{fl}(x - t)` with :math:`t = \log(1 + e^{x}) \le e^{-s}`.
    The rounding of :math:`x - t` is at most :math:`u\,|x - t|`, and also at most :math:`t`, since
    :math:`x` itself is a float at distance :math:`t`; the first grows with :math:`s`, the second
    shrinks, so the worst case is where they cross (float32: :math:`s \approx 14`, 8.8e-7).
    Found by bisection.
    """
    low, high = 0.0, 200.0
    for _ in range(200):
        middle = (low + high) / 2
        if unit * (middle + 0.71) < 1.01 * math.exp(-middle):
            low = middle
        else:
            high = middle
    return unit * (high + 0.71)


_TAIL_ERROR = {dtype: _largest_tail_error(torch.finfo(dtype).eps / 2) for dtype in _FUSED_DTYPES}


def _smallest_precise_mean(
    *,
    dtype: torch.dtype,
    count: int,
    largest_weight: float,
    weight_rounding: float = 0.0,
    smallest_logit: float | None = None,
) -> float:
    r"""The smallest mean loss from torch's reduced BCE-with-logits that is provably within
    ``_ALLOWED_ERROR_IN_EPS`` eps of the exact value (``inf`` if none is).

    torch computes :math:`(1-y)x - w\log\sigma(x)` with :math:`w = 1 + (p-1)y`, times the weight
    :math:`v`. For :math:`x \ge 0` both terms are non-negative, so every rounding is relative to the
    loss. For :math:`x < 0`, :math:`\log\sigma(x) = x - \log(1 + e^{x})` and the terms cancel.
    Adding up the roundings (unit roundoff :math:`u`; of :math:`1 - y`, of :math:`(1-y)x`, of
    :math:`\log\sigma(x)`, of :math:`w` (:math:`\rho u` relative, see :func:`_pos_weight_rounding`),
    of the product and of the difference, with :math:`w|x| \le (1-y)|x| + \ell` and
    :math:`w\,t \le \ell`) bounds one element's error by
    :math:`u\,[(\rho + 5)\,v(1-y)|x| + (2\rho + 15)\,\ell]`, and the summation adds
    :math:`u(\log_2 N + 2)\,\ell`. So the mean is off by at most

    * :math:`u\,[(\rho + 5)\,v_{\max}\max(0, -x_{\min}) + (2\rho + 17 + \log_2 N)\,\bar\ell]`
      in general (``smallest_logit`` given), and
    * :math:`v_{\max} E + u\,(2\rho + 17 + \log_2 N)\,\bar\ell` when every label is 0 or 1
      (``smallest_logit`` ``None``): at :math:`y = 0`, :math:`1 - y`, :math:`(1-y)x` and :math:`w` are
      exact and only the rounding of :math:`x - t` is left, at most :math:`E`
      (:func:`_largest_tail_error`) whatever :math:`x`; at :math:`y = 1` nothing cancels.

    The caller keeps the fused result when its mean reaches the returned value, i.e. when that
    error is within ``_ALLOWED_ERROR_IN_EPS`` eps of :math:`\bar\ell`; otherwise (a batch of
    confident, correct predictions, whose mean loss is far below its logits, or a tiny
    ``pos_weight``) it computes the stable form. With hard labels in float32 the value is about
    0.03 whatever the logits (0.07 in float64). A NaN mean fails the comparison and goes to the
    stable form, which propagates it.
    """
    unit = torch.finfo(dtype).eps / 2
    allowed = 2 * _ALLOWED_ERROR_IN_EPS * unit
    relative = unit * (2.0 * weight_rounding + 17.0 + math.log2(count))
    if not relative < allowed:
        return math.inf
    if smallest_logit is None:
        cancellation = largest_weight * _TAIL_ERROR[dtype]
    else:
        cancellation = unit * (weight_rounding + 5.0) * largest_weight * max(0.0, -smallest_logit)
    # The bound is relative to the exact mean, known only from the computed one: the exact mean is at
    # least (computed - cancellation) / (1 + relative), so the computed one must reach this.
    return cancellation + cancellation * (1 + relative) / (allowed - relative)


_BCE_WITH_LOGITS_ADVICE = (
    "bce_with_logits applies the sigmoid itself, so a sigmoid before it is applied twice. "
    "Pass the raw logits (remove the sigmoid), or use bce() if you really hold probabilities."
)


# ---------------------------------------------------------------------------------------
# multiclass losses
# ---------------------------------------------------------------------------------------


def cross_entropy(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Cross-entropy from **logits**: ``log_softmax`` and the negative log-likelihood fused.

    With class-index targets :math:`y_n`, class weights :math:`w_c`, :math:`C` classes
    and label smoothing :math:`\varepsilon`:

    .. math::

        \ell_n = (1-\varepsilon)\, w_{y_n}\left(-\log p_{n,y_n}\right)
                 + \frac{\varepsilon}{C}\sum_{c=1}^{C} w_c\left(-\log p_{n,c}\right),
        \qquad p_{n,c} = \operatorname{softmax}(x_n)_c

    and ``"mean"`` divides :math:`\sum_n \ell_n` by :math:`\sum_n w_{y_n}` over the
    targets that are not ``ignore_index``. With probability targets :math:`q_{n,c}`:
    :math:`\ell_n = -\sum_c w_c\,\tilde q_{n,c}\log p_{n,c}` with
    :math:`\tilde q = (1-\varepsilon)q + \varepsilon/C`, and ``"mean"`` divides by the
    number of rows.

    ``log_softmax`` subtracts the row maximum before exponentiating, so logits of any
    size give finite values; its gradient is :math:`p - q`.

    Args:
        input: logits, shape :math:`(N, C)`, :math:`(N, C, d_1, \dots)` or :math:`(C,)`.
        target: class indices (integer, shape of ``input`` without the class dimension),
            or class probabilities (floating, same shape and dtype as ``input``, each
            slice along the class dimension summing to 1).
        weight: optional per-class weights, shape :math:`(C,)`, same dtype as ``input``.
        ignore_index: class-index targets equal to this contribute nothing (and do not
            count in the mean). Not supported with probability targets.
        label_smoothing: :math:`\varepsilon \in [0, 1]`.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        Output: scalar, or the shape of ``input`` without the class dimension for ``"none"``.

    Computed by :func:`torch.nn.functional.cross_entropy` once the inputs are validated,
    except that a batch whose targets are *all* ``ignore_index`` (or all of weight 0)
    gives 0 with a zero gradient (torch: NaN). Warns (see :mod:`lossbook.losses.guards`) when
    ``input`` looks like softmax outputs.

    Example:
        >>> logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
        >>> cross_entropy(logits, torch.tensor([0, 1]), reduction="none")
        tensor([0.1698, 0.5514])
    """
    signature, plan = validated_call("cross_entropy", input, target, weight, reduction, ignore_index, label_smoothing)
    if plan is not None:
        # A signature that passed before has class-index targets (probability targets keep no plan).
        class_dim = plan.class_dim
        # Logits as a trainable leaf passed at every step (as in the chapters' demos) skip even
        # the call to the guard; a layer's output costs the guard one type lookup.
        if not plan.holds(input):
            check_logits(input, loss="cross_entropy", advice=_CROSS_ENTROPY_ADVICE, class_dim=class_dim, passed=plan)
        if weight is not None:
            check_class_weight(weight, input, plan.num_classes)
            check_no_gradient("weight", weight, "cross_entropy with class-index targets")
        return fused_index_loss(input, target, plan, weight, ignore_index, reduction)
    ignore_index, class_dim, num_classes = check_class_loss_call(input, target, weight, reduction, ignore_index)
    epsilon = check_label_smoothing(label_smoothing)
    plan = IndexPlan(class_dim, num_classes, epsilon)
    check_logits(input, loss="cross_entropy", advice=_CROSS_ENTROPY_ADVICE, class_dim=class_dim, passed=plan)
    # torch's kernel takes log_softmax, which subtracts the row max first: exp never overflows, log never sees 0.

    if target.is_floating_point():
        check_float_target(input, target, class_dim, "probability targets with the shape of input")
        if ignore_index != -100:
            raise ValueError(
                f"ignore_index is not supported with probability targets, got ignore_index={ignore_index}; "
                "give ignored rows zero weight instead"
            )
        check_probability_target(input, target, class_dim)
        # "mean" divides by the number of rows (every slice along the class dimension), never 0.
        return F.cross_entropy(input, target, weight=weight, reduction=reduction, label_smoothing=epsilon)

    check_index_dtype(input, target, class_dim)
    if weight is not None:
        check_no_gradient("weight", weight, "cross_entropy with class-index targets")
    remember_call(signature, plan)
    return fused_index_loss(input, target, plan, weight, ignore_index, reduction)


_CROSS_ENTROPY_ADVICE = (
    "cross_entropy applies log_softmax itself, so a softmax before it is applied twice "
    "(the double-softmax bug): accuracy may look fine while the loss, its gradients and the "
    "model's confidence are wrong. Pass the raw logits (remove the softmax); keep softmax for "
    "reporting probabilities only."
)


def nll(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Negative log-likelihood of **log-probabilities** (the output of ``log_softmax``).

    .. math:: \ell_n = -w_{y_n}\, z_{n, y_n}, \qquad z = \log p

    ``"mean"`` divides by :math:`\sum_n w_{y_n}` over targets that are not
    ``ignore_index``. ``nll(log_softmax(x), y) == cross_entropy(x, y)``: cross-entropy is
    exactly this loss after a ``log_softmax``. (``nll`` does *not* take probabilities:
    pass ``log_softmax`` outputs, never ``softmax`` outputs.)

    Args:
        input: log-probabilities, shape :math:`(N, C)`, :math:`(N, C, d_1, \dots)` or :math:`(C,)`.
        target: class indices, integer, shape of ``input`` without the class dimension.
        weight: optional per-class weights, shape :math:`(C,)`, same dtype as ``input``.
        ignore_index: targets equal to this contribute nothing (and do not count in the mean).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        Output: scalar, or the shape of ``target`` for ``"none"``.

    Computed by :func:`torch.nn.functional.nll_loss` once the inputs are validated,
    except that a batch whose targets are all ``ignore_index`` (or all of weight 0)
    gives 0 with a zero gradient (torch: NaN). Warns (see :mod:`lossbook.losses.guards`) when
    ``input`` looks like probabilities, or is not log-probabilities at all (raw logits: the
    logsumexp of the first row along the class dimension is not 0).

    Example:
        >>> log_probs = torch.log(torch.tensor([[0.7, 0.2, 0.1]]))
        >>> nll(log_probs, torch.tensor([0]))
        tensor(0.3567)
    """
    signature, plan = validated_call("nll", input, target, weight, reduction, ignore_index)
    if plan is not None:
        class_dim, num_classes = plan.class_dim, plan.num_classes
        if weight is not None:
            check_class_weight(weight, input, num_classes)
    else:
        ignore_index, class_dim, num_classes = check_class_loss_call(input, target, weight, reduction, ignore_index)
        check_index_dtype(input, target, class_dim)
        plan = IndexPlan(class_dim, num_classes)
        remember_call(signature, plan)
    if weight is not None:
        check_no_gradient("weight", weight, "nll_loss")
    check_log_probabilities(input, loss="nll", advice=_NLL_ADVICE, class_dim=class_dim, passed=plan)
    # torch never reads an ignored row, so -inf log-probabilities there cost nothing.
    return fused_index_loss(input, target, plan, weight, ignore_index, reduction)


_NLL_ADVICE = (
    "nll expects log-probabilities: use torch.log_softmax(logits, dim=1), not torch.softmax and "
    "not the raw logits, or call cross_entropy on the logits."
)


def focal_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    gamma: float = 2.0,
    alpha: float | torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Focal loss: cross-entropy scaled down on examples the model already gets right.

    .. math:: \ell = -\alpha_t\,(1 - p_t)^{\gamma}\log p_t

    where :math:`p_t` is the predicted probability of the true label. With
    :math:`\gamma = 0` and no :math:`\alpha` it is cross-entropy; larger :math:`\gamma`
    shrinks the loss of easy examples (:math:`p_t \to 1`) so the hard ones dominate.
    Lin et al. (2017), *Focal Loss for Dense Object Detection*.

    Two modes, chosen by the target:

    * **binary / multi-label (sigmoid)** — ``target`` is floating point with the shape
      of ``input``: :math:`p = \sigma(x)`, :math:`p_t = p\,y + (1-p)(1-y)`,
      :math:`\alpha_t = \alpha y + (1-\alpha)(1-y)` for a float ``alpha`` in
      :math:`[0, 1]`. Equal to ``torchvision.ops.sigmoid_focal_loss`` (whose default is
      ``alpha=0.25``; here the default ``None`` means no :math:`\alpha` weighting).
    * **multiclass (softmax)** — ``target`` holds class indices: :math:`p = \operatorname{softmax}(x)`,
      :math:`\alpha_t = \alpha_{y}` for a per-class tensor ``alpha`` of shape :math:`(C,)`.
      ``"mean"`` averages over the targets that are not ``ignore_index`` (it is *not*
      normalised by :math:`\sum \alpha_y` the way ``cross_entropy`` normalises by its weights).

    :math:`\log p_t` comes from ``logsigmoid``/``log_softmax`` and :math:`1 - p_t` from
    ``sigmoid(-x)``/``expm1`` (no cancellation), so :math:`|x| \ge 100` stays finite.

    Args:
        input: logits, any shape (binary) or :math:`(N, C, \dots)` / :math:`(C,)` (multiclass).
        target: labels in :math:`[0, 1]` (binary) or class indices (multiclass).
        gamma: focusing parameter :math:`\gamma \ge 0` (default 2).
        alpha: binary: a float in :math:`[0, 1]`, the weight of positives; multiclass:
            per-class weights, shape :math:`(C,)`. ``None`` (default): no weighting.
        ignore_index: multiclass only, as in :func:`cross_entropy`.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        Output: scalar, or the shape of ``target`` for ``"none"``.

    Example:
        >>> logits = torch.tensor([3.0, -3.0, 0.0])
        >>> focal_loss(logits, torch.tensor([1.0, 1.0, 1.0]), gamma=2.0, reduction="none")
        tensor([1.0928e-04, 2.7663e+00, 1.7329e-01])
    """
    check_reduction(reduction)
    check_floating("input", input)
    check_tensor("target", target)
    check_nonempty("input", input)
    gamma = check_real("gamma", gamma, minimum=0.0)

    if target.is_floating_point():
        if input.dim() >= 1 and target.shape != input.shape:
            check_float_target(input, target, class_layout(input)[0], "binary labels with the shape of input")
        check_pair(input, target)
        target_known = checked_before(target, _UNIT_INTERVAL)  # fixed targets are read once per version
        if not target_known:
            check_in_range("target", target, *_UNIT_INTERVAL)
            remember_checked(target, _UNIT_INTERVAL)
        if alpha is not None:
            alpha = check_real("alpha", alpha, minimum=0.0, maximum=1.0)
        check_logits(input, loss="focal_loss", advice=_FOCAL_ADVICE, class_dim=None)
        # 1 - p_t = y sigma(-x) + (1-y) sigma(x). lerp is exact at y = 0 and y = 1, and sigma(-x)
        # is not computed as 1 - sigma(x), so 1 - p_t keeps its digits even where p_t rounds to 1.
        one_minus_p_t = torch.lerp(torch.sigmoid(input), torch.sigmoid(-input), target)
        if gamma < 1:
            # d/du u^gamma is infinite at u = 0 for 0 < gamma < 1; clamping at tiny keeps the gradient at 0.
            one_minus_p_t = one_minus_p_t.clamp_min(torch.finfo(input.dtype).tiny)
        modulating = one_minus_p_t.pow(gamma)
        if alpha is not None:
            modulating = (alpha * target + (1 - alpha) * (1 - target)) * modulating
        if reduction != "none" and input.dtype in _FUSED_DTYPES:
            # torch's cross-entropy terms, kept when the rule of _smallest_precise_mean shows the reduced
            # loss precise: each term's error is multiplied by its modulating factor, at most
            # max(alpha, 1 - alpha) (1 without alpha), which plays the part of the largest weight.
            fused = reduce_loss(modulating * torch.binary_cross_entropy_with_logits(input, target, None, None, 0), reduction)
            if target_known and _hard_labels(target):  # the rule for 0/1 labels needs no look at the logits
                smallest_logit, reduced = None, fused.item()
            else:
                smallest_logit, reduced = read_scalars(torch.amin(input.detach()), fused.detach())
            mean_loss = reduced / input.numel() if reduction == "sum" else reduced
            largest_factor = 1.0 if alpha is None else max(alpha, 1 - alpha)
            if mean_loss >= _smallest_precise_mean(
                dtype=input.dtype, count=input.numel(), largest_weight=largest_factor, smallest_logit=smallest_logit
            ):
                return fused
        # -[y log p + (1-y) log(1-p)] with every term non-negative: a confident correct
        # prediction keeps its small cross-entropy (torch's kernel rounds it to 0 below x = -17).
        return reduce_loss(modulating * _binary_cross_entropy_terms(input, target), reduction)

    ignore_index = check_ignore_index(ignore_index)
    class_dim, num_classes = class_layout(input)
    if alpha is not None and not isinstance(alpha, torch.Tensor):
        raise TypeError(
            f"alpha must be a per-class tensor of shape ({num_classes},) for class-index targets, "
            f"got {type(alpha).__name__}"
        )
    alpha = check_class_weight(alpha, input, num_classes, name="alpha")
    check_logits(input, loss="focal_loss", advice=_FOCAL_ADVICE, class_dim=class_dim)
    target, _ = check_index_target(input, target, class_dim, num_classes, ignore_index)
    valid = target != ignore_index
    safe_target = torch.where(valid, target, torch.zeros_like(target))
    log_p_t = torch.log_softmax(input, dim=class_dim).gather(class_dim, safe_target.unsqueeze(class_dim))
    log_p_t = log_p_t.squeeze(class_dim)
    # 1 - p_t = -expm1(log p_t): no cancellation when p_t is close to 1.
    one_minus_p_t = -torch.expm1(log_p_t)
    loss = -one_minus_p_t.clamp_min(torch.finfo(input.dtype).tiny).pow(gamma) * log_p_t
    if alpha is not None:
        loss = alpha[safe_target] * loss
    loss = torch.where(valid, loss, torch.zeros_like(loss))
    if reduction == "mean":
        return weighted_mean(loss.sum(), valid.sum().to(loss.dtype))
    return reduce_loss(loss, reduction)


_FOCAL_ADVICE = (
    "focal_loss applies the sigmoid (binary targets) or softmax (class indices) itself, so one "
    "before it is applied twice. Pass the raw logits."
)


# ---------------------------------------------------------------------------------------
# soft targets
# ---------------------------------------------------------------------------------------


def _one_hot(target: torch.Tensor, num_classes: int, dtype: torch.dtype) -> torch.Tensor:
    """One-hot with the class dimension where ``cross_entropy`` expects it (dim 1, or 0 unbatched)."""
    one_hot = F.one_hot(target, num_classes).to(dtype)
    return one_hot.movedim(-1, 1) if target.dim() >= 1 else one_hot


def _check_classes(target: object, num_classes: object) -> tuple[torch.Tensor, int]:
    check_tensor("target", target)
    num_classes = check_int("num_classes", num_classes, minimum=1)
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"target must hold integer class indices, got dtype {target.dtype}; convert it with target.long()")
    target = target.long()
    if target.numel():
        low, high = read_scalars(*torch.aminmax(target))
        if low < 0 or high >= num_classes:
            raise ValueError(f"target must hold class indices in [0, {num_classes - 1}]: got values from {low} to {high}")
    return target, num_classes


def label_smoothing_targets(
    target: torch.Tensor, num_classes: int, epsilon: float, *, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    r"""Label-smoothed target distributions: :math:`q = (1-\varepsilon)\,\mathrm{onehot}(y) + \varepsilon / C`.

    ``cross_entropy(x, label_smoothing_targets(y, C, eps))`` equals
    ``cross_entropy(x, y, label_smoothing=eps)``. Szegedy et al. (2016).

    Args:
        target: class indices, integer, shape :math:`(N,)`, :math:`(N, d_1, \dots)` or ``()``.
        num_classes: :math:`C`.
        epsilon: smoothing mass :math:`\varepsilon \in [0, 1]`.
        dtype: floating dtype of the result.

    Shape:
        Output: :math:`(N, C, d_1, \dots)` (class dimension second, as ``cross_entropy``
        expects), or :math:`(C,)` for a scalar target.

    Example:
        >>> label_smoothing_targets(torch.tensor([0]), 3, 0.3)
        tensor([[0.8000, 0.1000, 0.1000]])
    """
    target, num_classes = _check_classes(target, num_classes)
    epsilon = check_label_smoothing(epsilon, "epsilon")
    dtype = check_float_dtype("dtype", dtype)
    return (1 - epsilon) * _one_hot(target, num_classes, dtype) + epsilon / num_classes


def semantic_smoothing_targets(target: torch.Tensor, similarity: torch.Tensor, epsilon: float) -> torch.Tensor:
    r"""Soft targets that give the smoothing mass to *similar* classes.

    .. math:: q_c = (1-\varepsilon)\,[c = y] + \varepsilon\,\frac{S_{y,c}}{\sum_{c'} S_{y,c'}}

    Label smoothing spreads :math:`\varepsilon` evenly; *semantic smoothing* spreads it
    in proportion to a class-similarity row :math:`S_{y,\cdot}`, so a cat image teaches
    "a bit tiger" rather than "a bit truck" (the article *다양한 Loss에 대해 알아보자*). With :math:`S` all ones this is
    exactly label smoothing; with :math:`S = I` it is the one-hot target.

    Args:
        target: class indices, integer, shape :math:`(N,)`, :math:`(N, d_1, \dots)` or ``()``.
        similarity: :math:`S`, shape :math:`(C, C)`, floating, non-negative, finite, every
            row with a positive sum. Row :math:`y` is used for true class :math:`y`; the
            diagonal may be 0 (all smoothing mass to other classes).
        epsilon: smoothing mass :math:`\varepsilon \in [0, 1]`.

    Shape:
        Output: :math:`(N, C, d_1, \dots)`, or :math:`(C,)` for a scalar target; dtype of ``similarity``.

    Example:
        >>> similarity = torch.tensor([[0.0, 4.0, 1.0], [4.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
        >>> semantic_smoothing_targets(torch.tensor([0]), similarity, 0.25)
        tensor([[0.7500, 0.2000, 0.0500]])
    """
    check_floating("similarity", similarity)
    if similarity.dim() != 2 or similarity.shape[0] != similarity.shape[1]:
        raise ValueError(f"similarity must be a square (C, C) matrix, got shape {tuple(similarity.shape)}")
    # An infinite entry would give its row inf/inf = NaN targets: refused with the negative ones.
    check_in_range("similarity", similarity, 0.0, float("inf"))
    row_sums = similarity.sum(dim=1)
    smallest, largest = read_scalars(*torch.aminmax(row_sums))
    if not smallest > 0:
        empty = torch.nonzero(row_sums <= 0).flatten().tolist()
        raise ValueError(f"similarity rows must have a positive sum: rows {empty} sum to 0")
    if not math.isfinite(largest):
        overflowing = torch.nonzero(~torch.isfinite(row_sums)).flatten().tolist()
        raise ValueError(
            f"similarity rows must have a finite sum in {similarity.dtype}: rows {overflowing} overflow; "
            "rescale similarity (only the ratios within a row matter)"
        )
    target, num_classes = _check_classes(target, similarity.shape[0])
    epsilon = check_label_smoothing(epsilon, "epsilon")
    neighbours = (similarity / row_sums[:, None])[target]
    if target.dim() >= 1:
        neighbours = neighbours.movedim(-1, 1)
    return (1 - epsilon) * _one_hot(target, num_classes, similarity.dtype) + epsilon * neighbours


# ---------------------------------------------------------------------------------------
# class weights for imbalanced data
# ---------------------------------------------------------------------------------------


def class_counts(target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """How many examples of each class: ``torch.bincount`` with a checked range.

    Example:
        >>> class_counts(torch.tensor([0, 0, 0, 2]), 3)
        tensor([3, 0, 1])
    """
    target, num_classes = _check_classes(target, num_classes)
    return torch.bincount(target.flatten(), minlength=num_classes)


def _counts_without_gaps(target: torch.Tensor, num_classes: int) -> torch.Tensor:
    counts = class_counts(target, num_classes)
    missing = torch.nonzero(counts == 0).flatten().tolist()
    if missing:
        raise ValueError(
            f"target has no examples of classes {missing[:20]}{' ...' if len(missing) > 20 else ''} "
            f"(of num_classes={num_classes}); their weights would be infinite"
        )
    return counts


def inverse_frequency_weights(
    target: torch.Tensor, num_classes: int, *, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    r"""Per-class weights :math:`w_c = N / (C\, n_c)`: rare classes weigh more.

    Each class then carries the same total weight :math:`N/C`; a balanced data set gets
    all ones. The same as scikit-learn's ``compute_class_weight("balanced", ...)``.
    Pass the result as ``weight`` to :func:`cross_entropy`.

    Example:
        >>> inverse_frequency_weights(torch.tensor([0, 0, 0, 1]), 2)
        tensor([0.6667, 2.0000])
    """
    dtype = check_float_dtype("dtype", dtype)
    counts = _counts_without_gaps(target, num_classes).to(dtype)
    return counts.sum() / (num_classes * counts)


def effective_number_weights(
    target: torch.Tensor, num_classes: int, *, beta: float = 0.999, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    r"""Class-balanced weights from the *effective number* of examples (Cui et al., 2019).

    .. math:: w_c \propto \frac{1 - \beta}{1 - \beta^{n_c}}, \qquad \sum_c w_c = C

    :math:`\beta = 0` gives equal weights, :math:`\beta \to 1` tends to inverse
    frequency; in between, extra examples of a class count less and less.

    Example:
        >>> effective_number_weights(torch.tensor([0] * 9 + [1]), 2, beta=0.9)
        tensor([0.2807, 1.7193])
    """
    counts = _counts_without_gaps(target, num_classes).to(torch.float64)
    beta = check_real("beta", beta, minimum=0.0, maximum=1.0, inclusive=(True, False))
    dtype = check_float_dtype("dtype", dtype)
    effective_number = (1.0 - beta**counts) / (1.0 - beta)
    weights = 1.0 / effective_number
    return (weights * num_classes / weights.sum()).to(dtype)


def pos_weight_from_targets(target: torch.Tensor) -> torch.Tensor:
    r"""``pos_weight`` for :func:`bce_with_logits`: :math:`n_\text{neg} / n_\text{pos}` per column.

    For binary targets of shape :math:`(N,)` the result is a scalar tensor; for
    multi-label targets :math:`(N, C)` it has shape :math:`(C,)`.

    Example:
        >>> pos_weight_from_targets(torch.tensor([1.0, 0.0, 0.0, 0.0]))
        tensor(3.)
    """
    check_floating("target", target)
    check_nonempty("target", target)
    if target.dim() not in (1, 2):
        raise ValueError(f"target must have shape (N,) or (N, C), got {tuple(target.shape)}")
    check_in_range("target", target, 0.0, 1.0)
    positives = target.sum(dim=0)
    if not bool((positives > 0).all()):
        raise ValueError("target has a column without positive labels; its pos_weight would be infinite")
    return (target.shape[0] - positives) / positives
