"""The results table as Markdown, included by the book page ``book/performance.md``."""

from __future__ import annotations


def markdown_table(results: dict) -> str:
    """One row per case and batch size: times, ratios and whether the target is met.

    Kept to seven short columns so it reads on a laptop screen; the byte counts are in the JSON.
    """
    versions = ", ".join(f"{name} {version}" for name, version in results["versions"].items())
    lines = [
        f"Measured on {results['hardware']} on {results['date']} ({versions}); "
        f"{_runs_text(results)} interleaved forward+backward runs each. Time in ms is the median of "
        "lossbook / reference; time × is the median, over adjacent pairs of runs, of lossbook's time over the "
        "reference's; the peak bytes behind each memory ratio are in the JSON file beside this table.",
        "",
        "| loss | reference | batch | ms | time × | memory × | target |",
        "|---|---|---:|---:|---:|---:|:---|",
    ]
    for row in results["rows"]:
        met = "met" if row["time_ratio"] <= row["target"] else "**missed**"
        lines.append(
            f"| `{row['case']}` | {row['reference']} | {row['batch']} | "
            f"{row['time_ours_ms']:.3g} / {row['time_reference_ms']:.3g} | {ratio_text(row['time_ratio'], row['target'])} | "
            f"{row['memory_ratio']:.2f} | ≤ {row['target']:.2f}: {met} |"
        )
    return "\n".join(lines) + "\n"


def _runs_text(results: dict) -> str:
    runs = [row.get("runs", results["repeats"]) for row in results["rows"]] or [results["repeats"]]
    low, high = min(runs), max(runs)
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


def ratio_text(ratio: float, target: float) -> str:
    """The ratio to two decimals, or three where two would read as the target itself (1.102 as "1.10",
    next to "≤ 1.10: missed")."""
    text = f"{ratio:.2f}"
    return f"{ratio:.3f}" if float(text) == target and ratio != target else text
