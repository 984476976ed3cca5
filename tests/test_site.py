"""The web site of the series (tools/build_site.py: Sphinx, myst-nb, sphinx-book-theme), checked in a real browser.

The site is built from the committed notebooks into a temporary folder, served over HTTP on
localhost, and loaded page by page in headless Chromium driven by Playwright: every image must
have decoded (natural width > 0), nothing may be logged as an error, nothing may be fetched from
another site, the navigation lines must lead to the right pages, every local link must resolve,
notebooks with audio outputs must show as many audio players, each with a playable clip, the
download button must give the notebook as committed, and the search must find a notebook.
Screenshots of the index, the course plan and a search are kept in build/test-artifacts/ (ignored
by git).

Needs the ``playwright`` Python package (requirements.txt) and a Chromium, found by
``tools/browser.py``: ``AE_CHROMIUM``, a system Chromium, or Playwright's own download
(``python3 -m tools.series test`` provides one where it can). Without one, the browser tests are
skipped with one line saying how to get one; with ``AE_REQUIRE_BROWSER=1`` (CI) they fail instead.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urldefrag

import nbformat
import pytest

from tools import browser as browsers
from tools import build_site, catalog, course_plan
from tools.catalog import by_stem, github_path, stems
from utils.config import ROOT

NOTEBOOKS = list(catalog.all_notebooks())
ARTIFACTS = ROOT / "build" / "test-artifacts"
PAGE_STEMS = [nb.stem for nb in NOTEBOOKS if nb.file.exists()]


def _audio_outputs(path: Path) -> int:
    """How many IPython.display.Audio players a notebook's outputs hold."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        "".join(out.get("data", {}).get("text/html", "")).count("<audio")
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
    )


def _stream_outputs(path: Path) -> int:
    """How many printed-text outputs a notebook holds."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        out["output_type"] == "stream"
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
    )


def _image_outputs(path: Path) -> int:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        1
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {}) or "image/jpeg" in out.get("data", {})
    )


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_site.build(tmp_path_factory.mktemp("site") / "site", quiet=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a browser that moved on before a file was sent: fine
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server(site):
    httpd = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _chromium_or_skip() -> str:
    """The Chromium to drive; else skip the test (fail it under AE_REQUIRE_BROWSER=1) with one line saying why."""
    stop = pytest.fail if browsers.required() else pytest.skip
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        stop(browsers.missing_message("the playwright package is missing (pip install -r requirements.txt)"))
    executable = browsers.find()
    if not executable:
        stop(browsers.missing_message())
    return executable


@pytest.fixture(scope="module")
def browser():
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, headless=True)
        yield chromium
        chromium.close()


class Tab:
    """A browser page that records console errors, page errors, failed loads and requests leaving localhost."""

    def __init__(self, browser, base: str):
        self.base = base
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", self._failed)
        self.page.route("**/*", self._only_local)

    def _failed(self, request):
        # the browser fetches the icon after the page has loaded, and drops that fetch when a test moves on
        if not (request.url.endswith("/favicon.svg") and request.failure == "net::ERR_ABORTED"):
            self.errors.append(f"failed to load {request.url}: {request.failure}")

    def _only_local(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:"):
            route.continue_()
        else:
            self.errors.append(f"request to another site: {url} (the site must be self-contained)")
            route.abort()

    def open(self, url: str):
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.ok, f"{url}: HTTP {response.status if response else '?'}"
        return response

    def images(self) -> list[dict]:
        return self.page.evaluate(
            "() => [...document.images].map(i => ({src: i.src.slice(0, 60), complete: i.complete, w: i.naturalWidth}))"
        )

    def audio_durations(self) -> list[float]:
        """Duration of every <audio> element once its metadata has loaded (-1 for a clip that fails to decode)."""
        return self.page.evaluate(
            """() => Promise.all([...document.querySelectorAll('audio')].map(a =>
                   a.readyState >= 1 ? a.duration : new Promise(done => {
                       a.addEventListener('loadedmetadata', () => done(a.duration));
                       a.addEventListener('error', () => done(-1));
                       a.load();
                   })))"""
        )

    def local_links(self) -> list[str]:
        hrefs = self.page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
        return sorted({h for h in hrefs if h.startswith(self.base)})

    def close(self):
        self.context.close()


@pytest.fixture
def tab(browser, server):
    t = Tab(browser, server)
    yield t
    t.close()


def _assert_images_rendered(tab: Tab, where: str) -> list[dict]:
    images = tab.images()
    broken = [i for i in images if not i["complete"] or i["w"] <= 0]
    assert not broken, f"{where}: images that did not render: {broken}"
    return images


def _assert_links_resolve(tab: Tab, site: Path, where: str) -> None:
    """Every link into the site reaches a page, and its #fragment names an element of that page."""
    for href in tab.local_links():
        url, frag = urldefrag(href)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{where}: link {href} -> HTTP {exc.code}") from None
        if frag:  # as browsers do: the fragment as written, else percent-decoded
            assert f'id="{frag}"' in body or f'id="{unquote(frag)}"' in body, (
                f"{where}: link {href} names no element of its page"
            )


