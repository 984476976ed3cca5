#!/usr/bin/env python3
"""Render the executed notebooks into a static web site: an index page and one page per notebook.

    python3 tools/build_site.py [--notebooks DIR] [--results DIR] [--out DIR]
    python3 tools/series.py site [same options]        (the same, inside the project's .venv)

By default it renders the committed notebooks (``notebooks/``, executed in full mode) with the
measured numbers of ``results/`` into ``build/site/``; open ``build/site/index.html`` in a browser
or serve the folder (``python3 -m http.server -d build/site``). ``series.py run`` builds one from
its own executed copies too (``build/full/site/`` or ``build/quick/site/``).

* Pages are nbconvert's ``lab`` HTML with figures, tables and audio players embedded, so the site
  works from a file system or any static host, offline: no script or font is fetched from a CDN.
  Formulas are turned into MathML at build time (``latex2mathml``), which browsers draw natively,
  instead of loading MathJax.
* Links between notebooks (``NN_name.ipynb``) point at their pages, links to the README at the
  index, and links to other files of the repository at their address on GitHub
  (``REPO_URL`` of ``tools/catalog.py``).
* The index lists, for every notebook of ``tools/catalog.py``: what it teaches, the ideas of the
  slides it covers (its numbered section headings, linked), a few headline numbers from its
  results file (the ``headline`` of its catalog entry), and its run time in quick and full mode;
  then the full results table (``tools/report.py``, as in README).
* The site is written to a temporary folder and renamed into place, so a failed build leaves the
  previous site (or none) rather than a half-written one.
"""

from __future__ import annotations

import argparse
import html
import posixpath
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable instead of tools/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from tools.catalog import NOTEBOOKS, REPO_REF, REPO_URL, github_path  # noqa: E402
from tools.report import ROOT, data_line, fmt_number, load_record, recorded_quick_run, results_table, run_time  # noqa: E402

#: Stand-in for Colab's badge image (colab.research.google.com/assets/colab-badge.svg), so that the
#: pages load nothing from other sites; the badge still links to the notebook in Colab.
COLAB_BADGE_URL = "https://colab.research.google.com/assets/colab-badge.svg"
COLAB_BADGE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20" role="img" aria-label="Open in Colab">
<rect width="117" height="20" rx="3" fill="#555"/><rect x="22" width="95" height="20" rx="3" fill="#f9ab00"/>
<rect x="22" width="6" height="20" fill="#f9ab00"/>
<circle cx="8" cy="10" r="4.5" fill="none" stroke="#f9ab00" stroke-width="2.2"/>
<circle cx="15" cy="10" r="4.5" fill="none" stroke="#f9ab00" stroke-width="2.2"/>
<text x="69" y="14" fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">Open in Colab</text>
</svg>
"""

# Nothing in a page may come from a CDN: no require.js (only ipywidgets need it), no MathJax
# (formulas are MathML, see _math), no mermaid loader (no diagrams in the series).
PAGE_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">
  math[display="block"] { margin: 0.6em 0; font-size: 1.1em; }
  .site-note { background: #fff7e0; border: 1px solid #f0c36d; padding: 0.5em 1em; margin: 1em 0; }
</style>
{%- endblock html_head_css -%}
"""

INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 72em;
       margin: 2em auto; padding: 0 1.5em; line-height: 1.5; color: #1d1d1d; }
