"""Grade assignment notebooks with the autograder's own tests, quickly and in-process.

Otter's ``otter run`` starts a fresh kernel per submission (about 15 s each here). For the
test suite and for a quick look at a submission this module does the same grading in the
current process: it executes the notebook's code cells in a fresh namespace and runs the
bundle's test files (Otter's ``ExceptionTestFile``, the class ``otter run`` uses) against
that namespace. Scores are Otter's scores; only the kernel is skipped.

    python assignments/check.py --bundle regression-autograder.zip SUBMISSION.ipynb ...
    python assignments/check.py --bundle regression-autograder.zip --otter --csv grades.csv submissions/*.ipynb

With ``--otter`` each submission is graded by ``otter run`` instead (a fresh kernel per
submission, Otter's official path, no Docker needed); ``--csv`` writes one row of
per-question scores per submission.

It also holds the helpers the test suite uses to make submissions: ``fill`` copies the
reference answers into a student notebook, ``mutate`` plants one of the wrong answers
listed in ``assignments/wrong/<name>.yml``, and ``sample_submissions`` makes the four
kinds of submission the suite grades: correct, half-right (one part of each question with
parts wrong), wrong (every planted mistake at once) and blank.

    python assignments/check.py --samples _build/assignments   # their scores, per assignment
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import torch
import yaml
from otter.test_files import ExceptionTestFile

HERE = Path(__file__).resolve().parent
SKIPPED_PREFIXES = ("# Initialize Otter", "grader.check", "grader.export")
SETUP_TAG = "assignment-setup"


@dataclass
class QuestionResult:
    name: str
    score: float
    possible: float
    messages: list[str] = field(default_factory=list)

    @property
    def full_marks(self) -> bool:
        return abs(self.score - self.possible) < 1e-9


def bundle_tests(bundle: Path) -> dict[str, str]:
    """The test files in an autograder zip, by question name (hidden tests included)."""
    with zipfile.ZipFile(bundle) as archive:
        return {
            Path(name).stem: archive.read(name).decode()
            for name in sorted(archive.namelist())
            if name.startswith("tests/") and name.endswith(".py")
        }


def is_graded_code(cell: nbformat.NotebookNode) -> bool:
    return (
        cell.cell_type == "code"
        and SETUP_TAG not in cell.metadata.get("tags", [])
        and not cell.source.lstrip().startswith(SKIPPED_PREFIXES)
    )


def execute(notebook: nbformat.NotebookNode) -> tuple[dict, list[str]]:
    """Run the notebook's code cells top to bottom; return the namespace and cell errors.

    A cell that raises is recorded and skipped, as in ``otter run``: later questions are
    still graded.
    """
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"__name__": "__main__"}
    errors = []
    for index, cell in enumerate(notebook.cells):
        if not is_graded_code(cell):
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(cell.source, f"<cell {index}>", "exec"), namespace)
        except Exception as error:  # a student's cell may raise anything
            errors.append(f"cell {index}: {type(error).__name__}: {error}")
    import matplotlib.pyplot as plt

    plt.close("all")
    return namespace, errors


def grade(notebook: nbformat.NotebookNode, bundle: Path) -> dict[str, QuestionResult]:
    """Score a notebook with every test of the bundle (public and hidden)."""
    namespace, _ = execute(notebook)
    results = {}
    for name, source in bundle_tests(bundle).items():
        test_file = ExceptionTestFile.from_string(source, path=f"tests/{name}.py")
        test_file.run(namespace)
        messages = [r.message for r in test_file.test_case_results if not r.passed]
        results[name] = QuestionResult(name, test_file.score, test_file.possible, messages)
    return results


def answer_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The code cells of a generated notebook, setup cell excluded, in order."""
    return [cell for cell in notebook.cells if cell.cell_type == "code" and SETUP_TAG not in cell.metadata.get("tags", [])]


