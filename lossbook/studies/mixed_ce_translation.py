r"""Mixed cross-entropy for translation with synonyms (Li & Lu, 2021) at every size: number words.

English number words to French, where 70–99 have two valid translations (standard French and
the Belgian / Swiss forms). Per seed both arms start from the same cross-entropy pre-training
(weights, optimizer state, batch order), then continue with cross-entropy or with mixed CE
whose weight m rises from 0 to 0.5, as in ``notebooks/mixed_ce_translation.ipynb``. Two
corpora: the 60/20/20 mix of the variants and a balanced one. Scored by exact match and
corpus BLEU against the standard form only (single reference) and against every valid form.

:func:`run_one` trains one arm; the pre-training of the pair is kept in memory for the other
arm of the same seed (on a CPU the recomputed pre-training would be bit for bit the same).
"""

from __future__ import annotations

import copy
import functools
import json
from collections import Counter

import numpy as np
import torch

from lossbook.data.number_words import DEFAULT_MIX, french, load_number_words, references, tokenize
from lossbook.losses import cross_entropy
from lossbook.losses.nlp import mixed_ce_weight, mixed_cross_entropy
from lossbook.metrics.translation import corpus_bleu, exact_match
from lossbook.models.seq2seq import Seq2Seq, greedy_decode, shift_right
from lossbook.studies.summary import arm_table, paired_differences

__all__ = [
    "CHAPTER", "BASELINE", "ARMS", "CORPORA", "SIZES", "METRICS", "LOWER_IS_BETTER", "MEASURED_SECONDS",
    "configurations", "run_one", "summary_tables", "scores",
]

CHAPTER = "mixed_ce_translation"
BASELINE = "cross-entropy"
ARMS = ["cross-entropy", "mixed CE"]
CORPORA = {"60/20/20": dict(DEFAULT_MIX), "balanced": {"fr": 0.34, "fr_BE": 0.33, "fr_CH": 0.33}}
METRICS = ["exact match, single", "exact match, multi", "BLEU, single", "BLEU, multi"]
FORMS = ["standard form", "regional form (valid)", "invalid", "invalid, all test numbers"]
LOWER_IS_BETTER = {m: False for m in METRICS} | {"invalid": True, "invalid, all test numbers": True}

_SMOKE = {"max_number": 1000, "fractions": [0.4, 0.1, 0.5], "copies": 3, "pre_epochs": 5, "second_epochs": 5,
          "hidden": 64, "batch_size": 64, "lr": 1e-2, "max_m": 0.5, "max_length": 16}
_FULL = {**_SMOKE, "max_number": 10_000, "pre_epochs": 10, "second_epochs": 10, "hidden": 128}
# The full corpus and model with half the epochs: what ten seeds of one CPU core allow.
_CPU = {**_FULL, "pre_epochs": 5, "second_epochs": 5}
# Per size: corpus -> (settings, seeds, only as many seeds as the budget leaves). "smoke" is the chapter's run.
SIZES = {
    "tiny": {"60/20/20": ({**_SMOKE, "max_number": 100, "pre_epochs": 1, "second_epochs": 1, "hidden": 16}, [0], False)},
    "smoke": {"60/20/20": (_SMOKE, [0, 1, 2, 3, 4], False), "balanced": (_SMOKE, [0, 1, 2], False)},
    "cpu": {"60/20/20": (_CPU, list(range(10)), False), "balanced": (_CPU, list(range(10)), True)},
    "gpu": {"60/20/20": (_FULL, list(range(10)), False), "balanced": (_FULL, list(range(10)), False)},
}
# Seconds per (configuration, seed) on one thread of this project's CPU (see focal_calibration):
# at the full size the first arm of a seed took 117 s (it pays for the shared pre-training) and
# the second 59 s. "cpu" (one worker, the pair in one process) counts the mean of the two, half
# of it for half the epochs; "gpu" counts 117 s for each arm, as its workers train the two arms
# of a seed side by side, each with its own (identical) pre-training.
MEASURED_SECONDS = {"tiny": {"60/20/20": 0.1}, "smoke": {"60/20/20": 4.0, "balanced": 4.0},
                    "cpu": {"60/20/20": 44.0, "balanced": 44.0}, "gpu": {"60/20/20": 117.0, "balanced": 117.0}}


