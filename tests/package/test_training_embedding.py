"""train_embedding (built on fit) against the metric-learning chapter's hand-written loop, copied below."""

import time

import pytest
import torch
from torch import nn

from lossbook.distances import pairwise_distances
from lossbook.losses import batch_contrastive_loss
from lossbook.training.embedding import EmbeddingRun, train_embedding


def chapter_train_embedding(batch_loss, train_x, train_y, test_x, test_y, *, seed, dim, epochs, batch_size=64,
                            snapshot_epochs=()):
    """The chapter's make_network, recall_at_1 and train_embedding, as its first code cell wrote them."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, dim))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    history = {"loss": [], "recall@1": [], "mean distance": [], "seconds": 0.0, "snapshots": {}}

    def recall_at_1(embeddings, labels):
        distances = pairwise_distances(embeddings).fill_diagonal_(float("inf"))
        return (labels[distances.argmin(dim=1)] == labels).float().mean().item()

    def evaluate(epoch):
        with torch.no_grad():
            embeddings = model(test_x)
        history["recall@1"].append(recall_at_1(embeddings, test_y))
        history["mean distance"].append(pairwise_distances(embeddings).mean().item())
        if epoch in snapshot_epochs:
            history["snapshots"][epoch] = embeddings.cpu()

    evaluate(0)
    for epoch in range(1, epochs + 1):
        start, losses = time.perf_counter(), []
        for rows in torch.randperm(len(train_y), generator=generator).split(batch_size):
            loss = batch_loss(model(train_x[rows]), train_y[rows], generator)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history["seconds"] += time.perf_counter() - start
        history["loss"].append(sum(losses) / len(losses))
        evaluate(epoch)
    history["model"] = model
    return history


CENTRES = torch.randn(4, 64, generator=torch.Generator().manual_seed(0))


def digits_like(rows, seed):
    """Four classes of 64-D points around fixed centres, as digits are 64 pixels."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 4, (rows,), generator=generator)
    return CENTRES[labels] + 0.8 * torch.randn(rows, 64, generator=generator), labels


def random_weighted_contrastive(embeddings, labels, generator):
    # Draws from the generator, as the random triplet miner does: the draws must line up too.
    weight = 0.5 + torch.rand((), generator=generator)
    return weight * batch_contrastive_loss(embeddings, labels, margin=1.0)


@pytest.mark.parametrize("batch_loss", [
    lambda e, y, g: batch_contrastive_loss(e, y, margin=1.0),
    random_weighted_contrastive,
], ids=["contrastive", "draws-from-the-generator"])
def test_equals_the_chapters_loop_number_for_number(batch_loss):
    train_x, train_y = digits_like(150, seed=1)
    test_x, test_y = digits_like(60, seed=2)
    ours = train_embedding(batch_loss, train_x, train_y, test_x, test_y, seed=3, dim=2, epochs=3, batch_size=32,
                           snapshot_epochs=(0, 3))
    theirs = chapter_train_embedding(batch_loss, train_x, train_y, test_x, test_y, seed=3, dim=2, epochs=3, batch_size=32,
                                     snapshot_epochs=(0, 3))
    assert isinstance(ours, EmbeddingRun)
    assert ours.loss == theirs["loss"]
    assert ours.mean_distance == theirs["mean distance"]
    # the chapter counted in float32; the package returns the exact fraction
    assert ours.recall_at_1 == pytest.approx(theirs["recall@1"], abs=1e-7)
    assert sorted(ours.snapshots) == [0, 3] and all(torch.equal(ours.snapshots[e], theirs["snapshots"][e]) for e in (0, 3))
    for a, b in zip(ours.model.parameters(), theirs["model"].parameters()):
        assert torch.equal(a, b)
    assert ours.seconds > 0 and ours.history.updates == 3 * 5


def test_training_separates_clusters_that_the_untrained_network_mixes():
    train_x, train_y = digits_like(200, seed=5)
    test_x, test_y = digits_like(80, seed=6)
    run = train_embedding(lambda e, y, g: batch_contrastive_loss(e, y, margin=1.0), train_x, train_y, test_x, test_y,
                          seed=0, dim=2, epochs=8)
    assert run.recall_at_1[0] < 0.6 < 0.9 < run.recall_at_1[-1]  # measured 0.34 -> 1.0
    assert len(run.loss) == 8 and len(run.recall_at_1) == len(run.mean_distance) == 9


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"batch_loss": None}, TypeError, r"batch_loss must be callable"),
        ({"train_y": torch.zeros(3, dtype=torch.long)}, ValueError, r"train_y must have shape \(10,\)"),
        ({"test_x": torch.zeros(4, 64, dtype=torch.long)}, ValueError, r"test_x must be a 2-D floating-point tensor"),
        ({"seed": -1}, ValueError, r"seed must be an int >= 0, got -1"),
        ({"epochs": 0}, ValueError, r"epochs must be an int >= 1, got 0"),
        ({"snapshot_epochs": (5,)}, ValueError, r"snapshot_epochs\[\] must be an int in \[0, 2\], got 5"),
        ({"lr": 0}, ValueError, r"lr must be a finite number > 0"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, error, message):
    arguments = {"batch_loss": lambda e, y, g: e.sum(), "train_x": torch.zeros(10, 64), "train_y": torch.zeros(10, dtype=torch.long),
                 "test_x": torch.zeros(4, 64), "test_y": torch.zeros(4, dtype=torch.long), "seed": 0, "epochs": 2, **kwargs}
    with pytest.raises(error, match=message):
        train_embedding(arguments.pop("batch_loss"), arguments.pop("train_x"), arguments.pop("train_y"),
                        arguments.pop("test_x"), arguments.pop("test_y"), **arguments)
