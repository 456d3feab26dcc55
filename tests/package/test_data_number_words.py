"""The number-words translation task: the French variants, the reference sets, tokenisation, the split and the corpus."""

import re
from collections import Counter

import pytest
import torch
from num2words import num2words

from lossbook.data.number_words import (
    DEFAULT_MIX,
    VARIANTS,
    Vocabulary,
    build_vocabulary,
    detokenize,
    english,
    french,
    load_number_words,
    references,
    sample_variants,
    split_numbers,
    tokenize,
)

# 70-99 in each variant, written out by hand (not derived from num2words).
UNITS = ["", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
TEENS = ["dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"]


def _tens(word, unit, variant_et=True):
    if unit == 0:
        return word
    if unit == 1 and variant_et:
        return f"{word} et un"
    return f"{word}-{UNITS[unit]}"


def hand_written(n):
    """{variant: words} for 70 <= n <= 99."""
    tens, unit = divmod(n, 10)
    if tens == 7:
        standard = "soixante et onze" if unit == 1 else f"soixante-{TEENS[unit]}"
        regional = _tens("septante", unit)
        return {"fr": standard, "fr_BE": regional, "fr_CH": regional}
    if tens == 8:
        standard = "quatre-vingts" if unit == 0 else f"quatre-vingt-{UNITS[unit]}"  # 81: quatre-vingt-un, no "et"
        return {"fr": standard, "fr_BE": standard, "fr_CH": _tens("huitante", unit)}
    standard = f"quatre-vingt-{TEENS[unit]}"
    regional = _tens("nonante", unit)
    return {"fr": standard, "fr_BE": regional, "fr_CH": regional}


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (71, ("soixante et onze", "septante et un")),
        (80, ("quatre-vingts", "huitante")),
        (81, ("quatre-vingt-un", "huitante et un")),
        (90, ("quatre-vingt-dix", "nonante")),
        (91, ("quatre-vingt-onze", "nonante et un")),
        (99, ("quatre-vingt-dix-neuf", "nonante-neuf")),
        (180, ("cent quatre-vingts", "cent huitante")),
        (201, ("deux cent un",)),
        (200, ("deux cents",)),
        (21, ("vingt et un",)),
        (1990, ("mille neuf cent quatre-vingt-dix", "mille neuf cent nonante")),
        (200_000, ("deux cent mille",)),
        (80_000, ("quatre-vingt mille", "huitante mille")),
    ],
)
def test_reference_sets_of_known_numbers(n, expected):
    assert references(n) == expected


def test_every_number_below_1000_matches_the_hand_written_table():
    for n in range(1000):
        hundreds, rest = divmod(n, 100)
        prefix = "" if hundreds == 0 else ("cent" if hundreds == 1 else f"{UNITS[hundreds]} cent")
        for variant in VARIANTS:
            if rest >= 70:
                tail = hand_written(rest)[variant]
                expected = f"{prefix} {tail}".strip()
            else:
                # below 70 the variants agree with num2words' standard French (with "cents" only at the end)
                expected = num2words(n, lang="fr")
            assert french(n, variant) == expected, (n, variant)
        assert len(references(n)) == (2 if rest >= 70 else 1)
        assert references(n)[0] == french(n, "fr")


def test_only_the_documented_plural_fixes_are_applied_to_num2words():
    raw = {v: num2words(201, lang=v) for v in VARIANTS}
    assert raw["fr_BE"] == raw["fr_CH"] == "deux cents un"  # num2words' own output, corrected by french()
    assert num2words(80, lang="fr_BE") == "quatre-vingt" and french(80, "fr_BE") == "quatre-vingts"
    assert num2words(81, lang="fr_BE") == "quatre-vingt et un" and french(81, "fr_BE") == "quatre-vingt-un"
    for n in (0, 17, 42, 70, 100, 777, 1071, 21_000, 999_999):
        assert french(n, "fr") == num2words(n, lang="fr")
        for variant in ("fr_BE", "fr_CH"):
            # the correction never touches a word other than cent(s) / quatre-vingt(s)
            changed = [a for a, b in zip(num2words(n, lang=variant).split(), french(n, variant).split()) if a != b]
            assert all(re.fullmatch(r"cents|quatre-vingt", word) for word in changed), (n, variant, changed)


