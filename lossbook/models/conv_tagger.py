r"""The convolutional tagger and sentence classifier of the dice-loss chapter (WNUT-2016).

Both read a tweet as word indices and share one encoder, :class:`WindowEncoder`: a word
embedding and one convolution over a window of three words, so each token's vector sees
its left and right neighbour:

.. math:: h_t = \operatorname{dropout}\big(\operatorname{relu}(W * [e_{t-1}; e_t; e_{t+1}] + b)\big).

* :class:`ConvTagger` — a linear layer on each :math:`h_t`: one logit per tag and token,
  ``(batch, length, tags)``, for BIO tagging;
* :class:`ConvSentenceClassifier` — the maximum of :math:`h_t` over the real tokens and a
  linear layer: one logit per tweet, ``(batch,)``, for "does the tweet mention an entity?".

These are *not* :class:`lossbook.models.minilm.SentenceClassifier` (a pretrained encoder with
a classification head); the names say what they are. Index 0 is padding: its embedding is
zero, and the sentence classifier keeps padding out of the maximum.
"""

from __future__ import annotations

import torch
from torch import nn

from lossbook._validate import check_index_matrix, check_int, check_real

__all__ = ["WindowEncoder", "ConvTagger", "ConvSentenceClassifier"]


class WindowEncoder(nn.Module):
    """Word embedding and one 3-word convolution: ``(batch, length)`` indices → ``(batch, length, hidden)``.

    Args:
        vocab_size: rows of the embedding; row 0 is padding.
        dim: width of the word vectors.
        hidden: channels of the convolution (the width of each token's vector).
        dropout: on the word vectors and on the convolution's output.
    """

    def __init__(self, vocab_size: int, dim: int = 64, hidden: int = 64, *, dropout: float = 0.3):
        super().__init__()
        vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        dim = check_int("dim", dim, minimum=1)
        self.hidden = check_int("hidden", hidden, minimum=1)
        dropout = check_real("dropout", dropout, minimum=0.0, maximum=1.0, inclusive=(True, False))
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.conv = nn.Conv1d(dim, hidden, kernel_size=3, padding=1)
        self.drop = nn.Dropout(dropout)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        tokens = check_index_matrix("tokens", tokens, what="word indices")
        embedded = self.drop(self.embed(tokens)).transpose(1, 2)  # (batch, dim, length): Conv1d's layout
        return self.drop(torch.relu(self.conv(embedded)).transpose(1, 2))


class ConvTagger(nn.Module):
    """A tag for every token: :class:`WindowEncoder` and a linear layer, logits ``(batch, length, num_tags)``.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> ConvTagger(vocab_size=10, num_tags=5)(torch.tensor([[3, 4, 0]])).shape
        torch.Size([1, 3, 5])
    """

    def __init__(self, vocab_size: int, num_tags: int, *, dim: int = 64, hidden: int = 64, dropout: float = 0.3):
        super().__init__()
        self.encoder = WindowEncoder(vocab_size, dim, hidden, dropout=dropout)
        self.out = nn.Linear(self.encoder.hidden, check_int("num_tags", num_tags, minimum=2))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.out(self.encoder(tokens))


class ConvSentenceClassifier(nn.Module):
    """One logit per sentence: :class:`WindowEncoder`, the maximum over the real tokens, a linear layer.

    ``forward(tokens)`` returns ``(batch,)`` logits of the positive class (for
    :func:`~lossbook.losses.bce_with_logits`). Padding positions (index 0) are set to
    :math:`-10^4` before the maximum, so they never win it.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> ConvSentenceClassifier(vocab_size=10)(torch.tensor([[3, 4, 0], [5, 0, 0]])).shape
        torch.Size([2])
    """

    def __init__(self, vocab_size: int, *, dim: int = 64, hidden: int = 64, dropout: float = 0.3):
        super().__init__()
        self.encoder = WindowEncoder(vocab_size, dim, hidden, dropout=dropout)
        self.out = nn.Linear(self.encoder.hidden, 1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        states = self.encoder(tokens)
        states = states.masked_fill((tokens == 0).unsqueeze(-1), -1e4)  # padding never wins the max
        return self.out(states.max(dim=1).values).squeeze(-1)
