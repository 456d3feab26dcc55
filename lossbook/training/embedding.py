r"""Training an embedding with a batch loss and scoring it after every epoch (the metric-learning chapter).

:func:`train_embedding` is :func:`lossbook.training.loop.fit` with what that chapter needs
around it: a fresh :class:`~lossbook.models.embedding.EmbeddingMLP` seeded by ``seed``, Adam,
shuffled mini-batches, and, before training and after every epoch, the test set's
recall@1 (:func:`lossbook.metrics.retrieval.recall_at_1`), its mean pairwise distance (which
falls towards 0 when an embedding collapses) and, at chosen epochs, a copy of the test
embeddings to draw.

The loss is ``batch_loss(embeddings, labels, generator)``: a triplet loss with a miner, or a
contrastive loss over all pairs of the batch. ``generator`` is the one that also shuffles the
batches, so a random miner's draws and the batch order both follow from ``seed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

import torch

from lossbook._validate import check_int, check_real, check_tensor
from lossbook.distances import pairwise_distances
from lossbook.metrics.retrieval import recall_at_1
from lossbook.models.embedding import EmbeddingMLP
from lossbook.training.loop import History, fit

__all__ = ["BatchLoss", "EmbeddingRun", "train_embedding"]

BatchLoss = Callable[[torch.Tensor, torch.Tensor, torch.Generator], torch.Tensor]
"""``batch_loss(embeddings, labels, generator) -> scalar``."""


@dataclass
class EmbeddingRun:
    """What :func:`train_embedding` measured.

    Attributes:
        model: the trained network.
        loss: the mean mini-batch loss of each epoch (``epochs`` values).
        recall_at_1: test recall@1 before training and after each epoch (``epochs + 1`` values).
        mean_distance: the mean of all pairwise test distances (the zero diagonal included),
            at the same times.
        seconds: wall time of the updates (scoring excluded).
        snapshots: ``{epoch: test embeddings (CPU)}`` for the requested epochs (0 = untrained).
        history: the :class:`~lossbook.training.loop.History` of :func:`~lossbook.training.loop.fit`.
    """

    model: torch.nn.Module
    loss: list[float]
    recall_at_1: list[float]
    mean_distance: list[float]
    seconds: float
    snapshots: dict[int, torch.Tensor] = field(default_factory=dict)
    history: History | None = None


def _check_labelled(name: str, x: object, y: object) -> None:
    check_tensor(f"{name}_x", x)
    check_tensor(f"{name}_y", y)
    if x.dim() != 2 or not x.is_floating_point():
        raise ValueError(f"{name}_x must be a 2-D floating-point tensor (rows, features), got dtype {x.dtype} and shape {tuple(x.shape)}")
    if y.shape != x.shape[:1]:
        raise ValueError(f"{name}_y must have shape ({x.shape[0]},), got {tuple(y.shape)}")


def train_embedding(
    batch_loss: BatchLoss,
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    test_x: torch.Tensor,
    test_y: torch.Tensor,
    *,
    seed: int,
    dim: int = 2,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 1e-3,
    snapshot_epochs: Iterable[int] = (),
) -> EmbeddingRun:
    """Train a fresh :class:`~lossbook.models.embedding.EmbeddingMLP` with ``batch_loss`` and score it on the test set.

    Args:
        batch_loss: ``batch_loss(embeddings, labels, generator)``, a scalar.
        train_x, train_y: training rows ``(N, D)`` and their integer labels ``(N,)``.
        test_x, test_y: test rows and labels, scored before training and after every epoch.
        seed: seeds the initial weights (``torch.manual_seed``) and the generator of the
            batch order and of ``batch_loss``.
        dim: embedding width.
        epochs, batch_size, lr: Adam with this rate, on shuffled mini-batches.
        snapshot_epochs: epochs after which to keep the test embeddings (0 = before training).

    The network is built on ``train_x``'s device.

    Example:
        >>> x = torch.randn(40, 64, generator=torch.Generator().manual_seed(0))
        >>> y = torch.arange(40) % 2
        >>> from lossbook.losses import batch_contrastive_loss
        >>> run = train_embedding(lambda e, l, g: batch_contrastive_loss(e, l, margin=1.0), x, y, x, y, seed=0, epochs=2,
        ...                       snapshot_epochs=(0, 2))
        >>> len(run.loss), len(run.recall_at_1), sorted(run.snapshots)
        (2, 3, [0, 2])
    """
    if not callable(batch_loss):
        raise TypeError(f"batch_loss must be callable, got {type(batch_loss).__name__}")
    _check_labelled("train", train_x, train_y)
    _check_labelled("test", test_x, test_y)
    seed = check_int("seed", seed, minimum=0)
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_real("lr", lr, minimum=0.0, inclusive=False)
    snapshot_epochs = {check_int("snapshot_epochs[]", e, minimum=0, maximum=epochs) for e in snapshot_epochs}

    torch.manual_seed(seed)
    model = EmbeddingMLP(train_x.shape[1], dim).to(train_x.device)
    generator = torch.Generator().manual_seed(seed)
    recalls: list[float] = []
    distances: list[float] = []
    snapshots: dict[int, torch.Tensor] = {}

    def evaluate(network: torch.nn.Module) -> dict:
        epoch = len(recalls)
        with torch.no_grad():
            embeddings = network(test_x)
        recalls.append(recall_at_1(embeddings, test_y))
        distances.append(pairwise_distances(embeddings).mean().item())
        if epoch in snapshot_epochs:
            snapshots[epoch] = embeddings.cpu()
        return {"recall@1": recalls[-1], "mean distance": distances[-1]}

    history = fit(
        model,
        lambda embeddings, labels: batch_loss(embeddings, labels, generator),
        train_x,
        train_y,
        batch_size=batch_size,
        epochs=epochs,
        optimizer=partial(torch.optim.Adam, lr=lr),
        generator=generator,
        evaluate=evaluate,
        # The whole-set loss would draw from the generator (a random miner) and change the run.
        track_epoch_loss=False,
        progress=False,
    )
    return EmbeddingRun(
        model=model,
        loss=history.mean_step_loss_per_epoch(),
        recall_at_1=recalls,
        mean_distance=distances,
        seconds=sum(history.epoch_seconds),
        snapshots=snapshots,
        history=history,
    )
