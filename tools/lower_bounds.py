"""The oldest versions ``pyproject.toml`` allows, as a pip constraints file.

    python tools/lower_bounds.py > _build/lower-bounds/constraints.txt

Every dependency (and the ``nlp`` extra) must carry a lower bound (``>=``) or a pin (``==``);
each becomes ``name==that version``. ``make test-lower-bounds`` installs lossbook under these
constraints in a fresh venv and runs the package tests there, so a bound that is not true
fails the build.

One exception: torch. The only CPU build of torch these machines install offline is 2.13.0,
so the constraint says ``torch==2.13.0`` whatever the bound; the bound itself (Colab's 2.11)
is what ``make colab-check`` runs.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(>=|==)\s*([0-9][^,;\s]*)\s*$")
TORCH_HERE = "2.13.0"


def requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    return list(project["dependencies"]) + [
        requirement for extra in project.get("optional-dependencies", {}).values() for requirement in extra
    ]


def minimums(lines: list[str]) -> list[str]:
    """``name==version`` for each requirement, its lower bound or pin."""
    result = []
    for line in lines:
        match = REQUIREMENT.match(line)
        if not match:
            raise SystemExit(f"pyproject.toml: {line!r} needs exactly one lower bound (>=) or pin (==)")
        name, _, version = match.groups()
        result.append(f"{name}=={TORCH_HERE if name == 'torch' else version}")
    return result


def check_installed(pins: list[str]) -> int:
    """Fail unless every package is installed at exactly its minimum (constraints alone only cap)."""
    from importlib.metadata import PackageNotFoundError, version

    wrong = []
    for pin in pins:
        name, expected = pin.split("==")
        try:
            got = version(name)
        except PackageNotFoundError:
            got = "not installed"
        # 2.13.0+cpu is torch 2.13.0; "1.26" is "1.26.0".
        if got.split("+")[0].removesuffix(".0") != expected.removesuffix(".0"):
            wrong.append(f"{name}: {got}, expected {expected}")
    for line in wrong:
        print(line, file=sys.stderr)
    if not wrong:
        print(f"all {len(pins)} dependencies at their lower bound: {', '.join(pins)}")
    return 1 if wrong else 0


def main() -> int:
    pins = minimums(requirements())
    if sys.argv[1:] == ["--check-installed"]:
        return check_installed(pins)
    print("# The oldest versions pyproject.toml allows (tools/lower_bounds.py); torch: see its docstring.")
    print("\n".join(pins))
    return 0


if __name__ == "__main__":
    sys.exit(main())
