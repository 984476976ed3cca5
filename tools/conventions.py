"""How a notebook of the series is written, read in one place (CONTRIBUTING.md, "How a notebook is laid out").

Every tool that reads a notebook's prose (navigation, course plan, student edition, web site, README's
notebook list) goes through the functions here, so that the layout is written down once:

* the first cell starts with the title line ``# NN · Title`` (written from ``course/series.yaml``),
  then a paragraph, then the list under "you will learn to:" and, where the notebook has sections
  off the core path, a ``**Core path:** ... **Deep dive:** ...`` line;
* two cells tagged ``navigation`` (Colab badge, previous | index | next), right after the first cell
  and at the very end, written by ``python3 -m tools.series pages``;
* numbered sections ``## 1. Title``: the ideas of the slides, in order;
* one Markdown cell that starts a line with ``## Exercises``, whose items are numbered
  ``1. **(easy|medium|hard|open[, ...]) Optional title.** Text``, each with its solution folded in
  ``<details><summary>Solution</summary> ... </details>``;
* the setup cell, the first code cell, at most 6 lines (:func:`setup_cell`): in Colab, a shallow clone of
  the repository into ``autoencoders/`` and the install of ``requirements-colab.txt``; the repository
  root put on ``sys.path``; ``settings = utils.setup(seed=42)``. Its clone line is written from
  ``course/series.yaml``; notebooks not yet rewritten to the short cell carry the older line
  ``REPO_URL, REPO_REF = "...", "..."`` instead (also written from there);
* nbval's markers as cell tags (``nbval-check-output``, ``nbval-ignore-output``, ``nbval-skip``), never
  comments in the code.

Standard library only.
"""

from __future__ import annotations

import re

#: The cell tag of the navigation cells.
NAVIGATION_TAG = "navigation"
#: The Colab badge image.
COLAB_BADGE_URL = "https://colab.research.google.com/assets/colab-badge.svg"
#: A Colab badge in Markdown (an image link).
COLAB_BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)\n*")
#: The line of the setup cell that names the repository (Colab clones it).
REPO_URL_LINE = re.compile(r'^REPO_URL, REPO_REF = "(?P<url>[^"]*)", "(?P<ref>[^"]*)"$', re.M)
#: The folder the Colab clone goes to (relative to Colab's working directory, ``/content``).
CLONE_FOLDER = "autoencoders"
#: The Colab command of the short setup cell (:func:`clone_command`), with its branch and address.
CLONE_LINE = re.compile(rf"git clone -q --depth 1 -b (?P<ref>\S+) (?P<url>\S+) {CLONE_FOLDER}\b")
#: The nbval cell tags; the comment markers (``# NBVAL_CHECK_OUTPUT`` ...) they replace.
NBVAL_TAGS = ("nbval-check-output", "nbval-ignore-output", "nbval-skip", "nbval-raises-exception")
NBVAL_COMMENT = re.compile(r"^\s*#\s*NBVAL_[A-Z_]+", re.M)
#: A numbered section heading, ``## 1. Title``: one idea of the slides.
NUMBERED_HEADING = re.compile(r"^##\s+(\d+)\.\s+(.+?)\s*$", re.M)
#: The heading of the Exercises cell.
EXERCISES_HEADING = re.compile(r"(?m)^## Exercises")
#: Where each exercise starts: a line beginning with its number.
EXERCISE_START = re.compile(r"(?m)^(?=\d+\. )")
#: An exercise: number, level, optional bold title, the rest.
EXERCISE = re.compile(r"(\d+)\. \*\*\((easy|medium|open|hard)[^)]*\)\s*(.*?)\*\*\s*(.*)")
#: A folded solution.
SOLUTION_BLOCK = re.compile(r"\n*<details><summary>Solution</summary>.*?</details>[ \t]*", re.S)
#: Any folded block (solutions and the like), left out when prose is counted.
DETAILS_BLOCK = re.compile(r"<details>.*?</details>", re.S)
LEARN_TO = re.compile(r"you will learn to:\s*\n")
BULLET = re.compile(r"(?ms)^[*-] (.*?)(?=^[*-] |^\s*$|\Z)")
PATHS_LINE = re.compile(r"\*\*Core path:\*\*.*", re.S)


def source(cell) -> str:
    """A cell's source as one string (nbformat nodes and plain JSON dicts alike)."""
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def title_line(number: str, title: str) -> str:
    """The first line of a notebook: ``# 01 · The bottleneck autoencoder``."""
    return f"# {number} · {title}"


