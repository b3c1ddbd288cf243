"""Fully connected encoder for tables: features -> (z_mean, z_log_var)."""

import keras

from tfvae.models._validation import check_positive_int, check_units
from tfvae.models.ensemble_dense import member_dense


@keras.saving.register_keras_serializable(package="tfvae")
class DenseEncoder(keras.layers.Layer):
    """Maps `[batch, n_features]` to the posterior parameters `(z_mean, z_log_var)`.

    Args:
        latent_dim: int. Size of the latent space.
        hidden_units: list of int. Widths of the hidden `Dense` layers, input side first.
        activation: str. Activation of the hidden layers.
        dropout: float. Dropout rate after each hidden layer (0 disables it).
        members: int. Number of ensemble members. With `members=K > 1` the layer
            holds `K` independent encoders (`EnsembleDense` weights) and returns
            `[batch, K, latent_dim]` posteriors, one per member.
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    z_mean, z_log_var = DenseEncoder(latent_dim=8, hidden_units=[64])(x)
    ```
    """

    def __init__(
        self, latent_dim, hidden_units=(64,), activation="relu", dropout=0.0, members=1, **kwargs
    ):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.members = check_positive_int("members", members)
        self.hidden_units = check_units("hidden_units", hidden_units)
        self.activation = activation
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"Expected `dropout` to be in [0, 1). Received: dropout={dropout!r}")
        self.dropout = float(dropout)
        self.hidden_layers = []
        for index, units in enumerate(self.hidden_units):
            self.hidden_layers.append(
                member_dense(units, self.members, activation, f"hidden_{index}")
            )
            if self.dropout:
                self.hidden_layers.append(
                    keras.layers.Dropout(self.dropout, name=f"dropout_{index}")
                )
        self.z_mean_layer = member_dense(latent_dim, self.members, None, "z_mean")
        self.z_log_var_layer = member_dense(latent_dim, self.members, None, "z_log_var")

    def build(self, input_shape):
        shape = input_shape if self.members == 1 else (1, *input_shape)
        for layer in self.hidden_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.z_mean_layer.build(shape)
        self.z_log_var_layer.build(shape)

    def call(self, inputs, training=None):
        # Members work on [K, batch, ...]; the input row is shared by all of them.
        h = inputs if self.members == 1 else keras.ops.expand_dims(inputs, 0)
        for layer in self.hidden_layers:
            h = layer(h, training=training)
        z_mean, z_log_var = self.z_mean_layer(h), self.z_log_var_layer(h)
        if self.members > 1:  # batch first, as every other tensor of the model
            z_mean = keras.ops.transpose(z_mean, (1, 0, 2))
            z_log_var = keras.ops.transpose(z_log_var, (1, 0, 2))
        return z_mean, z_log_var

    def compute_output_shape(self, input_shape):
        shape = (input_shape[0], self.latent_dim)
        if self.members > 1:
            shape = (input_shape[0], self.members, self.latent_dim)
        return shape, shape

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "hidden_units": list(self.hidden_units),
            "activation": self.activation,
            "dropout": self.dropout,
            "members": self.members,
        }
