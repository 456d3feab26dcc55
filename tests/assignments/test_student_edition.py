"""The student edition: built from a generated student repository, scanned for every solution.

The build runs once per session (about a minute on two cores). The scan is proven to catch
what it is meant to catch on a small planted site before its verdict on the real one counts.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import assignments_leak_scan as leak_scan
import assignments_student_edition as student_edition

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="session")
def edition(tmp_path_factory):
    """The student repository and site, generated and built the way `make book-student` does."""
    if not (ROOT / "offline" / "static" / ".installed").exists():
        pytest.fail("the offline assets are missing: run `make offline-assets` (make test-assignments does)")
    out = tmp_path_factory.mktemp("student")
    summary = student_edition.build(out)
    report = leak_scan.scan(summary["html"], summary["repo"])
    print(report.summary())  # shown with `pytest -s`: the counts of the scan
    return summary["repo"], summary["html"], report


# --- configuration ---------------------------------------------------------------------------


def test_student_config_changes_only_title_repository_and_solutions():
    base = yaml.safe_load((ROOT / "_config.yml").read_text())
    student = student_edition.student_config()
    assert student["sphinx"]["config"]["hide_solutions"] is True
    assert student["sphinx"]["config"]["lossbook_language_switch"] is False  # no Korean student site
    assert "student edition" in student["title"]
    assert student_edition.repository_slug(student["repository"]["url"]) != student_edition.repository_slug(base["repository"]["url"])
    for key in base:
        if key not in ("title", "sphinx", "repository"):
            assert student[key] == base[key], f"the student edition changes {key!r}"
    assert {k: v for k, v in student["repository"].items() if k != "url"} == {k: v for k, v in base["repository"].items() if k != "url"}
    for key, value in base["sphinx"]["config"].items():
        assert student["sphinx"]["config"][key] == value, f"the student edition changes sphinx.config.{key}"


def test_merge_is_recursive():
    merged = student_edition.merge({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"c": 4}})
    assert merged == {"a": {"b": 1, "c": 4}, "d": 3}


def test_toc_leaves_out_the_instructor_guide():
    toc = student_edition.student_toc(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    files = re.findall(r"'file': '([^']+)'", str(toc))
    assert "book/instructor-guide" not in files
    assert {f"notebooks/{chapter}" for chapter in CHAPTERS} <= set(files)


# --- cutting solutions -----------------------------------------------------------------------


def test_split_solutions_handles_every_fence_and_nesting():
    text = (
        "Before.\n\n"
        "````{solution} a\n:class: dropdown\n\nAnswer A.\n```python\nprint(1)\n```\n````\n\n"
        ":::{solution} b\nAnswer B.\n:::\n\n"
        "```{exercise} c\nKept.\n```\n"
        "~~~{solution} d\nAnswer D.\n~~~\nAfter."
    )
    kept, solutions, gated = student_edition.split_solutions(text)
    assert not gated and len(solutions) == 3
    assert "Answer" not in kept and "print(1)" not in kept
    assert "Before." in kept and "{exercise} c" in kept and "Kept." in kept and "After." in kept


def test_gated_solutions_across_cells_and_tagged_cells_are_cut():
    def cell(kind, source, tags=()):
        return {"cell_type": kind, "metadata": {"tags": list(tags)}, "source": source, **({"outputs": [], "execution_count": None} if kind == "code" else {})}

    notebook = {"cells": [
        cell("markdown", "Intro.\n```{solution-start} e\n```\nFirst part."),
        cell("code", "secret_code()"),
        cell("markdown", "Second part.\n```{solution-end}\n```\nOutro."),
        cell("code", "tagged_secret()", tags=["solution"]),
        cell("code", "kept()"),
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    student, solutions = student_edition.notebook_solutions(notebook)
    text = json.dumps(student)
    assert "secret_code" not in text and "tagged_secret" not in text and "part." not in text
    assert "Intro." in text and "Outro." in text and "kept()" in text
    assert len(solutions) == 4


def test_links_to_excluded_pages_become_text():
    text = "See the {doc}`instructor-guide`, the {doc}`guide for teachers <instructor-guide>`, [it](instructor-guide.md) and {doc}`how-to-use`."
    out = student_edition.unlink_excluded_pages(text, "book/preface")
    assert out == "See the instructor guide, the guide for teachers, it and {doc}`how-to-use`."
    assert student_edition.unlink_excluded_pages("{doc}`../book/instructor-guide`", "notebooks/x") == "instructor guide"


def test_sentence_replacements_apply_and_fail_when_stale():
    replacements = [{"page": "book/x.md", "find": "solutions are hidden in drop-downs.", "replace": "no solutions here."}]
    text = "Exercise solutions are hidden\nin drop-downs. Next."
    assert student_edition.replace_sentences(text, "book/x.md", replacements) == "Exercise no solutions here. Next."
    assert student_edition.replace_sentences(text, "book/y.md", replacements) == text
    with pytest.raises(ValueError, match="no longer occurs"):
        student_edition.replace_sentences("Reworded.", "book/x.md", replacements)


# --- the scan can fail -----------------------------------------------------------------------


def test_scan_finds_planted_solutions_and_bad_links(tmp_path):
    """A small site with one leak of each kind: the scan must report every one of them."""
    chapter = json.loads((ROOT / "notebooks" / "regression.ipynb").read_text())
    student, solutions = student_edition.notebook_solutions(chapter)
    assert solutions, "the regression chapter has no exercise solution to plant"
    secret_answer = leak_scan.assignment_parts(ROOT / "assignments" / "distance.py")[0][0]
    site, repo = tmp_path / "site", tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    main, student_url = student_edition.main_repository_url(), student_edition.student_repository_url()
    (repo / "notebooks" / "regression.ipynb").write_text(student_edition.with_student_urls(json.dumps(student), main, student_url))
    (site / "_sources" / "notebooks").mkdir(parents=True)
    (site / "_static").mkdir()
    (site / "_sources" / "notebooks" / "regression.ipynb").write_text(json.dumps(chapter))  # the full notebook
    slug = student_edition.repository_slug(student_url)
    (site / "index.html").write_text(
        "<html><body><p>" + html.escape(solutions[0]) + "</p>"
        f'<a href="https://colab.research.google.com/github/{student_edition.repository_slug(main)}/blob/main/notebooks/regression.ipynb">Colab</a>'
        f'<a href="https://colab.research.google.com/github/{slug}/blob/main/notebooks/missing.ipynb">Colab</a>'
        f'<a href="{student_url}/blob/main/notebooks/regression.ipynb">GitHub</a>'
        '<a href="missing.html">gone</a><div class="solution dropdown">x</div></body></html>'
    )
    (site / "_static" / "bundle.js").write_text("var answer = `" + secret_answer + "`;")
    report = leak_scan.scan(site, repo)
    found = {(finding.path, finding.kind) for finding in report.findings}
    assert ("site/index.html", "solution text") in found
    assert ("site/index.html", "solution marker") in found
    assert ("site/index.html", "link to the repository with the answer key") in found
    assert ("site/index.html", "launch link to a file the student repository does not have") in found
    assert ("site/index.html", "broken internal link") in found
    assert ("site/_sources/notebooks/regression.ipynb", "solution text") in found
    assert ("site/_sources/notebooks/regression.ipynb", "solution marker") in found
    assert ("site/_sources/notebooks/regression.ipynb", "download differs from the student repository's notebook") in found
    assert ("site/_static/bundle.js", "solution text") in found
    assert report.launch_links == 2  # the missing notebook and the existing one; the latter is fine
    assert not any("repo/" in finding.path for finding in report.findings), "the clean student notebook was flagged"


def test_scan_finds_every_solution_on_the_regular_site(tmp_path):
    """The regular site shows every solution in its drop-downs: the scan must find all of them there.

    `make test` builds that site (test-site) before it runs these tests; a standalone run
    without a fresh build skips this check (the planted site above still runs).
    """
    regular = ROOT / "_build" / "html"
    index = regular / "index.html"
    newest_notebook = max(path.stat().st_mtime for path in (ROOT / "notebooks").glob("*.ipynb"))
    if not index.exists() or index.stat().st_mtime < newest_notebook:
        pytest.skip("no regular site built after the last notebook change (make test-site builds one)")
    empty_repo = tmp_path / "repo"
    empty_repo.mkdir()
    report = leak_scan.scan(regular, empty_repo)
    found = {finding.detail.split(" (")[0] for finding in report.findings
             if finding.kind == "solution text" and finding.path.startswith("site/notebooks/") and finding.path.endswith(".html")}
    exercise = {name for name in leak_scan.corpus()[0] if name.startswith("notebooks/")}
    assert found == exercise, f"solutions the scan missed on the regular site's pages: {sorted(exercise - found)}"


def test_scan_fingerprints_every_long_solution():
    secrets, _ = leak_scan.corpus()
    named = set(leak_scan.fingerprints().values())
    exercise = [name for name in secrets if name.startswith("notebooks/")]
    assert len(exercise) >= 30, f"only {len(exercise)} exercise solutions found in the chapters"
    assert all(name in named for name in exercise), f"exercise solutions without a fingerprint: {sorted(set(exercise) - named)}"
    answers = [name for name in secrets if name.startswith("assignments/")]
    # Answers shorter than the window (q6_answer = "c") cannot be fingerprinted; test_grader
    # checks the student notebooks line by line for those.
    assert len([name for name in answers if name in named]) >= 0.9 * len(answers)


# --- the real student edition ----------------------------------------------------------------


def test_student_edition_has_no_solution_anywhere(edition):
    repo, site, report = edition
    assert report.files >= 300 and report.text_files >= 200, report.summary()
    assert report.links >= 1000 and report.internal_links >= 500, report.summary()
    assert report.solutions >= 100 and report.fingerprints >= 5000, report.summary()
    assert not report.findings, report.summary()


def test_launch_buttons_and_downloads_are_the_student_notebooks(edition):
    repo, site, report = edition
    slug = student_edition.repository_slug(student_edition.student_repository_url())
    assert report.launch_links >= 2 * len(CHAPTERS), "a Colab and a Binder link per chapter"
    for chapter in CHAPTERS:
        page = (site / "notebooks" / f"{chapter}.html").read_text()
        colab = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', page)
        assert colab == [f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{chapter}.ipynb"], colab
        assert f'href="../_sources/notebooks/{chapter}.ipynb"' in page, f"{chapter}: no download of the notebook"
        published = repo / "notebooks" / f"{chapter}.ipynb"
        assert (site / "_sources" / "notebooks" / f"{chapter}.ipynb").read_bytes() == published.read_bytes()
        notebook = json.loads(published.read_text())
        first = "".join(notebook["cells"][0]["source"])
        assert f"git+{student_edition.student_repository_url()}" in first, f"{chapter}: the install cell does not use the student repository"


def test_exercises_stay_and_solutions_go(edition):
    repo, site, _ = edition
    for chapter in CHAPTERS:
        full = (ROOT / "notebooks" / f"{chapter}.ipynb").read_text()
        student = (repo / "notebooks" / f"{chapter}.ipynb").read_text()
        assert student.count("{exercise}") == full.count("{exercise}") > 0, chapter
        assert "{solution" not in student, chapter
        assert 'class="solution' not in (site / "notebooks" / f"{chapter}.html").read_text(), chapter


def test_instructor_material_is_not_published(edition):
    repo, site, _ = edition
    assert not (site / "book" / "instructor-guide.html").exists()
    assert not (repo / "book" / "instructor-guide.md").exists()
    for page in site.rglob("*.html"):
        assert "instructor-guide" not in page.read_text(), f"{page.relative_to(site)} links to the instructor guide"
    for name in ("assignments", "tests", "tools", ".ci"):
        assert not (repo / name).exists(), f"the student repository holds {name}/"
    assert "git clone" not in (repo / "README.md").read_text() or "lossbook-student" in (repo / "README.md").read_text()


def test_the_student_repository_builds_with_make(edition):
    """`make book` in the published repository: its rules resolve (a dry run, nothing is installed)."""
    repo, _, _ = edition
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    result = subprocess.run(["make", "-n", "-C", str(repo), "book"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "jupyter-book build ." in result.stdout


def test_student_site_has_no_language_switch(edition):
    # The Korean edition is built from the main repository only; the student site is English.
    repo, site, report = edition
    pages = [path for path in site.rglob("*.html") if "lossbook-language-switch" in path.read_text()]
    assert not pages, f"student pages with a switch to a Korean page they do not have: {pages[:3]}"
    assert any("header-article-items__end" in path.read_text() for path in site.rglob("*.html"))
