r"""Learning-rate schedules: step decay, cosine annealing, linear warmup + cosine or linear decay.

Each schedule comes twice:

* a **closed form**, ``*_lr(step, ...)``: the learning rate at a step (or epoch) as a
  plain function, easy to plot and to reason about;
* a **ready scheduler**, ``*_scheduler(optimizer, ...)``: the
  :mod:`torch.optim.lr_scheduler` object that produces the same numbers when you call
  ``scheduler.step()`` once per step.

"Step" means whatever unit you call ``scheduler.step()`` on: an epoch in the classic
recipes (``StepLR`` every 30 epochs), an iteration (one optimizer update) in
Transformer-style recipes. The tests check every closed form step by step against
``StepLR``, ``CosineAnnealingLR`` and ``SequentialLR(LinearLR, CosineAnnealingLR)``.

The fine-tuning schedule, :func:`linear_warmup_decay` (the BERT recipe, used by
:func:`lossbook.training.finetune.fine_tune`), is a factor rather than a rate and is
checked against ``transformers.get_linear_schedule_with_warmup``; its warmup deliberately
starts one step later than that reference (see its docstring).

Two deliberate differences from torch, both documented where they apply:

* after ``total_steps`` the closed-form cosine *stays* at ``min_lr``; torch's
  ``CosineAnnealingLR`` keeps following the cosine and climbs back up (it is periodic
  with period ``2 * T_max``), so never step it past ``T_max``;
* the warmup may start from a learning rate of exactly 0 (``start_factor=0``), as in
  most write-ups; torch's ``LinearLR`` refuses ``start_factor=0``, so
  :func:`warmup_cosine_scheduler` is a ``LambdaLR`` built from the closed form.
"""

from __future__ import annotations

import math

import torch
from torch.optim import Optimizer
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, StepLR

from lossbook._validate import check_int, check_real

__all__ = [
    "step_decay_lr",
    "cosine_lr",
    "warmup_cosine_lr",
    "linear_warmup_decay",
    "step_decay_scheduler",
    "cosine_scheduler",
    "warmup_cosine_scheduler",
    "linear_warmup_decay_scheduler",
    "schedule_values",
]


def _check_optimizer(optimizer: object) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    return optimizer


def _check_min_lr(min_lr: object, peak_lr: float, peak_name: str) -> float:
    min_lr = check_real("min_lr", min_lr, minimum=0.0)
    if min_lr > peak_lr:
        raise ValueError(f"min_lr must be <= {peak_name} ({peak_lr:g}), got {min_lr:g}")
    return min_lr


def _check_gamma(gamma: object) -> float:
    return check_real("gamma", gamma, minimum=0.0, maximum=1.0, inclusive=(False, True))


