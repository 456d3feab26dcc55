"""The losses, grouped by the kind of task: regression, classification, metric learning, NLP, several tasks at once.

``from lossbook.losses import ...`` gives every public loss; the submodules say where each is defined.
The double-softmax guard (:mod:`~lossbook.losses.guards`) is imported from its own module.
"""

from lossbook.losses import classification, metric, multitask, nlp, regression
from lossbook.losses.classification import *  # noqa: F401,F403
from lossbook.losses.metric import *  # noqa: F401,F403
from lossbook.losses.multitask import *  # noqa: F401,F403
from lossbook.losses.nlp import *  # noqa: F401,F403
from lossbook.losses.regression import *  # noqa: F401,F403

__all__ = [*regression.__all__, *classification.__all__, *metric.__all__, *nlp.__all__, *multitask.__all__]
