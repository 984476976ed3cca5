"""Shared test set-up: quick mode for executed notebooks, no display, a network blocker, and one line
at the end when the web site's browser tests were skipped.

The repository root is importable (``utils``, ``tools``) through pytest's ``pythonpath`` setting in
pyproject.toml.
"""

import os
import socket

import pytest

# Notebook kernels started by nbval inherit this environment: quick mode, always.
os.environ["AE_QUICK"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


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
