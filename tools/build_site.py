#!/usr/bin/env python3
"""Render the executed notebooks into the series' web site with Sphinx, myst-nb and
sphinx-book-theme (the stack Jupyter Book 1 is built on).

    python3 -m tools.series site [--notebooks DIR] [--results DIR] [--out DIR]

By default it renders the committed notebooks (``notebooks/``, executed in full mode) with the
measured numbers of ``results/`` into ``build/site/``; open ``build/site/index.html`` in a browser
or serve the folder (``python3 -m http.server -d build/site``). ``series.py run`` builds one from
its own executed copies too (``build/full/site/`` or ``build/quick/site/``); there, a notebook the run
did not cover says "not run in this build", one that failed "FAILED (see its log)", and no figure
of an earlier run is shown as this run's.

What a reader gets: a sidebar with every page, search, an outline of the page, a Colab launch
button and a download button (the notebook as committed) on every notebook page, and these pages:

* the index: what each notebook teaches, the ideas of the slides it covers (its numbered sections,
  linked), a few headline numbers from its results file, its run times (``course/series.yaml`` and
  the results files);
* one page per notebook, core notebooks first, then the deep dives, with figures, tables and audio
  players as executed;
* the course plan for teachers (``course/plan.md``, :mod:`tools.course_plan`);
* the glossary (``course/glossary.md``, copied);
* all results (:mod:`tools.tables`);
* for the committed site, the slides of the core notebooks (``slides/``, :mod:`tools.slides`), linked from the index.

How it is built: :func:`stage` writes a Sphinx source folder laid out like the repository
(``index.md``, ``notebooks/NN_name.ipynb``, ``notebooks/deep-dives/NNx_topic.ipynb``, ``course/plan.md``,
``results.md``), so links between
notebooks and Colab's launch links work unchanged; links to README become links to the index, links
to other files of the repository go to GitHub. Sphinx then builds it with the configuration in
``tools/site/conf.py``. The site works from a file system or any static host, offline: nothing is
fetched from another site. Formulas become MathML at build time (``latex2mathml``, see
:func:`setup`, this module being also a Sphinx extension), which browsers draw natively.

The site is built in a temporary folder and renamed into place, so a failed build leaves the
previous site (or none) rather than a half-written one.
"""

from __future__ import annotations

import argparse
import html
import posixpath
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tools import catalog, conventions
from tools.catalog import Notebook, github_url
from tools.conventions import COLAB_BADGE_URL
from tools.folders import swap_in, work_folder
from tools.formulas import mathml
from tools.records import data_line, fmt_number, load_record, recorded_quick_run, relative, run_time
from tools.tables import headline, results_table
from utils.config import ROOT

CONF_DIR = ROOT / "tools" / "site"  # conf.py and _static/ of the site
SLIDES_FOLDER = "slides"  # the decks of the committed site (tools/slides.py)
BADGE_FILE = "colab-badge.svg"  # a local stand-in, so that no page loads an image from another site

MD_LINK = re.compile(r"(\]\()([^)\s]+)(\))")  # [text](target) and ![alt](target)


# ----------------------------------------------------------------------------- formulas (a Sphinx extension)


def _visit_math(translator, node) -> None:
    from docutils import nodes

    translator.body.append(mathml(node.astext(), display=False))
    raise nodes.SkipNode


def _visit_displaymath(translator, node) -> None:
    from docutils import nodes

    body = mathml(node.astext(), display=True)  # also amsmath's environments (\begin{align} ...)
    ident = f' id="{node["ids"][0]}"' if node.get("ids") else ""
    translator.body.append(f'<div class="math-display"{ident}>{body}</div>')
    raise nodes.SkipNode


