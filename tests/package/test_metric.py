"""Distances, contrastive and triplet losses against torch, pytorch-metric-learning and hand computations."""

import math

import pytest
import torch
import torch.nn.functional as F
from conftest import REDUCTIONS, assert_same, value_and_grads
from hypothesis import given, settings
from hypothesis import strategies as st
from pytorch_metric_learning import losses as pml_losses
from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.reducers import DoNothingReducer, MeanReducer

from lossbook.losses import batch_contrastive_loss, batch_triplet_loss, contrastive_loss, triplet_margin_loss
from lossbook.distances import paired_distance, pairwise_distances
from lossbook.miners import batch_hard_triplets, semihard_triplets

F64 = torch.float64


def random_rows(seed, n, d, count, scale=1.0):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(n, d, generator=generator, dtype=F64) * scale for _ in range(count)]


# --- distances --------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 5), seed=st.integers(0, 2**16), eps=st.sampled_from([0.0, 1e-6, 0.1]))
def test_paired_euclidean_matches_torch_pairwise_distance_in_value_and_gradient(n, d, seed, eps):
    x1, x2 = random_rows(seed, n, d, 2)
    got = value_and_grads(paired_distance, x1, x2, eps=eps)
    want = value_and_grads(lambda a, b: F.pairwise_distance(a, b, p=2.0, eps=eps), x1, x2)
    assert_same(got, want)


def test_paired_squared_and_cosine_by_hand():
    x1 = torch.tensor([[1.0, 0.0], [2.0, 2.0], [0.0, 3.0]], dtype=F64)
    x2 = torch.tensor([[0.0, 1.0], [1.0, 1.0], [0.0, -1.0]], dtype=F64)
    torch.testing.assert_close(paired_distance(x1, x2, metric="squared_euclidean", eps=0.0), torch.tensor([2.0, 2.0, 16.0], dtype=F64))
    torch.testing.assert_close(paired_distance(x1, x2, metric="cosine"), torch.tensor([1.0, 0.0, 2.0], dtype=F64))
    torch.testing.assert_close(paired_distance(x1, x2, metric="cosine"), 1 - F.cosine_similarity(x1, x2))


@settings(max_examples=30, deadline=None)
@given(b=st.integers(1, 8), m=st.integers(1, 8), d=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_pairwise_distances_match_cdist_and_broadcast_formulas(b, m, d, seed):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(b, d, generator=generator, dtype=F64)
    y = torch.randn(m, d, generator=generator, dtype=F64)
    torch.testing.assert_close(pairwise_distances(x, y), torch.cdist(x, y))
    difference = x[:, None, :] - y[None, :, :]
    torch.testing.assert_close(pairwise_distances(x, y, metric="squared_euclidean"), difference.square().sum(-1))
    cosine = F.cosine_similarity(x[:, None, :], y[None, :, :], dim=-1)
    torch.testing.assert_close(pairwise_distances(x, y, metric="cosine"), 1 - cosine)
    self_distances = pairwise_distances(x)
    assert torch.equal(self_distances.diagonal(), torch.zeros(b, dtype=F64))
    torch.testing.assert_close(self_distances, self_distances.T)


@pytest.mark.parametrize("scale", [2.0**-120, 2.0**-70, 2.0**70, 2.0**120])
@pytest.mark.parametrize("metric", ["euclidean", "squared_euclidean"])
def test_paired_distance_of_huge_and_tiny_float32_rows_is_the_true_one(scale, metric):
    # torch's pairwise_distance squares inside the norm: inf above about 1e19 and 0 below 1e-19 in float32.
    x1, x2 = (x * scale for x in random_rows(9, 20, 4, 2))
    want = (x1 - x2).norm(dim=1) ** (2 if metric == "squared_euclidean" else 1)  # float64: no overflow here
    got = paired_distance(x1.float(), x2.float(), metric=metric, eps=0.0)
    want = want.float()  # where the squared distance itself leaves float32: inf or 0, as here
    torch.testing.assert_close(got, want, rtol=1e-5, atol=torch.finfo(torch.float32).tiny)


@pytest.mark.parametrize("metric", ["euclidean", "squared_euclidean", "cosine"])
def test_pairwise_gradients_stay_finite_for_identical_and_zero_embeddings(metric):
    x = torch.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0], [0.0, 0.0], [3.0, -1.0]], requires_grad=True)
    distances = pairwise_distances(x, metric=metric)
    distances.sum().backward()
    assert torch.isfinite(distances).all() and torch.isfinite(x.grad).all()
    assert distances[0, 1].item() == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("metric", ["euclidean", "squared_euclidean", "cosine"])
def test_paired_gradients_stay_finite_for_identical_embeddings(metric):
    x1 = torch.tensor([[1.0, 2.0], [0.0, 0.0]], requires_grad=True)
    paired_distance(x1, x1.detach().clone(), metric=metric, eps=0.0).sum().backward()
    assert torch.isfinite(x1.grad).all()


