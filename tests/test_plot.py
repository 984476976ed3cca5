"""The shared figures: right layout, and clear errors on wrong input."""

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from utils import plot  # noqa: E402

rng = np.random.default_rng(0)


def test_reconstruction_grid_rows_and_columns():
    x = rng.random((12, 784))
    fig = plot.reconstruction_grid(x, [x * 0.5, x * 0.2], n=6, row_labels=("a", "b", "c"))
    axes = np.array(fig.axes).reshape(3, 6)
    assert axes[1, 0].get_ylabel() == "b"
    image = axes[2, 3].images[0]
    assert image.get_array().shape == (28, 28)
    np.testing.assert_allclose(image.get_array(), (x[3] * 0.2).reshape(28, 28))
    assert image.get_clim() == (0.0, 1.0)  # rows share one grey scale
    plt.close(fig)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((np.zeros((5, 28, 28)), np.zeros((5, 28, 28))), {"n": 6}, "only 5 examples"),
        ((np.zeros((5, 100)), np.zeros((5, 100))), {"n": 2}, "cannot be shown"),
        ((np.zeros((5, 28, 28)), np.zeros((5, 28, 28))), {"n": 2, "row_labels": ("a",)}, "one label per row"),
        ((np.zeros((5, 28, 28)), np.zeros((5, 28, 28))), {"n": 0}, "positive integer"),
    ],
)
def test_reconstruction_grid_refuses_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot.reconstruction_grid(*args, **kwargs)


def test_latent_scatter_digits_get_a_legend_and_subsampling():
    codes = rng.normal(size=(500, 2))
    labels = np.arange(500) % 10
    fig = plot.latent_scatter(codes, labels, max_points=200)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 200
    assert len(ax.get_legend().get_texts()) == 10
    plt.close(fig)


def test_latent_scatter_continuous_colour_gets_a_colour_bar():
    fig = plot.latent_scatter(rng.normal(size=(50, 2)), rng.random(50))
    assert len(fig.axes) == 2  # the scatter and its colour bar
    plt.close(fig)


def test_latent_scatter_refuses_wrong_shapes():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot.latent_scatter(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="labels must have shape"):
        plot.latent_scatter(np.zeros((10, 2)), np.zeros(9, dtype=int))


def test_training_curves_draw_train_and_validation():
    fig = plot.training_curves({"a": {"loss": [3, 2, 1], "val_loss": [3, 2.5, 2]}, "b": {"loss": [1, 0.5, 0.2]}})
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [3, 2.5, 2])
    plt.close(fig)
    with pytest.raises(ValueError, match="has no 'mse'"):
        plot.training_curves({"loss": [1.0]}, metric="mse")


class _CornerDecoder:
    """Decodes a code (a, b) to a 28 x 28 image whose pixels all equal a, except row 0 equals b."""

    def predict(self, codes, verbose=0):
        images = np.repeat(codes[:, :1, None], 28, axis=1) * np.ones((1, 28, 28))
        images[:, 0, :] = codes[:, 1:2]
        return images


def test_decoded_latent_grid_lies_over_the_plane():
    fig = plot.decoded_latent_grid(_CornerDecoder(), low=(0.0, 0.0), high=(1.0, 1.0), n=3)
    picture = fig.axes[0].images[0].get_array()
    assert picture.shape == (84, 84)
    assert picture[5, 5] == 0.0 and picture[5, 80] == 1.0  # left column: code unit 1 = 0; right: 1
    assert picture[0, 5] == 1.0 and picture[56, 5] == 0.0  # top row: code unit 2 = 1; bottom row: 0
    assert fig.axes[0].images[0].get_extent() == [0.0, 1.0, 0.0, 1.0]
    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"low": (0, 0), "high": (0, 1)}, "low < high"),
        ({"low": (0, 0, 0), "high": (1, 1, 1)}, "two numbers"),
        ({"low": (0, 0), "high": (1, 1), "n": 1}, "n must be"),
    ],
)
def test_decoded_latent_grid_refuses_bad_boxes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot.decoded_latent_grid(_CornerDecoder(), **kwargs)


def test_score_histograms_shared_bins_densities_and_threshold():
    normal, anomalous = rng.lognormal(0, 0.3, 900), rng.lognormal(1, 0.3, 100)
    fig = plot.score_histograms(normal, anomalous, threshold=2.0, bins=20)
    ax = fig.axes[0]
    bars = [p for p in ax.patches]
    assert len(bars) == 40  # 20 shared bins per group
    widths = np.array([b.get_width() for b in bars]).reshape(2, 20)
    np.testing.assert_allclose(widths[0], widths[1])
    heights = np.array([b.get_height() for b in bars]).reshape(2, 20)
    np.testing.assert_allclose((heights * widths).sum(axis=1), [1.0, 1.0], rtol=1e-6)  # unit area each
    assert ax.get_xscale() == "log"
    assert [line.get_xdata()[0] for line in ax.lines] == [2.0]
    plt.close(fig)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (([], [1.0]), {}, "non-empty"),
        (([1.0, np.nan], [1.0]), {}, "finite"),
        (([0.0, 1.0], [1.0]), {}, "logx=False"),
        (([1.0], [2.0]), {"bins": 0}, "positive integer"),
    ],
)
def test_score_histograms_refuses_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot.score_histograms(*args, **kwargs)
