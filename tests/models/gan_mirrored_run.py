"""Trains GANomaly on one device and under MirroredStrategy (2 logical CPUs); saves both.

Run by `test_ganomaly_distributed.py` as its own process: TensorFlow's CPU collectives
abort when models of other shapes train under MirroredStrategy in the same process
(the `own_process` tests), so this run never shares one.

Usage: python gan_mirrored_run.py OUT.npz
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import gaussian_blobs  # noqa: E402

from tfvae.models import DenseDecoder, DenseEncoder, GANomaly  # noqa: E402
from tfvae.training.strategies import make_strategy  # noqa: E402

KEYS = ("loss", "contextual_loss", "adversarial_loss", "latent_loss", "discriminator_loss")


def train(strategy, x):
    with strategy.scope():
        keras.utils.set_random_seed(42)
        gan = GANomaly(
            DenseEncoder(2, hidden_units=[8]),
            DenseDecoder(x.shape[1], hidden_units=[8]),
            DenseEncoder(2, hidden_units=[8]),
            DenseEncoder(4, hidden_units=[8], activation="leaky_relu"),
        )
        # SGD: the update is proportional to the gradient, so a wrong loss scale shows.
        gan.compile(optimizer=keras.optimizers.SGD(0.01))
        history = gan.fit(x, epochs=2, batch_size=32, shuffle=False, verbose=0).history
    return history, [v.numpy() for v in gan.trainable_variables]


def main(out):
    x = gaussian_blobs(256)
    mirrored = make_strategy("mirrored")
    results = {"replicas": np.array(mirrored.num_replicas_in_sync)}
    for prefix, strategy in (("single", tf.distribute.get_strategy()), ("mirrored", mirrored)):
        history, weights = train(strategy, x)
        for key in KEYS:
            results[f"{prefix}/{key}"] = np.array(history[key])
        for index, value in enumerate(weights):
            results[f"{prefix}/w{index}"] = value
    np.savez(out, **results)


if __name__ == "__main__":
    main(sys.argv[1])
