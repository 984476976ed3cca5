"""utils.models builders, utils.training callbacks and utils.show_source."""

import numpy as np
import pytest

import utils

utils.setup(seed=0, quick=True)
import keras  # noqa: E402

from utils import models, training  # noqa: E402


def test_dense_autoencoder_halves_share_layers_and_shapes():
    enc, dec, ae = models.dense_autoencoder(code_size=5, hidden=(16, 8), input_dim=20)
    x = np.random.default_rng(0).random((4, 20)).astype("float32")
    code = enc.predict(x, verbose=0)
    assert code.shape == (4, 5)
    np.testing.assert_allclose(dec.predict(code, verbose=0), ae.predict(x, verbose=0), atol=1e-6)
    # 20*16+16 + 16*8+8 + 8*5+5  |  5*8+8 + 8*16+16 + 16*20+20
    assert enc.count_params() == 517 and dec.count_params() == 532 and ae.count_params() == 1049
    out = ae.predict(x, verbose=0)
    assert out.min() >= 0 and out.max() <= 1  # sigmoid output


def test_regularisers_add_to_the_loss():
    x = np.random.default_rng(0).random((8, 20)).astype("float32")
    _, _, plain = models.dense_autoencoder(3, hidden=(8,), input_dim=20)
    _, _, decayed = models.dense_autoencoder(3, hidden=(8,), input_dim=20, weight_decay=0.1)
    _, _, sparse = models.dense_autoencoder(3, hidden=(8,), input_dim=20, code_l1=0.1, code_activation="relu")
    decayed.set_weights(plain.get_weights())
    weights = [w for w in plain.get_weights() if w.ndim == 2]
    decayed(x)
    assert sum(float(keras.ops.convert_to_numpy(loss)) for loss in decayed.losses) == pytest.approx(
        0.1 * sum(float((w**2).sum()) for w in weights), rel=1e-4
    )
    sparse(x)
    assert len(sparse.losses) == 1


def test_dropout_and_noise_only_in_training():
    x = np.random.default_rng(0).random((8, 20)).astype("float32")
    _, _, ae = models.dense_autoencoder(3, hidden=(8,), input_dim=20, dropout=0.5, input_noise=0.5)
    a = keras.ops.convert_to_numpy(ae(x, training=False))
    b = keras.ops.convert_to_numpy(ae(x, training=False))
    c = keras.ops.convert_to_numpy(ae(x, training=True))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"code_size": 0}, "code_size"),
        ({"code_size": 2, "hidden": ()}, "hidden"),
        ({"code_size": 2, "dropout": 1.0}, "dropout"),
        ({"code_size": 2, "weight_decay": -1}, "weight_decay"),
    ],
)
def test_builder_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.dense_autoencoder(**kwargs)


def test_conv_autoencoder_shapes_and_parameters():
    enc, dec, ae = models.conv_autoencoder(code_size=2)
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")
    code = enc.predict(x, verbose=0)
    assert code.shape == (3, 2)
    out = ae.predict(x, verbose=0)
    assert out.shape == (3, 28, 28, 1) and out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(dec.predict(code, verbose=0), out, atol=1e-5)
    assert [layer.output.shape[1:] for layer in enc.layers[:2]] == [(14, 14, 32), (7, 7, 64)]
    # conv 1*32*9+32, BN 4*32, conv 32*64*9+64, BN 4*64, dense 3136*128+128, code 128*2+2
    assert enc.count_params() == 320 + 128 + 18496 + 256 + 401536 + 258
    _, logits_dec, _ = models.conv_autoencoder(code_size=4, bottleneck_width=16, output_activation=None)
    assert logits_dec.predict(np.full((1, 4), 3.0, "float32"), verbose=0).min() < 0  # logits: not squashed to [0, 1]


@pytest.mark.parametrize("kwargs", [{"code_size": 0}, {"code_size": 2, "bottleneck_width": 2.5}])
def test_conv_builder_refuses_bad_sizes(kwargs):
    with pytest.raises(ValueError, match="code_size and bottleneck_width"):
        models.conv_autoencoder(**kwargs)


def test_conv_blocks_without_batch_norm_act_the_same_in_training_and_inference():
    x = np.random.default_rng(0).normal(size=(4, 16, 8, 1)).astype("float32")
    for block, shape in ((models.conv_block, (4, 8, 4, 6)), (models.deconv_block, (4, 32, 16, 6))):
        with_bn, without = block(6, "a"), block(6, "b", batch_norm=False)
        assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in with_bn.layers)
        assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in without.layers)
        assert tuple(without(x).shape) == shape
        np.testing.assert_allclose(np.asarray(without(x, training=True)), np.asarray(without(x, training=False)))
        # with batch normalisation, a fresh block normalises by the batch in training only
        assert np.abs(np.asarray(with_bn(x, training=True)) - np.asarray(with_bn(x, training=False))).max() > 1e-3


def test_mnist_classifier_shares_its_features():
    classifier, features = models.mnist_classifier(feature_width=16)
    x = np.random.default_rng(0).random((5, 28, 28, 1)).astype("float32")
    p = classifier.predict(x, verbose=0)
    assert p.shape == (5, 10)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)
    f = features.predict(x, verbose=0)
    assert f.shape == (5, 16) and f.min() >= 0  # ReLU features
    head = classifier.get_layer("probabilities")
    w, b = head.get_weights()
    logits = f @ w + b
    expected = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(p, expected / expected.sum(1, keepdims=True), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="feature_width"):
        models.mnist_classifier(feature_width=0)


