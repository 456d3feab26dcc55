r"""Calibration: does a model's confidence match how often it is right?

A model is *calibrated* when, among the predictions it makes with confidence 0.8,
80 % are correct. Binning the predictions by confidence measures this (Guo et al.,
2017, *On Calibration of Modern Neural Networks*):

* :func:`reliability_bins` — per bin, the mean confidence, the accuracy and the count;
  the data of a reliability diagram.
* :func:`expected_calibration_error` (ECE) — the count-weighted mean gap
  :math:`\sum_b \frac{n_b}{N}\,|\mathrm{acc}_b - \mathrm{conf}_b|`.
* :func:`maximum_calibration_error` (MCE) — the largest gap over non-empty bins.
* :func:`fit_temperature` and :func:`temperature_scale` — the one-parameter fix:
  divide the logits by a temperature :math:`T` fitted on a validation split.

**Bins.** :math:`M` equal-width bins :math:`B_m = \left(\frac{m-1}{M}, \frac{m}{M}\right]`;
a confidence of exactly 0 goes to the first bin and exactly 1 to the last. Empty bins
are ignored (they carry no weight in ECE and are skipped by MCE).

**What "confidence" is.** Two explicit cases, chosen by the shapes:

* *multiclass, top-label* — ``probs`` of shape :math:`(N, C)` (rows summing to 1) and
  integer ``target`` :math:`(N,)`: the confidence is :math:`\max_c p_c` and a
  prediction is correct when :math:`\arg\max_c p_c = y`.
* *binary, positive class* — ``probs`` of shape :math:`(N,)` holding :math:`P(y=1)`
  and ``target`` of 0/1 labels: the "confidence" is :math:`P(y=1)` and the
  "accuracy" of a bin is its fraction of positives (torchmetrics' ``task="binary"``).
  For the top-label view of a binary model pass ``torch.stack([1 - p, p], dim=1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lossbook._validate import (
    check_floating,
    check_int,
    check_nonempty,
    check_probabilities,
    check_real,
    check_tensor,
    read_scalars,
)
from lossbook.losses.classification import bce_with_logits, cross_entropy

__all__ = [
    "ReliabilityBins",
    "top_label",
    "reliability_bins",
    "expected_calibration_error",
    "maximum_calibration_error",
    "temperature_scale",
    "fit_temperature",
]


@dataclass(frozen=True)
class ReliabilityBins:
    """Per-bin statistics of a reliability diagram (all tensors of length ``n_bins``, float64).

    Attributes:
        edges: the ``n_bins + 1`` bin edges, 0 to 1.
        counts: predictions per bin (integer).
        confidence: mean confidence per bin (0 in empty bins).
        accuracy: fraction correct (binary: fraction positive) per bin (0 in empty bins).
    """

    edges: torch.Tensor
    counts: torch.Tensor
    confidence: torch.Tensor
    accuracy: torch.Tensor

    @property
    def nonempty(self) -> torch.Tensor:
        """Boolean mask of the bins that hold at least one prediction."""
        return self.counts > 0

    @property
    def gap(self) -> torch.Tensor:
        """``|accuracy - confidence|`` per bin (0 in empty bins)."""
        return (self.accuracy - self.confidence).abs()

    @property
    def centers(self) -> torch.Tensor:
        """Bin midpoints, for drawing."""
        return (self.edges[:-1] + self.edges[1:]) / 2


def _check_probabilities(probs: torch.Tensor) -> None:
    check_floating("probs", probs)
    check_nonempty("probs", probs)
    if probs.dim() not in (1, 2):
        raise ValueError(f"probs must have shape (N,) (binary) or (N, C) (multiclass), got {tuple(probs.shape)}")
    check_probabilities(
        "probs", probs, class_dim=1 if probs.dim() == 2 else None,
        hint="; apply torch.softmax (multiclass) or torch.sigmoid (binary) to logits first",
    )


def top_label(probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The top-label confidence :math:`\\max_c p_c` and prediction :math:`\\arg\\max_c p_c` of each row.

    Example:
        >>> top_label(torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]]))
        (tensor([0.7000, 0.5000]), tensor([1, 0]))
    """
    _check_probabilities(probs)
    if probs.dim() != 2:
        raise ValueError(f"probs must have shape (N, C), got {tuple(probs.shape)}")
    confidence, prediction = probs.max(dim=1)
    return confidence, prediction


