"""Classification losses against torch.nn.functional, closed forms and hand computations."""

import math

import pytest
import torch
import torch.nn.functional as F
from conftest import REDUCTIONS, assert_same, shapes, value_and_grad
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.class_weight import compute_class_weight

from benchmarks.references import torchvision_sigmoid_focal_loss

from lossbook.losses.guards import ProbabilitiesNotLogitsError, ProbabilitiesNotLogitsWarning, guard_mode
from lossbook.losses import (
    bce,
    bce_with_logits,
    class_counts,
    cross_entropy,
    effective_number_weights,
    focal_loss,
    inverse_frequency_weights,
    label_smoothing_targets,
    nll,
    pos_weight_from_targets,
    semantic_smoothing_targets,
)


# --- binary cross-entropy ---------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_weight", [False, True])
@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_bce_matches_torch_and_the_written_out_formula_in_value_and_gradient(reduction, with_weight, shape, seed):
    generator = torch.Generator().manual_seed(seed)
    probs = torch.rand(shape, generator=generator, dtype=torch.float64) * 0.98 + 0.01
    target = torch.rand(shape, generator=generator, dtype=torch.float64)
    weight = torch.rand(shape[-1:], generator=generator, dtype=torch.float64) if with_weight else None
    got = value_and_grad(bce, probs, target, weight=weight, reduction=reduction)
    assert_same(got, value_and_grad(F.binary_cross_entropy, probs, target, weight=weight, reduction=reduction))
    assert_same(got, value_and_grad(lambda p, y: reduce(bce_formula(p, y, weight), reduction), probs, target))


def test_bce_caps_the_loss_at_100_like_torch_and_keeps_the_gradient_finite():
    probs = torch.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    target = torch.tensor([1.0, 0.0, 0.0, 1.0])
    loss = bce(probs, target, reduction="none")
    torch.testing.assert_close(loss.detach(), F.binary_cross_entropy(probs.detach(), target, reduction="none"))
    torch.testing.assert_close(loss.detach(), torch.tensor([100.0, 100.0, 0.0, 0.0]))
    loss.sum().backward()
    assert torch.isfinite(probs.grad).all()


def test_bce_by_hand():
    # -log 0.9 and -log(1 - 0.2)
    values = bce(torch.tensor([0.9, 0.2]), torch.tensor([1.0, 0.0]), reduction="none")
    torch.testing.assert_close(values, torch.tensor([-math.log(0.9), -math.log(0.8)]))


# bce_with_logits computes its own stable form (see the precision tests below): a few cases
# against torch's kernel, where both are accurate; the written-out formula further down
# carries the weight of the comparison.
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "pos_weight", "weight", "both"])
@pytest.mark.parametrize(("shape", "scale"), [((6,), 0.1), ((3, 4), 1.0), ((2, 3, 5), 10.0)])
def test_bce_with_logits_matches_torch_in_value_and_gradient(reduction, options, shape, scale):
    generator = torch.Generator().manual_seed(sum(shape))
    logits = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    target = torch.rand(shape, generator=generator, dtype=torch.float64)
    kwargs = {"reduction": reduction}
    if options in ("pos_weight", "both"):
        kwargs["pos_weight"] = torch.rand(shape[-1:], generator=generator, dtype=torch.float64) * 5
    if options in ("weight", "both"):
        kwargs["weight"] = torch.rand(shape, generator=generator, dtype=torch.float64)
    got = value_and_grad(bce_with_logits, logits, target, **kwargs)
    want = value_and_grad(F.binary_cross_entropy_with_logits, logits, target, **kwargs)
    assert_same(got, want)


def test_bce_with_logits_passes_torchs_gradient_check_for_input_and_target():
    generator = torch.Generator().manual_seed(2)
    logits = (torch.randn(3, 4, generator=generator, dtype=torch.float64) * 3).requires_grad_(True)
    target = torch.rand(3, 4, generator=generator, dtype=torch.float64).requires_grad_(True)
    pos_weight = torch.rand(4, generator=generator, dtype=torch.float64) * 4
    weight = torch.rand(3, 1, generator=generator, dtype=torch.float64)
    for kwargs in ({}, {"pos_weight": pos_weight, "weight": weight, "reduction": "sum"}):
        assert torch.autograd.gradcheck(lambda x, y: bce_with_logits(x, y, **kwargs), (logits, target))
        assert torch.autograd.gradgradcheck(lambda x, y: bce_with_logits(x, y, **kwargs), (logits, target))


def test_bce_with_logits_gradient_is_sigmoid_minus_target():
    logits = torch.linspace(-30, 30, 13, dtype=torch.float64, requires_grad=True)
    target = (torch.arange(13) % 2).double()
    bce_with_logits(logits, target, reduction="sum").backward()
    torch.testing.assert_close(logits.grad, torch.sigmoid(logits.detach()) - target)


def test_bce_with_logits_equals_bce_of_the_sigmoid_where_the_sigmoid_does_not_round():
    logits = torch.linspace(-8, 8, 17, dtype=torch.float64)
    target = torch.rand(17, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    torch.testing.assert_close(bce_with_logits(logits, target), bce(torch.sigmoid(logits), target))


def test_sigmoid_then_bce_saturates_at_a_confident_wrong_prediction_but_bce_with_logits_does_not():
    # float32: sigmoid(20) rounds to exactly 1, so sigmoid -> bce has no gradient left; the fused loss has sigma - y = 1.
    logit = torch.tensor([20.0], requires_grad=True)
    target = torch.tensor([0.0])
    bce(torch.sigmoid(logit), target).backward()
    assert logit.grad.item() == 0.0
    logit.grad = None
    value = bce_with_logits(logit, target)
    value.backward()
    assert logit.grad.item() == pytest.approx(1.0)
    assert value.item() == pytest.approx(20.0, rel=1e-6)


def test_pos_weight_from_targets_is_negatives_over_positives():
    target = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    torch.testing.assert_close(pos_weight_from_targets(target), torch.tensor([3.0, 1.0]))
    torch.testing.assert_close(pos_weight_from_targets(torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0])), torch.tensor(4.0))


def test_pos_weight_balances_the_total_weight_of_positives_and_negatives():
    target = (torch.rand(1000, generator=torch.Generator().manual_seed(1)) < 0.1).float()
    pos_weight = pos_weight_from_targets(target)
    torch.testing.assert_close(pos_weight * target.sum(), (1 - target).sum())


# --- cross-entropy and NLL --------------------------------------------------------------

CE_OPTIONS = [
    {},
    {"weight": True},
    {"ignore_index": 1},
    {"label_smoothing": 0.1},
    {"weight": True, "ignore_index": 2, "label_smoothing": 0.2},
    {"weight": True, "label_smoothing": 0.3},
]


def class_weight(num_classes, generator):
    return torch.rand(num_classes, generator=generator, dtype=torch.float64) + 0.1


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", CE_OPTIONS, ids=str)
@settings(max_examples=20, deadline=None)
@given(
    batch=st.integers(1, 6),
    num_classes=st.integers(3, 6),
    extra=st.lists(st.integers(1, 3), max_size=2),
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([0.1, 1.0, 20.0]),
)
def test_cross_entropy_with_class_indices_matches_torch_and_the_written_out_formula(reduction, options, batch, num_classes, extra, seed, scale):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn((batch, num_classes, *extra), generator=generator, dtype=torch.float64) * scale
    target = torch.randint(0, num_classes, (batch, *extra), generator=generator)
    kwargs = {"reduction": reduction, **options}
    if kwargs.get("weight"):
        kwargs["weight"] = class_weight(num_classes, generator)
    if "ignore_index" in kwargs:
        target[0] = kwargs["ignore_index"]  # at least one ignored, and make sure not all are
        target.view(-1)[-1] = (kwargs["ignore_index"] + 1) % num_classes
    got = value_and_grad(cross_entropy, logits, target, **kwargs)
    assert_same(got, value_and_grad(F.cross_entropy, logits, target, **kwargs))
    assert_same(got, value_and_grad(lambda x, y: cross_entropy_formula(x, y, **kwargs), logits, target))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"label_smoothing": 0.15}, {"weight": True, "label_smoothing": 0.3}], ids=str)