# ----------------------------------------------------------------------------- tests


def _page(stem: str) -> str:
    return str(by_stem(stem).path.with_suffix(".html"))


def test_site_lists_every_notebook(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    for stem in PAGE_STEMS:
        assert (site / _page(stem)).is_file()
        assert f'href="{_page(stem)}"' in index, f"the index does not link {stem}"
    for nb in NOTEBOOKS:
        assert nb.title in index, f"the index has no entry for {nb.stem}"
    # the headline numbers come from the results files, formatted like the README table
    for nb in NOTEBOOKS:
        record = ROOT / "results" / f"{nb.stem}.json"
        if nb.stem in PAGE_STEMS and record.exists():
            metrics = json.loads(record.read_text(encoding="utf-8"))["metrics"]
            section = index.split(f"<h3>{nb.number} · ", 1)[1].split("</table>", 1)[0]
            for label, value in build_site.headline_numbers(nb, {"metrics": metrics}):
                assert f'<td class="text-right"><p>{value}</p></td>' in section, (
                    f"{nb.stem}: headline {label} ({value}) missing from its entry on the index"
                )
    # and the full results table, every metric of every results file, on its own page
    results = (site / "results.html").read_text(encoding="utf-8")
    for record in sorted((ROOT / "results").glob("*.json")):
        for metric in json.loads(record.read_text(encoding="utf-8"))["metrics"]:
            assert f'<span class="pre">{metric}</span>' in results, f"{metric} of {record.name} missing from results"


def test_headline_metrics_exist():
    """The catalog's headline metrics are metrics the results files really hold (renamed metrics must be renamed
    there too)."""
    for nb in NOTEBOOKS:
        assert nb.headline, f"course/series.yaml names no headline metrics for {nb.stem}"
        record = ROOT / "results" / f"{nb.stem}.json"
        if record.exists():
            metrics = json.loads(record.read_text(encoding="utf-8"))["metrics"]
            missing = [m for m, _ in nb.headline if m not in metrics]
            assert not missing, (
                f"course/series.yaml: the headline of {nb.stem} names metrics not in {record.name}: {missing}"
            )


def test_index_in_browser(tab, site, server):
    tab.open(server + "index.html")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "site-index.png"), full_page=True)
    _assert_images_rendered(tab, "index.html")
    # the sidebar lists the core notebooks, then the deep dives, the glossary, the course plan and the results
    sidebar = tab.page.locator("nav.bd-docs-nav a.reference.internal")
    hrefs = [h.split("#")[0] for h in sidebar.evaluate_all("links => links.map(a => a.getAttribute('href'))")]
    cores = [_page(s) for s in PAGE_STEMS if not by_stem(s).is_deep_dive]
    dives = [_page(s) for s in PAGE_STEMS if by_stem(s).is_deep_dive]
    expected = cores + dives + ["course/glossary.html", "course/plan.html", "results.html"]
    assert hrefs[-len(expected) :] == expected
    # every slide idea on the index links to a section of its notebook's page
    for stem in PAGE_STEMS:
        assert tab.page.locator(f'article a[href^="{_page(stem)}#"]').count() >= 1, f"no section of {stem} linked"
    _assert_links_resolve(tab, site, "index.html")
    # following a notebook's link from the index lands on its page
    first = PAGE_STEMS[0]
    tab.page.locator(f'article table a[href="{_page(first)}"]').click()
    tab.page.wait_for_load_state("load")
    assert tab.page.url == server + _page(first)
    assert not tab.errors, "\n".join(tab.errors)


