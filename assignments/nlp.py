# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: nlp
# export_cell: false
# check_all_cell: true
# show_question_points: true
# tests:
#   ok_format: false
# generate:
#   show_stdout: false
#   show_hidden: false

# %% [markdown]
# # Assignment 4 — Losses for imbalanced NLP tasks
#
# You will write the focal loss and the soft dice loss, see why accuracy misleads on token
# tagging where 95 % of the tokens are `O`, calibrate a classifier with temperature scaling,
# and choose a loss the way the book's measurements support. The book's NLP chapters cover
# what you need.
#
# **Rules.** Write the losses from tensor operations (`torch.log_softmax`, `.gather`, …),
# not with `torch.nn.functional` losses. Run each `grader.check(...)` cell for feedback;
# hidden tests run at grading.

# %%
import torch
import torch.nn.functional as F

torch.manual_seed(0)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 4

# %% [markdown]
# ## Question 1 — focal loss
#
# With $p_t$ the softmax probability of the true class, the focal loss (Lin et al., 2017) is
#
# $$\mathrm{FL} = \frac1N\sum_i -(1 - p_{t,i})^{\gamma}\,\log p_{t,i}.$$
#
# It down-weights examples the model already gets right, so the rare hard ones dominate.
# Write `focal_loss(logits, target, gamma=2.0)`. Take $\log p_t$ from `torch.log_softmax` (not
# `log(softmax)`, which is $-\infty$ for logits like 1000) and $p_t = e^{\log p_t}$.

# %% [raw]
# # BEGIN SOLUTION

# %%
def focal_loss(logits, target, gamma=2.0):
    """Mean multi-class focal loss of integer targets."""
    # BEGIN SOLUTION
    log_pt = torch.log_softmax(logits, dim=1).gather(1, target.unsqueeze(1)).squeeze(1)
    pt = log_pt.exp()
    return (-((1 - pt) ** gamma) * log_pt).mean()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_focal_hand_computed(focal_loss):
    import math
    import torch
    got = focal_loss(torch.tensor([[math.log(3.0), 0.0]]), torch.tensor([0]), gamma=2.0)
    expected = 0.25**2 * math.log(4 / 3)
    assert isinstance(got, torch.Tensor), f"focal_loss must return a tensor, not a {type(got).__name__}."
    assert got.shape == (), f"focal_loss returns a scalar, the mean over the batch (shape ()), not shape {tuple(got.shape)}."
    assert torch.isclose(got, torch.tensor(expected)), (
        f"logits (log 3, 0) give p_t = 3/4, so FL = (1 - 3/4)^2 * log(4/3) = {expected:.6g}; got {got.item():.6g}. "
        "The factor is (1 - p_t)^gamma, small for easy examples."
    )

