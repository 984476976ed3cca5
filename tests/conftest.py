"""Shared test set-up: quick mode for executed notebooks, no display, a network blocker, a line every
30 s while one test runs long (a notebook cell that trains, the site's build), and one line at the
end when the web site's browser tests were skipped.

The repository root is importable (``utils``, ``tools``) through pytest's ``pythonpath`` setting in
pyproject.toml.
"""

import os
import socket
import threading
import time

import pytest

# Notebook kernels started by nbval inherit this environment: quick mode, always.
os.environ["AE_QUICK"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


#: Seconds a test may run before a line says it is still running (and then every as many seconds).
HEARTBEAT_S = 30


class _Heartbeat:
    """Says on the terminal, every HEARTBEAT_S seconds, which test is still running and for how long, so that
    a long test (a notebook cell that trains for two minutes) never looks like a hung run."""

    def __init__(self):
        # the terminal as it is now, before pytest captures each test's output (fd 1 is redirected then)
        self.out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8", errors="replace")
        self.current: tuple[str, float] | None = None
        self.lock = threading.Lock()
        threading.Thread(target=self._beat, daemon=True).start()

    def start(self, nodeid: str) -> None:
        with self.lock:
            self.current = (nodeid, time.monotonic())

    def stop(self) -> None:
        with self.lock:
            self.current = None

    def _beat(self) -> None:
        said = None
        while True:
            time.sleep(1)
            with self.lock:
                if self.current is None:
                    continue
                nodeid, since = self.current
                seconds = int(time.monotonic() - since)
                if seconds >= HEARTBEAT_S and seconds % HEARTBEAT_S == 0 and (nodeid, seconds) != said:
                    self.out.write(f"\n    ... {nodeid} still running ({seconds} s)\n")
                    said = (nodeid, seconds)


def pytest_configure(config):
    config._heartbeat = _Heartbeat()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    heartbeat = item.config._heartbeat
    heartbeat.start(item.nodeid)
    try:
        yield
    finally:
        heartbeat.stop()


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    """Say once, at the end, why the browser tests were skipped (tests/test_site.py, tools/browser.py)."""
    reasons = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        reason = reason.removeprefix("Skipped: ")
        if "browser tests are skipped" in reason:
            reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in reasons.items():
        terminalreporter.write_line(f"{count} test(s) skipped: {reason}", yellow=True, bold=True)


class NetworkBlocked(OSError):
    pass


@pytest.fixture
def offline(monkeypatch):
    """Block every outgoing connection and name lookup, as on a machine without network.

    Connections to 127.0.0.1 stay allowed, so tests can serve files from a local server.
    """
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def local_only(host):
        return host in {"127.0.0.1", "localhost", "::1"}

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and local_only(host):
            return real_connect(self, address)
        raise NetworkBlocked(f"network blocked by the test (connect to {address!r})")

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and local_only(host):
            return real_getaddrinfo(host, *args, **kwargs)
        raise socket.gaierror(f"network blocked by the test (lookup of {host!r})")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No AE_DATA_DIR, a private Keras home and download cache, results in tmp_path."""
    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AE_RESULTS_DIR", str(tmp_path / "results"))
    return tmp_path
