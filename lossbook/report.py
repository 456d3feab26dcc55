"""How a chapter reports what it measured: claims it asserts and numbers it glues into its prose.

A number computed after a training loop changes in its 2nd–4th digit from one CPU to
another (MKL and oneDNN dispatch other kernels), so a chapter never types such a number
into its text and never relies on nbval comparing it byte for byte. Instead:

- ``claim(holds, statement)`` asserts, in a cell the site hides, each thing the prose says
  about a measured result, with a tolerance the chapter justifies from its spread over seeds;
- ``glue(name, value)`` stores a measured value in the notebook's outputs, and the prose shows
  it with ``{glue:text}`name:.3f``` (myst-nb), so text and output always come from one run.

``glue`` writes exactly what ``myst_nb.glue(name, value, display=False)`` writes, without
importing myst-nb: Colab does not have it, and installing it there would replace packages
Colab preinstalls.
"""

from __future__ import annotations

import numbers
import os
import re
import warnings

import IPython
import numpy as np
import torch
from IPython.display import display

from lossbook._validate import check_bool

# What myst-nb looks for (myst_nb.ext.glue.GLUE_PREFIX): an output with this MIME prefix and
# "scrapbook" metadata is read as glued data and is not shown where it was produced.
GLUE_PREFIX = "application/papermill.record/"
_GLUE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


class ClaimError(AssertionError):
    """A claim in a chapter's prose that its own run does not support."""


class ClaimWarning(UserWarning):
    """A claim about the committed smoke-size run that a full-size run does not repeat."""


def claim(holds, statement: str) -> None:
    """Assert one thing a chapter's prose says about a measured result.

    Args:
        holds: whether the run supports the statement (a ``bool``, a NumPy bool or a
            one-element boolean tensor).
        statement: the claim in words, as the prose makes it, with the measured numbers
            (an f-string), so a failure says what was claimed and what was measured.

    Raises:
        ClaimError: when ``holds`` is false. On a full-size run (``lossbook.training.run.setup`` chose
            ``size="full"``, e.g. on a GPU) it warns with :class:`ClaimWarning` instead: the
            prose describes the smoke-size run committed with the book, and a long run must
            not stop at its last cell because a larger measurement says something else.

    Example:
        >>> claim(0.031 < 0.072, "focal loss (γ = 1) has a lower ECE than cross-entropy")
        >>> claim(0.9 < 0.5, "the trained model is worse")
        Traceback (most recent call last):
        ...
        lossbook.report.ClaimError: the chapter claims that the trained model is worse, but its run does not support it
    """
    if not isinstance(statement, str):
        raise TypeError(f"statement must be a str (the claim in words), got {type(statement).__name__}")
    if not statement.strip():
        raise ValueError(f"statement must be a non-empty string, got {statement!r}")
    if isinstance(holds, torch.Tensor):
        if holds.dtype != torch.bool or holds.numel() != 1:
            raise TypeError(f"holds must be a bool or a one-element bool tensor, got {holds.dtype} of shape {tuple(holds.shape)}")
        holds = holds.item()
    elif isinstance(holds, np.bool_):
        holds = bool(holds)
    check_bool("holds", holds)
    if not holds:
        from lossbook.training.run import current_run

        run = current_run()
        if run is not None and run.is_full:
            warnings.warn(
                f"the chapter's text (written from the smoke-size run) says that {statement}; "
                "this full-size run does not support it",
                ClaimWarning,
                stacklevel=2,
            )
            return
        raise ClaimError(f"the chapter claims that {statement}, but its run does not support it")


def _plain(value):
    # NumPy 2 writes np.float64(0.5) as its repr, which myst-nb cannot format with ':.3f'.
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def progress_bar(*args, **kwargs):
    """``tqdm.auto.tqdm(*args, **kwargs)``, switched off when ``TQDM_DISABLE`` is set.

    A bar is for someone running a chapter; the committed outputs carry none, so
    ``tools/execute_notebooks.py`` and nbval set ``TQDM_DISABLE=1``. tqdm's notebook bar ignores
    that variable (it always passes ``disable`` itself), so the book's code asks here.
    """
    from tqdm.auto import tqdm

    if os.environ.get("TQDM_DISABLE", "").strip().lower() in ("1", "true", "yes"):
        kwargs["disable"] = True
    return tqdm(*args, **kwargs)


def glue(name: str, value) -> None:
    """Store ``value`` under ``name`` for the prose, as ``myst_nb.glue(name, value, display=False)``.

    NumPy and torch scalars are stored as Python numbers, so ``{glue:text}`name:.3f``` works.

    Args:
        name: the key the markdown refers to; letters, digits, ``_`` and ``-``, unique in the
            notebook.
        value: what to store; numbers and strings are what ``{glue:text}`` shows.

    Example:
        >>> glue("ece_cross_entropy", 0.0721)  # in markdown: {glue:text}`ece_cross_entropy:.3f`
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if not _GLUE_NAME.match(name):
        raise ValueError(f"name must be letters, digits, '_' or '-', starting with a letter, got {name!r}")
    value = _plain(value)
    if isinstance(value, float) and value != value:
        raise ValueError(f"value for {name!r} is NaN: a measured number in the prose must be finite")
    bundle, metadata = IPython.core.formatters.format_display_data(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)


def glue_all(values: dict) -> None:
    """``glue`` every ``name: value`` pair of a dict, in order."""
    if not isinstance(values, dict):
        raise TypeError(f"values must be a dict of name -> value, got {type(values).__name__}")
    for name, value in values.items():
        glue(name, value)


__all__ = ["ClaimError", "ClaimWarning", "claim", "glue", "glue_all", "progress_bar", "GLUE_PREFIX"]
