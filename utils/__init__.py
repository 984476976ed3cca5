"""Shared helpers for the autoencoder notebooks (small on purpose; the lessons live in the notebooks).

Modules, by concern:
    utils.config   -- setup(): quick/full mode, seeding, quiet TensorFlow start-up, backend and device
    utils.data     -- data loaders (mirror, cache, download, offline fallback) and the download helper
    utils.plot     -- reconstruction grids, 2-D latent scatters, training curves
    utils.results  -- results/<notebook>.json writing and reading
    utils.report   -- the results table built from results/*.json

Importing ``utils`` does not import Keras: call ``utils.setup()`` first, so that
TensorFlow's start-up log lines are silenced before TensorFlow loads.
"""

from . import config, data, plot, results
from .config import ROOT, Settings, setup

__all__ = ["ROOT", "Settings", "setup", "config", "data", "plot", "results"]
