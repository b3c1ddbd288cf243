"""Building and fitting: the one model builder and the one training schedule.

`builder` makes every model tfvae trains (dense and convolutional VAEs, the GAN's
parts); `schedule` decides epochs and steps per `tf.function` call for the detectors
and `tfvae train`; `gradient_registry` keeps a loop of fits from growing.
"""

from tfvae.fitting.builder import architecture, build_dense_vae
from tfvae.fitting.schedule import training_schedule

__all__ = ["architecture", "build_dense_vae", "training_schedule"]
