"""Miners on hand-built 1-D batches, against brute-force references and pytorch-metric-learning."""

import inspect

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.miners import BatchHardMiner, TripletMarginMiner
from pytorch_metric_learning.utils import loss_and_miner_utils as lmu

from lossbook.miners import (
    all_pairs,
    all_triplets,
    batch_hard_triplets,
    hard_triplets,
    random_triplets,
    semihard_triplets,
)

F64 = torch.float64


def line(*points):
    """1-D embeddings: one point per row."""
    return torch.tensor(points, dtype=F64)[:, None]


def as_list(triplets):
    return list(zip(*(index.tolist() for index in triplets)))


def random_batch(seed, size, classes, dim):
    generator = torch.Generator().manual_seed(seed)
    embeddings = torch.randn(size, dim, generator=generator, dtype=F64)
    labels = torch.randint(0, classes, (size,), generator=generator)
    return embeddings, labels


batches = st.tuples(st.integers(0, 2**16), st.integers(2, 14), st.integers(1, 4), st.integers(1, 3))


# --- hand-built 1-D batches -------------------------------------------------------------

# Class 0 at 0 and 1; class 1 at 1.5, 3 and 10. On a line the right answers can be read off.
X = line(0.0, 1.0, 1.5, 3.0, 10.0)
Y = torch.tensor([0, 0, 1, 1, 1])


def test_all_pairs_and_all_triplets_by_hand():
    assert as_list(all_pairs(torch.tensor([0, 0, 1]))) == [(0, 1), (0, 2), (1, 2)]
    triplets = as_list(all_triplets(Y))
    # 2 anchors of class 0 x 1 positive x 3 negatives + 3 anchors of class 1 x 2 positives x 2 negatives
    assert len(triplets) == 2 * 1 * 3 + 3 * 2 * 2
    assert (0, 1, 2) in triplets and (2, 3, 0) in triplets and (0, 2, 1) not in triplets


def test_hard_miner_takes_the_closest_negative_for_every_pair():
    # anchor 0 (at 0): closest negative 1.5; anchor 1 (at 1): 1.5; anchor 2 (at 1.5): 1; anchor 3 (at 3): 1; anchor 4 (at 10): 1
    assert as_list(hard_triplets(X, Y)) == [
        (0, 1, 2), (1, 0, 2), (2, 3, 1), (2, 4, 1), (3, 2, 1), (3, 4, 1), (4, 2, 1), (4, 3, 1)
    ]


def test_batch_hard_miner_takes_farthest_positive_and_closest_negative_per_anchor():
    # anchor 2 (at 1.5): farthest positive 10, closest negative 1; anchor 4 (at 10): farthest positive 1.5
    assert as_list(batch_hard_triplets(X, Y)) == [(0, 1, 2), (1, 0, 2), (2, 4, 1), (3, 4, 1), (4, 2, 1)]


def test_semihard_miner_in_all_three_cases():
    triplets = dict(((a, p), n) for a, p, n in as_list(semihard_triplets(X, Y)))
    # (0, 1): d(a, p) = 1; negatives at 1.5, 3, 10 -> the closest farther one is 1.5 (index 2): semi-hard
    assert triplets[(0, 1)] == 2
    # (1, 0): d(a, p) = 1; negatives at distance 0.5, 2, 9 -> closest farther is 3 (index 3)
    assert triplets[(1, 0)] == 3
    # (2, 3): anchor 1.5, d(a, p) = 1.5; negatives at distance 1.5 (not farther: ties are not farther), 0.5
    #          -> no negative farther: fallback to the farthest negative, index 0
    assert triplets[(2, 3)] == 0
    # (4, 2): anchor 10, d(a, p) = 8.5; negatives at 10 and 9 are farther -> closest farther: 9 (index 1)
    assert triplets[(4, 2)] == 1
    # (3, 2): anchor 3, d(a, p) = 1.5; negatives at distance 3 and 2 -> closest farther: 2 (index 1)
    assert triplets[(3, 2)] == 1


def test_semihard_returns_a_zero_loss_triplet_when_every_farther_negative_is_beyond_the_margin():
    embeddings, labels = line(0.0, 0.1, 5.0), torch.tensor([0, 0, 1])
    anchor, positive, negative = semihard_triplets(embeddings, labels)
    assert as_list((anchor, positive, negative)) == [(0, 1, 2), (1, 0, 2)]
    distances = torch.cdist(embeddings, embeddings)
    assert (distances[anchor, negative] > distances[anchor, positive] + 1.0).all()  # easy: loss 0 at margin 1


