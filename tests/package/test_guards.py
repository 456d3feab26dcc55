"""The double-softmax guard fires on probabilities and stays silent on logits."""

import warnings

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lossbook.data.imbalanced import imbalanced_digits
from lossbook.losses.guards import (
    NotLogProbabilitiesError,
    NotLogProbabilitiesWarning,
    ProbabilitiesNotLogitsError,
    ProbabilitiesNotLogitsWarning,
    PassedLeaf,
    check_logits,
    get_guard_mode,
    guard_mode,
    looks_like_probabilities,
    set_guard_mode,
)
from lossbook.losses import bce_with_logits, cross_entropy, focal_loss, nll


@pytest.fixture(autouse=True)
def default_mode():
    """Every test starts (and leaves) the guard in its default mode."""
    previous = set_guard_mode("warn")
    yield
    set_guard_mode(previous)


def guard_warnings(call):
    """Run ``call`` and return the ProbabilitiesNotLogitsWarnings it issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if issubclass(w.category, ProbabilitiesNotLogitsWarning)]


# Multiclass losses and how each one is called on an (N, C) tensor with class indices.
MULTICLASS = {
    "cross_entropy": lambda x, y: cross_entropy(x, y),
    "nll": lambda x, y: nll(x, y),
    "focal_loss": lambda x, y: focal_loss(x, y),
}

logit_batches = st.tuples(
    st.integers(1, 64),  # rows
    st.integers(2, 20),  # classes
    st.integers(0, 2**16),  # seed
    st.floats(0.5, 50.0),  # scale of the logits
    st.floats(-5.0, 5.0),  # shift of the logits
)


@pytest.mark.parametrize("name", MULTICLASS)
@settings(max_examples=60, deadline=None)
@given(batch=logit_batches, dtype=st.sampled_from([torch.float32, torch.float64, torch.bfloat16]))
def test_guard_fires_on_softmax_outputs(name, batch, dtype):
    rows, classes, seed, scale, shift = batch
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(rows, classes, generator=generator) * scale + shift
    target = torch.randint(0, classes, (rows,), generator=generator)
    probs = torch.softmax(logits, dim=1).to(dtype)
    caught = guard_warnings(lambda: MULTICLASS[name](probs, target))
    assert len(caught) == 1
    assert name in str(caught[0].message)


# derandomize: the property is checked on a fixed, reproducible sample of logit batches.
@pytest.mark.parametrize("name", MULTICLASS)
@settings(max_examples=200, deadline=None, derandomize=True)
@given(batch=logit_batches, dtype=st.sampled_from([torch.float32, torch.float64, torch.bfloat16]))
def test_guard_stays_silent_on_logits_and_log_probabilities(name, batch, dtype):
    rows, classes, seed, scale, shift = batch
    generator = torch.Generator().manual_seed(seed)
    logits = (torch.randn(rows, classes, generator=generator) * scale + shift).to(dtype)
    target = torch.randint(0, classes, (rows,), generator=generator)
    scores = torch.log_softmax(logits, dim=1) if name == "nll" else logits
    assert guard_warnings(lambda: MULTICLASS[name](scores, target)) == []


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 200), seed=st.integers(0, 2**16), scale=st.floats(0.1, 30.0))
def test_guard_fires_on_sigmoid_outputs_in_bce_with_logits(rows, seed, scale):
    generator = torch.Generator().manual_seed(seed)
    logits = (torch.randn(rows, generator=generator) * scale).requires_grad_(True)
    target = torch.randint(0, 2, (rows,), generator=generator).float()
    caught = guard_warnings(lambda: bce_with_logits(torch.sigmoid(logits), target))
    assert len(caught) == 1
    assert "bce_with_logits applies the sigmoid itself" in str(caught[0].message)
    assert len(guard_warnings(lambda: focal_loss(torch.sigmoid(logits), target))) == 1


def test_binary_logits_that_all_lie_in_zero_one_stay_silent():
    """An untrained binary model can output logits in [0, 1]; only a sigmoid's output fires the guard."""
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    with torch.no_grad():
        model.weight.mul_(0.01)
        model.bias.fill_(0.3)
    logits = model(torch.randn(64, 4)).squeeze(1)
    assert 0 <= logits.min() and logits.max() <= 1
    assert guard_warnings(lambda: bce_with_logits(logits, torch.ones(64))) == []


