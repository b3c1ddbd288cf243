"""Fully connected encoder for tables: features -> (z_mean, z_log_var)."""

import keras

from tfvae.models._validation import check_positive_int, check_units


@keras.saving.register_keras_serializable(package="tfvae")
class DenseEncoder(keras.layers.Layer):
    """Maps `[batch, n_features]` to the posterior parameters `(z_mean, z_log_var)`.

    Args:
        latent_dim: int. Size of the latent space.
        hidden_units: list of int. Widths of the hidden `Dense` layers, input side first.
        activation: str. Activation of the hidden layers.
        dropout: float. Dropout rate after each hidden layer (0 disables it).
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    z_mean, z_log_var = DenseEncoder(latent_dim=8, hidden_units=[64])(x)
    ```
    """

    def __init__(self, latent_dim, hidden_units=(64,), activation="relu", dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.hidden_units = check_units("hidden_units", hidden_units)
        self.activation = activation
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"Expected `dropout` to be in [0, 1). Received: dropout={dropout!r}")
        self.dropout = float(dropout)
        self.hidden_layers = []
        for index, units in enumerate(self.hidden_units):
            self.hidden_layers.append(
                keras.layers.Dense(units, activation=activation, name=f"hidden_{index}")
            )
            if self.dropout:
                self.hidden_layers.append(keras.layers.Dropout(self.dropout, name=f"dropout_{index}"))
        self.z_mean_layer = keras.layers.Dense(latent_dim, name="z_mean")
        self.z_log_var_layer = keras.layers.Dense(latent_dim, name="z_log_var")

    def build(self, input_shape):
        shape = input_shape
        for layer in self.hidden_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.z_mean_layer.build(shape)
        self.z_log_var_layer.build(shape)

    def call(self, inputs, training=None):
        h = inputs
        for layer in self.hidden_layers:
            h = layer(h, training=training)
        return self.z_mean_layer(h), self.z_log_var_layer(h)

    def compute_output_shape(self, input_shape):
        shape = (input_shape[0], self.latent_dim)
        return shape, shape

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "hidden_units": list(self.hidden_units),
            "activation": self.activation,
            "dropout": self.dropout,
        }
