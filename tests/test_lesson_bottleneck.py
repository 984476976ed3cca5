"""Notebook 01 writes out its data, its error measure and its network; its deep dive 01a imports the
``utils`` copies (``utils.data.make_dependent``, ``make_independent``, ``utils.metrics.relative_error``,
``utils.models.bottleneck_autoencoder``). These tests run the notebook's definitions beside the copies
and check that they give the same points, the same errors and the same network.
"""

import ast
import json

import numpy as np

import utils

utils.setup(seed=0, quick=True)
import keras  # noqa: E402

from utils import data, metrics, models  # noqa: E402
from utils.config import ROOT  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "01_bottleneck_autoencoder.ipynb"
NAMES = ("MIXING", "make_dependent", "make_independent", "relative_error", "build_bottleneck_autoencoder")


def notebook_definitions() -> dict:
    """Exec the notebook's top-level ``def``s and assignments of NAMES (nothing else of its cells)."""
    body = []
    for cell in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = [  # IPython-only lines (shell escapes, magics) are not Python: keep their indentation, as pass
            line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
            for line in "".join(cell["source"]).splitlines()
        ]
        for node in ast.parse("\n".join(lines)).body:
            if isinstance(node, ast.FunctionDef) and node.name in NAMES:
                body.append(node)
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) in NAMES for t in node.targets):
                body.append(node)
    namespace = {"np": np, "keras": keras, "layers": keras.layers, "utils": utils}
    exec(compile(ast.Module(body=body, type_ignores=[]), str(NOTEBOOK), "exec"), namespace)
    missing = [n for n in NAMES if n not in namespace]
    assert not missing, f"notebook 01 no longer defines {missing}"
    return namespace


def test_the_data_is_the_notebooks_data():
    nb = notebook_definitions()
    np.testing.assert_array_equal(nb["MIXING"], data.toy.MIXING)
    x_nb, z_nb = nb["make_dependent"](500, np.random.default_rng(3))
    x_ut, z_ut = data.make_dependent(500, np.random.default_rng(3))
    np.testing.assert_array_equal(x_nb, x_ut)
    np.testing.assert_array_equal(z_nb, z_ut)
    np.testing.assert_array_equal(
        nb["make_independent"](x_nb, np.random.default_rng(4)), data.make_independent(x_ut, np.random.default_rng(4))
    )


def test_the_relative_error_is_the_notebooks():
    nb = notebook_definitions()
    x, _ = data.make_dependent(300, np.random.default_rng(5))
    x_hat = x + np.random.default_rng(6).normal(0, 0.1, x.shape).astype("float32")
    assert nb["relative_error"](x_hat, x) == metrics.relative_error(x_hat, x)
    assert abs(metrics.relative_error(np.broadcast_to(x.mean(axis=0), x.shape), x) - 1.0) < 1e-6  # the mean scores 1


def test_the_network_is_the_notebooks():
    nb = notebook_definitions()
    for code_size in (1, 2, 3):
        keras.utils.set_random_seed(0)
        mine = nb["build_bottleneck_autoencoder"](code_size)
        keras.utils.set_random_seed(0)
        theirs = models.bottleneck_autoencoder(code_size)
        for a, b in zip(mine, theirs, strict=True):
            assert a.name == b.name and a.count_params() == b.count_params()
            assert [(type(layer).__name__, layer.name, layer.get_config().get("activation")) for layer in a.layers] == [
                (type(layer).__name__, layer.name, layer.get_config().get("activation")) for layer in b.layers
            ]
        x, _ = data.make_dependent(8, np.random.default_rng(0))
        np.testing.assert_allclose(mine[2].predict(x, verbose=0), theirs[2].predict(x, verbose=0), atol=1e-6)
