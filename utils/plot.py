"""Figures the notebooks share: reconstruction grids, latent scatters, training curves, score histograms.

Each function draws one figure, returns it (so a notebook can save or adjust
it) and leaves showing it to Jupyter. The lesson's own figures (a principal
angle, a toy manifold) stay in the notebooks; only the recurring ones live here.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .checks import positive_int

#: Ten colours that stay distinguishable for the ten digit classes.
DIGIT_CMAP = "tab10"


def _as_images(x, image_shape, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 2 and image_shape is not None:
        if int(np.prod(image_shape)) != x.shape[1]:
            raise ValueError(
                f"{name} has {x.shape[1]} values per example, which cannot be shown as "
                f"images of shape {tuple(image_shape)}; pass the right image_shape."
            )
        x = x.reshape((len(x), *image_shape))
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(
            f"{name} must be images (n, height, width) or flat vectors (n, d) with "
            f"image_shape given; got shape {x.shape}."
        )
    return x


def reconstruction_grid(
    originals,
    reconstructions,
    n: int = 10,
    image_shape: tuple[int, int] | None = (28, 28),
    row_labels: tuple[str, ...] = ("original", "reconstruction"),
    title: str | None = None,
):
    """Originals above their reconstructions (or any number of aligned rows), ``n`` columns.

    Args:
        originals: array (N, H, W), (N, H, W, 1) or flat (N, H*W) with ``image_shape``.
        reconstructions: one array shaped like ``originals``, or a list of them
            (one extra row each, e.g. PCA and autoencoder side by side).
        n: how many examples (columns) to show, at most N.
        image_shape: (H, W) used to reshape flat vectors.
        row_labels: one label per row, originals first.
        title: figure title.

    Returns:
        The matplotlib Figure. Pixel values are shown on a fixed [0, 1] grey scale,
        so rows are comparable.

    Raises:
        ValueError: on mismatched lengths, too few examples, or labels that do not
            match the number of rows.
    """
    rows = [originals] + (list(reconstructions) if isinstance(reconstructions, (list, tuple)) else [reconstructions])
    images = [_as_images(r, image_shape, f"row {i}") for i, r in enumerate(rows)]
    positive_int(n, "n", what="number of columns")
    available = min(len(im) for im in images)
    if n > available:
        raise ValueError(f"n={n} columns asked for, but only {available} examples were given.")
    if len(row_labels) != len(images):
        raise ValueError(f"{len(images)} rows to draw but {len(row_labels)} row_labels; give one label per row.")
    fig, axes = plt.subplots(len(images), n, figsize=(1.1 * n, 1.2 * len(images)), squeeze=False)
    for r, (imgs, label) in enumerate(zip(images, row_labels)):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(imgs[c], cmap="gray", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def latent_scatter(codes, labels=None, ax=None, title: str | None = None, max_points: int = 10000, seed: int = 0):
    """Scatter a 2-D code, coloured by label (e.g. the digit), with a legend or colour bar.

    Args:
        codes: array (N, 2), the encoder's output.
        labels: N integer labels (digits get the ten-colour map and a legend) or
            N real values (a continuous colour bar); None for one colour.
        ax: draw into this Axes; default: a new figure.
        title: Axes title.
        max_points: draw at most this many points (a fixed random subset) so the
            figure stays light.
        seed: seed of that subset.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: if ``codes`` is not (N, 2) or ``labels`` has another length.
    """
    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(
            f"latent_scatter draws 2-D codes, shape (N, 2); got {codes.shape}. "
            "For a larger code, project it first (e.g. PCA or t-SNE)."
        )
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(codes),):
            raise ValueError(f"labels must have shape ({len(codes)},), got {labels.shape}.")
    if max_points < 1:
        raise ValueError(f"max_points must be positive, got {max_points}.")
    idx = np.arange(len(codes))
    if len(idx) > max_points:
        idx = np.sort(np.random.default_rng(seed).choice(idx, max_points, replace=False))
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 5))
    else:
        fig = ax.figure
    if labels is None:
        ax.scatter(codes[idx, 0], codes[idx, 1], s=3, alpha=0.6)
    elif np.issubdtype(labels.dtype, np.integer):
        sc = ax.scatter(
            codes[idx, 0], codes[idx, 1], c=labels[idx], cmap=DIGIT_CMAP, s=3, alpha=0.7, vmin=-0.5, vmax=9.5
        )
        handles, names = sc.legend_elements(num=sorted(set(labels[idx].tolist())))
        ax.legend(handles, names, title="label", loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    else:
        sc = ax.scatter(codes[idx, 0], codes[idx, 1], c=labels[idx], cmap="viridis", s=3, alpha=0.7)
        fig.colorbar(sc, ax=ax)
    ax.set_xlabel("code unit 1")
    ax.set_ylabel("code unit 2")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def decoded_latent_grid(decoder, low, high, n: int = 15, ax=None, image_shape: tuple[int, int] = (28, 28)):
    """Decode an n x n regular grid over the box [low, high] of a 2-D code and draw it as one picture.

    Row 0 of the picture is the top of the box (largest code unit 2), column 0 its left side
    (smallest code unit 1), so the picture lies over the plane as a latent scatter would.

    Args:
        decoder: a model (or any object) whose ``predict(codes, verbose=0)`` maps (m, 2) codes to
            m images of ``image_shape`` (flat or with a channel axis).
        low, high: the corners of the box, two numbers each (e.g. ``codes.min(0)``, ``codes.max(0)``).
        n: grid points per side.
        ax: draw into this Axes; default: a new figure.
        image_shape: (H, W) of one decoded image.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: if low/high are not two numbers with low < high, or n < 2.
    """
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    if low.shape != (2,) or high.shape != (2,) or not np.all(low < high):
        raise ValueError(f"low and high must be two numbers each with low < high (a 2-D box); got {low}, {high}.")
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2 grid points per side, got {n!r}.")
    xs, ys = np.linspace(low[0], high[0], n), np.linspace(low[1], high[1], n)
    codes = np.array([[x, y] for y in ys[::-1] for x in xs], dtype="float32")
    h, w = image_shape
    images = _as_images(decoder.predict(codes, verbose=0), image_shape, "decoder output").reshape(n, n, h, w)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 7))
    else:
        fig = ax.figure
    ax.imshow(
        images.transpose(0, 2, 1, 3).reshape(n * h, n * w),
        cmap="gray",
        vmin=0.0,
        vmax=1.0,
        extent=[low[0], high[0], low[1], high[1]],
        aspect="auto",
    )
    ax.set_xlabel("code unit 1")
    ax.set_ylabel("code unit 2")
    return fig


def training_curves(histories, metric: str = "loss", ax=None, title: str | None = None, logy: bool = True):
    """Training (solid) and validation (dashed) curves of one or more Keras fits.

    Args:
        histories: a ``keras.callbacks.History``, a ``history.history`` dict, or a
            dict ``{name: history}`` to compare several models on one plot.
        metric: which logged quantity to plot (``"loss"``, ``"mse"``, ...).
        ax: draw into this Axes; default: a new figure.
        title: Axes title.
        logy: logarithmic y axis (reconstruction errors span decades).

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: if a history does not contain ``metric``.
    """

    def as_dict(h):
        return h.history if hasattr(h, "history") else h

    if hasattr(histories, "history") or (isinstance(histories, dict) and metric in histories):
        histories = {"": histories}
    if not isinstance(histories, dict) or not histories:
        raise ValueError("histories must be a Keras History, its .history dict, or {name: History}.")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
    else:
        fig = ax.figure
    for i, (name, hist) in enumerate(histories.items()):
        logs = as_dict(hist)
        if metric not in logs:
            raise ValueError(f"History {name!r} has no {metric!r}; it logged {sorted(logs)}. Pick one of those.")
        colour = f"C{i}"
        epochs = np.arange(1, len(logs[metric]) + 1)
        prefix = f"{name} " if name else ""
        ax.plot(epochs, logs[metric], color=colour, label=f"{prefix}train")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], color=colour, linestyle="--", label=f"{prefix}validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    if logy:
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def score_histograms(
    normal,
    anomalous,
    threshold=None,
    ax=None,
    bins: int = 50,
    logx: bool = True,
    labels: tuple[str, str] = ("normal", "anomalous"),
    title: str | None = None,
):
    """Overlaid histograms of anomaly scores (e.g. reconstruction errors) of normal and anomalous examples.

    Both histograms are normalised to unit area (densities), so a small anomalous
    set is as visible as a large normal one; the bins are shared.

    Args:
        normal, anomalous: 1-D arrays of scores, higher = more anomalous; at least one each.
        threshold: draw a vertical line at this score (e.g. the one chosen on validation data); None: no line.
        ax: draw into this Axes; default: a new figure.
        bins: number of shared bins (a positive integer).
        logx: logarithmic bins and x axis (reconstruction errors span decades); needs positive scores.
        labels: legend labels of the two groups.
        title: Axes title.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: for empty or non-finite scores, non-positive scores with ``logx=True``,
            or a ``bins`` that is not a positive integer.
    """
    groups = [np.asarray(normal, dtype=np.float64).ravel(), np.asarray(anomalous, dtype=np.float64).ravel()]
    for name, g in zip(("normal", "anomalous"), groups):
        if g.size == 0 or not np.all(np.isfinite(g)):
            raise ValueError(f"{name} must be a non-empty array of finite scores, got {g.size} values.")
    positive_int(bins, "bins")
    low = min(g.min() for g in groups)
    high = max(g.max() for g in groups)
    if logx:
        if low <= 0:
            raise ValueError("logx=True needs positive scores; pass logx=False for scores that can be 0 or negative.")
        edges = np.geomspace(low, high if high > low else low * 1.01, bins + 1)
    else:
        edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.5))
    else:
        fig = ax.figure
    for g, label, colour in zip(groups, labels, ("C0", "C3")):
        ax.hist(g, bins=edges, density=True, alpha=0.5, color=colour, label=f"{label} ({g.size})")
    if threshold is not None:
        ax.axvline(threshold, color="k", linestyle="--", label=f"threshold {threshold:.3g}")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel("anomaly score")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def spectrogram_grid(
    spectrograms,
    duration: float,
    max_frequency: float,
    row_labels=None,
    column_labels=None,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar_label: str = "dB",
    title: str | None = None,
    cmap: str = "magma",
):
    """Spectrograms in a grid of rows and columns, on one shared colour scale with one colour bar.

    Args:
        spectrograms: array (rows, columns, bins, frames), or (n, bins, frames) for a single row;
            values already on the scale to show (e.g. dB: ``20 * np.log10(magnitude + 1e-3)``).
            Row 0 of ``bins`` is the lowest frequency (drawn at the bottom).
        duration: seconds covered by the frames, for the time axis (``frames * hop / sample_rate``).
        max_frequency: frequency of the top of the bins, in Hz, for the frequency axis (shown in kHz).
        row_labels, column_labels: one label per row / column, or None.
        vmin, vmax: the colour scale; None: the 1st and 99.9th percentiles over all spectrograms,
            so that every panel is comparable.
        colorbar_label: the unit shown beside the colour bar.
        title: figure title.
        cmap: matplotlib colour map.

    Returns:
        The matplotlib Figure (rows x columns panels, then the colour bar's Axes).

    Raises:
        ValueError: for an array that is not 3-D or 4-D, non-finite values, a non-positive
            ``duration``/``max_frequency``, or labels that do not match the rows or columns.
    """
    s = np.asarray(spectrograms, dtype=np.float64)
    if s.ndim == 3:
        s = s[None]
    if s.ndim != 4 or 0 in s.shape:
        raise ValueError(
            "spectrograms must have shape (rows, columns, bins, frames) or (n, bins, frames); "
            f"got {np.shape(spectrograms)}. Transpose (frames, bins) arrays first."
        )
    if not np.all(np.isfinite(s)):
        raise ValueError("spectrograms contain NaN or infinite values; add a floor before taking the log.")
    for name, value in (("duration", duration), ("max_frequency", max_frequency)):
        if not (np.isscalar(value) and np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}.")
    rows, columns = s.shape[:2]
    for name, labels, count in (("row_labels", row_labels, rows), ("column_labels", column_labels, columns)):
        if labels is not None and len(labels) != count:
            raise ValueError(f"{name} has {len(labels)} labels for {count} {name.split('_')[0]}s; give one each.")
    low = np.percentile(s, 1) if vmin is None else vmin
    high = np.percentile(s, 99.9) if vmax is None else vmax
    fig, axes = plt.subplots(
        rows, columns, figsize=(1.6 * columns + 1.2, 1.35 * rows + 0.6), squeeze=False, sharex=True, sharey=True
    )
    for r in range(rows):
        for c in range(columns):
            ax = axes[r, c]
            image = ax.imshow(
                s[r, c],
                origin="lower",
                aspect="auto",
                cmap=cmap,
                vmin=low,
                vmax=high,
                extent=[0, duration, 0, max_frequency / 1000],
            )
            if r == rows - 1:
                ax.set_xlabel("time (s)", fontsize=8)
            if c == 0:
                ax.set_ylabel(("" if row_labels is None else f"{row_labels[r]}\n") + "kHz", fontsize=8)
            if r == 0 and column_labels is not None:
                ax.set_title(column_labels[c], fontsize=9)
            ax.tick_params(labelsize=7)
    fig.colorbar(image, ax=axes, label=colorbar_label, fraction=0.03, pad=0.02)
    if title:
        fig.suptitle(title)
    return fig
