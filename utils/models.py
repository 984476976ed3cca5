"""Model builders that several notebooks reuse.

A model that IS the lesson of a notebook is written out in that notebook; this
module holds the ones a later notebook needs again (notebook 04 retrains the
dense autoencoder of notebook 03 as a baseline, for instance). Every builder
returns uncompiled models, so each notebook chooses its loss and optimiser in
plain sight.
"""

from __future__ import annotations

import keras
from keras import layers, ops, regularizers

from .checks import positive_int


def _check_sizes(name: str, sizes) -> tuple[int, ...]:
    sizes = tuple(sizes)
    if not sizes:
        raise ValueError(f"{name} must be positive integer layer widths, e.g. (512, 128); got {sizes!r}.")
    return tuple(positive_int(s, f"each width in {name}", what="(layer widths such as (512, 128))") for s in sizes)


def bottleneck_autoencoder(code_size: int = 2, input_dim: int = 5):
    """Notebook 01's network, uncompiled: ``input_dim`` inputs -> ``code_size`` tanh units -> ``input_dim``
    tanh outputs. Returns ``(encoder, decoder, autoencoder)``, which share their layers."""
    positive_int(code_size, "code_size", what="(bottleneck units)")
    positive_int(input_dim, "input_dim", what="(input dimensions)")
    encoder = keras.Sequential(
        [keras.Input(shape=(input_dim,)), layers.Dense(code_size, activation="tanh", name="v")], name="encoder"
    )
    decoder = keras.Sequential(
        [keras.Input(shape=(code_size,)), layers.Dense(input_dim, activation="tanh", name="x_hat")], name="decoder"
    )
    inputs = keras.Input(shape=(input_dim,), name="x")
    return encoder, decoder, keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder")


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
            adds code_l1 * sum(|code|) per example, averaged over the batch on Keras 3.14 and newer
            (older Keras 3 releases sum it over the batch: keras-team/keras#22018).
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
    positive_int(code_size, "code_size")
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
        encoder_layers.append(
            layers.Dense(width, activation="relu", kernel_regularizer=kernel_reg, name=f"enc_{i + 1}")
        )
        if dropout:
            encoder_layers.append(layers.Dropout(dropout))
    encoder_layers.append(
        layers.Dense(
            code_size,
            activation=code_activation,
            kernel_regularizer=kernel_reg,
            activity_regularizer=regularizers.L1(code_l1) if code_l1 else None,
            name="code",
        )
    )
    encoder = keras.Sequential(encoder_layers, name="encoder")

    decoder_layers: list = [keras.Input(shape=(code_size,))]
    for i, width in enumerate(reversed(hidden)):
        decoder_layers.append(
            layers.Dense(width, activation="relu", kernel_regularizer=kernel_reg, name=f"dec_{i + 1}")
        )
        if dropout:
            decoder_layers.append(layers.Dropout(dropout))
    decoder_layers.append(
        layers.Dense(input_dim, activation="sigmoid", kernel_regularizer=kernel_reg, name="reconstruction")
    )
    decoder = keras.Sequential(decoder_layers, name="decoder")

    inputs = keras.Input(shape=(input_dim,), name="image")
    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name=name)
    return encoder, decoder, autoencoder