SIGMOID_TRANSFORMS = {
    "view": lambda p: p.view(-1),
    "reshape": lambda p: p.reshape(p.shape[0], -1),
    "squeeze": lambda p: p.unsqueeze(0).squeeze(0),
    "index": lambda p: p[1:],
    "boolean mask": lambda p: p[p > -1],
    "cast to float64": lambda p: p.double(),
    "cast to float16": lambda p: p.half(),
    "detach": lambda p: p.detach(),
    "transpose": lambda p: p.t(),
    "clone": lambda p: p.clone(),
}


@pytest.mark.parametrize("transform", SIGMOID_TRANSFORMS.values(), ids=SIGMOID_TRANSFORMS.keys())
@pytest.mark.parametrize("loss", ["bce_with_logits", "focal_loss"])
@settings(max_examples=15, deadline=None)
@given(rows=st.integers(9, 64), seed=st.integers(0, 2**16), scale=st.floats(0.1, 30.0))
def test_sigmoid_outputs_are_caught_through_views_indexing_casts_and_detach(transform, loss, rows, seed, scale):
    generator = torch.Generator().manual_seed(seed)
    logits = (torch.randn(rows, 3, generator=generator) * scale).requires_grad_(True)
    probs = transform(torch.sigmoid(logits))
    target = torch.randint(0, 2, probs.shape, generator=generator).to(probs.dtype)
    loss_fn = bce_with_logits if loss == "bce_with_logits" else focal_loss
    caught = guard_warnings(lambda: loss_fn(probs, target))
    assert len(caught) == 1
    assert f"{loss} applies the sigmoid" in str(caught[0].message)


def test_sigmoid_outputs_without_autograd_history_are_caught_by_their_values():
    """Under no_grad, or detached, nothing records the sigmoid: eight values or more, all in [0, 1], decide."""
    with torch.no_grad():
        probs = torch.sigmoid(torch.randn(32))
    assert len(guard_warnings(lambda: bce_with_logits(probs, torch.ones(32)))) == 1
    assert looks_like_probabilities(torch.full((32,), 0.5), class_dim=None)


def test_a_few_hand_typed_numbers_without_history_are_not_evidence():
    # Centred logits all land in [0, 1] with probability about 2^-N: below 8 values that is common.
    assert guard_warnings(lambda: bce_with_logits(torch.tensor([0.3, 0.8]), torch.ones(2))) == []
    assert not looks_like_probabilities(torch.full((7,), 0.5), class_dim=None)


def test_a_trainable_leaf_in_zero_one_is_a_logit_not_a_sigmoid_output():
    # Parameters used as logits have no sigmoid before them, whatever their values.
    logits = torch.rand(64, requires_grad=True)
    assert guard_warnings(lambda: bce_with_logits(logits, torch.ones(64))) == []


def test_distributions_are_caught_at_any_size_and_as_a_trainable_leaf():
    # The documented gap is independent probabilities only: a slice summing to 1 is evidence by itself.
    probs = torch.softmax(torch.tensor([[2.0, 0.0, -1.0]]), dim=1)
    for disguised in (probs.detach(), probs.detach().requires_grad_()):
        with guard_mode("raise"), pytest.raises(ProbabilitiesNotLogitsError, match="cross_entropy got input"):
            cross_entropy(disguised, torch.tensor([0]))


