"""The autograder, proven both ways.

For every assignment: the reference solutions score full marks, a blank notebook scores
nothing, each plausible wrong answer in ``assignments/wrong/<name>.yml`` loses marks on its
question (only there) with a message that says what is wrong, and the student notebook
holds no solution and no hidden test.
"""

from __future__ import annotations

import ast
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

import assignments_build as build
import assignments_check as check

ASSIGNMENTS = build.ASSIGNMENTS
WRONG = [(name, wrong) for name in ASSIGNMENTS for wrong in check.wrong_submissions(name)]


def notebooks(built: Path, name: str):
    student = nbformat.read(built / name / "student" / f"{name}.ipynb", as_version=4)
    reference = nbformat.read(built / name / "autograder" / f"{name}.ipynb", as_version=4)
    return student, reference


def bundle(built: Path, name: str) -> Path:
    return built / name / "autograder" / f"{name}-autograder.zip"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_reference_solutions_score_full_marks(built, name):
    student, reference = notebooks(built, name)
    results = check.grade(check.fill(student, reference), bundle(built, name))
    assert len(results) >= 4, f"{name}: expected at least 4 autograded questions, found {sorted(results)}"
    lost = {q: r.messages for q, r in results.items() if not r.full_marks}
    assert not lost, f"{name}: the reference solutions lose marks: {lost}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_blank_student_notebook_scores_zero(built, name):
    student, _ = notebooks(built, name)
    results = check.grade(student, bundle(built, name))
    scored = {q: r.score for q, r in results.items() if r.score > 0}
    assert not scored, f"{name}: the unanswered notebook already scores points: {scored}"


@pytest.mark.parametrize("name, wrong", WRONG, ids=[f"{name}-{wrong['id']}" for name, wrong in WRONG])
def test_wrong_submission_loses_marks_with_a_useful_message(built, name, wrong):
    student, reference = notebooks(built, name)
    submission = check.mutate(check.fill(student, reference), wrong["replace"], wrong["with"])
    results = check.grade(submission, bundle(built, name))
    target = results[wrong["question"]]
    assert not target.full_marks, f"{wrong['id']}: {wrong['question']} still scores full marks"
    feedback = "\n".join(target.messages)
    assert wrong["expect"] in feedback, f"{wrong['id']}: the feedback does not say {wrong['expect']!r}:\n{feedback}"
    allowed = {wrong["question"], *wrong.get("also", [])}
    elsewhere = {q: r.score for q, r in results.items() if not r.full_marks and q not in allowed}
    assert not elsewhere, f"{wrong['id']}: marks lost on other questions too: {elsewhere}"


def solution_lines(reference: nbformat.NotebookNode, student: nbformat.NotebookNode) -> set[str]:
    """Lines of the reference answer cells that the student's version of the cell lacks."""
    lines = set()
    for theirs, mine in zip(check.answer_cells(reference), check.answer_cells(student)):
        if "otter_answer_cell" in mine.metadata.get("tags", []):
            kept = set(mine.source.splitlines())
            lines |= {line.strip() for line in theirs.source.splitlines() if line not in kept and len(line.strip()) > 3}
    return lines


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_notebook_holds_no_solution(built, name):
    student, reference = notebooks(built, name)
    secret = solution_lines(reference, student)
    assert len(secret) >= 8, f"{name}: too few solution lines found ({len(secret)}): is the comparison broken?"
    code = "\n".join(cell.source for cell in student.cells if cell.cell_type == "code")
    leaked = sorted(line for line in secret if line in code)
    assert not leaked, f"{name}: solution lines left in the student notebook's code: {leaked}"
    text = json.dumps(student)
    assert "SOLUTION" not in text, f"{name}: a SOLUTION marker is left in the student notebook"
    for cell in reference.cells:  # manually graded answers (markdown) are removed too
        if cell.cell_type == "markdown" and cell.source not in {c.source for c in student.cells}:
            assert cell.source[:80] not in text, f"{name}: a written answer is left in the student notebook"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_hidden_tests_are_only_in_the_bundle(built, name):
    student, _ = notebooks(built, name)
    public = student.metadata["otter"]["tests"]
    with zipfile.ZipFile(bundle(built, name)) as archive:
        graded = {Path(n).stem: archive.read(n).decode() for n in archive.namelist() if n.startswith("tests/")}
    hidden_names = set()
    for source in graded.values():
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef):
                call = node.decorator_list[0]
                if any(k.arg == "hidden" and getattr(k.value, "value", False) for k in call.keywords):
                    hidden_names.add(node.name)
    assert hidden_names, f"{name}: the bundle has no hidden test"
    assert set(public) <= set(graded), f"{name}: public tests without a graded counterpart"
    shown = json.dumps(public)
    assert not [h for h in hidden_names if h in shown], f"{name}: hidden tests are visible to students"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_notebook_starts_with_the_colab_setup_cell(built, name):
    student, _ = notebooks(built, name)
    first = student.cells[0]
    assert first.metadata.get("tags") == [build.SETUP_TAG]
    assert first.source == build.student_setup_source(name, build.repository_url())
    tree = ast.parse(first.source)
    branches = [node for node in tree.body if isinstance(node, ast.If)]
    assert len(branches) == 1 and "google.colab" in ast.unparse(branches[0].test), "install only on Colab"
    assert f"otter-grader=={build.OTTER_VERSION}" in first.source
    assert student.cells[1].source.startswith("# Initialize Otter"), "Otter's init cell follows the setup cell"


def test_otter_run_grades_the_bundle_end_to_end(built, tmp_path):
    """`otter run` (Otter's own grader, a fresh kernel) agrees with the in-process grader."""
    name = "regression"
    wrong = check.wrong_submissions(name)[0]
    student, reference = notebooks(built, name)
    submission = tmp_path / f"{name}.ipynb"
    nbformat.write(check.mutate(check.fill(student, reference), wrong["replace"], wrong["with"]), submission)
    by_otter = {q: (r.score, r.possible) for q, r in check.grade_with_otter(submission, bundle(built, name)).items()}
    in_process = {q: (r.score, r.possible) for q, r in check.grade(nbformat.read(submission, as_version=4), bundle(built, name)).items()}
    assert by_otter.keys() == in_process.keys()
    for question, (score, possible) in by_otter.items():
        assert (score, possible) == pytest.approx(in_process[question]), f"{question}: otter run and the in-process grader disagree"
    assert by_otter[wrong["question"]][0] < by_otter[wrong["question"]][1]
    assert all(score == pytest.approx(possible) for q, (score, possible) in by_otter.items() if q != wrong["question"])