@pytest.mark.parametrize("metric", ["euclidean", "squared_euclidean", "cosine"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("batch", [5, 40])
def test_pairwise_distances_in_half_precision_are_the_float32_ones_rounded(metric, dtype, batch):
    # torch's CPU cdist has no half kernel (it is used below 26 rows): computed in float32, returned in the input dtype.
    x = torch.randn(batch, 6, generator=torch.Generator().manual_seed(batch)).to(dtype).requires_grad_(True)
    got = pairwise_distances(x, metric=metric)
    got.sum().backward()
    reference = x.detach().double()
    if metric == "cosine":
        want = 1 - F.cosine_similarity(reference[:, None, :], reference[None, :, :], dim=-1)
    else:
        want = torch.cdist(reference, reference) ** (2 if metric == "squared_euclidean" else 1)
    assert got.dtype == dtype and x.grad.dtype == dtype and torch.isfinite(x.grad).all()
    eps = torch.finfo(dtype).eps
    want = want.masked_fill(torch.eye(batch, dtype=torch.bool), 0)
    torch.testing.assert_close(got.double(), want, rtol=eps, atol=4 * eps)


@pytest.mark.parametrize("scale", [2.0**-110, 2.0**-60, 2.0**70, 2.0**120])
@pytest.mark.parametrize("metric", ["euclidean", "squared_euclidean", "cosine"])
def test_pairwise_distances_of_huge_and_tiny_float32_embeddings_are_the_true_ones(scale, metric):
    # |x|^2 of a float32 row overflows above about 1e19 and underflows below 1e-19 (2**±63): without rescaling the
    # Euclidean distances become inf / NaN or 0, and the cosine distances 1. Scaling by a power of two is exact, so
    # the float32 result is the float64 distance of the same numbers, up to float32 rounding.
    (x,) = random_rows(0, 30, 3, 1)
    x = (x * scale).float()
    reference = x.double()
    if metric == "cosine":  # normalised by hand: F.cosine_similarity clamps a norm below 1e-8 to 1e-8
        unit = reference / reference.norm(dim=1, keepdim=True)
        want = (1 - unit @ unit.T).masked_fill(torch.eye(30, dtype=torch.bool), 0)
    else:
        want = torch.cdist(reference, reference)
        want = want.square() if metric == "squared_euclidean" else want
    # A squared distance of 2**240 or 2**-220 is itself outside float32: inf or 0 is the float32 answer then.
    want = want.float()
    finite = want[torch.isfinite(want)]
    atol = max(1e-5 * finite.max().item(), torch.finfo(torch.float32).tiny) if len(finite) else 0.0
    torch.testing.assert_close(pairwise_distances(x, metric=metric), want, rtol=1e-5, atol=atol)


def test_pairwise_euclidean_distances_are_unchanged_bit_for_bit_by_the_rescaling():
    x = torch.randn(40, 5, generator=torch.Generator().manual_seed(3)) * 7
    assert torch.equal(pairwise_distances(x), torch.cdist(x, x).fill_diagonal_(0.0))


# --- triplet margin loss on explicit triplets -------------------------------------------


def triplet_formula(a, pos, neg, *, margin, p, swap, eps, reduction):
    """l_i = max(0, d(a_i, p_i) - d(a_i, n_i) + m), d(x, y) = (sum_k |x_k - y_k + eps|^p)^(1/p), swap: min(d(a,n), d(p,n))."""

    def distance(x, y):
        return (x - y + eps).abs().pow(p).sum(dim=-1).pow(1.0 / p)

    negative_distance = distance(a, neg)
    if swap:
        negative_distance = torch.minimum(negative_distance, distance(pos, neg))
    loss = (distance(a, pos) - negative_distance + margin).clamp_min(0.0)
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 6),
    d=st.integers(1, 5),
    seed=st.integers(0, 2**16),
    margin=st.sampled_from([0.1, 1.0, 3.0]),
    p=st.sampled_from([1.0, 2.0, 3.0]),
    swap=st.booleans(),
    eps=st.sampled_from([0.0, 1e-6]),
)
def test_triplet_matches_torch_and_the_written_out_formula(reduction, n, d, seed, margin, p, swap, eps):
    anchor, positive, negative = random_rows(seed, n, d, 3)
    kwargs = {"margin": margin, "p": p, "swap": swap, "eps": eps, "reduction": reduction}
    got = value_and_grads(triplet_margin_loss, anchor, positive, negative, **kwargs)
    for want in (
        value_and_grads(F.triplet_margin_loss, anchor, positive, negative, **kwargs),
        value_and_grads(lambda a, pos, neg: triplet_formula(a, pos, neg, **kwargs), anchor, positive, negative),
    ):
        assert_same(got, want)


def test_triplet_on_single_1d_triplet_matches_torch():
    a, p, n = torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0]), torch.tensor([0.5, 1.0])
    for reduction in REDUCTIONS:
        torch.testing.assert_close(
            triplet_margin_loss(a, p, n, reduction=reduction), F.triplet_margin_loss(a, p, n, reduction=reduction)
        )


def test_squared_triplet_is_the_facenet_formula_of_the_source_article():
    anchor, positive, negative = random_rows(3, 20, 4, 3)
    facenet = ((anchor - positive).square().sum(1) - (anchor - negative).square().sum(1) + 0.2).clamp_min(0)
    got = triplet_margin_loss(anchor, positive, negative, margin=0.2, eps=0.0, squared=True, reduction="none")
    torch.testing.assert_close(got, facenet)
    assert (facenet > 0).any() and (facenet == 0).any()  # both regimes are exercised


def test_triplet_by_hand():
    a, p, n = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]]), torch.tensor([[0.0, 2.0]])
    # d(a, p) = 5, d(a, n) = 2: 5 - 2 + 1 = 4; squared: 25 - 4 + 1 = 22; swap: d(p, n) = sqrt(13) > 2, no change
    assert triplet_margin_loss(a, p, n, eps=0.0).item() == pytest.approx(4.0)
    assert triplet_margin_loss(a, p, n, eps=0.0, squared=True).item() == pytest.approx(22.0)
    assert triplet_margin_loss(a, p, n, eps=0.0, swap=True).item() == pytest.approx(4.0)
    # a negative closer to the positive than to the anchor: swap uses d(p, n) = 1
    n_near_p = torch.tensor([[3.0, 3.0]])  # d(a, n) = sqrt(18), d(p, n) = 1
    assert triplet_margin_loss(a, p, n_near_p, eps=0.0, swap=True).item() == pytest.approx(5.0)


@pytest.mark.parametrize("squared", [False, True])
def test_triplet_gradients_are_finite_when_all_three_embeddings_coincide(squared):
    x = torch.ones(3, 4, requires_grad=True)
    loss = triplet_margin_loss(x, x, x, margin=0.5, squared=squared)
    loss.backward()
    assert loss.item() == pytest.approx(0.5)
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("loss_kind", ["triplet", "contrastive"])
def test_extreme_embeddings_give_finite_loss_and_gradient(loss_kind):
    a, p, n = (x.float().requires_grad_(True) for x in random_rows(0, 8, 3, 3, scale=1e4))
    if loss_kind == "triplet":
        loss = triplet_margin_loss(a, p, n)
    else:
        loss = contrastive_loss(a, p, torch.arange(8) % 2)
    loss.backward()
    assert torch.isfinite(loss) and all(torch.isfinite(x.grad).all() for x in (a, p, n) if x.grad is not None)


# --- contrastive loss -------------------------------------------------------------------


def test_contrastive_by_hand_with_both_labels():
    x1 = torch.zeros(4, 2)
    x2 = torch.tensor([[0.6, 0.8], [0.3, 0.4], [3.0, 4.0], [0.3, 0.4]])  # distances 1, 0.5, 5, 0.5
    target = torch.tensor([1, 0, 0, 1])
    got = contrastive_loss(x1, x2, target, margin=2.0, eps=0.0, reduction="none")
    torch.testing.assert_close(got, torch.tensor([1.0, 1.5**2, 0.0, 0.25]))
    assert contrastive_loss(x1, x2, target, margin=2.0, eps=0.0).item() == pytest.approx((1 + 2.25 + 0.25) / 4)
    assert contrastive_loss(x1, x2, target, margin=2.0, eps=0.0, reduction="sum").item() == pytest.approx(3.5)


