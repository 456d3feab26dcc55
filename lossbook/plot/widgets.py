"""Interactive explorers (ipywidgets) with a static twin for the website.

An explorer is a ``draw(ax, **parameters)`` function plus sliders. In Jupyter or
Colab ``explorer`` redraws it as the sliders move; the static site cannot run
Python, so the chapter also shows ``lossbook.plot.small_multiples`` of the same
``draw`` function at a few slider positions.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from lossbook.plot.figures import Draw


__all__ = ["explorer"]


def explorer(draw: Draw, *, title: str, figsize: tuple[float, float] = (6.0, 3.6), **sliders):
    """Return an ``ipywidgets.interactive`` that redraws ``draw`` for each slider setting.

    Each keyword names a parameter of ``draw`` and gives its widget or an
    ``ipywidgets.interact`` abbreviation such as ``(0.1, 5.0, 0.1)``, e.g.
    ``explorer(draw_huber, title="Huber loss", delta=(0.1, 5.0, 0.1))``.
    """
    import ipywidgets

    if not sliders:
        raise ValueError("explorer needs at least one slider, e.g. delta=(0.1, 5.0, 0.1)")

    def redraw(**parameters):
        fig, ax = plt.subplots(figsize=figsize)
        draw(ax, **parameters)
        fig.suptitle(title)
        fig.tight_layout()
        plt.show()

    return ipywidgets.interactive(redraw, **sliders)
