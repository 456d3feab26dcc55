"""values_sha256: the same values hash alike however a file spells them; other values never do."""

import hashlib

import numpy as np
import pytest

from lossbook.data._checksum import values_sha256


def test_equals_the_sha256_of_shape_and_scaled_integers_written_out():
    values = np.array([[4.8598, 87.0], [3.8918, 69.0]])
    expected = hashlib.sha256(np.array([2, 2], dtype="<i8").tobytes() + np.array([48598, 870000, 38918, 690000], dtype="<i8").tobytes())
    assert values_sha256(values, decimals=4) == expected.hexdigest()


def test_spellings_of_one_decimal_value_hash_alike():
    assert values_sha256([4.804], decimals=4) == values_sha256([float("4.803999999999999")], decimals=4)
    assert values_sha256([0.1 + 0.2], decimals=1) == values_sha256([0.3], decimals=1)


@pytest.mark.parametrize(
    ("first", "second"),
    [([4.804, 1.0], [4.805, 1.0]), ([1.0, 2.0], [2.0, 1.0]), ([[1.0, 2.0]], [[1.0], [2.0]]), ([0.0], [-1.0])],
    ids=["one-value", "order", "shape", "sign"],
)
def test_different_data_hash_differently(first, second):
    assert values_sha256(first, decimals=4) != values_sha256(second, decimals=4)


def test_values_beyond_the_precision_are_refused_not_rounded_away():
    with pytest.raises(ValueError, match="more than 4 decimals"):
        values_sha256([4.80401], decimals=4)


@pytest.mark.parametrize("bad", [[np.nan], [np.inf]])
def test_non_finite_values_are_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        values_sha256(bad, decimals=0)


@pytest.mark.parametrize("decimals", [-1, 13, 1.5, True, None])
def test_decimals_must_be_a_small_int(decimals):
    with pytest.raises(ValueError, match="decimals must be an int"):
        values_sha256([1.0], decimals=decimals)
