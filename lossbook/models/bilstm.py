r"""A sentence classifier trained from scratch: words, a vocabulary, and a 2-layer BiLSTM.

The focal-loss calibration study of Wang et al. (2022) classifies customer messages
with a two-layer bidirectional LSTM, no pretrained language model. This module is that
kind of model, small enough to train on a CPU:

* :func:`words` — lower-cased word and punctuation tokens of a text (a regular
  expression, no external tokenizer);
* :class:`WordVocabulary` — the words of the training texts to indices (``<pad>`` = 0,
  ``<unk>`` = 1): the book's one :class:`~lossbook.models.vocab.Vocabulary` reading
  :func:`words`; :meth:`WordVocabulary.encode` pads a list of texts into a tensor of
  indices plus the length of each text;
* :func:`bucket_batches` — one epoch of shuffled mini-batches of texts of similar
  length, so that a batch's recurrence is not stretched by one long outlier;
* :class:`BiLSTMClassifier` — embedding, a stacked bidirectional LSTM read through
  ``pack_padded_sequence`` (so padding never enters the recurrence), and a linear head
  on the last layer's final forward and backward states:

.. math::
    h = [\overrightarrow{h}_T ; \overleftarrow{h}_1] \in \mathbb{R}^{2H}, \qquad
    \text{logits} = W\,\operatorname{dropout}(h) + b.

:math:`\overrightarrow{h}_T` is the forward LSTM's state after the last real word and
:math:`\overleftarrow{h}_1` the backward LSTM's state after reading back to the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from lossbook._validate import check_int, check_real, check_tensor
from lossbook.models.vocab import PAD, UNK, WORD_SPECIALS, Vocabulary

__all__ = ["PAD", "UNK", "words", "WordVocabulary", "bucket_batches", "BiLSTMClassifier"]

# A word is letters/digits with an optional apostrophe suffix ("don't", "film's"); any
# other non-space character (punctuation) is a token of its own.
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?|[^\w\s]|_")


def words(text: str) -> list[str]:
    """The lower-cased word and punctuation tokens of ``text``.

    Example:
        >>> words("Don't miss it -- a GREAT film!")
        ["don't", 'miss', 'it', '-', '-', 'a', 'great', 'film', '!']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class WordVocabulary(Vocabulary):
    """The :class:`~lossbook.models.vocab.Vocabulary` of a text classifier: texts read with :func:`words`.

    ``itos[0] == "<pad>"``, ``itos[1] == "<unk>"``, then the kept words. Only two defaults
    differ from :class:`~lossbook.models.vocab.Vocabulary`: the tokenizer is :func:`words`,
    and :meth:`encode` cuts texts at 64 words. Used by the focal-calibration chapter.

    Example:
        >>> vocab = WordVocabulary.build(["a good film", "a bad film", "a film"], min_count=2)
        >>> vocab.itos
        ('<pad>', '<unk>', 'a', 'film')
        >>> ids, lengths = vocab.encode(["A film", "a great film!"])
        >>> ids, lengths
        (tensor([[2, 3, 0, 0],
                [2, 1, 3, 1]]), tensor([2, 4]))
    """

    tokenizer: Callable[[str], list[str]] | None = field(default=words, repr=False)

    @classmethod
    def build(cls, texts: Sequence[str], *, min_count: int = 1, max_size: int | None = None) -> WordVocabulary:
        """The words of ``texts`` seen at least ``min_count`` times, most frequent first (ties alphabetically).

        Args:
            texts: the training texts (never the test texts: unseen words must stay unseen).
            min_count: words rarer than this map to ``<unk>``.
            max_size: keep at most this many words (besides ``<pad>`` and ``<unk>``).
        """
        return super().build(texts, specials=WORD_SPECIALS, tokenizer=words, min_count=min_count, max_size=max_size)

    def encode(self, texts: Sequence[str], *, max_length: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
        """Indices ``(N, L)`` padded with 0 to the longest text (at most ``max_length``) and lengths ``(N,)``.

        A text with no token at all becomes one ``<unk>``, so every length is at least 1
        (an LSTM cannot read an empty sequence).
        """
        return super().encode(texts, max_length=max_length)


def bucket_batches(
    lengths: torch.Tensor, batch_size: int, *, generator: torch.Generator | None = None
) -> list[torch.Tensor]:
    """One epoch of mini-batches (index tensors) in which the texts have similar lengths.

    The texts are shuffled, sorted by length (a stable sort, so equal lengths stay
    shuffled), cut into consecutive batches of ``batch_size`` and the batches shuffled.
    Every index appears exactly once. A recurrent network runs as many steps as the
    longest text of its batch, so batching texts of similar length saves most of the
    steps a random batch would spend on a single long outlier.

    Example:
        >>> batches = bucket_batches(torch.tensor([5, 1, 4, 2, 1, 5]), 2, generator=torch.Generator().manual_seed(0))
        >>> sorted(sorted(batch.tolist()) for batch in batches)
        [[0, 5], [1, 4], [2, 3]]
    """
    check_tensor("lengths", lengths)
    if lengths.is_floating_point() or lengths.dtype == torch.bool:
        raise TypeError(f"lengths must be an integer tensor, got dtype {lengths.dtype}")
    if lengths.dim() != 1 or lengths.numel() == 0:
        raise ValueError(f"lengths must be a non-empty 1-D integer tensor, got shape {tuple(lengths.shape)}")
    if bool((lengths < 0).any()):
        raise ValueError(f"lengths must be >= 0 (token counts), got {int(lengths.min())}")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    shuffled = torch.randperm(len(lengths), generator=generator)
    by_length = shuffled[torch.sort(lengths.cpu()[shuffled], stable=True).indices]
    batches = list(by_length.split(batch_size))
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


class BiLSTMClassifier(nn.Module):
    """Word embedding, a stacked bidirectional LSTM and a linear head: ``forward(ids, lengths)`` → logits ``(B, C)``.

    Args:
        vocab_size: rows of the embedding (``len(vocabulary)``); row 0 is padding.
        num_classes: outputs of the head (2 or more).
        embedding_dim: width of the word vectors.
        hidden_size: width :math:`H` of each LSTM direction; the head reads :math:`2H`.
        num_layers: stacked LSTM layers (2 in Wang et al., 2022).
        dropout: on the word vectors, between LSTM layers and before the head.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> model = BiLSTMClassifier(vocab_size=10, num_classes=2, embedding_dim=4, hidden_size=3)
        >>> model(torch.tensor([[2, 5, 7], [3, 0, 0]]), torch.tensor([3, 1])).shape
        torch.Size([2, 2])
    """

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        *,
        embedding_dim: int = 64,
        hidden_size: int = 64,
        num_layers: int = 2,
        dropout: float = 0.3,
    ):
        super().__init__()
        vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        num_classes = check_int("num_classes", num_classes, minimum=2)
        dropout = check_real("dropout", dropout, minimum=0.0, maximum=1.0, inclusive=(True, False))
        self.embedding = nn.Embedding(vocab_size, check_int("embedding_dim", embedding_dim, minimum=1), padding_idx=0)
        self.lstm = nn.LSTM(
            embedding_dim,
            check_int("hidden_size", hidden_size, minimum=1),
            num_layers=check_int("num_layers", num_layers, minimum=1),
            bidirectional=True,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden_size, num_classes)

    def sentence_vector(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The :math:`2H` features the head reads: the top layer's final forward and backward states."""
        check_tensor("ids", ids)
        check_tensor("lengths", lengths)
        if ids.dtype != torch.long:
            raise TypeError(f"ids must be an int64 tensor of word indices, got dtype {ids.dtype}")
        if ids.dim() != 2:
            raise ValueError(f"ids must be a 2-D int64 tensor (batch, words), got shape {tuple(ids.shape)}")
        if lengths.is_floating_point() or lengths.dtype == torch.bool:
            raise TypeError(f"lengths must be an integer tensor, got dtype {lengths.dtype}")
        if lengths.shape != ids.shape[:1]:
            raise ValueError(f"lengths must have shape ({ids.shape[0]},), got {tuple(lengths.shape)}")
        if bool((lengths < 1).any()) or bool((lengths > ids.shape[1]).any()):
            raise ValueError(
                f"lengths must be in [1, {ids.shape[1]}], got values from {int(lengths.min())} to {int(lengths.max())}"
            )
        embedded = self.dropout(self.embedding(ids))
        # Packing runs each direction over the real words only: padding never enters the states.
        packed = nn.utils.rnn.pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (final, _) = self.lstm(packed)
        # final: (num_layers * 2, B, H), ordered layer by layer, forward before backward.
        return torch.cat([final[-2], final[-1]], dim=1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.sentence_vector(ids, lengths)))
