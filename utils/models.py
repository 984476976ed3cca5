"""Model builders that several notebooks reuse.

A model that IS the lesson of a notebook is written out in that notebook; this
module holds the ones a later notebook needs again (notebook 04 retrains the
dense autoencoder of notebook 03 as a baseline, for instance). Every builder
returns uncompiled models, so each notebook chooses its loss and optimiser in
plain sight.
"""

from __future__ import annotations

import keras
from keras import layers, regularizers


def _check_sizes(name: str, sizes) -> tuple[int, ...]:
    sizes = tuple(sizes)
    if not sizes or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in sizes):
        raise ValueError(f"{name} must be positive integer layer widths, e.g. (512, 128); got {sizes!r}.")
    return sizes


def dense_autoencoder(
    code_size: int,
    hidden: tuple[int, ...] = (512, 128),
    input_dim: int = 784,
    code_activation: str | None = None,
    weight_decay: float = 0.0,
    code_l1: float = 0.0,
    dropout: float = 0.0,
    input_noise: float = 0.0,
    name: str = "dense_autoencoder",
):
    """A fully connected autoencoder: input_dim -> hidden... -> code -> reversed(hidden)... -> input_dim.

    Hidden layers use ReLU; the output uses a sigmoid, since pixels lie in [0, 1].

    Args:
        code_size: units in the bottleneck (the code).
        hidden: widths of the encoder's hidden layers; the decoder mirrors them.
        input_dim: length of the flat input vector (784 for 28 x 28 images).
        code_activation: activation of the code layer (None = linear; "relu" for a sparse code).
        weight_decay: L2 penalty factor on every kernel (0 = none): adds
            weight_decay * sum(w**2) to the loss.
        code_l1: L1 penalty factor on the code activations (a sparsity penalty; 0 = none):
            adds code_l1 * sum(|code|) per example, averaged over the batch.
        dropout: dropout rate after every hidden layer (0 = none), active in training only.
        input_noise: standard deviation of Gaussian noise added to the input in training only
            (0 = none); the target stays the clean input.
        name: name of the autoencoder model.

    Returns:
        (encoder, decoder, autoencoder): three Keras models sharing the same layers;
        ``autoencoder(x) == decoder(encoder(x))``.

    Raises:
        ValueError: for non-positive sizes, negative penalties or a dropout rate outside [0, 1).
    """
    if isinstance(code_size, bool) or not isinstance(code_size, int) or code_size < 1:
        raise ValueError(f"code_size must be a positive integer, got {code_size!r}.")
    hidden = _check_sizes("hidden", hidden)
    for label, value in (("weight_decay", weight_decay), ("code_l1", code_l1), ("input_noise", input_noise)):
        if value < 0:
            raise ValueError(f"{label} must be >= 0 (0 turns it off), got {value!r}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout is a rate in [0, 1), got {dropout!r}.")
    kernel_reg = regularizers.L2(weight_decay) if weight_decay else None

    encoder_layers: list = [keras.Input(shape=(input_dim,))]
    if input_noise:
        encoder_layers.append(layers.GaussianNoise(input_noise, name="input_noise"))
    for i, width in enumerate(hidden):
        encoder_layers.append(layers.Dense(width, activation="relu", kernel_regularizer=kernel_reg, name=f"enc_{i + 1}"))
        if dropout:
            encoder_layers.append(layers.Dropout(dropout))
    encoder_layers.append(layers.Dense(
        code_size, activation=code_activation, kernel_regularizer=kernel_reg,
        activity_regularizer=regularizers.L1(code_l1) if code_l1 else None, name="code",
    ))
    encoder = keras.Sequential(encoder_layers, name="encoder")

    decoder_layers: list = [keras.Input(shape=(code_size,))]
    for i, width in enumerate(reversed(hidden)):
        decoder_layers.append(layers.Dense(width, activation="relu", kernel_regularizer=kernel_reg, name=f"dec_{i + 1}"))
        if dropout:
            decoder_layers.append(layers.Dropout(dropout))
    decoder_layers.append(layers.Dense(input_dim, activation="sigmoid", kernel_regularizer=kernel_reg, name="reconstruction"))
    decoder = keras.Sequential(decoder_layers, name="decoder")

    inputs = keras.Input(shape=(input_dim,), name="image")
    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name=name)
    return encoder, decoder, autoencoder
