"""The four NLP case studies at every size, run one (configuration, seed) at a time.

* :mod:`~lossbook.studies.focal_calibration` — CE vs focal γ vs label smoothing, calibration (BiLSTM, MiniLM);
* :mod:`~lossbook.studies.dice_loss_ner` — CE, focal, dice and DSC (α = 1 and the authors' α = 0.01) on WNUT-2016;
* :mod:`~lossbook.studies.mixed_ce_translation` — mixed CE vs CE on number words with synonyms;
* :mod:`~lossbook.studies.scl_few_shot` — CE vs CE + SCL at N = 20, 100, 1,000;
* :mod:`~lossbook.studies.summary` — mean ± std per arm, paired differences with a t-interval;
* :mod:`~lossbook.studies.runner` — ``python -m lossbook.studies``: plan, budget, progress, resumable results files.

Each study module has ``CHAPTER``, ``SIZES`` (``"tiny"``, ``"smoke"``, ``"cpu"``, ``"gpu"``),
``configurations(size)``, ``run_one(config, seed, device)`` → one flat row, and
``summary_tables(rows)`` → the chapter's tables as DataFrames.
"""

from lossbook.studies import dice_loss_ner, focal_calibration, mixed_ce_translation, scl_few_shot, summary

STUDIES = {module.CHAPTER: module for module in (focal_calibration, dice_loss_ner, mixed_ce_translation, scl_few_shot)}
SIZES = ("tiny", "smoke", "cpu", "gpu")


def run_rows(chapter: str, size: str, device="cpu", *, keys=None, progress=None) -> list[dict]:
    """Every (configuration, seed) of ``chapter`` at ``size`` in this process, as the runner runs each: the rows.

    What a notebook calls for its smoke size (``keys`` picks configurations by key, e.g.
    ``["BiLSTM/cross-entropy"]``); ``progress`` is a tqdm bar each run advances (per epoch or step).
    Nothing is written: :mod:`lossbook.studies.runner` is the resumable, file-writing way.
    """
    from lossbook.training.run import seed_everything

    if chapter not in STUDIES:
        raise ValueError(f"chapter must be one of {sorted(STUDIES)}, got {chapter!r}")
    module = STUDIES[chapter]
    configs = module.configurations(size)
    if keys is not None:
        unknown = sorted(set(keys) - {c["key"] for c in configs})
        if unknown:
            raise ValueError(f"keys must name configurations of {chapter} at size {size!r}; unknown {unknown}")
        configs = [c for c in configs if c["key"] in set(keys)]
    rows = []
    for config in configs:
        for seed in config["seeds"]:
            seed_everything(seed)
            rows.append(module.run_one(config, seed, device, progress=progress))
    return rows


def load_tables(chapter: str, size: str | None = None, directory=None):
    """The study record of ``chapter`` (the largest size found, or ``size``) and its summary tables; ``(None, {})`` if none."""
    from lossbook.results import load_study_results, study_rows

    if chapter not in STUDIES:
        raise ValueError(f"chapter must be one of {sorted(STUDIES)}, got {chapter!r}")
    record = load_study_results(chapter, size, directory)
    if record is None or not record["runs"]:
        return record, {}
    return record, STUDIES[chapter].summary_tables(study_rows(record))


__all__ = ["STUDIES", "SIZES", "run_rows", "load_tables", "focal_calibration", "dice_loss_ner", "mixed_ce_translation",
           "scl_few_shot", "summary"]
