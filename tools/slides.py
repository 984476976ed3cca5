"""Slides: one reveal.js deck per core notebook, made from the notebook itself.

    python3 -m tools.series slides [NOTEBOOK ...]

writes ``build/slides/NN_name.html`` for each core notebook, ``build/slides/index.html`` listing them, and
``build/slides/reveal.js/`` (reveal.js as sphinx-revealjs ships it: nothing is fetched from another site).
Open ``build/slides/index.html`` in a browser, or serve the folder. ``s`` opens the speaker view.

What goes on a slide is Jupyter's own slideshow metadata, each cell's ``metadata.slideshow.slide_type``
(``slide``, ``subslide``, ``fragment``, ``-``, ``skip``, ``notes``), the same that JupyterLab's property
inspector edits and that RISE presents from. So deck and notebook cannot drift: the deck is the notebook's
prose, figures and this run's numbers. :func:`default_types` is the series' rule, which
``python3 -m tools.series pages`` writes into every core notebook for each cell that has no slide type yet
(a teacher's own choice is kept, except on a code cell left without output, which is skipped):

* the title cell opens the deck; each numbered section (``## 1. ...``) and the Summary start a slide (a
  heading inside a cell, after prose, stays with that prose);
* a short paragraph stays on the current slide; a long one gets a slide of its own below it;
* a code cell shows only what it made, never its code: a figure gets a slide of its own, a generated
  sentence, table or audio player stays on the current slide; the rest (setup, training logs, the
  results file) is skipped, as are the navigation cells, the setup instructions and the Exercises (cut
  off, at build time, a cell that has prose before them).

The deck is made by nbconvert's slides exporter with ``tools/site/slides/series-reveal`` (its reveal
template without the scripts it loads from other sites); formulas become MathML as on the web site. Decks
are built in a temporary folder and renamed into place: a failed build leaves the previous decks.
"""

from __future__ import annotations

import html
import posixpath
import re
import shutil
from pathlib import Path

from tools import catalog
from tools.catalog import github_url
from tools.conventions import COLAB_BADGE, is_exercises_cell, is_navigation, source
from tools.folders import swap_in, work_folder
from tools.formulas import mathml
from tools.records import relative
from utils.config import ROOT

OUT = ROOT / "build" / "slides"
TEMPLATES = ROOT / "tools" / "site" / "slides"
TEMPLATE = "series-reveal"
REVEAL_FOLDER = "reveal.js"
TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
#: A Markdown cell of more words than this gets a slide of its own.
SHORT_WORDS = 70
HEADING = re.compile(r"(?m)^##\s")
EXERCISES_PART = re.compile(r"(?ms)^## Exercises\b.*?(?=^## |\Z)")  # up to the next heading (the Summary)
SKIPPED_OUTPUTS = {"stream", "error"}
MD_LINK = re.compile(r"(\]\()([^)\s]+)(\))")
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?!\$)")
CODE_SPAN = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)


def _kinds(cell) -> set[str]:
    """The MIME types (or output types) of a code cell's outputs."""
    kinds = set()
    for out in cell.get("outputs", []):
        kinds |= set(out.get("data", {})) or {out.get("output_type", "")}
    return kinds


def _code_type(cell) -> str:
    kinds = _kinds(cell)
    if {"image/png", "image/jpeg", "image/svg+xml"} & kinds:
        return "subslide"
    if {"text/markdown", "text/html"} & kinds and "application/vnd.jupyter.widget-view+json" not in kinds:
        return "-"
    return "skip"


def default_types(cells) -> list[str]:
    """The series' slide type of each cell (see the module's docstring), in order."""
    types, story, exercises = [], False, False
    for index, cell in enumerate(cells):
        text = source(cell)
        if index == 0:
            kind = "slide"
        elif is_navigation(cell):
            kind = "skip"
        elif cell["cell_type"] == "markdown" and HEADING.search(text):
            story, exercises, starts = True, is_exercises_cell(cell), HEADING.match(text)
            if starts:
                kind = "skip" if exercises else "slide"
            else:  # prose, then a heading: shown on the current slide (the deck cuts the Exercises off)
                kind = "subslide" if len(text.split()) > SHORT_WORDS else "-"
        elif not story or exercises:
            kind = "skip"  # setup instructions and setup code; the exercises and their solutions
        elif cell["cell_type"] == "markdown":
            kind = "subslide" if len(text.split()) > SHORT_WORDS else "-"
        elif cell["cell_type"] == "code":
            kind = _code_type(cell)
        else:
            kind = "skip"
        types.append(kind)
    return types


def slide_type(cell) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def mark(node) -> int:
    """Write the default slide type into every cell of an nbformat node that has none, and "skip" into a code
    cell that has no output (the deck never shows code, so it would show nothing); return how many changed.
    Any other slide type already there, a teacher's choice, is kept."""
    written = 0
    for cell, kind in zip(node.cells, default_types(node.cells)):
        if slide_type(cell) is not None and slide_type(cell) not in TYPES:
            raise ValueError(f"slide type {slide_type(cell)!r} is not one of {', '.join(TYPES)}")
        empty = cell.cell_type == "code" and not cell.get("outputs") and slide_type(cell) not in (None, "skip")
        if slide_type(cell) is None or empty:
            cell.metadata.setdefault("slideshow", {})["slide_type"] = "skip" if empty else kind
            written += 1
    return written


