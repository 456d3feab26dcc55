r"""Handwritten digits available offline, and a seeded stratified train/test split.

:func:`load_digits` reads scikit-learn's 1,797 digits, 8 × 8 pixels with 17 grey levels
(the UCI "optical recognition of handwritten digits" test set), from
``sklearn/datasets/data/digits.csv.gz``, which ships inside scikit-learn, so nothing is
downloaded.

The loader parses the file it reads and refuses it when the sha256 of its values (integer
pixels and labels, :func:`lossbook.data._checksum.values_sha256`) differs from the one
recorded here — the values, not the file's bytes, which a gzip header or another release of
the package may change — then returns pixels scaled to :math:`[0, 1]` and integer labels.
:func:`stratified_split` holds out the same share of every class, reproducibly from a seed.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np
import torch

from lossbook._validate import check_fraction, check_int
from lossbook.data._checksum import check_values_sha256

__all__ = ["Digits", "DigitsSplit", "load_digits", "stratified_split"]

# values_sha256(..., decimals=0) of the integer pixels and of the labels.
DIGITS_SHA256 = {
    "pixels": "bbcfabe47aa467386cb7ab171bb61cc3e8ede09c2f3ac274a99432c9526786c5",
    "labels": "78d61ddd299b5bdc494cb083924e8fe12ea899d3266eb113631acaa440636803",
}


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


def _parse_csv(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Rows of comma-separated pixel values with the label in the last column."""
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def _read_checked(package: str, relative_path: str, expected: dict[str, str], name: str) -> tuple[np.ndarray, np.ndarray]:
    """Pixels and labels of a data file inside an installed package, after checking their values' sha256."""
    pixels, labels = _parse_csv(resources.files(package).joinpath(relative_path).read_bytes())
    for part, values in (("pixels", pixels), ("labels", labels)):
        check_values_sha256(values, expected[part], decimals=0, name=f"{name} {part}")
    return pixels, labels


def load_digits(*, dtype: torch.dtype = torch.float32) -> Digits:
    """scikit-learn's 1,797 handwritten digits, 8 × 8 pixels, scaled from 0–16 to [0, 1].

    Args:
        dtype: floating-point dtype of the images (default ``torch.float32``).

    Returns:
        :class:`Digits` with ``images`` (1797, 8, 8) and ``labels`` (1797,).

    Raises:
        TypeError: ``dtype`` is not a floating-point torch dtype.
        ValueError: the bundled values do not have the recorded sha256.

    The same values as ``sklearn.datasets.load_digits()`` (``images / 16``).

    Example:
        >>> digits = load_digits()
        >>> tuple(digits.images.shape), digits.labels[:5].tolist(), digits.images.max().item()
        ((1797, 8, 8), [0, 1, 2, 3, 4], 1.0)
    """
    dtype = _check_dtype(dtype)
    pixels, labels = _read_checked("sklearn.datasets", "data/digits.csv.gz", DIGITS_SHA256, "digits.csv.gz")
    images = torch.as_tensor(pixels / 16.0, dtype=dtype).reshape(-1, 8, 8)
    return Digits(images=images, labels=torch.as_tensor(labels), source="sklearn digits (8x8)")


def stratified_split(data: Digits, *, test_fraction: float = 0.25, seed: int = 0) -> DigitsSplit:
    """Hold out ``round(test_fraction * n_c)`` images of every class ``c``, chosen with ``seed``.

    Each class is shuffled on its own, so class shares are the same in both parts (to
    rounding) — a retrieval metric on the test part then weighs every class as the
    whole data set does. Within each part, rows are in a seeded random order.

    Args:
        data: the output of :func:`load_digits`.
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
        raise TypeError(f"data must be Digits (from load_digits), got {type(data).__name__}")
    test_fraction = check_fraction("test_fraction", test_fraction)
    seed = check_int("seed", seed, minimum=0)
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
