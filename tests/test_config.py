"""utils.setup and the mode / data-folder switches."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import utils
from utils import config, session
from utils.config import ROOT


@pytest.mark.parametrize(
    "value, quick", [("1", True), ("true", True), ("YES", True), ("", False), ("0", False), ("off", False)]
)
def test_quick_switch(value, quick):
    assert config.is_quick(value) is quick


def test_quick_switch_rejects_typos():
    with pytest.raises(ValueError, match="AE_QUICK=1"):
        config.is_quick("quick")


def test_data_dir_relative_to_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    assert config.data_dir() is None
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path))
    assert config.data_dir() == tmp_path
    monkeypatch.setenv("AE_DATA_DIR", "tests")  # relative: taken from the repository root
    assert config.data_dir() == config.ROOT / "tests"


def test_quiet_native_stderr_swallows_c_level_output(capfd):
    with session.quiet_native_stderr():
        os.write(2, b"I0000 00:00:1 port.cc:153] oneDNN custom operations are on\n")
    os.write(2, b"visible again\n")
    err = capfd.readouterr().err
    assert "oneDNN" not in err and "visible again" in err


def test_setup_seeds_reports_and_returns_settings(monkeypatch, capsys):
    monkeypatch.setenv("AE_QUICK", "1")
    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    import numpy as np

    settings = utils.setup(seed=7)
    first = np.random.rand(3)
    out = capsys.readouterr().out
    assert settings.quick and settings.mode == "quick" and settings.seed == 7
    assert settings.backend in {"tensorflow", "jax", "torch"}
    assert settings.device.startswith(("CPU", "GPU"))
    assert "· quick mode" in out and settings.backend in out
    assert out.count("\n") == 1 and out.rstrip().endswith("· seed 7")  # one short line
    utils.setup(seed=7, quick=False)
    np.testing.assert_array_equal(first, np.random.rand(3))  # same seed, same numbers


def test_setup_prints_no_data_paths_and_checks_the_mirror_folder(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path))
    settings = utils.setup(seed=1)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.rstrip().endswith("· seed 1")
    assert str(tmp_path) not in out and not hasattr(settings, "data_dir")  # the loaders ask config.data_dir()
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "typo"))
    with pytest.raises(ValueError, match="Unset AE_DATA_DIR"):  # a typo fails in the setup cell, with what to do
        utils.setup(seed=1)


def test_environment_is_read_only_in_config():
    """One source of truth: no other utils module reads an AE_* variable (or KERAS_HOME) itself."""
    readers = []
    for path in sorted((ROOT / "utils").rglob("*.py")):
        if path.name == "config.py" and path.parent.name == "utils":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"(environ|getenv)\b.*[\"'](AE_\w+|KERAS_HOME)[\"']", line):
                readers.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert readers == []


def test_cache_and_keras_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path / "c"))
    assert config.cache_dir() == tmp_path / "c" and not (tmp_path / "c").exists()  # config only reads; data creates
    monkeypatch.delenv("AE_CACHE_DIR")
    assert config.cache_dir() == config.ROOT / "data" / "cache"
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    assert config.keras_home() == tmp_path / "k"
    monkeypatch.delenv("KERAS_HOME")
    assert config.keras_home() == Path.home() / ".keras"


def test_display_path_never_shows_the_machine(monkeypatch, tmp_path):
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "mirror"))
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    (tmp_path / "mirror").mkdir()
    assert config.display_path(tmp_path / "mirror" / "fsdd" / "recordings") == "AE_DATA_DIR/fsdd/recordings"
    assert config.display_path(tmp_path / "mirror") == "AE_DATA_DIR"
    assert config.display_path(tmp_path / "cache" / "fsdd") == "AE_CACHE_DIR/fsdd"
    assert config.display_path(tmp_path / "keras" / "datasets" / "mnist.npz") == "KERAS_HOME/datasets/mnist.npz"
    monkeypatch.delenv("AE_CACHE_DIR")
    monkeypatch.delenv("KERAS_HOME")
    assert config.display_path(config.cache_dir() / "fsdd" / "recordings") == "data/cache/fsdd/recordings"
    assert config.display_path(config.keras_home() / "datasets" / "mnist.npz") == "~/.keras/datasets/mnist.npz"
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "gone"))  # a bad AE_DATA_DIR names nothing here
    assert config.display_path(tmp_path / "gone" / "x") == str(tmp_path / "gone" / "x")


@pytest.mark.parametrize("seed", [-1, 1.5, "42", True])
def test_setup_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        utils.setup(seed=seed)


def test_setup_rejects_unknown_backend():
    with pytest.raises(ValueError, match="not a Keras 3 backend"):
        utils.setup(backend="theano")


def test_setup_refuses_backend_switch_after_import():
    import keras

    other = "jax" if keras.backend.backend() != "jax" else "torch"
    with pytest.raises(ValueError, match="restart the kernel"):
        utils.setup(backend=other)


def test_only_the_retracing_notice_is_dropped():
    import logging

    keep = logging.LogRecord("tensorflow", logging.WARNING, "", 0, "a real problem", None, None)
    drop = logging.LogRecord(
        "tensorflow",
        logging.WARNING,
        "",
        0,
        "5 out of the last 8 calls to <function f> triggered tf.function retracing.",
        None,
        None,
    )
    assert session._drop_retracing_notice(keep) and not session._drop_retracing_notice(drop)


def test_other_backends_keep_tensorflow_start_up_lines_out_of_stderr():
    """On JAX, Keras still imports TensorFlow (when installed) for its data adapters: setup() must silence it."""
    pytest.importorskip(
        "jax", reason="JAX is installed by `tools/series.py ... --backend jax` (requirements-backends.txt)"
    )
    code = (
        "import numpy as np, utils; utils.setup(seed=0); import keras\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]); m.compile('adam', 'mse')\n"
        "m.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0); print('fitted')"
    )
    env = dict(os.environ, KERAS_BACKEND="jax")
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "fitted" in run.stdout
    assert "I0000" not in run.stderr and "oneDNN" not in run.stderr, run.stderr


# ----------------------------------------------------------------------------- check_environment


@pytest.fixture
def bare_env(monkeypatch):
    """No AE_* variable, no KERAS_BACKEND or KERAS_HOME: what a newcomer's shell has."""
    for name in list(os.environ):
        if name.startswith("AE_") or name in {"KERAS_BACKEND", "KERAS_HOME"}:
            monkeypatch.delenv(name)
    return monkeypatch


