"""The Colab path of the setup cell, tested without Colab; and the repository address kept in one place.

A notebook is copied alone into an empty folder, as Colab opens it from GitHub. Its clone URL is
pointed at a local repository holding this working tree (branch ``REPO_REF``), ``google.colab``
is faked in ``sys.modules``, and the notebook is executed in quick mode in a fresh kernel: the
setup cell (at most 6 lines, ``tools.conventions.setup_cell``) must clone the repository with
``git clone -q --depth 1 -b REPO_REF`` and import ``utils`` from that clone. The
``pip install`` of ``requirements-colab.txt`` runs as a dry run
against the installed packages only (``--no-index``), so nothing is downloaded or changed; what
the file may list is checked separately: never TensorFlow, Keras or NumPy, whose Colab builds
must stay.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools import catalog, conventions, pages
from tools.catalog import repository
from utils.config import ROOT

NOTEBOOK = ROOT / "notebooks" / "01_bottleneck_autoencoder.ipynb"
REPO_URL, REPO_REF = repository()
URL_LINE = conventions.REPO_URL_LINE  # the older setup cell
PIP_LINE = "{sys.executable} -m pip install -q -r autoencoders/requirements-colab.txt"
# Colab's own builds: the setup cell must never reinstall (or upgrade) these.
NEVER_INSTALL = {
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tf-nightly",
    "keras",
    "tf-keras",
    "keras-nightly",
    "numpy",
}
# Packages a Colab runtime already has (and that requirements-colab.txt need not list).
COLAB_PREINSTALLED = NEVER_INSTALL | {
    "scipy",
    "scikit-learn",
    "scikit-image",
    "matplotlib",
    "librosa",
    "tqdm",
    "pyyaml",
    "ipywidgets",
}
# requirements.txt entries that run the notebooks locally and are not needed inside one.
TOOLING = {
    "jupyter",
    "ipykernel",
    "nbformat",
    "nbclient",
    "nbval",
    "pytest",
    "ruff",
    "nbconvert",
    "latex2mathml",
    "playwright",
    "sphinx",  # the web site's builder (tools/build_site.py)
    "myst-nb",
    "sphinx-book-theme",
    "pydata-sphinx-theme",
}


def _requirements(path: Path) -> list[str]:
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(canonicalize_name(Requirement(line).name))
    return names


def _git(*args: str, cwd: Path) -> str:
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    run = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert run.returncode == 0, f"git {' '.join(args)}: {run.stderr}"
    return run.stdout


def _snapshot_repository(dest: Path) -> Path:
    """A git repository whose branch REPO_REF holds this working tree (tracked and new files, as now)."""
    files = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():  # a file deleted in the working tree is left out, as a commit would
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    _git("init", "--quiet", "--initial-branch", REPO_REF, cwd=dest)
    _git("add", "--all", cwd=dest)
    _git("-c", "user.name=test", "-c", "user.email=test@localhost", "commit", "--quiet", "-m", "snapshot", cwd=dest)
    return dest


def test_colab_requirements_leave_colabs_own_packages_alone():
    colab = _requirements(ROOT / "requirements-colab.txt")
    bad = sorted(set(colab) & NEVER_INSTALL)
    assert not bad, f"requirements-colab.txt names {bad}: Colab's own TensorFlow, Keras and NumPy must stay"
    # everything the notebooks import beyond a Colab runtime is in requirements-colab.txt
    needed = set(_requirements(ROOT / "requirements.txt")) - TOOLING - COLAB_PREINSTALLED
    assert needed <= set(colab), f"requirements-colab.txt lacks {sorted(needed - set(colab))}, which Colab has not"


def test_repository_url_is_defined_once():
    """The address lives in course/series.yaml; notebooks and README carry it only where
    `python3 -m tools.series pages` writes it (navigation cells, the setup cell's REPO_URL line, README's
    notebook list)."""
    owner_name = REPO_URL.removeprefix("https://github.com/").removesuffix(".git")
    assert owner_name != REPO_URL, "REPO_URL is expected to be a https://github.com/ address"
    tracked = _git("ls-files", "-z", cwd=ROOT).split("\0")
    offenders = []
    for name in filter(None, tracked):
        path = ROOT / name
        if name == "course/series.yaml" or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if name == "README.md":
            for start, end in ((pages.LIST_START, pages.LIST_END), (pages.INSTALL_START, pages.INSTALL_END)):
                text = pages.replace_between(text, start, end, "") or text
        if owner_name not in text:
            continue
        if name.startswith("notebooks/") and name.endswith(".ipynb"):
            nb = json.loads(text)
            for i, cell in enumerate(nb["cells"]):
                source = "".join(cell["source"])
                if owner_name not in source or "navigation" in cell.get("metadata", {}).get("tags", []):
                    continue  # the Colab badge of the navigation cell, written by tools/navigation.py
                lines = [line for line in source.splitlines() if owner_name in line]
                if not all(URL_LINE.match(line) or conventions.CLONE_LINE.search(line) for line in lines):
                    offenders.append(f"{name} (cell {i})")
        else:
            offenders.append(name)
    assert not offenders, (
        f"the repository address is written out in {offenders}; read it from course/series.yaml "
        "(tools.catalog.repository) or let `python3 -m tools.series pages` write it"
    )


def test_notebook_runs_alone_as_in_colab(tmp_path, monkeypatch):
    origin = _snapshot_repository(tmp_path / "origin")
    work = tmp_path / "colab"
    work.mkdir()

    nb = nbformat.read(NOTEBOOK, as_version=4)
    setup = conventions.setup_cell_of(nb.cells)
    assert setup.source == conventions.setup_cell(REPO_URL, REPO_REF), (
        "the setup cell is not tools.conventions.setup_cell (run python3 -m tools.series pages if only the URL changed)"
    )
    line = conventions.CLONE_LINE.search(setup.source)
    setup.source = setup.source.replace(line.group(0), conventions.clone_command(origin.as_uri(), REPO_REF))
    # install nothing: resolve against what is installed here, as Colab would find its own packages
    setup.source = setup.source.replace(
        PIP_LINE, PIP_LINE.replace("-q", "-q --dry-run --no-index --report pip-report.json")
    )
    fake_colab = nbformat.v4.new_code_cell(
        'import sys, types\nsys.modules["google.colab"] = types.ModuleType("google.colab")'
    )
    report = nbformat.v4.new_code_cell("import utils\nprint('utils imported from', utils.__file__)")
    nb.cells = [fake_colab, *nb.cells, report]
    nbformat.write(nb, work / NOTEBOOK.name)  # the notebook alone in an empty folder

    monkeypatch.setenv("AE_QUICK", "1")
    monkeypatch.delenv("AE_DATA_DIR", raising=False)  # no data mirror: the loaders' own order and fallbacks
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("AE_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("MPLBACKEND", "Agg")

    from nbclient import NotebookClient

    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()

    clone = work / "autoencoders"
    assert (clone / "utils" / "__init__.py").is_file(), "the setup cell did not clone the repository"
    assert (clone / ".git" / "shallow").is_file(), "the clone is not shallow (--depth 1)"
    assert _git("rev-parse", "--abbrev-ref", "HEAD", cwd=clone).strip() == REPO_REF
    printed = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    found = re.search(r"utils imported from (\S+)", printed)
    assert found, f"the last cell printed: {printed!r}"
    assert Path(found[1]).resolve() == (clone / "utils" / "__init__.py").resolve()
    report = json.loads((work / "pip-report.json").read_text(encoding="utf-8"))  # written by the %pip line
    would_install = {canonicalize_name(item["metadata"]["name"]) for item in report["install"]}
    assert not would_install & NEVER_INSTALL, f"pip would reinstall {sorted(would_install & NEVER_INSTALL)}"
    results = list((tmp_path / "results").glob("*.json"))
    assert [p.name for p in results] == [NOTEBOOK.stem + ".json"]
    assert json.loads(results[0].read_text(encoding="utf-8"))["mode"] == "quick"


def _setup_cells():
    return {
        nb.stem: conventions.setup_source(nbformat.read(nb.file, as_version=4).cells) for nb in catalog.all_notebooks()
    }


def test_short_setup_cells_are_the_conventions_cell():
    """A notebook with the short setup cell has exactly tools.conventions.setup_cell (the deep dives'
    with the repository root two folders up), at most 6 lines; the others still carry the older cell."""
    short = 0
    for stem, source in _setup_cells().items():
        nb = catalog.by_stem(stem)
        if conventions.CLONE_LINE.search(source):
            assert source == conventions.setup_cell(REPO_URL, REPO_REF, deep_dive=nb.is_deep_dive), stem
            assert len([line for line in source.splitlines() if line.strip()]) <= 6
            short += 1
        else:
            assert URL_LINE.search(source) and not nb.is_deep_dive, f"{stem}: a setup cell of neither form"
    assert short >= 2


def test_a_deep_dive_runs_from_its_own_folder(tmp_path):
    """The deep dive's setup cell finds utils two folders up from notebooks/deep-dives/."""
    dive = catalog.deep_dives()[0]
    source = conventions.setup_cell(REPO_URL, REPO_REF, deep_dive=True)
    assert '"../.."' in source and (dive.file.parent / "../../utils/__init__.py").resolve().is_file()
