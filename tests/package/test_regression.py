"""Regression losses against the formulas written out, torch.nn.functional, closed forms and hand computations."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import REDUCTIONS, assert_same, shapes, value_and_grad
from hypothesis import given, settings
from hypothesis import strategies as st

from lossbook.losses import huber, mae, mse, rmse, smooth_l1


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


# Each loss is torch's kernel behind the checks, so a few cases show that the arguments reach
# it unchanged; the written-out formulas below carry the weight of the comparison.
@pytest.mark.parametrize(("ours", "reference", "kwargs"), PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "scale"), [((7,), 1.0), ((3, 4), 0.01), ((2, 3, 5), 100.0)])
def test_matches_torch_in_value_and_gradient(ours, reference, kwargs, reduction, shape, scale):
    generator = torch.Generator().manual_seed(sum(shape))
    input = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    target = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    got = value_and_grad(ours, input, target, reduction=reduction, **kwargs)
    want = value_and_grad(reference, input, target, reduction=reduction, **kwargs)
    assert_same(got, want)


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
    assert_same(got, want)


def rmse_numpy(prediction: np.ndarray, target: np.ndarray, axis=None):
    """RMSE and its gradient in float64 NumPy, written from the definition (no torch involved).

    d RMSE / d prediction_i = (prediction_i - target_i) / (n * RMSE), n the count averaged over.
    """
    error = prediction - target
    n = error.size if axis is None else np.prod([error.shape[a] for a in np.atleast_1d(axis)])
    value = np.sqrt(np.mean(error**2, axis=axis, keepdims=True))
    return np.squeeze(value, axis=axis) if axis is not None else value.reshape(()), error / (n * value)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16), scale=st.sampled_from([1e-3, 1.0, 1e3]))
def test_rmse_matches_a_numpy_oracle_in_value_and_gradient(shape, seed, scale):
    generator = torch.Generator().manual_seed(seed)
    input = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    target = torch.randn(shape, generator=generator, dtype=torch.float64) * scale
    value, grad_input, grad_target = value_and_grad(rmse, input, target)
    want_value, want_grad = rmse_numpy(input.numpy(), target.numpy())
    np.testing.assert_allclose(value.numpy(), want_value, rtol=1e-12)
    np.testing.assert_allclose(grad_input.numpy(), want_grad, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(grad_target.numpy(), -want_grad, rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize(("dim", "keepdim"), [(0, False), (1, True), ((0, 2), False), (-1, False)])
def test_rmse_along_dims_matches_the_numpy_oracle(dim, keepdim):
    generator = torch.Generator().manual_seed(1)
    input = torch.randn(3, 4, 5, generator=generator, dtype=torch.float64, requires_grad=True)
    target = torch.randn(3, 4, 5, generator=generator, dtype=torch.float64)
    value = rmse(input, target, dim=dim, keepdim=keepdim)
    (grad,) = torch.autograd.grad(value.sum(), input)
    want_value, _ = rmse_numpy(input.detach().numpy(), target.numpy(), axis=dim)
    if keepdim:
        want_value = np.expand_dims(want_value, dim)
    np.testing.assert_allclose(value.detach().numpy(), want_value, rtol=1e-12)
    # The gradient of the sum of per-slice RMSEs: each element's error over (n * its slice's RMSE).
    error = (input - target).detach().numpy()
    axes = tuple(np.atleast_1d(dim))
    n = np.prod([error.shape[a] for a in axes])
    slice_rmse = np.sqrt(np.mean(error**2, axis=axes, keepdims=True))
    np.testing.assert_allclose(grad.numpy(), error / (n * slice_rmse), rtol=1e-10)


@pytest.mark.parametrize("dim", [None, 0])
def test_rmse_of_nan_is_nan_never_a_finite_number(dim):
    # A NaN error used to read as a perfect fit (0.0) while its gradient was NaN.
    input = torch.tensor([[float("nan"), 1.0], [2.0, 3.0]], requires_grad=True)
    value = rmse(input, torch.zeros(2, 2), dim=dim)
    assert torch.isnan(value).any()
    assert not torch.isfinite(value).all()
    if dim == 0:
        assert value[1].item() == pytest.approx((10 / 2) ** 0.5)  # the column without NaN is unaffected


def test_rmse_of_inf_is_inf():
    assert rmse(torch.tensor([float("inf"), 1.0]), torch.zeros(2)).item() == float("inf")


def test_rmse_per_column_with_dim():
    input = torch.tensor([[1.0, 0.0], [3.0, 0.0]])
    target = torch.zeros(2, 2)
    torch.testing.assert_close(rmse(input, target, dim=0), torch.tensor([5.0**0.5, 0.0]))
    assert rmse(input, target, dim=0, keepdim=True).shape == (1, 2)


@pytest.mark.parametrize("dim", [None, 0])
def test_rmse_of_a_perfect_fit_is_zero_with_zero_gradient_not_nan(dim):
    input = torch.ones(4, 2, requires_grad=True)
    value = rmse(input, torch.ones(4, 2), dim=dim)
    value.sum().backward()
    assert torch.equal(value.detach(), torch.zeros_like(value))
    assert torch.equal(input.grad, torch.zeros(4, 2))


def test_the_regression_article_practice_problem_by_hand():
    target = torch.tensor([10.0, 10.0, 10.0, 100.0])
    prediction = torch.tensor([11.0, 9.0, 10.0, 50.0])
    # squared errors 1, 1, 0, 2500 -> 2502 / 4; absolute errors 1, 1, 0, 50 -> 52 / 4
    assert mse(prediction, target).item() == pytest.approx(625.5)
    assert mae(prediction, target).item() == pytest.approx(13.0)
    assert rmse(prediction, target).item() == pytest.approx(625.5**0.5)
    assert rmse(prediction, target).item() != pytest.approx(2502**0.5 / 4)  # the article's formula


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
    assert_same(got, want)


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


@pytest.mark.parametrize(("dim", "error", "message"), [
    (2, ValueError, r"dim must be an int in \[-2, 1\], got 2"),
    ((0, 0), ValueError, r"dim must not repeat a dimension, got \(0, 0\)"),
    (1.0, TypeError, r"dim must be None, an int or a tuple of ints, got float"),
    ("0", TypeError, r"dim must be None, an int or a tuple of ints, got str"),
])
def test_rmse_rejects_a_bad_dim_naming_it(dim, error, message):
    with pytest.raises(error, match=message):
        rmse(torch.zeros(2, 3), torch.zeros(2, 3), dim=dim)


def test_rmse_keepdim_must_be_a_bool():
    with pytest.raises(TypeError, match=r"keepdim must be a bool, got int"):
        rmse(torch.zeros(2, 3), torch.zeros(2, 3), dim=0, keepdim=1)


@pytest.mark.parametrize("loss_fn", LOSSES)
@pytest.mark.parametrize("bad", [None, (x for x in [1.0])])
def test_none_or_a_generator_is_a_type_error_naming_the_argument(loss_fn, bad):
    with pytest.raises(TypeError, match=r"input must be a torch.Tensor, got (NoneType|generator)"):
        loss_fn(bad, torch.zeros(1))
    with pytest.raises(TypeError, match=r"target must be a torch.Tensor, got (NoneType|generator)"):
        loss_fn(torch.zeros(1), bad)
