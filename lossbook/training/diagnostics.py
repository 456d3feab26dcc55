r"""What a training run tells about itself: gradient noise and the learning-rate range test.

* :func:`per_example_gradients`, :func:`minibatch_gradient_variance` and
  :func:`expected_minibatch_gradient_variance` — the spread of mini-batch gradients around
  the full gradient (the gradient-descent chapter);
* :func:`lr_range_test` — Smith's learning-rate range test (the learning-rate chapter).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from lossbook._validate import check_floating, check_int, check_nonempty, check_real, check_tensor
from lossbook.report import progress_bar

from lossbook.training.loop import LossFn, epoch_batches

__all__ = [
    "per_example_gradients",
    "minibatch_gradient_variance",
    "expected_minibatch_gradient_variance",
    "RangeTest",
    "lr_range_test",
]


# --- gradient noise ------------------------------------------------------------------------


def per_example_gradients(
    model: nn.Module, loss_fn: LossFn, inputs: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    r"""The gradient of each sample's loss, flattened: an :math:`(N, P)` matrix, row :math:`i` is :math:`\nabla_w L_i`.

    Computed in one pass with :func:`torch.func.vmap` over :func:`torch.func.grad`;
    ``loss_fn`` is applied to one sample at a time (with a batch dimension of 1), so
    the mean of the rows is the full-batch gradient of a mean loss.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_tensor("inputs", inputs)
    check_tensor("targets", targets)
    if len(inputs) != len(targets):
        raise ValueError(f"targets must have as many samples as inputs: expected {len(inputs)}, got {len(targets)}")
    names = [name for name, _ in model.named_parameters()]
    params = {name: p.detach() for name, p in model.named_parameters()}
    buffers = {name: b.detach() for name, b in model.named_buffers()}

    def sample_loss(parameters, x, y):
        prediction = torch.func.functional_call(model, (parameters, buffers), (x.unsqueeze(0),))
        return loss_fn(prediction, y.unsqueeze(0))

    grads = torch.func.vmap(torch.func.grad(sample_loss), in_dims=(None, 0, 0))(params, inputs, targets)
    return torch.cat([grads[name].reshape(len(inputs), -1) for name in names], dim=1)


def _check_gradient_batch(sample_gradients: object, batch_size: object) -> tuple[int, int]:
    """Validate an (N, P) matrix of per-sample gradients and a batch size 1..N; return (N, B)."""
    check_floating("sample_gradients", sample_gradients)
    if sample_gradients.ndim != 2:
        raise ValueError(f"sample_gradients must be a 2-D (N, P) matrix, got shape {tuple(sample_gradients.shape)}")
    check_nonempty("sample_gradients", sample_gradients)
    n = len(sample_gradients)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size > n:
        raise ValueError(f"batch_size must be <= the number of samples ({n}), got {batch_size}")
    return n, batch_size


