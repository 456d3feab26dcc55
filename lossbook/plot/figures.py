"""Figures the book draws more than once."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["Draw", "small_multiples", "label"]

Draw = Callable[..., None]


def small_multiples(
    draw: Draw,
    *,
    parameter: str,
    values: Sequence[float],
    title: str,
    fixed: dict | None = None,
    ncols: int = 3,
    panel_size: tuple[float, float] = (3.6, 2.8),
    sharey: bool = True,
) -> Figure:
    """One panel per value of ``parameter``: the static twin of an interactive explorer.

    ``draw(ax, **{parameter: value, **fixed})`` draws one panel and labels its axes;
    each panel is titled with its parameter value and the figure with ``title``.
    """
    if not values:
        raise ValueError("values must hold at least one parameter value, got an empty sequence")
    fixed = fixed or {}
    ncols = min(ncols, len(values))
    nrows = math.ceil(len(values) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows), sharey=sharey, squeeze=False
    )
    for ax, value in zip(axes.flat, values):
        draw(ax, **{parameter: value, **fixed})
        ax.set_title(f"{parameter} = {value:g}")
    for ax in list(axes.flat)[len(values):]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def check_axes(ax: object) -> Axes:
    """Require a matplotlib ``Axes`` (what ``plt.subplots`` returns per panel)."""
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes (e.g. from plt.subplots()), got {type(ax).__name__}")
    return ax


def label(ax: Axes, *, title: str, xlabel: str, ylabel: str) -> Axes:
    """Title and axis labels in one call, so no figure leaves one out."""
    check_axes(ax)
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(text, str):  # None would quietly leave the label out
            raise TypeError(f"{name} must be a str (the text shown), got {type(text).__name__}")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax
