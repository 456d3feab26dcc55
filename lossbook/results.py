r"""Full-size results of a case study, kept next to the package so a chapter can show them.

A case-study notebook runs at a *smoke* size on a CPU (what the committed outputs and
nbval check); larger runs cannot be redone on every build, so they are kept as small JSON
files with what is needed to judge and repeat them: the hardware, the package versions,
the date, the configuration and the seeds. Files live in ``lossbook/full_results/`` (package
data, so a Colab install has them too), or in the folder named by ``LOSSBOOK_RESULTS_DIR``.

Each file is a *study record*, ``<chapter>.<size>.json``, written by ``python -m lossbook.studies``
(:mod:`lossbook.studies.runner`) one finished (configuration, seed) at a time, so a run
can stop and continue later or on another machine. Each run row names the machine it
ran on; a record merged from several machines lists them all under ``machines`` and says
``merged``. :func:`load_study_results` reads one, :func:`study_rows` gives its rows and
:func:`merge_study_results` joins records of the same chapter and size.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import tempfile
from pathlib import Path

import torch

__all__ = [
    "RESULTS_DIR_VARIABLE", "STUDY_FORMAT", "STUDY_SIZES", "PLAN_KEYS", "results_dir", "cpu_model", "environment",
    "study_results_path", "machine_id", "new_study_record",
    "load_study_results", "write_study_results", "register_configurations", "done_units", "add_study_run",
    "study_rows", "merge_study_results", "describe_study",
]

RESULTS_DIR_VARIABLE = "LOSSBOOK_RESULTS_DIR"
STUDY_FORMAT = "lossbook-study-results/1"
# From the smallest to the largest: a chapter shows the largest it finds.
STUDY_SIZES = ("tiny", "smoke", "cpu", "gpu")
_NAME = re.compile(r"^[a-z0-9_]+$")
# Keys of a configuration that order the runs, not train them: kept out of the recorded settings.
PLAN_KEYS = ("seeds", "extra", "first_seeds")
_PACKAGES = ("torch", "transformers", "numpy", "scipy", "scikit-learn", "lossbook")


def results_dir() -> Path:
    """Where full-size results are read and written."""
    override = os.environ.get(RESULTS_DIR_VARIABLE)
    return Path(override) if override else Path(__file__).resolve().parent / "full_results"


def _check_chapter(chapter: object) -> str:
    if not isinstance(chapter, str) or not _NAME.match(chapter):
        raise ValueError(f"chapter must be a lower-case name of letters, digits and '_', got {chapter!r}")
    return chapter


def _check_size(size: object) -> str:
    if size not in STUDY_SIZES:
        raise ValueError(f"size must be one of {STUDY_SIZES}, got {size!r}")
    return size


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (Linux), else what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(device: torch.device) -> dict:
    """Hardware and versions of this run: the device and its name, the CPU, CPU count and threads, package versions."""
    device = torch.device(device)
    hardware = torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_model()
    versions = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {"device": device.type, "hardware": hardware, "cpu": cpu_model(), "cpu_count": os.cpu_count(),
            "threads": torch.get_num_threads(), "versions": versions}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write_atomically(path: Path, record: dict) -> None:
    # A reader (or a run stopped mid-write) sees the old file or the new one, never half of one.
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, indent=1, ensure_ascii=False, default=float) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------
# study records: one row per finished (configuration, seed)
# ---------------------------------------------------------------------------------------


def study_results_path(chapter: str, size: str, directory: str | Path | None = None) -> Path:
    """``<directory>/<chapter>.<size>.json``; ``directory`` defaults to :func:`results_dir`."""
    directory = results_dir() if directory is None else Path(directory)
    return directory / f"{_check_chapter(chapter)}.{_check_size(size)}.json"


def machine_id(env: dict) -> str:
    """A short name for an environment: the same hardware, CPU count, threads and versions give the same id."""
    text = json.dumps({k: env[k] for k in ("device", "hardware", "cpu", "cpu_count", "threads", "versions")},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def new_study_record(chapter: str, size: str) -> dict:
    """An empty record: no configuration, no machine, no run yet."""
    return {"format": STUDY_FORMAT, "chapter": _check_chapter(chapter), "size": _check_size(size), "created": _now(),
            "updated": _now(), "merged": False, "configurations": {}, "seeds": {}, "machines": [], "runs": []}


def _check_record(record: object, where: str) -> dict:
    if not isinstance(record, dict) or record.get("format") != STUDY_FORMAT:
        raise ValueError(f"{where} is not a study record (format {STUDY_FORMAT!r})")
    return record


def load_study_results(chapter: str, size: str | None = None, directory: str | Path | None = None) -> dict | None:
    """The study record of ``chapter`` at ``size``, or at the largest size found when ``size`` is ``None``; ``None`` if none."""
    sizes = STUDY_SIZES[::-1] if size is None else (_check_size(size),)
    for candidate in sizes:
        path = study_results_path(chapter, candidate, directory)
        if path.exists():
            return _check_record(json.loads(path.read_text(encoding="utf-8")), str(path))
    return None


def write_study_results(record: dict, path: str | Path) -> Path:
    """Write ``record`` to ``path`` atomically (a temporary file, then a rename)."""
    _check_record(record, "record")
    record["updated"] = _now()
    _write_atomically(Path(path), record)
    return Path(path)


def register_configurations(record: dict, configurations: list[dict]) -> None:
    """Add the configurations (and their planned seeds) of a run; one already in the record must be the same.

    Raises:
        ValueError: a configuration of the same key has other settings: its rows would not be comparable.
    """
    for config in configurations:
        key = config["key"]
        settings = {k: v for k, v in config.items() if k not in PLAN_KEYS}
        settings = json.loads(json.dumps(settings, default=float))  # as the file holds it
        known = record["configurations"].get(key)
        if known is not None and known != settings:
            changed = sorted(k for k in set(known) | set(settings) if known.get(k) != settings.get(k))
            raise ValueError(f"configuration {key!r} of {record['chapter']}.{record['size']} differs from the one in the "
                             f"results file in {changed}: use another results folder, or delete that file")
        record["configurations"][key] = settings
        seeds = record["seeds"].get(key, [])
        record["seeds"][key] = seeds + [s for s in config["seeds"] if s not in seeds]


def _machine_entry(record: dict, env: dict) -> dict:
    ident = machine_id(env)
    for machine in record["machines"]:
        if machine["id"] == ident:
            return machine
    machine = {"id": ident, **env, "first_run": _now(), "last_run": _now(), "runs": 0, "seconds": 0.0}
    record["machines"].append(machine)
    return machine


def done_units(record: dict) -> set[tuple[str, int]]:
    """The (configuration key, seed) pairs the record already holds."""
    return {(run["key"], run["seed"]) for run in record["runs"]}


def add_study_run(record: dict, key: str, seed: int, row: dict, *, seconds: float, env: dict) -> None:
    """Add one finished (configuration, seed) and charge its time to the machine of ``env``."""
    if key not in record["configurations"]:
        raise ValueError(f"key {key!r} is not a configuration of the record; register it first")
    if (key, seed) in done_units(record):
        raise ValueError(f"the record already holds configuration {key!r} with seed {seed}")
    machine = _machine_entry(record, env)
    machine["last_run"] = _now()
    machine["runs"] += 1
    machine["seconds"] = round(machine["seconds"] + seconds, 3)
    record["runs"].append({"key": key, "seed": seed, "machine": machine["id"], "finished": _now(),
                           "seconds": round(seconds, 3), "row": row})
    record["merged"] = len(record["machines"]) > 1


def study_rows(record: dict) -> list[dict]:
    """The run rows of a record, each with its ``key``, ``group`` and ``arm`` added."""
    _check_record(record, "record")
    out = []
    for run in record["runs"]:
        config = record["configurations"][run["key"]]
        out.append({"key": run["key"], "group": config["group"], "arm": config["arm"], **run["row"]})
    return out


def merge_study_results(records: list[dict]) -> dict:
    """One record from several of the same chapter and size (e.g. seeds 0–4 on a CPU, 5–9 on a GPU).

    Runs are joined; a (configuration, seed) found in more than one record is kept once, from
    the first record that has it, and counted under ``duplicates_dropped``. Every machine is
    listed; ``merged`` is true when there is more than one.

    Raises:
        ValueError: the records are of different chapters or sizes, or give one key different settings.
    """
    if not records:
        raise ValueError("records must hold at least one study record")
    for number, record in enumerate(records):
        _check_record(record, f"records[{number}]")
    first = records[0]
    for record in records[1:]:
        if (record["chapter"], record["size"]) != (first["chapter"], first["size"]):
            raise ValueError(f"records must share chapter and size: {first['chapter']}.{first['size']} vs "
                             f"{record['chapter']}.{record['size']}")
    merged = new_study_record(first["chapter"], first["size"])
    merged["created"] = min(r["created"] for r in records)
    dropped = 0
    for record in records:
        register_configurations(merged, [{**c, "seeds": record["seeds"].get(k, [])}
                                         for k, c in record["configurations"].items()])
        for machine in record["machines"]:
            known = next((m for m in merged["machines"] if m["id"] == machine["id"]), None)
            if known is None:
                merged["machines"].append({**machine, "runs": 0, "seconds": 0.0})
            else:
                known["first_run"] = min(known["first_run"], machine["first_run"])
                known["last_run"] = max(known["last_run"], machine["last_run"])
        done = done_units(merged)
        for run in record["runs"]:
            if (run["key"], run["seed"]) in done:
                dropped += 1
                continue
            merged["runs"].append(run)
            done.add((run["key"], run["seed"]))
            machine = next(m for m in merged["machines"] if m["id"] == run["machine"])
            machine["runs"] += 1
            machine["seconds"] = round(machine["seconds"] + run["seconds"], 3)
    merged["machines"] = [m for m in merged["machines"] if m["runs"]]
    merged["merged"] = len(merged["machines"]) > 1
    merged["duplicates_dropped"] = dropped
    return merged


def describe_study(record: dict) -> str:
    """One line: the size, the runs and seeds, the machines (hardware, device, CPU count, torch) and their wall time."""
    _check_record(record, "record")
    seeds = sorted({run["seed"] for run in record["runs"]})
    machines = "; ".join(
        f"{m['hardware']} ({m['device']}, {m['cpu_count']} CPUs, {m['threads']} thread(s), torch "
        f"{m['versions'].get('torch', '?')}): {m['runs']} runs, {m['seconds'] / 60:.1f} min, "
        f"{m['first_run'][:10]} to {m['last_run'][:10]}" for m in record["machines"])
    merged = f"merged from {len(record['machines'])} machines; " if record["merged"] else ""
    return (f"{record['chapter']}, {record['size']} size: {len(record['runs'])} runs of "
            f"{len(record['configurations'])} configurations, seeds {seeds}; {merged}{machines or 'no run yet'}")
