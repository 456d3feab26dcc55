"""The one Vocabulary: build rules, encoding and decoding, and the indices of the three vocabularies it replaced.

The values in ``test_*_indices_are_those_of_the_vocabulary_it_replaced`` were written out by
running the three separate classes of commit f705a74 (models/bilstm.WordVocabulary,
data/number_words.Vocabulary, data/wnut.Vocabulary) on the same data: the chapters' numbers
depend on these indices, so they must not move.
"""

import hashlib
from collections import Counter

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lossbook.data.number_words import detokenize, load_number_words, tokenize
from lossbook.data.rotten_tomatoes import sentiment_split
from lossbook.data.wnut import load_wnut
from lossbook.models.bilstm import WordVocabulary, words
from lossbook.models.vocab import BOS, EOS, PAD, SEQUENCE_SPECIALS, UNK, WORD_SPECIALS, Vocabulary


def digest(itos):
    return hashlib.sha256(repr(itos).encode()).hexdigest()[:16]


# --- build ---------------------------------------------------------------------------------


def test_build_orders_by_count_then_alphabetically_after_the_specials():
    corpus = [["b", "a", "c"], ["c", "b"], ["c"]]  # c 3, b 2, a 1
    assert Vocabulary.build(corpus).itos == (PAD, UNK, "c", "b", "a")
    assert Vocabulary.build(corpus, min_count=2).itos == (PAD, UNK, "c", "b")
    assert Vocabulary.build(corpus, max_size=1).itos == (PAD, UNK, "c")
    assert Vocabulary.build([["y", "x"]]).itos == (PAD, UNK, "x", "y")  # a tie goes alphabetically
    assert Vocabulary.build(corpus, specials=SEQUENCE_SPECIALS).itos == (PAD, BOS, EOS, UNK, "c", "b", "a")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdefg"), max_size=6), max_size=8), st.integers(1, 3))
def test_build_keeps_exactly_the_tokens_counted_often_enough_in_a_counter_order(corpus, min_count):
    counts = Counter(token for tokens in corpus for token in tokens)
    expected = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
    assert Vocabulary.build(corpus, min_count=min_count).itos == (PAD, UNK, *expected)


def test_lowercase_counts_and_looks_up_lower_cased():
    vocab = Vocabulary.build([["Paris", "paris", "IN"]], lowercase=True)
    assert vocab.itos == (PAD, UNK, "paris", "in")
    assert vocab.index("PARIS") == 2 and vocab.index("London") == vocab.unk_index == 1


# --- encode and decode ---------------------------------------------------------------------


def test_encode_pads_with_zero_cuts_appends_eos_and_gives_empty_rows_one_unk():
    vocab = Vocabulary.build([["a", "b", "b"]], specials=SEQUENCE_SPECIALS)  # b 4, a 5
    ids, lengths = vocab.encode([["a", "b", "z"], [], ["b"]])
    assert ids.tolist() == [[5, 4, 3], [3, 0, 0], [4, 0, 0]] and lengths.tolist() == [3, 1, 1]
    ids, lengths = vocab.encode([["a", "b", "z"], ["b"]], max_length=2, add_eos=True)
    assert ids.tolist() == [[5, 4, 2], [4, 2, 0]] and lengths.tolist() == [3, 2]
    assert ids.dtype == lengths.dtype == torch.long