def step_decay_lr(step: int, *, base_lr: float, step_size: int, gamma: float = 0.1) -> float:
    r"""Step decay: multiply the learning rate by ``gamma`` every ``step_size`` steps.

    .. math:: \eta_t = \eta_0 \, \gamma^{\lfloor t / s \rfloor}

    Args:
        step: the step (or epoch) :math:`t \ge 0`.
        base_lr: the starting learning rate :math:`\eta_0 > 0`.
        step_size: :math:`s`, the number of steps between two decays, ``>= 1``.
        gamma: the decay factor, ``0 < gamma <= 1`` (default 0.1).

    Matches :class:`torch.optim.lr_scheduler.StepLR` (see :func:`step_decay_scheduler`).

    Example (halve every 30 epochs, the seed's example):
        >>> [step_decay_lr(epoch, base_lr=0.01, step_size=30, gamma=0.5) for epoch in (0, 29, 30, 60)]
        [0.01, 0.01, 0.005, 0.0025]
    """
    step = check_int("step", step, minimum=0)
    base_lr = check_real("base_lr", base_lr, minimum=0.0, inclusive=False)
    step_size = check_int("step_size", step_size, minimum=1)
    gamma = _check_gamma(gamma)
    return base_lr * gamma ** (step // step_size)


def cosine_lr(step: int, *, base_lr: float, total_steps: int, min_lr: float = 0.0) -> float:
    r"""Cosine annealing from ``base_lr`` at step 0 to ``min_lr`` at ``total_steps``.

    .. math::

        \eta_t = \eta_{\min} + \tfrac12 (\eta_{\max} - \eta_{\min})
                 \left(1 + \cos\frac{\pi \, \min(t, T)}{T}\right)

    After :math:`T` the rate stays at :math:`\eta_{\min}` (torch's
    ``CosineAnnealingLR`` climbs back up instead; see the module docstring).
    Loshchilov & Hutter (2017), *SGDR: Stochastic Gradient Descent with Warm Restarts*.

    Args:
        step: the step :math:`t \ge 0`.
        base_lr: :math:`\eta_{\max} > 0`, the rate at step 0.
        total_steps: :math:`T \ge 1`, the step at which the rate reaches ``min_lr``.
        min_lr: :math:`\eta_{\min}`, ``0 <= min_lr <= base_lr`` (default 0).

    Matches :class:`torch.optim.lr_scheduler.CosineAnnealingLR` for ``t <= T``.

    Example:
        >>> [round(cosine_lr(t, base_lr=1.0, total_steps=4), 4) for t in range(6)]
        [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """
    step = check_int("step", step, minimum=0)
    base_lr = check_real("base_lr", base_lr, minimum=0.0, inclusive=False)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    min_lr = _check_min_lr(min_lr, base_lr, "base_lr")
    progress = min(step, total_steps) / total_steps
    return min_lr + 0.5 * (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def warmup_cosine_lr(
    step: int,
    *,
    peak_lr: float,
    warmup_steps: int,
    total_steps: int,
    min_lr: float = 0.0,
    start_factor: float = 0.0,
) -> float:
    r"""Linear warmup to ``peak_lr``, then cosine decay to ``min_lr`` at ``total_steps``.

    With warmup length :math:`W`, total length :math:`T` and start factor :math:`s`:

    .. math::

        \eta_t = \begin{cases}
            \eta_{\text{peak}} \left(s + (1 - s)\,\dfrac{t}{W}\right) & t < W \\[1ex]
            \eta_{\min} + \tfrac12 (\eta_{\text{peak}} - \eta_{\min})
                \left(1 + \cos\dfrac{\pi\,\min(t - W,\; T - W)}{T - W}\right) & t \ge W
        \end{cases}

    The warmup keeps the first updates small while the weights (and, for Adam, its
    moment estimates) are still far from sensible values (Goyal et al., 2017;
    Vaswani et al., 2017). With ``start_factor=0`` (the default) step 0 has rate 0,
    so the first update does nothing; that is the textbook curve "from 0".

    Args:
        step: the step :math:`t \ge 0`.
        peak_lr: :math:`\eta_{\text{peak}} > 0`, reached at step :math:`W`.
        warmup_steps: :math:`W \ge 0`; 0 means plain cosine annealing.
        total_steps: :math:`T > W`, the step at which the rate reaches ``min_lr``.
        min_lr: :math:`\eta_{\min}`, ``0 <= min_lr <= peak_lr`` (default 0).
        start_factor: :math:`s \in [0, 1]`, the fraction of the peak at step 0.

    Equals ``SequentialLR([LinearLR(start_factor=s, total_iters=W),
    CosineAnnealingLR(T_max=T - W, eta_min=min_lr)], milestones=[W])`` for
    :math:`s > 0` and :math:`t \le T`.

    Example (the seed's exercise: 10 warmup epochs, 100 in all):
        >>> [round(warmup_cosine_lr(e, peak_lr=0.1, warmup_steps=10, total_steps=100), 4) for e in (0, 5, 10, 55, 100)]
        [0.0, 0.05, 0.1, 0.05, 0.0]
    """
    step = check_int("step", step, minimum=0)
    peak_lr = check_real("peak_lr", peak_lr, minimum=0.0, inclusive=False)
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    if total_steps <= warmup_steps:
        raise ValueError(
            f"total_steps must be > warmup_steps ({warmup_steps}) so that some decay is left, got {total_steps}"
        )
    min_lr = _check_min_lr(min_lr, peak_lr, "peak_lr")
    start_factor = check_real("start_factor", start_factor, minimum=0.0, maximum=1.0)
    if step < warmup_steps:
        return peak_lr * (start_factor + (1.0 - start_factor) * step / warmup_steps)
    return cosine_lr(step - warmup_steps, base_lr=peak_lr, total_steps=total_steps - warmup_steps, min_lr=min_lr)


def linear_warmup_decay(step: int, *, total_steps: int, warmup_steps: int) -> float:
    r"""The learning-rate *factor* of fine-tuning: up linearly over ``warmup_steps``, then down linearly to 0.

    With warmup length :math:`W` and total length :math:`T` (the number of updates):

    .. math::

        f_t = \begin{cases}
            \dfrac{t + 1}{W} & t < W \\[1ex]
            \max\!\left(0,\ \dfrac{T - t}{\max(1,\ T - W)}\right) & t \ge W
        \end{cases}

    The rate of update :math:`t` (counted from 0) is :math:`f_t` times the peak rate; the
    factor is what :class:`~torch.optim.lr_scheduler.LambdaLR` takes
    (:func:`linear_warmup_decay_scheduler`).

    **Why the warmup is** :math:`(t + 1)/W` **and not** :math:`t/W`. The decay equals
    ``transformers.get_linear_schedule_with_warmup`` (the BERT recipe) at every step, and so
    does the warmup shifted by one step: :math:`f_t = f^{\mathrm{HF}}_{t+1}` for :math:`t < W < T`
    (tested). The reference, like :func:`warmup_cosine_lr` with ``start_factor=0``, gives the
    first update a rate of exactly 0, so that update changes nothing. The MiniLM chapters
    fine-tune for as few as 8 updates with :math:`W = 1`: there the reference would waste
    one update in eight and never train at the peak rate before the decay. Here each of the
    :math:`W` warmup updates moves the weights and the :math:`W`-th reaches the peak.

    Args:
        step: the update :math:`t \ge 0`.
        total_steps: :math:`T \ge 1`, the number of updates; the factor is 0 from :math:`T` on.
        warmup_steps: :math:`W`, ``0 <= W <= T``; 0 means decay from the first update on.

    Example:
        >>> [round(linear_warmup_decay(s, total_steps=10, warmup_steps=2), 3) for s in (0, 1, 2, 6, 10)]
        [0.5, 1.0, 1.0, 0.5, 0.0]
    """
    step = check_int("step", step, minimum=0)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0, maximum=total_steps)
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))


def step_decay_scheduler(optimizer: Optimizer, *, step_size: int, gamma: float = 0.1) -> StepLR:
    """The :class:`~torch.optim.lr_scheduler.StepLR` whose rates are :func:`step_decay_lr`.

    The optimizer's current ``lr`` (of each parameter group) is the ``base_lr``.

    Example:
        >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.01)
        >>> scheduler = step_decay_scheduler(optimizer, step_size=30, gamma=0.5)
        >>> schedule_values(optimizer, scheduler, 61)[::30]
        [0.01, 0.005, 0.0025]
    """
    _check_optimizer(optimizer)
    step_size = check_int("step_size", step_size, minimum=1)
    gamma = _check_gamma(gamma)
    return StepLR(optimizer, step_size=step_size, gamma=gamma)


def cosine_scheduler(optimizer: Optimizer, *, total_steps: int, min_lr: float = 0.0) -> CosineAnnealingLR:
    """The :class:`~torch.optim.lr_scheduler.CosineAnnealingLR` whose rates are :func:`cosine_lr`.

    Call ``step()`` at most ``total_steps`` times: past ``T_max`` torch's cosine rises
    again, while :func:`cosine_lr` stays at ``min_lr``.

    Example:
        >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> [round(lr, 4) for lr in schedule_values(optimizer, cosine_scheduler(optimizer, total_steps=4), 5)]
        [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """
    _check_optimizer(optimizer)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    min_lr = check_real("min_lr", min_lr, minimum=0.0)
    for index, group in enumerate(optimizer.param_groups):
        if min_lr > group["lr"]:
            raise ValueError(f"min_lr must be <= the lr of param group {index} ({group['lr']:g}), got {min_lr:g}")
    return CosineAnnealingLR(optimizer, T_max=total_steps, eta_min=min_lr)


