"""Generate the student notebooks and autograder bundles of every assignment.

Each assignment is written once, as a jupytext ``py:percent`` file in this folder
(``regression.py``, ``classification.py``, …) in Otter Assign's notebook format: questions,
reference solutions and tests inline. This script turns each one into

    <out>/<name>/<name>-student.zip              the student bundle: the student/ folder, zipped
    <out>/<name>/student/<name>.ipynb            the notebook students fill in (no solutions,
                                                 public tests only, Colab setup cell first)
    <out>/<name>/student/tests/q*.py             the public tests, for grader.check(...)
    <out>/<name>/student/requirements.txt        what the notebook needs outside Colab
    <out>/<name>/student/README.md               how to open, check and hand in the notebook
    <out>/<name>/autograder/<name>.ipynb         the reference notebook (with solutions)
    <out>/<name>/autograder/<name>-autograder.zip  the autograder bundle (all tests, hidden too)
    <out>/<name>/autograder/otter_config.json    Otter's configuration of that bundle
    <out>/<name>/<name>-student-ko.zip           the Korean student bundle (student-ko/): the same
                                                 notebook with its question text in Korean, from
                                                 the book's catalogue (locale/ko, tools/i18n.py);
                                                 the same tests, graded by the same autograder

Before Otter sees a test, ``prepare`` adds two things to it (so that every test, present and
future, behaves alike): a check that turns a blank answer (the template's ``...``, or a name
that was never defined) into "not answered yet" instead of a Python error, and, on the last
public test of a question with hidden tests, a success message saying what the hidden tests
check and how many points they are worth. Each hidden test says what it checks in its
docstring.

    python assignments/build.py                      # every assignment into _build/assignments
    python assignments/build.py --out DIR regression  # one assignment, elsewhere
    python assignments/build.py --no-run-tests        # skip Otter's own reference-solution run

By default Otter Assign runs the tests against the reference solutions and fails (exit
status 1, "Some autograder tests failed") if one does not score full marks.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jupytext
import nbformat
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ASSIGNMENTS = ("regression", "classification", "distance", "nlp", "optimization")
OTTER_VERSION = "7.0.0"
SETUP_TAG = "assignment-setup"
NOT_ANSWERED = "not answered yet"
# The markdown Otter Assign writes into a student notebook itself (the answer cell of a
# question answered in words, the heading of the final check), in the Korean bundle's Korean.
OTTER_TEXT_KOREAN = {
    "_Type your answer here, replacing this text._": "_이 문장을 지우고 여기에 답을 쓴다._",
    "---\n\nTo double-check your work, the cell below will rerun all of the autograder tests.":
        "---\n\n작업을 한 번 더 확인하려면 아래 셀을 실행한다. 자동 채점기의 테스트를 모두 다시 실행한다.",
}

# Added at the top of every test function (after its docstring); NAMES becomes the test's
# parameters. A blank answer is the template's ``...`` (a value, or a function whose body is
# only ``...``), or None: Otter passes None for a name the notebook never defined.
GUARD = """\
# Added by assignments/build.py: a blank answer gets "not answered yet", not a Python error.
import dis
def not_answered(value):
    if value is None or value is Ellipsis:
        return True
    code = getattr(value, "__code__", None)
    if code is None:
        return False
    steps = {(step.opname, step.argval) for step in dis.get_instructions(code) if step.opname not in ("RESUME", "NOP", "CACHE")}
    return steps <= {("LOAD_CONST", None), ("RETURN_CONST", None), ("RETURN_VALUE", None)}
blank = [name for name, value in NAMES if not_answered(value)]
message = (
    "NOT_ANSWERED: " + " and ".join(blank) + (" is" if len(blank) == 1 else " are")
    + " still the ... of the template (or its cell has not been run). Write your answer in place of the ..., run the cell, then check again."
)
assert not blank, message
"""
BEGIN_CONFIG = re.compile(r'^\s*"""\s*#\s*BEGIN\s+TEST\s+CONFIG', re.IGNORECASE)
END_CONFIG = re.compile(r'^\s*"""\s*#\s*END\s+TEST\s+CONFIG', re.IGNORECASE)


