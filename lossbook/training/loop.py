r"""Gradient descent over batches: full-batch, stochastic and mini-batch, with histories.

One loop, :func:`fit`, covers the three variants of gradient descent; they differ only
in how many samples each update sees:

* **full-batch** (``batch_size=None``): every update uses all :math:`N` samples,
  :math:`w \leftarrow w - \eta \frac{1}{N}\sum_{i=1}^{N} \nabla_w L_i`;
* **stochastic** (``batch_size=1``): every update uses one sample, :math:`N` updates per epoch;
* **mini-batch** (``batch_size=B``): every update uses :math:`B` samples,
  :math:`\lceil N / B \rceil` updates per epoch (the last batch holds the remainder
  unless ``drop_last=True``).

The samples of an epoch are visited in the order of ``torch.randperm(N, generator)``,
the order a ``DataLoader(..., sampler=RandomSampler(dataset, generator=...))`` uses
in its first epoch, so batches and counts here can be checked against a real ``DataLoader``.

Also here: the epoch/iteration arithmetic (:func:`iterations_per_epoch`,
:func:`total_iterations`, :func:`last_batch_size`). What a run tells about itself (the
spread of mini-batch gradients, the learning-rate range test) is in
:mod:`lossbook.training.diagnostics`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from lossbook._validate import check_bool, check_int, check_real, check_tensor
from lossbook.report import progress_bar

__all__ = [
    "iterations_per_epoch",
    "total_iterations",
    "last_batch_size",
    "epoch_batches",
    "History",
    "fit",
    "full_batch_gd",
    "stochastic_gd",
    "minibatch_gd",
]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


# --- epochs and iterations ---------------------------------------------------------------


def iterations_per_epoch(n: int, batch_size: int, drop_last: bool = False) -> int:
    r"""Updates in one pass over ``n`` samples: :math:`\lceil n/B \rceil`, or :math:`\lfloor n/B \rfloor` with ``drop_last``.

    Equals ``len(DataLoader(dataset_of_n, batch_size=batch_size, drop_last=drop_last))``.

    Example (the seed's numbers):
        >>> iterations_per_epoch(1_000, 100), iterations_per_epoch(50_000, 128), iterations_per_epoch(50_000, 128, drop_last=True)
        (10, 391, 390)
    """
    n = check_int("n", n, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_bool("drop_last", drop_last)
    return n // batch_size if drop_last else -(-n // batch_size)


def total_iterations(n: int, batch_size: int, epochs: int, drop_last: bool = False) -> int:
    """Parameter updates in ``epochs`` passes: ``epochs * iterations_per_epoch(...)``.

    Example:
        >>> total_iterations(50_000, 128, 100), total_iterations(50_000, 128, 100, drop_last=True)
        (39100, 39000)
    """
    epochs = check_int("epochs", epochs, minimum=0)
    return epochs * iterations_per_epoch(n, batch_size, drop_last)


def last_batch_size(n: int, batch_size: int, drop_last: bool = False) -> int:
    """Samples in the last batch of an epoch (0 when ``drop_last`` leaves no batch at all).

    Example:
        >>> last_batch_size(50_000, 128), last_batch_size(50_000, 128, drop_last=True), last_batch_size(1_000, 100)
        (80, 128, 100)
    """
    iterations = iterations_per_epoch(n, batch_size, drop_last)
    if iterations == 0:
        return 0
    remainder = n % batch_size
    return remainder if (remainder and not drop_last) else batch_size


def epoch_batches(
    n: int, batch_size: int | None, *, drop_last: bool = False, shuffle: bool = True,
    generator: torch.Generator | None = None,
) -> list[torch.Tensor]:
    """The sample indices of each batch of one epoch.

    ``batch_size=None`` is one batch of all ``n`` samples. With ``shuffle`` the order is
    ``torch.randperm(n, generator=generator)``: the first epoch of
    ``DataLoader(dataset, batch_size, sampler=RandomSampler(dataset, generator=generator))``
    has exactly these batches (the sampler draws a second, unused permutation per
    epoch, so later epochs differ).

    Example:
        >>> [batch.tolist() for batch in epoch_batches(5, 2, shuffle=False)]
        [[0, 1], [2, 3], [4]]
    """
    n = check_int("n", n, minimum=1)
    batch_size = n if batch_size is None else check_int("batch_size", batch_size, minimum=1)
    order = torch.randperm(n, generator=generator) if check_bool("shuffle", shuffle) else torch.arange(n)
    batches = list(order.split(batch_size))
    if drop_last and len(batches[-1]) < batch_size:
        batches.pop()
    return batches


# --- training ------------------------------------------------------------------------------


@dataclass
class History:
    """What :func:`fit` recorded.

    Attributes:
        batch_size: the requested samples per batch (``N`` for full-batch GD).
        iterations_per_epoch: updates in one epoch.
        step_loss: the mini-batch loss each update was computed from (one per update).
        step_lr: the learning rate each update used (one per update).
        step_batch_size: the number of samples in each update's batch.
        epoch_loss: the loss on the whole training set: before training, then after
            each epoch (``epochs + 1`` values; fewer when training diverged, since only
            finite values are kept; none with ``track_epoch_loss=False``).
        epoch_seconds: wall time of each epoch's updates (without the whole-set loss and
            ``evaluate``).
        epoch_metrics: what ``evaluate(model)`` returned, before training and after each epoch.
        parameters: with ``record_parameters``, the flattened parameters before training
            and after every update (``updates + 1`` rows); else ``None``.
        diverged: the loss became non-finite and training stopped early.
    """

    batch_size: int
    iterations_per_epoch: int
    step_loss: list[float] = field(default_factory=list)
    step_lr: list[float] = field(default_factory=list)
    step_batch_size: list[int] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    epoch_metrics: list[dict] = field(default_factory=list)
    parameters: torch.Tensor | None = None
    diverged: bool = False

    @property
    def updates(self) -> int:
        """Parameter updates made."""
        return len(self.step_loss)

    def mean_step_loss_per_epoch(self) -> list[float]:
        """The mean of the mini-batch losses of each completed epoch (what a training log prints)."""
        per_epoch = self.iterations_per_epoch
        complete = len(self.step_loss) // per_epoch
        return [sum(self.step_loss[e * per_epoch:(e + 1) * per_epoch]) / per_epoch for e in range(complete)]


def _flat_parameters(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()


@torch.no_grad()
def _full_loss(model: nn.Module, loss_fn: LossFn, inputs: torch.Tensor, targets: torch.Tensor) -> float:
    was_training = model.training
    model.eval()
    value = loss_fn(model(inputs), targets).item()
    model.train(was_training)
    return value


def fit(
    model: nn.Module,
    loss_fn: LossFn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    batch_size: int | None,
    epochs: int,
    lr: float | None = None,
    optimizer: Callable[..., torch.optim.Optimizer] | None = None,
    scheduler: Callable[[torch.optim.Optimizer], torch.optim.lr_scheduler.LRScheduler] | None = None,
    drop_last: bool = False,
    shuffle: bool = True,
    seed: int = 0,
    generator: torch.Generator | None = None,
    evaluate: Callable[[nn.Module], dict] | None = None,
    track_epoch_loss: bool = True,
    record_parameters: bool = False,
    progress: bool = True,
    description: str | None = None,
) -> History:
    """Train ``model`` in place by (mini-batch) gradient descent and record what happened.

    Each update: take the next batch of samples, compute ``loss_fn(model(x), y)`` (a
    *mean* over the batch, so every variant has the same scale), backpropagate, take
    an optimizer step, then step the scheduler (once per update: schedules count updates).

    Args:
        model: the model, trained in place.
        loss_fn: ``loss_fn(prediction, target)`` returning a scalar mean loss.
        inputs, targets: the whole training set, first dimension :math:`N`.
        batch_size: ``None`` for full-batch GD, ``1`` for stochastic GD, ``B`` for mini-batch.
        epochs: passes over the data (``>= 1``).
        lr: learning rate of plain SGD (``torch.optim.SGD``). Give ``lr`` or ``optimizer``.
        optimizer: a factory ``optimizer(parameters) -> Optimizer`` (e.g.
            ``functools.partial(torch.optim.Adam, lr=1e-3)``) instead of plain SGD.
        scheduler: a factory ``scheduler(optimizer) -> LRScheduler``, stepped after every update.
        drop_last: skip the last batch of an epoch when it is smaller than ``batch_size``.
        shuffle: visit the samples in a fresh random order each epoch.
        seed: seeds the shuffling generator (the model's initialisation is the caller's).
        generator: the shuffling generator itself, instead of one seeded with ``seed``;
            pass it when the loss draws from the same generator (a random triplet miner in
            the metric-learning chapter), so one seed fixes batches and draws together.
        evaluate: ``evaluate(model) -> dict`` of numbers, called before training and
            after each epoch (e.g. test accuracy).
        track_epoch_loss: compute the loss on the whole training set before training and
            after each epoch (``History.epoch_loss``). Switch it off when that costs much,
            or when the loss draws random numbers (the whole-set pass would change them).
        record_parameters: store the flattened parameters after every update.
        progress: show a ``tqdm.auto`` bar over the epochs.
        description: the progress bar's label.

    Returns:
        A :class:`History`. Training stops early, with ``diverged=True``, when a
        batch loss is not finite (a learning rate that is far too high).

    Example:
        >>> model = nn.Linear(1, 1)
        >>> x = torch.linspace(-1, 1, 10).unsqueeze(1)
        >>> history = fit(model, nn.functional.mse_loss, x, 2 * x, batch_size=4, epochs=3, lr=0.1, progress=False)
        >>> history.iterations_per_epoch, history.updates, len(history.epoch_loss), history.step_batch_size[:3]
        (3, 9, 4, [4, 4, 2])
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    check_tensor("inputs", inputs)
    check_tensor("targets", targets)
    if inputs.ndim == 0 or targets.ndim == 0 or len(inputs) != len(targets):
        raise ValueError(
            "inputs and targets must have the same number of samples (first dimension): "
            f"got inputs {tuple(inputs.shape)} and targets {tuple(targets.shape)}"
        )
    n = check_int("number of samples", len(inputs), minimum=1)
    if batch_size is not None:
        check_int("batch_size", batch_size, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    check_bool("drop_last", drop_last)
    check_bool("track_epoch_loss", track_epoch_loss)
    seed = check_int("seed", seed, minimum=0)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    if (lr is None) == (optimizer is None):
        raise ValueError("give exactly one of lr (plain SGD) or optimizer (a factory), got "
                         f"lr={lr!r} and optimizer={optimizer!r}")
    if lr is not None:
        lr = check_real("lr", lr, minimum=0.0, inclusive=False)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    else:
        opt = optimizer(model.parameters())
    sched = scheduler(opt) if scheduler is not None else None
    effective_batch = n if batch_size is None else batch_size
    per_epoch = iterations_per_epoch(n, effective_batch, drop_last)
    if per_epoch == 0:
        raise ValueError(f"drop_last=True with batch_size {batch_size} > {n} samples leaves no batch to train on")

    if generator is None:
        generator = torch.Generator().manual_seed(seed)
    history = History(batch_size=effective_batch, iterations_per_epoch=per_epoch)
    if track_epoch_loss:
        history.epoch_loss.append(_full_loss(model, loss_fn, inputs, targets))
    if evaluate is not None:
        history.epoch_metrics.append(dict(evaluate(model)))
    snapshots = [_flat_parameters(model)] if record_parameters else None

    model.train()
    bar = progress_bar(range(epochs), desc=description, disable=not progress, leave=True)
    for _ in bar:
        start = time.perf_counter()
        for index in epoch_batches(n, effective_batch, drop_last=drop_last, shuffle=shuffle, generator=generator):
            index = index.to(inputs.device)
            loss = loss_fn(model(inputs[index]), targets[index])
            if not torch.isfinite(loss):
                history.diverged = True
                break
            history.step_lr.append(opt.param_groups[0]["lr"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            history.step_loss.append(loss.item())
            history.step_batch_size.append(len(index))
            if snapshots is not None:
                snapshots.append(_flat_parameters(model))
        history.epoch_seconds.append(time.perf_counter() - start)
        if history.diverged:
            break
        if track_epoch_loss:
            epoch_loss = _full_loss(model, loss_fn, inputs, targets)
            if not math.isfinite(epoch_loss):
                history.diverged = True
                break
            history.epoch_loss.append(epoch_loss)
        if evaluate is not None:
            history.epoch_metrics.append(dict(evaluate(model)))
        shown = history.epoch_loss[-1] if track_epoch_loss else history.mean_step_loss_per_epoch()[-1]
        bar.set_postfix(loss=f"{shown:.4g}")
    bar.close()
    if snapshots is not None:
        history.parameters = torch.stack(snapshots)
    return history


def full_batch_gd(model, loss_fn, inputs, targets, **kwargs) -> History:
    """:func:`fit` with ``batch_size=None``: one update per epoch from all samples."""
    return fit(model, loss_fn, inputs, targets, batch_size=None, **kwargs)


def stochastic_gd(model, loss_fn, inputs, targets, **kwargs) -> History:
    """:func:`fit` with ``batch_size=1``: :math:`N` updates per epoch, one sample each."""
    return fit(model, loss_fn, inputs, targets, batch_size=1, **kwargs)


def minibatch_gd(model, loss_fn, inputs, targets, *, batch_size: int, **kwargs) -> History:
    """:func:`fit` with a mini-batch of ``batch_size`` samples per update."""
    return fit(model, loss_fn, inputs, targets, batch_size=batch_size, **kwargs)
