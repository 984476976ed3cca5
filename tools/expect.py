"""The quick-mode numbers a teacher should expect: every core notebook run in quick mode on several seeds.

    python3 -m tools.series expect [--seeds 42 1 2] [NOTEBOOK ...]

runs each named core notebook (all nine when none) in quick mode once per seed (``AE_SEED``, the same
notebook on another seed), headless and in a fresh kernel as ``run --quick`` does, and records per
notebook and seed whether it passed, its wall time and its metrics in ``results/backends/quick_seeds.json``
(with the machine, the versions and the code of each notebook). The course plan's session sheets
(:mod:`tools.course_plan`, through :func:`tools.records.seed_spread`) show each headline metric's mean and range over the seeds, so that a teacher can
tell a student's normal quick-mode result from a broken one. Quick mode runs on the offline fallbacks when
no data mirror or download is at hand, as a student's may; the file says which data each run used.

A notebook that fails on a seed is recorded as failed, with the error's last line: that is a claim whose
assert does not hold on every seed in quick mode, worth knowing before a class meets it.
"""

from __future__ import annotations

import platform
import tempfile
from pathlib import Path

from tools import catalog, history, records
from tools.records import read_json, relative
from utils.config import ROOT

DEFAULT_SEEDS = (42, 1, 2)


def _versions() -> dict:
    """Python's, Keras' and TensorFlow's versions, read from the installed packages (nothing imported)."""
    from importlib.metadata import version

    return {"python": platform.python_version(), "keras": version("keras"), "tensorflow": version("tensorflow")}


def run_seeds(stems: list[str], seeds: tuple[int, ...] = DEFAULT_SEEDS, say=print) -> dict:
    """Run each notebook in quick mode on each seed; update and write the record; return it."""
    from tools.runner import _failure, execute

    record = records.recorded_seed_runs()
    record["versions"] = _versions()
    for stem in stems:
        nb = catalog.by_stem(stem)
        runs = {}
        for seed in seeds:
            say(f"{stem}, seed {seed} ...", end=" ", flush=True)
            with tempfile.TemporaryDirectory(prefix="ae-seed-") as tmp:
                env = {"AE_QUICK": "1", "AE_SEED": str(seed), "AE_RESULTS_DIR": tmp}
                log = ROOT / "build" / "seeds" / f"{stem}.seed{seed}.log"
                log.parent.mkdir(parents=True, exist_ok=True)
                try:
                    seconds = execute(nb.file, ROOT / "build" / "seeds" / f"{stem}.seed{seed}.ipynb", env, log)
                except Exception as exc:  # recorded: an assert that fails on this seed
                    runs[str(seed)] = {"passed": False, "error": _failure(exc, log), "wall_seconds": None}
                    say(f"FAILED: {runs[str(seed)]['error']}", flush=True)
                    continue
                result = read_json(Path(tmp) / f"{stem}.json") or {}
                record["machine"], record["device"] = result.get("machine"), result.get("device")
                runs[str(seed)] = {
                    "passed": True,
                    "wall_seconds": result.get("wall_seconds", round(seconds, 1)),
                    "data": result.get("data", {}),
                    "metrics": result.get("metrics", {}),
                }
                say(f"passed in {runs[str(seed)]['wall_seconds']:.0f} s", flush=True)
        record["notebooks"][stem] = {"code": history.code_hash(nb.file.read_text(encoding="utf-8")), "runs": runs}
    records.write_seed_runs(record)
    say(f"{relative(records.SEEDS_FILE)} written")
    return record


def main(names: list[str], seeds: list[int] | None) -> int:
    stems = [s for s in catalog.select(names) if not catalog.by_stem(s).is_deep_dive]
    if not stems:
        print("expect: the expected quick-mode numbers are for core notebooks; name one such as 01, or none.")
        return 2
    record = run_seeds(stems, tuple(seeds or DEFAULT_SEEDS))
    failed = [
        f"{stem} seed {seed}"
        for stem in stems
        for seed, run in record["notebooks"][stem]["runs"].items()
        if not run["passed"]
    ]
    if failed:
        print(f"failed on some seeds: {', '.join(failed)}")
    return 1 if failed else 0
