"""Learning-rate schedules: closed forms against torch's schedulers (and transformers'), step by step."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR, StepLR

from lossbook.training.schedules import (
    cosine_lr,
    cosine_scheduler,
    linear_warmup_decay,
    linear_warmup_decay_scheduler,
    schedule_values,
    step_decay_lr,
    step_decay_scheduler,
    warmup_cosine_lr,
    warmup_cosine_scheduler,
)


def make_optimizer(lr=1.0, groups=None):
    if groups is not None:
        return torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": g} for g in groups], lr=lr)
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)


def written_out_warmup_cosine(t, *, peak, warmup, total, min_lr, start_factor):
    """The rate of warmup_cosine_lr's docstring, typed out again here (not the package's code)."""
    if t < warmup:
        return peak * (start_factor + (1 - start_factor) * t / warmup)
    progress = min(t - warmup, total - warmup) / (total - warmup)
    return min_lr + 0.5 * (peak - min_lr) * (1 + math.cos(math.pi * progress))


def all_group_values(optimizer, scheduler, steps):
    values = []
    for _ in range(steps):
        values.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return values


# --- closed forms against torch, step by step ---------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    base_lr=st.floats(1e-4, 10.0),
    step_size=st.integers(1, 20),
    gamma=st.floats(0.05, 1.0),
)
def test_step_decay_equals_torch_step_lr_at_every_step(base_lr, step_size, gamma):
    optimizer = make_optimizer(base_lr)
    torch_values = schedule_values(optimizer, StepLR(optimizer, step_size=step_size, gamma=gamma), 80)
    ours = [step_decay_lr(t, base_lr=base_lr, step_size=step_size, gamma=gamma) for t in range(80)]
    torch.testing.assert_close(torch.tensor(ours, dtype=torch.float64), torch.tensor(torch_values, dtype=torch.float64))


@settings(max_examples=40, deadline=None)
@given(base_lr=st.floats(1e-3, 10.0), total_steps=st.integers(1, 60), min_fraction=st.floats(0.0, 1.0))
def test_cosine_equals_torch_cosine_annealing_up_to_total_steps(base_lr, total_steps, min_fraction):
    min_lr = base_lr * min_fraction
    optimizer = make_optimizer(base_lr)
    torch_values = schedule_values(optimizer, CosineAnnealingLR(optimizer, T_max=total_steps, eta_min=min_lr), total_steps + 1)
    ours = [cosine_lr(t, base_lr=base_lr, total_steps=total_steps, min_lr=min_lr) for t in range(total_steps + 1)]
    torch.testing.assert_close(torch.tensor(ours, dtype=torch.float64), torch.tensor(torch_values, dtype=torch.float64))


@settings(max_examples=40, deadline=None)
@given(
    peak_lr=st.floats(1e-3, 5.0),
    warmup_steps=st.integers(1, 20),
    decay_steps=st.integers(1, 40),
    start_factor=st.floats(0.01, 1.0),
    min_fraction=st.floats(0.0, 0.5),
)
def test_warmup_cosine_equals_torch_linear_then_cosine_in_sequential_lr(
    peak_lr, warmup_steps, decay_steps, start_factor, min_fraction
):
    total_steps = warmup_steps + decay_steps
    min_lr = peak_lr * min_fraction
    optimizer = make_optimizer(peak_lr)
    scheduler = SequentialLR(
        optimizer,
        [
            LinearLR(optimizer, start_factor=start_factor, end_factor=1.0, total_iters=warmup_steps),
            CosineAnnealingLR(optimizer, T_max=decay_steps, eta_min=min_lr),
        ],
        milestones=[warmup_steps],
    )
    torch_values = schedule_values(optimizer, scheduler, total_steps + 1)
    ours = [
        warmup_cosine_lr(t, peak_lr=peak_lr, warmup_steps=warmup_steps, total_steps=total_steps,
                         min_lr=min_lr, start_factor=start_factor)
        for t in range(total_steps + 1)
    ]
    torch.testing.assert_close(torch.tensor(ours, dtype=torch.float64), torch.tensor(torch_values, dtype=torch.float64))


# --- the ready schedulers ------------------------------------------------------------------


def test_step_decay_scheduler_is_a_step_lr_following_the_closed_form():
    optimizer = make_optimizer(0.01)
    scheduler = step_decay_scheduler(optimizer, step_size=30, gamma=0.5)
    assert isinstance(scheduler, StepLR)
    values = schedule_values(optimizer, scheduler, 100)
    torch.testing.assert_close(values, [step_decay_lr(t, base_lr=0.01, step_size=30, gamma=0.5) for t in range(100)])


def test_cosine_scheduler_is_cosine_annealing_and_differs_after_total_steps_as_documented():
    optimizer = make_optimizer(1.0)
    scheduler = cosine_scheduler(optimizer, total_steps=10, min_lr=0.1)
    assert isinstance(scheduler, CosineAnnealingLR)
    values = schedule_values(optimizer, scheduler, 21)
    ours = [cosine_lr(t, base_lr=1.0, total_steps=10, min_lr=0.1) for t in range(21)]
    torch.testing.assert_close(values[:11], ours[:11])
    # Past T_max torch's cosine climbs back to the base rate at 2*T_max; the closed form stays at min_lr.
    assert values[20] == pytest.approx(1.0)
    assert values[15] == pytest.approx(0.55)
    assert ours[11:] == [0.1] * 10


@pytest.mark.parametrize("start_factor", [0.0, 0.1, 1.0])
def test_warmup_cosine_scheduler_follows_the_written_out_rate_for_every_param_group(start_factor):
    optimizer = make_optimizer(groups=[0.1, 0.02])
    scheduler = warmup_cosine_scheduler(optimizer, warmup_steps=5, total_steps=20, min_lr=0.001, start_factor=start_factor)
    values = all_group_values(optimizer, scheduler, 25)
    for group, peak in enumerate([0.1, 0.02]):
        expected = [
            written_out_warmup_cosine(t, peak=peak, warmup=5, total=20, min_lr=0.001, start_factor=start_factor)
            for t in range(25)
        ]
        torch.testing.assert_close([row[group] for row in values], expected)


@pytest.mark.parametrize("start_factor", [0.1, 0.5])
def test_warmup_cosine_scheduler_equals_sequential_lr_in_every_param_group(start_factor):
    ours_opt, torch_opt = make_optimizer(groups=[0.1, 0.02]), make_optimizer(groups=[0.1, 0.02])
    ours = all_group_values(
        ours_opt, warmup_cosine_scheduler(ours_opt, warmup_steps=5, total_steps=20, min_lr=0.001, start_factor=start_factor), 21
    )
    reference = SequentialLR(
        torch_opt,
        [LinearLR(torch_opt, start_factor=start_factor, total_iters=5), CosineAnnealingLR(torch_opt, T_max=15, eta_min=0.001)],
        milestones=[5],
    )
    torch.testing.assert_close(ours, all_group_values(torch_opt, reference, 21))


def test_torch_linear_lr_cannot_start_from_zero_which_is_why_the_warmup_is_a_lambda_lr():
    with pytest.raises(ValueError):
        LinearLR(make_optimizer(), start_factor=0.0)
    optimizer = make_optimizer(0.3)
    values = schedule_values(optimizer, warmup_cosine_scheduler(optimizer, warmup_steps=3, total_steps=10), 4)
    torch.testing.assert_close(values, [0.0, 0.1, 0.2, 0.3])


# --- the fine-tuning schedule against transformers -----------------------------------------


def transformers_linear_schedule(warmup_steps, total_steps, steps):
    transformers = pytest.importorskip("transformers")  # an optional extra (lossbook[nlp])
    optimizer = make_optimizer(1.0)
    scheduler = transformers.get_linear_schedule_with_warmup(optimizer, warmup_steps, total_steps)
    return schedule_values(optimizer, scheduler, steps)


@settings(max_examples=40, deadline=None)
@given(warmup_steps=st.integers(0, 12), decay_steps=st.integers(1, 30))
def test_linear_warmup_decay_is_transformers_schedule_with_the_warmup_one_step_earlier(warmup_steps, decay_steps):
    total_steps = warmup_steps + decay_steps
    steps = total_steps + 3
    reference = transformers_linear_schedule(warmup_steps, total_steps, steps + 1)
    ours = [linear_warmup_decay(t, total_steps=total_steps, warmup_steps=warmup_steps) for t in range(steps)]
    for t in range(steps):
        # warmup: ours at update t is the reference at update t + 1 (the documented shift); decay: equal
        expected = reference[t + 1] if t < warmup_steps else reference[t]
        assert ours[t] == pytest.approx(expected, abs=1e-12), (t, warmup_steps, total_steps)


def test_linear_warmup_decay_by_hand_and_its_scheduler():
    factors = [linear_warmup_decay(step, total_steps=8, warmup_steps=4) for step in range(10)]
    assert factors == [0.25, 0.5, 0.75, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    assert [linear_warmup_decay(step, total_steps=4, warmup_steps=0) for step in range(5)] == [1.0, 0.75, 0.5, 0.25, 0.0]
    optimizer = make_optimizer(groups=[0.2, 0.01])
    values = all_group_values(optimizer, linear_warmup_decay_scheduler(optimizer, total_steps=8, warmup_steps=4), 9)
    torch.testing.assert_close([row[0] for row in values], [0.2 * f for f in factors[:9]])
    torch.testing.assert_close([row[1] for row in values], [0.01 * f for f in factors[:9]])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"step": -1}, ValueError, r"step must be an int >= 0, got -1"),
        ({"step": 1.0}, TypeError, r"step must be an int, got float"),
        ({"total_steps": 0}, ValueError, r"total_steps must be an int >= 1, got 0"),
        ({"warmup_steps": 11}, ValueError, r"warmup_steps must be an int in \[0, 10\], got 11"),
        ({"warmup_steps": None}, TypeError, r"warmup_steps must be an int, got NoneType"),
    ],
)
def test_linear_warmup_decay_refuses_bad_arguments(kwargs, error, message):
    arguments = {"step": 0, "total_steps": 10, "warmup_steps": 2, **kwargs}
    with pytest.raises(error, match=message):
        linear_warmup_decay(arguments.pop("step"), **arguments)
    if "step" not in kwargs:
        with pytest.raises(error, match=message):
            linear_warmup_decay_scheduler(make_optimizer(), **arguments)


# --- values by hand ------------------------------------------------------------------------


def test_seed_step_decay_example_halves_every_30_epochs():
    rates = [step_decay_lr(epoch, base_lr=0.01, step_size=30, gamma=0.5) for epoch in (0, 29, 30, 59, 60, 90)]
    assert rates == pytest.approx([0.01, 0.01, 0.005, 0.005, 0.0025, 0.00125])


def test_cosine_hits_its_endpoints_and_midpoint():
    assert cosine_lr(0, base_lr=0.1, total_steps=50, min_lr=0.01) == pytest.approx(0.1)
    assert cosine_lr(25, base_lr=0.1, total_steps=50, min_lr=0.01) == pytest.approx(0.055)
    assert cosine_lr(50, base_lr=0.1, total_steps=50, min_lr=0.01) == pytest.approx(0.01)
    assert cosine_lr(500, base_lr=0.1, total_steps=50, min_lr=0.01) == pytest.approx(0.01)


def test_seed_exercise_warmup_10_then_cosine_over_100_epochs():
    rates = [warmup_cosine_lr(e, peak_lr=1.0, warmup_steps=10, total_steps=100) for e in range(101)]
    assert rates[:11] == pytest.approx([e / 10 for e in range(11)])  # a straight ramp from 0 to the peak
    assert max(rates) == rates[10] == 1.0
    assert rates[55] == pytest.approx(0.5)  # halfway through the 90 decay epochs
    assert rates[100] == 0.0
    assert all(a >= b for a, b in zip(rates[10:], rates[11:]))  # never rises after the peak


@settings(max_examples=60, deadline=None)
@given(
    warmup_steps=st.integers(0, 30), decay_steps=st.integers(1, 60), step=st.integers(0, 200),
    start_factor=st.floats(0.0, 1.0),
)
def test_warmup_cosine_stays_between_zero_and_the_peak(warmup_steps, decay_steps, step, start_factor):
    lr = warmup_cosine_lr(step, peak_lr=0.3, warmup_steps=warmup_steps, total_steps=warmup_steps + decay_steps,
                          min_lr=0.01, start_factor=start_factor)
    assert 0.0 <= lr <= 0.3 + 1e-12
    assert math.isfinite(lr)


def test_no_warmup_is_plain_cosine():
    for t in range(21):
        assert warmup_cosine_lr(t, peak_lr=0.2, warmup_steps=0, total_steps=20) == pytest.approx(
            cosine_lr(t, base_lr=0.2, total_steps=20)
        )


# --- bad input -----------------------------------------------------------------------------


def test_step_must_be_a_non_negative_int():
    with pytest.raises(ValueError, match=r"step must be an int >= 0, got -1"):
        cosine_lr(-1, base_lr=0.1, total_steps=10)
    with pytest.raises(TypeError, match=r"step must be an int, got float"):
        cosine_lr(1.5, base_lr=0.1, total_steps=10)
    with pytest.raises(TypeError, match=r"step must be an int, got bool"):
        step_decay_lr(True, base_lr=0.1, step_size=10)


def test_rates_must_be_positive_and_finite():
    with pytest.raises(ValueError, match=r"base_lr must be a finite number > 0, got 0"):
        step_decay_lr(0, base_lr=0, step_size=10)
    with pytest.raises(ValueError, match=r"peak_lr must be a finite number > 0, got nan"):
        warmup_cosine_lr(0, peak_lr=float("nan"), warmup_steps=1, total_steps=10)


def test_gamma_must_be_in_zero_one():
    with pytest.raises(ValueError, match=r"gamma must be a finite number in \(0, 1\], got 2.0"):
        step_decay_lr(0, base_lr=0.1, step_size=10, gamma=2.0)
    with pytest.raises(ValueError, match=r"gamma must be a finite number in \(0, 1\], got 1.5"):
        step_decay_scheduler(make_optimizer(), step_size=3, gamma=1.5)


def test_min_lr_above_the_peak_is_refused():
    with pytest.raises(ValueError, match=r"min_lr must be <= base_lr \(0.1\), got 0.2"):
        cosine_lr(0, base_lr=0.1, total_steps=10, min_lr=0.2)
    with pytest.raises(ValueError, match=r"min_lr must be <= the lr of param group 0 \(0.1\), got 0.2"):
        cosine_scheduler(make_optimizer(0.1), total_steps=10, min_lr=0.2)
    with pytest.raises(ValueError, match=r"min_lr must be <= peak_lr \(0.1\), got 0.2"):
        warmup_cosine_scheduler(make_optimizer(0.1), warmup_steps=1, total_steps=10, min_lr=0.2)


def test_warmup_must_leave_room_for_the_decay():
    with pytest.raises(ValueError, match=r"total_steps must be > warmup_steps \(10\) so that some decay is left, got 10"):
        warmup_cosine_lr(0, peak_lr=0.1, warmup_steps=10, total_steps=10)


def test_start_factor_must_be_in_zero_one():
    with pytest.raises(ValueError, match=r"start_factor must be a finite number in \[0, 1\], got 1.5"):
        warmup_cosine_lr(0, peak_lr=0.1, warmup_steps=2, total_steps=10, start_factor=1.5)


def test_schedulers_need_an_optimizer():
    with pytest.raises(TypeError, match=r"optimizer must be a torch.optim.Optimizer, got list"):
        cosine_scheduler([], total_steps=10)
