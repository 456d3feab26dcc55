"""The validation layer: one rule, one message; TypeError for the wrong kind, ValueError for the wrong value."""

import math

import numpy as np
import pytest
import torch

from lossbook._validate import (
    check_bool,
    check_choice,
    check_float_dtype,
    check_fraction,
    check_in_range,
    check_int,
    check_pair,
    check_probabilities,
    check_ranges,
    check_real,
    check_reduction,
    checked_before,
    probability_sum_tolerance,
    read_flags,
    read_scalars,
    remember_checked,
)


@pytest.mark.parametrize("value", [1e-9, 0.25, 0.999])
def test_check_fraction_returns_a_float_strictly_between_zero_and_one(value):
    got = check_fraction("share", value)
    assert got == value and type(got) is float


@pytest.mark.parametrize("value", [0, 0.0, 1, 1.0, -0.1, 1.5, math.nan, math.inf])
def test_check_fraction_refuses_the_bounds_and_beyond_naming_the_argument(value):
    with pytest.raises(ValueError, match=rf"^share must be a finite number in \(0, 1\), got {value!r}$"):
        check_fraction("share", value)


@pytest.mark.parametrize(("value", "kind"), [(True, "bool"), ("0.5", "str"), (None, "NoneType")])
def test_check_fraction_refuses_non_numbers(value, kind):
    with pytest.raises(TypeError, match=rf"share must be a real number, got {kind}"):
        check_fraction("share", value)


@pytest.mark.parametrize(("bounds", "rule"), [
    ({}, "a finite number"),
    ({"minimum": 0.0}, "a finite number >= 0"),
    ({"minimum": 0.0, "inclusive": False}, "a finite number > 0"),
    ({"maximum": 1.0}, "a finite number <= 1"),
    ({"minimum": 0.0, "maximum": 1.0}, r"a finite number in \[0, 1\]"),
    ({"minimum": 0.0, "maximum": 1.0, "inclusive": (True, False)}, r"a finite number in \[0, 1\)"),
    ({"minimum": 0.0, "maximum": 1.0, "inclusive": False}, r"a finite number in \(0, 1\)"),
])
def test_check_real_states_the_whole_rule_in_one_message(bounds, rule):
    for bad in (math.nan, math.inf, -5.0, 7.0):
        if math.isfinite(bad) and (bounds.get("minimum", -math.inf) <= bad <= bounds.get("maximum", math.inf)):
            continue
        with pytest.raises(ValueError, match=rf"^x must be {rule}, got {bad!r}$"):
            check_real("x", bad, **bounds)


@pytest.mark.parametrize(("value", "bounds"), [(0.0, {"minimum": 0.0}), (1.0, {"maximum": 1.0}), (0.999, {"minimum": 0, "maximum": 1, "inclusive": (True, False)})])
def test_check_real_accepts_values_on_closed_bounds_and_returns_floats(value, bounds):
    assert check_real("x", value, **bounds) == value
    assert type(check_real("x", np.float32(0.5))) is float
    assert type(check_real("x", 3)) is float


@pytest.mark.parametrize("value", [1.0, True, "3", None, np.float64(2.0)])
def test_check_int_refuses_what_is_not_an_int_with_a_type_error(value):
    with pytest.raises(TypeError, match=r"^n must be an int, got"):
        check_int("n", value)


def test_check_int_range_and_conversion():
    assert check_int("n", np.int64(3), minimum=1) == 3 and type(check_int("n", np.int64(3))) is int
    with pytest.raises(ValueError, match=r"^n must be an int >= 1, got 0$"):
        check_int("n", 0, minimum=1)
    with pytest.raises(ValueError, match=r"^n must be an int in \[1, 5\], got 9$"):
        check_int("n", 9, minimum=1, maximum=5)
    with pytest.raises(ValueError, match=r"^n must be an int <= 5, got 9$"):
        check_int("n", 9, maximum=5)


def test_check_bool_and_check_choice_compare_by_kind():
    assert check_bool("flag", False) is False
    with pytest.raises(TypeError, match=r"^flag must be a bool, got int$"):
        check_bool("flag", 1)
    assert check_choice("mode", "warn", ("warn", "off")) == "warn"
    for bad in ("loud", 1, torch.tensor(1), None):
        with pytest.raises(ValueError, match=r"^mode must be one of \('warn', 'off'\), got"):
            check_choice("mode", bad, ("warn", "off"))
    with pytest.raises(ValueError, match=r"^flag must be one of \(1, 2\), got True$"):
        check_choice("flag", True, (1, 2))  # True == 1, but it is not the int 1
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\), got 'average'"):
        check_reduction("average")