def test_contrastive_label_dtypes_agree():
    x1, x2 = random_rows(1, 6, 3, 2)
    labels = torch.tensor([1, 0, 1, 1, 0, 0])
    want = contrastive_loss(x1, x2, labels)
    for target in (labels.bool(), labels.to(torch.int32), labels.to(F64)):
        torch.testing.assert_close(contrastive_loss(x1, x2, target), want)


@pytest.mark.parametrize("margin", [0.5, 1.0, 2.0])
def test_contrastive_per_pair_is_the_square_of_pytorch_metric_learning(margin):
    generator = torch.Generator().manual_seed(0)
    embeddings = torch.randn(12, 3, generator=generator, dtype=F64) * 0.7
    labels = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
    reference = pml_losses.ContrastiveLoss(
        pos_margin=0, neg_margin=margin, distance=LpDistance(normalize_embeddings=False), reducer=DoNothingReducer()
    )(embeddings, labels)
    for part, similar in (("pos_loss", 1), ("neg_loss", 0)):
        first, second = reference[part]["indices"]
        ours = contrastive_loss(
            embeddings[first], embeddings[second], torch.full((len(first),), similar), margin=margin, eps=0.0, reduction="none"
        )
        torch.testing.assert_close(ours, reference[part]["losses"].square())


def test_contrastive_gradients_are_finite_when_a_dissimilar_pair_coincides():
    x1 = torch.ones(2, 3, requires_grad=True)
    loss = contrastive_loss(x1, torch.ones(2, 3), torch.tensor([0, 1]), margin=1.0)
    loss.backward()
    assert torch.isfinite(x1.grad).all() and x1.grad.abs().sum() > 0  # eps inside the norm: a usable push


def test_contrastive_gradient_pulls_similar_and_pushes_dissimilar():
    x1 = torch.tensor([[0.0], [0.0]], requires_grad=True)
    x2 = torch.tensor([[0.5], [0.5]])
    contrastive_loss(x1, x2, torch.tensor([1, 0]), margin=1.0, eps=0.0, reduction="sum").backward()
    assert x1.grad[0, 0] < 0  # descending moves x1 toward x2 = 0.5
    assert x1.grad[1, 0] > 0  # descending moves x1 away from x2


# --- batch losses -----------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_batch_triplet_loss_equals_torch_on_the_gathered_rows(reduction):
    generator = torch.Generator().manual_seed(0)
    embeddings = torch.randn(16, 3, generator=generator, dtype=F64)
    anchor, positive, negative = semihard_triplets(embeddings, torch.arange(16) % 4)
    got = value_and_grads(
        lambda e: batch_triplet_loss(e, (anchor, positive, negative), margin=0.3, reduction=reduction), embeddings
    )
    want = value_and_grads(
        lambda e: F.triplet_margin_loss(e[anchor], e[positive], e[negative], margin=0.3, reduction=reduction), embeddings
    )
    assert_same(got, want)


def test_squared_batch_triplet_loss_by_the_formula():
    generator = torch.Generator().manual_seed(4)
    embeddings = torch.randn(12, 2, generator=generator, dtype=F64)
    anchor, positive, negative = semihard_triplets(embeddings, torch.arange(12) % 3, metric="squared_euclidean")
    squared = lambda x, y: (x - y).square().sum(1)  # noqa: E731
    want = (squared(embeddings[anchor], embeddings[positive]) - squared(embeddings[anchor], embeddings[negative]) + 0.5)
    got = batch_triplet_loss(embeddings, (anchor, positive, negative), margin=0.5, eps=0.0, squared=True, reduction="none")
    torch.testing.assert_close(got, want.clamp_min(0))


@pytest.mark.parametrize("margin", [0.1, 0.5, 1.0])
def test_batch_hard_loss_matches_pytorch_metric_learning(margin):
    generator = torch.Generator().manual_seed(1)
    embeddings = torch.randn(24, 4, generator=generator, dtype=F64)
    labels = torch.arange(24) % 6
    triplets = batch_hard_triplets(embeddings, labels)
    reference_loss = pml_losses.TripletMarginLoss(
        margin=margin, distance=LpDistance(normalize_embeddings=False), reducer=MeanReducer()
    )
    got = value_and_grads(lambda e: batch_triplet_loss(e, triplets, margin=margin, eps=0.0), embeddings)
    want = value_and_grads(lambda e: reference_loss(e, labels, indices_tuple=triplets), embeddings)
    assert_same(got, want)


def test_batch_contrastive_uses_every_unordered_pair_once():
    generator = torch.Generator().manual_seed(2)
    embeddings = torch.randn(7, 2, generator=generator, dtype=F64)
    labels = torch.tensor([0, 0, 1, 1, 1, 2, 0])
    per_pair = batch_contrastive_loss(embeddings, labels, margin=1.5, reduction="none")
    assert per_pair.shape == (21,)
    by_loop = [
        contrastive_loss(embeddings[i], embeddings[j], torch.tensor(int(labels[i] == labels[j])), margin=1.5, reduction="none")
        for i in range(7)
        for j in range(i + 1, 7)
    ]
    torch.testing.assert_close(per_pair, torch.stack(by_loop))
    torch.testing.assert_close(batch_contrastive_loss(embeddings, labels, margin=1.5), per_pair.mean())


def test_batch_contrastive_with_explicit_pairs():
    embeddings = torch.tensor([[0.0], [0.5], [3.0]])
    labels = torch.tensor([0, 0, 1])
    pairs = (torch.tensor([0, 1]), torch.tensor([2, 0]))  # (0, 2) dissimilar at 3 > margin, (1, 0) similar at 0.5
    got = batch_contrastive_loss(embeddings, labels, pairs=pairs, margin=1.0, eps=0.0, reduction="none")
    torch.testing.assert_close(got, torch.tensor([0.0, 0.25]))


# --- nothing to learn from --------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("labels", [torch.zeros(5, dtype=torch.long), torch.arange(5)], ids=["one-class", "all-distinct"])
def test_empty_mining_gives_a_zero_loss_that_still_backpropagates(reduction, labels):
    embeddings = torch.randn(5, 3, requires_grad=True)
    triplets = batch_hard_triplets(embeddings, labels)
    assert all(len(index) == 0 for index in triplets)
    loss = batch_triplet_loss(embeddings, triplets, reduction=reduction)
    if reduction == "none":
        assert loss.shape == (0,)
        loss.sum().backward()
    else:
        assert loss.shape == () and loss.item() == 0.0 and loss.requires_grad
        loss.backward()
    assert torch.equal(embeddings.grad, torch.zeros(5, 3))


