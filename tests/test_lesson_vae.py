"""Notebook 05 writes out the VAE it teaches; its deep dive imports ``utils.models.VAE``. These tests
build both and check that they are the same model computing the same loss, so the two copies cannot
drift apart. The classes are taken from the notebook's code cell that defines them (found by name).
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

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_generation.ipynb"
CLASSES = ("Sampling", "VAE")


def notebook_classes(path: Path = NOTEBOOK) -> dict:
    """Exec the notebook's definitions of CLASSES (only those ``class`` statements)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    body = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and any(f"class {name}(" in source for name in CLASSES):
            body += [n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name in CLASSES]
    assert sorted(n.name for n in body) == sorted(CLASSES), "notebook 05 defines Sampling and VAE in its code cells"
    namespace = {"keras": keras, "layers": keras.layers, "ops": keras.ops, "utils": utils, "np": np}
    exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), namespace)  # noqa: S102
    return {name: namespace[name] for name in CLASSES}


@pytest.fixture(scope="module")
def lesson():
    return notebook_classes()


@pytest.mark.parametrize("code_size", (2, 16))
def test_the_notebook_vae_is_utils_models_vae(lesson, code_size):
    x = np.random.default_rng(code_size).random((4, 28, 28, 1)).astype("float32")
    built = []
    for cls in (lesson["VAE"], models.VAE):
        vae = cls(code_size=code_size, seed=7)
        vae(x)  # build the weights
        built.append(vae)
    mine, theirs = built
    assert mine.count_params() == theirs.count_params() > 0
    assert [w.shape for w in mine.get_weights()] == [w.shape for w in theirs.get_weights()]
    mine.set_weights(theirs.get_weights())
    # Same weights and the same seed for the sampling noise: the same reconstructions, codes and loss.
    outputs = [vae(x, training=False) for vae in (mine, theirs)]
    for a, b in zip(*outputs):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), atol=1e-5)
    losses = [float(vae.compute_loss(x=x, y_pred=out)) for vae, out in zip((mine, theirs), outputs)]
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    assert losses[0] > 0


def test_the_loss_is_summed_bce_plus_kl():
    """At mean 0 and log-variance 0 the KL term vanishes: the loss is the summed cross-entropy alone;
    moving the means away from 0 adds exactly 0.5 * sum(mean**2) per image."""
    vae = models.VAE(code_size=2, seed=0)
    x = np.full((3, 28, 28, 1), 0.25, dtype="float32")
    x_hat = np.full((3, 28, 28, 1), 0.5, dtype="float32")
    zeros = np.zeros((3, 2), dtype="float32")
    bce = -(0.25 * np.log(0.5) + 0.75 * np.log(0.5)) * 784
    assert float(vae.compute_loss(x=x, y_pred=(x_hat, zeros, zeros))) == pytest.approx(bce, rel=1e-4)
    means = np.array([[1.0, 2.0]] * 3, dtype="float32")
    assert float(vae.compute_loss(x=x, y_pred=(x_hat, means, zeros))) == pytest.approx(bce + 2.5, rel=1e-4)


def test_a_bad_code_size_says_what_to_pass():
    with pytest.raises(ValueError, match="code_size"):
        models.VAE(code_size=0)
