"""Models: a BiLSTM classifier, a GRU encoder-decoder, the pretrained MiniLM encoder.

* :mod:`~lossbook.models.bilstm` — words, a vocabulary and a 2-layer BiLSTM classifier;
* :mod:`~lossbook.models.seq2seq` — a small attention encoder-decoder and greedy decoding;
* :mod:`~lossbook.models.minilm` — all-MiniLM-L6-v2, offline, and a sentence classifier on it.
"""


from lossbook.models import bilstm
from lossbook.models import seq2seq
from lossbook.models import minilm
from lossbook.models.bilstm import *  # noqa: F401,F403
from lossbook.models.seq2seq import *  # noqa: F401,F403
from lossbook.models.minilm import *  # noqa: F401,F403

__all__ = [*bilstm.__all__, *seq2seq.__all__, *minilm.__all__]
