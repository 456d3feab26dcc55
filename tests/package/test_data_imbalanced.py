"""The long-tailed digits: profile, balance of the test split, disjointness, determinism, checks."""

import pytest
import torch

from lossbook.data import imbalanced
from lossbook.data.digits import load_digits
from lossbook.data.imbalanced import imbalanced_digits, long_tailed_counts, one_vs_rest


def row_keys(features, labels):
    return {(bytes(row.numpy().tobytes()), int(label)) for row, label in zip(features, labels)}


def test_long_tailed_counts_follow_the_exponential_profile():
    counts = long_tailed_counts(100, 5, 10.0)
    assert counts == [round(100 * 10 ** (-c / 4)) for c in range(5)] == [100, 56, 32, 18, 10]
    assert long_tailed_counts(7, 3, 1.0) == [7, 7, 7]
    assert min(long_tailed_counts(10, 4, 1000.0)) == 1


@pytest.mark.parametrize("ratio", [1.0, 10.0, 50.0])
def test_train_is_long_tailed_with_the_requested_ratio_and_test_is_balanced(ratio):
    split = imbalanced_digits(imbalance_ratio=ratio, seed=0)
    train = split.counts("train")
    assert (train[:-1] >= train[1:]).all(), "class 0 most frequent, class 9 rarest"
    assert train.tolist() == long_tailed_counts(int(train[0]), 10, ratio)
    assert train[0] / train[-1] == pytest.approx(ratio, rel=0.15)  # up to rounding of the rarest count
    test = split.counts("test")
    assert test.max() - test.min() <= 3
    assert split.counts("val")[0] >= split.counts("val")[-1]


def test_splits_are_disjoint_and_drawn_from_the_digits():
    split = imbalanced_digits(imbalance_ratio=5.0, seed=3)
    parts = [row_keys(split.x_train, split.y_train), row_keys(split.x_val, split.y_val), row_keys(split.x_test, split.y_test)]
    digits = load_digits()
    everything = row_keys(digits.flat, digits.labels)
    for part in parts:
        assert part <= everything
    assert not parts[0] & parts[1] and not parts[0] & parts[2] and not parts[1] & parts[2]


def test_the_same_seed_gives_the_same_split_and_another_seed_a_different_one():
    first, again, other = imbalanced_digits(seed=1), imbalanced_digits(seed=1), imbalanced_digits(seed=2)
    assert torch.equal(first.x_train, again.x_train) and torch.equal(first.y_test, again.y_test)
    assert first.counts("train").tolist() == other.counts("train").tolist()
    assert not torch.equal(first.x_train, other.x_train)


def test_dtypes_shapes_and_description():
    split = imbalanced_digits(seed=0)
    assert split.x_train.dtype == torch.float32 and split.y_train.dtype == torch.int64
    assert split.x_train.min() == 0.0 and split.x_train.max() == 1.0
    assert split.num_features == 64 and split.num_classes == 10
    assert str(split).startswith("train 355 (per class [87, 67, 52, 40, 31, 24, 19, 15, 11, 9])")


def test_one_vs_rest_marks_only_the_chosen_class_positive():
    split = imbalanced_digits(seed=0)
    binary = one_vs_rest(split, positive=9)
    assert torch.equal(binary.y_train, (split.y_train == 9).float())
    assert binary.y_test.sum().item() == split.counts("test")[9].item()
    assert binary.class_names == ("not 9", "9")
    assert torch.equal(binary.x_train, split.x_train)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match=r"imbalance_ratio must be a finite number >= 1, got 0.5"):
        imbalanced_digits(imbalance_ratio=0.5)
    with pytest.raises(ValueError, match=r"test_fraction \+ val_fraction must be < 1"):
        imbalanced_digits(test_fraction=0.6, val_fraction=0.5)
    with pytest.raises(TypeError, match=r"imbalance_ratio must be a real number, got str"):
        imbalanced_digits(imbalance_ratio="10")
    with pytest.raises(ValueError, match=r"seed must be an int >= 0, got -1"):
        imbalanced_digits(seed=-1)
    with pytest.raises(TypeError, match=r"seed must be an int, got float"):
        imbalanced_digits(seed=1.0)
    with pytest.raises(ValueError, match=r"positive must be an int in \[0, 9\], got 10"):
        one_vs_rest(imbalanced_digits(), positive=10)
    with pytest.raises(TypeError, match=r"positive must be an int, got float"):
        one_vs_rest(imbalanced_digits(), positive=9.0)
    with pytest.raises(TypeError, match=r"split must be a ClassificationSplit"):
        one_vs_rest(None, positive=9)
    with pytest.raises(ValueError, match=r"part must be one of"):
        imbalanced_digits().counts("validation")
    with pytest.raises(TypeError, match=r"largest must be an int, got float"):
        long_tailed_counts(10.0, 3, 2.0)


def test_module_lists_its_public_names():
    assert set(imbalanced.__all__) >= {"imbalanced_digits", "one_vs_rest", "long_tailed_counts"}
