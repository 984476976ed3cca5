"""tools/environment.py: the first install says what it installs, step by step, and a failed install says why;
an unchanged requirements file is not installed again."""

from __future__ import annotations

import sys

import pytest

from tools import environment


def _fake_python(tmp_path, exit_code: int = 0):
    """An executable that answers `python -m pip install ...` as pip would: lines, then an exit status."""
    fake = tmp_path / "python"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "print('Looking in indexes: https://pypi.org/simple')\n"
        "print('Collecting tensorflow==2.21.0 (from -r requirements.txt (line 5))')\n"
        "print('  Downloading tensorflow-2.21.0.whl (620.1 MB)')\n"
        "print('Collecting keras==3.15.1')\n"
        f"print('ERROR: no matching distribution' if {exit_code} else 'Successfully installed keras-3.15.1')\n"
        f"sys.exit({exit_code})\n"
    )
    fake.chmod(0o755)
    return fake


def test_an_install_shows_what_it_collects_and_how_long_it_took(tmp_path):
    said = []
    environment.pip_install(
        _fake_python(tmp_path),
        ["-r", "requirements.txt"],
        "the notebooks' packages",
        say=lambda *a, **k: said.append(a[0]),
    )
    assert said[0] == "Installing the notebooks' packages ..."
    assert said[1].strip().startswith("Collecting tensorflow==2.21.0") and said[2].strip() == "Collecting keras==3.15.1"
    assert said[3].strip() == "Successfully installed keras-3.15.1" and said[4].strip().startswith("done in ")
    assert not any("Downloading" in line or "Looking in" in line for line in said)


def test_a_failed_install_says_why_and_what_to_try(tmp_path):
    with pytest.raises(
        RuntimeError, match="(?s)could not install the tools.*ERROR: no matching distribution.*Check the network"
    ):
        environment.pip_install(_fake_python(tmp_path, exit_code=1), ["x"], "the tools", say=lambda *a, **k: None)


def test_an_unchanged_requirements_file_is_not_installed_again(tmp_path, monkeypatch):
    folder = tmp_path / "venv"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").write_text("")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("keras==3.15.1\n")
    installed = []
    monkeypatch.setattr(environment, "pip_install", lambda python, args, what, say=print: installed.append(what))
    environment.ensure_requirements(folder, [(requirements, "one")], say=lambda *a, **k: None)
    environment.ensure_requirements(folder, [(requirements, "one")], say=lambda *a, **k: None)
    assert installed == ["one (requirements.txt, step 1 of 1)"]
    requirements.write_text("keras==3.16.0\n")
    environment.ensure_requirements(folder, [(requirements, "one")], say=lambda *a, **k: None)
    assert len(installed) == 2
