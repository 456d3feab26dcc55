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


def label(ax: Axes, *, title: str, xlabel: str, ylabel: str) -> Axes:
    """Title and axis labels in one call, so no figure leaves one out."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax
