"""Write the configuration of the student edition of the book (exercise solutions hidden).

The student edition is the same site built from the same sources; only a few settings
differ, kept in ``book/student/_config.yml``. This script merges them into the
repository's ``_config.yml`` and writes the result, for ``jupyter-book build --config``:

    python assignments/student_edition.py _build/student-config/_config.yml
    jupyter-book build . --config _build/student-config/_config.yml --path-output _build/student -W -n --keep-going

The merged file can live anywhere: the one setting Jupyter Book resolves relative to the
configuration file (``sphinx.local_extensions``) is rewritten as an absolute path.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OVERLAY = ROOT / "book" / "student" / "_config.yml"


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
    config = merge(yaml.safe_load(base_path.read_text()), yaml.safe_load(overlay_path.read_text()))
    extensions = config.get("sphinx", {}).get("local_extensions") or {}
    for name, path in extensions.items():
        extensions[name] = str((ROOT / path).resolve())
    return config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=Path, help="where to write the merged _config.yml")
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(yaml.safe_dump(student_config(), sort_keys=False, allow_unicode=True))
    print(f"student edition config: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
