"""train_classifier against the focal-calibration chapter's train_bilstm (copied below), and what it records."""

import numpy as np
import pytest
import torch

from lossbook.losses import cross_entropy, focal_loss
from lossbook.models.bilstm import BiLSTMClassifier, WordVocabulary, bucket_batches
from lossbook.training.classifier import classifier_logits, train_classifier

POSITIVE = ["a great film", "wonderful and moving", "a joy", "great acting, great story", "moving and funny"]
NEGATIVE = ["a dull film", "boring and long", "a mess", "dull acting, dull story", "long and loud"]


def corpus(copies=8, seed=0):
    rng = np.random.default_rng(seed)
    texts = (POSITIVE + NEGATIVE) * copies
    labels = np.array(([1] * len(POSITIVE) + [0] * len(NEGATIVE)) * copies)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], labels[order]


def chapter_train_bilstm(ids, lengths, labels, loss_fn, seed, vocab_size, *, width, epochs, lr):
    """The chapter's train_bilstm, as its cell wrote it (the progress bar left out)."""
    torch.manual_seed(seed)
    model = BiLSTMClassifier(vocab_size, 2, embedding_dim=width, hidden_size=width)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    train_confidence = []
    for _ in range(epochs):
        model.train()
        confidence_sum = 0.0
        for rows in bucket_batches(lengths, 64, generator=generator):
            width_of_batch = int(lengths[rows].max())
            logits = model(ids[rows, :width_of_batch], lengths[rows])
            loss = loss_fn(logits, labels[rows])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            confidence_sum += logits.detach().softmax(dim=1).max(dim=1).values.sum().item()
        train_confidence.append(confidence_sum / len(labels))
    return model.eval(), train_confidence


@pytest.mark.parametrize("loss_fn", [cross_entropy, lambda z, y: focal_loss(z, y, gamma=2.0)], ids=["ce", "focal"])
def test_equals_the_chapters_train_bilstm_number_for_number(loss_fn):
    texts, labels = corpus()
    vocab = WordVocabulary.build(texts)
    ids, lengths = vocab.encode(texts, max_length=40)
    labels = torch.as_tensor(labels)
    reference, expected_curve = chapter_train_bilstm(ids, lengths, labels, loss_fn, 2, len(vocab), width=8, epochs=3, lr=1e-2)
    torch.manual_seed(2)
    model = BiLSTMClassifier(len(vocab), 2, embedding_dim=8, hidden_size=8)
    curve = train_classifier(model, ids, lengths, labels, loss_fn, epochs=3, lr=1e-2, seed=2)
    assert curve == expected_curve
    assert not model.training
    for a, b in zip(model.parameters(), reference.parameters()):
        assert torch.equal(a, b)
    torch.testing.assert_close(classifier_logits(model, vocab, texts[:5], max_length=40), reference(*vocab.encode(texts[:5], max_length=40)))


def test_confidence_is_the_mean_top_probability_over_the_epochs_texts_and_the_model_learns():
    texts, labels = corpus(copies=12)
    vocab = WordVocabulary.build(texts)
    ids, lengths = vocab.encode(texts)
    torch.manual_seed(0)
    model = BiLSTMClassifier(len(vocab), 2, embedding_dim=16, hidden_size=16)
    curve = train_classifier(model, ids, lengths, torch.as_tensor(labels), cross_entropy, epochs=15, batch_size=16, seed=0)
    assert len(curve) == 15 and all(0.5 <= c <= 1.0 for c in curve)  # a top-label probability of 2 classes
    logits = classifier_logits(model, vocab, POSITIVE + NEGATIVE)
    assert logits.dtype == torch.float32 and logits.shape == (10, 2)
    accuracy = (logits.argmax(1) == torch.tensor([1] * 5 + [0] * 5)).float().mean().item()
    # measured over seeds 0-3: every text right, training confidence from 0.54-0.55 to above 0.99
    assert accuracy == 1.0 and curve[0] < 0.7 and curve[-1] > 0.95


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"model": None}, TypeError, r"model must be a torch.nn.Module, got NoneType"),
        ({"ids": torch.zeros(4, 3)}, TypeError, r"ids must be an integer tensor, got dtype torch.float32"),
        ({"labels": torch.zeros(3, dtype=torch.long)}, ValueError, r"lengths and labels must have shape \(4,\)"),
        ({"epochs": 0}, ValueError, r"epochs must be an int >= 1, got 0"),
        ({"clip_norm": 0.0}, ValueError, r"clip_norm must be a finite number > 0"),
        ({"seed": 1.5}, TypeError, r"seed must be an int, got float"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, error, message):
    torch.manual_seed(0)
    arguments = {"model": BiLSTMClassifier(10, 2, embedding_dim=4, hidden_size=4), "ids": torch.ones(4, 3, dtype=torch.long),
                 "lengths": torch.full((4,), 3), "labels": torch.zeros(4, dtype=torch.long), "epochs": 1, **kwargs}
    with pytest.raises(error, match=message):
        train_classifier(arguments.pop("model"), arguments.pop("ids"), arguments.pop("lengths"), arguments.pop("labels"),
                         cross_entropy, **arguments)
