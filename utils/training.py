"""Training helpers: the series' fit routine, a compact progress display and a throughput meter.

Every notebook from 04 on trains its models the way notebook 03 writes out in full:
Adam with a learning rate that decays to zero along a cosine over the whole run, the
reconstruction error as the loss. :func:`fit` is that routine, with the loss, the
number of epochs and the learning rate visible at each call.

Keras' own progress bar prints a line per batch update, which floods a committed
notebook; ``verbose=0`` shows nothing during minutes of training. ``Progress``
prints one short line every few epochs instead, and ``Throughput`` measures how
many training images per second ``fit`` processed (reported in results files).
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

import keras
import numpy as np

from .checks import positive_int


class Progress(keras.callbacks.Callback):
    """Print one compact line every ``every`` epochs (and after the last one).

    Example line: ``dense k=32  epoch 10/30  loss 0.01234  val_loss 0.01250  (42 s)``

    Args:
        name: a short label for the model being trained.
        every: print every this many epochs (a positive integer).
    """

    def __init__(self, name: str = "", every: int = 5):
        super().__init__()
        positive_int(every, "every", what="number of epochs")
        self.name = name
        self.every = every

    def on_train_begin(self, logs=None):
        self._start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        total = self.params.get("epochs", epoch + 1)
        if (epoch + 1) % self.every and epoch + 1 != total:
            return
        shown = "  ".join(f"{k} {v:.5f}" for k, v in (logs or {}).items() if k != "learning_rate")
        print(f"{self.name}  epoch {epoch + 1}/{total}  {shown}  ({time.time() - self._start:.0f} s)", flush=True)


class Throughput(keras.callbacks.Callback):
    """Measure training images per second over a whole ``fit``, validation excluded.

    Each epoch is timed from its start to the end of its last training batch, so
    the evaluation on validation data does not count.

    Args:
        n_images: training images per epoch (``len(x_train)``).

    After ``fit``: ``images_per_second``, ``seconds`` (training time) and ``images``.
    """

    def __init__(self, n_images: int):
        super().__init__()
        positive_int(n_images, "n_images", what="number of training images")
        self.n_images = n_images
        self.images = 0
        self.seconds = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self._last_batch_end = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._last_batch_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds += self._last_batch_end - self._epoch_start
        self.images += self.n_images

    @property
    def images_per_second(self) -> float:
        """Training images processed per second of training time (0 before any epoch)."""
        return self.images / self.seconds if self.seconds > 0 else 0.0


def default_steps_per_execution() -> int:
    """Update steps per call into compiled code that :func:`fit` uses by default: 8 on TensorFlow and
    JAX (measured: the 5-2-5 network of notebook 01 trains about twice as fast on two CPU cores, with
    identical losses), 1 on PyTorch, whose Keras backend supports only 1."""
    return 1 if keras.backend.backend() == "torch" else 8


class Trained(NamedTuple):
    """What :func:`fit` returns: Keras' ``History`` (``.history["loss"]`` per epoch) and the
    training throughput in examples per second (validation excluded)."""

    history: keras.callbacks.History
    examples_per_second: float


def fit(
    model,
    x,
    y=None,
    *,
    epochs: int,
    learning_rate: float = 1e-3,
    loss="mse",
    batch_size: int | None = 128,
    validation_data=None,
    metrics=None,
    name: str = "",
    every: int = 5,
    examples_per_epoch: int | None = None,
    steps_per_execution: int | None = None,
) -> Trained:
    """Compile ``model`` with Adam on a cosine-decaying learning rate and train it, printing a line every few epochs.

    The learning rate starts at ``learning_rate`` and decays to 0 along a cosine over all
    ``epochs`` (Keras' ``CosineDecay``), the schedule every notebook of the series uses.

    Args:
        model: an uncompiled (or to be recompiled) ``keras.Model``.
        x: training inputs, an array (examples first), or a ``keras.utils.PyDataset`` that
            yields ``(inputs, targets)`` batches (then ``y`` and ``batch_size`` must be None and
            ``examples_per_epoch`` given).
        y: training targets; None means ``x`` itself (an autoencoder learns to reproduce its
            input), or no targets at all when ``loss`` is None (a model that computes its own
            loss, such as a variational autoencoder).
        epochs: passes over the training data (positive integer).
        learning_rate: the peak learning rate, at the first step.
        loss: a Keras loss name or function (``"mse"``, ``"binary_crossentropy"``, ...), or None.
        batch_size: examples per update step (positive integer), None for a PyDataset.
        validation_data: optional ``(inputs, targets)`` evaluated after every epoch.
        metrics: optional list of metrics to report besides the loss, e.g. ``["mse"]``.
        name: a short label for the progress lines.
        every: print a progress line every this many epochs (and after the last).
        examples_per_epoch: training examples in one epoch; only needed for a PyDataset.
        steps_per_execution: update steps run per call into the backend's compiled code. Larger values
            remove per-step Python overhead, which dominates for small networks; the arithmetic, and so
            the trained weights, are the same. None: :func:`default_steps_per_execution` for arrays, 1 for a
            PyDataset.

    Returns:
        ``Trained(history, examples_per_second)``.

    Raises:
        ValueError: for a non-positive ``epochs``, ``batch_size`` or ``learning_rate``, or a
            PyDataset given with ``y``/``batch_size`` or without ``examples_per_epoch``.
    """
    positive_int(epochs, "epochs", what="number of passes over the data")
    if not (isinstance(learning_rate, (int, float)) and math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a positive number such as 1e-3, got {learning_rate!r}.")
    if isinstance(x, keras.utils.PyDataset):
        if y is not None or batch_size is not None:
            raise ValueError("A PyDataset makes its own batches of (inputs, targets): pass y=None and batch_size=None.")
        positive_int(examples_per_epoch, "examples_per_epoch", what="(needed with a PyDataset)")
        steps_per_epoch, n_examples, targets = len(x), examples_per_epoch, None
        default_steps = 1  # not measured faster for a PyDataset, and notebook 06 ran slower with more
    else:
        positive_int(batch_size, "batch_size", what="number of examples per step")
        n_examples = int(np.shape(x)[0]) if examples_per_epoch is None else examples_per_epoch
        positive_int(n_examples, "the number of training examples")
        steps_per_epoch = math.ceil(n_examples / batch_size)
        targets = y if y is not None else (x if loss is not None else None)
        default_steps = default_steps_per_execution()
    if steps_per_execution is None:
        steps_per_execution = default_steps
    positive_int(steps_per_execution, "steps_per_execution")
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, epochs * steps_per_epoch)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule), loss=loss, metrics=metrics, steps_per_execution=steps_per_execution
    )
    meter = Throughput(n_examples)
    history = model.fit(
        x,
        targets,
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
        validation_data=validation_data,
        callbacks=[meter, Progress(name, every=every)],
    )
    return Trained(history, meter.images_per_second)
