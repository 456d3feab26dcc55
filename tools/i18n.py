"""The Korean edition: one gettext catalogue per English source, and everything made from it.

The English notebooks, pages and assignments are the source. Their prose is cut into
blocks (a paragraph, a heading, a list, a table, the title of an exercise); each block is
one catalogue entry, keyed by its English text, in ``locale/ko/LC_MESSAGES/<source>.po``
(``notebooks/foundations.po``, ``book/preface.po``, ``assignments/regression.po``, and
``_toc.po`` for the book's title and part captions). Code cells, their outputs, code
blocks, math blocks and directive options are never cut out, so they are never translated.

    python tools/i18n.py update      # new English -> new entries; changed English -> fuzzy entries
    python tools/i18n.py check       # fails on an untranslated or fuzzy entry, or one that drops
                                     # a formula, code span, glue value or reference of its English
    python tools/i18n.py generate    # write the Korean notebooks ko/notebooks/*.ipynb (committed)
    python tools/i18n.py generate --check   # fail if they differ from what the catalogue makes
    python tools/i18n.py source DIR  # the Korean book's source tree (pages, notebooks, config) in DIR
    python tools/i18n.py terms       # every glossary term is rendered by its Korean name
    python tools/i18n.py stats       # entries and translated share per catalogue
    python tools/i18n.py export notebooks/foundations sheet.txt   # a catalogue as plain text
    python tools/i18n.py import notebooks/foundations sheet.txt   # ... and its Korean back in

``update`` is Babel's merge (what ``pybabel update`` does): an entry whose English changed
a little keeps its old Korean, marked fuzzy with the old English beside it, for a
translator to review in Poedit or Weblate; one that changed a lot starts untranslated.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
# The catalogue and the Korean notebooks; LOSSBOOK_KO_ROOT points elsewhere to try a
# translation out (tests do) without touching the committed one.
KO_ROOT = Path(os.environ.get("LOSSBOOK_KO_ROOT", ROOT))
LOCALE = KO_ROOT / "locale" / "ko" / "LC_MESSAGES"
KOREAN_NOTEBOOKS = KO_ROOT / "ko" / "notebooks"
GLOSSARY = ROOT / "book" / "glossary"
TOC_DOMAIN = "_toc"
ASSIGNMENTS = ("regression", "classification", "distance", "nlp", "optimization")

# Directives whose body is code, data or a file name: kept whole, never cut into entries.
VERBATIM_DIRECTIVES = {
    "code-cell", "code", "code-block", "sourcecode", "math", "raw", "include", "literalinclude",
    "bibliography", "tableofcontents", "toctree", "eval-rst", "glue:math", "mermaid",
}
# Directives whose argument is a title a reader sees (the others take a label or a path).
TITLED_DIRECTIVES = {"exercise", "admonition", "dropdown", "topic", "sidebar", "card"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
OPTION = re.compile(r"^\s*:[\w-]+:")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
TARGET = re.compile(r"^\s*\(\S+\)=\s*$")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# What a translation must carry over unchanged from its English.
MATH_DISPLAY = re.compile(r"\$\$.+?\$\$", re.DOTALL)
MATH_INLINE = re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$(?!\$)")
ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<body>[^`]*)`")
# A code span may run over a line break (CommonMark), so "." matches newlines too.
CODE_SPAN = re.compile(r"(?<![`}])(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
LINK_TARGET = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def shown(path: Path) -> str:
    """A path as a message names it: relative to the repository where it is inside."""
    path = Path(path)
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


@dataclass
class Block:
    """A piece of a markdown text: ``text`` is translated when ``translatable``, else kept."""

    text: str
    translatable: bool


def has_prose(text: str) -> bool:
    """Whether a block says anything in words once its math, code and references are gone."""
    stripped = MATH_DISPLAY.sub(" ", text)
    stripped = MATH_INLINE.sub(" ", stripped)
    stripped = ROLE.sub(lambda m: " " if m["role"].startswith(("glue", "cite", "ref", "numref", "eq")) else m["body"], stripped)
    stripped = CODE_SPAN.sub(" ", stripped)
    stripped = re.sub(r"<!--.*?-->", " ", stripped, flags=re.DOTALL)
    return bool(LATIN_WORD.search(stripped))


def _directive(info: str) -> tuple[str | None, str]:
    match = re.match(r"\s*\{(?P<name>[\w:-]+)\}\s*(?P<argument>.*)$", info)
    return (match["name"], match["argument"]) if match else (None, info.strip())


def split_blocks(text: str) -> list[Block]:
    """Cut markdown into blocks whose concatenation is exactly ``text``."""
    lines = text.splitlines(keepends=True)
    blocks: list[Block] = []
    paragraph: list[str] = []

    def keep(piece: str) -> None:
        if piece:
            if blocks and not blocks[-1].translatable:
                blocks[-1].text += piece
            else:
                blocks.append(Block(piece, False))

    def flush() -> None:
        if not paragraph:
            return
        joined = "".join(paragraph)
        body = joined.rstrip("\n")
        if has_prose(body):
            blocks.append(Block(body, True))
            keep(joined[len(body):])
        else:
            keep(joined)
        paragraph.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line.rstrip("\n"))
        if fence and not paragraph_is_math(paragraph):
            flush()
            marker = fence["fence"]
            closing = re.compile(rf"^\s*{re.escape(marker[0])}{{{len(marker)},}}\s*$")
            end = index + 1
            while end < len(lines) and not closing.match(lines[end].rstrip("\n")):
                end += 1
            name, argument = _directive(fence["info"])
            body_lines = lines[index + 1:end]
            closing_line = lines[end] if end < len(lines) else ""
            if name is None or name in VERBATIM_DIRECTIVES:
                keep("".join(lines[index:end + 1]))
            else:
                if name in TITLED_DIRECTIVES and argument and has_prose(argument):
                    opening = line.rstrip("\n")
                    keep(opening[: len(opening) - len(argument)])
                    blocks.append(Block(argument, True))
                    keep(line[len(opening):])
                else:
                    keep(line)
                options = 0
                while options < len(body_lines) and OPTION.match(body_lines[options]):
                    options += 1
                keep("".join(body_lines[:options]))
                for block in split_blocks("".join(body_lines[options:])):
                    if block.translatable:
                        blocks.append(block)
                    else:
                        keep(block.text)
                keep(closing_line)
            index = end + 1
            continue
        if not line.strip():
            flush()
            keep(line)
        elif TARGET.match(line):
            flush()
            keep(line)
        elif line.lstrip().startswith("<!--"):
            flush()
            end = index
            while end < len(lines) - 1 and "-->" not in lines[end]:
                end += 1
            keep("".join(lines[index:end + 1]))
            index = end + 1
            continue
        elif HEADING.match(line):
            flush()
            paragraph.append(line)
            flush()
        else:
            paragraph.append(line)
        index += 1
    flush()
    assert "".join(block.text for block in blocks) == text, "split_blocks lost text"
    return blocks


def paragraph_is_math(paragraph: list[str]) -> bool:
    """Inside an open ``$$`` block a line of backticks is math, not a fence."""
    return "".join(paragraph).count("$$") % 2 == 1


def translate_markdown(text: str, catalog: Catalog, where: str) -> str:
    pieces = []
    for block in split_blocks(text):
        if block.translatable:
            message = catalog.get(block.text)
            if message is None or not message.string or message.fuzzy:
                raise LookupError(f"{where}: no Korean for {block.text[:70]!r}: run `python tools/i18n.py check`")
            pieces.append(message.string)
        else:
            pieces.append(block.text)
    return "".join(pieces)


# --- the English sources --------------------------------------------------------------------


def toc_documents() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    documents = [toc["root"]]
    for part in toc.get("parts", []):
        documents += [chapter["file"] for chapter in part.get("chapters", [])]
    return documents


def page_sources() -> list[Path]:
    """Every English page and notebook of the book (the glossary's included parts too)."""
    sources = []
    for document in toc_documents():
        notebook, page = ROOT / f"{document}.ipynb", ROOT / f"{document}.md"
        sources.append(notebook if notebook.exists() else page)
    sources += sorted(GLOSSARY.glob("*.md"))
    return sources


def assignment_source(name: str) -> Path:
    return ROOT / "assignments" / f"{name}.py"


def domain_of(source: Path) -> str:
    return source.relative_to(ROOT).with_suffix("").as_posix()


def markdown_units(source: Path) -> list[tuple[str, int]]:
    """The markdown of a source as (text, location): cells of a notebook, or a whole page."""
    if source.suffix == ".ipynb":
        notebook = nbformat.read(source, as_version=4)
        return [(cell.source, index) for index, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"]
    if source.suffix == ".py":
        import jupytext

        notebook = jupytext.read(source, fmt="py:percent")
        return [(cell.source, index) for index, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"]
    return [(source.read_text(), 1)]


def toc_strings() -> list[str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [config["title"], *[part["caption"] for part in toc.get("parts", []) if "caption" in part]]


def all_domains() -> dict[str, Path | None]:
    domains: dict[str, Path | None] = {TOC_DOMAIN: None}
    for source in page_sources() + [assignment_source(name) for name in ASSIGNMENTS]:
        domains[domain_of(source)] = source
    return domains


def template(domain: str, source: Path | None) -> Catalog:
    """The entries the English source has now, in order, each with where it occurs."""
    catalog = Catalog(locale="ko", project="lossbook", domain=domain.replace("/", "."))
    if source is None:
        for index, text in enumerate(toc_strings()):
            catalog.add(text, locations=[("_toc.yml" if index else "_config.yml", index + 1)])
        return catalog
    relative = source.relative_to(ROOT).as_posix()
    for text, location in markdown_units(source):
        line_offset = 0
        for block in split_blocks(text):
            if block.translatable:
                # Notebooks: the cell's index; pages: the block's first line.
                where = location if source.suffix in (".ipynb", ".py") else location + line_offset
                existing = catalog.get(block.text)
                if existing is None:
                    catalog.add(block.text, locations=[(relative, where)])
                else:
                    existing.locations.append((relative, where))
            line_offset += block.text.count("\n")
    return catalog


def po_path(domain: str) -> Path:
    return LOCALE / f"{domain}.po"


def read_catalog(domain: str) -> Catalog:
    path = po_path(domain)
    if not path.exists():
        return Catalog(locale="ko", project="lossbook", domain=domain.replace("/", "."))
    with path.open("rb") as file:
        return read_po(file, locale="ko", domain=domain.replace("/", "."))


def write_catalog(domain: str, catalog: Catalog) -> None:
    path = po_path(domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.fuzzy = False  # the header entry; Babel marks a new one fuzzy
    for message in catalog:
        # Babel guesses "python-brace-format" from the braces of MyST roles; they are not that.
        message.flags.discard("python-brace-format")
        message.flags.discard("python-format")
    buffer = io.BytesIO()
    # No line wrapping beyond the English's own line breaks: entries diff line by line.
    write_po(buffer, catalog, width=0, include_previous=True, omit_header=False, ignore_obsolete=True)
    path.write_bytes(buffer.getvalue())


def message_state(catalog: Catalog) -> list:
    return [
        (message.id, message.string, message.fuzzy, tuple(message.locations), tuple(message.previous_id or ()))
        for message in catalog
        if message.id
    ]


def update() -> int:
    changed = 0
    for domain, source in all_domains().items():
        catalog = read_catalog(domain)
        before = message_state(catalog)
        catalog.update(template(domain, source), update_header_comment=False)
        if po_path(domain).exists() and message_state(catalog) == before:
            continue
        catalog.language_team = "lossbook Korean <https://github.com/lossbook/lossbook>"
        catalog.copyright_holder = "The lossbook authors"
        catalog.msgid_bugs_address = "https://github.com/lossbook/lossbook/issues"
        write_catalog(domain, catalog)
        changed += 1
    print(f"updated {changed} of {len(all_domains())} catalogues in {shown(LOCALE)}")
    return 0


# --- checks ------------------------------------------------------------------------------------


def carried(text: str) -> dict[str, list[str]]:
    """What a translation must keep from its English: formulas, code, glue, references, links."""
    display = MATH_DISPLAY.findall(text)
    rest = MATH_DISPLAY.sub(" ", text)
    inline = MATH_INLINE.findall(rest)
    rest = MATH_INLINE.sub(" ", rest)
    roles, targets = [], []
    for match in ROLE.finditer(rest):
        role, body = match["role"], match["body"]
        if role.startswith(("glue", "cite", "eq", "numref")):
            roles.append(match.group(0))
        else:
            explicit = re.match(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", body, re.DOTALL)
            targets.append(f"{role}:{(explicit['target'] if explicit else body).strip().lower()}")
    rest = ROLE.sub(" ", rest)
    code = [match.group(2) for match in CODE_SPAN.finditer(rest)]
    links = [match["target"] for match in LINK_TARGET.finditer(rest)]
    return {
        "formula": sorted(display + inline),
        "code span": sorted(code),
        "glue value or citation": sorted(roles),
        "reference": sorted(targets),
        "link": sorted(links),
    }


def entry_problems(message) -> list[str]:
    english, korean = carried(message.id), carried(message.string)
    problems = []
    for kind, wanted in english.items():
        missing = [item for item in wanted if item not in korean[kind]]
        extra = [item for item in korean[kind] if item not in wanted]
        if missing:
            problems.append(f"drops the {kind} {missing[0]!r}")
        elif extra and kind != "reference":
            problems.append(f"adds the {kind} {extra[0]!r}")
    if not HANGUL.search(message.string) and has_prose(message.id) and len(LATIN_WORD.findall(message.id)) > 3:
        problems.append("has no Korean in it")
    return problems


def describe(message) -> str:
    where = ", ".join(f"{path} {'cell' if path.endswith(('.ipynb', '.py')) else 'line'} {line}" for path, line in message.locations[:2])
    first = message.id.split("\n", 1)[0]
    more = "…" if len(first) > 72 or "\n" in message.id else ""
    return f"{where}: {first[:72]!r}{more}"


def check(domains: list[str] | None = None) -> int:
    failures, entries, entries_with_problems = [], 0, 0
    for domain, source in all_domains().items():
        if domains and domain not in domains:
            continue
        catalog = read_catalog(domain)
        for wanted in template(domain, source):
            if not wanted.id:
                continue
            entries += 1
            message = catalog.get(wanted.id)
            where = shown(po_path(domain))
            before = len(failures)
            if message is None:
                failures.append(f"{where}: no entry for the English of {describe(wanted)} (new or changed: run `python tools/i18n.py update`, then translate it)")
            elif message.fuzzy:
                failures.append(f"{where}: fuzzy entry, its English changed: {describe(wanted)}")
            elif not message.string:
                failures.append(f"{where}: untranslated entry {describe(wanted)}")
            else:
                for problem in entry_problems(message):
                    failures.append(f"{where}: the Korean of {describe(wanted)} {problem}")
            entries_with_problems += len(failures) > before
    for failure in failures:
        print(failure)
    print(f"{entries} entries, {entries - entries_with_problems} without a problem, {len(failures)} problems")
    return 1 if failures else 0


def stats() -> int:
    total = translated = 0
    for domain, source in all_domains().items():
        catalog = read_catalog(domain)
        wanted = [message for message in template(domain, source) if message.id]
        done = sum(1 for message in wanted if (found := catalog.get(message.id)) and found.string and not found.fuzzy)
        words = sum(len(message.id.split()) for message in wanted)
        total, translated = total + len(wanted), translated + done
        print(f"{domain:40} {len(wanted):4} entries {words:6} English words {done / max(len(wanted), 1):7.1%} translated")
    print(f"{'all':40} {total:4} entries {'':19} {translated / max(total, 1):7.1%} translated")
    return 0


# --- the glossary as the one source of Korean terms ------------------------------------------


def glossary_terms() -> dict[str, list[str]]:
    """English term -> its Korean names, from the English glossary ("term\\n  한국어 이름. …")."""
    terms: dict[str, list[str]] = {}
    for path in sorted(GLOSSARY.glob("*.md")):
        lines = path.read_text().splitlines()
        for index, line in enumerate(lines[:-1]):
            nxt = lines[index + 1]
            if line and not line.startswith((" ", "`", ":")) and nxt.startswith("  ") and HANGUL.search(nxt):
                name = nxt.strip().split(".", 1)[0]
                # "기울기 (그래디언트)": the name and its accepted variant; "(autograd)" is English.
                names = [re.sub(r"\s*\(.*?\)", "", name).strip()]
                names += [variant.strip() for variant in re.findall(r"\((.*?)\)", name) if HANGUL.search(variant)]
                term = line.strip()
                # "BLEU 점수": Korean keeps the English name itself.
                names += [term] if any(term in korean for korean in names) else []
                terms[term] = [n for n in names if n]
    return terms


def term_pattern(term: str) -> re.Pattern:
    words = [re.escape(word) for word in re.split(r"[\s-]+", term)]
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?:s|es)?(?![\w-])", re.IGNORECASE)


def prose_for_terms(text: str) -> str:
    """The words of a block where a term counts: not inside math, code, or a glue or cite role."""
    text = MATH_DISPLAY.sub(" ", text)
    text = MATH_INLINE.sub(" ", text)
    text = ROLE.sub(lambda m: " " if m["role"].startswith(("glue", "cite", "doc", "ref")) else " " + m["body"] + " ", text)
    text = CODE_SPAN.sub(" ", text)
    return LINK_TARGET.sub(" ", text)


def term_problems() -> list[str]:
    terms = glossary_terms()
    patterns = sorted(((term, term_pattern(term)) for term in terms), key=lambda item: -len(item[0]))
    problems = []
    for domain in all_domains():
        for message in read_catalog(domain):
            if not message.id or not message.string or domain.startswith("book/glossary"):
                continue
            english = prose_for_terms(message.id)
            korean = prose_for_terms(message.string).replace("\n", " ")
            for term, pattern in patterns:
                if pattern.search(english):
                    english = pattern.sub(" ", english)  # "gradient descent" is not also "gradient"
                    if not any(name in korean for name in terms[term]):
                        problems.append(
                            f"{shown(po_path(domain))}: {describe(message)} uses {term!r}, "
                            f"but its Korean lacks the glossary's {' or '.join(terms[term])!r}"
                        )
    return problems


def terms_check() -> int:
    problems = term_problems()
    for problem in problems:
        print(problem)
    print(f"{len(glossary_terms())} glossary terms, {len(problems)} entries that render one differently")
    return 1 if problems else 0


# --- what the catalogue makes ------------------------------------------------------------------


def translate_notebook(notebook: nbformat.NotebookNode, source: Path) -> nbformat.NotebookNode:
    """``notebook`` (read from ``source``, a chapter or an assignment) with its markdown cells
    put into Korean from that source's catalogue, in place; code cells and outputs untouched."""
    catalog = read_catalog(domain_of(source))
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            cell.source = translate_markdown(cell.source, catalog, f"{shown(source)} cell {index}")
    return notebook


def korean_notebook(source: Path) -> nbformat.NotebookNode:
    """The English notebook with its markdown in Korean, marked as Korean."""
    korean = translate_notebook(nbformat.read(source, as_version=4), source)
    korean.metadata["language"] = "ko"
    return korean


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def english_notebooks() -> list[Path]:
    return [source for source in page_sources() if source.suffix == ".ipynb"]


def generate(check_only: bool) -> int:
    stale = []
    for source in english_notebooks():
        target = KOREAN_NOTEBOOKS / source.name
        try:
            text = notebook_text(korean_notebook(source))
        except LookupError as error:
            print(error)
            stale.append(target)
            continue
        if not target.exists() or target.read_text() != text:
            stale.append(target)
            if not check_only:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
    wanted = {source.name for source in english_notebooks()}
    extra = [path for path in KOREAN_NOTEBOOKS.glob("*.ipynb") if path.name not in wanted]
    for path in stale:
        print(f"{shown(path)} is {'out of date' if check_only else 'written'}")
    for path in extra:
        print(f"{shown(path)} has no English notebook")
    if check_only and (stale or extra):
        print("the Korean notebooks differ from what the English notebooks and the catalogue make: "
              "run `python tools/i18n.py generate` and commit ko/notebooks")
        return 1
    return 0


def korean_config() -> dict:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    toc_catalog = read_catalog(TOC_DOMAIN)
    config["title"] = translate_markdown(config["title"], toc_catalog, "_config.yml title")
    # Launch buttons open the committed Korean notebooks (ko/notebooks/<chapter>.ipynb).
    config["repository"]["path_to_book"] = "ko"
    config["logo"] = str(ROOT / config["logo"])
    config["html"]["favicon"] = str(ROOT / config["html"]["favicon"])
    config["bibtex_bibfiles"] = [str(ROOT / path) for path in config["bibtex_bibfiles"]]
    sphinx = config["sphinx"]
    sphinx["local_extensions"] = {name: str(ROOT / path) for name, path in sphinx["local_extensions"].items()}
    options = sphinx["config"]
    options["language"] = "ko"
    options["html_static_path"] = [str(ROOT / path) for path in options["html_static_path"]]
    options["html_extra_path"] = [str(ROOT / path) for path in options["html_extra_path"]]
    options["lossbook_edition"] = "ko"
    return config


def source_tree(out: Path) -> int:
    """The Korean book's source: translated pages and config, the committed Korean notebooks."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    toc_catalog = read_catalog(TOC_DOMAIN)
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for part in toc.get("parts", []):
        if "caption" in part:
            part["caption"] = translate_markdown(part["caption"], toc_catalog, "_toc.yml caption")
    (out / "_toc.yml").write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False))
    (out / "_config.yml").write_text(yaml.safe_dump(korean_config(), allow_unicode=True, sort_keys=False))
    for source in page_sources():
        target = out / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix == ".ipynb":
            committed = KOREAN_NOTEBOOKS / source.name
            if not committed.exists():
                print(f"{shown(committed)} is missing: run `python tools/i18n.py generate`")
                return 1
            shutil.copy(committed, target)
        else:
            catalog = read_catalog(domain_of(source))
            target.write_text(translate_markdown(source.read_text(), catalog, shown(source)))
    # What the pages include or show by a relative path.
    for shared in ("book/images", "benchmarks/results"):
        shutil.copytree(ROOT / shared, out / shared)
    print(f"Korean book source in {out}")
    return 0


# --- worksheets: the catalogue as plain text, for translating without a PO editor ------------

ENTRY_LINE = re.compile(r"^##### entry (?P<number>\d+) \| .*$")
KOREAN_LINE = ">>>>> Korean"
# A fuzzy entry's old Korean, exported for review: it stays fuzzy until this line reads KOREAN_LINE.
FUZZY_LINE = ">>>>> Korean (fuzzy: the English changed; review, then make this line read '>>>>> Korean')"


def export_worksheet(domain: str, out: Path) -> int:
    """Each entry's English, then its Korean (empty where untranslated or fuzzy), unescaped."""
    source = all_domains()[domain]
    catalog = read_catalog(domain)
    parts = []
    for number, wanted in enumerate((m for m in template(domain, source) if m.id), start=1):
        message = catalog.get(wanted.id)
        korean = message.string if message is not None and message.string else ""
        marker = FUZZY_LINE if message is not None and message.fuzzy else KOREAN_LINE
        where = ", ".join(f"{path}:{line}" for path, line in wanted.locations[:1])
        parts.append(f"##### entry {number} | {where}\n{wanted.id}\n{marker}\n{korean}\n")
    out.write_text("\n".join(parts))
    print(f"{len(parts)} entries of {domain} in {out}")
    return 0


def import_worksheet(domain: str, worksheet: Path) -> int:
    """Put a worksheet's Korean into the catalogue, entry by entry number."""
    source = all_domains()[domain]
    wanted = [message for message in template(domain, source) if message.id]
    catalog = read_catalog(domain)
    catalog.update(template(domain, source), update_header_comment=False)
    number, section, english, korean, filled = None, None, [], [], 0
    reviewed = True

    def store():
        nonlocal filled
        if number is None:
            return
        if not 1 <= number <= len(wanted):
            raise SystemExit(f"{worksheet}: entry {number} does not exist ({len(wanted)} entries)")
        text = "\n".join(korean).strip("\n")
        given = "\n".join(english).strip("\n")
        if given and given != wanted[number - 1].id:
            print(f"{worksheet}: entry {number}: its English differs from the catalogue's; stored by number")
        if text:
            message = catalog.get(wanted[number - 1].id)
            message.string = text
            if reviewed:
                message.flags.discard("fuzzy")
                message.previous_id = []
                filled += 1

    for line in worksheet.read_text().splitlines():
        match = ENTRY_LINE.match(line)
        if match:
            store()
            number, section, english, korean = int(match["number"]), "english", [], []
        elif line in (KOREAN_LINE, FUZZY_LINE) and section == "english":
            section, reviewed = "korean", line == KOREAN_LINE
        elif section == "english":
            english.append(line)
        elif section == "korean":
            korean.append(line)
    store()
    write_catalog(domain, catalog)
    print(f"{filled} of {len(wanted)} entries of {domain} have reviewed Korean from {worksheet}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("update", help="merge the English into the catalogues")
    check_parser = commands.add_parser("check", help="every entry translated, none fuzzy, nothing dropped")
    check_parser.add_argument("domains", nargs="*", help="only these catalogues (e.g. notebooks/foundations)")
    generate_parser = commands.add_parser("generate", help="write ko/notebooks from the catalogue")
    generate_parser.add_argument("--check", action="store_true", help="only say whether they are up to date")
    source_parser = commands.add_parser("source", help="the Korean book's source tree")
    source_parser.add_argument("out", type=Path)
    export_parser = commands.add_parser("export", help="a catalogue as a plain-text worksheet")
    export_parser.add_argument("domain")
    export_parser.add_argument("worksheet", type=Path)
    import_parser = commands.add_parser("import", help="a worksheet's Korean into its catalogue")
    import_parser.add_argument("domain")
    import_parser.add_argument("worksheet", type=Path)
    commands.add_parser("terms", help="glossary terms used consistently")
    commands.add_parser("stats", help="entries and translated share")
    args = parser.parse_args()
    if args.command == "update":
        return update()
    if args.command == "check":
        return check(args.domains)
    if args.command == "generate":
        return generate(args.check)
    if args.command == "source":
        return source_tree(args.out.resolve())
    if args.command == "export":
        return export_worksheet(args.domain, args.worksheet)
    if args.command == "import":
        return import_worksheet(args.domain, args.worksheet)
    if args.command == "terms":
        return terms_check()
    return stats()


if __name__ == "__main__":
    sys.exit(main())
