"""The fine-tuning loop and batched prediction.

The loop's mechanics are tested on a one-layer BERT with MiniLM's tokenizer (steps take
milliseconds); prediction runs on the real encoder, forward only.
"""

import numpy as np
import pytest
import torch

from lossbook.training.finetune import fine_tune, predict
from lossbook.losses import cross_entropy
from lossbook.models.minilm import SentenceClassifier, load_minilm

TEXTS = ["a joy from start to finish", "dull, long and loud", "a small gem", "a waste of two hours"] * 2
LABELS = np.array([1, 0, 1, 0] * 2)


@pytest.fixture(scope="module")
def minilm():
    return load_minilm()


def tiny_encoder(vocab_size):
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    return BertModel(config, add_pooling_layer=False)


@pytest.fixture
def model(minilm):
    tokenizer, _ = minilm
    encoder = tiny_encoder(tokenizer.vocab_size)
    torch.manual_seed(0)
    return SentenceClassifier(encoder, 2)


def ce(logits, embedding, labels):
    return cross_entropy(logits, labels)


def test_fine_tuning_lowers_the_training_loss_and_reports_every_step(minilm, model):
    tokenizer, _ = minilm
    losses = fine_tune(model, tokenizer, TEXTS, LABELS, ce, epochs=30, batch_size=4, lr=3e-3, head_lr=1e-2, seed=0)
    assert len(losses) == 30 * 2
    assert np.mean(losses[-4:]) < 0.2 * np.mean(losses[:4])
    assert model.training  # left in training mode, as it started


def test_the_same_seed_repeats_the_run_exactly(minilm):
    tokenizer, _ = minilm
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = SentenceClassifier(tiny_encoder(tokenizer.vocab_size), 2)
        runs.append(fine_tune(model, tokenizer, TEXTS, LABELS, ce, epochs=1, batch_size=4, seed=5))
    assert runs[0] == runs[1]


def test_the_loss_function_sees_logits_embeddings_and_labels_of_one_batch(minilm, model):
    tokenizer, _ = minilm
    seen = []

    def spy(logits, embedding, labels):
        seen.append((logits.shape, embedding.shape, labels.tolist()))
        return cross_entropy(logits, labels)

    fine_tune(model, tokenizer, TEXTS[:3], LABELS[:3], spy, epochs=1, batch_size=2, seed=0)
    assert [shape for shape, _, _ in seen] == [(2, 2), (1, 2)]
    assert all(embedding == (len(labels), 32) for _, embedding, labels in seen)
    assert sorted(sum((labels for _, _, labels in seen), [])) == sorted(LABELS[:3].tolist())


def test_predict_returns_rows_in_the_texts_order_whatever_the_batching(minilm):
    tokenizer, encoder = minilm
    torch.manual_seed(0)
    model = SentenceClassifier(encoder, 2)
    texts = ["short", "a much longer sentence about a film that goes on", "mid length text here"]
    logits, embeddings = predict(model, tokenizer, texts, batch_size=2)
    single = [predict(model, tokenizer, [text])[1][0] for text in texts]
    torch.testing.assert_close(embeddings, torch.stack(single), atol=1e-5, rtol=1e-4)
    assert logits.shape == (3, 2) and model.training


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"labels": np.array([1, 0])}, ValueError, r"labels must have one entry per text: expected 8, got 2"),
        ({"labels": np.ones(8)}, TypeError, r"labels must hold integer class indices, got dtype torch.float64"),
        ({"labels": np.ones((8, 1), dtype=np.int64)}, ValueError, r"labels must be 1-D, got shape \(8, 1\)"),
        ({"labels": None}, TypeError, r"labels must be a 1-D integer array or tensor, got NoneType"),
        ({"texts": "one text"}, TypeError, r"texts must be a list of str, got str"),
        ({"texts": (t for t in TEXTS)}, TypeError, r"texts must be a list of str, got generator"),
        ({"texts": [], "labels": np.array([], dtype=np.int64)}, ValueError, r"texts must not be empty"),
        ({"epochs": 1.0}, TypeError, r"epochs must be an int, got float"),
        ({"warmup_fraction": 1.5}, ValueError, r"warmup_fraction must be a finite number in \[0, 1\], got 1.5"),
        ({"epochs": 0}, ValueError, r"epochs"),
        ({"lr": 0.0}, ValueError, r"lr"),
    ],
)
def test_bad_arguments_are_named(minilm, model, kwargs, error, message):
    tokenizer, _ = minilm
    arguments = {"texts": TEXTS, "labels": LABELS, "epochs": 1, **kwargs}
    texts, labels = arguments.pop("texts"), arguments.pop("labels")
    with pytest.raises(error, match=message):
        fine_tune(model, tokenizer, texts, labels, ce, **arguments)
