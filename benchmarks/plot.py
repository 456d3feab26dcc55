"""The benchmark figure: time and memory ratios per case, one marker per batch size."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

MARKERS = {"small": "o", "medium": "s", "large": "D", "xlarge": "^"}


def plot_results(results: dict, path: Path) -> None:
    rows = results["rows"]
    cases = list(dict.fromkeys(row["case"] for row in rows))
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.38 * len(cases) + 1.8), sharey=True)
    for ax, key, title in zip(axes, ["time_ratio", "memory_ratio"], ["forward+backward time", "peak tensor memory"]):
        for size, marker in MARKERS.items():
            points = [(row[key], cases.index(row["case"])) for row in rows if row["size"] == size]
            if points:
                ax.scatter(*zip(*points), marker=marker, label=size, alpha=0.8)
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.axvline(1.1, color="tab:red", linewidth=0.8, linestyle="--", label="1.1× target")
        ax.set_xscale("log")
        ax.set_title(f"{title}: lossbook / reference")
        ax.set_xlabel("ratio (×, log scale; < 1 means lossbook is cheaper)")
    axes[0].set_yticks(range(len(cases)), cases)
    axes[0].invert_yaxis()
    axes[0].set_ylabel("loss")
    axes[1].legend(title="batch size", loc="upper left", fontsize="small")
    fig.suptitle(f"lossbook vs reference on {results['hardware']} ({results['date']})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
