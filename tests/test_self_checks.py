"""The self-checks of the student edition (course/checks/*.yaml, utils/selfcheck.py).

Every check must pass on a right answer and fail on each typical wrong answer, run through otter-grader's
own test runner in a namespace holding stand-ins for the notebook variables it reads (``example.context``).
Every notebook has at least two checks, and their solutions and answer cells name the same variables.
"""

from __future__ import annotations

import ast

import pytest

from tools.catalog import stems
from utils import selfcheck

CHECKS = [(stem, check) for stem in stems() for check in selfcheck.load(stem)]


def _namespace(check: selfcheck.Check, answer: str) -> dict:
    env: dict = {}
    exec(check.context, env)  # noqa: S102 - test data written in the repository
    exec(answer, env)  # noqa: S102
    return env


def _assigned(code: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


@pytest.mark.parametrize("stem", stems())
def test_every_notebook_has_two_checks(stem):
    assert len(selfcheck.load(stem)) >= 2, f"{stem}: at least two self-checks expected in {selfcheck.path_of(stem)}"


@pytest.mark.parametrize(("stem", "check"), CHECKS, ids=[f"{s[:2]}-{c.name}" for s, c in CHECKS])
def test_check_passes_on_a_right_answer(stem, check):
    assert selfcheck.run(check, _namespace(check, check.right)) == []


@pytest.mark.parametrize(("stem", "check"), CHECKS, ids=[f"{s[:2]}-{c.name}" for s, c in CHECKS])
def test_check_fails_on_each_wrong_answer(stem, check):
    for wrong in check.wrong:
        hints = selfcheck.run(check, _namespace(check, wrong))
        assert hints, f"{stem} {check.name}: the wrong answer {wrong!r} passes"
        assert all(h for h in hints), "every failing test shows a hint"


@pytest.mark.parametrize(("stem", "check"), CHECKS, ids=[f"{s[:2]}-{c.name}" for s, c in CHECKS])
def test_answer_solution_and_examples_name_the_same_variables(stem, check):
    wanted = _assigned(check.answer)
    assert wanted, f"{stem} {check.name}: the answer cell assigns no variable"
    assert wanted <= _assigned(check.solution), f"{stem} {check.name}: the solution does not set {wanted}"
    assert wanted <= _assigned(check.right), f"{stem} {check.name}: the right example does not set {wanted}"
    for test in check.tests:
        compile(test.code, f"{stem}:{check.name}", "exec")


def test_a_missing_variable_fails_with_a_hint_instead_of_an_error():
    stem, check = CHECKS[0]
    assert selfcheck.run(check, _namespace(check, "")) != []


def test_malformed_check_files_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(selfcheck, "CHECKS_DIR", tmp_path)
    (tmp_path / "x.yaml").write_text("checks:\n  - name: q1\n    exercise: 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing"):
        selfcheck.load("x")
    (tmp_path / "x.yaml").write_text("checks: 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="checks"):
        selfcheck.load("x")
    assert selfcheck.load("no_such_notebook") == []


def test_doctest_form_runs_multi_line_tests():
    check = selfcheck.Check(
        "q1",
        1,
        "p",
        "a = ...",
        "a = 3",
        (selfcheck.Test("for v in (a,):\n    assert v == 3", "three"),),
        "",
        "a = 3",
        ("a = 4",),
    )
    assert selfcheck.run(check, {"a": 3}) == []
    assert selfcheck.run(check, {"a": 4}) == ["three"]
