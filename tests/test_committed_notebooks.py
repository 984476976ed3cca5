"""The committed notebooks: executed top to bottom in full mode, clean, with results, navigation and table current.

A committed notebook is executed top to bottom in one fresh kernel (execution counts 1, 2, 3, ...),
holds no error output and no tracebacks, warnings or framework log lines on stderr, stays small
enough to read on GitHub, and comes with its full-mode results file from the same run. The
generated parts (navigation lines, README's notebook list, the results page, the course plan) must be
up to date.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from tools import catalog
from utils.config import ROOT

NOTEBOOKS = [nb.file for nb in catalog.all_notebooks()]
NOISE = re.compile(r"Traceback|Warning|WARNING|[IWE]\d{4} \d\d:\d\d|oneDNN|cuda_|rebuild TensorFlow")


def test_the_notebooks_on_disk_are_the_catalog():
    """Every notebook course/series.yaml lists exists, and every notebook file is listed there."""
    on_disk = sorted([*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "notebooks" / "deep-dives").glob("*.ipynb")])
    assert sorted(NOTEBOOKS) == on_disk
    assert len(catalog.core_notebooks()) == 9, "nine core notebooks, one per topic of the slides"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_is_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).lstrip().startswith("# ")
    expected = 1
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
            continue
        assert cell["execution_count"] == expected, (
            f"cell {i}: execution count {cell['execution_count']}, expected {expected}: "
            "execute the notebook top to bottom in a fresh kernel (python3 -m tools.series regenerate)"
        )
        expected += 1
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"cell {i} holds an error output"
            if out["output_type"] == "stream" and out["name"] == "stderr":
                text = "".join(out["text"])
                assert not NOISE.search(text), f"cell {i}: stderr noise: {text[:200]}"
    assert path.stat().st_size < 8 * 1024 * 1024


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_full_mode_results_file(path):
    result = ROOT / "results" / f"{path.stem}.json"
    assert result.exists(), f"results/{path.stem}.json missing: run python3 -m tools.series regenerate {path.stem}"
    record = json.loads(result.read_text(encoding="utf-8"))
    assert record["notebook"] == path.stem
    assert record["mode"] == "full"
    assert record["metrics"] and all(isinstance(v, (int, float)) for v in record["metrics"].values())
    for field in ("backend", "device", "machine", "data", "wall_seconds", "versions"):
        assert field in record


def saved_line(record) -> str:
    """The line ``utils.results.save`` prints (``results/<stem>.json``, mode, seconds to a tenth)."""
    return f"Saved to results/{record['notebook']}.json ({record['mode']} mode, {record['wall_seconds']:.1f} s)."


def test_results_match_the_committed_outputs():
    """The results file and the notebook come from the same run: the notebook's last output is the line
    save() printed, with this file's mode and run time to a tenth of a second (notebooks executed before
    save() became quiet print every metric instead, and all of them must be there)."""
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = "".join(
            "".join(out.get("text", ""))
            for cell in nb["cells"]
            if cell["cell_type"] == "code"
            for out in cell.get("outputs", [])
        )
        record = json.loads((ROOT / "results" / f"{path.stem}.json").read_text(encoding="utf-8"))
        if saved_line(record) in text:
            continue
        for name, value in record["metrics"].items():
            assert f"{name:40s} {value:.6g}" in text, (
                f"{path.stem}: neither {saved_line(record)!r} nor metric {name} = {value} in the notebook's output: "
                "the results file is not from the committed run"
            )


def test_generated_pages_are_current():
    """README's notebook list, results/README.md, course/plan.md and every notebook's navigation match what
    `python3 -m tools.series pages` writes from course/series.yaml and the results files."""
    run = subprocess.run(
        [sys.executable, "-m", "tools.series", "pages", "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "AE_NO_VENV": "1"},
    )
    assert run.returncode == 0, run.stdout + run.stderr


#: Our bookkeeping, which a student must never meet in a notebook: issue references, goals and
#: targets of the project, verdicts on them, development-run asides. Honest prose such as "our goal in
#: this section" or "the training target" does not match.
PROJECT_TALK = re.compile(
    r"GitHub issue|\bissues? ?#\d+|\(#\d+\)|\bNOT (?:reached|met)\b|\bgoals?\s*(?:[:(]|>=|<=)|\btargets?\s*(?::|>=|<=)|\((?:goal|target)s? ?[<>=\d]"
    r"|\b(?:goal|target)s? (?:(?:was|is|were|are) )?(?:not )?(?:reached|met|missed)\b|\btargets? (?:this|of this|of the) series"
    r"|series set itself|\b(?:in )?our development runs?\b|\bmoonshot\b|\bdevelopment observation",
    re.IGNORECASE,
)


def _notebook_text(nb) -> list[tuple[str, str]]:
    """(where, text) for every cell source and every text output of a notebook."""
    parts = []
    for i, cell in enumerate(nb["cells"]):
        parts.append((f"cell {i} source", "".join(cell["source"])))
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append((f"cell {i} output", "".join(out["text"])))
            for mime in ("text/plain", "text/markdown"):
                if mime in out.get("data", {}):
                    parts.append((f"cell {i} output", "".join(out["data"][mime])))
    return parts


def test_project_talk_pattern_catches_bookkeeping_and_spares_prose():
    for text in (
        "see issue #9",
        "goal: 0.9",
        "fd ratio 3.2 (target 5)",
        "NOT reached",
        "the target was met",
        "the targets this series set itself",
        "In our development runs it helped",
    ):
        assert PROJECT_TALK.search(text), text
    for text in (
        "our goal in this section is to denoise",
        "the training target is the clean image",
        "targets = x_train",
        "fit(x, y_target)",
        "targets (10800, 128, 64, 2)",
        "We reached 0.9 accuracy",
    ):
        assert not PROJECT_TALK.search(text), text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_project_talk(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = [
        f"{where}: ...{text[max(m.start() - 40, 0) : m.end() + 40]}..."
        for where, text in _notebook_text(nb)
        for m in PROJECT_TALK.finditer(text)
    ]
    assert not found, "project talk a student should not meet:\n" + "\n".join(found)
