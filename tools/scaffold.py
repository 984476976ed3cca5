"""``python3 -m tools.series new NN_name "Title"``: a new notebook that already keeps the series' conventions.

Writes, for a core notebook ``NN_name`` (or a deep dive ``NNx_name`` of the core notebook NN):

* ``notebooks/NN_name.ipynb`` (``notebooks/deep-dives/NNx_name.ipynb``): the title cell with its "you
  will learn to" list, the setup cell (:func:`tools.conventions.setup_cell`), a first numbered section,
  the Exercises cell with a folded solution, the Summary and the results cell (:mod:`tools.conventions`);
* ``course/checks/<stem>.yaml``: an empty list of self-checks, with the format's reference;
* its entry in ``course/series.yaml`` (title, a placeholder for what it teaches, session or core);

then writes its navigation lines and the generated pages. CONTRIBUTING.md ("Adding a notebook") lists
what is left to do by hand.
"""

from __future__ import annotations

import json
import re

from tools import catalog, conventions, pages
from tools.records import relative
from utils.config import ROOT

STEM = re.compile(r"^(\d\d)([a-z]?)_[a-z0-9_]+$")
TODO = "TODO"


def _cells(stem: str, title: str, setup: str):
    import nbformat

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return [
        md(
            f"{conventions.title_line(stem.split('_', 1)[0], title)}\n\n"
            f"{TODO}: one paragraph on what the reader will be able to do, and why it matters.\n\n"
            f"In this notebook you will learn to:\n\n- {TODO}: the first thing;\n- {TODO}: the second thing."
        ),
        code(setup),
        md(f"## 1. {TODO}: the first idea of the slides\n\n{TODO}: a few short sentences, then the code."),
        code(
            "QUICK = settings.quick\nEPOCHS = 2 if QUICK else 30  # every mode-dependent setting, in one visible cell"
        ),
        md(
            f"## Exercises\n\n1. **(easy)** {TODO}: an exercise with a definite answer (give it a self-check in "
            f"course/checks/{stem}.yaml).\n\n<details><summary>Solution</summary>\n\n{TODO}\n</details>"
        ),
        md(f"## Summary\n\n{TODO}: what was shown, with this run's numbers, and what comes next."),
        code(
            f'results_path = utils.results.save(\n    "{stem}",\n    settings,\n'
            f'    metrics={{"example_metric": 1.0}},  # {TODO}: what this notebook measured, name -> number\n'
            "    data={},\n)"
        ),
    ]


def _yaml_text(text: str) -> str:
    """``text`` as a YAML scalar: quoted where YAML would read it otherwise (a title with ": ", say)."""
    return json.dumps(text, ensure_ascii=False) if ": " in text or text.startswith(("'", '"', "-", "[", "{")) else text


def _series_entry(stem: str, title: str, core: str | None) -> str:
    title = _yaml_text(title)
    if core is None:
        session = len(catalog.sessions())
        return (
            f"  - stem: {stem}\n    title: {title}\n    teaches: >-\n      {TODO}: one or two sentences.\n"
            f"    headline: {{}}\n    prerequisites: >-\n      {TODO}\n    slides: >-\n      {TODO}\n"
            f"    session: {session}\n"
        )
    return (
        f"      - stem: {stem}\n        title: {title}\n        teaches: >-\n          {TODO}: one or two sentences.\n"
    )


def add_to_series(text: str, stem: str, title: str, core: str | None) -> str:
    """course/series.yaml's text with the new entry: a core notebook before the sessions, a deep dive at the
    end of its core notebook's entry (opening its ``deep_dives:`` list if it has none)."""
    lines = text.splitlines(keepends=True)
    if core is None:
        end = next(i for i, line in enumerate(lines) if line.startswith("sessions:"))
        while end > 0 and (lines[end - 1].startswith("#") or not lines[end - 1].strip()):
            end -= 1
        return "".join(lines[:end]) + _series_entry(stem, title, None) + "".join(lines[end:])
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- stem: {core}")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("  - stem:") or not lines[i].startswith(" ")),
        len(lines),
    )
    while not lines[end - 1].strip():
        end -= 1
    opening = "" if any(line.strip() == "deep_dives:" for line in lines[start:end]) else "    deep_dives:\n"
    return "".join(lines[:end]) + opening + _series_entry(stem, title, core) + "".join(lines[end:])


def new(stem: str, title: str, say=print) -> int:
    """Scaffold a notebook (see the module's docstring); 0 when written, 2 with a message when refused."""
    import nbformat

    match = STEM.match(stem)
    if not match:
        say("The name must be NN_name (a core notebook, e.g. 10_sparse_codes) or NNx_name (a deep dive of NN).")
        return 2
    if stem in catalog.stems():
        say(f"{stem} is already in course/series.yaml.")
        return 2
    core = None
    if match.group(2):
        cores = [nb.stem for nb in catalog.core_notebooks() if nb.number == match.group(1)]
        if not cores:
            say(f"A deep dive extends a core notebook, and there is no core notebook {match.group(1)}.")
            return 2
        core = cores[0]
    elif any(nb.number == match.group(1) for nb in catalog.core_notebooks()):
        say(f"There is a core notebook {match.group(1)} already; number the new one after the last.")
        return 2
    entry = catalog.Notebook(stem=stem, title=title, teaches=TODO, core=core)
    if entry.file.exists():
        say(f"{relative(entry.file)} exists already.")
        return 2
    setup = conventions.setup_cell(*catalog.repository(), deep_dive=core is not None)
    node = nbformat.v4.new_notebook()
    node.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    node.metadata["language_info"] = {"name": "python"}
    node.cells = _cells(stem, title, setup)
    entry.file.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(node, entry.file)
    checks = ROOT / "course" / "checks" / f"{stem}.yaml"
    checks.write_text(
        f"# Self-checks of {stem} for the student edition (python3 -m tools.series student).\n"
        "# Format: utils/selfcheck.py. Tests: tests/test_self_checks.py.\nchecks: []\n",
        encoding="utf-8",
    )
    catalog.SERIES_FILE.write_text(
        add_to_series(catalog.SERIES_FILE.read_text(encoding="utf-8"), stem, title, core), encoding="utf-8"
    )
    catalog._load.cache_clear()
    pages.update(say=lambda *a: None)
    say(f"written: {relative(entry.file)}, {relative(checks)}, and its entry in course/series.yaml.")
    say("Next: CONTRIBUTING.md, 'Adding a notebook' (replace every TODO, then regenerate it).")
    return 0