def test_batch_contrastive_of_a_single_embedding_is_zero_with_a_gradient():
    embeddings = torch.randn(1, 3, requires_grad=True)
    loss = batch_contrastive_loss(embeddings, torch.tensor([4]))
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(embeddings.grad, torch.zeros(1, 3))


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: triplet_margin_loss(torch.zeros(4, 2), torch.zeros(4, 3), torch.zeros(4, 2)), ValueError,
         r"positive must have the same shape as anchor: expected \(4, 2\), got \(4, 3\)"),
        (lambda: triplet_margin_loss(torch.zeros(2, 2, 2), torch.zeros(2, 2, 2), torch.zeros(2, 2, 2)), ValueError,
         r"anchor must be 1-D \(D,\) or 2-D \(N, D\), got shape \(2, 2, 2\)"),
        (lambda: triplet_margin_loss(torch.zeros(2, 2), torch.zeros(2, 2), torch.zeros(2, 2, dtype=F64)), TypeError,
         r"negative must have the same dtype as anchor: expected torch.float32, got torch.float64"),
        (lambda: triplet_margin_loss(torch.zeros(2, 2, dtype=torch.long), torch.zeros(2, 2), torch.zeros(2, 2)), TypeError,
         r"anchor must be a floating-point tensor, got dtype torch.int64"),
        (lambda: triplet_margin_loss(torch.zeros(2, 2), torch.zeros(2, 2), torch.zeros(2, 2), margin=0.0), ValueError,
         r"margin must be a finite number > 0, got 0.0"),
        (lambda: triplet_margin_loss(torch.zeros(2, 2), torch.zeros(2, 2), torch.zeros(2, 2), swap=1), TypeError,
         r"swap must be a bool, got int"),
        (lambda: triplet_margin_loss(torch.zeros(0, 2), torch.zeros(0, 2), torch.zeros(0, 2)), ValueError,
         r"anchor must not be empty, got shape \(0, 2\)"),
        (lambda: triplet_margin_loss(torch.zeros(2, 2), torch.zeros(2, 2), torch.zeros(2, 2), reduction="avg"), ValueError,
         r"reduction must be one of \('mean', 'sum', 'none'\), got 'avg'"),
        (lambda: contrastive_loss(torch.zeros(3, 2), torch.zeros(3, 2), torch.tensor([1, -1, 1])), ValueError,
         r"target must hold 1 for a similar pair and 0 for a dissimilar pair, got values \[-1, 1\]; for ±1 labels pass \(target == 1\)"),
        (lambda: contrastive_loss(torch.zeros(3, 2), torch.zeros(3, 2), torch.tensor([1, 0])), ValueError,
         r"target must have one entry per pair: expected \(3,\), got \(2,\)"),
        (lambda: contrastive_loss(torch.zeros(3, 2), torch.zeros(3, 2), [1, 0, 1]), TypeError,
         r"target must be a torch.Tensor, got list"),
        (lambda: paired_distance(torch.zeros(3, 2), torch.zeros(3, 2), metric="manhattan"), ValueError,
         r"metric must be one of \('euclidean', 'squared_euclidean', 'cosine'\), got 'manhattan'"),
        (lambda: pairwise_distances(torch.zeros(3)), ValueError,
         r"embeddings must be 2-D \(batch, embedding_dim\), got shape \(3,\)"),
        (lambda: pairwise_distances(torch.zeros(3, 2), torch.zeros(4, 3)), ValueError,
         r"other must have as many columns as embeddings: expected 2, got shape \(4, 3\)"),
        (lambda: batch_hard_triplets(torch.zeros(3, 2), torch.tensor([0.0, 1.0, 0.0])), TypeError,
         r"labels must be an integer tensor of class ids, got dtype torch.float32"),
        (lambda: batch_hard_triplets(torch.zeros(3, 2), torch.tensor([True, False, True])), TypeError,
         r"labels must be an integer tensor of class ids, got dtype torch.bool"),
        (lambda: semihard_triplets(torch.zeros(3, 2), torch.zeros(3, 1, dtype=torch.long)), ValueError,
         r"labels must be 1-D \(batch,\), got shape \(3, 1\)"),
        (lambda: semihard_triplets(torch.zeros(3, 2), torch.zeros(4, dtype=torch.long)), ValueError,
         r"labels must have one entry per embedding: expected \(3,\), got \(4,\)"),
        (lambda: batch_triplet_loss(torch.zeros(3, 2), (torch.tensor([0]), torch.tensor([1]))), TypeError,
         r"triplets must be a tuple of 3 index tensors, got tuple of length 2"),
        (lambda: batch_triplet_loss(torch.zeros(3, 2), (torch.tensor([0]), torch.tensor([1]), torch.tensor([3]))), ValueError,
         r"triplets indices must lie in \[0, 3\) for a batch of 3, got \[3, 3\] in triplets\[2\]"),
        (lambda: batch_triplet_loss(torch.zeros(3, 2), (torch.tensor([0]), torch.tensor([-1]), torch.tensor([2]))), ValueError,
         r"triplets indices must lie in \[0, 3\) for a batch of 3, got \[-1, -1\] in triplets\[1\]"),
        (lambda: batch_triplet_loss(torch.zeros(3, 2), (torch.tensor([0]), torch.tensor([1]), torch.tensor([2.0]))), TypeError,
         r"triplets must hold 1-D int64 \(or int32\) index tensors, got dtype torch.float32, shape \(1,\) at triplets\[2\]"),
        (lambda: batch_triplet_loss(torch.zeros(3, 2), ([0], [1], [2])), TypeError,
         r"triplets\[0\] must be a torch.Tensor, got list"),
        (lambda: batch_triplet_loss(torch.zeros(3, 2), (i for i in range(3))), TypeError,
         r"triplets must be a tuple of 3 index tensors, got generator"),
        (lambda: batch_contrastive_loss(torch.zeros(3, 2), torch.tensor([0, 1, 0]), pairs=None, margin=None), TypeError,
         r"margin must be a real number, got NoneType"),
        (lambda: batch_contrastive_loss(torch.zeros(3, 2), torch.tensor([0, 1, 0]), pairs=(torch.tensor([0]), torch.tensor([5]))),
         ValueError, r"pairs indices must lie in \[0, 3\) for a batch of 3, got \[5, 5\] in pairs\[1\]"),
        (lambda: triplet_margin_loss(torch.zeros(2, 2), torch.zeros(2, 2), torch.zeros(2, 2), squared=None), TypeError,
         r"squared must be a bool, got NoneType"),
        (lambda: pairwise_distances(None), TypeError, r"embeddings must be a torch.Tensor, got NoneType"),
        (lambda: pairwise_distances(torch.zeros(3, 2), metric=None), ValueError,
         r"metric must be one of \('euclidean', 'squared_euclidean', 'cosine'\), got None"),
        (lambda: batch_triplet_loss(torch.zeros(3, 2), (torch.tensor([0, 1]), torch.tensor([1]), torch.tensor([2]))), ValueError,
         r"triplets index tensors must have equal lengths, got \[2, 1, 1\]"),
        (lambda: batch_contrastive_loss(torch.zeros(3, 2), torch.tensor([0, 1])), ValueError,
         r"labels must have one entry per embedding: expected \(3,\), got \(2,\)"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- the written-out formulas -----------------------------------------------------------
# batch_contrastive_loss (all pairs) is computed from the distance matrix with a gradient
# written out by hand, so it is checked against its docstring formula written out pair by
# pair, and against pytorch-metric-learning (triplet_margin_loss, computed by torch's
# kernel, meets triplet_formula above).


def contrastive_by_loop(embeddings, labels, *, margin, eps, reduction):
    """l_ij = d^2 (same label) or max(0, m - d)^2, d = sqrt(sum_k (x_ik + eps - x_jk)^2), every pair i < j in turn."""
    batch = len(embeddings)
    losses = []
    for i in range(batch):
        for j in range(i + 1, batch):
            distance = (embeddings[i] + eps - embeddings[j]).square().sum().sqrt()
            if labels[i] == labels[j]:
                losses.append(distance.square())
            else:
                losses.append((margin - distance).clamp_min(0.0).square())
    losses = torch.stack(losses)
    return {"none": losses, "sum": losses.sum(), "mean": losses.mean()}[reduction]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=25, deadline=None)
