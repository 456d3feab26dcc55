"""The encoder-decoder and greedy decoding."""

import pytest
import torch
import torch.nn.functional as F

from lossbook.models.seq2seq import Seq2Seq, greedy_decode, shift_right

PAD, BOS, EOS = 0, 1, 2


def small_model(seed=0, source_vocab=7, target_vocab=9):
    torch.manual_seed(seed)
    return Seq2Seq(source_vocab, target_vocab, embed_dim=8, hidden_dim=12)


def test_teacher_forced_logits_have_one_row_per_target_position():
    model = small_model()
    source = torch.tensor([[3, 4, 5, 0], [6, 3, 0, 0]])
    logits = model(source, torch.tensor([[1, 4, 5], [1, 6, 2]]))
    assert logits.shape == (2, 3, 9)
    assert torch.isfinite(logits).all()


def test_shift_right_prepends_bos_and_masks_padding_in_the_gold():
    decoder_input, gold = shift_right(torch.tensor([[5, 6, 2, 0], [7, 2, 0, 0]]))
    assert decoder_input.tolist() == [[1, 5, 6, 2], [1, 7, 2, 0]]
    assert gold.tolist() == [[5, 6, 2, -100], [7, 2, -100, -100]]


def test_a_sentence_gets_the_same_logits_whatever_it_is_batched_with():
    model = small_model(1)
    alone = model(torch.tensor([[3, 4]]), torch.tensor([[1, 5, 6]]))
    padded = model(torch.tensor([[3, 4, 0, 0, 0], [5, 6, 3, 4, 5]]), torch.tensor([[1, 5, 6], [1, 7, 7]]))
    torch.testing.assert_close(padded[:1], alone)


def test_greedy_decoding_follows_hand_set_weights():
    # Everything zero except: one-hot target embeddings and an output layer that maps the
    # previous token to its successor in the chain <bos> -> 4 -> 6 -> 3 -> <eos>.
    model = Seq2Seq(5, 8, embed_dim=8, hidden_dim=2)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        model.target_embed.weight.copy_(torch.eye(8))
        successor = {BOS: 4, 4: 6, 6: 3, 3: EOS}
        for previous, nxt in successor.items():
            model.out.weight[nxt, 2 + previous] = 10.0  # columns 0-1 read the (zeroed) attention state
    source = torch.tensor([[3, 4, 0], [2, 2, 2]])
    tokens, logits = greedy_decode(model, source, max_length=10, return_logits=True)
    assert tokens.tolist() == [[4, 6, 3, EOS], [4, 6, 3, EOS]]
    assert logits.shape == (2, 4, 8)
    assert greedy_decode(model, source, max_length=2).tolist() == [[4, 6], [4, 6]]


def test_greedy_steps_agree_with_teacher_forcing_on_their_own_output_and_pad_after_eos():
    model = small_model(2)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(3)  # larger weights: the output depends on the source
        model.out.bias[EOS] += 1.0  # and rows stop after 2, 3 or 5 tokens
    source = torch.randint(3, 7, (16, 5), generator=torch.Generator().manual_seed(0))
    tokens, step_logits = greedy_decode(model, source, max_length=8, return_logits=True)
    assert tokens.shape[0] == 16 and tokens.shape[1] <= 8
    decoder_input = torch.cat([torch.full((16, 1), BOS), tokens[:, :-1]], dim=1)
    teacher = model(source, decoder_input)
    lengths = set()
    for row in range(16):
        row_tokens = tokens[row].tolist()
        end = row_tokens.index(EOS) + 1 if EOS in row_tokens else len(row_tokens)
        lengths.add(end)
        assert all(t == PAD for t in row_tokens[end:])
        torch.testing.assert_close(step_logits[row, :end], teacher[row, :end])
        assert step_logits[row, :end].argmax(-1).tolist() == row_tokens[:end]
    assert len(lengths) > 1  # the batch really mixed finished and unfinished rows
    assert tokens.shape[1] == max(lengths) < 8  # and decoding stopped once every row had finished


def test_greedy_decoding_leaves_the_training_mode_alone():
    model = small_model().train()
    greedy_decode(model, torch.tensor([[3, 4]]), max_length=3)
    assert model.training


def test_a_hundred_steps_learn_a_tiny_translation_table():
    torch.manual_seed(0)
    source = torch.tensor([[3, 4, 0], [4, 3, 0], [5, 5, 6], [6, 0, 0]])
    target = torch.tensor([[5, 6, 2, 0], [6, 5, 2, 0], [7, 7, 8, 2], [8, 2, 0, 0]])
    model = Seq2Seq(7, 9, embed_dim=8, hidden_dim=16)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    decoder_input, gold = shift_right(target)
    for _ in range(100):
        loss = F.cross_entropy(model(source, decoder_input).transpose(1, 2), gold)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    decoded = greedy_decode(model, source, max_length=6)
    assert decoded[:, :4].masked_fill(target == 0, 0).tolist() == target.tolist()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: Seq2Seq(5, 6, hidden_dim=7), ValueError, r"hidden_dim must be even"),
        (lambda: Seq2Seq(5, 2), ValueError, r"target_vocab_size must be an int >= 3, got 2"),
        (lambda: Seq2Seq(5, 6, eos_index=6), ValueError, r"eos_index must be < target_vocab_size \(6\), got 6"),
        (lambda: small_model()(torch.tensor([[3.0]]), torch.tensor([[1]])), TypeError, r"source must be an int64 tensor"),
        (lambda: small_model()(torch.tensor([3]), torch.tensor([[1]])), ValueError, r"source must have shape \(batch, length\), got \(1,\)"),
        (lambda: small_model()(torch.tensor([[3]]), torch.tensor([[1], [1]])), ValueError, r"decoder_input must have the batch size of source: expected 1, got 2"),
        (lambda: small_model()(torch.tensor([[3], [0]]), torch.tensor([[1], [1]])), ValueError, r"source must hold at least one non-padding token"),
        (lambda: greedy_decode(torch.nn.Linear(2, 2), torch.tensor([[3]]), max_length=3), TypeError, r"model must be a Seq2Seq, got Linear"),
        (lambda: greedy_decode(small_model(), torch.tensor([[3]]), max_length=0), ValueError, r"max_length must be an int >= 1, got 0"),
        (lambda: shift_right(torch.tensor([1, 2])), ValueError, r"target must have shape \(batch, length\)"),
    ],
)
def test_bad_arguments_name_themselves(call, error, message):
    with pytest.raises(error, match=message):
        call()