def test_search_finds_a_notebook(tab, server):
    """The site's search (Sphinx's index, loaded from the site itself) finds the notebook of a term."""
    tab.open(server + "search.html?q=Griffin-Lim")
    results = tab.page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15_000)
    found = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any(h.startswith(_page("09_generating_speech")) for h in found), found
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "site-search.png"))
    assert not tab.errors, "\n".join(tab.errors)


def test_course_plan_page_in_browser(tab, site, server):
    """The teachers' course plan: linked from the index, one section per notebook linking its page."""
    assert 'href="course/plan.html"' in (site / "index.html").read_text(encoding="utf-8")
    tab.open(server + "course/plan.html")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "site-plan.png"), full_page=True)
    # one per notebook, the table at a glance, the sessions and the session sheets
    assert tab.page.locator("article h2").count() == len(stems()) + 3
    for stem in PAGE_STEMS:
        assert tab.page.locator(f'article a[href^="../{_page(stem)}"]').count() >= 1, f"the plan does not link {stem}"
    with_exercises = sum(bool(course_plan.facts(nb)["exercises"]) for nb in NOTEBOOKS)
    sheets = 2 * len(catalog.core_notebooks())  # per core notebook: minutes per section, numbers to expect
    assert tab.page.locator("article table").count() == with_exercises + 1 + sheets, (
        "at a glance, one per notebook, and two per core notebook in the session sheets"
    )
    _assert_links_resolve(tab, site, "course/plan.html")
    assert not tab.errors, "\n".join(tab.errors)


_PROSE = """() => { const a = document.querySelector('article').cloneNode(true);
                    a.querySelectorAll('.cell, pre, code').forEach(e => e.remove()); return a.innerText; }"""


@pytest.mark.parametrize("stem", PAGE_STEMS)
def test_notebook_page_in_browser(tab, site, server, stem):
    entry = by_stem(stem)
    source = entry.file
    tab.open(server + _page(stem))
    assert tab.page.title().startswith(stem[:2])

    _assert_images_rendered(tab, _page(stem))
    figures = tab.page.locator(".cell_output img").count()
    assert figures >= _image_outputs(source), f"{stem}: the page shows fewer figures than the notebook holds"

    # printed lines stay in their own blocks, in order between the outputs they label (not merged per cell)
    assert tab.page.locator(".cell_output .output.stream").count() == _stream_outputs(source)

    n_audio = _audio_outputs(source)
    durations = tab.audio_durations()
    assert len(durations) == n_audio, f"{stem}: the page has {len(durations)} audio players, the notebook {n_audio}"
    assert all(d > 0 for d in durations), f"{stem}: audio clips that do not decode: {durations}"

    # no formula left as LaTeX in the prose: all of them are MathML
    prose = tab.page.evaluate(_PROSE)
    assert not re.search(r"\$[^$\n]*\\[a-zA-Z]+", prose), f"{stem}: LaTeX left unrendered in the prose"

    # the download button gives the notebook as committed; the launch button opens it in Colab
    download = tab.page.locator("a.btn-download-source-button").get_attribute("href")
    assert (site / entry.path.parent / download).resolve().read_bytes() == source.read_bytes()
    colab = f"https://colab.research.google.com/github/{github_path(entry)}"
    assert tab.page.locator(f'a[href="{colab}"]').count() >= 1, f"{stem}: no Colab launch link"

    _assert_links_resolve(tab, site, _page(stem))

    # the navigation line at the top: next (or, on the last page, previous) and index
    def nav():
        return tab.page.locator("article p", has=tab.page.get_by_role("link", name="Index", exact=True)).first

    cores = list(catalog.core_notebooks())
    if entry.is_deep_dive:  # back to its core notebook
        target = entry.core
        nav().get_by_role("link", name=re.compile(r"^\d\d · ")).first.click()
    elif cores.index(entry) + 1 < len(cores):
        target = cores[cores.index(entry) + 1].stem
        nav().get_by_role("link", name=re.compile(r"^\d\d · ")).last.click()
    else:
        target = cores[cores.index(entry) - 1].stem
        nav().get_by_role("link", name=re.compile(r"^\d\d · ")).first.click()
    expected = _page(target) if target in PAGE_STEMS else "index.html"
    tab.page.wait_for_load_state("load")
    assert tab.page.url.split("#")[0] == server + expected, f"{stem}: navigation led to {tab.page.url}"
    tab.page.go_back(wait_until="load")
    nav().get_by_role("link", name="Index", exact=True).click()
    tab.page.wait_for_load_state("load")
    assert tab.page.url == server + "index.html#the-notebooks"
    assert not tab.errors, f"{stem}:\n" + "\n".join(tab.errors)