def test_throughput_and_progress(capsys):
    x = np.random.default_rng(0).random((64, 20)).astype("float32")
    _, _, ae = models.dense_autoencoder(3, hidden=(8,), input_dim=20)
    ae.compile("adam", "mse")
    meter = training.Throughput(len(x))
    ae.fit(x, x, epochs=4, batch_size=16, verbose=0, callbacks=[meter, training.Progress("tiny", every=2)])
    assert meter.images == 4 * 64 and meter.seconds > 0
    assert meter.images_per_second == pytest.approx(meter.images / meter.seconds)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("tiny")]
    assert [line.split()[2] for line in lines] == ["2/4", "4/4"] and "loss" in lines[0]
    with pytest.raises(ValueError):
        training.Progress(every=0)
    with pytest.raises(ValueError):
        training.Throughput(0)


def test_show_source_omits_the_docstring(capsys):
    utils.show_source(models.dense_autoencoder)
    out = capsys.readouterr().out
    assert out.startswith("# utils/models.py") and "def dense_autoencoder(" in out
    assert "Returns:" not in out and "docstring omitted" in out
    with pytest.raises(ValueError):
        utils.show_source(len)


# ----------------------------------------------------------------------------- training.fit


def _tiny_autoencoder():
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(2), keras.layers.Dense(6)])


def test_fit_is_the_written_out_compile_and_fit():
    """utils.training.fit trains exactly like notebook 03's compile + fit: same losses, same weights."""
    x = np.random.default_rng(1).random((50, 6)).astype("float32")
    keras.utils.set_random_seed(3)
    by_hand = _tiny_autoencoder()
    steps = 4 * int(np.ceil(50 / 16))
    by_hand.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-2, steps)), loss="mse")
    expected = by_hand.fit(x, x, epochs=4, batch_size=16, verbose=0, shuffle=True)
    keras.utils.set_random_seed(3)
    helped = _tiny_autoencoder()
    trained = training.fit(helped, x, epochs=4, learning_rate=2e-2, batch_size=16, every=10)
    np.testing.assert_allclose(trained.history.history["loss"], expected.history["loss"], rtol=1e-6)
    for a, b in zip(helped.get_weights(), by_hand.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert helped.steps_per_execution == training.default_steps_per_execution()
    if keras.backend.backend() != "torch":
        assert training.default_steps_per_execution() > 1  # the speed option is on, and changed nothing above
    assert trained.examples_per_second > 0
    # the cosine schedule ends at zero after the last step
    assert float(keras.ops.convert_to_numpy(helped.optimizer.learning_rate)) == pytest.approx(0.0, abs=1e-9)
    assert trained.history.history["loss"][-1] < trained.history.history["loss"][0]


def test_fit_prints_progress_and_accepts_a_dataset(capsys):
    class Pairs(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.x = np.random.default_rng(2).random((40, 6)).astype("float32")

        def __len__(self):
            return 4

        def __getitem__(self, i):
            batch = self.x[i * 10 : (i + 1) * 10]
            return batch, batch

    trained = training.fit(
        _tiny_autoencoder(), Pairs(), epochs=2, batch_size=None, examples_per_epoch=40, name="tiny", every=1
    )
    assert len(trained.history.history["loss"]) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0:3] for line in lines] == [["tiny", "epoch", "1/2"], ["tiny", "epoch", "2/2"]]
    with pytest.raises(ValueError, match="examples_per_epoch"):
        training.fit(_tiny_autoencoder(), Pairs(), epochs=1, batch_size=None)
    with pytest.raises(ValueError, match="batch_size=None"):
        training.fit(_tiny_autoencoder(), Pairs(), epochs=1, examples_per_epoch=40)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"epochs": 2.0}, "epochs must be a positive integer"),
        ({"epochs": 1, "learning_rate": -1e-3}, "learning_rate must be a positive number"),
        ({"epochs": 1, "batch_size": 0}, "batch_size must be a positive integer"),
    ],
)
def test_fit_refuses_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        training.fit(_tiny_autoencoder(), np.zeros((4, 6), "float32"), **kwargs)


# ----------------------------------------------------------------------------- metrics.reconstruction_error


def test_reconstruction_error_numbers():
    x = np.zeros((2, 2, 2, 1), "float32")
    x_hat = x.copy()
    x_hat[0] = 0.5  # first image off by 0.5 everywhere: 0.25 per pixel; second image exact
    assert utils.metrics.reconstruction_error(x_hat, x) == pytest.approx(0.125)
    np.testing.assert_allclose(utils.metrics.reconstruction_error(x_hat, x, per_example=True), [0.25, 0.0])
    identity = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Identity()])
    assert utils.metrics.reconstruction_error(identity, x_hat) == 0.0
    # the batch size of the predictions does not change the result
    model = _tiny_autoencoder()
    data = np.random.default_rng(0).random((33, 6)).astype("float32")
    assert utils.metrics.reconstruction_error(model, data, batch_size=4) == pytest.approx(
        utils.metrics.reconstruction_error(model, data, batch_size=1000), rel=1e-6
    )
    with pytest.raises(ValueError, match="reconstructions of exactly these inputs"):
        utils.metrics.reconstruction_error(x_hat[:1], x)


# ----------------------------------------------------------------------------- checks.positive_int


@pytest.mark.parametrize("value", [0, -3, 2.5, True, "4", None])
def test_positive_int_refuses(value):
    with pytest.raises(ValueError, match="n_things must be a positive integer"):
        utils.checks.positive_int(value, "n_things")


def test_positive_int_accepts():
    assert utils.checks.positive_int(np.int64(7), "n") == 7 and type(utils.checks.positive_int(np.int64(7), "n")) is int
    assert utils.checks.positive_int(None, "n", allow_none=True) is None
    with pytest.raises(ValueError, match="a positive integer number of epochs or None"):
        utils.checks.positive_int(0, "n", allow_none=True, what="number of epochs")
