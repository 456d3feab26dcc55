r"""Entity-level scores for BIO tagging: spans by exact match, as the CoNLL ``conlleval`` script counts them.

A predicted entity counts as correct only when its type **and** both boundaries equal
those of a gold entity. Precision, recall and F1 are then

.. math::

    P = \frac{|\text{pred} \cap \text{gold}|}{|\text{pred}|},\qquad
    R = \frac{|\text{pred} \cap \text{gold}|}{|\text{gold}|},\qquad
    F_1 = \frac{2PR}{P + R}

summed over all sentences (micro-averaged), with :math:`0/0 := 0`.

Decoding follows ``conlleval``: an entity starts at ``B-X``, or at ``I-X`` when the
previous tag is not ``B-X``/``I-X`` of the same type (a "broken" I- tag, which an
untrained tagger produces often), and continues over ``I-X`` tags.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from lossbook._validate import check_str_sequence, check_tensor

__all__ = ["bio_spans", "entity_scores", "tag_sequences"]


def _split(tag: object, where: str) -> tuple[str, str]:
    if not isinstance(tag, str):
        raise TypeError(f"{where} must be a str, got {type(tag).__name__}")
    if tag == "O":
        return "O", ""
    if len(tag) > 2 and tag[:2] in ("B-", "I-"):
        return tag[0], tag[2:]
    raise ValueError(f"{where} must be 'O', 'B-<type>' or 'I-<type>', got {tag!r}")


def _check_sentence(tags: object, name: str) -> list:
    if isinstance(tags, str) or not isinstance(tags, Sequence):
        raise TypeError(f"{name} must be a sequence of tags (one str per token), got {type(tags).__name__}")
    return list(tags)


def _spans(tags: list, name: str) -> set[tuple[int, int, str]]:
    spans = set()
    start, kind = None, ""
    for position in range(len(tags) + 1):
        prefix, tag_type = _split(tags[position], f"{name}[{position}]") if position < len(tags) else ("O", "")
        continues = prefix == "I" and start is not None and tag_type == kind
        if start is not None and not continues:
            spans.add((start, position, kind))
            start = None
        if prefix == "B" or (prefix == "I" and not continues):
            start, kind = position, tag_type
    return spans


def bio_spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """The entities of one BIO tag sequence as ``(start, end, type)``, ``end`` exclusive.

    Example:
        >>> sorted(bio_spans(["B-per", "I-per", "O", "I-loc", "B-loc", "B-loc"]))
        [(0, 2, 'per'), (3, 4, 'loc'), (4, 5, 'loc'), (5, 6, 'loc')]
    """
    return _spans(_check_sentence(tags, "tags"), "tags")


def entity_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float]:
    """Micro-averaged entity precision, recall and F1 over sentences, plus the counts.

    Args:
        gold: the gold tags, one sequence of str per sentence.
        pred: the predicted tags, in the same shape.

    Raises:
        TypeError: ``gold`` or ``pred`` is not a sequence of tag sequences (a str, a
            generator, ``None``), or a tag is not a str; the message names the argument,
            the sentence and the position (``pred[3][5]``).
        ValueError: ``gold`` and ``pred`` differ in the number of sentences or in a
            sentence's length, or a tag is not BIO (the message names it the same way).

    Example:
        >>> entity_scores([["B-per", "I-per", "O"]], [["B-per", "O", "O"]])["f1"]
        0.0
    """
    for name, sentences in (("gold", gold), ("pred", pred)):
        if isinstance(sentences, str) or not isinstance(sentences, Sequence):
            raise TypeError(f"{name} must be a list of sentences (each a list of tags), got {type(sentences).__name__}")
    if len(gold) != len(pred):
        raise ValueError(f"pred must have as many sentences as gold: expected {len(gold)}, got {len(pred)}")
    n_gold = n_pred = n_correct = 0
    for index, (g, p) in enumerate(zip(gold, pred)):
        g, p = _check_sentence(g, f"gold[{index}]"), _check_sentence(p, f"pred[{index}]")
        if len(g) != len(p):
            raise ValueError(f"sentence {index}: pred must have the length of gold: expected {len(g)}, got {len(p)}")
        gold_spans, pred_spans = _spans(g, f"gold[{index}]"), _spans(p, f"pred[{index}]")
        n_gold += len(gold_spans)
        n_pred += len(pred_spans)
        n_correct += len(gold_spans & pred_spans)
    precision = n_correct / n_pred if n_pred else 0.0
    recall = n_correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "gold": n_gold, "predicted": n_pred, "correct": n_correct}


def tag_sequences(indices: torch.Tensor, mask: torch.Tensor, tags: Sequence[str]) -> list[list[str]]:
    """The tag strings of each row of a padded ``(N, L)`` tensor of tag indices, up to its mask.

    Row ``i`` keeps its first ``mask[i].sum()`` positions (padding sits at the end, as
    :func:`lossbook.data.wnut.encode` makes it), each index read as ``tags[index]``: what
    :func:`entity_scores` takes. The dice-loss chapter scores its tagger this way.

    Example:
        >>> tag_sequences(torch.tensor([[1, 2, 0], [0, -100, -100]]), torch.tensor([[True, True, True], [True, False, False]]),
        ...               ("O", "B-loc", "I-loc"))
        [['B-loc', 'I-loc', 'O'], ['O']]
    """
    check_tensor("indices", indices)
    check_tensor("mask", mask)
    if indices.dim() != 2 or indices.is_floating_point():
        raise ValueError(f"indices must be a 2-D integer tensor (sentences, positions), got dtype {indices.dtype} and shape {tuple(indices.shape)}")
    if mask.shape != indices.shape or mask.dtype != torch.bool:
        raise ValueError(f"mask must be a bool tensor of shape {tuple(indices.shape)}, got dtype {mask.dtype} and shape {tuple(mask.shape)}")
    if isinstance(tags, str) or not isinstance(tags, Sequence):
        raise TypeError(f"tags must be a sequence of tag names, got {type(tags).__name__}")
    check_str_sequence("tags", tags, what="tag names")
    if not tags:
        raise ValueError("tags must name at least one tag, got an empty sequence")
    lengths = mask.sum(dim=1).tolist()
    rows = indices.tolist()
    sequences = []
    for row, (values, length) in enumerate(zip(rows, lengths)):
        kept = values[:length]
        bad = [v for v in kept if not 0 <= v < len(tags)]
        if bad:
            raise ValueError(f"indices[{row}] must hold tag indices in [0, {len(tags) - 1}] where mask is set, got {bad[0]}")
        sequences.append([tags[v] for v in kept])
    return sequences
