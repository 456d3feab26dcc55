"""Summaries over seeds: mean ± std as the chapters print it, and the paired t interval against scipy and closed forms."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lossbook.metrics.summary import PairedComparison, mean_pm_std, paired_comparison, t_quantile

SCORES = st.lists(st.floats(-10, 10, allow_nan=False), min_size=2, max_size=8)


@settings(max_examples=60, deadline=None)
@given(SCORES)
def test_mean_pm_std_is_the_chapters_pandas_formula(values):
    series = pd.Series(values)
    # the helper the six chapters wrote out, applied to a pandas column as their groupby().agg() does
    assert mean_pm_std(series) == f"{series.mean():.4g} ± {series.std(ddof=0):.2g}"
    assert mean_pm_std(np.array(values)) == mean_pm_std(values)


def test_mean_pm_std_in_a_groupby_agg():
    table = pd.DataFrame({"loss": ["a", "a", "b", "b"], "score": [0.5, 0.7, 0.1, 0.1]})
    assert table.groupby("loss")["score"].agg(mean_pm_std).to_dict() == {"a": "0.6 ± 0.1", "b": "0.1 ± 0"}


@pytest.mark.parametrize("p", [0.6, 0.9, 0.975, 0.995])
def test_t_quantile_matches_the_closed_forms_for_one_and_two_degrees_of_freedom(p):
    # df = 1 is the Cauchy distribution; df = 2 has F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
    assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-10)
    assert t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-10)


def test_t_quantile_matches_the_printed_table():
    # Student's t table, two-sided 95 %: 12.706, 4.303, 3.182, 2.776, 2.571, ... 1.960 in the limit.
    for df, value in [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (10, 2.228), (30, 2.042)]:
        assert t_quantile(0.975, df) == pytest.approx(value, abs=5e-4)
    assert t_quantile(0.975, 1e6) == pytest.approx(1.95996, abs=1e-4)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=2, max_size=10), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_paired_interval_equals_scipy_ttest_rel(pairs, confidence):
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    differences = np.subtract(b, a)
    result = paired_comparison(a, b, confidence=confidence)
    assert result.mean == pytest.approx(differences.mean(), abs=1e-12)
    if np.ptp(differences) == 0:  # no spread: scipy returns NaN bounds, the interval here is the point itself
        assert result.low == pytest.approx(result.mean, abs=1e-12) and result.high == pytest.approx(result.mean, abs=1e-12)
    else:
        interval = stats.ttest_rel(b, a).confidence_interval(confidence_level=confidence)
        assert result.low == pytest.approx(interval.low, rel=1e-9, abs=1e-12)
        assert result.high == pytest.approx(interval.high, rel=1e-9, abs=1e-12)


def test_paired_comparison_by_hand():
    # d = (+0.03, +0.02, 0): mean 0.01667, s = 0.01528, t(0.975, 2) = 4.3027
    result = paired_comparison([0.80, 0.82, 0.81], [0.83, 0.84, 0.81])
    d = np.array([0.03, 0.02, 0.0])
    s = math.sqrt(((d - d.mean()) ** 2).sum() / 2)
    half = 4.302652729911275 * s / math.sqrt(3)
    assert isinstance(result, PairedComparison)
    assert result.std == pytest.approx(s)
    assert (result.low, result.high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert (result.b_higher, result.a_higher, result.ties, result.seeds) == (2, 0, 1, 3)
    assert not result.excludes_zero
    assert paired_comparison([0, 0, 0], [1.0, 1.1, 0.9]).excludes_zero


def test_series_are_aligned_on_their_seeds():
    a = pd.Series({0: 0.5, 1: 0.6, 2: 0.7})
    b = pd.Series({2: 0.9, 0: 0.5, 1: 0.8})  # other order, same seeds
    np.testing.assert_allclose(paired_comparison(a, b).differences, [0.0, 0.2, 0.2])
    with pytest.raises(ValueError, match=r"a and b must hold the same seeds"):
        paired_comparison(a, pd.Series({0: 0.5, 1: 0.6, 5: 0.7}))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mean_pm_std([]), ValueError, r"values must not be empty"),
        (lambda: mean_pm_std([0.1, float("nan")]), ValueError, r"values must hold finite numbers"),
        (lambda: mean_pm_std(None), TypeError, r"values must be a sequence, array or Series of numbers, got NoneType"),
        (lambda: mean_pm_std(x for x in [1.0]), TypeError, r"got generator"),
        (lambda: mean_pm_std(["a"]), TypeError, r"values must hold real numbers"),
        (lambda: mean_pm_std([[1.0, 2.0]]), ValueError, r"values must be 1-D"),
        (lambda: paired_comparison([1.0], [2.0]), ValueError, r"needs at least 2 seeds, got 1"),
        (lambda: paired_comparison([1.0, 2.0], [2.0]), ValueError, r"b must have one score per seed of a: expected 2, got 1"),
        (lambda: paired_comparison([1.0, 2.0], [2.0, 3.0], confidence=1.0), ValueError, r"confidence must be a finite number in \(0, 1\)"),
        (lambda: paired_comparison([1.0, 2.0], "ab"), TypeError, r"b must be a sequence"),
        (lambda: t_quantile(0.975, 0), ValueError, r"df must be a finite number > 0"),
        (lambda: t_quantile(1.5, 3), ValueError, r"probability must be a finite number in \(0, 1\)"),
    ],
)
def test_bad_input_names_itself(call, error, message):
    with pytest.raises(error, match=message):
        call()
