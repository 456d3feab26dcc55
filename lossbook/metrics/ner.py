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

__all__ = ["bio_spans", "entity_scores"]


def _split(tag: str, position: int) -> tuple[str, str]:
    if not isinstance(tag, str):
        raise TypeError(f"tags[{position}] must be a str, got {type(tag).__name__}")
    if tag == "O":
        return "O", ""
    if len(tag) > 2 and tag[:2] in ("B-", "I-"):
        return tag[0], tag[2:]
    raise ValueError(f"tags[{position}] must be 'O', 'B-<type>' or 'I-<type>', got {tag!r}")


def bio_spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """The entities of one BIO tag sequence as ``(start, end, type)``, ``end`` exclusive.

    Example:
        >>> sorted(bio_spans(["B-per", "I-per", "O", "I-loc", "B-loc", "B-loc"]))
        [(0, 2, 'per'), (3, 4, 'loc'), (4, 5, 'loc'), (5, 6, 'loc')]
    """
    spans = set()
    start, kind = None, ""
    for position, tag in enumerate(list(tags) + ["O"]):
        prefix, tag_type = _split(tag, position) if position < len(tags) else ("O", "")
        continues = prefix == "I" and start is not None and tag_type == kind
        if start is not None and not continues:
            spans.add((start, position, kind))
            start = None
        if prefix == "B" or (prefix == "I" and not continues):
            start, kind = position, tag_type
    return spans


def entity_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float]:
    """Micro-averaged entity precision, recall and F1 over sentences, plus the counts.

    Raises:
        ValueError: ``gold`` and ``pred`` differ in the number of sentences or in a
            sentence's length (the message names the sentence).

    Example:
        >>> entity_scores([["B-per", "I-per", "O"]], [["B-per", "O", "O"]])["f1"]
        0.0
    """
    if len(gold) != len(pred):
        raise ValueError(f"pred must have as many sentences as gold: expected {len(gold)}, got {len(pred)}")
    n_gold = n_pred = n_correct = 0
    for index, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise ValueError(f"sentence {index}: pred must have the length of gold: expected {len(g)}, got {len(p)}")
        gold_spans, pred_spans = bio_spans(g), bio_spans(p)
        n_gold += len(gold_spans)
        n_pred += len(pred_spans)
        n_correct += len(gold_spans & pred_spans)
    precision = n_correct / n_pred if n_pred else 0.0
    recall = n_correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "gold": n_gold, "predicted": n_pred, "correct": n_correct}
