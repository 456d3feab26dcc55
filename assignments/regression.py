# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [raw]
# # ASSIGNMENT CONFIG
# name: regression
# export_cell: false
# check_all_cell: true
# show_question_points: true
# tests:
#   ok_format: false
# generate:
#   show_stdout: false
#   show_hidden: false

# %% [markdown]
# # Assignment 1 — Regression losses
#
# You will write MSE, RMSE and Huber from their formulas, derive a gradient by hand, and
# reason about which loss to use when the data has outliers. The book chapter *Regression losses*
# covers everything you need.
#
# **Rules.** Use plain PyTorch tensor operations (`+`, `*`, `.sum()`, `.mean()`,
# `torch.where`, `torch.sqrt`, …). Do **not** call `torch.nn.functional` losses inside your
# answers — the tests compare your code *against* them. Run the `grader.check(...)` cell
# after each question: it runs the public tests and tells you what is wrong. Hidden tests
# run when your work is graded.

# %%
import torch
import torch.nn.functional as F

torch.manual_seed(0)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 4

# %% [markdown]
# ## Question 1 — mean squared error
#
# Write `mse(prediction, target, reduction="mean")` for tensors of any (equal) shape:
#
# $$\ell_i = (\hat y_i - y_i)^2, \qquad
# \text{mean: } \frac{1}{n}\sum_i \ell_i, \quad \text{sum: } \sum_i \ell_i, \quad
# \text{none: the tensor } \ell.$$
#
# Any other `reduction` must raise a `ValueError` whose message names the argument
# `reduction` and the allowed values.

# %% [raw]
# # BEGIN SOLUTION

# %%
def mse(prediction, target, reduction="mean"):
    """Mean squared error with torch's reductions: "mean", "sum" or "none"."""
    # BEGIN SOLUTION
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    squared_error = (prediction - target) ** 2
    if reduction == "mean":
        return squared_error.mean()
    if reduction == "sum":
        return squared_error.sum()
    return squared_error
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_mse_mean(mse):
    import torch
    import torch.nn.functional as F
    prediction = torch.tensor([11.0, 9.0, 10.0, 50.0])
    target = torch.tensor([10.0, 10.0, 10.0, 100.0])
    got = mse(prediction, target)
    assert isinstance(got, torch.Tensor), f"mse must return a tensor, not a {type(got).__name__}."
    assert got.shape == (), f"reduction='mean' returns a scalar (shape ()), not shape {tuple(got.shape)}."
    assert torch.isclose(got, torch.tensor(625.5)), (
        "reduction='mean' (the default): the squared errors are 1, 1, 0, 2500, so the answer is "
        f"625.5, but you returned {got.item():.6g}."
    )
    generator = torch.Generator().manual_seed(1)
    prediction, target = torch.randn(2, 3, 5, generator=generator)
    expected = F.mse_loss(prediction, target)
    got = mse(prediction, target, reduction="mean")
    assert torch.allclose(got, expected, atol=1e-6), (
        f"reduction='mean' on a (3, 5) input: F.mse_loss gives {expected.item():.6g}, you returned {got.item():.6g}."
    )

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_mse_sum(mse):
    import torch
    import torch.nn.functional as F
    prediction = torch.tensor([11.0, 9.0, 10.0, 50.0])
    target = torch.tensor([10.0, 10.0, 10.0, 100.0])
    got = mse(prediction, target, reduction="sum")
    assert isinstance(got, torch.Tensor), f"mse must return a tensor, not a {type(got).__name__}."
    assert got.shape == (), f"reduction='sum' returns a scalar (shape ()), not shape {tuple(got.shape)}."
    assert torch.isclose(got, torch.tensor(2502.0)), (
        "reduction='sum': the squared errors are 1, 1, 0, 2500, so the answer is 2502.0, "
        f"but you returned {got.item():.6g}."
    )
    generator = torch.Generator().manual_seed(1)
    prediction, target = torch.randn(2, 3, 5, generator=generator)
    expected = F.mse_loss(prediction, target, reduction="sum")
    got = mse(prediction, target, reduction="sum")
    assert torch.allclose(got, expected, atol=1e-5), (
        f"reduction='sum' on a (3, 5) input: F.mse_loss gives {expected.item():.6g}, you returned {got.item():.6g}."
    )

# %%
""" # BEGIN TEST CONFIG
points: 0.5
""" # END TEST CONFIG
def test_mse_none(mse):
    import torch
    import torch.nn.functional as F
    generator = torch.Generator().manual_seed(1)
    prediction, target = torch.randn(2, 3, 5, generator=generator)
    expected = F.mse_loss(prediction, target, reduction="none")
    got = mse(prediction, target, reduction="none")
    assert isinstance(got, torch.Tensor), f"mse must return a tensor, not a {type(got).__name__}."
    assert got.shape == expected.shape, (
        f"reduction='none' returns one squared error per element: expected shape (3, 5), got {tuple(got.shape)}."
    )
    assert torch.allclose(got, expected, atol=1e-6), "reduction='none': the squared errors differ from F.mse_loss's."

# %%
""" # BEGIN TEST CONFIG
points: 0.5
""" # END TEST CONFIG
def test_mse_rejects_unknown_reduction(mse):
    import torch
    try:
        mse(torch.zeros(2), torch.zeros(2), reduction="average")
    except ValueError as error:
        message = str(error)
        assert "reduction" in message and all(name in message for name in ("mean", "sum", "none")), (
            f"the ValueError should name the argument reduction and the allowed values mean, sum and none. It says: {message}"
        )
    else:
        raise AssertionError("mse(..., reduction='average') should raise a ValueError, but it returned a value.")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0.5
""" # END TEST CONFIG
def test_mse_gradient_matches_torch(mse):
    """the gradient of the mean reduction equals F.mse_loss's"""
    import torch
    import torch.nn.functional as F
    generator = torch.Generator().manual_seed(2)
    prediction = torch.randn(7, generator=generator, requires_grad=True)
    target = torch.randn(7, generator=generator)
    mse(prediction, target).backward()
    mine = prediction.grad.clone()
    prediction.grad = None
    F.mse_loss(prediction, target).backward()
    assert torch.allclose(mine, prediction.grad, atol=1e-6), (
        f"the gradient of your mean MSE differs from F.mse_loss's: {[round(x, 4) for x in mine.tolist()]} "
        f"vs {[round(x, 4) for x in prediction.grad.tolist()]}."
    )

# %%
""" # BEGIN TEST CONFIG
points: 0.5
""" # END TEST CONFIG
def test_mse_is_written_from_the_formula(mse):
    import types
    def names(code):
        found = set(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                found |= names(constant)
        return found
    used = sorted(names(mse.__code__) & {"mse_loss", "MSELoss"})
    assert not used, f"write mse from its formula: it calls {', '.join(used)}, the built-in the tests compare against."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 2

# %% [markdown]
# ## Question 2 — RMSE, written correctly
#
# One of the source articles writes RMSE as $\frac{1}{n}\sqrt{\sum_i(\hat y_i-y_i)^2}$. That
# is wrong: RMSE is the square root of the **mean** squared error,
#
# $$\mathrm{RMSE} = \sqrt{\frac{1}{n}\sum_i (\hat y_i - y_i)^2},$$
#
# so that it has the units of $y$. Write `rmse(prediction, target)` (a scalar tensor).

# %% [raw]
# # BEGIN SOLUTION

# %%
def rmse(prediction, target):
    """Root mean squared error: sqrt of the mean of the squared errors."""
    # BEGIN SOLUTION
    return torch.sqrt(((prediction - target) ** 2).mean())
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_rmse_constant_error(rmse):
    import torch
    got = rmse(torch.zeros(4), torch.full((4,), 2.0))
    assert isinstance(got, torch.Tensor), f"rmse must return a tensor, not a {type(got).__name__}."
    assert got.shape == (), f"rmse returns a scalar (shape ()), not shape {tuple(got.shape)}."
    assert torch.isclose(got, torch.tensor(2.0)), (
        "every prediction is off by exactly 2, so RMSE must be 2 (it has the units of y); "
        f"you returned {got.item():.6g}. Did you divide by n outside the square root?"
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_rmse_is_sqrt_of_torch_mse(rmse):
    """RMSE equals the square root of F.mse_loss on random data"""
    import torch
    import torch.nn.functional as F
    generator = torch.Generator().manual_seed(3)
    prediction, target = torch.randn(2, 50, generator=generator)
    expected = torch.sqrt(F.mse_loss(prediction, target))
    got = rmse(prediction, target)
    assert torch.isclose(got, expected, atol=1e-6), f"expected sqrt(F.mse_loss) = {expected.item():.6g}, got {got.item():.6g}."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [markdown]
# ## Question 3 — the gradient of MSE, by hand
#
# Without autograd, write `mse_gradient(prediction, target)` that returns
# $\partial\,\mathrm{MSE} / \partial \hat y$ for the **mean** reduction, a tensor with the
# shape of `prediction`. Derive it on paper first: what does each $\hat y_i$ contribute to
# $\frac{1}{n}\sum_i(\hat y_i-y_i)^2$?

# %% [raw]
# # BEGIN SOLUTION

# %%
def mse_gradient(prediction, target):
    """d MSE / d prediction for the mean reduction, computed in closed form."""
    # BEGIN SOLUTION
    return 2 * (prediction - target) / prediction.numel()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_gradient_matches_autograd(mse_gradient):
    import torch
    prediction = torch.tensor([3.0, -1.0, 0.5, 2.0], requires_grad=True)
    target = torch.tensor([1.0, 1.0, 1.0, 1.0])
    ((prediction - target) ** 2).mean().backward()
    got = mse_gradient(prediction.detach(), target)
    assert isinstance(got, torch.Tensor), f"mse_gradient must return a tensor, not a {type(got).__name__}."
    assert got.shape == prediction.shape and torch.allclose(got, prediction.grad), (
        f"autograd says {[round(x, 4) for x in prediction.grad.tolist()]}, you returned {[round(x, 4) for x in got.flatten().tolist()]}. "
        "Check the factor 2 from the square and the 1/n from the mean."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_gradient_for_a_matrix(mse_gradient):
    """the gradient of a (3, 4) input, where n is the number of elements, 12"""
    import torch
    generator = torch.Generator().manual_seed(4)
    prediction = torch.randn(3, 4, generator=generator, requires_grad=True)
    target = torch.randn(3, 4, generator=generator)
    ((prediction - target) ** 2).mean().backward()
    got = mse_gradient(prediction.detach(), target)
    assert got.shape == prediction.shape, f"expected shape (3, 4), got {tuple(got.shape)}."
    assert torch.allclose(got, prediction.grad, atol=1e-6), "for a (3, 4) input n is 12, the number of elements."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 3

# %% [markdown]
# ## Question 4 — Huber loss
#
# With $r = \hat y - y$, the Huber loss with threshold $\delta > 0$ is quadratic near zero
# and linear beyond $\delta$:
#
# $$\ell_\delta(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
# \delta\,(|r| - \tfrac12\delta) & |r| > \delta \end{cases}$$
#
# Write `huber(prediction, target, delta=1.0)` with the mean reduction. Careful: this is
# **not** Smooth L1 with $\beta=\delta$ — Smooth L1 divides the quadratic part by $\beta$
# instead of scaling the linear part by $\delta$. They agree only at $\delta = \beta = 1$.

# %% [raw]
# # BEGIN SOLUTION

# %%
def huber(prediction, target, delta=1.0):
    """Mean Huber loss with threshold delta."""
    # BEGIN SOLUTION
    absolute = (prediction - target).abs()
    quadratic = 0.5 * absolute**2
    linear = delta * (absolute - 0.5 * delta)
    return torch.where(absolute <= delta, quadratic, linear).mean()
    # END SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_huber_quadratic_region(huber):
    import torch
    import torch.nn.functional as F
    for delta in (0.5, 2.0):
        prediction = delta * torch.tensor([0.0, 0.3, -0.8, 1.0, -0.5])
        target = torch.zeros(5)
        expected = (0.5 * prediction**2).mean()
        got = huber(prediction, target, delta=delta)
        assert isinstance(got, torch.Tensor), f"huber must return a tensor, not a {type(got).__name__}."
        hint = ""
        if torch.isclose(got, F.smooth_l1_loss(prediction, target, beta=delta)):
            hint = " Your value equals Smooth L1 with beta=delta: inside delta Huber is r^2 / 2, not divided by delta."
        assert torch.isclose(got, expected, atol=1e-6), (
            f"delta={delta}, every |r| <= delta: Huber is the mean of r^2 / 2 = {expected.item():.6g}, "
            f"you returned {got.item():.6g}.{hint}"
        )

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_huber_linear_region(huber):
    import torch
    import torch.nn.functional as F
    for delta in (0.5, 2.0):
        prediction = delta * torch.tensor([1.5, -4.0, 10.0, -2.0])
        target = torch.zeros(4)
        expected = (delta * (prediction.abs() - 0.5 * delta)).mean()
        got = huber(prediction, target, delta=delta)
        assert isinstance(got, torch.Tensor), f"huber must return a tensor, not a {type(got).__name__}."
        hint = ""
        if torch.isclose(got, F.smooth_l1_loss(prediction, target, beta=delta)):
            hint = " Your value equals Smooth L1 with beta=delta: scale the linear part by delta."
        assert torch.isclose(got, expected, atol=1e-5), (
            f"delta={delta}, every |r| > delta: Huber is the mean of delta * (|r| - delta / 2) = "
            f"{expected.item():.6g}, you returned {got.item():.6g}.{hint}"
        )

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0.5
""" # END TEST CONFIG
def test_huber_gradient_is_clipped_error(huber):
    """the gradient is the error clipped to [-delta, delta], divided by n"""
    import torch
    prediction = torch.tensor([0.2, -0.4, 3.0, -5.0, 1.9], requires_grad=True)
    target = torch.zeros(5)
    delta = 2.0
    huber(prediction, target, delta=delta).backward()
    expected = prediction.detach().clamp(-delta, delta) / 5
    assert torch.allclose(prediction.grad, expected, atol=1e-6), (
        f"the gradient of mean Huber is clamp(r, -delta, delta) / n = {[round(x, 4) for x in expected.tolist()]}, "
        f"got {[round(x, 4) for x in prediction.grad.tolist()]}."
    )

# %%
""" # BEGIN TEST CONFIG
points: 0.5
""" # END TEST CONFIG
def test_huber_is_written_from_the_formula(huber):
    import types
    def names(code):
        found = set(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                found |= names(constant)
        return found
    used = sorted(names(huber.__code__) & {"huber_loss", "smooth_l1_loss", "HuberLoss", "SmoothL1Loss"})
    assert not used, f"write huber from its formula: it calls {', '.join(used)}, the built-in the tests compare against."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 2

# %% [markdown]
# ## Question 5 — the best constant prediction
#
# A model that can only predict one constant $c$ for every example is fitted to the targets
# `[1, 2, 3, 4, 100]`. Which $c$ minimises the **sum of squared errors**? Which minimises the
# **sum of absolute errors**? Work it out (a line of reasoning, not a search) and store the
# two numbers as Python floats. What does the answer say about MSE and outliers?

# %% [raw]
# # BEGIN SOLUTION

# %%
best_constant_mse = 22.0  # SOLUTION
best_constant_mae = 3.0  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_best_constant_mse_is_a_minimiser(best_constant_mse):
    targets = [1.0, 2.0, 3.0, 4.0, 100.0]
    def squared(c): return sum((c - y) ** 2 for y in targets)
    assert isinstance(best_constant_mse, (int, float)), (
        f"best_constant_mse must be a number, not a {type(best_constant_mse).__name__}."
    )
    assert squared(best_constant_mse) <= min(squared(best_constant_mse - 0.5), squared(best_constant_mse + 0.5)) + 1e-9, (
        f"best_constant_mse = {best_constant_mse} is not a minimiser: moving it by 0.5 lowers the total squared error."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_best_constant_mse_exact(best_constant_mse):
    """best_constant_mse is the exact minimiser"""
    assert abs(best_constant_mse - 22.0) < 1e-9, "the squared error is minimised by the mean, 22."

# %%
def test_best_constant_mae_is_a_minimiser(best_constant_mae):
    targets = [1.0, 2.0, 3.0, 4.0, 100.0]
    def absolute(c): return sum(abs(c - y) for y in targets)
    assert isinstance(best_constant_mae, (int, float)), (
        f"best_constant_mae must be a number, not a {type(best_constant_mae).__name__}."
    )
    assert absolute(best_constant_mae) <= min(absolute(best_constant_mae - 0.5), absolute(best_constant_mae + 0.5)) + 1e-9, (
        f"best_constant_mae = {best_constant_mae} is not a minimiser: moving it by 0.5 lowers the total absolute error."
    )

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_best_constant_mae_exact(best_constant_mae):
    """best_constant_mae is the exact minimiser"""
    assert abs(best_constant_mae - 3.0) < 1e-9, "the absolute error is minimised by the median, 3."

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 1

# %% [markdown]
# ## Question 6 — pick a loss
#
# You predict house prices. About 2 % of the training labels are typing errors that are
# off by a factor of ten. You want small and medium errors to behave like squared error (so
# the model is pushed harder the further off it is), without letting the typos dominate
# training. Which loss do you pick?
#
# - `"a"`: MSE
# - `"b"`: MAE
# - `"c"`: Huber, with $\delta$ about the size of a typical honest error
#
# Set `q6_answer` to `"a"`, `"b"` or `"c"`.

# %% [raw]
# # BEGIN SOLUTION

# %%
q6_answer = "c"  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 0
""" # END TEST CONFIG
def test_q6_is_a_choice(q6_answer):
    assert q6_answer in ("a", "b", "c"), f"q6_answer must be one of 'a', 'b', 'c'; you set it to {q6_answer!r}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q6_answer(q6_answer):
    """the choice itself"""
    assert q6_answer == "c", (
        "MSE lets a tenfold typo dominate (its gradient grows with the error); MAE treats every "
        "error alike, so small errors are not pushed harder. Huber is quadratic up to delta and "
        "linear beyond it, exactly the requirement."
    )

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q7
# manual: true
# points: 2

# %% [markdown]
# ## Question 7 — explain (graded by your instructor)
#
# In three or four sentences: why does the gradient of MSE let a single outlier dominate a
# mini-batch, and how does Huber's gradient (Question 4) change that? Refer to your answers
# to Questions 3 and 5.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# The MSE gradient for one example is $2(\hat y_i - y_i)/n$: it grows linearly with the
# error, so an example that is 100 off pushes 50 times harder than one that is 2 off, and
# the update mostly serves the outlier (Question 5: the MSE-optimal constant, 22, is pulled
# far from the bulk of the data). Huber's gradient is the error clipped to $[-\delta, \delta]$
# (divided by $n$): beyond $\delta$ every example pushes with the same force, so an outlier
# counts like any other large error and the fit follows the bulk, as MAE's median does.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [markdown]
# ---
# You are done. Save the notebook and submit the `.ipynb` file as your instructor asked.
