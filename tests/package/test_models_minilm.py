"""The offline MiniLM encoder: the weights' checksum, pooling, tokenising and the classifier head."""

import pytest
import torch

from lossbook.models import minilm as pretrained
from lossbook.models.minilm import SentenceClassifier, load_minilm, mean_pool, minilm_path, tokenize


@pytest.fixture(scope="module")
def minilm():
    return load_minilm()


def test_mean_pool_averages_only_the_kept_tokens_and_an_empty_row_is_zero_not_nan():
    hidden = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    mask = torch.tensor([[1, 0, 1], [0, 0, 0]])
    pooled = mean_pool(hidden, mask)
    torch.testing.assert_close(pooled[0], (hidden[0, 0] + hidden[0, 2]) / 2)
    torch.testing.assert_close(pooled[1], torch.zeros(4))


def test_mean_pool_names_bad_shapes():
    with pytest.raises(ValueError, match=r"hidden must be 3-D \(batch, tokens, features\), got shape \(2, 3\)"):
        mean_pool(torch.zeros(2, 3), torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"attention_mask must have shape \(batch, tokens\) = \(2, 3\), got \(2, 4\)"):
        mean_pool(torch.zeros(2, 3, 5), torch.ones(2, 4))


def test_the_bundled_weights_are_the_official_file_and_a_wrong_hash_is_refused(monkeypatch):
    path = minilm_path()
    assert (path / "model.safetensors").stat().st_size > 80_000_000
    monkeypatch.setattr(pretrained, "_CHECKED", set())
    with pytest.raises(ValueError, match=r"\(the official all-MiniLM-L6-v2\) sha256 mismatch: expected 0{64}, got 53aa5117"):
        minilm_path(expected_sha256="0" * 64)


def test_encoder_matches_the_published_architecture(minilm):
    _, encoder = minilm
    assert sum(p.numel() for p in encoder.parameters()) == 22_713_216
    assert (encoder.config.num_hidden_layers, encoder.config.hidden_size) == (6, 384)


def test_tokenize_pads_to_the_longest_text_and_cuts_at_max_length(minilm):
    tokenizer, _ = minilm
    batch = tokenize(tokenizer, ["a fine film", "word " * 100], max_length=16)
    assert batch["input_ids"].shape == (2, 16)
    assert batch["attention_mask"][0].tolist() == [1] * 5 + [0] * 11  # [CLS] a fine film [SEP]
    with pytest.raises(TypeError, match="texts must be a list of str, got str"):
        tokenize(tokenizer, "a fine film")
    with pytest.raises(TypeError, match="texts must be a list of str, got generator"):
        tokenize(tokenizer, (text for text in ["a"]))
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str, got NoneType"):
        tokenize(tokenizer, ["a", None])
    with pytest.raises(TypeError, match=r"max_length must be an int, got float"):
        tokenize(tokenizer, ["a"], max_length=8.0)
    with pytest.raises(ValueError, match=r"max_length must be an int >= 2, got 1"):
        tokenize(tokenizer, ["a"], max_length=1)


def test_classifier_returns_logits_and_the_mean_pooled_embedding_the_head_reads(minilm):
    tokenizer, encoder = minilm
    torch.manual_seed(0)
    model = SentenceClassifier(encoder, 3).eval()
    batch = tokenize(tokenizer, ["a fine film", "dull, long and loud"])
    with torch.no_grad():
        logits, embedding = model(**batch)
        hidden = encoder(**batch).last_hidden_state
    assert logits.shape == (2, 3) and embedding.shape == (2, 384)
    torch.testing.assert_close(embedding, mean_pool(hidden, batch["attention_mask"]))
    torch.testing.assert_close(logits, model.head(embedding))  # dropout is off in eval mode
    with pytest.raises(ValueError, match=r"num_classes must be an int >= 2, got 1"):
        SentenceClassifier(encoder, 1)
    with pytest.raises(TypeError, match=r"num_classes must be an int, got float"):
        SentenceClassifier(encoder, 2.0)
    with pytest.raises(ValueError, match=r"dropout must be a finite number in \[0, 1\), got 1.5"):
        SentenceClassifier(encoder, 2, dropout=1.5)
