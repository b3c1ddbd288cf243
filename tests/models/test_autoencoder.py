import keras
import numpy as np
import pytest
from helpers import gaussian_blobs, keras_round_trip

from tfvae import anomaly_scores
from tfvae.models import Autoencoder, DenseDecoder, DenseEncoder


def make_autoencoder():
    return Autoencoder(DenseEncoder(2, hidden_units=[16]), DenseDecoder(6, hidden_units=[16]))


def test_autoencoder_trains_on_reconstruction_only(tmp_path):
    keras.utils.set_random_seed(0)
    x = gaussian_blobs(256)
    ae = make_autoencoder()
    ae.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = ae.fit(x, epochs=10, batch_size=32, verbose=0).history
    assert history["loss"][-1] < 0.7 * history["loss"][0]
    np.testing.assert_allclose(history["loss"], history["reconstruction_loss"], rtol=1e-6)
    assert "beta" not in ae.get_config() and ae.score_name == "reconstruction_error"
    loaded = keras_round_trip(ae, tmp_path / "ae.keras")
    np.testing.assert_array_equal(
        anomaly_scores(ae, x)["score"].numpy(), anomaly_scores(loaded, x)["score"].numpy()
    )


def test_autoencoder_refuses_a_kl_weight():
    with pytest.raises(ValueError, match="beta=0"):
        Autoencoder(DenseEncoder(2), DenseDecoder(6), beta=1.0)
