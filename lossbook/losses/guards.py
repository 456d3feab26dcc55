r"""A guard against the double-softmax bug: probabilities passed where logits belong.

``cross_entropy`` applies ``log_softmax`` itself and ``bce_with_logits`` applies the
sigmoid itself. Feed them a softmax or sigmoid *output* and the code still runs, the
accuracy often looks fine, and the model is quietly trained with a squashed loss
(the bug of the article *[PyTorch] Softmax + CrossEntropyLoss*). ``nll`` expects
*log*-probabilities; feeding it probabilities, or raw logits, is the same mistake one
step later or one step short.

Two pieces of evidence decide, in :func:`looks_like_probabilities`:

* **autograd's record.** Looking back through the operations that only reshape, cast,
  index or copy a tensor (``.view``, ``.squeeze``, ``[...]``, ``.float()``, ``.clone()``,
  ...), the guard finds the operation that computed the values. A matrix product,
  convolution or embedding (a layer's scores) cannot be probabilities: the guard stays
  silent and reads no values. A sigmoid or softmax can.
* **the values.** *Distributions* (``cross_entropy``, ``nll``, multiclass ``focal_loss``,
  the dice losses with class indices): every value lies in :math:`[0, 1]` *and* every slice
  along the class dimension sums to 1 within :func:`~lossbook._validate.probability_sum_tolerance`
  (about ``2 eps`` of the dtype, whatever the number of classes). Logits almost never do
  both. *Independent probabilities* (``bce_with_logits``, binary ``focal_loss`` and dice):
  every value lies in :math:`[0, 1]` and either autograd shows a sigmoid (or softmax) made
  the tensor, or the tensor has no autograd history, is not a trainable leaf and holds at
  least 8 values (a ``.detach()``-ed or ``no_grad`` sigmoid output leaves no trace, so the
  values decide; centred logits all fall in [0, 1] with probability about :math:`2^{-N}`).
  Values alone would call the logits of an untrained binary layer (all in [0, 1] at
  initialisation) probabilities, which is why a layer's scores or a trainable leaf are
  never flagged; the rare false alarm left is an untrained model's logits evaluated under
  ``torch.no_grad``, all in :math:`[0, 1]`.

**What the guard cannot see**, because no sound rule exists for it: independent probabilities
(``bce_with_logits``, binary ``focal_loss`` and dice) that either have fewer than 8 values and
no autograd history, or were re-made into a trainable leaf (``p.detach().requires_grad_()``).
Only the values speak there, and genuine logits take the same values: hand-typed logits such
as ``torch.tensor([0.5, 0.2])``, and trainable logits initialised with ``torch.zeros`` or
``torch.rand``, lie in :math:`[0, 1]` too, and a rule that flagged them would warn on correct
code. Distributions have no such gap: a slice summing to 1 is evidence at any size, leaf or not.

Cost: with autograd's record of a layer, nothing is read; otherwise one O(C) reduction over
the first slice along the class dimension settles ordinary logits, and only a tensor that
passes it is read in full. A tensor without history (data, a trainable leaf) that passed is
remembered with its version counter and not read again until it changes in place.

:func:`check_log_probabilities` adds the rule for ``nll``: a ``log_softmax`` output passes
at once; otherwise the first slice along the class dimension must have a logsumexp of 0
(within a dtype-aware tolerance), which raw logits almost never have.

What happens when a rule fires depends on the mode: ``"warn"`` (default) issues a
:class:`ProbabilitiesNotLogitsWarning` (or :class:`NotLogProbabilitiesWarning`), ``"raise"``
raises :class:`ProbabilitiesNotLogitsError` (or :class:`NotLogProbabilitiesError`, both
``ValueError``), ``"off"`` skips the check. The loss that calls the guard passes its own
advice, the sentence that says how to fix the call.

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
import math
import sys
import warnings
import weakref
from collections.abc import Iterator

import torch

from lossbook._validate import (
    check_choice,
    checked_before,
    probability_sum_tolerance,
    read_scalars,
    remember_checked,
    tensor_version,
)

__all__ = [
    "MODES",
    "ProbabilitiesNotLogitsWarning",
    "ProbabilitiesNotLogitsError",
    "NotLogProbabilitiesWarning",
    "NotLogProbabilitiesError",
    "looks_like_probabilities",
    "looks_like_log_probabilities",
    "check_logits",
    "check_log_probabilities",
    "PassedLeaf",
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


class NotLogProbabilitiesWarning(UserWarning):
    """A loss that expects log-probabilities (``nll``) received something else, usually raw logits."""


class NotLogProbabilitiesError(ValueError):
    """Raised instead of :class:`NotLogProbabilitiesWarning` in ``"raise"`` mode."""


def get_guard_mode() -> str:
    """The current mode: ``"warn"``, ``"raise"`` or ``"off"``."""
    return _mode.get()


def set_guard_mode(mode: str) -> str:
    """Set the mode for the rest of the session (or context); return the previous one."""
    previous = _mode.get()
    _mode.set(check_choice("mode", mode, MODES))
    return previous


@contextlib.contextmanager
def guard_mode(mode: str) -> Iterator[None]:
    """Use ``mode`` inside a ``with`` block only, e.g. ``with guard_mode("raise"): ...``."""
    token = _mode.set(check_choice("mode", mode, MODES))
    try:
        yield
    finally:
        _mode.reset(token)


# ---------------------------------------------------------------------------------------
# autograd's record
# ---------------------------------------------------------------------------------------

# Autograd nodes (by name, without "Backward0") that only reshape, cast, index, copy or
# join values: whatever made their first input made the values they pass on.
_PASS_THROUGH = frozenset(
    {
        "View", "ReshapeAlias", "UnsafeView", "Squeeze", "Unsqueeze", "Select", "Slice",
        "Index", "IndexSelect", "MaskedSelect", "Gather", "Take", "ToCopy", "Clone",
        "Expand", "Permute", "T", "Transpose", "Unbind", "Split", "SplitWithSizes",
        "AsStrided", "Alias", "Cat", "Stack", "Flip", "Roll", "Repeat", "Unfold", "Diagonal",
    }
)
# Where the values were computed, and what that makes them.
_MADE_BY = {
    "Sigmoid": "sigmoid",
    "Hardsigmoid": "sigmoid",
    "Softmax": "softmax",
    "LogSoftmax": "log_softmax",
    # A layer's raw scores: a matrix product, convolution or embedding lookup squashes nothing.
    **dict.fromkeys(
        ["Addmm", "Mm", "Bmm", "Baddbmm", "Addbmm", "Mv", "Addmv", "Linear", "MkldnnLinear",
         "Convolution", "MkldnnConvolution", "CudnnConvolution", "Embedding", "EmbeddingBag"],
        "scores",
    ),
}
_kind_of_node_type: dict[type, str] = {}


def _node_kind(node: object) -> str:
    node_type = type(node)
    kind = _kind_of_node_type.get(node_type)
    if kind is None:
        name = node_type.__name__
        if name == "AccumulateGrad":
            kind = "trainable leaf"
        else:
            stem = name.split("Backward")[0]
            kind = "pass" if stem in _PASS_THROUGH else _MADE_BY.get(stem, "other")
        _kind_of_node_type[node_type] = kind
    return kind


def _made_by(tensor: torch.Tensor) -> str:
    """What autograd records made ``tensor``, looking through reshapes, casts, indexing and copies.

    One of ``"sigmoid"``, ``"softmax"``, ``"log_softmax"``, ``"scores"`` (a layer),
    ``"trainable leaf"``, ``"other"`` (another operation) or ``"no history"``.
    """
    node = tensor.grad_fn
    if node is None:
        return "trainable leaf" if tensor.requires_grad else "no history"
    for _ in range(64):
        kind = _node_kind(node)
        if kind != "pass":
            return kind
        inputs = node.next_functions
        if not inputs or inputs[0][0] is None:
            return "other"
        node = inputs[0][0]
    return "other"


# ---------------------------------------------------------------------------------------
# the values
# ---------------------------------------------------------------------------------------


def _first_slice(values: torch.Tensor, class_dim: int | None) -> torch.Tensor:
    """The first slice along the class dimension (the first element without one)."""
    if class_dim is None:
        return values.reshape(-1)[:1]
    if values.dim() == 1:
        return values
    index = [0] * values.dim()
    index[class_dim] = slice(None)
    return values[tuple(index)]


def _distribution_evidence(values: torch.Tensor, class_dim: int) -> str | None:
    num_classes = values.shape[class_dim] if values.dim() else 1
    if num_classes < 2:
        return None
    # The rule needs *every* slice to be a distribution, so a first slice with a value
    # outside [0, 1] settles it: one O(C) reduction, where ordinary logits (a negative score
    # in nearly every row) stop. Only a first slice that passes goes on to the full check,
    # so the shortcut changes no decision.
    if values.dim() > 1:
        low, high = read_scalars(*torch.aminmax(_first_slice(values, class_dim)))
        if not (low >= 0.0 and high <= 1.0):
            return None
    low, high = torch.aminmax(values)
    gap = (values.sum(dim=class_dim, dtype=torch.float32) - 1.0).abs().max()
    low, high, gap = read_scalars(low, high, gap)
    if low >= 0.0 and high <= 1.0 and gap <= probability_sum_tolerance(values.dtype, num_classes):
        return "every value is in [0, 1] and every row sums to 1 along the class dimension"
    return None


def _in_unit_interval(values: torch.Tensor) -> bool:
    low, high = read_scalars(*torch.aminmax(values))
    return low >= 0.0 and high <= 1.0


def _probability_evidence(input: torch.Tensor, class_dim: int | None, made_by: str) -> str | None:
    """What makes ``input`` look like probabilities, in words, or ``None``."""
    if not input.is_floating_point() or input.numel() == 0 or made_by == "scores":
        return None
    values = input.detach()
    if class_dim is not None:
        return _distribution_evidence(values, class_dim)
    if made_by in ("sigmoid", "softmax"):
        if _in_unit_interval(values):
            return f"every value is in [0, 1] and autograd shows a {made_by} made it"
        return None
    if made_by == "no history" and values.numel() >= _MIN_VALUES_WITHOUT_HISTORY and _in_unit_interval(values):
        return (
            "every value is in [0, 1] and it has no autograd history, as a detached or no_grad "
            "sigmoid output has"
        )
    return None


# Without autograd's record only the values speak, and centred logits all land in [0, 1]
# with probability about 2^-N: a few hand-typed numbers are no evidence, 8 or more are.
_MIN_VALUES_WITHOUT_HISTORY = 8


def looks_like_probabilities(input: torch.Tensor, *, class_dim: int | None) -> bool:
    """The detection rule: does ``input`` look like probabilities rather than logits?

    Args:
        input: the tensor a loss received (not modified, no gradient recorded).
        class_dim: the class dimension for distributions (softmax outputs); ``None``
            for independent probabilities (sigmoid outputs).

    Returns:
        ``False`` when autograd shows a layer's scores (matrix product, convolution,
        embedding) made ``input``. Otherwise, with ``class_dim``: every value is in
        :math:`[0, 1]` and every slice along it sums to 1 (at least 2 classes). Without:
        every value is in :math:`[0, 1]` and a sigmoid or softmax made ``input`` (seen
        through reshapes, casts, indexing and copies), or ``input`` has no autograd
        history and is not a trainable leaf.
    """
    return _probability_evidence(input, class_dim, _made_by(input)) is not None


def _log_probability_tolerance(dtype: torch.dtype, num_classes: int) -> float:
    # Rounding each log-probability z_c moves it by at most eps/2 * |z_c|, so the logsumexp of
    # the row moves by at most eps/2 * sum_c p_c |z_c| (the entropy, <= log C); twice that, floor 1e-3.
    return max(1e-3, torch.finfo(dtype).eps * max(1.0, math.log(num_classes)))


def _first_slice_logsumexp(input: torch.Tensor, class_dim: int) -> float:
    return torch.logsumexp(_first_slice(input.detach(), class_dim).float(), dim=0).item()


def looks_like_log_probabilities(input: torch.Tensor, *, class_dim: int) -> bool:
    """Does ``input`` look like log-probabilities (a ``log_softmax`` output along ``class_dim``)?

    ``True`` when autograd shows a ``log_softmax`` made it; otherwise when the logsumexp of
    the first slice along ``class_dim`` is 0 within a dtype-aware tolerance (a row of
    log-probabilities exponentiates to a distribution). One slice decides, in O(C): raw
    logits almost never have a logsumexp of 0. A first slice without a finite logsumexp
    (all ``-inf``, or NaN) is given the benefit of the doubt.
    """
    if not input.is_floating_point() or input.numel() == 0:
        return True
    if _made_by(input) == "log_softmax":
        return True
    lse = _first_slice_logsumexp(input, class_dim)
    return not math.isfinite(lse) or abs(lse) <= _log_probability_tolerance(input.dtype, input.shape[class_dim])


# ---------------------------------------------------------------------------------------
# what the losses call
# ---------------------------------------------------------------------------------------

_SILENCE = "(Silence with lossbook.losses.guards.guard_mode('off') if this is intended.)"


def _stacklevel_outside_lossbook() -> int:
    """The ``stacklevel`` of the first caller outside this package (for the caller of ``warnings.warn``)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("lossbook."):
        frame, level = frame.f_back, level + 1
    return level