class ContractiveReLU(layers.Layer):
    """Dense + ReLU that adds ``strength * ||dh/dx||_F^2``, averaged over the batch, to the loss in training
    (notebook 03's contractive penalty). For h = relu(Wx + b), row j of the Jacobian is W_j where unit j is
    active and 0 elsewhere, so ``||J||_F^2 = sum_j [unit j active] ||W_j||^2``."""

    def __init__(self, units, strength=0.0, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(units)
        self.strength = strength

    def call(self, x, training=False):
        a = self.dense(x)
        if self.strength and training:
            active = keras.ops.cast(a > 0, a.dtype)  # ReLU's slope: 1 where the unit is on, else 0
            squared_rows = keras.ops.sum(keras.ops.square(self.dense.kernel), axis=0)  # ||W_j||^2 for each unit j
            self.add_loss(self.strength * keras.ops.mean(keras.ops.sum(active * squared_rows, axis=1)))
        return keras.ops.relu(a)


class L1Code(layers.Layer):
    """Identity that adds ``strength * sum(|h|)``, averaged over the batch, to the loss (notebook 03's L1 code
    penalty; the same on every Keras 3, unlike ActivityRegularization before Keras 3.14)."""

    def __init__(self, strength, **kwargs):
        super().__init__(**kwargs)
        self.strength = strength

    def call(self, h):
        self.add_loss(self.strength * keras.ops.mean(keras.ops.sum(keras.ops.abs(h), axis=1)))
        return h


def overcomplete_autoencoder(noise: float = 0.0, code_l1: float = 0.0, contractive: float = 0.0, width: int = 1024):
    """Notebook 03's one-hidden-layer autoencoder, uncompiled: 784 -> ``width`` ReLU code units -> 784 (linear),
    with optional input noise in training (denoising), an L1 code penalty and a contractive penalty.
    Returns ``(encoder, autoencoder)``."""
    positive_int(width, "width", what="(code units)")
    for name, value in (("noise", noise), ("code_l1", code_l1), ("contractive", contractive)):
        if not value >= 0:
            raise ValueError(f"{name} must be a non-negative strength, got {value!r}.")
    encoder = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            *([layers.GaussianNoise(noise)] if noise else []),  # active in training only
            ContractiveReLU(width, contractive),
            *([L1Code(code_l1)] if code_l1 else []),
        ],
        name="encoder",
    )
    decoder = keras.Sequential([keras.Input(shape=(width,)), layers.Dense(784)], name="decoder")
    inputs = keras.Input(shape=(784,))
    return encoder, keras.Model(inputs, decoder(encoder(inputs)))


