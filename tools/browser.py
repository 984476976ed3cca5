"""The headless Chromium that tests/test_site.py drives with Playwright: find it, or provide one.

:func:`find` looks, in order, at ``AE_CHROMIUM`` (a Chromium executable; ``none`` means "use no
browser"), a system Chromium on the PATH, and the browser Playwright downloads for itself
(``python -m playwright install chromium``); a candidate counts only if it starts here (``--version``:
a downloaded browser may lack system libraries). :func:`provide`, which ``series.py test`` calls before
pytest, goes further when nothing is found: it tries Playwright's download (it fails within seconds
without a network), then, as root with ``apt-get``, Debian's ``chromium`` package. Where all of that
fails the browser tests are skipped with :data:`HOW_TO`, unless ``AE_REQUIRE_BROWSER=1`` (set by CI)
makes a missing browser a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

EXECUTABLE_ENV = "AE_CHROMIUM"
REQUIRE_ENV = "AE_REQUIRE_BROWSER"
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HOW_TO = (
    "to run them, install Chromium (apt-get install chromium, or "
    ".venv/bin/python -m playwright install chromium) or set AE_CHROMIUM=/path/to/chromium"
)
#: A download that makes no progress is abandoned after this long (Playwright's own setting, in ms) ...
DOWNLOAD_CONNECTION_TIMEOUT_MS = 15_000
#: ... and the whole download or installation after this long (seconds).
INSTALL_TIMEOUT_S = 600


def required() -> bool:
    """Whether a missing browser must fail the browser tests rather than skip them (``AE_REQUIRE_BROWSER=1``)."""
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


def missing_message(what: str = "no headless Chromium found") -> str:
    """The one line that says the browser tests cannot run (skipped, or failed under AE_REQUIRE_BROWSER=1),
    and how to make them run."""
    if required():
        return f"{what}, and {REQUIRE_ENV}=1 makes that a failure of the web site's browser tests; {HOW_TO}"
    return f"{what}, so the web site's browser tests are skipped; {HOW_TO}"


def _executable(path: str | os.PathLike | None) -> str | None:
    """path, if it is a browser that starts here (a downloaded one may lack system libraries); else None."""
    if not (path and Path(path).is_file() and os.access(path, os.X_OK)):
        return None
    try:
        started = subprocess.run([str(path), "--version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        started = False
    return str(path) if started else None


def _playwright_chromium() -> str | None:
    """The Chromium that Playwright downloaded for itself, if it did (and if Playwright is installed)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as pw:
            return _executable(pw.chromium.executable_path)
    except Exception:  # the driver cannot start: no usable browser either
        return None


def find() -> str | None:
    """An installed Chromium to run headless: its path, or None when there is none."""
    chosen = os.environ.get(EXECUTABLE_ENV, "").strip()
    if chosen:
        return None if chosen.lower() == "none" else _executable(chosen)
    for name in SYSTEM_NAMES:
        found = _executable(shutil.which(name))
        if found:
            return found
    return _playwright_chromium()


def _run_quietly(command: list[str], env: dict[str, str] | None = None) -> str | None:
    """Run a command with its output captured; None when it worked, else its last output line."""
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            env=None if env is None else dict(os.environ, **env),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode == 0:
        return None
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith(("error", "e:"))]
    return (errors or lines or [f"exit status {done.returncode}"])[0 if errors else -1]


def _install_playwright_chromium(say) -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    say(
        "Downloading Playwright's Chromium for the web site's browser tests (python -m playwright install chromium) ..."
    )
    return _run_quietly(
        [sys.executable, "-m", "playwright", "install", "chromium"],
        env={"PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT": str(DOWNLOAD_CONNECTION_TIMEOUT_MS)},
    )


def _install_debian_chromium(say) -> str | None:
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        return "apt-get as root is not available"
    say(
        "Installing Debian's chromium package for the web site's browser tests "
        "(apt-get install --no-install-recommends chromium) ..."
    )
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    return _run_quietly(["apt-get", "update", "-qq"], env) or _run_quietly(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"], env
    )


def provide(say=print) -> str | None:
    """:func:`find`, else download or install a Chromium where this machine allows it; None if all fails.

    An ``AE_CHROMIUM`` setting is respected as it is: nothing is installed then.
    """
    found = find()
    if found or os.environ.get(EXECUTABLE_ENV, "").strip():
        return found
    for install in (_install_playwright_chromium, _install_debian_chromium):
        problem = install(say)
        found = find()
        if found:
            return found
        if problem:
            say(f"  not possible here: {problem}")
    return None