@given(
    batch=st.integers(2, 40),
    d=st.integers(1, 5),
    seed=st.integers(0, 2**16),
    margin=st.sampled_from([0.5, 1.0, 3.0]),
    eps=st.sampled_from([0.0, 1e-6, 0.1]),
)
def test_batch_contrastive_matches_the_formula_written_out_pair_by_pair(reduction, batch, d, seed, margin, eps):
    # Up to 40 rows: both of torch.cdist's paths (direct up to 25 rows, matrix product above) are exercised;
    # both the all-pairs path and the explicit-pairs path meet the loop, value and gradient.
    (embeddings,) = random_rows(seed, batch, d, 1)
    labels = torch.randint(0, 3, (batch,), generator=torch.Generator().manual_seed(seed))
    kwargs = {"margin": margin, "eps": eps, "reduction": reduction}
    want = value_and_grads(lambda e: contrastive_by_loop(e, labels, **kwargs), embeddings)
    first, second = torch.triu_indices(batch, batch, offset=1)
    for loss in (
        lambda e: batch_contrastive_loss(e, labels, **kwargs),
        lambda e: batch_contrastive_loss(e, labels, pairs=(first, second), **kwargs),
    ):
        got = value_and_grads(loss, embeddings)
        assert_same(got, want)


@pytest.mark.parametrize("margin", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("batch", [12, 40])
def test_batch_contrastive_over_all_pairs_matches_pytorch_metric_learning(margin, batch):
    # pml lists each pair both ways (i, j) and (j, i), each with the loss max(0, m - d) or d (unsquared):
    # per unordered pair, ours is the square of pml's; the sum over ordered pairs counts each twice.
    generator = torch.Generator().manual_seed(batch)
    embeddings = torch.randn(batch, 3, generator=generator, dtype=F64) * 0.7
    labels = torch.arange(batch) % 4
    reference = pml_losses.ContrastiveLoss(
        pos_margin=0, neg_margin=margin, distance=LpDistance(normalize_embeddings=False), reducer=DoNothingReducer()
    )

    def pml_sum(e):
        parts = reference(e, labels)
        return (parts["pos_loss"]["losses"].square().sum() + parts["neg_loss"]["losses"].square().sum()) / 2

    got = value_and_grads(lambda e: batch_contrastive_loss(e, labels, margin=margin, eps=0.0, reduction="sum"), embeddings)
    want = value_and_grads(pml_sum, embeddings)
    assert_same(got, want)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("batch", [5, 40, 400])
def test_batch_contrastive_in_half_precision_is_the_float32_loss_rounded(dtype, reduction, batch):
    # torch's CPU cdist has no half kernel (below 26 rows), and a float16 sum of 79,800 pair losses (B = 400)
    # would overflow: the loss is computed in float32 and returned in the input's dtype.
    generator = torch.Generator().manual_seed(batch)
    embeddings = (torch.randn(batch, 8, generator=generator) * 0.3).to(dtype)
    labels = torch.arange(batch) % 5
    kwargs = {"margin": 1.0, "reduction": reduction}
    value, grad = value_and_grads(lambda e: batch_contrastive_loss(e, labels, **kwargs), embeddings)
    want_value, want_grad = value_and_grads(lambda e: batch_contrastive_loss(e, labels, **kwargs), embeddings.float())
    if reduction != "none":  # the float32 reference itself, against the loop formula
        torch.testing.assert_close(want_value, contrastive_by_loop(embeddings.float(), labels, eps=1e-6, **kwargs))
    assert value.dtype == dtype and grad.dtype == dtype
    assert torch.isfinite(value).all() and torch.isfinite(grad).all()
    tolerance = {torch.float16: 2e-3, torch.bfloat16: 1.6e-2}[dtype]  # about two units in the last place
    torch.testing.assert_close(value.float(), want_value, rtol=tolerance, atol=tolerance * want_value.abs().max().item())
    torch.testing.assert_close(grad.float(), want_grad, rtol=tolerance, atol=tolerance * want_grad.abs().max().item())


def test_batch_contrastive_of_huge_embeddings_is_finite_where_the_squared_norms_overflow():
    # |x|^2 of a float32 row of size 1e20 overflows, and the matrix-product distance became inf - inf = NaN.
    # Every pair is dissimilar and farther than the margin: the loss is 0 with a zero gradient.
    embeddings = torch.randn(30, 4, generator=torch.Generator().manual_seed(0)) * 1e20
    loss = batch_contrastive_loss(embeddings.requires_grad_(True), torch.arange(30), margin=1.0)
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(embeddings.grad, torch.zeros(30, 4))


@pytest.mark.parametrize("batch", [6, 30])
def test_batch_contrastive_over_all_pairs_passes_gradcheck(batch):
    embeddings = torch.randn(batch, 3, generator=torch.Generator().manual_seed(batch), dtype=F64, requires_grad=True)
    labels = torch.arange(batch) % 3
    for reduction in ("mean", "sum"):
        assert torch.autograd.gradcheck(lambda e: batch_contrastive_loss(e, labels, margin=2.0, reduction=reduction), (embeddings,))


def test_batch_contrastive_refuses_a_second_derivative_over_all_pairs_and_gives_it_with_explicit_pairs():
    # The all-pairs gradient is written out by hand; create_graph=True must fail loudly, not drop the second-order term.
    embeddings = torch.randn(6, 2, dtype=F64, requires_grad=True)
    labels = torch.arange(6) % 2
    with pytest.raises(RuntimeError, match=r"can be differentiated once; .* pass pairs=lossbook.miners.all_pairs\(labels\)"):
        torch.autograd.grad(batch_contrastive_loss(embeddings, labels), embeddings, create_graph=True)
    first, second = torch.triu_indices(6, 6, offset=1)
    loss = lambda e: batch_contrastive_loss(e, labels, pairs=(first, second))  # noqa: E731
    assert torch.autograd.gradgradcheck(loss, (embeddings,))


def test_batch_contrastive_over_all_pairs_keeps_gradients_finite_when_embeddings_coincide():
    embeddings = torch.ones(4, 3, requires_grad=True)
    loss = batch_contrastive_loss(embeddings, torch.tensor([0, 0, 1, 1]), margin=1.0, eps=0.0)
    loss.backward()
    # 2 similar pairs at distance 0 cost 0, 4 dissimilar pairs cost margin^2 = 1 each: mean 4/6.
    assert loss.item() == pytest.approx(4 / 6)
    assert torch.isfinite(embeddings.grad).all()


def largest_tensor_numel(compute) -> int:
    """The element count of the largest tensor any op creates while ``compute()`` runs (forward and backward)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    largest = 0

    class LargestTensor(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            nonlocal largest
            result = func(*args, **(kwargs or {}))
            for value in result if isinstance(result, (tuple, list)) else [result]:
                if isinstance(value, torch.Tensor):
                    largest = max(largest, value.numel())
            return result

    with LargestTensor():
        compute()
    return largest


def test_batch_contrastive_memory_grows_with_the_pairs_not_with_pairs_times_dimension():
    # O(B^2) memory: a 512-dimensional embedding costs about as much as a 2-dimensional one.
    labels = torch.arange(64) % 8
    embeddings = torch.randn(64, 512, requires_grad=True)
    largest = largest_tensor_numel(lambda: batch_contrastive_loss(embeddings, labels).backward())
    assert largest <= 64 * 512  # the input itself; B^2/2 * D would be 1,032,192


@settings(max_examples=20, deadline=None)
@given(b=st.integers(1, 40), m=st.integers(1, 40), d=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_pairwise_euclidean_matches_the_broadcast_formula_in_value_and_gradient(b, m, d, seed):
    # Up to 40 rows: both of torch.cdist's paths (direct below 26 rows, matrix product above) are exercised.
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(b, d, generator=generator, dtype=F64)
    y = torch.randn(m, d, generator=generator, dtype=F64)
    weights = torch.rand(b, m, generator=generator, dtype=F64)
    got = value_and_grads(lambda u, v: (weights * pairwise_distances(u, v)).sum(), x, y)
    want = value_and_grads(lambda u, v: (weights * (u[:, None, :] - v[None, :, :]).square().sum(-1).sqrt()).sum(), x, y)
    assert_same(got, want)


def test_pairwise_euclidean_gradient_is_zero_where_two_embeddings_coincide():
    x = torch.randn(30, 3, generator=torch.Generator().manual_seed(0), dtype=F64)
    x[7] = x[3]
    x.requires_grad_(True)
    pairwise_distances(x)[3, 7].backward()
    assert torch.equal(x.grad, torch.zeros(30, 3, dtype=F64))


# --- supervised contrastive loss (Khosla et al., 2020) and CE + SCL (Gunel et al., 2021) --------------------------------

from lossbook.losses import ce_plus_scl, supervised_contrastive_loss  # noqa: E402


def scl_by_loop(features, labels, temperature, shift=0.0, reduction="mean"):
    """The canonical formula written out anchor by anchor, positive by positive (no stability trick).

    l_i = -1/|P(i)| sum_{p in P(i)} log( exp(s_ip) / sum_{a != i} exp(s_ia) ),  s_ij = z_i . z_j / tau (+ shift);
    anchors without a positive are 0 and left out of the mean.
    """
    z = features / torch.linalg.vector_norm(features, dim=1, keepdim=True)
    batch = len(features)
    losses, has_positive = [], []
    for i in range(batch):
        others = [a for a in range(batch) if a != i]
        positives = [p for p in others if labels[p] == labels[i]]
        s = {a: z[i] @ z[a] / temperature + shift for a in others}
        denominator = sum(torch.exp(s[a]) for a in others)
        terms = [-torch.log(torch.exp(s[p]) / denominator) for p in positives]
        losses.append(torch.stack(terms).mean() if terms else (features[i] * 0).sum())
        has_positive.append(bool(terms))
    losses = torch.stack(losses)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / max(sum(has_positive), 1)


def grouped_labels(batch, classes, seed):
    """Labels where every class present has at least two members (every anchor has a positive)."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(batch) % classes if batch >= 2 * classes else torch.arange(batch) // 2
    if batch % 2 and batch < 2 * classes:
        labels[-1] = 0  # an odd batch: the last row joins class 0 rather than standing alone
    return labels[torch.randperm(batch, generator=generator)]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=25, deadline=None)
