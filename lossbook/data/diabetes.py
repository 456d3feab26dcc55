r"""The diabetes data set bundled with scikit-learn, a seeded split, and seeded outliers.

442 patients, 10 baseline measurements (age, sex, body-mass index, blood pressure and
six blood serum values ``s1``–``s6``) and one target: a quantitative measure of disease
progression one year later (25–346). Efron et al. (2004), *Least Angle Regression*.

The data ship inside scikit-learn, so nothing is downloaded. ``load_diabetes`` reads
the *unscaled* values (original units) and checks a sha256 of their values, at the data's own
precision (4 decimals), before returning them: scikit-learn releases write the same values
differently (``4.803999999999999`` before 1.8, ``4.804`` after), and both are accepted.

``inject_outliers`` corrupts a chosen fraction of targets, reproducibly from a seed,
which is how the Regression chapter measures how far each loss lets outliers pull a fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lossbook._validate import check_bool, check_floating, check_fraction, check_int, check_nonempty, check_real
from lossbook.data._checksum import check_values_sha256

__all__ = ["Diabetes", "DiabetesSplit", "load_diabetes", "train_test_split", "inject_outliers"]

# values_sha256 of sklearn's load_diabetes(scaled=False) arrays: features at 4 decimals (the
# file's precision), targets as integers. The same for scikit-learn 1.2 through 1.9.
FEATURES_DECIMALS, TARGET_DECIMALS = 4, 0
FEATURES_SHA256 = "e3ae0065d4eeb553fa681074e2f0e86baf5a4d54769e078a4c59ef6172751a21"
TARGET_SHA256 = "772ee82689981c8150d461856c8b19cece686ef0f9397a51c9a55407f16073b2"
FEATURE_NAMES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")


@dataclass(frozen=True)
class Diabetes:
    """The whole data set: ``features`` of shape (442, 10) and ``target`` of shape (442,)."""

    features: torch.Tensor
    target: torch.Tensor
    feature_names: tuple[str, ...]

    def column(self, name: str) -> torch.Tensor:
        """One feature by name, shape (442,), e.g. ``data.column("bmi")``."""
        if name not in self.feature_names:
            raise ValueError(f"name must be one of {self.feature_names}, got {name!r}")
        return self.features[:, self.feature_names.index(name)]


@dataclass(frozen=True)
class DiabetesSplit:
    """A train/test split; features standardized with the *training* mean and std."""

    train_features: torch.Tensor
    train_target: torch.Tensor
    test_features: torch.Tensor
    test_target: torch.Tensor
    feature_mean: torch.Tensor
    feature_std: torch.Tensor


def load_diabetes(*, dtype: torch.dtype = torch.float32) -> Diabetes:
    """Load the 442 × 10 diabetes data in original units, after checking the sha256 of their values.

    Args:
        dtype: floating-point dtype of the returned tensors (default ``torch.float32``).

    Returns:
        A :class:`Diabetes` with ``features`` (442, 10), ``target`` (442,) and the
        ``feature_names``.

    Raises:
        TypeError: ``dtype`` is not a floating-point torch dtype.
        ValueError: the bundled values differ from the expected ones (their checksum at 4
            decimals, and integer targets, does not match).

    Example:
        >>> data = load_diabetes()
        >>> tuple(data.features.shape), tuple(data.target.shape), data.feature_names[2]
        ((442, 10), (442,), 'bmi')
    """
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point torch.dtype, got {dtype!r}")
    from sklearn.datasets import load_diabetes as sklearn_load_diabetes

    bunch = sklearn_load_diabetes(scaled=False)
    check_diabetes_values(bunch.data, bunch.target)
    return Diabetes(
        features=torch.as_tensor(bunch.data, dtype=dtype),
        target=torch.as_tensor(bunch.target, dtype=dtype),
        feature_names=FEATURE_NAMES,
    )


def check_diabetes_values(features: np.ndarray, target: np.ndarray) -> None:
    """Refuse arrays that are not the diabetes data (values compared at the data's precision)."""
    for name, array, decimals, expected in (
        ("features", features, FEATURES_DECIMALS, FEATURES_SHA256),
        ("target", target, TARGET_DECIMALS, TARGET_SHA256),
    ):
        check_values_sha256(array, expected, decimals=decimals, name=f"diabetes {name}")


def train_test_split(data: Diabetes, *, test_fraction: float = 0.25, seed: int = 0) -> DiabetesSplit:
    """Shuffle with ``seed``, hold out ``test_fraction`` of the rows, standardize features.

    Feature means and standard deviations come from the training rows only, so
    nothing about the test rows leaks into training. Targets stay in original units.

    Args:
        data: the output of :func:`load_diabetes`.
        test_fraction: share of rows held out, strictly between 0 and 1 (default 0.25).
        seed: non-negative int; the same seed gives the same split.

    Example:
        >>> split = train_test_split(load_diabetes(), test_fraction=0.25, seed=0)
        >>> tuple(split.train_features.shape), tuple(split.test_features.shape)
        ((332, 10), (110, 10))
    """
    if not isinstance(data, Diabetes):
        raise TypeError(f"data must be a Diabetes (from load_diabetes), got {type(data).__name__}")
    test_fraction = check_fraction("test_fraction", test_fraction)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    rows = len(data.target)
    order = torch.randperm(rows, generator=generator)
    n_test = round(test_fraction * rows)
    if n_test < 1 or n_test > rows - 2:
        raise ValueError(f"test_fraction must leave at least 1 test and 2 training rows, got {test_fraction!r}")
    test, train = order[:n_test], order[n_test:]
    mean = data.features[train].mean(dim=0)
    std = data.features[train].std(dim=0)
    return DiabetesSplit(
        train_features=(data.features[train] - mean) / std,
        train_target=data.target[train],
        test_features=(data.features[test] - mean) / std,
        test_target=data.target[test],
        feature_mean=mean,
        feature_std=std,
    )


def inject_outliers(
    target: torch.Tensor, *, fraction: float, seed: int, scale: float = 5.0, two_sided: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Return a copy of ``target`` with a seeded ``fraction`` of entries turned into outliers.

    ``round(fraction * n)`` entries, chosen uniformly without replacement, are shifted by
    ``scale`` standard deviations of ``target``:

    .. math:: y_i \leftarrow y_i + s_i \cdot \text{scale} \cdot \operatorname{std}(y), \qquad
              s_i = +1 \text{ (or a random sign when two\_sided)}

    A one-sided shift models a systematic gross error (a unit mix-up, a stuck sensor);
    it pulls a mean-based fit in one direction, which is what makes the damage visible.

    Args:
        target: 1-D floating-point tensor of clean targets, not constant.
        fraction: share of entries to corrupt, in ``[0, 1]``.
        seed: non-negative int; the same seed corrupts the same entries the same way.
        scale: size of the shift in standard deviations of ``target``, ``> 0`` (default 5).
        two_sided: shift up or down at random instead of always up.

    Returns:
        ``(corrupted, mask)``: the new targets (same shape and dtype) and a boolean mask
        of the corrupted entries. ``target`` itself is not modified.

    Example:
        >>> y = torch.arange(10.0)
        >>> corrupted, mask = inject_outliers(y, fraction=0.2, seed=0, scale=10.0)
        >>> int(mask.sum()), bool(((corrupted - y)[mask] > 0).all()), bool((corrupted[~mask] == y[~mask]).all())
        (2, True, True)
    """
    check_floating("target", target)
    check_nonempty("target", target)
    if target.dim() != 1:
        raise ValueError(f"target must be 1-D, got shape {tuple(target.shape)}")
    fraction = check_fraction("fraction", fraction, inclusive=True)
    scale = check_real("scale", scale, minimum=0.0, inclusive=False)
    check_bool("two_sided", two_sided)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    n = target.numel()
    chosen = torch.randperm(n, generator=generator)[: round(fraction * n)].to(target.device)
    signs = torch.ones(len(chosen), dtype=target.dtype)
    if two_sided:
        signs = torch.randint(0, 2, (len(chosen),), generator=generator).to(target.dtype) * 2 - 1
    signs = signs.to(target.device)
    spread = target.std(unbiased=False)
    if not spread > 0:
        raise ValueError(f"target must not be constant: its std sets the outlier size, got std {spread.item():.4g}")
    shift = scale * spread
    corrupted = target.clone()
    corrupted[chosen] = corrupted[chosen] + signs * shift
    mask = torch.zeros(n, dtype=torch.bool, device=target.device)
    mask[chosen] = True
    return corrupted, mask
