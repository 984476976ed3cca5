"""Notebook 04 writes out the convolutional autoencoder it teaches; later notebooks import
``utils.models``. These tests build both versions and check that they are the same model, so that
the two copies cannot drift apart.

The builders are taken from the notebook's code cells that define them (found by name), without
running the rest of the notebook.
"""

import ast
import json
from pathlib import Path

import numpy as np
import pytest

import utils

utils.setup(seed=0, quick=True)
import keras  # noqa: E402

from utils import models  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_convolutional_autoencoder.ipynb"
BUILDERS = ("conv_block", "deconv_block", "conv_autoencoder")

# The arguments the series builds the model with: code sizes 2 and 32 (notebooks 04, 06, 08), 16 (08),
# 2 * k for a variational encoder (05: 4 and 64), and notebook 04's bottleneck width.
CODE_SIZES = (2, 4, 16, 32, 64)
BLOCK_ARGS = ((32, "conv_block_1"), (64, "conv_block_2"), (32, "deconv_block_1"), (16, "deconv_block_2"))


def notebook_builders(path: Path = NOTEBOOK) -> dict:
    """Exec the notebook's definitions of BUILDERS (only the ``def``s and imports of their cells)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    body = []
    found = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if not any(f"def {name}(" in source for name in BUILDERS):
            continue
        # IPython-only lines (magics, shell escapes) are not Python.
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        for node in ast.parse("\n".join(lines)).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                body.append(node)
            elif isinstance(node, ast.FunctionDef) and node.name in BUILDERS:
                body.append(node)
                found.add(node.name)
    missing = set(BUILDERS) - found
    assert not missing, f"notebook 04 defines no code cell with {sorted(missing)}"
    namespace = {"keras": keras, "layers": keras.layers, "np": np}
    exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), namespace)
    return {name: namespace[name] for name in BUILDERS}


def _config(layer) -> dict:
    config = dict(layer.get_config())
    config.pop("name", None)
    return config


def describe(model, depth: int = 0) -> list:
    """One row per layer, nested blocks expanded: depth, type, name (where set by the builder), output
    shape, parameter count, and the layer's configuration without its (automatic) name."""
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue  # its shape is compared as the model's input; its automatic name is not the model
        shape = tuple(layer.output.shape)
        row = [depth, type(layer).__name__, shape, layer.count_params()]
        if isinstance(layer, keras.Model):
            rows.append((*row, layer.name))
            rows.extend(describe(layer, depth + 1))
        else:
            # Top-level layer names are set by the builder (the notebook's text refers to them);
            # layers inside a block keep Keras's automatic names, which depend on what was built before.
            rows.append((*row, layer.name if depth == 0 else None, _config(layer)))
    return rows


def assert_same_model(mine, theirs, what: str):
    assert type(mine).__name__ == type(theirs).__name__, what
    assert mine.name == theirs.name, what
    assert tuple(mine.input.shape) == tuple(theirs.input.shape), what
    assert tuple(mine.output.shape) == tuple(theirs.output.shape), what
    assert mine.count_params() == theirs.count_params(), f"{what}: parameter counts differ"
    a, b = describe(mine), describe(theirs)
    assert len(a) == len(b), f"{what}: {len(a)} layers in the notebook, {len(b)} in utils.models"
    for i, (row_a, row_b) in enumerate(zip(a, b)):
        assert row_a == row_b, f"{what}, layer {i}:\n  notebook:     {row_a}\n  utils.models: {row_b}"


@pytest.fixture(scope="module")
def lesson():
    return notebook_builders()


@pytest.mark.parametrize("code_size", CODE_SIZES)
def test_notebook_conv_autoencoder_is_utils_models_conv_autoencoder(lesson, code_size):
    mine = lesson["conv_autoencoder"](code_size=code_size, bottleneck_width=128)
    theirs = models.conv_autoencoder(code_size=code_size, bottleneck_width=128)
    for half, m, t in zip(("encoder", "decoder", "autoencoder"), mine, theirs):
        assert_same_model(m, t, f"k = {code_size}, {half}")
    # Same weights in, same images out: the layers also compute the same function.
    mine[2].set_weights(theirs[2].get_weights())
    x = np.random.default_rng(code_size).random((3, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(mine[2].predict(x, verbose=0), theirs[2].predict(x, verbose=0), atol=1e-5)


def test_notebook_conv_autoencoder_default_arguments(lesson):
    mine, theirs = lesson["conv_autoencoder"](2), models.conv_autoencoder(2)
    assert mine[1].count_params() == theirs[1].count_params()
    assert_same_model(mine[2], theirs[2], "defaults")


@pytest.mark.parametrize(("filters", "name"), BLOCK_ARGS)
def test_notebook_blocks_are_utils_models_blocks(lesson, filters, name):
    builder = "deconv_block" if name.startswith("deconv") else "conv_block"
    shape = (14, 14, 32) if builder == "deconv_block" else (28, 28, 1)
    wrapped = []
    for make in (lesson[builder], getattr(models, builder)):
        inputs = keras.Input(shape=shape)
        wrapped.append(keras.Model(inputs, make(filters, name)(inputs), name="wrap"))
    mine, theirs = wrapped
    assert_same_model(mine, theirs, f"{builder}({filters}, {name!r})")
