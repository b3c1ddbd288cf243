"""Fully connected decoder for tables: z -> reconstruction."""

import keras

from tfvae.models._validation import check_positive_int, check_units


@keras.saving.register_keras_serializable(package="tfvae")
class DenseDecoder(keras.layers.Layer):
    """Maps latent codes `[batch, latent_dim]` to reconstructions `[batch, output_dim]`.

    Args:
        output_dim: int. Number of features to reconstruct.
        hidden_units: list of int. Widths of the hidden `Dense` layers, latent side first.
        activation: str. Activation of the hidden layers.
        output_activation: str or None. `None` (linear) for a Gaussian likelihood,
            `"sigmoid"` for a Bernoulli one.
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    x_hat = DenseDecoder(output_dim=30, hidden_units=[64])(z)
    ```
    """

    def __init__(
        self, output_dim, hidden_units=(64,), activation="relu", output_activation=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.output_dim = check_positive_int("output_dim", output_dim)
        self.hidden_units = check_units("hidden_units", hidden_units)
        self.activation = activation
        self.output_activation = output_activation
        self.hidden_layers = [
            keras.layers.Dense(units, activation=activation, name=f"hidden_{index}")
            for index, units in enumerate(self.hidden_units)
        ]
        self.output_layer = keras.layers.Dense(
            output_dim, activation=output_activation, name="reconstruction"
        )

    def build(self, input_shape):
        shape = input_shape
        for layer in self.hidden_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.output_layer.build(shape)

    def call(self, inputs):
        h = inputs
        for layer in self.hidden_layers:
            h = layer(h)
        return self.output_layer(h)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "output_dim": self.output_dim,
            "hidden_units": list(self.hidden_units),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }
