"""Classifier scores against scikit-learn and the chapters' own helpers, written out."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score, recall_score

from lossbook.losses import cross_entropy
from lossbook.metrics.calibration import (
    expected_calibration_error,
    fit_temperature,
    maximum_calibration_error,
    temperature_scale,
)
from lossbook.metrics.classification import (
    accuracy,
    binary_f1,
    classification_scores,
    macro_f1,
    per_class_recall,
    temperature_scaled_scores,
)

LABEL_PAIRS = st.integers(1, 40).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 5), min_size=n, max_size=n), st.lists(st.integers(0, 5), min_size=n, max_size=n))
)


def sample_logits(rows=60, classes=4, seed=0):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(rows, classes, generator=generator) * 2
    labels = torch.randint(0, classes, (rows,), generator=generator)
    return logits, labels


def test_accuracy_is_the_exact_share_of_correct_arg_maxes():
    logits = torch.tensor([[2.0, 0.1, 0.0], [0.3, 0.9, 0.0], [1.0, 0.0, 3.0], [0.0, 1.0, 0.5]])
    assert accuracy(logits, torch.tensor([0, 1, 1, 1])) == 3 / 4
    logits, labels = sample_logits(rows=97)
    assert accuracy(logits, labels) == (logits.argmax(1) == labels).sum().item() / 97


@settings(max_examples=80, deadline=None)
@given(LABEL_PAIRS)
def test_macro_f1_equals_sklearn(pair):
    labels, predictions = pair
    expected = f1_score(labels, predictions, average="macro", zero_division=0)
    assert macro_f1(torch.tensor(predictions), torch.tensor(labels)) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(LABEL_PAIRS)
def test_per_class_recall_equals_sklearn(pair):
    labels, predictions = pair
    expected = recall_score(labels, predictions, average=None, labels=range(7), zero_division=0)
    ours = per_class_recall(torch.tensor(predictions), torch.tensor(labels), num_classes=7)
    np.testing.assert_allclose(ours.numpy(), expected, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 30).flatmap(lambda n: st.tuples(st.lists(st.booleans(), min_size=n, max_size=n),
                                                       st.lists(st.booleans(), min_size=n, max_size=n))))
def test_binary_f1_equals_sklearn_and_the_dice_chapters_formula(pair):
    predicted, target = (torch.tensor(values, dtype=torch.float32) for values in pair)
    expected = f1_score(target.numpy(), predicted.numpy(), zero_division=0)
    assert binary_f1(predicted, target) == pytest.approx(expected, abs=1e-12)
    # the dice-loss chapter's hand-written version
    by_hand = 2 * (predicted * target).sum().item() / max(predicted.sum().item() + target.sum().item(), 1)
    assert binary_f1(predicted, target) == pytest.approx(by_hand, abs=1e-7)


def focal_calibration_scores(logits, labels, n_bins=15):
    """The focal-calibration chapter's scores(), as its helper cell wrote it."""
    labels = torch.as_tensor(labels)
    probs = logits.double().softmax(dim=1)
    prediction = probs.argmax(dim=1)
    return {
        "accuracy": (prediction == labels).double().mean().item(),
        "macro-F1": f1_score(labels.numpy(), prediction.numpy(), average="macro"),
        "ECE": expected_calibration_error(probs, labels, n_bins=n_bins),
        "MCE": maximum_calibration_error(probs, labels, n_bins=n_bins),
        "NLL": cross_entropy(logits.double(), labels).item(),
        "mean confidence": probs.max(dim=1).values.mean().item(),
    }


