"""NLP losses (dice / self-adjusting DSC, mixed cross-entropy) against written-out formulas."""

import math

import pytest
import torch
import torch.nn.functional as F
from conftest import REDUCTIONS, assert_same, shapes, value_and_grad
from hypothesis import given, settings
from hypothesis import strategies as st

from lossbook.losses.guards import ProbabilitiesNotLogitsError, guard_mode
from lossbook.losses.classification import cross_entropy
from lossbook.losses.nlp import (
    batch_dice_loss,
    dice_loss,
    mixed_ce_weight,
    mixed_cross_entropy,
    self_adjusting_dice_loss,
)

# --- written-out oracles ------------------------------------------------------------------


def dsc_term_formula(p, y, alpha, gamma, squared):
    """1 - (2 w p y + gamma) / (w p + w y + gamma), w = (1 - p)^alpha, literally (squared: w p^2 + w y^2)."""
    w = (1 - p) ** alpha
    denominator = w * p**2 + w * y**2 + gamma if squared else w * p + w * y + gamma
    return 1 - (2 * w * p * y + gamma) / denominator


def paper_dsc_formula(p, y, alpha, gamma):
    """The paper's literal self-adjusting DSC: the weight multiplies p only, not y."""
    w = (1 - p) ** alpha
    return 1 - (2 * w * p * y + gamma) / (w * p + y + gamma)


def reduce_tokens(loss, valid, reduction):
    loss = loss * valid
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / valid.sum()


def binary_dsc_formula(x, y, *, alpha=0.0, smooth=1.0, squared_denominator=False, mask=None, reduction="mean"):
    valid = torch.ones_like(y) if mask is None else mask.to(x.dtype)
    return reduce_tokens(dsc_term_formula(torch.sigmoid(x), y, alpha, smooth, squared_denominator), valid, reduction)


def multiclass_dsc_formula(x, y, *, alpha=0.0, smooth=1.0, squared_denominator=False, ignore_index=-100, mask=None, reduction="mean"):
    """Softmax over dim 1, one-hot targets, mean of the per-class terms, then the masked reduction."""
    valid = y != ignore_index
    if mask is not None:
        valid = valid & mask
    one_hot = F.one_hot(torch.where(valid, y, 0), x.shape[1]).movedim(-1, 1).to(x.dtype)
    terms = dsc_term_formula(torch.softmax(x, dim=1), one_hot, alpha, smooth, squared_denominator)
    return reduce_tokens(terms.mean(dim=1), valid.to(x.dtype), reduction)


def mixed_ce_formula(x, y, *, m, label_smoothing=0.0, ignore_index=-100, reduction="mean"):
    """(1-m) CE_eps(gold) + m CE_eps(greedy) with CE_eps = (1-eps)(-log p_y) + eps mean_c(-log p_c), over dim 1."""
    log_p = torch.log_softmax(x, dim=1)
    greedy = x.detach().argmax(dim=1)
    valid = y != ignore_index
    gold = torch.where(valid, y, 0)

    def ce(target):
        picked = -log_p.gather(1, target.unsqueeze(1)).squeeze(1)
        return (1 - label_smoothing) * picked + label_smoothing * (-log_p).mean(dim=1)

    return reduce_tokens((1 - m) * ce(gold) + m * ce(greedy), valid.to(x.dtype), reduction)


