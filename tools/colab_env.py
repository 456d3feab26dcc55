"""A Colab-like environment, and proof that the chapters' install cell leaves Colab's packages alone.

    python tools/colab_env.py create .venv-colab     # Colab's versions of what the book touches
    python tools/colab_env.py install .venv-colab    # run every chapter's setup cell there, diff pip freeze

``create`` makes a venv with Python 3.11 and installs, as constraints, Colab's own versions
(``tests/colab/pip-freeze.cpu.txt``) of every package the book imports or depends on, plus
the Jupyter stack Colab runs notebooks with (ipykernel 6.17, jupyter_client 7.4, ipython 7.34,
ipywidgets 7.7). torch is the one exception: the local torch 2.13.0 CPU wheel stands in for
Colab's 2.11 (the only CPU build these machines can install quickly; ``make colab-check``
runs Colab's own). The test tools (nbval, pytest-xdist) are installed then too, so they are
part of the "before" picture.

``install`` then runs the first cell of each notebook — the Colab setup cell itself, with
``google.colab`` present and the repository URL replaced by this checkout — and fails when
the install upgraded, downgraded or removed any package that was there before, or added one
at a version other than Colab's own.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLAB_FREEZE = ROOT / "tests" / "colab" / "pip-freeze.cpu.txt"
sys.path.insert(0, str(ROOT / "tools"))

from setup_cell import repository_url  # noqa: E402

# What the book imports or declares, and the notebook stack Colab runs it with. Their own
# dependencies come along, at Colab's versions too (the constraints cover all of Colab).
COLAB_PACKAGES = [
    "numpy", "scipy", "pandas", "matplotlib", "scikit-learn", "tqdm",
    "ipywidgets", "widgetsnbextension", "jupyterlab_widgets",
    "ipython", "ipykernel", "jupyter_client", "jupyter_core", "nbformat", "nbclient", "traitlets",
    "transformers", "tokenizers", "safetensors", "huggingface_hub", "sentence-transformers",
    "regex", "requests", "lxml", "tabulate", "colorama", "PyYAML", "pytest",
]  # fmt: skip
TORCH = "torch==2.13.0"
# Colab's versions are constraints for everything but these: torch itself, and what the torch
# 2.13.0 wheel needs newer than Colab has (setuptools>=77.0.3; Colab has 75.2.0).
NOT_CONSTRAINED = ("torch", "torchvision", "torchaudio", "torchcodec", "torchao", "torchdata", "torchtune", "setuptools", "pip")
TEST_TOOLS = ["nbval==0.11.0", "pytest-xdist==3.8.0"]
NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def colab_versions(path: Path = COLAB_FREEZE) -> dict[str, str]:
    """``name -> version`` of Colab's freeze; packages installed from a URL are left out."""
    versions = {}
    for line in path.read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            versions[normalise(name)] = version.strip()
    return versions


def colab_torch(path: Path = COLAB_FREEZE) -> str:
    """Colab's torch version, from its ``torch @ https://…/torch-2.11.0%2Bcpu-…whl`` line."""
    match = re.search(r"^torch @ \S*/torch-([0-9][0-9.]*)(?:%2B|\+)", path.read_text(), re.M)
    if not match:
        raise SystemExit(f"no torch line in {path}")
    return match.group(1)


def constraints_file(directory: Path, *, exact: bool = False) -> Path:
    """Colab's versions as a pip constraints file; unless ``exact``, torch and setuptools are left free."""
    versions = colab_versions()
    if exact:
        # PyPI's torch 2.11 is a CUDA build: its nvidia-*/cuda-*/triton packages come with it
        # (Colab's CPU build needs none; its freeze still lists an nvidia-nccl it does not use).
        lines = [
            f"{name}=={version}"
            for name, version in versions.items()
            if name != "pip" and not name.startswith(("nvidia-", "cuda-", "triton"))
        ]
        lines.append(f"torch=={colab_torch()}")
    else:
        lines = [f"{name}=={version}" for name, version in versions.items() if name not in NOT_CONSTRAINED]
    path = directory / "colab-constraints.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def pip(venv: Path, *args: str, constraints_only: Path | None = None) -> None:
    """pip in ``venv``; with ``constraints_only``, that file replaces any machine-wide pip constraints."""
    environment = None
    if constraints_only is not None:
        environment = {**os.environ, "PIP_CONSTRAINT": str(constraints_only)}
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", *args], check=True, env=environment)


def freeze(venv: Path) -> dict[str, str]:
    report = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format", "json"], check=True, capture_output=True, text=True
    )
    return {normalise(row["name"]): row["version"] for row in json.loads(report.stdout)}


