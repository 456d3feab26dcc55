"""Forward+backward time and peak tensor memory of a loss, measured the same way for lossbook and its reference.

Peak memory is counted at the tensor level: a dispatch mode sees every tensor an
operator creates (forward and backward), adds its storage size while it is alive
and subtracts it when it is freed. That works identically on CPU and GPU and does
not depend on the allocator's caching, so the ratio lossbook / reference compares
what the two implementations ask for, not what the allocator happened to keep.
"""

from __future__ import annotations

import statistics
import time
import weakref
from collections.abc import Callable

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

Step = Callable[[], torch.Tensor]


class PeakTensorMemory(TorchDispatchMode):
    """Track the peak number of bytes held by tensors created inside the ``with`` block."""

    def __init__(self):
        super().__init__()
        self.live = 0
        self.peak = 0
        self._seen: set[int] = set()

    def _release(self, key: int, nbytes: int) -> None:
        self._seen.discard(key)
        self.live -= nbytes

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        for value in tree_flatten(result)[0]:
            if isinstance(value, torch.Tensor) and not value._is_view():
                storage = value.untyped_storage()
                key = storage.data_ptr()
                if key and key not in self._seen:
                    nbytes = storage.nbytes()
                    self._seen.add(key)
                    self.live += nbytes
                    self.peak = max(self.peak, self.live)
                    weakref.finalize(value, self._release, key, nbytes)
        return result


def forward_backward(loss: Step, inputs: list[torch.Tensor]) -> None:
    """One training step's worth of loss work: the forward value and the gradients of the inputs."""
    for tensor in inputs:
        tensor.grad = None
    loss().backward()


def peak_memory(loss: Step, inputs: list[torch.Tensor]) -> int:
    """Peak bytes of the tensors created by one forward+backward of ``loss``."""
    with PeakTensorMemory() as tracker:
        forward_backward(loss, inputs)
    for tensor in inputs:
        tensor.grad = None
    return tracker.peak


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def interleaved_times(
    ours: Step,
    reference: Step,
    inputs: list[torch.Tensor],
    *,
    repeats: int,
    seconds: float = 0.0,
    most_repeats: int = 4001,
    warmup: int = 10,
) -> tuple[list[float], list[float]]:
    """Alternate the two implementations run by run so drifts in machine load hit both alike.

    At least ``repeats`` runs each, and more (up to ``most_repeats``) until both together have
    run for ``seconds``: a step of 0.1 ms needs thousands of runs for a median that a
    neighbour's burst of work does not move by 5 %, a step of 100 ms a few dozen.
    """
    device = inputs[0].device
    for _ in range(warmup):
        forward_backward(ours, inputs)
        forward_backward(reference, inputs)
    times: dict[str, list[float]] = {"ours": [], "reference": []}
    spent, repeat = 0.0, 0
    while repeat < repeats or (spent < seconds and repeat < most_repeats):
        order = [("ours", ours), ("reference", reference)]
        if repeat % 2:
            order.reverse()
        for name, step in order:
            synchronize(device)
            start = time.perf_counter()
            forward_backward(step, inputs)
            synchronize(device)
            elapsed = time.perf_counter() - start
            times[name].append(elapsed)
            spent += elapsed
        repeat += 1
    return times["ours"], times["reference"]


def compare(ours: Step, reference: Step, inputs: list[torch.Tensor], *, repeats: int, seconds: float = 0.0) -> dict:
    """Median times, the median time ratio, and the peak-memory ratio of ``ours`` against ``reference``
    (timed as :func:`interleaved_times` does, with the number of runs each in ``"runs"``).

    The time ratio is the median over the pairs of adjacent runs of ours / reference, not the
    ratio of the two medians: a shared machine that slows down for a few seconds slows both
    runs of a pair alike, so the pair's ratio stands, while the medians of a few dozen 100 ms
    runs each moved by a tenth from one full run to the next.
    """
    ours_times, reference_times = interleaved_times(ours, reference, inputs, repeats=repeats, seconds=seconds)
    ours_median = statistics.median(ours_times)
    reference_median = statistics.median(reference_times)
    ratio = statistics.median(mine / theirs for mine, theirs in zip(ours_times, reference_times))
    ours_bytes = peak_memory(ours, inputs)
    reference_bytes = peak_memory(reference, inputs)
    return {
        "runs": len(ours_times),
        "time_ours_ms": ours_median * 1e3,
        "time_reference_ms": reference_median * 1e3,
        "time_ratio": ratio,
        "peak_bytes_ours": ours_bytes,
        "peak_bytes_reference": reference_bytes,
        "memory_ratio": ours_bytes / reference_bytes if reference_bytes else float("nan"),
    }
