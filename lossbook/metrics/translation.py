r"""The scores of a translation: exact match and corpus BLEU.

:func:`exact_match` and :func:`corpus_bleu` score against one reference or against any of
several references per sentence: ``references[i]`` is a ``str`` (one reference) or a
tuple or list of ``str`` (several). A list of two or more strings none of which holds a
space is refused: that is what ``str.split()`` returns, a sentence's *tokens*, which would
otherwise be read as several one-word references (and give a BLEU score instead of an
error). Several one-word references are passed as a tuple, which is never read as tokens. BLEU (Papineni et al., 2002) is written out here and
matches ``sacrebleu`` (Post, 2018) with ``tokenize="none"`` (the tests check it).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from lossbook._validate import check_choice, check_int, check_str_sequence

__all__ = ["exact_match", "corpus_bleu", "bleu_statistics"]


def _reference_lists(references: object, count: int) -> list[tuple[str, ...]]:
    """One tuple of references per hypothesis, from a str (one reference) or a sequence of str (several)."""
    if isinstance(references, str) or not isinstance(references, Sequence):
        raise TypeError(f"references must be a list with one entry per hypothesis, got {type(references).__name__}")
    if len(references) != count:
        raise ValueError(f"references must hold one entry per hypothesis: expected {count}, got {len(references)}")
    lists = []
    for i, refs in enumerate(references):
        if isinstance(refs, str):
            lists.append((refs,))
            continue
        if not isinstance(refs, (tuple, list)):
            raise TypeError(f"references[{i}] must be a str or a tuple of str references, got {type(refs).__name__}")
        if not refs:
            raise ValueError(f"references[{i}] must be a str or a non-empty sequence of str, got {refs!r}")
        for j, ref in enumerate(refs):
            if not isinstance(ref, str):
                raise TypeError(f"references[{i}][{j}] must be a str, got {type(ref).__name__}")
        if isinstance(refs, list) and len(refs) > 1 and not any(len(ref.split()) > 1 for ref in refs):
            # What str.split() returns: a sentence's tokens, which would be read as one-word references.
            raise TypeError(
                f"references[{i}] looks like a list of tokens, not of references: {refs!r:.60}; "
                "join the tokens into one reference (' '.join(tokens)), or pass one-word references as a tuple"
            )
        lists.append(tuple(refs))
    return lists


def _check_hypotheses(hypotheses: object) -> list[str]:
    hypotheses = check_str_sequence("hypotheses", hypotheses, what="str (one translation per sentence)")
    if len(hypotheses) == 0:
        raise ValueError("hypotheses must not be empty")
    return hypotheses


def exact_match(hypotheses: Sequence[str], references: Sequence) -> float:
    """The fraction of hypotheses equal to one of their references.

    ``references[i]`` is one string (single-reference) or a tuple (or list) of strings,
    any of which counts as correct (multi-reference); see the module docstring for lists.

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
    check_choice("smooth", smooth, ("exp", "none"))
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