def configurations(size: str) -> list[dict]:
    """Every configuration of ``size``: ``key``, ``group`` (the corpus), ``arm``, the settings, ``mix`` and ``seeds``."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {tuple(SIZES)}, got {size!r}")
    return [{"key": f"{corpus}/{arm}", "group": corpus, "arm": arm, "corpus": corpus, "mix": CORPORA[corpus],
             **settings, "seeds": list(seeds), "extra": extra}
            for corpus, (settings, seeds, extra) in SIZES[size].items() for arm in ARMS]


def _spaced(text: str) -> str:
    return " ".join(tokenize(text))  # BLEU counts the word-level tokens: hyphens and commas are words


def scores(hypotheses: list[str], numbers) -> dict:
    """Exact match and corpus BLEU against standard French only (single) and against every valid form (multi)."""
    single = [french(n) for n in numbers]
    multi = [references(n) for n in numbers]
    return {
        "exact match, single": exact_match(hypotheses, single),
        "exact match, multi": exact_match(hypotheses, multi),
        "BLEU, single": corpus_bleu([_spaced(h) for h in hypotheses], [_spaced(r) for r in single]),
        "BLEU, multi": corpus_bleu([_spaced(h) for h in hypotheses], [[_spaced(r) for r in refs] for refs in multi]),
    }


def _forms(numbers, hypotheses) -> dict:
    two = [(n, h) for n, h in zip(numbers, hypotheses) if len(references(n)) == 2]
    shares = {"invalid, all test numbers": float(np.mean([h not in references(n) for n, h in zip(numbers, hypotheses)]))}
    if not two:  # a test set without a number ending in 70-99 has no form to choose
        return shares
    return {**shares, "standard form": float(np.mean([h == references(n)[0] for n, h in two])),
            "regional form (valid)": float(np.mean([h == references(n)[1] for n, h in two])),
            "invalid": float(np.mean([h not in references(n) for n, h in two]))}


def _train_epochs(model, optimizer, generator, tensors, epochs, arm, config, progress):
    source, decoder_input, gold = tensors
    total, done = epochs * -(-len(source) // config["batch_size"]), 0
    for _ in range(epochs):
        model.train()
        for rows in torch.randperm(len(source), generator=generator).split(config["batch_size"]):
            # One row per target position: (batch · length, vocabulary) logits, (batch · length,) gold tokens.
            logits = model(source[rows], decoder_input[rows]).flatten(0, 1)
            target = gold[rows].flatten()
            m = mixed_ce_weight(done / total, max_weight=config["max_m"]) if arm == "mixed CE" else 0.0
            loss = mixed_cross_entropy(logits, target, m=m) if m > 0 else cross_entropy(logits, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            done += 1
        if progress is not None:
            progress.update(1)


@torch.no_grad()
def _switch_statistics(model, data, tensors) -> dict:
    # The training tokens whose arg-max is not the reference when the arms split: what mixed CE acts on.
    source, decoder_input, gold = tensors
    arg_max = model(source, decoder_input).argmax(-1).cpu()
    gold = gold.cpu()
    rows, positions = ((arg_max != gold) & (gold != -100)).nonzero(as_tuple=True)
    late = sum(data.train_pairs[r] % 100 >= 70 for r in rows.tolist())
    counted = int((gold != -100).sum())
    return {"switch disagreement share": len(rows) / counted,
            "switch disagreements in 70-99": late / max(len(rows), 1) if len(rows) else 0.0}


def _data(config, seed):
    return load_number_words(max_number=config["max_number"], seed=seed, fractions=tuple(config["fractions"]),
                             copies=config["copies"], mix=config["mix"])


_PRETRAINING = ("corpus", "mix", "max_number", "fractions", "copies", "pre_epochs", "hidden", "batch_size", "lr")


@functools.lru_cache(maxsize=2)
def _pretrained(pretraining: str, seed: int, device_name: str):
    config = json.loads(pretraining)
    device = torch.device(device_name)
    data = _data(config, seed)
    source, target = data.train_tensors()
    decoder_input, gold = shift_right(target)
    tensors = (source.to(device), decoder_input.to(device), gold.to(device))
    torch.manual_seed(seed)
    model = Seq2Seq(len(data.source_vocab), len(data.target_vocab), embed_dim=config["hidden"] // 2,
                    hidden_dim=config["hidden"]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    generator = torch.Generator().manual_seed(seed)
    _train_epochs(model, optimizer, generator, tensors, config["pre_epochs"], "cross-entropy", config, None)
    snapshot = copy.deepcopy((model.state_dict(), optimizer.state_dict(), generator.get_state()))
    return data, tensors, snapshot, _switch_statistics(model, data, tensors)


def run_one(config: dict, seed: int, device: torch.device | str = "cpu", *, progress=None) -> dict:
    """Pre-train with cross-entropy (shared by the arms of one seed), continue with ``config["arm"]``, score the test numbers.

    Returns:
        ``corpus``, ``loss``, ``seed``, the :data:`METRICS`, the shares of standard / regional /
        invalid outputs on the test numbers with two translations, and the share of training
        tokens whose arg-max was not the reference when the arms split.
    """
    if config["arm"] not in ARMS:
        raise ValueError(f"config['arm'] must be one of {ARMS}, got {config['arm']!r}")
    device = torch.device(device)
    pretraining = json.dumps({k: config[k] for k in _PRETRAINING}, sort_keys=True)
    data, tensors, snapshot, switch = _pretrained(pretraining, seed, str(device))
    model = Seq2Seq(len(data.source_vocab), len(data.target_vocab), embed_dim=config["hidden"] // 2,
                    hidden_dim=config["hidden"]).to(device)
    model.load_state_dict(snapshot[0])
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    # load_state_dict keeps the given moment tensors and Adam updates them in place: without this copy
    # the second arm would start from the first arm's final optimizer state.
    optimizer.load_state_dict(copy.deepcopy(snapshot[1]))
    generator = torch.Generator()
    generator.set_state(snapshot[2])
    if progress is not None:
        progress.update(config["pre_epochs"])
    _train_epochs(model, optimizer, generator, tensors, config["second_epochs"], config["arm"], config, progress)
    with torch.no_grad():
        tokens = greedy_decode(model, data.sources(data.test).to(device), max_length=config["max_length"]).cpu()
    hypotheses = [data.target_vocab.decode(row) for row in tokens]
    return {"corpus": config["corpus"], "loss": config["arm"], "seed": seed, **scores(hypotheses, data.test),
            **_forms(data.test, hypotheses), **switch, "test numbers": len(data.test)}


def summary_tables(rows: list[dict]) -> dict:
    """``"arms"``: mean ± std per corpus and arm; ``"paired"``: mixed CE − cross-entropy on the same seeds."""
    rows = [dict(row, arm=row["loss"]) for row in rows]
    compared = METRICS + ["invalid, all test numbers"]
    return {"arms": arm_table(rows, METRICS + FORMS, group="corpus", arm="arm"),
            "paired": paired_differences(rows, compared, baseline=BASELINE, group="corpus", arm="arm",
                                         lower_is_better=LOWER_IS_BETTER)}