# ----------------------------------------------------------------------------- the deck


def _math(text: str) -> str:
    """Markdown with its $...$ and $$...$$ formulas as MathML (code spans left alone)."""

    def convert(part: str) -> str:
        part = DISPLAY_MATH.sub(lambda m: mathml(m.group(1), display=True), part)
        return INLINE_MATH.sub(lambda m: mathml(m.group(1), display=False), part)

    return "".join(p if CODE_SPAN.fullmatch(p) else convert(p) for p in CODE_SPAN.split(text))


def _links(text: str, where: str) -> str:
    """Links into the repository pointed at GitHub (a deck is one file, away from the repository)."""

    def fix(match: re.Match) -> str:
        target = match.group(2)
        if re.match(r"^(#|[a-z][a-z0-9+.-]*:|//)", target, re.I):
            return match.group(0)
        path, _, frag = target.partition("#")
        url = github_url(posixpath.normpath(posixpath.join(where, path)))
        return match.group(1) + url + (f"#{frag}" if frag else "") + match.group(3)

    return MD_LINK.sub(fix, text)


def deck_notebook(stem: str):
    """The notebook as the deck shows it: slide types, no Colab badge, no printed logs, MathML formulas."""
    import nbformat

    nb = catalog.by_stem(stem)
    node = nbformat.read(nb.file, as_version=4)
    types = default_types(node.cells)
    where = posixpath.dirname(str(nb.path))
    for cell, default in zip(node.cells, types):
        cell.metadata.setdefault("slideshow", {}).setdefault("slide_type", default)
        if cell.cell_type == "markdown":
            text = EXERCISES_PART.sub("", cell.source)  # the exercises are for the notebook
            cell.source = _math(_links(COLAB_BADGE.sub("", text), where))
        elif cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if o.get("output_type") not in SKIPPED_OUTPUTS]
    node.metadata.pop("widgets", None)  # the sliders need a kernel; the static figure beside them is shown
    node.metadata["title"] = f"{nb.number} · {nb.title}"
    return node


def exporter():
    from nbconvert import SlidesExporter

    slides = SlidesExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    slides.reveal_url_prefix = REVEAL_FOLDER
    slides.reveal_theme, slides.reveal_transition = "white", "none"  # white: its fonts are local files
    slides.reveal_width, slides.reveal_height = "1280", "800"
    return slides


def reveal_source() -> Path:
    """reveal.js as the pinned sphinx-revealjs package ships it (requirements-dev.txt)."""
    try:
        import sphinx_revealjs
    except ImportError as exc:
        raise RuntimeError(
            "the slides need reveal.js from the sphinx-revealjs package: pip install -r requirements-dev.txt"
        ) from exc
    return Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"


def _index(decks: list[tuple[str, str]]) -> str:
    items = "\n".join(f'    <li><a href="{html.escape(f)}">{html.escape(t)}</a></li>' for f, t in decks)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Slides · Autoencoders, explained and '
        "measured</title></head>\n<body>\n  <h1>Slides</h1>\n  <p>One deck per core notebook, made from the notebook "
        "itself: its prose, figures and the numbers of its committed run. Arrow keys move, <kbd>s</kbd> opens the "
        "speaker view, <kbd>Esc</kbd> the overview.</p>\n  <ol>\n" + items + "\n  </ol>\n</body>\n</html>\n"
    )


def build(stems: list[str] | None = None, out: Path | None = None, quiet: bool = False) -> list[Path]:
    """Write the decks of the given core notebooks (all when empty) into out (default build/slides/)."""
    out = Path(out or OUT)
    chosen = [s for s in catalog.select(stems or []) if not catalog.by_stem(s).is_deep_dive]
    if not chosen:
        raise ValueError("slides are made for core notebooks only; name one such as 01, or none for all nine.")
    reveal = reveal_source()
    slides = exporter()
    work = work_folder(out)
    try:
        for part in ("dist", "plugin/notes"):
            shutil.copytree(reveal / part, work / REVEAL_FOLDER / part, ignore=shutil.ignore_patterns("*.map"))
        shutil.copy(reveal / "LICENSE", work / REVEAL_FOLDER / "LICENSE")
        decks, written = [], []
        for stem in chosen:
            nb = catalog.by_stem(stem)
            body, _ = slides.from_notebook_node(deck_notebook(stem))
            path = work / f"{stem}.html"
            path.write_text(body, encoding="utf-8")
            decks.append((path.name, f"{nb.number} · {nb.title}"))
            written.append(out / path.name)
            if not quiet:
                print(f"{stem}: {relative(out / path.name)}", flush=True)
        (work / "index.html").write_text(_index(decks), encoding="utf-8")
        swap_in(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return written


def main(stems: list[str]) -> int:
    try:
        written = build(stems)
    except (ValueError, RuntimeError) as exc:
        print(f"slides: FAILED: {exc}")
        return 1
    print(f"\n{len(written)} deck(s) in {relative(OUT)}/; open {relative(OUT / 'index.html')} in a browser.")
    return 0