h1 { margin-bottom: 0.2em; }
section.notebook { border-top: 1px solid #ddd; padding: 0.6em 0 1em; }
section.notebook h3 { margin: 0.4em 0; }
.cols { display: flex; flex-wrap: wrap; gap: 0 3em; }
.cols > div { flex: 1 1 22em; }
table { border-collapse: collapse; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.meta { color: #555; font-size: 0.9em; }
.note { background: #fff7e0; border: 1px solid #f0c36d; padding: 0.3em 0.8em; }
code { font-size: 0.95em; }
"""

HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")')
NOTEBOOK_LINK = re.compile(r"^(?:\./)?(?P<stem>[^/#?]+)\.ipynb(?P<frag>#.*)?$")
README_LINK = re.compile(r"^(?:\.\./)+README\.md(?P<frag>#.*)?$")
# nbconvert gives every Markdown heading an id: the numbered ones are the ideas of the slides.
SECTION = re.compile(r'<h2 id="(?P<id>[^"]+)">(?P<title>\d+\.\s.*?)<a class="anchor-link"', re.S)


# ----------------------------------------------------------------------------- one page


def _math(latex: str, display: bool) -> str:
    """LaTeX -> MathML (drawn by the browser itself); the escaped source if it cannot be converted."""
    from latex2mathml.converter import convert

    try:
        return convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # an unsupported command: show the formula's source rather than nothing
        source = html.escape(latex)
        return f"<code>$${source}$$</code>" if display else f"<code>${source}$</code>"


def _exporter():
    """nbconvert's HTMLExporter (lab template) with MathML formulas and no CDN scripts."""
    import jinja2
    from nbconvert import HTMLExporter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class MathMLRenderer(IPythonRenderer):
        def block_math(self, body: str) -> str:
            return _math(body, display=True)

        def inline_math(self, body: str) -> str:
            return _math(body, display=False)

        def latex_environment(self, name: str, body: str) -> str:
            return _math(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    class SiteExporter(HTMLExporter):
        @jinja2.pass_context
        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            renderer = MathMLRenderer(
                escape=False,
                attachments=cell.get("attachments", {}),
                embed_images=self.embed_images,
                path=context.get("resources", {}).get("metadata", {}).get("path", ""),
                anchor_link_text=self.anchor_link_text,
                exclude_anchor_links=self.exclude_anchor_links,
                **self.lexer_options,
            )
            return MarkdownWithMath(renderer=renderer).render(source)

    return SiteExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"site.html.j2": PAGE_TEMPLATE})],
        template_file="site.html.j2",
    )


def rewrite_links(page: str, rendered: set[str]) -> str:
    """Point links at the site's pages: notebooks -> their page, README -> index, other files -> GitHub."""
    catalogued = {nb.stem for nb in NOTEBOOKS}

    def fix(match: re.Match) -> str:
        href = html.unescape(match.group(2))
        new = href
        nb_link, readme_link = NOTEBOOK_LINK.match(href), README_LINK.match(href)
        if nb_link:
            stem, frag = nb_link["stem"], nb_link["frag"] or ""
            if stem in rendered:
                new = f"{stem}.html{frag}"
            elif stem in catalogued:  # listed but not rendered: its entry on the index says why
                new = f"index.html#{stem}"
        elif readme_link:
            new = f"index.html{readme_link['frag'] or ''}"
        elif href and not re.match(r"^(#|[a-z][a-z0-9+.-]*:|//)", href, re.I):
            # another file of the repository, relative to notebooks/: its page on GitHub
            path = posixpath.normpath(posixpath.join("notebooks", href.split("#")[0]))
            if not path.startswith(".."):
                frag = "#" + href.split("#", 1)[1] if "#" in href else ""
                new = f"{REPO_URL}/blob/{REPO_REF}/{path}{frag}"
        return match.group(1) + html.escape(new, quote=True) + match.group(3)

    page = HREF.sub(fix, page)
    return page.replace(f'src="{COLAB_BADGE_URL}"', 'src="colab-badge.svg"')


def render_notebook(nb, name: str, rendered: set[str] | None = None) -> str:
    """One notebook (an nbformat node) as a self-contained HTML page, links rewritten for the site."""
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": name}})
    return rewrite_links(body, rendered or set())


# ----------------------------------------------------------------------------- the index


def _markdown(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text)


def _readme_intro() -> str:
    """The README's opening paragraph (between the title and the first section)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    intro = text.split("\n## ", 1)[0].split("\n", 1)[1] if text.startswith("# ") else ""
    return _markdown(intro.strip()) if intro.strip() else ""


def headline_numbers(nb, record: dict) -> list[tuple[str, str, str]]:
    """(metric, HTML label, formatted value) for the headline metrics of a catalog entry found in record;
    its first three metrics when the catalog names none of them."""
    metrics = record.get("metrics", {})
    chosen = [(m, label) for m, label in nb.headline if m in metrics]
    if not chosen:
        chosen = [(m, f"<code>{html.escape(m)}</code>") for m in list(metrics)[:3]]
    else:
        chosen = [(m, html.escape(label)) for m, label in chosen]
    return [(m, label, fmt_number(metrics[m])) for m, label in chosen]


def plan_page(rendered: set[str]) -> str:
    """The course plan for teachers (course/plan.md, tools/course_plan.py) as a page of the site."""
    from tools import course_plan

    text = re.sub(
        r"\]\(\.\./notebooks/(\d\d_\w+)\.ipynb\)",
        lambda m: (
            f"]({m.group(1)}.html)"
            if m.group(1) in rendered
            else f"]({REPO_URL}/blob/main/notebooks/{m.group(1)}.ipynb)"
        ),
        course_plan.plan_page(),
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
            "<title>Course plan · Autoencoders, explained and measured</title>",
            f"<style>{INDEX_CSS}</style></head><body>",
            '<p class="meta"><a href="index.html">Index</a></p>',
            _markdown(text),
            "</body></html>",
        ]
    )


def index_page(entries: list[dict], results_dir: Path) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
        "<title>Autoencoders, explained and measured</title>",
        f"<style>{INDEX_CSS}</style></head><body>",
        "<h1>Autoencoders, explained and measured</h1>",
        _readme_intro(),
        f'<p class="meta">Source: <a href="{e(REPO_URL)}">{e(REPO_URL)}</a>. '
        "Every page is a notebook as committed, executed top to bottom; the numbers below come from "
        f"the results files written by those runs.</p>",
        '<p class="meta">For teachers: the <a href="plan.html">course plan</a> (what each notebook teaches, '
        "prerequisites, reading and run times, exercises and self-checks, a split into sessions).</p>",
        '<h2 id="the-notebooks">The notebooks</h2>',
        "<table><thead><tr><th>#</th><th>notebook</th><th>run time, quick mode</th>"
        "<th>run time, full mode</th></tr></thead><tbody>",
    ]
    for en in entries:
        nb = en["nb"]
        link = f'<a href="{nb.stem}.html">{e(nb.title)}</a>' if en["page"] else e(nb.title)
        out.append(
            f'<tr><td>{nb.number}</td><td>{link}</td><td class="num">{en["quick"]}</td>'
            f'<td class="num">{en["full"]}</td></tr>'
        )
    out.append("</tbody></table>")
    out.append(
        '<p class="meta">Quick mode (<code>AE_QUICK=1</code>, what the tests run) shrinks data and '
        "training; full mode produces the published numbers. Times are wall-clock seconds of one "
        "run on the machine named in its results file.</p>"
    )
    for en in entries:
        nb, rec = en["nb"], en["record"]
        stem = nb.stem
        out.append(f'<section class="notebook" id="{stem}">')
        title = f"{nb.number} · {e(nb.title)}"
        out.append(f'<h3><a href="{stem}.html">{title}</a></h3>' if en["page"] else f"<h3>{title}</h3>")
        if en["note"]:
            out.append(f'<p class="note">{e(en["note"])}</p>')
        out.append(f"<p>{e(nb.teaches)}</p>")
        out.append(
            f'<p><a href="https://colab.research.google.com/github/{e(github_path(stem))}">'
            '<img src="colab-badge.svg" alt="Open In Colab" width="117" height="20"></a></p>'
        )
        out.append('<div class="cols"><div>')
        if en["sections"]:
            out.append("<h4>The ideas of the slides it covers</h4><ol>")
            for anchor, heading in en["sections"]:
                text = re.sub(r"^\d+\.\s*", "", heading)
                out.append(f'<li><a href="{stem}.html#{e(anchor)}">{text}</a></li>')
            out.append("</ol>")
        out.append("</div><div>")
        if rec:
            out.append(f"<h4>Measured ({e(str(rec.get('mode', '?')))} mode)</h4><table><tbody>")
            for metric, label, value in headline_numbers(nb, rec):
                out.append(f'<tr><td>{label}</td><td class="num" title="{e(metric)}">{value}</td></tr>')
            out.append("</tbody></table>")
            out.append(
                f'<p class="meta">Data: {e(data_line(rec))}<br>{e(str(rec.get("backend", "?")))}, '
                f"{e(str(rec.get('device', '?')))}; run time: quick {en['quick']}, full {en['full']}</p>"
            )
        else:
            out.append(
                f'<p class="meta">No results file for this notebook in {e(str(results_dir))} yet; '
                f"run time: quick {en['quick']}, full {en['full']}.</p>"
            )
        out.append("</div></div></section>")
    table = results_table(results_dir)
    out.append('<h2 id="results">All results</h2>')
    out.append(
        '<p class="meta">Generated by <code>python3 tools/series.py table</code> from the results '
        "files, with the mode, data source and machine that produced each figure.</p>"
    )
    out.append(_markdown(table) if table.startswith("|") else f"<p>{e(table)}</p>")
    out.append(f'<p class="meta">Built by <code>tools/build_site.py</code> on {time.strftime("%Y-%m-%d %H:%M")}.</p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- the site


def _timings(stem: str, results_dir: Path) -> dict:
    """{"quick": record, "full": record} of a notebook's latest known runs (None where there is none):
    results_dir first, then results/, build/full/ and build/quick/, then the recorded quick run of the
    default backend (tools/series.py backends)."""
    timings = {"quick": None, "full": None}
    for folder in (
        results_dir,
        ROOT / "results",
        ROOT / "build" / "full" / "results",
        ROOT / "build" / "quick" / "results",
    ):
        rec = load_record(stem, folder)
        if rec and rec.get("mode") in timings and timings[rec["mode"]] is None:
            timings[rec["mode"]] = rec
    if timings["quick"] is None:
        timings["quick"] = recorded_quick_run(stem)
    return timings


def build(
    out: Path | None = None, notebooks_dir: Path | None = None, results_dir: Path | None = None, quiet: bool = False
) -> Path:
    """Render every catalogued notebook found in notebooks_dir, and the index, into out. Returns out."""
    import nbformat

    out = Path(out or ROOT / "build" / "site")
    notebooks_dir = Path(notebooks_dir or ROOT / "notebooks")
    results_dir = Path(results_dir or ROOT / "results")
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))

    rendered = {nb.stem for nb in NOTEBOOKS if (notebooks_dir / f"{nb.stem}.ipynb").exists()}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    try:
        entries = []
        for nb in NOTEBOOKS:
            entry = {
                "nb": nb,
                "page": nb.stem in rendered,
                "sections": [],
                "note": "",
                "record": load_record(nb.stem, results_dir),
            }
            source = notebooks_dir / f"{nb.stem}.ipynb"
            if nb.stem not in rendered:
                say(f"  {nb.stem}: skipped, {source} does not exist (it is listed in tools/catalog.py)")
                entry["note"] = "Not written yet: this notebook is listed in the plan but has no file."
            else:
                node = nbformat.read(source, as_version=4)
                executed = any(c.cell_type == "code" and c.get("outputs") for c in node.cells)
                if not executed:
                    entry["note"] = "Shown without outputs: this copy of the notebook has not been executed yet."
                page = render_notebook(node, f"{nb.number} · {nb.title}", rendered)
                (tmp / f"{nb.stem}.html").write_text(page, encoding="utf-8")
                entry["sections"] = [(m["id"], m["title"].strip()) for m in SECTION.finditer(page)]
                say(f"  {nb.stem}.html ({len(page) / 1e6:.1f} MB{'' if executed else ', no outputs'})")
            timings = _timings(nb.stem, results_dir)
            entry["quick"], entry["full"] = run_time(timings["quick"]), run_time(timings["full"])
            entries.append(entry)
        (tmp / "colab-badge.svg").write_text(COLAB_BADGE_SVG, encoding="utf-8")
        (tmp / "index.html").write_text(index_page(entries, results_dir), encoding="utf-8")
        (tmp / "plan.html").write_text(plan_page(rendered), encoding="utf-8")
        tmp.chmod(0o755)
        # swap in the finished site: the old one is removed only once the new one is complete
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            out.rename(old / out.name)
        tmp.rename(out)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"site written to {out}/index.html ({len(rendered)} notebook page(s))")
    return out


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of this command (also those of ``series.py site``)."""
    parser.add_argument(
        "--notebooks", type=Path, default=ROOT / "notebooks", help="folder of executed notebooks (default: notebooks/)"
    )
    parser.add_argument(
        "--results", type=Path, default=ROOT / "results", help="folder of their results files (default: results/)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "build" / "site", help="where the site goes (default: build/site/)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    start = time.time()
    print(f"Rendering {args.notebooks} into {args.out} ...", flush=True)
    build(args.out, args.notebooks, args.results)
    print(f"done in {time.time() - start:.0f} s", flush=True)
    return 0


def main(argv: list[str]) -> int:
    return run(add_arguments(argparse.ArgumentParser(description=__doc__.split("\n\n")[0])).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