def fill(student: nbformat.NotebookNode, reference: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the student notebook with every code answer taken from the reference notebook."""
    filled = nbformat.from_dict(student)
    mine, theirs = answer_cells(filled), answer_cells(reference)
    if len(mine) != len(theirs):
        raise ValueError(f"student and reference notebooks differ: {len(mine)} vs {len(theirs)} code cells")
    for cell, answer in zip(mine, theirs):
        if "otter_answer_cell" in cell.metadata.get("tags", []):
            cell.source = answer.source
    return filled


def wrong_submissions(name: str) -> list[dict]:
    """The plausible wrong answers for an assignment (``assignments/wrong/<name>.yml``)."""
    return yaml.safe_load((HERE / "wrong" / f"{name}.yml").read_text())


def mutate(notebook: nbformat.NotebookNode, replace: str, with_: str) -> nbformat.NotebookNode:
    """A copy of the notebook with ``replace`` swapped for ``with_`` in the one cell holding it."""
    mutated = nbformat.from_dict(notebook)
    holders = [cell for cell in mutated.cells if cell.cell_type == "code" and replace in cell.source]
    if len(holders) != 1:
        raise ValueError(f"{replace!r} must occur in exactly one code cell, found {len(holders)}")
    holders[0].source = holders[0].source.replace(replace, with_)
    return mutated


def half_right_mistakes(name: str) -> list[dict]:
    """One half-right mistake per question: the first entry marked ``partial`` for each question."""
    chosen: dict[str, dict] = {}
    for wrong in wrong_submissions(name):
        if wrong.get("partial"):
            chosen.setdefault(wrong["question"], wrong)
    return list(chosen.values())


def sample_submissions(name: str, student: nbformat.NotebookNode, reference: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """The correct, half-right, wrong and blank submissions of an assignment."""
    correct = fill(student, reference)
    half = correct
    for wrong in half_right_mistakes(name):
        half = mutate(half, wrong["replace"], wrong["with"])
    all_wrong = correct
    for wrong in wrong_submissions(name):  # every planted mistake that still applies (two may edit one line)
        if sum(wrong["replace"] in cell.source for cell in all_wrong.cells if cell.cell_type == "code") == 1:
            all_wrong = mutate(all_wrong, wrong["replace"], wrong["with"])
    return {"correct": correct, "half-right": half, "wrong": all_wrong, "blank": nbformat.from_dict(student)}


def total(results: dict[str, QuestionResult]) -> tuple[float, float]:
    return sum(r.score for r in results.values()), sum(r.possible for r in results.values())


def report(results: dict[str, QuestionResult]) -> str:
    lines = []
    for result in results.values():
        lines.append(f"{result.name}: {result.score:g} / {result.possible:g}")
        lines.extend("    " + line for message in result.messages for line in message.splitlines())
    total = sum(r.score for r in results.values())
    possible = sum(r.possible for r in results.values())
    lines.append(f"total: {total:g} / {possible:g} (autograded questions only; manual ones are graded by hand)")
    return "\n".join(lines)


def grade_with_otter(submission: Path, bundle: Path) -> dict[str, QuestionResult]:
    """Score a submission with ``otter run`` (fresh kernel) and read back its results.json."""
    otter = Path(sys.executable).with_name("otter")
    with tempfile.TemporaryDirectory() as output:
        subprocess.run(
            [str(otter) if otter.exists() else "otter", "run", "-a", str(bundle), "-o", output, str(submission)],
            check=True, capture_output=True, text=True,
        )
        tests = json.loads((Path(output) / "results.json").read_text())["tests"]
    return {
        test["name"]: QuestionResult(test["name"], test["score"], test["max_score"], [] if test["score"] == test["max_score"] else [test["output"]])
        for test in tests
        if test.get("max_score")
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", nargs="*", type=Path)
    parser.add_argument("--bundle", type=Path, help="the assignment's autograder zip")
    parser.add_argument("--samples", type=Path, metavar="BUILT", help="score the sample submissions of every assignment built into BUILT (`make assignments`)")
    parser.add_argument("--otter", action="store_true", help="grade with `otter run` (one fresh kernel each)")
    parser.add_argument("--csv", type=Path, help="also write the scores, one row per submission")
    args = parser.parse_args()
    torch.set_num_threads(1)  # the tests use small tensors: one thread is fastest, above all on a shared machine
    if args.samples:
        print("| assignment | correct | half-right | wrong | blank |\n|---|---|---|---|---|")
        for folder in sorted(path for path in args.samples.iterdir() if (path / "autograder").is_dir()):
            name = folder.name
            student = nbformat.read(folder / "student" / f"{name}.ipynb", as_version=4)
            reference = nbformat.read(folder / "autograder" / f"{name}.ipynb", as_version=4)
            bundle = folder / "autograder" / f"{name}-autograder.zip"
            scores = [total(grade(notebook, bundle)) for notebook in sample_submissions(name, student, reference).values()]
            print(f"| {name} | " + " | ".join(f"{score:g} / {possible:g}" for score, possible in scores) + " |")
        return 0
    if not (args.bundle and args.submissions):
        parser.error("give --bundle and the submissions to grade (or --samples)")
    rows = []
    for submission in args.submissions:
        if args.otter:
            results = grade_with_otter(submission, args.bundle)
        else:
            results = grade(nbformat.read(submission, as_version=4), args.bundle)
        print(f"== {submission.name}\n{report(results)}")
        rows.append({"submission": submission.name, **{q: r.score for q, r in results.items()},
                     "total": sum(r.score for r in results.values())})
    if args.csv:
        with args.csv.open("w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