def test_audio_and_formulas_survive_rendering(browser, tmp_path):
    """An IPython.display.Audio output becomes a playable <audio> player, a formula MathML (whether or
    not a committed notebook has audio or formulas)."""
    import numpy as np
    from IPython.display import Audio

    t = np.arange(8000) / 8000
    player = Audio(np.sin(2 * np.pi * 440 * t), rate=8000)._repr_html_()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell("Audio(tone, rate=8000)", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": player, "text/plain": "<Audio>"})]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Audio\n\nA formula $\\sqrt{x^2}$, and one more:\n\n$$a^2 + b^2$$"),
        cell,
    ]
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nbformat.write(nb, notebooks / f"{NOTEBOOKS[0].stem}.ipynb")
    out = build_site.build(tmp_path / "site", notebooks_dir=notebooks, results_dir=tmp_path, quiet=True)
    page = out / _page(NOTEBOOKS[0].stem)
    t = Tab(browser, out.as_uri() + "/")
    try:
        t.open(page.as_uri())
        assert t.audio_durations() == [pytest.approx(1.0, abs=0.01)]
        assert t.page.locator("article math").count() == 2
        assert t.page.locator('article math[display="block"]').count() == 1
        assert not t.errors, "\n".join(t.errors)
    finally:
        t.close()


def test_links_are_pointed_at_the_site():
    first, second = NOTEBOOKS[0].stem, NOTEBOOKS[1].stem
    text = (
        f"[next]({second}.ipynb) [index](../README.md#the-notebooks) [part]({first}.ipynb#part) "
        "[data](../data/README.md) [here](#local) [out](https://example.org/x.ipynb) "
        f"[![Open In Colab]({build_site.COLAB_BADGE_URL})](https://colab.research.google.com/x)"
    )
    staged = {f"notebooks/{first}.ipynb", f"notebooks/{second}.ipynb"}
    out = build_site.rewrite_links(text, "notebooks", staged)
    assert f"[next]({second}.ipynb)" in out and f"[part]({first}.ipynb#part)" in out  # Sphinx links the pages
    assert "[index](../index.md#the-notebooks)" in out
    url, ref = catalog.repository()
    assert f"[data]({url}/blob/{ref}/data/README.md)" in out
    assert "[here](#local)" in out and "[out](https://example.org/x.ipynb)" in out
    assert f"[![Open In Colab](../{build_site.BADGE_FILE})](https://colab.research.google.com/x)" in out
    assert "[a plan](course/plan.md)" in build_site.rewrite_links("[a plan](course/plan.md)", "", {"course/plan.md"})


def test_the_site_of_a_partial_run_says_what_ran(tmp_path):
    """A run's site: a notebook the run did not cover says "not run in this build" and shows no figure (not
    even the committed ones), a failed one says FAILED and where its log is, and no absolute path appears."""
    first, second, third = [nb for nb in NOTEBOOKS if not nb.is_deep_dive][:3]
    executed, results = tmp_path / "executed", tmp_path / "results"
    executed.mkdir()
    results.mkdir()
    for nb in (first, second):
        (executed / nb.path.name).write_bytes(nb.file.read_bytes())
    committed = json.loads((ROOT / "results" / f"{first.stem}.json").read_text(encoding="utf-8"))
    (results / f"{first.stem}.json").write_text(json.dumps({**committed, "mode": "quick", "wall_seconds": 12}))
    statuses = {first.stem: "passed", second.stem: "FAILED"}
    rendered = build_site.stage(tmp_path / "src", executed, results, statuses=statuses, logs="build/quick/logs")
    assert rendered == {first.stem, second.stem}
    index = (tmp_path / "src" / "index.md").read_text(encoding="utf-8")
    entry = {nb.stem: index.split(f"### {nb.number} · ", 1)[1].split("\n### ", 1)[0] for nb in (first, second, third)}
    assert "Not run in this build." in entry[third.stem] and "| measured" not in entry[third.stem]
    assert f"FAILED in this build (see its log: build/quick/logs/{second.stem}.log)" in entry[second.stem]
    assert "| measured" not in entry[second.stem]
    assert "| measured (quick mode) |" in entry[first.stem] and "full 12 s" not in entry[first.stem]
    assert f"| {first.number} | [{first.title}]({first.path}) | passed | 12 s |" in index
    assert f"| {third.number} | {third.title} | not run |" in index
    assert str(tmp_path) not in index and str(ROOT) not in index