# --- dice / DSC: values -------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("squared", [False, True])
@settings(max_examples=10, deadline=None)
@given(
    shape=shapes,
    seed=st.integers(0, 2**16),
    alpha=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
    smooth=st.sampled_from([0.1, 1.0]),
    soft=st.booleans(),
    masked=st.booleans(),
)
def test_binary_dsc_matches_the_written_out_formula_in_value_and_gradient(reduction, squared, shape, seed, alpha, smooth, soft, masked):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(shape, generator=generator, dtype=torch.float64) * 3
    target = torch.rand(shape, generator=generator, dtype=torch.float64)
    if not soft:
        target = target.round()
    kwargs = dict(alpha=alpha, smooth=smooth, squared_denominator=squared, reduction=reduction)
    if masked:
        kwargs["mask"] = torch.rand(shape, generator=generator) < 0.7
        kwargs["mask"].view(-1)[0] = True
    got = value_and_grad(self_adjusting_dice_loss, logits, target, **kwargs)
    want = value_and_grad(binary_dsc_formula, logits, target, **kwargs)
    assert_same(got, want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("squared", [False, True])
@settings(max_examples=10, deadline=None)
@given(
    batch=st.integers(1, 4),
    num_classes=st.integers(2, 5),
    extra=st.lists(st.integers(1, 4), max_size=1),
    seed=st.integers(0, 2**16),
    alpha=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
    padding=st.sampled_from(["none", "ignore_index", "mask", "both"]),
)
def test_multiclass_dsc_matches_the_written_out_formula_in_value_and_gradient(reduction, squared, batch, num_classes, extra, seed, alpha, padding):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn((batch, num_classes, *extra), generator=generator, dtype=torch.float64) * 3
    target = torch.randint(0, num_classes, (batch, *extra), generator=generator)
    kwargs = dict(alpha=alpha, squared_denominator=squared, reduction=reduction)
    if padding in ("ignore_index", "both"):
        kwargs["ignore_index"] = -1
        target[torch.rand(target.shape, generator=generator) < 0.3] = -1
    if padding in ("mask", "both"):
        kwargs["mask"] = torch.rand(target.shape, generator=generator) < 0.7
    got = value_and_grad(self_adjusting_dice_loss, logits, target, **kwargs)
    want = value_and_grad(multiclass_dsc_formula, logits, target, **kwargs)
    if reduction == "mean" and not bool(((target != kwargs.get("ignore_index", -100)) & kwargs.get("mask", True)).any()):
        want = (torch.zeros((), dtype=torch.float64), torch.zeros_like(logits))  # nothing counts: 0, not 0/0
    assert_same(got, want)


def test_binary_dice_by_hand():
    # p = sigma(3) = 0.95257: (1 - p) / (p + 1 + 1); p = sigma(-3) = 0.04743: p / (p + 1)
    p = 1 / (1 + math.exp(-3))
    values = dice_loss(torch.tensor([3.0, -3.0]), torch.tensor([1.0, 0.0]), reduction="none")
    torch.testing.assert_close(values, torch.tensor([(1 - p) / (p + 2), (1 - p) / (1 - p + 1)]))


def test_multiclass_dsc_by_hand_averages_the_classes():
    # logits (0, 0): p = (1/2, 1/2), w = 1/2, target class 1.
    # class 0 (y = 0): w p / (w p + 1) = 0.25 / 1.25 = 0.2; class 1 (y = 1): w (1 - p) / (w (p + 1) + 1) = 0.25 / 1.75
    value = self_adjusting_dice_loss(torch.zeros(1, 2), torch.tensor([1]), alpha=1.0, smooth=1.0)
    torch.testing.assert_close(value, torch.tensor((0.2 + 0.25 / 1.75) / 2))


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("smooth", [1e-3, 1.0])
def test_perfect_predictions_give_exactly_zero_loss(alpha, squared, smooth):
    kwargs = dict(alpha=alpha, smooth=smooth, squared_denominator=squared, reduction="none")
    # float64 sigmoid(+-800) is exactly 1 / 0: p = y exactly, on positives and negatives.
    logits = torch.tensor([800.0, -800.0, 800.0, -800.0], dtype=torch.float64)
    target = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    assert torch.equal(self_adjusting_dice_loss(logits, target, **kwargs), torch.zeros(4, dtype=torch.float64))
    # multiclass: one class at probability exactly 1
    multi = torch.full((3, 4), -800.0, dtype=torch.float64)
    classes = torch.tensor([0, 3, 2])
    multi[torch.arange(3), classes] = 800.0
    assert torch.equal(self_adjusting_dice_loss(multi, classes, **kwargs), torch.zeros(3, dtype=torch.float64))


def test_the_squared_form_is_zero_at_any_soft_label_the_sigmoid_hits_exactly():
    logits = torch.tensor([0.0, 0.0], dtype=torch.float64)  # p = 1/2 exactly
    target = torch.tensor([0.5, 0.5], dtype=torch.float64)
    for alpha in (0.0, 1.0):
        value = self_adjusting_dice_loss(logits, target, alpha=alpha, squared_denominator=True, reduction="sum")
        assert value.item() == 0.0


@pytest.mark.parametrize("smooth", [0.1, 1.0])
@pytest.mark.parametrize("alpha", [1.0, 2.0])
def test_the_papers_literal_form_is_not_zero_on_a_perfect_positive_but_ours_is(smooth, alpha):
    p, y = torch.tensor(1.0, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64)
    # the literal form: the weight (1-p)^alpha = 0 wipes out the overlap: 1 - gamma / (1 + gamma)
    assert paper_dsc_formula(p, y, alpha, smooth).item() == pytest.approx(1 / (1 + smooth))
    assert dsc_term_formula(p, y, alpha, smooth, squared=False).item() == 0.0


@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.0])
def test_on_negatives_the_dsc_is_the_papers_literal_form(alpha):
    logits = torch.linspace(-6, 6, 25, dtype=torch.float64)
    target = torch.zeros(25, dtype=torch.float64)
    got = self_adjusting_dice_loss(logits, target, alpha=alpha, smooth=0.5, reduction="none")
    torch.testing.assert_close(got, paper_dsc_formula(torch.sigmoid(logits), target, alpha, 0.5))


