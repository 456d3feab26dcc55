"""Training: seeding and run size, the loop, schedules, fine-tuning, diagnostics.

* :mod:`~lossbook.training.run` — seeding, device and run size (the second cell of every notebook);
* :mod:`~lossbook.training.loop` — :func:`fit` and the epoch arithmetic;
* :mod:`~lossbook.training.schedules` — learning-rate schedules;
* :mod:`~lossbook.training.finetune` — fine-tuning a pretrained encoder;
* :mod:`~lossbook.training.diagnostics` — gradient noise and the learning-rate range test.
"""


from lossbook.training import run
from lossbook.training import loop
from lossbook.training import schedules
from lossbook.training import diagnostics
from lossbook.training.run import *  # noqa: F401,F403
from lossbook.training.loop import *  # noqa: F401,F403
from lossbook.training.schedules import *  # noqa: F401,F403
from lossbook.training.diagnostics import *  # noqa: F401,F403
from lossbook.training import finetune  # needs transformers only when called
from lossbook.training.finetune import *  # noqa: F401,F403

__all__ = [*run.__all__, *loop.__all__, *schedules.__all__, *diagnostics.__all__, *finetune.__all__]
