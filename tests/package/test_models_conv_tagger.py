"""The dice-loss chapter's convolutional tagger and sentence classifier.

Checked against the classes the chapter wrote in its own cell (copied below as they were):
the same seed must give the same weights and the same outputs, so the chapter's numbers do
not move when it imports these instead. And against written-out forward passes.
"""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lossbook.models.conv_tagger import ConvSentenceClassifier, ConvTagger, WindowEncoder


class ChapterEncoder(nn.Module):
    def __init__(self, vocab_size, dim=64, hidden=64):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.conv = nn.Conv1d(dim, hidden, kernel_size=3, padding=1)
        self.drop = nn.Dropout(0.3)

    def forward(self, tokens):
        embedded = self.drop(self.embed(tokens)).transpose(1, 2)
        return self.drop(torch.relu(self.conv(embedded)).transpose(1, 2))


class ChapterTagger(nn.Module):
    def __init__(self, vocab_size, num_tags):
        super().__init__()
        self.encoder = ChapterEncoder(vocab_size)
        self.out = nn.Linear(64, num_tags)

    def forward(self, tokens):
        return self.out(self.encoder(tokens))


class ChapterSentenceClassifier(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.encoder = ChapterEncoder(vocab_size)
        self.out = nn.Linear(64, 1)

    def forward(self, tokens):
        states = self.encoder(tokens)
        states = states.masked_fill((tokens == 0).unsqueeze(-1), -1e4)
        return self.out(states.max(dim=1).values).squeeze(-1)


TOKENS = torch.tensor([[5, 9, 3, 0, 0], [7, 2, 2, 8, 1]])


@pytest.mark.parametrize(("ours", "theirs"), [
    (lambda: ConvTagger(30, 21), lambda: ChapterTagger(30, 21)),
    (lambda: ConvSentenceClassifier(30), lambda: ChapterSentenceClassifier(30)),
])
def test_same_seed_same_weights_and_outputs_as_the_chapters_classes(ours, theirs):
    torch.manual_seed(4)
    model = ours()
    torch.manual_seed(4)
    reference = theirs()
    assert model.state_dict().keys() == reference.state_dict().keys()
    assert all(torch.equal(value, reference.state_dict()[name]) for name, value in model.state_dict().items())
    torch.manual_seed(9)  # dropout masks, in training mode
    out = model(TOKENS)
    torch.manual_seed(9)
    assert torch.equal(out, reference(TOKENS))


def test_the_encoder_is_an_embedding_and_a_three_word_convolution():
    torch.manual_seed(0)
    encoder = WindowEncoder(12, dim=3, hidden=4).eval()
    tokens = torch.tensor([[4, 1, 7, 0]])
    e = encoder.embed.weight[tokens[0]]  # (length, dim); row 0 (padding) is zero
    padded = torch.cat([torch.zeros(1, 3), e, torch.zeros(1, 3)])
    windows = torch.stack([padded[t : t + 3] for t in range(4)])  # (length, 3 words, dim)
    expected = torch.relu(torch.einsum("lkd,hdk->lh", windows, encoder.conv.weight) + encoder.conv.bias)
    torch.testing.assert_close(encoder(tokens)[0], expected)
    assert torch.equal(encoder.embed.weight[0], torch.zeros(3))


def test_padding_never_wins_the_sentence_maximum():
    torch.manual_seed(0)
    model = ConvSentenceClassifier(12, dim=3, hidden=4).eval()
    with torch.no_grad():
        short = model(torch.tensor([[4, 1, 7]]))
        padded = model(torch.tensor([[4, 1, 7, 0, 0, 0]]))
        states = model.encoder(torch.tensor([[4, 1, 7]]))
    torch.testing.assert_close(short, padded)
    torch.testing.assert_close(short, model.out(states.max(dim=1).values).squeeze(-1))


def test_tagger_logits_have_one_row_per_token_and_feed_cross_entropy():
    torch.manual_seed(0)
    logits = ConvTagger(12, 5)(TOKENS.clamp_max(11))
    assert logits.shape == (2, 5, 5)
    loss = F.cross_entropy(logits.transpose(1, 2), torch.tensor([[0, 1, 2, -100, -100], [0, 0, 3, 4, 0]]))
    assert torch.isfinite(loss)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ConvTagger(1, 5), ValueError, r"vocab_size must be an int >= 2, got 1"),
        (lambda: ConvTagger(10, 1), ValueError, r"num_tags must be an int >= 2, got 1"),
        (lambda: ConvSentenceClassifier(10, dropout=1.0), ValueError, r"dropout must be a finite number in \[0, 1\), got 1.0"),
        (lambda: ConvTagger(10, 3)(torch.tensor([[1.0, 2.0]])), TypeError, r"tokens must be an int64 tensor of word indices"),
        (lambda: ConvTagger(10, 3)(torch.tensor([1, 2])), ValueError, r"tokens must have shape \(batch, length\), got \(2,\)"),
    ],
)
def test_bad_input_names_itself(call, error, message):
    with pytest.raises(error, match=message):
        call()
