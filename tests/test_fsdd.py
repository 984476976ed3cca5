"""load_fsdd resolves mirror -> cache -> download (content-checked) -> synthetic fallback, all without network."""
import hashlib
import http.server
import io
import socket
import tarfile
import threading
import time

import numpy as np
import pytest
from scipy.io import wavfile

from utils import audio, data

SPEAKERS = ("alice", "bob")
DIGITS = (0, 1, 2)
TAKES = range(7)  # 0-4 test, 5-6 train


def tiny_clip(digit, speaker, take):
    """int16 samples of a short tone whose pitch depends on the digit: 0.1-0.15 s at 8 kHz."""
    n = 800 + 50 * take + 10 * SPEAKERS.index(speaker)
    t = np.arange(n) / 8000
    return (np.sin(2 * np.pi * (300 + 200 * digit) * t) * (8000 + 1000 * take)).astype(np.int16)


def write_recordings(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for speaker in SPEAKERS:
        for digit in DIGITS:
            for take in TAKES:
                wavfile.write(folder / f"{digit}_{speaker}_{take}.wav", 8000, tiny_clip(digit, speaker, take))
    return folder


def content_sha256(folder):
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def mirror(clean_env, monkeypatch):
    root = clean_env / "mirror"
    write_recordings(root / "fsdd" / "recordings")
    monkeypatch.setenv("AE_DATA_DIR", str(root))
    return root / "fsdd" / "recordings"


@pytest.fixture
def closed_port_url():
    """A localhost URL nobody listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/fsdd.tar.gz"


# ----------------------------------------------------------------------------- mirror


def test_mirror_is_used_first_with_the_official_split(mirror, offline):
    fsdd = data.load_fsdd()
    assert fsdd.source == "mirror" and fsdd.origin == str(mirror)
    assert fsdd.sample_rate == 8000
    assert len(fsdd.x_train) == 2 * 3 * 2 and len(fsdd.x_test) == 2 * 3 * 5
    assert set(fsdd.takes_test.tolist()) == {0, 1, 2, 3, 4} and set(fsdd.takes_train.tolist()) == {5, 6}
    for x in fsdd.x_train + fsdd.x_test:
        assert x.dtype == np.float32 and x.ndim == 1 and -1.0 <= x.min() and x.max() <= 1.0
    # the samples are the file's 16-bit values divided by 32768, and the labels come from the file name
    i = int(np.flatnonzero((fsdd.y_test == 2) & (fsdd.speakers_test == "bob") & (fsdd.takes_test == 3))[0])
    np.testing.assert_array_equal(fsdd.x_test[i], tiny_clip(2, "bob", 3) / np.float32(32768))
    # ordered by take, then speaker, then digit: every prefix mixes digits and speakers
    assert fsdd.y_test[:6].tolist() == [0, 1, 2, 0, 1, 2]
    assert fsdd.speakers_test[:6].tolist() == ["alice"] * 3 + ["bob"] * 3
    assert fsdd.speakers == ["alice", "bob"]
    assert fsdd.info() == {"source": "mirror", "origin": str(mirror), "n_train": 12, "n_test": 30,
                           "n_speakers": 2, "sample_rate": 8000}


def test_subsets(mirror, offline):
    one = data.load_fsdd(max_takes=1, verbose=False)
    assert (len(one.x_train), len(one.x_test)) == (6, 6)
    assert set(one.takes_train.tolist()) == {5} and set(one.takes_test.tolist()) == {0}
    bob = data.load_fsdd(speakers=["bob"], verbose=False)
    assert set(bob.speakers_train.tolist()) == {"bob"} and len(bob.x_test) == 15
    first = data.load_fsdd(speakers=1, max_takes=2, verbose=False)
    assert first.speakers == ["alice"] and (len(first.x_train), len(first.x_test)) == (6, 6)
    with pytest.raises(ValueError, match=r"\['carol'\] are not in the FSDD data.*available: \['alice', 'bob'\]"):
        data.load_fsdd(speakers=["alice", "carol"])


@pytest.mark.parametrize("kwargs, message", [
    ({"max_takes": 0}, "max_takes must be a positive integer"),
    ({"max_takes": 2.5}, "max_takes must be a positive integer"),
    ({"max_takes": True}, "max_takes must be a positive integer"),
    ({"speakers": 0}, "positive number of speakers"),
    ({"speakers": []}, "list of speaker names"),
    ({"speakers": [3]}, "list of speaker names"),
])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.load_fsdd(**kwargs)


def test_recordings_folder_without_wavs_is_refused(clean_env, offline, monkeypatch):
    folder = clean_env / "m" / "fsdd" / "recordings"
    folder.mkdir(parents=True)
    (folder / "README.txt").write_text("the clips went missing")
    monkeypatch.setenv("AE_DATA_DIR", str(clean_env / "m"))
    with pytest.raises(ValueError, match="holds no .wav files"):
        data.load_fsdd()


def test_misnamed_and_wrong_rate_wavs_are_refused(mirror, offline):
    wavfile.write(mirror / "seven_alice_1.wav", 8000, tiny_clip(0, "alice", 0))
    with pytest.raises(ValueError, match=r"not named \{digit\}_\{speaker\}_\{take\}.wav \(e.g. 'seven_alice_1.wav'\)"):
        data.load_fsdd()
    (mirror / "seven_alice_1.wav").unlink()
    wavfile.write(mirror / "0_alice_0.wav", 16000, tiny_clip(0, "alice", 0))
    with pytest.raises(ValueError, match="sampled at 16000 Hz"):
        data.load_fsdd()


def test_missing_mirror_folder_falls_through(clean_env, offline, monkeypatch, capsys, closed_port_url):
    (clean_env / "empty").mkdir()
    monkeypatch.setenv("AE_DATA_DIR", str(clean_env / "empty"))
    monkeypatch.setattr(data, "FSDD_URL", closed_port_url)
    fsdd = data.load_fsdd(max_takes=1)
    assert fsdd.source == "offline-fallback"
    assert "fsdd/recordings not found" in capsys.readouterr().out


# ----------------------------------------------------------------------------- offline fallback


def mean_log_spectrum(x):
    magnitude, _ = audio.stft_magnitude(x)
    return np.log(magnitude + 1e-4).mean(axis=1)


def test_offline_fallback_is_fast_announced_structured_and_learnable(clean_env, offline, capsys, closed_port_url, monkeypatch):
    monkeypatch.setattr(data, "FSDD_URL", closed_port_url)
    start = time.time()
    fsdd = data.load_fsdd()
    elapsed = time.time() - start
    out = capsys.readouterr().out
    assert elapsed < 20, f"with no network FSDD must fall through in seconds, took {elapsed:.1f} s"
    assert out.count("OFFLINE FALLBACK") == 1 and len(out.strip().splitlines()) == 1
    assert fsdd.source == "offline-fallback" and fsdd.origin == "utils.data.synthesize_fsdd_clips"
    assert (len(fsdd.x_train), len(fsdd.x_test)) == (2700, 300)
    assert np.bincount(fsdd.y_train).tolist() == [270] * 10 and np.bincount(fsdd.y_test).tolist() == [30] * 10
    assert len(fsdd.speakers) == 6 and set(fsdd.takes_test.tolist()) == set(range(5))
    lengths = np.array([len(x) for x in fsdd.x_train + fsdd.x_test]) / fsdd.sample_rate
    assert lengths.min() >= 0.3 and lengths.max() <= 0.8
    assert all(x.dtype == np.float32 and np.abs(x).max() <= 1.0 and np.abs(x).max() > 0.2 for x in fsdd.x_test)
    assert not (clean_env / "cache" / "fsdd").exists()  # a failed download leaves no cache behind
    # a usable stand-in: a nearest-centroid classifier on mean log-spectra beats chance (10 %) clearly
    train = np.stack([mean_log_spectrum(x) for x in fsdd.x_train])
    test = np.stack([mean_log_spectrum(x) for x in fsdd.x_test])
    centroids = np.stack([train[fsdd.y_train == d].mean(axis=0) for d in range(10)])
    predicted = np.argmin(((test[:, None, :] - centroids[None]) ** 2).sum(axis=-1), axis=1)
    accuracy = float(np.mean(predicted == fsdd.y_test))
    assert accuracy > 0.4, f"nearest-centroid accuracy on the fallback is only {accuracy:.2f}"


def test_offline_fallback_is_deterministic_and_subsets_agree(clean_env, offline):
    first = data.load_fsdd(max_takes=6, verbose=False)  # default URL: the name lookup is blocked
    second = data.load_fsdd(max_takes=6, verbose=False)
    assert first.source == second.source == "offline-fallback"
    assert (len(first.x_train), len(first.x_test)) == (360, 300)
    for a, b in zip(first.x_train + first.x_test, second.x_train + second.x_test):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(first.y_train, second.y_train)
    two = data.load_fsdd(max_takes=6, speakers=2, verbose=False)  # the same clips, whatever else is generated
    for x, d, s, t in zip(two.x_test, two.y_test, two.speakers_test, two.takes_test):
        j = int(np.flatnonzero((first.y_test == d) & (first.speakers_test == s) & (first.takes_test == t))[0])
        np.testing.assert_array_equal(x, first.x_test[j])


# ----------------------------------------------------------------------------- download


def make_archive(recordings):
    """A .tar.gz laid out like GitHub's: top folder, recordings/, and a few other files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(recordings, arcname="free-spoken-digit-dataset-abc123/recordings")
        readme = b"# FSDD\n"
        info = tarfile.TarInfo("free-spoken-digit-dataset-abc123/README.md")
        info.size = len(readme)
        tar.addfile(info, io.BytesIO(readme))
    return buffer.getvalue()


class Handler(http.server.BaseHTTPRequestHandler):
    payload = b""
    hits = 0

    def do_GET(self):
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    source = write_recordings(tmp_path / "source" / "recordings")
    Handler.payload = make_archive(source)
    Handler.hits = 0
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/fsdd.tar.gz", content_sha256(source)
    httpd.shutdown()


def test_download_is_content_checked_cached_and_reused(clean_env, offline, monkeypatch, server, capsys, closed_port_url):
    url, sha = server
    monkeypatch.setattr(data, "FSDD_URL", url)
    monkeypatch.setattr(data, "FSDD_CONTENT_SHA256", sha)
    fsdd = data.load_fsdd()
    assert fsdd.source == "download" and fsdd.origin == url
    assert (len(fsdd.x_train), len(fsdd.x_test)) == (12, 30)
    cache = clean_env / "cache" / "fsdd"
    # only the checked recordings stay: no archive, no temporary folder, no README
    assert sorted(p.name for p in cache.iterdir()) == ["recordings"]
    assert len(list((cache / "recordings").iterdir())) == 42
    assert data.sha256_folder(cache / "recordings") == sha
    assert "content-checked" in capsys.readouterr().out
    # the next call reads the cache, with no network at all
    monkeypatch.setattr(data, "FSDD_URL", closed_port_url)
    again = data.load_fsdd()
    assert again.source == "cache" and again.origin == str(cache / "recordings")
    for a, b in zip(fsdd.x_train, again.x_train):
        np.testing.assert_array_equal(a, b)
    # a damaged cache is not trusted: it is downloaded again and replaced
    (cache / "recordings" / "0_alice_0.wav").write_bytes(b"RIFF damaged")
    monkeypatch.setattr(data, "FSDD_URL", url)
    repaired = data.load_fsdd()
    assert repaired.source == "download" and Handler.hits == 2
    assert "does not match the pinned content checksum" in capsys.readouterr().out
    assert data.sha256_folder(cache / "recordings") == sha and sorted(p.name for p in cache.iterdir()) == ["recordings"]


def test_content_checksum_mismatch_is_refused_and_leaves_no_cache(clean_env, offline, monkeypatch, server, capsys):
    url, _ = server
    monkeypatch.setattr(data, "FSDD_URL", url)  # FSDD_CONTENT_SHA256 stays the real FSDD's: the tiny archive fails it
    fsdd = data.load_fsdd(max_takes=1)
    out = capsys.readouterr().out
    assert Handler.hits == 1
    assert "refused and deleted" in out and "OFFLINE FALLBACK (download refused)" in out
    assert fsdd.source == "offline-fallback"
    assert not (clean_env / "cache" / "fsdd").exists()


def test_sha256_folder_matches_find_sort_cat(tmp_path):
    (tmp_path / "b.wav").write_bytes(b"bbb")
    (tmp_path / "a.wav").write_bytes(b"aa")
    (tmp_path / "A.wav").write_bytes(b"A")  # upper case sorts first in byte order
    assert data.sha256_folder(tmp_path) == hashlib.sha256(b"A" + b"aa" + b"bbb").hexdigest()
    with pytest.raises(ValueError, match="not a folder"):
        data.sha256_folder(tmp_path / "missing")