def test_check_float_dtype():
    assert check_float_dtype("dtype", torch.bfloat16) is torch.bfloat16
    with pytest.raises(TypeError, match=r"dtype must be a torch.dtype such as torch.float32, got str"):
        check_float_dtype("dtype", "float32")
    with pytest.raises(TypeError, match=r"dtype must be a floating dtype such as torch.float32, got torch.int32"):
        check_float_dtype("dtype", torch.int32)


def test_check_pair_fast_path_and_its_messages():
    check_pair(torch.zeros(2), torch.zeros(2))
    check_pair(torch.nn.Parameter(torch.zeros(2)), torch.zeros(2))
    with pytest.raises(ValueError, match=r"target must have the same shape as input: expected \(2,\), got \(3,\)"):
        check_pair(torch.zeros(2), torch.zeros(3))
    with pytest.raises(TypeError, match=r"target must have the same dtype as input"):
        check_pair(torch.zeros(2), torch.zeros(2, dtype=torch.float64))


def test_check_in_range_refuses_nan_and_infinities_and_names_the_range():
    check_in_range("w", torch.tensor([0.0, 3.0]), 0.0, math.inf)
    check_in_range("p", torch.tensor([], dtype=torch.float32), 0.0, 1.0)  # nothing to check
    for bad in (math.nan, math.inf, -1.0):
        with pytest.raises(ValueError, match=r"^w must hold finite values >= 0: got values from"):
            check_in_range("w", torch.tensor([0.5, bad]), 0.0, math.inf)
    with pytest.raises(ValueError, match=r"^p must hold values in \[0, 1\] \(hint\): got values from 0 to 2$"):
        check_in_range("p", torch.tensor([0.0, 2.0]), 0.0, 1.0, hint=" (hint)")


def test_check_ranges_reports_the_first_failing_tensor():
    good, bad = torch.tensor([0.5]), torch.tensor([2.0])
    check_ranges(("a", good, 0.0, 1.0, ""), ("b", torch.tensor([3, 4]), 0, 9, ""))
    with pytest.raises(ValueError, match=r"^b must hold values in \[0, 1\]: got values from 2 to 2$"):
        check_ranges(("a", good, 0.0, 1.0, ""), ("b", bad, 0.0, 1.0, ""))


def test_a_float64_value_just_outside_the_range_is_not_rounded_into_it():
    with pytest.raises(ValueError):
        check_in_range("p", torch.tensor([1.0 + 1e-12], dtype=torch.float64), 0.0, 1.0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_the_probability_sum_tolerance_does_not_grow_with_the_number_of_classes(dtype):
    eps = torch.finfo(dtype).eps
    for classes in (2, 100, 1000):
        tolerance = probability_sum_tolerance(dtype, classes)
        assert max(1e-3, 2 * eps) <= tolerance < max(1e-3, 2 * eps) * 1.1
    # Only float16's subnormals (below 6.1e-5, spaced 6e-8 apart) add a little per class.
    assert probability_sum_tolerance(dtype, 50_000) < 0.02
    assert probability_sum_tolerance(torch.float16, 1000) < 0.003  # C * eps was 0.98


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
@pytest.mark.parametrize("classes", [2, 10, 1000, 30_000])
def test_softmax_outputs_rounded_to_any_dtype_pass_check_probabilities(dtype, classes):
    logits = torch.randn(16, classes, generator=torch.Generator().manual_seed(classes)) * 4
    for probs in (torch.softmax(logits, 1).to(dtype), torch.softmax(logits.to(dtype), 1)):
        check_probabilities("p", probs, class_dim=1)


def test_check_probabilities_messages():
    with pytest.raises(ValueError, match=r"^p must hold probabilities in \[0, 1\]: got values from -1 to 2$"):
        check_probabilities("p", torch.tensor([[-1.0, 2.0]]), class_dim=1)
    with pytest.raises(ValueError, match=r"^p must sum to 1 along the class dimension \(dim 1\): got sums from 0.5 to 1$"):
        check_probabilities("p", torch.tensor([[0.25, 0.25], [0.5, 0.5]]), class_dim=1)


def test_read_scalars_and_flags():
    assert read_scalars(torch.tensor(1.5), torch.tensor(2)) == [1.5, 2]
    assert read_flags(torch.tensor(True), torch.tensor(False)) == [True, False]


def test_a_remembered_check_holds_until_the_tensor_changes():
    weight = torch.ones(3)
    assert not checked_before(weight, "rule")
    remember_checked(weight, "rule")
    assert checked_before(weight, "rule") and not checked_before(weight, "another rule")
    assert not checked_before(torch.ones(3), "rule")  # another tensor with the same values is not this one
    weight.mul_(2)
    assert not checked_before(weight, "rule")
    computed = torch.ones(3, requires_grad=True) * 2
    remember_checked(computed, "rule")  # autograd's results are new at every call: never remembered
    assert not checked_before(computed, "rule")
