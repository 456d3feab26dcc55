"""Generate the student notebooks and autograder bundles of every assignment.

Each assignment is written once, as a jupytext ``py:percent`` file in this folder
(``regression.py``, ``classification.py``, …) in Otter Assign's notebook format: questions,
reference solutions and tests inline. This script turns each one into

    <out>/<name>/student/<name>.ipynb            the notebook students fill in (no solutions,
                                                 public tests only, Colab install cell first)
    <out>/<name>/autograder/<name>.ipynb         the reference notebook (with solutions)
    <out>/<name>/autograder/<name>-autograder.zip  the autograder bundle (all tests, hidden too)

    python assignments/build.py                      # every assignment into _build/assignments
    python assignments/build.py --out DIR regression  # one assignment, elsewhere
    python assignments/build.py --no-run-tests        # skip Otter's own reference-solution run

By default Otter Assign runs the tests against the reference solutions and fails (exit
status 1, "Some autograder tests failed") if one does not score full marks.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tools"))
from setup_cell import repository_url, setup_cell_source  # noqa: E402

ASSIGNMENTS = ("regression", "classification", "distance", "nlp", "optimization")
OTTER_VERSION = "7.0.0"
SETUP_TAG = "assignment-setup"


def student_setup_source(name: str, url: str) -> str:
    """The book's Colab install cell, plus otter-grader and a local copy of the notebook.

    Otter reads the public tests from the notebook file's metadata. On Colab the notebook
    lives in Drive, not in the working directory, so the cell saves a copy there.
    """
    return setup_cell_source(url) + (
        "\n"
        f'    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "otter-grader=={OTTER_VERSION}"], check=True)\n'
        "    # Otter reads the tests from this notebook's file: save a copy where it looks for it.\n"
        "    import json\n"
        "    import os\n"
        "\n"
        "    from google.colab import _message\n"
        "\n"
        '    os.makedirs("tests", exist_ok=True)\n'
        f'    with open("{name}.ipynb", "w") as file:\n'
        '        json.dump(_message.blocking_request("get_ipynb")["ipynb"], file)'
    )


def source_notebook(name: str) -> nbformat.NotebookNode:
    return jupytext.read(HERE / f"{name}.py", fmt="py:percent")


def build(name: str, out: Path, *, run_tests: bool = True) -> Path:
    """Build one assignment into ``out/<name>``; return that folder."""
    target = out / name
    if target.exists():
        shutil.rmtree(target)
    work = target / "source"
    work.mkdir(parents=True)
    shutil.copy(HERE / "requirements.txt", work / "requirements.txt")
    notebook = source_notebook(name)
    nbformat.write(notebook, work / f"{name}.ipynb")
    command = ["otter", "assign", f"{name}.ipynb", str((target / "dist").resolve())]
    if not run_tests:
        command.append("--no-run-tests")
    otter = Path(sys.executable).with_name("otter")
    command[0] = str(otter) if otter.exists() else "otter"
    result = subprocess.run(command, cwd=work, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"otter assign failed for {name}:\n{result.stdout}\n{result.stderr}")

    dist = target / "dist"
    (dist / "source").mkdir()
    shutil.move(str(work), str(dist / "source"))
    zips = sorted((dist / "autograder").glob(f"{name}-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one autograder zip for {name}, found {[z.name for z in zips]}")
    zips[0].rename(dist / "autograder" / f"{name}-autograder.zip")
    for part in ("student", "autograder"):
        shutil.move(str(dist / part), str(target / part))
    shutil.rmtree(dist)

    student_path = target / "student" / f"{name}.ipynb"
    student = nbformat.read(student_path, as_version=4)
    setup = nbformat.v4.new_code_cell(student_setup_source(name, repository_url()), metadata={"tags": [SETUP_TAG]})
    student.cells.insert(0, setup)
    nbformat.write(student, student_path)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(ASSIGNMENTS)} (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "assignments")
    parser.add_argument("--no-run-tests", action="store_true", help="skip Otter's check of the reference solutions")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(ASSIGNMENTS))
    if unknown:
        parser.error(f"unknown assignment(s) {unknown}: expected any of {list(ASSIGNMENTS)}")
    for name in args.names or ASSIGNMENTS:
        target = build(name, args.out, run_tests=not args.no_run_tests)
        print(f"{name}: {target / 'student' / (name + '.ipynb')}  {target / 'autograder' / (name + '-autograder.zip')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