def test_failed_build_keeps_the_previous_site(tmp_path, monkeypatch):
    monkeypatch.setattr(build_site.catalog, "all_notebooks", lambda: tuple(NOTEBOOKS[:1]))  # one page is enough
    out = build_site.build(tmp_path / "site", quiet=True)
    before = sorted(p.name for p in out.iterdir())

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure while rendering")

    monkeypatch.setattr(build_site, "index_page", broken)
    with pytest.raises(RuntimeError):
        build_site.build(out, quiet=True)
    assert sorted(p.name for p in out.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "a half-written site was left behind"


# ----------------------------------------------------------------------------- finding the browser (tools/browser.py)


def test_no_browser_skips_with_one_line(monkeypatch):
    monkeypatch.setenv(browsers.EXECUTABLE_ENV, "none")
    monkeypatch.delenv(browsers.REQUIRE_ENV, raising=False)
    assert browsers.find() is None
    with pytest.raises(pytest.skip.Exception) as skipped:
        _chromium_or_skip()
    message = str(skipped.value)
    assert "\n" not in message and "skipped" in message and "apt-get install chromium" in message


def test_no_browser_fails_when_required(monkeypatch):
    monkeypatch.setenv(browsers.EXECUTABLE_ENV, "none")
    monkeypatch.setenv(browsers.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"{browsers.REQUIRE_ENV}=1 makes that a failure"):
        _chromium_or_skip()


def test_chosen_browser_is_used_as_it_is(monkeypatch, tmp_path):
    """AE_CHROMIUM names the browser (or, as "none", no browser): nothing else is searched or installed."""
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setattr(browsers, "_run_quietly", lambda *a, **k: pytest.fail("nothing may be installed"))
    monkeypatch.setenv(browsers.EXECUTABLE_ENV, str(fake))
    assert browsers.find() == browsers.provide(say=lambda *a: None) == str(fake)
    monkeypatch.setenv(browsers.EXECUTABLE_ENV, str(tmp_path / "missing"))
    assert browsers.provide(say=lambda *a: None) is None
    broken = tmp_path / "broken"  # e.g. a downloaded browser whose system libraries are missing
    broken.write_text("#!/bin/sh\nexit 127\n")
    broken.chmod(0o755)
    monkeypatch.setenv(browsers.EXECUTABLE_ENV, str(broken))
    assert browsers.find() is None
    monkeypatch.setenv(browsers.EXECUTABLE_ENV, "none")
    assert browsers.provide(say=lambda *a: None) is None


def test_provide_tries_playwright_then_debian(monkeypatch):
    """With no browser installed: Playwright's download first (fails offline), then apt-get as root; each attempt
    announced in one line, and None when both fail."""
    monkeypatch.delenv(browsers.EXECUTABLE_ENV, raising=False)
    monkeypatch.setattr(browsers, "find", lambda: None)
    monkeypatch.setattr(browsers.os, "geteuid", lambda: 0, raising=False)
    monkeypatch.setattr(browsers.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)
    commands, said = [], []

    def offline(command, env=None):
        commands.append(command[1:] if command[0] != "apt-get" else command)
        return "Error: Download failure" if "playwright" in command else "E: Unable to fetch"

    monkeypatch.setattr(browsers, "_run_quietly", offline)
    assert browsers.provide(say=said.append) is None
    assert commands == [["-m", "playwright", "install", "chromium"], ["apt-get", "update", "-qq"]]
    assert len(said) == 4 and all("\n" not in line for line in said)
    assert "playwright install chromium" in said[0] and "apt-get install" in said[2]
