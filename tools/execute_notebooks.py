"""Run notebooks top to bottom in a fresh kernel and store their outputs in place.

    python tools/execute_notebooks.py notebooks/regression.ipynb

The committed outputs are what the site shows and what nbval compares against, so
re-run a notebook with this after every change to it (or to the code it imports).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, timeout: int, *, write: bool = True) -> float:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    if write:
        nbformat.write(notebook, path)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument(
        "--check-only", action="store_true", help="run top to bottom and report, but leave the stored outputs alone"
    )
    args = parser.parse_args()
    failed = []
    for path in args.notebooks:
        try:
            elapsed = execute(path, args.timeout, write=not args.check_only)
        except Exception as error:  # a failing cell: report it and go on with the next chapter
            if not args.check_only:
                raise
            failed.append(path)
            print(f"{path}: FAILED: {type(error).__name__}: {str(error).strip().splitlines()[-1][:300]}", flush=True)
            continue
        print(f"{path}: {elapsed:.1f} s", flush=True)
    if failed:
        print(f"{len(failed)} of {len(args.notebooks)} notebooks failed: {', '.join(path.stem for path in failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
