"""Models: one vocabulary, a BiLSTM classifier, a convolutional tagger, an embedding MLP, a GRU encoder-decoder, MiniLM.

* :mod:`~lossbook.models.vocab` — the one :class:`~lossbook.models.vocab.Vocabulary` of every text model;
* :mod:`~lossbook.models.bilstm` — words, their vocabulary and a 2-layer BiLSTM classifier;
* :mod:`~lossbook.models.conv_tagger` — a 3-word-window convolutional tagger and sentence classifier;
* :mod:`~lossbook.models.embedding` — the small MLP of the metric-learning chapter;
* :mod:`~lossbook.models.seq2seq` — a small attention encoder-decoder and greedy decoding;
* :mod:`~lossbook.models.minilm` — all-MiniLM-L6-v2, offline, and a sentence classifier on it.
"""


from lossbook.models import vocab
from lossbook.models import bilstm
from lossbook.models import conv_tagger
from lossbook.models import embedding
from lossbook.models import seq2seq
from lossbook.models import minilm
from lossbook.models.vocab import *  # noqa: F401,F403
from lossbook.models.bilstm import *  # noqa: F401,F403
from lossbook.models.conv_tagger import *  # noqa: F401,F403
from lossbook.models.embedding import *  # noqa: F401,F403
from lossbook.models.seq2seq import *  # noqa: F401,F403
from lossbook.models.minilm import *  # noqa: F401,F403

__all__ = list(dict.fromkeys([
    *vocab.__all__, *bilstm.__all__, *conv_tagger.__all__, *embedding.__all__, *seq2seq.__all__, *minilm.__all__,
]))
