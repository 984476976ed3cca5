"""The series as data: every notebook's metadata, in reading order, read from ``course/series.yaml``.

``course/series.yaml`` is the one home of what the project knows about each notebook (title, what
it teaches, headline metrics, prerequisites, slide ideas, session, deep dives) and of the teacher's
sessions. Everything that refers to the series reads it through this module: the navigation lines
and Colab links (:mod:`tools.navigation`), README's notebook list and the results page
(:mod:`tools.pages`), the web site, the course plan, the runner and the tests.

Core notebooks live at ``notebooks/<stem>.ipynb``; the deep dives that extend a core notebook at
``notebooks/deep-dives/<stem>.ipynb`` (stem ``NNx_topic``: NN the core, x a letter).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import PurePath, PurePosixPath

from utils.config import ROOT

#: The file this module reads.
SERIES_FILE = ROOT / "course" / "series.yaml"
#: The Keras backends the series runs on; the first is the default.
BACKENDS = ("tensorflow", "jax", "torch")
#: Where deep dives live, relative to ``notebooks/``.
DEEP_DIVE_FOLDER = "deep-dives"


@dataclass(frozen=True)
class Notebook:
    """One notebook of the series (a core notebook or a deep dive).

    ``headline`` names the few metrics of ``results/<stem>.json`` that README, the results page and
    the web site show, as (metric name, what it is); the first one is the key metric of the backend
    table. ``core`` is the stem of the core notebook a deep dive extends (None for a core notebook).
    """

    stem: str
    title: str
    teaches: str
    headline: tuple[tuple[str, str], ...] = ()
    prerequisites: str = ""
    slides: str = ""
    session: int | None = None
    core: str | None = None
    deep_dives: tuple[Notebook, ...] = field(default=(), repr=False)

    @property
    def number(self) -> str:
        """The position in the series, e.g. ``"01"`` (``"04a"`` for a deep dive)."""
        return self.stem.split("_", 1)[0]

    @property
    def key_metric(self) -> str | None:
        return self.headline[0][0] if self.headline else None

    @property
    def is_deep_dive(self) -> bool:
        return self.core is not None

    @property
    def path(self) -> PurePosixPath:
        """The notebook's path relative to the repository root."""
        folder = PurePosixPath("notebooks", DEEP_DIVE_FOLDER) if self.is_deep_dive else PurePosixPath("notebooks")
        return folder / f"{self.stem}.ipynb"

    @property
    def file(self):
        """The notebook's file on this machine."""
        return ROOT / self.path


@dataclass(frozen=True)
class Session:
    """One session of the suggested course: its title, the teacher's plan, its notebooks' stems."""

    title: str
    plan: str
    notebooks: tuple[str, ...]


class SeriesError(ValueError):
    """``course/series.yaml`` is malformed; the message names the entry and what to fix."""


def _text(entry: dict, key: str, where: str, required: bool = True) -> str:
    value = entry.get(key, "")
    if required and not (isinstance(value, str) and value.strip()):
        raise SeriesError(f"course/series.yaml: {where} needs a '{key}' (text).")
    return " ".join(str(value).split())


def _notebook(entry: dict, core: str | None, index: int) -> Notebook:
    where = f"notebook {index + 1}" if core is None else f"a deep dive of {core}"
    if not isinstance(entry, dict) or not entry.get("stem"):
        raise SeriesError(f"course/series.yaml: {where} needs a 'stem' (e.g. 01_bottleneck_autoencoder).")
    stem = str(entry["stem"])
    where = stem
    number = stem.split("_", 1)[0]
    if core is None and not (len(number) == 2 and number.isdigit()):
        raise SeriesError(f"course/series.yaml: the stem {stem!r} must start with two digits and '_' (01_name).")
    if core is not None and not (number[:2] == core[:2] and len(number) == 3 and number[2].isalpha()):
        raise SeriesError(
            f"course/series.yaml: the deep dive {stem!r} of {core} must be named {core[:2]}x_topic (x a letter)."
        )
    headline = entry.get("headline") or {}
    if not isinstance(headline, dict):
        raise SeriesError(f"course/series.yaml: {where}'s 'headline' must map metric names to words.")
    session = entry.get("session")
    if core is None and not isinstance(session, int):
        raise SeriesError(f"course/series.yaml: {where} needs a 'session' (a session number, 1 for the first).")
    dives = tuple(_notebook(d, stem, i) for i, d in enumerate(entry.get("deep_dives") or []))
    return Notebook(
        stem=stem,
        title=_text(entry, "title", where),
        teaches=_text(entry, "teaches", where),
        headline=tuple((str(k), str(v)) for k, v in headline.items()),
        prerequisites=_text(entry, "prerequisites", where, required=core is None),
        slides=_text(entry, "slides", where, required=core is None),
        session=session if core is None else None,
        core=core,
        deep_dives=dives,
    )


