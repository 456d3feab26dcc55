"""Package tests run on one torch thread, as the notebooks do.

The models here are small: a second thread adds synchronisation cost, and on a busy
two-core machine (CI runs other jobs beside the tests) it can stall each step badly.
"""

import torch

torch.set_num_threads(1)
