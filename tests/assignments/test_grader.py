"""The autograder, proven both ways.

For every assignment: the reference solutions score full marks, a blank notebook scores
nothing and is told "not answered yet" (never a Python error), each plausible wrong answer in
``assignments/wrong/<name>.yml`` loses marks on its question (only there) with a message that
says what is wrong, a half-right answer keeps the marks of its right parts, the public output
says when hidden tests check more, and neither the student notebook nor the student bundle
holds a solution or a hidden test.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import types
import zipfile
from pathlib import Path

import nbformat
import pytest
from otter.test_files import ExceptionTestFile

import assignments_build as build
import assignments_check as check
import assignments_leak_scan as leak_scan

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = build.ASSIGNMENTS
WRONG = [(name, wrong) for name in ASSIGNMENTS for wrong in check.wrong_submissions(name)]
# Python's own error text: none of it may reach a student who has not answered yet.
PYTHON_ERRORS = re.compile(
    r"Traceback|NoneType|Ellipsis|object has no attribute|not callable|not subscriptable|"
    r"\b(?!Assertion)[A-Z]\w*(?:Error|Exception)\b"
)


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
    if wrong.get("partial"):
        assert target.score > 0, f"{wrong['id']}: a half-right answer to {wrong['question']} gets no partial credit"
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
    assert not [h for h in hidden_names if f"def {h}(" in shown], f"{name}: hidden tests are visible to students"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_notebook_starts_with_the_colab_setup_cell(built, name):
    student, _ = notebooks(built, name)
    first = student.cells[0]
    assert first.metadata.get("tags") == [build.SETUP_TAG]
    assert first.source == build.student_setup_source(name)
    tree = ast.parse(first.source)
    branches = [node for node in tree.body if isinstance(node, ast.If)]
    assert len(branches) == 1 and "google.colab" in ast.unparse(branches[0].test), "install only on Colab"
    assert f"otter-grader=={build.OTTER_VERSION}" in first.source
    assert "github.com" not in first.source, "the student notebook must not point at the repository with the answer key"
    assert student.cells[1].source.startswith("# Initialize Otter"), "Otter's init cell follows the setup cell"


def test_colab_setup_cell_lets_otter_find_the_public_tests(built, tmp_path, monkeypatch):
    """On Colab, Otter reads tests only from tests/*.py: the setup cell must write them there.

    Colab is simulated: a stand-in ``google.colab`` module answers ``get_ipynb`` with the
    student notebook, pip is not run, and Otter is told it runs on Colab.
    """
    import subprocess

    import otter.check.utils as otter_utils

    name = "regression"
    student, reference = notebooks(built, name)
    filled = check.fill(student, reference)
    colab = types.ModuleType("google.colab")
    colab._message = types.SimpleNamespace(blocking_request=lambda request: {"ipynb": json.loads(nbformat.writes(student))})
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: calls.append(command))
    monkeypatch.setattr(otter_utils, "get_ipython", lambda: "<google.colab._shell.Shell object>")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    exec(compile(filled.cells[0].source, "<setup cell>", "exec"), namespace)
    assert calls and f"otter-grader=={build.OTTER_VERSION}" in calls[0]
    assert sorted(path.stem for path in (tmp_path / "tests").glob("*.py")) == sorted(student.metadata["otter"]["tests"])
    for cell in filled.cells[1:]:
        if check.is_graded_code(cell) or cell.source.startswith("# Initialize Otter"):
            exec(compile(cell.source, "<cell>", "exec"), namespace)
    result = namespace["grader"].check("q1", namespace)
    assert result.passed_all, result.summary()
    assert otter_utils.IPythonInterpreter.COLAB.value.running(), "the simulation did not look like Colab to Otter"


def test_otter_run_grades_the_bundle_end_to_end(built, tmp_path):
    """`otter run` (Otter's own grader, a fresh kernel) agrees with the in-process grader, partial credit included."""
    name = "regression"
    wrong = check.wrong_submissions(name)[0]
    assert wrong.get("partial"), "the end-to-end check grades a half-right answer"
    student, reference = notebooks(built, name)
    submission = tmp_path / f"{name}.ipynb"
    nbformat.write(check.mutate(check.fill(student, reference), wrong["replace"], wrong["with"]), submission)
    by_otter = {q: (r.score, r.possible) for q, r in check.grade_with_otter(submission, bundle(built, name)).items()}
    in_process = {q: (r.score, r.possible) for q, r in check.grade(nbformat.read(submission, as_version=4), bundle(built, name)).items()}
    assert by_otter.keys() == in_process.keys()
    for question, (score, possible) in by_otter.items():
        assert (score, possible) == pytest.approx(in_process[question]), f"{question}: otter run and the in-process grader disagree"
    assert 0 < by_otter[wrong["question"]][0] < by_otter[wrong["question"]][1]
    assert all(score == pytest.approx(possible) for q, (score, possible) in by_otter.items() if q != wrong["question"])


def public_tests(student: nbformat.NotebookNode) -> dict[str, str]:
    """The public tests a student runs with grader.check, by question."""
    return dict(student.metadata["otter"]["tests"])


def run_tests(sources: dict[str, str], namespace: dict) -> dict[str, ExceptionTestFile]:
    files = {}
    for question, source in sources.items():
        test_file = ExceptionTestFile.from_string(source, path=f"tests/{question}.py")
        test_file.run(namespace)
        files[question] = test_file
    return files


def bundle_sources(built: Path, name: str) -> dict[str, str]:
    return check.bundle_tests(bundle(built, name))


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_blank_answers_are_told_not_answered_yet(built, name):
    """Every test of a blank notebook, public and hidden, says "not answered yet" and no Python error."""
    student, _ = notebooks(built, name)
    namespace, errors = check.execute(student)
    assert not errors, f"{name}: the blank notebook's cells raise: {errors}"
    for label, sources in (("public", public_tests(student)), ("graded", bundle_sources(built, name))):
        for question, test_file in run_tests(sources, namespace).items():
            feedback = test_file.summary()
            assert test_file.score == 0, f"{name} {question}: a blank answer scores {test_file.score}"
            for result in test_file.test_case_results:
                assert not result.passed
                assert f"AssertionError: {build.NOT_ANSWERED}" in result.message, f"{name} {question} ({label}):\n{result.message}"
            assert not PYTHON_ERRORS.search(feedback), f"{name} {question} ({label}): Python error text:\n{feedback}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_half_right_submission_gets_partial_credit(built, name):
    """One part of each question with parts wrong: each such question keeps the marks of the rest."""
    student, reference = notebooks(built, name)
    mistakes = check.half_right_mistakes(name)
    assert len(mistakes) >= 3, f"{name}: too few half-right answers in assignments/wrong/{name}.yml"
    results = check.grade(check.sample_submissions(name, student, reference)["half-right"], bundle(built, name))
    touched = {q for m in mistakes for q in (m["question"], *m.get("also", []))}
    for mistake in mistakes:
        result = results[mistake["question"]]
        assert 0 < result.score < result.possible, f"{name} {mistake['id']}: {result.score} of {result.possible}"
    for question, result in results.items():
        if question not in touched:
            assert result.full_marks, f"{name} {question}: loses marks it should keep: {result.messages}"
    score, possible = check.total(results)
    assert 0.25 * possible < score < possible


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_feedback_is_well_formed(built, name):
    """Failure messages keep their quotes (Otter strips a leading or trailing one) and end a sentence."""
    student, reference = notebooks(built, name)
    samples = check.sample_submissions(name, student, reference)
    messages = []
    for kind in ("half-right", "wrong", "blank"):
        for result in check.grade(samples[kind], bundle(built, name)).values():
            messages.extend(result.messages)
    assert messages
    for message in messages:
        text = message.split("AssertionError: ", 1)[-1].strip()
        def apostrophe_or_prime(i):  # don't, bin's, sqrt'(0)
            return 0 < i < len(text) - 1 and text[i - 1].isalnum() and (text[i + 1].isalpha() or text[i + 1] == "(")

        stray = [i for i, char in enumerate(text) if char == "'" and not apostrophe_or_prime(i)]
        assert len(stray) % 2 == 0, f"{name}: unbalanced quotes in feedback: {text}"
        assert "AssertionError" in message, f"{name}: a test failed with a Python error, not a message:\n{message}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_public_output_says_when_hidden_tests_check_more(built, name):
    student, reference = notebooks(built, name)
    namespace, _ = check.execute(check.fill(student, reference))
    graded = {q: ExceptionTestFile.from_string(source, path=q) for q, source in bundle_sources(built, name).items()}
    for question, test_file in run_tests(public_tests(student), namespace).items():
        hidden = [case for case in graded[question].test_cases if case.hidden]
        summary = test_file.summary()
        assert "All test cases passed!" in summary, f"{name} {question}: the reference fails a public test"
        if hidden:
            points = sum(case.points for case in hidden)
            assert f"hidden tests worth {points:g} of its" in summary, f"{name} {question}: no word of the hidden tests:\n{summary}"
        else:
            assert "hidden" not in summary


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_points_add_up(built, name):
    graded = {q: ExceptionTestFile.from_string(source, path=q) for q, source in bundle_sources(built, name).items()}
    for question in build.questions(name):
        if question.get("manual"):
            assert question["name"] not in graded
            continue
        assert graded[question["name"]].possible == pytest.approx(question["points"]), (
            f"{name} {question['name']}: its tests are worth {graded[question['name']].possible}, the question {question['points']}"
        )


def test_instructor_guide_states_the_current_points_and_test_counts(built):
    text = (ROOT / "book" / "instructor-guide.md").read_text()
    guide = re.sub(r"[ \t]*\n[ \t]*(?![|\n])", " ", text)  # paragraphs on one line; tables kept
    public = hidden = 0
    for name in ASSIGNMENTS:
        asked = build.questions(name)
        auto = [q for q in asked if not q.get("manual")]
        manual = [q for q in asked if q.get("manual")]
        points = f"{sum(q['points'] for q in auto):g}" + (f" + {sum(q['points'] for q in manual):g}" if manual else "")
        row = re.search(rf"^\| `{name}` \|.*\| (\d+) \| (\d+) \| ([^|]+) \|$", guide, flags=re.M)
        assert row, f"the guide has no row for {name}"
        assert (int(row[1]), int(row[2]), row[3].strip()) == (len(auto), len(manual), points), f"{name}: the guide says {row[0]}"
        for source in bundle_sources(built, name).values():
            for case in ExceptionTestFile.from_string(source).test_cases:
                hidden += case.hidden
                public += not case.hidden
    assert f"{public} public and {hidden} hidden tests" in guide, f"the guide's test counts are stale: {public} public, {hidden} hidden"
    wrong = [entry for name in ASSIGNMENTS for entry in check.wrong_submissions(name)]
    assert f"each of the {len(wrong)} wrong answers" in guide, f"the guide's count of wrong answers is stale: {len(wrong)}"
    assert f"the {sum(1 for entry in wrong if entry.get('partial'))} marked `partial`" in guide, "the guide's count of half-right answers is stale"
    assert "clone" not in text.split("## Distributing", 1)[1].split("## Grading", 1)[0].lower(), "the guide tells students to clone a repository"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_bundle_is_complete_and_holds_no_answer(built, name):
    student, reference = notebooks(built, name)
    zip_path = built / name / f"{name}-student.zip"
    with zipfile.ZipFile(zip_path) as archive:
        members = {member: archive.read(member).decode() for member in archive.namelist()}
    tests = {f"{name}/tests/{q}.py" for q in public_tests(student)}
    assert set(members) == {f"{name}/{name}.ipynb", f"{name}/requirements.txt", f"{name}/README.md"} | tests
    assert nbformat.reads(members[f"{name}/{name}.ipynb"], as_version=4) == student
    for question, source in public_tests(student).items():
        assert members[f"{name}/tests/{question}.py"] == source
    assert f"otter-grader=={build.OTTER_VERSION}" in members[f"{name}/requirements.txt"]
    readme = members[f"{name}/README.md"]
    assert f"{name}.ipynb" in readme and "clone" not in readme.lower() and "github.com" not in readme
    everything = "\n".join(members.values())
    scan = leak_scan.Report()
    for member, text in members.items():
        leak_scan.scan_text(f"{zip_path.name}!{member}", text, scan, leak_scan.fingerprints())
    assert not scan.findings, f"{name}: answer key in the student bundle:\n" + "\n".join(map(str, scan.findings))
    hidden = [
        node.name
        for source in bundle_sources(built, name).values()
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and any(k.arg == "hidden" and getattr(k.value, "value", False) for k in node.decorator_list[0].keywords)
    ]
    assert hidden and not [test for test in hidden if f"def {test}(" in everything], f"{name}: hidden tests in the student bundle"


HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_korean_student_notebook_is_the_english_one_with_korean_questions(built, name):
    student, reference = notebooks(built, name)
    korean = nbformat.read(built / name / "student-ko" / f"{name}.ipynb", as_version=4)
    assert [cell.cell_type for cell in korean.cells] == [cell.cell_type for cell in student.cells]
    for english_cell, korean_cell in zip(student.cells, korean.cells):
        if english_cell.cell_type == "code":
            assert korean_cell.source == english_cell.source
        elif re.search(r"[A-Za-z]{3,}", re.sub(r"\$[^$]*\$|`[^`]*`", "", english_cell.source)):
            assert HANGUL.search(korean_cell.source), f"{name}: untranslated cell {english_cell.source[:80]!r}"
    assert korean.metadata["otter"]["tests"] == student.metadata["otter"]["tests"]
    # The one autograder grades the Korean notebook: full marks with the solutions, none blank.
    results = check.grade(check.fill(korean, reference), bundle(built, name))
    assert results and all(result.full_marks for result in results.values()), {q: r.messages for q, r in results.items()}
    blank = check.grade(korean, bundle(built, name))
    assert not {q: r.score for q, r in blank.items() if r.score > 0}
    with zipfile.ZipFile(built / name / f"{name}-student-ko.zip") as archive:
        assert f"{name}/{name}.ipynb" in archive.namelist()
