"""The student edition of the book: a student repository with no answer key, and its site.

Courses that grade the chapters' exercises need a site on which no solution can be reached:
not on a page, not in a downloaded notebook, not behind a Colab, Binder or GitHub button. So
the student edition is not the regular site with solutions folded away; it is built from a
*student repository* generated here, at build time, from the current sources:

    _build/student/repo/          what you publish as the student repository (the address is
                                  ``repository.url`` in book/student/_config.yml)
        notebooks/*.ipynb         every chapter, its outputs kept, its exercise solutions cut
        book/                     the markdown pages, without the instructor guide
        lossbook/ pyproject.toml  the package, so Colab's install cell and Binder work
        requirements*.txt postBuild  offline/ (npm manifests)  Makefile (`make book`)  README.md
        _config.yml _toc.yml      the book's configuration, merged with book/student/_config.yml
    _build/student/_build/html/   the student edition's site, built from that repository

Every launch button of the site opens ``notebooks/<chapter>.ipynb`` of the student repository,
and its downloads (``_sources/``) are those same files. Nothing is committed: because the
repository is regenerated from ``notebooks/`` on every build, a re-executed chapter needs no
extra step. After the build, ``leak_scan`` checks every file and link of the site and of the
repository for solution content and fails the build if it finds any.

    python assignments/student_edition.py                    # generate, build, scan
    python assignments/student_edition.py --no-build         # only generate the repository
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = ROOT / "book" / "student" / "_config.yml"
STUDENT_README = ROOT / "book" / "student" / "README.md"
REPLACEMENTS = ROOT / "book" / "student" / "replacements.yml"
DEFAULT_OUT = ROOT / "_build" / "student"

# Pages of the book that the student edition leaves out (toc entries, without suffix).
EXCLUDED_PAGES = ("book/instructor-guide",)
# Copied into the student repository as they are (book/ is copied separately).
REPOSITORY_FILES = (
    "pyproject.toml",
    "requirements.txt",
    "requirements-nodeps.txt",
    "postBuild",
    ".gitignore",
    "offline/package.json",
    "offline/package-lock.json",
    "offline/widgets-assets-path.js",
)
REPOSITORY_FOLDERS = ("lossbook",)
# The Makefile rules the student repository needs for `make book`, taken from the main Makefile.
MAKE_TARGETS = ("venv", "$(STAMP)", "offline-assets", "$(ASSETS)", "book-strict", "book")
MAKE_VARIABLES = ("SHELL", "PYTHON", "VENV", "BIN", "STAMP", "ASSETS", "HTML")
SOLUTION_TAG = "solution"  # a notebook cell with this tag is a solution, cut whole

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})\s*\{(?P<name>[\w-]+)\}")


# --- configuration -------------------------------------------------------------------------


def merge(base: dict, overlay: dict) -> dict:
    """``base`` updated with ``overlay``, recursively for nested mappings."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def student_config(base_path: Path = ROOT / "_config.yml", overlay_path: Path = OVERLAY) -> dict:
    """The student repository's ``_config.yml``: the book's, with the student overlay on top."""
    return merge(yaml.safe_load(base_path.read_text()), yaml.safe_load(overlay_path.read_text()))


def main_repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")


def student_repository_url() -> str:
    return student_config()["repository"]["url"].rstrip("/")


def repository_slug(url: str) -> str:
    """``owner/name`` of a GitHub URL."""
    return url.rstrip("/").split("github.com/", 1)[1]


def build_config(config: dict, repo: Path) -> dict:
    """The config the site is built with: paths that exist only in this checkout made absolute.

    The published ``_config.yml`` keeps relative paths (``offline/static`` appears there after
    ``make offline-assets``); the build here reads the assets and the local extension from
    the main checkout instead of copying 35 MB into the repository.
    """
    config = json.loads(json.dumps(config))
    sphinx = config.setdefault("sphinx", {})
    for name, path in (sphinx.get("local_extensions") or {}).items():
        sphinx["local_extensions"][name] = str((ROOT / path).resolve())
    settings = sphinx.setdefault("config", {})
    for key in ("html_static_path", "html_extra_path"):
        settings[key] = [path if (repo / path).exists() else str((ROOT / path).resolve()) for path in settings.get(key, [])]
    return config