def warmup_cosine_scheduler(
    optimizer: Optimizer,
    *,
    warmup_steps: int,
    total_steps: int,
    min_lr: float = 0.0,
    start_factor: float = 0.0,
) -> LambdaLR:
    """A :class:`~torch.optim.lr_scheduler.LambdaLR` that follows :func:`warmup_cosine_lr`.

    Each parameter group's current ``lr`` is its ``peak_lr``. Built from the closed
    form (one source of truth) because torch's ``LinearLR`` cannot start at 0; for
    ``start_factor > 0`` it equals ``SequentialLR(LinearLR, CosineAnnealingLR)``
    step for step (tested), and unlike torch's cosine it stays at ``min_lr`` after
    ``total_steps``.

    Example:
        >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> scheduler = warmup_cosine_scheduler(optimizer, warmup_steps=10, total_steps=100)
        >>> [round(lr, 4) for lr in schedule_values(optimizer, scheduler, 101)[::25]]
        [0.0, 0.0933, 0.0587, 0.0179, 0.0]
    """
    _check_optimizer(optimizer)
    # Validate once up front (step 0) so a bad argument fails here, not at the first step().
    peaks = [group["lr"] for group in optimizer.param_groups]
    for peak in peaks:
        warmup_cosine_lr(
            0, peak_lr=peak, warmup_steps=warmup_steps, total_steps=total_steps,
            min_lr=min_lr, start_factor=start_factor,
        )

    def factor(peak: float):
        def lr_factor(step: int) -> float:
            lr = warmup_cosine_lr(
                step, peak_lr=peak, warmup_steps=warmup_steps, total_steps=total_steps,
                min_lr=min_lr, start_factor=start_factor,
            )
            return lr / peak

        return lr_factor

    return LambdaLR(optimizer, lr_lambda=[factor(peak) for peak in peaks])


def linear_warmup_decay_scheduler(optimizer: Optimizer, *, total_steps: int, warmup_steps: int) -> LambdaLR:
    """The :class:`~torch.optim.lr_scheduler.LambdaLR` whose factor is :func:`linear_warmup_decay`.

    Each parameter group's current ``lr`` is its peak. Step it once per update.

    Example:
        >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> scheduler = linear_warmup_decay_scheduler(optimizer, total_steps=4, warmup_steps=2)
        >>> [round(lr, 4) for lr in schedule_values(optimizer, scheduler, 5)]
        [0.05, 0.1, 0.1, 0.05, 0.0]
    """
    _check_optimizer(optimizer)
    # Validate once up front so a bad argument fails here, not at the first step().
    linear_warmup_decay(0, total_steps=total_steps, warmup_steps=warmup_steps)
    return LambdaLR(
        optimizer, lambda step: linear_warmup_decay(step, total_steps=total_steps, warmup_steps=warmup_steps)
    )


def schedule_values(optimizer: Optimizer, scheduler: torch.optim.lr_scheduler.LRScheduler, steps: int) -> list[float]:
    """The learning rate of the first parameter group at steps ``0 .. steps - 1``.

    Calls ``optimizer.step()`` (with no gradients it changes nothing) and then
    ``scheduler.step()`` between readings, the order torch requires. Use it on a
    throwaway optimizer: it advances the scheduler.
    """
    _check_optimizer(optimizer)
    steps = check_int("steps", steps, minimum=1)
    values = []
    for _ in range(steps):
        values.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return values
