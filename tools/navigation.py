"""The generated lines of every notebook: its title line, Colab badge, navigation and the repository's address.

From ``course/series.yaml`` (:mod:`tools.catalog`), in each notebook (:mod:`tools.conventions` says
where each part lives):

* the first line of the first cell: ``# NN · Title``;
* a cell tagged ``navigation`` right after the first cell (Colab badge, then previous | index | next,
  and the deep dives of a core notebook) and one at the very end (the same line);
* in a core notebook, the slide type of every cell that has none (:func:`tools.slides.mark`);
* the setup cell's clone line (``git clone ... -b REF URL autoencoders``; the older ``REPO_URL, REPO_REF = ...``).

A core notebook links to the previous and next core notebooks; a deep dive links back to its core
notebook. :func:`update_all` changes nothing when nothing changed; ``python3 -m tools.series pages``
calls it (``--check``: say what is stale, change nothing).
"""

from __future__ import annotations

import posixpath

from tools import catalog, slides
from tools.catalog import Notebook
from tools.conventions import CLONE_LINE, NAVIGATION_TAG, REPO_URL_LINE, clone_command, is_navigation, title_line
from tools.records import relative
from tools.tables import colab_badge


def _link(nb: Notebook, here: Notebook) -> str:
    target = posixpath.relpath(str(nb.path), posixpath.dirname(str(here.path)))
    return f"[{nb.number} · {nb.title}]({target})"


def nav_line(nb: Notebook) -> str:
    """previous | index | next (a core notebook) or back | index (a deep dive), as Markdown."""
    readme = posixpath.relpath("README.md", posixpath.dirname(str(nb.path)))
    index = f"[Index]({readme}#the-notebooks)"
    if nb.is_deep_dive:
        return f"< Deep dive of {_link(catalog.by_stem(nb.core), nb)} | {index}"
    cores = list(catalog.core_notebooks())
    i = cores.index(nb)
    parts = [f"< Previous: {_link(cores[i - 1], nb)}"] if i > 0 else []
    parts.append(index)
    if i + 1 < len(cores):
        parts.append(f"Next: {_link(cores[i + 1], nb)} >")
    line = " | ".join(parts)
    if nb.deep_dives:
        line += "\n\nDeep dives: " + ", ".join(_link(d, nb) for d in nb.deep_dives)
    return line


def _nav_cell(text: str, ident: str):
    import nbformat

    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [NAVIGATION_TAG]
    cell["id"] = ident  # stable ids: a rerun changes nothing
    return cell


def update(nb_node, nb: Notebook) -> None:
    """Write the title line, navigation cells and repository line of one notebook (an nbformat node)."""
    first = nb_node.cells[0]
    lines = first.source.split("\n")
    heading = title_line(nb.number, nb.title)
    if lines and lines[0].startswith("# "):
        lines[0] = heading
    else:
        lines.insert(0, heading)
    first.source = "\n".join(lines)
    body = [c for c in nb_node.cells[1:] if not is_navigation(c)]
    top = _nav_cell(f"{colab_badge(nb)}\n\n{nav_line(nb)}", "nav-top")
    bottom = _nav_cell(nav_line(nb), "nav-bottom")
    nb_node.cells = [first, top, *body, bottom]
    url, ref = catalog.repository()
    for cell in nb_node.cells:
        if cell.cell_type == "code" and REPO_URL_LINE.search(cell.source):
            cell.source = REPO_URL_LINE.sub(f'REPO_URL, REPO_REF = "{url}", "{ref}"', cell.source)
        if cell.cell_type == "code" and CLONE_LINE.search(cell.source):
            cell.source = CLONE_LINE.sub(lambda _: clone_command(url, ref), cell.source)


def update_all(check: bool = False) -> list[str]:
    """Bring every notebook's generated lines up to date (with check, change nothing); return what is
    or was stale, as lines to print: notebooks whose lines changed, catalogued notebooks without a
    file and notebook files the catalog does not list."""
    import nbformat

    stale = []
    for nb in catalog.all_notebooks():
        if not nb.file.exists():
            stale.append(f"missing notebook: {nb.path} (listed in course/series.yaml)")
            continue
        before = nb.file.read_text(encoding="utf-8")
        node = nbformat.reads(before, as_version=4)
        update(node, nb)
        if not nb.is_deep_dive:
            slides.mark(node)  # the slide type of each new cell (tools/slides.py)
        after = nbformat.writes(node) + "\n"
        if after != before:
            stale.append(f"navigation {'stale' if check else 'updated'}: {nb.path}")
            if not check:
                nb.file.write_text(after, encoding="utf-8")
    listed = {str(nb.path) for nb in catalog.all_notebooks()}
    folder = catalog.ROOT / "notebooks"
    for path in sorted([*folder.glob("*.ipynb"), *folder.glob(f"{catalog.DEEP_DIVE_FOLDER}/*.ipynb")]):
        if relative(path) not in listed:
            stale.append(f"notebook not in course/series.yaml: {relative(path)}")
    return stale
