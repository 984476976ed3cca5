"""Formulas as MathML, written at build time and drawn by the browser itself (no MathJax fetched from another
site): the web site (tools/build_site.py) and the slides (tools/slides.py) use :func:`mathml`."""

from __future__ import annotations

import html


def mathml(latex: str, display: bool) -> str:
    """LaTeX -> MathML (drawn by the browser itself); the escaped source if it cannot be converted."""
    from latex2mathml.converter import convert

    try:
        return convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # an unsupported command: show the formula's source rather than nothing
        source = html.escape(latex)
        return f"<code>$${source}$$</code>" if display else f"<code>${source}$</code>"
