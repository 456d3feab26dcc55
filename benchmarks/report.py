"""The results table as Markdown, included by the book page ``book/performance.md``."""

from __future__ import annotations


def _bytes(value: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def markdown_table(results: dict) -> str:
    """One row per case and batch size: times, ratios and whether the target is met."""
    versions = ", ".join(f"{name} {version}" for name, version in results["versions"].items())
    lines = [
        f"Measured on {results['hardware']} on {results['date']} ({versions}); "
        f"median of {results['repeats']} interleaved forward+backward runs.",
        "",
        "| loss | reference | batch | lossbook (ms) | reference (ms) | time ratio | memory ratio | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for row in results["rows"]:
        met = "yes" if row["time_ratio"] <= row["target"] else "no"
        lines.append(
            f"| `{row['case']}` | {row['reference']} | {row['batch']} | {row['time_ours_ms']:.3g} | "
            f"{row['time_reference_ms']:.3g} | {row['time_ratio']:.2f}× | {row['memory_ratio']:.2f}× "
            f"({_bytes(row['peak_bytes_ours'])} vs {_bytes(row['peak_bytes_reference'])}) | "
            f"≤ {row['target']:.2f}× | {met} |"
        )
    return "\n".join(lines) + "\n"
