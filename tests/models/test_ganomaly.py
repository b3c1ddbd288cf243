"""GANomaly: training, the two players' gradients, scores, serialisation."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import config_round_trip, gaussian_blobs, keras_round_trip

from tfvae import anomaly_scores, score_in_batches
from tfvae.models import ConvDecoder, ConvEncoder, DenseDecoder, DenseEncoder, GANomaly


def make_gan(n_features=6, **kwargs):
    return GANomaly(
        DenseEncoder(2, hidden_units=[16], name="encoder"),
        DenseDecoder(n_features, hidden_units=[16], name="decoder"),
        DenseEncoder(2, hidden_units=[16], name="latent_encoder"),
        DenseEncoder(8, hidden_units=[16], activation="leaky_relu", name="discriminator"),
        **kwargs,
    )


def test_trains_scores_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    x = gaussian_blobs(256)
    gan = make_gan(feature_weight=0.5)
    gan.compile(optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5))
    history = gan.fit(x, epochs=8, batch_size=32, verbose=0).history
    assert set(history) == {
        "loss",
        "contextual_loss",
        "adversarial_loss",
        "latent_loss",
        "discriminator_loss",
    }
    assert history["contextual_loss"][-1] < 0.6 * history["contextual_loss"][0]
    out = {k: v.numpy() for k, v in anomaly_scores(gan, x).items()}
    np.testing.assert_allclose(
        out["combined"], out["reconstruction_error"] + 0.5 * out["feature_residual"], rtol=1e-6
    )
    np.testing.assert_array_equal(out["score"], out["combined"])
    # Scaled by the medians on (here) the training rows: both terms have median 1.
    gan.calibrate_score_scales(out["reconstruction_error"], out["feature_residual"])
    out = {k: v.numpy() for k, v in anomaly_scores(gan, x).items()}
    scales = gan.score_scales.numpy()
    np.testing.assert_allclose(
        scales, [np.median(out["reconstruction_error"]), np.median(out["feature_residual"])]
    )
    np.testing.assert_allclose(
        out["combined"],
        out["reconstruction_error"] / scales[0] + 0.5 * out["feature_residual"] / scales[1],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        out["feature_errors"].mean(axis=1), out["reconstruction_error"], rtol=1e-5
    )
    assert "kl" not in out and out["z_mean"].shape == (256, 2)
    again = anomaly_scores(gan, x)["score"].numpy()
    np.testing.assert_array_equal(again, out["score"])  # deterministic
    # Off-manifold rows score higher than the training rows.
    odd = np.random.default_rng(1).uniform(-6, 6, size=(64, 6)).astype("float32")
    assert np.median(anomaly_scores(gan, odd)["score"]) > np.percentile(out["score"], 90)

    gan.threshold.assign(float(np.percentile(out["score"], 99)))
    loaded = keras_round_trip(gan, tmp_path / "gan.keras")
    assert isinstance(loaded, GANomaly) and loaded.threshold_value() == gan.threshold_value()
    assert loaded.feature_weight == 0.5
    np.testing.assert_array_equal(loaded.score_scales.numpy(), scales)
    reloaded = score_in_batches(loaded, x, keys=("score", "is_anomaly"))
    np.testing.assert_array_equal(reloaded["score"], out["score"])
    flagged = anomaly_scores(gan, x)["is_anomaly"].numpy()
    assert 0 < flagged.sum() < len(x)
    np.testing.assert_array_equal(reloaded["is_anomaly"], flagged)
    # The optimizer state reloads aligned with the variables: training goes on.
    assert loaded.optimizer.iterations.numpy() == gan.optimizer.iterations.numpy()
    loaded.fit(x, epochs=1, batch_size=32, verbose=0)


def test_each_player_steps_along_its_own_loss_only():
    """One SGD step: generator variables follow the generator loss, discriminator
    variables the discriminator loss (mean over the batch)."""
    keras.utils.set_random_seed(3)
    x = gaussian_blobs(64)
    gan = make_gan()
    gan.compile(optimizer=keras.optimizers.SGD(0.1))
    gan.build(x.shape)
    before = [v.numpy() for v in gan.trainable_variables]
    discriminator_ids = {id(v) for v in gan.discriminator_variables()}
    with tf.GradientTape(persistent=True) as tape:
        terms = gan.loss_terms(tf.constant(x), training=True)
        generator_loss = tf.reduce_mean(terms["loss"])
        discriminator_loss = tf.reduce_mean(terms["discriminator_loss"])
    expected = []
    for v, old in zip(gan.trainable_variables, before):
        loss = discriminator_loss if id(v) in discriminator_ids else generator_loss
        gradient = tape.gradient(loss, v)
        expected.append(old - 0.1 * (0.0 if gradient is None else gradient.numpy()))
    assert discriminator_ids and len(discriminator_ids) < len(before)
    gan.fit(x, epochs=1, batch_size=64, shuffle=False, verbose=0)
    for v, want in zip(gan.trainable_variables, expected):
        np.testing.assert_allclose(v.numpy(), want, rtol=1e-4, atol=1e-6, err_msg=v.path)


def test_convolutional_gan_on_images(tmp_path):
    keras.utils.set_random_seed(0)
    images = np.random.default_rng(0).uniform(size=(32, 28, 28, 1)).astype("float32")
    gan = GANomaly(
        ConvEncoder(4, filters=(4, 8), dense_units=8),
        ConvDecoder((28, 28, 1), filters=(8, 4)),
        ConvEncoder(4, filters=(4, 8), dense_units=8),
        ConvEncoder(8, filters=(4, 8), dense_units=0),
        score_name="latent_error",
    )
    gan.compile(optimizer="adam")
    gan.fit(images, epochs=1, batch_size=16, verbose=0)
    out = anomaly_scores(gan, images)
    assert out["reconstruction"].shape == (32, 28, 28, 1)
    assert out["feature_errors"].shape == (32, 28, 28, 1)
    np.testing.assert_array_equal(out["score"].numpy(), out["latent_error"].numpy())
    loaded = keras_round_trip(gan, tmp_path / "conv_gan.keras")
    np.testing.assert_array_equal(
        anomaly_scores(loaded, images)["score"].numpy(), out["score"].numpy()
    )


def test_config_round_trip_and_argument_checks():
    gan = make_gan(adversarial_weight=2.0, contextual_weight=10.0, score_name="feature_residual")
    clone = config_round_trip(gan)
    assert (clone.adversarial_weight, clone.contextual_weight, clone.score_name) == (
        2.0,
        10.0,
        "feature_residual",
    )
    conv = config_round_trip(ConvEncoder(2, filters=(4,), activation="leaky_relu"))
    assert conv.conv_layers[0].activation is keras.activations.leaky_relu
    with pytest.raises(ValueError, match="score_name"):
        make_gan(score_name="kl")
    with pytest.raises(ValueError, match="contextual_weight"):
        make_gan(contextual_weight=-1.0)
    x = gaussian_blobs(8)
    gan.build(x.shape)
    with pytest.raises(ValueError, match="mc_samples"):
        anomaly_scores(gan, x, mc_samples=4)
