r"""Losses from the NLP case studies: dice / self-adjusting DSC and mixed cross-entropy.

* :func:`dice_loss` and :func:`self_adjusting_dice_loss` — the per-token soft dice loss
  and its self-adjusting variant from Li et al. (2020), *Dice Loss for Data-imbalanced
  NLP Tasks* (ACL 2020), for token tagging where one class (``O``) dominates, and
  :func:`batch_dice_loss`, the same ratio pooled over all tokens of a batch per class.
* :func:`mixed_cross_entropy` and its schedule :func:`mixed_ce_weight` — Li & Lu (2021),
  *Mixed Cross Entropy Loss for Neural Machine Translation* (ICML 2021): part of the
  target mass goes to the model's own greedy prediction, so a synonym of the reference
  is not punished as hard as a wrong word.

Both take **logits**, as every loss in :mod:`lossbook.losses` does unless its name says
otherwise, with the class dimension where ``torch.nn.functional.cross_entropy`` expects
it: ``(N, C)``, ``(N, C, d1, ...)`` or unbatched ``(C,)``. Token logits of shape
``(B, T, C)`` go in as ``logits.transpose(1, 2)``. Padding is skipped through
``ignore_index`` (class-index targets) or a boolean ``mask`` (True = the token counts);
``"mean"`` averages over the tokens that count, and a batch with none gives 0, not NaN.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lossbook._validate import (
    check_bool,
    check_floating,
    check_in_range,
    check_nonempty,
    check_pair,
    check_real,
    check_reduction,
    check_tensor,
)
from lossbook.losses.guards import check_logits
from lossbook.losses._targets import (
    check_float_target,
    check_ignore_index,
    check_index_target,
    check_label_smoothing,
    class_layout,
    weighted_mean,
)
from lossbook.losses._reduction import reduce_loss

__all__ = [
    "dice_loss",
    "self_adjusting_dice_loss",
    "batch_dice_loss",
    "mixed_cross_entropy",
    "mixed_ce_weight",
]

# ---------------------------------------------------------------------------------------
# private helpers
# ---------------------------------------------------------------------------------------


def _check_mask(mask: object, shape: torch.Size, what: str) -> torch.Tensor:
    check_tensor("mask", mask)
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must be a bool tensor (True = the token counts), got dtype {mask.dtype}")
    if mask.shape != shape:
        raise ValueError(f"mask must have the shape of {what}: expected {tuple(shape)}, got {tuple(mask.shape)}")
    return mask


def _reduce_over_tokens(loss: torch.Tensor, valid: torch.Tensor | None, reduction: str) -> torch.Tensor:
    """Zero the tokens that do not count, then reduce; ``"mean"`` divides by the tokens that count."""
    if valid is None:
        return reduce_loss(loss, reduction)
    loss = torch.where(valid, loss, torch.zeros_like(loss))
    if reduction == "mean":
        return weighted_mean(loss.sum(), valid.sum().to(loss.dtype))
    return reduce_loss(loss, reduction)


# ---------------------------------------------------------------------------------------
# dice and self-adjusting DSC (Li et al., 2020)
# ---------------------------------------------------------------------------------------


def _dice_parts(
    p: torch.Tensor,
    one_minus_p: torch.Tensor,
    y: torch.Tensor,
    alpha: float,
    squared_denominator: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Elementwise :math:`w\,r` and :math:`w\,s` of :math:`1 - \frac{2wpy + \gamma}{w\,s + \gamma} = \frac{w\,r}{w\,s + \gamma}`.

    ``s`` is :math:`p + y` (or :math:`p^2 + y^2`) and ``r`` is ``s - 2py`` in a form
    without cancellation, so a perfect prediction gives exactly 0.
    """
    if squared_denominator:
        total = p * p + y * y
        gap = (p - y) ** 2  # p^2 + y^2 - 2py
    else:
        total = p + y
        gap = p * (1 - y) + y * one_minus_p  # p + y - 2py, with 1 - p taken from the stable form
    if alpha == 0:
        return gap, total
    if alpha < 1:
        # d/du u^alpha is infinite at u = 0 for 0 < alpha < 1; clamping at tiny keeps the gradient finite.
        one_minus_p = one_minus_p.clamp_min(torch.finfo(p.dtype).tiny)
    weight = one_minus_p.pow(alpha)
    return weight * gap, weight * total


