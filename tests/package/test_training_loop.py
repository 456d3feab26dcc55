"""Gradient-descent helpers: batch arithmetic against DataLoader, updates against closed forms."""

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from lossbook.training import (
    epoch_batches,
    expected_minibatch_gradient_variance,
    fit,
    full_batch_gd,
    iterations_per_epoch,
    last_batch_size,
    lr_range_test,
    minibatch_gd,
    minibatch_gradient_variance,
    per_example_gradients,
    stochastic_gd,
    total_iterations,
)
from lossbook.training.schedules import warmup_cosine_lr, warmup_cosine_scheduler


def regression_data(n=20, d=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=generator, dtype=torch.float64)
    y = x @ torch.arange(1.0, d + 1, dtype=torch.float64) + 0.1 * torch.randn(n, generator=generator, dtype=torch.float64)
    return x, y.unsqueeze(1)


def linear_model(d=3, seed=0):
    torch.manual_seed(seed)
    return nn.Linear(d, 1).double()


# --- epochs and iterations -----------------------------------------------------------------


def test_seed_numbers():
    assert iterations_per_epoch(1_000, 100) == 10
    assert total_iterations(1_000, 100, 50) == 500
    assert iterations_per_epoch(50_000, 128) == 391
    assert last_batch_size(50_000, 128) == 80  # 390 * 128 = 49,920; 80 samples are left over
    assert total_iterations(50_000, 128, 100) == 39_100
    assert iterations_per_epoch(50_000, 128, drop_last=True) == 390
    assert total_iterations(50_000, 128, 100, drop_last=True) == 39_000


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), batch_size=st.integers(1, 350), drop_last=st.booleans())
def test_iteration_arithmetic_matches_a_real_dataloader(n, batch_size, drop_last):
    loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=batch_size, drop_last=drop_last)
    sizes = [len(batch[0]) for batch in loader]
    assert iterations_per_epoch(n, batch_size, drop_last) == len(loader) == len(sizes)
    assert last_batch_size(n, batch_size, drop_last) == (sizes[-1] if sizes else 0)
    assert [len(b) for b in epoch_batches(n, batch_size, drop_last=drop_last, shuffle=False)] == sizes


def test_shuffled_batches_are_the_batches_of_a_dataloader_with_a_seeded_random_sampler():
    dataset = TensorDataset(torch.arange(23))
    loader = DataLoader(dataset, batch_size=5, sampler=RandomSampler(dataset, generator=torch.Generator().manual_seed(7)))
    expected = [batch[0].tolist() for batch in loader]
    assert [b.tolist() for b in epoch_batches(23, 5, generator=torch.Generator().manual_seed(7))] == expected


def test_each_epoch_gets_a_fresh_order_from_the_same_generator():
    generator = torch.Generator().manual_seed(0)
    first, second = (torch.cat(epoch_batches(30, 4, generator=generator)).tolist() for _ in range(2))
    assert first != second and sorted(first) == sorted(second) == list(range(30))


def test_every_sample_is_visited_once_per_epoch():
    batches = epoch_batches(103, 10, generator=torch.Generator().manual_seed(0))
    assert sorted(torch.cat(batches).tolist()) == list(range(103))
    assert [len(b) for b in batches] == [10] * 10 + [3]


@pytest.mark.parametrize(("n", "batch_size"), [(0, 4), (5, 0)])
def test_arithmetic_rejects_empty_data_and_empty_batches(n, batch_size):
    with pytest.raises(ValueError, match=r"must be an int >= 1, got 0"):
        iterations_per_epoch(n, batch_size)


def test_arithmetic_type_errors_name_the_argument():
    with pytest.raises(TypeError, match=r"batch_size must be an int, got float"):
        iterations_per_epoch(100, 12.5)
    with pytest.raises(TypeError, match=r"drop_last must be a bool, got int"):
        iterations_per_epoch(100, 10, 1)


# --- the three variants --------------------------------------------------------------------


def test_full_batch_gd_takes_the_closed_form_gradient_step_of_mse():
    x, y = regression_data()
    model = linear_model()
    w, b = model.weight.detach().clone(), model.bias.detach().clone()
    history = full_batch_gd(model, F.mse_loss, x, y, epochs=3, lr=0.05, progress=False)
    n = len(x)
    for _ in range(3):  # MSE gradient: (2/N) X^T (Xw + b - y) and (2/N) sum(Xw + b - y)
        residual = x @ w.T + b - y
        w = w - 0.05 * 2 / n * residual.T @ x
        b = b - 0.05 * 2 / n * residual.sum(0)
    torch.testing.assert_close(model.weight.detach(), w)
    torch.testing.assert_close(model.bias.detach(), b)
    assert history.updates == 3 and history.iterations_per_epoch == 1
    assert history.step_batch_size == [n] * 3


def test_stochastic_gd_makes_n_single_sample_updates_per_epoch_in_the_shuffled_order():
    x, y = regression_data(n=12)
    model, reference = linear_model(), linear_model()
    history = stochastic_gd(model, F.mse_loss, x, y, epochs=2, lr=0.01, seed=3, progress=False)
    assert history.iterations_per_epoch == 12 and history.updates == 24
    assert history.step_batch_size == [1] * 24
    generator = torch.Generator().manual_seed(3)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.01)
    for _ in range(2):
        for i in torch.randperm(12, generator=generator):
            optimizer.zero_grad()
            F.mse_loss(reference(x[i : i + 1]), y[i : i + 1]).backward()
            optimizer.step()
    for ours, theirs in zip(model.parameters(), reference.parameters()):
        torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize(("drop_last", "per_epoch", "sizes"), [(False, 3, [8, 8, 4]), (True, 2, [8, 8])])
def test_minibatch_handles_the_last_partial_batch(drop_last, per_epoch, sizes):
    x, y = regression_data(n=20)
    history = minibatch_gd(linear_model(), F.mse_loss, x, y, batch_size=8, epochs=4, lr=0.01,
                           drop_last=drop_last, progress=False)
    assert history.iterations_per_epoch == per_epoch
    assert history.updates == 4 * per_epoch
    assert history.step_batch_size == sizes * 4


def test_history_lengths():
    x, y = regression_data(n=10)
    history = fit(linear_model(), F.mse_loss, x, y, batch_size=3, epochs=5, lr=0.01, record_parameters=True,
                  evaluate=lambda m: {"w0": m.weight[0, 0].item()}, progress=False)
    updates = 5 * 4
    assert len(history.step_loss) == len(history.step_lr) == len(history.step_batch_size) == updates
    assert len(history.epoch_loss) == len(history.epoch_metrics) == 6
    assert history.parameters.shape == (updates + 1, 4)


def test_recorded_parameters_start_at_the_initial_and_end_at_the_final_weights():
    x, y = regression_data(n=10)
    model = linear_model()
    start = torch.cat([model.weight.detach().flatten(), model.bias.detach()])
    history = fit(model, F.mse_loss, x, y, batch_size=4, epochs=2, lr=0.1, record_parameters=True, progress=False)
    torch.testing.assert_close(history.parameters[0], start)
    torch.testing.assert_close(history.parameters[-1], torch.cat([model.weight.detach().flatten(), model.bias.detach()]))


def test_epoch_loss_is_the_full_training_loss_before_and_after_each_epoch():
    x, y = regression_data(n=16)
    model = linear_model()
    before = F.mse_loss(model(x), y).item()
    history = fit(model, F.mse_loss, x, y, batch_size=4, epochs=2, lr=0.05, progress=False)
    assert history.epoch_loss[0] == pytest.approx(before)
    assert history.epoch_loss[-1] == pytest.approx(F.mse_loss(model(x), y).item())
    assert history.epoch_loss[-1] < history.epoch_loss[0]


def test_the_scheduler_is_stepped_once_per_update():
    x, y = regression_data(n=10)
    history = fit(linear_model(), F.mse_loss, x, y, batch_size=2, epochs=4, lr=0.1,
                  scheduler=lambda opt: warmup_cosine_scheduler(opt, warmup_steps=5, total_steps=20), progress=False)
    expected = [warmup_cosine_lr(t, peak_lr=0.1, warmup_steps=5, total_steps=20) for t in range(20)]
    torch.testing.assert_close(history.step_lr, expected)


