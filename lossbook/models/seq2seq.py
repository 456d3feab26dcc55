r"""A small attention encoder–decoder and greedy decoding.

The translation chapter trains many small models on a CPU, so the model here is the
classic recurrent one, sized down: a bidirectional GRU encoder (Cho et al., 2014;
Bahdanau et al., 2015) and a GRU decoder with global dot-product attention computed
*after* the recurrent step (Luong et al., 2015). Because the decoder's recurrence does not
read the attention output, a teacher-forced pass runs the decoder GRU over the whole target
at once and attends for all positions in one batched product: one training step is a few
matrix products, not a Python loop over positions. The output layer also reads the
embedding of the previous token (Bahdanau et al.'s "deep output").

* :class:`Seq2Seq` — ``model(source, decoder_input)`` gives teacher-forced logits
  ``(N, T, V)``; :func:`shift_right` makes the decoder input from a target;
* :func:`greedy_decode` — batched greedy decoding: at every step the arg-max token;
* the scores of a translation (exact match, BLEU) are in :mod:`lossbook.metrics.translation`.
"""

from __future__ import annotations

import torch
from torch import nn

from lossbook._validate import check_index_matrix, check_int

__all__ = ["Seq2Seq", "shift_right", "greedy_decode"]


class Seq2Seq(nn.Module):
    r"""GRU encoder–decoder with dot-product attention.

    .. math::

        h^{\mathrm{enc}}_{1..S} = \mathrm{BiGRU}(E_x x),\quad
        s_t = \mathrm{GRU}(s_{t-1}, E_y y_{t-1}),\quad
        a_t = \mathrm{softmax}_j(s_t^\top h^{\mathrm{enc}}_j),\quad
        c_t = \textstyle\sum_j a_{tj} h^{\mathrm{enc}}_j,

    .. math::

        z_t = W_o\,[\tanh(W_c[s_t; c_t]);\ E_y y_{t-1}] + b_o \qquad\text{(logits over the target vocabulary)}.

    The decoder starts from :math:`s_0 = \tanh(W_0\,\bar h^{\mathrm{enc}})`, the mean of the
    encoder states over the non-padding source tokens. The encoder reads each row only up
    to its length (a packed sequence) and padding (index ``pad_index``) is masked out of
    the attention, so a sentence gets the same output whatever it is batched with.

    Args:
        source_vocab_size, target_vocab_size: vocabulary sizes (index 0 … size − 1).
        embed_dim: token embedding width.
        hidden_dim: encoder (both directions together) and decoder state width; even.
        pad_index, bos_index, eos_index: the special target/source indices.

    Shape:
        ``forward(source (N, S), decoder_input (N, T))`` → logits ``(N, T, V_target)``.

    Example:
        >>> model = Seq2Seq(10, 12, embed_dim=8, hidden_dim=16)
        >>> model(torch.ones(2, 5, dtype=torch.long), torch.ones(2, 3, dtype=torch.long)).shape
        torch.Size([2, 3, 12])
    """

    def __init__(
        self,
        source_vocab_size: int,
        target_vocab_size: int,
        *,
        embed_dim: int = 32,
        hidden_dim: int = 64,
        pad_index: int = 0,
        bos_index: int = 1,
        eos_index: int = 2,
    ) -> None:
        super().__init__()
        check_int("source_vocab_size", source_vocab_size, minimum=2)
        check_int("target_vocab_size", target_vocab_size, minimum=3)
        check_int("embed_dim", embed_dim, minimum=1)
        check_int("hidden_dim", hidden_dim, minimum=2)
        if hidden_dim % 2:
            raise ValueError(f"hidden_dim must be even (it is split between the two encoder directions), got {hidden_dim}")
        for name, index in (("pad_index", pad_index), ("bos_index", bos_index), ("eos_index", eos_index)):
            check_int(name, index, minimum=0)
            if index >= target_vocab_size:
                raise ValueError(f"{name} must be < target_vocab_size ({target_vocab_size}), got {index}")
        self.pad_index, self.bos_index, self.eos_index = pad_index, bos_index, eos_index
        self.source_embed = nn.Embedding(source_vocab_size, embed_dim, padding_idx=pad_index)
        self.encoder = nn.GRU(embed_dim, hidden_dim // 2, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(hidden_dim, hidden_dim)
        self.target_embed = nn.Embedding(target_vocab_size, embed_dim, padding_idx=pad_index)
        self.decoder = nn.GRU(embed_dim, hidden_dim, batch_first=True)
        self.combine = nn.Linear(2 * hidden_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim + embed_dim, target_vocab_size)

    def encode(self, source: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encoder states ``(N, S, H)``, the source mask ``(N, S)`` and the initial decoder state ``(1, N, H)``."""
        source = check_index_matrix("source", source)
        mask = source != self.pad_index
        lengths = mask.sum(1)
        if bool((lengths == 0).any()):
            raise ValueError("source must hold at least one non-padding token in every row")
        # Packed, so the backward direction starts at each row's last real token, not at its padding.
        packed = nn.utils.rnn.pack_padded_sequence(
            self.source_embed(source), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        states, _ = nn.utils.rnn.pad_packed_sequence(self.encoder(packed)[0], batch_first=True, total_length=source.shape[1])
        mean = states.sum(1) / lengths.unsqueeze(1)  # padded positions of a packed output are 0
        return states, mask, torch.tanh(self.bridge(mean)).unsqueeze(0)

    def decode_step(
        self, encoded: tuple[torch.Tensor, torch.Tensor, torch.Tensor], decoder_input: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits ``(N, T, V)`` for ``decoder_input`` ``(N, T)`` and the new decoder state.

        ``encoded`` is ``(states, mask, state)`` from :meth:`encode` (or from the previous
        call, with the state it returned), so greedy decoding can feed one token at a time.
        """
        states, mask, state = encoded
        embedded = self.target_embed(decoder_input)
        outputs, state = self.decoder(embedded, state)  # (N, T, H)
        scores = outputs @ states.transpose(1, 2)  # (N, T, S)
        scores = scores.masked_fill(~mask.unsqueeze(1), float("-inf"))  # padding gets no attention
        context = scores.softmax(dim=-1) @ states  # (N, T, H)
        attended = torch.tanh(self.combine(torch.cat([outputs, context], dim=-1)))
        return self.out(torch.cat([attended, embedded], dim=-1)), state

    def forward(self, source: torch.Tensor, decoder_input: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits ``(N, T, V)``: position ``t`` predicts the token after ``decoder_input[:, t]``."""
        decoder_input = check_index_matrix("decoder_input", decoder_input)
        encoded = self.encode(source)
        if decoder_input.shape[0] != source.shape[0]:
            raise ValueError(
                f"decoder_input must have the batch size of source: expected {source.shape[0]}, got {decoder_input.shape[0]}"
            )
        logits, _ = self.decode_step(encoded, decoder_input)
        return logits


def shift_right(target: torch.Tensor, *, bos_index: int = 1, pad_index: int = 0, ignore_index: int = -100) -> tuple[torch.Tensor, torch.Tensor]:
    """Teacher forcing: the decoder input and the gold tokens of a padded target.

    The input is ``<bos>`` followed by the target without its last position; the gold is
    the target with padding replaced by ``ignore_index``, so a loss skips it.

    Example:
        >>> shift_right(torch.tensor([[5, 6, 2, 0]]))
        (tensor([[1, 5, 6, 2]]), tensor([[   5,    6,    2, -100]]))
    """
    target = check_index_matrix("target", target)
    bos = torch.full_like(target[:, :1], bos_index)
    gold = target.masked_fill(target == pad_index, ignore_index)
    return torch.cat([bos, target[:, :-1]], dim=1), gold


@torch.no_grad()
def greedy_decode(model: Seq2Seq, source: torch.Tensor, *, max_length: int, return_logits: bool = False):
    """Batched greedy decoding: start from ``<bos>``, feed back the arg-max token each step.

    A row is finished once it emits ``<eos>``; after that it is padded with ``pad_index``.
    Decoding stops when every row has finished or after ``max_length`` tokens.

    Returns:
        Token indices ``(N, L)`` with ``L <= max_length`` (``<eos>`` included where
        emitted), and with ``return_logits=True`` also the logits of each step ``(N, L, V)``.
    """
    if not isinstance(model, Seq2Seq):
        raise TypeError(f"model must be a Seq2Seq, got {type(model).__name__}")
    check_int("max_length", max_length, minimum=1)
    was_training = model.training
    model.eval()
    states, mask, state = model.encode(source)
    token = torch.full((source.shape[0], 1), model.bos_index, dtype=torch.long, device=source.device)
    finished = torch.zeros(source.shape[0], dtype=torch.bool, device=source.device)
    tokens, logits_per_step = [], []
    for _ in range(max_length):
        logits, state = model.decode_step((states, mask, state), token)
        token = logits[:, -1].argmax(dim=-1, keepdim=True)
        token = token.masked_fill(finished.unsqueeze(1), model.pad_index)
        tokens.append(token)
        logits_per_step.append(logits)
        finished |= token.squeeze(1) == model.eos_index
        if bool(finished.all()):
            break
    model.train(was_training)
    out = torch.cat(tokens, dim=1)
    return (out, torch.cat(logits_per_step, dim=1)) if return_logits else out
