"""Regression losses against the formulas written out, torch.nn.functional, closed forms and hand computations."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from lossbook.losses import huber, mae, mse, rmse, smooth_l1

REDUCTIONS = ["mean", "sum", "none"]


def reduce(elementwise, reduction):
    return {"mean": elementwise.mean, "sum": elementwise.sum, "none": lambda: elementwise}[reduction]()


# The formulas as the docstrings write them, elementwise: an oracle independent of torch's kernels.
def mse_formula(input, target):
    return (input - target) ** 2


def mae_formula(input, target):
    return (input - target).abs()


def huber_formula(input, target, *, delta):
    error = (input - target).abs()
    return torch.where(error <= delta, 0.5 * error**2, delta * (error - 0.5 * delta))


def smooth_l1_formula(input, target, *, beta):
    error = (input - target).abs()
    if beta == 0:
        return error
    return torch.where(error < beta, 0.5 * error**2 / beta, error - 0.5 * beta)


FORMULAS = [
    (mse, mse_formula, {}),
    (mae, mae_formula, {}),
    (huber, huber_formula, {"delta": 1.0}),
    (huber, huber_formula, {"delta": 0.3}),
    (smooth_l1, smooth_l1_formula, {"beta": 1.0}),
    (smooth_l1, smooth_l1_formula, {"beta": 0.25}),
    (smooth_l1, smooth_l1_formula, {"beta": 0.0}),
]

# (lossbook function, torch reference, keyword arguments shared by both)
PAIRS = [
    (mse, F.mse_loss, {}),
    (mae, F.l1_loss, {}),
    (huber, F.huber_loss, {"delta": 1.0}),
    (huber, F.huber_loss, {"delta": 0.3}),
    (huber, F.huber_loss, {"delta": 4.0}),
    (smooth_l1, F.smooth_l1_loss, {"beta": 1.0}),
    (smooth_l1, F.smooth_l1_loss, {"beta": 0.25}),
    (smooth_l1, F.smooth_l1_loss, {"beta": 0.0}),
]
PAIR_IDS = [f"{ours.__name__}-{kwargs}" for ours, _, kwargs in PAIRS]

shapes = st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=3).map(tuple)


def value_and_grad(loss_fn, input, target, **kwargs):
    input = input.clone().requires_grad_(True)
    target = target.clone().requires_grad_(True)
    value = loss_fn(input, target, **kwargs)
    value.backward(torch.ones_like(value))
    return value.detach(), input.grad, target.grad


@pytest.mark.parametrize(("ours", "reference", "kwargs"), PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16), scale=st.sampled_from([0.01, 1.0, 100.0]))
def test_matches_torch_in_value_and_gradient(ours, reference, kwargs, reduction, shape, seed, scale):
    generator = torch.Generator().manual_seed(seed)
    input = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    target = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    got = value_and_grad(ours, input, target, reduction=reduction, **kwargs)
    want = value_and_grad(reference, input, target, reduction=reduction, **kwargs)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)


@pytest.mark.parametrize(("ours", "formula", "kwargs"), FORMULAS, ids=[f"{o.__name__}-{k}" for o, _, k in FORMULAS])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16), scale=st.sampled_from([0.01, 1.0, 100.0]))
def test_matches_the_written_out_formula_in_value_and_gradient(ours, formula, kwargs, reduction, shape, seed, scale):
    generator = torch.Generator().manual_seed(seed)
    input = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    target = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    got = value_and_grad(ours, input, target, reduction=reduction, **kwargs)
    want = value_and_grad(lambda a, b: reduce(formula(a, b, **kwargs), reduction), input, target)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_rmse_is_square_root_of_mse_in_value_and_gradient(shape, seed):
    generator = torch.Generator().manual_seed(seed)
    input = torch.randn(shape, generator=generator, dtype=torch.float64)
    target = torch.randn(shape, generator=generator, dtype=torch.float64)
    got = value_and_grad(rmse, input, target)
    want = value_and_grad(lambda a, b: torch.sqrt(F.mse_loss(a, b)), input, target)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)


def test_rmse_per_column_with_dim():
    input = torch.tensor([[1.0, 0.0], [3.0, 0.0]])
    target = torch.zeros(2, 2)
    torch.testing.assert_close(rmse(input, target, dim=0), torch.tensor([5.0**0.5, 0.0]))
    assert rmse(input, target, dim=0, keepdim=True).shape == (1, 2)


def test_rmse_of_a_perfect_fit_is_zero_with_zero_gradient_not_nan():
    input = torch.ones(4, requires_grad=True)
    value = rmse(input, torch.ones(4))
    value.backward()
    assert value.item() == 0.0
    assert torch.equal(input.grad, torch.zeros(4))


def test_seed_003_practice_problem_by_hand():
    target = torch.tensor([10.0, 10.0, 10.0, 100.0])
    prediction = torch.tensor([11.0, 9.0, 10.0, 50.0])
    # squared errors 1, 1, 0, 2500 -> 2502 / 4; absolute errors 1, 1, 0, 50 -> 52 / 4
    assert mse(prediction, target).item() == pytest.approx(625.5)
    assert mae(prediction, target).item() == pytest.approx(13.0)
    assert rmse(prediction, target).item() == pytest.approx(625.5**0.5)
    assert rmse(prediction, target).item() != pytest.approx(2502**0.5 / 4)  # the seed's formula


@pytest.mark.parametrize("delta", [0.1, 1.0, 2.5, 10.0])
def test_huber_is_delta_times_smooth_l1_with_beta_delta(delta):
    generator = torch.Generator().manual_seed(0)
    input = torch.randn(100, generator=generator, dtype=torch.float64) * 5
    target = torch.zeros(100, dtype=torch.float64)
    torch.testing.assert_close(
        huber(input, target, delta=delta, reduction="none"),
        delta * smooth_l1(input, target, beta=delta, reduction="none"),
    )


def test_smooth_l1_with_beta_zero_is_l1_in_value_and_gradient():
    input = torch.tensor([-2.0, -0.1, 0.0, 0.1, 3.0], dtype=torch.float64)
    target = torch.zeros(5, dtype=torch.float64)
    got = value_and_grad(smooth_l1, input, target, beta=0.0, reduction="none")
    want = value_and_grad(mae, input, target, reduction="none")
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)


def test_huber_gradient_is_the_error_clipped_to_delta():
    errors = torch.tensor([-10.0, -1.0, -0.5, 0.0, 0.5, 1.0, 10.0], requires_grad=True)
    huber(errors, torch.zeros(7), delta=1.0, reduction="sum").backward()
    torch.testing.assert_close(errors.grad, errors.detach().clamp(-1.0, 1.0))


def test_huber_by_hand_in_both_regimes():
    values = huber(torch.tensor([0.5, 3.0]), torch.zeros(2), delta=2.0, reduction="none")
    torch.testing.assert_close(values, torch.tensor([0.125, 2.0 * (3.0 - 1.0)]))


@pytest.mark.parametrize("loss_fn", [mse, mae, huber, smooth_l1, rmse])
def test_extreme_but_finite_values_give_finite_loss_and_gradient(loss_fn):
    input = torch.tensor([1e15, -1e15, 0.0], requires_grad=True)
    value = loss_fn(input, torch.zeros(3))
    value.backward()
    assert torch.isfinite(value)
    assert torch.isfinite(input.grad).all()


# --- bad input --------------------------------------------------------------------------

LOSSES = [mse, mae, rmse, huber, smooth_l1]


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_shape_mismatch_names_target_and_both_shapes(loss_fn):
    with pytest.raises(ValueError, match=r"target must have the same shape as input: expected \(4, 1\), got \(4,\)"):
        loss_fn(torch.zeros(4, 1), torch.zeros(4))


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_integer_input_is_a_type_error_naming_the_argument(loss_fn):
    with pytest.raises(TypeError, match=r"input must be a floating-point tensor, got dtype torch.int64"):
        loss_fn(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"target must be a floating-point tensor, got dtype torch.int64"):
        loss_fn(torch.tensor([1.0, 2.0]), torch.tensor([1, 2]))


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_non_tensor_input_is_a_type_error(loss_fn):
    with pytest.raises(TypeError, match=r"input must be a torch.Tensor, got list"):
        loss_fn([1.0, 2.0], torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_mixed_dtypes_are_a_type_error(loss_fn):
    with pytest.raises(TypeError, match=r"target must have the same dtype as input: expected torch.float32, got torch.float64"):
        loss_fn(torch.zeros(3), torch.zeros(3, dtype=torch.float64))


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_empty_input_is_a_value_error(loss_fn):
    with pytest.raises(ValueError, match=r"input must not be empty, got shape \(0,\)"):
        loss_fn(torch.zeros(0), torch.zeros(0))


@pytest.mark.parametrize("loss_fn", [mse, mae, huber, smooth_l1])
def test_unknown_reduction_lists_the_options(loss_fn):
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\), got 'average'"):
        loss_fn(torch.zeros(3), torch.zeros(3), reduction="average")


@pytest.mark.parametrize("delta", [-1.0, 0.0, float("nan"), float("inf")])
def test_huber_rejects_non_positive_or_non_finite_delta(delta):
    with pytest.raises(ValueError, match=r"delta must be a finite number > 0"):
        huber(torch.zeros(3), torch.zeros(3), delta=delta)


@pytest.mark.parametrize("beta", [-0.5, float("nan")])
def test_smooth_l1_rejects_negative_beta(beta):
    with pytest.raises(ValueError, match=r"beta must be a finite number >= 0"):
        smooth_l1(torch.zeros(3), torch.zeros(3), beta=beta)


def test_threshold_must_be_a_number():
    with pytest.raises(TypeError, match=r"delta must be a real number, got str"):
        huber(torch.zeros(3), torch.zeros(3), delta="1")