@settings(max_examples=20, deadline=None)
@given(batch=st.integers(1, 6), num_classes=st.integers(2, 6), extra=st.lists(st.integers(1, 3), max_size=1), seed=st.integers(0, 2**16))
def test_cross_entropy_with_probability_targets_matches_torch_and_the_written_out_formula(reduction, options, batch, num_classes, extra, seed):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn((batch, num_classes, *extra), generator=generator, dtype=torch.float64) * 3
    target = torch.softmax(torch.randn((batch, num_classes, *extra), generator=generator, dtype=torch.float64), dim=1)
    kwargs = {"reduction": reduction, **options}
    if kwargs.get("weight"):
        kwargs["weight"] = class_weight(num_classes, generator)
    got = value_and_grad(cross_entropy, logits, target, **kwargs)
    assert_same(got, value_and_grad(F.cross_entropy, logits, target, **kwargs))
    assert_same(got, value_and_grad(lambda x, q: soft_cross_entropy_formula(x, q, **kwargs), logits, target))


def test_cross_entropy_on_an_unbatched_row_matches_torch():
    logits = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    target = torch.tensor(2)
    assert_same(value_and_grad(cross_entropy, logits, target), value_and_grad(F.cross_entropy, logits, target))


def test_cross_entropy_by_hand():
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    expected = -(2.0 - math.log(math.exp(2.0) + 1.0 + math.exp(-1.0)))
    assert cross_entropy(logits, torch.tensor([0])).item() == pytest.approx(expected, rel=1e-6)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    logits = torch.randn(5, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64, requires_grad=True)
    target = torch.tensor([0, 3, 1, 1, 2])
    cross_entropy(logits, target, reduction="sum").backward()
    torch.testing.assert_close(logits.grad, torch.softmax(logits.detach(), 1) - F.one_hot(target, 4).double())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"ignore_index": 0}, {"weight": True, "ignore_index": 2}], ids=str)
@settings(max_examples=20, deadline=None)
@given(batch=st.integers(2, 6), num_classes=st.integers(3, 6), extra=st.lists(st.integers(1, 3), max_size=2), seed=st.integers(0, 2**16))
def test_nll_matches_torch_nll_loss_and_the_written_out_formula(reduction, options, batch, num_classes, extra, seed):
    generator = torch.Generator().manual_seed(seed)
    log_probs = torch.log_softmax(torch.randn((batch, num_classes, *extra), generator=generator, dtype=torch.float64), 1)
    target = torch.randint(0, num_classes, (batch, *extra), generator=generator)
    kwargs = {"reduction": reduction, **options}
    if kwargs.get("weight"):
        kwargs["weight"] = class_weight(num_classes, generator)
    if "ignore_index" in kwargs:
        target[0] = kwargs["ignore_index"]
        target[-1] = (kwargs["ignore_index"] + 1) % num_classes
    got = value_and_grad(nll, log_probs, target, **kwargs)
    assert_same(got, value_and_grad(F.nll_loss, log_probs, target, **kwargs))
    assert_same(got, value_and_grad(lambda z, y: nll_formula(z, y, **kwargs), log_probs, target))


@pytest.mark.parametrize("with_weight", [False, True])
@settings(max_examples=30, deadline=None)
@given(batch=st.integers(1, 8), num_classes=st.integers(2, 8), seed=st.integers(0, 2**16))
def test_log_softmax_then_nll_is_cross_entropy_in_value_and_gradient(with_weight, batch, num_classes, seed):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, num_classes, generator=generator, dtype=torch.float64) * 4
    target = torch.randint(0, num_classes, (batch,), generator=generator)
    weight = class_weight(num_classes, generator) if with_weight else None
    got = value_and_grad(lambda x, y: nll(torch.log_softmax(x, dim=1), y, weight=weight), logits, target)
    want = value_and_grad(lambda x, y: cross_entropy(x, y, weight=weight), logits, target)
    assert_same(got, want)


@pytest.mark.parametrize("loss_fn", [cross_entropy, nll, focal_loss])
def test_a_batch_with_every_target_ignored_gives_zero_and_a_zero_gradient_not_nan(loss_fn):
    input = torch.log_softmax(torch.randn(3, 4), 1).requires_grad_(True)
    value = loss_fn(input, torch.full((3,), -100))
    value.backward()
    assert value.item() == 0.0
    assert torch.equal(input.grad, torch.zeros(3, 4))


# --- focal loss -------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_binary_focal_with_gamma_zero_is_bce_with_logits(reduction, shape, seed):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(shape, generator=generator, dtype=torch.float64) * 3
    target = torch.rand(shape, generator=generator, dtype=torch.float64)
    got = value_and_grad(focal_loss, logits, target, gamma=0.0, reduction=reduction)
    want = value_and_grad(bce_with_logits, logits, target, reduction=reduction)
    assert_same(got, want)


@pytest.mark.parametrize("alpha", [0.25, 0.5, 0.9])
def test_binary_focal_with_gamma_zero_and_alpha_is_alpha_weighted_bce(alpha):
    generator = torch.Generator().manual_seed(3)
    logits = torch.randn(50, generator=generator, dtype=torch.float64) * 3
    target = torch.randint(0, 2, (50,), generator=generator).double()
    alpha_t = alpha * target + (1 - alpha) * (1 - target)
    want = value_and_grad(lambda x, y: bce_with_logits(x, y, weight=alpha_t, reduction="sum"), logits, target)
    got = value_and_grad(lambda x, y: focal_loss(x, y, gamma=0.0, alpha=alpha, reduction="sum"), logits, target)
    assert_same(got[:2], want[:2])  # value and input gradient (the reference's alpha_t is a constant in the target)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16), scale=st.sampled_from([0.5, 3.0, 15.0]))
def test_binary_focal_equals_torchvision_sigmoid_focal_loss(shape, seed, scale):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    target = torch.randint(0, 2, shape, generator=generator).double()
    got = value_and_grad(focal_loss, logits, target, gamma=2.0, alpha=0.25, reduction="none")
    want = value_and_grad(torchvision_sigmoid_focal_loss, logits, target)
    assert_same(got, want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=20, deadline=None)
@given(batch=st.integers(1, 8), num_classes=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_multiclass_focal_with_gamma_zero_is_cross_entropy(reduction, batch, num_classes, seed):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, num_classes, generator=generator, dtype=torch.float64) * 3
    target = torch.randint(0, num_classes, (batch,), generator=generator)
    got = value_and_grad(focal_loss, logits, target, gamma=0.0, reduction=reduction)
    want = value_and_grad(F.cross_entropy, logits, target, reduction=reduction)
    assert_same(got, want)


@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_multiclass_focal_with_gamma_zero_and_alpha_is_class_weighted_cross_entropy(reduction):
    generator = torch.Generator().manual_seed(4)
    logits = torch.randn(20, 5, generator=generator, dtype=torch.float64)
    target = torch.randint(0, 5, (20,), generator=generator)
    alpha = torch.tensor([0.1, 0.2, 0.3, 0.9, 2.0], dtype=torch.float64)
    got = value_and_grad(focal_loss, logits, target, gamma=0.0, alpha=alpha, reduction=reduction)
    want = value_and_grad(F.cross_entropy, logits, target, weight=alpha, reduction=reduction)
    assert_same(got, want)


