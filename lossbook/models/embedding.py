r"""The small embedding network of the metric-learning chapter.

:class:`EmbeddingMLP` maps an input vector (the 64 pixels of an 8 × 8 digit) through two
ReLU layers to a ``dim``-dimensional embedding:

.. math:: e(x) = W_3\,\operatorname{relu}(W_2\,\operatorname{relu}(W_1 x + b_1) + b_2) + b_3 \in \mathbb R^{\text{dim}}.

There is no normalisation at the end: the chapter's losses (contrastive, triplet) work on
Euclidean distances and the size of the embedding is part of what they learn (a collapse
shows as all distances shrinking). It is an :class:`torch.nn.Sequential`, so with the same
``torch.manual_seed`` it starts from exactly the weights of the
``nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, dim))``
the chapter first writes out.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from lossbook._validate import check_int

__all__ = ["EmbeddingMLP"]


class EmbeddingMLP(nn.Sequential):
    """Linear → ReLU → … → Linear: ``in_features`` to ``dim``, through the ``hidden`` widths.

    Args:
        in_features: input width (64 pixels for the digits).
        dim: embedding width (2 to draw it, 16 in the chapter's second setting).
        hidden: widths of the hidden layers, each followed by a ReLU (default ``(128, 64)``).

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> EmbeddingMLP(64, 2)(torch.zeros(5, 64)).shape
        torch.Size([5, 2])
    """

    def __init__(self, in_features: int = 64, dim: int = 2, *, hidden: Sequence[int] = (128, 64)):
        in_features = check_int("in_features", in_features, minimum=1)
        dim = check_int("dim", dim, minimum=1)
        if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
            raise TypeError(f"hidden must be a sequence of layer widths, got {type(hidden).__name__}")
        widths = [in_features, *(check_int(f"hidden[{i}]", w, minimum=1) for i, w in enumerate(hidden))]
        layers: list[nn.Module] = []
        for width_in, width_out in zip(widths, widths[1:]):
            layers += [nn.Linear(width_in, width_out), nn.ReLU()]
        layers.append(nn.Linear(widths[-1], dim))
        super().__init__(*layers)
