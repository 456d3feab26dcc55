r"""A small attention encoder–decoder, greedy decoding, and the scores of a translation.

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
* :func:`exact_match` and :func:`corpus_bleu` — against one reference or against any of
  several references per sentence. BLEU (Papineni et al., 2002) is written out here and
  matches ``sacrebleu`` (Post, 2018) with ``tokenize="none"`` (the tests check it).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from numbers import Integral

import torch
import torch.nn.functional as F
from torch import nn

from lossbook.checks import check_int, check_tensor

__all__ = ["Seq2Seq", "shift_right", "greedy_decode", "exact_match", "corpus_bleu", "bleu_statistics"]


def _check_index_tensor(name: str, value: object) -> torch.Tensor:
    tensor = check_tensor(name, value)
    if tensor.dtype != torch.long:
        raise TypeError(f"{name} must be an int64 tensor of token indices, got dtype {tensor.dtype}")
    if tensor.dim() != 2:
        raise ValueError(f"{name} must have shape (batch, length), got {tuple(tensor.shape)}")
    return tensor


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
        source = _check_index_tensor("source", source)
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
        decoder_input = _check_index_tensor("decoder_input", decoder_input)
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
    target = _check_index_tensor("target", target)
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


def _reference_lists(references: Sequence, count: int) -> list[list[str]]:
    if isinstance(references, str) or len(references) != count:
        raise ValueError(f"references must hold one entry per hypothesis: expected {count}, got "
                         f"{'a str' if isinstance(references, str) else len(references)}")
    lists = []
    for i, refs in enumerate(references):
        refs = [refs] if isinstance(refs, str) else list(refs)
        if not refs or not all(isinstance(r, str) for r in refs):
            raise ValueError(f"references[{i}] must be a str or a non-empty sequence of str, got {refs!r}")
        lists.append(refs)
    return lists


def _check_hypotheses(hypotheses: Sequence) -> list[str]:
    if isinstance(hypotheses, str) or not all(isinstance(h, str) for h in hypotheses):
        raise TypeError("hypotheses must be a sequence of str (one translation per sentence)")
    if len(hypotheses) == 0:
        raise ValueError("hypotheses must not be empty")
    return list(hypotheses)


def exact_match(hypotheses: Sequence[str], references: Sequence) -> float:
    """The fraction of hypotheses equal to one of their references.

    ``references[i]`` is one string (single-reference) or a sequence of strings, any of
    which counts as correct (multi-reference).

    Example:
        >>> exact_match(["septante", "huit"], [("soixante-dix", "septante"), "sept"])
        0.5
    """
    hypotheses = _check_hypotheses(hypotheses)
    refs = _reference_lists(references, len(hypotheses))
    return sum(h in r for h, r in zip(hypotheses, refs)) / len(hypotheses)


def _ngrams(words: list[str], max_order: int) -> Counter:
    return Counter(tuple(words[i : i + n]) for n in range(1, max_order + 1) for i in range(len(words) - n + 1))


def bleu_statistics(hypotheses: Sequence[str], references: Sequence, *, max_order: int = 4) -> dict:
    """The sufficient statistics of corpus BLEU: clipped n-gram matches, n-gram totals, lengths.

    Words are whitespace-separated (``str.split()``). Each hypothesis n-gram counts at most
    as often as it occurs in the reference that has it most often; the reference length
    of a sentence is that of the reference closest in length to the hypothesis (the
    shorter one on a tie), as in ``sacrebleu``.
    """
    hypotheses = _check_hypotheses(hypotheses)
    check_int("max_order", max_order, minimum=1)
    refs = _reference_lists(references, len(hypotheses))
    correct, total = [0] * max_order, [0] * max_order
    hyp_len = ref_len = 0
    for hypothesis, sentence_refs in zip(hypotheses, refs):
        words = hypothesis.split()
        best: Counter = Counter()
        lengths = []
        for ref in sentence_refs:
            ref_words = ref.split()
            lengths.append(len(ref_words))
            best |= _ngrams(ref_words, max_order)  # | keeps the maximum count of each n-gram
        for gram, count in _ngrams(words, max_order).items():
            total[len(gram) - 1] += count
            correct[len(gram) - 1] += min(count, best[gram])
        hyp_len += len(words)
        ref_len += min(lengths, key=lambda length: (abs(length - len(words)), length))
    return {"correct": correct, "total": total, "hyp_len": hyp_len, "ref_len": ref_len}


def corpus_bleu(hypotheses: Sequence[str], references: Sequence, *, max_order: int = 4, smooth: str = "exp") -> float:
    r"""Corpus BLEU in percent, against one or several references per sentence.

    .. math::

        \mathrm{BLEU} = 100\cdot \mathrm{BP}\cdot\exp\Big(\frac{1}{N}\sum_{n=1}^{N}\log p_n\Big),\qquad
        \mathrm{BP} = \min\big(1,\ e^{\,1 - r/c}\big),

    where :math:`p_n` is the corpus-wide clipped :math:`n`-gram precision (matches summed
    over sentences divided by hypothesis :math:`n`-grams), :math:`c` the total hypothesis
    length and :math:`r` the total closest-reference length (Papineni et al., 2002).
    ``smooth="exp"`` (sacrebleu's default) replaces a zero :math:`p_n` by
    :math:`1 / (2^k \cdot \text{total}_n)` for the :math:`k`-th such order; ``"none"`` leaves it 0.
    With ``tokenize="none"`` this equals ``sacrebleu.corpus_bleu(...).score``.

    Example:
        >>> round(corpus_bleu(["cent septante - deux"], [("cent soixante - douze", "cent septante - deux")]), 4)
        100.0
        >>> round(corpus_bleu(["cent septante - deux"], ["cent soixante - douze"]), 4)
        18.9959
    """
    if smooth not in ("exp", "none"):
        raise ValueError(f"smooth must be 'exp' or 'none', got {smooth!r}")
    stats = bleu_statistics(hypotheses, references, max_order=max_order)
    correct, total, hyp_len, ref_len = stats["correct"], stats["total"], stats["hyp_len"], stats["ref_len"]
    brevity = 1.0 if hyp_len >= ref_len else (math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0)
    if not any(correct):
        return 0.0
    log_sum, halvings = 0.0, 1.0
    for n in range(max_order):
        if total[n] == 0:
            # no n-grams of this order at all (every sentence is shorter): BLEU is 0, as in sacrebleu
            return 0.0
        if correct[n] == 0:
            if smooth == "none":
                return 0.0
            halvings *= 2
            log_sum += math.log(1 / (halvings * total[n]))
        else:
            log_sum += math.log(correct[n] / total[n])
    return 100 * brevity * math.exp(log_sum / max_order)