def test_multiclass_focal_mean_averages_over_targets_not_over_alpha():
    logits = torch.randn(6, 3, generator=torch.Generator().manual_seed(5))
    target = torch.tensor([0, 1, 2, 0, 1, -100])
    alpha = torch.tensor([0.5, 1.0, 3.0])
    per_example = focal_loss(logits, target, alpha=alpha, reduction="none")
    torch.testing.assert_close(focal_loss(logits, target, alpha=alpha), per_example.sum() / 5)


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 5.0])
def test_multiclass_focal_by_hand(gamma):
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 3.0, 0.0]], dtype=torch.float64)
    target = torch.tensor([1, 1])
    p = torch.softmax(logits, 1)[torch.arange(2), target]
    torch.testing.assert_close(focal_loss(logits, target, gamma=gamma, reduction="none"), -((1 - p) ** gamma) * p.log())


def test_focal_down_weights_easy_examples_more_than_hard_ones():
    logits = torch.tensor([4.0, -1.0])  # easy (p_t = 0.98) and hard (p_t = 0.27) positives
    target = torch.ones(2)
    ratio = focal_loss(logits, target, gamma=2.0, reduction="none") / bce_with_logits(logits, target, reduction="none")
    assert ratio[0] < 0.001 < 0.5 < ratio[1]


# --- extreme logits ---------------------------------------------------------------------

EXTREME_CASES = [
    ("cross_entropy", lambda x, n: cross_entropy(x.view(n, -1), torch.arange(n) % 2)),
    ("cross_entropy_smoothing", lambda x, n: cross_entropy(x.view(n, -1), torch.arange(n) % 2, label_smoothing=0.1)),
    ("nll_of_log_softmax", lambda x, n: nll(torch.log_softmax(x.view(n, -1), 1), torch.arange(n) % 2)),
    ("bce_with_logits", lambda x, n: bce_with_logits(x, (torch.arange(x.numel()) % 2).to(x.dtype),
                                                     pos_weight=torch.tensor(3.0, dtype=x.dtype))),
    ("binary_focal", lambda x, n: focal_loss(x, (torch.arange(x.numel()) % 2).to(x.dtype), gamma=2.0, alpha=0.25)),
    ("binary_focal_gamma_half", lambda x, n: focal_loss(x, (torch.arange(x.numel()) % 2).to(x.dtype), gamma=0.5)),
    ("multiclass_focal", lambda x, n: focal_loss(x.view(n, -1), torch.arange(n) % 2, gamma=2.0)),
    ("multiclass_focal_gamma_half", lambda x, n: focal_loss(x.view(n, -1), torch.arange(n) % 2, gamma=0.5)),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("magnitude", [100.0, 1e4, 1e30])
@pytest.mark.parametrize(("name", "loss_of"), EXTREME_CASES, ids=[name for name, _ in EXTREME_CASES])
def test_extreme_logits_give_finite_losses_and_gradients(dtype, magnitude, name, loss_of):
    # Rows of [+m, -m], [-m, +m], ... : every kind of confident right and confident wrong prediction.
    logits = torch.tensor([[magnitude, -magnitude], [-magnitude, magnitude], [magnitude, magnitude], [-magnitude, -magnitude]])
    logits = logits.to(dtype).flatten().requires_grad_(True)
    value = loss_of(logits, 4)
    value.backward()
    assert torch.isfinite(value), value
    assert torch.isfinite(logits.grad).all(), logits.grad


def test_a_confident_wrong_prediction_costs_its_margin():
    # cross-entropy of logits [100, -100] for class 1 is 200; float32 gets it exactly.
    value = cross_entropy(torch.tensor([[100.0, -100.0]]), torch.tensor([1]))
    assert value.item() == pytest.approx(200.0)


# --- soft targets -----------------------------------------------------------------------


@pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.5, 1.0])
def test_label_smoothing_targets_reproduce_torch_label_smoothing(epsilon):
    generator = torch.Generator().manual_seed(6)
    logits = torch.randn(10, 4, 3, generator=generator, dtype=torch.float64)
    target = torch.randint(0, 4, (10, 3), generator=generator)
    soft = label_smoothing_targets(target, 4, epsilon, dtype=torch.float64)
    assert soft.shape == (10, 4, 3)
    torch.testing.assert_close(cross_entropy(logits, soft), F.cross_entropy(logits, target, label_smoothing=epsilon))


def test_label_smoothing_targets_by_hand():
    torch.testing.assert_close(label_smoothing_targets(torch.tensor([2]), 4, 0.2), torch.tensor([[0.05, 0.05, 0.85, 0.05]]))


def test_semantic_smoothing_with_uniform_similarity_is_label_smoothing():
    target = torch.tensor([0, 3, 1, 2])
    torch.testing.assert_close(
        semantic_smoothing_targets(target, torch.ones(4, 4), 0.3), label_smoothing_targets(target, 4, 0.3)
    )


def test_semantic_smoothing_with_identity_similarity_is_one_hot():
    target = torch.tensor([0, 3, 1])
    torch.testing.assert_close(semantic_smoothing_targets(target, torch.eye(4), 0.4), F.one_hot(target, 4).float())


def test_semantic_smoothing_reproduces_the_cat_tiger_dog_example_of_the_article():
    # classes dog, cat, tiger; for a cat the article gives tiger 0.2 and dog 0.05 (so cat keeps 0.75)
    similarity = torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 4.0], [1.0, 4.0, 0.0]])
    soft = semantic_smoothing_targets(torch.tensor([1]), similarity, 0.25)
    torch.testing.assert_close(soft, torch.tensor([[0.05, 0.75, 0.2]]))


