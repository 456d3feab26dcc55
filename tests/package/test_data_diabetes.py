"""The diabetes loader, its split and the outlier injection, against sklearn and by hand."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes as sklearn_load_diabetes

from lossbook.data import diabetes
from lossbook.data.diabetes import inject_outliers, load_diabetes, train_test_split


@pytest.fixture(scope="module")
def data():
    return load_diabetes(dtype=torch.float64)


def test_loader_returns_sklearn_values_in_original_units(data):
    reference = sklearn_load_diabetes(scaled=False)
    np.testing.assert_array_equal(data.features.numpy(), reference.data)
    np.testing.assert_array_equal(data.target.numpy(), reference.target)
    assert data.feature_names == tuple(reference.feature_names)
    # original units: ages in years, targets between 25 and 346
    assert 19 <= data.column("age").min().item() and data.column("age").max().item() <= 79
    assert data.target.min().item() == 25.0 and data.target.max().item() == 346.0


def test_loader_matches_sklearn_scaled_version_after_centering_and_unit_norm(data):
    scaled = sklearn_load_diabetes(scaled=True).data
    centered = data.features - data.features.mean(dim=0)
    ours = centered / centered.norm(dim=0)
    np.testing.assert_allclose(ours.numpy(), scaled, atol=1e-6)


def test_loader_default_dtype_is_float32_and_dtype_is_respected():
    assert load_diabetes().features.dtype == torch.float32
    assert load_diabetes(dtype=torch.float64).target.dtype == torch.float64


def test_loader_rejects_integer_dtype():
    with pytest.raises(TypeError, match=r"dtype must be a floating-point torch.dtype, got torch.int64"):
        load_diabetes(dtype=torch.int64)


def test_loader_refuses_data_with_the_wrong_checksum(monkeypatch):
    monkeypatch.setattr(diabetes, "TARGET_SHA256", "0" * 64)
    with pytest.raises(ValueError, match=r"diabetes target sha256 of the values mismatch: expected 0{64}, got 772ee826"):
        load_diabetes()


@pytest.fixture(scope="module")
def raw_arrays():
    bunch = sklearn_load_diabetes(scaled=False)
    return bunch.data.copy(), bunch.target.copy()


def test_values_written_as_before_scikit_learn_1_8_are_accepted(raw_arrays):
    # scikit-learn 1.2-1.7 ship 11 s5 values one float step below (4.803999999999999, not 4.804).
    features, target = raw_arrays
    s5 = diabetes.FEATURE_NAMES.index("s5")
    old_spelling = features.copy()
    old_spelling[:, s5] = np.nextafter(features[:, s5], 0.0)
    assert float("4.803999999999999") == np.nextafter(4.804, 0.0)
    assert not np.array_equal(old_spelling, features)
    diabetes.check_diabetes_values(old_spelling, target)


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda f, t: (f + np.eye(442, 10) * 1e-4, t),  # ten values off in their last decimal
        lambda f, t: (f[::-1], t),  # rows reordered
        lambda f, t: (f[:441], t[:441]),  # a row missing
        lambda f, t: (f, t + (np.arange(442) == 7)),  # one target off by 1
        lambda f, t: (f + 1e-5, t),  # a fifth decimal: not the data's precision
    ],
    ids=["last-decimal", "reordered", "row-missing", "one-target", "extra-decimal"],
)
def test_changed_data_is_refused(raw_arrays, corrupt):
    features, target = corrupt(*raw_arrays)
    with pytest.raises(ValueError, match=r"diabetes (features|target) (sha256 of the values mismatch|are not the expected data)"):
        diabetes.check_diabetes_values(features, target)


def test_column_by_name_and_unknown_name(data):
    torch.testing.assert_close(data.column("bmi"), data.features[:, 2])
    with pytest.raises(ValueError, match=r"name must be one of .*'age'.*got 'weight'"):
        data.column("weight")


# --- split ------------------------------------------------------------------------------


def test_split_partitions_the_rows_and_standardizes_with_training_statistics(data):
    split = train_test_split(data, test_fraction=0.25, seed=3)
    assert split.train_features.shape == (332, 10) and split.test_features.shape == (110, 10)
    torch.testing.assert_close(split.train_features.mean(dim=0), torch.zeros(10, dtype=torch.float64))
    torch.testing.assert_close(split.train_features.std(dim=0), torch.ones(10, dtype=torch.float64))
    # undo the standardization: every original row appears exactly once, with its own target
    rows = torch.cat([split.train_features, split.test_features]) * split.feature_std + split.feature_mean
    targets = torch.cat([split.train_target, split.test_target])
    original = torch.cat([data.features, data.target[:, None]], dim=1)
    recovered = torch.cat([rows, targets[:, None]], dim=1)
    order = lambda t: t[torch.argsort(t[:, -1] * 1e6 + t[:, 2] * 1e3 + t[:, 0])]  # noqa: E731
    torch.testing.assert_close(order(recovered), order(original))


def test_split_is_reproducible_and_depends_on_the_seed(data):
    first = train_test_split(data, seed=1)
    again = train_test_split(data, seed=1)
    other = train_test_split(data, seed=2)
    assert torch.equal(first.test_target, again.test_target)
    assert not torch.equal(first.test_target, other.test_target)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, float("nan")])
def test_split_rejects_fractions_outside_zero_one(data, fraction):
    with pytest.raises(ValueError, match=r"test_fraction must be"):
        train_test_split(data, test_fraction=fraction)


def test_split_rejects_non_diabetes_input_and_bad_seed(data):
    with pytest.raises(TypeError, match=r"data must be a Diabetes \(from load_diabetes\), got Tensor"):
        train_test_split(data.features)
    with pytest.raises(ValueError, match=r"seed must be an int >= 0, got -1"):
        train_test_split(data, seed=-1)


# --- outliers ---------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 200),
    fraction=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
    scale=st.floats(0.1, 20.0),
    two_sided=st.booleans(),
)
def test_outliers_count_size_and_untouched_rest(n, fraction, seed, scale, two_sided):
    generator = torch.Generator().manual_seed(seed)
    target = torch.randn(n, generator=generator, dtype=torch.float64) * 3 + 10
    corrupted, mask = inject_outliers(target, fraction=fraction, seed=seed, scale=scale, two_sided=two_sided)
    assert int(mask.sum()) == round(fraction * n)
    assert torch.equal(corrupted[~mask], target[~mask])
    shift = corrupted[mask] - target[mask]
    expected = scale * target.std(unbiased=False)
    torch.testing.assert_close(shift.abs(), expected.expand_as(shift))
    if not two_sided:
        assert (shift > 0).all()


def test_outliers_by_hand():
    target = torch.tensor([1.0, 2.0, 3.0, 4.0])  # population std = sqrt(1.25)
    corrupted, mask = inject_outliers(target, fraction=0.5, seed=0, scale=2.0)
    assert int(mask.sum()) == 2
    torch.testing.assert_close(corrupted[mask], target[mask] + 2.0 * 1.25**0.5)


def test_outliers_are_reproducible_do_not_modify_the_input_and_depend_on_the_seed():
    target = torch.linspace(0, 1, 50)
    before = target.clone()
    first = inject_outliers(target, fraction=0.1, seed=7)
    again = inject_outliers(target, fraction=0.1, seed=7)
    other = inject_outliers(target, fraction=0.1, seed=8)
    assert torch.equal(target, before)
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])
    assert not torch.equal(first[1], other[1])


def test_two_sided_outliers_go_both_ways():
    corrupted, mask = inject_outliers(torch.linspace(0, 1, 1000), fraction=0.5, seed=0, two_sided=True)
    shift = (corrupted - torch.linspace(0, 1, 1000))[mask]
    assert (shift > 0).sum() > 200 and (shift < 0).sum() > 200


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"fraction": 1.5}, ValueError, r"fraction must be a finite number in \[0, 1\], got 1.5"),
        ({"fraction": -0.1}, ValueError, r"fraction must be a finite number in \[0, 1\], got -0.1"),
        ({"fraction": "10%"}, TypeError, r"fraction must be a real number, got str"),
        ({"fraction": 0.1, "scale": 0.0}, ValueError, r"scale must be a finite number > 0, got 0.0"),
        ({"fraction": 0.1, "seed": 1.5}, TypeError, r"seed must be an int, got float"),
        ({"fraction": 0.1, "seed": -1}, ValueError, r"seed must be an int >= 0, got -1"),
        ({"fraction": 0.1, "two_sided": 1}, TypeError, r"two_sided must be a bool, got int"),
    ],
)
def test_outliers_reject_bad_options(kwargs, error, message):
    kwargs = {"seed": 0, **kwargs}
    with pytest.raises(error, match=message):
        inject_outliers(torch.arange(10.0), **kwargs)


def test_outliers_reject_bad_targets():
    with pytest.raises(TypeError, match=r"target must be a floating-point tensor, got dtype torch.int64"):
        inject_outliers(torch.arange(10), fraction=0.1, seed=0)
    with pytest.raises(ValueError, match=r"target must be 1-D, got shape \(5, 2\)"):
        inject_outliers(torch.zeros(5, 2), fraction=0.1, seed=0)
    with pytest.raises(ValueError, match=r"target must not be empty, got shape \(0,\)"):
        inject_outliers(torch.zeros(0), fraction=0.1, seed=0)
    with pytest.raises(ValueError, match=r"target must not be constant"):
        inject_outliers(torch.ones(5), fraction=0.1, seed=0)