def test_semihard_ties_go_to_the_lowest_index():
    # two negatives at the same distance 2 beyond the positive at 1; then the fallback: two farthest at 0.5
    assert semihard_triplets(line(0.0, 1.0, 2.0, -2.0), torch.tensor([0, 0, 1, 1]))[2][0].item() == 2
    assert semihard_triplets(line(0.0, 1.0, 0.5, -0.5), torch.tensor([0, 0, 1, 1]))[2][0].item() == 2


def test_random_miner_draws_valid_reproducible_and_uniform_negatives():
    labels = torch.tensor([0, 0, 1, 2, 3, 4])  # anchor 0 has four negatives: 2, 3, 4, 5
    first = random_triplets(torch.zeros(6, 2), labels, generator=torch.Generator().manual_seed(5))
    again = random_triplets(torch.zeros(6, 2), labels, generator=torch.Generator().manual_seed(5))
    assert all(torch.equal(f, a) for f, a in zip(first, again))
    assert as_list(first[:2]) == [(0, 1), (1, 0)]
    generator = torch.Generator().manual_seed(0)
    draws = torch.cat([random_triplets(torch.zeros(6, 2), labels, generator=generator)[2] for _ in range(2000)])
    counts = torch.bincount(draws, minlength=6)
    assert counts[:2].sum() == 0  # never a positive
    assert ((counts[2:] - 1000).abs() < 150).all(), counts  # 4000 draws over 4 negatives: 1000 ± 5 sigma


@pytest.mark.parametrize("miner", [random_triplets, hard_triplets, semihard_triplets, batch_hard_triplets])
@pytest.mark.parametrize("labels", [torch.zeros(4, dtype=torch.long), torch.arange(4)], ids=["one-class", "all-distinct"])
def test_no_valid_triplet_gives_empty_indices(miner, labels):
    triplets = miner(torch.randn(4, 2), labels)
    assert len(triplets) == 3 and all(index.shape == (0,) and index.dtype == torch.long for index in triplets)


def test_anchor_without_a_negative_or_positive_is_skipped():
    # label 2 appears once: index 4 has no positive, but is a negative for the others
    triplets = as_list(batch_hard_triplets(line(0.0, 1.0, 5.0, 6.0, 2.0), torch.tensor([0, 0, 1, 1, 2])))
    assert [a for a, _, _ in triplets] == [0, 1, 2, 3]
    assert triplets[1] == (1, 0, 4)  # anchor at 1: closest negative is the singleton at 2


# --- brute-force references -------------------------------------------------------------


def brute_force(embeddings, labels, rule):
    distances = torch.cdist(embeddings, embeddings)  # up to 14 rows: torch compares the rows directly, exactly
    size = len(labels)
    out = []
    for a in range(size):
        positives = [p for p in range(size) if p != a and labels[p] == labels[a]]
        negatives = [n for n in range(size) if labels[n] != labels[a]]
        if positives and negatives:
            out += rule(a, positives, negatives, distances)
    return out


def semihard_rule(a, positives, negatives, distances):
    chosen = []
    for p in positives:
        farther = [n for n in negatives if distances[a, n] > distances[a, p]]
        pool, pick = (farther, min) if farther else (negatives, max)
        best = pick(distances[a, n].item() for n in pool)
        chosen.append((a, p, min(n for n in pool if distances[a, n] == best)))
    return chosen


def batch_hard_rule(a, positives, negatives, distances):
    p = max(positives, key=lambda j: (distances[a, j].item(), -j))
    n = min(negatives, key=lambda j: (distances[a, j].item(), j))
    return [(a, p, n)]


def hard_rule(a, positives, negatives, distances):
    n = min(negatives, key=lambda j: (distances[a, j].item(), j))
    return [(a, p, n) for p in positives]


@settings(max_examples=60, deadline=None)
@given(batch=batches)
def test_semihard_agrees_with_brute_force(batch):
    embeddings, labels = random_batch(*batch)
    assert as_list(semihard_triplets(embeddings, labels)) == brute_force(embeddings, labels, semihard_rule)


@settings(max_examples=60, deadline=None)
@given(batch=batches)
def test_batch_hard_agrees_with_brute_force(batch):
    embeddings, labels = random_batch(*batch)
    assert as_list(batch_hard_triplets(embeddings, labels)) == brute_force(embeddings, labels, batch_hard_rule)


@settings(max_examples=40, deadline=None)
@given(batch=batches)
def test_hard_agrees_with_brute_force(batch):
    embeddings, labels = random_batch(*batch)
    assert as_list(hard_triplets(embeddings, labels)) == brute_force(embeddings, labels, hard_rule)


@settings(max_examples=30, deadline=None)
@given(batch=batches)
def test_all_triplets_match_pytorch_metric_learning(batch):
    _, labels = random_batch(*batch)
    assert sorted(as_list(all_triplets(labels))) == sorted(as_list(lmu.get_all_triplets_indices(labels)))


