import json

import keras
import numpy as np
import pytest
from helpers import gaussian_blobs, keras_round_trip

from tfvae import anomaly_scores
from tfvae.models import VAE, ConvDecoder, ConvEncoder, DenseDecoder, DenseEncoder


def make_vae(n_features=6, **kwargs):
    return VAE(
        DenseEncoder(latent_dim=2, hidden_units=[16]),
        DenseDecoder(output_dim=n_features, hidden_units=[16]),
        seed=1,
        **kwargs,
    )


def test_fit_lowers_the_loss_and_reports_the_three_terms():
    keras.utils.set_random_seed(0)
    x = gaussian_blobs(512)
    vae = make_vae()
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    error_before = anomaly_scores(vae, x)["reconstruction_error"].numpy().mean()
    history = vae.fit(x, epochs=15, batch_size=64, verbose=0).history
    error_after = anomaly_scores(vae, x)["reconstruction_error"].numpy().mean()
    assert set(history) == {"loss", "reconstruction_loss", "kl_loss"}
    assert history["loss"][-1] < history["loss"][0]
    assert error_after < 0.3 * error_before
    np.testing.assert_allclose(
        np.array(history["loss"]),
        np.array(history["reconstruction_loss"]) + np.array(history["kl_loss"]),
        rtol=1e-4,
    )


def test_evaluate_uses_test_step_with_the_same_terms():
    x = gaussian_blobs(128)
    vae = make_vae()
    vae.compile(optimizer="adam")
    result = vae.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    assert set(result) == {"loss", "reconstruction_loss", "kl_loss"}
    assert np.isfinite(list(result.values())).all()


def test_beta_is_a_variable_a_callback_can_change():
    class ZeroBeta(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.model.beta.assign(0.0)

    x = gaussian_blobs(128)
    vae = make_vae(beta=4.0)
    vae.compile(optimizer="adam")
    logs = vae.fit(x, epochs=1, batch_size=32, verbose=0, callbacks=[ZeroBeta()]).history
    assert logs["kl_loss"][0] > 0
    np.testing.assert_allclose(logs["loss"][0], logs["reconstruction_loss"][0], rtol=1e-5)


def test_call_is_deterministic_and_returns_the_reconstruction():
    x = gaussian_blobs(16)
    vae = make_vae()
    first, second = vae(x).numpy(), vae(x).numpy()
    assert first.shape == x.shape
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(vae(x, training=True).numpy(), first)


def test_keras_file_round_trip_keeps_scores_threshold_and_preprocessor(tmp_path):
    x = gaussian_blobs(256) * 10 + 3
    norm = keras.layers.Normalization()
    norm.adapt(x)
    vae = make_vae(
        preprocessor=norm, observation_noise="learned", threshold=1.5, feature_names=list("abcdef")
    )
    vae.compile(optimizer="adam")
    vae.fit(x, epochs=2, batch_size=64, verbose=0)
    loaded = keras_round_trip(vae, tmp_path / "vae.keras")

    def as_json(model):
        return json.loads(json.dumps(model.get_config()))  # tuples -> lists

    assert as_json(loaded) == as_json(vae)
    assert loaded.threshold_value() == 1.5 and loaded.feature_names == list("abcdef")
    before, after = anomaly_scores(vae, x), anomaly_scores(loaded, x)
    for key in ("score", "kl", "reconstruction_error", "feature_errors"):
        np.testing.assert_array_equal(before[key].numpy(), after[key].numpy())
    np.testing.assert_array_equal(
        vae.observation_log_var.numpy(), loaded.observation_log_var.numpy()
    )


def test_bernoulli_conv_vae_trains_on_images():
    rng = np.random.default_rng(0)
    images = (rng.uniform(size=(64, 8, 8, 1)) > 0.5).astype("float32")
    vae = VAE(
        ConvEncoder(latent_dim=2, filters=[4]),
        ConvDecoder(image_shape=(8, 8, 1), filters=[4]),
        likelihood="bernoulli",
    )
    vae.compile(optimizer="adam")
    history = vae.fit(images, epochs=2, batch_size=16, verbose=0).history
    # 64 pixels at ~log(2) nats each when the decoder predicts 0.5.
    assert 20 < history["reconstruction_loss"][0] < 80


def test_mixed_precision_trains_without_nan():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        vae = make_vae()
        vae.compile(optimizer="adam")
        history = vae.fit(gaussian_blobs(128), epochs=2, batch_size=32, verbose=0).history
        assert np.isfinite(history["loss"]).all()
        assert vae.encoder.compute_dtype == "float16"
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"beta": -1.0}, "beta"),
        ({"likelihood": "poisson"}, "likelihood"),
        ({"score_name": "surprise"}, "score_name"),
        ({"observation_noise": "heteroscedastic"}, "observation_noise"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_vae(**kwargs)