def self_adjusting_dice_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    alpha: float = 1.0,
    smooth: float = 1.0,
    squared_denominator: bool = False,
    ignore_index: int = -100,
    mask: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Self-adjusting dice (DSC) loss of Li et al. (2020), per token, from **logits**.

    For one token and one class, with predicted probability :math:`p`, label :math:`y`,
    smoothing :math:`\gamma > 0` and the self-adjusting weight
    :math:`w = (1 - p)^{\alpha}`:

    .. math::

        \mathrm{DSC} = 1 - \frac{2\,w\,p\,y + \gamma}{w\,p + w\,y + \gamma}
                     = \frac{w\,\bigl(p(1-y) + y(1-p)\bigr)}{w\,(p + y) + \gamma}

    or, with ``squared_denominator=True`` (the Milletari et al. 2016 form the paper
    quotes for its dice loss),

    .. math::

        \mathrm{DSC} = 1 - \frac{2\,w\,p\,y + \gamma}{w\,p^2 + w\,y^2 + \gamma}
                     = \frac{w\,(p - y)^2}{w\,(p^2 + y^2) + \gamma}.

    The paper's self-adjusting DSC equation (Li et al. 2020, arXiv:1911.02855) writes :math:`1 - \frac{2(1-p)^{\alpha}p\,y + \gamma}{(1-p)^{\alpha}p + y + \gamma}`:
    the weight multiplies :math:`p` but not :math:`y`. **That form is not 0 at a perfect
    prediction**: at :math:`p = y = 1` the weight is 0 and the loss is
    :math:`1 - \gamma/(1 + \gamma) = 1/(1+\gamma)` — with the usual :math:`\gamma = 1`,
    one half, the largest value a positive token can get. The ShannonAI reference
    code copies it. Here the weight scales the whole token, :math:`p` and :math:`y`
    alike, so the loss is plain dice with an effective smoothing :math:`\gamma / w`
    that grows as the token becomes easy: **0 at every perfect prediction**
    (:math:`p = y \in \{0, 1\}`, where :math:`2py = p + y = p^2 + y^2`; the squared form
    is 0 at any :math:`p = y`, soft labels included), equal to the paper on
    every negative (:math:`y = 0`, where the two forms coincide), to the paper's
    numerator on positives, and to :func:`dice_loss` at :math:`\alpha = 0`.

    As in the paper, :math:`w` uses the probability of *the class* (not of the true
    class): on a negative, the loss :math:`q/(q + \gamma)` with :math:`q = (1-p)^\alpha p`
    peaks at :math:`p = 1/(1+\alpha)` and falls again as :math:`p \to 1`, so a
    *confidently* wrong negative is weighted down too — the paper's reading of
    "easy" is "probability near 0 or 1". The weight is part of the graph (not detached).

    Two modes, chosen by the target (as in :func:`~lossbook.losses.focal_loss`):

    * **binary / multi-label (sigmoid)** — ``target`` floating, shape and dtype of
      ``input``, values in :math:`[0, 1]`: :math:`p = \sigma(x)`, one term per element
      (the paper's binary form on :math:`p_{i1}`). Padding via ``mask`` (shape of ``input``).
    * **multiclass (softmax)** — ``target`` holds class indices: :math:`p = \operatorname{softmax}(x)`,
      :math:`y` the one-hot target, and the token's loss is the **mean over the**
      :math:`C` **classes** of the term above (in :math:`[0, 1]`). Padding via
      ``ignore_index`` and/or ``mask`` (shape of ``target``).

    :math:`1-p` comes from ``sigmoid(-x)`` / ``-expm1(log_softmax(x))`` (no
    cancellation) and the denominator is at least :math:`\gamma > 0`, so logits of any
    size give a finite loss and gradient.

    Args:
        input: logits, any shape (binary) or :math:`(N, C, d_1, \dots)` / :math:`(C,)` (multiclass).
        target: labels in :math:`[0, 1]` (binary) or class indices (multiclass).
        alpha: exponent :math:`\alpha \ge 0` of the self-adjusting weight (default 1,
            the paper's :math:`(1 - p)p`). :math:`\alpha = 0` is :func:`dice_loss`.
        smooth: :math:`\gamma > 0`, added to numerator and denominator (default 1).
        squared_denominator: square :math:`p` and :math:`y` in the denominator.
        ignore_index: multiclass only: tokens whose target equals it count for nothing.
        mask: optional bool tensor, True where the token counts (padding False).
        reduction: ``"mean"`` over the tokens that count (default), ``"sum"`` or ``"none"``
            (masked tokens give 0).

    Shape:
        Output: scalar, or the shape of ``target`` for ``"none"``.

    Example:
        >>> logits = torch.tensor([[4.0, -4.0], [0.0, 0.0]])
        >>> self_adjusting_dice_loss(logits, torch.tensor([0, 1]), reduction="none")
        tensor([1.6762e-04, 1.7143e-01])
    """
    return _dice(
        input, target, alpha, smooth, squared_denominator, ignore_index, mask, reduction, "self_adjusting_dice_loss"
    )


def dice_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    smooth: float = 1.0,
    squared_denominator: bool = False,
    ignore_index: int = -100,
    mask: torch.Tensor | None = None,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Soft dice loss per token, from **logits** (Li et al. 2020; Milletari et al. 2016).

    .. math::

        \mathrm{DL} = 1 - \frac{2\,p\,y + \gamma}{p + y + \gamma}
        \qquad\text{or, squared,}\qquad
        1 - \frac{2\,p\,y + \gamma}{p^2 + y^2 + \gamma}

    with :math:`\gamma > 0` in both numerator and denominator, so a perfect prediction
    (:math:`p = y \in \{0, 1\}`; any :math:`p = y` in the squared form) gives exactly 0 —
    a correct negative (:math:`p = y = 0`) included, which would be :math:`0/0` without
    :math:`\gamma`. (Adding :math:`\gamma` to the numerator only, or leaving it out of
    either, breaks this.) This is
    :func:`self_adjusting_dice_loss` with :math:`\alpha = 0`; see there for the two
    modes (sigmoid with float targets, softmax with class indices, averaged over
    classes), masking and numerics.

    Example:
        >>> dice_loss(torch.tensor([3.0, -3.0]), torch.tensor([1.0, 0.0]), reduction="none")
        tensor([0.0161, 0.0453])
    """
    return _dice(input, target, 0.0, smooth, squared_denominator, ignore_index, mask, reduction, "dice_loss")


def _dice_inputs(input, target, alpha, smooth, squared_denominator, ignore_index, mask, name):
    """Validate; return the weighted gap and total per element, the tokens that count and the class dimension.

    ``class_dim`` is ``None`` in binary (sigmoid) mode; ``valid`` is ``None`` when every token counts.
    """
    check_floating("input", input)
    check_tensor("target", target)
    check_nonempty("input", input)
    alpha = check_real("alpha", alpha, minimum=0.0)
    check_real("smooth", smooth, minimum=0.0, inclusive=False)
    check_bool("squared_denominator", squared_denominator)
    advice = (
        f"{name} applies the sigmoid (float targets) or softmax (class indices) itself, so one "
        "before it is applied twice. Pass the raw logits."
    )

    if target.is_floating_point():
        if input.dim() >= 1:
            check_float_target(input, target, class_layout(input)[0], "binary labels with the shape of input")
        check_pair(input, target)
        check_in_range("target", target, 0.0, 1.0)
        valid = None if mask is None else _check_mask(mask, input.shape, "input (binary mode)")
        check_logits(input, loss=name, advice=advice, class_dim=None)
        p, one_minus_p = torch.sigmoid(input), torch.sigmoid(-input)
        return (*_dice_parts(p, one_minus_p, target, alpha, squared_denominator), valid, None)

    ignore_index = check_ignore_index(ignore_index)
    class_dim, num_classes = class_layout(input)
    target, any_ignored = check_index_target(input, target, class_dim, num_classes, ignore_index)
    valid = target != ignore_index if any_ignored else None
    if mask is not None:
        mask = _check_mask(mask, target.shape, "target")
        valid = mask if valid is None else valid & mask
    check_logits(input, loss=name, advice=advice, class_dim=class_dim)
    safe_target = target if valid is None else torch.where(valid, target, torch.zeros_like(target))
    one_hot = F.one_hot(safe_target, num_classes).to(input.dtype)
    if input.dim() >= 2:
        one_hot = one_hot.movedim(-1, 1)
    log_p = torch.log_softmax(input, dim=class_dim)
    # 1 - p = -expm1(log p): keeps its digits where p rounds to 1.
    return (*_dice_parts(log_p.exp(), -torch.expm1(log_p), one_hot, alpha, squared_denominator), valid, class_dim)


def _dice(input, target, alpha, smooth, squared_denominator, ignore_index, mask, reduction, name):
    check_reduction(reduction)
    gap, total, valid, class_dim = _dice_inputs(
        input, target, alpha, smooth, squared_denominator, ignore_index, mask, name
    )
    loss = gap / (total + smooth)
    if class_dim is not None:
        loss = loss.mean(dim=class_dim)
    return _reduce_over_tokens(loss, valid, reduction)


def batch_dice_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    alpha: float = 0.0,
    smooth: float = 1.0,
    squared_denominator: bool = False,
    ignore_index: int = -100,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Dice (or self-adjusting DSC) loss over a whole batch of tokens, from **logits**: one ratio per class.

    :func:`dice_loss` scores each token on its own and averages; this is the *set*
    form the F1 analogy is about: for each class :math:`c`, sums over every token
    :math:`t` that counts,

    .. math::

        \mathrm{DL}_c = 1 - \frac{2\sum_t w_{tc}\,p_{tc}\,y_{tc} + \gamma}
                                 {\sum_t w_{tc}\,(p_{tc} + y_{tc}) + \gamma},
        \qquad w_{tc} = (1 - p_{tc})^{\alpha},

    then the mean over classes (multiclass) or :math:`\mathrm{DL}_1` alone (binary,
    float targets with sigmoid probabilities). A class absent from the batch and never
    predicted gives 0.

    Li et al.'s released code (ShannonAI/dice_loss_for_NLP, ``loss/dice_loss.py``)
    computes this form only in its *binary* path (one logit), where numerator and
    denominator are summed over all tokens. Its *multi-class* path is a different loss:
    the numerator is per token; the denominator is summed over the whole batch when not
    squared and per token when squared (which is :func:`self_adjusting_dice_loss` with
    ``squared_denominator=True``, up to the weight on :math:`y`); and the class losses
    are summed, not averaged, then averaged over the tokens. Because the sums pool all tokens, a rare class weighs as much as
    the majority class, whatever its count — the property the paper wants for entities.
    :math:`\alpha`, the squared denominator, the two modes, ``ignore_index`` and ``mask``
    are as in :func:`self_adjusting_dice_loss` (default :math:`\alpha = 0`: plain dice).
    0 at a perfect prediction; a batch with no token that counts gives 0, not NaN.

    Args:
        input: logits, any shape (binary) or :math:`(N, C, d_1, \dots)` / :math:`(C,)` (multiclass).
        target: labels in :math:`[0, 1]` (binary) or class indices (multiclass).
        alpha, smooth, squared_denominator, ignore_index, mask: see :func:`self_adjusting_dice_loss`.

    Returns:
        A scalar (there is no per-token value to return).

    Example:
        >>> logits = torch.tensor([[4.0, -4.0], [4.0, -4.0], [-4.0, 4.0]])
        >>> batch_dice_loss(logits, torch.tensor([0, 0, 1]))
        tensor(0.0003)
    """
    gap, total, valid, class_dim = _dice_inputs(
        input, target, alpha, smooth, squared_denominator, ignore_index, mask, "batch_dice_loss"
    )
    if class_dim is None:
        if valid is not None:
            gap, total = gap * valid, total * valid
        return gap.sum() / (total.sum() + smooth)
    if valid is not None:
        keep = valid.unsqueeze(class_dim).to(gap.dtype)
        gap, total = gap * keep, total * keep
    token_dims = [d for d in range(gap.dim()) if d != class_dim]
    per_class = gap.sum(dim=token_dims) / (total.sum(dim=token_dims) + smooth)
    return per_class.mean()


# ---------------------------------------------------------------------------------------
# mixed cross-entropy (Li & Lu, 2021)
# ---------------------------------------------------------------------------------------


def mixed_ce_weight(progress: float, max_weight: float = 0.5) -> float:
    r"""The weight :math:`m` of the greedy term at a point of training: :math:`m = m_{\max}\cdot t`.

    ``progress`` :math:`t \in [0, 1]` is the fraction of the *mixed-CE* updates done
    (update :math:`i` of the :math:`I` updates that use mixed CE: ``i / I``), so the weight
    rises linearly from 0 at the first mixed-CE update to :math:`m_{\max}` (default 0.5) at
    the last. When training starts with plain cross-entropy and switches to mixed CE, this
    ramp restarts at the switch: that is the book's own variant (the Mixed CE chapter).
    The authors' released code (``haorannlp/mix``) counts from the first update of the whole
    run, ``m = cur_num_updates / (total_num_updates * 2)``, so at a switch halfway through
    its weight is already 0.25; ``mixed_ce_weight(u / U)`` over all :math:`U` updates is
    that schedule. The paper fixes the maximum at 0.5, so the gold reference always keeps
    at least half the weight.

    Example:
        >>> mixed_ce_weight(0.5)
        0.25
    """
    progress = check_real("progress", progress, minimum=0.0, maximum=1.0)
    max_weight = check_real("max_weight", max_weight, minimum=0.0, maximum=1.0)
    return max_weight * progress


def mixed_cross_entropy(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    m: float,
    label_smoothing: float = 0.0,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Mixed cross-entropy (Li & Lu, 2021) from **logits**: gold and greedy targets mixed.

    .. math::

        \ell_t = (1 - m)\,\mathrm{CE}_\varepsilon(x_t, y_t) + m\,\mathrm{CE}_\varepsilon(x_t, \hat y_t),
        \qquad \hat y_t = \arg\max_k x_{t,k}

    where :math:`\mathrm{CE}_\varepsilon` is cross-entropy with label smoothing
    :math:`\varepsilon` (:func:`~lossbook.losses.cross_entropy`). The greedy token
    :math:`\hat y_t` is the model's own prediction, taken from the detached logits: it
    is a target, so no gradient flows through the ``argmax``. Because both terms share
    the uniform smoothing part, this equals
    :math:`(1-\varepsilon)\,[(1-m)(-\log p_{y_t}) + m(-\log p_{\hat y_t})] + \frac{\varepsilon}{C}\sum_c(-\log p_c)`,
    which is how the authors' code applies label smoothing.

    Where the model already predicts the gold token (:math:`\hat y_t = y_t`) the loss is
    plain (label-smoothed) cross-entropy; where it predicts something else — possibly
    a synonym — only :math:`1 - m` of the push goes towards the reference, and the
    rest reinforces the prediction. Grow :math:`m` with :func:`mixed_ce_weight` (0 to
    0.5), after pre-training with plain cross-entropy as the paper does.

    Args:
        input: logits, shape :math:`(N, C)`, :math:`(N, C, d_1, \dots)` or :math:`(C,)`.
        target: gold class indices, integer, shape of ``input`` without the class dimension.
        m: weight :math:`m \in [0, 1]` of the greedy term (keyword; the paper keeps it :math:`\le 0.5`).
        label_smoothing: :math:`\varepsilon \in [0, 1]`, applied to both terms.
        ignore_index: gold targets equal to this (padding) contribute nothing and do
            not count in the mean.
        reduction: ``"mean"`` over non-ignored tokens (default), ``"sum"`` or ``"none"``.

    Shape:
        Output: scalar, or the shape of ``target`` for ``"none"``.

    Computed with :func:`torch.nn.functional.cross_entropy` (two calls, ``reduction="none"``).

    Example:
        >>> logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
        >>> mixed_cross_entropy(logits, torch.tensor([0, 2]), m=0.5, reduction="none")
        tensor([0.1698, 1.0514])
    """
    check_reduction(reduction)
    check_floating("input", input)
    check_tensor("target", target)
    check_nonempty("input", input)
    m = check_real("m", m, minimum=0.0, maximum=1.0)
    epsilon = check_label_smoothing(label_smoothing)
    ignore_index = check_ignore_index(ignore_index)
    class_dim, num_classes = class_layout(input)
    target, any_ignored = check_index_target(input, target, class_dim, num_classes, ignore_index)
    check_logits(input, loss="mixed_cross_entropy", advice=_MIXED_CE_ADVICE, class_dim=class_dim)

    greedy = input.detach().argmax(dim=class_dim)
    valid = target != ignore_index if any_ignored else None
    if valid is not None:
        # -100 is never a class index, so a greedy token equal to ignore_index (say 0) still counts.
        greedy = torch.where(valid, greedy, torch.full_like(greedy, -100))
    gold_term = F.cross_entropy(input, target, ignore_index=ignore_index, label_smoothing=epsilon, reduction="none")
    greedy_term = F.cross_entropy(input, greedy, ignore_index=-100, label_smoothing=epsilon, reduction="none")
    return _reduce_over_tokens((1 - m) * gold_term + m * greedy_term, valid, reduction)


_MIXED_CE_ADVICE = (
    "mixed_cross_entropy applies log_softmax itself, so a softmax before it is applied twice "
    "(the double-softmax bug), and its greedy targets come from squashed scores. Pass the raw logits."
)
