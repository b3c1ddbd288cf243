"""Fully connected decoder for tables: z -> reconstruction."""

import keras

from tfvae.models._validation import check_positive_int, check_units
from tfvae.models.ensemble_dense import member_dense


@keras.saving.register_keras_serializable(package="tfvae")
class DenseDecoder(keras.layers.Layer):
    """Maps latent codes `[batch, latent_dim]` to reconstructions `[batch, output_dim]`.

    Args:
        output_dim: int. Number of features to reconstruct.
        hidden_units: list of int. Widths of the hidden `Dense` layers, latent side first.
        activation: str. Activation of the hidden layers.
        output_activation: str or None. `None` (linear) for a Gaussian likelihood,
            `"sigmoid"` for a Bernoulli one.
        members: int. Number of ensemble members: with `members=K > 1` it maps
            `[batch, K, latent_dim]` (one code per member, as `DenseEncoder` gives)
            to `[batch, K, output_dim]` with `K` independent decoders.
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    x_hat = DenseDecoder(output_dim=30, hidden_units=[64])(z)
    ```
    """

    def __init__(
        self,
        output_dim,
        hidden_units=(64,),
        activation="relu",
        output_activation=None,
        members=1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.output_dim = check_positive_int("output_dim", output_dim)
        self.members = check_positive_int("members", members)
        self.hidden_units = check_units("hidden_units", hidden_units)
        self.activation = activation
        self.output_activation = output_activation
        self.hidden_layers = [
            member_dense(units, self.members, activation, f"hidden_{index}")
            for index, units in enumerate(self.hidden_units)
        ]
        self.output_layer = member_dense(
            output_dim, self.members, output_activation, "reconstruction"
        )

    def build(self, input_shape):
        shape = input_shape
        if self.members > 1:  # [batch, K, latent] arrives as [K, batch, latent]
            shape = (input_shape[1], input_shape[0], input_shape[2])
        for layer in self.hidden_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.output_layer.build(shape)

    def call(self, inputs):
        h = inputs if self.members == 1 else keras.ops.transpose(inputs, (1, 0, 2))
        for layer in self.hidden_layers:
            h = layer(h)
        h = self.output_layer(h)
        return h if self.members == 1 else keras.ops.transpose(h, (1, 0, 2))

    def compute_output_shape(self, input_shape):
        if self.members > 1:
            return (input_shape[0], self.members, self.output_dim)
        return (input_shape[0], self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "output_dim": self.output_dim,
            "hidden_units": list(self.hidden_units),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "members": self.members,
        }
