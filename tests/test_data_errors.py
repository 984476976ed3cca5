"""A damaged or unreadable data file names the file and says what to do: the mirror's (raised), the cache's (skipped).

Every case writes a real damaged file into tmp_path: a truncated or empty ``mnist.npz``, a flipped byte, a
``.npy`` or a web page saved under that name, a truncated or empty WAV, an empty or unreadable recordings
folder. The network is blocked throughout; downloads come from ``file://`` URLs or a stand-in for Keras.
"""

import io
import sys
import tarfile

import numpy as np
import pytest
from scipy.io import wavfile

from utils import data
from utils.data import fsdd as fsdd_module
from utils.data import mnist as mnist_module

SPEAKERS = ("alice", "bob")


def write_fake_mnist(path, n_train=60, n_test=20, seed=0):
    """A small file laid out like keras.datasets.mnist: uint8 (n, 28, 28) images, uint8 labels."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return arrays


def write_recordings(folder):
    """42 short tones named like FSDD's clips: digits 0-2, speakers alice and bob, takes 0-6, 8 kHz 16-bit."""
    folder.mkdir(parents=True, exist_ok=True)
    for s, speaker in enumerate(SPEAKERS):
        for digit in range(3):
            for take in range(7):
                n = 800 + 50 * take + 10 * s
                tone = np.sin(2 * np.pi * (300 + 200 * digit) * np.arange(n) / 8000) * (8000 + 1000 * take)
                wavfile.write(folder / f"{digit}_{speaker}_{take}.wav", 8000, tone.astype(np.int16))
    return folder


def pin(monkeypatch, folder):
    """Make the recordings in ``folder`` the pinned FSDD for this test (file names and content)."""
    monkeypatch.setattr(fsdd_module, "FSDD_NAMES_SHA256", data.sha256_names(folder))
    monkeypatch.setattr(fsdd_module, "FSDD_CONTENT_SHA256", data.sha256_folder(folder))


@pytest.fixture
def mirror(clean_env, monkeypatch):
    """A tiny FSDD-like mirror in AE_DATA_DIR, pinned as if it were the real FSDD."""
    root = clean_env / "mirror"
    write_recordings(root / "fsdd" / "recordings")
    monkeypatch.setenv("AE_DATA_DIR", str(root))
    pin(monkeypatch, root / "fsdd" / "recordings")
    return root / "fsdd" / "recordings"


