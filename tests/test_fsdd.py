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

from utils import audio, config, data
from utils.data import fsdd as fsdd_module

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


def pin(monkeypatch, folder):
    """Make the recordings in ``folder`` the pinned FSDD for this test (file names and content)."""
    monkeypatch.setattr(fsdd_module, "FSDD_NAMES_SHA256", data.sha256_names(folder))
    monkeypatch.setattr(fsdd_module, "FSDD_CONTENT_SHA256", content_sha256(folder))


@pytest.fixture
def mirror(clean_env, monkeypatch):
    """A tiny FSDD-like mirror in AE_DATA_DIR, pinned as if it were the real FSDD."""
    root = clean_env / "mirror"
    write_recordings(root / "fsdd" / "recordings")
    monkeypatch.setenv("AE_DATA_DIR", str(root))
    pin(monkeypatch, root / "fsdd" / "recordings")
    return root / "fsdd" / "recordings"


@pytest.fixture
def closed_port_url():
    """A localhost URL nobody listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/fsdd.tar.gz"


# ----------------------------------------------------------------------------- mirror


def test_mirror_is_used_first_with_the_official_split(mirror, offline, capsys):
    fsdd = data.load_fsdd()
    assert fsdd.source == "mirror" and fsdd.origin == "AE_DATA_DIR/fsdd/recordings"
    assert capsys.readouterr().out == (
        "FSDD from the mirror given by AE_DATA_DIR (content checked): 12 train / 30 test clips, 2 speakers, 8 kHz.\n"
    )
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
    assert fsdd.info() == {
        "source": "mirror",
        "origin": "AE_DATA_DIR/fsdd/recordings",
        "n_train": 12,
        "n_test": 30,
        "n_speakers": 2,
        "sample_rate": 8000,
    }


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


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"max_takes": 0}, "max_takes must be a positive integer"),
        ({"max_takes": 2.5}, "max_takes must be a positive integer"),
        ({"max_takes": True}, "max_takes must be a positive integer"),
        ({"speakers": 0}, "positive integer number of speakers"),
        ({"speakers": []}, "list of speaker names"),
        ({"speakers": [3]}, "list of speaker names"),
    ],
)
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
    monkeypatch.setattr(fsdd_module, "FSDD_URL", closed_port_url)
    fsdd = data.load_fsdd(max_takes=1)
    assert fsdd.source == "offline-fallback"
    assert "AE_DATA_DIR/fsdd/recordings not found" in capsys.readouterr().out


# ----------------------------------------------------------------------------- offline fallback


def mean_log_spectrum(x):
    magnitude, _ = audio.stft_magnitude(x)
    return np.log(magnitude + 1e-4).mean(axis=1)


def test_offline_fallback_is_fast_announced_structured_and_learnable(
    clean_env, offline, capsys, closed_port_url, monkeypatch
):
    monkeypatch.setattr(fsdd_module, "FSDD_URL", closed_port_url)
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
    yield f"http://127.0.0.1:{httpd.server_address[1]}/fsdd.tar.gz", content_sha256(source), source
    httpd.shutdown()


def test_download_is_content_checked_cached_and_reused(
    clean_env, offline, monkeypatch, server, capsys, closed_port_url
):
    url, sha, source = server
    monkeypatch.setattr(fsdd_module, "FSDD_URL", url)
    pin(monkeypatch, source)
    fsdd = data.load_fsdd()
    assert fsdd.source == "download" and fsdd.origin == url
    assert (len(fsdd.x_train), len(fsdd.x_test)) == (12, 30)
    cache = clean_env / "cache" / "fsdd"
    # only the checked recordings stay: no archive, no temporary folder, no README
    assert sorted(p.name for p in cache.iterdir()) == ["recordings"]
    assert len(list((cache / "recordings").iterdir())) == 42
    assert data.sha256_folder(cache / "recordings") == sha
    out = capsys.readouterr().out
    assert "downloaded and content-checked, now cached (AE_CACHE_DIR/fsdd/recordings)" in out
    assert str(clean_env) not in out
    # the next call reads the cache, with no network at all
    monkeypatch.setattr(fsdd_module, "FSDD_URL", closed_port_url)
    again = data.load_fsdd()
    assert again.source == "cache" and again.origin == "AE_CACHE_DIR/fsdd/recordings"
    for a, b in zip(fsdd.x_train, again.x_train):
        np.testing.assert_array_equal(a, b)
    # a damaged cache is not trusted: it is downloaded again and replaced
    (cache / "recordings" / "0_alice_0.wav").write_bytes(b"RIFF damaged")
    monkeypatch.setattr(fsdd_module, "FSDD_URL", url)
    repaired = data.load_fsdd()
    assert repaired.source == "download" and Handler.hits == 2
    assert "does not match the pinned file names and content checksum" in capsys.readouterr().out
    assert data.sha256_folder(cache / "recordings") == sha and sorted(p.name for p in cache.iterdir()) == ["recordings"]


def test_content_checksum_mismatch_is_refused_and_leaves_no_cache(clean_env, offline, monkeypatch, server, capsys):
    url, _, _ = server
    monkeypatch.setattr(fsdd_module, "FSDD_URL", url)  # the pins stay the real FSDD's: the tiny archive fails them
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


def test_sha256_names_matches_find_printf_sort(tmp_path):
    (tmp_path / "b.wav").write_bytes(b"bbb")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.wav").write_bytes(b"aa")
    (tmp_path / "A.wav").write_bytes(b"A")
    assert data.sha256_names(tmp_path) == hashlib.sha256(b"A.wav\nb.wav\nsub/a.wav\n").hexdigest()


def test_names_pin_is_fsdds_structure():
    """FSDD_NAMES_SHA256 is the sorted list of the 3000 names: 10 digits x the 6 speakers x takes 0-49."""
    speakers = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
    names = sorted(f"{d}_{s}_{t}.wav" for d in range(10) for s in speakers for t in range(50))
    listing = "".join(f"{name}\n" for name in names).encode()
    assert len(names) == 3000 and hashlib.sha256(listing).hexdigest() == data.FSDD_NAMES_SHA256


# ----------------------------------------------------------------------------- mirror content check


def test_changed_recording_is_used_but_flagged(mirror, offline, capsys):
    """One sample of one clip changed: loaded as it is, flagged in the printed line and in the record."""
    rate, samples = wavfile.read(mirror / "1_bob_3.wav")
    samples[100] += 1
    wavfile.write(mirror / "1_bob_3.wav", rate, samples)
    fsdd = data.load_fsdd()
    out = capsys.readouterr().out
    assert fsdd.source == "mirror (unverified)" and fsdd.info()["source"] == "mirror (unverified)"
    assert out.count("\n") == 1 and "NOT the pinned FSDD" in out and "not comparable" in out
    assert str(mirror) not in out
    i = int(np.flatnonzero((fsdd.y_test == 1) & (fsdd.speakers_test == "bob") & (fsdd.takes_test == 3))[0])
    np.testing.assert_array_equal(fsdd.x_test[i] * 32768, samples.astype(np.float32))


def test_renamed_recording_is_flagged_although_the_content_checksum_agrees(mirror, offline):
    """File names are FSDD's labels: a relabelled clip whose bytes and order are unchanged is caught by the names pin."""
    before = data.sha256_folder(mirror)
    (mirror / "2_bob_6.wav").rename(mirror / "2_bob_60.wav")  # still last in sorted order: same concatenated bytes
    assert data.sha256_folder(mirror) == before
    fsdd = data.load_fsdd(verbose=False)
    assert fsdd.source == "mirror (unverified)" and 60 in fsdd.takes_train.tolist()