def _fire(message: str, warning: type[Warning], error: type[ValueError], mode: str) -> None:
    if mode == "raise":
        raise error(message)
    # Point at the line that called the loss, however deep inside lossbook the guard was called.
    warnings.warn(message, warning, stacklevel=_stacklevel_outside_lossbook())


class PassedLeaf:
    """The last input without autograd history that passed a guard at one place, weakly held,
    and its version then: passed there again unchanged, it is not looked at again.

    The guards remember a passed leaf on the tensor itself too
    (:func:`lossbook._validate.checked_before`); a loss that keeps one of these per call
    signature (:class:`lossbook.losses._targets.IndexPlan`) spares the lookups on the tensor,
    which at 64 rows are measurable against ``F.cross_entropy`` (see ``benchmarks/``).
    """

    __slots__ = ("_leaf", "_version")

    def __init__(self) -> None:
        self._leaf = _no_leaf
        self._version = -1

    def holds(self, input: torch.Tensor) -> bool:
        """Whether ``input`` is the leaf that passed last, unchanged since."""
        return self._leaf() is input and self._version == input._version

    def hold(self, input: torch.Tensor) -> None:
        """Remember ``input``, a leaf that passed, if it has a version counter."""
        version = tensor_version(input)
        if version is not None:
            self._leaf, self._version = weakref.ref(input), version


