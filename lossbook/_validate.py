"""Input validation shared by the whole package.

Each check raises a ``TypeError`` (wrong kind of object or dtype) or ``ValueError``
(wrong shape, range or option) whose message names the argument, what was
expected and what was received, so a reader can fix the call from the message alone.
One rule has one message: a number limited to ``[0, 1]`` always reads
``"x must be a finite number in [0, 1], got 2"``, whoever checks it.

The scalar checks (:func:`check_real`, :func:`check_int`, :func:`check_fraction`,
:func:`check_bool`, :func:`check_choice`) return the value, converted, so a caller
writes ``gamma = check_real("gamma", gamma, minimum=0.0)``. The tensor-value checks
(:func:`check_in_range`, :func:`check_ranges`, :func:`check_probabilities`) read their
verdict from the device with at most one host sync; :func:`read_scalars` and
:func:`read_flags` do the same for a caller's own facts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

import torch

REDUCTIONS = ("mean", "sum", "none")


def check_tensor(name: str, value: object) -> torch.Tensor:
    """Return ``value`` if it is a tensor, else raise ``TypeError`` naming ``name``."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    return value


def check_index_matrix(name: str, value: object, *, what: str = "token indices") -> torch.Tensor:
    """Require an int64 ``(batch, length)`` tensor of indices, the input of every sequence model."""
    tensor = check_tensor(name, value)
    if tensor.dtype != torch.long:
        raise TypeError(f"{name} must be an int64 tensor of {what}, got dtype {tensor.dtype}")
    if tensor.dim() != 2:
        raise ValueError(f"{name} must have shape (batch, length), got {tuple(tensor.shape)}")
    return tensor


def check_floating(name: str, value: object) -> torch.Tensor:
    """Require a floating-point tensor (losses and their gradients need real numbers)."""
    tensor = check_tensor(name, value)
    if not tensor.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor, got dtype {tensor.dtype}; "
            f"convert it with {name}.float()"
        )
    return tensor


def check_nonempty(name: str, tensor: torch.Tensor) -> torch.Tensor:
    """Require at least one element: the mean of nothing is NaN, so refuse it up front."""
    if tensor.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(tensor.shape)}")
    return tensor


def check_same_shape(
    input_name: str, input: torch.Tensor, target_name: str, target: torch.Tensor
) -> None:
    """Require equal shapes; silent broadcasting of (N, 1) against (N,) is a classic bug."""
    if input.shape != target.shape:
        raise ValueError(
            f"{target_name} must have the same shape as {input_name}: "
            f"expected {tuple(input.shape)}, got {tuple(target.shape)}"
        )


def check_same_dtype(
    input_name: str, input: torch.Tensor, target_name: str, target: torch.Tensor
) -> None:
    """Require equal dtypes so the loss is computed in one precision."""
    if input.dtype != target.dtype:
        raise TypeError(
            f"{target_name} must have the same dtype as {input_name}: "
            f"expected {input.dtype}, got {target.dtype}"
        )


def check_pair(
    input: torch.Tensor, target: torch.Tensor, *, input_name: str = "input", target_name: str = "target"
) -> None:
    """The checks every elementwise regression loss needs: tensors, floating, same shape and dtype, non-empty."""
    # The common case in one expression; any failure goes through the checks below for its message.
    if (
        isinstance(input, torch.Tensor) and isinstance(target, torch.Tensor) and input.dtype == target.dtype
        and input.is_floating_point() and input.shape == target.shape and input.numel() > 0
    ):
        return
    check_floating(input_name, input)
    check_floating(target_name, target)
    check_same_shape(input_name, input, target_name, target)
    check_same_dtype(input_name, input, target_name, target)
    check_nonempty(input_name, input)


def check_choice(name: str, value: object, choices: Sequence[object]) -> object:
    """Require one of ``choices`` (compared by type and value: ``1`` is not ``True``, a tensor is none)."""
    for choice in choices:
        if type(value) is type(choice) and value == choice:
            return value
    raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")


_REDUCTION_SET = frozenset(REDUCTIONS)