def _confidence_and_outcome(probs: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per prediction: the confidence and the 0/1 outcome it should match on average."""
    _check_probabilities(probs)
    check_tensor("target", target)
    if target.shape != probs.shape[:1]:
        raise ValueError(f"target must have shape ({probs.shape[0]},), got {tuple(target.shape)}")
    if probs.dim() == 1:
        values = target.detach().to(torch.float64)
        if not bool(((values == 0) | (values == 1)).all()):
            raise ValueError("target must hold 0/1 labels for binary probs of shape (N,)")
        return probs.detach().to(torch.float64), values
    if target.is_floating_point() or target.dtype == torch.bool:
        raise TypeError(f"target must hold integer class indices for probs of shape (N, C), got dtype {target.dtype}")
    num_classes = probs.shape[1]
    smallest, largest = read_scalars(*torch.aminmax(target))
    if not (smallest >= 0 and largest < num_classes):
        raise ValueError(
            f"target must hold class indices in [0, {num_classes - 1}]: got values from {smallest} to {largest}"
        )
    confidence, prediction = probs.detach().max(dim=1)
    return confidence.to(torch.float64), (prediction == target).to(torch.float64)


def _bin_index(confidence: torch.Tensor, n_bins: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``n_bins + 1`` edges and, per prediction, its bin: ``edges[m-1] < c <= edges[m]`` is bin
    ``m-1``; 0 goes to the first bin, 1 to the last."""
    edges = torch.linspace(0.0, 1.0, n_bins + 1, dtype=torch.float64, device=confidence.device)
    return edges, torch.bucketize(confidence, edges[1:-1], right=False)


def reliability_bins(probs: torch.Tensor, target: torch.Tensor, *, n_bins: int = 15) -> ReliabilityBins:
    r"""Bin predictions by confidence: the data of a reliability diagram.

    Bin :math:`m` holds the predictions with confidence in
    :math:`\left(\frac{m-1}{M}, \frac{m}{M}\right]` (0 goes to the first bin).

    Args:
        probs: :math:`(N, C)` class probabilities (top-label), or :math:`(N,)`
            probabilities of the positive class (binary); see the module docstring.
        target: :math:`(N,)` class indices, or 0/1 labels for binary ``probs``.
        n_bins: :math:`M`, the number of equal-width bins (default 15).

    Example:
        >>> bins = reliability_bins(torch.tensor([0.05, 0.45, 0.55, 0.95]), torch.tensor([0, 1, 0, 1]), n_bins=2)
        >>> bins.counts, bins.confidence, bins.accuracy
        (tensor([2, 2]), tensor([0.2500, 0.7500], dtype=torch.float64), tensor([0.5000, 0.5000], dtype=torch.float64))
    """
    n_bins = check_int("n_bins", n_bins, minimum=1)
    confidence, outcome = _confidence_and_outcome(probs, target)
    edges, index = _bin_index(confidence, n_bins)
    counts = torch.bincount(index, minlength=n_bins)
    confidence_sum = torch.bincount(index, weights=confidence, minlength=n_bins)
    outcome_sum = torch.bincount(index, weights=outcome, minlength=n_bins)
    # Empty bins get 0 instead of 0/0; they are masked out of ECE and MCE by their count.
    safe_counts = counts.clamp_min(1).to(torch.float64)
    return ReliabilityBins(
        edges=edges, counts=counts, confidence=confidence_sum / safe_counts, accuracy=outcome_sum / safe_counts
    )


def expected_calibration_error(probs: torch.Tensor, target: torch.Tensor, *, n_bins: int = 15) -> float:
    r"""Expected calibration error: :math:`\mathrm{ECE} = \sum_{m=1}^{M} \frac{n_m}{N}\,|\mathrm{acc}_m - \mathrm{conf}_m|`.

    0 for a perfectly calibrated model (on these bins), at most 1. Arguments as in
    :func:`reliability_bins`. Matches torchmetrics' ``CalibrationError(norm="l1")``
    except at confidences exactly on a bin edge (torchmetrics uses
    :math:`[\cdot, \cdot)` bins and gives 1.0 a bin of its own).

    Example:
        >>> probs = torch.tensor([[0.95, 0.05], [0.75, 0.25]])  # right at 0.95, wrong at 0.75
        >>> round(expected_calibration_error(probs, torch.tensor([0, 1]), n_bins=10), 4)
        0.4
    """
    n_bins = check_int("n_bins", n_bins, minimum=1)
    confidence, outcome = _confidence_and_outcome(probs, target)
    _, index = _bin_index(confidence, n_bins)
    # (n_m / N) |acc_m - conf_m| = |sum of (outcome - confidence) over bin m| / N: one pass per bin.
    gap_sums = torch.bincount(index, weights=outcome - confidence, minlength=n_bins)
    return float(gap_sums.abs().sum()) / confidence.numel()


def maximum_calibration_error(probs: torch.Tensor, target: torch.Tensor, *, n_bins: int = 15) -> float:
    r"""Maximum calibration error: :math:`\mathrm{MCE} = \max_{m:\,n_m > 0} |\mathrm{acc}_m - \mathrm{conf}_m|`.

    The worst bin, however few predictions it holds. Arguments as in
    :func:`reliability_bins`; matches torchmetrics' ``CalibrationError(norm="max")``
    off the bin edges.

    Example:
        >>> probs = torch.tensor([[0.95, 0.05], [0.75, 0.25]])  # right at 0.95, wrong at 0.75
        >>> round(maximum_calibration_error(probs, torch.tensor([0, 1]), n_bins=10), 4)
        0.75
    """
    bins = reliability_bins(probs, target, n_bins=n_bins)
    return float(bins.gap[bins.nonempty].max())


def temperature_scale(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    r"""Divide logits by a temperature :math:`T > 0`: :math:`T > 1` softens, :math:`T < 1` sharpens.

    The arg-max, and so the accuracy, does not change.

    Example:
        >>> temperature_scale(torch.tensor([[2.0, -1.0]]), 2.0)
        tensor([[ 1.0000, -0.5000]])
    """
    check_floating("logits", logits)
    temperature = check_real("temperature", temperature, minimum=0.0, inclusive=False)
    return logits / temperature


def fit_temperature(logits: torch.Tensor, target: torch.Tensor, *, max_iter: int = 200) -> float:
    r"""Fit the temperature :math:`T` that minimises the NLL of ``logits / T`` (Guo et al., 2017).

    .. math:: T^\star = \arg\min_{T > 0} \frac{1}{N}\sum_n -\log \operatorname{softmax}(x_n / T)_{y_n}

    Fit it on a **validation** split (never the test split) and apply it with
    :func:`temperature_scale` to new logits. :math:`\log T` is optimised with L-BFGS
    in float64, so :math:`T` stays positive. Dividing by :math:`T` keeps every
    arg-max, so accuracy is unchanged; the validation NLL can only go down (from
    :math:`T = 1`, where the search starts).

    Args:
        logits: :math:`(N, C)` multiclass logits with class-index ``target`` :math:`(N,)`,
            or :math:`(N,)` binary logits with 0/1 ``target`` :math:`(N,)`.
        target: the validation labels.
        max_iter: L-BFGS iterations (default 200).

    Returns:
        :math:`T` as a Python float.
    """
    check_floating("logits", logits)
    check_nonempty("logits", logits)
    check_tensor("target", target)
    if logits.dim() not in (1, 2):
        raise ValueError(f"logits must have shape (N,) (binary) or (N, C) (multiclass), got {tuple(logits.shape)}")
    if target.shape != logits.shape[:1]:
        raise ValueError(f"target must have shape ({logits.shape[0]},), got {tuple(target.shape)}")
    max_iter = check_int("max_iter", max_iter, minimum=1)
    logits = logits.detach().to(torch.float64)
    if logits.dim() == 1:
        labels = target.detach().to(torch.float64)

        def nll_at(log_temperature):
            return bce_with_logits(logits / log_temperature.exp(), labels)
    else:
        labels = target.detach()

        def nll_at(log_temperature):
            return cross_entropy(logits / log_temperature.exp(), labels)

    log_temperature = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_temperature], lr=0.5, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = nll_at(log_temperature)
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    return float(log_temperature.detach().exp())
