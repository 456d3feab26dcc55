r"""Summaries over seeds: one number with its spread, and a paired comparison of two losses.

Every case study trains each loss with several seeds. Two things are reported:

* :func:`mean_pm_std` — ``"mean ± std"`` of one score over the seeds, the form of the tables
  in the classification, softmax-pitfall, focal-calibration, dice-loss, translation and SCL
  chapters (the population std, ``ddof=0``, as those chapters print it);
* :func:`paired_comparison` — two losses trained with the **same** seeds, compared seed by
  seed. With :math:`d_s = b_s - a_s` the difference on seed :math:`s` of :math:`n` seeds,

  .. math::

      \bar d = \frac1n \sum_s d_s,\qquad
      s_d = \sqrt{\frac{1}{n-1}\sum_s (d_s - \bar d)^2},\qquad
      \bar d \pm t_{1-\alpha/2,\;n-1}\,\frac{s_d}{\sqrt n}

  is the paired :math:`t` interval (Student, 1908) at confidence :math:`1 - \alpha`, and the
  counts of seeds on which each arm is higher say whether a mean gain comes from one seed
  (the translation chapter's "most of that gain comes from one seed").

Pairing removes what a seed does to both arms alike (the split, the initial weights), so a
paired interval is narrower than one from two independent groups. With five seeds the
interval is wide: :math:`t_{0.975,4} = 2.776`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lossbook._validate import check_real

__all__ = ["mean_pm_std", "t_quantile", "PairedComparison", "paired_comparison"]


def _scores(name: str, values: object) -> np.ndarray:
    if isinstance(values, (str, bytes)) or values is None or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a sequence, array or Series of numbers, got {type(values).__name__}")
    array = np.asarray(values)
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one score per seed), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers, got {values!r}")
    return array


def mean_pm_std(values) -> str:
    """``"mean ± std"`` of a score over seeds: the mean to 4 significant digits, the population std to 2.

    The helper the chapters' tables use with ``DataFrame.groupby(...).agg(mean_pm_std)``;
    the std has ``ddof=0`` (the spread of these seeds, not an estimate for others).

    Example:
        >>> mean_pm_std([0.81, 0.83, 0.85])
        '0.83 ± 0.016'
    """
    array = _scores("values", values)
    return f"{array.mean():.4g} ± {array.std(ddof=0):.2g}"


def t_quantile(probability: float, df: int | float) -> float:
    r"""The quantile :math:`t_{p,\nu}` of Student's t distribution (``scipy.stats.t.ppf``).

    scipy ships with scikit-learn, a dependency of the package.

    Example:
        >>> round(t_quantile(0.975, 4), 4)
        2.7764
    """
    probability = check_real("probability", probability, minimum=0.0, maximum=1.0, inclusive=False)
    df = check_real("df", df, minimum=0.0, inclusive=False)
    from scipy.stats import t

    return float(t.ppf(probability, df))


@dataclass(frozen=True)
class PairedComparison:
    """Arm ``b`` minus arm ``a``, seed by seed: see :func:`paired_comparison`.

    Attributes:
        differences: :math:`d_s = b_s - a_s`, one per seed, in the seeds' order.
        mean: :math:`\\bar d`.
        std: :math:`s_d`, the sample std (``ddof=1``) the interval uses.
        low, high: the paired :math:`t` interval at ``confidence``.
        confidence: e.g. 0.95.
        b_higher, a_higher, ties: seeds on which ``b`` is higher, lower, equal.
    """

    differences: np.ndarray
    mean: float
    std: float
    low: float
    high: float
    confidence: float
    b_higher: int
    a_higher: int
    ties: int

    @property
    def seeds(self) -> int:
        return len(self.differences)

    @property
    def excludes_zero(self) -> bool:
        """The interval lies on one side of 0: the seeds establish the sign of the difference."""
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return (
            f"{self.mean:+.4g} ({self.confidence:.0%} CI {self.low:+.3g} to {self.high:+.3g}); "
            f"higher in {self.b_higher} of {self.seeds} seeds, lower in {self.a_higher}"
        )


def paired_comparison(a, b, *, confidence: float = 0.95) -> PairedComparison:
    r"""Compare two arms trained with the same seeds: the paired differences ``b - a``, their t interval, the counts.

    Args:
        a, b: one score per seed for each arm (lists, arrays or pandas Series), the same
            seeds in the same order. Two Series are aligned on their index (the seeds)
            and must hold the same seeds.
        confidence: of the :math:`t` interval, in (0, 1).

    Raises:
        TypeError: an argument is not a sequence of real numbers.
        ValueError: the arms differ in length or seeds, hold non-finite values, or there
            are fewer than 2 seeds (no spread, so no interval).

    Example:
        >>> result = paired_comparison([0.80, 0.82, 0.81], [0.83, 0.84, 0.81])
        >>> round(result.mean, 4), (result.b_higher, result.a_higher, result.ties)
        (0.0167, (2, 0, 1))
        >>> str(result)
        '+0.01667 (95% CI -0.0213 to +0.0546); higher in 2 of 3 seeds, lower in 0'
    """
    import pandas as pd

    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        if set(a.index) != set(b.index) or len(a) != len(b):
            raise ValueError(f"a and b must hold the same seeds: got {list(a.index)} and {list(b.index)}")
        b = b.reindex(a.index)
    first, second = _scores("a", a), _scores("b", b)
    if len(first) != len(second):
        raise ValueError(f"b must have one score per seed of a: expected {len(first)}, got {len(second)}")
    if len(first) < 2:
        raise ValueError(f"a paired comparison needs at least 2 seeds, got {len(first)}")
    confidence = check_real("confidence", confidence, minimum=0.0, maximum=1.0, inclusive=False)
    differences = second - first
    n = len(differences)
    mean = float(differences.mean())
    std = float(differences.std(ddof=1))
    half_width = t_quantile((1 + confidence) / 2, n - 1) * std / math.sqrt(n)
    return PairedComparison(
        differences=differences,
        mean=mean,
        std=std,
        low=mean - half_width,
        high=mean + half_width,
        confidence=confidence,
        b_higher=int((differences > 0).sum()),
        a_higher=int((differences < 0).sum()),
        ties=int((differences == 0).sum()),
    )
