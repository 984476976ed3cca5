"""The figure and player helpers of notebook 09: layout, shared scales, embedded audio, clear errors."""

import base64
import io
import re
import wave

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from utils import audio, plot  # noqa: E402

rng = np.random.default_rng(0)


def test_spectrogram_grid_layout_shared_scale_and_axes():
    spectrograms = rng.normal(size=(2, 3, 16, 24))
    spectrograms[1, 2] += 50  # one loud panel must not get a colour scale of its own
    fig = plot.spectrogram_grid(
        spectrograms, duration=0.5, max_frequency=4000, row_labels=("a", "b"), column_labels=("x", "y", "z")
    )
    panels, colorbar = fig.axes[:6], fig.axes[6:]
    assert len(colorbar) == 1 and colorbar[0].get_ylabel() == "dB"
    clims = {ax.images[0].get_clim() for ax in panels}
    assert len(clims) == 1  # one colour scale for every panel
    low, high = clims.pop()
    assert low == pytest.approx(np.percentile(spectrograms, 1))
    assert high == pytest.approx(np.percentile(spectrograms, 99.9))
    np.testing.assert_allclose(panels[5].images[0].get_array(), spectrograms[1, 2])
    assert panels[5].images[0].get_extent() == [0, 0.5, 0, 4.0]  # seconds, kHz
    assert panels[0].get_title() == "x" and panels[3].get_ylabel().startswith("b")
    plt.close(fig)


def test_spectrogram_grid_single_row_and_fixed_scale():
    fig = plot.spectrogram_grid(rng.normal(size=(4, 8, 10)), duration=1, max_frequency=8000, vmin=-80, vmax=0)
    assert len(fig.axes) == 5
    assert fig.axes[0].images[0].get_clim() == (-80, 0)
    plt.close(fig)


@pytest.mark.parametrize(
    "array, kwargs, message",
    [
        (np.zeros((8, 10)), {}, "shape"),
        (np.full((1, 8, 10), np.nan), {}, "NaN"),
        (np.zeros((2, 8, 10)), {"duration": 0}, "duration"),
        (np.zeros((2, 8, 10)), {"column_labels": ("a",)}, "one each"),
        (np.zeros((2, 2, 8, 10)), {"row_labels": ("a", "b", "c")}, "one each"),
    ],
)
def test_spectrogram_grid_refuses_bad_input(array, kwargs, message):
    args = {"duration": 1.0, "max_frequency": 4000.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        plot.spectrogram_grid(array, **args)


def decoded_players(html):
    """The WAV files embedded in a player table, as (sample rate, int16 samples)."""
    found = []
    for data in re.findall(r"data:audio/wav;base64,([A-Za-z0-9+/=]+)", html):
        with wave.open(io.BytesIO(base64.b64decode(data))) as w:
            found.append((w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")))
    return found


def test_player_table_embeds_each_clip_at_its_own_level_and_labels_it():
    quiet = 0.1 * np.sin(np.linspace(0, 200, 800))
    loud = 2.0 * np.ones(400)  # beyond [-1, 1]: clipped, not rescaled
    html = audio.player_table(
        [[quiet, loud], [quiet, quiet]], rate=8000, row_labels=("real", "<gen>"), column_labels=("one", "two")
    ).data
    players = decoded_players(html)
    assert len(players) == 4 and html.count("<audio") == 4
    rate, samples = players[0]
    assert rate == 8000 and len(samples) == 800
    assert np.abs(samples).max() == pytest.approx(0.1 * 32767, rel=0.01)  # played at its level, not normalised
    assert np.all(np.abs(players[1][1]) >= 32766)  # clipped at full scale
    assert "&lt;gen&gt;" in html and "one" in html  # labels are escaped text


def test_player_table_accepts_a_flat_list_and_an_array():
    clips = [np.zeros(100), np.zeros(200)]
    assert audio.player_table(clips).data.count("<audio") == 2
    assert audio.player_table(np.zeros((2, 3, 50))).data.count("<audio") == 6


@pytest.mark.parametrize(
    "clips, kwargs, message",
    [
        ([], {}, "empty"),
        ([[np.zeros(10)], [np.zeros(10), np.zeros(10)]], {}, "same number"),
        ([[np.zeros(10)]], {"row_labels": ("a", "b")}, "one each"),
        ([[np.zeros(10), np.zeros(10)]], {"column_labels": ("a",)}, "one each"),
        ([[np.full(10, np.nan)]], {}, "NaN"),
        ([[np.zeros(10)]], {"rate": 0}, "positive integer"),
    ],
)
def test_player_table_refuses_bad_input(clips, kwargs, message):
    with pytest.raises(ValueError, match=message):
        audio.player_table(clips, **kwargs)
