"""Reparameterisation trick: `z = z_mean + exp(0.5 * z_log_var) * eps`."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfvae")
class Sampling(keras.layers.Layer):
    """Draws `z ~ N(z_mean, exp(z_log_var))` with the reparameterisation trick.

    Given a `step` (the VAE passes its optimizer's iteration count), the noise is
    stateless: a function of `(seed, step, replica)` only, so two fits with one seed
    draw the same noise, in one process as in two. Stateful random ops do not: under
    XLA (`jit_compile=True`) their state is the process's, and outlives a fit.
    Without a `step`, `tf.random.normal` with an op-level seed is used. Neither form
    holds a `SeedGenerator`, which fails under `MirroredStrategy` on CPU ("You must
    feed a value for placeholder tensor").

    Args:
        seed: int or None. Seed of the noise (None: 0 for stateless draws, an
            unseeded op otherwise).
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    z = Sampling(seed=1)([z_mean, z_log_var], step=optimizer.iterations)
    ```
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"Expected `seed` to be an int or None. Received: seed={seed!r}")
        self.seed = seed

    def call(self, inputs, step=None):
        z_mean, z_log_var = inputs
        shape = tf.shape(z_mean)
        if step is None:
            epsilon = tf.random.normal(shape, dtype=z_mean.dtype, seed=self.seed)
        else:
            epsilon = tf.random.stateless_normal(
                shape, seed=self._stateless_seed(step), dtype=z_mean.dtype
            )
        return z_mean + tf.exp(0.5 * z_log_var) * epsilon

    def _stateless_seed(self, step):
        """`[seed, step * replicas + replica]`: each replica of each step its own noise."""
        step = tf.cast(step, "int64")
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            replica = tf.cast(context.replica_id_in_sync_group, "int64")
            step = step * context.num_replicas_in_sync + replica
        return tf.stack([tf.constant(self.seed or 0, "int64"), step])

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
