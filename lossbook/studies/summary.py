r"""The chapters' tables from study rows: each arm's mean ± std, and paired differences against a baseline.

Every arm of a case study is trained with the same seeds (the same split, batch order and
initial weights), so the comparison is *paired*: per seed, arm − baseline, summarised by
:func:`lossbook.metrics.summary.paired_comparison` (the mean, the sample std, Student's
t-interval and the seeds on which each side is higher). Here that is done for every
(group, arm, metric) of a results file at once, with the direction of each metric, so a
table can say how many seeds *favour* each loss (lower ECE, higher F1).

The std of :func:`arm_table` is the population std (``ddof=0``), as
:func:`lossbook.metrics.summary.mean_pm_std` and the chapters print it; the interval of
:func:`paired_differences` uses the sample std (``ddof=1``), as a t-interval must.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from lossbook.metrics.summary import paired_comparison

__all__ = ["arm_table", "paired_differences", "as_text"]

_PAIRED_COLUMNS = ["pairs", "mean", "std", "low", "high", "arm better", "baseline better", "ties"]


def _frame(rows, columns: Sequence[str]) -> pd.DataFrame:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"rows must have the columns {list(columns)}; missing {missing}")
    return frame


def _keys(group: str | None, arm: str) -> list[str]:
    return [arm] if group is None else [group, arm]


def arm_table(rows, metrics: Sequence[str], *, group: str | None = None, arm: str = "arm", ddof: int = 0) -> pd.DataFrame:
    """Mean and std over seeds of each metric, one row per (group,) arm, in the order first seen.

    Args:
        rows: run rows (dicts or a DataFrame), one per (arm, seed).
        metrics: the columns to summarise.
        group: a column that splits the comparison (a model, a training-set size); ``None`` for none.
        arm: the column naming the arm.
        ddof: of the std (0, the default: the spread of these seeds, as the chapters print it).

    Returns:
        Columns ``(metric, "mean")``, ``(metric, "std")`` and ``("seeds", "")``.
    """
    if ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 or 1, got {ddof!r}")
    frame = _frame(rows, [*_keys(group, arm), *metrics])
    grouped = frame.groupby(_keys(group, arm), sort=False)
    table = pd.concat({m: grouped[m].agg(mean="mean", std=lambda v: v.std(ddof=ddof)) for m in metrics}, axis=1)
    table[("seeds", "")] = grouped.size()
    return table


def paired_differences(
    rows,
    metrics: Sequence[str],
    *,
    baseline: str,
    lower_is_better: Mapping[str, bool],
    group: str | None = None,
    arm: str = "arm",
    seed: str = "seed",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per (group,) arm and metric: arm − baseline on the seeds both have, its t-interval and the seeds favouring each.

    Returns:
        Index ``(group,) arm, metric``; columns ``pairs``, ``mean``, ``std`` (``ddof=1``),
        ``low`` and ``high`` (the ``confidence`` t-interval of the mean difference),
        ``arm better``, ``baseline better`` and ``ties`` (seeds). With a single pair there is
        no spread: ``std``, ``low`` and ``high`` are NaN, the other columns are filled.
    """
    unknown = [m for m in metrics if m not in lower_is_better]
    if unknown:
        raise ValueError(f"lower_is_better must say for every metric whether lower is better; missing {unknown}")
    frame = _frame(rows, [*_keys(group, arm), seed, *metrics])
    out = []
    groups = [(None, frame)] if group is None else list(frame.groupby(group, sort=False))
    for group_value, part in groups:
        base = part[part[arm] == baseline].set_index(seed)
        if base.empty:
            continue
        if base.index.has_duplicates:
            raise ValueError(f"baseline {baseline!r} has more than one row for a seed in group {group_value!r}")
        for arm_value, arm_rows in part[part[arm] != baseline].groupby(arm, sort=False):
            arm_rows = arm_rows.set_index(seed)
            common = [s for s in arm_rows.index if s in base.index]
            if not common:
                continue
            for metric in metrics:
                a, b = base.loc[common, metric], arm_rows.loc[common, metric]
                if len(common) > 1:
                    result = paired_comparison(a, b, confidence=confidence)
                    mean, std, low, high = result.mean, result.std, result.low, result.high
                    higher, lower, ties = result.b_higher, result.a_higher, result.ties
                else:
                    difference = float(b.iloc[0] - a.iloc[0])
                    mean, std, low, high = difference, math.nan, math.nan, math.nan
                    higher, lower, ties = int(difference > 0), int(difference < 0), int(difference == 0)
                better, worse = (lower, higher) if lower_is_better[metric] else (higher, lower)
                key = {} if group is None else {group: group_value}
                out.append({**key, arm: arm_value, "metric": metric, "pairs": len(common), "mean": mean, "std": std,
                            "low": low, "high": high, "arm better": better, "baseline better": worse, "ties": ties})
    index = [*_keys(group, arm), "metric"]
    if not out:
        return pd.DataFrame(columns=[*index, *_PAIRED_COLUMNS]).set_index(index)
    return pd.DataFrame(out).set_index(index)


def _number(value: float, digits: int) -> str:
    return "—" if math.isnan(value) else f"{value:.{digits}g}"


def as_text(table: pd.DataFrame, *, digits: int = 4) -> pd.DataFrame:
    """Either table as strings: ``"mean ± std"`` per metric, or ``"mean [low, high]"`` and ``"a : b"`` seeds."""
    if isinstance(table.columns, pd.MultiIndex):
        metrics = [m for m in table.columns.get_level_values(0).unique() if m != "seeds"]
        text = pd.DataFrame({m: [f"{_number(a, digits)} ± {_number(b, 2)}" for a, b in
                                 zip(table[(m, "mean")], table[(m, "std")])] for m in metrics}, index=table.index)
        text["seeds"] = table[("seeds", "")].astype(int)
        return text
    interval = [f"{_number(m, digits)} [{_number(lo, 3)}, {_number(hi, 3)}]"
                for m, lo, hi in zip(table["mean"], table["low"], table["high"])]
    favour = [f"{a} : {b}" + (f" ({t} tied)" if t else "") for a, b, t in
              zip(table["arm better"], table["baseline better"], table["ties"])]
    return pd.DataFrame({"arm − baseline [95 % t-interval]": interval, "seeds: arm better : baseline better": favour},
                        index=table.index)
