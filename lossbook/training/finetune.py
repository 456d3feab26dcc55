r"""Fine-tuning a pretrained sentence classifier with any loss, and reading it out.

The two MiniLM chapters (focal loss and calibration; CE + supervised contrastive
fine-tuning) train the same way and differ only in the loss, so the loop lives here:

* :func:`fine_tune` — AdamW with linear warm-up then linear decay (the BERT recipe,
  :func:`lossbook.training.schedules.linear_warmup_decay`),
  seeded batches, an optional ``tqdm`` bar, gradient clipping at norm 1; the loss is a
  function of ``(logits, embedding, labels)`` so both cross-entropy-style losses and
  :func:`~lossbook.losses.ce_plus_scl` plug in;
* :func:`predict` — logits and sentence embeddings for many texts, in eval mode and
  without gradients, batched by length so little time goes to padding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from lossbook._validate import check_int, check_real, check_str_sequence
from lossbook.models.minilm import tokenize
from lossbook.training.loop import epoch_batches
from lossbook.training.schedules import linear_warmup_decay_scheduler

__all__ = ["LossOnOutputs", "fine_tune", "predict"]

LossOnOutputs = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
"""``loss(logits, embedding, labels) -> scalar``."""


def _check_texts(texts: object) -> list[str]:
    texts = check_str_sequence("texts", texts)
    if not texts:
        raise ValueError("texts must not be empty")
    return texts


def _check_texts_and_labels(texts: Sequence[str], labels: object) -> torch.Tensor:
    _check_texts(texts)
    if labels is None or isinstance(labels, (str, bytes)):
        raise TypeError(f"labels must be a 1-D integer array or tensor, got {type(labels).__name__}")
    labels = torch.as_tensor(np.asarray(labels))
    if labels.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"labels must hold integer class indices, got dtype {labels.dtype}")
    if labels.dim() != 1:
        raise ValueError(f"labels must be 1-D, got shape {tuple(labels.shape)}")
    if len(labels) != len(texts):
        raise ValueError(f"labels must have one entry per text: expected {len(texts)}, got {len(labels)}")
    return labels.long()


def fine_tune(
    model: nn.Module,
    tokenizer,
    texts: Sequence[str],
    labels: object,
    loss_fn: LossOnOutputs,
    *,
    epochs: int,
    batch_size: int = 16,
    lr: float = 2e-5,
    head_lr: float | None = None,
    weight_decay: float = 0.01,
    warmup_fraction: float = 0.1,
    max_length: int = 64,
    seed: int = 0,
    progress=None,
) -> list[float]:
    """Train ``model`` (a :class:`~lossbook.models.minilm.SentenceClassifier`) on the texts; return the loss of every step.

    Args:
        model: returns ``(logits, embedding)`` from ``input_ids, attention_mask``.
        tokenizer: the encoder's tokenizer.
        texts, labels: the training examples.
        loss_fn: ``loss_fn(logits, embedding, labels)``, a scalar.
        epochs: passes over the data; each draws a new seeded shuffle.
        batch_size, lr, weight_decay, max_length: as usual; ``head_lr`` (default ``lr``)
            for the freshly initialised linear head.
        warmup_fraction: share of the steps with a rising learning rate.
        seed: seeds the batch order (and nothing else: seed the model before building it).
        progress: a ``tqdm`` bar to advance once per step, or ``None``.
    """
    labels = _check_texts_and_labels(texts, labels)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_real("lr", lr, minimum=0.0, inclusive=False)
    head_lr = lr if head_lr is None else check_real("head_lr", head_lr, minimum=0.0, inclusive=False)
    warmup_fraction = check_real("warmup_fraction", warmup_fraction, minimum=0.0, maximum=1.0)
    weight_decay = check_real("weight_decay", weight_decay, minimum=0.0)
    seed = check_int("seed", seed, minimum=0)
    device = next(model.parameters()).device
    head = list(model.head.parameters())
    head_ids = {id(parameter) for parameter in head}
    body = [parameter for parameter in model.parameters() if id(parameter) not in head_ids]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": lr}, {"params": head, "lr": head_lr}], weight_decay=weight_decay
    )
    steps_per_epoch = -(-len(texts) // batch_size)
    total = epochs * steps_per_epoch
    warmup = max(1, round(warmup_fraction * total))
    scheduler = linear_warmup_decay_scheduler(optimizer, total_steps=total, warmup_steps=warmup)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    model.train()
    for _ in range(epochs):
        for rows in epoch_batches(len(texts), batch_size, generator=generator):
            batch = tokenize(tokenizer, [texts[i] for i in rows.tolist()], max_length=max_length, device=device)
            logits, embedding = model(**batch)
            loss = loss_fn(logits, embedding, labels[rows].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            # Few-shot fine-tuning starts from a random head: clipping keeps one bad batch from wrecking the encoder.
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            if progress is not None:
                progress.update(1)
    return losses


@torch.no_grad()
def predict(
    model: nn.Module, tokenizer, texts: Sequence[str], *, batch_size: int = 64, max_length: int = 64
) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits ``(N, C)`` and embeddings ``(N, D)`` for ``texts``, on the CPU, in the texts' order.

    Texts are grouped by length before batching, then put back in order: less time on
    padding, and the attention mask keeps each sentence's output independent of its
    batch mates (up to float rounding).
    """
    _check_texts(texts)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    logits_parts, embedding_parts = [], []
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        batch = tokenize(tokenizer, [texts[i] for i in rows], max_length=max_length, device=device)
        logits, embedding = model(**batch)
        logits_parts.append(logits.float().cpu())
        embedding_parts.append(embedding.float().cpu())
    model.train(was_training)
    inverse = torch.empty(len(order), dtype=torch.long)
    inverse[torch.tensor(order)] = torch.arange(len(order))
    return torch.cat(logits_parts)[inverse], torch.cat(embedding_parts)[inverse]
