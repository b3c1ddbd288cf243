"""Reparameterisation trick: `z = z_mean + exp(0.5 * z_log_var) * eps`."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfvae")
class Sampling(keras.layers.Layer):
    """Draws `z ~ N(z_mean, exp(z_log_var))` with the reparameterisation trick.

    Uses `tf.random.normal` with an op-level seed: `keras.random.normal` with a
    `SeedGenerator` fails under `MirroredStrategy` on CPU ("You must feed a value
    for placeholder tensor"), `tf.random` works under every strategy.

    Args:
        seed: int or None. Op-level seed; with `keras.utils.set_random_seed` the
            noise sequence is reproducible.
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    z = Sampling(seed=1)([z_mean, z_log_var])
    ```
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"Expected `seed` to be an int or None. Received: seed={seed!r}")
        self.seed = seed

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = tf.random.normal(tf.shape(z_mean), dtype=z_mean.dtype, seed=self.seed)
        return z_mean + tf.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
