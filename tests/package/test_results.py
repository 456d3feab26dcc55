"""Full-size results files: what they record, where they go, and the names they accept."""

import json

import pytest
import torch

from lossbook import results
from lossbook.results import RESULTS_DIR_VARIABLE, results_dir, study_results_path


def test_default_folder_is_package_data_next_to_the_module(monkeypatch):
    monkeypatch.delenv(RESULTS_DIR_VARIABLE, raising=False)
    assert results_dir().parent.name == "lossbook" and results_dir().name == "full_results"
    assert results_dir().parent == __import__("pathlib").Path(results.__file__).parent


@pytest.mark.parametrize("name", ["../escape", "Focal", "", 3])
def test_chapter_names_are_plain_identifiers(name):
    with pytest.raises(ValueError, match="chapter must be a lower-case name"):
        study_results_path(name, "cpu")


# ---------------------------------------------------------------------------------------
# study records (lossbook.studies writes them one finished run at a time)
# ---------------------------------------------------------------------------------------

from pathlib import Path  # noqa: E402

from lossbook.results import (  # noqa: E402
    STUDY_SIZES,
    add_study_run,
    cpu_model,
    describe_study,
    environment,
    load_study_results,
    new_study_record,
    register_configurations,
    study_results_path,
    study_rows,
    write_study_results,
)

CONFIG = {"key": "g/a", "group": "g", "arm": "a", "lr": 0.1, "seeds": [0, 1]}


def test_cpu_model_is_the_model_name_line_of_proc_cpuinfo():
    lines = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
    if not lines:
        pytest.skip("no model name in /proc/cpuinfo on this machine")
    assert cpu_model() == lines[0].split(":", 1)[1].strip()
    env = environment(torch.device("cpu"))
    assert env["hardware"] == env["cpu"] == cpu_model() and env["threads"] == torch.get_num_threads()


def test_a_study_record_round_trips_with_its_rows_and_machine(tmp_path):
    record = new_study_record("toy", "cpu")
    register_configurations(record, [CONFIG])
    env = environment(torch.device("cpu"))
    add_study_run(record, "g/a", 1, {"arm": "a", "seed": 1, "score": 0.5}, seconds=2.0, env=env)
    path = write_study_results(record, study_results_path("toy", "cpu", tmp_path))
    assert path == tmp_path / "toy.cpu.json" and [p.name for p in tmp_path.iterdir()] == ["toy.cpu.json"]
    loaded = load_study_results("toy", "cpu", tmp_path)
    assert loaded["configurations"] == {"g/a": {"key": "g/a", "group": "g", "arm": "a", "lr": 0.1}}
    assert loaded["seeds"] == {"g/a": [0, 1]}
    assert study_rows(loaded) == [{"key": "g/a", "group": "g", "arm": "a", "seed": 1, "score": 0.5}]
    assert loaded["machines"][0]["runs"] == 1 and loaded["machines"][0]["seconds"] == 2.0
    assert "1 runs of 1 configurations, seeds [1]" in describe_study(loaded)
    with pytest.raises(ValueError, match="already holds configuration 'g/a' with seed 1"):
        add_study_run(loaded, "g/a", 1, {}, seconds=1.0, env=env)
    with pytest.raises(ValueError, match="key 'g/b' is not a configuration"):
        add_study_run(loaded, "g/b", 0, {}, seconds=1.0, env=env)


def test_without_a_size_the_largest_record_found_is_loaded(tmp_path):
    for size in ("smoke", "cpu"):
        write_study_results(new_study_record("toy", size), study_results_path("toy", size, tmp_path))
    assert load_study_results("toy", directory=tmp_path)["size"] == "cpu"
    assert load_study_results("toy", "smoke", tmp_path)["size"] == "smoke"
    assert load_study_results("toy", "gpu", tmp_path) is None
    assert STUDY_SIZES == ("tiny", "smoke", "cpu", "gpu")
    with pytest.raises(ValueError, match="size must be one of"):
        study_results_path("toy", "full", tmp_path)


def test_a_failed_write_keeps_the_previous_file_whole(tmp_path):
    path = study_results_path("toy", "cpu", tmp_path)
    record = new_study_record("toy", "cpu")
    write_study_results(record, path)
    before = path.read_text()
    record["runs"].append({"row": {"value": object()}})  # not JSON: the write fails
    with pytest.raises(TypeError):
        write_study_results(record, path)
    assert path.read_text() == before and [p.name for p in tmp_path.iterdir()] == ["toy.cpu.json"]


def test_committed_study_records_load_and_render_with_at_least_five_seeds():
    from lossbook.studies import STUDIES, load_tables

    found = 0
    for chapter, module in STUDIES.items():
        record, tables = load_tables(chapter)
        if record is None:
            continue
        found += 1
        assert record["machines"] and all(m["hardware"] and m["versions"]["torch"] for m in record["machines"])
        assert tables and all(len(table) for table in tables.values())
        seeds = {}
        for run in record["runs"]:
            seeds.setdefault(run["key"], set()).add(run["seed"])
        # Every comparison the chapter draws (the configurations not marked extra) has at least 5 seeds.
        main = [c["key"] for c in module.configurations(record["size"]) if not c.get("extra")]
        assert min(len(seeds.get(key, ())) for key in main) >= 5, {key: len(seeds.get(key, ())) for key in main}
    assert found == len(STUDIES), "every case study has a committed results file"