def test_english_source_words():
    assert english(71) == "seventy-one"
    assert english(101) == "one hundred and one"
    assert english(1990) == "one thousand, nine hundred and ninety"


def test_tokenize_round_trips_every_source_and_reference():
    assert tokenize("mille neuf cent quatre-vingt-dix") == ["mille", "neuf", "cent", "quatre", "-", "vingt", "-", "dix"]
    assert tokenize("one thousand, two") == ["one", "thousand", ",", "two"]
    for n in list(range(1000)) + [1990, 21_000, 999_999]:
        for text in (english(n), *references(n)):
            tokens = tokenize(text)
            assert detokenize(tokens) == text
            assert all(t and " " not in t for t in tokens)


def test_vocabulary_encodes_decodes_and_marks_unknown_tokens():
    vocab = build_vocabulary(["quatre-vingt-dix", "dix"])
    assert vocab.itos == ("<pad>", "<bos>", "<eos>", "<unk>", "-", "dix", "quatre", "vingt")  # ties alphabetically
    encoded, lengths = vocab.encode(["dix", "quatre-vingt-dix", "septante"], add_eos=True)
    assert encoded.tolist() == [[5, 2, 0, 0, 0, 0], [6, 4, 7, 4, 5, 2], [3, 2, 0, 0, 0, 0]]
    assert lengths.tolist() == [2, 6, 2]
    assert encoded.dtype == torch.long
    assert vocab.decode(encoded[1]) == "quatre-vingt-dix"
    assert vocab.decode([1, 5, 2, 6]) == "dix"  # stops at <eos>, skips <bos>
    assert (vocab.pad_index, vocab.bos_index, vocab.eos_index, vocab.unk_index) == (0, 1, 2, 3)
    with pytest.raises(ValueError, match=r"itos must start with"):
        Vocabulary(("a", "<bos>", "<eos>", "<unk>"), specials=("<pad>", "<bos>", "<eos>", "<unk>"))
    with pytest.raises(TypeError, match=r"corpus must be a list of texts, got str"):
        vocab.encode("dix")


def test_split_is_disjoint_complete_and_deterministic():
    train, dev, test = split_numbers(1000, seed=3)
    assert (len(train), len(dev), len(test)) == (700, 100, 200)
    assert set(train) | set(dev) | set(test) == set(range(1000))
    assert not (set(train) & set(dev) or set(train) & set(test) or set(dev) & set(test))
    assert split_numbers(1000, seed=3) == (train, dev, test)
    assert split_numbers(1000, seed=4) != (train, dev, test)
    assert list(train) == sorted(train)


def test_training_targets_follow_the_mix_and_are_valid_references():
    data = load_number_words(seed=0)
    assert data.train_pairs == data.train  # copies=1: each training number once
    assert data.train_targets == tuple(french(n, v) for n, v in zip(data.train, data.train_variants))
    assert all(t in references(n) for n, t in zip(data.train, data.train_targets))
    counts = Counter(sample_variants(20_000, mix=DEFAULT_MIX, seed=1))
    for variant, p in DEFAULT_MIX.items():
        assert abs(counts[variant] / 20_000 - p) < 0.015  # 4.4 standard errors of a binomial share
    assert sample_variants(50, seed=2) == sample_variants(50, seed=2)
    assert sample_variants(50, seed=2) != sample_variants(50, seed=3)
    # some training targets really use the regional words
    regional = {"septante", "huitante", "nonante"}
    assert any(regional & set(tokenize(t)) for t in data.train_targets)
    assert load_number_words(seed=0).train_targets == data.train_targets