@settings(max_examples=30, deadline=None)
@given(num_classes=st.integers(2, 8), epsilon=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
def test_semantic_smoothing_targets_are_distributions(num_classes, epsilon, seed):
    generator = torch.Generator().manual_seed(seed)
    similarity = torch.rand(num_classes, num_classes, generator=generator, dtype=torch.float64) + 0.01
    target = torch.randint(0, num_classes, (7,), generator=generator)
    soft = semantic_smoothing_targets(target, similarity, epsilon)
    assert (soft >= 0).all()
    torch.testing.assert_close(soft.sum(1), torch.ones(7, dtype=torch.float64))
    assert (soft.argmax(1) == target).all() or epsilon > 0.5


# --- class weights ----------------------------------------------------------------------


def test_inverse_frequency_weights_match_sklearn_balanced():
    target = torch.tensor([0] * 50 + [1] * 30 + [2] * 15 + [3] * 5)
    want = compute_class_weight("balanced", classes=torch.arange(4).numpy(), y=target.numpy())
    torch.testing.assert_close(inverse_frequency_weights(target, 4, dtype=torch.float64), torch.from_numpy(want))


def test_inverse_frequency_weights_give_every_class_the_same_total_weight():
    target = torch.tensor([0] * 50 + [1] * 30 + [2] * 20)
    weights = inverse_frequency_weights(target, 3)
    totals = weights * class_counts(target, 3)
    torch.testing.assert_close(totals, torch.full((3,), 100 / 3))


def test_effective_number_weights_by_hand_and_at_the_limits():
    target = torch.tensor([0] * 9 + [1])
    # effective numbers (1 - 0.9^9) / 0.1 = 6.1258 and 1; weights proportional to their inverses, summing to 2
    inverse = torch.tensor([0.1 / (1 - 0.9**9), 1.0], dtype=torch.float64)
    torch.testing.assert_close(effective_number_weights(target, 2, beta=0.9, dtype=torch.float64), 2 * inverse / inverse.sum())
    torch.testing.assert_close(effective_number_weights(target, 2, beta=0.0), torch.ones(2))
    balanced = inverse_frequency_weights(target, 2, dtype=torch.float64)
    torch.testing.assert_close(
        effective_number_weights(target, 2, beta=0.999999, dtype=torch.float64), 2 * balanced / balanced.sum(), rtol=1e-4, atol=1e-4
    )


def test_class_weights_refuse_a_class_with_no_examples():
    with pytest.raises(ValueError, match=r"no examples of classes \[1\]"):
        inverse_frequency_weights(torch.tensor([0, 0, 2]), 3)


# --- bad input --------------------------------------------------------------------------


def test_bce_rejects_logits_and_points_to_bce_with_logits():
    with pytest.raises(ValueError, match=r"input must hold values in \[0, 1\] \(bce takes probabilities; for logits use bce_with_logits\): got values from -2 to 3"):
        bce(torch.tensor([-2.0, 3.0]), torch.tensor([0.0, 1.0]))


@pytest.mark.parametrize("kernel_checks", [True, False], ids=["torch's CPU kernel checks", "checked first"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16, torch.float64])
@pytest.mark.parametrize(("probs", "labels", "message"), [
    ([0.5, float("nan")], [0.0, 1.0], r"input must hold values in \[0, 1\] \(bce takes probabilities; for logits use bce_with_logits\): got values from nan"),
    ([0.5, 1.5], [0.0, 1.0], r"input must hold values in \[0, 1\] \(bce takes probabilities.*: got values from 0.5 to 1.5"),
    ([0.5, 0.5], [0.0, float("nan")], r"target must hold values in \[0, 1\]: got values from nan"),
    ([0.5, 0.5], [-0.5, 1.0], r"target must hold values in \[0, 1\]: got values from -0.5 to 1"),
])
def test_bce_refuses_probabilities_or_labels_outside_zero_one_by_name(monkeypatch, kernel_checks, dtype, probs, labels, message):
    # On the CPU torch's kernel reads every value and its error is replaced by this message; elsewhere
    # (where torch's check is a device-side assert) the values are read first. Both must say the same.
    from lossbook.losses import classification

    assert classification._CPU_KERNEL_CHECKS_PROBABILITIES  # this torch checks in its CPU kernel
    monkeypatch.setattr(classification, "_CPU_KERNEL_CHECKS_PROBABILITIES", kernel_checks)
    with pytest.raises(ValueError, match=message):
        bce(torch.tensor(probs, dtype=dtype), torch.tensor(labels, dtype=dtype))


@pytest.mark.parametrize("bad", [-1.0, float("inf"), float("nan")])
def test_bce_refuses_a_negative_or_non_finite_weight(bad):
    with pytest.raises(ValueError, match=r"weight must hold finite values >= 0: got values from"):
        bce(torch.full((2,), 0.5), torch.zeros(2), weight=torch.tensor([1.0, bad]))


def test_binary_targets_outside_zero_one_are_rejected():
    with pytest.raises(ValueError, match=r"target must hold values in \[0, 1\]: got values from 0 to 2"):
        bce_with_logits(torch.zeros(2), torch.tensor([0.0, 2.0]))


def test_pos_weight_of_the_wrong_length_names_the_expected_shape():
    with pytest.raises(ValueError, match=r"pos_weight must have shape \(\) or \(C,\) with C = input.shape\[-1\] = 3: got \(2,\)"):
        bce_with_logits(torch.zeros(4, 3), torch.zeros(4, 3), pos_weight=torch.ones(2))


@pytest.mark.parametrize("bad", [-1.0, float("inf"), float("nan")])
def test_negative_or_non_finite_pos_weight_is_rejected(bad):
    with pytest.raises(ValueError, match=r"pos_weight must hold finite values >= 0: got values from"):
        bce_with_logits(torch.zeros(4), torch.zeros(4), pos_weight=torch.tensor(bad))


def test_cross_entropy_target_out_of_range_names_the_range():
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\] or ignore_index=-100: got 3"):
        cross_entropy(torch.zeros(2, 3), torch.tensor([0, 3]))


def test_cross_entropy_target_of_the_wrong_shape_names_both_shapes():
    with pytest.raises(ValueError, match=r"target must have the shape of input without its class dimension: expected \(2,\), got \(2, 1\)"):
        cross_entropy(torch.zeros(2, 3), torch.zeros(2, 1, dtype=torch.long))


def test_one_hot_float_targets_that_do_not_sum_to_one_are_rejected():
    with pytest.raises(ValueError, match=r"target must sum to 1 along the class dimension \(dim 1\) \(probability targets\): got sums from 0 to 1"):
        cross_entropy(torch.zeros(2, 3), torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))


def test_ignore_index_with_probability_targets_is_rejected():
    with pytest.raises(ValueError, match=r"ignore_index is not supported with probability targets, got ignore_index=0"):
        cross_entropy(torch.zeros(2, 3), torch.full((2, 3), 1 / 3), ignore_index=0)


def test_class_weight_must_have_one_entry_per_class():
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(3,\): got \(2,\)"):
        cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), weight=torch.ones(2))


def test_class_weight_must_share_the_input_dtype():
    with pytest.raises(TypeError, match=r"weight must have the same dtype as input: expected torch.float32, got torch.float64"):
        nll(torch.zeros(2, 3), torch.tensor([0, 1]), weight=torch.ones(3, dtype=torch.float64))


@pytest.mark.parametrize("epsilon", [-0.1, 1.5, float("nan")])
def test_label_smoothing_outside_zero_one_is_rejected(epsilon):
    with pytest.raises(ValueError, match=r"label_smoothing must be"):
        cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), label_smoothing=epsilon)


def test_float_class_index_targets_are_a_type_error_for_nll():
    with pytest.raises(TypeError, match=r"target must hold integer class indices, got dtype torch.float32"):
        nll(torch.zeros(2, 3), torch.tensor([0.0, 1.0]))


def test_integer_logits_are_a_type_error():
    with pytest.raises(TypeError, match=r"input must be a floating-point tensor, got dtype torch.int64"):
        cross_entropy(torch.zeros(2, 3, dtype=torch.long), torch.tensor([0, 1]))


def test_scalar_input_has_no_class_dimension():
    with pytest.raises(ValueError, match=r"input must have a class dimension"):
        cross_entropy(torch.tensor(1.0), torch.tensor(0))


def test_empty_input_is_a_value_error():
    with pytest.raises(ValueError, match=r"input must not be empty, got shape \(0, 3\)"):
        cross_entropy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))


@pytest.mark.parametrize("loss_fn", [cross_entropy, nll, focal_loss])
def test_unknown_reduction_lists_the_options(loss_fn):
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\), got 'average'"):
        loss_fn(torch.zeros(2, 3), torch.tensor([0, 1]), reduction="average")


def test_focal_gamma_must_be_non_negative():
    with pytest.raises(ValueError, match=r"gamma must be a finite number >= 0, got -1"):
        focal_loss(torch.zeros(3), torch.zeros(3), gamma=-1.0)


def test_focal_binary_alpha_must_be_in_zero_one():
    with pytest.raises(ValueError, match=r"alpha must be a finite number in \[0, 1\], got 1.5"):
        focal_loss(torch.zeros(3), torch.zeros(3), alpha=1.5)


def test_focal_multiclass_alpha_must_be_a_per_class_tensor():
    with pytest.raises(TypeError, match=r"alpha must be a per-class tensor of shape \(3,\) for class-index targets, got float"):
        focal_loss(torch.zeros(2, 3), torch.tensor([0, 1]), alpha=0.25)