def setup(app):
    """Sphinx extension hook (``tools/site/conf.py``): an HTML math renderer that writes MathML."""
    app.add_html_math_renderer("mathml", (_visit_math, None), (_visit_displaymath, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# ----------------------------------------------------------------------------- staging the pages


def rewrite_links(markdown: str, where: str, staged: set[str]) -> str:
    """Point the links of a page (written for GitHub, at folder ``where`` of the repository) at the site.

    A link to a staged file stays as it is (Sphinx turns it into a link to that page), a link to
    README goes to the index, a link to any other file of the repository goes to its page on GitHub,
    and Colab's badge image is the site's own copy. Web links and #anchors are left alone.
    """

    def fix(match: re.Match) -> str:
        target = match.group(2)
        if target == COLAB_BADGE_URL:
            new = posixpath.relpath(BADGE_FILE, where or ".")
        elif re.match(r"^(#|[a-z][a-z0-9+.-]*:|//)", target, re.I):
            new = target
        else:
            path, _, frag = target.partition("#")
            repo_path = posixpath.normpath(posixpath.join(where, path))
            frag = f"#{frag}" if frag else ""
            if repo_path == "README.md":
                new = posixpath.relpath("index.md", where or ".") + frag
            elif repo_path in staged or repo_path.startswith(".."):
                new = target
            else:
                new = github_url(repo_path) + frag
        return match.group(1) + new + match.group(3)

    return MD_LINK.sub(fix, markdown)


def slide_ideas(node) -> list[tuple[str, str]]:
    """(anchor, title) of a notebook's numbered sections, the ideas of the slides it covers."""
    from myst_parser.slugs import github_slugify

    return [(github_slugify(f"{number}. {title}"), title) for number, title in conventions.sections(node.cells)]


def headline_numbers(nb: Notebook, record: dict) -> list[tuple[str, str]]:
    """(label, formatted value) of the headline metrics of a catalog entry found in record; its first three
    metrics (labelled by their names) when the catalog names none of them."""
    metrics = record.get("metrics", {})
    return headline(nb, record) or [(f"`{m}`", fmt_number(metrics[m])) for m in list(metrics)[:3]]


def _readme_intro() -> str:
    """The README's opening paragraph (between the title and the first section)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## ", 1)[0].split("\n", 1)[1].strip() if text.startswith("# ") else ""


def _cell(text: str) -> str:
    """Text for a cell of a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")


def _link(nb: Notebook) -> str:
    return f"[{_cell(nb.title)}]({nb.path})"


def index_page(entries: list[dict], results_dir: Path, staged: set[str], run_build: bool, slides: bool = False) -> str:
    """index.md: the notebooks, what each teaches and measured, and the other pages."""
    url, _ = catalog.repository()
    out = [
        "# Autoencoders, explained and measured",
        "",
        rewrite_links(_readme_intro(), "", staged),
        "",
        f"Source: <{url}>. Every page is a notebook "
        + ("as this build executed it" if run_build else "as committed, executed top to bottom")
        + "; the numbers below come from the results files written by those runs. For teachers: the "
        "[course plan](course/plan.md) (what each notebook teaches, prerequisites, reading and run times, "
        "exercises and self-checks, a split into sessions)"
        + (f', and <a href="{SLIDES_FOLDER}/index.html">slides</a> made from the core notebooks' if slides else "")
        + ". Every figure of every notebook: [all results](results.md).",
        "",
        "## The notebooks",
        "",
        "| # | notebook | "
        + ("in this build | " if run_build else "")
        + "run time, quick mode | run time, full mode |",
        "| --- | --- | " + ("--- | " if run_build else "") + "---: | ---: |",
    ]
    for en in entries:
        nb = en["nb"]
        title = _link(nb) if en["page"] else _cell(nb.title)
        number = f"↳ {nb.number}" if nb.is_deep_dive else nb.number
        status = f"{en['status']} | " if run_build else ""
        out.append(f"| {number} | {title} | {status}{en['quick']} | {en['full']} |")
    out += [
        "",
        "Quick mode (`AE_QUICK=1`, what the tests run) shrinks data and training; full mode produces the "
        "published numbers. Times are wall-clock seconds of one run on the machine named in its results file"
        + (" (this build's own run for the notebooks it ran; the recorded runs for the others)." if run_build else "."),
        "",
    ]
    for en in entries:
        nb, rec = en["nb"], en["record"]
        out += [f"### {nb.number} · {nb.title}", ""]
        if en["note"]:
            out += [f'<p class="site-note">{html.escape(en["note"])}</p>', ""]
        if nb.is_deep_dive:
            core = catalog.by_stem(nb.core)
            out += [f"A deep dive of {_link(core) if str(core.path) in staged else _cell(core.title)}.", ""]
        out += [nb.teaches, ""]
        if en["page"]:
            deck = (
                f' Present it: <a href="{SLIDES_FOLDER}/{nb.stem}.html">its slides</a>.'
                if slides and not nb.is_deep_dive
                else ""
            )
            out += [f"Read it: [{nb.number} · {nb.title}]({nb.path}).{deck}", ""]
        if en["sections"]:
            out += ["The ideas of the slides it covers:", ""]
            out += [f"{i}. [{t}]({nb.path}#{a})" for i, (a, t) in enumerate(en["sections"], 1)]
            out.append("")
        if rec:
            out += [f"| measured ({rec.get('mode', '?')} mode) | |", "| --- | ---: |"]
            out += [f"| {_cell(label)} | {value} |" for label, value in headline_numbers(nb, rec)]
            out += [
                "",
                f"Data: {data_line(rec)}. {rec.get('backend', '?')}, {rec.get('device', '?')}; "
                f"run time: quick {en['quick']}, full {en['full']}.",
                "",
            ]
        elif not run_build:  # (a run's notebook without results failed or did not run: its note says so)
            where = relative(results_dir)
            where = f"`{where}`" if not Path(where).is_absolute() else "the results folder given"
            out += [f"No results file for this notebook in {where}.", ""]
    cores = [f"{en['nb'].path.with_suffix('')}" for en in entries if en["page"] and not en["nb"].is_deep_dive]
    dives = [f"{en['nb'].path.with_suffix('')}" for en in entries if en["page"] and en["nb"].is_deep_dive]
    for caption, pages in (
        ("Core notebooks", cores),
        ("Deep dives", dives),
        ("Reference", ["course/glossary"]),
        ("For teachers", ["course/plan", "results"]),
    ):
        if pages:
            out += ["```{toctree}", ":hidden:", ":maxdepth: 1", f":caption: {caption}", "", *pages, "```", ""]
    out.append(f"Built by `tools/build_site.py` on {time.strftime('%Y-%m-%d %H:%M')}.")
    return "\n".join(out) + "\n"


def results_page(results_dir: Path) -> str:
    table = results_table(results_dir)
    return "\n".join(
        [
            "# All results",
            "",
            "Generated by `python3 -m tools.series table` from the results files, with the mode, data source "
            "and machine that produced each figure.",
            "",
            table if table.startswith("|") else html.escape(table),
            "",
        ]
    )


def plan_page(staged: set[str]) -> str:
    """The course plan for teachers (tools/course_plan.py), as course/plan.md of the site."""
    from tools import course_plan

    return rewrite_links(course_plan.plan_page(), "course", staged)


def _times(nb: Notebook, record: dict | None, run_build: bool) -> tuple[str, str]:
    """(quick, full) run times shown for a notebook: this run's own time in its mode; for the other mode,
    or for a notebook a run build did not cover, the recorded runs (quick: results/backends/, full:
    results/), never another build's."""
    quick, full = recorded_quick_run(nb.stem), load_record(nb.stem)
    if record and record.get("mode") == "quick":
        quick = record
    elif record and record.get("mode") == "full":
        full = record
    return run_time(quick), run_time(full)


def stage(
    src: Path,
    notebooks_dir: Path,
    results_dir: Path,
    say=lambda *a: None,
    statuses: dict[str, str] | None = None,
    logs: str = "build/logs",
) -> set[str]:
    """Write the site's Sphinx source folder src; returns the stems of the notebooks given a page.

    statuses, for the site of a run (``series.py run``): {stem: "passed" or "FAILED"} of the notebooks
    the run executed; logs names the folder of their kernel logs, as printed. A catalogued notebook absent
    from it is "not run in this build" and gets no page; a failed one gets its page (the error where it
    happened) and a note pointing at its log. Without statuses (the committed site), every notebook
    found in notebooks_dir gets a page.
    """
    import nbformat

    run_build = statuses is not None
    folder_of = {nb.stem: notebooks_dir / nb.path.relative_to("notebooks") for nb in catalog.all_notebooks()}
    rendered = {
        nb.stem
        for nb in catalog.all_notebooks()
        if folder_of[nb.stem].exists() and (not run_build or nb.stem in statuses)
    }
    staged = {str(nb.path) for nb in catalog.all_notebooks() if nb.stem in rendered}
    staged |= {"course/plan.md", "course/glossary.md", "results.md", "index.md"}
    (src / "notebooks" / catalog.DEEP_DIVE_FOLDER).mkdir(parents=True)
    (src / "course").mkdir()
    shutil.copy(CONF_DIR / "_static" / BADGE_FILE, src / BADGE_FILE)
    entries = []
    for nb in catalog.all_notebooks():
        source = folder_of[nb.stem]
        status = (statuses or {}).get(nb.stem)
        entry = {"nb": nb, "page": nb.stem in rendered, "sections": [], "note": "", "status": status or "not run"}
        entry["record"] = load_record(nb.stem, results_dir) if not run_build or status == "passed" else None
        if not nb.file.exists():
            say(f"  {nb.stem}: no page, {nb.path} does not exist (it is listed in course/series.yaml)")
            entry["note"] = "Not written yet: this notebook is listed in the plan but has no file."
        elif run_build and status is None:
            entry["note"] = "Not run in this build."
        elif status == "FAILED":
            entry["note"] = f"FAILED in this build (see its log: {logs}/{nb.stem}.log)."
        if entry["page"]:
            node = nbformat.read(source, as_version=4)
            if not any(c.cell_type == "code" and c.get("outputs") for c in node.cells):
                entry["note"] = "Shown without outputs: this copy of the notebook has not been executed yet."
            entry["sections"] = slide_ideas(node)
            where = posixpath.dirname(str(nb.path))
            for cell in node.cells:  # the links of the prose pointed at the site
                if cell.cell_type == "markdown":
                    cell.source = rewrite_links(cell.source, where, staged)
            nbformat.write(node, src / nb.path)
        entry["quick"], entry["full"] = _times(nb, entry["record"], run_build)
        entries.append(entry)
    (src / "index.md").write_text(
        index_page(entries, results_dir, staged, run_build, slides=not run_build), encoding="utf-8"
    )
    (src / "course" / "plan.md").write_text(plan_page(staged), encoding="utf-8")
    (src / "course" / "glossary.md").write_text(
        rewrite_links((ROOT / "course" / "glossary.md").read_text(encoding="utf-8"), "course", staged), encoding="utf-8"
    )
    (src / "results.md").write_text(results_page(results_dir), encoding="utf-8")
    return rendered


def sphinx(src: Path, out: Path, quiet: bool = False) -> None:
    """Run Sphinx (HTML builder, tools/site/conf.py) on src into out; raise with its messages if it fails."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(CONF_DIR), "-E", "-j", "auto"]
    command += ["-q"] if quiet else []
    command += [str(src), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise RuntimeError(f"Sphinx failed (exit {done.returncode}):\n{tail}")
    if not quiet and done.stdout.strip():
        print(done.stdout.strip().splitlines()[-1], flush=True)
    if done.stderr.strip():  # Sphinx's warnings: shown, not fatal
        print(done.stderr.strip(), file=sys.stderr, flush=True)


def build(
    out: Path | None = None,
    notebooks_dir: Path | None = None,
    results_dir: Path | None = None,
    quiet: bool = False,
    statuses: dict[str, str] | None = None,
    logs: str = "build/logs",
) -> Path:
    """Render every catalogued notebook found in notebooks_dir (laid out like ``notebooks/``), the index,
    the course plan and the results into out; statuses and logs: a run's, see :func:`stage`. Returns out."""
    out = Path(out or ROOT / "build" / "site")
    notebooks_dir = Path(notebooks_dir or ROOT / "notebooks")
    results_dir = Path(results_dir or ROOT / "results")
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))

    work = work_folder(out)
    try:
        rendered = stage(work / "src", notebooks_dir, results_dir, say, statuses, logs)
        html_dir = work / "html"
        sphinx(work / "src", html_dir, quiet=quiet)
        # the download button offers the notebook as committed, not the copy with the site's links
        for stem in rendered:
            path = catalog.by_stem(stem).path
            shutil.copy(notebooks_dir / path.relative_to("notebooks"), html_dir / "_sources" / path)
        shutil.rmtree(html_dir / ".doctrees", ignore_errors=True)
        if statuses is None:  # the committed site: the decks of the core notebooks beside it (tools/slides.py)
            from tools import slides

            slides.build(out=html_dir / SLIDES_FOLDER, quiet=True)
        swap_in(html_dir, out)  # the old site is removed only once the new one is complete
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(f"site written to {relative(out)}/index.html ({len(rendered)} notebook page(s))")
    return out


def run(args: argparse.Namespace) -> int:
    """``python3 -m tools.series site``: options notebooks, results, out (None: the defaults of :func:`build`)."""
    start = time.time()
    print(f"Rendering {relative(args.notebooks or ROOT / 'notebooks')} ...", flush=True)
    build(args.out, args.notebooks, args.results)
    print(f"done in {time.time() - start:.0f} s", flush=True)
    return 0