def textbook_dice(logits, target, smooth, squared):
    """Plain multiclass dice, 1 - (2py + g) / (p + y + g) (squared: p^2 + y^2), no weight anywhere, class mean."""
    p = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    y = torch.stack([(target == c).to(logits.dtype) for c in range(logits.shape[1])], dim=1)
    denominator = p * p + y * y + smooth if squared else p + y + smooth
    return (1 - (2 * p * y + smooth) / denominator).mean(dim=1)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss", ["dice_loss", "self_adjusting_dice_loss(alpha=0)"])
def test_dice_and_alpha_zero_dsc_are_the_textbook_dice_in_value_and_gradient(squared, reduction, loss):
    # Each against the formula written out by hand, not against each other (one code path serves both).
    generator = torch.Generator().manual_seed(3)
    logits = torch.randn(4, 5, 6, generator=generator, dtype=torch.float64) * 4
    target = torch.randint(0, 5, (4, 6), generator=generator)
    kwargs = dict(squared_denominator=squared, reduction=reduction, smooth=0.7)
    if loss == "dice_loss":
        got = value_and_grad(lambda x, y: dice_loss(x, y, **kwargs), logits, target)
    else:
        got = value_and_grad(lambda x, y: self_adjusting_dice_loss(x, y, alpha=0.0, **kwargs), logits, target)
    want = value_and_grad(
        lambda x, y: reduce_tokens(textbook_dice(x, y, 0.7, squared), torch.ones(4, 6, dtype=x.dtype), reduction),
        logits, target,
    )
    assert_same(got, want)


def test_the_self_adjusting_weight_shrinks_easy_tokens_more_than_hard_ones():
    # positives at p = 0.9 (easy) and p = 0.4 (hard): the weight (1-p) cuts the easy one by more.
    logits = torch.logit(torch.tensor([0.9, 0.4], dtype=torch.float64))
    target = torch.ones(2, dtype=torch.float64)
    plain = dice_loss(logits, target, reduction="none")
    adjusted = self_adjusting_dice_loss(logits, target, alpha=1.0, reduction="none")
    ratio = adjusted / plain
    assert ratio[0] < ratio[1] < 1


# --- dice / DSC: gradients -----------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 1.0, 2.0])
@pytest.mark.parametrize("squared", [False, True])
def test_dsc_gradients_pass_finite_difference_checks(alpha, squared):
    generator = torch.Generator().manual_seed(0)
    binary = (torch.randn(6, generator=generator, dtype=torch.float64) * 2).requires_grad_(True)
    labels = torch.tensor([1.0, 0.0, 1.0, 0.0, 0.3, 0.8], dtype=torch.float64)
    kwargs = dict(alpha=alpha, squared_denominator=squared, smooth=0.5)
    assert torch.autograd.gradcheck(lambda x: self_adjusting_dice_loss(x, labels, **kwargs), (binary,))
    multi = (torch.randn(3, 4, 2, generator=generator, dtype=torch.float64) * 2).requires_grad_(True)
    classes = torch.tensor([[0, 3], [2, -100], [1, 1]])
    assert torch.autograd.gradcheck(lambda x: self_adjusting_dice_loss(x, classes, **kwargs), (multi,))


def test_binary_dice_gradient_matches_the_closed_form():
    # y = 1: L = (1-p)/(p+1+g), dL/dp = -(2+g)/(p+1+g)^2;  y = 0: L = p/(p+g), dL/dp = g/(p+g)^2;  dp/dx = p(1-p)
    logits = torch.linspace(-5, 5, 11, dtype=torch.float64, requires_grad=True)
    target = (torch.arange(11) % 2).double()
    g = 0.8
    dice_loss(logits, target, smooth=g, reduction="sum").backward()
    p = torch.sigmoid(logits.detach())
    d_dp = torch.where(target == 1, -(2 + g) / (p + 1 + g) ** 2, g / (p + g) ** 2)
    torch.testing.assert_close(logits.grad, d_dp * p * (1 - p))