def test_semantic_similarity_must_be_square_with_positive_rows():
    with pytest.raises(ValueError, match=r"similarity must be a square \(C, C\) matrix, got shape \(2, 3\)"):
        semantic_smoothing_targets(torch.tensor([0]), torch.ones(2, 3), 0.1)
    with pytest.raises(ValueError, match=r"similarity rows must have a positive sum: rows \[1\] sum to 0"):
        semantic_smoothing_targets(torch.tensor([0]), torch.tensor([[1.0, 0.0], [0.0, 0.0]]), 0.1)


def test_soft_target_helpers_check_the_class_range():
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\]: got values from 0 to 5"):
        label_smoothing_targets(torch.tensor([0, 5]), 3, 0.1)


def test_the_guard_mode_changes_no_value_only_whether_probabilities_warn_or_raise():
    # Probabilities, so that the guard fires: "warn" returns the very value "off" does.
    probs = torch.softmax(torch.randn(4, 3, generator=torch.Generator().manual_seed(7)), dim=1)
    target = torch.tensor([0, 1, 2, 0])
    with guard_mode("off"):
        off = cross_entropy(probs, target)
    with guard_mode("warn"), pytest.warns(ProbabilitiesNotLogitsWarning):
        warned = cross_entropy(probs, target)
    assert torch.equal(off, warned)
    torch.testing.assert_close(off, F.cross_entropy(probs, target))
    with guard_mode("raise"), pytest.raises(ProbabilitiesNotLogitsError):
        cross_entropy(probs, target)


# --- the written-out formulas -----------------------------------------------------------
# bce, bce_with_logits, cross_entropy and nll are computed by torch's fused kernels, so the
# comparisons with torch above cannot catch a wrong formula by themselves. These oracles
# write each docstring formula out term by term, independently of torch's loss kernels.


def bce_formula(p, y, weight=None):
    loss = -(y * torch.log(p).clamp_min(-100) + (1 - y) * torch.log(1 - p).clamp_min(-100))
    return loss if weight is None else weight * loss


def bce_with_logits_formula(x, y, weight=None, pos_weight=None):
    # log sigma(x) = -log(1 + e^{-x}); written with log1p(exp()) of the non-positive side to stay finite.
    def log_sigmoid(z):
        return torch.minimum(z, torch.zeros_like(z)) - torch.log1p(torch.exp(-z.abs()))

    positive = y * log_sigmoid(x)
    if pos_weight is not None:
        positive = pos_weight * positive
    loss = -(positive + (1 - y) * log_sigmoid(-x))
    return loss if weight is None else weight * loss


def cross_entropy_formula(x, y, weight=None, ignore_index=-100, label_smoothing=0.0, reduction="mean"):
    """l_n = (1-eps) w_{y_n} (-log p_{n,y_n}) + eps/C sum_c w_c (-log p_{n,c}); mean divides by sum_n w_{y_n}."""
    num_classes = x.shape[1]
    log_p = x - x.amax(dim=1, keepdim=True)
    log_p = log_p - torch.log(torch.exp(log_p).sum(dim=1, keepdim=True))
    w = torch.ones(num_classes, dtype=x.dtype) if weight is None else weight
    w_view = w.view(1, -1, *([1] * (x.dim() - 2)))
    kept = y != ignore_index
    safe = torch.where(kept, y, torch.zeros_like(y))
    picked = log_p.gather(1, safe.unsqueeze(1)).squeeze(1)
    loss = (1 - label_smoothing) * w[safe] * -picked + label_smoothing / num_classes * -(w_view * log_p).sum(dim=1)
    loss = torch.where(kept, loss, torch.zeros_like(loss))
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (w[safe] * kept).sum()


def soft_cross_entropy_formula(x, q, weight=None, label_smoothing=0.0, reduction="mean"):
    """l_n = -sum_c w_c q~_{n,c} log p_{n,c}, q~ = (1-eps) q + eps/C; mean over rows."""
    num_classes = x.shape[1]
    log_p = x - torch.logsumexp(x, dim=1, keepdim=True)
    w = torch.ones(num_classes, dtype=x.dtype) if weight is None else weight
    smoothed = (1 - label_smoothing) * q + label_smoothing / num_classes
    loss = -(w.view(1, -1, *([1] * (x.dim() - 2))) * smoothed * log_p).sum(dim=1)
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def nll_formula(z, y, weight=None, ignore_index=-100, reduction="mean"):
    w = torch.ones(z.shape[1], dtype=z.dtype) if weight is None else weight
    kept = y != ignore_index
    safe = torch.where(kept, y, torch.zeros_like(y))
    loss = torch.where(kept, -w[safe] * z.gather(1, safe.unsqueeze(1)).squeeze(1), torch.zeros(()).double())
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (w[safe] * kept).sum()


def reduce(loss, reduction):
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "pos_weight", "weight", "both"])
@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16), scale=st.sampled_from([0.1, 1.0, 10.0, 200.0]))
def test_bce_with_logits_matches_the_written_out_formula_in_value_and_gradient(reduction, options, shape, seed, scale):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    target = torch.rand(shape, generator=generator, dtype=torch.float64)
    pos_weight = torch.rand(shape[-1:], generator=generator, dtype=torch.float64) * 5 if options in ("pos_weight", "both") else None
    weight = torch.rand(shape, generator=generator, dtype=torch.float64) if options in ("weight", "both") else None
    got = value_and_grad(bce_with_logits, logits, target, weight=weight, pos_weight=pos_weight, reduction=reduction)
    want = value_and_grad(
        lambda x, y: reduce(bce_with_logits_formula(x, y, weight, pos_weight), reduction), logits, target
    )
    assert_same(got, want)


@pytest.mark.parametrize("loss_fn", [cross_entropy, nll])
@pytest.mark.parametrize("ignore_index", [-100, 0, 7])
def test_every_target_ignored_or_of_weight_zero_gives_zero_not_nan_wherever_ignore_index_lies(loss_fn, ignore_index):
    # ignore_index inside [0, C) (0), outside (7, -100): each takes a different path around the fused kernel.
    input = torch.log_softmax(torch.randn(3, 4), 1).requires_grad_(True)
    value = loss_fn(input, torch.full((3,), ignore_index), ignore_index=ignore_index)
    value.backward()
    assert value.item() == 0.0 and torch.equal(input.grad, torch.zeros(3, 4))
    input.grad = None
    weight = torch.tensor([0.0, 1.0, 1.0, 1.0])
    value = loss_fn(input, torch.zeros(3, dtype=torch.long), weight=weight)  # every kept target has weight 0
    value.backward()
    assert value.item() == 0.0 and torch.equal(input.grad, torch.zeros(3, 4))


def test_a_target_out_of_range_is_rejected_even_when_others_are_ignored():
    logits = torch.randn(3, 4)
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 3\] or ignore_index=-100: got 9"):
        cross_entropy(logits, torch.tensor([-100, 9, 1]))
    with pytest.raises(ValueError, match=r"in \[0, 3\] or ignore_index=5: got -1"):
        nll(torch.log_softmax(logits, 1), torch.tensor([0, -1, 1]), ignore_index=5)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@settings(max_examples=20, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16), scale=st.sampled_from([0.1, 1.0, 30.0]))
def test_binary_focal_matches_the_written_out_formula_for_soft_targets(gamma, shape, seed, scale):
    # l = -alpha_t (1 - p_t)^gamma [y log p + (1-y) log(1-p)], p_t = p y + (1-p)(1-y), with soft y.
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    target = torch.rand(shape, generator=generator, dtype=torch.float64)

    def formula(x, y):
        p = torch.sigmoid(x)
        one_minus_p_t = y * torch.sigmoid(-x) + (1 - y) * p
        log_terms = y * F.logsigmoid(x) + (1 - y) * F.logsigmoid(-x)
        return ((0.3 * y + 0.7 * (1 - y)) * -one_minus_p_t.pow(gamma) * log_terms).sum()

    got = value_and_grad(focal_loss, logits, target, gamma=gamma, alpha=0.3, reduction="sum")
    want = value_and_grad(formula, logits, target)
    assert_same(got, want)