def student_setup_source(name: str) -> str:
    """The first cell of a student notebook: on Colab, install Otter and give it its files.

    The assignments need only torch, numpy and matplotlib, which Colab has. Otter on Colab
    reads the tests only from files in ``tests/`` (never from the notebook's metadata, where
    they travel) and opens the notebook by its file name, but Colab keeps the notebook in
    Drive: so the cell writes both, from the open notebook, into the working directory.
    Elsewhere the cell does nothing: the student bundle has ``tests/`` and a requirements file.
    """
    return (
        "# On Colab, install the grader and save this notebook and its public tests where it looks.\n"
        "# Elsewhere this cell does nothing (see the README that came with the notebook).\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import json\n"
        "    import os\n"
        "    import subprocess\n"
        "\n"
        "    from google.colab import _message\n"
        "\n"
        f'    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "otter-grader=={OTTER_VERSION}"], check=True)\n'
        '    notebook = _message.blocking_request("get_ipynb")["ipynb"]\n'
        f'    with open("{name}.ipynb", "w") as file:\n'
        "        json.dump(notebook, file)\n"
        '    os.makedirs("tests", exist_ok=True)\n'
        '    for question, source in notebook["metadata"]["otter"]["tests"].items():\n'
        '        with open(os.path.join("tests", question + ".py"), "w") as file:\n'
        "            file.write(source)"
    )


def _split_config(source: str) -> tuple[dict, list[str], list[str]]:
    """A test cell's TEST CONFIG (as a dict), its config lines and the lines of its function."""
    lines = source.split("\n")
    if not lines or not BEGIN_CONFIG.match(lines[0]):
        return {}, [], lines
    end = next(i for i, line in enumerate(lines) if END_CONFIG.match(line))
    return yaml.safe_load("\n".join(lines[1:end])) or {}, lines[: end + 1], lines[end + 1 :]


def _with_config(config: dict, function_lines: list[str]) -> str:
    if not config:
        return "\n".join(function_lines)
    block = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=10_000).strip()
    return '""" # BEGIN TEST CONFIG\n' + block + '\n""" # END TEST CONFIG\n' + "\n".join(function_lines)


def _guarded(function_lines: list[str], where: str) -> tuple[str, ast.FunctionDef]:
    """The test function with the blank-answer guard added after its docstring."""
    source = "\n".join(function_lines)
    tree = ast.parse(source)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if len(tree.body) != 1 or len(functions) != 1:
        raise ValueError(f"{where}: a test cell must hold exactly one test function")
    function = functions[0]
    parameters = [argument.arg for argument in function.args.args]
    if not parameters:
        raise ValueError(f"{where}: {function.name} takes no answer to test")
    has_docstring = ast.get_docstring(function) is not None
    first = function.body[1] if has_docstring and len(function.body) > 1 else function.body[0]
    indent = re.match(r"\s*", function_lines[first.lineno - 1]).group(0)
    insert_at = function.body[0].end_lineno if has_docstring else first.lineno - 1
    names = "[" + ", ".join(f"({name!r}, {name})" for name in parameters) + "]"
    guard = GUARD.replace("NAMES", names).replace("NOT_ANSWERED", NOT_ANSWERED)
    guard_lines = [indent + line if line else line for line in guard.rstrip("\n").split("\n")]
    return "\n".join(function_lines[:insert_at] + guard_lines + function_lines[insert_at:]), function


def _resolve_points(total: float, explicit: list) -> list[float]:
    """Each test's points as Otter resolves them: explicit ones as given, the rest share what is left."""
    unset = sum(1 for points in explicit if points is None)
    left = (total - sum(points for points in explicit if points is not None)) / unset if unset else 0.0
    return [left if points is None else float(points) for points in explicit]


