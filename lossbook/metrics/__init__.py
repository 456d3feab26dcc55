"""Metrics: calibration, classification, named entities, retrieval, translation, summaries over seeds.

* :mod:`~lossbook.metrics.calibration` — ECE, MCE, reliability bins, temperature scaling;
* :mod:`~lossbook.metrics.classification` — accuracy, per-class recall, macro-F1, binary F1, a table row;
* :mod:`~lossbook.metrics.ner` — entity spans and span F1 (conlleval's strict matching);
* :mod:`~lossbook.metrics.retrieval` — recall@1 of an embedding;
* :mod:`~lossbook.metrics.translation` — exact match and corpus BLEU;
* :mod:`~lossbook.metrics.summary` — mean ± std over seeds, paired comparisons of two losses.
"""


from lossbook.metrics import calibration
from lossbook.metrics import classification
from lossbook.metrics import ner
from lossbook.metrics import retrieval
from lossbook.metrics import summary
from lossbook.metrics import translation
from lossbook.metrics.calibration import *  # noqa: F401,F403
from lossbook.metrics.classification import *  # noqa: F401,F403
from lossbook.metrics.ner import *  # noqa: F401,F403
from lossbook.metrics.retrieval import *  # noqa: F401,F403
from lossbook.metrics.summary import *  # noqa: F401,F403
from lossbook.metrics.translation import *  # noqa: F401,F403

__all__ = [
    *calibration.__all__, *classification.__all__, *ner.__all__, *retrieval.__all__, *summary.__all__,
    *translation.__all__,
]