def test_an_optimizer_factory_replaces_plain_sgd():
    x, y = regression_data(n=10)
    model, reference = linear_model(), linear_model()
    fit(model, F.mse_loss, x, y, batch_size=None, epochs=3, optimizer=lambda p: torch.optim.Adam(p, lr=0.1), progress=False)
    optimizer = torch.optim.Adam(reference.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        F.mse_loss(reference(x), y).backward()
        optimizer.step()
    for ours, theirs in zip(model.parameters(), reference.parameters()):
        torch.testing.assert_close(ours, theirs)


def test_a_far_too_high_learning_rate_stops_with_diverged_and_no_nan_in_the_history():
    x, y = regression_data(n=20)
    history = full_batch_gd(linear_model(), F.mse_loss, x * 100, y, epochs=200, lr=10.0, progress=False)
    assert history.diverged
    assert history.updates < 200
    assert all(math.isfinite(v) for v in history.step_loss)
    assert all(math.isfinite(v) for v in history.epoch_loss)
    assert len(history.epoch_loss) <= history.updates + 1


def test_same_seed_same_history():
    x, y = regression_data(n=30)
    first = fit(linear_model(), F.mse_loss, x, y, batch_size=4, epochs=2, lr=0.05, seed=5, progress=False)
    second = fit(linear_model(), F.mse_loss, x, y, batch_size=4, epochs=2, lr=0.05, seed=5, progress=False)
    third = fit(linear_model(), F.mse_loss, x, y, batch_size=4, epochs=2, lr=0.05, seed=6, progress=False)
    assert first.step_loss == second.step_loss
    assert first.step_loss != third.step_loss


def test_a_shared_generator_gives_the_batches_and_the_draws_of_a_hand_written_loop():
    # The loss draws from the generator that shuffles (a random miner does): one seed fixes both.
    x, y = regression_data(n=10)

    def noisy_loss(prediction, target, generator):
        weights = torch.rand(len(target), generator=generator, dtype=prediction.dtype)
        return (weights * (prediction - target).squeeze(1) ** 2).mean()

    model, reference = linear_model(), linear_model()
    generator = torch.Generator().manual_seed(3)
    history = fit(model, lambda p, t: noisy_loss(p, t, generator), x, y, batch_size=4, epochs=3, lr=0.1,
                  generator=generator, track_epoch_loss=False, progress=False)
    optimizer, shared = torch.optim.SGD(reference.parameters(), lr=0.1), torch.Generator().manual_seed(3)
    losses = []
    for _ in range(3):
        for rows in torch.randperm(10, generator=shared).split(4):
            loss = noisy_loss(reference(x[rows]), y[rows], shared)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert history.step_loss == losses
    assert history.epoch_loss == []  # not computed: the whole-set pass would have drawn from the generator
    assert history.mean_step_loss_per_epoch() == [sum(losses[i:i + 3]) / 3 for i in (0, 3, 6)]
    assert len(history.epoch_seconds) == 3 and all(s >= 0 for s in history.epoch_seconds)
    for ours, theirs in zip(model.parameters(), reference.parameters()):
        torch.testing.assert_close(ours, theirs)


def test_fit_bad_input():
    x, y = regression_data(n=10)
    with pytest.raises(ValueError, match=r"give exactly one of lr \(plain SGD\) or optimizer"):
        fit(linear_model(), F.mse_loss, x, y, batch_size=2, epochs=1)
    with pytest.raises(ValueError, match=r"inputs and targets must have the same number of samples .* got inputs \(10, 3\) and targets \(9, 1\)"):
        fit(linear_model(), F.mse_loss, x, y[:9], batch_size=2, epochs=1, lr=0.1)
    with pytest.raises(ValueError, match=r"batch_size must be an int >= 1, got 0"):
        fit(linear_model(), F.mse_loss, x, y, batch_size=0, epochs=1, lr=0.1)
    with pytest.raises(ValueError, match=r"epochs must be an int >= 1, got 0"):
        fit(linear_model(), F.mse_loss, x, y, batch_size=2, epochs=0, lr=0.1)
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got -0.1"):
        fit(linear_model(), F.mse_loss, x, y, batch_size=2, epochs=1, lr=-0.1)
    with pytest.raises(ValueError, match=r"drop_last=True with batch_size 11 > 10 samples leaves no batch"):
        fit(linear_model(), F.mse_loss, x, y, batch_size=11, epochs=1, lr=0.1, drop_last=True)
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module, got function"):
        fit(lambda v: v, F.mse_loss, x, y, batch_size=2, epochs=1, lr=0.1)
    with pytest.raises(TypeError, match=r"inputs must be a torch.Tensor, got list"):
        fit(linear_model(), F.mse_loss, x.tolist(), y, batch_size=2, epochs=1, lr=0.1)
    with pytest.raises(TypeError, match=r"generator must be a torch.Generator or None, got int"):
        fit(linear_model(), F.mse_loss, x, y, batch_size=2, epochs=1, lr=0.1, generator=0)
    with pytest.raises(TypeError, match=r"track_epoch_loss must be a bool, got NoneType"):
        fit(linear_model(), F.mse_loss, x, y, batch_size=2, epochs=1, lr=0.1, track_epoch_loss=None)
    with pytest.raises(TypeError, match=r"seed must be an int, got float"):
        fit(linear_model(), F.mse_loss, x, y, batch_size=2, epochs=1, lr=0.1, seed=1.0)


# --- gradient noise ------------------------------------------------------------------------


def test_per_example_gradients_match_one_backward_pass_per_sample():
    x, y = regression_data(n=7)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    got = per_example_gradients(model, F.mse_loss, x, y)
    assert got.shape == (7, sum(p.numel() for p in model.parameters()))
    for i in range(7):
        model.zero_grad()
        F.mse_loss(model(x[i : i + 1]), y[i : i + 1]).backward()
        torch.testing.assert_close(got[i], torch.cat([p.grad.flatten() for p in model.parameters()]))
    model.zero_grad()
    F.mse_loss(model(x), y).backward()
    torch.testing.assert_close(got.mean(0), torch.cat([p.grad.flatten() for p in model.parameters()]))


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5, 6])
def test_expected_variance_is_exact_over_every_possible_batch(batch_size):
    gradients = torch.randn(6, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    full = gradients.mean(0)
    subsets = list(itertools.combinations(range(6), batch_size))
    exact = sum((gradients[list(s)].mean(0) - full).square().sum().item() for s in subsets) / len(subsets)
    assert expected_minibatch_gradient_variance(gradients, batch_size) == pytest.approx(exact)


def test_full_batch_has_no_gradient_noise_and_one_sample_has_sigma_squared():
    gradients = torch.randn(50, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    sigma2 = (gradients - gradients.mean(0)).square().sum(1).mean().item()
    assert expected_minibatch_gradient_variance(gradients, 50) == 0.0
    assert minibatch_gradient_variance(gradients, 50, draws=10) == pytest.approx(0.0, abs=1e-20)
    assert expected_minibatch_gradient_variance(gradients, 1) == pytest.approx(sigma2)


@pytest.mark.parametrize("batch_size", [1, 4, 16, 64])
def test_measured_variance_agrees_with_the_formula(batch_size):
    gradients = torch.randn(200, 5, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    measured = minibatch_gradient_variance(gradients, batch_size, draws=4000, seed=0)
    assert measured == pytest.approx(expected_minibatch_gradient_variance(gradients, batch_size), rel=0.08)


def test_variance_bad_input():
    with pytest.raises(ValueError, match=r"batch_size must be <= the number of samples \(5\), got 6"):
        expected_minibatch_gradient_variance(torch.zeros(5, 2), 6)
    with pytest.raises(ValueError, match=r"sample_gradients must be a 2-D \(N, P\) matrix, got shape \(5,\)"):
        minibatch_gradient_variance(torch.zeros(5), 2)


# --- learning-rate range test --------------------------------------------------------------


def test_range_test_sweeps_geometrically_and_restores_the_model():
    x, y = regression_data(n=40)
    model = linear_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = lr_range_test(model, F.mse_loss, x, y, batch_size=8, min_lr=1e-4, max_lr=1e-1, steps=31, stop_factor=1e6)
    assert len(result.lrs) == len(result.losses) == len(result.smoothed) == 31
    ratios = torch.tensor(result.lrs[1:], dtype=torch.float64) / torch.tensor(result.lrs[:-1], dtype=torch.float64)
    torch.testing.assert_close(ratios, torch.full((30,), 1000 ** (1 / 30), dtype=torch.float64))
    assert result.lrs[0] == pytest.approx(1e-4) and result.lrs[-1] == pytest.approx(1e-1)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])


def test_range_test_linear_mode_and_early_stop_when_the_loss_explodes():
    x, y = regression_data(n=40)
    linear = lr_range_test(linear_model(), F.mse_loss, x, y, batch_size=8, min_lr=0.01, max_lr=0.05, steps=5,
                           mode="linear", stop_factor=1e6)
    torch.testing.assert_close(linear.lrs, [0.01, 0.02, 0.03, 0.04, 0.05])
    exploding = lr_range_test(linear_model(), F.mse_loss, x, y, batch_size=8, min_lr=1e-3, max_lr=100.0, steps=100)
    assert exploding.stopped_early and len(exploding.lrs) < 100
    assert exploding.smoothed[-1] > 4 * min(exploding.smoothed)


def test_range_test_finds_a_rate_where_the_loss_falls():
    x, y = regression_data(n=64)
    result = lr_range_test(linear_model(), F.mse_loss, x, y, batch_size=16, min_lr=1e-4, max_lr=10.0, steps=80)
    lowest = result.min_loss_lr()
    assert result.smoothed[result.lrs.index(lowest)] == min(result.smoothed)
    assert result.smoothed[-1] > result.smoothed[result.lrs.index(lowest)]  # it went up again after the minimum
    assert result.suggested_lr() == pytest.approx(lowest / 10)
    # Full-batch GD on this least-squares problem diverges above 2 / lambda_max of the Hessian (2/N) X^T X.
    design = torch.cat([x, torch.ones(64, 1, dtype=torch.float64)], dim=1)
    critical = 2 / torch.linalg.eigvalsh(2 / 64 * design.T @ design).max().item()
    assert critical / 10 < lowest < 3 * critical


def test_range_test_bad_input():
    x, y = regression_data(n=8)
    with pytest.raises(ValueError, match=r"max_lr must be > min_lr \(0.1\), got 0.01"):
        lr_range_test(linear_model(), F.mse_loss, x, y, batch_size=2, min_lr=0.1, max_lr=0.01)
    with pytest.raises(ValueError, match=r"mode must be one of \('exponential', 'linear'\), got 'cosine'"):
        lr_range_test(linear_model(), F.mse_loss, x, y, batch_size=2, mode="cosine")
