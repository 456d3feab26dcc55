"""Scan a built student edition (and what it links to) for solution content.

What counts as solution content, taken from the sources at scan time:

- the text of every exercise solution in ``notebooks/*.ipynb`` (``{solution}`` directives,
  gated ``{solution-start}``/``{solution-end}`` ranges, cells tagged ``solution``);
- the answer key of every assignment in ``assignments/*.py``: reference solution code, the
  written answers of manually graded questions, and the hidden tests.

Each is reduced to *fingerprints*: every run of ``WINDOW`` consecutive words (letters and
digits, lower-cased), minus the runs that also occur in public text (the chapters without
their solutions, the book's pages, the ``lossbook`` package, the student notebooks of the
assignments). A file leaks a solution when it contains one of its fingerprints, whatever its
markup: HTML tags and entities, notebook JSON and markdown syntax all reduce to the same words.

Independently of the content, the scan looks for solution *markers* (a ``{solution`` directive,
an element of class ``solution``, a cell tagged ``solution``) and checks every link: internal
links must resolve inside the site, no address may point at the repository that holds the
answer key, and every Colab, Binder or GitHub link into the student repository must name a
file that exists in it. ``_sources/`` notebooks (the download button) must be byte-identical
to the student repository's.

    python assignments/leak_scan.py _build/student/_build/html _build/student/repo
"""

from __future__ import annotations

import argparse
import ast
import html
import json
import os
import re
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import student_edition  # noqa: E402

WINDOW = 8
WORD = re.compile(r"[^\W_]+")
TAG = re.compile(r"<[^>]*>")
LINK_ATTRIBUTE = re.compile(r"""\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
URL = re.compile(r"""https?://[^\s"'<>()\[\]{}\\`]+""")
MARKERS = {
    "a {solution} directive": re.compile(r"\{solution(?:-start|-end)?\}"),
    "an element of class solution": re.compile(r"""class\s*=\s*["'](?:[^"']*\s)?solution[\s"'-]"""),
    "a cell tagged solution": re.compile(r'"tags"\s*:\s*\[[^\]]*"solution"'),
}
# Files whose text is code of the page machinery, where a marker is expected: sphinx-exercise's
# stylesheet styles the class it never uses here; scanning them for markers would only flag that.
MARKER_EXEMPT = re.compile(r"(^|/)_static/.*\.(css|js)$|(^|/)_sphinx_design_static/")


@dataclass
class Finding:
    path: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind}: {self.detail}"


@dataclass
class Report:
    files: int = 0
    text_files: int = 0
    links: int = 0
    internal_links: int = 0
    launch_links: int = 0
    fingerprints: int = 0
    solutions: int = 0
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"leak scan: {self.files} files ({self.text_files} text) and {self.links} links "
            f"({self.internal_links} internal, {self.launch_links} into the student repository) checked "
            f"against {self.solutions} solutions ({self.fingerprints} fingerprints): "
            f"{len(self.findings)} solutions or leaks found"
            + "".join(f"\n  {finding}" for finding in self.findings[:50])
        )


# --- what is secret and what is public ----------------------------------------------------------


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def windows(text: str) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + WINDOW]) for i in range(len(tokens) - WINDOW + 1)}


def notebook_text(notebook: dict) -> str:
    """Sources and text outputs of a notebook (no images)."""
    parts = []
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        parts.append("".join(source) if isinstance(source, list) else source)
        for output in cell.get("outputs", []):
            text = output.get("text")
            if text:
                parts.append("".join(text) if isinstance(text, list) else text)
            for kind, value in output.get("data", {}).items():
                if kind.startswith("text/") or kind.endswith("json"):
                    parts.append(value if isinstance(value, str) else json.dumps(value))
    return "\n".join(parts)


