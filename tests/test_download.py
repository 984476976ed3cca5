"""The download helper: checksum, atomic rename, progress, clear errors; all without network."""

import hashlib
import http.server
import threading
import time

import pytest

from utils import config, data
from utils.data import fetch

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
GOOD = hashlib.sha256(PAYLOAD).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/truncated.bin":  # announces the whole file, sends half, hangs up
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path == "/missing.bin":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


def test_download_checks_and_renames(server, offline, tmp_path):
    path = data.download(f"{server}/data.bin", GOOD, folder=tmp_path, progress=True)
    assert path == tmp_path / "data.bin"
    assert path.read_bytes() == PAYLOAD
    assert files_in(tmp_path) == ["data.bin"]  # no temporary file left behind


def test_cached_file_is_reused_without_network(offline, tmp_path):
    (tmp_path / "data.bin").write_bytes(PAYLOAD)
    start = time.time()
    path = data.download("https://example.invalid/data.bin", GOOD, folder=tmp_path)
    assert path.read_bytes() == PAYLOAD and time.time() - start < 1


def test_checksum_mismatch_is_refused_and_removed(server, offline, tmp_path):
    wrong = "0" * 64
    with pytest.raises(data.DownloadError, match="refused and deleted"):
        data.download(f"{server}/data.bin", wrong, folder=tmp_path, progress=False)
    assert files_in(tmp_path) == []


def test_interrupted_download_leaves_nothing(server, offline, tmp_path):
    with pytest.raises(data.DownloadError) as info:
        data.download(f"{server}/truncated.bin", GOOD, folder=tmp_path, progress=False)
    assert f"{server}/truncated.bin" in str(info.value) and str(tmp_path) in str(info.value)
    assert files_in(tmp_path) == []


def test_keyboard_interrupt_leaves_nothing(server, offline, tmp_path, monkeypatch):
    class Interrupting:
        def __init__(self, *a, **k):
            self.seen = 0

        def update(self, n):
            self.seen += n
            if self.seen > len(PAYLOAD) // 3:
                raise KeyboardInterrupt

        def close(self):
            pass

    monkeypatch.setattr(fetch, "_progress_bar", Interrupting)
    with pytest.raises(KeyboardInterrupt):
        data.download(f"{server}/data.bin", GOOD, folder=tmp_path)
    assert files_in(tmp_path) == []


def test_no_network_fails_fast_naming_url_and_cache(offline, tmp_path):
    url = "https://example.org/fsdd.tar.gz"
    start = time.time()
    with pytest.raises(data.DownloadError) as info:
        data.download(url, GOOD, folder=tmp_path, progress=False)
    assert time.time() - start < 5
    message = str(info.value)
    assert url in message and str(tmp_path) in message
    assert files_in(tmp_path) == []


def test_http_error_is_reported(server, offline, tmp_path):
    with pytest.raises(data.DownloadError, match="404"):
        data.download(f"{server}/missing.bin", GOOD, folder=tmp_path, progress=False)
    assert files_in(tmp_path) == []


def test_stale_cached_file_is_replaced(server, offline, tmp_path):
    (tmp_path / "data.bin").write_bytes(b"old contents")
    path = data.download(f"{server}/data.bin", GOOD, folder=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD


def test_unpinned_download_is_never_reused(server, offline, tmp_path):
    """sha256=None (for archives whose contents the caller checks): fetched, and fetched again next time."""
    (tmp_path / "data.bin").write_bytes(b"old contents")
    path = data.download(f"{server}/data.bin", None, folder=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD and files_in(tmp_path) == ["data.bin"]
    with pytest.raises(data.DownloadError):
        data.download(f"{server}/truncated.bin", None, filename="data.bin", folder=tmp_path, progress=False)
    assert files_in(tmp_path) == []  # the old file was not trusted, the partial one not kept


def test_file_url(tmp_path):
    source = tmp_path / "src" / "a.bin"
    source.parent.mkdir()
    source.write_bytes(PAYLOAD)
    path = data.download(source.as_uri(), GOOD, folder=tmp_path / "cache", progress=False)
    assert path.read_bytes() == PAYLOAD


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"url": "ftp://x/y.bin", "sha256": GOOD}, "url must start"),
        ({"url": "https://x/y.bin", "sha256": "abc"}, "64 hexadecimal"),
        ({"url": "https://x/", "sha256": GOOD, "filename": "../evil"}, "file name"),
        ({"url": "https://x/y.bin", "sha256": GOOD, "timeout": 0}, "timeout"),
    ],
)
def test_bad_arguments(kwargs, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        data.download(folder=tmp_path, **kwargs)


def test_default_cache_folder_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path / "c"))
    assert data.cache_dir() == tmp_path / "c" and (tmp_path / "c").is_dir()
    # a relative path is taken from the repository root, not from the working directory
    monkeypatch.setenv("AE_CACHE_DIR", "build/test-cache")
    monkeypatch.chdir(tmp_path)
    assert config.cache_dir() == config.ROOT / "build" / "test-cache"
    monkeypatch.delenv("AE_CACHE_DIR")
    assert config.cache_dir() == config.ROOT / "data" / "cache"
