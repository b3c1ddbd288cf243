"""Per-feature standardisation with a logarithmic tail, inside the model: the one scaler
(`FeatureScaler`), its one setup (`scaler_for`), what export metadata records of it
(`scaling_metadata`) and its inverse (`input_values`)."""

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfvae")
class FeatureScaler(keras.layers.Layer):
    """Standardises each feature, then compresses values beyond `knee` logarithmically.

    `z = (x - center) / scale`; with `knee=k`, values with `|z| > k` become
    `sign(z) * (k + log1p(|z| - k))`. The map is continuous and strictly
    increasing, so extreme rows still score as the most extreme, but a heavy-tailed
    column (byte counts, prices) cannot dominate the loss or overflow float32, and
    the statistics travel inside the saved model so exports take raw numbers.

    Args:
        center: list of float. Per-feature center (mean or median).
        scale: list of float. Per-feature scale (standard deviation, or IQR / 1.349);
            must be positive.
        knee: float or None. Start of the logarithmic tail in scaled units; None keeps
            the plain standardisation.
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    scaler = FeatureScaler(center=[0.0, 10.0], scale=[1.0, 2.0], knee=5.0)
    scaler(np.array([[1.0, 1e9]], "float32"))  # [[1.0, ~24.0]]
    ```
    """

    #: `center` and `scale` are also non-trainable weights, read by `call`: one trace
    #: of a model serves every scaler of the same width (`tfvae.scoring.shared_trace`).
    UNTRACED_CONFIG = ("center", "scale")

    def __init__(self, center, scale, knee=None, **kwargs):
        super().__init__(**kwargs)
        self.center = [float(v) for v in center]
        self.scale = [float(v) for v in scale]
        if len(self.center) != len(self.scale) or not self.center:
            raise ValueError(
                "Expected `center` and `scale` of the same non-zero length. "
                f"Received: {len(self.center)} and {len(self.scale)} values"
            )
        if not all(v > 0 for v in self.scale):
            raise ValueError(
                f"Expected every `scale` value to be positive. Received: scale={self.scale!r}"
            )
        if knee is not None and not (isinstance(knee, (int, float)) and knee > 0):
            raise ValueError(
                f"Expected `knee` to be a positive float or None. Received: knee={knee!r}"
            )
        self.knee = None if knee is None else float(knee)

    @classmethod
    def from_data(cls, x, robust=False, knee=None, **kwargs):
        """A scaler with the statistics of the rows `x` (numpy; nothing to `adapt`).

        Args:
            x: array `[rows, features]`.
            robust: bool. Median and IQR / 1.349 (the standard deviation of a normal
                distribution with that IQR), which outliers among the rows barely
                move, instead of mean and standard deviation.
            knee: float or None. See the class.
            **kwargs: base `Layer` arguments.

        A column with no spread keeps unit scale (as scikit-learn's scalers do):
        dividing by zero would turn any new value into inf. A robust scale of 0
        (more than half the rows equal) falls back to the standard deviation.
        """
        x = np.asarray(x, dtype=np.float64)
        if robust:
            center, iqr, std = quartile_spread(x)
            scale = np.where(iqr > 0, iqr / 1.349, std)
        else:
            center, scale = x.mean(axis=0), x.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        return cls(center.tolist(), scale.tolist(), knee=knee, **kwargs)

    def build(self, input_shape):
        for name, values in (("center", self.center), ("scale", self.scale)):
            weight = self.add_weight(
                shape=(len(values),),
                initializer=keras.initializers.Constant(values),
                trainable=False,
                name=name,
            )
            setattr(self, f"{name}_weight", weight)

    def load_own_variables(self, store):
        # `.keras` files saved before the statistics became weights hold none for this
        # layer; the statistics are in its config, which built the weights already.
        if len(store.keys()) == 0:
            return
        super().load_own_variables(store)

    def call(self, inputs):
        inputs = tf.cast(inputs, "float32")
        z = (inputs - self.center_weight) / self.scale_weight
        if self.knee is None:
            return z
        magnitude = tf.abs(z)
        tail = self.knee + tf.math.log1p(tf.maximum(magnitude - self.knee, 0.0))
        return tf.where(magnitude > self.knee, tf.sign(z) * tail, z)

    def inverse(self, features):
        """Maps scaled features (numpy `[rows, features]`) back to raw numbers."""
        z = np.asarray(features, dtype=np.float64)
        if self.knee is not None:
            magnitude = np.abs(z)
            z = np.where(
                magnitude > self.knee, np.sign(z) * (self.knee + np.expm1(magnitude - self.knee)), z
            )
        return z * np.asarray(self.scale) + np.asarray(self.center)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "center": self.center,
            "scale": self.scale,
            "knee": self.knee,
        }


