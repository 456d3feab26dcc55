r"""Focal loss and calibration (Wang et al., 2022) at every size: CE, focal γ, label smoothing.

Each configuration is one training loss on one model: the 2-layer BiLSTM of the paper trained
from scratch, or the pretrained MiniLM fine-tuned. :func:`run_one` trains one configuration
for one seed on the Rotten Tomatoes snippets (rotten a 10 % minority) and scores the test
split as trained and after temperature scaling (T fitted on the validation split), the
chapter's code path (``notebooks/focal_calibration.ipynb``) in one function.

The ``"smoke"`` size is the chapter's committed run; ``"cpu"`` trains the BiLSTM on every
training text; ``"gpu"`` adds MiniLM with all six losses on every training text.
"""

from __future__ import annotations

import copy
import functools

import torch
from sklearn.metrics import f1_score

from lossbook.data.rotten_tomatoes import read_rotten_tomatoes, sentiment_split
from lossbook.data.subsets import stratified_subset
from lossbook.losses import cross_entropy, focal_loss
from lossbook.metrics.calibration import (
    expected_calibration_error,
    fit_temperature,
    maximum_calibration_error,
    temperature_scale,
)
from lossbook.models import BiLSTMClassifier, WordVocabulary
from lossbook.studies.summary import arm_table, paired_differences
from lossbook.training import classifier_logits, train_classifier

__all__ = [
    "CHAPTER", "BASELINE", "SIZES", "LOSSES", "METRICS", "LOWER_IS_BETTER", "MEASURED_SECONDS", "PROJECTED_GPU_SECONDS",
    "configurations", "run_one", "long_rows", "summary_tables", "training_loss", "scores",
]

CHAPTER = "focal_calibration"
BASELINE = "cross-entropy"
# name -> what training_loss builds; the order is the chapter's.
LOSSES = {
    "cross-entropy": {"loss": "cross-entropy"},
    "focal γ=1": {"loss": "focal", "gamma": 1.0},
    "focal γ=2": {"loss": "focal", "gamma": 2.0},
    "focal γ=3": {"loss": "focal", "gamma": 3.0},
    "focal γ=5": {"loss": "focal", "gamma": 5.0},
    "label smoothing 0.1": {"loss": "cross-entropy", "label_smoothing": 0.1},
}
METRICS = ["accuracy", "macro-F1", "ECE", "MCE", "NLL", "mean confidence"]
LOWER_IS_BETTER = {"ECE": True, "MCE": True, "NLL": True, "accuracy": False, "macro-F1": False}

_COMMON = {"rotten_share": 0.1, "n_bins": 15}
_BILSTM_SMOKE = {"train_size": 1400, "epochs": 6, "width": 32, "lr": 1e-2, "batch_size": 64, "max_words": 40, "min_count": 2}
_BILSTM_FULL = {**_BILSTM_SMOKE, "train_size": None, "epochs": 5, "width": 64}
_MINILM_SMOKE = {"train_size": 128, "val_size": 100, "test_size": 200, "epochs": 1, "batch_size": 16, "lr": 5e-5, "head_lr": 5e-2}
_MINILM_FULL = {**_MINILM_SMOKE, "train_size": None, "val_size": None, "test_size": None, "epochs": 2, "head_lr": 1e-3}

# Per size: model -> (its settings, the losses it trains with, the seeds). None of a size's
# numbers is tuned on its test results; "smoke" is exactly the chapter's committed run.
SIZES = {
    "tiny": {"BiLSTM": ({**_BILSTM_SMOKE, "train_size": 200, "epochs": 1, "width": 8}, ["cross-entropy", "focal γ=2"], [0])},
    "smoke": {
        "BiLSTM": (_BILSTM_SMOKE, list(LOSSES), [0, 1]),
        "MiniLM": (_MINILM_SMOKE, ["cross-entropy", "focal γ=2"], [0, 1]),
    },
    "cpu": {"BiLSTM": (_BILSTM_FULL, list(LOSSES), list(range(10)))},  # seeds 5-9 only if the budget allows
    "gpu": {
        "BiLSTM": (_BILSTM_FULL, list(LOSSES), list(range(10))),
        "MiniLM": (_MINILM_FULL, list(LOSSES), list(range(5))),
    },
}

# Seconds per (configuration, seed) on one thread of this project's CPU machine (AMD EPYC, 2
# cores shared with other work, torch 2.13 CPU), measured one seed each; the runner rescales
# them by how long the finished runs took. MiniLM at the "gpu" size was not run on this CPU:
# 614 steps at the 0.5 s a step measured at the smoke size, plus 3,100 texts to score.
MEASURED_SECONDS = {"tiny": {"BiLSTM": 0.5}, "smoke": {"BiLSTM": 5.0, "MiniLM": 11.0},
                    "cpu": {"BiLSTM": 21.0}, "gpu": {"BiLSTM": 21.0, "MiniLM": 350.0}}
