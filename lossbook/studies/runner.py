r"""``python -m lossbook.studies``: run the case studies one (configuration, seed) at a time, resumably.

::

    python -m lossbook.studies --chapters focal_calibration,dice_loss_ner --size cpu --budget-minutes 80
    python -m lossbook.studies --size gpu --workers 12             # a GPU machine: MiniLM on the GPU, the rest on its cores
    python -m lossbook.studies --plan --size gpu --device cuda      # the plan and its projected time only
    python -m lossbook.studies --show --size cpu                    # the tables of the results files
    python -m lossbook.studies --merge a/scl_few_shot.cpu.json b/scl_few_shot.cpu.json --out scl_few_shot.cpu.json

Before it starts, the runner prints the plan and its projected time. The projection comes from
the per-run seconds stored in each study module (``MEASURED_SECONDS``: measured on one thread
of this project's CPU; ``PROJECTED_GPU_SECONDS``: a stated assumption for the MiniLM runs on a
GPU, never measured) and is rescaled by how long the finished runs actually took, which is
also what the progress bar's ETA uses.

Each finished (chapter, configuration, seed) is written at once to
``<results-dir>/<chapter>.<size>.json`` (:func:`lossbook.results.write_study_results`: a
temporary file, then a rename, so a stopped run never leaves half a file). A rerun skips what
the file already holds. A run starts only when the projected time still fits in
``--budget-minutes``; when none fits the runner stops after the runs in flight.

The order is round-robin over seeds: every configuration of every chapter gets its first seed
before any gets its second, so a run cut short by its budget still covers every comparison
with as many seeds as it could.
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import contextlib
import fcntl
import json
import math
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from lossbook.report import progress_bar
from lossbook.results import (
    add_study_run,
    describe_study,
    done_units,
    environment,
    load_study_results,
    merge_study_results,
    new_study_record,
    register_configurations,
    results_dir,
    study_results_path,
    study_rows,
    write_study_results,
)
from lossbook.studies import SIZES, STUDIES
from lossbook.training.run import seed_everything

__all__ = ["Unit", "plan", "projected_seconds", "run_studies", "merge_files", "show", "main"]


@dataclass(frozen=True)
class Unit:
    """One (chapter, configuration, seed) to train, with its projected seconds and where it runs."""

    chapter: str
    key: str
    seed: int
    config: dict = field(compare=False, repr=False)
    projected: float = field(compare=False)
    accelerated: bool = field(compare=False)


def projected_seconds(module, size: str, config: dict, device: torch.device) -> tuple[float, str]:
    """Projected seconds of one run of ``config`` and where the number comes from ("measured" or "assumed")."""
    group = config["group"]
    if device.type == "cuda" and config.get("accelerator"):
        return float(module.PROJECTED_GPU_SECONDS[size][group]), "assumed"
    return float(module.MEASURED_SECONDS[size][group]), "measured"


def plan(chapters: list[str], size: str, device: torch.device, studies: dict = STUDIES) -> list[Unit]:
    """Every unit of the chapters at ``size``, round-robin over seeds: all first seeds, then all second seeds, …

    A configuration marked ``extra`` (and a seed past a configuration's ``first_seeds``) comes
    after all the others, round-robin among themselves: what runs only if the budget allows."""
    ordered = []
    for chapter_number, chapter in enumerate(chapters):
        module = studies[chapter]
        for config_number, config in enumerate(module.configurations(size)):
            seconds, _ = projected_seconds(module, size, config, device)
            accelerated = device.type == "cuda" and bool(config.get("accelerator"))
            for seed_number, seed in enumerate(config["seeds"]):
                unit = Unit(chapter, config["key"], seed, config, seconds, accelerated)
                # "extra" configurations, and seeds past "first_seeds", only after every other run.
                extra = bool(config.get("extra")) or seed_number >= config.get("first_seeds", math.inf)
                ordered.append(((extra, seed_number, chapter_number, config_number), unit))
    return [unit for _, unit in sorted(ordered, key=lambda pair: pair[0])]


def _execute(chapter: str, config: dict, seed: int, device_name: str, studies: dict = STUDIES,
             clock=time.perf_counter) -> tuple[dict, float]:
    start = clock()
    seed_everything(seed)
    row = studies[chapter].run_one(config, seed, torch.device(device_name))
    return row, clock() - start


def _init_worker(threads: int, deterministic_cuda: bool) -> None:
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=deterministic_cuda)


class _InProcess:
    """An executor that runs each task when it is submitted: one worker, caches shared between runs."""

    def __init__(self, studies, clock):
        self.studies, self.clock = studies, clock

    def submit(self, function, *args):
        future = futures.Future()
        try:
            future.set_result(function(*args, self.studies, self.clock))
        except BaseException as error:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(error)
        return future

    def shutdown(self, wait=True, cancel_futures=False):
        pass


@contextlib.contextmanager
def _locked(paths: list[Path]):
    # Two runners writing one results file would each drop the other's rows: refuse the second.
    handles = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock = path.parent / f".{path.name}.lock"
            handle = open(lock, "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise RuntimeError(f"another run is writing {path}; wait for it or choose another --results-dir") from None
            handles.append((handle, lock))
        yield
    finally:
        for handle, lock in handles:
            lock.unlink(missing_ok=True)
            handle.close()


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def run_studies(
    chapters: list[str],
    size: str,
    *,
    budget_minutes: float | None = None,
    directory: str | Path | None = None,
    device: torch.device | str = "cpu",
    workers: int = 1,
    threads: int = 1,
    studies: dict = STUDIES,
    clock=time.perf_counter,
    out=sys.stdout,
) -> dict:
    """Run every unit of ``chapters`` at ``size`` that the results files do not hold yet, within the budget.

    Args:
        chapters: names in ``studies``.
        size: one of ``"tiny"``, ``"smoke"``, ``"cpu"``, ``"gpu"``.
        budget_minutes: start no run whose projected end lies beyond this; ``None``: no limit.
        directory: where the results files are; default :func:`lossbook.results.results_dir`.
        device: ``"cuda"`` runs the MiniLM configurations on the GPU (one at a time) and the
            small models on CPU workers; ``"cpu"`` runs everything on the CPU.
        workers: processes running units side by side (1: in this process).
        threads: torch CPU threads per worker.

    Returns:
        ``{"ran": …, "skipped_done": …, "left": …, "seconds": …, "files": [...]}``.
    """
    unknown = [c for c in chapters if c not in studies]
    if unknown or not chapters:
        raise ValueError(f"chapters must be a non-empty list of {sorted(studies)}, got {chapters!r}")
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    if budget_minutes is not None and (not isinstance(budget_minutes, (int, float)) or budget_minutes < 0):
        raise ValueError(f"budget_minutes must be a non-negative number or None, got {budget_minutes!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    device = torch.device(device)
    budget = math.inf if budget_minutes is None else 60.0 * budget_minutes
    directory = results_dir() if directory is None else Path(directory)

    paths = {chapter: study_results_path(chapter, size, directory) for chapter in chapters}
    records = {}
    for chapter in chapters:
        record = load_study_results(chapter, size, directory) or new_study_record(chapter, size)
        register_configurations(record, studies[chapter].configurations(size))
        records[chapter] = record
    units = plan(chapters, size, device, studies)
    done = {chapter: done_units(records[chapter]) for chapter in chapters}
    pending = [u for u in units if (u.key, u.seed) not in done[u.chapter]]
    skipped = len(units) - len(pending)
    _print_plan(pending, skipped, size, device, workers, budget, out)

    start = clock()
    # Actual / projected seconds of the finished runs, per kind of worker: rescales the projection.
    spent = {False: [0.0, 0.0], True: [0.0, 0.0]}

    def expected(unit):
        actual, projected = spent[unit.accelerated]
        return unit.projected * (actual / projected if projected else 1.0)

    envs = {}
    ran, stopped_by_budget = 0, False
    executor = _InProcess(studies, clock) if workers == 1 else futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
        initargs=(threads, device.type == "cuda"))
    bar_format = "{desc} {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]"
    total_runs = len(pending)
    bar = progress_bar(total=sum(u.projected for u in pending) or 1, desc=f"{size} runs 0/{total_runs}",
                       bar_format=bar_format, file=sys.stderr)
    failure = None
    with _locked(list(paths.values())), bar:
        in_flight: dict = {}
        try:
            while pending or in_flight:
                while pending and len(in_flight) < workers and not stopped_by_budget and failure is None:
                    gpu_busy = any(u.accelerated for u in in_flight.values())
                    unit = next((u for u in pending if not (u.accelerated and gpu_busy)), None)
                    if unit is None:
                        break
                    if clock() - start + expected(unit) > budget:
                        stopped_by_budget = True
                        break
                    pending.remove(unit)
                    unit_device = device if unit.accelerated else torch.device("cpu")
                    in_flight[executor.submit(_execute, unit.chapter, unit.config, unit.seed, str(unit_device))] = unit
                if not in_flight:
                    break
                finished, _ = futures.wait(in_flight, return_when=futures.FIRST_COMPLETED)
                for future in finished:
                    unit = in_flight.pop(future)
                    if future.exception() is not None:
                        # Keep the other finished runs, start no new one, then raise this.
                        failure = failure or future.exception()
                        continue
                    row, seconds = future.result()
                    unit_device = device if unit.accelerated else torch.device("cpu")
                    env = envs.setdefault(unit_device.type, environment(unit_device))
                    record = records[unit.chapter]
                    add_study_run(record, unit.key, unit.seed, row, seconds=seconds, env=env)
                    write_study_results(record, paths[unit.chapter])
                    spent[unit.accelerated][0] += seconds
                    spent[unit.accelerated][1] += unit.projected
                    ran += 1
                    bar.set_description(f"{size} runs {ran}/{total_runs}", refresh=False)
                    bar.update(unit.projected)
                    bar.write(f"{unit.chapter} {unit.key} seed {unit.seed}: {seconds:.1f} s "
                              f"(projected {unit.projected:.1f} s) → {paths[unit.chapter].name}", file=out)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
    if failure is not None:
        raise failure
    elapsed = clock() - start
    if stopped_by_budget:
        print(f"budget of {_minutes(budget)} reached: {ran} runs done, {len(pending)} left for a rerun", file=out)
    else:
        print(f"done: {ran} runs in {_minutes(elapsed)}", file=out)
    return {"ran": ran, "skipped_done": skipped, "left": len(pending), "seconds": elapsed,
            "files": [str(paths[c]) for c in chapters if records[c]["runs"]]}


def _print_plan(pending, skipped, size, device, workers, budget, out) -> None:
    by_chapter = {}
    for unit in pending:
        count, seconds = by_chapter.get(unit.chapter, (0, 0.0))
        by_chapter[unit.chapter] = (count + 1, seconds + unit.projected)
    print(f"plan: {len(pending)} runs at size {size!r} ({skipped} already in the results files), device {device.type}, "
          f"{workers} worker(s)", file=out)
    for chapter, (count, seconds) in by_chapter.items():
        print(f"  {chapter}: {count} runs, {_minutes(seconds)} of run time", file=out)
    gpu = sum(u.projected for u in pending if u.accelerated)
    cpu = sum(u.projected for u in pending if not u.accelerated)
    # One GPU run at a time; the CPU runs share the other workers (all of them when no GPU run is left).
    cpu_workers = max(1, workers - 1) if gpu else workers
    wall = max(gpu, cpu / cpu_workers) if gpu else cpu / workers
    source = ("per-run seconds measured on one thread of the project's CPU (AMD EPYC), stored in each study module"
              + ("; MiniLM GPU seconds are an assumption (PROJECTED_GPU_SECONDS), never measured" if gpu else ""))
    if wall <= budget:
        fits = "all of it fits"
    else:
        # The runs in their order until the projected time passes the budget (one worker's view, scaled).
        elapsed, fitting = 0.0, 0
        for unit in pending:
            elapsed += unit.projected / (1 if unit.accelerated else cpu_workers)
            if elapsed > budget:
                break
            fitting += 1
        fits = f"the budget of {_minutes(budget)} holds about the first {fitting} runs"
    print(f"projected wall time: {_minutes(wall)} ({source}); {fits}", file=out, flush=True)


def merge_files(paths: list[str | Path], out_path: str | Path) -> dict:
    """Merge study records of one chapter and size (from several machines) into ``out_path``."""
    records = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]
    merged = merge_study_results(records)
    merged["merged_from"] = [Path(p).name for p in paths]
    write_study_results(merged, out_path)
    return merged


def show(chapters: list[str], size: str | None, directory=None, out=sys.stdout) -> None:
    """Print each chapter's record line and summary tables."""
    from lossbook.studies import summary

    for chapter in chapters:
        record = load_study_results(chapter, size, directory)
        if record is None or not record["runs"]:
            print(f"{chapter}: no results file", file=out)
            continue
        print(describe_study(record), file=out)
        for name, table in studies_tables(chapter, record).items():
            print(f"\n{chapter} · {name}", file=out)
            print(summary.as_text(table).to_string(), file=out)
        print(file=out)


def studies_tables(chapter: str, record: dict) -> dict:
    return STUDIES[chapter].summary_tables(study_rows(record))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lossbook.studies", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chapters", default=",".join(STUDIES), help="comma-separated (default: all four)")
    parser.add_argument("--size", choices=SIZES, default="cpu")
    parser.add_argument("--budget-minutes", type=float, default=None, help="start no run projected to end later")
    parser.add_argument("--results-dir", default=None, help=f"default: {results_dir()}")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per worker (default 1)")
    parser.add_argument("--plan", action="store_true", help="print the plan and its projected time, run nothing")
    parser.add_argument("--show", action="store_true", help="print the tables of the results files")
    parser.add_argument("--merge", nargs="+", metavar="FILE", help="merge these results files into --out")
    parser.add_argument("--out", help="the merged file (with --merge)")
    args = parser.parse_args(argv)

    chapters = [c.strip() for c in args.chapters.split(",") if c.strip()]
    unknown = [c for c in chapters if c not in STUDIES]
    if unknown:
        parser.error(f"--chapters: unknown {unknown}; choose from {', '.join(STUDIES)}")
    if args.merge:
        if not args.out:
            parser.error("--merge needs --out")
        merged = merge_files(args.merge, args.out)
        print(describe_study(merged))
        return 0
    if args.show:
        show(chapters, args.size, args.results_dir)
        return 0
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          "cpu" if args.device == "auto" else args.device)
    if args.plan:
        units = plan(chapters, args.size, device)
        directory = results_dir() if args.results_dir is None else Path(args.results_dir)
        records = {c: load_study_results(c, args.size, directory) for c in chapters}
        pending = [u for u in units if records[u.chapter] is None or (u.key, u.seed) not in done_units(records[u.chapter])]
        budget = math.inf if args.budget_minutes is None else 60 * args.budget_minutes
        _print_plan(pending, len(units) - len(pending), args.size, device, args.workers, budget, sys.stdout)
        return 0
    # cuBLAS is deterministic only with a fixed workspace, set before its first use (workers inherit it).
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True, warn_only=device.type == "cuda")
    run_studies(chapters, args.size, budget_minutes=args.budget_minutes, directory=args.results_dir, device=device,
                workers=args.workers, threads=args.threads)
    return 0
