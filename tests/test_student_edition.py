"""The student edition (``python3 -m tools.series student``, tools/student.py).

Built once for every notebook: no solution survives in it, its lesson cells are the tracked notebook's
code cells unchanged and in order (nbval executes those in quick mode in this same suite), the cells it
adds bind no name the lesson reads after them (so the lesson runs as nbval runs it), and every self-check has its
answer cell and its check cell. Notebook 01's student edition is executed top to
bottom in quick mode with its answers left blank (the checks then say "wrong" without stopping the
notebook), and its teacher copy with the answers filled in, where every check must pass.
"""

from __future__ import annotations

import ast
import os
import re

import nbformat
import pytest

from tools import conventions, student
from tools.catalog import by_stem, stems
from utils import selfcheck


@pytest.fixture(scope="module")
def edition():
    return {path.stem: nbformat.read(path, as_version=4) for path in student.build([], quiet=True)}


def _text(nb) -> str:
    return "\n".join(cell.source for cell in nb.cells)


def _inserted(cell) -> bool:
    """A code cell that the student edition adds: the grader, an answer cell, a check cell."""
    source = cell.source
    return (
        "otter_answer_cell" in cell.metadata.get("tags", [])
        or source.startswith("grader.check(")
        or "utils.selfcheck.grader(" in source
    )


def test_every_notebook_is_in_the_edition(edition):
    assert sorted(edition) == stems()


@pytest.mark.parametrize("stem", stems())
def test_no_solution_survives(edition, stem):
    # the prose and the cells the edition adds (a solution may reuse lines of the lesson code, which stays)
    text = "\n".join(c.source for c in edition[stem].cells if c.cell_type != "code" or _inserted(c))
    assert "<details" not in text and "Solution</summary>" not in text
    original = nbformat.read(by_stem(stem).file, as_version=4)
    for block in re.findall(r"<details><summary>Solution</summary>(.*?)</details>", _text(original), re.S):
        for line in block.splitlines():
            if len(line.strip()) > 25:  # a distinctive line of the folded solution
                assert line.strip() not in text, f"{stem}: solution text left: {line.strip()!r}"
    # a check's solution would be in a code cell (its prompt may quote a line of code, as exercises do)
    added_code = "\n".join(c.source for c in edition[stem].cells if c.cell_type == "code" and _inserted(c))
    for check in selfcheck.load(stem):
        for line in check.solution.splitlines():
            if len(line.strip()) > 25:
                assert line.strip() not in added_code, f"{stem} {check.name}: solution line left: {line.strip()!r}"


@pytest.mark.parametrize("stem", stems())
def test_lesson_cells_are_the_tracked_notebooks(edition, stem):
    original = nbformat.read(by_stem(stem).file, as_version=4)
    lesson = [c.source for c in edition[stem].cells if c.cell_type == "code" and not _inserted(c)]
    # the same code, the setup cell's repository root one folder further up (build/student/ is deeper)
    assert lesson == [student.relocated(c.source, by_stem(stem)) for c in original.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") for c in edition[stem].cells if c.cell_type == "code"), "outputs are cleared"


def _names(source: str, context) -> set[str]:
    """The names a cell binds (context ast.Store) or reads (ast.Load), its IPython syntax (!pip, %magic)
    turned into Python first as IPython does."""
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(source)
    return {
        node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name) and isinstance(node.ctx, context)
    }


@pytest.mark.parametrize("stem", stems())
def test_inserted_cells_change_nothing_the_lesson_reads(edition, stem):
    """With the test above, the student runs the code nbval runs in quick mode: the cells the edition adds
    (grader, blank answers, checks) bind no name that a later lesson cell reads."""
    later_reads, clashes = set(), []
    for cell in reversed([c for c in edition[stem].cells if c.cell_type == "code"]):
        if _inserted(cell):
            clashes += sorted(_names(cell.source, ast.Store) & later_reads)
        else:
            later_reads |= _names(cell.source, ast.Load)
    assert not clashes, f"{stem}: the student edition's added cells overwrite {clashes}, read by the lesson later"


@pytest.mark.parametrize("stem", stems())
def test_every_check_has_its_answer_and_check_cell(edition, stem):
    cells = edition[stem].cells
    for check in selfcheck.load(stem):
        at = [i for i, c in enumerate(cells) if c.source == f'grader.check("{check.name}")']
        assert len(at) == 1, f"{stem}: one check cell for {check.name}"
        answer = cells[at[0] - 1]
        assert "otter_answer_cell" in answer.metadata.get("tags", [])
        assert answer.source.strip() == check.answer.strip()
        assert any(f"Self-check `{check.name}`" in c.source for c in cells[: at[0]] if c.cell_type == "markdown")
    grader_cells = [i for i, c in enumerate(cells) if "utils.selfcheck.grader(" in c.source]
    if not selfcheck.load(stem):
        assert not grader_cells, f"{stem} has no self-checks, so no grader cell"
        return
    assert len(grader_cells) == 1 and all(
        grader_cells[0] < i for i, c in enumerate(cells) if c.source.startswith("grader.check(")
    )


