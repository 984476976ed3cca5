"""The latent explorer (utils/explore.py): a slider move decodes the point it names and draws it.

The decoder here is a stand-in whose image encodes the point it was given (brightness from the two
code values), so a test can tell from the drawn image which point was decoded.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import explore  # noqa: E402


class PointDecoder:
    """Maps (m, 2) codes to (m, 28, 28, 1) images: left half x / 10, right half y / 10, clipped to [0, 1]."""

    def __init__(self):
        self.calls = []

    def predict(self, codes, verbose=0):
        codes = np.asarray(codes, dtype="float32")
        self.calls.append(codes.copy())
        images = np.zeros((len(codes), 28, 28, 1), dtype="float32")
        images[:, :, :14, 0] = np.clip(codes[:, :1, None] / 10, 0, 1)
        images[:, :, 14:, 0] = np.clip(codes[:, 1:, None] / 10, 0, 1)
        return images


@pytest.fixture
def cloud():
    rng = np.random.default_rng(0)
    return rng.uniform([0, 0], [10, 5], size=(200, 2)), rng.integers(0, 10, 200)


def _star(fig):
    ax_map = fig.axes[0]
    (star,) = [line for line in ax_map.get_lines() if line.get_marker() == "*"]
    return star.get_xdata()[0], star.get_ydata()[0]


def test_a_slider_move_decodes_that_point_and_draws_it(cloud):
    codes, labels = cloud
    decoder = PointDecoder()
    explorer = explore.latent_explorer(decoder, codes, labels, low=(0, 0), high=(10, 5))
    x_slider, y_slider = explorer.widget.children[:2]
    assert (x_slider.min, x_slider.max, y_slider.min, y_slider.max) == (0, 10, 0, 5)

    x_slider.value, y_slider.value = 7.0, 3.0  # what a student's drag does
    fig = explorer.last_figure()
    assert _star(fig) == pytest.approx((7.0, 3.0))
    np.testing.assert_allclose(decoder.calls[-1], [[7.0, 3.0]])
    drawn = fig.axes[1].get_images()[0].get_array()
    assert drawn.shape == (28, 28)
    assert drawn[:, :14].mean() == pytest.approx(0.7) and drawn[:, 14:].mean() == pytest.approx(0.3)
    assert "(7.00, 3.00)" in fig.axes[1].get_title()
    assert len(fig.axes[0].collections) == 1  # the scatter of the codes under the star
    plt.close("all")


def test_the_explorer_starts_inside_its_box_and_replaces_its_figure(cloud):
    codes, labels = cloud
    explorer = explore.latent_explorer(PointDecoder(), codes, labels)
    first = explorer.last_figure()
    x, y = _star(first)
    assert codes[:, 0].min() <= x <= codes[:, 0].max() and codes[:, 1].min() <= y <= codes[:, 1].max()
    explorer.draw(1.0, 1.0)
    assert explorer.last_figure() is not first
    assert plt.get_fignums() == [], "no figure is left open: the old one closed, the new one drawn into the picture"
    assert bytes(explorer.picture.value).startswith(b"\x89PNG")
    bundle = explorer._repr_mimebundle_()  # what a notebook stores: the widget, and a text for GitHub
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "static figure" in bundle["text/plain"] and "Jupyter or Colab" in bundle["text/plain"]
    plt.close("all")


def test_bad_arguments_say_what_to_pass(cloud):
    codes, labels = cloud
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        explore.latent_explorer(PointDecoder(), codes[:, :1], labels)
    with pytest.raises(ValueError, match="low < high"):
        explore.latent_explorer(PointDecoder(), codes, labels, low=(5, 0), high=(1, 5))
    with pytest.raises(ValueError, match="two finite numbers"):
        explore.latent_point_figure(PointDecoder(), codes, labels, (np.nan, 1.0))


def test_a_sound_explorer_move_decodes_that_point_draws_it_and_plays_it(cloud):
    codes, labels = cloud
    asked = []

    def decode(point):  # a spectrogram whose level is the point's x, and a tone as loud as its y / 10
        asked.append(np.array(point))
        image = np.full((128, 96), float(point[0]))
        return image, point[1] / 10 * np.sin(np.linspace(0, 200, 8000))

    explorer = explore.sound_explorer(decode, codes, labels, low=(0, 0), high=(10, 5), rate=8000, duration=0.76)
    x_slider, y_slider = explorer.widget.children[:2]
    assert (x_slider.min, x_slider.max, y_slider.min, y_slider.max) == (0, 10, 0, 5)

    x_slider.value, y_slider.value = 6.0, 2.0
    fig = explorer.last_figure()
    assert _star(fig) == pytest.approx((6.0, 2.0))
    np.testing.assert_allclose(asked[-1], [6.0, 2.0])
    drawn = fig.axes[1].get_images()[0]
    assert drawn.get_array().shape == (128, 96) and drawn.get_array().mean() == pytest.approx(6.0)
    assert drawn.get_extent() == pytest.approx([0, 0.76, 0, 4.0])
    assert np.abs(explorer.last_sound()).max() == pytest.approx(0.2, abs=1e-3)
    assert "(6.00, 2.00)" in fig.axes[1].get_title()
    assert bytes(explorer.picture.value).startswith(b"\x89PNG"), "the figure reaches the picture widget"
    wav = bytes(explorer.player.value)
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE", "the sound reaches the player widget"
    assert int.from_bytes(wav[24:28], "little") == 8000, "at the clips' sample rate"
    assert "Sound explorer" in repr(explorer)
    plt.close("all")
