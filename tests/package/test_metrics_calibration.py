"""Calibration metrics against torchmetrics and hand computations; temperature scaling."""

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torchmetrics.classification import BinaryCalibrationError, MulticlassCalibrationError

from lossbook.metrics.calibration import (
    expected_calibration_error,
    fit_temperature,
    maximum_calibration_error,
    reliability_bins,
    temperature_scale,
    top_label,
)
from lossbook.losses import bce_with_logits, cross_entropy

N_BINS = 15


def off_the_edges(confidence, n_bins=N_BINS, margin=1e-4):
    """True where a confidence is at least ``margin`` away from every bin edge (the conventions differ there)."""
    scaled = confidence.double() * n_bins
    return (scaled - scaled.round()).abs() * (1 / n_bins) > margin


def multiclass_sample(seed, rows, classes, sharpness):
    generator = torch.Generator().manual_seed(seed)
    probs = torch.softmax(torch.randn(rows, classes, generator=generator, dtype=torch.float64) * sharpness, dim=1)
    target = torch.randint(0, classes, (rows,), generator=generator)
    keep = off_the_edges(probs.max(dim=1).values)
    return probs[keep], target[keep]


@pytest.mark.parametrize(("ours", "norm"), [(expected_calibration_error, "l1"), (maximum_calibration_error, "max")])
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), rows=st.integers(20, 400), classes=st.integers(2, 10), sharpness=st.floats(0.3, 5.0))
def test_multiclass_ece_and_mce_match_torchmetrics(ours, norm, seed, rows, classes, sharpness):
    probs, target = multiclass_sample(seed, rows, classes, sharpness)
    assume(len(target) > 0)
    metric = MulticlassCalibrationError(num_classes=classes, n_bins=N_BINS, norm=norm)
    want = metric(probs, target).item()
    # torchmetrics computes the multiclass case in float32
    assert ours(probs, target, n_bins=N_BINS) == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize(("ours", "norm"), [(expected_calibration_error, "l1"), (maximum_calibration_error, "max")])
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), rows=st.integers(20, 400))
def test_binary_ece_and_mce_match_torchmetrics(ours, norm, seed, rows):
    generator = torch.Generator().manual_seed(seed)
    probs = torch.rand(rows, generator=generator, dtype=torch.float64)
    target = (torch.rand(rows, generator=generator, dtype=torch.float64) < probs**2).long()
    keep = off_the_edges(probs)
    probs, target = probs[keep], target[keep]
    metric = BinaryCalibrationError(n_bins=N_BINS, norm=norm)
    assert ours(probs, target, n_bins=N_BINS) == pytest.approx(metric(probs, target).item(), abs=1e-9)


def test_ece_by_hand():
    # bin (0.9, 1]: confidences 0.95, 0.95, one right -> gap 0.45; bin (0.6, 0.7]: 0.65, right -> gap 0.35
    probs = torch.tensor([[0.95, 0.05], [0.05, 0.95], [0.35, 0.65]], dtype=torch.float64)
    target = torch.tensor([0, 0, 1])
    assert expected_calibration_error(probs, target, n_bins=10) == pytest.approx((2 * 0.45 + 0.35) / 3)
    assert maximum_calibration_error(probs, target, n_bins=10) == pytest.approx(0.45)


def test_a_calibrated_binary_predictor_has_zero_ece():
    # in each bin the fraction of positives equals the mean predicted probability
    probs = torch.tensor([0.25] * 4 + [0.75] * 4, dtype=torch.float64)
    target = torch.tensor([1, 0, 0, 0, 1, 1, 1, 0])
    assert expected_calibration_error(probs, target, n_bins=4) == pytest.approx(0.0)
    assert maximum_calibration_error(probs, target, n_bins=4) == pytest.approx(0.0)


def test_confidence_one_lands_in_the_last_bin_and_zero_in_the_first():
    bins = reliability_bins(torch.tensor([0.0, 1.0, 1.0], dtype=torch.float64), torch.tensor([0, 1, 0]), n_bins=5)
    assert bins.counts.tolist() == [1, 0, 0, 0, 2]
    assert bins.confidence[[0, 4]].tolist() == [0.0, 1.0]
    assert bins.accuracy[[0, 4]].tolist() == [0.0, 0.5]
    assert expected_calibration_error(torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([0, 1])) == 0.0


