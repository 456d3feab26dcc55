"""Seeding, device choice and run size: the second cell of every notebook.

A chapter runs one code path everywhere. On a GPU it runs its *full* size; on a
CPU (a laptop, CI, the committed outputs) a *smoke* size that finishes in about a
minute on two cores. ``RunConfig.pick`` is how a notebook says which numbers
belong to which size.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

import numpy as np
import torch

from lossbook._validate import check_bool, check_choice, check_int

__all__ = ["RUN_SIZES", "RUN_SIZE_VARIABLE", "DEFAULT_THREADS", "RunConfig", "seed_everything", "choose_device", "choose_run_size", "setup", "current_run"]

RUN_SIZES = ("smoke", "full")
RUN_SIZE_VARIABLE = "LOSSBOOK_RUN_SIZE"
# One thread: the book's models are small, so a second thread adds synchronisation
# overhead rather than speed, and a busy machine (two notebooks tested side by side on
# two cores) can stall a multi-threaded step for milliseconds. It also fixes how float
# sums are split, so every run prints the same digits.
DEFAULT_THREADS = 1


@dataclass(frozen=True)
class RunConfig:
    """What ``setup`` decided: the seed, the device and the run size."""

    seed: int
    device: torch.device
    size: str
    threads: int

    @property
    def is_full(self) -> bool:
        return self.size == "full"

    def pick(self, *, smoke, full):
        """Return ``full`` on a full-size run and ``smoke`` otherwise."""
        return full if self.is_full else smoke

    def __str__(self) -> str:
        return f"device: {self.device.type} · run size: {self.size} · seed: {self.seed} · CPU threads: {self.threads}"


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and every GPU) from one integer."""
    seed = check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def choose_device() -> torch.device:
    """The first CUDA GPU when there is one, else the CPU."""
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def choose_run_size(device: torch.device) -> str:
    """``full`` on a GPU and ``smoke`` on a CPU, unless ``LOSSBOOK_RUN_SIZE`` says otherwise."""
    requested = os.environ.get(RUN_SIZE_VARIABLE)
    if requested is None:
        return "full" if device.type == "cuda" else "smoke"
    return check_choice(RUN_SIZE_VARIABLE, requested, RUN_SIZES)  # type: ignore[return-value]


def setup(seed: int = 0, *, threads: int | None = DEFAULT_THREADS, deterministic: bool = True) -> RunConfig:
    """Make a notebook reproducible and tell it where and how big to run.

    Seeds every generator, turns on deterministic algorithms (so a re-run prints the
    same numbers), fixes the CPU thread count (float sums depend on how work is
    split between threads), picks the device and the run size.

    Args:
        seed: the seed for Python, NumPy and torch.
        threads: CPU threads for torch; ``None`` keeps torch's default. One is what
            the book's committed outputs were produced with.
        deterministic: call ``torch.use_deterministic_algorithms(True)`` (on a GPU with
            ``warn_only=True``: an op without a deterministic CUDA kernel warns instead
            of stopping a long run).

    Returns:
        A :class:`RunConfig`; ``print`` it to show the device and the run size.
    """
    check_bool("deterministic", deterministic)
    seed_everything(seed)
    if threads is not None:
        torch.set_num_threads(check_int("threads", threads, minimum=1))
    device = choose_device()
    if deterministic:
        # cuBLAS needs a fixed workspace to be deterministic; it must be set before its first use.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        # On a GPU a few ops (e.g. some losses' CUDA kernels) have no deterministic version and
        # would raise mid-run; there a full-size run should warn and go on, not die. The
        # committed outputs come from the CPU, where every op is deterministic.
        torch.use_deterministic_algorithms(True, warn_only=device.type == "cuda")
        torch.backends.cudnn.benchmark = False
    global _current_run
    _current_run = RunConfig(seed=seed, device=device, size=choose_run_size(device), threads=torch.get_num_threads())
    return _current_run


_current_run: RunConfig | None = None


def current_run() -> RunConfig | None:
    """What the last ``setup`` call decided, or ``None`` before any call."""
    return _current_run
