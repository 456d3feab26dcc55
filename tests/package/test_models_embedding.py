"""The metric-learning chapter's embedding MLP: the same weights as the network the chapter writes out."""

import pytest
import torch
from torch import nn

from lossbook.models.embedding import EmbeddingMLP


@pytest.mark.parametrize("dim", [2, 16])
def test_the_same_seed_gives_the_weights_of_the_chapters_sequential(dim):
    torch.manual_seed(3)
    ours = EmbeddingMLP(64, dim)
    torch.manual_seed(3)
    theirs = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, dim))
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    for name, value in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[name], value), name
    x = torch.randn(5, 64)
    assert torch.equal(ours(x), theirs(x))


def test_hidden_widths_and_a_written_out_forward_pass():
    torch.manual_seed(0)
    model = EmbeddingMLP(3, 2, hidden=(4,))
    first, last = model[0], model[2]
    x = torch.randn(6, 3)
    expected = torch.relu(x @ first.weight.T + first.bias) @ last.weight.T + last.bias
    torch.testing.assert_close(model(x), expected)
    assert [type(layer) for layer in model] == [nn.Linear, nn.ReLU, nn.Linear]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"in_features": 0}, ValueError, r"in_features must be an int >= 1, got 0"),
        ({"dim": 2.0}, TypeError, r"dim must be an int, got float"),
        ({"hidden": 128}, TypeError, r"hidden must be a sequence of layer widths, got int"),
        ({"hidden": (128, 0)}, ValueError, r"hidden\[1\] must be an int >= 1, got 0"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, error, message):
    with pytest.raises(error, match=message):
        EmbeddingMLP(**kwargs)