def test_independent_probabilities_as_a_trainable_leaf_go_unseen_as_documented():
    # A sigmoid output re-made into a leaf has exactly the values of zero- or rand-initialised trainable
    # logits, so no rule on values can tell them apart without false alarms (see the module docstring).
    sigmoid_output = torch.sigmoid(torch.randn(64, generator=torch.Generator().manual_seed(0)))
    zero_initialised = torch.zeros(64, requires_grad=True)
    for leaf in (sigmoid_output.detach().requires_grad_(), zero_initialised):
        assert guard_warnings(lambda: bce_with_logits(leaf, torch.ones(64))) == []
    import lossbook.losses.guards as guards_module

    assert "re-made into a trainable leaf" in guards_module.__doc__


def test_a_log_sigmoid_is_not_mistaken_for_a_sigmoid():
    x = torch.randn(32, requires_grad=True)
    assert not looks_like_probabilities(torch.nn.functional.logsigmoid(x), class_dim=None)
    assert looks_like_probabilities(torch.sigmoid(x), class_dim=None)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(shape=st.tuples(st.integers(1, 64), st.integers(1, 8)), seed=st.integers(0, 2**16), scale=st.floats(0.5, 50.0))
def test_guard_stays_silent_on_binary_logits(shape, seed, scale):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(shape, generator=generator) * scale
    target = torch.randint(0, 2, shape, generator=generator).float()
    assert guard_warnings(lambda: bce_with_logits(logits, target)) == []
    assert guard_warnings(lambda: focal_loss(logits, target)) == []


def test_guard_stays_silent_on_every_step_of_real_training():
    """Logits of a real model, from initialisation to fitted, never trip the guard."""
    torch.manual_seed(0)
    split = imbalanced_digits(seed=0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    with guard_mode("raise"):
        for _ in range(100):
            optimizer.zero_grad()
            loss = cross_entropy(model(split.x_train), split.y_train)
            loss.backward()
            optimizer.step()
    assert loss.item() < 0.5  # it did train


def test_rows_summing_to_one_with_values_outside_zero_one_are_logits():
    logits = torch.tensor([[2.0, -1.0], [0.5, 0.5], [1.5, -0.5]])
    assert not looks_like_probabilities(logits, class_dim=1)


def test_values_in_zero_one_whose_rows_do_not_sum_to_one_are_logits():
    logits = torch.rand(32, 10, generator=torch.Generator().manual_seed(0))
    assert not looks_like_probabilities(logits, class_dim=1)
    assert looks_like_probabilities(logits / logits.sum(1, keepdim=True), class_dim=1)


def test_a_single_class_never_counts_as_a_distribution():
    assert not looks_like_probabilities(torch.ones(4, 1), class_dim=1)


def test_the_class_dimension_is_dim_1_for_dense_predictions():
    probs = torch.softmax(torch.randn(2, 5, 4, 4), dim=1)
    target = torch.randint(0, 5, (2, 4, 4))
    assert len(guard_warnings(lambda: cross_entropy(probs, target))) == 1
    assert len(guard_warnings(lambda: cross_entropy(torch.softmax(torch.randn(2, 5, 4, 4), dim=2), target))) == 0


def test_the_warning_says_what_happened_and_how_to_fix_it():
    probs = torch.softmax(torch.randn(4, 3), 1)
    (caught,) = guard_warnings(lambda: cross_entropy(probs, torch.tensor([0, 1, 2, 0])))
    message = str(caught.message)
    assert "looks like probabilities, not logits" in message
    assert "double-softmax" in message
    assert "Pass the raw logits (remove the softmax)" in message
    assert "guard_mode('off')" in message


def test_the_nll_warning_points_to_log_softmax():
    probs = torch.softmax(torch.randn(4, 3), 1)
    (caught,) = guard_warnings(lambda: nll(probs, torch.tensor([0, 1, 2, 0])))
    assert "nll got input that looks like probabilities, not log-probabilities" in str(caught.message)
    assert "use torch.log_softmax(logits, dim=1), not torch.softmax" in str(caught.message)


def nll_warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if issubclass(w.category, NotLogProbabilitiesWarning)]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
@settings(max_examples=40, deadline=None)
@given(batch=logit_batches)
def test_nll_warns_on_raw_logits(dtype, batch):
    rows, classes, seed, scale, shift = batch
    generator = torch.Generator().manual_seed(seed)
    logits = (torch.randn(rows, classes, generator=generator) * scale + shift).to(dtype)
    assume(abs(torch.logsumexp(logits[0].double(), 0).item()) > 0.05)  # a raw row that happens to be one is no logit
    target = torch.randint(0, classes, (rows,), generator=generator)
    (caught,) = nll_warnings(lambda: nll(logits, target))
    message = str(caught.message)
    assert "nll got input that does not look like log-probabilities" in message
    assert "torch.log_softmax(logits, dim=1)" in message and "cross_entropy" in message
    with guard_mode("raise"), pytest.raises(NotLogProbabilitiesError):
        nll(logits, target)


