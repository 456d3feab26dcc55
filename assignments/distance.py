# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: distance
# export_cell: false
# check_all_cell: true
# show_question_points: true
# tests:
#   ok_format: false
# generate:
#   show_stdout: false
#   show_hidden: false

# %% [markdown]
# # Assignment 3 — Distance-based losses
#
# You will compute pairwise distances with a gradient that survives identical embeddings,
# write the contrastive and triplet losses, see how squaring the distance changes the
# margin, and implement batch-hard mining. The book chapter *Distance-based losses* covers what you need.
#
# **Rules.** Use tensor operations; do not call `torch.cdist`, `F.pairwise_distance` or
# `F.triplet_margin_loss` in your answers — the tests compare your code against them. Run each
# `grader.check(...)` cell for feedback; hidden tests run at grading.

# %%
import torch
import torch.nn.functional as F

torch.manual_seed(0)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 4

# %% [markdown]
# ## Question 1 — pairwise distances with a safe gradient
#
# Write `pairwise_distances(embeddings, squared=False)` returning the $B\times B$ matrix of
# Euclidean distances $\lVert x_i - x_j\rVert$ between the rows of a $B\times D$ tensor (or
# their squares when `squared=True`).
#
# The diagonal is exactly 0, and so is the distance between two identical rows. The
# derivative of $\sqrt{u}$ at $u=0$ is infinite, and autograd turns $\infty\cdot 0$ into
# `nan` — which then poisons every parameter. Make the gradient finite: take the square
# root only where the squared distance is positive (e.g. with a mask and `torch.where`,
# feeding a harmless value such as 1 into `sqrt` elsewhere).

# %% [raw]
# # BEGIN SOLUTION

# %%
def pairwise_distances(embeddings, squared=False):
    """B x B Euclidean distances between rows (squared if asked), with finite gradients at 0."""
    # BEGIN SOLUTION
    differences = embeddings.unsqueeze(1) - embeddings.unsqueeze(0)
    squared_distances = (differences**2).sum(dim=-1)
    if squared:
        return squared_distances
    positive = squared_distances > 0
    # sqrt'(0) is infinite: take the root of 1 where the distance is 0, then put the 0 back.
    safe = torch.where(positive, squared_distances, torch.ones_like(squared_distances))
    return torch.where(positive, torch.sqrt(safe), torch.zeros_like(squared_distances))
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_distances_match_cdist(pairwise_distances):
    import torch
    generator = torch.Generator().manual_seed(30)
    embeddings = torch.randn(6, 3, generator=generator)
    expected = torch.cdist(embeddings, embeddings)
    got = pairwise_distances(embeddings)
    assert isinstance(got, torch.Tensor), f"pairwise_distances must return a tensor, not a {type(got).__name__}."
    assert got.shape == (6, 6), f"expected a (6, 6) matrix, got shape {tuple(got.shape)}."
    assert torch.allclose(got, expected, atol=1e-5), (
        "squared=False must return Euclidean distances (torch.cdist); "
        + ("yours are the squared distances." if torch.allclose(got, expected**2, atol=1e-4) else f"the largest error is {(got - expected).abs().max():.3g}.")
    )
    assert torch.all(got.diagonal() == 0), "the diagonal (the distance of a row to itself) must be exactly 0."