def prepare(notebook: nbformat.NotebookNode, name: str = "assignment") -> nbformat.NotebookNode:
    """A copy of the source notebook with every test guarded and every hidden test announced."""
    prepared = nbformat.from_dict(notebook)
    question, in_tests, tests = None, False, []

    def finish():
        if not tests:
            return
        where = f"{name} {question['name']}"
        points = _resolve_points(float(question.get("points", 0)), [config.get("points") for _, config, *_ in tests])
        hidden = [(doc, p) for (_, config, _, doc), p in zip(tests, points) if config.get("hidden")]
        public = [t for t in tests if not t[1].get("hidden")]
        if hidden and public:
            cell, config, function_lines, _ = public[-1]
            docs = [doc for doc, _ in hidden]
            notice = (
                f"{question['name']}: these public tests are not all of the grading. When your work is graded, "
                f"hidden tests worth {sum(p for _, p in hidden):g} of its {sum(points):g} points also check: "
                + "; ".join(docs) + "."
            )
            if any(bad in notice for bad in ('"', "\\", "\n")):
                raise ValueError(f"{where}: a hidden test's docstring holds a quote, backslash or line break: {notice}")
            config = {**config, "success_message": notice}
            cell.source = _with_config(config, cell.source.split("\n")[len(_split_config(cell.source)[1]) :])

    for index, cell in enumerate(prepared.cells):
        text = cell.source.strip()
        if cell.cell_type == "raw":
            if text.startswith("# BEGIN QUESTION"):
                question = yaml.safe_load(text.split("\n", 1)[1])
            elif text.startswith("# BEGIN TESTS"):
                in_tests, tests = True, []
            elif text.startswith("# END TESTS"):
                finish()
                in_tests = False
            continue
        if not (in_tests and cell.cell_type == "code"):
            continue
        where = f"{name} {question['name']}, cell {index}"
        config, config_lines, function_lines = _split_config(cell.source)
        source, function = _guarded(function_lines, where)
        docstring = ast.get_docstring(function)
        if config.get("hidden") and not docstring:
            raise ValueError(f"{where}: hidden test {function.name} needs a docstring saying what it checks")
        cell.source = "\n".join(config_lines + [source]) if config_lines else source
        tests.append((cell, config, source.split("\n"), (docstring or "").strip().rstrip(".")))
    return prepared


STUDENT_README = """\
# {title}

This folder is a graded assignment of the book *Loss Functions and Optimization for Deep
Learning*: the notebook `{name}.ipynb`, its public tests in `tests/`, and `requirements.txt`.
Keep the notebook's file name: the grader looks for `{name}.ipynb`.

## Open it

- **Colab**: upload `{name}.ipynb` to your Google Drive and open it with Colab (or use the
  link your instructor gave you). Run the first cell: it installs the grader and writes the
  public tests next to the notebook.
- **Jupyter on your own machine** (Python 3.10 or newer), in this folder:

  ```bash
  python -m venv .venv
  .venv/bin/pip install -r requirements.txt
  .venv/bin/jupyter lab {name}.ipynb
  ```

## Work through it

Write each answer in place of the `...` in its cell, run the cell, then run the
`grader.check("q1")` cell after it. It runs the public tests and says what is wrong. An
answer still left at `...` shows "not answered yet". When your work is graded, hidden tests
check more than the public ones; a question that has them says so when its public tests
pass. Questions marked *graded by your instructor* are read by hand.

## Hand it in

Save the notebook and submit `{name}.ipynb` as your instructor asked (on Colab: *File →
Download → Download .ipynb*).
"""


