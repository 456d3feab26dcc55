r"""One vocabulary for every model that reads words: tokens to indices and back.

The three text tasks of the book map tokens to indices the same way and differ only in
their special tokens and in how a text becomes tokens:

* the BiLSTM of the focal-calibration chapter reads :func:`lossbook.models.bilstm.words`
  with the specials ``(<pad>, <unk>)`` (:class:`lossbook.models.bilstm.WordVocabulary`);
* the translation model of the mixed cross-entropy chapter reads
  :func:`lossbook.data.number_words.tokenize` with ``(<pad>, <bos>, <eos>, <unk>)``
  (:func:`lossbook.data.number_words.build_vocabulary`);
* the WNUT-2016 tagger of the dice-loss chapter reads already split, lower-cased tokens with
  ``(<pad>, <unk>)`` (:func:`lossbook.data.wnut.build_vocabulary`).

:class:`Vocabulary` is that one mapping. :meth:`Vocabulary.build` keeps the tokens seen at
least ``min_count`` times, most frequent first, ties in alphabetical order (so the indices
are the same on every machine), at most ``max_size`` of them, after the specials:

.. math:: \text{itos} = (\text{specials}\ldots,\ t_1, t_2, \ldots), \qquad
          \operatorname{count}(t_1) \ge \operatorname{count}(t_2) \ge \cdots

``<pad>`` is always index 0, so ``nn.Embedding(len(vocab), d, padding_idx=0)`` and zero
padding agree. A vocabulary built with a ``tokenizer`` reads texts (``str``); one without
reads token lists. A token never seen maps to ``<unk>``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from lossbook._validate import check_bool, check_int, check_tensor

__all__ = ["PAD", "BOS", "EOS", "UNK", "WORD_SPECIALS", "SEQUENCE_SPECIALS", "Vocabulary"]

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
WORD_SPECIALS = (PAD, UNK)
"""The specials of a classifier's or tagger's input: padding and unknown words."""
SEQUENCE_SPECIALS = (PAD, BOS, EOS, UNK)
"""The specials of a sequence-to-sequence model: also begin and end of sequence."""

_ALLOWED_SPECIALS = (PAD, BOS, EOS, UNK)


def _check_specials(specials: object) -> tuple[str, ...]:
    if not isinstance(specials, tuple) or not all(isinstance(s, str) for s in specials):
        raise TypeError(f"specials must be a tuple of str, got {specials!r}")
    if not specials or specials[0] != PAD or UNK not in specials:
        raise ValueError(f"specials must start with {PAD!r} and hold {UNK!r}, e.g. {WORD_SPECIALS!r} or {SEQUENCE_SPECIALS!r}, got {specials!r}")
    if len(set(specials)) != len(specials) or not set(specials) <= set(_ALLOWED_SPECIALS):
        raise ValueError(f"specials must be distinct tokens among {_ALLOWED_SPECIALS!r}, got {specials!r}")
    return specials


@dataclass(frozen=True)
class Vocabulary:
    """Tokens to indices: ``itos`` is the specials, then the kept tokens.

    Attributes:
        itos: index to token; ``itos[:len(specials)] == specials``.
        specials: :data:`WORD_SPECIALS` or :data:`SEQUENCE_SPECIALS` (any tuple that starts
            with ``<pad>`` and holds ``<unk>``).
        tokenizer: ``str -> list[str]``; when set, :meth:`encode` and :meth:`build` read texts.
        detokenizer: ``list[str] -> str``; when set, :meth:`decode` returns a text.
        lowercase: look tokens up lower-cased (and count them lower-cased in :meth:`build`).

    Example:
        >>> vocab = Vocabulary.build([["a", "good", "film"], ["a", "bad", "film"], ["a", "film"]], min_count=2)
        >>> vocab.itos
        ('<pad>', '<unk>', 'a', 'film')
        >>> vocab.encode([["a", "film"], ["a", "great", "film"]])
        (tensor([[2, 3, 0],
                [2, 1, 3]]), tensor([2, 3]))
        >>> vocab.decode([2, 1, 3, 0])
        ['a', '<unk>', 'film']
    """

    itos: tuple[str, ...]
    specials: tuple[str, ...] = WORD_SPECIALS
    tokenizer: Callable[[str], list[str]] | None = field(default=None, repr=False)
    detokenizer: Callable[[list[str]], str] | None = field(default=None, repr=False)
    lowercase: bool = False

    @classmethod
    def build(
        cls,
        corpus: Sequence,
        *,
        specials: tuple[str, ...] = WORD_SPECIALS,
        tokenizer: Callable[[str], list[str]] | None = None,
        detokenizer: Callable[[list[str]], str] | None = None,
        lowercase: bool = False,
        min_count: int = 1,
        max_size: int | None = None,
    ) -> Vocabulary:
        """The tokens of ``corpus`` seen at least ``min_count`` times, most frequent first (ties alphabetically).

        Args:
            corpus: the training texts (with a ``tokenizer``) or token lists (without);
                never the test data: unseen tokens must stay unseen.
            specials: the special tokens that take the first indices.
            tokenizer, detokenizer, lowercase: stored on the vocabulary (see the class).
            min_count: tokens rarer than this map to ``<unk>``.
            max_size: keep at most this many tokens besides the specials.
        """
        specials = _check_specials(specials)
        lowercase = check_bool("lowercase", lowercase)
        min_count = check_int("min_count", min_count, minimum=1)
        if max_size is not None:
            max_size = check_int("max_size", max_size, minimum=1)
        if tokenizer is not None and not callable(tokenizer):
            raise TypeError(f"tokenizer must be callable or None, got {type(tokenizer).__name__}")
        reader = cls(specials, specials=specials, tokenizer=tokenizer, detokenizer=detokenizer, lowercase=lowercase)
        counts = Counter(token for tokens in reader._token_lists("corpus", corpus) for token in tokens)
        kept = sorted((t for t, c in counts.items() if c >= min_count and t not in specials), key=lambda t: (-counts[t], t))
        return cls((*specials, *kept[:max_size]), specials=specials, tokenizer=tokenizer, detokenizer=detokenizer,
                   lowercase=lowercase)

    def __post_init__(self) -> None:
        _check_specials(self.specials)
        if not isinstance(self.itos, tuple) or not all(isinstance(t, str) for t in self.itos):
            raise TypeError("itos must be a tuple of str")
        if self.itos[: len(self.specials)] != self.specials:
            raise ValueError(f"itos must start with {self.specials!r}, got {self.itos[: len(self.specials)]!r}")
        if len(set(self.itos)) != len(self.itos):
            raise ValueError("itos must not repeat a token")
        check_bool("lowercase", self.lowercase)
        object.__setattr__(self, "_stoi", {token: index for index, token in enumerate(self.itos)})

    def __len__(self) -> int:
        return len(self.itos)

    def _special_index(self, token: str) -> int:
        if token not in self.specials:
            raise ValueError(f"this vocabulary has no {token} token (specials {self.specials!r})")
        return self.specials.index(token)

    @property
    def pad_index(self) -> int:
        return 0

    @property
    def unk_index(self) -> int:
        return self._special_index(UNK)

    @property
    def bos_index(self) -> int:
        return self._special_index(BOS)

    @property
    def eos_index(self) -> int:
        return self._special_index(EOS)

    def index(self, token: str) -> int:
        """The index of ``token`` (lower-cased first when ``lowercase``), or that of ``<unk>``."""
        if not isinstance(token, str):
            raise TypeError(f"token must be a str, got {type(token).__name__}")
        return self._stoi.get(token.lower() if self.lowercase else token, self.unk_index)  # type: ignore[attr-defined]

    def _token_lists(self, name: str, corpus: object) -> list[list[str]]:
        """Each item of ``corpus`` as a list of tokens: tokenized texts, or token lists as they are."""
        if isinstance(corpus, str) or not isinstance(corpus, Sequence):
            kind = "texts" if self.tokenizer is not None else "token lists"
            raise TypeError(f"{name} must be a list of {kind}, got {type(corpus).__name__}")
        lists = []
        for position, item in enumerate(corpus):
            if self.tokenizer is not None:
                if not isinstance(item, str):
                    raise TypeError(f"{name}[{position}] must be a str (a text), got {type(item).__name__}")
                tokens = self.tokenizer(item)
            else:
                if isinstance(item, str):
                    raise TypeError(
                        f"{name}[{position}] must be a list of tokens, got a str; split it first "
                        "or build the vocabulary with a tokenizer"
                    )
                if not isinstance(item, Sequence) or not all(isinstance(t, str) for t in item):
                    raise TypeError(f"{name}[{position}] must be a sequence of str tokens, got {item!r:.60}")
                tokens = list(item)
            lists.append([t.lower() for t in tokens] if self.lowercase else tokens)
        return lists

    def encode(
        self, corpus: Sequence, *, max_length: int | None = None, add_eos: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Indices ``(N, L)`` padded with 0 to the longest row, and the length of each row ``(N,)``.

        Each row is cut to ``max_length`` tokens, then ``<eos>`` is appended with
        ``add_eos``. A row with no token at all becomes one ``<unk>``, so every length is
        at least 1 (a packed recurrent network cannot read an empty sequence).

        Args:
            corpus: texts (a vocabulary with a ``tokenizer``) or token lists; not empty.
            max_length: keep at most this many tokens per row (``None``: all).
            add_eos: end each row with ``<eos>`` (sequence vocabularies only).
        """
        rows = self._token_lists("corpus", corpus)
        if not rows:
            raise ValueError("corpus must not be empty")
        if max_length is not None:
            max_length = check_int("max_length", max_length, minimum=1)
        suffix = [self.eos_index] if check_bool("add_eos", add_eos) else []
        indices = [[self.index(token) for token in tokens][:max_length] + suffix for tokens in rows]
        indices = [row or [self.unk_index] for row in indices]
        lengths = torch.tensor([len(row) for row in indices], dtype=torch.long)
        ids = torch.zeros(len(indices), int(lengths.max()), dtype=torch.long)
        for number, row in enumerate(indices):
            ids[number, : len(row)] = torch.tensor(row, dtype=torch.long)
        return ids, lengths

    def decode(self, indices: torch.Tensor | Sequence[int]):
        """The tokens of one row of indices, or its text when the vocabulary has a ``detokenizer``.

        Stops at the first ``<eos>``; skips ``<pad>`` and ``<bos>``; ``<unk>`` stays.
        """
        if isinstance(indices, torch.Tensor):
            check_tensor("indices", indices)
            if indices.dim() != 1 or indices.is_floating_point():
                raise ValueError(f"indices must be a 1-D integer tensor (one row), got dtype {indices.dtype} and shape {tuple(indices.shape)}")
            indices = indices.tolist()
        elif isinstance(indices, str) or not isinstance(indices, Sequence):
            raise TypeError(f"indices must be a 1-D tensor or a sequence of int, got {type(indices).__name__}")
        eos = self.eos_index if EOS in self.specials else None
        skipped = {self.pad_index} | ({self.bos_index} if BOS in self.specials else set())
        tokens = []
        for position, index in enumerate(indices):
            index = check_int(f"indices[{position}]", index, minimum=0, maximum=len(self.itos) - 1)
            if index == eos:
                break
            if index not in skipped:
                tokens.append(self.itos[index])
        return self.detokenizer(tokens) if self.detokenizer is not None else tokens