def conv_block(filters: int, name: str, batch_norm: bool = True):
    """Convolution (3 x 3, stride 2) + LeakyReLU + batch normalisation: halves height and width.

    Args:
        filters: output channels.
        name: the block's name in ``summary()``.
        batch_norm: False leaves the normalisation out (notebook 07 does, and says why).

    Raises:
        ValueError: if ``filters`` is not a positive integer.
    """
    _check_sizes("filters", (filters,))
    return keras.Sequential(
        [
            layers.Conv2D(filters, 3, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            *([layers.BatchNormalization()] if batch_norm else []),
        ],
        name=name,
    )


def deconv_block(filters: int, name: str, batch_norm: bool = True):
    """Transposed convolution (3 x 3, stride 2) + LeakyReLU + batch normalisation: doubles height and width.

    Args:
        filters: output channels.
        name: the block's name in ``summary()``.
        batch_norm: False leaves the normalisation out.

    Raises:
        ValueError: if ``filters`` is not a positive integer.
    """
    _check_sizes("filters", (filters,))
    return keras.Sequential(
        [
            layers.Conv2DTranspose(filters, 3, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            *([layers.BatchNormalization()] if batch_norm else []),
        ],
        name=name,
    )


def denoising_autoencoder():
    """The denoiser of notebook 06 (written out there): conv blocks 28x28x1 -> 14x14x32 -> 7x7x64, transposed-conv
    blocks back to 28x28, sigmoid pixels. No dense bottleneck: the code is the 7 x 7 x 64 feature map."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            conv_block(32, "conv_block_1"),
            conv_block(64, "conv_block_2"),
            deconv_block(64, "deconv_block_1"),
            deconv_block(32, "deconv_block_2"),
            layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="pixels"),
        ],
        name="denoising_autoencoder",
    )


def conv_autoencoder(code_size: int, bottleneck_width: int = 128, output_activation: str = "sigmoid"):
    """The convolutional autoencoder of the slides, for 28 x 28 x 1 images (notebook 04 builds it up).

    Encoder: two conv blocks (28x28x1 -> 14x14x32 -> 7x7x64), flatten, a dense LeakyReLU layer of
    ``bottleneck_width`` units, a linear code of ``code_size`` units. Decoder: the mirror image, with
    transposed-conv blocks (7x7x64 -> 14x14x32 -> 28x28x16) and a last transposed conv to one channel.

    Args:
        code_size: units in the code. A variational autoencoder can ask for ``2 * k`` and split the
            encoder's output into a mean and a log-variance (notebook 05 does).
        bottleneck_width: width of the dense layer on each side of the code.
        output_activation: activation of the output pixels ("sigmoid" for pixels in [0, 1],
            None for logits).

    Returns:
        (encoder, decoder, autoencoder): Keras models sharing the same layers; the encoder maps
        (n, 28, 28, 1) images to (n, code_size) codes, the decoder maps codes back to images.

    Raises:
        ValueError: if ``code_size`` or ``bottleneck_width`` is not a positive integer.
    """
    code_size, bottleneck_width = _check_sizes("code_size and bottleneck_width", (code_size, bottleneck_width))
    encoder = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            conv_block(32, "conv_block_1"),
            conv_block(64, "conv_block_2"),
            layers.Flatten(name="flatten"),
            layers.Dense(bottleneck_width, name="dense_in"),
            layers.LeakyReLU(negative_slope=0.2, name="dense_in_act"),
            layers.Dense(code_size, name="code"),
        ],
        name="encoder",
    )
    decoder = keras.Sequential(
        [
            keras.Input(shape=(code_size,)),
            layers.Dense(bottleneck_width, name="dense_out"),
            layers.LeakyReLU(negative_slope=0.2, name="dense_out_act"),
            layers.Dense(7 * 7 * 64, name="dense"),
            layers.Reshape((7, 7, 64), name="reshape"),
            deconv_block(32, "deconv_block_1"),
            deconv_block(16, "deconv_block_2"),
            layers.Conv2DTranspose(1, 3, padding="same", activation=output_activation, name="pixels"),
        ],
        name="decoder",
    )
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name="conv_autoencoder")
    return encoder, decoder, autoencoder


def mnist_classifier(feature_width: int = 128):
    """A small convolutional digit classifier, used as a measuring instrument for generated images.

    Two stride-2 convolutions (28x28x1 -> 14x14x32 -> 7x7x64), a dense ReLU layer of
    ``feature_width`` units (the *features* on which notebook 05 computes Fréchet distances),
    dropout, and a 10-way softmax. A few epochs on MNIST reach about 99 % test accuracy.

    Returns:
        (classifier, features): the classifier maps (n, 28, 28, 1) images in [0, 1] to (n, 10)
        class probabilities; ``features`` shares its layers and maps the same images to the
        (n, feature_width) penultimate activations.

    Raises:
        ValueError: if ``feature_width`` is not a positive integer.
    """
    (feature_width,) = _check_sizes("feature_width", (feature_width,))
    images = keras.Input(shape=(28, 28, 1), name="image")
    h = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(images)
    h = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Flatten()(h)
    features = layers.Dense(feature_width, activation="relu", name="features")(h)
    probabilities = layers.Dense(10, activation="softmax", name="probabilities")(layers.Dropout(0.3)(features))
    return (
        keras.Model(images, probabilities, name="mnist_classifier"),
        keras.Model(images, features, name="mnist_features"),
    )


class Sampling(layers.Layer):
    """z = mean + exp(log_var / 2) * eps, with eps drawn from N(0, I): the reparameterisation trick
    (notebook 05 writes it out). ``seed`` seeds the layer's own ``keras.random.SeedGenerator``."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, z_mean, z_log_var):
        eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * eps


class VAE(keras.Model):
    """Notebook 05's variational autoencoder on 28 x 28 x 1 images, with a code of ``code_size`` numbers.

    The encoder is :func:`conv_autoencoder`'s with ``2 * code_size`` outputs, the means and the
    log-variances of each image's code; the decoder is :func:`conv_autoencoder`'s. Calling the model
    returns ``(reconstructions, z_mean, z_log_var)``; the loss (``compute_loss``) is the binary
    cross-entropy summed over the pixels plus the KL divergence from N(0, I), averaged over the batch,
    so train it with ``loss=None``. Reconstruct without noise by ``decoder(z_mean)``.

    Raises:
        ValueError: if ``code_size`` is not a positive integer.
    """

    def __init__(self, code_size, seed=None, **kwargs):
        positive_int(code_size, "code_size", what="(numbers in the code)")
        super().__init__(**kwargs)
        self.encoder, _, _ = conv_autoencoder(2 * code_size)  # outputs [means | log-variances]
        _, self.decoder, _ = conv_autoencoder(code_size)
        self.sampling = Sampling(seed=seed)

    def call(self, x, training=False):
        z_mean, z_log_var = ops.split(self.encoder(x, training=training), 2, axis=-1)
        return self.decoder(self.sampling(z_mean, z_log_var), training=training), z_mean, z_log_var

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        x_hat, z_mean, z_log_var = y_pred
        reconstruction = ops.sum(keras.losses.binary_crossentropy(x, x_hat), axis=(1, 2))  # summed over pixels
        kl = -0.5 * ops.sum(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
        return ops.mean(reconstruction + kl)