# --- dice / DSC: padding --------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_masked_tokens_contribute_nothing_and_get_zero_gradient(alpha):
    generator = torch.Generator().manual_seed(5)
    logits = torch.randn(2, 3, 5, generator=generator, dtype=torch.float64)
    target = torch.randint(0, 3, (2, 5), generator=generator)
    mask = torch.tensor([[True, True, True, False, False], [True, False, True, True, False]])
    x = logits.clone().requires_grad_(True)
    value = self_adjusting_dice_loss(x, target, alpha=alpha, mask=mask)
    value.backward()
    # masked tokens: zero gradient, and any change to their logits changes nothing
    assert torch.equal(x.grad.movedim(1, -1)[~mask], torch.zeros(int((~mask).sum()), 3, dtype=torch.float64))
    changed = logits.clone()
    changed.movedim(1, -1)[~mask] = 50.0 * torch.randn(int((~mask).sum()), 3, generator=generator, dtype=torch.float64)
    torch.testing.assert_close(self_adjusting_dice_loss(changed, target, alpha=alpha, mask=mask), value.detach())
    # "mean" is the mean over the kept tokens only; "none" gives 0 at the masked ones
    kept = self_adjusting_dice_loss(logits.movedim(1, -1)[mask], target[mask], alpha=alpha, reduction="none")
    torch.testing.assert_close(value.detach(), kept.mean())
    per_token = self_adjusting_dice_loss(logits, target, alpha=alpha, mask=mask, reduction="none")
    assert torch.equal(per_token[~mask], torch.zeros(int((~mask).sum()), dtype=torch.float64))
    # ignore_index marks the same tokens the same way
    padded = torch.where(mask, target, torch.full_like(target, 0))
    padded[~mask] = 7
    torch.testing.assert_close(self_adjusting_dice_loss(logits, padded, alpha=alpha, ignore_index=7), value.detach())


def test_a_batch_with_every_token_masked_gives_zero_and_a_zero_gradient_not_nan():
    logits = torch.randn(2, 3, requires_grad=True)
    value = dice_loss(logits, torch.tensor([-100, -100]))
    value.backward()
    assert value.item() == 0.0 and torch.equal(logits.grad, torch.zeros(2, 3))
    binary = torch.randn(4, requires_grad=True)
    value = self_adjusting_dice_loss(binary, torch.ones(4), mask=torch.zeros(4, dtype=torch.bool))
    value.backward()
    assert value.item() == 0.0 and torch.equal(binary.grad, torch.zeros(4))


# --- dice / DSC: extreme inputs -------------------------------------------------------------


@pytest.mark.parametrize("magnitude", [100.0, 1e4, 1e30])
@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("squared", [False, True])
def test_extreme_logits_give_finite_losses_and_gradients_in_float32(magnitude, alpha, squared):
    kwargs = dict(alpha=alpha, squared_denominator=squared)
    binary = torch.tensor([magnitude, -magnitude, magnitude, -magnitude], requires_grad=True)
    value = self_adjusting_dice_loss(binary, torch.tensor([1.0, 1.0, 0.0, 0.0]), **kwargs)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(binary.grad).all()
    multi = torch.tensor([[magnitude, -magnitude, 0.0], [-magnitude, magnitude, magnitude]], requires_grad=True)
    value = self_adjusting_dice_loss(multi, torch.tensor([1, 0]), **kwargs)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(multi.grad).all()
    assert 0.0 <= value.item() <= 1.0


# --- dice / DSC: errors ---------------------------------------------------------------------


def test_dsc_smooth_must_be_positive():
    with pytest.raises(ValueError, match=r"smooth must be a finite number > 0, got 0"):
        dice_loss(torch.zeros(2), torch.zeros(2), smooth=0)


def test_dsc_alpha_must_be_non_negative():
    with pytest.raises(ValueError, match=r"alpha must be a finite number >= 0, got -1"):
        self_adjusting_dice_loss(torch.zeros(2), torch.zeros(2), alpha=-1)


def test_dsc_squared_denominator_must_be_a_bool():
    with pytest.raises(TypeError, match=r"squared_denominator must be a bool, got int"):
        dice_loss(torch.zeros(2), torch.zeros(2), squared_denominator=1)


