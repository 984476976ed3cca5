"""Self-checks for the exercises of the student edition, run by otter-grader.

The checks of notebook ``NN_name`` are written once, in ``course/checks/NN_name.yaml``. Each check
belongs to one exercise and holds:

- ``name``: the question's name (``q1``, ``q2``, ...), what the student passes to ``grader.check``;
- ``exercise``: the number of the exercise it checks (as numbered in the notebook's Exercises cell);
- ``prompt``: one or two sentences that say what to store, under which names (Markdown);
- ``answer``: the cell the student fills in (``ratio = ...``);
- ``solution``: the code that answers it, run in the notebook after the lesson;
- ``tests``: a list of ``{code, hint}``; ``code`` is Python that raises (an ``assert``) when the answer
  is wrong, ``hint`` is what the student reads then;
- ``example``: what the tests of the checks themselves use (``tests/test_self_checks.py``), without
  running the notebook: ``context`` (stand-ins for the notebook variables that the tests read),
  ``right`` (a correct answer) and ``wrong`` (typical wrong answers, each of which must fail).

``tools/student.py`` turns these into otter-grader questions (``otter assign``), and the student
notebook's check cell calls :func:`grader`, which writes the tests in otter's OK format and returns an
``otter.Notebook``: ``grader.check("q1")`` then says whether the answer is right, and shows the hint
when it is not.
"""

from __future__ import annotations

import pprint
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .config import ROOT

#: Where the checks are written, one YAML file per notebook.
CHECKS_DIR = ROOT / "course" / "checks"


@dataclass(frozen=True)
class Test:
    code: str
    hint: str


@dataclass(frozen=True)
class Check:
    name: str
    exercise: int
    prompt: str
    answer: str
    solution: str
    tests: tuple[Test, ...]
    context: str
    right: str
    wrong: tuple[str, ...]


def _yaml():
    try:
        import yaml
    except ModuleNotFoundError as exc:  # pragma: no cover - PyYAML comes with Jupyter and otter-grader
        raise ModuleNotFoundError("The self-checks need PyYAML: pip install pyyaml") from exc
    return yaml


def path_of(stem: str) -> Path:
    """The YAML file holding the checks of notebook ``stem`` (it may not exist)."""
    return CHECKS_DIR / f"{stem}.yaml"


def load(stem: str) -> list[Check]:
    """The checks of notebook ``stem`` ([] when it has none), validated.

    Raises:
        ValueError: for a malformed file, with the check and the field at fault.
    """
    path = path_of(stem)
    if not path.is_file():
        return []
    data = _yaml().safe_load(path.read_text(encoding="utf-8")) or {}
    items = data.get("checks") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{path.name}: expected a top-level 'checks:' list.")
    checks, names = [], set()
    for i, item in enumerate(items):
        where = f"{path.name}, check {i + 1}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: each check is a mapping of name, exercise, prompt, answer, ...")
        missing = {"name", "exercise", "prompt", "answer", "solution", "tests", "example"} - set(item)
        if missing:
            raise ValueError(f"{where}: missing {', '.join(sorted(missing))}.")
        name = str(item["name"])
        if not name.isidentifier() or name in names:
            raise ValueError(f"{where}: name {name!r} must be a unique identifier such as q1.")
        names.add(name)
        if not isinstance(item["exercise"], int) or item["exercise"] < 1:
            raise ValueError(f"{where}: exercise must be the exercise's number (1, 2, ...).")
        tests = item["tests"]
        if (
            not isinstance(tests, list)
            or not tests
            or not all(isinstance(t, dict) and {"code", "hint"} <= set(t) for t in tests)
        ):
            raise ValueError(f"{where}: tests must be a non-empty list of {{code, hint}}.")
        example = item["example"]
        if not isinstance(example, dict) or "right" not in example or not example.get("wrong"):
            raise ValueError(f"{where}: example needs 'right' and at least one 'wrong' answer.")
        checks.append(
            Check(
                name=name,
                exercise=item["exercise"],
                prompt=str(item["prompt"]).strip(),
                answer=str(item["answer"]).strip(),
                solution=str(item["solution"]).strip(),
                tests=tuple(Test(str(t["code"]).strip(), str(t["hint"]).strip()) for t in tests),
                context=str(example.get("context") or "").strip(),
                right=str(example["right"]).strip(),
                wrong=tuple(str(w).strip() for w in example["wrong"]),
            )
        )
    return checks


def _doctest(code: str) -> str:
    """Python source as the doctest lines otter's OK format runs: ``>>>`` starts each statement,
    ``...`` continues an indented block (and its ``else``/``elif``/``except``/``finally``)."""
    out = []
    for i, line in enumerate(code.splitlines()):
        continues = i > 0 and (line[:1].isspace() or line.startswith(("else", "elif", "except", "finally")))
        out.append(("... " if continues else ">>> ") + line + "\n")
    return "".join(out)


def ok_test(check: Check) -> dict:
    """The check as an otter-grader test in OK format (what ``otter assign`` writes to tests/qN.py)."""
    return {
        "name": check.name,
        "points": 1,
        "suites": [
            {
                "cases": [
                    {"code": _doctest(t.code), "failure_message": t.hint, "hidden": False, "locked": False}
                    for t in check.tests
                ],
                "scored": True,
                "setup": "",
                "teardown": "",
                "type": "doctest",
            }
        ],
    }


def write_tests(stem: str, folder: Path) -> Path:
    """Write the checks of notebook ``stem`` as otter test files ``folder/<name>.py``; return ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for check in load(stem):
        text = "OK_FORMAT = True\n\ntest = " + pprint.pformat(ok_test(check), indent=4, width=100) + "\n"
        (folder / f"{check.name}.py").write_text(text, encoding="utf-8")
    return folder


def run(check: Check, env: dict) -> list[str]:
    """Run a check's tests in ``env`` (a namespace holding the answer) with otter's own test runner;
    return the hints of the tests that failed ([] when the answer is right)."""
    from otter.test_files.ok_test import OKTestFile

    test_file = OKTestFile.from_spec(ok_test(check))
    test_file.run(env)
    return [r.test_case.failure_message for r in test_file.test_case_results if not r.passed]


def grader(stem: str):
    """An ``otter.Notebook`` that checks the exercises of notebook ``stem``: ``grader.check("q1")``.

    Raises:
        ModuleNotFoundError: when otter-grader is not installed, saying how to install it.
    """
    try:
        import otter
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "The self-checks use otter-grader. Install it with `pip install otter-grader==7.0.0` "
            "(in Colab: `%pip install otter-grader`) and run this cell again."
        ) from exc
    folder = write_tests(stem, Path(tempfile.mkdtemp(prefix=f"checks-{stem[:2]}-")))
    return otter.Notebook(tests_dir=str(folder))
