"""The case-study runner: a real chapter end to end at tiny size, resuming, the budget, merging, the tables."""

import json
import math
import types

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from lossbook.results import STUDY_FORMAT, load_study_results, study_results_path, study_rows
from lossbook.studies import STUDIES, load_tables, mixed_ce_translation, runner
from lossbook.studies.summary import arm_table, as_text, paired_differences


def count_calls(module, monkeypatch):
    calls = []
    original = module.run_one

    def counted(config, seed, device, **kwargs):
        calls.append((config["key"], seed))
        return original(config, seed, device, **kwargs)

    monkeypatch.setattr(module, "run_one", counted)
    return calls


def test_tiny_run_writes_every_unit_with_its_machine_and_a_rerun_trains_nothing(tmp_path, monkeypatch):
    calls = count_calls(mixed_ce_translation, monkeypatch)
    summary = runner.run_studies(["mixed_ce_translation"], "tiny", directory=tmp_path, out=open(tmp_path / "log", "w"))
    configs = mixed_ce_translation.configurations("tiny")
    expected_units = {(c["key"], s) for c in configs for s in c["seeds"]}
    assert summary["ran"] == len(expected_units) == len(calls) and set(calls) == expected_units

    path = study_results_path("mixed_ce_translation", "tiny", tmp_path)
    record = json.loads(path.read_text())
    assert record["format"] == STUDY_FORMAT and record["merged"] is False
    assert {(r["key"], r["seed"]) for r in record["runs"]} == expected_units
    assert set(record["configurations"]) == {c["key"] for c in configs}
    assert record["seeds"] == {c["key"]: c["seeds"] for c in configs}
    (machine,) = record["machines"]
    assert machine["device"] == "cpu" and machine["cpu_count"] >= 1 and machine["runs"] == len(expected_units)
    assert machine["versions"]["torch"] == torch.__version__ and machine["versions"]["numpy"] == np.__version__
    assert all(r["machine"] == machine["id"] and r["seconds"] > 0 for r in record["runs"])
    for row in study_rows(record):
        assert 0 <= row["exact match, multi"] <= 1 and 0 <= row["BLEU, multi"] <= 100
        # A second reference can only help: multi-reference scores are never below single-reference ones.
        assert row["exact match, multi"] >= row["exact match, single"] and row["BLEU, multi"] >= row["BLEU, single"]
    assert not list(tmp_path.glob(".*"))  # no temporary or lock file left behind

    calls.clear()
    again = runner.run_studies(["mixed_ce_translation"], "tiny", directory=tmp_path, out=open(tmp_path / "log", "w"))
    assert calls == [] and again["ran"] == 0 and again["skipped_done"] == len(expected_units)

    # A file that lost one unit (a run stopped before writing it) gets exactly that unit back.
    record["runs"] = record["runs"][:-1]
    path.write_text(json.dumps(record))
    missing = runner.run_studies(["mixed_ce_translation"], "tiny", directory=tmp_path, out=open(tmp_path / "log", "w"))
    assert missing["ran"] == 1 and len(calls) == 1
    assert {(r["key"], r["seed"]) for r in load_study_results("mixed_ce_translation", "tiny", tmp_path)["runs"]} == expected_units


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def fake_study(clock, seconds_per_run=60.0, fail_on=None):
    """A study whose runs take ``seconds_per_run`` on ``clock``, one configuration, seeds 0-4."""
    calls = []

    def run_one(config, seed, device):
        if fail_on is not None and len(calls) == fail_on:
            raise KeyboardInterrupt
        calls.append(seed)
        clock.now += seconds_per_run
        return {"arm": config["arm"], "seed": seed, "score": float(seed)}

    module = types.SimpleNamespace(
        CHAPTER="fake_study", MEASURED_SECONDS={"tiny": {"g": seconds_per_run}}, run_one=run_one,
        configurations=lambda size: [{"key": "g/a", "group": "g", "arm": "a", "seeds": [0, 1, 2, 3, 4]}])
    return module, calls


