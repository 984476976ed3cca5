"""utils.data.check_mirror: what a data mirror holds, said before anything loads; setup's line.
(No import circles: tests/test_style.py.)"""

import os
import sys
import time

import numpy as np
import pytest
from scipy.io import wavfile

import utils
from utils import config, data
from utils.config import ROOT
from utils.data import fetch
from utils.data import fsdd as fsdd_module
from utils.data import mnist as mnist_module

KEYS = ("x_train", "y_train", "x_test", "y_test")
MNIST_OTHER = (
    "mnist.npz holds other arrays than the original MNIST (content checksum differs): the notebooks will run on "
    "them, labelled 'mirror (unverified)', and their numbers are not MNIST's."
)
FSDD_OTHER = (
    "fsdd/recordings holds other recordings than the pinned FSDD (file names or content checksum differ): the "
    "notebooks will run on them, labelled 'mirror (unverified)', and their numbers are not FSDD's."
)


def random_mnist(path, n_train=50, n_test=20, seed=0):
    """Random arrays with MNIST's layout (uint8 (n, 28, 28) images, uint8 labels), as np.savez writes them."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return arrays


def recordings(folder, speakers=("ann", "ben"), takes=6):
    """Short 8 kHz 16-bit tones named {digit}_{speaker}_{take}.wav."""
    folder.mkdir(parents=True, exist_ok=True)
    for s, speaker in enumerate(speakers):
        for digit in range(3):
            for take in range(takes):
                n = 400 + 40 * take + 7 * s
                tone = np.sin(2 * np.pi * (250 + 150 * digit) * np.arange(n) / 8000) * 6000
                wavfile.write(folder / f"{digit}_{speaker}_{take}.wav", 8000, tone.astype(np.int16))
    return folder


@pytest.fixture
def mirror(clean_env, monkeypatch):
    """A small mirror in AE_DATA_DIR whose MNIST and FSDD are pinned as if they were the originals."""
    root = clean_env / "mirror"
    arrays = random_mnist(root / "mnist.npz")
    folder = recordings(root / "fsdd" / "recordings")
    monkeypatch.setattr(mnist_module, "MNIST_ARRAYS_SHA256", data.sha256_arrays(arrays, KEYS))
    monkeypatch.setattr(fsdd_module, "FSDD_NAMES_SHA256", data.sha256_names(folder))
    monkeypatch.setattr(fsdd_module, "FSDD_CONTENT_SHA256", data.sha256_folder(folder))
    monkeypatch.setenv("AE_DATA_DIR", str(root))
    return root


def settle(path, seconds=3600):
    """Date a file, or every file under a folder, ``seconds`` back, as a mirror copied long ago is."""
    then = time.time() - seconds
    for item in [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]:
        os.utime(item, (then, then))


# ----------------------------------------------------------------------------- the four answers


def test_pinned_mirror_is_verified(mirror):
    assert data.check_mirror() == [
        "mnist.npz: the original MNIST (content checked).",
        "fsdd/recordings: the pinned FSDD, 36 recordings (file names and content checked).",
    ]
    assert [f.status for f in data.mirror_report()] == ["verified", "verified"]
    assert all(f.note is None for f in data.mirror_report())


def test_random_arrays_with_mnists_shapes_are_said_to_be_other(mirror):
    random_mnist(mirror / "mnist.npz", seed=1)  # same shapes and dtypes, other numbers
    assert data.check_mirror() == [
        MNIST_OTHER,
        "fsdd/recordings: the pinned FSDD, 36 recordings (file names and content checked).",
    ]
    # ... and an intended other data set keeps working, labelled as before
    assert data.load_mnist(verbose=False).source == "mirror (unverified)"


def test_changed_recordings_are_said_to_be_other(mirror):
    clip = mirror / "fsdd" / "recordings" / "1_ben_2.wav"
    rate, samples = wavfile.read(clip)
    samples[10] += 1
    wavfile.write(clip, rate, samples)
    report = data.mirror_report()
    assert report[1].status == "other" and report[1].sentence == FSDD_OTHER
    assert report[1].note == (
        "Note: AE_DATA_DIR/fsdd/recordings is not the pinned FSDD (file names or content checksum differ): "
        "numbers computed on it are not FSDD's."
    )


def test_missing_files_are_said_to_be_missing(clean_env, monkeypatch):
    (clean_env / "empty").mkdir()
    monkeypatch.setenv("AE_DATA_DIR", str(clean_env / "empty"))
    assert data.check_mirror() == [
        "mnist.npz is not in the mirror: the notebooks will use Keras' cache, a download or the offline fallback.",
        "fsdd/recordings is not in the mirror: the notebooks will use the cache, a download or the offline fallback.",
    ]
    assert [f.note for f in data.mirror_report()] == [None, None]


def test_damaged_files_are_named_with_what_to_do(mirror):
    npz = mirror / "mnist.npz"
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])
    clip = mirror / "fsdd" / "recordings" / "2_ann_4.wav"
    clip.write_bytes(clip.read_bytes()[:200])  # a truncated clip: the content check fails, then the clip is read
    mnist_sentence, fsdd_sentence = data.check_mirror()
    assert mnist_sentence == (
        "AE_DATA_DIR/mnist.npz cannot be read (BadZipFile: File is not a zip file): the file is damaged or was not "
        "copied completely. Copy it again from the mirror, or unset AE_DATA_DIR to use the download cache or the "
        "offline fallback."
    )
    assert fsdd_sentence.startswith("AE_DATA_DIR/fsdd/recordings/2_ann_4.wav is truncated (Reached EOF prematurely")
    assert fsdd_sentence.endswith(
        "Copy it again from the mirror, or unset AE_DATA_DIR to use the download cache or the offline fallback."
    )
    assert [f.status for f in data.mirror_report()] == ["unusable", "unusable"]
    # check_mirror says early what the loaders say when they stop
    with pytest.raises(ValueError) as info:
        data.load_mnist()
    assert str(info.value) == mnist_sentence


def test_misnamed_recordings_are_unusable(mirror):
    (mirror / "fsdd" / "recordings" / "seven.wav").write_bytes(b"")
    finding = data.mirror_report()[1]
    assert (
        finding.status == "unusable" and "not named {digit}_{speaker}_{take}.wav (e.g. 'seven.wav')" in finding.sentence
    )


def test_other_folder_and_bad_arguments(mirror, monkeypatch, tmp_path):
    monkeypatch.delenv("AE_DATA_DIR")
    assert data.check_mirror() == []  # no mirror named: nothing to say
    assert len(data.check_mirror(mirror)) == 2 and data.check_mirror(str(mirror))[0].startswith(
        "mnist.npz: the original"
    )
    with pytest.raises(ValueError, match=r"folder='.*nowhere' is not a folder: pass the data mirror's folder"):
        data.check_mirror(tmp_path / "nowhere")
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "typo"))
    with pytest.raises(ValueError, match="Unset AE_DATA_DIR"):
        data.check_mirror()


def test_check_imports_no_keras():
    code = "import sys, utils.data; utils.data.check_mirror(); print('keras' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k != "AE_DATA_DIR"}
    import subprocess

    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


def test_real_mirror_is_verified_in_well_under_a_few_seconds():
    """On the data mirror when one is given (.ci/run sets AE_DATA_DIR); skipped without it."""
    folder = config.data_dir()
    if folder is None or not (folder / "mnist.npz").is_file() or not (folder / "fsdd" / "recordings").is_dir():
        pytest.skip("no AE_DATA_DIR mirror with mnist.npz and fsdd/recordings here")
    start = time.perf_counter()
    sentences = data.check_mirror()
    assert time.perf_counter() - start < 3
    assert sentences == [
        "mnist.npz: the original MNIST (content checked).",
        "fsdd/recordings: the pinned FSDD, 3000 recordings (file names and content checked).",
    ]


# ----------------------------------------------------------------------------- setup's line


def test_setup_says_which_file_is_not_what_it_claims(mirror, monkeypatch, capsys):
    monkeypatch.setenv("AE_QUICK", "1")
    utils.setup(seed=0)
    assert capsys.readouterr().out.count("\n") == 1  # a pinned mirror: the usual single line
    random_mnist(mirror / "mnist.npz", seed=2)
    utils.setup(seed=0)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].endswith("· seed 0")
    assert lines[1] == (
        "Note: AE_DATA_DIR/mnist.npz is not the original MNIST (content checksum differs): "
        "numbers computed on it are not MNIST's."
    )
    (mirror / "mnist.npz").write_bytes(b"")
    utils.setup(seed=0)
    assert capsys.readouterr().out.splitlines()[1] == (
        "Note: AE_DATA_DIR/mnist.npz is damaged or not laid out as MNIST: loading it will stop, saying what to do."
    )


# ----------------------------------------------------------------------------- one check per notebook run


def test_a_settled_mirror_is_hashed_once_per_process(mirror, monkeypatch):
    settle(mirror)
    counted = {"arrays": 0, "folder": 0}
    real_arrays, real_folder = mnist_module.sha256_arrays, fsdd_module.sha256_folder

    def arrays(*args):
        counted["arrays"] += 1
        return real_arrays(*args)

    def folder(*args):
        counted["folder"] += 1
        return real_folder(*args)

    monkeypatch.setattr(mnist_module, "sha256_arrays", arrays)
    monkeypatch.setattr(fsdd_module, "sha256_folder", folder)
    monkeypatch.setattr(fetch, "_REMEMBERED", {})
    assert [f.status for f in data.mirror_report()] == ["verified", "verified"]  # what setup does
    assert data.load_mnist(verbose=False).source == "mirror"  # then the loaders
    assert data.load_fsdd(verbose=False).source == "mirror"
    assert counted == {"arrays": 1, "folder": 1}
    # a changed file is checked again (and found to be other content)
    random_mnist(mirror / "mnist.npz", seed=5)
    settle(mirror / "mnist.npz", seconds=60)
    assert data.load_mnist(verbose=False).source == "mirror (unverified)"
    assert counted["arrays"] == 2


def test_files_changed_just_now_are_never_remembered(tmp_path, monkeypatch):
    monkeypatch.setattr(fetch, "_REMEMBERED", {})
    path = tmp_path / "f.bin"
    path.write_bytes(b"one")
    calls = []
    assert fetch.remembered("t", path, lambda: calls.append(1) or "a") == "a"
    assert fetch.remembered("t", path, lambda: calls.append(1) or "b") == "b"  # young: computed again
    settle(path)
    fetch.remembered("t", path, lambda: calls.append(1) or "c")
    assert fetch.remembered("t", path, lambda: calls.append(1) or "d") == "c"  # settled: remembered
    assert len(calls) == 3
    with pytest.raises(ValueError, match="neither a file nor a folder"):
        fetch.remembered("t", tmp_path / "gone", lambda: "x")
    with pytest.raises(ValueError, match="kind must be a non-empty name"):
        fetch.remembered("", path, lambda: "x")
