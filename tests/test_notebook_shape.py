"""The shape of the rewritten notebooks (those with the short setup cell of tools.conventions.setup_cell):
a core notebook within its budgets, nbval's markers as cell tags, and every glossary link pointing at a
term of course/glossary.md. The budgets are those of CONTRIBUTING.md: at most 1,800 words of Markdown,
220 non-blank code lines, 30 lines in any code cell, 6 in the setup cell, and 10 minutes in full mode
(the committed results file's run time).
"""

import json
import re

import pytest

from tools import catalog, conventions
from utils.config import ROOT

GLOSSARY = ROOT / "course" / "glossary.md"
GLOSSARY_LINK = re.compile(r"\]\(((?:\.\./)+course/glossary\.md)(?:#([^)\s]*))?\)")
BUDGET = {"words": 1800, "code_lines": 220, "longest_cell": 30, "setup_lines": 6, "full_seconds": 600}


def _cells(nb):
    return json.loads(nb.file.read_text(encoding="utf-8"))["cells"]


def _rewritten():
    return [nb for nb in catalog.all_notebooks() if conventions.CLONE_LINE.search(conventions.setup_source(_cells(nb)))]


def github_anchor(heading: str) -> str:
    """The anchor GitHub (and myst's heading anchors) give a heading: lower case, punctuation dropped,
    spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def glossary_anchors() -> set[str]:
    return {github_anchor(h) for h in re.findall(r"^## (.+)$", GLOSSARY.read_text(encoding="utf-8"), re.M)}


def measure(cells) -> dict:
    code = [conventions.source(c) for c in cells if c["cell_type"] == "code"]
    lines = [[line for line in src.splitlines() if line.strip()] for src in code]
    return {
        "words": conventions.prose_words(cells),
        "code_lines": conventions.code_lines(cells),
        "longest_cell": max(len(cell) for cell in lines),
        "setup_lines": len(lines[0]),
    }


def test_the_anchor_rule_is_githubs():
    assert github_anchor("Mean squared error (MSE)") == "mean-squared-error-mse"
    assert github_anchor("R-squared") == "r-squared"
    assert "latent-space" in glossary_anchors() and "pca-principal-component-analysis" in glossary_anchors()


@pytest.mark.parametrize("nb", _rewritten(), ids=lambda nb: nb.stem)
def test_a_rewritten_core_notebook_keeps_its_budgets(nb):
    if nb.is_deep_dive:
        pytest.skip("deep dives have no budget (their header says how long they run)")
    figures = measure(_cells(nb))
    record = json.loads((ROOT / "results" / f"{nb.stem}.json").read_text(encoding="utf-8"))
    figures["full_seconds"] = record["wall_seconds"]
    over = {k: f"{v} > {BUDGET[k]}" for k, v in figures.items() if v > BUDGET[k]}
    assert not over, f"{nb.stem} is over budget: {over}"


@pytest.mark.parametrize("nb", _rewritten(), ids=lambda nb: nb.stem)
def test_nbval_markers_are_cell_tags(nb):
    for i, cell in enumerate(_cells(nb)):
        if cell["cell_type"] == "code":
            assert not conventions.NBVAL_COMMENT.search(conventions.source(cell)), f"cell {i}: use a cell tag"
        unknown = {t for t in cell.get("metadata", {}).get("tags", []) if t.startswith("nbval")} - set(
            conventions.NBVAL_TAGS
        )
        assert not unknown, f"cell {i}: tags nbval does not know: {sorted(unknown)}"


@pytest.mark.parametrize("nb", _rewritten(), ids=lambda nb: nb.stem)
def test_glossary_links_point_at_its_terms(nb):
    anchors = glossary_anchors()
    links = [
        m for c in _cells(nb) if c["cell_type"] == "markdown" for m in GLOSSARY_LINK.findall(conventions.source(c))
    ]
    assert links, f"{nb.stem} links no term to the glossary"
    for path, anchor in links:
        assert (nb.file.parent / path).resolve() == GLOSSARY, f"{nb.stem}: {path} is not the glossary"
        assert anchor in anchors, f"{nb.stem}: the glossary has no term #{anchor}"


def test_the_nbval_comment_pattern_finds_markers():
    assert conventions.NBVAL_COMMENT.search("x = 1\n# NBVAL_CHECK_OUTPUT\nprint(x)")
    assert not conventions.NBVAL_COMMENT.search('print("nbval-check-output is a tag")')
