"""Package tests run on one torch thread, as the notebooks do; the helpers the loss tests share.

The models here are small: a second thread adds synchronisation cost, and on a busy
two-core machine (CI runs other jobs beside the tests) it can stall each step badly.

Test modules import the helpers with ``from conftest import value_and_grad, ...``.
"""

import torch
from hypothesis import strategies as st

torch.set_num_threads(1)

REDUCTIONS = ["mean", "sum", "none"]

# Small tensor shapes, 1 to 3 dimensions of 1 to 5 elements each.
shapes = st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=3).map(tuple)


def value_and_grad(loss_fn, input, target, **kwargs):
    """Loss value and the gradient with respect to ``input`` (and to ``target`` when it is floating point).

    The backward pass is seeded with ones, so for ``reduction="none"`` the gradients are those of the sum.
    """
    input = input.clone().requires_grad_(True)
    target = target.clone()
    if target.is_floating_point():
        target.requires_grad_(True)
    value = loss_fn(input, target, **kwargs)
    value.backward(torch.ones_like(value))
    grads = (input.grad,) + ((target.grad,) if target.is_floating_point() else ())
    return (value.detach(), *grads)


def value_and_grads(loss_fn, *inputs, **kwargs):
    """Loss value and the gradient with respect to every input (all floating point)."""
    inputs = [x.clone().requires_grad_(True) for x in inputs]
    value = loss_fn(*inputs, **kwargs)
    value.backward(torch.ones_like(value))
    return (value.detach(), *[x.grad for x in inputs])


def assert_same(got, want, **tolerances):
    """Element by element ``torch.testing.assert_close`` of two equally long tuples of tensors."""
    assert len(got) == len(want), f"{len(got)} results against {len(want)} expected"
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, **tolerances)