def archive_url(tmp_path, recordings):
    """A file:// URL of a .tar.gz laid out like GitHub's archive of FSDD, holding ``recordings``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(recordings, arcname="free-spoken-digit-dataset-abc123/recordings")
    path = tmp_path / "served" / "fsdd.tar.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path.as_uri()


# ----------------------------------------------------------------------------- MNIST


def damaged_copies(tmp_path):
    """Real damaged versions of a small MNIST-like .npz: name -> bytes (and the reason np.load gives)."""
    good = tmp_path / "good.npz"
    write_fake_mnist(good)
    raw = good.read_bytes()
    compressed = tmp_path / "compressed.npz"
    np.savez_compressed(compressed, **{k: v for k, v in np.load(good).items()})
    flipped = bytearray(compressed.read_bytes())
    flipped[len(flipped) // 3] ^= 0xFF  # one byte inside the compressed x_train
    one_array = tmp_path / "one.npy"
    np.save(one_array, np.zeros((2, 28, 28), np.uint8))
    return {
        "empty": (b"", "EOFError"),
        "truncated to half": (raw[: len(raw) // 2], "BadZipFile: File is not a zip file"),
        "last byte missing": (raw[:-1], "BadZipFile"),
        "one byte flipped": (bytes(flipped), "BadZipFile: Bad CRC-32"),
        "a .npy renamed": (one_array.read_bytes(), "not an .npz archive"),
        "a text file": (b"<html>404 Not Found</html>\n", "ValueError"),
    }


@pytest.mark.parametrize(
    "damage", ["empty", "truncated to half", "last byte missing", "one byte flipped", "a .npy renamed", "a text file"]
)
def test_damaged_mirror_file_names_the_file_and_the_remedy(clean_env, offline, monkeypatch, tmp_path, damage):
    content, reason = damaged_copies(tmp_path)[damage]
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "mnist.npz").write_bytes(content)
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "mirror"))
    with pytest.raises(ValueError) as info:
        data.load_mnist()
    message = str(info.value)
    assert message.startswith("AE_DATA_DIR/mnist.npz cannot be read (")
    assert reason in message
    assert "damaged or was not copied completely" in message and "Copy it again from the mirror" in message
    assert "unset AE_DATA_DIR" in message
    assert str(tmp_path) not in message  # no absolute path of this machine
    # the file named by the user is never skipped: nothing else was tried, so nothing was printed or cached
    assert not (tmp_path / "keras_home").exists()


def test_truncated_mirror_file_message_is_exact(clean_env, offline, monkeypatch, tmp_path):
    write_fake_mnist(tmp_path / "mirror" / "mnist.npz")
    path = tmp_path / "mirror" / "mnist.npz"
    path.write_bytes(path.read_bytes()[:1000])
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "mirror"))
    with pytest.raises(ValueError) as info:
        data.load_mnist()
    assert str(info.value) == (
        "AE_DATA_DIR/mnist.npz cannot be read (BadZipFile: File is not a zip file): the file is damaged or was "
        "not copied completely. Copy it again from the mirror, or unset AE_DATA_DIR to use the download cache "
        "or the offline fallback."
    )


def test_malformed_mirror_message_names_it_by_the_variable(clean_env, monkeypatch, tmp_path):
    (tmp_path / "m").mkdir()
    np.savez(tmp_path / "m" / "mnist.npz", x_train=np.zeros((5, 28, 28), np.uint8), y_train=np.zeros(5))
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "m"))
    with pytest.raises(ValueError) as info:
        data.load_mnist()
    message = str(info.value)
    assert message.startswith("AE_DATA_DIR/mnist.npz lacks the arrays ['x_test', 'y_test']")
    assert "unset AE_DATA_DIR" in message and str(tmp_path) not in message


class FakeKeras:
    """Stands in for ``keras`` in the download step: returns ``arrays`` or raises, without importing Keras."""

    def __init__(self, arrays=None):
        self.calls = 0

        def load_data():
            self.calls += 1
            if arrays is None:
                raise OSError("network blocked by the test")
            return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])

        self.datasets = type("datasets", (), {"mnist": type("mnist", (), {"load_data": staticmethod(load_data)})})


def test_damaged_keras_cache_is_skipped_with_one_line(clean_env, offline, monkeypatch, capsys):
    """A cache is ours to refill: a file that fails Keras' checksum (here: truncated) is skipped, the download tried."""
    cache = data.keras_mnist_cache()
    write_fake_mnist(cache)
    cache.write_bytes(cache.read_bytes()[:5000])
    fresh = write_fake_mnist(clean_env / "fresh.npz", n_train=30, n_test=10, seed=3)
    fake = FakeKeras(fresh)
    monkeypatch.setitem(sys.modules, "keras", fake)
    mnist = data.load_mnist()
    lines = capsys.readouterr().out.splitlines()
    assert mnist.source == "download" and fake.calls == 1 and len(mnist.x_train) == 30
    assert lines[0] == (
        "MNIST: the Keras cache KERAS_HOME/datasets/mnist.npz does not match the Keras checksum (damaged, "
        "incomplete or another file); trying a fresh download."
    )
    assert len(lines) == 2 and lines[1].startswith("MNIST downloaded by keras.datasets.mnist")


def test_unreadable_keras_cache_with_the_right_checksum_is_skipped(clean_env, offline, monkeypatch, capsys):
    cache = data.keras_mnist_cache()
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setattr(mnist_module, "KERAS_MNIST_SHA256", data.sha256_file(cache))  # the pin says: this file
    monkeypatch.setitem(sys.modules, "keras", FakeKeras(write_fake_mnist(clean_env / "f.npz")))
    mnist = data.load_mnist()
    first = capsys.readouterr().out.splitlines()[0]
    assert mnist.source == "download"
    assert first == (
        "MNIST: the Keras cache KERAS_HOME/datasets/mnist.npz cannot be read (BadZipFile: File is not a zip "
        "file); trying a fresh download."
    )


# ----------------------------------------------------------------------------- FSDD


def test_truncated_clip_in_the_mirror_names_the_file_and_the_remedy(mirror, offline):
    """scipy reads a truncated WAV with only a warning: the loader must refuse it, naming it, not load half a clip."""
    path = mirror / "1_bob_3.wav"
    path.write_bytes(path.read_bytes()[:300])  # header intact, most samples missing
    with pytest.raises(ValueError) as info:
        data.load_fsdd()
    message = str(info.value)
    assert message.startswith("AE_DATA_DIR/fsdd/recordings/1_bob_3.wav is truncated (Reached EOF prematurely")
    assert message.endswith(
        "the file is damaged or was not copied completely. Copy it again from the mirror, or unset AE_DATA_DIR "
        "to use the download cache or the offline fallback."
    )
    assert str(mirror) not in message