def assignment_parts(path: Path) -> tuple[list[str], str]:
    """The answer key of an assignment source (solution code, written answers, hidden tests) and the rest."""
    import jupytext

    notebook = jupytext.read(path, fmt="py:percent")
    secrets, public = [], []
    in_solution = in_tests = False
    for cell in notebook.cells:
        text = cell.source.strip()
        if cell.cell_type == "raw":
            in_solution = {"# BEGIN SOLUTION": True, "# END SOLUTION": False}.get(text, in_solution)
            in_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(text, in_tests)
            continue
        if in_solution and cell.cell_type == "markdown":
            secrets.append(text)  # the written answer of a manually graded question
        elif in_solution:
            kept, hidden, inside = [], [], False
            for line in cell.source.splitlines():
                marker = line.strip()
                if marker == "# BEGIN SOLUTION":
                    inside = True
                elif marker == "# END SOLUTION":
                    inside = False
                elif inside or marker.endswith("# SOLUTION"):
                    hidden.append(line.replace("# SOLUTION", ""))
                else:
                    kept.append(line)
            secrets.append("\n".join(hidden))
            public.append("\n".join(kept))
        elif in_tests and re.search(r"^hidden:\s*true", text, flags=re.M):
            # Its docstring is public: the question's public output says what the hidden tests check.
            function = text.split("END TEST CONFIG", 1)[-1]
            docstring = ast.get_docstring(ast.parse(function).body[0]) or ""
            secrets.append(function.replace(docstring, " ") if docstring else function)
            public.append(docstring)
        else:
            public.append(text)
    return secrets, "\n".join(public)


@lru_cache(maxsize=1)
def corpus() -> tuple[dict[str, list[str]], set[tuple[str, ...]]]:
    """The secrets by name (``notebooks/<chapter>#<n>``, ``assignments/<name>#<n>``) and the public windows."""
    secrets: dict[str, list[str]] = {}
    public: set[tuple[str, ...]] = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        student, solutions = student_edition.notebook_solutions(notebook)
        public |= windows(notebook_text(student))
        for index, solution in enumerate(solutions, 1):
            secrets[f"notebooks/{path.stem} solution {index}"] = [solution]
    for path in sorted((ROOT / "book").rglob("*.md")):
        if path.relative_to(ROOT).with_suffix("").as_posix() not in student_edition.EXCLUDED_PAGES:
            public |= windows(path.read_text())
    for path in sorted((ROOT / "lossbook").rglob("*.py")):
        public |= windows(path.read_text())
    for path in sorted(HERE.glob("*.py")):
        if "# ASSIGNMENT CONFIG" not in path.read_text():
            continue
        # Public in an assignment: everything a student sees, i.e. the source minus its answer key.
        found, rest = assignment_parts(path)
        for index, secret in enumerate(found, 1):
            secrets[f"assignments/{path.stem} answer {index}"] = [secret]
        public |= windows(rest)
    return secrets, public


@lru_cache(maxsize=1)
def fingerprints() -> dict[tuple[str, ...], str]:
    secrets, public = corpus()
    table: dict[tuple[str, ...], str] = {}
    for name, texts in secrets.items():
        for text in texts:
            for window in windows(text) - public:
                table.setdefault(window, name)
    return table


# --- the scan -----------------------------------------------------------------------------------


def readable_text(path: Path) -> str | None:
    data = path.read_bytes()
    if path.name == "objects.inv":  # a Sphinx inventory: four header lines, then zlib
        header, _, compressed = data.partition(b"zlib\n")
        try:
            return header.decode() + zlib.decompress(compressed).decode()
        except (zlib.error, UnicodeDecodeError):
            return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in json_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in json_strings(item)]
    return []


def searchable(text: str, suffix: str) -> str:
    """The text as a reader sees it: HTML without tags and entities, JSON (a notebook) decoded."""
    if suffix in (".html", ".htm", ".xml", ".svg"):
        return html.unescape(TAG.sub(" ", text))
    if suffix in (".ipynb", ".json"):
        try:
            strings = json_strings(json.loads(text))
        except ValueError:
            return text
        # a notebook's source is a list of lines: join them as the lines they are
        return "\n".join(strings)
    return text


@lru_cache(maxsize=1)
def first_words() -> frozenset[str]:
    return frozenset(window[0] for window in fingerprints())


def scan_text(label: str, text: str, report: Report, table: dict) -> None:
    tokens = words(searchable(text, Path(label).suffix))
    starts = first_words()
    leaked: dict[str, int] = {}
    for i in range(len(tokens) - WINDOW + 1):
        if tokens[i] not in starts:
            continue
        name = table.get(tuple(tokens[i : i + WINDOW]))
        if name is not None:
            leaked[name] = leaked.get(name, 0) + 1
    for name, count in leaked.items():
        report.findings.append(Finding(label, "solution text", f"{name} ({count} matching runs of {WINDOW} words)"))
    if not MARKER_EXEMPT.search(label):
        for kind, pattern in MARKERS.items():
            if pattern.search(text):
                report.findings.append(Finding(label, "solution marker", kind))


