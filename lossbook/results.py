r"""Full-size results of a case study, kept next to the package so a chapter can show them.

A case-study notebook runs at a *smoke* size on a CPU (what the committed outputs and
nbval check) and at the *full* size on a GPU. A full run cannot be redone on every
build, so it saves its tables once with :func:`save_full_results`, as a small JSON
file with what is needed to judge and repeat it: the hardware, the package versions,
the date, the run configuration. The chapter then shows the file with
:func:`load_full_results` beside its own smoke-size numbers.

Files live in ``lossbook/full_results/<chapter>.json`` (package data, so a Colab
install has them too), or in the folder named by ``LOSSBOOK_RESULTS_DIR``.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import json
import os
import platform
import re
from pathlib import Path

import torch

__all__ = ["RESULTS_DIR_VARIABLE", "results_dir", "environment", "save_full_results", "load_full_results"]

RESULTS_DIR_VARIABLE = "LOSSBOOK_RESULTS_DIR"
_NAME = re.compile(r"^[a-z0-9_]+$")
_PACKAGES = ("torch", "transformers", "numpy", "lossbook")


def results_dir() -> Path:
    """Where full-size results are read and written."""
    override = os.environ.get(RESULTS_DIR_VARIABLE)
    return Path(override) if override else Path(__file__).resolve().parent / "full_results"


def _check_chapter(chapter: object) -> str:
    if not isinstance(chapter, str) or not _NAME.match(chapter):
        raise ValueError(f"chapter must be a lower-case name of letters, digits and '_', got {chapter!r}")
    return chapter


def environment(device: torch.device) -> dict:
    """Hardware and versions of this run: the device name, CPU count, Python and package versions."""
    hardware = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine()
    versions = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {"device": device.type, "hardware": hardware, "cpu_count": os.cpu_count(), "versions": versions}


def save_full_results(chapter: str, tables: dict, *, config: dict, device: torch.device) -> Path:
    """Write ``tables`` (name → list of row dicts, e.g. ``DataFrame.to_dict("records")``) with their context.

    Returns:
        The path of the JSON file written.
    """
    chapter = _check_chapter(chapter)
    if not isinstance(tables, dict) or not all(isinstance(rows, list) for rows in tables.values()):
        raise TypeError("tables must be a dict of table name -> list of row dicts")
    record = {
        "chapter": chapter,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d"),
        "environment": environment(device),
        "config": config,
        "tables": tables,
    }
    directory = results_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{chapter}.json"
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False, default=float) + "\n", encoding="utf-8")
    return path


def load_full_results(chapter: str) -> dict | None:
    """The saved record of a chapter's full-size run, or ``None`` when there is none yet."""
    path = results_dir() / f"{_check_chapter(chapter)}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