@settings(max_examples=30, deadline=None)
@given(batch=batches)
def test_batch_hard_matches_pytorch_metric_learning(batch):
    embeddings, labels = random_batch(*batch)
    reference = BatchHardMiner(distance=LpDistance(normalize_embeddings=False))(embeddings, labels)
    assert sorted(as_list(batch_hard_triplets(embeddings, labels))) == sorted(as_list(reference))


@settings(max_examples=30, deadline=None)
@given(batch=batches, margin=st.sampled_from([0.2, 0.5, 1.0]))
def test_semihard_picks_the_closest_of_pytorch_metric_learnings_semihard_negatives(batch, margin):
    """pml's TripletMarginMiner("semihard") lists *every* d(a,p) < d(a,n) < d(a,p) + margin triplet."""
    embeddings, labels = random_batch(*batch)
    band = TripletMarginMiner(margin=margin, type_of_triplets="semihard", distance=LpDistance(normalize_embeddings=False))
    candidates = {}
    for a, p, n in as_list(band(embeddings, labels)):
        candidates.setdefault((a, p), []).append(n)
    distances = torch.cdist(embeddings, embeddings)
    ours = {(a, p): n for a, p, n in as_list(semihard_triplets(embeddings, labels))}
    for (a, p), negatives in candidates.items():
        assert ours[(a, p)] == min(negatives, key=lambda n: (distances[a, n].item(), n))
    for (a, p), n in ours.items():  # outside pml's list: no semi-hard negative existed
        if (a, p) not in candidates:
            assert not (distances[a, p] < distances[a, n] < distances[a, p] + margin)


# --- memory -----------------------------------------------------------------------------


@pytest.mark.parametrize("miner", [hard_triplets, semihard_triplets, batch_hard_triplets, random_triplets])
def test_miners_use_quadratic_not_cubic_memory(miner):
    size = 300  # a B x B x B bool mask would take 27 MB; B x B float32 takes 0.36 MB
    embeddings = torch.randn(size, 8)
    labels = torch.arange(size) % 10
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as profiler:
        miner(embeddings, labels)
    largest = max(event.cpu_memory_usage for event in profiler.events())
    assert 0 < largest <= 16 * size * size, largest


@settings(max_examples=40, deadline=None)
@given(batch=batches)
def test_random_miner_returns_one_valid_triplet_per_anchor_positive_pair(batch):
    embeddings, labels = random_batch(*batch)
    triplets = as_list(random_triplets(embeddings, labels, generator=torch.Generator().manual_seed(batch[0])))
    pairs = [(a, p) for a, p, _ in brute_force(embeddings, labels, hard_rule)]
    assert [(a, p) for a, p, _ in triplets] == pairs
    assert all(labels[a] == labels[p] and a != p and labels[n] != labels[a] for a, p, n in triplets)


@pytest.mark.parametrize("miner", [hard_triplets, semihard_triplets, batch_hard_triplets])
@settings(max_examples=20, deadline=None)
@given(batch=batches)
def test_squaring_the_distance_does_not_change_which_triplets_are_mined(miner, batch):
    embeddings, labels = random_batch(*batch)
    plain = miner(embeddings, labels, metric="euclidean")
    squared = miner(embeddings, labels, metric="squared_euclidean")
    assert as_list(plain) == as_list(squared)


# --- one call shape ---------------------------------------------------------------------

TRIPLET_MINERS = {
    "random": random_triplets,
    "hard": hard_triplets,
    "semi-hard": semihard_triplets,
    "batch-hard": batch_hard_triplets,
}


