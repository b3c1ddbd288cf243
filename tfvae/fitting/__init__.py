"""Building and fitting: the one model builder and the one training schedule.

`builder` makes every model tfvae trains (dense and convolutional VAEs, the GAN's
parts); `schedule` decides epochs and steps per `tf.function` call for the detectors
and `tfvae train`; `gradient_registry` keeps a loop of fits from growing.
"""

from tfvae.fitting.builder import architecture, build_conv_vae, build_dense_vae, gan_parts
from tfvae.fitting.schedule import row_batches, steps_per_execution, training_schedule

__all__ = [
    "architecture",
    "build_conv_vae",
    "build_dense_vae",
    "gan_parts",
    "row_batches",
    "steps_per_execution",
    "training_schedule",
]
