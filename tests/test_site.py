"""The web site of the series (tools/build_site.py), checked in a real browser.

The site is built from the committed notebooks into a temporary folder, served over HTTP on
localhost, and loaded page by page in headless Chromium driven by Playwright: every image must
have decoded (natural width > 0), nothing may be logged as an error, nothing may be fetched from
another site, the navigation lines must lead to the right pages, every local link must resolve,
and notebooks with audio outputs must show as many audio players, each with a playable clip.
A screenshot of the index is kept in build/test-artifacts/ (ignored by git).

Needs the Debian package ``chromium`` (``.ci/run`` installs it) and the ``playwright`` Python
package from requirements.txt; Playwright's own browser download is not used.
"""
from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urldefrag

import nbformat
import pytest

from tools import build_site
from tools.catalog import NOTEBOOKS

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
INSTALL_HINT = (
    "the site test needs headless Chromium and Playwright: "
    "apt-get install -y --no-install-recommends chromium (Debian; .ci/run does this) and "
    "pip install -r requirements.txt (python3 tools/series.py test does this)"
)
PRESENT = [(i, stem) for i, (stem, _, _) in enumerate(NOTEBOOKS) if (ROOT / "notebooks" / f"{stem}.ipynb").exists()]
PAGE_STEMS = [stem for _, stem in PRESENT]


