r"""Supervised contrastive fine-tuning for few-shot classification (Gunel et al., 2021) at every size.

MiniLM fine-tuned on N = 20, 100 or 1,000 Rotten Tomatoes snippets (half fresh, half rotten,
drawn by the seed) with cross-entropy, or with 0.1 CE + 0.9 SCL (τ = 0.3), as in
``notebooks/scl_few_shot.ipynb``; scored by test accuracy and the silhouette of the test
embeddings by label. The test snippets are the same for every seed (the seed-0 split).
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import torch
from sklearn.metrics import silhouette_score

from lossbook.data.rotten_tomatoes import sentiment_split
from lossbook.losses import ce_plus_scl, cross_entropy
from lossbook.studies.summary import arm_table, paired_differences

__all__ = [
    "CHAPTER", "BASELINE", "ARMS", "SIZES", "METRICS", "LOWER_IS_BETTER", "MEASURED_SECONDS", "PROJECTED_GPU_SECONDS",
    "configurations", "run_one", "summary_tables", "draw_few_shot", "silhouette",
]

CHAPTER = "scl_few_shot"
BASELINE = "CE"
ARMS = ["CE", "CE+SCL"]
METRICS = ["accuracy", "silhouette"]
LOWER_IS_BETTER = {"accuracy": False, "silhouette": False}

_COMMON = {"lambda": 0.9, "tau": 0.3, "batch_size": 16, "lr": 5e-5, "head_lr": 1e-2, "model": "all-MiniLM-L6-v2"}
# Per size: the test snippets used (None: the whole test split) and N -> (epochs, seeds).
SIZES = {
    "tiny": {"test_size": 16, "settings": {20: (1, [0], False)}},
    "smoke": {"test_size": 250, "settings": {20: (6, [0, 1, 2], False), 100: (1, [0, 1], False)}},
    # N = 1,000 only with what the budget leaves after N = 20 and 100.
    "cpu": {"test_size": 500, "settings": {20: (30, list(range(10)), False), 100: (10, list(range(10)), False),
                                           1000: (4, list(range(10)), True)}},
    "gpu": {"test_size": None, "settings": {20: (30, list(range(10)), False), 100: (10, list(range(10)), False),
                                            1000: (4, list(range(10)), False)}},
}
# Seconds per (configuration, seed) on one thread of this project's CPU (see focal_calibration):
# about 0.7 s a fine-tuning step and 10 s per 1,000 test snippets scored; "gpu" (the whole
# test split, 3,459 snippets) from those rates.
MEASURED_SECONDS = {"tiny": {20: 2.0}, "smoke": {20: 12.0, 100: 6.0},
                    "cpu": {20: 50.0, 100: 55.0, 1000: 185.0}, "gpu": {20: 80.0, 100: 85.0, 1000: 215.0}}
# Seconds per run on one modern GPU (an H200): an ASSUMPTION, never measured, with the 10 ms a
# MiniLM step of focal_calibration.PROJECTED_GPU_SECONDS, 0.5 s to score the test split and
# 1 s for the silhouette (on the CPU) and the copy of the encoder.
PROJECTED_GPU_SECONDS = {"tiny": {20: 1.0}, "smoke": {20: 1.5, 100: 1.5}, "cpu": {20: 2.0, 100: 2.0, 1000: 4.0},
                         "gpu": {20: 2.5, 100: 2.5, 1000: 4.5}}


def configurations(size: str) -> list[dict]:
    """Every configuration of ``size``: ``key``, ``group`` (N), ``arm`` (the loss), its settings and ``seeds``."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {tuple(SIZES)}, got {size!r}")
    test_size = SIZES[size]["test_size"]
    return [{"key": f"N={n}/{arm}", "group": n, "arm": arm, "N": n, "epochs": epochs, "test_size": test_size,
             **_COMMON, "accelerator": True, "seeds": list(seeds), "extra": extra}
            for n, (epochs, seeds, extra) in SIZES[size]["settings"].items() for arm in ARMS]


