"""The Korean edition's catalogue (locale/ko) against the English sources it translates."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from babel.messages.catalog import Message

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import i18n  # noqa: E402

SOURCES = i18n.page_sources() + [i18n.assignment_source(name) for name in i18n.ASSIGNMENTS]


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_blocks_reassemble_the_source_and_leave_code_and_math_out(source):
    for text, _ in i18n.markdown_units(source):
        blocks = i18n.split_blocks(text)
        assert "".join(block.text for block in blocks) == text
        for block in blocks:
            if block.translatable:
                assert "```" not in block.text and not block.text.lstrip().startswith("$$"), block.text[:80]


def test_split_blocks_keeps_fences_options_and_targets():
    text = (
        "(label)=\n# Title\n\nA paragraph with $x$.\n\n$$\na = b\n$$\n\n"
        "````{exercise} A title\n:label: ex\n\nThe question.\n\n```python\nprint(1)\n```\n````\n"
    )
    translatable = [block.text for block in i18n.split_blocks(text) if block.translatable]
    assert translatable == ["# Title", "A paragraph with $x$.", "A title", "The question."]


def test_every_entry_is_translated_and_keeps_its_formulas_and_references(capsys):
    status = i18n.check()
    output = capsys.readouterr().out
    assert status == 0, output


def test_korean_notebooks_are_what_the_catalogue_makes(capsys):
    status = i18n.generate(check_only=True)
    assert status == 0, capsys.readouterr().out


@pytest.mark.parametrize("source", i18n.english_notebooks(), ids=lambda path: path.stem)
def test_korean_notebook_has_the_english_code_and_outputs_and_korean_prose(source):
    english = nbformat.read(source, as_version=4)
    korean = nbformat.read(i18n.KOREAN_NOTEBOOKS / source.name, as_version=4)
    assert [cell.cell_type for cell in korean.cells] == [cell.cell_type for cell in english.cells]
    for english_cell, korean_cell in zip(english.cells, korean.cells):
        if english_cell.cell_type == "code":
            assert korean_cell.source == english_cell.source
            assert korean_cell.outputs == english_cell.outputs
            assert korean_cell.metadata == english_cell.metadata
        elif i18n.has_prose(english_cell.source):
            assert i18n.HANGUL.search(korean_cell.source), korean_cell.source[:80]
    assert korean.metadata["language"] == "ko"


def test_glossary_terms_are_rendered_by_their_korean_names():
    problems = i18n.term_problems()
    assert not problems, f"{len(problems)} entries:\n" + "\n".join(problems[:40])


def test_korean_glossary_keeps_every_english_term_as_a_link_target():
    # Chapters link to {term}`loss function`: the Korean glossary must still define it.
    for path in sorted(i18n.GLOSSARY.glob("*.md")):
        catalog = i18n.read_catalog(i18n.domain_of(path))
        korean = i18n.translate_markdown(path.read_text(), catalog, path.name)
        lines = {line.strip() for line in korean.splitlines()}
        terms = [term for term in i18n.glossary_terms() if f"\n{term}\n" in f"\n{path.read_text()}"]
        assert terms, path.name
        assert not [term for term in terms if term not in lines], path.name


def test_entry_that_drops_a_formula_or_glue_value_is_reported():
    english = "The loss is $\\ell = (y - \\hat y)^2$, {glue:text}`mse_value:.3f` here, see {doc}`the chapter <regression>`."
    good = "손실은 $\\ell = (y - \\hat y)^2$이며 여기서는 {glue:text}`mse_value:.3f`이다. {doc}`해당 장 <regression>`을 보라."
    assert i18n.entry_problems(Message(english, good)) == []
    dropped_formula = good.replace("$\\ell = (y - \\hat y)^2$", "손실")
    assert "drops the formula" in i18n.entry_problems(Message(english, dropped_formula))[0]
    dropped_glue = good.replace("{glue:text}`mse_value:.3f`", "0.25")
    assert "drops the glue value" in i18n.entry_problems(Message(english, dropped_glue))[0]
    wrong_target = good.replace("<regression>", "<classification>")
    assert "drops the reference" in i18n.entry_problems(Message(english, wrong_target))[0]


@pytest.fixture
def scratch_catalogue(tmp_path, monkeypatch):
    """A copy of the catalogue that a test may change."""
    locale = tmp_path / "locale" / "ko" / "LC_MESSAGES"
    shutil.copytree(i18n.LOCALE, locale)
    monkeypatch.setattr(i18n, "LOCALE", locale)
    return locale


def test_changed_english_paragraph_fails_the_check_naming_the_entry(scratch_catalogue, monkeypatch, capsys):
    source = ROOT / "notebooks" / "foundations.ipynb"
    units = i18n.markdown_units(source)
    text, cell = next((text, cell) for text, cell in units if "A model starts out wrong." in text)
    changed = text.replace("A model starts out wrong.", "A model starts out badly wrong.")
    original = i18n.markdown_units
    monkeypatch.setattr(
        i18n, "markdown_units",
        lambda path: [(changed if c == cell else t, c) for t, c in original(path)] if path == source else original(path),
    )

    assert i18n.check(["notebooks/foundations"]) == 1
    output = capsys.readouterr().out
    assert f"no entry for the English of notebooks/foundations.ipynb cell {cell}: 'A model starts out badly wrong." in output

    # Merged, the entry keeps its Korean for review but is fuzzy: still a failure.
    i18n.update()
    capsys.readouterr()
    assert i18n.check(["notebooks/foundations"]) == 1
    output = capsys.readouterr().out
    assert f"fuzzy entry, its English changed: notebooks/foundations.ipynb cell {cell}: 'A model starts out badly wrong." in output