def test_dsc_mask_must_be_bool_with_the_target_shape():
    with pytest.raises(TypeError, match=r"mask must be a bool tensor \(True = the token counts\), got dtype torch.int64"):
        dice_loss(torch.zeros(2, 3), torch.tensor([0, 1]), mask=torch.tensor([1, 0]))
    with pytest.raises(ValueError, match=r"mask must have the shape of target: expected \(2,\), got \(3,\)"):
        dice_loss(torch.zeros(2, 3), torch.tensor([0, 1]), mask=torch.ones(3, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"mask must have the shape of input \(binary mode\): expected \(2,\), got \(1,\)"):
        dice_loss(torch.zeros(2), torch.zeros(2), mask=torch.ones(1, dtype=torch.bool))


def test_dsc_targets_are_checked():
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\] or ignore_index=-100: got 3"):
        dice_loss(torch.zeros(2, 3), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"target must hold values in \[0, 1\]: got values from 0 to 2"):
        dice_loss(torch.zeros(2), torch.tensor([0.0, 2.0]))
    with pytest.raises(ValueError, match=r"target must have the same shape as input: expected \(2,\), got \(2, 1\)"):
        dice_loss(torch.zeros(2), torch.zeros(2, 1))


def test_dsc_input_is_checked():
    with pytest.raises(TypeError, match=r"input must be a floating-point tensor, got dtype torch.int64"):
        dice_loss(torch.zeros(2, 3, dtype=torch.long), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"input must not be empty, got shape \(0, 3\)"):
        dice_loss(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\), got 'average'"):
        dice_loss(torch.zeros(2), torch.zeros(2), reduction="average")


def test_dsc_guard_names_the_loss_when_given_probabilities():
    probs = torch.softmax(torch.tensor([[2.0, 0.0, -1.0]]), dim=1)
    with guard_mode("raise"), pytest.raises(ProbabilitiesNotLogitsError, match=r"self_adjusting_dice_loss got input that looks like probabilities, not logits: .*self_adjusting_dice_loss applies the sigmoid \(float targets\) or softmax \(class indices\) itself"):
        self_adjusting_dice_loss(probs, torch.tensor([0]))


# --- batch-level dice ----------------------------------------------------------------------


def batch_dice_by_hand(logits, target, alpha=0.0, smooth=1.0, squared=False, ignore_index=-100):
    """Per class, sums over the kept tokens, then 1 - ratio, mean over classes (Li et al.'s released code at alpha=0)."""
    keep = target != ignore_index
    p = logits.movedim(1, -1)[keep].softmax(dim=-1).double()
    y = F.one_hot(target[keep], p.shape[-1]).double()
    w = (1 - p) ** alpha
    denominator = (w * (p * p + y * y)).sum(0) if squared else (w * (p + y)).sum(0)
    return (1 - (2 * (w * p * y).sum(0) + smooth) / (denominator + smooth)).mean()


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("smooth", [1.0, 1e-3])
def test_batch_dice_matches_the_written_out_set_formula_in_value_and_gradient(alpha, squared, smooth):
    generator = torch.Generator().manual_seed(int(alpha * 10) + 7 * squared)
    logits = (torch.randn(3, 5, 7, generator=generator, dtype=torch.float64) * 3).requires_grad_()
    target = torch.randint(0, 5, (3, 7), generator=generator)
    target[0, :3] = -100
    ours = batch_dice_loss(logits, target, alpha=alpha, smooth=smooth, squared_denominator=squared)
    reference = batch_dice_by_hand(logits, target, alpha, smooth, squared)
    torch.testing.assert_close(ours, reference)
    (grad_ours,) = torch.autograd.grad(ours, logits)
    (grad_reference,) = torch.autograd.grad(reference, logits)
    torch.testing.assert_close(grad_ours, grad_reference)
    assert grad_ours[0, :, :3].abs().max() == 0  # ignored tokens get no gradient


def test_batch_dice_by_hand_on_three_tokens():
    # p = softmax([4, -4]) = (1 - e, e) with e = sigmoid(-8). Tokens 0, 1 are class 0, token 2 is class 1.
    e = torch.sigmoid(torch.tensor(-8.0, dtype=torch.float64)).item()
    # class 0: p = (1-e, 1-e, e), y = (1, 1, 0): each token misses by e, so 1 - ratio = 3e / (sum(p + y) + 1)
    class_0 = 3 * e / ((4 - e) + 1)
    # class 1: p = (e, e, 1-e), y = (0, 0, 1)
    class_1 = 3 * e / ((2 + e) + 1)
    logits = torch.tensor([[4.0, -4.0], [4.0, -4.0], [-4.0, 4.0]], dtype=torch.float64)
    got = batch_dice_loss(logits, torch.tensor([0, 0, 1]))
    torch.testing.assert_close(got, torch.tensor((class_0 + class_1) / 2, dtype=torch.float64))