def test_decode_stops_at_eos_skips_pad_and_bos_and_keeps_unk():
    vocab = Vocabulary(("<pad>", "<bos>", "<eos>", "<unk>", "x", "y"), specials=SEQUENCE_SPECIALS)
    assert vocab.decode([1, 4, 3, 0, 5, 2, 4]) == ["x", "<unk>", "y"]
    assert vocab.decode(torch.tensor([4, 5])) == ["x", "y"]
    texts = Vocabulary.build(["quatre-vingt-dix"], specials=SEQUENCE_SPECIALS, tokenizer=tokenize, detokenizer=detokenize)
    ids, _ = texts.encode(["quatre-vingt-dix", "dix-sept"], add_eos=True)
    assert [texts.decode(row) for row in ids] == ["quatre-vingt-dix", "dix-<unk>"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcde"), min_size=1, max_size=6), min_size=1, max_size=6))
def test_decode_undoes_encode_for_known_tokens(corpus):
    vocab = Vocabulary.build(corpus, specials=SEQUENCE_SPECIALS)
    ids, lengths = vocab.encode(corpus, add_eos=True)
    assert [vocab.decode(row) for row in ids] == corpus
    assert lengths.tolist() == [len(tokens) + 1 for tokens in corpus]


def test_a_word_vocabulary_reads_texts_with_words():
    vocab = WordVocabulary.build(["A good film!", "a bad film"])
    assert vocab.tokenizer is words and vocab.specials == WORD_SPECIALS
    assert vocab.itos == (PAD, UNK, "a", "film", "!", "bad", "good")
    assert vocab.encode(["Good film"])[0].tolist() == [[6, 3]]
    assert vocab.encode(["word " * 100])[1].tolist() == [64]  # cut at 64 words by default


# --- the indices of the three vocabularies it replaced ------------------------------------


def test_wnut_indices_are_those_of_the_vocabulary_it_replaced():
    data = load_wnut(seed=0, min_count=2)
    assert len(data.vocab) == 2442
    assert data.vocab.itos[:12] == ("<pad>", "<unk>", ".", "i", "the", ",", "to", "a", ":", "!", "you", "and")
    assert digest(data.vocab.itos) == "ac750150ec8162b3"
    assert (int(data.train.tokens.sum()), int(data.test.tokens.sum())) == (9907816, 938229)


def test_number_words_indices_are_those_of_the_vocabulary_it_replaced():
    data = load_number_words(max_number=1000, seed=0)
    source, target = data.train_tensors()
    assert (len(data.source_vocab), len(data.target_vocab)) == (35, 34)
    assert data.target_vocab.itos[:12] == (
        "<pad>", "<bos>", "<eos>", "<unk>", "cent", "-", "quatre", "vingt", "huit", "neuf", "sept", "trois",
    )
    assert digest(data.source_vocab.itos) == "0028bdeb631a4d7d"
    assert (tuple(source.shape), int(source.sum()), tuple(target.shape), int(target.sum())) == ((700, 6), 34715, (700, 10), 32392)
    assert [data.target_vocab.decode(row) for row in target[:3]] == ["zéro", "deux", "cinq"]


def test_word_vocabulary_indices_are_those_of_the_vocabulary_it_replaced():
    split = sentiment_split(seed=0, rotten_share=0.1)
    vocab = WordVocabulary.build(split.train_texts[:1400], min_count=2)
    ids, lengths = vocab.encode(split.val_texts, max_length=40)
    assert len(vocab) == 2441
    assert vocab.itos[:10] == ("<pad>", "<unk>", ".", ",", "the", "a", "and", "of", "-", "to")
    assert digest(vocab.itos) == "a19426a3e9e919a9"
    assert (tuple(ids.shape), int(ids.sum()), int(lengths.sum())) == ((1228, 40), 5769459, 26172)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: Vocabulary(("a", "b")), ValueError, r"itos must start with \('<pad>', '<unk>'\)"),
        (lambda: Vocabulary((PAD, UNK, "a", "a")), ValueError, r"itos must not repeat a token"),
        (lambda: Vocabulary([PAD, UNK]), TypeError, r"itos must be a tuple of str"),
        (lambda: Vocabulary((UNK, PAD), specials=(UNK, PAD)), ValueError, r"specials must start with '<pad>'"),
        (lambda: Vocabulary((PAD, "<mask>", UNK), specials=(PAD, "<mask>", UNK)), ValueError, r"specials must be distinct tokens among"),
        (lambda: Vocabulary.build("a b"), TypeError, r"corpus must be a list of token lists, got str"),
        (lambda: Vocabulary.build(["a b"]), TypeError, r"corpus\[0\] must be a list of tokens, got a str; split it first"),
        (lambda: Vocabulary.build([["a", 1]]), TypeError, r"corpus\[0\] must be a sequence of str tokens"),
        (lambda: Vocabulary.build(iter([["a"]])), TypeError, r"corpus must be a list of token lists, got list_iterator"),
        (lambda: Vocabulary.build([["a"]], min_count=0), ValueError, r"min_count must be an int >= 1, got 0"),
        (lambda: Vocabulary.build([["a"]], max_size=1.5), TypeError, r"max_size must be an int, got float"),
        (lambda: Vocabulary.build([["a"]], lowercase=1), TypeError, r"lowercase must be a bool, got int"),
        (lambda: Vocabulary.build([["a"]]).encode([]), ValueError, r"corpus must not be empty"),
        (lambda: Vocabulary.build([["a"]]).encode([["a"]], add_eos=True), ValueError, r"this vocabulary has no <eos> token"),
        (lambda: Vocabulary.build([["a"]]).index(3), TypeError, r"token must be a str, got int"),
        (lambda: Vocabulary.build([["a"]]).decode([0, 9]), ValueError, r"indices\[1\] must be an int in \[0, 2\], got 9"),
        (lambda: Vocabulary.build([["a"]]).decode([2.0]), TypeError, r"indices\[0\] must be an int, got float"),
        (lambda: Vocabulary.build([["a"]]).decode(torch.tensor([[2]])), ValueError, r"indices must be a 1-D integer tensor"),
        (lambda: Vocabulary.build([["a"]]).decode("a"), TypeError, r"indices must be a 1-D tensor or a sequence of int, got str"),
    ],
)
def test_bad_input_names_itself(call, error, message):
    with pytest.raises(error, match=message):
        call()