def test_every_triplet_miner_has_one_call_shape():
    shapes = {name: inspect.signature(miner) for name, miner in TRIPLET_MINERS.items()}
    for name, signature in shapes.items():
        parameters = list(signature.parameters.values())
        assert [(p.name, p.kind, p.default) for p in parameters] == [
            ("embeddings", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
            ("labels", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
            ("metric", inspect.Parameter.KEYWORD_ONLY, "euclidean"),
            ("generator", inspect.Parameter.KEYWORD_ONLY, None),
        ], name


@pytest.mark.parametrize("metric", ["euclidean", "squared_euclidean", "cosine"])
def test_a_dict_of_miners_is_called_alike_and_each_returns_valid_triplets(metric):
    embeddings, labels = random_batch(7, 12, 3, 2)
    for name, miner in TRIPLET_MINERS.items():
        anchor, positive, negative = miner(embeddings, labels, metric=metric, generator=torch.Generator().manual_seed(1))
        assert len(anchor) > 0, name
        assert (labels[anchor] == labels[positive]).all() and (anchor != positive).all(), name
        assert (labels[anchor] != labels[negative]).all(), name


def test_an_argument_a_miner_does_not_use_changes_nothing():
    embeddings, labels = random_batch(3, 12, 3, 2)
    # random_triplets looks at no distance: the metric does not change the draw
    draws = [random_triplets(embeddings, labels, metric=metric, generator=torch.Generator().manual_seed(4))
             for metric in ("euclidean", "squared_euclidean", "cosine")]
    assert as_list(draws[0]) == as_list(draws[1]) == as_list(draws[2])
    # the distance-based miners are deterministic: a generator does not change the result
    for miner in (hard_triplets, semihard_triplets, batch_hard_triplets):
        seeded = miner(embeddings, labels, generator=torch.Generator().manual_seed(4))
        assert as_list(seeded) == as_list(miner(embeddings, labels))


@pytest.mark.parametrize("miner", list(TRIPLET_MINERS.values()), ids=list(TRIPLET_MINERS))
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"generator": 0}, TypeError,
         r"generator must be a torch.Generator or None, got int; for a seed pass torch.Generator\(\).manual_seed\(seed\)"),
        ({"generator": "seed"}, TypeError, r"generator must be a torch.Generator or None, got str"),
        ({"metric": "manhattan"}, ValueError,
         r"metric must be one of \('euclidean', 'squared_euclidean', 'cosine'\), got 'manhattan'"),
        ({"metric": None}, ValueError, r"metric must be one of \('euclidean', 'squared_euclidean', 'cosine'\), got None"),
    ],
)
def test_every_miner_checks_every_argument_even_one_it_does_not_use(miner, kwargs, error, message):
    with pytest.raises(error, match=message):
        miner(torch.zeros(4, 2), torch.tensor([0, 0, 1, 1]), **kwargs)


# --- bad input and extreme values ---------------------------------------------------------


@pytest.mark.parametrize("miner", list(TRIPLET_MINERS.values()), ids=list(TRIPLET_MINERS))
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("size", [9, 40])
def test_a_non_finite_embedding_is_refused_with_its_row(miner, bad, size):
    # NaN used to leave semihard_triplets with "index 8 is out of bounds" and the other miners with garbage indices.
    embeddings = torch.randn(size, 3, generator=torch.Generator().manual_seed(0))
    embeddings[3, 1] = bad
    with pytest.raises(ValueError, match=rf"embeddings must be finite, got NaN or inf in row 3 \(of {size}\)"):
        miner(embeddings, torch.arange(size) % 3)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: semihard_triplets(None, torch.tensor([0, 1])), TypeError,
         r"embeddings must be a torch.Tensor, got NoneType"),
        (lambda: hard_triplets(torch.zeros(2, 2), (i for i in range(2))), TypeError,
         r"labels must be a torch.Tensor, got generator"),
        (lambda: random_triplets([[0.0], [1.0]], torch.tensor([0, 1])), TypeError,
         r"embeddings must be a torch.Tensor, got list"),
        (lambda: batch_hard_triplets(torch.zeros(2), torch.tensor([0, 1])), ValueError,
         r"embeddings must be 2-D \(batch, embedding_dim\), got shape \(2,\)"),
        (lambda: random_triplets(torch.zeros(3, 2), torch.tensor([0, 1])), ValueError,
         r"labels must have one entry per embedding: expected \(3,\), got \(2,\)"),
        (lambda: all_triplets(None), TypeError, r"labels must be a torch.Tensor, got NoneType"),
        (lambda: all_pairs(torch.tensor([0.5, 1.0])), TypeError,
         r"labels must be an integer tensor of class ids, got dtype torch.float32"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("miner", [hard_triplets, semihard_triplets, batch_hard_triplets])
@pytest.mark.parametrize("metric", ["euclidean", "squared_euclidean", "cosine"])
@pytest.mark.parametrize("scale", [2.0**-120, 2.0**70, 2.0**125])
def test_huge_and_tiny_embeddings_are_mined_like_ordinary_ones(miner, metric, scale):
    # In float32, |x|^2 overflows above about 1e19 and underflows below 1e-19: the distances were inf, NaN or 0
    # and the miners returned garbage. Multiplying by a power of two is exact and changes no ranking.
    embeddings, labels = random_batch(11, 40, 4, 3)
    embeddings = embeddings.float()
    assert as_list(miner(embeddings * scale, labels, metric=metric)) == as_list(miner(embeddings, labels, metric=metric))


@pytest.mark.parametrize("miner", [hard_triplets, semihard_triplets, batch_hard_triplets])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("size", [9, 40])
def test_half_precision_embeddings_are_mined_like_the_same_numbers_in_float32(miner, dtype, size):
    # torch's CPU cdist has no half kernel (used below 26 rows): distances are ranked in float32.
    embeddings, labels = random_batch(5, size, 3, 4)
    half = embeddings.to(dtype)
    triplets = miner(half, labels)
    assert as_list(triplets) == as_list(miner(half.float(), labels))
    assert all(index.dtype == torch.long for index in triplets)
