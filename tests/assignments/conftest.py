"""Build every assignment once per session (into a temporary folder) for the grader tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]


def _load(module_name: str, file_name: str):
    """Import a script from assignments/ under a name that cannot clash (PyPI has a `build`)."""
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "assignments" / file_name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


build = _load("assignments_build", "build.py")
_load("assignments_check", "check.py")
_load("assignments_student_edition", "student_edition.py")
_load("assignments_leak_scan", "leak_scan.py")


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    # The assignment tests use tiny tensors: one thread is fastest, above all on a shared machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The output of `assignments/build.py` for all assignments.

    Otter's own reference run is skipped here (``--no-run-tests``): the tests below grade the
    reference solutions themselves, and `make assignments` runs Otter's check.
    """
    out = tmp_path_factory.mktemp("assignments")
    for name in build.ASSIGNMENTS:
        build.build(name, out, run_tests=False)
    return out
