r"""English number words to French: a small translation task where several answers are right.

French counts 70, 80 and 90 differently depending on where it is spoken. France says
*soixante-dix* (60 + 10), *quatre-vingts* (4 × 20) and *quatre-vingt-dix* (4 × 20 + 10);
Belgium says *septante* and *nonante* (but *quatre-vingts*); French-speaking Switzerland
says *septante*, *huitante* (Vaud, Valais, Fribourg) and *nonante*. So "seventy-one" has
two correct translations, *soixante et onze* and *septante et un*, and a translation
model trained on text from all three places sees both. That is the situation mixed
cross-entropy (Li & Lu, 2021) was designed for, with every reference known exactly.

The words come from ``num2words`` (LGPL): ``num2words(n, lang="en")`` for the source and
``lang="fr"``, ``"fr_BE"``, ``"fr_CH"`` for the three French variants. Its Belgian and
Swiss converters skip the plural-agreement rules that all French variants share, so
:func:`french` corrects three things in their output (and nothing else):

* *cent* takes an ``s`` only when it ends the number: num2words' ``fr_BE``/``fr_CH``
  write "deux cents un" and "deux cents mille"; every variant writes "deux cent un",
  "deux cent mille" (as num2words' own ``fr`` does);
* *quatre-vingts* keeps its ``s`` at the end of a number: ``fr_BE`` writes 80 as
  "quatre-vingt";
* 81 is *quatre-vingt-un* (no *et*), in Belgium as in France: ``fr_BE`` writes
  "quatre-vingt et un".

After the correction the variants differ **only** in the words for 70–99 (the tests check
this for every number below 1,000), so each number has one or two distinct valid references.

**Tokenisation** (:func:`tokenize`): split at whitespace, and make every hyphen and comma a
token of its own: "quatre-vingt-dix" → ``quatre - vingt - dix``. The vocabulary stays
small (about 30 French words) and a model can build an unseen number from parts it has
seen; :func:`detokenize` undoes it exactly.

**The corpus** (:func:`load_number_words`): the numbers ``0 … max_number - 1`` are split
by a seeded shuffle into train / dev / test. Each training pair has **one** French target,
its variant drawn per pair (seeded) with probabilities ``mix`` — by default 60 % France,
20 % Belgium, 20 % Switzerland, a corpus written mostly in standard French. With
``copies=1`` every training number occurs once, so the model sees *septante* in some
numbers and *soixante-dix* in others; with ``copies=k`` each training number occurs
``k`` times, each occurrence with its own draw, as a sentence that recurs in a real corpus
is translated differently by different writers. Dev and test numbers keep their full set
of references.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch

from lossbook._validate import check_choice, check_int, check_real, check_split_fractions, check_str_sequence
from lossbook.models.vocab import BOS, EOS, PAD, SEQUENCE_SPECIALS, UNK, Vocabulary

__all__ = [
    "VARIANTS",
    "DEFAULT_MIX",
    "PAD",
    "BOS",
    "EOS",
    "UNK",
    "english",
    "french",
    "references",
    "tokenize",
    "detokenize",
    "build_vocabulary",
    "split_numbers",
    "sample_variants",
    "NumberWords",
    "load_number_words",
]

VARIANTS = ("fr", "fr_BE", "fr_CH")
"""Standard (France), Belgian and Swiss French, as num2words names them."""

DEFAULT_MIX = {"fr": 0.6, "fr_BE": 0.2, "fr_CH": 0.2}
"""How often a training target is written in each variant."""

MAX_NUMBER = 1_000_000  # from a million on, French number words follow other rules ("un million" is a noun)

_TOKEN = re.compile(r"[^\s,-]+|[,-]")


def _check_number(n: object) -> int:
    n = check_int("n", n)
    if not 0 <= n < MAX_NUMBER:
        raise ValueError(f"n must be in [0, {MAX_NUMBER}), got {n!r}")
    return int(n)


def _num2words(n: int, lang: str) -> str:
    try:
        from num2words import num2words
    except ModuleNotFoundError as error:  # pragma: no cover - depends on the environment
        raise ModuleNotFoundError(
            "the number-words task needs 'num2words': pip install num2words (or lossbook[nlp])"
        ) from error
    return num2words(n, lang=lang)


@functools.lru_cache(maxsize=None)
def _cached_words(n: int, lang: str) -> str:
    # Cached after the checks, so a bad argument gets its message and not lru_cache's "unhashable type".
    text = _num2words(n, lang)
    return text if lang in ("en", "fr") else _agree(text)


def english(n: int) -> str:
    """The English words for ``n`` (num2words, British style: "one hundred and one").

    Example:
        >>> english(71)
        'seventy-one'
    """
    return _cached_words(_check_number(n), "en")


def _agree(text: str) -> str:
    """Apply the plural rules of *cent* and *quatre-vingts* that num2words' fr_BE / fr_CH skip."""
    text = re.sub(r"\bcents(?= )", "cent", text)  # "deux cents un" -> "deux cent un"
    text = re.sub(r"\bquatre-vingt et un\b", "quatre-vingt-un", text)
    return re.sub(r"\bquatre-vingt$", "quatre-vingts", text)  # 80 at the end of a number


