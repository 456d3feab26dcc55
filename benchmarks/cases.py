"""What is compared: each lossbook function beside its reference on the same inputs.

A case builds, for one batch size, the input tensors (the ones that receive
gradients) and two zero-argument callables returning the scalar loss — lossbook's
and the reference's. Batch sizes are chosen per family: elementwise losses see
``batch × 256`` values, pairwise losses ``batch`` embeddings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from benchmarks.references import torchvision_sigmoid_focal_loss
from lossbook.metrics import calibration
from lossbook import miners as lossbook_miners
from lossbook.losses import classification, metric, regression

Built = tuple[list[torch.Tensor], Callable[[], torch.Tensor], Callable[[], torch.Tensor]]


@dataclass(frozen=True)
class Case:
    name: str
    reference: str
    target: float  # the ratio lossbook / reference the book promises not to exceed
    sizes: dict[str, int]
    build: Callable[[int, torch.Generator, torch.device], Built]


ELEMENTWISE_SIZES = {"small": 64, "medium": 1024, "large": 16384}
FEATURES = 256


def _regression_pair(batch: int, generator: torch.Generator, device: torch.device):
    input = torch.randn(batch, FEATURES, generator=generator).to(device).requires_grad_(True)
    target = (torch.randn(batch, FEATURES, generator=generator) * 2).to(device)
    return input, target


def elementwise_case(name: str, ours: Callable, reference: Callable, reference_name: str, **options) -> Case:
    def build(batch: int, generator: torch.Generator, device: torch.device) -> Built:
        input, target = _regression_pair(batch, generator, device)
        return [input], lambda: ours(input, target, **options), lambda: reference(input, target, **options)

    return Case(name, reference_name, 1.10, ELEMENTWISE_SIZES, build)


CASES: list[Case] = [
    elementwise_case("mse", regression.mse, F.mse_loss, "F.mse_loss"),
    elementwise_case("mae", regression.mae, F.l1_loss, "F.l1_loss"),
    elementwise_case("huber", regression.huber, F.huber_loss, "F.huber_loss", delta=1.0),
    elementwise_case("smooth_l1", regression.smooth_l1, F.smooth_l1_loss, "F.smooth_l1_loss", beta=1.0),
    elementwise_case(
        "rmse", regression.rmse, lambda input, target: F.mse_loss(input, target).sqrt(), "sqrt(F.mse_loss)"
    ),
]


# --- classification -------------------------------------------------------------------

CLASSES = 100


def _class_logits(batch: int, generator: torch.Generator, device: torch.device):
    logits = (torch.randn(batch, CLASSES, generator=generator) * 3).to(device).requires_grad_(True)
    labels = torch.randint(0, CLASSES, (batch,), generator=generator).to(device)
    return logits, labels


def _binary_logits(batch: int, generator: torch.Generator, device: torch.device):
    logits = (torch.randn(batch, FEATURES, generator=generator) * 3).to(device).requires_grad_(True)
    targets = (torch.rand(batch, FEATURES, generator=generator) < 0.1).float().to(device)
    return logits, targets


def cross_entropy_case(name: str, **options) -> Case:
    def build(batch, generator, device) -> Built:
        logits, labels = _class_logits(batch, generator, device)
        return (
            [logits],
            lambda: classification.cross_entropy(logits, labels, **options),
            lambda: F.cross_entropy(logits, labels, **options),
        )

    return Case(name, "F.cross_entropy", 1.10, ELEMENTWISE_SIZES, build)


def nll_build(batch, generator, device) -> Built:
    logits, labels = _class_logits(batch, generator, device)
    return [logits], lambda: classification.nll(logits.log_softmax(1), labels), lambda: F.nll_loss(logits.log_softmax(1), labels)


def bce_build(batch, generator, device) -> Built:
    logits, targets = _binary_logits(batch, generator, device)
    return (
        [logits],
        lambda: classification.bce(torch.sigmoid(logits), targets),
        lambda: F.binary_cross_entropy(torch.sigmoid(logits), targets),
    )


def bce_with_logits_build(batch, generator, device) -> Built:
    logits, targets = _binary_logits(batch, generator, device)
    pos_weight = torch.full((FEATURES,), 9.0, device=device)
    return (
        [logits],
        lambda: classification.bce_with_logits(logits, targets, pos_weight=pos_weight),
        lambda: F.binary_cross_entropy_with_logits(logits, targets, pos_weight=pos_weight),
    )


def focal_build(batch, generator, device) -> Built:
    logits, targets = _binary_logits(batch, generator, device)
    return (
        [logits],
        lambda: classification.focal_loss(logits, targets, gamma=2.0, alpha=0.25),
        lambda: torchvision_sigmoid_focal_loss(logits, targets, reduction="mean"),
    )


# --- distances and mining -------------------------------------------------------------

PAIRWISE_SIZES = {"small": 128, "medium": 512, "large": 1024, "xlarge": 4096}
# pytorch-metric-learning's semi-hard miner builds a B×B×B mask: at B = 4096 that is
# 6.9e10 entries (64 GiB as booleans), so the comparison stops at B = 1024.
SEMIHARD_SIZES = {name: size for name, size in PAIRWISE_SIZES.items() if size <= 1024}
EMBEDDING_DIM = 64


def _labelled_embeddings(batch: int, generator: torch.Generator, device: torch.device):
    embeddings = torch.randn(batch, EMBEDDING_DIM, generator=generator).to(device).requires_grad_(True)
    labels = torch.arange(batch).remainder(max(batch // 8, 2))  # P×K batches: K = 8 samples per class
    return embeddings, labels.to(device)


def triplet_build(batch, generator, device) -> Built:
    anchor, positive, negative = (
        torch.randn(batch * 8, EMBEDDING_DIM, generator=generator).to(device).requires_grad_(True) for _ in range(3)
    )
    return (
        [anchor, positive, negative],
        lambda: metric.triplet_margin_loss(anchor, positive, negative, margin=0.5),
        lambda: F.triplet_margin_loss(anchor, positive, negative, margin=0.5),
    )


def _pml():
    from pytorch_metric_learning import distances, losses, miners

    return distances, losses, miners


def _mined_triplet_build(batch, generator, device, mine, make_reference_miner) -> Built:
    """A lossbook miner + batch_triplet_loss against a pml miner + TripletMarginLoss, margin 0.5, unnormalised L2."""
    distances, losses, miners = _pml()
    embeddings, labels = _labelled_embeddings(batch, generator, device)
    distance = distances.LpDistance(normalize_embeddings=False)
    reference_miner = make_reference_miner(miners, distance)
    reference_loss = losses.TripletMarginLoss(margin=0.5, distance=distance)

    def ours():
        return metric.batch_triplet_loss(embeddings, mine(embeddings, labels), margin=0.5)

    def reference():
        return reference_loss(embeddings, labels, reference_miner(embeddings, labels))

    return [embeddings], ours, reference


def batch_hard_build(batch, generator, device) -> Built:
    return _mined_triplet_build(
        batch, generator, device, lossbook_miners.batch_hard_triplets,
        lambda miners, distance: miners.BatchHardMiner(distance=distance),
    )


def semihard_build(batch, generator, device) -> Built:
    return _mined_triplet_build(
        batch, generator, device, lossbook_miners.semihard_triplets,
        lambda miners, distance: miners.TripletMarginMiner(margin=0.5, type_of_triplets="semihard", distance=distance),
    )


def contrastive_build(batch, generator, device) -> Built:
    distances, losses, _ = _pml()
    embeddings, labels = _labelled_embeddings(batch, generator, device)
    reference_loss = losses.ContrastiveLoss(
        pos_margin=0.0, neg_margin=1.0, distance=distances.LpDistance(normalize_embeddings=False)
    )
    return (
        [embeddings],
        lambda: metric.batch_contrastive_loss(embeddings, labels, margin=1.0),
        lambda: reference_loss(embeddings, labels),
    )


# --- calibration (no gradient: forward time only) ---------------------------------------


def ece_build(batch, generator, device) -> Built:
    # The functional form: the MulticlassCalibrationError module keeps every batch it is called
    # on in its state, so thousands of timed calls made its each call slower and larger.
    from torchmetrics.functional.classification import multiclass_calibration_error

    logits, labels = _class_logits(batch, generator, device)
    probs = logits.detach().softmax(1)
    zero = torch.zeros((), device=device, requires_grad=True)

    def ours():
        return zero + calibration.expected_calibration_error(probs, labels, n_bins=15)

    def reference():
        return zero + multiclass_calibration_error(probs, labels, num_classes=CLASSES, n_bins=15, norm="l1")

    return [zero], ours, reference


CASES += [
    cross_entropy_case("cross_entropy"),
    cross_entropy_case("cross_entropy (label_smoothing=0.1)", label_smoothing=0.1),
    Case("nll", "F.nll_loss", 1.10, ELEMENTWISE_SIZES, nll_build),
    Case("bce", "F.binary_cross_entropy", 1.10, ELEMENTWISE_SIZES, bce_build),
    Case("bce_with_logits (pos_weight)", "F.binary_cross_entropy_with_logits", 1.10, ELEMENTWISE_SIZES, bce_with_logits_build),
    Case("focal_loss (binary)", "torchvision sigmoid_focal_loss", 1.10, ELEMENTWISE_SIZES, focal_build),
    Case("triplet_margin_loss", "F.triplet_margin_loss", 1.10, PAIRWISE_SIZES, triplet_build),
    Case("batch-hard mining + triplet", "pml BatchHardMiner + TripletMarginLoss", 1.00, PAIRWISE_SIZES, batch_hard_build),
    Case("semi-hard mining + triplet", "pml TripletMarginMiner(semihard) + TripletMarginLoss", 1.00, SEMIHARD_SIZES, semihard_build),
    Case("batch_contrastive_loss (all pairs)", "pml ContrastiveLoss", 1.00, PAIRWISE_SIZES, contrastive_build),
    Case("expected_calibration_error", "torchmetrics multiclass_calibration_error", 1.00, ELEMENTWISE_SIZES, ece_build),
]


# --- supervised contrastive loss ----------------------------------------------------------


def supcon_build(batch, generator, device) -> Built:
    _, losses, _ = _pml()
    embeddings, labels = _labelled_embeddings(batch, generator, device)
    reference_loss = losses.SupConLoss(temperature=0.1)  # its default cosine similarity normalises, as ours does
    return (
        [embeddings],
        lambda: metric.supervised_contrastive_loss(embeddings, labels, temperature=0.1),
        lambda: reference_loss(embeddings, labels),
    )


CASES.append(Case("supervised_contrastive_loss", "pml SupConLoss", 1.00, PAIRWISE_SIZES, supcon_build))