def check_url(label: str, url: str, report: Report, repo: Path, main_slug: str, student_slug: str) -> None:
    """An absolute address: never the answer key's repository; into the student repository, only existing files."""
    if re.search(re.escape(main_slug) + r"(?![\w.-])", unquote(url)):
        report.findings.append(Finding(label, "link to the repository with the answer key", url))
        return
    if student_slug not in url:
        return
    parts = urlsplit(url)
    path = None
    for pattern in (rf"/github/{re.escape(student_slug)}/blob/[^/]+/(?P<path>.+)",  # Colab
                    rf"^/{re.escape(student_slug)}/(?:blob|tree|raw)/[^/]+/(?P<path>.+)"):  # GitHub
        match = re.search(pattern, parts.path)
        if match:
            path = match["path"]
    query = dict(item.split("=", 1) for item in parts.query.split("&") if "=" in item)
    if "urlpath" in query:  # Binder: ?urlpath=tree/<path> or lab/tree/<path>
        path = re.sub(r"^(?:lab/)?tree/", "", unquote(query["urlpath"]))
    if path is None:
        return
    report.launch_links += 1
    if not (repo / unquote(path)).exists():
        report.findings.append(Finding(label, "launch link to a file the student repository does not have", url))


def scan(html_dir: Path, repo: Path) -> Report:
    """Scan every file of the site and of the student repository, and every link in them."""
    html_dir, repo = Path(html_dir), Path(repo)
    report = Report()
    table = fingerprints()
    report.fingerprints = len(table)
    report.solutions = len(corpus()[0])
    main_slug = student_edition.repository_slug(student_edition.main_repository_url())
    student_slug = student_edition.repository_slug(student_edition.student_repository_url())
    # _static/*.html are the themes' Jinja templates, not pages: their links are template code.
    for base, prefix in ((html_dir, "site"), (repo, "repo")):
        for folder, directories, files in os.walk(base):
            directories[:] = sorted(d for d in directories if not (Path(folder) / d).is_symlink())
            for file_name in sorted(files):
                path = Path(folder) / file_name
                relative = path.relative_to(base).as_posix()
                label = f"{prefix}/{relative}"
                report.files += 1
                if path.is_symlink():
                    report.findings.append(Finding(label, "symbolic link", "the published tree must hold plain files"))
                    continue
                if path.suffix == ".zip":
                    with zipfile.ZipFile(path) as archive:
                        for member in archive.namelist():
                            report.files += 1
                            text = archive.read(member).decode("utf-8", "replace")
                            report.text_files += 1
                            scan_text(f"{label}!{member}", text, report, table)
                    continue
                text = readable_text(path)
                if text is None:
                    continue
                report.text_files += 1
                scan_text(label, text, report, table)
                for url in URL.findall(html.unescape(text) if path.suffix == ".html" else text):
                    report.links += 1
                    check_url(label, url, report, repo, main_slug, student_slug)
                if prefix == "site" and path.suffix == ".html" and not relative.startswith("_static/"):
                    for match in LINK_ATTRIBUTE.finditer(text):
                        target = html.unescape(match[1] if match[1] is not None else match[2]).strip()
                        if not target or re.match(r"^(?:https?:|mailto:|javascript:|data:|#)", target, re.I):
                            continue
                        report.links += 1
                        report.internal_links += 1
                        local = unquote(urlsplit(target).path)
                        if not local:
                            continue
                        resolved = (path.parent / local).resolve()
                        if resolved.is_dir():
                            resolved = resolved / "index.html"
                        if not resolved.is_relative_to(html_dir.resolve()) or not resolved.exists():
                            report.findings.append(Finding(label, "broken internal link", target))
                if prefix == "site" and relative.startswith("_sources/") and path.suffix == ".ipynb":
                    published = repo / relative.removeprefix("_sources/")
                    if not published.is_file() or published.read_bytes() != path.read_bytes():
                        report.findings.append(Finding(label, "download differs from the student repository's notebook", str(published)))
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("html", type=Path)
    parser.add_argument("repo", type=Path)
    args = parser.parse_args()
    report = scan(args.html, args.repo)
    print(report.summary())
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