def is_navigation(cell) -> bool:
    return NAVIGATION_TAG in cell.get("metadata", {}).get("tags", [])


def learn_to(cells) -> list[str]:
    """The bullets under "you will learn to:" in the opening cell, one line each."""
    after = LEARN_TO.split(source(cells[0]), maxsplit=1)
    if len(after) < 2:
        return []
    return [_one_line(b).rstrip(";.") for b in BULLET.findall(after[1])]


def paths(cells) -> str:
    """The opening cell's ``**Core path:** ... **Deep dive:** ...`` line, or ``""``."""
    match = PATHS_LINE.search(source(cells[0]))
    return _one_line(match.group(0)) if match else ""


def sections(cells) -> list[tuple[int, str]]:
    """(number, title) of the numbered sections, in order: the ideas of the slides."""
    return [
        (int(number), title)
        for cell in cells
        if cell["cell_type"] == "markdown"
        for number, title in NUMBERED_HEADING.findall(source(cell))
    ]


def is_exercises_cell(cell) -> bool:
    return cell["cell_type"] == "markdown" and EXERCISES_HEADING.search(source(cell)) is not None


def strip_solutions(text: str) -> str:
    """Markdown without its folded ``<details>`` solutions."""
    return SOLUTION_BLOCK.sub("", text)


def split_exercises(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The Exercises cell as (header, [(number, exercise text), ...])."""
    header, *items = EXERCISE_START.split(text)
    return header.rstrip(), [(int(item.split(".", 1)[0]), item.rstrip()) for item in items]


def exercises(cells) -> list[tuple[int, str, str]]:
    """(number, level, title or first sentence) of each exercise, read without its solution."""
    cell = next((c for c in cells if is_exercises_cell(c)), None)
    if cell is None:
        return []
    out = []
    for _, item in split_exercises(strip_solutions(source(cell)))[1]:
        match = EXERCISE.match(_one_line(item))
        if match:
            number, level, title, rest = match.groups()
            words = title.strip() or re.split(r"(?<=[.?!])\s(?=[A-Z])", rest.strip())[0]
            out.append((int(number), level, words))
    return out


def prose_words(cells) -> int:
    """Words of Markdown a student reads: every Markdown cell but the navigation, without folded blocks."""
    return sum(
        len(DETAILS_BLOCK.sub("", source(c)).split())
        for c in cells
        if c["cell_type"] == "markdown" and not is_navigation(c)
    )


def code_lines(cells) -> int:
    """Non-blank lines of code a student reads, over all code cells (nbcheck's "code" budget)."""
    return sum(1 for c in cells if c["cell_type"] == "code" for line in source(c).splitlines() if line.strip())


def clone_command(url: str, ref: str) -> str:
    """The shallow clone of branch ``ref`` of ``url`` into :data:`CLONE_FOLDER` (matched by :data:`CLONE_LINE`)."""
    return f"git clone -q --depth 1 -b {ref} {url} {CLONE_FOLDER}"


def setup_cell(url: str, ref: str, deep_dive: bool = False) -> str:
    """The setup cell of a notebook (6 lines and two blank ones, as the import sorter wants): Colab's clone and install, the repository root on the path, setup.

    The repository root is ``..`` from ``notebooks/`` and ``../..`` from ``notebooks/deep-dives/`` (Jupyter
    starts a kernel in the notebook's folder); in Colab it is the clone ``autoencoders/``. Colab keeps its
    own TensorFlow, Keras and NumPy: ``requirements-colab.txt`` lists only what Colab lacks.
    """
    root = "../.." if deep_dive else ".."
    return (
        "import sys\n\n"
        'if "google.colab" in sys.modules:  # in Colab: fetch the repository, install only what Colab lacks\n'
        f"    !test -d {CLONE_FOLDER} || {clone_command(url, ref)}; "
        "{sys.executable} -m pip install -q -r "  # the kernel's own Python, as %pip would
        f"{CLONE_FOLDER}/requirements-colab.txt\n"
        f'sys.path[:0] = ["{root}", "{CLONE_FOLDER}"]  # the repository root, home of the utils package\n'
        "import utils\n\n"
        "settings = utils.setup(seed=42)"
    )


def setup_cell_of(cells):
    """The setup cell: the first code cell (None for a notebook without code)."""
    return next((c for c in cells if c["cell_type"] == "code"), None)


def setup_source(cells) -> str:
    """The source of the setup cell (:func:`setup_cell_of`), "" for a notebook without code."""
    cell = setup_cell_of(cells)
    return "" if cell is None else source(cell)
