"""The student edition: every notebook without its solutions, with self-checks, made by otter-grader.

    python3 -m tools.series student [NOTEBOOK ...]

writes

    build/student/NN_name.ipynb            what a teacher hands out: no solutions, outputs cleared
    build/student-solutions/NN_name.ipynb  the same notebook with every self-check answered and, under each
                                           open-ended exercise, its rubric (for the teacher)

How: each tracked notebook becomes an otter-grader *master notebook* (``build/otter/NN_name/``): the
lesson cells as they are; the Exercises cell split into one cell per exercise, each ``<details>``
solution removed; after an exercise that has self-checks (``course/checks/NN_name.yaml``, see
``utils/selfcheck.py``), one otter question per check: its prompt, the solution behind otter's
``BEGIN SOLUTION`` marks, and its tests. ``otter assign`` then does the release step: it replaces each
solution by the answer cell the student fills in and adds the ``grader.check("qN")`` cell. One cell
written here, before the exercises, makes the grader: ``grader = utils.selfcheck.grader("NN_name")``,
which writes the same tests from the YAML file wherever the notebook runs (also in Colab, where the
setup cell clones the repository).

Rubrics: ``course/rubrics.yaml`` holds, for every open-ended exercise (level "open", or no self-check),
what a good answer contains, the common mistakes and what to expect (:func:`load_rubrics`). They are
added to the teacher's copy only, as a Markdown cell right under the exercise (:func:`rubric_cell`).

Why outputs are cleared: the student edition is the one a student works in; the executed notebooks
with every figure stay in ``notebooks/`` and on the web site for reading.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from tools import catalog
from tools.conventions import CLONE_LINE, COLAB_BADGE, exercises, is_exercises_cell, split_exercises, strip_solutions
from tools.records import relative
from utils import selfcheck
from utils.config import ROOT

OUT = ROOT / "build" / "student"
SOLUTIONS = ROOT / "build" / "student-solutions"
WORK = ROOT / "build" / "otter"
RUBRICS = ROOT / "course" / "rubrics.yaml"
RUBRIC_HEADING = "**Rubric (for teachers).**"

INTRO = (
    "\n\n**Self-checks.** Where an exercise has a definite answer, a *self-check* follows it: store your "
    "answer in the named variables, run the cell, then run the `grader.check(...)` cell below it. It says "
    "whether the answer is right and, if not, gives a hint. The next cell prepares the checks."
)


def _raw(text: str):
    return nbformat.v4.new_raw_cell(text)


def question_cells(check: selfcheck.Check) -> list:
    """One check as an otter-grader question block (otter assign's master-notebook format)."""
    import yaml

    solution = (
        '""" # BEGIN PROMPT\n' + check.answer + '\n""" # END PROMPT\n'
        "# BEGIN SOLUTION NO PROMPT\n" + check.solution + "\n# END SOLUTION"
    )
    cells = [
        _raw(f"# BEGIN QUESTION\nname: {check.name}\npoints: 1"),
        nbformat.v4.new_markdown_cell(f"**Self-check `{check.name}`.** {check.prompt}"),
        _raw("# BEGIN SOLUTION"),
        nbformat.v4.new_code_cell(solution),
        _raw("# END SOLUTION"),
        _raw("# BEGIN TESTS"),
    ]
    for test in check.tests:
        config = yaml.safe_dump({"failure_message": test.hint}, allow_unicode=True, width=1000).strip()
        cells.append(
            nbformat.v4.new_code_cell(f'""" # BEGIN TEST CONFIG\n{config}\n""" # END TEST CONFIG\n{test.code}')
        )
    cells += [_raw("# END TESTS"), _raw("# END QUESTION")]
    return cells


def relocated(source: str, entry) -> str:
    """A code cell of ``entry`` as the edition holds it: the short setup cell's repository root one folder
    further up (``build/student/`` is one folder deeper than ``notebooks/``); any other cell unchanged."""
    if not CLONE_LINE.search(source):
        return source
    up = "/".join([".."] * len(entry.path.parent.parts))
    return source.replace(f'sys.path[:0] = ["{up}"', f'sys.path[:0] = ["../{up}"')


def load_rubrics(path: Path = RUBRICS) -> dict[str, dict[int, dict]]:
    """{stem: {exercise number: {"good": [...], "mistakes": [...], "expect": "..."}}} from course/rubrics.yaml.

    Raises:
        ValueError: for a notebook or exercise the series does not have, or a rubric without its
            "good" and "mistakes" lists.
    """
    import yaml

    rubrics = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for stem, items in rubrics.items():
        entry = catalog.by_stem(stem)
        numbers = {n for n, _, _ in exercises(nbformat.read(entry.file, as_version=4).cells)}
        for number, rubric in items.items():
            if number not in numbers:
                raise ValueError(f"{relative(path)}: {stem} has no exercise {number} (it has {sorted(numbers)}).")
            if not (rubric.get("good") and rubric.get("mistakes")):
                raise ValueError(f"{relative(path)}: {stem} exercise {number} needs both 'good' and 'mistakes'.")
    return rubrics


def rubric_cell(rubric: dict):
    """A rubric as the Markdown cell the teacher's copy shows under its exercise."""
    lines = [RUBRIC_HEADING, "", "*A good answer:*", ""] + [f"- {item}" for item in rubric["good"]]
    lines += ["", "*Common mistakes:*", ""] + [f"- {item}" for item in rubric["mistakes"]]
    if rubric.get("expect"):
        lines += ["", f"*What to expect:* {rubric['expect']}"]
    cell = nbformat.v4.new_markdown_cell("\n".join(lines))
    cell.metadata["tags"] = ["rubric"]
    return cell


def add_rubrics(node, rubrics: dict[int, dict]) -> int:
    """Put each rubric right under its exercise's cell in a teacher's copy (an nbformat node); return how many."""
    cells, added = [], 0
    for cell in node.cells:
        cells.append(cell)
        match = re.match(r"(\d+)\. \*\*\(", cell.source) if cell.cell_type == "markdown" else None
        if match and int(match.group(1)) in rubrics:
            cells.append(rubric_cell(rubrics[int(match.group(1))]))
            added += 1
    node.cells = cells
    return added


def master_notebook(stem: str):
    """The otter-grader master notebook of a tracked notebook (outputs cleared, solutions as questions)."""
    entry = catalog.by_stem(stem)
    nb = nbformat.read(entry.file, as_version=4)
    up = "../" * len(entry.path.parent.parts)  # build/student/ is one folder deeper than notebooks/
    to_root = re.compile(rf"\]\({re.escape(up)}(?!\.\./)")  # a link into the repository (README, the glossary)
    checks = selfcheck.load(stem)
    config = (
        f"# ASSIGNMENT CONFIG\nname: {stem}\ninit_cell: false\ncheck_all_cell: false\nexport_cell: false\n"
        "run_tests: false\ntests:\n  files: true\n"
    )
    cells = [_raw(config)]
    found = False
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = relocated(cell.source, entry)
        if cell.cell_type == "markdown":
            cell.source = to_root.sub(f"](../{up}", COLAB_BADGE.sub("", cell.source))
        if not is_exercises_cell(cell):
            cells.append(cell)
            continue
        found = True
        header, items = split_exercises(strip_solutions(cell.source))
        numbers = {n for n, _ in items}
        unknown = sorted({c.exercise for c in checks} - numbers)
        if unknown:
            raise ValueError(f"{stem}: self-checks name exercise(s) {unknown}, the notebook has {sorted(numbers)}.")
        cells.append(nbformat.v4.new_markdown_cell(header + (INTRO if checks else "")))
        if checks:
            cells.append(
                nbformat.v4.new_code_cell(
                    f'# The self-checks of this notebook (otter-grader; utils/selfcheck.py)\ngrader = utils.selfcheck.grader("{stem}")'
                )
            )
        for number, text in items:
            cells.append(nbformat.v4.new_markdown_cell(text))
            for check in checks:
                if check.exercise == number:
                    cells.extend(question_cells(check))
    if not found:
        raise ValueError(f"{stem}: no '## Exercises' cell found.")
    nb.cells = cells
    return nb


def build(stems: list[str], quiet: bool = False) -> list[Path]:
    """Write the student edition of the given notebooks (all when empty); return the notebooks written."""
    written = []
    rubrics = load_rubrics()
    for stem in catalog.select(stems):
        work = WORK / stem
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        nbformat.write(master_notebook(stem), work / f"{stem}.ipynb")
        proc = subprocess.run(
            [sys.executable, "-m", "otter", "assign", "--no-run-tests", f"{stem}.ipynb", "dist"],
            cwd=work,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"otter assign failed on {stem}:\n{proc.stdout}\n{proc.stderr}")
        where = catalog.by_stem(stem).path.relative_to("notebooks")  # the layout of notebooks/, deep dives below
        for source, target in ((work / "dist" / "student", OUT), (work / "dist" / "autograder", SOLUTIONS)):
            (target / where).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / f"{stem}.ipynb", target / where)
        if stem in rubrics:  # the teacher's copy only
            teacher = nbformat.read(SOLUTIONS / where, as_version=4)
            if add_rubrics(teacher, rubrics[stem]) != len(rubrics[stem]):
                raise ValueError(f"{stem}: a rubric of course/rubrics.yaml found no exercise cell to stand under.")
            nbformat.write(teacher, SOLUTIONS / where)
        written.append(OUT / where)
        if not quiet:
            print(f"{stem}: {len(selfcheck.load(stem))} self-check(s) -> {relative(written[-1])}")
    return written


def main(argv: list[str]) -> int:
    try:
        written = build(argv)
    except (ValueError, RuntimeError) as exc:
        print(f"student edition: FAILED: {exc}")
        return 1
    print(
        f"\n{len(written)} student notebook(s) in {relative(OUT)}/, with the answers in "
        f"{relative(SOLUTIONS)}/ (for teachers)."
    )
    return 0