def test_a_mask_is_the_same_as_leaving_the_masked_tokens_out():
    generator = torch.Generator().manual_seed(3)
    logits = torch.randn(2, 4, 6, generator=generator)
    target = torch.randint(0, 4, (2, 6), generator=generator)
    mask = torch.zeros(2, 6, dtype=torch.bool)
    mask[:, :4] = True
    torch.testing.assert_close(
        batch_dice_loss(logits, target, alpha=1.0, mask=mask), batch_dice_loss(logits[:, :, :4], target[:, :4], alpha=1.0)
    )


def test_pooling_makes_a_rare_class_weigh_as_much_as_the_majority():
    # 99 correct majority tokens and 1 missed rare token: per-token dice barely notices, batch dice loses ~half a class.
    logits = torch.zeros(100, 2)
    logits[:, 0] = 6.0
    target = torch.zeros(100, dtype=torch.long)
    target[-1] = 1
    assert dice_loss(logits, target) < 0.02
    assert batch_dice_loss(logits, target, smooth=1e-3) > 0.45


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_batch_dice_is_zero_at_a_perfect_prediction_and_zero_without_counted_tokens(alpha):
    logits = torch.tensor([[1e4, -1e4], [-1e4, 1e4]])
    assert batch_dice_loss(logits, torch.tensor([0, 1]), alpha=alpha) == 0
    logits = torch.randn(2, 3, requires_grad=True)
    loss = batch_dice_loss(logits, torch.tensor([-100, -100]), alpha=alpha)
    loss.backward()
    assert loss == 0 and torch.isfinite(logits.grad).all()


def test_binary_batch_dice_pools_every_element_into_one_ratio():
    logits = torch.tensor([2.0, -1.0, 0.5, -3.0], dtype=torch.float64)
    target = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    p = torch.sigmoid(logits)
    expected = 1 - (2 * (p * target).sum() + 1) / ((p + target).sum() + 1)
    torch.testing.assert_close(batch_dice_loss(logits, target), expected)
    mask = torch.tensor([True, True, False, True])
    torch.testing.assert_close(batch_dice_loss(logits, target, mask=mask), batch_dice_loss(logits[mask], target[mask]))


@pytest.mark.parametrize("magnitude", [1e2, 1e4, 1e30])
def test_batch_dice_extreme_logits_give_finite_values_and_gradients(magnitude):
    logits = (torch.tensor([[1.0, -1.0, 0.5], [-1.0, 1.0, 0.0]]) * magnitude).requires_grad_()
    loss = batch_dice_loss(logits, torch.tensor([1, 0]), alpha=0.5)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


def test_batch_dice_names_its_bad_arguments():
    with pytest.raises(ValueError, match=r"smooth must be"):
        batch_dice_loss(torch.randn(2, 3), torch.tensor([0, 1]), smooth=0.0)
    with pytest.raises(ValueError, match=r"mask must have the shape of target: expected \(2,\), got \(3,\)"):
        batch_dice_loss(torch.randn(2, 3), torch.tensor([0, 1]), mask=torch.ones(3, dtype=torch.bool))
    probs = torch.softmax(torch.tensor([[2.0, 0.0, -1.0]]), dim=1)
    with guard_mode("raise"), pytest.raises(ProbabilitiesNotLogitsError, match=r"batch_dice_loss got input that looks like probabilities"):
        batch_dice_loss(probs, torch.tensor([0]))


# --- mixed cross-entropy ---------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.1}, {"ignore_index": 0}, {"ignore_index": -1, "label_smoothing": 0.2}], ids=str)
@settings(max_examples=10, deadline=None)
@given(
    batch=st.integers(1, 5),
    num_classes=st.integers(2, 6),
    extra=st.lists(st.integers(1, 4), max_size=1),
    seed=st.integers(0, 2**16),
    m=st.sampled_from([0.0, 0.25, 0.5, 1.0]),
)
def test_mixed_ce_matches_the_written_out_formula_in_value_and_gradient(reduction, options, batch, num_classes, extra, seed, m):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn((batch, num_classes, *extra), generator=generator, dtype=torch.float64) * 3
    target = torch.randint(0, num_classes, (batch, *extra), generator=generator)
    kwargs = dict(m=m, reduction=reduction, **options)
    if "ignore_index" in options:
        target[torch.rand(target.shape, generator=generator) < 0.3] = options["ignore_index"]
        target.view(-1)[-1] = 1  # at least one token counts
    got = value_and_grad(mixed_cross_entropy, logits, target, **kwargs)
    assert_same(got, value_and_grad(mixed_ce_formula, logits, target, **kwargs))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_mixed_ce_with_m_zero_is_cross_entropy(reduction, label_smoothing):
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(4, 7, 5, generator=generator, dtype=torch.float64) * 3
    target = torch.randint(0, 7, (4, 5), generator=generator)
    target[0, :2] = -100
    kwargs = dict(label_smoothing=label_smoothing, reduction=reduction)
    got = value_and_grad(lambda x, y: mixed_cross_entropy(x, y, m=0.0, **kwargs), logits, target)
    assert_same(got, value_and_grad(lambda x, y: F.cross_entropy(x, y, **kwargs), logits, target))
    assert_same(got, value_and_grad(lambda x, y: cross_entropy(x, y, **kwargs), logits, target))