def test_check_environment_accepts_a_bare_and_a_full_environment(bare_env, tmp_path):
    assert config.check_environment() == []
    (tmp_path / "mirror").mkdir()
    (tmp_path / "chromium").write_text("#!/bin/sh\n")
    for name, value in {
        "AE_QUICK": "1",
        "AE_DATA_DIR": str(tmp_path / "mirror"),
        "AE_CACHE_DIR": str(tmp_path / "cache-not-yet-made"),
        "AE_RESULTS_DIR": "build/results",
        "AE_REQUIRE_BROWSER": "1",
        "AE_CHROMIUM": str(tmp_path / "chromium"),
        "AE_NO_VENV": "0",
        "KERAS_BACKEND": "jax",
    }.items():
        bare_env.setenv(name, value)
    assert config.check_environment() == []
    assert not (tmp_path / "cache-not-yet-made").exists()  # it only reads


def test_check_environment_gives_is_quicks_message(bare_env):
    bare_env.setenv("AE_QUICK", "maybe")
    with pytest.raises(ValueError) as info:
        config.check_environment()
    assert str(info.value) == (
        "AE_QUICK='maybe' is not understood: set AE_QUICK=1 for quick mode, or unset it (or AE_QUICK=0) for full mode."
    )


def test_check_environment_gives_data_dirs_message(bare_env, tmp_path):
    bare_env.setenv("AE_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ValueError) as info:
        config.check_environment()
    assert str(info.value) == (
        f"AE_DATA_DIR={str(tmp_path / 'nowhere')!r} points to {tmp_path / 'nowhere'}, which is not a folder. "
        "Unset AE_DATA_DIR to use the download cache, or point it to a copy of the data mirror (a folder holding "
        "mnist.npz and fsdd/recordings/)."
    )


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("AE_CACHE_DIR", "FILE", "AE_CACHE_DIR=.* points to .*, which is a file, not a folder. Unset AE_CACHE_DIR"),
        ("AE_RESULTS_DIR", "FILE", "AE_RESULTS_DIR=.* which is a file, not a folder"),
        ("KERAS_HOME", "FILE", "KERAS_HOME=.* which is a file, not a folder. Unset KERAS_HOME to use ~/.keras"),
        ("AE_REQUIRE_BROWSER", "yes", "AE_REQUIRE_BROWSER='yes' is not understood: set AE_REQUIRE_BROWSER=1 to make"),
        ("AE_NO_VENV", "true", "AE_NO_VENV='true' is not understood: set AE_NO_VENV=1 to use the current Python"),
        ("AE_REQUIRE_OLDEST", "on", "AE_REQUIRE_OLDEST='on' is not understood: set AE_REQUIRE_OLDEST=1 to make"),
        ("AE_CHROMIUM", "/no/such/chromium", "AE_CHROMIUM='/no/such/chromium' is not an existing file"),
        ("KERAS_BACKEND", "theano", "KERAS_BACKEND='theano' is not a Keras 3 backend: set one of tensorflow, jax"),
    ],
)
def test_check_environment_refuses_each_bad_variable(bare_env, tmp_path, name, value, message):
    if value == "FILE":
        (tmp_path / "a-file").write_text("not a folder")
        value = str(tmp_path / "a-file")
    bare_env.setenv(name, value)
    with pytest.raises(ValueError, match=f"^{message}"):
        config.check_environment()


