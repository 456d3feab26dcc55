"""Calibration figures shared by the classification chapters: reliability diagrams, confidence histograms."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes

from lossbook._validate import check_int, check_real
from lossbook.metrics.calibration import ReliabilityBins
from lossbook.plot.figures import check_axes, label


__all__ = ["reliability_diagram", "confidence_histogram"]


def reliability_diagram(
    ax: Axes, bins: ReliabilityBins, *, title: str, ece: float | None = None, color: str = "C0"
) -> Axes:
    """Accuracy per confidence bin as bars, the gap to the diagonal shaded, empty bins left out.

    A calibrated model's bars touch the dashed diagonal; bars below it mean overconfidence.
    ``ece``, when given, is printed in the corner.
    """
    check_axes(ax)
    if not isinstance(bins, ReliabilityBins):
        raise TypeError(f"bins must be ReliabilityBins (from lossbook.metrics.reliability_bins), got {type(bins).__name__}")
    if ece is not None:
        ece = check_real("ece", ece, minimum=0.0, maximum=1.0)
    nonempty = bins.nonempty.cpu().numpy()
    left = bins.edges[:-1].cpu().numpy()[nonempty]
    width = float(bins.edges[1] - bins.edges[0])
    accuracy = bins.accuracy.cpu().numpy()[nonempty]
    confidence = bins.confidence.cpu().numpy()[nonempty]
    ax.bar(left, accuracy, width=width, align="edge", color=color, edgecolor="black", linewidth=0.5, label="accuracy")
    # The gap spans accuracy to mean confidence, above the bar (overconfident) or inside it (underconfident).
    ax.bar(
        left, np.abs(confidence - accuracy), bottom=np.minimum(accuracy, confidence), width=width, align="edge",
        facecolor="none", edgecolor="red", hatch="///", linewidth=0.8, label="gap to mean confidence",
    )
    ax.plot([0, 1], [0, 1], linestyle="--", color="gray", label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    if ece is not None:
        ax.text(0.04, 0.92, f"ECE = {ece:.3g}", transform=ax.transAxes, fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    return label(ax, title=title, xlabel="confidence (unitless)", ylabel="accuracy in bin (fraction)")


def confidence_histogram(
    ax: Axes,
    confidences: Sequence[torch.Tensor | np.ndarray],
    labels: Sequence[str],
    *,
    title: str,
    n_bins: int = 20,
) -> Axes:
    """Overlaid histograms of top-label confidence, one per setup, as fractions of predictions."""
    check_axes(ax)
    for name, value in (("confidences", confidences), ("labels", labels)):
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise TypeError(f"{name} must be a list (one entry per setup), got {type(value).__name__}")
    # More bins than this is a mistaken argument, and would take matplotlib minutes to draw.
    n_bins = check_int("n_bins", n_bins, minimum=1, maximum=10_000)
    if len(confidences) != len(labels):
        raise ValueError(f"confidences and labels must have the same length, got {len(confidences)} and {len(labels)}")
    edges = np.linspace(0, 1, n_bins + 1)
    for position, (values, name) in enumerate(zip(confidences, labels)):
        if not isinstance(values, (torch.Tensor, np.ndarray)) or values.ndim != 1:
            raise TypeError(f"confidences[{position}] must be a 1-D tensor or array, got {type(values).__name__}")
        if not isinstance(name, str):
            raise TypeError(f"labels[{position}] must be a str, got {type(name).__name__}")
        values = np.asarray(values.detach().cpu() if isinstance(values, torch.Tensor) else values, dtype=float)
        ax.hist(values, bins=edges, weights=np.full(len(values), 1 / len(values)), alpha=0.5, label=name)
    ax.legend(fontsize=8)
    return label(ax, title=title, xlabel="top-label confidence (unitless)", ylabel="fraction of predictions")
