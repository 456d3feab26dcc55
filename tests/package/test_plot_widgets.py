"""The explorer and its static twin draw the same function."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets
import matplotlib.pyplot as plt
import pytest

from lossbook.plot.figures import label, small_multiples
from lossbook.plot.widgets import explorer


def draw_line(ax, *, slope, offset=0.0):
    ax.plot([0, 1], [offset, offset + slope])
    label(ax, title="line", xlabel="x (unitless)", ylabel="y (unitless)")


def test_small_multiples_draws_one_titled_panel_per_value_and_hides_the_rest():
    fig = small_multiples(draw_line, parameter="slope", values=[0.5, 1, 2, 4], title="Slopes", ncols=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["slope = 0.5", "slope = 1", "slope = 2", "slope = 4"]
    assert len(fig.axes) == 6 and sum(not ax.get_visible() for ax in fig.axes) == 2
    assert fig._suptitle.get_text() == "Slopes"
    assert all(ax.get_xlabel() == "x (unitless)" for ax in visible)
    assert visible[3].lines[0].get_ydata()[1] == 4
    plt.close(fig)


def test_small_multiples_passes_fixed_parameters():
    fig = small_multiples(draw_line, parameter="slope", values=[1], title="t", fixed={"offset": 3.0})
    assert list(fig.axes[0].lines[0].get_ydata()) == [3.0, 4.0]
    plt.close(fig)


def test_small_multiples_needs_values():
    with pytest.raises(ValueError, match="values must hold at least one parameter value"):
        small_multiples(draw_line, parameter="slope", values=[], title="t")


def test_explorer_builds_a_slider_for_each_parameter():
    widget = explorer(draw_line, title="Line", slope=(0.0, 4.0, 0.5))
    assert isinstance(widget, ipywidgets.interactive)
    sliders = [child for child in widget.children if isinstance(child, ipywidgets.FloatSlider)]
    assert [slider.description for slider in sliders] == ["slope"]
    plt.close("all")


def test_explorer_needs_a_slider():
    with pytest.raises(ValueError, match="explorer needs at least one slider"):
        explorer(draw_line, title="Line")
