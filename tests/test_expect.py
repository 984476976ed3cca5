"""tools/expect.py: quick runs of the core notebooks on several seeds, recorded for the course plan's sheets.

The kernel is replaced by a stand-in that writes a results file as a notebook does (or fails as an assert
would), so that what is recorded can be checked without running a notebook.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import catalog, expect, records, runner


@pytest.fixture
def fake_runs(monkeypatch, tmp_path):
    seen = []

    def execute(source, out_path, env, log_path, failed_path=None):
        seen.append(dict(env))
        if env["AE_SEED"] == "2":
            raise AssertionError("the claim does not hold on this seed")
        stem = Path(source).stem
        metric = {"loss": 0.1 * int(env["AE_SEED"])}
        result = {"machine": "test host", "device": "CPU", "wall_seconds": 3.0, "data": {}, "metrics": metric}
        (Path(env["AE_RESULTS_DIR"]) / f"{stem}.json").write_text(json.dumps(result), encoding="utf-8")
        return 3.0

    monkeypatch.setattr(runner, "execute", execute)
    monkeypatch.setattr(records, "SEEDS_FILE", tmp_path / "quick_seeds.json")
    return seen


def test_every_seed_runs_in_quick_mode_and_failures_are_recorded(fake_runs):
    stem = catalog.core_notebooks()[0].stem
    record = expect.run_seeds([stem], (42, 1, 2), say=lambda *a, **k: None)
    assert [(env["AE_QUICK"], env["AE_SEED"]) for env in fake_runs] == [("1", "42"), ("1", "1"), ("1", "2")]
    runs = record["notebooks"][stem]["runs"]
    assert runs["42"]["passed"] and runs["42"]["metrics"] == {"loss": pytest.approx(4.2)}
    assert not runs["2"]["passed"] and "does not hold" in runs["2"]["error"]
    assert record["machine"] == "test host" and record["notebooks"][stem]["code"]
    assert json.loads(records.SEEDS_FILE.read_text(encoding="utf-8")) == record
    mean, low, high, n = records.seed_spread(stem, "loss", record)
    assert (low, high, n) == (pytest.approx(0.1), pytest.approx(4.2), 2) and mean == pytest.approx(2.15)


def test_deep_dives_are_refused():
    dive = catalog.deep_dives()[0].number
    assert expect.main([dive], None) == 2
