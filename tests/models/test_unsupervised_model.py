"""Keras habits the VAE cannot honour are refused or reported, saying what it does instead."""

import warnings

import keras
import numpy as np
import pytest
from helpers import gaussian_blobs

from tfvae.models import VAE, DenseDecoder, DenseEncoder, GANomaly


def make_vae():
    return VAE(
        DenseEncoder(latent_dim=2, hidden_units=[8]),
        DenseDecoder(output_dim=6, hidden_units=[8]),
        seed=1,
    )


@pytest.mark.parametrize(
    "arguments",
    [
        {"loss": "mse"},
        {"metrics": ["mae"]},
        {"loss": "mse", "metrics": ["mae"]},
        {"weighted_metrics": ["mae"]},
        {"loss_weights": [1.0]},
    ],
)
def test_compile_refuses_loss_and_metrics(arguments):
    with pytest.raises(ValueError) as error:
        make_vae().compile(optimizer="adam", **arguments)
    message = str(error.value)
    assert "reconstruction negative log-likelihood + beta * KL" in message
    assert "`loss`, `reconstruction_loss`, `kl_loss`" in message
    for name in arguments:
        assert f"{name}=" in message


def test_compile_without_them_still_works_and_reloads_compiled(tmp_path):
    vae = make_vae()
    vae.compile(optimizer="adam", loss=None, metrics=[])
    vae.fit(gaussian_blobs(64), epochs=1, batch_size=32, verbose=0)
    vae.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras", safe_mode=True)
    # The overridden `compile` must not stop Keras from restoring the optimizer.
    assert loaded.compiled
    assert int(loaded.optimizer.iterations.numpy()) == int(vae.optimizer.iterations.numpy())


def test_fit_warns_that_targets_are_ignored():
    x = gaussian_blobs(64)
    vae = make_vae()
    vae.compile(optimizer="adam")
    labels = np.zeros(len(x))
    with pytest.warns(UserWarning, match=r"ignores y: .*reconstruct `x`"):
        history = vae.fit(x, labels, epochs=1, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "reconstruction_loss", "kl_loss"}
    with pytest.warns(UserWarning, match="targets of `validation_data`"):
        vae.fit(x, epochs=1, batch_size=32, verbose=0, validation_data=(x, labels))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the autoencoder habit `fit(x, x)` says nothing
        vae.fit(x, x, epochs=1, batch_size=32, verbose=0, validation_data=(x,))


def test_keras_export_points_to_tfvae_export(tmp_path):
    vae = make_vae()
    vae(gaussian_blobs(4))
    with pytest.raises(NotImplementedError, match=r"tfvae\.export\.export_model"):
        vae.export(tmp_path / "saved")
    assert not (tmp_path / "saved").exists()
    keras.Model.export(vae, str(tmp_path / "keras_export"), verbose=False)  # the way out
    assert (tmp_path / "keras_export" / "saved_model.pb").exists()


def test_ganomaly_shares_the_refusals():
    gan = GANomaly(
        encoder=DenseEncoder(2, [8]),
        decoder=DenseDecoder(6, [8]),
        latent_encoder=DenseEncoder(2, [8]),
        discriminator=DenseEncoder(4, [8]),
    )
    with pytest.raises(ValueError, match="adversarial"):
        gan.compile(optimizer="adam", loss="mse")
