"""Shared helpers for the autoencoder notebooks (small on purpose; the lessons live in the notebooks).

Modules, by concern:
    utils.session   -- setup(): quiet TensorFlow start-up, Keras, seeding, the report of backend, device, mode, data
    utils.config    -- the run's settings: quick/full mode, seed, data, cache and results folders; the one
                       place that reads the AE_* environment variables
    utils.data      -- data loaders (mirror content-checked, cache, download, offline fallback), one module
                       per job (fetch, mnist, fsdd, synth), and the download helper
    utils.plot      -- reconstruction grids, 2-D latent scatters, training curves, score histograms
    utils.explore   -- an ipywidgets latent explorer: move a point in a 2-D code, see its decoding
    utils.results   -- results/<notebook>.json writing and reading
    utils.metrics   -- reconstruction error; sample-quality metrics: Fréchet distance, classifier score
    utils.images    -- image denoising (notebook 06): seeded noise, mean PSNR and SSIM, noisy training pairs
    utils.audio     -- speech helpers: noise mixed at an exact SNR, SI-SDR, STFT magnitude/phase and back
    utils.speech    -- speech denoising (notebook 07): noises, training crops, classical methods, measures
    utils.spectrograms -- generating speech (notebook 09): fixed-size spectrograms, Griffin-Lim, the
                       instrument, the spectrogram VAE
    utils.training  -- fit(): Adam with cosine decay and a compact progress line; a throughput meter
    utils.checks    -- argument checks shared by the modules (positive_int)
    utils.models    -- model builders that several notebooks reuse
    utils.selfcheck -- the self-checks of the student edition's exercises (otter-grader)

Importing ``utils`` imports only the standard library (``utils.config``): every other module loads on
first use (``utils.plot`` the first time a notebook writes it), so that ``utils.setup()`` silences
TensorFlow's start-up log lines before anything loads TensorFlow, and the project's tools can read
``utils.config.ROOT`` before the virtual environment exists.
"""

import ast
import importlib
import inspect
import textwrap

from . import config
from .config import ROOT, Settings

__all__ = [
    "ROOT",
    "Settings",
    "setup",
    "show_source",
    "audio",
    "images",
    "checks",
    "config",
    "data",
    "metrics",
    "plot",
    "explore",
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


_LAZY = {
    "audio",
    "images",
    "checks",
    "data",
    "explore",
    "metrics",
    "plot",
    "results",
    "selfcheck",
    "session",
    "training",
    "models",
    "speech",
    "spectrograms",
}


def setup(seed: int = 42, backend: str | None = None, quick: bool | None = None) -> Settings:
    """Prepare a notebook run: quiet TensorFlow, import Keras, seed, report, return settings
    (:func:`utils.session.setup`, which says more)."""
    from .session import setup as _setup

    return _setup(seed=seed, backend=backend, quick=quick)


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'utils' has no attribute {name!r}")
