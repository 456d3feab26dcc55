# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: classification
# export_cell: false
# check_all_cell: true
# show_question_points: true
# tests:
#   ok_format: false
# generate:
#   show_stdout: false
#   show_hidden: false

# %% [markdown]
# # Assignment 2 — Classification losses and calibration
#
# You will write cross-entropy and binary cross-entropy so that they survive extreme
# logits, find and fix the "softmax before `CrossEntropyLoss`" bug, measure calibration with
# the expected calibration error, and read a reliability diagram. The book chapters
# *Classification losses* and *The double-softmax pitfall* cover what you need.
#
# **Rules.** Write the losses from tensor operations (`torch.logsumexp`, `torch.log_softmax`,
# `.gather`, `torch.clamp`, …), not with `torch.nn.functional` losses — the tests compare your
# code against them. Run each `grader.check(...)` cell for feedback; hidden tests run at grading.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

torch.manual_seed(0)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 4

# %% [markdown]
# ## Question 1 — cross-entropy from logits
#
# For logits $z \in \mathbb{R}^{N\times K}$ and integer targets $y_i$,
#
# $$\ell_i = -\log \frac{e^{z_{i,y_i}}}{\sum_k e^{z_{ik}}} = \log\sum_k e^{z_{ik}} - z_{i,y_i},
# \qquad \mathrm{CE} = \frac1N\sum_i \ell_i .$$
#
# Write `cross_entropy(logits, target)` (mean over the batch). It must stay finite for
# logits like $\pm 1000$: `torch.exp(1000.)` is `inf`, so use `torch.logsumexp` (which
# subtracts the row maximum for you).

# %% [raw]
# # BEGIN SOLUTION

# %%
def cross_entropy(logits, target):
    """Mean cross-entropy of integer targets under softmax(logits)."""
    # BEGIN SOLUTION
    log_normaliser = torch.logsumexp(logits, dim=1)
    true_class_logit = logits.gather(1, target.unsqueeze(1)).squeeze(1)
    return (log_normaliser - true_class_logit).mean()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_ce_uniform_logits_is_log_k(cross_entropy):
    import math
    import torch
    got = cross_entropy(torch.zeros(3, 4), torch.tensor([0, 1, 3]))
    assert isinstance(got, torch.Tensor), f"cross_entropy must return a tensor, not a {type(got).__name__}."
    assert got.shape == (), f"cross_entropy returns a scalar, the mean over the batch (shape ()), not shape {tuple(got.shape)}."
    assert torch.isclose(got, torch.tensor(math.log(4))), (
        f"with all-zero logits every class has probability 1/4, so the loss is log 4 = 1.386; you returned {got.item():.6g}."
    )

# %%
def test_ce_matches_torch(cross_entropy):
    import torch
    import torch.nn.functional as F
    generator = torch.Generator().manual_seed(10)
    logits = 3 * torch.randn(6, 5, generator=generator)
    target = torch.randint(0, 5, (6,), generator=generator)
    expected = F.cross_entropy(logits, target)
    got = cross_entropy(logits, target)
    assert torch.isclose(got, expected, atol=1e-5), f"F.cross_entropy gives {expected.item():.6g}, you returned {got.item():.6g}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_ce_extreme_logits_stay_finite(cross_entropy):
    """the loss stays finite and right for logits of +-1000"""
    import torch
    import torch.nn.functional as F
    logits = torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]])
    target = torch.tensor([2, 1])
    got = cross_entropy(logits, target)
    assert torch.isfinite(got), (
        f"extreme logits (+-1000) gave {got.item()}: exp overflows. Use torch.logsumexp instead of log(sum(exp))."
    )
    assert torch.isclose(got, F.cross_entropy(logits, target)), f"expected 1000.0, got {got.item():.6g}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_ce_gradient_is_softmax_minus_onehot(cross_entropy):
    """the gradient is (softmax - one_hot) / N"""
    import torch
    import torch.nn.functional as F
    generator = torch.Generator().manual_seed(11)
    logits = torch.randn(4, 3, generator=generator, requires_grad=True)
    target = torch.tensor([0, 2, 1, 1])
    cross_entropy(logits, target).backward()
    expected = (torch.softmax(logits.detach(), dim=1) - F.one_hot(target, 3)) / 4
    assert torch.allclose(logits.grad, expected, atol=1e-6), "the gradient should be (softmax - one_hot) / N."