def test_check_environment_lists_every_problem_at_once(bare_env, tmp_path):
    bare_env.setenv("AE_QUICK", "quick")
    bare_env.setenv("AE_DATA_DIR", str(tmp_path / "typo"))
    bare_env.setenv("AE_CHROMIUM", "none")  # fine: no browser tests
    with pytest.raises(ValueError) as info:
        config.check_environment()
    lines = str(info.value).splitlines()
    assert lines[0] == "2 environment variables need fixing:"
    assert lines[1].startswith("- AE_QUICK='quick' is not understood") and lines[2].startswith("- AE_DATA_DIR=")
    assert len(lines) == 3


def test_check_environment_names_variables_nothing_reads(bare_env):
    bare_env.setenv("AE_QUIK", "1")
    bare_env.setenv("AE_SOMETHING_ELSE", "x")
    assert config.check_environment() == [
        "AE_QUIK is set, but nothing in this project reads it (did you mean AE_QUICK?): unset it, or correct its name.",
        "AE_SOMETHING_ELSE is set, but nothing in this project reads it: unset it, or correct its name.",
    ]


def test_every_ae_variable_read_in_utils_and_tools_is_checked():
    """AE_VARIABLES lists each AE_* name that utils/ or tools/ reads from the environment, and no other."""
    read = set()
    for path in sorted((ROOT / "utils").rglob("*.py")) + sorted((ROOT / "tools").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"(?:environ(?:\.get)?\(|environ\[|getenv\(|_env_path\()\s*[\"'](AE_\w+)[\"']", text))
        read |= set(re.findall(r"^\w+_ENV\s*=\s*[\"'](AE_\w+)[\"']", text, flags=re.M))
    assert read <= set(config.AE_VARIABLES), sorted(read - set(config.AE_VARIABLES))
    assert {"AE_QUICK", "AE_DATA_DIR", "AE_CACHE_DIR", "AE_RESULTS_DIR"} <= read


def test_ae_seed_replaces_the_notebooks_seed(monkeypatch, capsys):
    """AE_SEED runs a notebook on another seed (to check that a claim does not hang on one); a bad value is
    refused with what to set."""
    monkeypatch.setenv("AE_SEED", "3")
    assert config.seed_override() == 3
    assert utils.setup(seed=42).seed == 3 and "seed 3" in capsys.readouterr().out
    monkeypatch.setenv("AE_SEED", "three")
    with pytest.raises(ValueError, match="AE_SEED='three' is not a seed"):
        config.check_environment()
    monkeypatch.delenv("AE_SEED")
    assert config.seed_override() is None and utils.setup(seed=42).seed == 42