def minibatch_gradient_variance(
    sample_gradients: torch.Tensor, batch_size: int, *, draws: int = 1000, seed: int = 0
) -> float:
    r"""Measured :math:`\mathbb{E}\,\lVert g_B - g \rVert^2`: how far a mini-batch gradient lands from the full one.

    :math:`g_B` is the mean of ``batch_size`` rows of ``sample_gradients`` drawn
    without replacement (one batch of a shuffled epoch) and :math:`g` the mean of all
    rows; the expectation is estimated from ``draws`` random batches.
    """
    n, batch_size = _check_gradient_batch(sample_gradients, batch_size)
    draws = check_int("draws", draws, minimum=1)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    centred = sample_gradients - sample_gradients.mean(dim=0)
    # argsort of uniform noise gives `draws` independent permutations at once; keep the first B of each.
    index = torch.rand(draws, n, generator=generator).argsort(dim=1)[:, :batch_size]
    # Gather in chunks of about 2**24 numbers so large models and batches do not exhaust memory.
    chunk = max(1, 2**24 // (batch_size * centred.shape[1]))
    total = 0.0
    for rows in index.split(chunk):
        total += centred[rows].mean(dim=1).square().sum().item()
    return total / draws


def expected_minibatch_gradient_variance(sample_gradients: torch.Tensor, batch_size: int) -> float:
    r"""The exact :math:`\mathbb{E}\,\lVert g_B - g \rVert^2` for batches drawn without replacement.

    .. math::

        \mathbb{E}\,\lVert g_B - g \rVert^2 = \frac{\sigma^2}{B}\cdot\frac{N - B}{N - 1},
        \qquad \sigma^2 = \frac1N \sum_{i=1}^{N} \lVert \nabla_w L_i - g \rVert^2

    The :math:`1/B` law, times the finite-population correction that makes the
    full batch (:math:`B = N`) noiseless.
    """
    n, batch_size = _check_gradient_batch(sample_gradients, batch_size)
    if n == 1:
        return 0.0
    sigma2 = (sample_gradients - sample_gradients.mean(dim=0)).square().sum(dim=1).mean().item()
    return sigma2 / batch_size * (n - batch_size) / (n - 1)


# --- learning-rate range test ------------------------------------------------------------


@dataclass
class RangeTest:
    """The result of :func:`lr_range_test`: the rate and the batch loss at each step."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    stopped_early: bool

    def min_loss_lr(self) -> float:
        """The rate at which the smoothed loss was lowest."""
        if not self.smoothed:
            raise ValueError("the range test recorded no step")
        return self.lrs[min(range(len(self.smoothed)), key=self.smoothed.__getitem__)]

    def suggested_lr(self, divisor: float = 10.0) -> float:
        """A rule of thumb: the rate of the lowest smoothed loss divided by ``divisor``.

        At the minimum the loss is about to blow up; a rate one order of magnitude
        lower still learns fast but with room to spare (the heuristic of fast.ai's
        learning-rate finder). A starting point to check, not a guarantee.
        """
        divisor = check_real("divisor", divisor, minimum=1.0)
        return self.min_loss_lr() / divisor


def lr_range_test(
    model: nn.Module,
    loss_fn: LossFn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    batch_size: int,
    min_lr: float = 1e-5,
    max_lr: float = 10.0,
    steps: int = 100,
    mode: str = "exponential",
    optimizer: Callable[..., torch.optim.Optimizer] | None = None,
    smoothing: float = 0.9,
    stop_factor: float = 4.0,
    seed: int = 0,
    progress: bool = False,
) -> RangeTest:
    r"""Raise the learning rate step by step during a short run and record the loss (Smith, 2017).

    Step :math:`k` of :math:`K` uses
    :math:`\eta_k = \eta_{\min} (\eta_{\max}/\eta_{\min})^{k/(K-1)}` (``"exponential"``,
    the fast.ai variant) or :math:`\eta_{\min} + (\eta_{\max} - \eta_{\min}) \frac{k}{K-1}`
    (``"linear"``, Smith's original). The loss first barely moves (rate too low), then
    falls (good rates), then blows up (too high); the test stops once the smoothed
    loss exceeds ``stop_factor`` times its best value. The model is restored to its
    initial weights afterwards.

    Args:
        model: the model to probe (left unchanged).
        loss_fn, inputs, targets: as in :func:`fit`.
        batch_size: samples per step; batches cycle through shuffled epochs.
        min_lr, max_lr: the range, ``0 < min_lr < max_lr``.
        steps: number of steps :math:`K \ge 2`.
        mode: ``"exponential"`` or ``"linear"``.
        optimizer: optimizer factory (default: plain SGD); its ``lr`` is overwritten each step.
        smoothing: exponential moving-average factor for the reported smoothed loss, in ``[0, 1)``.
        stop_factor: stop when the smoothed loss exceeds this multiple of its minimum (``> 1``).
        seed: seeds the batch order.
        progress: show a progress bar.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    min_lr = check_real("min_lr", min_lr, minimum=0.0, inclusive=False)
    max_lr = check_real("max_lr", max_lr, minimum=0.0, inclusive=False)
    if max_lr <= min_lr:
        raise ValueError(f"max_lr must be > min_lr ({min_lr:g}), got {max_lr:g}")
    steps = check_int("steps", steps, minimum=2)
    if mode not in ("exponential", "linear"):
        raise ValueError(f"mode must be one of ('exponential', 'linear'), got {mode!r}")
    smoothing = check_real("smoothing", smoothing, minimum=0.0, maximum=1.0, inclusive=(True, False))
    stop_factor = check_real("stop_factor", stop_factor, minimum=1.0, inclusive=False)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    n = len(inputs)

    if mode == "exponential":
        schedule = [min_lr * (max_lr / min_lr) ** (k / (steps - 1)) for k in range(steps)]
    else:
        schedule = [min_lr + (max_lr - min_lr) * k / (steps - 1) for k in range(steps)]
    initial_state = copy.deepcopy(model.state_dict())
    opt = (optimizer or torch.optim.SGD)(model.parameters(), lr=min_lr)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    batches: list[torch.Tensor] = []
    result = RangeTest(lrs=[], losses=[], smoothed=[], stopped_early=False)
    average, best = 0.0, math.inf
    model.train()
    for k, lr in enumerate(progress_bar(schedule, desc="LR range test", disable=not progress)):
        if not batches:
            batches = epoch_batches(n, min(batch_size, n), generator=generator)
        index = batches.pop(0)
        for group in opt.param_groups:
            group["lr"] = lr
        loss = loss_fn(model(inputs[index]), targets[index])
        if not torch.isfinite(loss):
            result.stopped_early = True
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        # Bias-corrected moving average (as in Adam) so the first values are not pulled towards 0.
        average = smoothing * average + (1 - smoothing) * loss.item()
        smoothed = average / (1 - smoothing ** (k + 1))
        result.lrs.append(lr)
        result.losses.append(loss.item())
        result.smoothed.append(smoothed)
        best = min(best, smoothed)
        if smoothed > stop_factor * best:
            result.stopped_early = True
            break
    model.load_state_dict(initial_state)
    return result
