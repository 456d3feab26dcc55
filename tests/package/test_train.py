"""Seeding, device and run-size choice."""

import pytest
import torch

from lossbook.training.run import RunConfig, choose_run_size, seed_everything, setup


def test_setup_makes_random_draws_repeatable():
    setup(seed=3)
    first = torch.randn(5)
    setup(seed=3)
    assert torch.equal(first, torch.randn(5))
    setup(seed=4)
    assert not torch.equal(first, torch.randn(5))


def test_setup_reports_cpu_and_smoke_size_without_a_gpu(monkeypatch):
    monkeypatch.delenv("LOSSBOOK_RUN_SIZE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    run = setup(seed=0, threads=2)
    assert run.device == torch.device("cpu")
    assert run.size == "smoke"
    assert torch.get_num_threads() == 2
    assert torch.are_deterministic_algorithms_enabled()
    assert not torch.is_deterministic_algorithms_warn_only_enabled()  # on the CPU a non-deterministic op is an error
    assert str(run) == "device: cpu · run size: smoke · seed: 0 · CPU threads: 2"


def test_on_a_gpu_setup_only_warns_about_ops_without_a_deterministic_kernel(monkeypatch):
    monkeypatch.setattr("lossbook.training.run.choose_device", lambda: torch.device("cuda"))
    try:
        run = setup(seed=0, threads=None)
        assert run.device.type == "cuda" and run.size in ("smoke", "full")
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.use_deterministic_algorithms(True)


def test_run_size_follows_the_device_and_can_be_overridden(monkeypatch):
    monkeypatch.delenv("LOSSBOOK_RUN_SIZE", raising=False)
    assert choose_run_size(torch.device("cuda")) == "full"
    assert choose_run_size(torch.device("cpu")) == "smoke"
    monkeypatch.setenv("LOSSBOOK_RUN_SIZE", "full")
    assert choose_run_size(torch.device("cpu")) == "full"
    monkeypatch.setenv("LOSSBOOK_RUN_SIZE", "huge")
    with pytest.raises(ValueError, match=r"LOSSBOOK_RUN_SIZE must be one of \('smoke', 'full'\), got 'huge'"):
        choose_run_size(torch.device("cpu"))


def test_pick_returns_the_value_for_the_run_size():
    smoke = RunConfig(seed=0, device=torch.device("cpu"), size="smoke", threads=2)
    full = RunConfig(seed=0, device=torch.device("cuda"), size="full", threads=2)
    assert smoke.pick(smoke=10, full=1000) == 10
    assert full.pick(smoke=10, full=1000) == 1000


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_seed_must_be_a_non_negative_int(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        seed_everything(seed)


def test_threads_must_be_positive():
    with pytest.raises(ValueError, match="threads must be a positive int or None, got 0"):
        setup(seed=0, threads=0)


def test_setup_defaults_to_one_cpu_thread():
    run = setup(seed=0)
    assert run.threads == 1 and torch.get_num_threads() == 1
