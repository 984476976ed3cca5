"""The student edition: every notebook without its solutions, with self-checks, made by otter-grader.

    python3 tools/series.py student [NOTEBOOK ...]

writes

    build/student/NN_name.ipynb            what a teacher hands out: no solutions, outputs cleared
    build/student-solutions/NN_name.ipynb  the same notebook with every self-check answered (for the teacher)

How: each tracked notebook becomes an otter-grader *master notebook* (``build/otter/NN_name/``): the
lesson cells as they are; the Exercises cell split into one cell per exercise, each ``<details>``
solution removed; after an exercise that has self-checks (``course/checks/NN_name.yaml``, see
``utils/selfcheck.py``), one otter question per check: its prompt, the solution behind otter's
``BEGIN SOLUTION`` marks, and its tests. ``otter assign`` then does the release step: it replaces each
solution by the answer cell the student fills in and adds the ``grader.check("qN")`` cell. One cell
written here, before the exercises, makes the grader: ``grader = utils.selfcheck.grader("NN_name")``,
which writes the same tests from the YAML file wherever the notebook runs (also in Colab, where the
setup cell clones the repository).

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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.catalog import select  # noqa: E402
from utils import selfcheck  # noqa: E402

OUT = ROOT / "build" / "student"
SOLUTIONS = ROOT / "build" / "student-solutions"
WORK = ROOT / "build" / "otter"

SOLUTION_BLOCK = re.compile(r"\n*<details><summary>Solution</summary>.*?</details>[ \t]*", re.S)
EXERCISE_START = re.compile(r"(?m)^(?=\d+\. )")
COLAB_BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)\n*")

INTRO = (
    "\n\n**Self-checks.** Where an exercise has a definite answer, a *self-check* follows it: store your "
    "answer in the named variables, run the cell, then run the `grader.check(...)` cell below it. It says "
    "whether the answer is right and, if not, gives a hint. The next cell prepares the checks."
)


def strip_solutions(text: str) -> str:
    """Markdown without its folded ``<details>`` solutions."""
    return SOLUTION_BLOCK.sub("", text)


def split_exercises(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The Exercises cell as (header, [(number, exercise text), ...])."""
    header, *items = EXERCISE_START.split(text)
    return header.rstrip(), [(int(item.split(".", 1)[0]), item.rstrip()) for item in items]


EXERCISES_HEADING = re.compile(r"(?m)^## Exercises")


def is_exercises_cell(cell_type: str, source: str) -> bool:
    """Whether a cell is a notebook's Exercises cell (also used by tools/course_plan.py)."""
    return cell_type == "markdown" and EXERCISES_HEADING.search(source) is not None


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


def master_notebook(stem: str):
    """The otter-grader master notebook of a tracked notebook (outputs cleared, solutions as questions)."""
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
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
        if cell.cell_type == "markdown":
            cell.source = COLAB_BADGE.sub("", cell.source).replace("](../README.md", "](../../README.md")
        if not is_exercises_cell(cell.cell_type, cell.source):
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
    for stem in select(stems):
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
        for source, target in ((work / "dist" / "student", OUT), (work / "dist" / "autograder", SOLUTIONS)):
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / f"{stem}.ipynb", target / f"{stem}.ipynb")
        written.append(OUT / f"{stem}.ipynb")
        if not quiet:
            print(f"{stem}: {len(selfcheck.load(stem))} self-check(s) -> {written[-1].relative_to(ROOT)}")
    return written


def main(argv: list[str]) -> int:
    try:
        written = build(argv)
    except (ValueError, RuntimeError) as exc:
        print(f"student edition: FAILED: {exc}")
        return 1
    print(
        f"\n{len(written)} student notebook(s) in {OUT.relative_to(ROOT)}/, with the answers in "
        f"{SOLUTIONS.relative_to(ROOT)}/ (for teachers)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
