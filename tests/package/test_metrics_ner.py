"""Entity spans by exact match and the micro-averaged entity F1, checked by hand and against conlleval's rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lossbook.metrics.ner import bio_spans, entity_scores


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