def create(venv: Path, python: str, *, exact: bool = False) -> None:
    """The Colab-like venv; with ``exact``, Colab's own torch (from PyPI) and setuptools too."""
    subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
    pip(venv, "install", "--quiet", "--upgrade", "pip")
    torch = f"torch=={colab_torch()}" if exact else TORCH
    with tempfile.TemporaryDirectory() as scratch:
        constraints = constraints_file(Path(scratch), exact=exact)
        if exact:  # a machine-wide cap (this project's machines pin an nvidia-nccl) must not apply
            pip(venv, "install", "--quiet", torch, *COLAB_PACKAGES, *TEST_TOOLS, constraints_only=constraints)
        else:
            pip(venv, "install", "--quiet", "-c", str(constraints), torch, *COLAB_PACKAGES, *TEST_TOOLS)
    installed = freeze(venv)
    colab = colab_versions()
    differ = {name: (installed[name], colab[name]) for name in installed if name in colab and installed[name] != colab[name]}
    for name in list(differ):
        stand_in = name.startswith(("nvidia-", "cuda-", "triton")) if exact else name in NOT_CONSTRAINED
        if stand_in or name == "pip":
            differ.pop(name)
    if exact and installed.get("torch", "").split("+")[0] != colab_torch():
        raise SystemExit(f"torch {installed.get('torch')} is not Colab's {colab_torch()}")
    if differ:
        raise SystemExit(f"the Colab-like venv differs from Colab's freeze: {differ}")
    print(
        f"{venv}: {len(installed)} packages, all at Colab's versions except torch {installed['torch']} "
        f"and setuptools {installed.get('setuptools', '-')}"
    )


def setup_cells() -> dict[str, str]:
    """The distinct first cells of the chapters, each with the chapters that use it."""
    import nbformat

    cells: dict[str, list[str]] = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        source = nbformat.read(path, as_version=4).cells[0].source
        cells.setdefault(source, []).append(path.stem)
    return {source: ", ".join(names) for source, names in cells.items()}


def run_setup_cell(source: str, venv: Path, checkout_url: str) -> None:
    """Execute a chapter's setup cell as Colab would, with pip pointed at ``venv`` and ``checkout_url``."""
    url = repository_url()
    if f"git+{url}" not in source:
        raise SystemExit(f"the setup cell does not install from git+{url}:\n{source}")

    def run(command, **kwargs):
        command = [str(venv / "bin" / "python") if part == sys.executable else part for part in command]
        command = [part.replace(f"git+{url}", checkout_url) for part in command]
        print("  $", " ".join(command), flush=True)
        return subprocess.run(command, **kwargs)

    fake_subprocess = types.SimpleNamespace(run=run)
    saved = {name: sys.modules.get(name) for name in ("google", "google.colab", "subprocess")}
    sys.modules["google"] = types.ModuleType("google")
    sys.modules["google.colab"] = types.ModuleType("google.colab")
    sys.modules["subprocess"] = fake_subprocess  # the cell does `import subprocess`
    try:
        exec(compile(source, "<setup cell>", "exec"), {"__name__": "__setup_cell__"})
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def install(venv: Path) -> int:
    checkout_url = ROOT.as_uri()
    # A fresh install each time, so the command really builds this checkout.
    pip(venv, "uninstall", "--quiet", "--yes", "lossbook")
    before = freeze(venv)
    for source, chapters in setup_cells().items():
        print(f"setup cell of {chapters}:", flush=True)
        run_setup_cell(source, venv, checkout_url)
    after = freeze(venv)
    colab = colab_versions()
    changed = {name: f"{before[name]} -> {after.get(name, 'removed')}" for name in before if after.get(name) != before[name]}
    added = {name: version for name, version in after.items() if name not in before}
    clashes = {name: f"{version} (Colab has {colab[name]})" for name, version in added.items() if name in colab and colab[name] != version}
    print(f"added by the install cells: {', '.join(f'{name} {version}' for name, version in sorted(added.items()))}")
    if changed or clashes:
        print("The install cell changes packages Colab preinstalls:", file=sys.stderr)
        for name, change in sorted({**changed, **clashes}.items()):
            print(f"  {name}: {change}", file=sys.stderr)
        return 1
    print(f"pip freeze diff of the {len(before)} packages there before: empty")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["create", "install"])
    parser.add_argument("venv", type=Path)
    parser.add_argument("--python", default="python3.11", help="the interpreter for the venv (create)")
    parser.add_argument("--exact", action="store_true", help="create: Colab's own torch and setuptools as well")
    args = parser.parse_args()
    if args.action == "create":
        create(args.venv, args.python, exact=args.exact)
        return 0
    return install(args.venv)


if __name__ == "__main__":
    sys.exit(main())
