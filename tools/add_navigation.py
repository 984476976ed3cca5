#!/usr/bin/env python3
"""Write the header, Colab badge, navigation lines and clone URL into every notebook.

Reads the ordered list in ``tools/catalog.py`` and, in each notebook:
  * sets the first line of the first cell to ``# NN · Title``;
  * keeps a cell tagged ``navigation`` right after it (Colab badge, previous | index | next)
    and one at the very end (the same line);
  * rewrites the ``REPO_URL, REPO_REF = ...`` line of the setup cell.
Re-running it changes nothing when nothing changed.

Usage: python tools/add_navigation.py [--check]
  --check  change nothing; exit 1 and list the notebooks whose navigation is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

if __package__ in (None, ""):  # run as a script: make the repository root importable instead of tools/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from tools.catalog import NOTEBOOKS, REPO_REF, REPO_URL, github_path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TAG = "navigation"
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
URL_LINE = re.compile(r"^REPO_URL, REPO_REF = .*$", re.M)


def nav_line(i: int) -> str:
    parts = []
    if i > 0:
        prev = NOTEBOOKS[i - 1]
        parts.append(f"< Previous: [{prev.number} · {prev.title}]({prev.stem}.ipynb)")
    parts.append("[Index](../README.md#the-notebooks)")
    if i + 1 < len(NOTEBOOKS):
        nxt = NOTEBOOKS[i + 1]
        parts.append(f"Next: [{nxt.number} · {nxt.title}]({nxt.stem}.ipynb) >")
    return " | ".join(parts)


def nav_cell(text: str):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [TAG]
    cell.pop("id", None)
    return cell


def update(nb, i: int) -> None:
    entry = NOTEBOOKS[i]
    first = nb.cells[0]
    lines = first.source.split("\n")
    heading = f"# {entry.number} · {entry.title}"
    if lines and lines[0].startswith("# "):
        lines[0] = heading
    else:
        lines.insert(0, heading)
    first.source = "\n".join(lines)
    nb.cells = [c for c in nb.cells if TAG not in c.get("metadata", {}).get("tags", [])]
    badge = f"[![Open In Colab]({BADGE})](https://colab.research.google.com/github/{github_path(entry.stem)})"
    top = nav_cell(f"{badge}\n\n{nav_line(i)}")
    bottom = nav_cell(nav_line(i))
    # keep cell ids stable across runs so that a rerun changes nothing
    top["id"], bottom["id"] = "nav-top", "nav-bottom"
    nb.cells = [first, top, *nb.cells[1:], bottom]
    for cell in nb.cells:
        if cell.cell_type == "code" and URL_LINE.search(cell.source):
            cell.source = URL_LINE.sub(f'REPO_URL, REPO_REF = "{REPO_URL}", "{REPO_REF}"', cell.source)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for i, entry in enumerate(NOTEBOOKS):
        stem = entry.stem
        path = ROOT / "notebooks" / f"{stem}.ipynb"
        if not path.exists():
            print(f"missing notebook: {path.relative_to(ROOT)} (listed in tools/catalog.py)")
            stale.append(stem)
            continue
        before = path.read_text(encoding="utf-8")
        nb = nbformat.reads(before, as_version=4)
        update(nb, i)
        after = nbformat.writes(nb) + "\n"
        if after != before:
            stale.append(stem)
            if not check:
                path.write_text(after, encoding="utf-8")
    listed = {entry.stem for entry in NOTEBOOKS}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if path.stem not in listed:
            print(f"notebook not in tools/catalog.py: {path.relative_to(ROOT)}")
            stale.append(path.stem)
    if check and stale:
        print("stale navigation in: " + ", ".join(stale) + " (run: python tools/add_navigation.py)")
        return 1
    if not check:
        print(f"navigation written; {len(stale)} notebook(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
