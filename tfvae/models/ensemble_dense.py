"""Dense layer with one weight matrix per ensemble member, all computed in one matmul."""

import math

import keras

from tfvae.models._validation import check_positive_int


@keras.saving.register_keras_serializable(package="tfvae")
class EnsembleDense(keras.layers.Layer):
    """`K` independent dense layers applied at once: `[K, batch, in] -> [K, batch, units]`.

    Member `k` multiplies its own slice of the input by its own kernel `[in, units]`,
    so `K` small networks train side by side as one Keras model (one batched
    matmul per layer, one SavedModel). An input with a leading axis of 1 is shared by
    every member. Each member's kernel is initialised like a `Dense` kernel of shape
    `[in, units]` (Glorot uniform), independently of `K`.

    Args:
        units: int. Output width of every member.
        members: int. Number of members `K`.
        activation: str or None. Activation applied to the output.
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    h = EnsembleDense(32, members=5, activation="relu")(x[None])  # x: [batch, in]
    h.shape  # (5, batch, 32)
    ```
    """

    def __init__(self, units, members, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self.members = check_positive_int("members", members)
        self.activation = keras.activations.get(activation)
        self._activation_name = activation

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        limit = math.sqrt(6.0 / (fan_in + self.units))
        self.kernel = self.add_weight(
            shape=(self.members, fan_in, self.units),
            initializer=keras.initializers.RandomUniform(-limit, limit),
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(self.members, 1, self.units), initializer="zeros", name="bias"
        )

    def call(self, inputs):
        return self.activation(keras.ops.matmul(inputs, self.kernel) + self.bias)

    def compute_output_shape(self, input_shape):
        return (self.members, input_shape[-2], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "members": self.members,
            "activation": self._activation_name,
        }


def member_dense(units, members, activation, name):
    """A `Dense` layer for one member, an `EnsembleDense` layer for several."""
    if members == 1:
        return keras.layers.Dense(units, activation=activation, name=name)
    return EnsembleDense(units, members, activation=activation, name=name)
