"""Combining task losses: weighted sums and uncertainty weighting (Kendall et al., 2018)."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lossbook.losses.multitask import UncertaintyWeighting, uncertainty_weighted_sum, weighted_sum


def test_weighted_sum_by_hand_and_its_gradients_are_the_weights():
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(30.0, requires_grad=True)
    total = weighted_sum([a, b], [1.0, 0.1])
    assert total.item() == pytest.approx(5.0)
    total.backward()
    assert a.grad.item() == pytest.approx(1.0) and b.grad.item() == pytest.approx(0.1)


def test_uncertainty_weighting_by_hand():
    losses = [torch.tensor(2.0), torch.tensor(8.0)]
    s = torch.tensor([math.log(4.0), math.log(0.5)])
    # classification: e^{-s} L + s/2 = 2/4 + log(4)/2; regression: e^{-s} L / 2 + s/2 = 8 / 0.5 / 2 + log(0.5)/2
    expected = 0.5 + 0.5 * math.log(4.0) + 8.0 + 0.5 * math.log(0.5)
    got = uncertainty_weighted_sum(losses, s, ["classification", "regression"])
    assert got.item() == pytest.approx(expected)


@settings(max_examples=50, deadline=None)
@given(loss=st.floats(1e-3, 1e3), kind=st.sampled_from(["regression", "classification"]))
def test_the_optimal_log_variance_makes_the_effective_weight_one_over_twice_the_loss(loss, kind):
    c = 0.5 if kind == "regression" else 1.0
    optimum = math.log(2 * c * loss)  # d/ds [c e^{-s} L + s/2] = 0
    s = torch.tensor([optimum], dtype=torch.float64, requires_grad=True)
    uncertainty_weighted_sum([torch.tensor(loss, dtype=torch.float64)], s, [kind]).backward()
    assert s.grad.item() == pytest.approx(0.0, abs=1e-9)
    assert c * math.exp(-optimum) == pytest.approx(1 / (2 * loss))


def test_gradient_descent_on_the_log_variances_balances_two_losses_of_very_different_scale():
    weighting = UncertaintyWeighting(["classification", "regression"])
    optimizer = torch.optim.SGD(weighting.parameters(), lr=0.1)
    losses = [torch.tensor(0.5), torch.tensor(400.0)]  # e.g. cross-entropy vs an MSE in mm^2
    for _ in range(2000):
        optimizer.zero_grad()
        weighting(losses).backward()
        optimizer.step()
    contributions = weighting.weights() * torch.stack(losses)
    torch.testing.assert_close(contributions, torch.tensor([0.5, 0.5]), rtol=1e-3, atol=1e-4)


def test_module_gradients_match_the_functional_form():
    weighting = UncertaintyWeighting(["regression", "regression", "classification"], initial_log_variance=0.3)
    losses = [torch.tensor(1.0), torch.tensor(2.0), torch.tensor(3.0)]
    weighting(losses).backward()
    s = torch.full((3,), 0.3, requires_grad=True)
    uncertainty_weighted_sum(losses, s, ["regression", "regression", "classification"]).backward()
    torch.testing.assert_close(weighting.log_variances.grad, s.grad)
    torch.testing.assert_close(weighting.weights(), torch.tensor([0.5, 0.5, 1.0]) * math.exp(-0.3))


def test_gradient_reaches_the_task_losses():
    prediction = torch.tensor(3.0, requires_grad=True)
    loss = (prediction - 1.0) ** 2
    uncertainty_weighted_sum([loss], torch.tensor([math.log(2.0)]), ["regression"]).backward()
    # d/dp [0.5 e^{-s} (p - 1)^2] = e^{-s} (p - 1) = 0.5 * 2
    assert prediction.grad.item() == pytest.approx(1.0)


def test_extreme_log_variances_stay_finite():
    losses = [torch.tensor(1.0), torch.tensor(1e6)]
    total = uncertainty_weighted_sum(losses, torch.tensor([-30.0, 30.0]), ["classification", "regression"])
    assert torch.isfinite(total)


# --- bad input -----------------------------------------------------------------------------


def test_losses_must_be_a_list_of_scalars():
    with pytest.raises(TypeError, match=r"losses must be a non-empty list or tuple of scalar tensors, got Tensor"):
        weighted_sum(torch.tensor([1.0, 2.0]), [1.0, 1.0])
    with pytest.raises(ValueError, match=r"losses\[1\] must be a scalar \(0-d\) tensor, got shape \(3,\)"):
        weighted_sum([torch.tensor(1.0), torch.ones(3)], [1.0, 1.0])
    with pytest.raises(TypeError, match=r"losses\[0\] must be a floating-point tensor, got dtype torch.int64"):
        weighted_sum([torch.tensor(1)], [1.0])


def test_weights_must_match_and_be_non_negative():
    with pytest.raises(ValueError, match=r"weights must have one entry per loss: expected 2, got 1"):
        weighted_sum([torch.tensor(1.0), torch.tensor(2.0)], [1.0])
    with pytest.raises(ValueError, match=r"weights\[1\] must be a finite number >= 0, got -1"):
        weighted_sum([torch.tensor(1.0), torch.tensor(2.0)], [1.0, -1])


def test_kinds_and_log_variances_are_checked():
    with pytest.raises(ValueError, match=r"kinds\[0\] must be one of \('regression', 'classification'\), got 'ranking'"):
        UncertaintyWeighting(["ranking"])
    with pytest.raises(ValueError, match=r"log_variances must have shape \(2,\), one per loss, got \(3,\)"):
        uncertainty_weighted_sum([torch.tensor(1.0), torch.tensor(1.0)], torch.zeros(3), ["regression", "regression"])
    with pytest.raises(ValueError, match=r"kinds must have one entry per loss: expected 2, got 1"):
        uncertainty_weighted_sum([torch.tensor(1.0), torch.tensor(1.0)], torch.zeros(2), ["regression"])