def french(n: int, variant: str = "fr") -> str:
    """The French words for ``n`` in one variant: ``"fr"`` (France), ``"fr_BE"``, ``"fr_CH"``.

    ``fr`` is num2words' output as is; for ``fr_BE`` and ``fr_CH`` the plural agreement
    of *cent* and *quatre-vingts* is corrected (see the module docstring).

    Raises:
        TypeError: ``n`` is not an int.
        ValueError: ``n`` is outside ``[0, 1_000_000)`` or ``variant`` is not one of :data:`VARIANTS`.

    Example:
        >>> [french(71, v) for v in VARIANTS]
        ['soixante et onze', 'septante et un', 'septante et un']
        >>> [french(280, v) for v in VARIANTS]
        ['deux cent quatre-vingts', 'deux cent quatre-vingts', 'deux cent huitante']
    """
    n = _check_number(n)
    return _cached_words(n, check_choice("variant", variant, VARIANTS))


def references(n: int) -> tuple[str, ...]:
    """The distinct valid French translations of ``n``, the standard (France) one first.

    Example:
        >>> references(90)
        ('quatre-vingt-dix', 'nonante')
        >>> references(42)
        ('quarante-deux',)
    """
    return tuple(dict.fromkeys(french(n, variant) for variant in VARIANTS))


