"""Exact match and corpus BLEU: by hand, against sacrebleu, and the reference shapes they refuse."""

import math

import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st

from lossbook.metrics.translation import bleu_statistics, corpus_bleu, exact_match


def test_exact_match_counts_any_reference_and_multi_is_never_below_single():
    hypotheses = ["septante", "soixante-dix", "septante-dix"]
    single = ["soixante-dix", "soixante-dix", "soixante-dix"]
    multi = [("soixante-dix", "septante")] * 3
    assert exact_match(hypotheses, single) == pytest.approx(1 / 3)
    assert exact_match(hypotheses, multi) == pytest.approx(2 / 3)


WORDS = st.sampled_from("cent deux - vingt quatre et un septante".split())
SENTENCE = st.lists(WORDS, min_size=0, max_size=7).map(" ".join)
NONEMPTY = st.lists(WORDS, min_size=1, max_size=7).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(SENTENCE, st.lists(NONEMPTY, min_size=1, max_size=3)), min_size=1, max_size=6),
       st.sampled_from(["exp", "none"]))
def test_corpus_bleu_equals_sacrebleu_with_any_number_of_references(pairs, smooth):
    hypotheses = [h for h, _ in pairs]
    references = [tuple(refs) for _, refs in pairs]  # a tuple is always read as references
    most = max(len(refs) for refs in references)
    # sacrebleu takes reference *streams*; None marks a sentence with fewer references.
    streams = [[refs[j] if j < len(refs) else None for refs in references] for j in range(most)]
    expected = sacrebleu.corpus_bleu(hypotheses, streams, tokenize="none", smooth_method=smooth).score
    assert corpus_bleu(hypotheses, references, smooth=smooth) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(SENTENCE, NONEMPTY, st.lists(NONEMPTY, max_size=2)), min_size=1, max_size=6), st.data())
def test_more_references_of_the_same_length_never_lower_bleu_or_exact_match(rows, data):
    hypotheses = [h for h, _, _ in rows]
    single = [ref for _, ref, _ in rows]
    multi = []
    for _, ref, extra in rows:
        # an extra reference as long as the first keeps the closest reference length the same
        length = len(ref.split())
        multi.append((ref, *(" ".join(data.draw(st.lists(WORDS, min_size=length, max_size=length))) for _ in extra)))
    assert corpus_bleu(hypotheses, multi) >= corpus_bleu(hypotheses, single) - 1e-9
    assert exact_match(hypotheses, multi) >= exact_match(hypotheses, single)
    multi_stats, single_stats = bleu_statistics(hypotheses, multi), bleu_statistics(hypotheses, single)
    assert all(m >= s for m, s in zip(multi_stats["correct"], single_stats["correct"]))


def test_an_extra_reference_of_another_length_can_lower_corpus_bleu():
    # The brevity penalty uses the reference closest in length to the hypothesis. An extra
    # reference that shares no word but is closer in length can turn the penalty on:
    # BLEU is not monotone in the reference set, exact match is.
    hypothesis = ["a b c"]
    single = [("a",)]  # r = 1 <= c = 3: no penalty
    extra = [["a", "x y z w"]]  # |4 - 3| < |1 - 3|: r = 4 > c, penalty exp(1 - 4/3); a list of references
    assert bleu_statistics(hypothesis, single)["ref_len"] == 1
    assert bleu_statistics(hypothesis, extra)["ref_len"] == 4
    assert bleu_statistics(hypothesis, extra)["correct"] == bleu_statistics(hypothesis, single)["correct"]
    ratio = corpus_bleu(hypothesis, extra, max_order=2) / corpus_bleu(hypothesis, single, max_order=2)
    assert ratio == pytest.approx(math.exp(1 - 4 / 3))
    # equal distances pick the shorter reference, as sacrebleu does
    assert bleu_statistics(["a b c d"], [["a b", "x y z w v u"]])["ref_len"] == 2


