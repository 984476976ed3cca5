"""Latent explorers: move a point in a 2-D code (notebook 04) or in a plane of codes (notebook 09) and see,
or hear, what the decoder makes of it.

In Jupyter and Colab, :func:`latent_explorer` shows two sliders, one per code unit, beside the latent
scatter with the point marked and the image the decoder makes of that point. Where widgets do not
render (GitHub, the course site, a notebook executed headless), the explorer's text says so; the
notebooks show the same thing as a static figure next to it (:func:`latent_point_figure`, or the
decoded grid of :func:`utils.plot.decoded_latent_grid`).
"""

import io

import matplotlib.pyplot as plt
import numpy as np

from .plot import _as_images, latent_scatter


def _point(point) -> np.ndarray:
    point = np.asarray(point, dtype="float32")
    if point.shape != (2,) or not np.all(np.isfinite(point)):
        raise ValueError(f"point must be two finite numbers (a place in the 2-D code); got {point!r}.")
    return point


def _box(codes, low, high) -> tuple[np.ndarray, np.ndarray]:
    codes = np.asarray(codes, dtype=float)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"codes must have shape (N, 2), the 2-D codes of some images; got {codes.shape}.")
    low = codes.min(axis=0) if low is None else np.asarray(low, dtype=float)
    high = codes.max(axis=0) if high is None else np.asarray(high, dtype=float)
    if low.shape != (2,) or high.shape != (2,) or not np.all(low < high):
        raise ValueError(f"low and high must be two numbers each with low < high (a 2-D box); got {low}, {high}.")
    return low, high


def latent_point_figure(decoder, codes, labels, point, image_shape: tuple[int, int] = (28, 28)):
    """Draw the latent scatter with ``point`` marked, and the image the decoder makes of that point.

    Args:
        decoder: a model whose ``predict(codes, verbose=0)`` maps (m, 2) codes to m images of
            ``image_shape`` (flat or with a channel axis), pixels in [0, 1].
        codes: array (N, 2), the encoder's output for some images.
        labels: N integer labels to colour them by (e.g. the digits), or None.
        point: the two code values to decode.
        image_shape: (H, W) of one decoded image.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: if ``point`` is not two finite numbers or ``codes`` is not (N, 2) (the check of
            :func:`utils.plot.latent_scatter`).
    """
    point = _point(point)
    image = _as_images(decoder.predict(point[None], verbose=0), image_shape, "decoder output")[0]
    fig, (ax_map, ax_image) = plt.subplots(1, 2, figsize=(9.5, 4), gridspec_kw={"width_ratios": [1.5, 1]})
    latent_scatter(codes, labels, ax=ax_map)
    ax_map.plot(*point, marker="*", color="black", markersize=16, markeredgecolor="white", label="_point")
    ax_map.set_title("the code plane; the star is the point decoded")
    ax_image.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)
    ax_image.set_title(f"decoder output at ({point[0]:.2f}, {point[1]:.2f})")
    ax_image.axis("off")
    return fig


class LatentExplorer:
    """Two sliders over a 2-D code and the figure of :func:`latent_point_figure` as a picture (build it
    with :func:`latent_explorer`). ``draw(x, y)`` is what a slider move calls; ``last_figure()`` returns
    what it drew last.

    The picture is an ``Image`` widget whose PNG bytes are replaced on each move, not a figure shown
    inside an ``Output`` widget: a headless run (nbclient, nbval) can deadlock on an ``interact``
    callback that displays output (jupyter/nbconvert issue 2029; it hung this series' runs).
    """

    def __init__(self, decoder, codes, labels, image_shape):
        self.decoder, self.codes, self.labels, self.image_shape = decoder, codes, labels, image_shape
        self._figure = None
        self.widget = self.picture = None

    def _make_figure(self, point):
        return latent_point_figure(self.decoder, self.codes, self.labels, point, self.image_shape)

    def draw(self, x: float, y: float):
        """Decode the point (x, y), draw the figure, put it in the picture widget (if any) and return it."""
        if self._figure is not None:
            plt.close(self._figure)
        self._figure = self._make_figure((x, y))
        if self.picture is not None:
            png = io.BytesIO()
            self._figure.savefig(png, format="png", dpi=80, bbox_inches="tight")
            self.picture.value = png.getvalue()
        plt.close(self._figure)  # drawn into the picture; kept for last_figure(), not left open
        return self._figure

    def last_figure(self):
        """The figure the last slider move drew (None before the first)."""
        return self._figure

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The widget for Jupyter and Colab, and this explorer's own text where widgets do not render."""
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        return (
            "Latent explorer: two sliders move a point over the 2-D code and show what the decoder makes of it. "
            "It runs in Jupyter or Colab; here (GitHub, the site, a headless run) the static figure next to it "
            "shows the same."
        )


def _assemble(explorer, low, high, description: str, extra=()):
    """Give ``explorer`` its sliders (starting at the codes' median), picture and ``extra`` widgets, draw once."""
    import ipywidgets

    start = np.clip(np.median(np.asarray(explorer.codes, dtype=float), axis=0), low, high)
    sliders = [
        ipywidgets.FloatSlider(
            value=float(start[i]),
            min=float(low[i]),
            max=float(high[i]),
            step=float(high[i] - low[i]) / 100,
            description=f"{description} {i + 1}",
            continuous_update=False,
        )
        for i in range(2)
    ]
    explorer.picture = ipywidgets.Image(format="png")

    def moved(_change=None):
        explorer.draw(sliders[0].value, sliders[1].value)

    for slider in sliders:
        slider.observe(moved, names="value")
    moved()
    explorer.widget = ipywidgets.VBox([*sliders, explorer.picture, *extra])
    return explorer