# %%
def test_focal_gamma_zero_is_cross_entropy(focal_loss):
    import torch
    import torch.nn.functional as F
    generator = torch.Generator().manual_seed(40)
    logits = 2 * torch.randn(8, 5, generator=generator)
    target = torch.randint(0, 5, (8,), generator=generator)
    got = focal_loss(logits, target, gamma=0.0)
    expected = F.cross_entropy(logits, target)
    assert torch.isclose(got, expected, atol=1e-5), (
        f"with gamma=0 the focal loss is cross-entropy, {expected.item():.6g}; got {got.item():.6g}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_focal_extreme_logits(focal_loss):
    """the loss stays finite and right for logits of +-1000"""
    import torch
    logits = torch.tensor([[1000.0, -1000.0], [-1000.0, 1000.0]])
    got = focal_loss(logits, torch.tensor([1, 1]), gamma=2.0)
    assert torch.isfinite(got), f"logits of +-1000 gave {got.item()}: use torch.log_softmax, not torch.log(torch.softmax(...))."
    assert torch.isclose(got, torch.tensor(1000.0)), (
        f"the first example costs (1 - 0)^2 * 2000, the second 0: expected the mean, 1000; got {got.item():.6g}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_focal_gradient(focal_loss):
    """the gradient equals that of the formula, for gamma = 1.5"""
    import torch
    generator = torch.Generator().manual_seed(41)
    logits = torch.randn(6, 4, generator=generator, requires_grad=True)
    target = torch.randint(0, 4, (6,), generator=generator)
    focal_loss(logits, target, gamma=1.5).backward()
    mine = logits.grad.clone()
    logits.grad = None
    probabilities = torch.softmax(logits, dim=1)[torch.arange(6), target]
    (-((1 - probabilities) ** 1.5) * torch.log(probabilities)).mean().backward()
    assert torch.allclose(mine, logits.grad, atol=1e-5), "the gradient differs from the formula's."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3

# %% [markdown]
# ## Question 2 — soft dice loss
#
# For predicted probabilities $p_i$ and binary targets $y_i$ (all tokens of a batch together),
# the soft dice loss with smoothing $s$ is
#
# $$\mathcal{L}_{\text{dice}} = 1 - \frac{2\sum_i p_i y_i + s}{\sum_i p_i + \sum_i y_i + s}.$$
#
# The smoothing keeps it defined when there is no positive token at all. Write
# `dice_loss(probabilities, target, smooth=1.0)`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def dice_loss(probabilities, target, smooth=1.0):
    """Soft dice loss over all elements, with additive smoothing."""
    # BEGIN SOLUTION
    intersection = (probabilities * target).sum()
    return 1 - (2 * intersection + smooth) / (probabilities.sum() + target.sum() + smooth)
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_dice_hand_computed(dice_loss):
    import torch
    probabilities = torch.tensor([1.0, 0.0, 1.0, 0.0])
    target = torch.tensor([1.0, 0.0, 0.0, 0.0])
    got = dice_loss(probabilities, target, smooth=1.0)
    assert isinstance(got, torch.Tensor), f"dice_loss must return a tensor, not a {type(got).__name__}."
    assert got.shape == (), f"dice_loss returns a scalar (shape ()), not shape {tuple(got.shape)}."
    assert torch.isclose(got, torch.tensor(0.25)), (
        f"expected 1 - (2*1 + 1) / (2 + 1 + 1) = 0.25, got {got.item():.6g}. Don't forget the 2 in the numerator."
    )

# %%
def test_dice_perfect_prediction_is_zero(dice_loss):
    import torch
    target = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0])
    got = dice_loss(target.clone(), target)
    assert torch.isclose(got, torch.tensor(0.0), atol=1e-6), f"a perfect prediction must cost 0, got {got.item():.6g}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_dice_empty_target_and_prediction(dice_loss):
    """no positive predicted and none present costs 0"""
    import torch
    got = dice_loss(torch.zeros(6), torch.zeros(6), smooth=1.0)
    assert torch.isfinite(got) and torch.isclose(got, torch.tensor(0.0)), (
        f"no positives predicted and none present is a perfect prediction: expected 0, got {got.item():.6g}. "
        "Add the smoothing to the numerator as well as the denominator."
    )

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 3

# %% [markdown]
# ## Question 3 — accuracy and F1 on imbalanced tags
#
# A named-entity tagger labels each token 1 (part of an entity) or 0 (`O`). Write
# `token_f1(predicted, gold)` for two 0/1 integer tensors: the F1 score of the positive
# class, $F_1 = 2\,\mathrm{TP} / (2\,\mathrm{TP} + \mathrm{FP} + \mathrm{FN})$, defined as 0
# when there are no true positives. Return a float.
#
# Then, for 1,000 tokens of which 50 are entity tokens, a model that predicts `O` everywhere:
# set `accuracy_all_o` and `f1_all_o`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def token_f1(predicted, gold):
    """F1 of the positive class; 0 when there is no true positive."""
    # BEGIN SOLUTION
    true_positive = ((predicted == 1) & (gold == 1)).sum().item()
    false_positive = ((predicted == 1) & (gold == 0)).sum().item()
    false_negative = ((predicted == 0) & (gold == 1)).sum().item()
    if true_positive == 0:
        return 0.0
    return 2 * true_positive / (2 * true_positive + false_positive + false_negative)
    # END SOLUTION


