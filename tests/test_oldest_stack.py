"""The notebooks' quick mode on the oldest stack the series supports (requirements-oldest.txt).

README promises that the series runs on TensorFlow 2.19, Keras 3.10 and NumPy 2.0.2 (the versions
Colab shipped), not only on the pins of requirements.txt. This test builds that stack in a second
virtual environment, ``.venv-oldest`` (:func:`tools.stacks.ensure_oldest`: created once, reinstalled
only when requirements-oldest.txt changes), executes notebooks there in quick mode with that
environment's own kernel, and checks that no cell fails and that no output holds a traceback, a
warning or a framework log line.

The kernels run with oneDNN on (``TF_ENABLE_ONEDNN_OPTS=1``), as TensorFlow does by default on the
x86 processors with AVX-512 VNNI/BF16 or AMX that Colab and most cloud machines have; without it a
machine like a 2-core AMD EPYC never shows the log lines that students on those processors see.

Which notebooks: by default :data:`CI_NOTEBOOKS`, one per family of code paths (see there), so that
CI's whole test command stays within its time budget; ``AE_OLDEST_NOTEBOOKS=all`` runs all nine
(or a comma-separated list of stems or numbers, e.g. ``01,07``)::

    AE_OLDEST_NOTEBOOKS=all python -m pytest tests/test_oldest_stack.py

Where the second environment cannot be built (no package index reachable and nothing cached, or
no Python 3.11) the tests are skipped with the reason; with ``AE_REQUIRE_OLDEST=1`` (CI) they fail.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tools import catalog, stacks
from utils.config import ROOT

ALL_NOTEBOOKS = catalog.stems()
#: The notebooks CI runs on the oldest stack: one per family of code paths that behaves differently there.
#: 03: the dense models (01 and 02 use a subset of its Keras API) with regularizers, add_loss and custom
#: layers (Keras before 3.14 does not divide an activity regularizer by the batch size); 05: the
#: convolutional autoencoder (Conv2D + LeakyReLU + BatchNorm, shared by 04, 06 and 08; Grappler's remapper
#: on TensorFlow 2.19/2.20), a keras.Model with its own compute_loss, keras.random with a SeedGenerator,
#: scikit-learn; 07: the audio stack (librosa, pystoi, pesq, noisereduce, tqdm), convolutions without
#: BatchNorm on inputs of varying length, IPython audio players.
CI_NOTEBOOKS = ("03_deep_autoencoder", "05_generation", "07_denoising_speech")
#: As tests/test_committed_notebooks.py, for every stream (a kernel echoes C++ logging on stderr),
#: plus absl's line that TensorFlow 2.20 prints before its first log record.
NOISE = re.compile(r"Traceback|Warning|WARNING|[IWE]\d{4} \d\d:\d\d|oneDNN|cuda_|rebuild TensorFlow|absl::")
SELECT_ENV = "AE_OLDEST_NOTEBOOKS"


def selected() -> list[str]:
    """The notebook stems to run: CI_NOTEBOOKS, or what AE_OLDEST_NOTEBOOKS names ("all", or stems or numbers)."""
    raw = os.environ.get(SELECT_ENV, "").strip()
    if not raw:
        return [s for s in CI_NOTEBOOKS if s in ALL_NOTEBOOKS]
    if raw.lower() == "all":
        return ALL_NOTEBOOKS
    chosen = []
    for word in (w.strip() for w in raw.split(",") if w.strip()):
        found = [
            s for s in ALL_NOTEBOOKS if s == word or s.split("_", 1)[0] == (word.zfill(2) if word.isdigit() else word)
        ]
        if not found:
            raise ValueError(
                f"{SELECT_ENV}={raw!r}: {word!r} is not a notebook; use 'all' or stems or numbers such as 01,07."
            )
        chosen += found
    return chosen


def problems_in(executed: Path) -> list[str]:
    """Error outputs, and output lines with tracebacks, warnings or framework log noise, of an executed notebook."""
    problems = []
    nb = json.loads(executed.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                problems.append(f"cell {i}: {out['ename']}: {out['evalue'][:300]}")
            elif out["output_type"] == "stream":
                for line in "".join(out["text"]).splitlines():
                    if NOISE.search(line):
                        problems.append(f"cell {i} ({out['name']}): {line.strip()[:300]}")
    return problems


@pytest.fixture(scope="module")
def oldest_python(request):
    """.venv-oldest's Python, built or refreshed first (its progress printed live, not captured)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def say(line):
        with capture.global_and_fixture_disabled():
            print(line, flush=True)

    try:
        return stacks.ensure_oldest(log=say)
    except stacks.StackUnavailable as exc:
        reason = f"the oldest stack (requirements-oldest.txt) cannot be built here: {exc}"
    if os.environ.get(stacks.REQUIRE_ENV, "").strip() == "1":
        pytest.fail(f"{stacks.REQUIRE_ENV}=1 and {reason}", pytrace=False)
    pytest.skip(f"{reason} (set {stacks.REQUIRE_ENV}=1 to make this a failure)")


@pytest.mark.parametrize("stem", selected())
def test_quick_mode_on_the_oldest_stack(stem, oldest_python, tmp_path):
    executed = tmp_path / f"{stem}.ipynb"
    env = dict(
        os.environ,
        AE_QUICK="1",
        AE_RESULTS_DIR=str(tmp_path / "results"),
        MPLBACKEND="Agg",
        TF_ENABLE_ONEDNN_OPTS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",  # the kernel's debugger notice about frozen modules (kernel log only)
    )
    done = subprocess.run(
        [str(oldest_python), "-m", "tools.stacks", "run", str(catalog.by_stem(stem).file), str(executed)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    problems = problems_in(executed) if executed.exists() else []
    details = "\n".join(problems[:20] or done.stderr.splitlines()[-20:])
    assert done.returncode == 0 and not problems, f"{stem} on the oldest stack (exit {done.returncode}):\n{details}"
    record = json.loads((tmp_path / "results" / f"{stem}.json").read_text(encoding="utf-8"))
    pins = stacks.pins()
    assert record["mode"] == "quick"
    for name in ("tensorflow", "keras", "numpy"):
        assert record["versions"].get(name) == pins[name], f"{stem} ran {name} {record['versions'].get(name)}"


def test_selection(monkeypatch):
    monkeypatch.delenv(SELECT_ENV, raising=False)
    assert selected() == list(CI_NOTEBOOKS)
    monkeypatch.setenv(SELECT_ENV, "all")
    assert selected() == ALL_NOTEBOOKS
    monkeypatch.setenv(SELECT_ENV, "7, 01_bottleneck_autoencoder")
    assert selected() == ["07_denoising_speech", "01_bottleneck_autoencoder"]
    monkeypatch.setenv(SELECT_ENV, "10")
    with pytest.raises(ValueError, match="not a notebook"):
        selected()


def test_noise_pattern_catches_the_remapper_line():
    line = (
        "E0000 00:00:1796171205.847375   30122 meta_optimizer.cc:967] remapper failed: INVALID_ARGUMENT: "
        "Mutation::Apply error: fanout '.../LeakyRelu/LeakyReluGrad' exist for missing node '.../BiasAdd'."
    )
    assert NOISE.search(line)
    assert NOISE.search("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR")
    assert not NOISE.search("classifier test accuracy: 97.10%")
