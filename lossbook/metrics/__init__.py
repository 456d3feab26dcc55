"""Metrics: calibration, named entities, translation.

* :mod:`~lossbook.metrics.calibration` — ECE, MCE, reliability bins, temperature scaling;
* :mod:`~lossbook.metrics.ner` — entity spans and span F1 (seqeval's strict mode);
* :mod:`~lossbook.metrics.translation` — exact match and corpus BLEU.
"""


from lossbook.metrics import calibration
from lossbook.metrics import ner
from lossbook.metrics import translation
from lossbook.metrics.calibration import *  # noqa: F401,F403
from lossbook.metrics.ner import *  # noqa: F401,F403
from lossbook.metrics.translation import *  # noqa: F401,F403

__all__ = [*calibration.__all__, *ner.__all__, *translation.__all__]