def tokenize(text: str) -> list[str]:
    """Words, with every hyphen and comma a token of its own.

    Example:
        >>> tokenize("one thousand, quatre-vingt-dix")
        ['one', 'thousand', ',', 'quatre', '-', 'vingt', '-', 'dix']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _TOKEN.findall(text)


def detokenize(tokens: list[str] | tuple[str, ...]) -> str:
    """Undo :func:`tokenize`: hyphens join their neighbours, commas attach to the word before.

    Example:
        >>> detokenize(['one', 'thousand', ',', 'quatre', '-', 'vingt', '-', 'dix'])
        'one thousand, quatre-vingt-dix'
    """
    tokens = check_str_sequence("tokens", tokens, what="str (use tokenize(text) to split a string)")
    return " ".join(tokens).replace(" - ", "-").replace(" ,", ",")


def build_vocabulary(texts: list[str]) -> Vocabulary:
    """The :class:`~lossbook.models.vocab.Vocabulary` of the translation task: every token of ``texts``.

    ``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2, ``<unk>`` = 3, then the tokens of
    :func:`tokenize`, most frequent first (ties alphabetically). It reads texts with
    :func:`tokenize` and :meth:`~lossbook.models.vocab.Vocabulary.decode` gives a text back
    through :func:`detokenize`.

    Example:
        >>> vocab = build_vocabulary(["quatre-vingt-dix", "dix"])
        >>> vocab.itos
        ('<pad>', '<bos>', '<eos>', '<unk>', '-', 'dix', 'quatre', 'vingt')
        >>> ids, lengths = vocab.encode(["quatre-vingt-dix"], add_eos=True)
        >>> ids.tolist(), vocab.decode(ids[0])
        ([[6, 4, 7, 4, 5, 2]], 'quatre-vingt-dix')
    """
    texts = check_str_sequence("texts", texts, what="texts")  # checked under this function's own name
    return Vocabulary.build(texts, specials=SEQUENCE_SPECIALS, tokenizer=tokenize, detokenizer=detokenize)


def split_numbers(
    max_number: int, *, seed: int, fractions: tuple[float, float, float] = (0.7, 0.1, 0.2)
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """A seeded train / dev / test split of ``0 … max_number - 1``, each part sorted.

    dev and test get ``round(fraction · max_number)`` numbers, train the rest; the
    parts are disjoint and cover every number. The same ``seed`` gives the same split
    everywhere (NumPy's PCG64).

    Raises:
        ValueError: ``max_number`` is not an int in ``[3, 1_000_000]``, ``seed`` is not a
            non-negative int, or ``fractions`` are not three non-negative numbers summing to 1.
    """
    max_number = check_int("max_number", max_number, minimum=3, maximum=MAX_NUMBER)
    seed = check_int("seed", seed, minimum=0)
    fractions = check_split_fractions("fractions", fractions, parts=3)
    order = np.random.default_rng(seed).permutation(int(max_number))
    n_dev, n_test = round(fractions[1] * max_number), round(fractions[2] * max_number)
    n_train = int(max_number) - n_dev - n_test
    parts = np.split(order, [n_train, n_train + n_dev])
    return tuple(tuple(sorted(int(i) for i in part)) for part in parts)  # type: ignore[return-value]


def _check_mix(mix: object) -> dict[str, float]:
    if not isinstance(mix, dict):
        raise TypeError(f"mix must be a dict from variants {VARIANTS} to probabilities, got {type(mix).__name__}")
    if not mix or any(v not in VARIANTS for v in mix):
        raise ValueError(f"mix must be a dict from variants {VARIANTS} to probabilities, got {mix!r}")
    probabilities = {v: check_real(f"mix[{v!r}]", p, minimum=0.0) for v, p in mix.items()}
    if abs(sum(probabilities.values()) - 1) > 1e-9:
        raise ValueError(f"mix must hold non-negative probabilities summing to 1, got {mix!r}")
    return probabilities


def sample_variants(count: int, *, mix: dict[str, float] = DEFAULT_MIX, seed: int) -> tuple[str, ...]:
    """``count`` variant names drawn independently with probabilities ``mix`` (seeded).

    Example:
        >>> sample_variants(5, mix={"fr": 1.0}, seed=0)
        ('fr', 'fr', 'fr', 'fr', 'fr')
    """
    count = check_int("count", count, minimum=0)
    mix = _check_mix(mix)
    names = list(mix)
    # A stream of its own (seed, 1), so changing the mix never changes the split.
    drawn = np.random.default_rng([check_int("seed", seed, minimum=0), 1]).choice(len(names), size=int(count), p=list(mix.values()))
    return tuple(names[i] for i in drawn)


@dataclass(frozen=True)
class NumberWords:
    """A seeded corpus of the number-words task.

    ``train``, ``dev``, ``test`` are the numbers of each part (sorted, disjoint);
    ``train_pairs[i]`` is the number of the ``i``-th training pair (each training number
    ``copies`` times), ``train_variants[i]`` the variant of its one target and
    ``train_targets[i]`` the target's text. The vocabularies are built on the training
    sources and targets.
    """

    train: tuple[int, ...]
    dev: tuple[int, ...]
    test: tuple[int, ...]
    train_pairs: tuple[int, ...]
    train_variants: tuple[str, ...]
    train_targets: tuple[str, ...]
    source_vocab: Vocabulary
    target_vocab: Vocabulary
    mix: dict

    def sources(self, numbers) -> torch.Tensor:
        """The English source of each number as padded indices ``(N, L)``."""
        return self.source_vocab.encode([english(n) for n in numbers])[0]

    def train_tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Sources ``(N, S)`` and targets ``(N, T)`` of the training pairs; each target ends in ``<eos>``, padding is 0."""
        return self.sources(self.train_pairs), self.target_vocab.encode(list(self.train_targets), add_eos=True)[0]

    @staticmethod
    def references(numbers) -> list[tuple[str, ...]]:
        """The valid translations of each number, standard French first."""
        return [references(n) for n in numbers]

    @staticmethod
    def standard(numbers) -> list[str]:
        """The standard (France) translation of each number: the single reference."""
        return [french(n, "fr") for n in numbers]

    def __str__(self) -> str:
        counts = Counter(self.train_variants)
        differ = sum(t != french(n) for n, t in zip(self.train_pairs, self.train_targets))
        several = sum(len(references(n)) > 1 for n in self.test)
        shares = ", ".join(f"{v} {counts[v]}" for v in VARIANTS if v in self.mix)
        copies = len(self.train_pairs) // max(len(self.train), 1)
        pairs = f" ({len(self.train_pairs)} training pairs, {copies} per number)" if copies > 1 else ""
        return (
            f"train {len(self.train)}, dev {len(self.dev)}, test {len(self.test)} numbers{pairs}; "
            f"training targets by variant: {shares} ({differ} differ from standard French); "
            f"{several} test numbers have two valid translations; "
            f"vocabularies: {len(self.source_vocab)} English, {len(self.target_vocab)} French tokens"
        )


def load_number_words(
    *,
    max_number: int = 1000,
    seed: int = 0,
    fractions: tuple[float, float, float] = (0.7, 0.1, 0.2),
    mix: dict[str, float] = DEFAULT_MIX,
    copies: int = 1,
) -> NumberWords:
    """Split ``0 … max_number - 1``, draw one French target per training pair, build the vocabularies.

    Each training number gives ``copies`` pairs (listed number by number), each with its
    own draw of the variant.

    Example:
        >>> data = load_number_words(max_number=100, seed=0)
        >>> len(data.train), len(data.dev), len(data.test)
        (70, 10, 20)
    """
    copies = check_int("copies", copies, minimum=1)
    train, dev, test = split_numbers(max_number, seed=seed, fractions=fractions)
    pairs = tuple(n for n in train for _ in range(int(copies)))
    variants = sample_variants(len(pairs), mix=mix, seed=seed)
    targets = tuple(french(n, v) for n, v in zip(pairs, variants))
    return NumberWords(
        train=train,
        dev=dev,
        test=test,
        train_pairs=pairs,
        train_variants=variants,
        train_targets=targets,
        source_vocab=build_vocabulary([english(n) for n in train]),
        target_vocab=build_vocabulary(list(targets)),
        mix=_check_mix(mix),
    )