# %%
def test_squared_distances(pairwise_distances):
    import torch
    embeddings = torch.tensor([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])
    got = pairwise_distances(embeddings, squared=True)
    expected = torch.tensor([[0.0, 25.0, 2.0], [25.0, 0.0, 13.0], [2.0, 13.0, 0.0]])
    assert isinstance(got, torch.Tensor), f"pairwise_distances must return a tensor, not a {type(got).__name__}."
    assert got.shape == (3, 3) and torch.allclose(got, expected), f"squared=True: expected {expected.tolist()}, got {got.tolist()}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_gradient_is_finite_for_identical_rows(pairwise_distances):
    """the gradient is finite for identical rows and on the diagonal"""
    import torch
    embeddings = torch.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]], requires_grad=True)
    pairwise_distances(embeddings).sum().backward()
    assert torch.isfinite(embeddings.grad).all(), (
        f"identical rows (and the diagonal) gave the gradient {embeddings.grad.tolist()}: "
        "sqrt'(0) is infinite. Take the square root only where the squared distance is positive."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_gradient_matches_torch_away_from_zero(pairwise_distances):
    """the gradient equals torch.cdist's for distinct rows"""
    import torch
    generator = torch.Generator().manual_seed(31)
    a = torch.randn(4, 5, generator=generator, requires_grad=True)
    b = a.detach().clone().requires_grad_(True)
    pairwise_distances(a)[0, 1:].sum().backward()
    torch.cdist(b, b)[0, 1:].sum().backward()
    assert torch.allclose(a.grad, b.grad, atol=1e-5), "the gradient differs from torch.cdist's."

# %%
def test_pairwise_distances_is_written_from_the_formula(pairwise_distances):
    import types
    def names(code):
        found = set(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                found |= names(constant)
        return found
    used = sorted(names(pairwise_distances.__code__) & {"cdist", "pairwise_distance", "pdist"})
    assert not used, f"write pairwise_distances from its formula: it calls {', '.join(used)}, the built-in the tests compare against."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3

# %% [markdown]
# ## Question 2 — contrastive loss
#
# For pairs of embeddings $(a_i, b_i)$ with distance $d_i=\lVert a_i-b_i\rVert$ and a label
# $s_i = 1$ if the pair is similar, 0 if not, the contrastive loss of Hadsell, Chopra and
# LeCun (2006) with margin $m$ is
#
# $$\mathcal{L} = \frac{1}{N}\sum_i \tfrac12\Bigl[s_i\, d_i^2 + (1-s_i)\,\max(0,\, m - d_i)^2\Bigr].$$
#
# Similar pairs are pulled together; dissimilar pairs are pushed apart until they are $m$
# apart, and then left alone. Write `contrastive_loss(a, b, similar, margin=1.0)` for
# $N\times D$ tensors and a float tensor `similar` of 0s and 1s.

# %% [raw]
# # BEGIN SOLUTION

# %%
def contrastive_loss(a, b, similar, margin=1.0):
    """Hadsell et al. (2006) contrastive loss, mean over pairs."""
    # BEGIN SOLUTION
    distance = ((a - b) ** 2).sum(dim=1).sqrt()
    pull = similar * distance**2
    push = (1 - similar) * (margin - distance).clamp_min(0) ** 2
    return (0.5 * (pull + push)).mean()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_contrastive_similar_pairs(contrastive_loss):
    import torch
    a = torch.zeros(2, 2)
    b = torch.tensor([[3.0, 4.0], [0.3, 0.4]])
    # similar pairs at distances 5 and 0.5 are pulled with d^2 / 2: 12.5 and 0.125
    got = contrastive_loss(a, b, torch.ones(2), margin=2.0)
    assert isinstance(got, torch.Tensor), f"contrastive_loss must return a tensor, not a {type(got).__name__}."
    assert got.shape == (), f"contrastive_loss returns a scalar, the mean over pairs (shape ()), not shape {tuple(got.shape)}."
    assert torch.isclose(got, torch.tensor((12.5 + 0.125) / 2)), (
        f"two similar pairs at distances 5 and 0.5: expected (0.5*25 + 0.5*0.25) / 2 = 6.3125, got {got.item():.6g}. "
        "A similar pair costs d^2 / 2, whatever the margin."
    )

# %%
def test_contrastive_dissimilar_pairs(contrastive_loss):
    import torch
    a = torch.zeros(2, 2)
    b = torch.tensor([[0.3, 0.4], [6.0, 8.0]])
    # dissimilar pairs at distances 0.5 (inside the margin 2) and 10 (beyond it)
    got = contrastive_loss(a, b, torch.zeros(2), margin=2.0)
    expected = (0.5 * 1.5**2 + 0.0) / 2
    assert isinstance(got, torch.Tensor), f"contrastive_loss must return a tensor, not a {type(got).__name__}."
    assert got.shape == (), f"contrastive_loss returns a scalar, the mean over pairs (shape ()), not shape {tuple(got.shape)}."
    assert torch.isclose(got, torch.tensor(expected)), (
        f"two dissimilar pairs at distances 0.5 and 10, margin 2: expected (0.5*(2 - 0.5)^2 + 0) / 2 = {expected:.6g}, "
        f"got {got.item():.6g}. The hinge is max(0, m - d) on the distance, then squared."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_contrastive_gradient(contrastive_loss):
    """a dissimilar pair inside the margin is pushed apart, one beyond it gets no gradient"""
    import torch
    a = torch.tensor([[0.0, 0.0], [0.0, 0.0]], requires_grad=True)
    b = torch.tensor([[0.6, 0.8], [3.0, 4.0]])
    contrastive_loss(a, b, torch.tensor([0.0, 0.0]), margin=2.0).backward()
    # pair 0 (d = 1, inside the margin): d/da of 0.5 * (2 - d)^2 / 2 is (2 - d) * (b - a) / d / 2 = (0.3, 0.4);
    # a descent step moves a against it, away from b. Pair 1 (d = 5) is beyond the margin.
    assert torch.allclose(a.grad[0], torch.tensor([0.3, 0.4]), atol=1e-6), (
        f"for a dissimilar pair inside the margin the gradient should push a away from b; got {a.grad[0].tolist()}."
    )
    assert torch.all(a.grad[1] == 0), "a dissimilar pair beyond the margin must get zero gradient."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_contrastive_matches_brute_force(contrastive_loss):
    """a random mix of similar and dissimilar pairs, margin 1.5"""
    import torch
    generator = torch.Generator().manual_seed(32)
    a, b = torch.randn(2, 10, 4, generator=generator)
    similar = (torch.rand(10, generator=generator) < 0.5).float()
    expected = 0.0
    for i in range(10):
        d = torch.linalg.vector_norm(a[i] - b[i]).item()
        expected += 0.5 * (d**2 if similar[i] else max(0.0, 1.5 - d) ** 2) / 10
    got = contrastive_loss(a, b, similar, margin=1.5)
    assert abs(got.item() - expected) < 1e-5, f"expected {expected:.6g}, got {got.item():.6g}."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 3

# %% [markdown]
# ## Question 3 — triplet loss
#
# With $d$ the (non-squared) Euclidean distance,
#
# $$\mathcal{L} = \frac1N\sum_i \max\bigl(0,\; d(a_i, p_i) - d(a_i, n_i) + m\bigr).$$
#
# Write `triplet_loss(anchor, positive, negative, margin=1.0)` for $N\times D$ tensors.

# %% [raw]
# # BEGIN SOLUTION

# %%
def triplet_loss(anchor, positive, negative, margin=1.0):
    """Mean triplet margin loss with Euclidean (non-squared) distances."""
    # BEGIN SOLUTION
    positive_distance = ((anchor - positive) ** 2).sum(dim=1).sqrt()
    negative_distance = ((anchor - negative) ** 2).sum(dim=1).sqrt()
    return (positive_distance - negative_distance + margin).clamp_min(0).mean()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_triplet_hand_computed(triplet_loss):
    import torch
    anchor = torch.tensor([[0.0], [0.0]])
    positive = torch.tensor([[0.5], [0.1]])
    negative = torch.tensor([[1.2], [3.0]])
    got = triplet_loss(anchor, positive, negative, margin=1.0)
    # triplet 1: 0.5 - 1.2 + 1 = 0.3; triplet 2: 0.1 - 3 + 1 < 0, so 0
    assert isinstance(got, torch.Tensor), f"triplet_loss must return a tensor, not a {type(got).__name__}."
    assert got.shape == (), f"triplet_loss returns a scalar, the mean over triplets (shape ()), not shape {tuple(got.shape)}."
    assert torch.isclose(got, torch.tensor(0.15)), (
        f"expected (0.3 + 0) / 2 = 0.15, got {got.item():.6g}. Use the distances themselves, not their squares."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_triplet_matches_torch(triplet_loss):
    """16 random triplets in 8 dimensions against F.triplet_margin_loss"""
    import torch
    import torch.nn.functional as F
    generator = torch.Generator().manual_seed(33)
    anchor, positive, negative = torch.randn(3, 16, 8, generator=generator)
    expected = F.triplet_margin_loss(anchor, positive, negative, margin=0.5)
    got = triplet_loss(anchor, positive, negative, margin=0.5)
    assert torch.isclose(got, expected, atol=1e-4), f"F.triplet_margin_loss gives {expected.item():.6g}, got {got.item():.6g}."

# %%
def test_triplet_loss_is_written_from_the_formula(triplet_loss):
    import types
    def names(code):
        found = set(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                found |= names(constant)
        return found
    used = sorted(names(triplet_loss.__code__) & {"triplet_margin_loss", "TripletMarginLoss", "pairwise_distance", "cdist"})
    assert not used, f"write triplet_loss from its formula: it calls {', '.join(used)}, the built-in the tests compare against."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 3

# %% [markdown]
# ## Question 4 — squared or not?
#
# Some implementations use *squared* distances in the triplet loss. In one dimension, take the
# anchor at 0, the positive at 0.5 and the negative at 1.2, with margin 1. By hand, compute
# the triplet loss with non-squared distances (`loss_plain`) and with squared distances
# (`loss_squared`). Then: with squared distances, is the margin measured in units of
# `"distance"` or `"squared distance"`? Set `margin_unit`.

# %% [raw]
# # BEGIN SOLUTION

# %%
loss_plain = 0.3  # SOLUTION
loss_squared = 0.0  # SOLUTION
margin_unit = "squared distance"  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_loss_plain_is_a_hinge_value(loss_plain):
    assert isinstance(loss_plain, (int, float)) and loss_plain >= 0, (
        f"loss_plain must be a number >= 0 (a hinge is never negative); you set it to {loss_plain!r}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_loss_plain_value(loss_plain):
    """loss_plain"""
    assert abs(loss_plain - 0.3) < 1e-9, "non-squared: max(0, 0.5 - 1.2 + 1) = 0.3."

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_loss_squared_is_a_hinge_value(loss_squared):
    assert isinstance(loss_squared, (int, float)) and loss_squared >= 0, (
        f"loss_squared must be a number >= 0 (a hinge is never negative); you set it to {loss_squared!r}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_loss_squared_value(loss_squared):
    """loss_squared"""
    assert abs(loss_squared - 0.0) < 1e-9, "squared: max(0, 0.25 - 1.44 + 1) = max(0, -0.19) = 0."

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_margin_unit_is_a_choice(margin_unit):
    assert margin_unit in ("distance", "squared distance"), (
        f"margin_unit must be 'distance' or 'squared distance'; you set it to {margin_unit!r}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_margin_unit_value(margin_unit):
    """margin_unit"""
    assert margin_unit == "squared distance", "d_ap^2 - d_an^2 + m compares m with squared distances."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 4

# %% [markdown]
# ## Question 5 — batch-hard mining
#
# In a batch of embeddings with class labels, batch-hard mining (Hermans et al., 2017) uses,
# for every anchor $i$, its **farthest positive** (same label, $j\ne i$) and its **closest
# negative** (different label):
#
# $$\mathcal{L} = \frac{1}{|A|}\sum_{i\in A}\max\Bigl(0,\;\max_{j:\,y_j=y_i,\,j\ne i} d_{ij}
# - \min_{k:\,y_k\ne y_i} d_{ik} + m\Bigr),$$
#
# where $A$ is the set of anchors that have at least one positive and one negative. Write
# `batch_hard_triplet_loss(embeddings, labels, margin=1.0)` (your `pairwise_distances` from
# Question 1 helps). Hint: mask out entries with `torch.where` and $\pm\infty$ before
# `max`/`min`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def batch_hard_triplet_loss(embeddings, labels, margin=1.0):
    """Triplet loss with each anchor's hardest positive and hardest negative in the batch."""
    # BEGIN SOLUTION
    distances = pairwise_distances(embeddings)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    not_self = ~torch.eye(len(labels), dtype=torch.bool)
    positive_mask, negative_mask = same & not_self, ~same
    hardest_positive = torch.where(positive_mask, distances, torch.tensor(float("-inf"))).max(dim=1).values
    hardest_negative = torch.where(negative_mask, distances, torch.tensor(float("inf"))).min(dim=1).values
    valid = positive_mask.any(dim=1) & negative_mask.any(dim=1)
    losses = (hardest_positive - hardest_negative + margin).clamp_min(0)
    return losses[valid].mean()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_batch_hard_uses_the_farthest_positive(batch_hard_triplet_loss):
    import math
    import torch
    # class 0 on a circle of radius 10 around the two (identical) points of class 1: every
    # negative of every anchor is 10 away, so only the choice of positive matters.
    angles = torch.tensor([0.0, math.pi / 3, math.pi])
    circle = 10 * torch.stack([angles.cos(), angles.sin()], dim=1)
    embeddings = torch.cat([circle, torch.zeros(2, 2)])
    labels = torch.tensor([0, 0, 0, 1, 1])
    chord = 20 * math.sin(math.pi / 3)  # the distance between the points at 60 and 180 degrees
    expected = ((20 - 10 + 25) + (chord - 10 + 25) + (20 - 10 + 25) + 2 * (0 - 10 + 25)) / 5
    got = batch_hard_triplet_loss(embeddings, labels, margin=25.0)
    assert isinstance(got, torch.Tensor), f"batch_hard_triplet_loss must return a tensor, not a {type(got).__name__}."
    assert abs(got.item() - expected) < 1e-4, (
        f"expected {expected:.6g}, got {got.item():.6g}. Hardest positive = the farthest one "
        "(same label, not the anchor itself)."
    )

# %%
def test_batch_hard_uses_the_closest_negative(batch_hard_triplet_loss):
    import torch
    # three classes, each two identical points: every anchor's only positive is 0 away,
    # so only the choice of negative matters.
    embeddings = torch.tensor([[0.0, 0.0], [0.0, 0.0], [4.0, 0.0], [4.0, 0.0], [0.0, 7.0], [0.0, 7.0]])
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    # closest negatives: 4 for classes 0 and 1, 7 for class 2; margin 10
    expected = (4 * (0 - 4 + 10) + 2 * (0 - 7 + 10)) / 6
    got = batch_hard_triplet_loss(embeddings, labels, margin=10.0)
    assert isinstance(got, torch.Tensor), f"batch_hard_triplet_loss must return a tensor, not a {type(got).__name__}."
    assert abs(got.item() - expected) < 1e-4, (
        f"expected {expected:.6g}, got {got.item():.6g}. Hardest negative = the closest one (a different label)."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_batch_hard_matches_brute_force(batch_hard_triplet_loss):
    """9 random embeddings in 3 classes against a brute-force search"""
    import torch
    generator = torch.Generator().manual_seed(34)
    embeddings = torch.randn(9, 3, generator=generator)
    labels = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2])
    expected = []
    for i in range(9):
        positives = [torch.dist(embeddings[i], embeddings[j]) for j in range(9) if j != i and labels[j] == labels[i]]
        negatives = [torch.dist(embeddings[i], embeddings[k]) for k in range(9) if labels[k] != labels[i]]
        expected.append(max(0.0, max(positives).item() - min(negatives).item() + 0.5))
    expected = sum(expected) / len(expected)
    got = batch_hard_triplet_loss(embeddings, labels, margin=0.5)
    assert abs(got.item() - expected) < 1e-5, (
        f"expected {expected:.6g}, got {got.item():.6g}. Hardest positive = the farthest one; "
        "hardest negative = the closest one."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_batch_hard_skips_anchors_without_positive(batch_hard_triplet_loss):
    """anchors alone in their class are left out of the mean"""
    import torch
    embeddings = torch.tensor([[0.0], [1.0], [5.0], [0.2]])
    labels = torch.tensor([0, 0, 1, 2])
    # anchors 0 and 1 have a positive; 2 and 3 are alone in their class and are skipped.
    # anchor 0: hardest positive 1.0, hardest negative 0.2 -> 1.0 - 0.2 + 1 = 1.8
    # anchor 1: hardest positive 1.0, hardest negative 0.8 -> 1.2
    got = batch_hard_triplet_loss(embeddings, labels, margin=1.0)
    assert abs(got.item() - 1.5) < 1e-5, (
        f"expected (1.8 + 1.2) / 2 = 1.5, got {got.item():.6g}: anchors with no positive must be left out."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_batch_hard_on_collapsed_embeddings(batch_hard_triplet_loss):
    """collapsed embeddings: the loss is the margin and the gradient is finite"""
    import torch
    embeddings = torch.ones(6, 4, requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    loss = batch_hard_triplet_loss(embeddings, labels, margin=0.7)
    loss.backward()
    assert abs(loss.item() - 0.7) < 1e-6, (
        f"all embeddings are equal: every hinge is 0 - 0 + m, so the loss is m = 0.7; got {loss.item():.6g}."
    )
    assert torch.isfinite(embeddings.grad).all(), "collapsed embeddings gave a NaN gradient (see Question 1)."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ---
# You are done. Save the notebook and submit the `.ipynb` file as your instructor asked.