def test_nll_on_raw_logits_by_hand():
    # [2, 5] are no log-probabilities: exp(2) + exp(5) is far from 1, and nll would return -5.
    (caught,) = nll_warnings(lambda: nll(torch.tensor([[2.0, 5.0]]), torch.tensor([1])))
    assert "logsumexp of its first row along the class dimension is 5.049, not 0" in str(caught.message)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("classes", [2, 10, 1000])
def test_nll_stays_silent_on_log_probabilities_with_or_without_autograd_history(dtype, classes):
    generator = torch.Generator().manual_seed(classes)
    logits = torch.randn(16, classes, generator=generator) * 5
    target = torch.randint(0, classes, (16,), generator=generator)
    fresh = torch.log_softmax(logits.to(dtype), dim=1)
    stored = torch.log_softmax(logits.double(), dim=1).to(dtype).detach()  # rounded once, no history
    for log_probs in (fresh, stored):
        assert nll_warnings(lambda: nll(log_probs, target)) == []
        assert guard_warnings(lambda: nll(log_probs, target)) == []


def test_the_warning_points_at_the_line_that_called_the_loss():
    probs = torch.softmax(torch.randn(4, 3), 1)
    (caught,) = guard_warnings(lambda: cross_entropy(probs, torch.tensor([0, 1, 2, 0])))
    assert caught.filename == __file__


def test_raise_mode_raises_a_value_error_and_off_mode_is_silent():
    probs = torch.softmax(torch.randn(4, 3), 1)
    target = torch.tensor([0, 1, 2, 0])
    with guard_mode("raise"), pytest.raises(ProbabilitiesNotLogitsError, match="cross_entropy got input that looks like probabilities"):
        cross_entropy(probs, target)
    assert issubclass(ProbabilitiesNotLogitsError, ValueError)
    with guard_mode("off"):
        assert guard_warnings(lambda: cross_entropy(probs, target)) == []


def test_guard_mode_is_restored_after_the_block_even_on_error():
    with pytest.raises(ProbabilitiesNotLogitsError):
        with guard_mode("raise"):
            cross_entropy(torch.softmax(torch.randn(4, 3), 1), torch.tensor([0, 1, 2, 0]))
    assert get_guard_mode() == "warn"


def test_set_guard_mode_returns_the_previous_mode():
    assert set_guard_mode("raise") == "warn"
    assert set_guard_mode("off") == "raise"
    assert get_guard_mode() == "off"


def test_python_warning_filters_can_turn_the_warning_into_an_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProbabilitiesNotLogitsWarning)
        with pytest.raises(ProbabilitiesNotLogitsWarning):
            cross_entropy(torch.softmax(torch.randn(4, 3), 1), torch.tensor([0, 1, 2, 0]))


def test_unknown_mode_lists_the_options():
    with pytest.raises(ValueError, match=r"mode must be one of \('warn', 'raise', 'off'\), got 'strict'"):
        set_guard_mode("strict")
    with pytest.raises(ValueError, match=r"mode must be one of"):
        with guard_mode("loud"):
            pass