def _no_leaf() -> None:
    return None


def check_logits(
    input: torch.Tensor,
    *,
    loss: str,
    advice: str,
    class_dim: int | None,
    name: str = "input",
    passed: PassedLeaf | None = None,
) -> bool:
    """Warn or raise (per the current mode) when ``input`` looks like probabilities.

    Args:
        input: what the loss received.
        loss: the calling loss's name, for the message.
        advice: the caller's own sentence(s) on why this is wrong for it and how to fix the call.
        class_dim: the class dimension (distributions), or ``None`` (independent probabilities);
            see :func:`looks_like_probabilities`.
        name: the argument's name, for the message.
        passed: where the caller remembers the last leaf that passed (see :class:`PassedLeaf`);
            only for a ``class_dim``, whose verdict does not depend on ``requires_grad``.

    Returns:
        Whether ``input`` passed: ``False`` when it warned, or when the mode is ``"off"``.
    """
    mode = _mode.get()
    if mode == "off":
        return False
    node = input.grad_fn
    if node is not None:
        if _kind_of_node_type.get(type(node)) == "scores":
            return True  # a layer's output, the common case in training: decided without a look at the values
    elif (passed is not None and passed.holds(input)) or checked_before(
        input, ("logits", class_dim, input.requires_grad)
    ):
        return True
    evidence = _probability_evidence(input, class_dim, _made_by(input))
    if evidence is None:
        # A tensor without history (data, a leaf) passed again unchanged is not read again.
        if node is None:
            remember_checked(input, ("logits", class_dim, input.requires_grad))
            if passed is not None and class_dim is not None:  # see the argument's description
                passed.hold(input)
        return True
    message = f"{loss} got {name} that looks like probabilities, not logits: {evidence}. {advice} {_SILENCE}"
    _fire(message, ProbabilitiesNotLogitsWarning, ProbabilitiesNotLogitsError, mode)
    return False


