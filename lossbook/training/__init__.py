"""Training: seeding and run size, the loop, schedules, fine-tuning, the chapters' training recipes, diagnostics.

* :mod:`~lossbook.training.run` — seeding, device and run size (the second cell of every notebook);
* :mod:`~lossbook.training.loop` — :func:`fit` and the epoch arithmetic;
* :mod:`~lossbook.training.schedules` — learning-rate schedules (fine-tuning's too);
* :mod:`~lossbook.training.finetune` — fine-tuning a pretrained encoder;
* :mod:`~lossbook.training.classifier` — training a classifier of word indices (the BiLSTM);
* :mod:`~lossbook.training.embedding` — training an embedding, scored by recall@1 (built on :func:`fit`);
* :mod:`~lossbook.training.linear_fit` — a line fitted with any loss on a robustly rescaled target;
* :mod:`~lossbook.training.diagnostics` — gradient noise and the learning-rate range test.
"""


from lossbook.training import run
from lossbook.training import loop
from lossbook.training import schedules
from lossbook.training import diagnostics
from lossbook.training import classifier
from lossbook.training import embedding
from lossbook.training import linear_fit
from lossbook.training.run import *  # noqa: F401,F403
from lossbook.training.loop import *  # noqa: F401,F403
from lossbook.training.schedules import *  # noqa: F401,F403
from lossbook.training.diagnostics import *  # noqa: F401,F403
from lossbook.training.classifier import *  # noqa: F401,F403
from lossbook.training.embedding import *  # noqa: F401,F403
from lossbook.training.linear_fit import *  # noqa: F401,F403
from lossbook.training import finetune  # needs transformers only when called
from lossbook.training.finetune import *  # noqa: F401,F403

__all__ = [
    *run.__all__, *loop.__all__, *schedules.__all__, *diagnostics.__all__, *classifier.__all__,
    *embedding.__all__, *linear_fit.__all__, *finetune.__all__,
]