def _audio_outputs(path: Path) -> int:
    """How many IPython.display.Audio players a notebook's outputs hold."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        "".join(out.get("data", {}).get("text/html", "")).count("<audio")
        for cell in nb["cells"] if cell["cell_type"] == "code" for out in cell.get("outputs", [])
    )


def _image_outputs(path: Path) -> int:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        1 for cell in nb["cells"] if cell["cell_type"] == "code" for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {}) or "image/jpeg" in out.get("data", {})
    )


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_site.build(tmp_path_factory.mktemp("site") / "site", quiet=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def server(site):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    executable = next((p for p in CHROMIUM_CANDIDATES if Path(p).exists()), None) or shutil.which("chromium")
    if not executable:
        pytest.fail("Chromium not found; " + INSTALL_HINT)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing; " + INSTALL_HINT)
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
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed to load {r.url}: {r.failure}"))
        self.page.route("**/*", self._only_local)

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
            assert f'id="{frag}"' in body or f'id="{unquote(frag)}"' in body, \
                f"{where}: link {href} names no element of its page"


# ----------------------------------------------------------------------------- tests


def test_site_lists_every_notebook(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    for stem, title, _ in NOTEBOOKS:
        assert f'id="{stem}"' in index, f"the index has no entry for {stem}"
        if stem in PAGE_STEMS:
            assert (site / f"{stem}.html").is_file()
            assert f'href="{stem}.html"' in index
    # the headline numbers come from the results files, formatted like the README table
    for stem in PAGE_STEMS:
        record = ROOT / "results" / f"{stem}.json"
        if record.exists():
            metrics = json.loads(record.read_text(encoding="utf-8"))["metrics"]
            for metric, _, value in build_site._headline(stem, {"metrics": metrics}):
                assert f'title="{metric}">{value}<' in index, f"{stem}: headline {metric} missing from the index"
    # and the full results table, every metric of every results file
    for record in sorted((ROOT / "results").glob("*.json")):
        for metric in json.loads(record.read_text(encoding="utf-8"))["metrics"]:
            assert f"<code>{metric}</code>" in index, f"{metric} of {record.name} missing from the index's table"


def test_headline_metrics_exist():
    """HEADLINE names metrics that the results files really hold (renamed metrics must be renamed here too)."""
    for stem, chosen in build_site.HEADLINE.items():
        assert stem in {s for s, _, _ in NOTEBOOKS}, f"HEADLINE names {stem}, which tools/catalog.py does not list"
        record = ROOT / "results" / f"{stem}.json"
        if record.exists():
            metrics = json.loads(record.read_text(encoding="utf-8"))["metrics"]
            missing = [m for m, _ in chosen if m not in metrics]
            assert not missing, f"tools/build_site.py HEADLINE[{stem!r}] names metrics not in {record.name}: {missing}"


def test_index_in_browser(tab, site, server):
    tab.open(server + "index.html")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "site-index.png"), full_page=True)
    _assert_images_rendered(tab, "index.html")
    # one link per notebook page; every slide idea links to a heading of its page
    for stem in PAGE_STEMS:
        assert tab.page.locator(f'section[id="{stem}"] h3 a[href="{stem}.html"]').count() == 1
    _assert_links_resolve(tab, site, "index.html")
    # following a notebook's link from the index lands on its page
    first = PAGE_STEMS[0]
    tab.page.locator(f'section[id="{first}"] h3 a').click()
    tab.page.wait_for_load_state("load")
    assert tab.page.url == server + f"{first}.html"
    assert not tab.errors, "\n".join(tab.errors)


@pytest.mark.parametrize("stem", PAGE_STEMS)
def test_notebook_page_in_browser(tab, site, server, stem):
    source = ROOT / "notebooks" / f"{stem}.ipynb"
    i = [s for s, _, _ in NOTEBOOKS].index(stem)
    tab.open(server + f"{stem}.html")
    assert tab.page.title().startswith(stem[:2])

    images = _assert_images_rendered(tab, f"{stem}.html")
    figures = [im for im in images if im["src"].startswith("data:image/")]
    assert len(figures) >= _image_outputs(source), f"{stem}.html shows fewer figures than the notebook holds"

    n_audio = _audio_outputs(source)
    durations = tab.audio_durations()
    assert len(durations) == n_audio, f"{stem}.html has {len(durations)} audio players, the notebook {n_audio}"
    assert all(d > 0 for d in durations), f"{stem}.html: audio clips that do not decode: {durations}"

    # no formula left for MathJax in the prose: all of them are MathML
    prose = "\n".join(tab.page.locator(".jp-MarkdownCell").all_inner_texts())
    assert not re.search(r"\$[^$\n]*\\[a-zA-Z]+", prose), f"{stem}.html: LaTeX left unrendered in the prose"

    _assert_links_resolve(tab, site, f"{stem}.html")

    # the navigation line at the top: next (or, on the last page, previous) and index
    nav = tab.page.locator(".jp-MarkdownCell").nth(1)
    if i + 1 < len(NOTEBOOKS):
        target = NOTEBOOKS[i + 1][0]
        expected = f"{target}.html" if target in PAGE_STEMS else "index.html"
        nav.get_by_role("link", name=re.compile(r"^\d\d · ")).last.click()
    else:
        target = NOTEBOOKS[i - 1][0]
        expected = f"{target}.html"
        nav.get_by_role("link", name=re.compile(r"^\d\d · ")).first.click()
    tab.page.wait_for_load_state("load")
    assert tab.page.url.split("#")[0] == server + expected, f"{stem}: navigation led to {tab.page.url}"
    tab.page.go_back(wait_until="load")
    nav = tab.page.locator(".jp-MarkdownCell").nth(1)
    nav.get_by_role("link", name="Index").click()
    tab.page.wait_for_load_state("load")
    assert tab.page.url == server + "index.html#the-notebooks"
    assert not tab.errors, f"{stem}:\n" + "\n".join(tab.errors)


def test_audio_players_survive_rendering(browser, tmp_path):
    """An IPython.display.Audio output becomes a playable <audio> player on a page (whether or not
    a committed notebook has audio yet)."""
    import numpy as np
    from IPython.display import Audio

    t = np.arange(8000) / 8000
    player = Audio(np.sin(2 * np.pi * 440 * t), rate=8000)._repr_html_()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell("Audio(tone, rate=8000)", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": player, "text/plain": "<Audio>"})]
    nb.cells = [nbformat.v4.new_markdown_cell("# Audio\n\nA formula $\\sqrt{x^2}$."), cell]
    page = tmp_path / "audio.html"
    page.write_text(build_site.render_notebook(nb, "audio"), encoding="utf-8")
    t = Tab(browser, page.parent.as_uri() + "/")
    try:
        t.open(page.as_uri())
        assert t.audio_durations() == [pytest.approx(1.0, abs=0.01)]
        assert t.page.locator("math").count() == 1
        assert not t.errors, "\n".join(t.errors)
    finally:
        t.close()


def test_links_between_notebooks_are_rewritten():
    stems = {s for s, _, _ in NOTEBOOKS}
    first, second = NOTEBOOKS[0][0], NOTEBOOKS[1][0]
    page = (
        f'<a href="{second}.ipynb">next</a> <a href="../README.md#the-notebooks">index</a> '
        f'<a href="{first}.ipynb#part">part</a> <a href="../data/README.md">data</a> '
        '<a href="#local">here</a> <a href="https://example.org/x.ipynb">out</a>'
    )
    out = build_site.rewrite_links(page, rendered={first})
    assert f'href="index.html#{second}"' in out  # catalogued, not rendered: its entry on the index
    assert f'href="{first}.html#part"' in out
    assert 'href="index.html#the-notebooks"' in out
    assert f'href="{build_site.REPO_URL}/blob/{build_site.REPO_REF}/data/README.md"' in out
    assert 'href="#local"' in out and 'href="https://example.org/x.ipynb"' in out
    assert build_site.rewrite_links(page, rendered=stems).count(".html") == 3


def test_failed_build_keeps_the_previous_site(tmp_path, monkeypatch):
    monkeypatch.setattr(build_site, "NOTEBOOKS", NOTEBOOKS[:1])  # one page is enough here
    out = build_site.build(tmp_path / "site", quiet=True)
    before = sorted(p.name for p in out.iterdir())

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure while rendering")

    monkeypatch.setattr(build_site, "index_page", broken)
    with pytest.raises(RuntimeError):
        build_site.build(out, quiet=True)
    assert sorted(p.name for p in out.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "a half-written site was left behind"
