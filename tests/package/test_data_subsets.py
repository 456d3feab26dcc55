"""stratified_subset: each label keeps its share, the order is kept, and it draws what the chapter drew."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossbook.data.subsets import stratified_subset


def focal_calibration_subset(texts, labels, size, seed):
    """The focal-calibration chapter's helper, as its cell wrote it (binary labels only)."""
    if size is None or size >= len(texts):
        return list(texts), np.asarray(labels)
    rng = np.random.default_rng(seed)
    keep = []
    for value in (0, 1):
        rows = np.flatnonzero(labels == value)
        keep += rng.permutation(rows)[: round(size * len(rows) / len(labels))].tolist()
    keep = sorted(keep)
    return [texts[i] for i in keep], np.asarray(labels)[keep]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=2, max_size=80), st.integers(1, 100), st.integers(0, 1000))
def test_draws_the_same_items_as_the_chapters_helper(labels, size, seed):
    texts = [f"text {i}" for i in range(len(labels))]
    labels = np.array(labels)
    ours = stratified_subset(texts, labels, size, seed)
    theirs = focal_calibration_subset(texts, labels, size, seed)
    assert ours[0] == theirs[0]
    np.testing.assert_array_equal(ours[1], theirs[1])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=4, max_size=80), st.integers(1, 60), st.integers(0, 1000))
def test_each_label_keeps_its_rounded_share_in_the_original_order(labels, size, seed):
    items = list(range(len(labels)))
    kept, kept_labels = stratified_subset(items, np.array(labels), size, seed)
    assert kept == sorted(kept) and [labels[i] for i in kept] == kept_labels.tolist()
    if size < len(labels):
        counts = Counter(labels)
        assert Counter(kept_labels.tolist()) == {c: round(size * n / len(labels)) for c, n in counts.items() if round(size * n / len(labels))}


def test_none_or_a_large_size_keeps_everything():
    items, labels = list("abc"), np.array([0, 1, 0])
    for size in (None, 3, 10):
        kept, kept_labels = stratified_subset(items, labels, size, seed=0)
        assert kept == items and kept_labels.tolist() == [0, 1, 0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: stratified_subset("abc", [0, 1, 0], 2, 0), TypeError, r"items must be a list of examples, got str"),
        (lambda: stratified_subset(list("abc"), [0.0, 1.0, 0.0], 2, 0), TypeError, r"labels must be a 1-D array of integer labels"),
        (lambda: stratified_subset(list("abc"), None, 2, 0), TypeError, r"labels must be a 1-D array of integer labels, got NoneType"),
        (lambda: stratified_subset(list("abc"), [0, 1], 2, 0), ValueError, r"labels must have one entry per item: expected 3, got 2"),
        (lambda: stratified_subset(list("abc"), [0, 1, 0], 0, 0), ValueError, r"size must be an int >= 1, got 0"),
        (lambda: stratified_subset(list("abc"), [0, 1, 0], 2.0, 0), TypeError, r"size must be an int, got float"),
        (lambda: stratified_subset(list("abc"), [0, 1, 0], 2, -1), ValueError, r"seed must be an int >= 0, got -1"),
    ],
)
def test_bad_input_names_itself(call, error, message):
    with pytest.raises(error, match=message):
        call()
