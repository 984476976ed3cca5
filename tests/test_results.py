"""results.save writes the fields every results file holds (notebook, mode, backend, device, data, wall_seconds, versions, metrics), atomically, and never over committed files in quick mode."""

import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from utils import config, results

STEM = "01_bottleneck_autoencoder"


def make_settings(quick):
    return config.Settings(
        quick=quick,
        mode="quick" if quick else "full",
        seed=1,
        backend="tensorflow",
        device="CPU (2 cores)",
        machine="test machine",
        start_time=time.time() - 12.0,
    )


def test_quick_results_never_go_to_the_committed_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("AE_RESULTS_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert results.results_dir(quick=False) == config.ROOT / "results"
    folder = results.results_dir(quick=True)
    assert folder.is_relative_to(tmp_path) and not folder.is_relative_to(config.ROOT)
    path = results.save(STEM, make_settings(True), {"a": 1.0}, {"x": {"source": "test"}})
    assert path.parent == folder


def test_results_folder_comes_from_config(monkeypatch, tmp_path):
    """AE_RESULTS_DIR is read in one place, utils.config; a relative value is taken from the repository root."""
    assert results.results_dir is config.results_dir
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AE_RESULTS_DIR", "build/some-results")
    assert config.results_dir(quick=True) == config.results_dir(quick=False) == config.ROOT / "build" / "some-results"
    monkeypatch.setenv("AE_RESULTS_DIR", "")  # empty means unset (tools/series.py regenerate passes it so)
    assert config.results_dir(quick=False) == config.ROOT / "results"
    with pytest.raises(ValueError, match="quick must be True or False"):
        config.results_dir("yes")


def test_record_fields_and_types(monkeypatch, tmp_path):
    monkeypatch.setenv("AE_RESULTS_DIR", str(tmp_path))
    metrics = {"error": np.float32(0.25), "count": np.int64(3), "flag": True}
    path = results.save(STEM, make_settings(False), metrics, {"mnist": {"source": "mirror", "n_train": 5, "n_test": 2}})
    record = json.loads(Path(path).read_text())
    assert set(record) >= {
        "notebook",
        "mode",
        "backend",
        "device",
        "machine",
        "data",
        "wall_seconds",
        "versions",
        "metrics",
    }
    assert record["notebook"] == STEM and record["mode"] == "full"
    assert record["metrics"] == {"error": 0.25, "count": 3, "flag": 1}
    assert 11.5 < record["wall_seconds"] < 60
    assert "keras" in record["versions"] and "numpy" in record["versions"]
    assert [p.name for p in tmp_path.iterdir()] == [f"{STEM}.json"]  # no temporary file left


@pytest.mark.parametrize(
    "stem, metrics, data, message",
    [
        ("99_nothing", {"a": 1}, {}, "names no notebook"),
        (STEM, {}, {}, "non-empty"),
        (STEM, {"a": math.nan}, {}, "finite"),
        (STEM, {"a": {"nested": 1}}, {}, "must be a number"),
        (STEM, {"a": "0.5"}, {}, "must be a number"),
        (STEM, {"a": 1}, ["mnist"], "data must be a dict"),
    ],
)
def test_bad_input_is_refused(monkeypatch, tmp_path, stem, metrics, data, message):
    monkeypatch.setenv("AE_RESULTS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=message):
        results.save(stem, make_settings(False), metrics, data)
    assert list(tmp_path.iterdir()) == []


def test_load_all_reads_and_checks(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"notebook": "a", "metrics": {}}))
    assert [r["notebook"] for r in results.load_all(tmp_path)] == ["a"]
    (tmp_path / "b.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        results.load_all(tmp_path)
