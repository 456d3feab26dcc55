r"""Training a classifier of padded word indices (the BiLSTM of the focal-calibration chapter).

:func:`train_classifier` trains any model called as ``model(ids, lengths) -> logits`` —
:class:`lossbook.models.bilstm.BiLSTMClassifier` is the book's — with Adam on batches of texts
of similar length (:func:`lossbook.models.bilstm.bucket_batches`), each batch cut to its
longest text, and gradient clipping at norm ``clip_norm``. It records how confident the
model is of its own training batches, epoch by epoch: the mean top-label probability

.. math:: \bar c_e = \frac1N \sum_{\text{batches } B \text{ of epoch } e}\ \sum_{i \in B} \max_k \operatorname{softmax}(z_i)_k,

the quantity whose climb above the test accuracy is the overconfidence the chapter is
about. :func:`classifier_logits` then gives the logits of new texts.

Why not :func:`lossbook.training.loop.fit`: that loop draws random batches of rows of one
input tensor; a recurrent model wants batches of similar length, cut to their longest
member, and a clipped gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from lossbook._validate import check_int, check_real, check_tensor
from lossbook.models.bilstm import WordVocabulary, bucket_batches

__all__ = ["train_classifier", "classifier_logits"]


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def train_classifier(
    model: nn.Module,
    ids: torch.Tensor,
    lengths: torch.Tensor,
    labels: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    epochs: int,
    lr: float = 1e-2,
    batch_size: int = 64,
    clip_norm: float = 1.0,
    seed: int = 0,
    progress=None,
) -> list[float]:
    """Train ``model(ids, lengths) -> logits`` in place; return its mean training confidence per epoch.

    Each update: the next batch of :func:`~lossbook.models.bilstm.bucket_batches` (its
    generator seeded with ``seed``), its index rows cut to the longest text in the batch,
    ``loss_fn(logits, labels)``, backpropagation, the gradient clipped to norm ``clip_norm``,
    an Adam step. The model is left in eval mode.

    Args:
        model: on the device to train on (``ids`` and ``labels`` are moved there per batch;
            ``lengths`` stay on the CPU, where packing wants them).
        ids, lengths: ``(N, L)`` padded word indices and ``(N,)`` lengths, from
            :meth:`~lossbook.models.bilstm.WordVocabulary.encode`.
        labels: ``(N,)`` class indices.
        loss_fn: ``loss_fn(logits, labels)``, a scalar.
        epochs, lr, batch_size: passes over the data, Adam's rate, texts per batch.
        clip_norm: the largest gradient norm of an update (``clip_grad_norm_``).
        seed: seeds the batch order (seed the model's weights before building it).
        progress: a ``tqdm`` bar to advance once per epoch, or ``None``.

    Returns:
        Per epoch, the mean over the training texts of the top-label probability the model
        gave each of them in its batch (during training, dropout on).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    for name, tensor in (("ids", ids), ("lengths", lengths), ("labels", labels)):
        check_tensor(name, tensor)
        if tensor.is_floating_point():
            raise TypeError(f"{name} must be an integer tensor, got dtype {tensor.dtype}")
    if ids.dim() != 2:
        raise ValueError(f"ids must have shape (N, L), got {tuple(ids.shape)}")
    if lengths.shape != ids.shape[:1] or labels.shape != ids.shape[:1]:
        raise ValueError(
            f"lengths and labels must have shape ({ids.shape[0]},), got {tuple(lengths.shape)} and {tuple(labels.shape)}"
        )
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_real("lr", lr, minimum=0.0, inclusive=False)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    clip_norm = check_real("clip_norm", clip_norm, minimum=0.0, inclusive=False)
    seed = check_int("seed", seed, minimum=0)
    device = _device(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    confidence_per_epoch = []
    for _ in range(epochs):
        model.train()
        confidence_sum = 0.0
        for rows in bucket_batches(lengths, batch_size, generator=generator):
            width = int(lengths[rows].max())
            logits = model(ids[rows, :width].to(device), lengths[rows])
            loss = loss_fn(logits, labels[rows].to(device))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            optimizer.step()
            confidence_sum += logits.detach().softmax(dim=1).max(dim=1).values.sum().item()
        confidence_per_epoch.append(confidence_sum / len(labels))
        if progress is not None:
            progress.update(1)
    model.eval()
    return confidence_per_epoch


@torch.no_grad()
def classifier_logits(model: nn.Module, vocab: WordVocabulary, texts: Sequence[str], *, max_length: int = 64) -> torch.Tensor:
    """The logits ``(N, C)`` of ``model`` for ``texts``, in float32 on the CPU, in one batch.

    The texts are encoded with ``vocab`` (cut at ``max_length`` words); the model is called
    as it is (put it in eval mode first; :func:`train_classifier` leaves it so).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(vocab, WordVocabulary):
        raise TypeError(f"vocab must be a WordVocabulary, got {type(vocab).__name__}")
    ids, lengths = vocab.encode(texts, max_length=max_length)
    return model(ids.to(_device(model)), lengths).float().cpu()