def test_extra_file_unverifies_and_a_subset_is_checked_against_the_whole_folder(mirror, offline):
    (mirror / "notes.txt").write_text("not a recording")
    assert data.load_fsdd(verbose=False).source == "mirror (unverified)"
    (mirror / "notes.txt").unlink()
    assert data.load_fsdd(max_takes=1, verbose=False).source == "mirror"
    # a clip outside the subset (take 6; max_takes=1 keeps takes 0 and 5) changed: the subset is unverified too,
    # since the full set is what the pin vouches for (which clips a subset holds depends on the whole folder)
    (mirror / "0_alice_6.wav").write_bytes((mirror / "0_alice_5.wav").read_bytes())
    subset = data.load_fsdd(max_takes=1, verbose=False)
    assert 6 not in subset.takes_train.tolist() and subset.source == "mirror (unverified)"


def test_cache_with_a_renamed_file_is_not_trusted(clean_env, offline, monkeypatch, capsys, closed_port_url):
    cache = write_recordings(clean_env / "cache" / "fsdd" / "recordings")
    pin(monkeypatch, cache)
    monkeypatch.setattr(fsdd_module, "FSDD_URL", closed_port_url)
    assert data.load_fsdd(verbose=False).source == "cache"
    (cache / "2_bob_6.wav").rename(cache / "2_bob_60.wav")
    assert data.load_fsdd(max_takes=1).source == "offline-fallback"
    assert (
        "AE_CACHE_DIR/fsdd/recordings does not match the pinned file names and content checksum"
        in capsys.readouterr().out
    )


def test_pins_are_those_of_the_fsdd_mirror():
    """The pins, checked on the data mirror when one is given (.ci/run sets AE_DATA_DIR); skipped without it."""
    folder = config.data_dir()
    if folder is None or not (folder / "fsdd" / "recordings").is_dir():
        pytest.skip("no AE_DATA_DIR mirror with fsdd/recordings here")
    start = time.perf_counter()
    assert data.fsdd_matches_pin(folder / "fsdd" / "recordings")
    assert time.perf_counter() - start < 5
