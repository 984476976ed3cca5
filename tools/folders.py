"""A built folder put in place whole: the site (tools/build_site.py) and the slides (tools/slides.py) are built
in a temporary folder beside their destination and swapped in only once complete, so that a failed build
leaves the previous one (or none), never a half-written one. Standard library only."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


def work_folder(out: Path, suffix: str = ".part") -> Path:
    """A new empty temporary folder beside ``out`` (same file system, so that the swap is a rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=suffix, dir=out.parent))


def swap_in(built: Path, out: Path) -> None:
    """Rename the finished folder ``built`` to ``out``; the folder there before is removed only afterwards."""
    built.chmod(0o755)
    old = None
    if out.exists():
        old = work_folder(out, ".old")
        out.rename(old / out.name)
    built.rename(out)
    if old:
        shutil.rmtree(old, ignore_errors=True)
