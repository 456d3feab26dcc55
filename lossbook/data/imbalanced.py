r"""A real, imbalanced classification data set: long-tailed handwritten digits.

scikit-learn bundles 1,797 handwritten digits (8 × 8 pixels, about 180 per class;
UCI *Optical Recognition of Handwritten Digits*), so no download is needed; they are
read, with their sha256 checked, by :func:`lossbook.data.digits.load_digits`. This
module splits them per class into train / validation / test and then thins the
train and validation parts to a **long tail**: class :math:`c` keeps

.. math:: n_c = \operatorname{round}\!\left(n_{\max}\, r^{-c/(C-1)}\right)

examples (the exponential profile of the long-tailed CIFAR benchmarks; Cui et al.,
2019), so digit 0 is the most frequent class, digit 9 the rarest, and
:math:`n_0 / n_9 \approx r`, the *imbalance ratio*. The test part stays **balanced**,
so per-class recall and macro-F1 on it weigh every digit equally.

Everything is seeded: the same ``seed`` gives the same split on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from lossbook._validate import check_choice, check_fraction, check_int, check_real
from lossbook.data.digits import load_digits

__all__ = [
    "ClassificationSplit",
    "long_tailed_counts",
    "imbalanced_digits",
    "one_vs_rest",
]


@dataclass(frozen=True)
class ClassificationSplit:
    """Features (float32, pixels scaled to [0, 1]) and labels of a train / validation / test split.

    Labels are int64 class indices, or float 0/1 after :func:`one_vs_rest`.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    class_names: tuple[str, ...]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def num_features(self) -> int:
        return self.x_train.shape[1]

    def counts(self, part: str = "train") -> torch.Tensor:
        """Examples per class in ``part`` (``"train"``, ``"val"`` or ``"test"``)."""
        check_choice("part", part, ("train", "val", "test"))
        labels = getattr(self, f"y_{part}").long()
        return torch.bincount(labels, minlength=self.num_classes)

    def __str__(self) -> str:
        train = self.counts("train").tolist()
        return (
            f"train {len(self.y_train)} (per class {train}), val {len(self.y_val)}, test {len(self.y_test)}; "
            f"imbalance ratio {max(train) / max(min(train), 1):.3g}"
        )


def long_tailed_counts(largest: int, num_classes: int, imbalance_ratio: float) -> list[int]:
    r"""Per-class sizes :math:`\operatorname{round}(n_{\max} r^{-c/(C-1)})`, at least 1 each.

    Example:
        >>> long_tailed_counts(100, 5, 10.0)
        [100, 56, 32, 18, 10]
    """
    largest = check_int("largest", largest, minimum=1)
    num_classes = check_int("num_classes", num_classes, minimum=2)
    imbalance_ratio = check_real("imbalance_ratio", imbalance_ratio, minimum=1.0)
    exponents = [c / (num_classes - 1) for c in range(num_classes)]
    return [max(1, round(largest * imbalance_ratio ** (-e))) for e in exponents]


def imbalanced_digits(
    *, imbalance_ratio: float = 10.0, seed: int = 0, test_fraction: float = 0.3, val_fraction: float = 0.2
) -> ClassificationSplit:
    """The digits with a long-tailed train and validation split and a balanced test split.

    Args:
        imbalance_ratio: :math:`r = n_0 / n_9` in the train (and validation) split, ``>= 1``;
            1 keeps the classes balanced.
        seed: which examples land in which split, and which are dropped.
        test_fraction: share of each class held out for the balanced test split.
        val_fraction: share of each class for validation (before thinning).

    Example:
        >>> split = imbalanced_digits(imbalance_ratio=10.0, seed=0)
        >>> split.counts("train").tolist()
        [87, 67, 52, 40, 31, 24, 19, 15, 11, 9]
        >>> split.counts("test").tolist()
        [53, 55, 53, 55, 54, 55, 54, 54, 52, 54]
    """
    seed = check_int("seed", seed, minimum=0)
    test_fraction = check_fraction("test_fraction", test_fraction)
    val_fraction = check_fraction("val_fraction", val_fraction)
    if test_fraction + val_fraction >= 1:
        raise ValueError(
            f"test_fraction + val_fraction must be < 1, got {test_fraction!r} + {val_fraction!r}"
        )
    digits = load_digits()
    pixels, labels = digits.flat.numpy(), digits.labels.numpy()
    classes = np.unique(labels)
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {"train": [], "val": [], "test": []}
    for label in classes:
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = round(len(members) * test_fraction)
        n_val = round(len(members) * val_fraction)
        parts["test"].append(members[:n_test])
        parts["val"].append(members[n_test:n_test + n_val])
        parts["train"].append(members[n_test + n_val:])
    for part in ("train", "val"):
        largest = min(len(members) for members in parts[part])
        sizes = long_tailed_counts(largest, len(classes), imbalance_ratio)
        parts[part] = [members[:size] for members, size in zip(parts[part], sizes)]

    def tensors(part: str) -> tuple[torch.Tensor, torch.Tensor]:
        index = rng.permutation(np.concatenate(parts[part]))
        return torch.from_numpy(pixels[index]), torch.from_numpy(labels[index])

    x_train, y_train = tensors("train")
    x_val, y_val = tensors("val")
    x_test, y_test = tensors("test")
    return ClassificationSplit(
        x_train, y_train, x_val, y_val, x_test, y_test, class_names=tuple(str(c) for c in classes)
    )


def one_vs_rest(split: ClassificationSplit, positive: int) -> ClassificationSplit:
    """A binary version of ``split``: label 1.0 for class ``positive``, 0.0 for every other class.

    On a long-tailed split, choosing the rarest class gives a binary task with few positives.

    Example:
        >>> binary = one_vs_rest(imbalanced_digits(seed=0), positive=9)
        >>> int(binary.y_train.sum()), len(binary.y_train)
        (9, 355)
    """
    if not isinstance(split, ClassificationSplit):
        raise TypeError(f"split must be a ClassificationSplit (from imbalanced_digits), got {type(split).__name__}")
    positive = check_int("positive", positive, minimum=0, maximum=split.num_classes - 1)
    return replace(
        split,
        y_train=(split.y_train == positive).float(),
        y_val=(split.y_val == positive).float(),
        y_test=(split.y_test == positive).float(),
        class_names=(f"not {split.class_names[positive]}", split.class_names[positive]),
    )