@pytest.mark.parametrize("m", [0.3, 0.5, 1.0])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_mixed_ce_is_cross_entropy_where_the_greedy_token_is_the_gold_token(m, label_smoothing):
    generator = torch.Generator().manual_seed(2)
    logits = torch.randn(6, 5, generator=generator, dtype=torch.float64)
    target = logits.argmax(dim=1)
    got = value_and_grad(lambda x, y: mixed_cross_entropy(x, y, m=m, label_smoothing=label_smoothing), logits, target)
    want = value_and_grad(lambda x, y: F.cross_entropy(x, y, label_smoothing=label_smoothing), logits, target)
    assert_same(got, want)


@pytest.mark.parametrize("m", [0.25, 0.5])
def test_greedy_targets_carry_no_gradient(m):
    # The gradient of the summed loss is softmax(x) - [(1-m) onehot(gold) + m onehot(greedy)]: the greedy
    # token enters only as a fixed target, exactly like the gold one.
    generator = torch.Generator().manual_seed(4)
    logits = torch.randn(8, 6, generator=generator, dtype=torch.float64, requires_grad=True)
    target = torch.randint(0, 6, (8,), generator=generator)
    mixed_cross_entropy(logits, target, m=m, reduction="sum").backward()
    greedy = logits.detach().argmax(dim=1)
    assert bool((greedy != target).any())
    q = (1 - m) * F.one_hot(target, 6).double() + m * F.one_hot(greedy, 6).double()
    torch.testing.assert_close(logits.grad, torch.softmax(logits.detach(), dim=1) - q)


def test_mixed_ce_by_hand():
    # row 1: greedy 0 = gold 0, CE = -log softmax(2, 0, -1)_0 = 0.1698
    # row 2: gold 2, greedy 1: 0.5 (-log p_2) + 0.5 (-log p_1), p = softmax(0, 1, 0)
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    got = mixed_cross_entropy(logits, torch.tensor([0, 2]), m=0.5, reduction="none")
    z = 2 + math.e
    torch.testing.assert_close(got, torch.tensor([math.log(1 + math.exp(-2) + math.exp(-3)), 0.5 * math.log(z) + 0.5 * math.log(z / math.e)]))


def test_mixed_ce_ignored_tokens_count_for_nothing_and_all_ignored_gives_zero():
    generator = torch.Generator().manual_seed(6)
    logits = torch.randn(2, 4, 3, generator=generator, requires_grad=True)
    target = torch.tensor([[0, 3, -100], [-100, 1, 2]])
    value = mixed_cross_entropy(logits, target, m=0.5)
    value.backward()
    keep = target != -100
    assert torch.equal(logits.grad.movedim(1, -1)[~keep], torch.zeros(2, 4))
    kept = mixed_cross_entropy(logits.detach().movedim(1, -1)[keep], target[keep], m=0.5)
    torch.testing.assert_close(value.detach(), kept)
    none = mixed_cross_entropy(logits.detach(), target, m=0.5, reduction="none")
    assert torch.equal(none[~keep], torch.zeros(2))
    empty = mixed_cross_entropy(logits.detach(), torch.full((2, 3), -100), m=0.5)
    assert empty.item() == 0.0


@pytest.mark.parametrize("magnitude", [100.0, 1e4])
def test_mixed_ce_extreme_logits_stay_finite(magnitude):
    logits = torch.tensor([[magnitude, -magnitude, 0.0], [-magnitude, magnitude, 0.0]], requires_grad=True)
    value = mixed_cross_entropy(logits, torch.tensor([1, 0]), m=0.5, label_smoothing=0.1)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()
    # confidently wrong, log p = (0, -2M, -M) up to e^-M: CE_0.1(gold) = 0.9 (2M) + 0.1 (3M / 3) = 1.9 M,
    # CE_0.1(greedy) = 0.1 M, mixed with m = 1/2: M per token
    assert value.item() == pytest.approx(magnitude, rel=1e-6)