def student_toc(toc: dict) -> dict:
    """The table of contents without the excluded pages."""

    def keep(entries):
        kept = []
        for entry in entries:
            if isinstance(entry, dict) and entry.get("file") in EXCLUDED_PAGES:
                continue
            if isinstance(entry, dict):
                entry = {key: keep(value) if key in ("chapters", "sections", "parts") else value for key, value in entry.items()}
            kept.append(entry)
        return kept

    return {key: keep(value) if key in ("chapters", "sections", "parts") else value for key, value in toc.items()}


# --- notebooks and pages -------------------------------------------------------------------


def split_solutions(text: str, gated: bool = False) -> tuple[str, list[str], bool]:
    """``text`` without its solutions, the solutions, and whether a gated solution is still open.

    A solution is a ``{solution}`` directive (any fence: backticks, tildes or colons, closed by
    the same character at least as often), or everything from a ``{solution-start}`` directive
    to the end of the matching ``{solution-end}`` directive, which may lie in a later cell:
    ``gated`` says whether the text starts inside one.
    """
    lines = text.split("\n")
    kept: list[str] = []
    solutions: list[str] = []
    current: list[str] = []
    index = 0

    def fence_end(start: int) -> int:
        """The index of the line closing the fence opened at ``start`` (or the last line)."""
        opening = FENCE.match(lines[start])
        char, length = opening["fence"][0], len(opening["fence"])
        closing = re.compile(rf"^[ \t]*{re.escape(char)}{{{length},}}\s*$")
        for end in range(start + 1, len(lines)):
            if closing.match(lines[end]):
                return end
        return len(lines) - 1

    while index < len(lines):
        match = FENCE.match(lines[index])
        name = match["name"] if match else None
        if gated:
            if name == "solution-end":
                end = fence_end(index)
                current.extend(lines[index : end + 1])
                solutions.append("\n".join(current))
                current, gated, index = [], False, end + 1
            else:
                current.append(lines[index])
                index += 1
            continue
        if name == "solution":
            end = fence_end(index)
            solutions.append("\n".join(lines[index : end + 1]))
            index = end + 1
            while index < len(lines) and not lines[index].strip() and (not kept or not kept[-1].strip()):
                index += 1
        elif name == "solution-start":
            gated = True
        else:
            kept.append(lines[index])
            index += 1
    if gated and current:
        solutions.append("\n".join(current))
    return "\n".join(kept).strip("\n"), solutions, gated


