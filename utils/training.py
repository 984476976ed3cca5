"""Training helpers: a compact progress display and a throughput meter for ``model.fit``.

Keras' own progress bar prints a line per batch update, which floods a committed
notebook; ``verbose=0`` shows nothing during minutes of training. ``Progress``
prints one short line every few epochs instead, and ``Throughput`` measures how
many training images per second ``fit`` processed (reported in results files).
"""

from __future__ import annotations

import time

import keras


class Progress(keras.callbacks.Callback):
    """Print one compact line every ``every`` epochs (and after the last one).

    Example line: ``dense k=32  epoch 10/30  loss 0.01234  val_loss 0.01250  (42 s)``

    Args:
        name: a short label for the model being trained.
        every: print every this many epochs (a positive integer).
    """

    def __init__(self, name: str = "", every: int = 5):
        super().__init__()
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer number of epochs, got {every!r}.")
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
        if isinstance(n_images, bool) or not isinstance(n_images, int) or n_images < 1:
            raise ValueError(f"n_images must be the positive number of training images, got {n_images!r}.")
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