def classification_chapter_scores(logits, labels, minority):
    """The classification chapter's scores() (float32 throughout), written out."""
    probs = torch.softmax(logits, dim=1)
    prediction = probs.argmax(1)
    recall = recall_score(labels, prediction, average=None, labels=range(logits.shape[1]))
    return {
        "accuracy": (prediction == labels).float().mean().item(),
        "macro-F1": f1_score(labels, prediction, average="macro"),
        "minority recall": recall[minority].mean(),
        "ECE": expected_calibration_error(probs, labels),
        "mean confidence": probs.max(1).values.mean().item(),
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classification_scores_in_float64_are_the_focal_calibration_chapters(seed):
    logits, labels = sample_logits(rows=200, classes=2, seed=seed)
    ours = classification_scores(logits, labels.numpy(), dtype=torch.float64)
    theirs = focal_calibration_scores(logits, labels.numpy())
    assert ours.keys() == theirs.keys()
    for key in theirs:
        assert ours[key] == pytest.approx(theirs[key], rel=1e-12, abs=1e-15), key


def test_classification_scores_with_minority_recall_are_the_classification_chapters():
    logits, labels = sample_logits(rows=300, classes=10, seed=4)
    ours = classification_scores(logits, labels, minority=[7, 8, 9])
    theirs = classification_chapter_scores(logits, labels, [7, 8, 9])
    for key in theirs:
        # accuracy: ours is the exact fraction, the chapter's its float32 rounding
        assert ours[key] == pytest.approx(theirs[key], rel=1e-6), key
    assert ours["ECE"] == theirs["ECE"] and ours["mean confidence"] == theirs["mean confidence"]


def test_temperature_scaled_scores_are_the_focal_calibration_chapters_two_rows():
    val_logits, val_labels = sample_logits(rows=150, classes=2, seed=5)
    test_logits, test_labels = sample_logits(rows=120, classes=2, seed=6)
    val_logits, test_logits = val_logits * 3, test_logits * 3  # overconfident, so T > 1
    as_trained, scaled, temperature = temperature_scaled_scores(
        val_logits, val_labels.numpy(), test_logits, test_labels.numpy(), dtype=torch.float64
    )
    expected_t = fit_temperature(val_logits, val_labels)
    assert temperature == expected_t and temperature > 1
    assert as_trained == pytest.approx(focal_calibration_scores(test_logits, test_labels.numpy()))
    assert scaled == pytest.approx(focal_calibration_scores(temperature_scale(test_logits, expected_t), test_labels.numpy()))
    assert scaled["accuracy"] == as_trained["accuracy"]  # dividing by T keeps every arg-max


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: accuracy(torch.zeros(3, 2), torch.zeros(3)), TypeError, r"labels must hold integer class indices, got dtype torch.float32"),
        (lambda: accuracy(torch.zeros(3, 2), [0, 1, 1]), TypeError, r"labels must be a torch.Tensor, got list"),
        (lambda: accuracy(torch.zeros(3, 2), torch.zeros(2, dtype=torch.long)), ValueError, r"logits must have one row per label: expected 2, got 3"),
        (lambda: accuracy(torch.zeros(3, dtype=torch.long), torch.zeros(3, dtype=torch.long)), TypeError, r"logits must be a floating-point tensor"),
        (lambda: accuracy(torch.zeros(3), torch.zeros(3, dtype=torch.long)), ValueError, r"logits must have shape \(N, C\), got \(3,\)"),
        (lambda: accuracy(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long)), ValueError, r"labels must not be empty"),
        (lambda: macro_f1(torch.tensor([0, 1]), torch.tensor([0, -1])), ValueError, r"labels must hold class indices >= 0, got -1"),
        (lambda: macro_f1(torch.tensor([0, 1, 1]), torch.tensor([0, 1])), ValueError, r"predictions must have the shape of labels"),
        (lambda: per_class_recall(torch.tensor([0, 3]), torch.tensor([0, 1]), num_classes=3), ValueError, r"predictions must hold class indices < num_classes \(3\), got 3"),
        (lambda: binary_f1(torch.tensor([0.3, 1.0]), torch.tensor([0.0, 1.0])), ValueError, r"predicted must hold 0/1 labels"),
        (lambda: binary_f1([1, 0], torch.tensor([0.0, 1.0])), TypeError, r"predicted must be a torch.Tensor, got list"),
        (lambda: classification_scores(torch.zeros(2, 2), torch.tensor([0, 2])), ValueError, r"labels must hold class indices < 2"),
        (lambda: classification_scores(torch.zeros(2, 2), torch.tensor([0, 1]), minority=[5]), ValueError, r"minority\[0\] must be an int in \[0, 1\], got 5"),
        (lambda: classification_scores(torch.zeros(2, 2), torch.tensor([0, 1]), dtype=torch.int64), TypeError, r"dtype must be a floating-point torch.dtype"),
    ],
)
def test_bad_input_names_itself(call, error, message):
    with pytest.raises(error, match=message):
        call()
