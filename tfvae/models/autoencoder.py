"""Deterministic autoencoder baseline built from the same encoder/decoder parts."""

import keras

from tfvae.models.vae import VAE


@keras.saving.register_keras_serializable(package="tfvae")
class Autoencoder(VAE):
    """Plain autoencoder: decodes `z_mean`, trains on reconstruction only.

    It shares the VAE's encoder/decoder layers, training loop and scoring function,
    so the two compare like for like. `beta` is fixed at 0 (the KL is still
    reported, but it does not shape the latent space) and no noise is sampled.

    Args:
        encoder: layer mapping features to `(z_mean, z_log_var)`; only `z_mean` is used.
        decoder: layer mapping latent codes to reconstructions.
        score_name: str. Defaults to `"reconstruction_error"`.
        **kwargs: other `VAE` arguments except `beta`.

    Example:
    ```python
    ae = Autoencoder(DenseEncoder(latent_dim=4), DenseDecoder(output_dim=30))
    ae.compile(optimizer="adam"); ae.fit(x_train, epochs=10)
    ```
    """

    def __init__(self, encoder, decoder, score_name="reconstruction_error", **kwargs):
        if kwargs.get("beta", 0.0) != 0.0:
            raise ValueError(f"An Autoencoder has beta=0. Received: beta={kwargs['beta']!r}")
        kwargs.pop("beta", None)
        super().__init__(encoder, decoder, beta=0.0, score_name=score_name, **kwargs)

    @property
    def variational(self):
        return False

    def get_config(self):
        config = super().get_config()
        config.pop("beta")
        return config