def test_copies_repeat_each_training_number_with_its_own_draws():
    once = load_number_words(max_number=300, seed=2)
    thrice = load_number_words(max_number=300, seed=2, copies=3)
    assert (thrice.train, thrice.dev, thrice.test) == (once.train, once.dev, once.test)  # the split does not move
    assert thrice.train_pairs == tuple(n for n in once.train for _ in range(3))
    assert all(t in references(n) for n, t in zip(thrice.train_pairs, thrice.train_targets))
    # some number with two valid translations gets both of them among its copies
    targets_of = {}
    for n, t in zip(thrice.train_pairs, thrice.train_targets):
        targets_of.setdefault(n, set()).add(t)
    assert any(len(targets) == 2 for targets in targets_of.values())
    assert "(630 training pairs, 3 per number)" in str(thrice)
    source, target = thrice.train_tensors()
    assert source.shape[0] == target.shape[0] == 630


def test_corpus_tensors_line_up_with_the_numbers():
    data = load_number_words(max_number=200, seed=1)
    source, target = data.train_tensors()
    assert source.shape[0] == target.shape[0] == len(data.train)
    for row, n in enumerate(data.train_pairs[:20]):
        assert data.source_vocab.decode(source[row]) == english(n)
        assert data.target_vocab.decode(target[row]) == data.train_targets[row]
        assert target[row].tolist().count(2) == 1  # one <eos> per target
    assert data.standard(data.test) == [references(n)[0] for n in data.test]
    assert "train 140, dev 20, test 40 numbers" in str(data)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: french(-1), ValueError, r"n must be in \[0, 1000000\), got -1"),
        (lambda: french(1_000_000), ValueError, r"n must be in \[0, 1000000\)"),
        (lambda: french(3.0), TypeError, r"n must be an int, got float"),
        (lambda: french(True), TypeError, r"n must be an int, got bool"),
        (lambda: french(3, "fr_CA"), ValueError, r"variant must be one of \('fr', 'fr_BE', 'fr_CH'\), got 'fr_CA'"),
        (lambda: english("3"), TypeError, r"n must be an int, got str"),
        (lambda: tokenize(3), TypeError, r"text must be a str, got int"),
        (lambda: detokenize("a b"), TypeError, r"tokens must be a list of str"),
        (lambda: split_numbers(2, seed=0), ValueError, r"max_number must be an int in \[3, .*\], got 2"),
        (lambda: split_numbers(100, seed=-1), ValueError, r"seed must be an int >= 0, got -1"),
        (lambda: split_numbers(100, seed=0.0), TypeError, r"seed must be an int, got float"),
        (lambda: split_numbers(2.5, seed=0), TypeError, r"max_number must be an int, got float"),
        (lambda: split_numbers(100, seed=0, fractions=(0.5, 0.5, 0.5)), ValueError, r"fractions must be 3 non-negative numbers"),
        (lambda: split_numbers(100, seed=0, fractions=None), TypeError, r"fractions must be a tuple of 3 real numbers, got NoneType"),
        (lambda: sample_variants(5, mix={"fr": "all"}, seed=0), TypeError, r"mix\['fr'\] must be a real number, got str"),
        (lambda: sample_variants(5, mix=[("fr", 1.0)], seed=0), TypeError, r"mix must be a dict"),
        (lambda: sample_variants(5, mix={"fr": 0.5, "fr_BE": 0.2}, seed=0), ValueError, r"summing to 1"),
        (lambda: sample_variants(5, mix={"de": 1.0}, seed=0), ValueError, r"mix must be a dict from variants"),
        (lambda: sample_variants(-1, seed=0), ValueError, r"count must be an int >= 0, got -1"),
        (lambda: load_number_words(max_number=10**7), ValueError, r"max_number must be an int"),
        (lambda: load_number_words(copies=0), ValueError, r"copies must be an int >= 1, got 0"),
        (lambda: load_number_words(copies=1.0), TypeError, r"copies must be an int, got float"),
    ],
)
def test_bad_arguments_name_themselves(call, error, message):
    with pytest.raises(error, match=message):
        call()