accuracy_all_o = 0.95  # SOLUTION
f1_all_o = 0.0  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_f1_matches_hand_count(token_f1):
    import torch
    predicted = torch.tensor([1, 1, 0, 0, 1, 0, 0, 0])
    gold = torch.tensor([1, 0, 1, 0, 1, 0, 0, 0])
    got = token_f1(predicted, gold)
    # TP = 2, FP = 1, FN = 1
    assert isinstance(got, float), f"token_f1 must return a Python float, not a {type(got).__name__}."
    assert abs(got - 2 * 2 / (2 * 2 + 1 + 1)) < 1e-9, (
        f"TP=2, FP=1, FN=1 gives F1 = 4/6 = 0.6667; got {got:.6g}. (Accuracy here would be 0.75: F1 ignores true negatives.)"
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_f1_random_and_degenerate(token_f1):
    """token_f1 on random tags, and 0 when there is no positive at all"""
    import torch
    generator = torch.Generator().manual_seed(42)
    for _ in range(5):
        predicted = (torch.rand(200, generator=generator) < 0.1).long()
        gold = (torch.rand(200, generator=generator) < 0.1).long()
        tp = int(((predicted == 1) & (gold == 1)).sum())
        fp = int(((predicted == 1) & (gold == 0)).sum())
        fn = int(((predicted == 0) & (gold == 1)).sum())
        expected = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
        got = token_f1(predicted, gold)
        assert abs(got - expected) < 1e-9, f"TP={tp}, FP={fp}, FN={fn}: expected F1 = {expected:.6g}, got {got:.6g}."
    assert token_f1(torch.zeros(5, dtype=torch.long), torch.zeros(5, dtype=torch.long)) == 0.0, (
        "no positives at all: F1 is 0 by definition."
    )

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_accuracy_all_o_is_a_fraction(accuracy_all_o):
    assert isinstance(accuracy_all_o, (int, float)) and 0 <= accuracy_all_o <= 1, (
        f"accuracy_all_o must be a fraction between 0 and 1 (not a percentage); you set it to {accuracy_all_o!r}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0.5
""" # END TEST CONFIG
def test_accuracy_all_o(accuracy_all_o):
    """accuracy_all_o"""
    assert abs(accuracy_all_o - 0.95) < 1e-9, "950 of 1,000 tokens are O, so predicting O everywhere is 95 % accurate."

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_f1_all_o_is_a_fraction(f1_all_o):
    assert isinstance(f1_all_o, (int, float)) and 0 <= f1_all_o <= 1, (
        f"f1_all_o must be a number between 0 and 1; you set it to {f1_all_o!r}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0.5
""" # END TEST CONFIG
def test_f1_all_o(f1_all_o):
    """f1_all_o"""
    assert abs(f1_all_o) < 1e-9, "predicting no entity gives no true positive, so F1 = 0."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 3

# %% [markdown]
# ## Question 4 — temperature scaling
#
# Temperature scaling divides a trained classifier's logits by one scalar $T>0$, chosen to
# minimise the negative log-likelihood on a validation set (Guo et al., 2017). It does not
# change any prediction, only the confidence. Write `fit_temperature(logits, labels)` that
# returns the best $T$ as a float. Optimise $\log T$ (so $T$ stays positive), e.g. with
# `torch.optim.LBFGS` or a few hundred steps of Adam; a fine grid search is also fine.

# %% [raw]
# # BEGIN SOLUTION

# %%
def fit_temperature(logits, labels):
    """The T > 0 that minimises the cross-entropy of softmax(logits / T) on (logits, labels)."""
    # BEGIN SOLUTION
    log_temperature = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.LBFGS([log_temperature], lr=0.5, max_iter=100, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(logits / log_temperature.exp(), labels)
        loss.backward()
        return loss

    optimizer.step(closure)
    return log_temperature.exp().item()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_temperature_recovers_overconfidence(fit_temperature):
    import torch
    generator = torch.Generator().manual_seed(43)
    calibrated = 1.5 * torch.randn(3000, 4, generator=generator)
    labels = torch.multinomial(torch.softmax(calibrated, dim=1), 1, generator=generator).squeeze(1)
    overconfident = 2.5 * calibrated
    got = fit_temperature(overconfident, labels)
    assert isinstance(got, float), f"fit_temperature must return a Python float, not a {type(got).__name__}."
    assert 2.2 < got < 2.8, (
        f"these logits are 2.5 times too sharp (the labels were drawn from softmax(logits / 2.5)), so T should be near 2.5; "
        f"got {got:.4g}. T > 1 divides the logits and softens the probabilities."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_temperature_minimises_nll(fit_temperature):
    """T minimises the NLL of under-confident logits (compared with a fine grid)"""
    import torch
    import torch.nn.functional as F
    generator = torch.Generator().manual_seed(44)
    calibrated = torch.randn(2000, 6, generator=generator)
    labels = torch.multinomial(torch.softmax(calibrated, dim=1), 1, generator=generator).squeeze(1)
    logits = 0.6 * calibrated  # under-confident
    got = fit_temperature(logits, labels)
    grid = torch.linspace(0.2, 3.0, 281)
    nll = torch.stack([F.cross_entropy(logits / t, labels) for t in grid])
    best = grid[nll.argmin()].item()
    mine = F.cross_entropy(logits / got, labels).item()
    assert mine <= nll.min().item() + 1e-4, (
        f"the NLL at your T={got:.4g} is {mine:.6g}; at T={best:.4g} it is {nll.min().item():.6g}."
    )

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 3

# %% [markdown]
# ## Question 5 — pick a loss, as the book's measurements support
#
# The chapter *Dice loss for imbalanced token tagging* trains one tagger from scratch on
# WNUT-2016 tweets with several losses, then a tweet classifier scored by accuracy. Using what
# it measured, choose `"ce"` (cross-entropy), `"focal"` (focal loss), `"dice"` (dice / self-adjusting
# DSC) or `"mse"` for each task:
#
# 1. `q5_tagging`: a token tagger **trained from scratch**, 95 % of the tokens are `O`, evaluated by
#    entity F1.
# 2. `q5_sentiment`: balanced three-way sentiment classification, evaluated by accuracy.
#
# Then set `q5_why` to the reason the chapter gives for what per-token dice did in the tagging
# experiment:
#
# - `"a"`: the loss is bounded, so a token the model gets badly wrong gives only a weak gradient, and
#   a model that starts from nothing stays with predicting `O` everywhere;
# - `"b"`: dice cannot be computed for a batch without any entity token;
# - `"c"`: dice gives the `O` tokens more weight than cross-entropy does.

# %% [raw]
# # BEGIN SOLUTION

# %%
q5_tagging = "ce"  # SOLUTION
q5_sentiment = "ce"  # SOLUTION
q5_why = "a"  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_q5_tagging_is_a_choice(q5_tagging):
    assert q5_tagging in ("ce", "focal", "dice", "mse"), (
        f"q5_tagging must be one of 'ce', 'focal', 'dice', 'mse'; you set it to {q5_tagging!r}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_tagging(q5_tagging):
    """the loss for the tagger trained from scratch"""
    assert q5_tagging in ("ce", "focal"), (
        "in the book's experiment cross-entropy gave the best entity F1, with focal loss close behind, "
        "while per-token dice and DSC never left the all-O solution of a tagger trained from scratch."
    )

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_q5_sentiment_is_a_choice(q5_sentiment):
    assert q5_sentiment in ("ce", "focal", "dice", "mse"), (
        f"q5_sentiment must be one of 'ce', 'focal', 'dice', 'mse'; you set it to {q5_sentiment!r}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_sentiment(q5_sentiment):
    """the loss for balanced sentiment classification"""
    assert q5_sentiment == "ce", (
        "on a balanced task scored by accuracy cross-entropy is the right default: the book measured dice "
        "losing to it there, as Li et al. report."
    )

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_q5_why_is_a_choice(q5_why):
    assert q5_why in ("a", "b", "c"), f"q5_why must be one of 'a', 'b', 'c'; you set it to {q5_why!r}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_why(q5_why):
    """the reason per-token dice failed"""
    assert q5_why == "a", (
        "the smoothing keeps dice defined without entities, and dice ignores true negatives; the chapter's "
        "reason is its bounded loss: a missed entity token changes it by a few hundredths, so there is "
        "little gradient to leave the all-O solution."
    )

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q6
# manual: true
# points: 2

# %% [markdown]
# ## Question 6 — explain (graded by your instructor)
#
# Using your numbers from Question 3, explain in three or four sentences why a tagger trained
# with plain cross-entropy on such data can reach high accuracy and a poor F1, and what the
# focal and dice losses each change about the training signal.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# Predicting `O` everywhere is already 95 % accurate but has F1 = 0. Cross-entropy averages
# over tokens, so the 950 easy `O` tokens contribute most of the loss and gradient, and the
# model is rewarded for getting better at them. Focal loss multiplies each token's loss by
# $(1-p_t)^\gamma$, so confidently correct `O` tokens contribute almost nothing and the hard,
# rare entity tokens dominate. Dice compares predicted and true positives as sets, like F1:
# true negatives do not appear in it at all. Both change *which* tokens the loss is about;
# neither makes a missed entity cost more, and in the book's experiment that was what a tagger
# trained from scratch needed: per-token dice, bounded, never left the all-`O` solution.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [markdown]
# ---
# You are done. Save the notebook and submit the `.ipynb` file as your instructor asked.