def test_mixed_ce_weight_schedule_rises_linearly_to_one_half():
    assert mixed_ce_weight(0.0) == 0.0
    assert mixed_ce_weight(0.5) == 0.25
    assert mixed_ce_weight(1.0) == 0.5
    assert mixed_ce_weight(0.4, max_weight=0.3) == pytest.approx(0.12)
    steps = [mixed_ce_weight(i / 10) for i in range(11)]
    assert all(b > a for a, b in zip(steps, steps[1:]))


def test_mixed_ce_weight_rejects_progress_outside_zero_one():
    with pytest.raises(ValueError, match=r"progress must be a finite number in \[0, 1\], got 1.5"):
        mixed_ce_weight(1.5)
    with pytest.raises(ValueError, match=r"progress must be a finite number in \[0, 1\], got -0.1"):
        mixed_ce_weight(-0.1)
    with pytest.raises(ValueError, match=r"max_weight must be a finite number in \[0, 1\], got 2"):
        mixed_ce_weight(0.5, max_weight=2)


def test_mixed_ce_rejects_bad_arguments():
    logits, target = torch.zeros(2, 3), torch.tensor([0, 1])
    with pytest.raises(ValueError, match=r"m must be a finite number in \[0, 1\], got 1.5"):
        mixed_cross_entropy(logits, target, m=1.5)
    with pytest.raises(ValueError, match=r"m must be a finite number in \[0, 1\], got -0.5"):
        mixed_cross_entropy(logits, target, m=-0.5)
    with pytest.raises(TypeError, match=r"m must be a real number, got NoneType"):
        mixed_cross_entropy(logits, target, m=None)
    with pytest.raises(TypeError, match=r"missing 1 required keyword-only argument: 'm'"):
        mixed_cross_entropy(logits, target)
    with pytest.raises(ValueError, match=r"label_smoothing must be a finite number in \[0, 1\], got 1.5"):
        mixed_cross_entropy(logits, target, m=0.5, label_smoothing=1.5)
    with pytest.raises(TypeError, match=r"target must hold integer class indices, got dtype torch.float32"):
        mixed_cross_entropy(logits, torch.tensor([0.0, 1.0]), m=0.5)
    with pytest.raises(ValueError, match=r"target must have the shape of input without its class dimension: expected \(2,\), got \(3,\)"):
        mixed_cross_entropy(logits, torch.tensor([0, 1, 2]), m=0.5)


def test_a_greedy_token_equal_to_a_class_valued_ignore_index_still_counts():
    # ignore_index=0 drops gold-0 tokens; a token whose gold is 2 but whose greedy prediction is 0 keeps its greedy term.
    logits = torch.tensor([[3.0, 0.0, 1.0], [0.0, 2.0, 0.0]], dtype=torch.float64)
    target = torch.tensor([2, 0])
    got = mixed_cross_entropy(logits, target, m=0.5, ignore_index=0, reduction="none")
    log_p = torch.log_softmax(logits[0], dim=0)
    torch.testing.assert_close(got, torch.stack([-0.5 * log_p[2] - 0.5 * log_p[0], torch.tensor(0.0, dtype=torch.float64)]))


@pytest.mark.parametrize("loss_fn", [dice_loss, self_adjusting_dice_loss, batch_dice_loss])
def test_dice_float_class_indices_are_a_type_error_not_a_shape_error(loss_fn):
    with pytest.raises(TypeError, match=r"target has the shape of class indices \(2,\) but dtype torch.float32"):
        loss_fn(torch.zeros(2, 3), torch.tensor([0.0, 2.0]))


@pytest.mark.parametrize("bad", [None, (v for v in [0, 1])])
@pytest.mark.parametrize("loss_fn", [dice_loss, batch_dice_loss, lambda x, y: mixed_cross_entropy(x, y, m=0.3)])
def test_nlp_losses_name_none_or_a_generator(loss_fn, bad):
    with pytest.raises(TypeError, match=r"^input must be a torch.Tensor, got (NoneType|generator)"):
        loss_fn(bad, torch.tensor([0, 1]))
    with pytest.raises(TypeError, match=r"^target must be a torch.Tensor, got (NoneType|generator)"):
        loss_fn(torch.zeros(2, 3), bad)


@pytest.mark.parametrize("bad", [[True, False], (v for v in [True, False])])
def test_dice_mask_must_be_a_tensor(bad):
    with pytest.raises(TypeError, match=r"^mask must be a torch.Tensor, got (list|generator)"):
        dice_loss(torch.zeros(2, 3), torch.tensor([0, 1]), mask=bad)
