"""Per chapter: what nbval compares byte for byte, how many claims the notebook asserts, how many values it glues.

    python tools/notebook_report.py            # a Markdown table over notebooks/*.ipynb
    python tools/notebook_report.py notebooks/regression.ipynb

A code cell is compared byte for byte when it has outputs and is tagged neither
``nbval-ignore-output`` nor ``nbval-skip``. Claims are the ``claim(...)`` calls of
``lossbook.report``; glued values are the outputs that carry myst-nb's "scrapbook" metadata.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CLAIM_CALL = re.compile(r"(?<![\w.])claim\(")
GLUE_REFERENCE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`:]+)")
NOT_COMPARED = {"nbval-ignore-output", "nbval-skip"}


def glued_names(notebook) -> list[str]:
    return [
        output.metadata["scrapbook"]["name"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "scrapbook" in output.get("metadata", {})
    ]


def glue_references(notebook) -> list[str]:
    return [name for cell in notebook.cells if cell.cell_type == "markdown" for name in GLUE_REFERENCE.findall(cell.source)]


def count(path: Path) -> dict[str, int]:
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    with_outputs = [cell for cell in code if cell.get("outputs")]
    compared = [cell for cell in with_outputs if not NOT_COMPARED & set(cell.metadata.get("tags", []))]
    return {
        "code cells": len(code),
        "with outputs": len(with_outputs),
        "compared byte for byte": len(compared),
        "not compared": len(with_outputs) - len(compared),
        "claims asserted": sum(len(CLAIM_CALL.findall(cell.source)) for cell in code),
        "glued values": len(glued_names(notebook)),
        "glue references in prose": len(glue_references(notebook)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    rows = {path.stem: count(path) for path in paths}
    columns = list(next(iter(rows.values())))
    print("| chapter | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(str(row[column]) for column in columns) + " |")
    totals = {column: sum(row[column] for row in rows.values()) for column in columns}
    print("| **all** | " + " | ".join(str(totals[column]) for column in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
