r"""Scores of a classifier: accuracy, per-class recall, macro-F1, binary F1, and one table row of them.

* :func:`accuracy` — the share of rows whose arg-max logit is the label (the gradient-descent
  and learning-rate chapters);
* :func:`per_class_recall` and :func:`macro_f1` — per class :math:`c`, with true positives
  :math:`TP_c`, false positives :math:`FP_c` and false negatives :math:`FN_c`,

  .. math:: R_c = \frac{TP_c}{TP_c + FN_c}, \qquad
            F_{1,c} = \frac{2\,TP_c}{2\,TP_c + FP_c + FN_c}, \qquad
            \text{macro-}F_1 = \frac{1}{|C|}\sum_{c \in C} F_{1,c},

  over the classes :math:`C` that occur in the labels or the predictions (scikit-learn's
  ``f1_score(average="macro")``; a class never seen nor predicted has no F1, and a
  recall or F1 of 0/0 counts as 0, scikit-learn's ``zero_division`` default);
* :func:`binary_f1` — :math:`2\,TP / (|\text{predicted}| + |\text{actual}|)` of 0/1
  predictions (the dice-loss chapter's sentence classifier);
* :func:`classification_scores` — accuracy, macro-F1, ECE, MCE, NLL and mean confidence
  of a set of logits: the row each of the classification, softmax-pitfall and
  focal-calibration chapters writes per trained model; :func:`temperature_scaled_scores`
  the same row before and after temperature scaling (focal-calibration chapter).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from lossbook._validate import check_floating, check_int, check_nonempty, check_tensor
from lossbook.losses.classification import cross_entropy
from lossbook.metrics.calibration import (
    expected_calibration_error,
    fit_temperature,
    maximum_calibration_error,
    temperature_scale,
)

__all__ = [
    "accuracy",
    "per_class_recall",
    "macro_f1",
    "binary_f1",
    "classification_scores",
    "temperature_scaled_scores",
]


def _labels(name: str, value: object) -> torch.Tensor:
    if isinstance(value, np.ndarray):
        value = torch.as_tensor(value)
    tensor = check_tensor(name, value)
    if tensor.is_floating_point() or tensor.dtype == torch.bool or tensor.is_complex():
        raise TypeError(f"{name} must hold integer class indices, got dtype {tensor.dtype}")
    if tensor.dim() != 1:
        raise ValueError(f"{name} must be 1-D, got shape {tuple(tensor.shape)}")
    check_nonempty(name, tensor)
    if bool((tensor < 0).any()):
        raise ValueError(f"{name} must hold class indices >= 0, got {int(tensor.min())}")
    return tensor.detach().cpu().long()


def _logits(logits: object, labels: torch.Tensor, name: str = "logits", labels_name: str = "labels") -> torch.Tensor:
    """``(N, C)`` floating logits without NaN, one row per label, every label a column of them."""
    check_floating(name, logits)
    if logits.dim() != 2:
        raise ValueError(f"{name} must have shape (N, C), got {tuple(logits.shape)}")
    if logits.shape[0] != len(labels):
        of = "" if labels_name == "labels" else f" of {labels_name}"
        raise ValueError(f"{name} must have one row per label{of}: expected {len(labels)}, got {logits.shape[0]}")
    # A NaN row has no arg-max: counting it as a prediction of class 0 would be a made-up score.
    if bool(torch.isnan(logits.detach()).any()):
        raise ValueError(f"{name} must not hold NaN (a diverged model?): rows {torch.isnan(logits.detach()).any(1).nonzero().flatten().tolist()[:10]}")
    if len(labels) and int(labels.max()) >= logits.shape[1]:
        raise ValueError(
            f"{labels_name} must hold class indices < {logits.shape[1]} (the columns of {name}), got {int(labels.max())}"
        )
    return logits


def _pair(predictions: object, labels: object) -> tuple[torch.Tensor, torch.Tensor]:
    labels = _labels("labels", labels)
    predictions = _labels("predictions", predictions)
    if predictions.shape != labels.shape:
        raise ValueError(f"predictions must have the shape of labels: expected {tuple(labels.shape)}, got {tuple(predictions.shape)}")
    return predictions, labels


def accuracy(logits: torch.Tensor, labels) -> float:
    """The share of rows whose largest logit is at the label: ``argmax(logits, 1) == labels``.

    Returned as the exact fraction ``correct / N`` (a Python float), whatever the dtype.

    Example:
        >>> accuracy(torch.tensor([[2.0, 0.1], [0.3, 0.9], [1.0, 0.0]]), torch.tensor([0, 1, 1]))
        0.6666666666666666
    """
    labels = _labels("labels", labels)
    logits = _logits(logits, labels)
    correct = int((logits.detach().argmax(dim=1).cpu() == labels).sum())
    return correct / len(labels)


def per_class_recall(predictions, labels, *, num_classes: int) -> torch.Tensor:
    """Recall of each class ``0 … num_classes - 1`` (float64); 0 for a class absent from ``labels``.

    Equals ``sklearn.metrics.recall_score(labels, predictions, average=None, labels=range(num_classes))``.

    Example:
        >>> per_class_recall(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]), num_classes=4)
        tensor([1.0000, 1.0000, 0.5000, 0.0000], dtype=torch.float64)
    """
    predictions, labels = _pair(predictions, labels)
    num_classes = check_int("num_classes", num_classes, minimum=1)
    for name, values in (("labels", labels), ("predictions", predictions)):
        if int(values.max()) >= num_classes:
            raise ValueError(f"{name} must hold class indices < num_classes ({num_classes}), got {int(values.max())}")
    true_positive = torch.bincount(labels[predictions == labels], minlength=num_classes).double()
    actual = torch.bincount(labels, minlength=num_classes).double()
    return torch.where(actual > 0, true_positive / actual.clamp_min(1), torch.zeros_like(actual))


def macro_f1(predictions, labels) -> float:
    """The unweighted mean of the per-class F1 over the classes that occur in ``labels`` or ``predictions``.

    Equals ``sklearn.metrics.f1_score(labels, predictions, average="macro")``.

    Example:
        >>> round(macro_f1(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2])), 4)  # F1 per class: 1, 2/3, 2/3
        0.7778
    """
    predictions, labels = _pair(predictions, labels)
    size = int(max(labels.max(), predictions.max())) + 1
    true_positive = torch.bincount(labels[predictions == labels], minlength=size).double()
    actual = torch.bincount(labels, minlength=size).double()
    predicted = torch.bincount(predictions, minlength=size).double()
    present = (actual + predicted) > 0
    f1 = 2 * true_positive[present] / (actual[present] + predicted[present])
    return float(f1.mean())


def binary_f1(predicted, target) -> float:
    r"""F1 of the positive class of 0/1 predictions: :math:`2\,TP / (\sum \hat y + \sum y)`, 0 when both sums are 0.

    Args:
        predicted, target: tensors of the same shape holding 0 and 1 (float, int or bool).

    Example:
        >>> binary_f1(torch.tensor([1.0, 1.0, 0.0, 0.0]), torch.tensor([1.0, 0.0, 1.0, 0.0]))
        0.5
    """
    check_tensor("predicted", predicted)
    check_tensor("target", target)
    if predicted.shape != target.shape:
        raise ValueError(f"target must have the shape of predicted: expected {tuple(predicted.shape)}, got {tuple(target.shape)}")
    check_nonempty("predicted", predicted)
    values = []
    for name, tensor in (("predicted", predicted), ("target", target)):
        as_float = tensor.detach().to(torch.float64)
        if not bool(((as_float == 0) | (as_float == 1)).all()):
            raise ValueError(f"{name} must hold 0/1 labels (threshold scores first, e.g. logits > 0)")
        values.append(as_float)
    predicted_values, target_values = values
    true_positive = float((predicted_values * target_values).sum())
    denominator = float(predicted_values.sum() + target_values.sum())
    return 2 * true_positive / denominator if denominator else 0.0


def classification_scores(
    logits: torch.Tensor,
    labels,
    *,
    n_bins: int = 15,
    minority: Sequence[int] | None = None,
    dtype: torch.dtype | None = None,
) -> dict[str, float]:
    """One table row for a trained classifier: accuracy, macro-F1, ECE, MCE, NLL and mean confidence.

    The probabilities are ``softmax(logits)``; ECE and MCE use ``n_bins`` equal-width bins of
    the top-label confidence (:mod:`lossbook.metrics.calibration`).

    Args:
        logits: ``(N, C)`` logits of the test rows.
        labels: ``(N,)`` class indices (a tensor or a NumPy array).
        n_bins: bins of ECE and MCE.
        minority: class indices whose mean recall is added as ``"minority recall"`` (the
            rare classes of a long-tailed split).
        dtype: compute in this floating dtype (``torch.float64`` in the focal-calibration
            chapter); default the dtype of ``logits``.

    Returns:
        ``{"accuracy", "macro-F1", "ECE", "MCE", "NLL", "mean confidence"}`` (and
        ``"minority recall"``) as Python floats.

    Example:
        >>> logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 0.5], [0.2, 0.0]])
        >>> scores = classification_scores(logits, torch.tensor([0, 1, 1, 0]), n_bins=10)
        >>> scores["accuracy"], round(scores["macro-F1"], 4)
        (0.75, 0.7333)
    """
    labels = _labels("labels", labels)
    logits = _logits(logits, labels).detach()
    if dtype is not None:
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating-point torch.dtype or None, got {dtype!r}")
        logits = logits.to(dtype)
    logits = logits.cpu()
    num_classes = logits.shape[1]
    if int(labels.max()) >= num_classes:
        raise ValueError(f"labels must hold class indices < {num_classes} (the columns of logits), got {int(labels.max())}")
    probs = logits.softmax(dim=1)
    prediction = probs.argmax(dim=1)
    scores = {
        "accuracy": int((prediction == labels).sum()) / len(labels),
        "macro-F1": macro_f1(prediction, labels),
        "ECE": expected_calibration_error(probs, labels, n_bins=n_bins),
        "MCE": maximum_calibration_error(probs, labels, n_bins=n_bins),
        "NLL": cross_entropy(logits, labels).item(),
        "mean confidence": probs.max(dim=1).values.mean().item(),
    }
    if minority is not None:
        if isinstance(minority, (str, bytes)) or not isinstance(minority, Sequence) or not minority:
            raise TypeError(f"minority must be a non-empty sequence of class indices, got {minority!r}")
        classes = [check_int(f"minority[{i}]", c, minimum=0, maximum=num_classes - 1) for i, c in enumerate(minority)]
        recall = per_class_recall(prediction, labels, num_classes=num_classes)
        scores["minority recall"] = float(recall[classes].mean())
    return scores


def temperature_scaled_scores(
    val_logits: torch.Tensor,
    val_labels,
    test_logits: torch.Tensor,
    test_labels,
    *,
    n_bins: int = 15,
    dtype: torch.dtype | None = None,
) -> tuple[dict[str, float], dict[str, float], float]:
    """The test scores as trained and after temperature scaling, with :math:`T` fitted on the validation split.

    The focal-calibration chapter's two rows per trained model. :math:`T` comes from
    :func:`~lossbook.metrics.calibration.fit_temperature` on the validation logits; the
    test logits are divided by it in their own dtype, then scored with
    :func:`classification_scores` (``n_bins``, ``dtype`` as there).

    Returns:
        ``(as_trained, scaled, temperature)``.
    """
    # Each argument checked under its own name first (the functions called below know them as logits/labels).
    val_labels = _labels("val_labels", val_labels)
    _logits(val_logits, val_labels, "val_logits", "val_labels")
    _logits(test_logits, _labels("test_labels", test_labels), "test_logits", "test_labels")
    check_int("n_bins", n_bins, minimum=1)
    temperature = fit_temperature(val_logits, val_labels)
    as_trained = classification_scores(test_logits, test_labels, n_bins=n_bins, dtype=dtype)
    scaled = classification_scores(temperature_scale(test_logits, temperature), test_labels, n_bins=n_bins, dtype=dtype)
    return as_trained, scaled, temperature
