"""Entity spans by exact match and the micro-averaged entity F1, checked by hand and against conlleval's rules."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from lossbook.metrics.ner import bio_spans, entity_scores, tag_sequences


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["O", "O"], set()),
        (["B-per", "I-per", "O"], {(0, 2, "per")}),
        (["B-per", "B-per"], {(0, 1, "per"), (1, 2, "per")}),
        (["I-loc", "I-loc"], {(0, 2, "loc")}),  # a broken I- starts an entity (conlleval)
        (["B-per", "I-loc"], {(0, 1, "per"), (1, 2, "loc")}),  # a type change ends it
        (["O", "B-a", "I-a", "I-a"], {(1, 4, "a")}),  # an entity running to the end is closed
        (["B-geo-loc", "I-geo-loc"], {(0, 2, "geo-loc")}),  # types may contain a dash
        ([], set()),
    ],
)
def test_bio_spans_by_hand(tags, spans):
    assert bio_spans(tags) == spans


def test_bio_spans_rejects_non_bio_tags():
    with pytest.raises(ValueError, match=r"tags\[1\] must be 'O', 'B-<type>' or 'I-<type>', got 'PER'"):
        bio_spans(["O", "PER"])
    with pytest.raises(TypeError, match=r"tags\[0\] must be a str, got int"):
        bio_spans([0])


def test_entity_scores_by_hand():
    gold = [["B-per", "I-per", "O", "B-loc"], ["O", "B-org"]]
    pred = [["B-per", "I-per", "O", "B-per"], ["O", "O"]]
    scores = entity_scores(gold, pred)
    # gold: 3 entities, predicted: 2, correct: 1 (the boundary-exact person).
    assert (scores["gold"], scores["predicted"], scores["correct"]) == (3, 2, 1)
    assert scores["precision"] == pytest.approx(1 / 2) and scores["recall"] == pytest.approx(1 / 3)
    assert scores["f1"] == pytest.approx(2 * (1 / 2) * (1 / 3) / (1 / 2 + 1 / 3))


def test_a_boundary_off_by_one_is_wrong_and_no_prediction_scores_zero():
    assert entity_scores([["B-a", "I-a"]], [["B-a", "O"]])["f1"] == 0.0
    assert entity_scores([["B-a", "I-a"]], [["O", "O"]]) == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 1, "predicted": 0, "correct": 0
    }


tag_lists = st.lists(st.sampled_from(["O", "B-a", "I-a", "B-b", "I-b"]), max_size=12)


@given(tag_lists)
def test_spans_are_disjoint_and_perfect_prediction_scores_one(tags):
    spans = sorted(bio_spans(tags))
    covered = [i for start, end, _ in spans for i in range(start, end)]
    assert len(covered) == len(set(covered))
    assert all(tags[i] != "O" for i in covered) and all(tags[i] == "O" for i in set(range(len(tags))) - set(covered))
    expected = 1.0 if spans else 0.0
    assert entity_scores([tags], [tags])["f1"] == expected


def test_entity_scores_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match=r"pred must have as many sentences as gold: expected 1, got 0"):
        entity_scores([["O"]], [])
    with pytest.raises(ValueError, match=r"sentence 0: pred must have the length of gold: expected 2, got 1"):
        entity_scores([["O", "O"]], [["O"]])


@pytest.mark.parametrize(
    ("gold", "pred", "error", "message"),
    [
        ([["O"], ["O", "PER"]], [["O"], ["O", "O"]], ValueError, r"gold\[1\]\[1\] must be 'O', 'B-<type>' or 'I-<type>', got 'PER'"),
        ([["O"], ["O", "O"]], [["O"], ["O", "B"]], ValueError, r"pred\[1\]\[1\] must be 'O', 'B-<type>' or 'I-<type>', got 'B'"),
        ([["O", 3]], [["O", "O"]], TypeError, r"gold\[0\]\[1\] must be a str, got int"),
        ([["O"]], [[None]], TypeError, r"pred\[0\]\[0\] must be a str, got NoneType"),
        (["B-per"], [["B-per"]], TypeError, r"gold\[0\] must be a sequence of tags \(one str per token\), got str"),
        ([["O"]], "O", TypeError, r"pred must be a list of sentences \(each a list of tags\), got str"),
        ((s for s in [["O"]]), [["O"]], TypeError, r"gold must be a list of sentences .*got generator"),
        (None, [["O"]], TypeError, r"gold must be a list of sentences .*got NoneType"),
        ([["O"]], [[1.5]], TypeError, r"pred\[0\]\[0\] must be a str, got float"),
    ],
)
def test_tag_errors_say_gold_or_pred_the_sentence_and_the_position(gold, pred, error, message):
    with pytest.raises(error, match=message):
        entity_scores(gold, pred)


def test_tag_sequences_read_each_row_up_to_its_mask_as_the_dice_chapter_did():
    tags = ("O", "B-loc", "I-loc", "B-per")
    indices = torch.tensor([[1, 2, 0, -100], [3, 0, -100, -100], [0, 1, 2, 3]])
    mask = indices != -100
    # the chapter's evaluate_tagger: n = mask[row].sum(), then tags of the first n positions
    expected = [[tags[i] for i in indices[row, : int(mask[row].sum())].tolist()] for row in range(3)]
    assert tag_sequences(indices, mask, tags) == expected == [["B-loc", "I-loc", "O"], ["B-per", "O"], ["O", "B-loc", "I-loc", "B-per"]]
    assert entity_scores(tag_sequences(indices, mask, tags), expected)["f1"] == 1.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: tag_sequences(torch.tensor([[0, 7]]), torch.tensor([[True, True]]), ("O", "B-a")), ValueError, r"indices\[0\] must hold tag indices in \[0, 1\] where mask is set, got 7"),
        (lambda: tag_sequences(torch.tensor([[0.0]]), torch.tensor([[True]]), ("O",)), ValueError, r"indices must be a 2-D integer tensor"),
        (lambda: tag_sequences(torch.tensor([[0]]), torch.tensor([[1]]), ("O",)), ValueError, r"mask must be a bool tensor of shape \(1, 1\)"),
        (lambda: tag_sequences(torch.tensor([[0]]), torch.tensor([[True]]), "O"), TypeError, r"tags must be a sequence of tag names, got str"),
        (lambda: tag_sequences([[0]], torch.tensor([[True]]), ("O",)), TypeError, r"indices must be a torch.Tensor, got list"),
    ],
)
def test_tag_sequences_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
