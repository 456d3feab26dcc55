"""The one checked-file reader (bytes, paths, package files, large files) and values_sha256."""

import hashlib
from importlib import resources

import numpy as np
import pytest

from lossbook.data._checksum import check_file_sha256, check_values_sha256, read_checked, values_sha256


def test_read_checked_returns_the_bytes_of_any_source_whose_hashlib_sha256_matches(tmp_path):
    raw = b"token\tO\n" * 1000
    digest = hashlib.sha256(raw).hexdigest()
    path = tmp_path / "data.txt"
    path.write_bytes(raw)
    assert read_checked(raw, digest, name="sample") == raw
    assert read_checked(path, digest, name="sample") == raw
    assert read_checked(str(path), digest, name="sample") == raw
    package_file = resources.files("lossbook").joinpath("__init__.py")
    assert read_checked(package_file, hashlib.sha256(package_file.read_bytes()).hexdigest(), name="init") == package_file.read_bytes()


def test_read_checked_refuses_a_changed_file_a_missing_one_and_other_sources(tmp_path):
    with pytest.raises(ValueError, match=rf"sample sha256 mismatch: expected {'0' * 64}, got {hashlib.sha256(b'abc').hexdigest()}"):
        read_checked(b"abc", "0" * 64, name="sample")
    with pytest.raises(FileNotFoundError, match=r"sample is missing \(.*nothing.txt\): pip install it"):
        read_checked(tmp_path / "nothing.txt", "0" * 64, name="sample", hint="pip install it")
    with pytest.raises(TypeError, match=r"source must be bytes, a path or a package file, got int"):
        read_checked(3, "0" * 64, name="sample")
    with pytest.raises(TypeError, match=r"expected_sha256 must be a str of 64 hex digits, got NoneType"):
        read_checked(b"abc", None, name="sample")


def test_check_file_sha256_streams_a_large_file_to_the_hashlib_digest(tmp_path):
    raw = np.random.default_rng(0).bytes(3 * (1 << 20) + 17)  # more than one 1 MiB block
    path = tmp_path / "weights.bin"
    path.write_bytes(raw)
    assert check_file_sha256(path, hashlib.sha256(raw).hexdigest(), name="weights") == path
    with pytest.raises(ValueError, match=r"weights sha256 mismatch: expected 0{64}, got "):
        check_file_sha256(path, "0" * 64, name="weights")
    with pytest.raises(FileNotFoundError, match=r"weights is missing"):
        check_file_sha256(tmp_path / "none.bin", "0" * 64, name="weights")
    with pytest.raises(TypeError, match=r"path must be a str or a path, got bytes"):
        check_file_sha256(b"weights.bin", "0" * 64, name="weights")


def test_check_values_sha256_names_the_data_in_both_failures():
    good = values_sha256([1.5, 2.0], decimals=1)
    check_values_sha256([1.5, 2.0], good, decimals=1, name="sample")
    with pytest.raises(ValueError, match=rf"sample sha256 of the values mismatch: expected {good}, got "):
        check_values_sha256([1.5, 2.1], good, decimals=1, name="sample")
    with pytest.raises(ValueError, match=r"sample are not the expected data: .*more than 1 decimals"):
        check_values_sha256([1.55, 2.0], good, decimals=1, name="sample")


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


@pytest.mark.parametrize("decimals", [-1, 13])
def test_decimals_must_be_a_small_int(decimals):
    with pytest.raises(ValueError, match=rf"decimals must be an int in \[0, 12\], got {decimals}"):
        values_sha256([1.0], decimals=decimals)


@pytest.mark.parametrize(("decimals", "kind"), [(1.5, "float"), (True, "bool"), (None, "NoneType")])
def test_decimals_of_the_wrong_kind_are_a_type_error(decimals, kind):
    with pytest.raises(TypeError, match=f"decimals must be an int, got {kind}"):
        values_sha256([1.0], decimals=decimals)