def test_solutions_edition_answers_every_check():
    for stem in stems():
        nb = nbformat.read(student.SOLUTIONS / by_stem(stem).path.relative_to("notebooks"), as_version=4)
        text = _text(nb)
        for check in selfcheck.load(stem):
            assert check.solution.splitlines()[-1].strip() in text


def test_split_and_strip():
    header, items = conventions.split_exercises(
        conventions.strip_solutions(
            "## Exercises\n\nIntro.\n\n1. **(easy)** A.\n\n<details><summary>Solution</summary>\n\n```python\nx = 1\n```\n"
            "Because.\n</details>\n\n2. **(open)** B,\n   over two lines.\n"
        )
    )
    assert header == "## Exercises\n\nIntro."
    assert items == [(1, "1. **(easy)** A."), (2, "2. **(open)** B,\n   over two lines.")]


def _execute(path, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ, AE_QUICK="1", AE_RESULTS_DIR=str(tmp_path))
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute(
        env=env
    )
    return nb


def _check_outputs(nb) -> dict[str, str]:
    found = {}
    for cell in nb.cells:
        match = re.fullmatch(r'grader\.check\("(\w+)"\)', cell.source)
        if match:
            found[match.group(1)] = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
    return found


STEM = "01_bottleneck_autoencoder"


def test_student_notebook_runs_in_quick_mode_with_blank_answers(edition, tmp_path):
    results = _check_outputs(_execute(student.OUT / f"{STEM}.ipynb", tmp_path))
    assert set(results) == {c.name for c in selfcheck.load(STEM)}
    for name, text in results.items():
        assert f"{name} results:" in text and "All test cases passed" not in text, text


def test_checks_pass_on_the_solutions_in_the_notebook(edition, tmp_path):
    results = _check_outputs(_execute(student.SOLUTIONS / f"{STEM}.ipynb", tmp_path))
    assert set(results) == {c.name for c in selfcheck.load(STEM)}
    for name, text in results.items():
        assert f"{name} results: All test cases passed!" in text, text


# ----------------------------------------------------------------------------- rubrics (course/rubrics.yaml)


def _open_exercises(stem: str) -> set[int]:
    """The exercises a rubric must cover: level "open", or no self-check to say whether an answer is right."""
    checked = {check.exercise for check in selfcheck.load(stem)}
    cells = nbformat.read(by_stem(stem).file, as_version=4).cells
    return {n for n, level, _ in conventions.exercises(cells) if level == "open" or n not in checked}


def test_every_open_exercise_has_a_rubric():
    rubrics = student.load_rubrics()
    missing = {stem: sorted(_open_exercises(stem) - set(rubrics.get(stem, {}))) for stem in stems()}
    assert not {s: m for s, m in missing.items() if m}, "open exercises without a rubric in course/rubrics.yaml"
    assert sum(map(len, rubrics.values())) >= 11


def test_a_rubric_names_an_existing_exercise(tmp_path):
    bad = tmp_path / "rubrics.yaml"
    bad.write_text("01_bottleneck_autoencoder:\n  9:\n    good: [a]\n    mistakes: [b]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no exercise 9"):
        student.load_rubrics(bad)
    bad.write_text("01_bottleneck_autoencoder:\n  3:\n    good: [a]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs both"):
        student.load_rubrics(bad)


@pytest.mark.parametrize("stem", stems())
def test_rubrics_reach_the_teacher_and_never_the_student(edition, stem):
    rubrics = student.load_rubrics().get(stem, {})
    teacher = nbformat.read(student.SOLUTIONS / by_stem(stem).path.relative_to("notebooks"), as_version=4)
    shown = [c for c in teacher.cells if c.source.startswith(student.RUBRIC_HEADING)]
    assert len(shown) == len(rubrics)
    for cell, (number, rubric) in zip(shown, sorted(rubrics.items())):
        above = teacher.cells[teacher.cells.index(cell) - 1].source
        assert above.startswith(f"{number}. **("), f"{stem}: rubric {number} is not under its exercise"
        assert all(item in cell.source for item in rubric["good"] + rubric["mistakes"])
    text = _text(edition[stem])
    assert "Rubric" not in text
    for rubric in rubrics.values():
        for item in rubric["good"] + rubric["mistakes"]:
            assert item[:60] not in text, f"{stem}: rubric text in the student edition: {item[:60]!r}"
