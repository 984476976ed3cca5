"""The dense autoencoder taught in notebook 03 and the ``utils.models`` copy that later notebooks import
build the same architecture.

Notebook 03 writes ``dense_autoencoder`` out in a code cell the student can edit; notebook 04 imports
``utils.models.dense_autoencoder``. This test takes the cell's source out of the notebook, runs it, and
compares both builders layer by layer (types, output shapes, parameter counts) for the argument sets
the series uses, so that the two copies cannot drift apart.
"""

import ast
import json
from pathlib import Path

import pytest

import utils

utils.setup(seed=0, quick=True)
import keras  # noqa: E402

from utils import models  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_deep_autoencoder.ipynb"
FUNCTION = "dense_autoencoder"

# The argument sets the series uses: notebook 03's k = 32 model and its code-size sweep (k = 2 ... 64),
# its large model for the overfitting experiment, with weight decay, and notebook 04's baselines.
ARGUMENT_SETS = [
    dict(code_size=32),
    dict(code_size=2),
    dict(code_size=64, hidden=(1024, 512), code_activation="relu", weight_decay=1e-4),
]


def lesson_cell_source(notebook: Path = NOTEBOOK, function: str = FUNCTION) -> str:
    """The source of the one code cell of ``notebook`` that defines ``function`` at top level."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        # notebook magics ("!git", "%pip") are not Python; such cells never define the builder
        if any(line.lstrip().startswith(("!", "%")) for line in source.splitlines()):
            continue
        tree = ast.parse(source)
        if any(isinstance(node, ast.FunctionDef) and node.name == function for node in tree.body):
            found.append(source)
    assert len(found) == 1, f"expected one code cell in {notebook.name} that defines {function}, found {len(found)}"
    return found[0]


def lesson_builder(source: str | None = None):
    """Run the cell (with the imports the notebook made before it) and return the function it defines."""
    namespace = {"keras": keras, "layers": keras.layers, "regularizers": keras.regularizers}
    exec(compile(source if source is not None else lesson_cell_source(), str(NOTEBOOK), "exec"), namespace)
    return namespace[FUNCTION]


def describe(model) -> list[tuple[str, tuple, int]]:
    """Layer by layer: (type, output shape, parameter count), looking inside nested models."""
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            rows.extend(describe(layer))
        else:
            rows.append((type(layer).__name__, tuple(layer.output.shape), layer.count_params()))
    return rows


def architecture(builder, arguments: dict) -> dict:
    keras.utils.set_random_seed(0)
    encoder, decoder, autoencoder = builder(**arguments)
    return {
        "encoder": describe(encoder),
        "decoder": describe(decoder),
        "autoencoder": describe(autoencoder),
        "parameters": (encoder.count_params(), decoder.count_params(), autoencoder.count_params()),
        "regularised kernels": sum(
            getattr(layer, "kernel_regularizer", None) is not None
            for part in (encoder, decoder)
            for layer in part.layers
        ),
        "kernel penalty": sorted(
            float(layer.kernel_regularizer.l2)
            for part in (encoder, decoder)
            for layer in part.layers
            if getattr(layer, "kernel_regularizer", None) is not None
        ),
        "activations": [
            getattr(getattr(layer, "activation", None), "__name__", None)
            for part in (encoder, decoder)
            for layer in part.layers
        ],
    }


@pytest.mark.parametrize("arguments", ARGUMENT_SETS, ids=lambda a: ",".join(f"{k}={v}" for k, v in a.items()))
def test_notebook_and_utils_build_the_same_dense_autoencoder(arguments):
    taught, shared = architecture(lesson_builder(), arguments), architecture(models.dense_autoencoder, arguments)
    assert taught == shared


def test_the_comparison_notices_drift():
    """A changed width in the notebook's copy, or in the utils copy, makes the comparison fail."""
    source = lesson_cell_source()
    assert "(512, 128)" in source, "the default hidden widths appear in the notebook's builder"
    drifted = lesson_builder(source.replace("(512, 128)", "(512, 64)", 1))
    assert architecture(drifted, ARGUMENT_SETS[0]) != architecture(models.dense_autoencoder, ARGUMENT_SETS[0])
    other_activation = lesson_builder(source.replace('"sigmoid"', '"relu"', 1))
    assert architecture(other_activation, ARGUMENT_SETS[0]) != architecture(models.dense_autoencoder, ARGUMENT_SETS[0])
