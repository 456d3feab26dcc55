r"""Dice loss for named entities (Li et al., 2020) at every size: WNUT-2016 tweets.

Two tasks, as in the chapter (``notebooks/dice_loss_ner.ipynb``):

* ``token`` — a small convolutional tagger, one training loss per configuration, scored by
  strict entity-span F1 on the test tweets. Besides the chapter's rows (cross-entropy,
  focal γ=2, per-token dice, per-token DSC with α=1, batch-level dice) two rows use the
  setting of every released script of the authors (ShannonAI/dice_loss_for_NLP): α = 0.01,
  smoothing 1 and a squared denominator, per token (their multi-class path; they sum the
  class terms where this averages them, a constant factor Adam does not see) and batch-level.
* ``sentence`` — "does the tweet mention an entity?", cross-entropy vs dice on one logit.
"""

from __future__ import annotations

import functools

import torch
from lossbook.data.wnut import load_wnut
from lossbook.losses import bce_with_logits, cross_entropy, focal_loss
from lossbook.losses.nlp import batch_dice_loss, dice_loss, self_adjusting_dice_loss
from lossbook.metrics.ner import entity_scores
from lossbook.models import ConvSentenceClassifier, ConvTagger
from lossbook.studies.summary import arm_table, paired_differences

__all__ = [
    "CHAPTER", "BASELINE", "SIZES", "TOKEN_LOSSES", "SENTENCE_LOSSES", "TOKEN_METRICS", "SENTENCE_METRICS",
    "LOWER_IS_BETTER", "MEASURED_SECONDS", "configurations", "run_one", "summary_tables", "token_loss",
]

CHAPTER = "dice_loss_ner"
BASELINE = "cross-entropy"
AUTHORS = {"alpha": 0.01, "smooth": 1.0, "squared_denominator": True}
# name -> what token_loss builds; the first five are the chapter's rows, the last two the authors' setting.
TOKEN_LOSSES = {
    "cross-entropy": {"loss": "cross-entropy"},
    "focal (γ=2)": {"loss": "focal", "gamma": 2.0},
    "dice": {"loss": "dice", "alpha": 0.0, "smooth": 1.0, "squared_denominator": False, "pooling": "token"},
    "DSC (α=1)": {"loss": "dice", "alpha": 1.0, "smooth": 1.0, "squared_denominator": False, "pooling": "token"},
    "dice, batch-level": {"loss": "dice", "alpha": 0.0, "smooth": 1.0, "squared_denominator": False, "pooling": "batch"},
    "DSC (α=0.01, squared), authors' setting": {"loss": "dice", **AUTHORS, "pooling": "token"},
    "DSC (α=0.01, squared), batch-level": {"loss": "dice", **AUTHORS, "pooling": "batch"},
}
SENTENCE_LOSSES = {"cross-entropy": {"loss": "cross-entropy"}, "dice": {"loss": "dice"}}
TOKEN_METRICS = ["entity F1", "entity precision", "entity recall", "token accuracy", "predicted spans"]
SENTENCE_METRICS = ["accuracy", "F1", "predicted positive rate"]
LOWER_IS_BETTER = {"entity F1": False, "entity precision": False, "entity recall": False, "token accuracy": False,
                   "accuracy": False, "F1": False}

_COMMON = {"min_count": 2, "batch_size": 128, "lr": 1e-2, "dim": 64, "hidden": 64, "dropout": 0.3}
# Per size: task -> (epochs, losses, seeds). "smoke" is the chapter's committed run (plus the authors' rows).
SIZES = {
    "tiny": {"token": (1, ["cross-entropy", "dice"], [0]), "sentence": (1, ["cross-entropy"], [0])},
    "smoke": {"token": (9, list(TOKEN_LOSSES), [0, 1, 2]), "sentence": (4, list(SENTENCE_LOSSES), [0, 1, 2])},
    "cpu": {"token": (40, list(TOKEN_LOSSES), list(range(10))), "sentence": (20, list(SENTENCE_LOSSES), list(range(10)))},
    "gpu": {"token": (40, list(TOKEN_LOSSES), list(range(10))), "sentence": (20, list(SENTENCE_LOSSES), list(range(10)))},
}
# Seconds per (configuration, seed) on one thread of this project's CPU (see focal_calibration).
MEASURED_SECONDS = {"tiny": {"token": 0.4, "sentence": 0.3}, "smoke": {"token": 3.0, "sentence": 1.5},
                    "cpu": {"token": 13.0, "sentence": 7.0}, "gpu": {"token": 13.0, "sentence": 7.0}}


