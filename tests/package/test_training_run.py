"""Seeding, device and run-size choice."""

import pytest
import torch

from lossbook.training import run as run_module
from lossbook.training.run import RunConfig, choose_run_size, seed_everything, setup


@pytest.fixture(autouse=True)
def no_run_left_behind(monkeypatch):
    # setup() records the run for lossbook.report.claim; a full-size run left over from a test
    # here would turn later claims into warnings in whatever test runs next in this process.
    monkeypatch.setattr(run_module, "_current_run", None)
    yield
    torch.set_num_threads(1)


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


@pytest.mark.parametrize(("seed", "kind"), [(1.5, "float"), ("0", "str"), (True, "bool"), (None, "NoneType")])
def test_a_seed_of_the_wrong_kind_is_a_type_error(seed, kind):
    with pytest.raises(TypeError, match=f"seed must be an int, got {kind}"):
        seed_everything(seed)


def test_a_negative_seed_is_a_value_error():
    with pytest.raises(ValueError, match=r"seed must be an int >= 0, got -1"):
        seed_everything(-1)


def test_threads_must_be_a_positive_int_or_none():
    with pytest.raises(ValueError, match=r"threads must be an int >= 1, got 0"):
        setup(seed=0, threads=0)
    with pytest.raises(TypeError, match=r"threads must be an int, got float"):
        setup(seed=0, threads=2.0)
    with pytest.raises(TypeError, match=r"deterministic must be a bool, got int"):
        setup(seed=0, deterministic=1)


def test_setup_defaults_to_one_cpu_thread():
    run = setup(seed=0)
    assert run.threads == 1 and torch.get_num_threads() == 1
