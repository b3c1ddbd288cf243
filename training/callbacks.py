"""Callbacks of the training run: KL warm-up, beta/learning-rate logging, latent
histograms, and a fault-tolerant backup that writes atomically.
"""

import json
import os
import shutil
import tempfile

import keras
import tensorflow as tf

from tfvae.atomic import write_json


class KLWarmup(keras.callbacks.Callback):
    """Raises `model.beta` linearly from 0 to `beta` over `warmup_epochs` epochs.

    The value depends only on the epoch index, so a resumed run (which starts at
    the restored epoch) continues the same schedule.

    Args:
        beta: float. Final KL weight.
        warmup_epochs: int. Epochs to reach it (epoch 0 trains with beta = 0).

    Example:
    ```python
    model.fit(x, epochs=20, callbacks=[KLWarmup(beta=1.0, warmup_epochs=5)])
    ```
    """

    def __init__(self, beta, warmup_epochs):
        super().__init__()
        if warmup_epochs < 1:
            raise ValueError(
                f"Expected `warmup_epochs` >= 1. Received: warmup_epochs={warmup_epochs!r}"
            )
        self.beta = float(beta)
        self.warmup_epochs = int(warmup_epochs)

    def value(self, epoch):
        return self.beta * min(1.0, epoch / self.warmup_epochs)

    def on_epoch_begin(self, epoch, logs=None):
        self.model.beta.assign(self.value(epoch))


class LogBetaAndLearningRate(keras.callbacks.Callback):
    """Adds `beta` and `learning_rate` to the epoch logs (so TensorBoard, the CSV log
    and the history record them). Put it before the loggers in the callback list.
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        logs["beta"] = float(keras.ops.convert_to_numpy(self.model.beta))
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))


class LatentHistograms(keras.callbacks.Callback):
    """Writes a TensorBoard histogram of the latent means of fixed rows each epoch.

    Args:
        log_dir: str. Folder of the summary writer (e.g. `<run>/logs/latent`).
        x: numpy array of rows to encode (a small fixed sample).
        every: int. Epoch frequency (0 disables).
    """

    def __init__(self, log_dir, x, every=1):
        super().__init__()
        self.log_dir = log_dir
        self.x = x
        self.every = every
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if not self.every or (epoch + 1) % self.every:
            return
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        z_mean, _ = self.model.posterior(self.model.features(self.x))
        z_mean = keras.ops.convert_to_numpy(z_mean)
        with self._writer.as_default(step=epoch):
            tf.summary.histogram("latent/z_mean", z_mean)
            for index in range(min(z_mean.shape[1], 8)):
                tf.summary.histogram(f"latent/z_mean_{index}", z_mean[:, index])
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()


#: The symbolic link, inside the backup folder, to the folder of the latest backup.
CURRENT = "current"


def metadata_path(backup_dir):
    """The epoch/batch/iterations JSON of the latest backup in `backup_dir`."""
    return os.path.join(backup_dir, CURRENT, "training_metadata.json")


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` whose backups survive a SIGKILL at any time.

    Differences from the Keras callback:
    - weights and metadata are published together, in one atomic step: both are
      written into a new `state-*` folder and the symbolic link `current` is then
      replaced to point at it, so a kill at any time leaves a matching pair (never
      new weights with old epoch/batch metadata);
    - after a restore, backups written mid-epoch record the restored epoch (Keras
      records epoch 0 until the first epoch of the resumed run ends);
    - with an integer `save_freq` it also saves at the end of each epoch, so a
      completed epoch is never run again;
    - the backup's metadata also records the optimizer's iteration count.

    With an integer `save_freq`, a killed run restarts at the beginning of the
    interrupted epoch with the weights and optimizer state of the last backup
    (Keras 3 `fit` cannot start mid-epoch); with `"epoch"` it restarts at the
    epoch after the last completed one.
    """

    def __init__(self, backup_dir, save_freq="epoch", **kwargs):
        super().__init__(backup_dir, save_freq=save_freq, **kwargs)
        current = os.path.join(backup_dir, CURRENT)
        self._weights_path = os.path.join(current, "latest.weights.h5")
        self._training_metadata_path = metadata_path(backup_dir)
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"

    def _load_model(self):
        super()._load_model()
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                self._current_epoch = int(json.load(f)["epoch"])

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if self.save_freq != "epoch":
            self._save_model()

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        state = tempfile.mkdtemp(prefix="state-", dir=self.backup_dir)
        self.model.save_weights(os.path.join(state, "latest.weights.h5"), overwrite=True)
        metadata = {
            "epoch": self._current_epoch,
            "batch": self._last_batch_seen,
            "iterations": int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)),
        }
        write_json(os.path.join(state, "training_metadata.json"), metadata)
        link = os.path.join(self.backup_dir, CURRENT)
        tmp_link = os.path.join(self.backup_dir, f".{CURRENT}-{os.getpid()}")
        if os.path.lexists(tmp_link):
            os.remove(tmp_link)
        os.symlink(os.path.basename(state), tmp_link)
        os.replace(tmp_link, link)  # the one step that switches weights and metadata together
        for entry in os.listdir(self.backup_dir):  # older states and any half-written one
            if entry.startswith("state-") and entry != os.path.basename(state):
                shutil.rmtree(os.path.join(self.backup_dir, entry), ignore_errors=True)