@functools.lru_cache(maxsize=1)
def _split():
    return sentiment_split(seed=0)  # label 1 = fresh, 0 = rotten; one split for every seed


def draw_few_shot(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """``n`` training snippets, ``n / 2`` per class, drawn without replacement by ``seed``."""
    split = _split()
    rng = np.random.default_rng(seed)
    rows = np.concatenate([rng.choice(np.flatnonzero(split.train_labels == c), n // 2, replace=False) for c in (0, 1)])
    rows = rng.permutation(rows)
    return [split.train_texts[i] for i in rows], split.train_labels[rows]


def silhouette(embeddings: torch.Tensor, labels) -> float:
    """Mean silhouette of the labels, cosine distance on the full embeddings: -1 … 1, higher = tighter, more separate."""
    return float(silhouette_score(embeddings.numpy(), labels, metric="cosine"))


@functools.lru_cache(maxsize=2)
def _pretrained_minilm(device_name: str):
    from lossbook.models.minilm import load_minilm

    return load_minilm(torch.device(device_name))


def _loss(config):
    if config["arm"] == "CE":
        return lambda logits, embedding, labels: cross_entropy(logits, labels)
    lam, tau = config["lambda"], config["tau"]
    return lambda logits, embedding, labels: ce_plus_scl(logits, embedding, labels, lam=lam, temperature=tau)


def run_one(config: dict, seed: int, device: torch.device | str = "cpu", *, progress=None,
            keep_embeddings: bool = False) -> dict:
    """Fine-tune the pretrained MiniLM on the seed's N snippets with one loss; score the test snippets.

    Returns:
        ``N``, ``seed``, ``loss``, ``accuracy``, ``silhouette`` and the number of test snippets;
        with ``keep_embeddings`` also ``"test embeddings"``, the ``(test snippets, 384)`` tensor
        (for a figure; never written to a results file).
    """
    if not isinstance(keep_embeddings, bool):
        raise TypeError(f"keep_embeddings must be a bool, got {keep_embeddings!r}")
    from lossbook.models.minilm import SentenceClassifier
    from lossbook.training.finetune import fine_tune, predict

    if config["arm"] not in ARMS:
        raise ValueError(f"config['arm'] must be one of {ARMS}, got {config['arm']!r}")
    device = torch.device(device)
    split = _split()
    size = config["test_size"] or len(split.test_texts)
    test_texts, test_labels = split.test_texts[:size], split.test_labels[:size]  # the split is already shuffled
    texts, labels = draw_few_shot(config["N"], seed)
    tokenizer, template = _pretrained_minilm(str(device))
    encoder = copy.deepcopy(template)  # a fresh copy of the pretrained weights for every run
    torch.manual_seed(seed)
    model = SentenceClassifier(encoder, num_classes=2).to(device)
    fine_tune(model, tokenizer, texts, labels, _loss(config), epochs=config["epochs"], batch_size=config["batch_size"],
              lr=config["lr"], head_lr=config["head_lr"], seed=seed, progress=progress)
    logits, embeddings = predict(model, tokenizer, test_texts)
    row = {"N": config["N"], "seed": seed, "loss": config["arm"],
           "accuracy": float((logits.argmax(dim=1).numpy() == test_labels).mean()),
           "silhouette": silhouette(embeddings, test_labels), "test snippets": size,
           "majority share": float(max(test_labels.mean(), 1 - test_labels.mean()))}
    if keep_embeddings:
        row["test embeddings"] = embeddings
    return row


def summary_tables(rows: list[dict]) -> dict:
    """``"arms"``: mean ± std per N and loss; ``"paired"``: CE+SCL − CE on the same seeds, per N."""
    rows = [dict(row, arm=row["loss"]) for row in rows]
    return {"arms": arm_table(rows, METRICS, group="N", arm="arm"),
            "paired": paired_differences(rows, METRICS, baseline=BASELINE, group="N", arm="arm",
                                         lower_is_better=LOWER_IS_BETTER)}
