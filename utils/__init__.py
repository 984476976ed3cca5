"""Shared helpers for the autoencoder notebooks (small on purpose; the lessons live in the notebooks).

Modules, by concern:
    utils.config    -- setup(): quick/full mode, seeding, quiet TensorFlow start-up, backend and device;
                       the one place that reads the AE_* environment variables
    utils.data      -- data loaders (mirror content-checked, cache, download, offline fallback), one module
                       per job (fetch, mnist, fsdd, synth), and the download helper
    utils.plot      -- reconstruction grids, 2-D latent scatters, training curves, score histograms
    utils.results   -- results/<notebook>.json writing and reading
    utils.metrics   -- reconstruction error; sample-quality metrics: Fréchet distance, classifier score
    utils.audio     -- speech helpers: noise mixed at an exact SNR, SI-SDR, STFT magnitude/phase and back
    utils.training  -- fit(): Adam with cosine decay and a compact progress line; a throughput meter
    utils.checks    -- argument checks shared by the modules (positive_int)
    utils.models    -- model builders that several notebooks reuse
    utils.selfcheck -- the self-checks of the student edition's exercises (otter-grader)

Importing ``utils`` does not import Keras: call ``utils.setup()`` first, so that
TensorFlow's start-up log lines are silenced before TensorFlow loads. The two
modules that need Keras (``training``, ``models``) load on first use.
"""

import ast
import importlib
import inspect
import textwrap

from . import audio, checks, config, data, metrics, plot, results, selfcheck
from .config import ROOT, Settings, setup

__all__ = [
    "ROOT",
    "Settings",
    "setup",
    "show_source",
    "audio",
    "checks",
    "config",
    "data",
    "metrics",
    "plot",
    "results",
    "selfcheck",
    "training",
    "models",
]


def show_source(function) -> None:
    """Print a function's source without its docstring, so a notebook can show a helper it reuses.

    Raises:
        ValueError: if ``function`` is not a Python function (e.g. a built-in).
    """
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (TypeError, OSError) as exc:
        raise ValueError(f"Cannot show the source of {function!r}: {exc}") from exc
    tree = ast.parse(source)
    node = tree.body[0]
    lines = source.splitlines()
    doc = (
        node.body[0]
        if node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(getattr(node.body[0], "value", None), ast.Constant)
        and isinstance(node.body[0].value.value, str)
        else None
    )
    if doc is not None:
        indent = " " * doc.col_offset
        lines[doc.lineno - 1 : doc.end_lineno] = [f"{indent}# (docstring omitted: help({function.__name__}) shows it)"]
    from pathlib import Path

    path = Path(inspect.getsourcefile(function)).resolve()
    print(f"# {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print("\n".join(lines))


_LAZY = {"training", "models"}


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'utils' has no attribute {name!r}")