def notebook_solutions(notebook: dict, page: str | None = None) -> tuple[dict, list[str]]:
    """A copy of a notebook (as JSON) without its solutions, and the solutions' text.

    With ``page`` (the notebook's path without suffix), links to excluded pages become text.
    """
    student = json.loads(json.dumps(notebook))
    cells, solutions, gated = [], [], False
    for cell in student["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            solutions.append(source)
            continue
        if gated and cell["cell_type"] != "markdown":
            solutions.append(source)  # a code cell inside a gated solution
            continue
        if cell["cell_type"] == "markdown":
            kept, found, gated = split_solutions(source, gated)
            solutions.extend(found)
            if found and not kept.strip():
                continue
            if found:
                cell["source"] = source = kept
            if page is not None and unlink_excluded_pages(source, page) != source:
                cell["source"] = unlink_excluded_pages(source, page)
        cells.append(cell)
    student["cells"] = cells
    return student, solutions


def doc_title(page: str) -> str:
    """The first heading of a markdown page, lower-cased at the start, for running text."""
    for line in (ROOT / f"{page}.md").read_text().splitlines():
        if line.startswith("# "):
            title = line[2:].strip()
            return title[:1].lower() + title[1:]
    return Path(page).name.replace("-", " ")


def unlink_excluded_pages(text: str, page: str) -> str:
    """Links to pages the student edition leaves out, turned into plain text.

    ``{doc}`target``` becomes the page's title, ``{doc}`text <target>``` and ``[text](target.md)``
    become ``text``; ``page`` (the linking page, without suffix) resolves relative targets.
    """
    folder = Path(page).parent

    def excluded(reference: str) -> str | None:
        reference = reference.strip().split("#", 1)[0].removesuffix(".md")
        resolved = Path(reference.lstrip("/")) if reference.startswith("/") else folder / reference
        resolved = Path(*[part for part in resolved.parts if part != "."]).as_posix()
        while "/../" in f"/{resolved}/":
            resolved = re.sub(r"(^|/)[^/]+/\.\.(/|$)", r"\1", resolved, count=1)
        return resolved if resolved in EXCLUDED_PAGES else None

    def role(match: re.Match) -> str:
        titled = re.fullmatch(r"(?P<title>.*?)\s*<(?P<target>[^>]+)>", match["body"], re.S)
        title, reference = (titled["title"], titled["target"]) if titled else (None, match["body"])
        page = excluded(reference)
        if page is None:
            return match[0]
        return title.strip() if title else doc_title(page)

    text = re.sub(r"\{doc\}`(?P<body>[^`]+)`", role, text)
    return re.sub(r"\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+?\.md(?:#[^)\s]*)?)\)",
                  lambda m: m["text"] if excluded(m["target"]) else m[0], text)


REFERENCE = re.compile(
    r"^[ \t]*(?:`{3,}|:{3,})\s*\{(?:include|literalinclude|figure|image)\}\s+(?P<directive>\S+)"
    r"|!\[[^\]]*\]\((?P<image>[^)\s]+)\)",
    re.M,
)


def referenced_files(text: str, page: str) -> list[Path]:
    """Files outside book/ that a page includes or shows (relative to the repository root)."""
    found = []
    for match in REFERENCE.finditer(text):
        reference = match["directive"] or match["image"]
        if re.match(r"^[a-z]+:", reference):
            continue
        path = (ROOT / Path(page).parent / reference).resolve()
        if path.is_file() and path.is_relative_to(ROOT):
            found.append(path.relative_to(ROOT))
    return found


def replace_sentences(text: str, page: str, replacements: list[dict] | None = None) -> str:
    """Apply book/student/replacements.yml to one page; a replacement that no longer matches is an error."""
    if replacements is None:
        replacements = yaml.safe_load(REPLACEMENTS.read_text()) if REPLACEMENTS.exists() else []
    for entry in replacements:
        if entry["page"] != page:
            continue
        pattern = r"\s+".join(re.escape(word) for word in entry["find"].split())
        text, count = re.subn(pattern, lambda _: entry["replace"], text)
        if count == 0:
            raise ValueError(f"{REPLACEMENTS.relative_to(ROOT)}: {entry['find']!r} no longer occurs in {page}: update the entry")
    return text


def with_student_urls(text: str, main_url: str, student_url: str) -> str:
    """Every address of the main repository replaced by the student repository's."""
    return re.sub(re.escape(main_url) + r"(?![\w.-])", student_url, text)


# --- the student repository ----------------------------------------------------------------


def makefile_rules(makefile: str, targets=MAKE_TARGETS, variables=MAKE_VARIABLES) -> str:
    """The variable definitions and the rule paragraphs of ``targets``, copied from a Makefile."""
    chosen_variables = [
        line for line in makefile.splitlines()
        if re.match(r"^(?P<name>[A-Z_]+)\s*[:?+]?=", line) and re.match(r"^([A-Z_]+)", line)[1] in variables
    ]
    paragraphs = re.split(r"\n\s*\n", makefile)
    chosen = []
    for paragraph in paragraphs:
        rules = [line.split(":", 1)[0].strip() for line in paragraph.splitlines()
                 if line and not line.startswith(("#", "\t", " ")) and re.match(r"^[^=]+:(?!=)", line)]
        if any(rule in targets for rule in rules):
            chosen.append(paragraph.strip("\n"))
    missing = [target for target in targets if not any(re.search(rf"^{re.escape(target)}:", p, re.M) for p in chosen)]
    if missing:
        raise ValueError(f"the main Makefile has no rule for {missing}: update MAKE_TARGETS in {__file__}")
    return "\n".join(chosen_variables) + "\n\n" + "\n\n".join(chosen) + "\n"


def student_makefile() -> str:
    rules = makefile_rules((ROOT / "Makefile").read_text())
    return (
        "# The student edition of lossbook: `make book` builds the site, `make venv` only the environment.\n"
        "# Generated from the book's Makefile by assignments/student_edition.py.\n\n"
        ".DEFAULT_GOAL := help\n"
        ".PHONY: help venv offline-assets book book-strict\n\n"
        + rules
        + "\nhelp:\n"
        '\t@echo "make book   create .venv (pinned), build the site into $(HTML)"\n'
        '\t@echo "make venv   only create .venv; then: $(BIN)/jupyter lab notebooks/"\n'
    )


def write_repository(repo: Path) -> dict:
    """Generate the student repository; return what it holds (for the tests and the summary)."""
    main_url, student_url = main_repository_url(), student_repository_url()
    if repository_slug(main_url) == repository_slug(student_url):
        raise ValueError("the student edition must point at its own repository, not at the one with the answer key")
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    for name in REPOSITORY_FILES:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    for name in REPOSITORY_FOLDERS:
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    (repo / "README.md").write_text(STUDENT_README.read_text())
    (repo / "Makefile").write_text(student_makefile())
    (repo / "_config.yml").write_text(
        "# The student edition of the book, generated by assignments/student_edition.py from the book's\n"
        "# _config.yml and book/student/_config.yml.\n" + yaml.safe_dump(student_config(), sort_keys=False, allow_unicode=True)
    )
    (repo / "_toc.yml").write_text(yaml.safe_dump(student_toc(yaml.safe_load((ROOT / "_toc.yml").read_text())), sort_keys=False))

    pages, referenced = [], set()
    for source in sorted((ROOT / "book").rglob("*")):
        relative = source.relative_to(ROOT)
        if source.is_dir() or relative.parts[:2] == ("book", "student") or "__pycache__" in relative.parts:
            continue
        if relative.with_suffix("").as_posix() in EXCLUDED_PAGES:
            continue
        target = repo / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix == ".md":
            text = unlink_excluded_pages(source.read_text(), relative.with_suffix("").as_posix())
            text = replace_sentences(text, relative.as_posix())
            target.write_text(with_student_urls(text, main_url, student_url))
            pages.append(relative.as_posix())
            referenced |= set(referenced_files(text, relative.as_posix()))
        else:
            shutil.copy2(source, target)
    for relative in sorted(referenced):  # e.g. the benchmark results the performance page includes
        if not (repo / relative).exists():
            (repo / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / relative, repo / relative)

    notebooks, solutions = [], 0
    (repo / "notebooks").mkdir()
    for source in sorted((ROOT / "notebooks").glob("*.ipynb")):
        student, cut = notebook_solutions(json.loads(source.read_text()), f"notebooks/{source.stem}")
        text = with_student_urls(json.dumps(student, indent=1, ensure_ascii=False) + "\n", main_url, student_url)
        (repo / "notebooks" / source.name).write_text(text)
        notebooks.append(source.name)
        solutions += len(cut)
    return {"repo": repo, "notebooks": notebooks, "pages": pages, "solutions_cut": solutions}


def build_site(repo: Path, out: Path) -> Path:
    """Build the student edition from the student repository; return the HTML folder."""
    config_path = out / "build-config" / "_config.yml"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(yaml.safe_dump(build_config(yaml.safe_load((repo / "_config.yml").read_text()), repo), sort_keys=False, allow_unicode=True))
    html = out / "_build" / "html"
    for stale in (html, out / "_build" / ".doctrees", out / "_build" / "jupyter_execute"):
        shutil.rmtree(stale, ignore_errors=True)
    book = Path(sys.executable).with_name("jupyter-book")
    command = [str(book) if book.exists() else "jupyter-book", "build", str(repo), "--config", str(config_path),
               "--path-output", str(out), "-W", "-n", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"the student edition did not build:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}")
    return html


def build(out: Path = DEFAULT_OUT, *, site: bool = True) -> dict:
    """Generate the student repository and (unless ``site=False``) build its site; ``main`` scans both."""
    summary = write_repository(out / "repo")
    if site:
        summary["html"] = build_site(summary["repo"], out)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-build", action="store_true", help="only generate the student repository")
    args = parser.parse_args()
    summary = build(args.out, site=not args.no_build)
    print(f"student repository: {summary['repo']} ({len(summary['notebooks'])} notebooks, "
          f"{summary['solutions_cut']} solutions cut); publish it at {student_repository_url()}")
    if args.no_build:
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import leak_scan

    report = leak_scan.scan(summary["html"], summary["repo"])
    print(report.summary())
    if report.findings:
        return 1
    print(f"The student edition is built: {summary['html'] / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