def check_reduction(reduction: object) -> str:
    """Require one of ``"mean"``, ``"sum"``, ``"none"`` (the ``torch.nn.functional`` options)."""
    if type(reduction) is str and reduction in _REDUCTION_SET:
        return reduction
    return check_choice("reduction", reduction, REDUCTIONS)  # type: ignore[return-value]


def _bounds_text(minimum, maximum, inclusive: tuple[bool, bool]) -> str:
    low_closed, high_closed = inclusive
    if minimum is not None and maximum is not None:
        return f" in {'[' if low_closed else '('}{minimum:g}, {maximum:g}{']' if high_closed else ')'}"
    if minimum is not None:
        return f" {'>=' if low_closed else '>'} {minimum:g}"
    if maximum is not None:
        return f" {'<=' if high_closed else '<'} {maximum:g}"
    return ""


def _within(number, minimum, maximum, inclusive: tuple[bool, bool]) -> bool:
    low_closed, high_closed = inclusive
    if minimum is not None and not (number >= minimum if low_closed else number > minimum):
        return False
    if maximum is not None and not (number <= maximum if high_closed else number < maximum):
        return False
    return True


def check_real(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    inclusive: bool | tuple[bool, bool] = True,
) -> float:
    """Require a finite real number within the given bounds; return it as a ``float``.

    ``inclusive`` applies to both bounds, or is a pair ``(lower, upper)``: ``[0, 1)`` is
    ``minimum=0, maximum=1, inclusive=(True, False)``. A bool is not a number (``TypeError``);
    NaN and infinities fail every rule (``ValueError``). The message states the whole
    rule: ``"beta must be a finite number in [0, 1), got 1.0"``.
    """
    kind = type(value)
    if kind is not float and kind is not int and (isinstance(value, bool) or not isinstance(value, Real)):
        raise TypeError(f"{name} must be a real number, got {kind.__name__}")
    number = float(value)
    closed = (inclusive, inclusive) if inclusive is True or inclusive is False else tuple(inclusive)
    if not math.isfinite(number) or not _within(number, minimum, maximum, closed):
        raise ValueError(f"{name} must be a finite number{_bounds_text(minimum, maximum, closed)}, got {value!r}")
    return number


def check_fraction(name: str, value: object, *, inclusive: bool | tuple[bool, bool] = False) -> float:
    """Require a share in ``(0, 1)`` (by default; ``inclusive`` as in :func:`check_real`)."""
    return check_real(name, value, minimum=0.0, maximum=1.0, inclusive=inclusive)


