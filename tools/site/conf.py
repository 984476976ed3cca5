"""Sphinx configuration of the series' web site: myst-nb renders the executed notebooks,
sphinx-book-theme (Jupyter Book's theme) gives the sidebar, search, page outline, Colab launch and
download buttons.

Built by ``python3 -m tools.series site`` (``tools/build_site.py``), which stages the pages (the
notebooks, an index, the course plan, the results) in a temporary source folder laid out like the
repository and runs ``python -m sphinx`` on it from the repository root (so ``tools`` is importable)
with this folder as its configuration. Nothing on a page is
fetched from another site: no MathJax (formulas become MathML at build time, see
``tools/build_site.setup``), no widget scripts, no web fonts.
"""

from pathlib import Path

from tools.catalog import repository

REPO_URL, REPO_REF = repository()

project = "Autoencoders, explained and measured"
html_title = project
author = "the series' authors"
copyright = "the series' authors"

extensions = ["myst_nb", "tools.build_site"]  # tools.build_site: the MathML formulas

# the notebooks are shown as committed (executed in full mode); Sphinx never runs them
nb_execution_mode = "off"
nb_ipywidgets_js = {}  # no widget outputs in the series, and their scripts would come from a CDN
# printed lines stay where they were printed, between the outputs they label (07's audio players)
nb_merge_streams = False
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 2  # "#1-the-bottleneck-..." links to numbered sections, as on GitHub
html_math_renderer = "mathml"

exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
suppress_warnings = ["misc.highlighting_failure"]

html_theme = "sphinx_book_theme"
html_static_path = [str(Path(__file__).parent / "_static")]
html_css_files = ["series.css"]
html_last_updated_fmt = "%Y-%m-%d"
html_theme_options = {
    "repository_url": REPO_URL,
    "repository_branch": REPO_REF,
    "path_to_docs": "",  # the staged pages sit where they sit in the repository (notebooks/NN_name.ipynb)
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {"colab_url": "https://colab.research.google.com", "notebook_interface": "classic"},
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
html_favicon = str(Path(__file__).parent / "_static" / "favicon.svg")  # (else browsers ask for /favicon.ico)
html_context = {"default_mode": "light"}  # the theme's light/dark switch starts from light
