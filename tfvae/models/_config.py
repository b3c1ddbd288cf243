"""What the tfvae models (`VAE`, `GANomaly`) share in their Keras configs."""

import math

import keras


def deserialize_layers(config, keys):
    """A copy of `config` with the serialized sub-layers under `keys` rebuilt."""
    config = dict(config)
    for key in keys:
        if config.get(key) is not None:
            config[key] = keras.layers.deserialize(config[key])
    return config


def threshold_value(threshold):
    """The threshold variable as a Python float, or None when not calibrated (NaN)."""
    value = float(keras.ops.convert_to_numpy(threshold))
    return None if math.isnan(value) else value
