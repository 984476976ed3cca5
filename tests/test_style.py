"""Lint and format: ruff (settings in pyproject.toml) over utils/, tools/, tests/ and the notebooks' code cells."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ["utils", "tools", "tests", "notebooks"]


def _ruff() -> list[str]:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: pip install -r requirements.txt (python3 tools/series.py test does this)")
    return [found]


def test_ruff_lint():
    run = subprocess.run(
        [*_ruff(), "check", "--output-format", "concise", *CHECKED], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, "ruff check found problems (ruff check --fix fixes some):\n" + run.stdout + run.stderr


def test_ruff_format():
    run = subprocess.run([*_ruff(), "format", "--check", *CHECKED], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, "files not formatted (run: ruff format utils tools tests notebooks):\n" + run.stdout