def student_requirements() -> str:
    pins = [line for line in (HERE / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    return "\n".join([f"otter-grader=={OTTER_VERSION}", *pins, "jupyterlab"]) + "\n"


def write_student_bundle(name: str, student_dir: Path, notebook: nbformat.NotebookNode, zip_path: Path) -> None:
    """The public tests, requirements and README next to the student notebook, and the zip of it all."""
    tests_dir = student_dir / "tests"
    tests_dir.mkdir()
    for question, source in notebook.metadata["otter"]["tests"].items():
        (tests_dir / f"{question}.py").write_text(source)
    (student_dir / "requirements.txt").write_text(student_requirements())
    title = next(
        (cell.source.split("\n", 1)[0].lstrip("# ").strip() for cell in notebook.cells if cell.cell_type == "markdown"), name
    )
    (student_dir / "README.md").write_text(STUDENT_README.format(name=name, title=title))
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(student_dir.rglob("*")):
            if path.is_file():
                archive.write(path, f"{name}/{path.relative_to(student_dir).as_posix()}")


def source_notebook(name: str) -> nbformat.NotebookNode:
    return jupytext.read(HERE / f"{name}.py", fmt="py:percent")


def questions(name: str) -> list[dict]:
    """The configuration of every question of an assignment (name, points, manual), in order."""
    return [
        yaml.safe_load(cell.source.strip().split("\n", 1)[1])
        for cell in source_notebook(name).cells
        if cell.cell_type == "raw" and cell.source.strip().startswith("# BEGIN QUESTION")
    ]


def korean_source_notebook(name: str) -> nbformat.NotebookNode:
    """The assignment with its markdown (questions, instructions) in Korean; code untouched."""
    sys.path.insert(0, str(ROOT / "tools"))
    import i18n

    return i18n.translate_notebook(source_notebook(name), HERE / f"{name}.py")


def otter_assign(name: str, notebook: nbformat.NotebookNode, work: Path, dist: Path, *, run_tests: bool) -> None:
    work.mkdir(parents=True)
    shutil.copy(HERE / "requirements.txt", work / "requirements.txt")
    nbformat.write(prepare(notebook, name), work / f"{name}.ipynb")
    command = ["otter", "assign", f"{name}.ipynb", str(dist.resolve())]
    if not run_tests:
        command.append("--no-run-tests")
    otter = Path(sys.executable).with_name("otter")
    command[0] = str(otter) if otter.exists() else "otter"
    result = subprocess.run(command, cwd=work, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"otter assign failed for {name}:\n{result.stdout}\n{result.stderr}")


def finish_student_notebook(name: str, student_path: Path) -> nbformat.NotebookNode:
    student = nbformat.read(student_path, as_version=4)
    setup = nbformat.v4.new_code_cell(student_setup_source(name), metadata={"tags": [SETUP_TAG]})
    student.cells.insert(0, setup)
    nbformat.write(student, student_path)
    return student


def build_korean_student(name: str, target: Path) -> Path:
    """The Korean student bundle: Otter Assign over the Korean question text (its tests are the
    English build's, already checked), so the notebook matches the English autograder."""
    scratch = target / "ko-work"
    otter_assign(name, korean_source_notebook(name), scratch / "source", scratch / "dist", run_tests=False)
    student_dir = target / "student-ko"
    shutil.move(str(scratch / "dist" / "student"), str(student_dir))
    shutil.rmtree(scratch)
    student = finish_student_notebook(name, student_dir / f"{name}.ipynb")
    for cell in student.cells:
        if cell.cell_type == "markdown" and cell.source.strip() in OTTER_TEXT_KOREAN:
            cell.source = OTTER_TEXT_KOREAN[cell.source.strip()]
    nbformat.write(student, student_dir / f"{name}.ipynb")
    write_student_bundle(name, student_dir, student, target / f"{name}-student-ko.zip")
    return student_dir


def build(name: str, out: Path, *, run_tests: bool = True) -> Path:
    """Build one assignment into ``out/<name>``; return that folder."""
    target = out / name
    if target.exists():
        shutil.rmtree(target)
    work = target / "source"
    otter_assign(name, source_notebook(name), work, target / "dist", run_tests=run_tests)

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

    student = finish_student_notebook(name, target / "student" / f"{name}.ipynb")
    write_student_bundle(name, target / "student", student, target / f"{name}-student.zip")
    build_korean_student(name, target)
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
        print(
            f"{name}: hand out {target / (name + '-student.zip')} (in Korean: {name}-student-ko.zip); "
            f"keep {target / 'autograder'} (answer key) to yourself"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
