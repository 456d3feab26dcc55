"""Argument checks shared across the package."""

import math

import pytest

from lossbook._validate import check_fraction


@pytest.mark.parametrize("value", [1e-9, 0.25, 0.999])
def test_check_fraction_returns_a_float_strictly_between_zero_and_one(value):
    got = check_fraction("share", value)
    assert got == value and type(got) is float


@pytest.mark.parametrize("value", [0, 0.0, 1, 1.0, -0.1, 1.5, math.nan, math.inf])
def test_check_fraction_refuses_the_bounds_and_beyond_naming_the_argument(value):
    with pytest.raises(ValueError, match=rf"share must be in \(0, 1\), got {value!r}"):
        check_fraction("share", value)


@pytest.mark.parametrize(("value", "kind"), [(True, "bool"), ("0.5", "str"), (None, "NoneType")])
def test_check_fraction_refuses_non_numbers(value, kind):
    with pytest.raises(TypeError, match=rf"share must be a real number, got {kind}"):
        check_fraction("share", value)
