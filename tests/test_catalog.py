"""course/series.yaml, read by tools/catalog.py: the one home of each notebook's metadata; `new` adds to it
(tools/scaffold.py) and the navigation follows it (tools/navigation.py)."""

from __future__ import annotations

import pytest

from tools import catalog, navigation, scaffold


def _load(tmp_path, text: str):
    path = tmp_path / "series.yaml"
    path.write_text(text, encoding="utf-8")
    return catalog._load(path)


def test_every_core_notebook_has_its_metadata():
    for nb in catalog.core_notebooks():
        assert nb.title and nb.teaches and nb.headline and nb.prerequisites and nb.slides, nb.stem
        assert nb.file.is_file(), f"{nb.path} is listed in course/series.yaml but missing"


def test_a_malformed_entry_is_named(tmp_path):
    with pytest.raises(catalog.SeriesError, match="01_a needs a 'session'"):
        _load(
            tmp_path, "notebooks:\n  - stem: 01_a\n    title: A\n    teaches: t\n    prerequisites: p\n    slides: s\n"
        )
    with pytest.raises(catalog.SeriesError, match="must be named 01x_topic"):
        _load(
            tmp_path,
            "notebooks:\n  - stem: 01_a\n    title: A\n    teaches: t\n    prerequisites: p\n    slides: s\n"
            "    session: 1\n    deep_dives:\n      - stem: 02a_b\n        title: B\n        teaches: t\n"
            "sessions:\n  - title: S\n    plan: P\n",
        )


def test_new_entries_go_where_they_belong(tmp_path):
    text = catalog.SERIES_FILE.read_text(encoding="utf-8")
    core = catalog.core_notebooks()[3]
    text = scaffold.add_to_series(text, f"{core.number}a_gaps", "Gaps", core.stem)
    text = scaffold.add_to_series(text, f"{core.number}b_more", "More: a title with a colon", core.stem)
    text = scaffold.add_to_series(text, "10_sparse_codes", "Sparse codes", None)
    _, cores, sessions = _load(tmp_path, text)
    assert [nb.stem for nb in cores][-1] == "10_sparse_codes" and cores[-1].session == len(sessions)
    dives = next(nb for nb in cores if nb.stem == core.stem).deep_dives[-2:]  # after the deep dives it has
    assert [d.stem for d in dives] == [f"{core.number}a_gaps", f"{core.number}b_more"]
    assert dives[1].title == "More: a title with a colon"  # quoted in the YAML, read back whole
    assert dives[0].core == core.stem and str(dives[0].path) == f"notebooks/deep-dives/{core.number}a_gaps.ipynb"
    assert "# A suggested split" in text and text.index("10_sparse_codes") < text.index("sessions:")


def test_a_two_digit_name_selects_the_core_notebook_and_a_letter_its_deep_dive(monkeypatch):
    core = catalog.core_notebooks()[3]
    dive = catalog.Notebook(f"{core.number}a_gaps", "Gaps", "t", core=core.stem)
    with_dive = tuple(
        catalog.Notebook(**{**nb.__dict__, "deep_dives": (dive,)}) if nb.stem == core.stem else nb
        for nb in catalog.core_notebooks()
    )
    monkeypatch.setattr(catalog, "core_notebooks", lambda: with_dive)
    assert catalog.select([core.number]) == [core.stem]
    assert catalog.select([f"{core.number}a"]) == [dive.stem]
    assert catalog.stems().index(dive.stem) == catalog.stems().index(core.stem) + 1
    assert navigation.nav_line(dive) == (
        f"< Deep dive of [{core.number} · {core.title}](../{core.stem}.ipynb) | [Index](../../README.md#the-notebooks)"
    )
    assert f"Deep dives: [{dive.number} · Gaps](deep-dives/{dive.stem}.ipynb)" in navigation.nav_line(
        catalog.by_stem(core.stem)
    )
    with pytest.raises(ValueError, match="matches 0 notebooks"):
        catalog.select(["77"])
