"""Full-size results files: what they record, where they go, and the names they accept."""

import importlib.metadata
import json

import pytest
import torch

from lossbook import results
from lossbook.results import RESULTS_DIR_VARIABLE, load_full_results, results_dir, save_full_results


def test_saved_results_round_trip_with_their_context(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_DIR_VARIABLE, str(tmp_path))
    assert load_full_results("toy_chapter") is None
    rows = [{"loss": "CE", "accuracy": 0.75}, {"loss": "focal", "accuracy": 0.5}]
    path = save_full_results("toy_chapter", {"main": rows}, config={"seeds": [0, 1]}, device=torch.device("cpu"))
    assert path == tmp_path / "toy_chapter.json"
    record = load_full_results("toy_chapter")
    assert record["tables"] == {"main": rows} and record["config"] == {"seeds": [0, 1]}
    assert record["environment"]["device"] == "cpu"
    assert record["environment"]["versions"]["torch"] == importlib.metadata.version("torch")
    assert len(record["date"]) == 10 and json.loads(path.read_text())["chapter"] == "toy_chapter"


def test_default_folder_is_package_data_next_to_the_module(monkeypatch):
    monkeypatch.delenv(RESULTS_DIR_VARIABLE, raising=False)
    assert results_dir().parent.name == "lossbook" and results_dir().name == "full_results"
    assert results_dir().parent == __import__("pathlib").Path(results.__file__).parent


@pytest.mark.parametrize("name", ["../escape", "Focal", "", 3])
def test_chapter_names_are_plain_identifiers(name):
    with pytest.raises(ValueError, match="chapter must be a lower-case name"):
        load_full_results(name)


def test_tables_must_be_lists_of_rows(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_DIR_VARIABLE, str(tmp_path))
    with pytest.raises(TypeError, match="tables must be a dict of table name -> list of row dicts"):
        save_full_results("toy", {"main": {"a": 1}}, config={}, device=torch.device("cpu"))
