"""Notebook 07 writes out its mask estimator and its loss; deep dive 07a imports them from ``utils.speech``.
These tests run both copies on the same inputs, so the two cannot drift apart, and check what the
helpers of ``utils.speech`` promise: exact SNRs, the tuning rule, the measures and the margin's interval.
The definitions are taken from notebook 07's code cells (found by name)."""

import ast
import json
from pathlib import Path

import numpy as np
import pytest

import utils

utils.setup(seed=0, quick=True)
import keras  # noqa: E402
from scipy import stats  # noqa: E402

from utils import speech  # noqa: E402
from utils.audio import SAMPLE_RATE, si_sdr  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "07_denoising_speech.ipynb"
NAMES = ("spectrogram_denoiser", "phase_sensitive_loss")


@pytest.fixture(scope="module")
def lesson() -> dict:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    body = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and any(f"def {name}(" in source for name in NAMES):
            tree = ast.parse(source)
            body += [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in NAMES]
    assert sorted(n.name for n in body) == sorted(NAMES), "notebook 07 defines each of NAMES once"
    namespace = {"keras": keras, "layers": keras.layers, "np": np, "utils": utils, "speech": speech}
    exec(compile(ast.Module(body=body, type_ignores=[]), str(NOTEBOOK), "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture(scope="module")
def voices():
    rng = np.random.default_rng(0)
    t = np.arange(3000) / SAMPLE_RATE
    clips = [
        np.sin(2 * np.pi * f * t).astype("float32") * rng.uniform(0.2, 0.8) for f in (150, 220, 300, 410, 520, 640)
    ]
    return clips, np.array(["a", "b", "c", "d", "e", "f"])


def test_the_notebook_model_and_loss_are_utils_speech(lesson):
    mine, theirs = lesson["spectrogram_denoiser"](), speech.spectrogram_denoiser()
    assert mine.count_params() == theirs.count_params() == 194753
    assert [layer.name for layer in mine.layers] == [layer.name for layer in theirs.layers]
    mine.set_weights(theirs.get_weights())
    x = np.random.default_rng(1).standard_normal((2, 128, 16, 2)).astype("float32")
    np.testing.assert_allclose(mine.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-6)
    targets = np.abs(np.random.default_rng(2).standard_normal((2, 128, 16, 2))).astype("float32")
    mask = theirs.predict(x, verbose=0)
    ours = float(keras.ops.convert_to_numpy(lesson["phase_sensitive_loss"](targets, mask)))
    assert ours == pytest.approx(float(keras.ops.convert_to_numpy(speech.phase_sensitive_loss(targets, mask))))
    assert ours == pytest.approx(float(np.mean((mask[..., 0] * targets[..., 0] - targets[..., 1]) ** 2)), rel=1e-5)


@pytest.mark.parametrize("kind", [*speech.TRAINING_NOISES, "hum", "siren"])
def test_every_noise_mixes_at_the_exact_snr_with_its_noise_only_clip(kind, voices):
    clean = voices[0][0]
    noisy, reference = speech.noisy_version(clean, kind, 5.0, "a", np.random.default_rng(3), voices)
    assert noisy.shape == clean.shape and reference.shape == (SAMPLE_RATE,)
    snr = 10 * np.log10(np.sum(clean**2) / np.sum((noisy - clean) ** 2))
    assert snr == pytest.approx(5.0, abs=1e-3)
    assert np.mean(reference**2) == pytest.approx(np.mean((noisy - clean) ** 2), rel=1e-3), (
        "noise-only clip at the same level"
    )


def test_babble_never_contains_the_speaker_and_unknown_kinds_say_what_exists(voices):
    clips, speakers = voices
    only_a = ([clips[0]] * 6, np.array(["a"] * 5 + ["b"]))
    with pytest.raises(ValueError, match="at least 4 clips"):  # only one clip of another speaker
        speech.babble(1000, "a", np.random.default_rng(0), only_a)
    with pytest.raises(ValueError, match="siren"):
        speech.make_noise("rain", 100, "a", np.random.default_rng(0), voices)


def test_the_siren_glides_between_600_and_1400_hz():
    tone = speech.siren(SAMPLE_RATE * 2, np.random.default_rng(4))
    power = speech.noise_power(tone)[:, 0]
    frequencies = np.arange(len(power)) * SAMPLE_RATE / 256
    share = power[(frequencies > 550) & (frequencies < 1450)].sum() / power.sum()
    assert share > 0.6 and power[frequencies < 300].sum() / power.sum() < 0.01


def test_tune_keeps_the_best_validation_setting(voices):
    clips, _ = voices
    pairs = [
        (x + 0.1 * np.random.default_rng(i).standard_normal(len(x)).astype("float32"), x) for i, x in enumerate(clips)
    ]

    def scale(noisy, reference, gain):  # a "method" that mixes in the clean clip by `gain`
        return gain * reference + (1 - gain) * noisy

    setting, score = speech.tune(scale, [dict(gain=g) for g in (0.0, 0.9, 0.5)], pairs, clips)
    assert setting == dict(gain=0.9)
    assert score == pytest.approx(np.mean([si_sdr(x, 0.9 * x + 0.1 * n) for (n, _), x in zip(pairs, clips)]))


def test_every_classical_setting_runs_and_the_defaults_come_first(voices):
    clean = voices[0][1]
    noisy, reference = speech.noisy_version(clean, "white", 5.0, "a", np.random.default_rng(5), voices)
    for name, (method, grid) in speech.CLASSICAL.items():
        assert 12 <= len(grid) <= 20, name
        out = method(noisy, reference, **grid[0])
        assert out.shape == noisy.shape and si_sdr(clean, out) > si_sdr(clean, noisy), name


def test_scores_join_segments_and_the_margin_interval_is_students_t():
    rng = np.random.default_rng(6)
    t = np.arange(4000) / SAMPLE_RATE
    clean = [rng.standard_normal(len(t)) * np.sin(2 * np.pi * 4 * t) ** 2 for _ in range(6)]  # syllable-like bursts
    noisy = [x + 0.1 * rng.standard_normal(len(x)) for x in clean]
    result = speech.scores(clean, noisy, segment=3)
    assert result["si_sdr"].shape == (6,) and result["stoi"].shape == result["pesq"].shape == (2,)
    assert 0.5 < result["stoi"].min() <= 1
    a, b = rng.normal(1.0, 1.0, 30), rng.normal(0.0, 1.0, 30)
    mean, half = speech.paired_margin(a, b)
    low, high = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert mean == pytest.approx(np.mean(a - b)) and half == pytest.approx((high - low) / 2)
    assert np.isnan(speech.paired_margin([1.0], [0.0])[1]), "one pair has no interval"


def test_a_lead_needs_the_whole_interval_above_zero_and_the_table_says_so():
    assert [speech.verdict(*m) for m in ((0.5, 0.4), (0.5, 0.6), (-0.5, 0.4), (0.0, 0.0))] == [
        "ahead",
        "tied",
        "behind",
        "tied",
    ]
    conditions = [("white", 0), ("hum", 0)]
    methods = ["autoencoder", "Wiener filter", "noisereduce"]
    results = {c: {m: {"si_sdr": 0.0, "stoi": 0.0} for m in methods} for c in conditions}
    results["white", 0]["autoencoder"] = {"si_sdr": 9.0, "stoi": 0.9}
    results["hum", 0]["Wiener filter"]["si_sdr"] = 1.0  # beats the autoencoder's 0.0 on hum
    margins = {
        (("white", 0), "si_sdr"): (1.5, 0.5),
        (("white", 0), "stoi"): (0.01, 0.02),
        (("hum", 0), "si_sdr"): (-1.0, 0.3),
        (("hum", 0), "stoi"): (0.0, 0.01),
    }
    best = {key: "Wiener filter" for key in margins}
    table = speech.margin_table(results, margins, best).splitlines()
    assert table[0] == "| noise | SNR | SI-SDR | margin | STOI | margin |" and len(table) == 4
    assert table[2] == "| white | 0 dB | 9.00 | **+1.50 ± 0.50 (Wiener)** | 0.900 | +0.010 ± 0.020 (Wiener) |"
    lead = speech.lead_summary(results, margins, ["Wiener filter", "noisereduce"])
    assert {v: len(k) for v, k in lead["counts"].items()} == {"ahead": 1, "tied": 2, "behind": 1}
    assert lead["by_noise"] == "1 of 2 on white, 0 of 2 on hum" and lead["by_measure"] == "SI-SDR 1, STOI 0"
    assert lead["sdr"] == [1.5, -1.0] and lead["beaten"] == "hum at 0 dB by SI-SDR (Wiener filter)"