@pytest.mark.parametrize(
    "content, reason",
    [(b"", "File format b'' not understood"), (b"RIFF\x10\x00", "error: unpack requires"), (b"RIFF damaged", "")],
)
def test_unreadable_clip_in_the_mirror_names_the_file(mirror, offline, content, reason):
    (mirror / "2_alice_0.wav").write_bytes(content)
    with pytest.raises(ValueError) as info:
        data.load_fsdd()
    message = str(info.value)
    assert message.startswith("AE_DATA_DIR/fsdd/recordings/2_alice_0.wav is not a readable PCM WAV file (")
    assert reason in message and "Copy it again from the mirror, or unset AE_DATA_DIR" in message


def test_empty_mirror_folder_names_it_and_the_remedy(clean_env, offline, monkeypatch):
    (clean_env / "m" / "fsdd" / "recordings").mkdir(parents=True)
    monkeypatch.setenv("AE_DATA_DIR", str(clean_env / "m"))
    with pytest.raises(ValueError) as info:
        data.load_fsdd()
    assert str(info.value) == (
        "AE_DATA_DIR/fsdd/recordings holds no .wav files; expected FSDD recordings named {digit}_{speaker}_{take}.wav "
        "(e.g. 7_jackson_32.wav): copy fsdd/recordings/ again from the mirror, or unset AE_DATA_DIR to use the "
        "download cache or the offline fallback."
    )


def test_unreadable_mirror_folder_names_it(mirror, offline, monkeypatch):
    real_iterdir = type(mirror).iterdir

    def iterdir(self):
        if self == mirror:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(type(mirror), "iterdir", iterdir)
    with pytest.raises(ValueError) as info:
        data.load_fsdd()
    assert str(info.value) == (
        "AE_DATA_DIR/fsdd/recordings cannot be read (PermissionError: Permission denied: AE_DATA_DIR/fsdd/recordings): "
        "copy fsdd/recordings/ again from the mirror, or unset AE_DATA_DIR to use the download cache or the offline "
        "fallback."
    )


def test_unreadable_file_in_the_mirror_while_checking_names_the_folder(mirror, offline, monkeypatch):
    def refuse(folder):
        raise PermissionError(13, "Permission denied", str(folder / "0_alice_0.wav"))

    monkeypatch.setattr(fsdd_module, "sha256_names", refuse)
    with pytest.raises(
        ValueError,
        match=r"^AE_DATA_DIR/fsdd/recordings cannot be read \(PermissionError: Permission "
        r"denied: AE_DATA_DIR/fsdd/recordings/0_alice_0.wav\): copy fsdd/recordings/ again",
    ):
        data.load_fsdd()


def test_truncated_clip_in_the_cache_is_skipped_with_one_line(clean_env, offline, monkeypatch, capsys):
    """The cache is ours to refill: a truncated clip fails the content check, one line says so, FSDD is fetched again."""
    source = write_recordings(clean_env / "source" / "recordings")
    pin(monkeypatch, source)
    monkeypatch.setattr(fsdd_module, "FSDD_URL", archive_url(clean_env, source))
    cache = write_recordings(clean_env / "cache" / "fsdd" / "recordings")
    clip = cache / "0_alice_5.wav"
    clip.write_bytes(clip.read_bytes()[:100])
    fsdd = data.load_fsdd()
    lines = capsys.readouterr().out.splitlines()
    assert fsdd.source == "download" and len(fsdd.x_train) == 12
    assert lines[0] == (
        "FSDD: the cache AE_CACHE_DIR/fsdd/recordings does not match the pinned file names and content checksum "
        "(a file is missing, damaged or extra); downloading again."
    )
    assert clip.read_bytes() == (source / "0_alice_5.wav").read_bytes()  # repaired


def test_unreadable_cache_is_skipped_with_one_line(clean_env, offline, monkeypatch, capsys):
    cache = write_recordings(clean_env / "cache" / "fsdd" / "recordings")
    monkeypatch.setattr(fsdd_module, "FSDD_URL", (clean_env / "no-archive.tar.gz").as_uri())

    def refuse(folder):
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(fsdd_module, "sha256_names", refuse)
    fsdd = data.load_fsdd(max_takes=1)
    lines = capsys.readouterr().out.splitlines()
    assert fsdd.source == "offline-fallback" and cache.is_dir()
    assert lines[0] == (
        "FSDD: the cache AE_CACHE_DIR/fsdd/recordings cannot be read (PermissionError: Permission denied: "
        "AE_CACHE_DIR/fsdd/recordings); downloading again."
    )
    assert len(lines) == 2 and lines[1].startswith("FSDD OFFLINE FALLBACK (download failed:")
