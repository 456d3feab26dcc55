"""Run every benchmark case and write the results file and its plot.

    python -m benchmarks.run                  # full run: all sizes, enough repeats for stable medians
    python -m benchmarks.run --smoke          # a few repeats of the smallest size (what `make test` runs)

Results go to ``benchmarks/results/<device>.json`` (with hardware, versions and date),
with a Markdown table (``.md``) and a figure (``.png``) beside it, which the book's
"How fast is lossbook" page (``book/performance.md``) includes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

import torch

from benchmarks.cases import CASES
from benchmarks.measure import compare
from benchmarks.plot import plot_results
from benchmarks.report import markdown_table

RESULTS = Path(__file__).resolve().parent / "results"


def hardware(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    model = platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        model = names[0] if names else model
    threads = torch.get_num_threads()
    return f"{model}, {os.cpu_count()} CPU cores, {threads} torch thread{'s' if threads > 1 else ''}"


def versions() -> dict[str, str]:
    import importlib.metadata as metadata

    names = ["torch", "numpy", "pytorch-metric-learning", "torchmetrics"]
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def run(*, smoke: bool, device: torch.device, repeats: int, seconds: float, only: str | None = None) -> dict:
    rows = []
    for case in CASES:
        if only and only not in case.name:
            continue
        sizes = dict(list(case.sizes.items())[:1]) if smoke else case.sizes
        for size_name, batch in sizes.items():
            generator = torch.Generator().manual_seed(0)
            inputs, ours, reference = case.build(batch, generator, device)
            row = compare(ours, reference, inputs, repeats=repeats, seconds=seconds)
            row.update(case=case.name, reference=case.reference, size=size_name, batch=batch, target=case.target)
            rows.append(row)
            print(
                f"{case.name:>28} {size_name:>6} B={batch:<6} time ×{row['time_ratio']:.2f}  "
                f"memory ×{row['memory_ratio']:.2f}  (vs {case.reference})",
                flush=True,
            )
    return {
        "device": device.type,
        "hardware": hardware(device),
        "versions": versions(),
        "date": datetime.date.today().isoformat(),
        "repeats": repeats,
        "seconds": seconds,
        "smoke": smoke,
        "rows": rows,
    }


# glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def steady_allocator() -> bool:
    """Fix glibc's allocation thresholds so that every run reuses memory instead of asking the system again.

    By default glibc moves its threshold for serving a block from fresh pages (mmap) each
    time such a block is freed, and gives memory at the top of the heap back when enough is
    free. Which of two alternating implementations then pays for fresh, zeroed pages depends
    on what ran before: at 16,384 rows (16 MB tensors) the same comparison read 0.90x in one
    run and 1.22x in the next. With the thresholds fixed (blocks up to 32 MB, glibc's largest
    threshold, from the heap; nothing given back), both sides run on warm memory, as a
    training loop does after its first steps. Returns whether it applied (glibc only).
    """
    import ctypes
    import ctypes.util

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**30))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="smallest size, few repeats; checks that it runs")
    parser.add_argument("--repeats", type=int, default=None, help="fewest runs of each implementation per case")
    parser.add_argument(
        "--seconds", type=float, default=None, help="keep running a case (up to 4001 runs each) until it has taken this long"
    )
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--out", type=Path, default=None, help="results file (default: benchmarks/results/<device>.json)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 keeps timings steady)")
    args = parser.parse_args()

    steady = steady_allocator()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    device = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    repeats = args.repeats or (3 if args.smoke else 31)
    seconds = args.seconds if args.seconds is not None else (0.0 if args.smoke else 2.0)
    results = run(smoke=args.smoke, device=device, repeats=repeats, seconds=seconds, only=args.only)
    results["steady_allocator"] = steady
    out = args.out or RESULTS / f"{device.type}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown_table(results))
    plot_results(results, out.with_suffix(".png"))
    print(f"wrote {out} and its table (.md) and figure (.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
