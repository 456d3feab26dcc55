"""Run notebooks top to bottom in a fresh kernel and store their outputs in place.

    python tools/execute_notebooks.py notebooks/regression.ipynb

The committed outputs are what the site shows and what nbval compares against, so
re-run a notebook with this after every change to it (or to the code it imports).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def kernel_for(python: Path) -> str:
    """A kernelspec that runs ``python``'s ipykernel, so this Jupyter client can drive another venv's kernel."""
    directory = Path(tempfile.mkdtemp(prefix="lossbook-kernels-"))
    spec = directory / "kernels" / "lossbook-other-python"
    spec.mkdir(parents=True)
    argv = [str(python.absolute()), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": str(python), "language": "python"}))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(directory), os.environ.get("JUPYTER_PATH")]))
    return spec.name


def execute(path: Path, timeout: int, *, write: bool = True, kernel_name: str = "python3") -> float:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=kernel_name,
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
    # Progress bars are for someone running a chapter; the committed outputs carry none.
    # tqdm reads TQDM_DISABLE in the kernel this starts; nbval runs with the same setting.
    os.environ.setdefault("TQDM_DISABLE", "1")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument(
        "--check-only", action="store_true", help="run top to bottom and report, but leave the stored outputs alone"
    )
    parser.add_argument(
        "--kernel-python",
        type=Path,
        help="run the kernel with this interpreter (another venv's), the Jupyter client staying this one",
    )
    args = parser.parse_args()
    kernel_name = kernel_for(args.kernel_python) if args.kernel_python else "python3"
    failed = []
    for path in args.notebooks:
        try:
            elapsed = execute(path, args.timeout, write=not args.check_only, kernel_name=kernel_name)
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
