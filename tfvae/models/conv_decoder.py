"""Convolutional decoder for images: z -> `[batch, H, W, C]`."""

import keras

from tfvae.models._validation import check_positive_int, check_units


@keras.saving.register_keras_serializable(package="tfvae")
class ConvDecoder(keras.layers.Layer):
    """Dense projection, then `Conv2DTranspose` layers that double the spatial size.

    Args:
        image_shape: tuple `(height, width, channels)`. Height and width must be
            divisible by `2 ** len(filters)`.
        filters: list of int. Filters of each transposed convolution, latent side first.
        kernel_size: int. Kernel size.
        output_activation: str or None. `"sigmoid"` for pixels in [0, 1] with a
            Bernoulli likelihood; `None` for a Gaussian one.
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    x_hat = ConvDecoder(image_shape=(28, 28, 1))(z)
    ```
    """

    def __init__(
        self, image_shape, filters=(64, 32), kernel_size=3, output_activation="sigmoid", **kwargs
    ):
        super().__init__(**kwargs)
        if len(image_shape) != 3:
            raise ValueError(
                "Expected `image_shape` to be (height, width, channels). "
                f"Received: image_shape={image_shape!r}"
            )
        self.image_shape = tuple(
            check_positive_int("image_shape[...]", int(d)) for d in image_shape
        )
        self.filters = check_units("filters", filters)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        self.output_activation = output_activation
        factor = 2 ** len(self.filters)
        height, width, channels = self.image_shape
        if height % factor or width % factor:
            raise ValueError(
                f"Expected image height and width divisible by 2**len(filters)={factor}. "
                f"Received: image_shape={self.image_shape}, filters={list(self.filters)}"
            )
        self.start_shape = (height // factor, width // factor, self.filters[0])
        self.project = keras.layers.Dense(
            height // factor * width // factor * self.filters[0], activation="relu", name="project"
        )
        self.reshape = keras.layers.Reshape(self.start_shape)
        self.deconv_layers = [
            keras.layers.Conv2DTranspose(
                f, kernel_size, strides=2, padding="same", activation="relu", name=f"deconv_{i}"
            )
            for i, f in enumerate(self.filters)
        ]
        self.output_layer = keras.layers.Conv2DTranspose(
            channels,
            kernel_size,
            padding="same",
            activation=output_activation,
            name="reconstruction",
        )

    def build(self, input_shape):
        self.project.build(input_shape)
        shape = (input_shape[0], *self.start_shape)
        for layer in self.deconv_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.output_layer.build(shape)

    def call(self, inputs):
        h = self.reshape(self.project(inputs))
        for layer in self.deconv_layers:
            h = layer(h)
        return self.output_layer(h)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.image_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": list(self.image_shape),
            "filters": list(self.filters),
            "kernel_size": self.kernel_size,
            "output_activation": self.output_activation,
        }
