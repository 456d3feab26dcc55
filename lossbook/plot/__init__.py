"""Plotting: figures drawn more than once, calibration plots, interactive explorers.

* :mod:`~lossbook.plot.figures` — small multiples and axis labels;
* :mod:`~lossbook.plot.calibration` — reliability diagrams and confidence histograms;
* :mod:`~lossbook.plot.widgets` — sliders over a drawing function.
"""


from lossbook.plot import figures
from lossbook.plot import calibration
from lossbook.plot import widgets
from lossbook.plot.figures import *  # noqa: F401,F403
from lossbook.plot.calibration import *  # noqa: F401,F403
from lossbook.plot.widgets import *  # noqa: F401,F403

__all__ = [*figures.__all__, *calibration.__all__, *widgets.__all__]
