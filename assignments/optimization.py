# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: optimization
# export_cell: false
# check_all_cell: true
# show_question_points: true
# tests:
#   ok_format: false
# generate:
#   show_stdout: false
#   show_hidden: false

# %% [markdown]
# # Assignment 5 — Optimization: iterations, schedules, mini-batches
#
# You will count iterations the way a `DataLoader` does, write two learning-rate schedules,
# implement mini-batch gradient descent, and diagnose learning rates from loss curves. The
# book's Optimization chapters cover what you need.
#
# **Rules.** Write the schedules as closed-form functions of the step, without
# `torch.optim.lr_scheduler` — the tests compare your code against it. Run each
# `grader.check(...)` cell for feedback; hidden tests run at grading.

# %%
import math

import matplotlib.pyplot as plt
import torch

torch.manual_seed(0)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 3

# %% [markdown]
# ## Question 1 — iterations per epoch
#
# One *iteration* is one parameter update on one mini-batch; one *epoch* is one pass over
# the training set. Write `iterations_per_epoch(num_examples, batch_size, drop_last=False)`
# returning the number of mini-batches a `DataLoader` yields per epoch: the last, smaller
# batch counts unless `drop_last=True`. A `batch_size` or `num_examples` below 1 must raise
# a `ValueError` naming the argument.

# %% [raw]
# # BEGIN SOLUTION

# %%
def iterations_per_epoch(num_examples, batch_size, drop_last=False):
    """Mini-batches per epoch: ceil(n / b), or floor(n / b) when the last partial batch is dropped."""
    # BEGIN SOLUTION
    if num_examples < 1:
        raise ValueError(f"num_examples must be at least 1, got {num_examples}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if drop_last:
        return num_examples // batch_size
    return math.ceil(num_examples / batch_size)
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_iterations_keep_the_last_batch(iterations_per_epoch):
    from torch.utils.data import DataLoader
    for n, b in [(10, 3), (12, 4), (7, 10), (1, 1), (100, 32)]:
        expected = len(DataLoader(range(n), batch_size=b))
        got = iterations_per_epoch(n, b)
        assert got == expected, (
            f"n={n}, batch_size={b}, drop_last=False: a DataLoader yields {expected} batches, you said {got}."
            + (" The last, smaller batch still counts unless drop_last=True." if got == expected - 1 else "")
        )

# %%
def test_iterations_drop_last(iterations_per_epoch):
    from torch.utils.data import DataLoader
    for n, b in [(10, 3), (12, 4), (7, 10), (1, 1), (100, 32)]:
        expected = len(DataLoader(range(n), batch_size=b, drop_last=True))
        got = iterations_per_epoch(n, b, drop_last=True)
        assert got == expected, (
            f"n={n}, batch_size={b}, drop_last=True: a DataLoader yields {expected} batches, you said {got}. "
            "With drop_last=True only the full batches count."
        )

# %%
""" # BEGIN TEST CONFIG
points: 0.5
""" # END TEST CONFIG
def test_iterations_reject_a_bad_batch_size(iterations_per_epoch):
    try:
        iterations_per_epoch(10, 0)
    except ValueError as error:
        assert "batch_size" in str(error), f"the ValueError for batch_size=0 should name batch_size; it says: {error}"
    else:
        raise AssertionError("iterations_per_epoch(10, 0) should raise a ValueError, but it returned a value.")

# %%
""" # BEGIN TEST CONFIG
points: 0.5
""" # END TEST CONFIG
def test_iterations_reject_a_bad_num_examples(iterations_per_epoch):
    try:
        iterations_per_epoch(0, 4)
    except ValueError as error:
        assert "num_examples" in str(error), f"the ValueError for num_examples=0 should name num_examples; it says: {error}"
    else:
        raise AssertionError("iterations_per_epoch(0, 4) should raise a ValueError, but it returned a value.")

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3

# %% [markdown]
# ## Question 2 — the 50,000 / 128 exercise
#
# A training set has 50,000 examples and the batch size is 128 (last batch kept). Set
# `iterations_50000_128` (iterations per epoch), `iterations_10_epochs` (updates in 10 epochs)
# and `last_batch_size` (examples in the last batch of an epoch) — as integers.

# %% [raw]
# # BEGIN SOLUTION

# %%
iterations_50000_128 = 391  # SOLUTION
iterations_10_epochs = 3910  # SOLUTION
last_batch_size = 80  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_numbers_cover_the_training_set(iterations_50000_128, last_batch_size):
    for name, value in [("iterations_50000_128", iterations_50000_128), ("last_batch_size", last_batch_size)]:
        assert isinstance(value, int), f"{name} must be an int; you set it to {value!r}."
    assert 1 <= last_batch_size <= 128, f"the last batch holds between 1 and 128 examples, not {last_batch_size}."
    covered = (iterations_50000_128 - 1) * 128 + last_batch_size
    assert covered == 50_000, (
        "the full batches plus the last batch must cover exactly 50,000 examples: "
        f"({iterations_50000_128} - 1) * 128 + {last_batch_size} = {covered}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_iterations_per_epoch_value(iterations_50000_128):
    """iterations_50000_128"""
    assert iterations_50000_128 == 391, "ceil(50000 / 128) = 391 iterations per epoch."

# %%
def test_ten_epochs(iterations_50000_128, iterations_10_epochs):
    assert isinstance(iterations_10_epochs, int), f"iterations_10_epochs must be an int; you set it to {iterations_10_epochs!r}."
    assert iterations_10_epochs == 10 * iterations_50000_128, (
        f"10 epochs make 10 times the iterations of one: 10 * {iterations_50000_128} = {10 * iterations_50000_128}, "
        f"not {iterations_10_epochs}."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_last_batch_size_value(last_batch_size):
    """last_batch_size"""
    assert last_batch_size == 80, "50,000 - 390 * 128 = 80 examples are left for the last batch."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 4

# %% [markdown]
# ## Question 3 — learning-rate schedules in closed form
#
# Write, as functions of the (0-based) step:
#
# - `step_decay_lr(step, base_lr, step_size, gamma=0.1)`: multiply by `gamma` every
#   `step_size` steps, $\eta_t = \eta_0\,\gamma^{\lfloor t / s\rfloor}$.
# - `cosine_lr(step, base_lr, total_steps, min_lr=0.0)`:
#   $\eta_t = \eta_{\min} + \tfrac12(\eta_0-\eta_{\min})\bigl(1+\cos(\pi t / T)\bigr)$ for
#   $0 \le t \le T$.
#
# They must agree with `torch.optim.lr_scheduler.StepLR` and `CosineAnnealingLR(T_max=T)`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def step_decay_lr(step, base_lr, step_size, gamma=0.1):
    """Learning rate at a step of step decay: base_lr * gamma ** (step // step_size)."""
    # BEGIN SOLUTION
    return base_lr * gamma ** (step // step_size)
    # END SOLUTION


def cosine_lr(step, base_lr, total_steps, min_lr=0.0):
    """Learning rate at a step of cosine annealing from base_lr to min_lr over total_steps."""
    # BEGIN SOLUTION
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * step / total_steps))
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 1.5
""" # END TEST CONFIG
def test_step_decay_matches_steplr(step_decay_lr):
    import torch
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    for step in range(10):
        expected = optimizer.param_groups[0]["lr"]
        got = step_decay_lr(step, 0.5, 3, gamma=0.5)
        assert abs(got - expected) < 1e-9, (
            f"step {step}: StepLR gives {expected:.6g}, you gave {got:.6g}. Steps 0, 1, 2 use the base rate; "
            "the first decay happens at step 3."
        )
        optimizer.step()
        scheduler.step()

# %%
""" # BEGIN TEST CONFIG
points: 0.5
""" # END TEST CONFIG
def test_step_decay_lr_is_written_from_the_formula(step_decay_lr):
    import types
    def names(code):
        found = set(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                found |= names(constant)
        return found
    used = sorted(names(step_decay_lr.__code__) & {"StepLR", "lr_scheduler"})
    assert not used, f"write step_decay_lr from its formula: it calls {', '.join(used)}, the scheduler the tests compare against."

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_cosine_matches_torch(cosine_lr):
    import torch
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20, eta_min=0.01)
    for step in range(21):
        expected = optimizer.param_groups[0]["lr"]
        got = cosine_lr(step, 0.1, 20, min_lr=0.01)
        assert abs(got - expected) < 1e-7, f"step {step}: CosineAnnealingLR gives {expected:.6g}, you gave {got:.6g}."
        optimizer.step()
        scheduler.step()

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0.5
""" # END TEST CONFIG
def test_cosine_endpoints(cosine_lr):
    """the cosine schedule starts at base_lr, is half-way at T/2 and ends at min_lr"""
    assert abs(cosine_lr(0, 1.0, 50) - 1.0) < 1e-12, "the schedule starts at base_lr."
    assert abs(cosine_lr(25, 1.0, 50) - 0.5) < 1e-12, "half-way the rate is half-way between base_lr and min_lr."
    assert abs(cosine_lr(50, 1.0, 50, min_lr=0.2) - 0.2) < 1e-12, "the schedule ends at min_lr."

# %%
""" # BEGIN TEST CONFIG
points: 0.5
""" # END TEST CONFIG
def test_cosine_lr_is_written_from_the_formula(cosine_lr):
    import types
    def names(code):
        found = set(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                found |= names(constant)
        return found
    used = sorted(names(cosine_lr.__code__) & {"CosineAnnealingLR", "lr_scheduler"})
    assert not used, f"write cosine_lr from its formula: it calls {', '.join(used)}, the scheduler the tests compare against."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 4

# %% [markdown]
# ## Question 4 — mini-batch gradient descent
#
# Fit a linear model $\hat y = Xw$ (no bias) by minimising the mean squared error with
# mini-batch gradient descent. Write `minibatch_gd(features, targets, lr, batch_size, epochs, seed=0)`:
#
# - start from $w = 0$;
# - each epoch, shuffle the examples with `torch.randperm(n, generator=generator)`, where
#   `generator = torch.Generator().manual_seed(seed)` is created **once** before the first epoch;
# - walk through the shuffled examples in batches of `batch_size` (the last batch may be
#   smaller — keep it), and for each batch take one step $w \leftarrow w - \eta\,\nabla_w
#   \frac{1}{|B|}\sum_{i\in B}(x_i^\top w - y_i)^2$ (compute the gradient by hand or with autograd);
# - return `(w, losses)`: the final weights (a 1-D tensor) and the list of batch losses, one
#   float per iteration, each computed before its step.

# %% [raw]
# # BEGIN SOLUTION

# %%
def minibatch_gd(features, targets, lr, batch_size, epochs, seed=0):
    """Mini-batch gradient descent on mean squared error for y = X w; returns (w, batch losses)."""
    # BEGIN SOLUTION
    n, d = features.shape
    weights = torch.zeros(d)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            residual = features[batch] @ weights - targets[batch]
            losses.append((residual**2).mean().item())
            gradient = 2 * features[batch].T @ residual / len(batch)
            weights = weights - lr * gradient
    return weights, losses
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_one_loss_per_iteration(minibatch_gd):
    import torch
    generator = torch.Generator().manual_seed(50)
    features = torch.randn(100, 3, generator=generator)
    targets = features @ torch.tensor([1.0, -2.0, 0.5])
    result = minibatch_gd(features, targets, lr=0.05, batch_size=32, epochs=3)
    assert isinstance(result, tuple) and len(result) == 2, "minibatch_gd must return a pair (w, losses)."
    _, losses = result
    assert len(losses) == 3 * 4, (
        "100 examples in batches of 32 make 4 iterations per epoch (32, 32, 32, 4), so 3 epochs record 12 losses; "
        f"you recorded {len(losses)}. Keep the last, smaller batch."
    )

# %%
def test_each_loss_is_taken_before_its_step(minibatch_gd):
    import torch
    generator = torch.Generator().manual_seed(53)
    features = torch.randn(30, 2, generator=generator)
    targets = features @ torch.tensor([1.0, 2.0])
    result = minibatch_gd(features, targets, lr=0.1, batch_size=30, epochs=2)
    assert isinstance(result, tuple) and len(result) == 2, "minibatch_gd must return a pair (w, losses)."
    _, losses = result
    expected = (targets**2).mean().item()
    assert len(losses) == 2 and abs(float(losses[0]) - expected) < 1e-5, (
        f"with w = 0 the first batch loss is the mean of y^2 = {expected:.6g}; your first loss is "
        f"{float(losses[0]) if losses else None}. Record each batch loss before its step."
    )

# %%
def test_full_batch_matches_gradient_descent(minibatch_gd):
    import torch
    generator = torch.Generator().manual_seed(51)
    features = torch.randn(40, 2, generator=generator)
    targets = features @ torch.tensor([3.0, -1.0]) + 0.1 * torch.randn(40, generator=generator)
    weights = torch.zeros(2)
    for _ in range(5):
        weights = weights - 0.1 * 2 * features.T @ (features @ weights - targets) / 40
    got, _ = minibatch_gd(features, targets, lr=0.1, batch_size=40, epochs=5)
    assert torch.allclose(got, weights, atol=1e-5), (
        f"with batch_size = n every step is a full gradient-descent step; after 5 steps expected "
        f"{[round(x, 4) for x in weights.tolist()]}, got {[round(x, 4) for x in got.tolist()]}. "
        "The gradient of the mean squared error is 2 X^T (X w - y) / |B|."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_converges_to_least_squares(minibatch_gd):
    """60 epochs of batches of 10 reach the least-squares solution of noiseless data"""
    import torch
    generator = torch.Generator().manual_seed(52)
    features = torch.randn(64, 3, generator=generator)
    targets = features @ torch.tensor([0.5, 2.0, -1.0])
    got, losses = minibatch_gd(features, targets, lr=0.1, batch_size=10, epochs=60, seed=3)
    solution = torch.linalg.lstsq(features, targets.unsqueeze(1)).solution.squeeze(1)
    assert torch.allclose(got, solution, atol=1e-3), (
        f"expected the least-squares solution {[round(x, 4) for x in solution.tolist()]}, got {[round(x, 4) for x in got.tolist()]}."
    )
    assert losses[-1] < 1e-5, f"noiseless data: the final batch loss should be near 0, got {losses[-1]:.3g}."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5 — diagnose the learning rate
#
# The cell below runs gradient descent on the same problem with three learning rates and
# plots the loss. The curves are labelled A, B and C in an order unrelated to the rates.

# %%
generator = torch.Generator().manual_seed(5)
demo_features = torch.randn(200, 2, generator=generator) * torch.tensor([1.0, 0.3])
demo_targets = demo_features @ torch.tensor([2.0, -3.0])
curves = {}
for label, rate in [("A", 1.2), ("B", 0.5), ("C", 0.02)]:
    weights, history = torch.zeros(2), []
    for _ in range(40):
        residual = demo_features @ weights - demo_targets
        history.append((residual**2).mean().item())
        weights = weights - rate * 2 * demo_features.T @ residual / 200
    curves[label] = history
figure, axis = plt.subplots(figsize=(5.5, 3.5))
for label in ("C", "A", "B"):
    axis.semilogy(curves[label], label=f"curve {label}")
axis.set(title="Training loss for three learning rates", xlabel="iteration (step)",
         ylabel="mean squared error (log scale)")
axis.legend()
plt.show()

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 3

# %% [markdown]
# Set `q5_answer` to a dict mapping each curve (`"A"`, `"B"`, `"C"`) to `"too high"`,
# `"too low"` or `"good"`.

# %% [raw]
# # BEGIN SOLUTION

# %%
q5_answer = {"A": "too high", "B": "good", "C": "too low"}  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_q5_shape(q5_answer):
    assert isinstance(q5_answer, dict) and set(q5_answer) == {"A", "B", "C"}, (
        f"q5_answer must be a dict with the keys 'A', 'B', 'C'; you set it to {q5_answer!r}."
    )
    assert sorted(q5_answer.values()) == ["good", "too high", "too low"], "use each of 'too high', 'too low', 'good' once."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_curve_a(q5_answer):
    """curve A"""
    assert isinstance(q5_answer, dict) and q5_answer.get("A") == "too high", (
        "A rises: each step overshoots the minimum by more than it started from, so its learning rate is too high."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_curve_b(q5_answer):
    """curve B"""
    assert isinstance(q5_answer, dict) and q5_answer.get("B") == "good", "B drops fast and settles: a good learning rate."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q5_curve_c(q5_answer):
    """curve C"""
    assert isinstance(q5_answer, dict) and q5_answer.get("C") == "too low", "C creeps down slowly: its learning rate is too low."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ---
# You are done. Save the notebook and submit the `.ipynb` file as your instructor asked.
