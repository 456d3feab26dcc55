"""The student edition's configuration: the book's own, with exercise solutions hidden."""

from __future__ import annotations

from pathlib import Path

import yaml

import assignments_student_edition as student_edition

ROOT = Path(__file__).resolve().parents[2]


def test_student_edition_hides_solutions_and_changes_nothing_else():
    base = yaml.safe_load((ROOT / "_config.yml").read_text())
    student = student_edition.student_config()
    assert student["sphinx"]["config"]["hide_solutions"] is True
    assert "student edition" in student["title"]
    for key in base:
        if key not in ("title", "sphinx"):
            assert student[key] == base[key], f"the student edition changes {key!r}"
    for key, value in base["sphinx"]["config"].items():
        assert student["sphinx"]["config"][key] == value, f"the student edition changes sphinx.config.{key}"
    assert student["sphinx"].get("extra_extensions") == base["sphinx"].get("extra_extensions")


def test_local_extensions_resolve_from_anywhere():
    student = student_edition.student_config()
    for name, path in (student["sphinx"].get("local_extensions") or {}).items():
        assert Path(path).is_absolute() and (Path(path) / f"{name}.py").exists(), f"{name}: {path}"


def test_merge_is_recursive():
    merged = student_edition.merge({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"c": 4}})
    assert merged == {"a": {"b": 1, "c": 4}, "d": 3}