def configurations(size: str) -> list[dict]:
    """Every configuration of ``size``: ``key``, ``group`` (the task), ``arm`` (the loss), its settings and ``seeds``."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {tuple(SIZES)}, got {size!r}")
    out = []
    for task, (epochs, losses, seeds) in SIZES[size].items():
        table = TOKEN_LOSSES if task == "token" else SENTENCE_LOSSES
        for name in losses:
            out.append({"key": f"{task}/{name}", "group": task, "arm": name, "task": task, **_COMMON,
                        "epochs": epochs, **table[name], "seeds": list(seeds)})
    return out


def token_loss(config: dict):
    """``loss(logits (B, L, tags), tags (B, L))`` of a token configuration (padding is ``-100``)."""
    if config["loss"] == "cross-entropy":
        loss = cross_entropy
    elif config["loss"] == "focal":
        loss = functools.partial(focal_loss, gamma=float(config["gamma"]))
    elif config["loss"] == "dice":
        options = {"smooth": config["smooth"], "squared_denominator": config["squared_denominator"]}
        if config["pooling"] == "batch":
            loss = functools.partial(batch_dice_loss, alpha=config["alpha"], **options)
        elif config["alpha"] == 0:
            loss = functools.partial(dice_loss, **options)
        else:
            loss = functools.partial(self_adjusting_dice_loss, alpha=config["alpha"], **options)
    else:
        raise ValueError(f"config['loss'] must be 'cross-entropy', 'focal' or 'dice', got {config['loss']!r}")
    # The losses want the class dimension second: (batch, tags, length).
    return lambda logits, target: loss(logits.transpose(1, 2), target)


@functools.lru_cache(maxsize=2)
def _data(seed: int, min_count: int):
    return load_wnut(seed=seed, min_count=min_count)


def _train(model, split, loss_fn, targets, config, seed, device, progress):
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(config["epochs"]):
        order = torch.randperm(len(split), generator=generator)
        for start in range(0, len(order), config["batch_size"]):
            rows = order[start:start + config["batch_size"]]
            length = int(split.mask[rows].sum(1).max())  # each batch cut to its longest tweet
            loss = loss_fn(model(split.tokens[rows, :length].to(device)), targets(split, rows, length).to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if progress is not None:
            progress.update(1)
    return model.eval()


@torch.no_grad()
def _score_tagger(model, data, split, device) -> dict:
    predicted = model(split.tokens.to(device)).argmax(-1).cpu()
    gold_tags, predicted_tags = [], []
    for row in range(len(split)):
        n = int(split.mask[row].sum())
        gold_tags.append([data.tags[i] for i in split.tags[row, :n].tolist()])
        predicted_tags.append([data.tags[i] for i in predicted[row, :n].tolist()])
    scores = entity_scores(gold_tags, predicted_tags)
    correct = ((predicted == split.tags) & split.mask).sum() / split.mask.sum()
    return {"entity F1": scores["f1"], "entity precision": scores["precision"], "entity recall": scores["recall"],
            "token accuracy": correct.item(), "predicted spans": scores["predicted"],
            "all-O accuracy": (split.mask & (split.tags == 0)).sum().item() / split.mask.sum().item()}


def run_one(config: dict, seed: int, device: torch.device | str = "cpu", *, progress=None) -> dict:
    """Train one configuration with one seed on the seeded WNUT split and score the test tweets.

    Returns:
        ``task``, ``loss``, ``seed`` and, for ``token``, the :data:`TOKEN_METRICS` and the all-O
        baseline's token accuracy; for ``sentence``, the :data:`SENTENCE_METRICS` and the share
        of test tweets without an entity (the majority answer's accuracy).
    """
    device = torch.device(device)
    data = _data(seed, config["min_count"])
    size = {"dim": config["dim"], "hidden": config["hidden"], "dropout": config["dropout"]}
    torch.manual_seed(seed)
    row = {"task": config["task"], "loss": config["arm"], "seed": seed}
    if config["task"] == "token":
        model = ConvTagger(len(data.vocab), len(data.tags), **size).to(device)
        _train(model, data.train, token_loss(config), lambda split, rows, length: split.tags[rows, :length],
               config, seed, device, progress)
        return {**row, **_score_tagger(model, data, data.test, device)}
    if config["task"] != "sentence":
        raise ValueError(f"config['task'] must be 'token' or 'sentence', got {config['task']!r}")
    model = ConvSentenceClassifier(len(data.vocab), **size).to(device)
    loss_fn = bce_with_logits if config["loss"] == "cross-entropy" else dice_loss
    _train(model, data.train, loss_fn, lambda split, rows, length: split.has_entity[rows], config, seed, device, progress)
    with torch.no_grad():
        predicted = (model(data.test.tokens.to(device)) > 0).float().cpu()
    target = data.test.has_entity
    true_positive = (predicted * target).sum().item()
    return {**row, "accuracy": (predicted == target).float().mean().item(),
            "F1": 2 * true_positive / max(predicted.sum().item() + target.sum().item(), 1),
            "predicted positive rate": predicted.mean().item(), "no-entity share": 1 - target.mean().item()}


def summary_tables(rows: list[dict]) -> dict:
    """Per task: ``"<task> arms"`` (mean ± std per loss) and ``"<task> paired"`` (each loss − cross-entropy, same seeds)."""
    rows = [dict(row, arm=row["loss"]) for row in rows]
    tables = {}
    for task, metrics in (("token", TOKEN_METRICS), ("sentence", SENTENCE_METRICS)):
        part = [row for row in rows if row["task"] == task]
        if not part:
            continue
        tables[f"{task} arms"] = arm_table(part, metrics, arm="arm")
        compared = [m for m in metrics if m in LOWER_IS_BETTER]
        paired = paired_differences(part, compared, baseline=BASELINE, arm="arm", lower_is_better=LOWER_IS_BETTER)
        if len(paired):  # a task run with its baseline alone has nothing to pair
            tables[f"{task} paired"] = paired
    return tables