# Seconds per MiniLM run on one modern GPU (an H200): an ASSUMPTION, never measured. A
# fine-tuning step of MiniLM-L6 at batch 16 and at most 64 tokens is launch-bound there:
# taken as 10 ms (about 500 kernels and an AdamW step), so 614 steps plus scoring ≈ 7 s,
# rounded up to 10 s for the data, the copy of the encoder and temperature fitting.
PROJECTED_GPU_SECONDS = {"smoke": {"MiniLM": 1.5}, "gpu": {"MiniLM": 10.0}}


def configurations(size: str) -> list[dict]:
    """Every configuration of ``size``: a flat dict with ``key``, ``group`` (the model), ``arm`` (the loss) and ``seeds``."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {tuple(SIZES)}, got {size!r}")
    out = []
    for model, (settings, losses, seeds) in SIZES[size].items():
        for name in losses:
            out.append({"key": f"{model}/{name}", "group": model, "arm": name, "model": model, **_COMMON,
                        **settings, **LOSSES[name], "accelerator": model == "MiniLM", "seeds": list(seeds),
                        "first_seeds": 5})
    return out


def training_loss(config: dict):
    """``loss(logits, labels)`` of a configuration: cross-entropy (with its label smoothing) or focal loss."""
    if config["loss"] == "focal":
        gamma = float(config["gamma"])
        return lambda logits, labels: focal_loss(logits, labels, gamma=gamma)
    smoothing = float(config.get("label_smoothing", 0.0))
    if smoothing:
        return lambda logits, labels: cross_entropy(logits, labels, label_smoothing=smoothing)
    return lambda logits, labels: cross_entropy(logits, labels)


@functools.lru_cache(maxsize=1)
def _snippets():
    return read_rotten_tomatoes()  # sha256 checked once per process


@functools.lru_cache(maxsize=4)
def _split(seed: int, rotten_share: float):
    return sentiment_split(_snippets(), seed=seed, rotten_share=rotten_share)


def scores(logits: torch.Tensor, labels, *, n_bins: int = 15) -> dict:
    """Accuracy, macro-F1, ECE and MCE (``n_bins`` equal-width bins of top-label confidence), NLL, mean confidence."""
    labels = torch.as_tensor(labels)
    probs = logits.double().softmax(dim=1)
    prediction = probs.argmax(dim=1)
    return {
        "accuracy": (prediction == labels).double().mean().item(),
        "macro-F1": float(f1_score(labels.numpy(), prediction.numpy(), average="macro")),
        "ECE": expected_calibration_error(probs, labels, n_bins=n_bins),
        "MCE": maximum_calibration_error(probs, labels, n_bins=n_bins),
        "NLL": cross_entropy(logits.double(), labels).item(),
        "mean confidence": probs.max(dim=1).values.mean().item(),
    }


def _score(config, seed, val_logits, val_labels, test_logits, test_labels) -> dict:
    temperature = fit_temperature(val_logits, torch.as_tensor(val_labels))
    row = {"model": config["model"], "loss": config["arm"], "seed": seed, **scores(test_logits, test_labels, n_bins=config["n_bins"])}
    row["T"] = temperature
    scaled = scores(temperature_scale(test_logits, temperature), test_labels, n_bins=config["n_bins"])
    row.update({f"{name} after T": value for name, value in scaled.items()})
    row["test texts"] = len(test_labels)
    return row


def _run_bilstm(config, seed, device, progress, keep_logits):
    data = _split(seed, config["rotten_share"])
    train_texts, train_labels = stratified_subset(data.train_texts, data.train_labels, config["train_size"], seed)
    vocab = WordVocabulary.build(train_texts, min_count=config["min_count"])
    ids, lengths = vocab.encode(train_texts, max_length=config["max_words"])
    torch.manual_seed(seed)
    width = config["width"]
    model = BiLSTMClassifier(len(vocab), 2, embedding_dim=width, hidden_size=width).to(device)
    train_confidence = train_classifier(model, ids, lengths, torch.as_tensor(train_labels), training_loss(config),
                                        epochs=config["epochs"], lr=config["lr"], batch_size=config["batch_size"],
                                        seed=seed, progress=progress)
    val_logits = classifier_logits(model, vocab, data.val_texts, max_length=config["max_words"])
    test_logits = classifier_logits(model, vocab, data.test_texts, max_length=config["max_words"])
    row = _score(config, seed, val_logits, data.val_labels, test_logits, data.test_labels)
    row["train texts"] = len(train_texts)
    row["train confidence"] = train_confidence  # per epoch: mean top-label confidence on the training batches
    return _kept(row, keep_logits, test_logits, data.test_labels)


@functools.lru_cache(maxsize=2)
def _pretrained_minilm(device_name: str):
    from lossbook.models.minilm import load_minilm

    return load_minilm(torch.device(device_name))


def _run_minilm(config, seed, device, progress, keep_logits):
    from lossbook.models.minilm import SentenceClassifier
    from lossbook.training.finetune import fine_tune, predict

    data = _split(seed, config["rotten_share"])
    train_texts, train_labels = stratified_subset(data.train_texts, data.train_labels, config["train_size"], seed)
    val_texts, val_labels = stratified_subset(data.val_texts, data.val_labels, config["val_size"], seed)
    test_texts, test_labels = stratified_subset(data.test_texts, data.test_labels, config["test_size"], seed)
    tokenizer, template = _pretrained_minilm(str(device))
    encoder = copy.deepcopy(template)  # every run starts from the same pretrained weights
    torch.manual_seed(seed)
    model = SentenceClassifier(encoder, 2).to(device)
    loss_fn = training_loss(config)
    fine_tune(model, tokenizer, train_texts, train_labels, lambda z, e, y: loss_fn(z, y), epochs=config["epochs"],
              batch_size=config["batch_size"], lr=config["lr"], head_lr=config["head_lr"], seed=seed, progress=progress)
    val_logits, _ = predict(model, tokenizer, val_texts)
    test_logits, _ = predict(model, tokenizer, test_texts)
    row = _score(config, seed, val_logits, val_labels, test_logits, test_labels)
    row["train texts"] = len(train_texts)
    return _kept(row, keep_logits, test_logits, test_labels)


def _kept(row, keep_logits, test_logits, test_labels):
    # Tensors for the chapter's reliability diagrams; never written to a results file (not JSON).
    if keep_logits:
        row["test logits"] = test_logits.detach().float().cpu()
        row["test labels"] = torch.as_tensor(test_labels)
    return row


def run_one(config: dict, seed: int, device: torch.device | str = "cpu", *, progress=None,
            keep_logits: bool = False) -> dict:
    """Train one configuration with one seed; the test scores as trained and after temperature scaling.

    Returns:
        A flat row: ``model``, ``loss``, ``seed``, the :data:`METRICS`, ``T`` and each metric
        ``"… after T"``, the split sizes and (BiLSTM) ``train confidence``, one value per epoch;
        with ``keep_logits`` also ``"test logits"`` (as trained, float32 on the CPU) and
        ``"test labels"``, as tensors.
    """
    if not isinstance(keep_logits, bool):
        raise TypeError(f"keep_logits must be a bool, got {keep_logits!r}")
    device = torch.device(device)
    if config["model"] == "BiLSTM":
        return _run_bilstm(config, seed, device, progress, keep_logits)
    if config["model"] == "MiniLM":
        return _run_minilm(config, seed, device, progress, keep_logits)
    raise ValueError(f"config['model'] must be 'BiLSTM' or 'MiniLM', got {config['model']!r}")


def long_rows(rows: list[dict]) -> list[dict]:
    """The chapter's layout: two rows per run, ``scaling`` ``"none"`` and ``"temperature"`` (with ``T`` 1 and the fitted T)."""
    out = []
    for row in rows:
        base = {"model": row["model"], "loss": row["loss"], "seed": row["seed"]}
        out.append({**base, "scaling": "none", "T": 1.0, **{m: row[m] for m in METRICS}})
        out.append({**base, "scaling": "temperature", "T": row["T"], **{m: row[f"{m} after T"] for m in METRICS}})
    return out


