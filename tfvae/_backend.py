"""Pins Keras to the TensorFlow backend before `keras` is first imported.

tfvae trains with `tf.GradientTape`, distributes with `tf.distribute` and exports
SavedModel/TFLite, so it needs the TensorFlow backend of Keras 3.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402

if keras.backend.backend() != "tensorflow":
    raise ImportError(
        "tfvae needs the TensorFlow backend of Keras 3. Received: "
        f"KERAS_BACKEND={keras.backend.backend()!r}. Unset KERAS_BACKEND or set it to "
        "'tensorflow' before importing tfvae."
    )