def test_bleu_by_hand_for_one_sentence():
    # hypothesis "cent septante - deux" against "cent soixante - douze": 2/4 unigrams,
    # 0/3 bigrams, 0/2 trigrams, 0/1 4-grams; exp smoothing gives 1/(2*3), 1/(4*2), 1/(8*1).
    expected = 100 * math.exp((math.log(2 / 4) + math.log(1 / 6) + math.log(1 / 8) + math.log(1 / 8)) / 4)
    assert corpus_bleu(["cent septante - deux"], ["cent soixante - douze"]) == pytest.approx(expected)
    assert corpus_bleu(["cent septante - deux"], ["cent soixante - douze"], smooth="none") == 0.0
    # brevity penalty: 2 words against 4
    assert corpus_bleu(["a b"], ["a b c d"], max_order=2) == pytest.approx(100 * math.exp(1 - 4 / 2))


def test_a_list_of_tokens_is_refused_not_read_as_one_word_references():
    # Before: corpus_bleu(["a b c"], [["a", "b", "c"]]) read three one-word references and returned 21.0.
    for call in (corpus_bleu, bleu_statistics, exact_match):
        with pytest.raises(TypeError, match=r"references\[0\] looks like a list of tokens, not of references"):
            call(["a b c"], [["a", "b", "c"]])
    # The same words as one reference, or as a tuple of one-word references, are read as meant.
    assert corpus_bleu(["a b c"], [" ".join(["a", "b", "c"])], max_order=3) == pytest.approx(100.0)
    assert exact_match(["b"], [("a", "b", "c")]) == 1.0
    # A list with a multi-word reference is a list of references (the translation chapter passes these).
    assert corpus_bleu(["cent soixante - douze"], [["cent septante - deux", "cent soixante - douze"]]) == pytest.approx(100.0)
    # One token alone reads the same either way.
    assert exact_match(["a"], [["a"]]) == 1.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: exact_match(["a"], ["a", "b"]), ValueError, r"references must hold one entry per hypothesis: expected 1, got 2"),
        (lambda: exact_match("ab", ["a", "b"]), TypeError, r"hypotheses must be a list of str"),
        (lambda: exact_match(None, ["a"]), TypeError, r"hypotheses must be a list of str .*got NoneType"),
        (lambda: exact_match((h for h in ["a"]), ["a"]), TypeError, r"hypotheses must be a list of str .*got generator"),
        (lambda: exact_match([1.5], ["a"]), TypeError, r"hypotheses\[0\] must be a str, got float"),
        (lambda: exact_match([], []), ValueError, r"hypotheses must not be empty"),
        (lambda: exact_match(["a"], [[]]), ValueError, r"references\[0\] must be a str or a non-empty sequence of str"),
        (lambda: exact_match(["a"], "a"), TypeError, r"references must be a list with one entry per hypothesis, got str"),
        (lambda: exact_match(["a"], None), TypeError, r"references must be a list .*got NoneType"),
        (lambda: corpus_bleu(["a"], (r for r in ["a"])), TypeError, r"references must be a list .*got generator"),
        (lambda: corpus_bleu(["a"], [None]), TypeError, r"references\[0\] must be a str or a tuple of str references, got NoneType"),
        (lambda: corpus_bleu(["a"], [2.0]), TypeError, r"references\[0\] must be a str or a tuple of str references, got float"),
        (lambda: corpus_bleu(["a"], [("a", 3)]), TypeError, r"references\[0\]\[1\] must be a str, got int"),
        (lambda: corpus_bleu(["a"], ["a"], smooth="add-k"), ValueError, r"smooth must be one of \('exp', 'none'\), got 'add-k'"),
        (lambda: corpus_bleu(["a"], ["a"], max_order=0), ValueError, r"max_order must be an int >= 1, got 0"),
        (lambda: corpus_bleu(["a"], ["a"], max_order=2.0), TypeError, r"max_order must be an int, got float"),
    ],
)
def test_bad_arguments_name_themselves(call, error, message):
    with pytest.raises(error, match=message):
        call()