def test_a_confidence_on_an_inner_edge_belongs_to_the_bin_below():
    # bins (0, 0.25], (0.25, 0.5], (0.5, 0.75], (0.75, 1]: 0.5 is in the second
    bins = reliability_bins(torch.tensor([0.5, 0.5000001], dtype=torch.float64), torch.tensor([1, 1]), n_bins=4)
    assert bins.counts.tolist() == [0, 1, 1, 0]


def test_empty_bins_carry_no_weight_and_are_skipped_by_mce():
    probs = torch.tensor([0.05, 0.15, 0.95], dtype=torch.float64)
    target = torch.tensor([0, 0, 1])
    bins = reliability_bins(probs, target, n_bins=10)
    assert bins.nonempty.tolist() == [True, True] + [False] * 7 + [True]
    assert bins.gap[~bins.nonempty].eq(0).all()
    # the same ECE with 10 bins as computed over the three non-empty ones by hand
    assert expected_calibration_error(probs, target, n_bins=10) == pytest.approx((0.05 + 0.15 + 0.05) / 3)
    assert maximum_calibration_error(probs, target, n_bins=10) == pytest.approx(0.15)


def test_reliability_bins_partition_the_predictions():
    probs, target = multiclass_sample(0, 500, 5, 2.0)
    bins = reliability_bins(probs, target, n_bins=N_BINS)
    assert bins.counts.sum().item() == len(target)
    torch.testing.assert_close(bins.edges, torch.linspace(0, 1, N_BINS + 1, dtype=torch.float64))
    confidence, prediction = top_label(probs)
    weights = bins.counts / bins.counts.sum()
    torch.testing.assert_close((weights * bins.confidence).sum(), confidence.mean())
    torch.testing.assert_close((weights * bins.accuracy).sum(), (prediction == target).double().mean())
    nonempty = bins.nonempty
    assert ((bins.confidence[nonempty] > bins.edges[:-1][nonempty]) | (bins.edges[:-1][nonempty] == 0)).all()
    assert (bins.confidence[nonempty] <= bins.edges[1:][nonempty]).all()


def test_binary_top_label_view_by_stacking_the_two_class_probabilities():
    p = torch.tensor([0.1, 0.3, 0.8, 0.95], dtype=torch.float64)
    y = torch.tensor([0, 1, 1, 0])
    two_class = torch.stack([1 - p, p], dim=1)
    # top-label confidences 0.9, 0.7, 0.8, 0.95 with outcomes right, wrong, right, wrong
    bins = reliability_bins(two_class, y, n_bins=10)
    assert bins.counts[[6, 7, 8, 9]].tolist() == [1, 1, 1, 1]
    assert bins.accuracy[[6, 7, 8, 9]].tolist() == [0.0, 1.0, 1.0, 0.0]


# --- temperature scaling ----------------------------------------------------------------


def overconfident_logits(temperature, rows=20000, classes=5, seed=0):
    """Labels drawn from softmax(z); the model reports z * temperature (too sharp when > 1)."""
    generator = torch.Generator().manual_seed(seed)
    true_logits = torch.randn(rows, classes, generator=generator, dtype=torch.float64) * 1.5
    target = torch.multinomial(torch.softmax(true_logits, 1), 1, generator=generator).squeeze(1)
    return true_logits * temperature, target


@pytest.mark.parametrize("true_temperature", [0.5, 1.0, 3.0])
def test_fit_temperature_recovers_the_temperature_that_distorted_the_logits(true_temperature):
    logits, target = overconfident_logits(true_temperature)
    assert fit_temperature(logits, target) == pytest.approx(true_temperature, rel=0.05)