def test_binary_focal_keeps_the_digits_of_one_minus_p_t_where_p_t_rounds_to_one():
    # x = 40, y = 1: p_t = sigma(40) rounds to 1 in float64, yet 1 - p_t = sigma(-40) ~ 4.2e-18.
    logits = torch.tensor([40.0], dtype=torch.float64)
    value = focal_loss(logits, torch.ones(1, dtype=torch.float64), gamma=2.0, reduction="none")
    want = torch.sigmoid(-logits) ** 2 * F.softplus(-logits)
    torch.testing.assert_close(value, want, rtol=1e-12, atol=0.0)


# --- precision of confident, correct predictions ------------------------------------------


def binary_cross_entropy_float64(x, y, pos_weight=1.0):
    """(1 - y) softplus(x) + p y softplus(-x) in float64, each softplus as log1p(exp(-|z|)) + max(z, 0)."""
    x, y = x.double(), y.double()

    def softplus(z):
        return torch.log1p(torch.exp(-z.abs())) + z.clamp_min(0)

    return (1 - y) * softplus(x) + pos_weight * y * softplus(-x)


@pytest.mark.parametrize("pos_weight", [None, 3.0])
def test_bce_with_logits_keeps_the_small_loss_of_a_confident_correct_prediction(pos_weight):
    # y = 0, x = -17 (and the mirror image): the loss is 4.14e-8; torch's kernel rounds it to 0 in float32.
    logits = torch.tensor([-17.0, 17.0, -30.0, 30.0, -17.0, 17.0])
    target = torch.tensor([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    kwargs = {} if pos_weight is None else {"pos_weight": torch.tensor(pos_weight)}
    got = bce_with_logits(logits, target, reduction="none", **kwargs)
    want = binary_cross_entropy_float64(logits, target, 1.0 if pos_weight is None else pos_weight)
    torch.testing.assert_close(got.double(), want, rtol=1e-6, atol=0.0)
    assert got[0].item() == pytest.approx(4.139937718785167e-08, rel=1e-6)
    assert F.binary_cross_entropy_with_logits(logits[:1], target[:1]).item() == 0.0  # the defect avoided
    mean = bce_with_logits(logits[:4], target[:4], **kwargs)
    assert mean.item() == pytest.approx(want[:4].mean().item(), rel=1e-6)


# The reduced loss comes from torch's kernel when its error is provably at most 256 eps of it,
# else from the stable form: either way it must agree with the float64 closed form to that bound.
ALLOWED_FLOAT32_ERROR = 256 * torch.finfo(torch.float32).eps


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("options", ["plain", "pos_weight", "weight"])
@settings(max_examples=30, deadline=None)
@given(
    shape=shapes,
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([0.5, 3.0, 20.0, 60.0]),
    shift=st.sampled_from([0.0, -20.0, 20.0]),
)
def test_reduced_bce_with_logits_in_float32_is_within_256_eps_of_the_float64_closed_form(
    reduction, options, shape, seed, scale, shift
):
    # shift -20 with y = 0 (or +20 with y = 1) makes batches of confident, correct predictions, where
    # torch's kernel loses every digit of the mean; the other batches take torch's kernel.
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(shape, generator=generator) * scale + shift
    target = (torch.rand(shape, generator=generator) < 0.5).float()
    if shift:
        target = torch.full(shape, float(shift > 0))
    pos_weight = torch.rand(shape[-1:], generator=generator) * 5 if options == "pos_weight" else None
    weight = torch.rand(shape, generator=generator) if options == "weight" else None
    kwargs = {"pos_weight": pos_weight, "weight": weight}
    got = value_and_grad(bce_with_logits, logits, target, reduction=reduction, **kwargs)
    x, y = logits.double(), target.double()
    terms = binary_cross_entropy_float64(x, y, 1.0 if pos_weight is None else pos_weight.double())
    w = torch.ones_like(x) if weight is None else weight.double()
    p = 1.0 if pos_weight is None else pos_weight.double()
    want = (terms * w).sum() / (x.numel() if reduction == "mean" else 1)
    assert got[0].item() == pytest.approx(want.item(), rel=ALLOWED_FLOAT32_ERROR, abs=1e-38)
    # gradient: w [(1 - y) + p y] sigma(x) - w p y, the closed form, in float64. Both torch's kernel and
    # the stable form compute it as a difference, so its error is a few eps of w max(1, p), not of itself.
    denominator = x.numel() if reduction == "mean" else 1
    grad = w * (((1 - y) + p * y) * torch.sigmoid(x) - p * y) / denominator
    scale = (w * torch.maximum(torch.ones_like(x), torch.as_tensor(p, dtype=x.dtype))).max().item() / denominator
    torch.testing.assert_close(got[1].double(), grad, rtol=1e-5, atol=4 * torch.finfo(torch.float32).eps * scale)


def test_bce_with_logits_keeps_the_small_loss_of_a_confident_positive_with_a_pos_weight_that_rounds():
    # p x is rounded (x = 30.8, p = 2.45): p max(x, 0) - p y x left its rounding error, 3.4e-6 for a loss of 1e-13.
    logits = torch.tensor([30.8199, -30.8199, 5.0])
    target = torch.tensor([1.0, 0.0, 1.0])
    pos_weight = torch.tensor(2.4505)
    got = bce_with_logits(logits, target, pos_weight=pos_weight, reduction="none")
    want = binary_cross_entropy_float64(logits, target, pos_weight.double())
    torch.testing.assert_close(got.double(), want, rtol=1e-6, atol=0.0)


@pytest.mark.parametrize("labels", ["hard", "soft"])
@pytest.mark.parametrize("options", ["plain", "pos_weight", "weight"])
@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    scale=st.sampled_from([0.5, 3.0, 20.0]),
    confidence=st.sampled_from([0.0, 2.0, 3.0, 5.0, 8.0, 14.0, 20.0]),
)
def test_a_target_used_again_keeps_the_reduced_bce_with_logits_within_256_eps(labels, options, seed, scale, confidence):
    # One target, new logits at every call: the first call checks the labels, the second finds them hard
    # (0/1) or not, the later ones reuse what was found and, for hard labels, read no logits at all. Each
    # prediction is right by `confidence` on average, so some batches have a mean loss far below their
    # logits (all of torch's digits lost) and some sit near the smallest mean the rule accepts.
    generator = torch.Generator().manual_seed(seed)
    shape = (64, 16)
    target = (torch.rand(shape, generator=generator) < 0.1).float()
    if labels == "soft":
        target = target * 0.9 + 0.05
    pos_weight = torch.rand(shape[-1:], generator=generator) * 5 if options == "pos_weight" else None
    weight = torch.rand(shape, generator=generator) if options == "weight" else None
    for _ in range(4):
        margin = torch.randn(shape, generator=generator) * scale + confidence
        logits = torch.where(target > 0.5, margin, -margin)
        got = bce_with_logits(logits, target, pos_weight=pos_weight, weight=weight)
        terms = binary_cross_entropy_float64(logits, target, 1.0 if pos_weight is None else pos_weight.double())
        want = (terms * (1.0 if weight is None else weight.double())).mean()
        assert got.item() == pytest.approx(want.item(), rel=ALLOWED_FLOAT32_ERROR, abs=1e-38)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_largest_error_of_a_confident_negative_in_torchs_kernel_is_within_the_bound_the_rule_uses(dtype):
    # The rule's constant for hard labels comes from an analysis of x - fl(x - t); measure the kernel instead.
    from lossbook.losses.classification import _TAIL_ERROR

    logits = torch.linspace(-60.0, 0.0, 400_001, dtype=torch.float64).to(dtype)
    got = torch.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits), None, None, 0).double()
    want = torch.log1p(torch.exp(logits.double()))
    worst = (got - want).abs().max().item()
    assert 0.3 * _TAIL_ERROR[dtype] < worst <= _TAIL_ERROR[dtype]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_a_tiny_pos_weight_keeps_the_loss_of_the_positives(reduction):
    # torch computes w = 1 + (p - 1) y: at y = 1 and p = 1e-9, p - 1 rounds to -1 and w to 0 in float32.
    logits = torch.tensor([5.0, 6.0, -1.0])
    target = torch.ones(3)
    pos_weight = torch.tensor(1e-9)
    assert F.binary_cross_entropy_with_logits(logits[:2], target[:2], pos_weight=pos_weight).item() == 0.0
    want = binary_cross_entropy_float64(logits, target, 1e-9)
    want = {"none": want, "mean": want.mean(), "sum": want.sum()}[reduction]
    for _ in range(3):
        got = bce_with_logits(logits, target, pos_weight=pos_weight, reduction=reduction)
        torch.testing.assert_close(got.double(), want, rtol=1e-6, atol=0.0)


