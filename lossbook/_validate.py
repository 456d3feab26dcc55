"""Input validation shared by every loss.

Each check raises a ``TypeError`` (wrong kind of object or dtype) or ``ValueError``
(wrong shape, range or option) whose message names the argument, what was
expected and what was received, so a reader can fix the call from the message alone.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import torch

REDUCTIONS = ("mean", "sum", "none")


def check_tensor(name: str, value: object) -> torch.Tensor:
    """Return ``value`` if it is a tensor, else raise ``TypeError`` naming ``name``."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    return value


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
    check_floating(input_name, input)
    check_floating(target_name, target)
    check_same_shape(input_name, input, target_name, target)
    check_same_dtype(input_name, input, target_name, target)
    check_nonempty(input_name, input)


def check_reduction(reduction: object) -> str:
    """Require one of ``"mean"``, ``"sum"``, ``"none"`` (the ``torch.nn.functional`` options)."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction  # type: ignore[return-value]


def check_real(name: str, value: object, *, minimum: float, inclusive: bool = True) -> float:
    """Require a finite real number ``>= minimum`` (or ``> minimum`` when not inclusive)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    number = float(value)
    bound_ok = number >= minimum if inclusive else number > minimum
    if not math.isfinite(number) or not bound_ok:
        relation = ">=" if inclusive else ">"
        raise ValueError(f"{name} must be a finite number {relation} {minimum:g}, got {value!r}")
    return number


def check_fraction(name: str, value: object) -> float:
    """Require a real number strictly between 0 and 1 (a share of a data set; NaN fails)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), got {value!r}")
    return float(value)


def check_int(name: str, value: object, *, minimum: int) -> int:
    """Require an ``int >= minimum`` (bools are refused: ``True`` is not a count)."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_bool(name: str, value: object) -> bool:
    """Require a real ``bool`` (``0``/``1`` or a tensor would hide a mistaken argument order)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value