@given(
    batch=st.integers(2, 10),
    classes=st.integers(1, 4),
    d=st.integers(1, 6),
    seed=st.integers(0, 2**16),
    temperature=st.sampled_from([0.07, 0.3, 1.0, 2.0]),
)
def test_scl_matches_the_loop_over_anchors_when_every_anchor_has_a_positive(reduction, batch, classes, d, seed, temperature):
    (features,) = random_rows(seed, batch, d, 1)
    labels = grouped_labels(batch, classes, seed)
    kwargs = {"temperature": temperature, "reduction": reduction}
    got = value_and_grads(lambda x: supervised_contrastive_loss(x, labels, **kwargs), features)
    want = value_and_grads(lambda x: scl_by_loop(x, labels, **kwargs), features)
    assert_same(got, want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=25, deadline=None)
@given(
    batch=st.integers(1, 10),
    classes=st.integers(1, 12),
    d=st.integers(1, 6),
    seed=st.integers(0, 2**16),
    temperature=st.sampled_from([0.05, 0.3, 1.0]),
)
def test_scl_on_random_batches_matches_the_loop_and_keeps_gradients_finite(reduction, batch, classes, d, seed, temperature):
    # Random labels: some anchors have no positive, sometimes none has (then the loss is 0 with zero gradients).
    (features,) = random_rows(seed, batch, d, 1)
    labels = torch.randint(0, classes, (batch,), generator=torch.Generator().manual_seed(seed))
    kwargs = {"temperature": temperature, "reduction": reduction}
    got = value_and_grads(lambda x: supervised_contrastive_loss(x, labels, **kwargs), features)
    want = value_and_grads(lambda x: scl_by_loop(x, labels, **kwargs), features)
    assert_same(got, want)
    assert torch.isfinite(got[1]).all()
    assert (got[0] >= 0).all()