def quartile_spread(x):
    """`(median, interquartile range, standard deviation)` of each column of `x`
    (float64): the robust statistics, with the fallback for a column whose IQR is 0."""
    x = np.asarray(x, dtype=np.float64)
    q75, q25 = np.percentile(x, [75, 25], axis=0)
    return np.median(x, axis=0), q75 - q25, x.std(axis=0)


#: What `standardize` may be: robust statistics (`"robust"`, and `"auto"` as `tfvae train`
#: spells it for arrays), mean and standard deviation (True), or no scaler (False, None).
STANDARDIZE = ("robust", "auto", True, False, None)


def scaler_for(x, standardize, tail_knee=None, name="standardize"):
    """The `FeatureScaler` of the training rows `x`, as `standardize` asks, or None.

    The one setup of every model's scaler (`VAEDetector`, `GANDetector` on tables and
    `tfvae train` on arrays).

    Args:
        x: array `[rows, features]` (images are flattened first by the caller).
        standardize: `"robust"` or `"auto"` (median and IQR / 1.349), True (mean and
            standard deviation), False or None (no scaler).
        tail_knee: float or None. The scaler's `knee`.
        name: str. Layer name.

    Returns:
        A `FeatureScaler`, or None.

    Example:
    ```python
    scaler_for(x_train, "robust", tail_knee=3.0)
    ```
    """
    if standardize is False or standardize is None:
        return None
    if standardize not in STANDARDIZE:
        raise ValueError(
            f"Expected `standardize` in {STANDARDIZE}. Received: standardize={standardize!r}"
        )
    robust = standardize in ("robust", "auto")
    return FeatureScaler.from_data(x, robust=robust, knee=tail_knee, name=name)


def scaling_metadata(preprocessor):
    """What `metadata.json`'s `training_data` records of a model's scaler.

    A `FeatureScaler`: `feature_center`, `feature_scale`, `tail_knee`. A Keras
    `Normalization` (the scaler of GAN files saved before `FeatureScaler` was the one
    scaler, and of hand-built models): `feature_mean`, `feature_std`. Anything else:
    nothing.

    Args:
        preprocessor: the model's `preprocessor` (or None).

    Returns:
        A JSON-ready dict.
    """
    if isinstance(preprocessor, FeatureScaler):
        return {
            "feature_center": list(preprocessor.center),
            "feature_scale": list(preprocessor.scale),
            "tail_knee": preprocessor.knee,
        }
    if isinstance(preprocessor, keras.layers.Normalization) and preprocessor.built:
        mean = np.ravel(keras.ops.convert_to_numpy(preprocessor.mean))
        std = np.sqrt(np.ravel(keras.ops.convert_to_numpy(preprocessor.variance)))
        return {"feature_mean": [float(v) for v in mean], "feature_std": [float(v) for v in std]}
    return {}


def input_values(preprocessor, features):
    """Maps feature-space rows back to raw inputs: the inverse of the preprocessor.

    Args:
        preprocessor: None, a `FeatureScaler` or a Keras `Normalization` (not inverted).
        features: array `[rows, features]` in the model's feature space.

    Raises:
        ValueError: another preprocessor (named).
    """
    if preprocessor is None:
        return features
    if isinstance(preprocessor, FeatureScaler):
        return preprocessor.inverse(features)
    if isinstance(preprocessor, keras.layers.Normalization) and not preprocessor.invert:
        mean = keras.ops.convert_to_numpy(preprocessor.mean)
        std = np.maximum(
            np.sqrt(keras.ops.convert_to_numpy(preprocessor.variance)), keras.config.epsilon()
        )
        return features * std + mean
    raise ValueError(
        f"Cannot map generated rows back through a `{type(preprocessor).__name__}` preprocessor; "
        "generate_anomalies supports models without a preprocessor, with a FeatureScaler or with "
        "a Normalization layer."
    )
