"""recall@1 against a brute-force nearest-neighbour search with torch.cdist, and by hand."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lossbook.metrics.retrieval import recall_at_1


def brute_force_recall_at_1(embeddings, labels):
    hits = 0
    for i in range(len(embeddings)):
        distances = torch.cdist(embeddings[i : i + 1].double(), embeddings.double())[0]
        distances[i] = float("inf")
        hits += int(labels[int(distances.argmin())] == labels[i])
    return hits / len(embeddings)


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 40), st.integers(1, 6), st.integers(2, 5), st.integers(0, 2**16))
def test_recall_at_1_equals_a_brute_force_search(rows, dim, classes, seed):
    generator = torch.Generator().manual_seed(seed)
    embeddings = torch.randn(rows, dim, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, classes, (rows,), generator=generator)
    assert recall_at_1(embeddings, labels) == brute_force_recall_at_1(embeddings, labels)


def test_recall_at_1_by_hand_and_at_its_extremes():
    line = torch.tensor([[0.0], [0.1], [5.0], [5.2], [0.25]])
    # nearest others: 1, 0, 3, 2, 1 -> only point 4 (class 1, nearest to point 1 of class 0) misses
    assert recall_at_1(line, torch.tensor([0, 0, 1, 1, 1])) == 4 / 5
    clusters = torch.tensor([[0.0, 0.0], [0.0, 0.1], [9.0, 9.0], [9.1, 9.0]])
    assert recall_at_1(clusters, torch.tensor([0, 0, 1, 1])) == 1.0
    assert recall_at_1(clusters, torch.tensor([0, 1, 0, 1])) == 0.0


def test_cosine_metric_ignores_the_length_of_the_embeddings():
    embeddings = torch.tensor([[1.0, 0.0], [10.0, 0.5], [0.0, 1.0], [0.3, 5.0]])
    labels = torch.tensor([0, 0, 1, 1])
    assert recall_at_1(embeddings, labels, metric="cosine") == 1.0
    assert recall_at_1(embeddings * torch.tensor([[1.0], [3.0], [0.1], [7.0]]), labels, metric="cosine") == 1.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: recall_at_1(torch.zeros(1, 2), torch.zeros(1, dtype=torch.long)), ValueError, r"at least 2 points"),
        (lambda: recall_at_1(torch.zeros(3, 2), torch.zeros(2, dtype=torch.long)), ValueError, r"labels must have one entry per embedding"),
        (lambda: recall_at_1(torch.zeros(3, 2), torch.zeros(3)), TypeError, r"labels must be an integer tensor"),
        (lambda: recall_at_1(torch.zeros(3, dtype=torch.long), torch.zeros(3, dtype=torch.long)), TypeError, r"embeddings must be a floating-point tensor"),
        (lambda: recall_at_1(torch.zeros(3), torch.zeros(3, dtype=torch.long)), ValueError, r"embeddings must be 2-D"),
        (lambda: recall_at_1(torch.zeros(3, 2), torch.zeros(3, dtype=torch.long), metric="l1"), ValueError, r"metric must be one of"),
    ],
)
def test_bad_input_names_itself(call, error, message):
    with pytest.raises(error, match=message):
        call()
