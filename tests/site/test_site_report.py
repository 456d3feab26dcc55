"""The measuring pieces of tools/site_report.py that need no browser."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from conftest import site_report


@pytest.mark.parametrize("dpi", [72, 100, 200])
def test_print_width_is_the_figure_width_in_inches_at_96_px(tmp_path, dpi):
    figure = plt.figure(figsize=(5, 2))
    path = tmp_path / "figure.png"
    figure.savefig(path, dpi=dpi)
    plt.close(figure)
    assert site_report.print_width(path) == pytest.approx(5 * 96, rel=1e-3)


def test_print_width_is_unknown_without_a_dpi(tmp_path):
    from PIL import Image

    path = tmp_path / "no-phys.png"
    Image.new("RGB", (300, 100)).save(path)
    assert site_report.print_width(path) is None


@pytest.mark.parametrize(
    "text",
    [
        "as Seed 000 puts it",
        "the seed article's exercise",
        "Seeds 003 and 004 agree",
        "The first seed ends by saying that L1 and L2 regularization have drawbacks",
        "The cure the seed names, BCEWithLogitsLoss, is the right one",
        "The seed’s last practice question: a vision-language-action model",
        "The seed's examples, computed with lossbook",
    ],
)
def test_seed_label_for_a_source_article_is_found(text):
    assert site_report.SEED_LABEL.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "because pooling averages out some of each seed’s own miscalibration",
        "here as PCA at N = 20 (the first seed), with the pretrained encoder",
        "run = setup(seed=0)",
        "the spread over 5 seeds",
        "the seeds disagree widely",
        "The same seed gives the same split",
        "torch.manual_seed(seed)",
    ],
)
def test_random_seeds_are_not_seed_labels(text):
    assert not site_report.SEED_LABEL.search(text)


def test_progress_text_is_tqdm_not_a_table():
    assert site_report.PROGRESS_TEXT.search("train: 100%|██████████| 20/20 [00:01<00:00, 15.2it/s]")
    assert site_report.PROGRESS_TEXT.search("HBox(children=(HTML(value=''), FloatProgress(value=0.0, max=20.0)")
    assert not site_report.PROGRESS_TEXT.search("accuracy 95% | macro-F1 0.91 | 3/4 seeds")