def test_a_target_used_again_but_changed_in_place_is_checked_again():
    target = torch.zeros(8)
    for _ in range(3):
        bce_with_logits(torch.randn(8), target)
    target[0] = 2.0
    with pytest.raises(ValueError, match=r"target must hold values in \[0, 1\]: got values from 0 to 2"):
        bce_with_logits(torch.randn(8), target)


def test_a_target_used_again_with_other_weights_checks_the_new_ones():
    target = torch.zeros(2, 4)
    pos_weight, weight = torch.ones(4), torch.ones(2, 4)
    for _ in range(3):
        bce_with_logits(torch.randn(2, 4), target, pos_weight=pos_weight, weight=weight)
    with pytest.raises(ValueError, match=r"pos_weight must hold finite values >= 0"):
        bce_with_logits(torch.randn(2, 4), target, pos_weight=-torch.ones(4), weight=weight)
    weight[1, 1] = -1.0
    with pytest.raises(ValueError, match=r"weight must hold finite values >= 0"):
        bce_with_logits(torch.randn(2, 4), target, pos_weight=pos_weight, weight=weight)
    weight[1, 1] = 1.0
    weight.requires_grad_(True)
    with pytest.raises(ValueError, match=r"weight must not require a gradient"):
        bce_with_logits(torch.randn(2, 4), target, pos_weight=pos_weight, weight=weight)
    with pytest.raises(ValueError, match=r"reduction must be one of"):
        bce_with_logits(torch.randn(2, 4), target, reduction="average")


def test_a_weight_changed_in_place_is_read_again_by_the_precision_rule():
    # The rule uses the largest weight; a weight made larger in place must not keep its old maximum.
    logits = torch.tensor([-30.0, 1.0, 2.0, 0.5])
    target = torch.tensor([0.0, 1.0, 1.0, 0.0])
    weight = torch.tensor([0.0, 1.0, 1.0, 1.0])
    for _ in range(3):  # checked, then found hard labels, then a plan kept on the target
        bce_with_logits(logits, target, weight=weight)
    weight[0] = 1e6  # now the -30 logit, whose loss torch's kernel cannot resolve, weighs 1e6
    got = bce_with_logits(logits, target, weight=weight)
    want = (binary_cross_entropy_float64(logits, target) * weight.double()).mean()
    assert got.item() == pytest.approx(want.item(), rel=ALLOWED_FLOAT32_ERROR)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16), scale=st.sampled_from([1.0, 10.0, 40.0]))
def test_bce_with_logits_in_float32_has_the_relative_precision_of_float32(shape, seed, scale):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(shape, generator=generator) * scale
    target = torch.randint(0, 2, shape, generator=generator).float()
    got = bce_with_logits(logits, target, reduction="none")
    torch.testing.assert_close(got.double(), binary_cross_entropy_float64(logits, target), rtol=1e-5, atol=1e-30)


def test_binary_focal_loss_keeps_the_small_loss_of_a_confident_correct_prediction():
    logits = torch.tensor([-17.0, 17.0, -12.0])
    target = torch.tensor([0.0, 1.0, 0.0])
    got = focal_loss(logits, target, gamma=2.0, alpha=0.25, reduction="none").double()
    x, y = logits.double(), target.double()
    one_minus_p_t = torch.where(y == 1, torch.sigmoid(-x), torch.sigmoid(x))
    want = (0.25 * y + 0.75 * (1 - y)) * one_minus_p_t**2 * binary_cross_entropy_float64(x, y)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=0.0)
    assert (got > 0).all()


@pytest.mark.parametrize("alpha", [None, 0.25])
@pytest.mark.parametrize("confidence", [0.0, 3.0, 8.0, 14.0, 20.0])
def test_a_target_used_again_keeps_the_reduced_binary_focal_loss_within_256_eps(alpha, confidence):
    # As for bce_with_logits: from the second call on, hard labels let the precision rule skip the logits.
    generator = torch.Generator().manual_seed(int(confidence))
    target = (torch.rand(64, 16, generator=generator) < 0.1).float()
    for _ in range(4):
        margin = torch.randn(64, 16, generator=generator) * 2 + confidence
        logits = torch.where(target > 0.5, margin, -margin)
        got = focal_loss(logits, target, gamma=2.0, alpha=alpha)
        x, y = logits.double(), target.double()
        one_minus_p_t = torch.where(y == 1, torch.sigmoid(-x), torch.sigmoid(x))
        factor = 1.0 if alpha is None else alpha * y + (1 - alpha) * (1 - y)
        want = (factor * one_minus_p_t**2 * binary_cross_entropy_float64(x, y)).mean()
        assert got.item() == pytest.approx(want.item(), rel=ALLOWED_FLOAT32_ERROR, abs=1e-38)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("magnitude", [10.0, 1e3, 3e4])  # 2 x 3e4, the largest loss, is still a float16
def test_binary_losses_stay_finite_in_half_precision(dtype, magnitude):
    logits = torch.tensor([magnitude, -magnitude, magnitude, -magnitude], dtype=dtype, requires_grad=True)
    target = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    for loss in (
        bce_with_logits(logits, target),
        bce_with_logits(logits, target, pos_weight=torch.tensor(2.0, dtype=dtype)),
        focal_loss(logits, target, gamma=2.0),
    ):
        (grad,) = torch.autograd.grad(loss, logits)
        assert torch.isfinite(loss) and torch.isfinite(grad).all()


# --- bad input: what the message says -----------------------------------------------------


def test_float_class_indices_are_a_type_error_not_a_shape_error():
    logits = torch.zeros(2, 3)
    for loss_fn in (cross_entropy, focal_loss):
        with pytest.raises(TypeError, match=r"target has the shape of class indices \(2,\) but dtype torch.float32: class indices must be integers"):
            loss_fn(logits, torch.tensor([0.0, 2.0]))


def test_label_smoothing_targets_name_epsilon_not_label_smoothing():
    with pytest.raises(ValueError, match=r"^epsilon must be a finite number in \[0, 1\], got 1.5$"):
        label_smoothing_targets(torch.tensor([0]), 3, 1.5)
    with pytest.raises(ValueError, match=r"^epsilon must be a finite number in \[0, 1\], got -0.1$"):
        semantic_smoothing_targets(torch.tensor([0]), torch.ones(3, 3), -0.1)


@pytest.mark.parametrize("bad", [None, "3", 2.0, True])
def test_num_classes_of_the_wrong_kind_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"num_classes must be an int, got"):
        label_smoothing_targets(torch.tensor([0]), bad, 0.1)