def latent_explorer(decoder, codes, labels=None, low=None, high=None, image_shape: tuple[int, int] = (28, 28)):
    """An ipywidgets explorer of a 2-D code: a slider per code unit, over the box [low, high].

    Args:
        decoder: maps (m, 2) codes to m images (see :func:`latent_point_figure`).
        codes: array (N, 2), the codes to draw underneath (e.g. the test images').
        labels: N labels to colour them by, or None.
        low, high: the sliders' ranges, two numbers each; default: the box that holds ``codes``.
        image_shape: (H, W) of one decoded image.

    Returns:
        A :class:`LatentExplorer`; displaying it (the last line of a cell) shows the sliders, which
        start at the centre of the codes, and the picture.

    Raises:
        ValueError: if ``codes`` is not (N, 2) or the box is not low < high.
    """
    low, high = _box(codes, low, high)
    return _assemble(LatentExplorer(decoder, np.asarray(codes), labels, image_shape), low, high, "code unit")


def sound_point_figure(decode, codes, labels, point, duration: float, max_frequency: float):
    """Draw the plane of codes with ``point`` marked, and the spectrogram the decoder makes of that point.

    Args:
        decode: a function of a point (two numbers) returning ``(spectrogram_db, waveform)``: the decoded
            spectrogram in dB as (bins, frames), lowest frequency first, and the sound made from it.
        codes: array (N, 2), codes projected on the plane the point moves in.
        labels: N integer labels to colour them by, or None.
        point: the two coordinates to decode.
        duration, max_frequency: seconds and Hz covered by the spectrogram, for its axes.

    Returns:
        (figure, waveform).

    Raises:
        ValueError: if ``point`` is not two finite numbers or ``codes`` is not (N, 2).
    """
    point = _point(point)
    spectrogram_db, waveform = decode(point)
    fig, (ax_map, ax_spec) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [1.3, 1]})
    latent_scatter(codes, labels, ax=ax_map)
    ax_map.plot(*point, marker="*", color="black", markersize=16, markeredgecolor="white", label="_point")
    ax_map.set_title("the plane of codes; the star is the point decoded")
    extent = (0, duration, 0, max_frequency / 1000)
    ax_spec.imshow(spectrogram_db, origin="lower", aspect="auto", extent=extent, cmap="magma", vmin=-60, vmax=20)
    ax_spec.set_xlabel("time (s)")
    ax_spec.set_ylabel("frequency (kHz)")
    ax_spec.set_title(f"decoder output at ({point[0]:.2f}, {point[1]:.2f})")
    return fig, np.asarray(waveform)


class SoundExplorer(LatentExplorer):
    """Two sliders over a plane of codes, the figure of :func:`sound_point_figure` as a picture and the sound as
    an ``Audio`` widget whose WAV bytes are replaced on each move (build it with :func:`sound_explorer`).
    ``last_figure()`` and ``last_sound()`` return what the last move drew and played."""

    def __init__(self, decode, codes, labels, rate: int, duration: float, max_frequency: float):
        super().__init__(None, codes, labels, None)
        self.decode, self.rate, self.duration, self.max_frequency = decode, rate, duration, max_frequency
        self._sound = self.player = None

    def _make_figure(self, point):
        from IPython.display import Audio

        fig, self._sound = sound_point_figure(
            self.decode, self.codes, self.labels, point, self.duration, self.max_frequency
        )
        if self.player is not None:
            self.player.value = Audio(np.clip(self._sound, -1, 1), rate=self.rate, normalize=False).data
        return fig

    def last_sound(self):
        """The waveform the last slider move played (None before the first)."""
        return self._sound

    def __repr__(self) -> str:
        return (
            "Sound explorer: two sliders move a point over a plane of codes; you see and hear what the decoder "
            "makes of it. It runs in Jupyter or Colab; here (GitHub, the site, a headless run) the static "
            "grid next to it shows the same."
        )


def sound_explorer(decode, codes, labels=None, low=None, high=None, rate=8000, duration=1.0, max_frequency=4000.0):
    """An ipywidgets explorer of a plane of codes that you hear: a slider per coordinate, over [low, high].

    Args:
        decode: point -> (spectrogram in dB (bins, frames), waveform), see :func:`sound_point_figure`.
        codes: array (N, 2), codes projected on the plane (e.g. the test clips').
        labels: N labels to colour them by, or None.
        low, high: the sliders' ranges, two numbers each; default: the box that holds ``codes``.
        rate: the waveform's sample rate; duration, max_frequency: the spectrogram's extent.

    Returns:
        A :class:`SoundExplorer`; displaying it shows the sliders, the picture and the player, which start
        at the centre of the codes.

    Raises:
        ValueError: if ``codes`` is not (N, 2) or the box is not low < high.
    """
    import ipywidgets

    low, high = _box(codes, low, high)
    explorer = SoundExplorer(decode, np.asarray(codes), labels, rate, duration, max_frequency)
    explorer.player = ipywidgets.Audio(format="wav", autoplay=False, loop=False)
    return _assemble(explorer, low, high, "direction", extra=[explorer.player])
