"""The page "How fast is lossbook?" (book/performance.md) says what the committed results say.

Its prose quotes the benchmark run it includes: how many targets were met, which were missed
and by how much, and the ranges of the comparisons with pytorch-metric-learning. A rerun of
`make bench` that changes them fails here until the page (and its Korean) says the new numbers.
"""

import json
import sys
from pathlib import Path

import pytest

from benchmarks.report import ratio_text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import i18n  # noqa: E402

RESULTS = json.loads((ROOT / "benchmarks" / "results" / "cpu.json").read_text())
ROWS = RESULTS["rows"]
ENGLISH = (ROOT / "book" / "performance.md").read_text()
KOREAN = "\n".join(message.string for message in i18n.read_catalog("book/performance") if message.id)


def ratio_range(case: str, key: str) -> str:
    values = [row[key] for row in ROWS if row["case"] == case]
    assert values, f"no results for {case!r}"
    return f"{min(values):.2f}–{max(values):.2f}×"


def missed() -> list[dict]:
    return [row for row in ROWS if row["time_ratio"] > row["target"]]


@pytest.mark.parametrize("page", ["English", "Korean"])
def test_the_page_says_how_many_targets_the_run_met(page):
    met, total = len(ROWS) - len(missed()), len(ROWS)
    if page == "English":
        wanted = f"All {total} comparisons meet" if met == total else f"{met} of the {total} comparisons meet"
        assert wanted in ENGLISH
    else:
        wanted = f"비교 {total}개가 모두" if met == total else f"비교 {total}개 중 {met}개가"
        assert wanted in KOREAN


@pytest.mark.parametrize("page", ["English", "Korean"])
def test_every_missed_target_is_named_with_its_ratio(page):
    text = ENGLISH if page == "English" else KOREAN
    for row in missed():
        assert f"`{row['case'].split(' (')[0]}`" in text, row["case"]
        assert f"{ratio_text(row['time_ratio'], row['target'])}×" in text, (row["case"], row["batch"])


@pytest.mark.parametrize("page", ["English", "Korean"])
@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("batch-hard mining + triplet", "time_ratio"),
        ("batch-hard mining + triplet", "memory_ratio"),
        ("semi-hard mining + triplet", "time_ratio"),
        ("supervised_contrastive_loss", "time_ratio"),
    ],
)
def test_the_ranges_quoted_for_pytorch_metric_learning_are_the_measured_ones(page, case, key):
    assert ratio_range(case, key) in (ENGLISH if page == "English" else KOREAN)


@pytest.mark.parametrize("page", ["English", "Korean"])
def test_the_step_time_and_the_ratios_from_1024_rows_quoted_for_the_class_index_losses_are_the_measured_ones(page):
    text = ENGLISH if page == "English" else KOREAN
    (step,) = [row for row in ROWS if row["case"] == "cross_entropy" and row["batch"] == 64]
    assert f"{step['time_reference_ms']:.2f} ms" in text
    larger = [row["time_ratio"] for row in ROWS if row["case"] in ("cross_entropy", "nll") and row["batch"] >= 1024]
    assert f"{max(larger):.2f}×" in text


@pytest.mark.parametrize("page", ["English", "Korean"])
def test_the_64_row_ratios_quoted_for_the_class_index_losses_are_the_measured_ones(page):
    text = ENGLISH if page == "English" else KOREAN
    for case in ("cross_entropy", "nll"):
        (row,) = [row for row in ROWS if row["case"] == case and row["batch"] == 64]
        assert f"`{case}` {ratio_text(row['time_ratio'], row['target'])}×" in text, case
