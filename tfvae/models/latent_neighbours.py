"""Distance of posterior means to their k-th nearest neighbour among remembered rows."""

import numbers

import keras
import tensorflow as tf

from tfvae.models._validation import check_positive_int


@keras.saving.register_keras_serializable(package="tfvae")
class LatentNeighbours(keras.layers.Layer):
    """k-th nearest-neighbour distance in the latent space, to a bank of training rows.

    The bank holds the posterior means of training rows (`tfvae.remember_neighbours`
    fills it), one latent code per ensemble member. A row's distance is, for each
    member, the Euclidean distance of its posterior mean to the `k`-th nearest code of
    the bank, averaged over the members: how far the row lies from the training rows
    in the space the VAE learned. Anomalies that the decoder reconstructs well can
    still lie apart from every training row there.

    Distances come from `|q|^2 - 2 q.b + |b|^2` (one matmul per member, no
    `[batch, bank, latent]` tensor), so a batch of 8192 rows against a bank of 2048
    codes needs 64 MB at a time.

    Args:
        bank_size: int. Number of remembered rows.
        members: int. Ensemble members (1 for a single VAE).
        latent_dim: int. Size of each latent code.
        k: int. Which neighbour's distance (1 = the nearest); at most `bank_size`.
        weight: float >= 0. Weight of this distance, once on the robust log scale, where
            `elbo_neighbours` adds it to the negative ELBO's (1: equal weights, as in
            files saved before the weight existed).
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    neighbours = LatentNeighbours(bank_size=1000, members=1, latent_dim=8, k=5)
    neighbours.remember(z_means_of_training_rows)   # [1000, 8]
    distance = neighbours(z_mean)                   # [batch]
    ```
    """

    def __init__(self, bank_size, members, latent_dim, k=5, weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.bank_size = check_positive_int("bank_size", bank_size)
        self.members = check_positive_int("members", members)
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.k = check_positive_int("k", k)
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not weight >= 0:
            raise ValueError(
                f"Expected `weight` to be a non-negative float. Received: weight={weight!r}"
            )
        self.weight = float(weight)
        if self.k > self.bank_size:
            raise ValueError(
                f"Expected `k` to be at most `bank_size` ({self.bank_size}). Received: k={k}"
            )

    def build(self, input_shape=None):
        self.bank = self.add_weight(
            shape=(self.members, self.bank_size, self.latent_dim),
            initializer="zeros",
            trainable=False,
            name="bank",
        )

    def remember(self, codes):
        """Stores the posterior means `codes` (`[bank_size, members, latent_dim]`, or
        `[bank_size, latent_dim]` for one member) as the bank."""
        if not self.built:
            self.build()
        codes = tf.convert_to_tensor(codes, "float32")
        if codes.shape.rank == 2:
            codes = codes[:, None, :]
        expected = (self.bank_size, self.members, self.latent_dim)
        if tuple(codes.shape) != expected:
            raise ValueError(
                f"Expected codes of shape {expected}. Received: shape={tuple(codes.shape)}"
            )
        self.bank.assign(tf.transpose(codes, (1, 0, 2)))

    def call(self, z_mean, skip_nearest=False):
        """Distances `[batch]` of the posterior means `z_mean` (`[batch, members,
        latent_dim]`, or `[batch, latent_dim]` for one member).

        With `skip_nearest`, the `k+1`-th neighbour is used: for rows that are in the
        bank themselves, whose nearest neighbour is their own code.
        """
        z_mean = tf.cast(z_mean, "float32")
        if z_mean.shape.rank == 2:
            z_mean = z_mean[:, None, :]
        k = min(self.k + int(skip_nearest), self.bank_size)
        distances = []
        for member in range(self.members):  # one [batch, bank] matrix at a time
            codes, bank = z_mean[:, member], self.bank[member]
            squared = (
                tf.reduce_sum(tf.square(codes), axis=1, keepdims=True)
                - 2.0 * tf.matmul(codes, bank, transpose_b=True)
                + tf.reduce_sum(tf.square(bank), axis=1)[None, :]
            )
            nearest = -tf.math.top_k(-squared, k=k).values[:, k - 1]
            distances.append(tf.sqrt(tf.maximum(nearest, 0.0)))
        return tf.add_n(distances) / float(self.members)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],)

    def get_config(self):
        return {
            **super().get_config(),
            "bank_size": self.bank_size,
            "members": self.members,
            "latent_dim": self.latent_dim,
            "k": self.k,
            "weight": self.weight,
        }