def check_int(name: str, value: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Require an ``int`` in ``[minimum, maximum]`` (either bound optional); return it as ``int``.

    A value of another kind, a ``bool`` included (``True`` is not a count) and ``1.0``
    included, is a ``TypeError``; an int out of range is a ``ValueError``.
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    number = int(value)
    if not _within(number, minimum, maximum, (True, True)):
        raise ValueError(f"{name} must be an int{_bounds_text(minimum, maximum, (True, True))}, got {value!r}")
    return number


def check_bool(name: str, value: object) -> bool:
    """Require a real ``bool`` (``0``/``1`` or a tensor would hide a mistaken argument order)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def check_float_dtype(name: str, value: object) -> torch.dtype:
    """Require a floating ``torch.dtype`` (``torch.float32``, not ``"float32"`` and not ``torch.int64``)."""
    if not isinstance(value, torch.dtype):
        raise TypeError(f"{name} must be a torch.dtype such as torch.float32, got {type(value).__name__}")
    if not value.is_floating_point:
        raise TypeError(f"{name} must be a floating dtype such as torch.float32, got {value}")
    return value


# ---------------------------------------------------------------------------------------
# values inside tensors: one host sync per check
# ---------------------------------------------------------------------------------------


def read_scalars(*scalars: torch.Tensor) -> list[float | int | bool]:
    """The values of several 0-d tensors, with at most one host sync.

    On an accelerator each ``.item()`` waits for the device, so the scalars are stacked
    and read at once (float64 holds every float32, half and int32 value exactly). On the
    CPU nothing waits, and reading each one costs less than stacking them.
    """
    if scalars[0].device.type == "cpu":
        return [scalar.item() for scalar in scalars]
    if len({scalar.dtype for scalar in scalars}) > 1:
        scalars = [scalar.double() for scalar in scalars]
    return torch.stack(scalars).tolist()


def read_flags(*flags: torch.Tensor) -> list[bool]:
    """Read several 0-d boolean tensors with at most one host sync, in order (see :func:`read_scalars`)."""
    return [bool(flag) for flag in read_scalars(*flags)]


def probability_sum_tolerance(dtype: torch.dtype, num_classes: int) -> float:
    """How far from 1 the sum of ``num_classes`` probabilities stored in ``dtype`` may be.

    Rounding a value to ``dtype`` moves it by at most ``eps/2`` of itself, or by half a
    subnormal step ``tiny*eps`` below the normal range. The rounding errors of C
    probabilities therefore add up to at most ``eps/2 * sum(p) + C*tiny*eps/2 =
    eps/2 + C*tiny*eps/2``: the bound does *not* grow with C for normal numbers. Twice that
    leaves room for one more rounded operation (a distribution normalised by hand);
    the floor of ``1e-3`` accepts hand-made float32/float64 distributions. (The old
    ``C*eps`` reached 0.98 in float16 at C = 1000 and called most small rows distributions.)
    """
    info = torch.finfo(dtype)
    return max(1e-3, 2 * info.eps + num_classes * info.tiny * info.eps)


def checked_before(tensor: torch.Tensor, rule: object) -> bool:
    """Whether ``tensor`` passed ``rule`` and has not changed since (see :func:`remember_checked`).

    A class weight or ``pos_weight`` is made once and passed at every step; reading its
    values again each time would cost a pass and a sync for nothing. Every in-place change
    (an optimizer step included) bumps the tensor's version counter, so a changed tensor is
    checked again. Writes that bypass autograd's counter (through ``.data`` or a NumPy view)
    are not seen. Tensors with autograd history are new at every call and never remembered.
    """
    # remembered_value written out (one frame instead of three): the guards ask this at every call
    # with a leaf input. A tensor holding facts has a version counter (see remember_value).
    facts = getattr(tensor, "_lossbook_facts", None)
    if facts is None:
        return False
    entry = facts.get(("passed", rule))
    return entry is not None and entry[0] == tensor._version


def remember_checked(tensor: torch.Tensor, rule: object) -> None:
    """Record, on the tensor itself, that ``tensor`` (without autograd history) passed ``rule``
    at its current version; the record goes when the tensor goes."""
    remember_value(tensor, ("passed", rule), True)


def remember_value(tensor: torch.Tensor, key: object, value: object) -> None:
    """Keep ``value`` (a fact read from ``tensor``, e.g. its largest entry, or that it passed a
    check) on the tensor itself until ``tensor`` changes in place."""
    version = tensor_version(tensor)
    if tensor.grad_fn is not None or version is None:
        return
    try:
        facts = getattr(tensor, "_lossbook_facts", None)
        if facts is None:
            facts = tensor._lossbook_facts = {}
        facts[key] = (version, value)
    except (AttributeError, RuntimeError, TypeError):
        pass  # a tensor that takes no attributes (some wrapper subclasses) is simply read every time


def remembered_value(tensor: torch.Tensor, key: object) -> object | None:
    """What :func:`remember_value` kept for ``tensor`` under ``key``, or ``None`` if it changed since."""
    facts = getattr(tensor, "_lossbook_facts", None)
    entry = facts.get(key) if facts is not None else None
    return entry[1] if entry is not None and entry[0] == tensor_version(tensor) else None


def tensor_version(tensor: torch.Tensor) -> int | None:
    """The tensor's version counter (bumped by every in-place change), or ``None`` for an inference-mode tensor."""
    # Inference-mode tensors keep no version counter: nothing about them can be remembered.
    try:
        return tensor._version
    except RuntimeError:
        return None


def _range_text(low: float, high: float) -> str:
    if math.isinf(high):
        return f"finite values >= {low:g}"
    return f"values in [{low:g}, {high:g}]"


def check_ranges(
    *checks: tuple[str, torch.Tensor, float, float, str], extra: Sequence[torch.Tensor] = ()
) -> tuple[list[tuple[float, float] | None], list[float | int | bool]]:
    """Several :func:`check_in_range` checks, ``(name, tensor, low, high, hint)`` each, read with one sync.

    A loss that checks its target and two weights asks the device once, not three times.
    ``extra`` 0-d tensors the caller needs anyway are read in the same sync. Returns the
    ``(smallest, largest)`` value of each checked tensor (``None`` for an empty one) and the
    values of ``extra``.
    """
    present = [check for check in checks if check[1].numel() > 0]
    if not present and not extra:
        return [None] * len(checks), []
    bounds = [bound for check in present for bound in torch.aminmax(check[1].detach())]
    values = read_scalars(*bounds, *extra)
    extra_values, values = values[len(bounds):], values[: len(bounds)]
    found = {}
    for (name, tensor, low, high, hint), smallest, largest in zip(present, values[::2], values[1::2]):
        # NaN propagates into aminmax and fails every comparison; +-inf fails a finite bound.
        if not (smallest >= low and largest <= high and math.isfinite(smallest) and math.isfinite(largest)):
            raise ValueError(
                f"{name} must hold {_range_text(low, high)}{hint}: got values from {smallest:.4g} to {largest:.4g}"
            )
        found[id(tensor)] = (smallest, largest)
    return [found.get(id(check[1])) for check in checks], extra_values


def check_in_range(name: str, tensor: torch.Tensor, low: float, high: float, *, hint: str = "") -> None:
    """Require every value of ``tensor`` finite and in ``[low, high]`` (``high`` may be ``inf``:
    any finite value ``>= low``); NaN fails too. One pass, one sync.

    ``hint`` is appended to the rule, e.g. ``" (bce takes probabilities)"``.
    """
    check_ranges((name, tensor, low, high, hint))


def check_probabilities(name: str, tensor: torch.Tensor, *, class_dim: int | None = None, hint: str = "") -> None:
    """Require probabilities: every value in ``[0, 1]`` and, with ``class_dim``, every
    slice along it summing to 1 within :func:`probability_sum_tolerance`. One sync."""
    values = tensor.detach()
    if values.numel() == 0:
        return
    smallest, largest = torch.aminmax(values)
    if class_dim is None:
        low, high = read_scalars(smallest, largest)
        sums_ok = True
    else:
        sums = values.sum(dim=class_dim, dtype=torch.float32)
        tolerance = probability_sum_tolerance(values.dtype, values.shape[class_dim])
        gap = (sums - 1.0).abs().max()
        low, high, worst = read_scalars(smallest, largest, gap)
        sums_ok = worst <= tolerance
    if not (low >= 0.0 and high <= 1.0):
        raise ValueError(
            f"{name} must hold probabilities in [0, 1]{hint}: got values from {low:.4g} to {high:.4g}"
        )
    if not sums_ok:
        raise ValueError(
            f"{name} must sum to 1 along the class dimension (dim {class_dim}){hint}: "
            f"got sums from {sums.min().item():.4g} to {sums.max().item():.4g}"
        )


def check_split_fractions(name: str, value: object, *, parts: int) -> tuple[float, ...]:
    """Require ``parts`` non-negative real shares summing to 1 (within 1e-9), e.g. train/dev/test."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a tuple of {parts} real numbers, got {type(value).__name__}")
    shares = tuple(check_real(f"{name}[{i}]", share, minimum=0.0) for i, share in enumerate(value))
    if len(shares) != parts or abs(sum(shares) - 1) > 1e-9:
        raise ValueError(f"{name} must be {parts} non-negative numbers summing to 1, got {tuple(value)!r}")
    return shares


def check_generator(name: str, value: object) -> torch.Generator | None:
    """Require ``None`` (torch's global generator) or a ``torch.Generator`` (a seed is not one: seed it first)."""
    if value is not None and not isinstance(value, torch.Generator):
        raise TypeError(
            f"{name} must be a torch.Generator or None, got {type(value).__name__}; "
            f"for a seed pass torch.Generator().manual_seed(seed)"
        )
    return value


def check_str_sequence(name: str, value: object, *, what: str = "str") -> list[str]:
    """Require a list or tuple of ``str`` (not one ``str``, not a generator, which would be used up)."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of {what}, got {type(value).__name__}")
    for position, item in enumerate(value):
        if not isinstance(item, str):
            raise TypeError(f"{name}[{position}] must be a str, got {type(item).__name__}")
    return list(value)
