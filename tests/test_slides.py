"""The slides (tools/slides.py): a reveal.js deck per core notebook, made from the notebook's slideshow metadata.

The rule that writes the metadata is checked on small notebooks; the committed core notebooks must carry
it (``python3 -m tools.series pages`` writes it). Then the nine decks are built into a temporary folder,
served on localhost and stepped through in headless Chromium (Playwright, as for the web site): each has
at least 5 slides, every image on every slide decodes, nothing is fetched from another site and nothing
is logged as an error. A screenshot of every slide is kept in build/test-artifacts/slides/ (ignored by git).
"""

from __future__ import annotations

import functools
import threading

import nbformat
import pytest
from test_site import Tab, _chromium_or_skip, _QuietHandler, _Server

from tools import catalog, slides
from utils.config import ROOT

CORES = [nb.stem for nb in catalog.core_notebooks()]
ARTIFACTS = ROOT / "build" / "test-artifacts" / "slides"
MIN_SLIDES = 5


def _nb(*cells):
    node = nbformat.v4.new_notebook()
    node.cells = list(cells)
    return node


def _code(*outputs):
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = list(outputs)
    return cell


FIGURE = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
SENTENCE = nbformat.v4.new_output("display_data", data={"text/markdown": "The error is **0.01**."})
LOG = nbformat.v4.new_output("stream", name="stdout", text="Epoch 1/5\n")


def test_default_types_follow_the_series_rule():
    md = nbformat.v4.new_markdown_cell
    nav = md("[Index](../README.md)")
    nav.metadata["tags"] = ["navigation"]
    cells = [
        md("# 01 · Title\n\nWhat you will learn."),
        nav,
        md("Run the first cell."),
        _code(LOG),  # setup
        md("## 1. The idea\n\nShort."),
        md("word " * (slides.SHORT_WORDS + 1)),
        md("A short remark."),
        _code(LOG, FIGURE),
        _code(SENTENCE),
        _code(LOG),
        md("So it goes.\n\n## Exercises\n\n1. **(easy)** Do it."),  # prose, then the exercises
        _code(FIGURE),  # after the exercises: skipped
        md("## Summary"),
        _code(SENTENCE),
    ]
    assert slides.default_types(cells) == [
        "slide", "skip", "skip", "skip", "slide", "subslide", "-", "subslide", "-", "skip",
        "-", "skip", "slide", "-",
    ]  # fmt: skip
    deck = "\n".join(c.source for c in slides.deck_notebook(catalog.core_notebooks()[0].stem).cells)
    assert "## Exercises" not in deck and "<details>" not in deck


def test_mark_keeps_a_teachers_choice():
    node = _nb(nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_markdown_cell("## 1. Idea"), _code(FIGURE))
    node.cells[2].metadata["slideshow"] = {"slide_type": "fragment"}
    assert slides.mark(node) == 2
    assert [slides.slide_type(c) for c in node.cells] == ["slide", "slide", "fragment"]
    assert slides.mark(node) == 0
    node.cells[2].outputs = []  # its figure is gone: a shown code cell would show nothing
    assert slides.mark(node) == 1 and slides.slide_type(node.cells[2]) == "skip"
    node.cells[1].metadata["slideshow"]["slide_type"] = "page"
    with pytest.raises(ValueError, match="not one of"):
        slides.mark(node)


@pytest.mark.parametrize("stem", CORES)
def test_core_notebooks_carry_slide_types(stem):
    node = nbformat.read(catalog.by_stem(stem).file, as_version=4)
    missing = [i for i, c in enumerate(node.cells) if slides.slide_type(c) is None]
    assert not missing, f"{stem}: cells {missing} have no slide type; run: python3 -m tools.series pages"
    shown = [c for c in node.cells if slides.slide_type(c) not in ("skip", "notes")]
    assert not any(c.cell_type == "code" and not c.get("outputs") for c in shown), "a slide shows no code"


def test_formulas_become_mathml_and_code_stays():
    text = slides._math("Loss $E(x, \\hat x)$ and `a $b$ c`, then $$\\sum_i w_i^2$$.")
    assert text.count("<math") == 2 and "`a $b$ c`" in text and "$" not in text.replace("`a $b$ c`", "")


def test_only_core_notebooks_get_decks(tmp_path):
    dive = catalog.deep_dives()[0].stem
    with pytest.raises(ValueError, match="core notebooks only"):
        slides.build([dive], out=tmp_path / "slides", quiet=True)


# ----------------------------------------------------------------------------- the decks in a browser


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    return slides.build(out=tmp_path_factory.mktemp("slides") / "slides", quiet=True)[0].parent


@pytest.fixture(scope="module")
def deck_server(decks):
    httpd = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(decks)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def chromium():
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


def test_index_lists_every_deck(decks):
    index = (decks / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{stem}.html"' in index for stem in CORES)
    assert not list(decks.glob("reveal.js/**/*.map")), "source maps are left out"


@pytest.mark.parametrize("stem", CORES)
def test_deck_in_browser(chromium, deck_server, stem):
    tab = Tab(chromium, deck_server)
    try:
        tab.open(f"{deck_server}{stem}.html")
        tab.page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=20_000)
        total = tab.page.evaluate("() => Reveal.getTotalSlides()")
        assert total >= MIN_SLIDES, f"{stem}: {total} slides"
        (ARTIFACTS / stem).mkdir(parents=True, exist_ok=True)
        seen, images, state = 0, 0, None
        while True:  # every slide once (a fragment step does not count as a slide)
            index = tab.page.evaluate("() => { const i = Reveal.getIndices(); return `${i.h}/${i.v || 0}`; }")
            if index != state:
                state = index
                tab.page.wait_for_timeout(50)
                broken = tab.page.evaluate(
                    """() => [...Reveal.getCurrentSlide().querySelectorAll('img')]
                             .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 60))"""
                )
                assert not broken, f"{stem}, slide {seen + 1}: images that did not load: {broken}"
                images += tab.page.evaluate("() => Reveal.getCurrentSlide().querySelectorAll('img').length")
                tab.page.screenshot(path=str(ARTIFACTS / stem / f"slide-{seen + 1:02d}.png"))
                seen += 1
            before = tab.page.evaluate("() => JSON.stringify(Reveal.getState())")
            tab.page.evaluate("() => Reveal.next()")
            if tab.page.evaluate("() => JSON.stringify(Reveal.getState())") == before or seen > total:
                break
        assert seen == total, f"{stem}: stepped through {seen} of {total} slides"
        figures = sum(
            "image/png" in o.get("data", {})
            for c in slides.deck_notebook(stem).cells
            if c.cell_type == "code" and slides.slide_type(c) not in ("skip", "notes")
            for o in c.outputs
        )
        assert images >= figures > 0, f"{stem}: {images} images shown, the notebook's slides hold {figures} figures"
        assert not tab.errors, f"{stem}: {tab.errors}"
    finally:
        tab.close()
