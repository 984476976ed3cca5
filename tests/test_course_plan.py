"""The course plan (tools/course_plan.py): facts read from the notebooks (tools/conventions.py), judgement
from course/series.yaml (tools/catalog.py)."""

from __future__ import annotations

import pytest

from tools import catalog, conventions, course_plan
from tools.catalog import all_notebooks, stems


def _cell(kind: str, text: str) -> dict:
    return {"cell_type": kind, "source": [text], "metadata": {}}


def test_opening_list_and_paths_are_read():
    cells = [
        _cell(
            "markdown",
            "# T\n\nIn this notebook you will learn to:\n\n* build a thing;\n* measure it, over\n  two lines.\n\n"
            "**Core path:** sections 1-3. **Deep dive:** section 4.",
        )
    ]
    assert conventions.learn_to(cells) == ["build a thing", "measure it, over two lines"]
    assert conventions.paths(cells) == "**Core path:** sections 1-3. **Deep dive:** section 4."


def test_exercises_are_read_without_their_solutions():
    text = (
        "## Exercises\n\nIntro.\n\n1. **(easy)** Do A. Then B.\n\n<details><summary>Solution</summary>\n\n"
        "2. **(hard)** not an exercise\n</details>\n\n2. **(medium, after section 5)** Weigh it by β: the\n"
        "   β-VAE of Higgins et al. (2017). More.\n\n3. **(open) A title.** Text.\n"
    )
    assert conventions.exercises([_cell("markdown", text)]) == [
        (1, "easy", "Do A."),
        (2, "medium", "Weigh it by β: the β-VAE of Higgins et al. (2017)."),
        (3, "open", "A title."),
    ]


def test_reading_time_counts_prose_and_code():
    prose = _cell("markdown", " ".join(["word"] * course_plan.WORDS_PER_MINUTE * 7))
    code = [_cell("code", "x = 1\n\ny = 2")] * round(course_plan.CODE_LINES_PER_MINUTE * 2)  # 2 lines, one blank
    assert course_plan.reading_minutes([prose, *code]) == 15  # 7 + 4 minutes, rounded up to 5


def test_every_core_notebook_is_planned_and_in_exactly_one_session():
    for nb in catalog.core_notebooks():
        assert nb.prerequisites and nb.slides, f"{nb.stem}: course/series.yaml lacks its prerequisites or slides"
    sessions = [stem for s in catalog.sessions() for stem in s.notebooks]
    assert sorted(sessions) == stems(deep=False), "each core notebook belongs to exactly one session"
    assert all(s.notebooks for s in catalog.sessions()), "a session without notebooks"


@pytest.fixture(scope="module")
def page():
    return course_plan.plan_page()


@pytest.mark.parametrize("nb", all_notebooks(), ids=stems())
def test_plan_page_covers_every_notebook_and_exercise(page, nb):
    assert f"## {nb.number} · {nb.title}" in page
    facts = course_plan.facts(nb)
    assert facts["exercises"], f"{nb.stem}: no exercises found"
    for number, level, title in facts["exercises"]:
        assert f"| {number}. {title} | {level} |" in page


@pytest.mark.parametrize("nb", all_notebooks(), ids=stems())
def test_plan_says_what_students_will_be_able_to_do(nb):
    assert course_plan.facts(nb)["learn"], f"{nb.stem}: no 'you will learn to' list found in its opening cell"


def test_section_minutes_split_the_story_at_its_numbered_headings():
    words = " ".join(["word"] * course_plan.WORDS_PER_MINUTE * 3)
    cells = [
        _cell("markdown", "# 01 · Title\n\n" + words),  # the opening: not a section
        _cell("markdown", "## 1. First idea\n\n" + words),
        _cell("code", "\n".join(["x = 1"] * round(course_plan.CODE_LINES_PER_MINUTE * 2))),
        _cell("markdown", "## 2. Second idea"),
        _cell("markdown", "## Exercises\n\n" + words),
    ]
    assert course_plan.section_minutes(cells) == [("1. First idea", 5), ("2. Second idea", 1)]


def test_session_sheets_show_the_spread_of_the_quick_runs(monkeypatch):
    from tools import records

    nb = catalog.core_notebooks()[0]
    metric, label = next(iter(nb.headline))
    runs = {
        "42": {"passed": True, "wall_seconds": 10.0, "metrics": {metric: 0.25}},
        "1": {"passed": True, "wall_seconds": 12.0, "metrics": {metric: 0.75}},
        "2": {"passed": False, "error": "AssertionError: a claim", "wall_seconds": None},
    }
    record = {"machine": "a test machine", "notebooks": {nb.stem: {"runs": runs}}}
    monkeypatch.setattr(course_plan, "recorded_seed_runs", lambda: record)
    assert records.seed_spread(nb.stem, metric, record) == (0.5, 0.25, 0.75, 2)
    sheet = "\n".join(course_plan.session_sheets(None))
    assert "over seeds 42, 1, 2 (2 of 3 passed; 10-12 s each)" in sheet
    assert f"| {label} | 0.5 | 0.25 - 0.75 |" in sheet
    assert "Seed 2 failed in quick mode: AssertionError: a claim." in sheet
    assert "on a test machine" in sheet
    others = catalog.core_notebooks()[1]
    assert f"not recorded yet (`python3 -m tools.series expect {others.number}`)" in sheet
    assert all(f"### Sheet {n}. " in sheet for n in range(1, len(catalog.sessions()) + 1))