def test_scl_by_hand():
    # Anchors 0, 1 coincide (positives), anchor 2 is orthogonal, alone in its class. tau = 1:
    # l_0 = l_1 = -log(e / (e + 1)); l_2 has no positive: 0, left out of the mean.
    x = torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0]], dtype=F64)
    labels = torch.tensor([0, 0, 1])
    one = -torch.log(torch.tensor(torch.e / (torch.e + 1), dtype=F64))
    got = supervised_contrastive_loss(x, labels, temperature=1.0, reduction="none")
    torch.testing.assert_close(got, torch.stack([one, one, torch.zeros((), dtype=F64)]))
    torch.testing.assert_close(supervised_contrastive_loss(x, labels, temperature=1.0), one)
    torch.testing.assert_close(supervised_contrastive_loss(x, labels, temperature=1.0, reduction="sum"), 2 * one)


@pytest.mark.parametrize("shift", [-1e3, -30.0, 30.0, 1e3])
def test_scl_is_unchanged_by_a_constant_added_to_every_similarity(shift):
    # The formula is invariant to s_ij -> s_ij + c (it cancels in each softmax), which is why subtracting the row max
    # is allowed; the shifted formula (stable log-sum-exp form, float64) equals the unshifted loss.
    (features,) = random_rows(5, 12, 4, 1)
    labels = torch.arange(12) % 3

    def shifted_formula(x):
        z = x / torch.linalg.vector_norm(x, dim=1, keepdim=True)
        s = z @ z.T / 0.2 + shift
        eye = torch.eye(12, dtype=torch.bool)
        log_prob = s - torch.logsumexp(s.masked_fill(eye, float("-inf")), dim=1, keepdim=True)
        positive = (labels[:, None] == labels[None, :]) & ~eye
        return (-(log_prob * positive).sum(1) / positive.sum(1)).mean()

    got = value_and_grads(lambda x: supervised_contrastive_loss(x, labels, temperature=0.2), features)
    want = value_and_grads(shifted_formula, features)
    assert_same(got, want)


def test_scl_with_a_tiny_temperature_is_finite_where_the_naive_formula_overflows():
    # tau = 0.005: e^(1/tau) = e^200 overflows float32 (max about e^88.7); the row-max shift keeps it finite and exact.
    (features,) = random_rows(1, 16, 3, 1)
    labels = torch.arange(16) % 4
    naive = scl_by_loop(features.float(), labels, 0.005)
    assert not torch.isfinite(naive)
    got = value_and_grads(lambda x: supervised_contrastive_loss(x, labels, temperature=0.005), features.float())
    reference = supervised_contrastive_loss(features, labels, temperature=0.005)  # float64: e^200 fits
    torch.testing.assert_close(reference, scl_by_loop(features, labels, 0.005))
    torch.testing.assert_close(got[0], reference.float(), rtol=1e-4, atol=1e-4)
    assert torch.isfinite(got[1]).all()


@pytest.mark.parametrize("scale", [1e-30, 1e-3, 7.0, 1e4, 1e30])
def test_scl_is_invariant_to_scaling_each_feature_vector(scale):
    (features,) = random_rows(2, 10, 5, 1)
    labels = torch.tensor([0, 0, 1, 1, 1, 2, 2, 3, 0, 4])
    row_scales = torch.linspace(0.5, 3.0, 10, dtype=F64)[:, None]  # every row scaled differently as well
    want = supervised_contrastive_loss(features, labels)
    for x in (features * scale, features * scale * row_scales):
        got = value_and_grads(lambda e: supervised_contrastive_loss(e, labels), x.float())  # float32: 1e30^2 overflows
        torch.testing.assert_close(got[0], want.float())
        assert torch.isfinite(got[1]).all()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_scl_of_identical_features_is_log_of_the_others_and_finite(reduction):
    # All similarities equal: each anchor's softmax is uniform over B - 1 others, so l_i = log(B - 1) for every anchor.
    x = torch.ones(6, 3, requires_grad=True)
    labels = torch.tensor([0, 0, 0, 1, 1, 2])  # anchor 5 has no positive
    loss = supervised_contrastive_loss(x, labels, reduction=reduction)
    expected = torch.tensor([math.log(5)] * 5 + [0.0])
    want = {"none": expected, "sum": expected.sum(), "mean": expected.sum() / 5}[reduction]
    torch.testing.assert_close(loss.detach(), want)
    loss.sum().backward()
    assert torch.isfinite(x.grad).all()


def test_scl_keeps_a_zero_feature_vector_finite():
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], requires_grad=True)
    loss = supervised_contrastive_loss(x, torch.tensor([0, 0, 1, 1]), temperature=0.1)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("batch", [1, 5])
def test_scl_without_any_positive_pair_is_zero_and_still_backpropagates(reduction, batch):
    features = torch.randn(batch, 3, requires_grad=True)
    loss = supervised_contrastive_loss(features, torch.arange(batch), reduction=reduction)
    if reduction == "none":
        assert loss.shape == (batch,)
    assert torch.equal(loss.detach(), torch.zeros_like(loss)) and loss.requires_grad
    loss.sum().backward()
    assert torch.equal(features.grad, torch.zeros(batch, 3))


@pytest.mark.parametrize("temperature", [0.07, 0.1, 0.5])
@pytest.mark.parametrize(
    "labels",
    [torch.arange(12) % 4, torch.tensor([0, 0, 1, 1, 1, 2, 3, 3, 4, 5, 5, 5])],
    ids=["every-anchor-has-a-positive", "with-singletons"],
)
def test_scl_agrees_with_pytorch_metric_learning(temperature, labels):
    # pml's SupConLoss: cosine similarity of F.normalize'd embeddings / tau, row max subtracted, the self-pair excluded
    # from the denominator, the mean over each anchor's positives — the same l_i. Its AvgNonZeroReducer averages the
    # anchors whose loss is > 0, which are exactly ours (an anchor with a positive and a negative has l_i > 0; one
    # without a positive has l_i = 0 in both). Where they differ: a batch of one class (no negative pair) is 0 in pml
    # and log-softmax over the positives here (see the next test); pml adds 1e-38-ish to the positive count.
    (features,) = random_rows(3, 12, 5, 1)
    reference = pml_losses.SupConLoss(temperature=temperature)
    got = value_and_grads(lambda x: supervised_contrastive_loss(x, labels, temperature=temperature), features)
    want = value_and_grads(lambda x: reference(x, labels), features)
    assert_same(got, want)


