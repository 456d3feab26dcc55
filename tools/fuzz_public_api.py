"""Held-out fuzzing of lossbook's public functions with bad input, and a verdict on each outcome.

    python tools/fuzz_public_api.py            # summary table per function, then the totals
    python tools/fuzz_public_api.py --details  # also every outcome that is not a clear error
    python tools/fuzz_public_api.py --only loss  # functions whose name contains "loss"

Every public callable exported by the subpackages (``__all__`` of losses, metrics, training,
models, plot, distances, miners, report, and of each module of data) is listed. Each one with
a valid *baseline call* below is fuzzed: one argument at a time is replaced by a bad value
generated from the kind of the baseline value (wrong type, None, a generator, NaN or inf, a
wrong shape, a wrong dtype such as float class indices, an empty tensor, out-of-range values,
a weight that requires a gradient, half precision). The generators are written from the
signatures, not from the package's tests. Callables without a baseline (training loops,
models to train, files to read, result dataclasses, type aliases, interactive figures) are
listed as not fuzzed.

Each outcome is one of:

* ``clear``: a ``TypeError``/``ValueError`` (or subclass) whose message names the argument;
* ``warning``: the call warned and returned;
* ``accepted``: a value that may be valid (half precision, an empty tensor, a negative number, a
  list for a tensor) was used and a finite result came back;
* ``unclear``: any other exception, or an error that does not name the argument;
* ``silent``: a value that must be refused (wrong type, wrong shape or dtype, out-of-range
  indices, a NaN option, a NaN or inf tensor giving a finite result) returned without a word;
* ``nan``: the inputs were finite and the result holds NaN;
* ``crash``: the call ran over the time limit or ended with something that is not an Exception.

Targets: 0 silent, 0 nan, 0 crash, at most 1 % unclear.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import math
import os
import pkgutil
import signal
import sys
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

SUBPACKAGES = ("losses", "metrics", "training", "models", "data", "plot", "distances", "miners", "report")
TIME_LIMIT_S = 20


def public_callables() -> dict[str, object]:
    """``"subpackage.name" -> callable`` for every callable in a subpackage's ``__all__`` (data: each module's)."""
    found = {}
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"lossbook.{sub}")
        modules = [module]
        if sub == "data":
            modules = [
                importlib.import_module(f"lossbook.data.{info.name}")
                for info in pkgutil.iter_modules(module.__path__)
                if not info.name.startswith("_")
            ]
        for mod in modules:
            for name in getattr(mod, "__all__", ()):
                value = getattr(mod, name)
                if callable(value) and not (inspect.isclass(value) and issubclass(value, BaseException)):
                    prefix = mod.__name__.removeprefix("lossbook.")
                    found[f"{prefix}.{name}"] = value
    return found


# ---------------------------------------------------------------------------------------
# valid baseline calls: keyword arguments by parameter name
# ---------------------------------------------------------------------------------------


def _g(seed=0):
    return torch.Generator().manual_seed(seed)


def _logits(n=6, c=4, seed=0):
    return torch.randn(n, c, generator=_g(seed)) * 2


def _labels(n=6, c=4, seed=1):
    return torch.randint(0, c, (n,), generator=_g(seed))


def _probs(n=6, c=4):
    return torch.softmax(_logits(n, c), 1)


def _embeddings(n=8, d=3):
    return torch.randn(n, d, generator=_g(2))


def _pk_labels(n=8):
    return torch.arange(n) % 2


def _sentences():
    from lossbook.data.wnut import parse_bio

    return parse_bio("I O\nlove O\nParis B-location\n\nNew B-location\nYork I-location\nrocks O\n")


def _optimizer():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)


def _axes():
    import matplotlib.pyplot as plt

    return plt.figure().add_subplot()


def _bins():
    from lossbook.metrics import reliability_bins

    return reliability_bins(_probs(40, 3), _labels(40, 3), n_bins=5)


def _regression():
    return {"input": torch.randn(5, 3, generator=_g(3)), "target": torch.randn(5, 3, generator=_g(4))}


def _binary():
    return {"input": torch.randn(5, 3, generator=_g(3)), "target": (torch.rand(5, 3, generator=_g(4)) < 0.5).float()}


BASELINES = {
    "losses.mse": _regression,
    "losses.mae": _regression,
    "losses.rmse": _regression,
    "losses.huber": lambda: {**_regression(), "delta": 1.0},
    "losses.smooth_l1": lambda: {**_regression(), "beta": 1.0},
    "losses.bce": lambda: {"input": torch.rand(5, 3, generator=_g(3)) * 0.9 + 0.05, "target": _binary()["target"],
                           "weight": torch.ones(3)},
    "losses.bce_with_logits": lambda: {**_binary(), "weight": torch.ones(3), "pos_weight": torch.full((3,), 2.0)},
    "losses.cross_entropy": lambda: {"input": _logits(), "target": _labels(), "weight": torch.ones(4),
                                     "ignore_index": -100, "label_smoothing": 0.1},
    "losses.nll": lambda: {"input": torch.log_softmax(_logits(), 1), "target": _labels(), "weight": torch.ones(4),
                           "ignore_index": -100},
    "losses.focal_loss": lambda: {"input": _logits(), "target": _labels(), "gamma": 2.0,
                                  "alpha": torch.full((4,), 0.5)},
    "losses.label_smoothing_targets": lambda: {"target": _labels(), "num_classes": 4, "epsilon": 0.1},
    "losses.semantic_smoothing_targets": lambda: {"target": _labels(), "similarity": torch.ones(4, 4), "epsilon": 0.1},
    "losses.class_counts": lambda: {"target": _labels(), "num_classes": 4},
    "losses.inverse_frequency_weights": lambda: {"target": torch.tensor([0, 1, 2, 3, 0, 1]), "num_classes": 4},
    "losses.effective_number_weights": lambda: {"target": torch.tensor([0, 1, 2, 3, 0, 1]), "num_classes": 4,
                                                "beta": 0.9},
    "losses.pos_weight_from_targets": lambda: {"target": torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])},
    "losses.contrastive_loss": lambda: {"input1": _embeddings(4), "input2": _embeddings(4) + 1,
                                        "target": torch.tensor([1.0, 0.0, 1.0, 0.0]), "margin": 1.0},
    "losses.triplet_margin_loss": lambda: {"anchor": _embeddings(4), "positive": _embeddings(4) + 0.1,
                                           "negative": _embeddings(4) + 1, "margin": 1.0},
    "losses.batch_contrastive_loss": lambda: {"embeddings": _embeddings(), "labels": _pk_labels(), "margin": 1.0},
    "losses.batch_triplet_loss": lambda: {"embeddings": _embeddings(),
                                          "triplets": (torch.tensor([0, 1]), torch.tensor([2, 3]), torch.tensor([1, 0])),
                                          "margin": 1.0},
    "losses.supervised_contrastive_loss": lambda: {"features": _embeddings(), "labels": _pk_labels(),
                                                   "temperature": 0.3},
    "losses.ce_plus_scl": lambda: {"logits": _logits(8, 2), "features": _embeddings(), "labels": _pk_labels(),
                                   "lam": 0.5},
    "losses.dice_loss": lambda: {"input": _logits(), "target": _labels(), "smooth": 1.0},
    "losses.self_adjusting_dice_loss": lambda: {"input": _logits(), "target": _labels(), "alpha": 1.0},
    "losses.batch_dice_loss": lambda: {"input": _logits(), "target": _labels(), "alpha": 0.0},
    "losses.mixed_cross_entropy": lambda: {"input": _logits(), "target": _labels(), "m": 0.3},
    "losses.mixed_ce_weight": lambda: {"progress": 0.5, "max_weight": 0.5},
    "losses.weighted_sum": lambda: {"losses": [torch.tensor(1.0), torch.tensor(2.0)], "weights": [0.5, 0.5]},
    "losses.uncertainty_weighted_sum": lambda: {"losses": [torch.tensor(1.0), torch.tensor(2.0)],
                                                "log_variances": torch.zeros(2), "kinds": ["regression", "classification"]},
    "losses.UncertaintyWeighting": lambda: {"kinds": ["regression", "classification"], "initial_log_variance": 0.0},
    "metrics.top_label": lambda: {"probs": _probs()},
    "metrics.reliability_bins": lambda: {"probs": _probs(), "target": _labels(), "n_bins": 5},
    "metrics.expected_calibration_error": lambda: {"probs": _probs(), "target": _labels(), "n_bins": 5},
    "metrics.maximum_calibration_error": lambda: {"probs": _probs(), "target": _labels(), "n_bins": 5},
    "metrics.temperature_scale": lambda: {"logits": _logits(), "temperature": 2.0},
    "metrics.fit_temperature": lambda: {"logits": _logits(), "target": _labels(), "max_iter": 20},
    "metrics.accuracy": lambda: {"logits": _logits(), "labels": _labels()},
    "metrics.per_class_recall": lambda: {"predictions": _labels(seed=5), "labels": _labels(), "num_classes": 4},
    "metrics.macro_f1": lambda: {"predictions": _labels(seed=5), "labels": _labels()},
    "metrics.binary_f1": lambda: {"predicted": torch.tensor([1.0, 0.0, 1.0, 0.0]), "target": torch.tensor([1.0, 1.0, 0.0, 0.0])},
    "metrics.classification_scores": lambda: {"logits": _logits(), "labels": _labels(), "n_bins": 5},
    "metrics.temperature_scaled_scores": lambda: {"val_logits": _logits(), "val_labels": _labels(),
                                                  "test_logits": _logits(seed=7), "test_labels": _labels(seed=8), "n_bins": 5},
    "metrics.bio_spans": lambda: {"tags": ["B-x", "I-x", "O"]},
    "metrics.entity_scores": lambda: {"gold": [["B-x", "I-x", "O"]], "pred": [["B-x", "O", "O"]]},
    "metrics.tag_sequences": lambda: {"indices": torch.tensor([[0, 1, 2]]), "mask": torch.tensor([[True, True, False]]),
                                      "tags": ["O", "B-x", "I-x"]},
    "metrics.recall_at_1": lambda: {"embeddings": _embeddings(), "labels": _pk_labels()},
    "metrics.mean_pm_std": lambda: {"values": [1.0, 2.0, 3.0]},
    "metrics.t_quantile": lambda: {"probability": 0.975, "df": 4},
    "metrics.paired_comparison": lambda: {"a": [1.0, 2.0, 3.0], "b": [1.5, 2.0, 3.5], "confidence": 0.95},
    "metrics.exact_match": lambda: {"hypotheses": ["a b", "c"], "references": ["a b", "d"]},
    "metrics.corpus_bleu": lambda: {"hypotheses": ["the cat sat on the mat"], "references": ["the cat sat on a mat"]},
    "metrics.bleu_statistics": lambda: {"hypotheses": ["the cat sat on the mat"], "references": ["the cat sat on a mat"]},
    "training.seed_everything": lambda: {"seed": 3},
    "training.iterations_per_epoch": lambda: {"n": 10, "batch_size": 3, "drop_last": False},
    "training.total_iterations": lambda: {"n": 10, "batch_size": 3, "epochs": 2, "drop_last": False},
    "training.last_batch_size": lambda: {"n": 10, "batch_size": 3, "drop_last": False},
    "training.epoch_batches": lambda: {"n": 10, "batch_size": 3, "shuffle": True, "generator": _g()},
    "training.step_decay_lr": lambda: {"step": 3, "base_lr": 0.1, "step_size": 2, "gamma": 0.5},
    "training.cosine_lr": lambda: {"step": 3, "base_lr": 0.1, "total_steps": 10, "min_lr": 0.0},
    "training.warmup_cosine_lr": lambda: {"step": 3, "peak_lr": 0.1, "warmup_steps": 2, "total_steps": 10},
    "training.linear_warmup_decay": lambda: {"step": 3, "total_steps": 10, "warmup_steps": 2},
    "training.step_decay_scheduler": lambda: {"optimizer": _optimizer(), "step_size": 2, "gamma": 0.5},
    "training.cosine_scheduler": lambda: {"optimizer": _optimizer(), "total_steps": 10},
    "training.warmup_cosine_scheduler": lambda: {"optimizer": _optimizer(), "warmup_steps": 2, "total_steps": 10},
    "training.linear_warmup_decay_scheduler": lambda: {"optimizer": _optimizer(), "total_steps": 10, "warmup_steps": 2},
    "training.minibatch_gradient_variance": lambda: {"sample_gradients": torch.randn(10, 3, generator=_g()),
                                                     "batch_size": 4, "draws": 50},
    "training.expected_minibatch_gradient_variance": lambda: {"sample_gradients": torch.randn(10, 3, generator=_g()),
                                                              "batch_size": 4},
    "training.robust_center_and_scale": lambda: {"target": torch.randn(3, 9, generator=_g())},
    "models.words": lambda: {"text": "Hello, world"},
    "models.bucket_batches": lambda: {"lengths": torch.tensor([3, 5, 2, 7, 4]), "batch_size": 2},
    "models.shift_right": lambda: {"target": torch.tensor([[4, 5, 2, 0]])},
    "models.mean_pool": lambda: {"hidden": torch.randn(2, 3, 4, generator=_g()),
                                 "attention_mask": torch.tensor([[1, 1, 0], [1, 0, 0]])},
    "models.BiLSTMClassifier": lambda: {"vocab_size": 10, "num_classes": 2, "embedding_dim": 4, "hidden_size": 4},
    "models.WindowEncoder": lambda: {"vocab_size": 10, "dim": 4, "hidden": 4},
    "models.ConvTagger": lambda: {"vocab_size": 10, "num_tags": 3, "dim": 4, "hidden": 4},
    "models.ConvSentenceClassifier": lambda: {"vocab_size": 10, "dim": 4, "hidden": 4},
    "models.EmbeddingMLP": lambda: {"in_features": 4, "dim": 2, "hidden": (8,)},
    "models.Seq2Seq": lambda: {"source_vocab_size": 10, "target_vocab_size": 10, "embed_dim": 4, "hidden_dim": 4},
    "distances.paired_distance": lambda: {"x1": _embeddings(4), "x2": _embeddings(4) + 1, "metric": "euclidean"},
    "distances.pairwise_distances": lambda: {"embeddings": _embeddings(), "metric": "euclidean"},
    "miners.all_pairs": lambda: {"labels": _pk_labels()},
    "miners.all_triplets": lambda: {"labels": _pk_labels()},
    "miners.random_triplets": lambda: {"embeddings": _embeddings(), "labels": _pk_labels(), "generator": _g()},
    "miners.hard_triplets": lambda: {"embeddings": _embeddings(), "labels": _pk_labels()},
    "miners.semihard_triplets": lambda: {"embeddings": _embeddings(), "labels": _pk_labels()},
    "miners.batch_hard_triplets": lambda: {"embeddings": _embeddings(), "labels": _pk_labels()},
    "report.claim": lambda: {"holds": True, "statement": "a true statement"},
    "report.glue": lambda: {"name": "fuzz_value", "value": 1.0},
    "report.glue_all": lambda: {"values": {"fuzz_a": 1.0}},
    "plot.label": lambda: {"ax": _axes(), "title": "t", "xlabel": "x", "ylabel": "y"},
    "plot.reliability_diagram": lambda: {"ax": _axes(), "bins": _bins(), "title": "t", "ece": 0.1},
    "plot.confidence_histogram": lambda: {"ax": _axes(), "confidences": [torch.rand(20, generator=_g())],
                                          "labels": ["CE"], "title": "t", "n_bins": 5},
    "data.number_words.english": lambda: {"n": 21},
    "data.number_words.french": lambda: {"n": 71, "variant": "fr"},
    "data.number_words.references": lambda: {"n": 71},
    "data.number_words.tokenize": lambda: {"text": "soixante et onze"},
    "data.number_words.detokenize": lambda: {"tokens": ["soixante", "et", "onze"]},
    "data.number_words.build_vocabulary": lambda: {"texts": ["un deux", "trois"]},
    "data.number_words.split_numbers": lambda: {"max_number": 50, "seed": 0},
    "data.number_words.sample_variants": lambda: {"count": 5, "seed": 0},
    "data.imbalanced.long_tailed_counts": lambda: {"largest": 100, "num_classes": 4, "imbalance_ratio": 10.0},
    "data.diabetes.inject_outliers": lambda: {"target": torch.randn(20, generator=_g()), "fraction": 0.1, "seed": 0},
    "data.subsets.stratified_subset": lambda: {"items": list("abcdefgh"), "labels": [0, 0, 0, 0, 1, 1, 1, 1],
                                               "size": 4, "seed": 0},
    "data.wnut.parse_bio": lambda: {"text": "Paris B-location\nis O\n"},
    "data.wnut.split_sentences": lambda: {"sentences": _sentences() * 5, "seed": 0},
    "data.wnut.build_vocabulary": lambda: {"sentences": _sentences(), "min_count": 1},
    "data.wnut.build_tag_index": lambda: {"sentences": _sentences()},
}

# Parameters whose integer tensors hold indices or labels: a value out of range must be refused.
INDEX_NAMES = {"target", "labels", "indices", "val_labels", "test_labels", "predictions", "lengths"}
# Integer tensors that may hold any integers: labels that only identify a class (metric learning, miners,
# F1 over the classes that occur) and token ids of a vocabulary the function does not know.
IDENTIFIERS = {
    *((f"losses.{name}", "labels") for name in ("batch_contrastive_loss", "supervised_contrastive_loss")),
    *((f"miners.{name}", "labels") for name in ("all_pairs", "all_triplets", "random_triplets", "hard_triplets",
                                                "semihard_triplets", "batch_hard_triplets")),
    ("metrics.recall_at_1", "labels"), ("metrics.macro_f1", "labels"), ("metrics.macro_f1", "predictions"),
    ("models.shift_right", "target"), ("models.bucket_batches", "lengths"),
}
# Labels that may come as integers as well as floats (0/1 targets, 0/1 predictions).
INTEGER_OK = {"target", "predicted", "labels"}
# Strings shown to a reader, where any text (str() of the value) is a valid choice.
FREE_TEXT = {"title", "xlabel", "ylabel", "statement", "name", "text"}
# Parameters that take any value by design.
ANY_VALUE = {("report.glue", "value")}
# Tensor parameters that are weights (a gradient on them is a plausible mistake).
WEIGHT_NAMES = {"weight", "pos_weight", "alpha", "similarity", "log_variances"}


# ---------------------------------------------------------------------------------------
# bad values generated from the kind of the baseline value
# ---------------------------------------------------------------------------------------


@dataclass
class Trial:
    parameter: str
    description: str
    value: object
    # "refuse": must be refused; "nonfinite": refuse or give a non-finite result; "maybe": may be valid, so a
    # finite result is accepted; "free": may be valid or may fail for its own reasons (an infinite value, a model
    # too large to allocate), so anything but a crash or NaN is accepted
    expect: str


def _with(tensor, position, value):
    changed = tensor.clone()
    changed.view(-1)[position] = value
    return changed


def _with_slice(tensor, value):
    """The first slice along dim 0 (every value a loss might read for it) set to ``value``."""
    changed = tensor.clone()
    if changed.dim() == 0:
        changed.fill_(value)
    else:
        changed[0] = value
    return changed


def bad_values(
    function_name: str, name: str, value: object, paired: bool, none_ok: bool, float_ok: bool = False
) -> list[Trial]:
    trials = []

    def add(description, bad, expect):
        trials.append(Trial(name, description, bad, expect))

    if (function_name, name) in ANY_VALUE:
        return trials
    if value is not None and not none_ok:
        add("None", None, "refuse")
    if isinstance(value, torch.Tensor):
        add("a Python list", value.tolist(), "maybe")
        add("a generator", (v for v in value.tolist()), "refuse")
        add("a string", "tensor", "refuse")
        if value.is_floating_point():
            if value.numel():
                # NaN has no valid answer; +-inf often has one (a masked logit, a point far away, a robust median).
                add("NaN inside", _with_slice(value, float("nan")), "nonfinite")
                add("+inf inside", _with(value, -1, float("inf")), "free")
                add("-inf inside", _with(value, 0, float("-inf")), "free")
            add("int64 dtype", value.round().long(), "maybe" if name in INTEGER_OK else "refuse")
            add("float16", value.half(), "maybe")
            add("bfloat16", value.bfloat16(), "maybe")
            add("float64", value.double(), "maybe")
            if name in WEIGHT_NAMES:
                add("requires_grad=True", value.clone().requires_grad_(True), "maybe")
        elif value.dtype != torch.bool:
            index = name in INDEX_NAMES and (function_name, name) not in IDENTIFIERS
            add("float class indices", value.float(), "refuse" if name in INDEX_NAMES else "maybe")
            if value.numel():
                add("a huge index", _with(value, 0, 10**6), "refuse" if index else "maybe")
                add("a negative index", _with(value, 0, -7), "refuse" if index or name == "lengths" else "maybe")
        if value.dim() >= 1 and value.shape[0] > 1:
            add("one row fewer", value[:-1], "refuse" if paired else "maybe")
        if value.dim() >= 1:
            add("an extra dimension", value.unsqueeze(-1), "refuse" if paired else "maybe")
            add("empty", value[:0], "maybe")
        add("0-d", value.reshape(-1)[0].clone() if value.numel() else value.sum(), "maybe")
    elif isinstance(value, bool):
        add("the int 1", 1, "refuse")
        add("the string 'yes'", "yes", "refuse")
    elif isinstance(value, int):
        add("a float 1.5", 1.5, "maybe" if float_ok else "refuse")
        add("True", True, "refuse")
        add("a string", "3", "refuse")
        add("-1", -1, "maybe")
        add("10**6", 10**6, "free")
    elif isinstance(value, float):
        add("NaN", float("nan"), "refuse")
        add("inf", float("inf"), "refuse")
        add("True", True, "refuse")
        add("a string", "0.5", "refuse")
        add("-1.0", -1.0, "maybe")
        add("1e9", 1e9, "maybe")
    elif isinstance(value, str):
        text = name in FREE_TEXT
        add("an unknown choice", "bogus-choice", "maybe")
        add("an int", 3, "maybe" if text else "refuse")
        add("bytes", value.encode(), "maybe" if text else "refuse")
    elif isinstance(value, torch.dtype):
        add("a dtype name", "float32", "refuse")
        add("an integer dtype", torch.int64, "refuse")
    elif isinstance(value, torch.Generator):
        add("an int seed", 0, "refuse")
    elif isinstance(value, (list, tuple)):
        add("a generator", (v for v in value), "refuse")
        add("a string", "abc", "refuse")
        add("with None inside", [None, *list(value)[1:]], "maybe" if name == "items" else "refuse")
        add("empty", type(value)(), "maybe")
        if value and isinstance(value[0], str):
            add("ints for strings", [1 for _ in value], "maybe" if name == "items" else "refuse")
        if value and isinstance(value[0], (int, float)) and not isinstance(value[0], bool):
            add("NaN inside", [float("nan"), *list(value)[1:]], "nonfinite")
    elif isinstance(value, dict):
        add("a list", list(value.items()), "refuse")
    return trials


# ---------------------------------------------------------------------------------------
# running and judging
# ---------------------------------------------------------------------------------------


def _finite(result) -> bool | None:
    """True when every number in ``result`` is finite, False when one is not, None when it holds none."""
    seen = []

    def walk(value, depth=0):
        if depth > 4:
            return
        if isinstance(value, torch.Tensor):
            if value.is_floating_point() or value.is_complex():
                seen.append(bool(torch.isfinite(value.detach()).all()))
        elif isinstance(value, np.ndarray):
            if np.issubdtype(value.dtype, np.floating):
                seen.append(bool(np.isfinite(value).all()))
        elif isinstance(value, float):
            seen.append(math.isfinite(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, depth + 1)
        elif isinstance(value, (list, tuple)):
            for item in value[:50]:
                walk(item, depth + 1)
        elif hasattr(value, "__dataclass_fields__"):
            for field in value.__dataclass_fields__:
                walk(getattr(value, field), depth + 1)
    walk(result)
    return all(seen) if seen else None


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


SHAPE_TRIALS = ("one row fewer", "an extra dimension", "empty", "0-d")


def run_trial(function, arguments: dict, trial: Trial) -> tuple[str, str]:
    # A mismatch between two arguments is clearly reported by naming either of them.
    named = [trial.parameter] + (list(arguments) if trial.description in SHAPE_TRIALS else [])
    arguments = dict(arguments)
    arguments[trial.parameter] = trial.value
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT_S)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = function(**arguments)
            if isinstance(result, torch.Tensor) and result.requires_grad and result.numel():
                result.sum().backward()  # a backward that fails is part of the outcome
    except (TypeError, ValueError) as error:
        message = str(error)
        if any(name in message for name in named):
            return "clear", f"{type(error).__name__}: {message[:160]}"
        if trial.expect == "free":
            return "accepted", f"{type(error).__name__}: {message[:160]}"
        return "unclear", f"{type(error).__name__} not naming {trial.parameter}: {message[:160]}"
    except _Timeout:
        return "crash", f"ran over {TIME_LIMIT_S} s"
    except Exception as error:  # noqa: BLE001 - every other exception is what this tool reports
        if trial.expect == "free":
            return "accepted", f"{type(error).__name__}: {str(error)[:160]}"
        return "unclear", f"{type(error).__name__}: {str(error)[:160]}"
    except BaseException as error:  # noqa: BLE001
        return "crash", f"{type(error).__name__}: {str(error)[:160]}"
    finally:
        signal.alarm(0)
    finite = _finite(result)
    if any(not issubclass(w.category, DeprecationWarning) for w in caught):
        return "warning", str(caught[0].message)[:160]
    if trial.expect == "free":
        return "accepted", _short(result)
    if trial.expect == "nonfinite":
        return ("silent", f"finite result {_short(result)}") if finite else ("accepted", "non-finite result")
    if finite is False:
        return "nan", f"non-finite result {_short(result)} from finite input"
    if trial.expect == "refuse":
        return "silent", f"returned {_short(result)}"
    return "accepted", _short(result)


def _short(value) -> str:
    text = repr(value).replace("\n", " ")
    return text[:100]


OUTCOMES = ("clear", "warning", "accepted", "unclear", "silent", "nan", "crash")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--details", action="store_true", help="print every outcome that is not clear or accepted")
    parser.add_argument("--only", help="fuzz the functions whose name contains this")
    args = parser.parse_args()
    torch.manual_seed(0)
    callables = public_callables()
    totals, per_function, details, skipped = Counter(), {}, [], []
    for name, function in callables.items():
        if args.only and args.only not in name:
            continue
        if name not in BASELINES:
            skipped.append(name)
            continue
        baseline = BASELINES[name]()
        signature = inspect.signature(function)
        leading = Counter(v.shape[0] for v in baseline.values() if isinstance(v, torch.Tensor) and v.dim())
        counts = Counter()
        for parameter, value in baseline.items():
            # Paired: another tensor argument has the same number of rows, so one row fewer is a mismatch.
            paired = isinstance(value, torch.Tensor) and value.dim() >= 1 and leading[value.shape[0]] >= 2
            declared = signature.parameters.get(parameter)
            none_ok = declared is not None and (
                declared.default is None or "None" in str(declared.annotation)
            )
            float_ok = declared is not None and "float" in str(declared.annotation)
            for trial in bad_values(name, parameter, value, paired, none_ok, float_ok):
                outcome, note = run_trial(function, BASELINES[name](), trial)
                counts[outcome] += 1
                if outcome not in ("clear", "accepted"):
                    details.append((name, trial.parameter, trial.description, outcome, note))
        per_function[name] = counts
        totals.update(counts)
    width = max(map(len, per_function), default=10)
    print(f"{'function':<{width}} " + " ".join(f"{o:>8}" for o in ("trials",) + OUTCOMES))
    for name, counts in per_function.items():
        print(f"{name:<{width}} {sum(counts.values()):>8} " + " ".join(f"{counts[o]:>8}" for o in OUTCOMES))
    trials = sum(totals.values())
    print(f"{'TOTAL':<{width}} {trials:>8} " + " ".join(f"{totals[o]:>8}" for o in OUTCOMES))
    print(f"\n{len(per_function)} functions fuzzed of {len(callables)} public callables; "
          f"unclear {totals['unclear'] / max(trials, 1):.2%} of {trials} trials")
    if skipped:
        print(
            "not fuzzed (no baseline call written: training loops and models to train, files to read, "
            f"result dataclasses, type aliases, interactive figures): {', '.join(skipped)}"
        )
    if args.details:
        for row in details:
            print(" | ".join(row))
    return 0 if totals["silent"] == totals["nan"] == totals["crash"] == 0 and totals["unclear"] <= 0.01 * trials else 1


if __name__ == "__main__":
    sys.exit(main())