def check_log_probabilities(
    input: torch.Tensor,
    *,
    loss: str,
    advice: str,
    class_dim: int,
    name: str = "input",
    passed: PassedLeaf | None = None,
) -> bool:
    """Warn or raise (per the current mode) when ``input`` is not log-probabilities.

    Probabilities (see :func:`looks_like_probabilities`) give a
    :class:`ProbabilitiesNotLogitsWarning`; anything else whose first slice does not
    exponentiate to a distribution (see :func:`looks_like_log_probabilities`), raw logits
    above all, gives a :class:`NotLogProbabilitiesWarning`. Arguments and return value as in :func:`check_logits`.
    """
    mode = _mode.get()
    if mode == "off":
        return False
    node = input.grad_fn
    if node is not None:
        if _kind_of_node_type.get(type(node)) == "log_softmax":
            return True  # the common case, nll(log_softmax(x)), decided without a look at the values
    elif (passed is not None and passed.holds(input)) or checked_before(
        input, ("log-probabilities", class_dim, input.requires_grad)
    ):
        return True  # a tensor without history that passed and has not changed since
    if not input.is_floating_point() or input.numel() == 0:
        return True
    made_by = _made_by(input)
    if made_by == "log_softmax":
        return True
    evidence = _probability_evidence(input, class_dim, made_by)
    if evidence is not None:
        message = (
            f"{loss} got {name} that looks like probabilities, not log-probabilities: {evidence}. {advice} {_SILENCE}"
        )
        _fire(message, ProbabilitiesNotLogitsWarning, ProbabilitiesNotLogitsError, mode)
        return False
    lse = _first_slice_logsumexp(input, class_dim)
    if not math.isfinite(lse) or abs(lse) <= _log_probability_tolerance(input.dtype, input.shape[class_dim]):
        if node is None:
            remember_checked(input, ("log-probabilities", class_dim, input.requires_grad))
            if passed is not None:
                passed.hold(input)
        return True
    message = (
        f"{loss} got {name} that does not look like log-probabilities: the logsumexp of its first row "
        f"along the class dimension is {lse:.4g}, not 0 (raw logits?). {advice} {_SILENCE}"
    )
    _fire(message, NotLogProbabilitiesWarning, NotLogProbabilitiesError, mode)
    return False
