"""The from-scratch sentence classifier: tokens, vocabulary, padding and the BiLSTM's final states."""

import pytest
import torch
from torch import nn

from lossbook.models.bilstm import PAD, UNK, BiLSTMClassifier, WordVocabulary, bucket_batches, words


def test_words_are_lower_cased_and_keep_apostrophes_inside_words_and_punctuation_apart():
    assert words("It's a GREAT film, isn't it?!") == ["it's", "a", "great", "film", ",", "isn't", "it", "?", "!"]
    assert words("   ") == []
    assert words("naïve café 2 stars") == ["naïve", "café", "2", "stars"]


def test_vocabulary_orders_by_count_then_alphabet_and_drops_rare_words():
    texts = ["b a c", "a b", "a d", "e"]
    assert WordVocabulary.build(texts).itos == (PAD, UNK, "a", "b", "c", "d", "e")
    assert WordVocabulary.build(texts, min_count=2).itos == (PAD, UNK, "a", "b")
    assert WordVocabulary.build(texts, max_size=1).itos == (PAD, UNK, "a")


def test_encode_pads_with_zero_maps_unseen_words_to_unk_and_cuts_at_max_length():
    vocab = WordVocabulary.build(["good film", "bad film"])  # film 2, bad 3, good 4
    ids, lengths = vocab.encode(["Good film", "a bad, bad film", ""], max_length=4)
    assert ids.tolist() == [[4, 2, 0, 0], [1, 3, 1, 3], [1, 0, 0, 0]]
    assert lengths.tolist() == [2, 4, 1]
    assert ids.dtype == lengths.dtype == torch.long


def test_vocabulary_and_encode_refuse_bad_input():
    with pytest.raises(TypeError, match="corpus must be a list of texts, got str"):
        WordVocabulary.build("one text")
    with pytest.raises(TypeError, match=r"corpus\[1\] must be a str \(a text\), got list"):
        WordVocabulary.build(["a text", ["tokens"]])
    with pytest.raises(TypeError, match="corpus must be a list of texts, got generator"):
        WordVocabulary.build(text for text in ["a"])
    with pytest.raises(TypeError, match="min_count must be an int, got float"):
        WordVocabulary.build(["a"], min_count=2.0)
    with pytest.raises(ValueError, match="min_count must be an int >= 1, got 0"):
        WordVocabulary.build(["a"], min_count=0)
    with pytest.raises(ValueError, match=r"itos must start with \('<pad>', '<unk>'\)"):
        WordVocabulary(("a", "b"))
    with pytest.raises(ValueError, match="corpus must not be empty"):
        WordVocabulary.build(["a"]).encode([])
    with pytest.raises(TypeError, match="max_length must be an int, got float"):
        WordVocabulary.build(["a"]).encode(["a"], max_length=4.0)


def _model(**kwargs):
    torch.manual_seed(0)
    return BiLSTMClassifier(vocab_size=12, num_classes=3, embedding_dim=5, hidden_size=4, **kwargs).eval()


def test_final_states_match_an_lstm_run_on_each_unpadded_sentence():
    model = _model()
    ids = torch.tensor([[3, 7, 2, 9], [5, 4, 0, 0], [11, 0, 0, 0]])
    lengths = torch.tensor([4, 2, 1])
    with torch.no_grad():
        got = model.sentence_vector(ids, lengths)
        for row in range(3):
            sentence = model.embedding(ids[row : row + 1, : lengths[row]])  # no padding at all
            outputs, _ = model.lstm(sentence)  # (1, T, 2H): forward half, then backward half
            hidden = model.lstm.hidden_size
            # The forward direction ends at the last word, the backward one at the first.
            expected = torch.cat([outputs[0, -1, :hidden], outputs[0, 0, hidden:]])
            torch.testing.assert_close(got[row], expected)


def test_logits_do_not_depend_on_how_much_padding_follows_a_sentence():
    model = _model()
    short = model(torch.tensor([[3, 7, 2]]), torch.tensor([3]))
    padded = model(torch.tensor([[3, 7, 2, 0, 0, 0]]), torch.tensor([3]))
    assert short.shape == (1, 3)
    torch.testing.assert_close(short, padded)


def test_gradients_reach_the_word_vectors_but_not_the_padding_row():
    model = _model(dropout=0.0).train()
    ids, lengths = torch.tensor([[3, 7, 0], [5, 0, 0]]), torch.tensor([2, 1])
    nn.functional.cross_entropy(model(ids, lengths), torch.tensor([0, 2])).backward()
    grad = model.embedding.weight.grad
    assert grad[[3, 5, 7]].abs().sum() > 0
    assert grad[0].abs().sum() == 0
    assert model.lstm.num_layers == 2 and model.lstm.bidirectional


def test_model_refuses_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="num_classes must be an int >= 2, got 1"):
        BiLSTMClassifier(10, 1)
    with pytest.raises(ValueError, match=r"dropout must be a finite number in \[0, 1\), got 1.0"):
        BiLSTMClassifier(10, 2, dropout=1.0)
    with pytest.raises(TypeError, match=r"num_classes must be an int, got float"):
        BiLSTMClassifier(10, 2.0)
    model = _model()
    with pytest.raises(ValueError, match="ids must be a 2-D int64 tensor"):
        model(torch.tensor([1, 2]), torch.tensor([2]))
    with pytest.raises(TypeError, match="ids must be an int64 tensor of word indices, got dtype torch.float32"):
        model(torch.tensor([[1.0, 2.0]]), torch.tensor([2]))
    with pytest.raises(TypeError, match="lengths must be an integer tensor, got dtype torch.float32"):
        model(torch.tensor([[1, 2]]), torch.tensor([2.0]))
    with pytest.raises(ValueError, match=r"lengths must have shape \(2,\), got \(1,\)"):
        model(torch.tensor([[1, 2], [3, 4]]), torch.tensor([2]))
    with pytest.raises(ValueError, match=r"lengths must be in \[1, 2\], got values from 0 to 2"):
        model(torch.tensor([[1, 2], [3, 4]]), torch.tensor([2, 0]))


def test_bucket_batches_cover_every_text_once_group_similar_lengths_and_repeat_with_the_seed():
    lengths = torch.randint(1, 40, (203,), generator=torch.Generator().manual_seed(1))
    batches = bucket_batches(lengths, 16, generator=torch.Generator().manual_seed(0))
    assert sorted(torch.cat(batches).tolist()) == list(range(203))
    assert [len(b) for b in batches].count(16) == 12 and sorted(len(b) for b in batches)[0] == 203 - 12 * 16
    # Sorted by length before cutting: the batches' length ranges do not overlap.
    spans = sorted((int(lengths[b].min()), int(lengths[b].max())) for b in batches)
    assert all(high <= next_low for (_, high), (next_low, _) in zip(spans, spans[1:]))
    again = bucket_batches(lengths, 16, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(batches, again))
    with pytest.raises(TypeError, match="lengths must be an integer tensor, got dtype torch.float32"):
        bucket_batches(torch.tensor([1.0, 2.0]), 2)
    with pytest.raises(ValueError, match=r"lengths must be a non-empty 1-D integer tensor, got shape \(0,\)"):
        bucket_batches(torch.tensor([], dtype=torch.long), 2)