def test_the_guard_neither_modifies_the_input_nor_records_a_gradient():
    probs = torch.softmax(torch.randn(4, 3), 1).requires_grad_(True)
    target = torch.tensor([0, 1, 2, 0])
    before = probs.detach().clone()
    with guard_mode("off"):
        reference = cross_entropy(probs, target)
        (reference_grad,) = torch.autograd.grad(reference, probs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cross_entropy(probs, target)
    assert torch.equal(probs.detach(), before)
    assert torch.equal(value, reference)
    # The guard's reductions leave no trace in the graph: the same gradient, nothing accumulated.
    (grad,) = torch.autograd.grad(value, probs)
    assert torch.equal(grad, reference_grad)
    assert probs.grad is None
    assert isinstance(looks_like_probabilities(probs, class_dim=1), bool)
    assert probs.grad is None and probs._version == 0


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("scale", [1e-4, 1e-3, 1e-2, 0.1])
@pytest.mark.parametrize("rows", [1, 4, 32])
def test_no_false_alarm_on_small_non_negative_logits_with_1000_classes_in_half_precision(dtype, scale, rows):
    # The old tolerance C * eps (0.98 for float16 at C = 1000) called rows summing to 0.02..1.98 distributions.
    logits = (torch.rand(rows, 1000, generator=torch.Generator().manual_seed(rows)) * scale).to(dtype)
    target = torch.zeros(rows, dtype=torch.long)
    assert guard_warnings(lambda: cross_entropy(logits, target)) == []
    assert not looks_like_probabilities(logits, class_dim=1)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_softmax_outputs_with_1000_classes_in_half_precision_still_fire(dtype):
    logits = torch.randn(8, 1000, generator=torch.Generator().manual_seed(0)) * 3
    for probs in (torch.softmax(logits, 1).to(dtype), torch.softmax(logits.to(dtype), 1)):
        assert len(guard_warnings(lambda: cross_entropy(probs, torch.zeros(8, dtype=torch.long)))) == 1


def test_a_new_loss_can_call_the_guard_with_its_own_advice():
    # The advice comes from the caller: no table to register in, so no KeyError when the guard fires.
    probs = torch.softmax(torch.randn(4, 3), 1)
    (caught,) = guard_warnings(lambda: check_logits(probs, loss="my_loss", advice="my_loss wants logits.", class_dim=1))
    assert str(caught.message).startswith("my_loss got input that looks like probabilities, not logits: ")
    assert "my_loss wants logits." in str(caught.message)


def test_an_unchanged_tensor_is_judged_once_and_a_changed_one_again():
    logits = torch.randn(4, 3)
    target = torch.tensor([0, 1, 2, 0])
    assert guard_warnings(lambda: cross_entropy(logits, target)) == []
    logits.copy_(torch.softmax(torch.randn(4, 3), 1))  # in place: a new version, checked again
    assert len(guard_warnings(lambda: cross_entropy(logits, target))) == 1


@pytest.mark.parametrize("loss, make", [(cross_entropy, lambda x: x), (nll, lambda x: torch.log_softmax(x, 1))])
def test_a_trainable_leaf_changed_in_place_is_judged_again(loss, make):
    # The second call takes the signature's plan, which remembers the leaf that passed there:
    # an optimizer-style in-place write (a new version) must still be looked at.
    input = make(torch.randn(6, 5)).requires_grad_(True)
    target = torch.tensor([0, 1, 2, 3, 4, 0])
    assert guard_warnings(lambda: loss(input, target)) == guard_warnings(lambda: loss(input, target)) == []
    with torch.no_grad():
        input.copy_(torch.softmax(torch.randn(6, 5), 1))
    assert len(guard_warnings(lambda: loss(input, target))) == 1


@pytest.mark.parametrize("loss, make", [(cross_entropy, lambda x: x), (nll, lambda x: torch.log_softmax(x, 1))])
def test_another_tensor_with_the_same_signature_is_judged_on_its_own(loss, make):
    target = torch.tensor([0, 1, 2, 0])
    passed = make(torch.randn(4, 3))
    assert guard_warnings(lambda: loss(passed, target)) == guard_warnings(lambda: loss(passed, target)) == []
    probabilities = torch.softmax(torch.randn(4, 3), 1)
    assert len(guard_warnings(lambda: loss(probabilities, target))) == 1
    assert guard_warnings(lambda: loss(passed, target)) == []


def test_a_tensor_seen_with_the_guard_off_is_not_taken_as_passed():
    probabilities = torch.softmax(torch.randn(4, 3), 1)
    target = torch.tensor([0, 1, 2, 0])
    with guard_mode("off"):
        assert guard_warnings(lambda: cross_entropy(probabilities, target)) == []
    assert len(guard_warnings(lambda: cross_entropy(probabilities, target))) == 1
    with guard_mode("raise"), pytest.raises(ProbabilitiesNotLogitsError):
        cross_entropy(probabilities, target)


def test_check_logits_says_whether_the_input_passed():
    probabilities = torch.softmax(torch.randn(4, 3), 1)
    assert check_logits(torch.randn(4, 3), loss="my_loss", advice="", class_dim=1) is True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert check_logits(probabilities, loss="my_loss", advice="", class_dim=1) is False
    with guard_mode("off"):
        assert check_logits(torch.randn(4, 3), loss="my_loss", advice="", class_dim=1) is False


def test_a_passed_leaf_memo_holds_only_an_unchanged_leaf_that_passed():
    memo, logits = PassedLeaf(), torch.randn(4, 3)
    assert not memo.holds(logits)
    assert check_logits(logits, loss="my_loss", advice="", class_dim=1, passed=memo) and memo.holds(logits)
    assert not memo.holds(logits.clone())
    logits.add_(1.0)  # a new version
    assert not memo.holds(logits)
    layer_output = torch.nn.Linear(3, 3)(torch.randn(4, 3))
    fresh = PassedLeaf()
    assert check_logits(layer_output, loss="my_loss", advice="", class_dim=1, passed=fresh)
    assert not fresh.holds(layer_output)  # a tensor with history is new at every call: never held
    probabilities = torch.softmax(torch.randn(4, 3), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not check_logits(probabilities, loss="my_loss", advice="", class_dim=1, passed=memo)
    assert not memo.holds(probabilities)


def test_the_remembered_leaf_is_not_kept_alive():
    import gc
    import weakref

    logits = torch.randn(8, 3, 11)  # a signature no other test uses
    cross_entropy(logits, torch.zeros(8, 11, dtype=torch.long))
    cross_entropy(logits, torch.zeros(8, 11, dtype=torch.long))
    held = weakref.ref(logits)
    del logits
    gc.collect()
    assert held() is None


def test_the_first_slice_shortcut_changes_no_decision():
    # The guard looks at the first slice along the class dimension before the whole tensor.
    # A first slice that is a distribution must not be enough, nor hide later logit rows,
    # and a first slice of logits settles it even when later rows are distributions.
    probs = torch.softmax(torch.randn(5, 4, 3, generator=torch.Generator().manual_seed(0)), dim=1)
    assert looks_like_probabilities(probs, class_dim=1)
    later_logits = probs.clone()
    later_logits[3, :, 2] = torch.tensor([2.0, -1.0, 0.5, -0.5])
    assert not looks_like_probabilities(later_logits, class_dim=1)
    first_logits = probs.clone()
    first_logits[0, :, 0] = torch.tensor([2.0, -1.0, 0.5, -0.5])
    assert not looks_like_probabilities(first_logits, class_dim=1)
    not_summing = probs.clone()
    not_summing[4, :, 1] *= 0.5  # in [0, 1] but sums to 0.5
    assert not looks_like_probabilities(not_summing, class_dim=1)
