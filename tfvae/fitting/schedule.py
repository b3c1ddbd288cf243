"""How long models train: epochs and steps by the number of rows, steps per `tf.function`
call (one rule for the detectors and `tfvae train`), and the detectors' row stream."""

import math

import tensorflow as tf

from tfvae.models._validation import check_positive_int

#: Gradient steps a detector takes with `epochs="auto"` (before early stopping).
STEP_BUDGET = 800
#: Bounds of the epochs `"auto"` gives: small tables still see every row many times,
#: large ones at least a few.
MIN_EPOCHS, MAX_EPOCHS = 5, 200
#: Training steps per `tf.function` call: at small batches Keras' per-step Python
#: overhead otherwise dominates (benchmarks/speed.py); the updates are the same.
MAX_STEPS_PER_EXECUTION = 32
#: Share of the epochs after which a detector with `filter_fraction` sets rows aside.
FILTER_AFTER = 0.25


def training_schedule(n_rows, batch_size, epochs="auto"):
    """`(steps_per_epoch, steps_per_execution, epochs)` for `n_rows` training rows.

    An epoch is one pass over the rows, or several passes for tables of fewer than
    `MAX_STEPS_PER_EXECUTION` batches (so that validation and callbacks do not run
    after every step), rounded up to a whole number of `steps_per_execution` calls
    over a repeated, reshuffled stream of the rows: every epoch runs exactly
    `steps_per_epoch` steps (Keras 3 otherwise runs whole multiples of
    `steps_per_execution` and overruns short epochs). `epochs="auto"` gives about
    `STEP_BUDGET` steps whatever the size of the table.

    Args:
        n_rows: int. Training rows.
        batch_size: int. Rows per step.
        epochs: int or `"auto"`.

    Returns:
        Three ints.
    """
    batch_size = check_positive_int("batch_size", batch_size)
    batches = max(1, math.ceil(n_rows / batch_size))
    steps_per_epoch = MAX_STEPS_PER_EXECUTION * math.ceil(batches / MAX_STEPS_PER_EXECUTION)
    if epochs == "auto":
        epochs = int(min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(STEP_BUDGET / steps_per_epoch))))
    return (
        steps_per_epoch,
        steps_per_execution(steps_per_epoch),
        check_positive_int("epochs", epochs),
    )


def steps_per_execution(
    steps_per_epoch, requested=MAX_STEPS_PER_EXECUTION, replicas=1, input_ends=False
):
    """Training steps per `tf.function` call: the one rule of every fit.

    Keras 3.15 runs whole multiples of `steps_per_execution` per epoch over an input
    that does not end (a 265-step epoch at 32 ran 288 batches), so the value is the
    largest divisor of `steps_per_epoch` not above `requested`: every epoch runs
    exactly its steps. An input that ends with the epoch (an array given to `fit`, as
    the GAN's) stops the last call itself, so it keeps `requested` (at most the epoch's
    steps): a divisor would only add calls (a 37-batch GAN epoch at 1 step per call
    fitted about 1.2 times slower, same losses). Keras 3.15 with TensorFlow 2.21 also
    fails under MirroredStrategy when `steps_per_execution > 1` ("You must feed a value
    for placeholder tensor ... in multi_step_on_iterator"), so several replicas run one
    step per call.

    Args:
        steps_per_epoch: int. Steps (batches) of one epoch.
        requested: int. The most steps per call wanted.
        replicas: int. Replicas of the distribution strategy.
        input_ends: bool. The input ends with each epoch (a finite array input).

    Returns:
        An int in `[1, requested]`.

    Example:
    ```python
    steps_per_execution(265)  # 5 (265 = 5 x 53)
    ```
    """
    if replicas > 1:
        return 1
    if input_ends:
        return max(1, min(requested, steps_per_epoch))
    return max(d for d in range(1, min(requested, steps_per_epoch) + 1) if steps_per_epoch % d == 0)


def row_batches(inputs, batch_size, seed=None, repeat=False):
    """`tf.data` batches of the rows of an array or a dict of column arrays.

    Batches are gathered from whole tensors (element-wise `tf.data` over many
    columns costs more than the model step). With `repeat=True` the rows are
    reshuffled on every pass and the stream never ends (the caller sets
    `steps_per_epoch`).

    Args:
        inputs: array `[rows, ...]` or dict of arrays `[rows]`.
        batch_size: int. Rows per batch.
        seed: int or None. Shuffle seed (only with `repeat=True`).
        repeat: bool. Shuffle and repeat for training.

    Returns:
        A `tf.data.Dataset`.
    """
    tensors = tf.nest.map_structure(tf.constant, inputs)
    n_rows = int(tf.nest.flatten(tensors)[0].shape[0])
    indices = tf.data.Dataset.range(n_rows)
    if repeat:
        indices = indices.shuffle(n_rows, seed=seed, reshuffle_each_iteration=True).repeat()
    indices = indices.batch(batch_size)
    return indices.map(
        lambda idx: tf.nest.map_structure(lambda t: tf.gather(t, idx), tensors)
    ).prefetch(tf.data.AUTOTUNE)