# %%
def test_cross_entropy_is_written_from_the_formula(cross_entropy):
    import types
    def names(code):
        found = set(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                found |= names(constant)
        return found
    used = sorted(names(cross_entropy.__code__) & {"cross_entropy", "nll_loss", "CrossEntropyLoss", "NLLLoss"})
    assert not used, f"write cross_entropy from its formula: it calls {', '.join(used)}, the built-in the tests compare against."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3

# %% [markdown]
# ## Question 2 — binary cross-entropy with logits, stably
#
# For a logit $x$ and a target $y\in[0,1]$, BCE is
# $-[y\log\sigma(x) + (1-y)\log(1-\sigma(x))]$. Computed that way, $\sigma(40)$ rounds to
# exactly 1 in float32 and $\log(1-\sigma(x)) = -\infty$. Rewrite it as
#
# $$\ell(x, y) = \max(x, 0) - x\,y + \log\bigl(1 + e^{-|x|}\bigr)$$
#
# (check the two cases $x\ge0$ and $x<0$ on paper) and implement
# `bce_with_logits(logits, target)` with the mean reduction.
# `torch.log1p` computes $\log(1+u)$ accurately for small $u$.

# %% [raw]
# # BEGIN SOLUTION

# %%
def bce_with_logits(logits, target):
    """Mean binary cross-entropy of sigmoid(logits), computed without overflow."""
    # BEGIN SOLUTION
    loss = logits.clamp_min(0) - logits * target + torch.log1p(torch.exp(-logits.abs()))
    return loss.mean()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_bce_matches_torch(bce_with_logits):
    import torch
    import torch.nn.functional as F
    generator = torch.Generator().manual_seed(12)
    logits = 4 * torch.randn(20, generator=generator)
    target = torch.rand(20, generator=generator)
    expected = F.binary_cross_entropy_with_logits(logits, target)
    got = bce_with_logits(logits, target)
    assert isinstance(got, torch.Tensor), f"bce_with_logits must return a tensor, not a {type(got).__name__}."
    assert got.shape == (), f"bce_with_logits returns a scalar, the mean (shape ()), not shape {tuple(got.shape)}."
    assert torch.isclose(got, expected, atol=1e-5), (
        f"F.binary_cross_entropy_with_logits gives {expected.item():.6g}, you returned {got.item():.6g} "
        "(the targets here are soft labels in [0, 1])."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_bce_extreme_logits(bce_with_logits):
    """the loss stays finite and right for logits of +-200"""
    import torch
    import torch.nn.functional as F
    logits = torch.tensor([200.0, -200.0, 200.0, -200.0])
    target = torch.tensor([0.0, 1.0, 1.0, 0.0])
    got = bce_with_logits(logits, target)
    assert torch.isfinite(got), (
        f"logits of +-200 gave {got.item()}: sigmoid rounds to 0 or 1 and the log blows up. "
        "Use max(x, 0) - x*y + log1p(exp(-|x|))."
    )
    assert torch.isclose(got, F.binary_cross_entropy_with_logits(logits, target)), f"expected 100.0, got {got.item():.6g}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_bce_gradient(bce_with_logits):
    """the gradient is (sigmoid(x) - y) / N, also for a logit of 50"""
    import torch
    logits = torch.tensor([-3.0, 0.7, 2.0, 50.0], requires_grad=True)
    target = torch.tensor([1.0, 0.5, 0.0, 1.0])
    bce_with_logits(logits, target).backward()
    expected = (torch.sigmoid(logits.detach()) - target) / 4
    assert torch.allclose(logits.grad, expected, atol=1e-6), "the gradient should be (sigmoid(x) - y) / N."

# %%
def test_bce_with_logits_is_written_from_the_formula(bce_with_logits):
    import types
    def names(code):
        found = set(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                found |= names(constant)
        return found
    used = sorted(names(bce_with_logits.__code__) & {"binary_cross_entropy_with_logits", "binary_cross_entropy", "BCEWithLogitsLoss", "BCELoss"})
    assert not used, f"write bce_with_logits from its formula: it calls {', '.join(used)}, the built-in the tests compare against."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [markdown]
# ## Question 3 — how low can a double-softmax loss go?
#
# A common bug: the model ends in `nn.Softmax`, and its *probabilities* are passed to
# `F.cross_entropy`, which applies softmax again. Suppose the model is perfect: its output
# for an example of class $y$ is the one-hot vector $e_y$ (probability 1 on the right class).
# Cross-entropy then treats $e_y$ as logits. Derive the loss in closed form as a function
# of the number of classes $K$, and write `double_softmax_floor(num_classes)` returning it
# as a Python float. (It is the smallest loss the buggy model can ever reach.)

# %% [raw]
# # BEGIN SOLUTION

# %%
def double_softmax_floor(num_classes):
    """Cross-entropy of one-hot probabilities used as logits: log(1 + (K - 1) / e)."""
    # BEGIN SOLUTION
    return math.log(1 + (num_classes - 1) / math.e)
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_floor_matches_torch_for_three_classes(double_softmax_floor):
    import torch
    import torch.nn.functional as F
    perfect_probabilities = torch.tensor([[0.0, 1.0, 0.0]])
    expected = F.cross_entropy(perfect_probabilities, torch.tensor([1])).item()
    got = double_softmax_floor(3)
    assert isinstance(got, float), f"double_softmax_floor must return a Python float, not a {type(got).__name__}."
    assert abs(got - expected) < 1e-6, (
        f"F.cross_entropy(one-hot probabilities, target) for K=3 is {expected:.6g}; you returned {got:.6g}. "
        "Write out log-sum-exp of a one-hot vector: one term is e^1, how many are e^0?"
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_floor_for_many_class_counts(double_softmax_floor):
    """the floor for 2, 10 and 1000 classes"""
    import math
    for k in (2, 10, 1000):
        expected = math.log(1 + (k - 1) / math.e)
        got = double_softmax_floor(k)
        assert abs(got - expected) < 1e-9, f"K={k}: expected log(1 + (K - 1) / e) = {expected:.6g}, got {got:.6g}."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 3

# %% [markdown]
# ## Question 4 — fix the training step
#
# Here is a training step with the bug from Question 3:
#
# ```python
# def buggy_training_step(model, optimizer, features, labels):
#     optimizer.zero_grad()
#     probabilities = torch.softmax(model(features), dim=1)
#     loss = F.cross_entropy(probabilities, labels)
#     loss.backward()
#     optimizer.step()
#     return loss.item()
# ```
#
# Write `training_step(model, optimizer, features, labels)` that does one correct step and
# returns the loss (a Python float) computed **before** the step. The model outputs logits.

# %% [raw]
# # BEGIN SOLUTION

# %%
def training_step(model, optimizer, features, labels):
    """One optimisation step of cross-entropy on the model's logits; returns the loss."""
    # BEGIN SOLUTION
    optimizer.zero_grad()
    loss = F.cross_entropy(model(features), labels)
    loss.backward()
    optimizer.step()
    return loss.item()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_step_reports_cross_entropy_of_logits(training_step):
    import torch
    import torch.nn.functional as F
    torch.manual_seed(20)
    model = torch.nn.Linear(4, 3)
    features, labels = torch.randn(8, 4), torch.randint(0, 3, (8,))
    with torch.no_grad():
        logits = model(features)
    correct = F.cross_entropy(logits, labels).item()
    double = F.cross_entropy(torch.softmax(logits, dim=1), labels).item()
    got = training_step(model, torch.optim.SGD(model.parameters(), lr=0.1), features, labels)
    assert isinstance(got, float), f"training_step must return the loss as a Python float (loss.item()), not a {type(got).__name__}."
    assert abs(got - double) > 1e-6, "your loss is the cross-entropy of softmax(logits): softmax is applied twice."
    assert abs(got - correct) < 1e-5, f"expected the loss before the step, {correct:.6g}; you returned {got:.6g}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_two_steps_match_reference_sgd(training_step):
    """two steps move the parameters exactly as plain SGD on cross-entropy does"""
    import copy
    import torch
    import torch.nn.functional as F
    torch.manual_seed(21)
    model = torch.nn.Linear(4, 3)
    reference = copy.deepcopy(model)
    features, labels = torch.randn(8, 4), torch.randint(0, 3, (8,))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(2):
        training_step(model, optimizer, features, labels)
        gradients = torch.autograd.grad(F.cross_entropy(reference(features), labels), list(reference.parameters()))
        with torch.no_grad():
            for parameter, gradient in zip(reference.parameters(), gradients):
                parameter -= 0.5 * gradient
    for mine, expected in zip(model.parameters(), reference.parameters()):
        assert torch.allclose(mine, expected, atol=1e-5), (
            "after two steps your parameters differ from plain SGD on cross-entropy: "
            "did you call optimizer.zero_grad() (gradients accumulate otherwise) and optimizer.step()?"
        )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_training_goes_below_the_double_softmax_floor(training_step):
    """60 steps on separable data reach a loss below 0.1, under the double-softmax floor"""
    import math
    import torch
    torch.manual_seed(22)
    centres = torch.tensor([[4.0, 0.0], [-4.0, 0.0], [0.0, 4.0]])
    labels = torch.arange(3).repeat(30)
    features = centres[labels] + 0.5 * torch.randn(90, 2)
    model = torch.nn.Linear(2, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(60):
        loss = training_step(model, optimizer, features, labels)
    floor = math.log(1 + 2 / math.e)
    assert loss < 0.1, (
        f"on separable data the fixed loop should reach a loss below 0.1 (the buggy one stalls above {floor:.3f}); "
        f"it reached {loss:.4g}."
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
# ## Question 5 — expected calibration error
#
# Split the confidences into `n_bins` equal-width bins $B_b = (\tfrac{b}{M}, \tfrac{b+1}{M}]$
# (a confidence of exactly 0 goes into the first bin). With $\mathrm{acc}(B_b)$ the fraction
# of correct predictions and $\mathrm{conf}(B_b)$ the mean confidence in bin $b$,
#
# $$\mathrm{ECE} = \sum_{b} \frac{|B_b|}{n}\,\bigl|\mathrm{acc}(B_b) - \mathrm{conf}(B_b)\bigr|.$$
#
# Empty bins contribute nothing. Write `expected_calibration_error(confidences, correct, n_bins=10)`
# for a float tensor of confidences in $[0, 1]$ and a boolean tensor `correct`; return a float.

# %% [raw]
# # BEGIN SOLUTION

# %%
def expected_calibration_error(confidences, correct, n_bins=10):
    """ECE with equal-width bins (b/M, (b+1)/M], weighted by the share of samples per bin."""
    # BEGIN SOLUTION
    bin_index = (torch.ceil(confidences * n_bins).long() - 1).clamp(0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        in_bin = bin_index == b
        if in_bin.any():
            gap = correct[in_bin].float().mean() - confidences[in_bin].mean()
            ece += in_bin.float().mean().item() * gap.abs().item()
    return ece
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_ece_hand_computed(expected_calibration_error):
    import torch
    confidences = torch.tensor([0.9, 0.9, 0.9, 0.9, 0.6, 0.6])
    correct = torch.tensor([True, True, True, False, True, False])
    got = float(expected_calibration_error(confidences, correct))
    # bin (0.8, 0.9]: accuracy 0.75, confidence 0.9, weight 4/6; bin (0.5, 0.6]: 0.5 vs 0.6, weight 2/6
    expected = 4 / 6 * 0.15 + 2 / 6 * 0.1
    assert abs(got - expected) < 1e-6, (
        f"expected 4/6 * |0.75 - 0.9| + 2/6 * |0.5 - 0.6| = {expected:.6g}, got {got:.6g}. "
        "Weight each bin's gap by the share of samples in it, not 1/number-of-bins."
    )

# %%
def test_ece_calibrated_is_zero_and_never_nan(expected_calibration_error):
    import math
    import torch
    confidences = torch.full((8,), 0.75)
    correct = torch.tensor([True, True, True, False] * 2)
    got = float(expected_calibration_error(confidences, correct))
    assert not math.isnan(got), "got NaN: skip empty bins instead of dividing by zero."
    assert abs(got) < 1e-6, f"75 % confidence with 75 % accuracy is perfectly calibrated; got ECE {got:.6g}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_ece_matches_brute_force(expected_calibration_error):
    """ECE on 500 random confidences (0 and 1 included) with 5 and 15 bins"""
    import torch
    generator = torch.Generator().manual_seed(13)
    confidences = torch.rand(500, generator=generator)
    confidences[:3] = torch.tensor([0.0, 1.0, 0.3])
    correct = torch.rand(500, generator=generator) < confidences ** 2
    for n_bins in (5, 15):
        expected = 0.0
        for b in range(n_bins):
            low, high = b / n_bins, (b + 1) / n_bins
            members = [i for i, c in enumerate(confidences.tolist()) if (low < c <= high) or (b == 0 and c == 0.0)]
            if members:
                accuracy = sum(correct[i].item() for i in members) / len(members)
                confidence = sum(confidences[i].item() for i in members) / len(members)
                expected += len(members) / 500 * abs(accuracy - confidence)
        got = float(expected_calibration_error(confidences, correct, n_bins=n_bins))
        assert abs(got - expected) < 1e-5, f"n_bins={n_bins}: expected {expected:.6g}, got {got:.6g}."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 6 — read a reliability diagram
#
# The cell below draws the reliability diagram of a classifier on 2,000 validation examples:
# for each confidence bin, the bar is the accuracy of the predictions in that bin and the
# dashed line is perfect calibration.

# %%
generator = torch.Generator().manual_seed(6)
val_confidence = 0.5 + 0.5 * torch.rand(2000, generator=generator)
val_correct = torch.rand(2000, generator=generator) < (val_confidence - 0.25).clamp_min(0.3)
edges = torch.linspace(0.5, 1.0, 6)
centres = (edges[:-1] + edges[1:]) / 2
bin_accuracy = [val_correct[(val_confidence > lo) & (val_confidence <= hi)].float().mean().item()
                for lo, hi in zip(edges[:-1], edges[1:])]
figure, axis = plt.subplots(figsize=(4.5, 4))
axis.bar(centres, bin_accuracy, width=0.1, edgecolor="black", label="accuracy in bin")
axis.plot([0.5, 1], [0.5, 1], "k--", label="perfect calibration")
axis.set(title="Reliability diagram (validation set)", xlabel="confidence (probability)",
         ylabel="accuracy (fraction correct)", xlim=(0.5, 1), ylim=(0, 1))
axis.legend()
plt.show()

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 2

# %% [markdown]
# Is this classifier `"overconfident"`, `"underconfident"` or `"calibrated"`? Set `q6_answer`.
# Then: would temperature scaling fix it with a temperature `"above 1"` or `"below 1"`? Set
# `q6_temperature`.

# %% [raw]
# # BEGIN SOLUTION

# %%
q6_answer = "overconfident"  # SOLUTION
q6_temperature = "above 1"  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_q6_answer_is_a_choice(q6_answer):
    assert q6_answer in ("overconfident", "underconfident", "calibrated"), (
        f"q6_answer must be one of 'overconfident', 'underconfident', 'calibrated'; you set it to {q6_answer!r}."
    )

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_q6_temperature_is_a_choice(q6_temperature):
    assert q6_temperature in ("above 1", "below 1"), (
        f"q6_temperature must be 'above 1' or 'below 1'; you set it to {q6_temperature!r}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q6_answer(q6_answer):
    """the reading of the diagram"""
    assert q6_answer == "overconfident", "every bar is below the diagonal: accuracy is lower than confidence."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q6_temperature(q6_temperature):
    """the temperature that fixes it"""
    assert q6_temperature == "above 1", "dividing the logits by T > 1 softens the probabilities, lowering the confidence."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q7
# points: 1

# %% [markdown]
# ## Question 7 — multi-label or multi-class?
#
# Each photo in a dataset can carry several tags at once (`beach`, `dog`, `sunset`, …).
# Which output layer and loss fit? `"a"`: one softmax over the tags with cross-entropy;
# `"b"`: one logit per tag with binary cross-entropy with logits. Set `q7_answer`.

# %% [raw]
# # BEGIN SOLUTION

# %%
q7_answer = "b"  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_q7_is_a_choice(q7_answer):
    assert q7_answer in ("a", "b"), f"q7_answer must be 'a' or 'b'; you set it to {q7_answer!r}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q7_answer(q7_answer):
    """the choice itself"""
    assert q7_answer == "b", (
        "softmax makes the tags compete for one unit of probability; tags are independent yes/no questions."
    )

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ---
# You are done. Save the notebook and submit the `.ipynb` file as your instructor asked.
