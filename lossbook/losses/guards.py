r"""A guard against the double-softmax bug: probabilities passed where logits belong.

``cross_entropy`` applies ``log_softmax`` itself and ``bce_with_logits`` applies the
sigmoid itself. Feed them a softmax or sigmoid *output* and the code still runs, the
accuracy often looks fine, and the model is quietly trained with a squashed loss
(the bug of seed 004). ``nll`` expects *log*-probabilities; feeding it probabilities
is the same mistake one step later.

One rule decides, in :func:`looks_like_probabilities`:

* **distributions** (``cross_entropy``, ``nll``, multiclass ``focal_loss``): every
  value lies in :math:`[0, 1]` *and* every slice along the class dimension sums to 1.
  Logits almost never do both: a row of real-valued scores that happens to be
  non-negative, at most 1 and to sum to 1 within the tolerance is a measure-zero
  coincidence, not a training state.
* **independent probabilities** (``bce_with_logits``, binary ``focal_loss``): every
  value lies in :math:`[0, 1]` *and* autograd records that the tensor was made by a
  sigmoid (its ``grad_fn`` is ``SigmoidBackward``). Values alone cannot decide here:
  an untrained binary model can output logits that all lie in :math:`[0, 1]`. Without
  autograd history (under ``torch.no_grad``) this rule therefore stays silent.

What happens when the rule fires depends on the mode: ``"warn"`` (default) issues a
:class:`ProbabilitiesNotLogitsWarning`, ``"raise"`` raises
:class:`ProbabilitiesNotLogitsError` (a ``ValueError``), ``"off"`` skips the check.

Example:
    >>> import torch
    >>> from lossbook.losses import cross_entropy
    >>> probs = torch.softmax(torch.tensor([[2.0, 0.0, -1.0]]), dim=1)
    >>> with guard_mode("raise"):
    ...     cross_entropy(probs, torch.tensor([0]))
    Traceback (most recent call last):
    ...
    lossbook.losses.guards.ProbabilitiesNotLogitsError: cross_entropy got input that looks like probabilities, not logits: ...
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from collections.abc import Iterator

import torch

__all__ = [
    "MODES",
    "ProbabilitiesNotLogitsWarning",
    "ProbabilitiesNotLogitsError",
    "looks_like_probabilities",
    "check_logits",
    "get_guard_mode",
    "set_guard_mode",
    "guard_mode",
]

MODES = ("warn", "raise", "off")

_mode: contextvars.ContextVar[str] = contextvars.ContextVar("lossbook_guard_mode", default="warn")


class ProbabilitiesNotLogitsWarning(UserWarning):
    """A loss that expects logits (or log-probabilities) received probabilities."""


class ProbabilitiesNotLogitsError(ValueError):
    """Raised instead of :class:`ProbabilitiesNotLogitsWarning` in ``"raise"`` mode."""


def _check_mode(mode: object) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    return mode  # type: ignore[return-value]


def get_guard_mode() -> str:
    """The current mode: ``"warn"``, ``"raise"`` or ``"off"``."""
    return _mode.get()


def set_guard_mode(mode: str) -> str:
    """Set the mode for the rest of the session (or context); return the previous one."""
    previous = _mode.get()
    _mode.set(_check_mode(mode))
    return previous


@contextlib.contextmanager
def guard_mode(mode: str) -> Iterator[None]:
    """Use ``mode`` inside a ``with`` block only, e.g. ``with guard_mode("raise"): ...``."""
    token = _mode.set(_check_mode(mode))
    try:
        yield
    finally:
        _mode.reset(token)


def _sum_tolerance(dtype: torch.dtype, num_classes: int) -> float:
    # Rounding each of C probabilities moves their sum by up to about C * eps (bfloat16: eps = 2^-7).
    return max(1e-3, num_classes * torch.finfo(dtype).eps)


def _made_by_sigmoid(tensor: torch.Tensor) -> bool:
    grad_fn = tensor.grad_fn
    return grad_fn is not None and type(grad_fn).__name__.startswith("SigmoidBackward")


def looks_like_probabilities(input: torch.Tensor, *, class_dim: int | None) -> bool:
    """The detection rule: does ``input`` look like probabilities rather than logits?

    Args:
        input: the tensor a loss received (not modified, no gradient recorded).
        class_dim: the class dimension for distributions (softmax outputs); ``None``
            for independent probabilities (sigmoid outputs).

    Returns:
        ``True`` when every value is in :math:`[0, 1]` and, with ``class_dim``, every
        slice along it sums to 1 (within a dtype-aware tolerance, at least 2 classes);
        without ``class_dim``, when autograd records that a sigmoid made ``input``.
    """
    if not input.is_floating_point() or input.numel() == 0:
        return False
    if class_dim is None and not _made_by_sigmoid(input):
        return False
    values = input.detach()
    if class_dim is not None and values.dim() > 1:
        # The rule needs *every* slice along the class dimension to be a distribution, so
        # one slice that is not (any value outside [0, 1]) settles it for the whole tensor.
        # Testing the first slice costs O(C) instead of a pass over all the logits, and
        # ordinary logits (some negative score in nearly every row) end the check here.
        # Only a first slice that looks like probabilities goes on to the full check below,
        # so the rule fires on exactly the same inputs as the full check alone.
        first = [0] * values.dim()
        first[class_dim] = slice(None)
        first_slice = values[tuple(first)]
        # min first: a logit row almost always holds a negative score, so one reduction decides.
        if first_slice.min().item() < 0.0 or first_slice.max().item() > 1.0:
            return False
    # One pass for both bounds over the whole tensor.
    low, high = torch.aminmax(values)
    if not (low.item() >= 0.0 and high.item() <= 1.0):
        return False
    if class_dim is None:
        return True
    num_classes = values.shape[class_dim]
    if num_classes < 2:
        return False
    sums = values.sum(dim=class_dim, dtype=torch.float32)
    return bool(((sums - 1.0).abs() <= _sum_tolerance(values.dtype, num_classes)).all())


_ADVICE = {
    "cross_entropy": (
        "every value is in [0, 1] and every row sums to 1 along the class dimension. "
        "cross_entropy applies log_softmax itself, so a softmax before it is applied twice "
        "(the double-softmax bug): accuracy may look fine while the loss, its gradients and "
        "the model's confidence are wrong. Pass the raw logits (remove the softmax); keep "
        "softmax for reporting probabilities only."
    ),
    "nll": (
        "every value is in [0, 1] and every row sums to 1 along the class dimension. "
        "nll expects log-probabilities: use torch.log_softmax(logits, dim=1) instead of "
        "torch.softmax, or call cross_entropy on the logits."
    ),
    "bce_with_logits": (
        "every value is in [0, 1] and autograd shows a sigmoid made it. bce_with_logits applies "
        "the sigmoid itself, so a sigmoid "
        "before it is applied twice. Pass the raw logits (remove the sigmoid), or use bce() "
        "if you really hold probabilities."
    ),
    "focal_loss": (
        "every value is in [0, 1] and, for class-index targets, every row sums to 1 "
        "(for binary targets, autograd shows a sigmoid made it). "
        "focal_loss applies the sigmoid or softmax itself. Pass the raw logits."
    ),
}
# The dice losses take logits like focal_loss: sigmoid for float targets, softmax for class indices.
for _dice in ("dice_loss", "self_adjusting_dice_loss", "batch_dice_loss"):
    _ADVICE[_dice] = (
        "every value is in [0, 1] and, for class-index targets, every row sums to 1 "
        f"(for binary targets, autograd shows a sigmoid made it). {_dice} applies the sigmoid "
        "or softmax itself, so one before it is applied twice. Pass the raw logits."
    )
_ADVICE["mixed_cross_entropy"] = _ADVICE["cross_entropy"].replace("cross_entropy applies", "mixed_cross_entropy applies")


def check_logits(input: torch.Tensor, *, loss: str, class_dim: int | None, name: str = "input") -> None:
    """Warn or raise (per the current mode) when ``input`` looks like probabilities.

    ``loss`` names the calling loss (it picks the advice in the message);
    ``class_dim`` is passed to :func:`looks_like_probabilities`.
    """
    mode = _mode.get()
    if mode == "off" or not looks_like_probabilities(input, class_dim=class_dim):
        return
    expected = "log-probabilities" if loss == "nll" else "logits"
    message = (
        f"{loss} got {name} that looks like probabilities, not {expected}: {_ADVICE[loss]} "
        "(Silence with lossbook.losses.guards.guard_mode('off') if this is intended.)"
    )
    if mode == "raise":
        raise ProbabilitiesNotLogitsError(message)
    # stacklevel 3: point at the line that called the loss, not at this helper.
    warnings.warn(message, ProbabilitiesNotLogitsWarning, stacklevel=3)