def test_budget_stops_before_a_run_that_would_not_fit_and_a_rerun_continues(tmp_path):
    clock = FakeClock()
    module, calls = fake_study(clock)
    studies = {"fake_study": module}
    log = open(tmp_path / "log", "w")
    # 150 s: runs end at 60 and 120 s; a third would end at 180 s, past the budget.
    first = runner.run_studies(["fake_study"], "tiny", budget_minutes=2.5, directory=tmp_path, studies=studies,
                               clock=clock, out=log)
    assert calls == [0, 1] and first["ran"] == 2 and first["left"] == 3
    record = load_study_results("fake_study", "tiny", tmp_path)
    assert [r["seed"] for r in record["runs"]] == [0, 1]
    second = runner.run_studies(["fake_study"], "tiny", directory=tmp_path, studies=studies, clock=clock, out=log)
    assert calls == [0, 1, 2, 3, 4] and second["ran"] == 3 and second["skipped_done"] == 2


def test_an_interrupted_run_keeps_every_finished_unit_in_a_valid_file(tmp_path):
    clock = FakeClock()
    module, calls = fake_study(clock, fail_on=2)
    with pytest.raises(KeyboardInterrupt):
        runner.run_studies(["fake_study"], "tiny", directory=tmp_path, studies={"fake_study": module}, clock=clock,
                           out=open(tmp_path / "log", "w"))
    record = load_study_results("fake_study", "tiny", tmp_path)
    assert [r["seed"] for r in record["runs"]] == [0, 1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake_study.tiny.json", "log"]


def test_plan_is_round_robin_over_seeds_with_the_extras_last():
    units = runner.plan(list(STUDIES), "cpu", torch.device("cpu"))
    configs = {(c, cfg["key"]): cfg for c, m in STUDIES.items() for cfg in m.configurations("cpu")}
    assert len(units) == sum(len(cfg["seeds"]) for cfg in configs.values())

    def position(unit):
        return configs[unit.chapter, unit.key]["seeds"].index(unit.seed)

    extra = [bool(configs[u.chapter, u.key].get("extra")) or position(u) >= configs[u.chapter, u.key].get("first_seeds", 99)
             for u in units]
    assert extra == sorted(extra)  # every extra run after every other
    main = [position(u) for u, e in zip(units, extra) if not e]
    assert main == sorted(main)  # seed 0 of everything, then seed 1, ...
    # Every chapter has 5 seeds of each of its configurations before any configuration gets a sixth.
    sixth = next(i for i, u in enumerate(units) if position(u) == 5)
    for chapter in STUDIES:
        counts = pd.Series([u.key for u in units[:sixth] if u.chapter == chapter]).value_counts()
        assert counts.min() >= 5


def record_with(chapter, runs, hardware):
    from lossbook.results import add_study_run, new_study_record, register_configurations

    record = new_study_record(chapter, "cpu")
    register_configurations(record, [{"key": "g/a", "group": "g", "arm": "a", "lr": 0.1, "seeds": [0, 1, 2]}])
    env = {"device": "cpu", "hardware": hardware, "cpu": hardware, "cpu_count": 2, "threads": 1,
           "versions": {"torch": "2.13"}}
    for seed in runs:
        add_study_run(record, "g/a", seed, {"arm": "a", "seed": seed, "score": seed / 10}, seconds=1.5, env=env)
    return record


def test_merging_two_machines_lists_both_and_keeps_each_unit_once(tmp_path):
    first, second = record_with("toy", [0, 1], "CPU A"), record_with("toy", [1, 2], "CPU B")
    for name, record in (("a.json", first), ("b.json", second)):
        (tmp_path / name).write_text(json.dumps(record))
    assert runner.main(["--merge", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--out",
                        str(tmp_path / "toy.cpu.json")]) == 0
    merged = load_study_results("toy", "cpu", tmp_path)
    assert merged["merged"] is True and merged["duplicates_dropped"] == 1
    assert [m["hardware"] for m in merged["machines"]] == ["CPU A", "CPU B"]
    assert [m["runs"] for m in merged["machines"]] == [2, 1]
    assert sorted(r["seed"] for r in merged["runs"]) == [0, 1, 2]
    assert next(r for r in merged["runs"] if r["seed"] == 1)["machine"] == merged["machines"][0]["id"]
    assert merged["merged_from"] == ["a.json", "b.json"]


def test_merging_or_resuming_with_other_settings_is_refused():
    from lossbook.results import merge_study_results, register_configurations

    first, second = record_with("toy", [0], "CPU A"), record_with("toy", [1], "CPU B")
    second["configurations"]["g/a"]["lr"] = 0.2
    with pytest.raises(ValueError, match=r"configuration 'g/a' .* differs .* \['lr'\]"):
        merge_study_results([first, second])
    with pytest.raises(ValueError, match="differs"):
        register_configurations(first, [{"key": "g/a", "group": "g", "arm": "a", "lr": 0.5, "seeds": [0]}])
    with pytest.raises(ValueError, match="records must share chapter and size"):
        merge_study_results([first, record_with("other", [0], "CPU A")])


ROWS = pd.DataFrame({
    "arm": ["CE"] * 4 + ["focal"] * 4 + ["smooth"] * 3,
    "seed": [0, 1, 2, 3] * 2 + [0, 1, 3],
    "ECE": [0.10, 0.12, 0.08, 0.11, 0.07, 0.13, 0.05, 0.09, 0.10, 0.12, 0.11],
    "accuracy": [0.80, 0.82, 0.81, 0.79, 0.80, 0.80, 0.83, 0.78, 0.81, 0.84, 0.79],
})


def test_arm_table_is_the_mean_and_population_std_per_arm():
    table = arm_table(ROWS, ["ECE", "accuracy"])
    for arm, part in ROWS.groupby("arm"):
        assert table.loc[arm, ("ECE", "mean")] == pytest.approx(np.mean(part["ECE"]))
        assert table.loc[arm, ("accuracy", "std")] == pytest.approx(np.std(part["accuracy"]))
        assert table.loc[arm, ("seeds", "")] == len(part)
    assert list(table.index) == ["CE", "focal", "smooth"]
    assert as_text(table).loc["CE", "ECE"] == f"{np.mean([0.10, 0.12, 0.08, 0.11]):.4g} ± {np.std([0.10, 0.12, 0.08, 0.11]):.2g}"


def test_paired_differences_match_scipys_paired_t_test_on_the_shared_seeds():
    table = paired_differences(ROWS, ["ECE", "accuracy"], baseline="CE", lower_is_better={"ECE": True, "accuracy": False})
    ce = ROWS[ROWS["arm"] == "CE"].set_index("seed")
    for arm, seeds in (("focal", [0, 1, 2, 3]), ("smooth", [0, 1, 3])):
        other = ROWS[ROWS["arm"] == arm].set_index("seed")
        for metric in ("ECE", "accuracy"):
            d = other.loc[seeds, metric].to_numpy() - ce.loc[seeds, metric].to_numpy()
            reference = stats.ttest_rel(other.loc[seeds, metric], ce.loc[seeds, metric]).confidence_interval(0.95)
            row = table.loc[(arm, metric)]
            assert row["pairs"] == len(seeds) and row["mean"] == pytest.approx(d.mean())
            assert row["std"] == pytest.approx(np.std(d, ddof=1))
            assert (row["low"], row["high"]) == pytest.approx((reference.low, reference.high))
            better = (d < 0).sum() if metric == "ECE" else (d > 0).sum()
            worse = (d > 0).sum() if metric == "ECE" else (d < 0).sum()
            assert (row["arm better"], row["baseline better"], row["ties"]) == (better, worse, len(d) - better - worse)
    # By hand: focal's ECE differences are -0.03, +0.01, -0.03, -0.02, lower in 3 seeds of 4.
    assert tuple(table.loc[("focal", "ECE"), ["arm better", "baseline better"]]) == (3, 1)
    # accuracy differences 0, -0.02, +0.02, -0.01: one tie.
    assert table.loc[("focal", "accuracy"), "ties"] == 1


def test_paired_differences_need_every_metrics_direction_and_leave_one_pair_without_interval():
    with pytest.raises(ValueError, match=r"lower_is_better must say .* missing \['accuracy'\]"):
        paired_differences(ROWS, ["ECE", "accuracy"], baseline="CE", lower_is_better={"ECE": True})
    one = paired_differences(ROWS[ROWS["seed"] == 0], ["ECE"], baseline="CE", lower_is_better={"ECE": True})
    assert one.loc[("focal", "ECE"), "mean"] == pytest.approx(-0.03) and math.isnan(one.loc[("focal", "ECE"), "low"])
    assert as_text(one).iloc[0, 0].endswith("[—, —]")


def test_every_chapters_tables_come_from_its_results_file(tmp_path, monkeypatch):
    # The tables of a results file: the same chapter code path the notebooks will call, at tiny size.
    monkeypatch.setattr(runner, "STUDIES", STUDIES)
    runner.run_studies(["dice_loss_ner"], "tiny", directory=tmp_path, out=open(tmp_path / "log", "w"))
    record, tables = load_tables("dice_loss_ner", directory=tmp_path)
    assert record["size"] == "tiny"
    assert set(tables) == {"token arms", "token paired", "sentence arms"}
    assert list(tables["token arms"].index) == ["cross-entropy", "dice"]
    rows = pd.DataFrame(study_rows(record))
    dice = rows[(rows["task"] == "token") & (rows["loss"] == "dice")].iloc[0]
    ce = rows[(rows["task"] == "token") & (rows["loss"] == "cross-entropy")].iloc[0]
    assert tables["token paired"].loc[("dice", "entity F1"), "mean"] == pytest.approx(dice["entity F1"] - ce["entity F1"])
    assert load_tables("scl_few_shot", directory=tmp_path) == (None, {})


def test_both_translation_arms_start_from_the_same_pretrained_state_whatever_ran_before():
    # The pre-training is cached for the second arm of a seed: the first arm must not leak into it
    # (Adam's moments are updated in place, and load_state_dict does not copy them).
    config = {c["arm"]: c for c in mixed_ce_translation.configurations("tiny")}
    mixed_ce_translation._pretrained.cache_clear()
    alone = mixed_ce_translation.run_one(config["mixed CE"], 0, "cpu")
    mixed_ce_translation._pretrained.cache_clear()
    mixed_ce_translation.run_one(config["cross-entropy"], 0, "cpu")
    after_the_other_arm = mixed_ce_translation.run_one(config["mixed CE"], 0, "cpu")
    assert mixed_ce_translation._pretrained.cache_info().hits == 1
    assert after_the_other_arm == alone


def test_run_rows_gives_the_rows_the_runner_writes(tmp_path):
    from lossbook.studies import run_rows

    rows = run_rows("mixed_ce_translation", "tiny", keys=["60/20/20/mixed CE"])
    runner.run_studies(["mixed_ce_translation"], "tiny", directory=tmp_path, out=open(tmp_path / "log", "w"))
    written = [r["row"] for r in load_study_results("mixed_ce_translation", "tiny", tmp_path)["runs"]
               if r["key"] == "60/20/20/mixed CE"]
    assert rows == written
    with pytest.raises(ValueError, match=r"unknown \['nope'\]"):
        run_rows("mixed_ce_translation", "tiny", keys=["nope"])


def test_focal_run_one_keeps_the_test_logits_its_scores_were_computed_from():
    from sklearn.metrics import accuracy_score, f1_score

    from lossbook.studies import focal_calibration
    from lossbook.training.run import seed_everything

    config = focal_calibration.configurations("tiny")[0]
    seed_everything(0)
    kept = focal_calibration.run_one(config, 0, keep_logits=True)
    seed_everything(0)
    plain = focal_calibration.run_one(config, 0)
    assert "test logits" not in plain and {k: v for k, v in kept.items() if not k.startswith("test l")} == plain
    logits, labels = kept["test logits"], kept["test labels"]
    assert logits.shape == (kept["test texts"], 2) and logits.dtype == torch.float32
    # Independent of lossbook's metrics: scikit-learn's accuracy and F1, torch's own cross-entropy in float64.
    prediction = logits.argmax(dim=1).numpy()
    assert kept["accuracy"] == pytest.approx(accuracy_score(labels.numpy(), prediction))
    assert kept["macro-F1"] == pytest.approx(f1_score(labels.numpy(), prediction, average="macro"))
    assert kept["NLL"] == pytest.approx(torch.nn.functional.cross_entropy(logits.double(), labels).item(), rel=1e-6)
    with pytest.raises(TypeError, match="keep_logits"):
        focal_calibration.run_one(config, 0, keep_logits="yes")


def test_scl_run_one_keeps_the_test_embeddings_its_silhouette_was_computed_from():
    from sklearn.metrics import silhouette_samples

    from lossbook.studies import scl_few_shot
    from lossbook.training.run import seed_everything

    config = scl_few_shot.configurations("tiny")[0]
    seed_everything(0)
    row = scl_few_shot.run_one(config, 0, keep_embeddings=True)
    embeddings = row["test embeddings"]
    assert embeddings.shape == (row["test snippets"], 384)
    labels = scl_few_shot._split().test_labels[: row["test snippets"]]
    # The mean of scikit-learn's per-sample silhouettes, a code path other than silhouette_score.
    assert row["silhouette"] == pytest.approx(float(silhouette_samples(embeddings.numpy(), labels, metric="cosine").mean()))
    with pytest.raises(TypeError, match="keep_embeddings"):
        scl_few_shot.run_one(config, 0, keep_embeddings=1)
