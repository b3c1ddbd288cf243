"""Builds the model under the strategy, assembles the callbacks and runs `model.fit`."""

import csv
import json
import logging
import os
import time

import keras

from tfvae.atomic import atomic_path
from tfvae.fitting.schedule import steps_per_execution
from tfvae.training import build, callbacks


class Throughput(keras.callbacks.Callback):
    """Measures training samples/second per epoch (the first epoch includes tracing)."""

    def __init__(self, samples_per_epoch):
        super().__init__()
        self.samples_per_epoch = samples_per_epoch
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        # Includes the validation pass of the epoch; indicative, not a benchmark.
        self.rates.append(self.samples_per_epoch / (time.perf_counter() - self._start))


def backup_epoch(backup_dir):
    """The epoch a run restarts at: from the backup's metadata, 0 without a backup."""
    metadata = callbacks.metadata_path(backup_dir)
    if not os.path.exists(metadata):
        return 0
    with open(metadata) as f:
        return int(json.load(f)["epoch"])


def _truncate_log(path, resume_epoch):
    """Before (re)starting, drops CSV rows of epochs the backup does not cover (they rerun)."""
    if not os.path.exists(path):
        return
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    kept = rows[:1] + [r for r in rows[1:] if r and int(r[0]) < resume_epoch]
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        csv.writer(f).writerows(kept)


def _require_tensorboard():
    try:
        import tensorboard  # noqa: F401  (tf.summary needs it; TensorFlow does not install it)
    except ImportError:
        raise ImportError(
            "The run writes TensorBoard logs and needs the `tensorboard` package: pip install tensorboard"
        ) from None


def _callbacks(config, inputs, write_dir, steps_per_epoch, global_batch):
    _require_tensorboard()
    t = config.training
    backup_dir = os.path.join(write_dir, "backup")
    log_path = os.path.join(write_dir, "training_log.csv")
    _truncate_log(log_path, backup_epoch(backup_dir))
    listed = []
    if config.model.type == "vae" and config.loss.kl_warmup_epochs:
        listed.append(callbacks.KLWarmup(config.loss.beta, config.loss.kl_warmup_epochs))
    # Restores before anything else reads the epoch; logs beta/lr before the loggers.
    listed.append(callbacks.AtomicBackupAndRestore(backup_dir, save_freq=t.backup_freq))
    listed.append(callbacks.LogBetaAndLearningRate())
    throughput = Throughput(steps_per_epoch * global_batch)
    listed.append(throughput)
    if t.checkpoint_every_epoch:
        listed.append(
            keras.callbacks.ModelCheckpoint(
                os.path.join(write_dir, "checkpoints", "epoch_{epoch:03d}.weights.h5"),
                save_weights_only=True,
            )
        )
    if t.early_stopping_patience:
        listed.append(
            keras.callbacks.EarlyStopping(
                "val_loss", patience=t.early_stopping_patience, restore_best_weights=True
            )
        )
    listed.append(keras.callbacks.CSVLogger(log_path, append=True))
    logs = os.path.join(write_dir, "logs")
    listed.append(keras.callbacks.TensorBoard(logs, histogram_freq=0, write_graph=False))
    if t.histogram_freq:
        sample = inputs.latent_sample(seed=t.seed)
        listed.append(
            callbacks.LatentHistograms(os.path.join(logs, "latent"), sample, t.histogram_freq)
        )
    return listed, throughput, log_path


def _epochs_logged(log_path):
    with open(log_path, newline="") as f:
        return list(csv.DictReader(f))


def _vector_logs_for_multi_worker(model):
    """Works around Keras 3 reducing scalar step logs with `axis=0` under multi-worker.

    Keras averages per-worker logs with `strategy.reduce("MEAN", value, axis=0)`,
    which fails on the scalar metric results of a custom `train_step`; returning
    them as `[1]` vectors makes that reduction the mean over workers (a scalar).
    """
    import tensorflow as tf

    def as_vectors(step):
        def wrapped(data):
            return {name: tf.reshape(value, [1]) for name, value in step(data).items()}

        return wrapped

    model.train_step = as_vectors(model.train_step)
    model.test_step = as_vectors(model.test_step)