def test_dtype_must_be_a_floating_torch_dtype():
    with pytest.raises(TypeError, match=r"dtype must be a torch.dtype such as torch.float32, got str"):
        label_smoothing_targets(torch.tensor([0]), 3, 0.1, dtype="float32")
    with pytest.raises(TypeError, match=r"dtype must be a floating dtype such as torch.float32, got torch.int64"):
        inverse_frequency_weights(torch.tensor([0, 1]), 2, dtype=torch.int64)


def test_a_call_signature_nll_passed_does_not_let_cross_entropy_skip_its_checks():
    # Both losses remember the signatures that passed; an nll call (no option) once let cross_entropy
    # with label_smoothing=None take nll's findings and fail with "not enough values to unpack".
    log_probs = torch.randn(4, 3).log_softmax(1)
    nll(log_probs, torch.tensor([0, 1, 2, 0]))
    with pytest.raises(TypeError, match=r"^label_smoothing must be a real number, got NoneType"):
        cross_entropy(log_probs, torch.tensor([0, 1, 2, 0]), label_smoothing=None)


@pytest.mark.parametrize("bad", [None, (v for v in [0.0, 1.0])])
@pytest.mark.parametrize("loss_fn", [bce, bce_with_logits, cross_entropy, nll, focal_loss])
def test_none_or_a_generator_is_a_type_error_naming_the_argument(loss_fn, bad):
    with pytest.raises(TypeError, match=r"^input must be a torch.Tensor, got (NoneType|generator)"):
        loss_fn(bad, torch.zeros(2))
    with pytest.raises(TypeError, match=r"^target must be a torch.Tensor, got (NoneType|generator)"):
        loss_fn(torch.full((2,), 0.5), bad)


@pytest.mark.parametrize(("call", "name"), [
    (lambda w: cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), weight=w), "weight"),
    (lambda w: nll(torch.zeros(2, 3) - 1.1, torch.tensor([0, 1]), weight=w), "weight"),
    (lambda w: bce(torch.full((2, 3), 0.5), torch.zeros(2, 3), weight=w), "weight"),
    (lambda w: bce_with_logits(torch.zeros(2, 3), torch.zeros(2, 3), weight=w), "weight"),
    (lambda w: bce_with_logits(torch.zeros(2, 3), torch.zeros(2, 3), pos_weight=w), "pos_weight"),
])
def test_a_weight_that_requires_a_gradient_is_a_clear_error_not_a_torch_runtime_error(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must not require a gradient: .* pass {name}.detach\(\)"):
        call(torch.ones(3, requires_grad=True))


def test_a_weight_that_requires_a_gradient_gets_one_where_the_loss_can_give_it():
    # Probability targets and focal alpha are computed without a kernel that refuses it.
    weight = torch.ones(3, requires_grad=True)
    cross_entropy(torch.randn(2, 3), torch.full((2, 3), 1 / 3), weight=weight).backward()
    assert weight.grad is not None
    alpha = torch.ones(3, requires_grad=True)
    focal_loss(torch.randn(2, 3), torch.tensor([0, 2]), alpha=alpha).backward()
    assert alpha.grad is not None


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), -1.0])
def test_semantic_smoothing_refuses_an_infinite_negative_or_nan_similarity(bad):
    similarity = torch.ones(3, 3)
    similarity[0, 1] = bad
    with pytest.raises(ValueError, match=r"similarity must hold finite values >= 0: got values from"):
        semantic_smoothing_targets(torch.tensor([0]), similarity, 0.1)


def test_semantic_smoothing_refuses_rows_whose_sum_overflows():
    similarity = torch.full((3, 3), 3e38)
    with pytest.raises(ValueError, match=r"similarity rows must have a finite sum in torch.float32: rows \[0, 1, 2\] overflow"):
        semantic_smoothing_targets(torch.tensor([0]), similarity, 0.1)


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), -0.5])
def test_class_weights_must_be_finite_and_non_negative(bad):
    with pytest.raises(ValueError, match=r"weight must hold finite values >= 0: got values from"):
        cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), weight=torch.tensor([1.0, bad, 1.0]))


def test_a_weight_changed_in_place_is_checked_again():
    # Checked weights are remembered by tensor and version; an in-place change is a new version.
    weight = torch.ones(3)
    cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), weight=weight)
    weight[1] = -1.0
    with pytest.raises(ValueError, match=r"weight must hold finite values >= 0: got values from -1 to 1"):
        cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), weight=weight)


def test_a_call_signature_seen_before_still_checks_target_values():
    # Shape and option checks are remembered per signature; the class indices never are.
    logits = torch.zeros(2, 3)
    cross_entropy(logits, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\] or ignore_index=-100: got 3"):
        cross_entropy(logits, torch.tensor([0, 3]))
    with pytest.raises(TypeError, match=r"ignore_index must be an int, got bool"):
        cross_entropy(logits, torch.tensor([0, 1]), ignore_index=True)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_label_smoothed_targets_over_1000_classes_in_half_precision_are_accepted(dtype):
    # Their sums are off 1 by rounding only (about eps), well within the dtype-aware tolerance.
    target = label_smoothing_targets(torch.arange(8) * 100, 1000, 0.1, dtype=dtype)
    logits = torch.randn(8, 1000).to(dtype)
    value = cross_entropy(logits, target)
    assert torch.isfinite(value)
    bad = target.clone()
    bad[0, 1] += 0.2  # a row summing to 1.2 is no distribution, whatever the dtype
    with pytest.raises(ValueError, match=r"target must sum to 1 along the class dimension"):
        cross_entropy(logits, bad)


def test_the_losses_work_under_inference_mode_and_no_grad():
    # Inference tensors keep no version counter, so nothing about them is remembered.
    generator = torch.Generator().manual_seed(0)
    logits, target = torch.randn(4, 3, generator=generator), torch.tensor([0, 1, 2, 0])
    want = F.cross_entropy(logits, target, weight=torch.ones(3))
    for context in (torch.inference_mode, torch.no_grad):
        with context():
            x, weight = logits.clone(), torch.ones(3)
            for _ in range(2):
                torch.testing.assert_close(cross_entropy(x, target, weight=weight), want)
                torch.testing.assert_close(nll(torch.log_softmax(x, 1), target), F.nll_loss(torch.log_softmax(x, 1), target))
                y = torch.rand(4, 3, generator=generator)
                torch.testing.assert_close(
                    bce_with_logits(x, y, pos_weight=weight), F.binary_cross_entropy_with_logits(x, y, pos_weight=weight)
                )


@pytest.mark.parametrize("name", ["cross_entropy", "nll"])
def test_a_target_used_again_then_changed_to_all_ignored_gives_zero_not_nan(name):
    # A target whose mean was a number is not read again while unchanged: an in-place change
    # to nothing-to-count (a new version) must be seen, and so must class weights set to 0.
    def loss(logits, target, **options):
        if name == "nll":
            return nll(torch.log_softmax(logits, 1), target, **options)
        return cross_entropy(logits, target, **options)

    logits = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([0, 1, 2, 0, 1])
    for _ in range(2):
        torch.testing.assert_close(loss(logits, target), F.cross_entropy(logits, target))
    target.fill_(-100)
    value = loss(logits, target)
    value.backward()
    assert value.item() == 0.0 and torch.equal(logits.grad, torch.zeros_like(logits))
    weight = torch.ones(3, dtype=torch.float64)
    target = torch.tensor([0, 1, 2, 0, 1])
    for _ in range(2):
        torch.testing.assert_close(loss(logits, target, weight=weight), F.cross_entropy(logits, target, weight=weight))
    weight.zero_()
    assert loss(logits, target, weight=weight).item() == 0.0
