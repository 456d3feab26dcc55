"""Loss functions, one submodule per family, re-exported flat: ``lossbook.losses.huber(...)``.

Each submodule lists its public names in ``__all__``; this package re-exports them.
"""

from lossbook.losses import classification, metric, nlp, regression
from lossbook.losses.classification import *  # noqa: F401,F403
from lossbook.losses.metric import *  # noqa: F401,F403
from lossbook.losses.nlp import *  # noqa: F401,F403
from lossbook.losses.regression import *  # noqa: F401,F403

__all__ = [*regression.__all__, *classification.__all__, *metric.__all__, *nlp.__all__]