def test_temperature_scaling_keeps_accuracy_and_lowers_nll_and_ece_on_held_out_data():
    logits, target = overconfident_logits(3.0, rows=8000)
    val, test = slice(0, 4000), slice(4000, None)
    temperature = fit_temperature(logits[val], target[val])
    scaled = temperature_scale(logits[test], temperature)
    assert torch.equal(scaled.argmax(1), logits[test].argmax(1))
    assert cross_entropy(scaled, target[test]) < cross_entropy(logits[test], target[test]) - 0.1
    before = expected_calibration_error(torch.softmax(logits[test], 1), target[test])
    after = expected_calibration_error(torch.softmax(scaled, 1), target[test])
    assert after < before / 3


def test_fit_temperature_minimises_the_validation_nll_over_a_grid():
    logits, target = overconfident_logits(2.0, rows=3000, seed=1)
    temperature = fit_temperature(logits, target)
    grid = torch.linspace(0.5, 4.0, 351, dtype=torch.float64)
    losses = torch.stack([cross_entropy(logits / t, target) for t in grid])
    assert cross_entropy(logits / temperature, target) <= losses.min() + 1e-9


def test_fit_temperature_for_binary_logits():
    generator = torch.Generator().manual_seed(2)
    true_logits = torch.randn(20000, generator=generator, dtype=torch.float64) * 2
    labels = (torch.rand(20000, generator=generator, dtype=torch.float64) < torch.sigmoid(true_logits)).double()
    temperature = fit_temperature(true_logits * 4.0, labels)
    assert temperature == pytest.approx(4.0, rel=0.05)
    assert bce_with_logits(true_logits * 4.0 / temperature, labels) < bce_with_logits(true_logits * 4.0, labels)


# --- bad input --------------------------------------------------------------------------


def test_logits_instead_of_probabilities_are_rejected_with_the_fix():
    with pytest.raises(ValueError, match=r"probs must hold probabilities in \[0, 1\]; apply torch.softmax .*: got values from -1 to 2"):
        expected_calibration_error(torch.tensor([[2.0, -1.0]]), torch.tensor([0]))


def test_rows_that_do_not_sum_to_one_are_rejected():
    with pytest.raises(ValueError, match=r"probs must sum to 1 along the class dimension \(dim 1\).*: got sums from 0.5 to 0.5"):
        expected_calibration_error(torch.tensor([[0.25, 0.25]]), torch.tensor([0]))


def test_target_shape_and_kind_are_checked():
    with pytest.raises(ValueError, match=r"target must have shape \(2,\), got \(3,\)"):
        expected_calibration_error(torch.tensor([[0.5, 0.5], [0.2, 0.8]]), torch.tensor([0, 1, 1]))
    with pytest.raises(TypeError, match=r"target must hold integer class indices for probs of shape \(N, C\)"):
        expected_calibration_error(torch.tensor([[0.5, 0.5]]), torch.tensor([0.0]))
    with pytest.raises(ValueError, match=r"target must hold 0/1 labels for binary probs"):
        expected_calibration_error(torch.tensor([0.5, 0.2]), torch.tensor([0, 2]))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 1\]: got values from 0 to 4"):
        expected_calibration_error(torch.tensor([[0.5, 0.5], [0.2, 0.8]]), torch.tensor([0, 4]))


@pytest.mark.parametrize(
    ("n_bins", "error", "message"),
    [(0, ValueError, r"n_bins must be an int >= 1, got 0"), (-3, ValueError, r"n_bins must be an int >= 1, got -3"),
     (2.5, TypeError, r"n_bins must be an int, got float"), (True, TypeError, r"n_bins must be an int, got bool")],
)
def test_n_bins_must_be_a_positive_int(n_bins, error, message):
    with pytest.raises(error, match=message):
        reliability_bins(torch.tensor([0.5]), torch.tensor([1]), n_bins=n_bins)


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("inf"), float("nan")])
def test_temperature_must_be_positive_and_finite(temperature):
    with pytest.raises(ValueError, match=r"temperature must be a finite number > 0"):
        temperature_scale(torch.zeros(2, 3), temperature)


def test_fit_temperature_checks_shapes():
    with pytest.raises(ValueError, match=r"target must have shape \(4,\), got \(3,\)"):
        fit_temperature(torch.zeros(4, 3), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"logits must have shape \(N,\) \(binary\) or \(N, C\) \(multiclass\)"):
        fit_temperature(torch.zeros(2, 3, 4), torch.zeros(2, dtype=torch.long))