def test_scl_differs_from_pytorch_metric_learning_on_a_batch_of_one_class():
    # No negative anywhere: pml returns 0; the formula (and this function) still asks positives to be the nearest.
    (features,) = random_rows(4, 6, 3, 1)
    labels = torch.zeros(6, dtype=torch.long)
    assert pml_losses.SupConLoss(temperature=0.1)(features, labels).item() == 0.0
    ours = supervised_contrastive_loss(features, labels, temperature=0.1)
    torch.testing.assert_close(ours, scl_by_loop(features, labels, 0.1))
    assert ours.item() >= math.log(5) - 1e-12  # Jensen: the mean of -log p over 5 probabilities summing to 1


def test_scl_memory_grows_with_the_pairs_not_with_pairs_times_dimension():
    features = torch.randn(64, 512, requires_grad=True)
    largest = largest_tensor_numel(lambda: supervised_contrastive_loss(features, torch.arange(64) % 8).backward())
    assert largest <= 64 * 512  # the input itself; B^2 D would be 2,097,152


# --- ce_plus_scl ---


def test_ce_plus_scl_is_ce_at_zero_scl_at_one_and_the_mix_in_between():
    generator = torch.Generator().manual_seed(6)
    logits = torch.randn(10, 4, generator=generator, dtype=F64) * 3
    (features,) = random_rows(6, 10, 5, 1)
    labels = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3, 0, 1])

    def mix(lam):
        return lambda lg, x: ce_plus_scl(lg, x, labels, lam=lam, temperature=0.3)

    ce = lambda lg, x: F.cross_entropy(lg, labels) + 0 * x.sum()  # noqa: E731
    scl = lambda lg, x: supervised_contrastive_loss(x, labels, temperature=0.3) + 0 * lg.sum()  # noqa: E731
    for lam, want_fn in ((0.0, ce), (1.0, scl), (0.3, lambda lg, x: 0.7 * ce(lg, x) + 0.3 * scl(lg, x))):
        got = value_and_grads(mix(lam), logits, features)
        want = value_and_grads(want_fn, logits, features)
        assert_same(got, want)
    # the default temperature is the one of supervised_contrastive_loss
    torch.testing.assert_close(ce_plus_scl(logits, features, labels, lam=1.0), supervised_contrastive_loss(features, labels))


def test_ce_plus_scl_stays_finite_for_extreme_inputs():
    logits = torch.tensor([[300.0, -300.0], [-300.0, 300.0], [300.0, -300.0]], requires_grad=True)
    features = torch.tensor([[1e30, 0.0], [0.0, 1e30], [1e30, 1e-30]], requires_grad=True)
    loss = ce_plus_scl(logits, features, torch.tensor([0, 0, 1]), lam=0.9, temperature=0.01)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all() and torch.isfinite(features.grad).all()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: supervised_contrastive_loss(torch.zeros(3, 2), torch.tensor([0, 1, 0]), temperature=0.0), ValueError,
         r"temperature must be a finite number > 0, got 0.0"),
        (lambda: supervised_contrastive_loss(torch.zeros(3, 2), torch.tensor([0, 1, 0]), temperature="0.1"), TypeError,
         r"temperature must be a real number, got str"),
        (lambda: supervised_contrastive_loss(torch.zeros(3), torch.tensor([0, 1, 0])), ValueError,
         r"features must be 2-D \(batch, embedding_dim\), got shape \(3,\)"),
        (lambda: supervised_contrastive_loss(torch.zeros(3, 2, dtype=torch.long), torch.tensor([0, 1, 0])), TypeError,
         r"features must be a floating-point tensor, got dtype torch.int64"),
        (lambda: supervised_contrastive_loss(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long)), ValueError,
         r"features must not be empty, got shape \(0, 2\)"),
        (lambda: supervised_contrastive_loss(torch.zeros(3, 2), torch.tensor([0.0, 1.0, 0.0])), TypeError,
         r"labels must be an integer tensor of class ids, got dtype torch.float32"),
        (lambda: supervised_contrastive_loss(torch.zeros(3, 2), torch.tensor([0, 1])), ValueError,
         r"labels must have one entry per embedding: expected \(3,\), got \(2,\)"),
        (lambda: supervised_contrastive_loss(torch.zeros(3, 2), torch.tensor([0, 1, 0]), reduction="avg"), ValueError,
         r"reduction must be one of \('mean', 'sum', 'none'\), got 'avg'"),
        (lambda: ce_plus_scl(torch.zeros(3, 2), torch.zeros(3, 2), torch.tensor([0, 1, 0]), lam=1.5), ValueError,
         r"lam must be a finite number in \[0, 1\], got 1.5"),
        (lambda: ce_plus_scl(torch.zeros(3, 2), torch.zeros(3, 2), torch.tensor([0, 1, 0]), lam=-0.1), ValueError,
         r"lam must be a finite number in \[0, 1\], got -0.1"),
        (lambda: ce_plus_scl(torch.zeros(3, 2), torch.zeros(3, 2), torch.tensor([0, 1, 0]), lam=True), TypeError,
         r"lam must be a real number, got bool"),
        (lambda: ce_plus_scl(torch.zeros(3, 2), torch.zeros(3, 2), torch.tensor([0, 1, 0])), TypeError,
         r"lam"),
        (lambda: ce_plus_scl(torch.zeros(4, 2), torch.zeros(3, 2), torch.tensor([0, 1, 0]), lam=0.5), ValueError,
         r"logits must have one row per row of features: expected 3 rows, got shape \(4, 2\)"),
        (lambda: ce_plus_scl(torch.zeros(3), torch.zeros(3, 2), torch.tensor([0, 1, 0]), lam=0.5), ValueError,
         r"logits must be 2-D \(batch, classes\), got shape \(3,\)"),
        (lambda: ce_plus_scl(torch.zeros(3, 2), torch.zeros(3, 2), torch.tensor([0, 1, 0]), lam=0.5, temperature=-1),
         ValueError, r"temperature must be a finite number > 0, got -1"),
    ],
)
def test_scl_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