@functools.cache
def _load(path=SERIES_FILE) -> tuple[dict, tuple[Notebook, ...], tuple[Session, ...]]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cores = tuple(_notebook(entry, None, i) for i, entry in enumerate(data.get("notebooks") or []))
    raw_sessions = data.get("sessions") or []
    sessions = tuple(
        Session(
            title=_text(s, "title", f"session {i + 1}"),
            plan=_text(s, "plan", f"session {i + 1}"),
            notebooks=tuple(nb.stem for nb in cores if nb.session == i + 1),
        )
        for i, s in enumerate(raw_sessions)
    )
    for nb in cores:
        if not 1 <= nb.session <= len(sessions):
            raise SeriesError(f"course/series.yaml: {nb.stem}'s session {nb.session} is not one of the sessions.")
    stems = [nb.stem for nb in cores] + [d.stem for nb in cores for d in nb.deep_dives]
    doubles = sorted({s for s in stems if stems.count(s) > 1})
    if doubles:
        raise SeriesError(f"course/series.yaml: {', '.join(doubles)} listed more than once.")
    return data.get("repository") or {}, cores, sessions


def repository() -> tuple[str, str]:
    """(URL, branch or tag) of the repository's public home: Colab badges link to it and Colab clones it."""
    repo = _load()[0]
    return str(repo.get("url", "")), str(repo.get("ref", "main"))


def core_notebooks() -> tuple[Notebook, ...]:
    """The core notebooks, in reading order."""
    return _load()[1]


def deep_dives() -> tuple[Notebook, ...]:
    """Every deep dive, in the order of the core notebooks they extend."""
    return tuple(d for nb in core_notebooks() for d in nb.deep_dives)


def all_notebooks() -> tuple[Notebook, ...]:
    """Every notebook in reading order: each core notebook followed by its deep dives."""
    return tuple(n for nb in core_notebooks() for n in (nb, *nb.deep_dives))


def sessions() -> tuple[Session, ...]:
    """The suggested sessions of the course, in order."""
    return _load()[2]


def by_stem(stem: str) -> Notebook:
    """The catalog entry of a stem.

    Raises:
        KeyError: if no notebook has that stem.
    """
    for nb in all_notebooks():
        if nb.stem == stem:
            return nb
    raise KeyError(f"{stem} is not listed in course/series.yaml")


def stems(deep: bool = True) -> list[str]:
    """The stems in reading order (with ``deep=False``, the core notebooks only)."""
    return [nb.stem for nb in (all_notebooks() if deep else core_notebooks())]


def select(names: list[str]) -> list[str]:
    """The stems named by ``names`` (a stem, a prefix such as ``"01"`` or ``"04a"``, or a file name); all
    when empty. A two-digit prefix names the core notebook (its deep dives have a letter after it).

    Raises:
        ValueError: when a name matches no notebook or more than one.
    """
    known = stems()
    if not names:
        return known
    chosen = []
    for name in names:
        name = PurePath(name).stem
        exact = [s for s in known if s == name or s.split("_", 1)[0] == name]
        hits = exact or [s for s in known if s.startswith(name)]
        if len(hits) != 1:
            raise ValueError(f"'{name}' matches {len(hits)} notebooks; choose one of: {', '.join(known)}")
        chosen.append(hits[0])
    return chosen


def github_path(nb: Notebook) -> str:
    """``owner/name/blob/<ref>/<path>`` of a notebook, as Colab's GitHub links need it."""
    url, ref = repository()
    owner_name = url.removeprefix("https://github.com/").removesuffix(".git")
    return f"{owner_name}/blob/{ref}/{nb.path}"


def github_url(path: str) -> str:
    """A file of the repository (a path from its root) on GitHub, at the branch the series names."""
    url, ref = repository()
    return f"{url}/blob/{ref}/{path}"