def _with_scaled_baseline(rows: list[dict]) -> list[dict]:
    # Temperature-scaled cross-entropy is the paper's other baseline: an arm of its own here.
    out = [dict(row, arm=row["loss"]) for row in rows]
    out += [dict({m: row[f"{m} after T"] for m in METRICS}, model=row["model"], seed=row["seed"], arm=f"{BASELINE} + T")
            for row in rows if row["loss"] == BASELINE]
    return out


def summary_tables(rows: list[dict]) -> dict:
    """``"arms"``: mean ± std per model and loss (and CE + T); ``"paired"``: each loss − CE on the same seeds;
    ``"paired vs CE + T"``: each loss − temperature-scaled CE; ``"temperature"``: T and the scores after scaling."""
    arms = _with_scaled_baseline(rows)
    metrics = [m for m in METRICS if m in LOWER_IS_BETTER]
    return {
        "arms": arm_table(arms, METRICS, group="model", arm="arm"),
        "paired": paired_differences(arms, metrics, baseline=BASELINE, group="model", arm="arm",
                                     lower_is_better=LOWER_IS_BETTER),
        "paired vs CE + T": paired_differences(arms, ["ECE", "MCE", "NLL"], baseline=f"{BASELINE} + T", group="model",
                                               arm="arm", lower_is_better=LOWER_IS_BETTER),
        "temperature": arm_table([dict(r, arm=r["loss"]) for r in rows], ["T", "ECE after T", "NLL after T"],
                                 group="model", arm="arm"),
    }
