"""Convolutional encoder for images: `[batch, H, W, C]` -> (z_mean, z_log_var)."""

import keras

from tfvae.models._validation import check_positive_int, check_units


@keras.saving.register_keras_serializable(package="tfvae")
class ConvEncoder(keras.layers.Layer):
    """Strided `Conv2D` stack, then dense heads for the posterior parameters.

    Each convolution halves the spatial size (stride 2, `"same"` padding), as in
    the keras-io VAE.

    Args:
        latent_dim: int. Size of the latent space.
        filters: list of int. Filters of each strided convolution.
        kernel_size: int. Convolution kernel size.
        dense_units: int. Width of the dense layer after flattening (0 skips it).
        activation: str. Activation of the convolutions and the dense layer
            (`"leaky_relu"` in the GAN's encoders, as in DCGAN/GANomaly).
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    z_mean, z_log_var = ConvEncoder(latent_dim=2)(images)  # images: [batch, 28, 28, 1]
    ```
    """

    def __init__(
        self,
        latent_dim,
        filters=(32, 64),
        kernel_size=3,
        dense_units=16,
        activation="relu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.filters = check_units("filters", filters)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        if isinstance(dense_units, bool) or not isinstance(dense_units, int) or dense_units < 0:
            raise ValueError(
                f"Expected `dense_units` to be a non-negative int. Received: dense_units={dense_units!r}"
            )
        self.dense_units = dense_units
        self.activation = activation
        self.conv_layers = [
            keras.layers.Conv2D(
                f, kernel_size, strides=2, padding="same", activation=activation, name=f"conv_{i}"
            )
            for i, f in enumerate(self.filters)
        ]
        self.flatten = keras.layers.Flatten()
        self.dense = (
            keras.layers.Dense(dense_units, activation=activation, name="dense")
            if dense_units
            else None
        )
        self.z_mean_layer = keras.layers.Dense(latent_dim, name="z_mean")
        self.z_log_var_layer = keras.layers.Dense(latent_dim, name="z_log_var")

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(
                "Expected images of shape [batch, height, width, channels]. "
                f"Received: input_shape={input_shape}"
            )
        shape = input_shape
        for layer in self.conv_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        shape = self.flatten.compute_output_shape(shape)
        if self.dense is not None:
            self.dense.build(shape)
            shape = self.dense.compute_output_shape(shape)
        self.z_mean_layer.build(shape)
        self.z_log_var_layer.build(shape)

    def call(self, inputs):
        h = inputs
        for layer in self.conv_layers:
            h = layer(h)
        h = self.flatten(h)
        if self.dense is not None:
            h = self.dense(h)
        return self.z_mean_layer(h), self.z_log_var_layer(h)

    def compute_output_shape(self, input_shape):
        shape = (input_shape[0], self.latent_dim)
        return shape, shape

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "filters": list(self.filters),
            "kernel_size": self.kernel_size,
            "dense_units": self.dense_units,
            "activation": self.activation,
        }