def _skip_symbolic_build(model):
    """Works around Keras 3.15 building a model from a batch under a strategy.

    Under any `tf.distribute` strategy, `fit` first takes a batch from the input and
    MEAN-reduces it across replicas to build the model symbolically, which fails on a
    dict of per-replica raw columns (strings cannot be averaged). The model is fully
    built (`VAE.build`) and its optimizer is built here, so there is nothing to build.
    """
    model.optimizer.build(model.trainable_variables)
    unbuilt = [layer.name for layer in model._flatten_layers() if not layer.built]
    if unbuilt:
        raise RuntimeError(f"Layers {unbuilt} are not built; build the model before `fit`.")
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None


def _steps_per_execution(requested, num_replicas, steps_per_epoch):
    """`training.steps_per_execution` as the one rule (`tfvae.fitting.schedule`) allows it,
    with a warning when the value used differs (the run records the value used)."""
    used = steps_per_execution(steps_per_epoch, requested, num_replicas)
    if used != requested and num_replicas > 1:
        logging.warning(
            "training.steps_per_execution=%d is not supported with %d replicas by Keras 3.15 "
            "/ TensorFlow 2.21 (placeholder error in multi_step_on_iterator); using 1.",
            requested,
            num_replicas,
        )
    elif used != requested:
        logging.warning(
            "training.steps_per_execution=%d does not divide the %d steps of an epoch; using "
            "%d so that every epoch runs exactly its steps (a batch size giving a multiple of "
            "%d steps keeps the requested value).",
            requested,
            steps_per_epoch,
            used,
            requested,
        )
    return used


def fit(config, strategy, inputs, datasets, steps_per_epoch, global_batch, write_dir):
    """Builds and compiles under `strategy.scope()`, then fits on `datasets`
    (`(train, validation, validation_steps)` from `inputs.datasets`).

    Returns:
        `(model, info)`: the trained model and a dict with `epochs` (over all
        resumed runs, from the CSV log), the final losses and samples/second.
    """
    t = config.training
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(t.precision)
    per_execution = _steps_per_execution(
        t.steps_per_execution, strategy.num_replicas_in_sync, steps_per_epoch
    )
    train_ds, val_ds, validation_steps = datasets
    try:
        with strategy.scope():
            model = build.build_model(config, inputs)
            model.compile(
                optimizer=build.build_optimizer(config, steps_per_epoch),
                steps_per_execution=per_execution,
                jit_compile=t.jit_compile,
            )
            if isinstance(inputs.input_shape, dict):  # raw table columns
                _skip_symbolic_build(model)
        if config.strategy.name == "multi_worker":
            _vector_logs_for_multi_worker(model)
        resumed_from_epoch = backup_epoch(os.path.join(write_dir, "backup"))
        listed, throughput, log_path = _callbacks(
            config, inputs, write_dir, steps_per_epoch, global_batch
        )
        model.fit(
            train_ds,
            validation_data=val_ds,
            epochs=t.epochs,
            callbacks=listed,
            steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            shuffle=False,
            verbose=t.verbose,
        )
    finally:
        keras.config.set_dtype_policy(previous_policy)
    rows = _epochs_logged(log_path)
    last = rows[-1] if rows else {}
    rates = throughput.rates[1:] or throughput.rates
    info = {
        "epochs": len(rows),
        "resumed_from_epoch": resumed_from_epoch,
        "final": {k: float(v) for k, v in last.items() if k != "epoch"},
        "samples_per_second": float(sum(rates) / len(rates)) if rates else None,
        "steps_per_execution": per_execution,
    }
    return model, info
